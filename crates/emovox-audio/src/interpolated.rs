//! Resampling through rubato's windowed-sinc resampler, for the rate pairs whose table is too
//! large for [`crate::polyphase`]: a windowed sinc over 256 input samples (squared
//! Blackman-Harris window, cut at 0.95 of the lower Nyquist frequency), interpolated (cubically)
//! from rubato's 256x oversampled table, with its delay removed.

use rubato::{
    Resampler as _, SincFixedIn, SincInterpolationParameters, SincInterpolationType, WindowFunction,
};

use crate::resample::gcd;
use crate::AudioError;

/// Input samples rubato's filter spans.
const TAPS: usize = 256;

/// Cut-off of rubato's filter, as a fraction of the lower Nyquist frequency.
const CUTOFF: f32 = 0.95;

/// Input frames handed to rubato per call.
const CHUNK: usize = 1024;

/// rubato's resampler, the delay compensation and the input not yet handed to it.
pub(crate) struct Interpolated {
    inner: SincFixedIn<f32>,
    lead_zeros: usize,
    skip_outputs: usize,
    /// Outputs still to drop at the start of the stream.
    to_skip: usize,
    /// Input not yet handed to rubato (the lead zeros first, at the start of a stream).
    pending: Vec<f32>,
    /// One output chunk (reused).
    output: Vec<Vec<f32>>,
}

/// rubato's `SincFixedIn` (started fresh) computes output `n` from input time
/// `(n + 1) · from / to − 1`. With `g = gcd(from, to)`, putting `from / g − 1` zeros before the
/// input and dropping the first `to / g − 1` outputs moves output `n` to input time
/// `n · from / to` exactly. Returns `(lead_zeros, skip_outputs)`.
fn alignment(from: u32, to: u32) -> (usize, usize) {
    let g = gcd(from, to);
    ((from / g - 1) as usize, (to / g - 1) as usize)
}

fn resample_error(e: rubato::ResampleError) -> AudioError {
    AudioError::Resample(e.to_string())
}

impl Interpolated {
    /// rubato's resampler for `from` -> `to` Hz with emovox's filter (one channel).
    pub fn new(from: u32, to: u32) -> Result<Self, AudioError> {
        let parameters = SincInterpolationParameters {
            sinc_len: TAPS,
            f_cutoff: CUTOFF,
            interpolation: SincInterpolationType::Cubic,
            oversampling_factor: 256,
            window: WindowFunction::BlackmanHarris2,
        };
        let inner = SincFixedIn::<f32>::new(to as f64 / from as f64, 1.0, parameters, CHUNK, 1)
            .map_err(|e| AudioError::Resample(e.to_string()))?;
        let output = vec![vec![0.0; inner.output_frames_max()]];
        let (lead_zeros, skip_outputs) = alignment(from, to);
        Ok(Self {
            inner,
            lead_zeros,
            skip_outputs,
            to_skip: skip_outputs,
            pending: vec![0.0; lead_zeros],
            output,
        })
    }

    /// Appends `chunk` and the output of every complete rubato chunk to `out`.
    pub fn process_into(&mut self, chunk: &[f32], out: &mut Vec<f32>) -> Result<(), AudioError> {
        self.pending.extend_from_slice(chunk);
        let mut used = 0;
        loop {
            let needed = self.inner.input_frames_next();
            if self.pending.len() - used < needed {
                break;
            }
            let input = &self.pending[used..used + needed];
            let (consumed, produced) = self
                .inner
                .process_into_buffer(&[input], &mut self.output, None)
                .map_err(resample_error)?;
            used += consumed;
            self.emit(produced, out);
        }
        self.pending.drain(..used);
        Ok(())
    }

    /// Ends the stream with silence until `count` more outputs are appended to `out`.
    pub fn finish(&mut self, count: usize, out: &mut Vec<f32>) -> Result<(), AudioError> {
        let target = out.len() + count;
        while out.len() < target {
            let (_, produced) = if self.pending.is_empty() {
                self.inner
                    .process_partial_into_buffer(None::<&[&[f32]]>, &mut self.output, None)
            } else {
                let input = std::mem::take(&mut self.pending);
                let result = self.inner.process_partial_into_buffer(
                    Some(&[&input[..]]),
                    &mut self.output,
                    None,
                );
                self.pending = input;
                self.pending.clear();
                result
            }
            .map_err(resample_error)?;
            self.emit(produced, out);
        }
        // The last call may give more than the stream holds.
        out.truncate(target);
        Ok(())
    }

    /// Forgets the stream.
    pub fn reset(&mut self) {
        self.inner.reset();
        self.to_skip = self.skip_outputs;
        self.pending.clear();
        self.pending.resize(self.lead_zeros, 0.0);
    }

    /// Appends the first `produced` samples of the output chunk, less those still to skip.
    fn emit(&mut self, produced: usize, out: &mut Vec<f32>) {
        let dropped = self.to_skip.min(produced);
        self.to_skip -= dropped;
        out.extend_from_slice(&self.output[0][dropped..produced]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alignment_of_common_rates() {
        assert_eq!(alignment(48_000, 16_000), (2, 0));
        assert_eq!(alignment(8_000, 16_000), (0, 1));
        assert_eq!(alignment(44_100, 16_000), (440, 159));
    }
}
