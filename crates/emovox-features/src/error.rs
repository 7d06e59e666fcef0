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
    #[error("the signal has {samples} samples, shorter than one frame of {frame} samples")]
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
    if let Some(index) = first_non_finite(samples) {
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

/// The index of the first NaN or infinite sample. Blocks of 256 are first tested without an
/// early exit (the largest magnitude's bits against infinity's, which vectorises); only a block
/// that fails is searched element by element.
fn first_non_finite(samples: &[f32]) -> Option<usize> {
    const BLOCK: usize = 256;
    const INFINITY_BITS: u32 = 0x7f80_0000;
    samples
        .chunks(BLOCK)
        .enumerate()
        .find(|(_, block)| {
            let largest = block
                .iter()
                .fold(0u32, |m, s| m.max(s.to_bits() & 0x7fff_ffff));
            largest >= INFINITY_BITS
        })
        .and_then(|(b, block)| {
            let offset = block.iter().position(|s| !s.is_finite())?;
            Some(b * BLOCK + offset)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_non_finite_sample_is_found_in_any_block() {
        let clean = vec![0.25f32; 1000];
        assert_eq!(first_non_finite(&clean), None);
        assert_eq!(first_non_finite(&[f32::MAX, -f32::MAX]), None);
        for index in [0usize, 255, 256, 511, 999] {
            for bad in [f32::NAN, -f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
                let mut samples = clean.clone();
                samples[index] = bad;
                samples[999.min(index + 300)] = bad;
                assert_eq!(first_non_finite(&samples), Some(index), "{bad} at {index}");
            }
        }
    }
}
