//! Checks shared by every entry point: sample rates in a sane range, finite samples.

use crate::AudioError;

/// The lowest sample rate accepted, in Hz.
pub const MIN_SAMPLE_RATE: u32 = 1_000;
/// The highest sample rate accepted, in Hz (the highest rate of professional audio).
pub const MAX_SAMPLE_RATE: u32 = 768_000;

/// Refuses a sample rate of 0 or outside [`MIN_SAMPLE_RATE`]..=[`MAX_SAMPLE_RATE`].
pub fn validate_sample_rate(sample_rate: u32) -> Result<(), AudioError> {
    if (MIN_SAMPLE_RATE..=MAX_SAMPLE_RATE).contains(&sample_rate) {
        Ok(())
    } else {
        Err(AudioError::SampleRate(sample_rate))
    }
}

/// Refuses an empty signal or one holding a NaN or infinite sample.
pub fn validate_samples(samples: &[f32]) -> Result<(), AudioError> {
    if samples.is_empty() {
        return Err(AudioError::NoSamples);
    }
    match samples.iter().position(|s| !s.is_finite()) {
        Some(index) => Err(AudioError::NonFiniteSample { index }),
        None => Ok(()),
    }
}
