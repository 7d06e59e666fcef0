//! Sample-rate conversion with rubato's windowed-sinc resampler, aligned with the input.

use rubato::{
    Resampler as _, SincFixedIn, SincInterpolationParameters, SincInterpolationType, WindowFunction,
};

use crate::{validate_sample_rate, AudioError};

/// Input frames handed to rubato per call.
const CHUNK: usize = 1024;

/// A resampler from one fixed rate to another, built once and reused for many clips.
///
/// Output sample `n` is the input signal at time `n · from / to` (the filter delay is removed,
/// checked in the tests against ideal sines) and a clip of `len` samples gives
/// `round(len · to / from)` samples.
///
/// ```
/// let mut resampler = emovox_audio::Resampler::new(48_000, 16_000)?;
/// let clip = vec![0.0f32; 48_000];
/// assert_eq!(resampler.process(&clip)?.len(), 16_000);
/// # Ok::<(), emovox_audio::AudioError>(())
/// ```
pub struct Resampler {
    from: u32,
    to: u32,
    /// `None` when `from == to` (a plain copy).
    sinc: Option<SincPlan>,
}

/// rubato's resampler with the buffers and the delay compensation of one rate pair.
struct SincPlan {
    inner: SincFixedIn<f32>,
    /// Zeros put before the input and outputs dropped afterwards, so that output `n` lands on
    /// input time `n · from / to` (see [`alignment`]).
    lead_zeros: usize,
    skip_outputs: usize,
    /// One input chunk, staged (reused between calls).
    staging: Vec<f32>,
    /// One output chunk (reused between calls).
    output: Vec<Vec<f32>>,
}

impl std::fmt::Debug for Resampler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Resampler")
            .field("from", &self.from)
            .field("to", &self.to)
            .finish()
    }
}

/// rubato's `SincFixedIn` (started fresh) computes output `n` from input time
/// `(n + 1) · from / to − 1`. With `g = gcd(from, to)`, putting `from / g − 1` zeros before the
/// input and dropping the first `to / g − 1` outputs moves output `n` to input time
/// `n · from / to` exactly. Returns `(lead_zeros, skip_outputs)`.
pub(crate) fn alignment(from: u32, to: u32) -> (usize, usize) {
    let g = gcd(from, to);
    ((from / g - 1) as usize, (to / g - 1) as usize)
}

/// rubato's windowed-sinc resampler as every emovox conversion uses it (one channel, input
/// chunks of [`CHUNK`] frames).
pub(crate) fn build_sinc(from: u32, to: u32) -> Result<SincFixedIn<f32>, AudioError> {
    let parameters = SincInterpolationParameters {
        sinc_len: 256,
        f_cutoff: 0.95,
        interpolation: SincInterpolationType::Cubic,
        oversampling_factor: 256,
        window: WindowFunction::BlackmanHarris2,
    };
    SincFixedIn::<f32>::new(to as f64 / from as f64, 1.0, parameters, CHUNK, 1)
        .map_err(|e| AudioError::Resample(e.to_string()))
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
        validate_sample_rate(from)?;
        validate_sample_rate(to)?;
        if from == to {
            return Ok(Self {
                from,
                to,
                sinc: None,
            });
        }
        let inner = build_sinc(from, to)?;
        let output = vec![vec![0.0; inner.output_frames_max()]];
        let (lead_zeros, skip_outputs) = alignment(from, to);
        Ok(Self {
            from,
            to,
            sinc: Some(SincPlan {
                inner,
                lead_zeros,
                skip_outputs,
                staging: vec![0.0; CHUNK],
                output,
            }),
        })
    }

    /// The input rate, in Hz.
    pub fn from_rate(&self) -> u32 {
        self.from
    }

    /// The output rate, in Hz.
    pub fn to_rate(&self) -> u32 {
        self.to
    }

    /// The output length for a clip of `input_len` samples: `round(input_len · to / from)`.
    pub fn output_len(&self, input_len: usize) -> usize {
        (input_len as f64 * self.to as f64 / self.from as f64).round() as usize
    }

    /// Resamples one whole clip to `round(len · to / from)` samples, aligned with the input.
    /// An empty clip gives an empty output; a NaN or infinite sample is an error.
    pub fn process(&mut self, samples: &[f32]) -> Result<Vec<f32>, AudioError> {
        if let Some(index) = samples.iter().position(|s| !s.is_finite()) {
            return Err(AudioError::NonFiniteSample { index });
        }
        let expected = self.output_len(samples.len());
        let Some(plan) = self.sinc.as_mut() else {
            return Ok(samples.to_vec());
        };
        plan.run(samples, expected)
    }
}

impl SincPlan {
    /// Feeds `lead_zeros` zeros, then `samples`, then silence until `expected` aligned outputs
    /// exist; returns them.
    fn run(&mut self, samples: &[f32], expected: usize) -> Result<Vec<f32>, AudioError> {
        let resample_error = |e: rubato::ResampleError| AudioError::Resample(e.to_string());
        self.inner.reset();
        let mut out = Vec::with_capacity(expected + self.output[0].len());
        let mut to_skip = self.skip_outputs;
        // Position in the virtual input: `lead_zeros` zeros followed by `samples`.
        let total = self.lead_zeros + samples.len();
        let mut position = 0;
        while out.len() < expected {
            let needed = self.inner.input_frames_next();
            let available = total.saturating_sub(position).min(needed);
            self.stage(samples, position, available);
            let staged = &self.staging[..available];
            let (consumed, produced) = if available == needed {
                self.inner
                    .process_into_buffer(&[staged], &mut self.output, None)
            } else if available == 0 {
                self.inner
                    .process_partial_into_buffer(None::<&[&[f32]]>, &mut self.output, None)
            } else {
                self.inner
                    .process_partial_into_buffer(Some(&[staged]), &mut self.output, None)
            }
            .map_err(resample_error)?;
            position += consumed.min(available);
            let dropped = to_skip.min(produced);
            to_skip -= dropped;
            out.extend_from_slice(&self.output[0][dropped..produced]);
        }
        out.truncate(expected);
        Ok(out)
    }

    /// Copies `count` samples of the virtual input from `position` into the staging buffer.
    fn stage(&mut self, samples: &[f32], position: usize, count: usize) {
        if self.staging.len() < count {
            self.staging.resize(count, 0.0);
        }
        for (i, slot) in self.staging[..count].iter_mut().enumerate() {
            let at = position + i;
            *slot = if at < self.lead_zeros {
                0.0
            } else {
                samples[at - self.lead_zeros]
            };
        }
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
    fn alignment_of_common_rates() {
        assert_eq!(alignment(48_000, 16_000), (2, 0));
        assert_eq!(alignment(8_000, 16_000), (0, 1));
        assert_eq!(alignment(44_100, 16_000), (440, 159));
        assert_eq!(gcd(22_050, 16_000), 50);
    }
}
