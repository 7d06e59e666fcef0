//! Sample-rate conversion of whole clips, aligned with the input.

use crate::{AudioError, StreamResampler};

/// A resampler from one fixed rate to another, built once and reused for many clips.
///
/// Output sample `n` is the input signal at time `n · from / to` (the filter delay is removed,
/// checked in the tests against ideal sines) and a clip of `len` samples gives
/// `round(len · to / from)` samples. It is a [`StreamResampler`] fed the whole clip at once, so
/// the filter (a Kaiser-windowed sinc designed to match `librosa.load`'s soxr HQ resampling,
/// see [`StreamResampler`]) and the output are the same as streaming the clip in chunks.
///
/// ```
/// let mut resampler = emovox_audio::Resampler::new(48_000, 16_000)?;
/// let clip = vec![0.0f32; 48_000];
/// assert_eq!(resampler.process(&clip)?.len(), 16_000);
/// # Ok::<(), emovox_audio::AudioError>(())
/// ```
#[derive(Debug)]
pub struct Resampler {
    stream: StreamResampler,
}

pub(crate) fn gcd(mut a: u32, mut b: u32) -> u32 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

impl Resampler {
    /// Plans a conversion from `from` Hz to `to` Hz (a plain copy when they are equal).
    pub fn new(from: u32, to: u32) -> Result<Self, AudioError> {
        Ok(Self {
            stream: StreamResampler::new(from, to)?,
        })
    }

    /// The input rate, in Hz.
    pub fn from_rate(&self) -> u32 {
        self.stream.from_rate()
    }

    /// The output rate, in Hz.
    pub fn to_rate(&self) -> u32 {
        self.stream.to_rate()
    }

    /// The output length for a clip of `input_len` samples: `round(input_len · to / from)`.
    pub fn output_len(&self, input_len: usize) -> usize {
        self.stream.output_len(input_len as u64) as usize
    }

    /// Resamples one whole clip to `round(len · to / from)` samples, aligned with the input.
    /// An empty clip gives an empty output; a NaN or infinite sample is an error.
    pub fn process(&mut self, samples: &[f32]) -> Result<Vec<f32>, AudioError> {
        let mut out = Vec::with_capacity(self.output_len(samples.len()));
        self.process_into(samples, &mut out)?;
        Ok(out)
    }

    /// [`Resampler::process`] into a caller-owned buffer: `out` is cleared, then holds the
    /// resampled clip (nothing is allocated when its capacity suffices, as in rubato's
    /// `process_into_buffer`).
    pub fn process_into(&mut self, samples: &[f32], out: &mut Vec<f32>) -> Result<(), AudioError> {
        self.stream.reset();
        out.clear();
        out.reserve(self.output_len(samples.len()));
        self.stream.process_into(samples, out)?;
        self.stream.flush(out)?;
        Ok(())
    }
}

/// Resamples `samples` from `from` Hz to `to` Hz (a copy when equal). Builds a [`Resampler`]
/// each call: keep one yourself to convert many clips.
pub fn resample(samples: &[f32], from: u32, to: u32) -> Result<Vec<f32>, AudioError> {
    Resampler::new(from, to)?.process(samples)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gcd_of_common_rates() {
        assert_eq!(gcd(22_050, 16_000), 50);
        assert_eq!(gcd(44_100, 16_000), 100);
    }
}
