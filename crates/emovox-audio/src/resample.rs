//! Sample-rate conversion with rubato's windowed-sinc resampler.

use rubato::{
    Resampler as _, SincFixedIn, SincInterpolationParameters, SincInterpolationType, WindowFunction,
};

use crate::{validate_sample_rate, AudioError};

/// Input frames handed to rubato per call.
const CHUNK: usize = 1024;

/// A resampler from one fixed rate to another, built once and reused for many clips.
///
/// Output is aligned with the input (an impulse keeps its time, checked in the tests) and has
/// `round(len * to / from)` samples.
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
    inner: Option<SincFixedIn<f32>>,
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

impl Resampler {
    /// Plans a conversion from `from` Hz to `to` Hz (a plain copy when they are equal).
    pub fn new(from: u32, to: u32) -> Result<Self, AudioError> {
        validate_sample_rate(from)?;
        validate_sample_rate(to)?;
        if from == to {
            return Ok(Self {
                from,
                to,
                inner: None,
                output: Vec::new(),
            });
        }
        let parameters = SincInterpolationParameters {
            sinc_len: 256,
            f_cutoff: 0.95,
            interpolation: SincInterpolationType::Cubic,
            oversampling_factor: 256,
            window: WindowFunction::BlackmanHarris2,
        };
        let inner = SincFixedIn::<f32>::new(to as f64 / from as f64, 1.0, parameters, CHUNK, 1)
            .map_err(|e| AudioError::Resample(e.to_string()))?;
        let output = vec![vec![0.0; inner.output_frames_max()]];
        Ok(Self {
            from,
            to,
            inner: Some(inner),
            output,
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

    /// Resamples one whole clip.
    pub fn process(&mut self, samples: &[f32]) -> Result<Vec<f32>, AudioError> {
        let Some(inner) = self.inner.as_mut() else {
            return Ok(samples.to_vec());
        };
        inner.reset();
        let expected = (samples.len() as f64 * self.to as f64 / self.from as f64).round() as usize;
        let mut out = Vec::with_capacity(expected + self.output[0].len());
        let resample_error = |e: rubato::ResampleError| AudioError::Resample(e.to_string());
        let mut position = 0;
        while out.len() < expected {
            let remaining = &samples[position.min(samples.len())..];
            let (consumed, produced) = if remaining.len() >= inner.input_frames_next() {
                inner.process_into_buffer(&[remaining], &mut self.output, None)
            } else if remaining.is_empty() {
                inner.process_partial_into_buffer(None::<&[&[f32]]>, &mut self.output, None)
            } else {
                inner.process_partial_into_buffer(Some(&[remaining]), &mut self.output, None)
            }
            .map_err(resample_error)?;
            position += consumed;
            out.extend_from_slice(&self.output[0][..produced]);
        }
        out.truncate(expected);
        Ok(out)
    }
}

/// Resamples `samples` from `from` Hz to `to` Hz (a copy when equal). Builds a [`Resampler`]
/// each call: keep one yourself to convert many clips.
pub fn resample(samples: &[f32], from: u32, to: u32) -> Result<Vec<f32>, AudioError> {
    Resampler::new(from, to)?.process(samples)
}
