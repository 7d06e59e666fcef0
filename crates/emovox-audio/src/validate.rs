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
    match first_non_finite(samples) {
        Some(index) => Err(AudioError::NonFiniteSample { index }),
        None => Ok(()),
    }
}

/// The index of the first NaN or infinite sample. Blocks of 256 are first tested without an
/// early exit (the largest magnitude's bits against infinity's, which vectorises); only a block
/// that fails is searched element by element.
pub fn first_non_finite(samples: &[f32]) -> Option<usize> {
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
