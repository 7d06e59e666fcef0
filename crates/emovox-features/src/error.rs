use thiserror::Error;

/// Why a feature configuration or a feature computation was refused.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum FeatureError {
    /// A configuration value is out of its valid range.
    #[error("invalid feature configuration: {0}")]
    InvalidConfig(String),
    /// The input signal has no samples.
    #[error("the signal is empty")]
    EmptySignal,
    /// The input signal holds a NaN or infinite sample.
    #[error("the signal holds a non-finite sample at index {index}")]
    NonFiniteSample {
        /// Index of the first offending sample.
        index: usize,
    },
    /// The signal is shorter than one analysis frame, so it has no spectrum.
    #[error(
        "the signal has {samples} sample{}, shorter than one frame of {frame} samples",
        if *samples == 1 { "" } else { "s" }
    )]
    TooShort {
        /// Length of the signal, in samples.
        samples: usize,
        /// The shortest usable length, in samples.
        frame: usize,
    },
    /// The input could not be resampled to the pipeline's rate (e.g. an absurd sample rate).
    #[error("cannot resample the input: {0}")]
    Resample(String),
    /// A [`crate::FrontEnd`] was given no feature spec.
    #[error("a front end needs at least one feature spec")]
    NoViews,
    /// The specs of a [`crate::FrontEnd`] ask for different sample rates.
    #[error("the views of a front end must share one sample rate: {first} Hz and {other} Hz")]
    MixedSampleRates {
        /// The first view's rate, in Hz.
        first: u32,
        /// A rate that differs from it, in Hz.
        other: u32,
    },
    /// Deltas need at least as many frames as the delta window is wide.
    #[error("deltas of width {width} need at least {width} frames, got {frames}")]
    TooFewFrames {
        /// Frames available.
        frames: usize,
        /// Delta window width.
        width: usize,
    },
}

/// Checks that a signal is long enough and finite.
pub(crate) fn check_signal(samples: &[f32], frame: usize) -> Result<(), FeatureError> {
    if samples.is_empty() {
        return Err(FeatureError::EmptySignal);
    }
    if let Some(index) = emovox_audio::first_non_finite(samples) {
        return Err(FeatureError::NonFiniteSample { index });
    }
    if samples.len() < frame {
        return Err(FeatureError::TooShort {
            samples: samples.len(),
            frame,
        });
    }
    Ok(())
}
