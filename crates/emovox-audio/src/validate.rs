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
/// early exit (which vectorises); only a block that fails is searched element by element.
pub fn first_non_finite(samples: &[f32]) -> Option<usize> {
    const BLOCK: usize = 256;
    samples
        .chunks(BLOCK)
        .enumerate()
        .find(|(_, block)| has_non_finite(block))
        .and_then(|(b, block)| {
            let offset = block.iter().position(|s| !s.is_finite())?;
            Some(b * BLOCK + offset)
        })
}

/// Whether `block` holds a NaN or an infinity: `s * 0` is NaN exactly for those and zero
/// otherwise, and a NaN survives the sums; sixteen lane sums with no early exit vectorise.
fn has_non_finite(block: &[f32]) -> bool {
    let mut lanes = [0f32; 16];
    let chunks = block.chunks_exact(16);
    let tail = chunks.remainder().iter().any(|s| !s.is_finite());
    for chunk in chunks {
        for (lane, s) in lanes.iter_mut().zip(chunk) {
            *lane += s * 0.0;
        }
    }
    tail || lanes.iter().any(|lane| lane.is_nan())
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
