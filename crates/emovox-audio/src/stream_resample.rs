//! Resampling a stream pushed in chunks of any size, with the results of the whole-clip
//! [`crate::Resampler`].

use rubato::{Resampler as _, SincFixedIn};

use crate::resample::{alignment, build_sinc};
use crate::{validate_sample_rate, AudioError};

/// A stateful resampler for audio that arrives in chunks (a microphone at 44.1 or 48 kHz, a
/// file streamed with [`crate::open_audio_stream`]), converting to another rate as it goes.
///
/// Push chunks of any length with [`StreamResampler::process_into`], which appends the output
/// ready so far to a buffer of the caller's (nothing is allocated per call once the buffers
/// have grown); call [`StreamResampler::flush`] at the end of the stream for the tail. The
/// concatenated output is the same, sample for sample, as [`crate::Resampler::process`] on
/// the whole signal (same rubato filter, same chunking of its input, same delay compensation;
/// the tests check equality for random chunk sizes at 8 to 48 kHz), so it holds
/// `round(len · to / from)` samples aligned with the input. The output lags the input by the
/// filter's half-length (128 input samples) plus under one internal chunk of 1,024 input
/// samples; `flush` gives the rest.
///
/// ```
/// use emovox_audio::{Resampler, StreamResampler};
///
/// let signal: Vec<f32> = (0..44_100).map(|i| (i as f32 * 0.01).sin() * 0.5).collect();
/// let mut stream = StreamResampler::new(44_100, 16_000)?;
/// let mut out = Vec::new();
/// for chunk in signal.chunks(441) {
///     stream.process_into(chunk, &mut out)?; // appends what is ready
/// }
/// stream.flush(&mut out)?; // the tail; the resampler is ready for another stream
/// assert_eq!(out.len(), 16_000);
/// assert_eq!(out, Resampler::new(44_100, 16_000)?.process(&signal)?);
/// # Ok::<(), emovox_audio::AudioError>(())
/// ```
pub struct StreamResampler {
    from: u32,
    to: u32,
    /// `None` when `from == to` (a plain copy).
    plan: Option<Plan>,
    /// Input samples pushed since the stream began.
    pushed: u64,
    /// Output samples handed out since the stream began.
    emitted: u64,
}

struct Plan {
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

impl std::fmt::Debug for StreamResampler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StreamResampler")
            .field("from", &self.from)
            .field("to", &self.to)
            .field("pushed", &self.pushed)
            .field("emitted", &self.emitted)
            .finish()
    }
}

fn resample_error(e: rubato::ResampleError) -> AudioError {
    AudioError::Resample(e.to_string())
}

impl StreamResampler {
    /// Plans a conversion from `from` Hz to `to` Hz (a plain copy when they are equal). Any
    /// rates in [`crate::MIN_SAMPLE_RATE`]..=[`crate::MAX_SAMPLE_RATE`] are accepted.
    pub fn new(from: u32, to: u32) -> Result<Self, AudioError> {
        validate_sample_rate(from)?;
        validate_sample_rate(to)?;
        let plan = if from == to {
            None
        } else {
            let inner = build_sinc(from, to)?;
            let output = vec![vec![0.0; inner.output_frames_max()]];
            let (lead_zeros, skip_outputs) = alignment(from, to);
            Some(Plan {
                inner,
                lead_zeros,
                skip_outputs,
                to_skip: skip_outputs,
                pending: vec![0.0; lead_zeros],
                output,
            })
        };
        Ok(Self {
            from,
            to,
            plan,
            pushed: 0,
            emitted: 0,
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

    /// Input samples pushed since the stream began.
    pub fn samples_in(&self) -> u64 {
        self.pushed
    }

    /// Output samples handed out since the stream began.
    pub fn samples_out(&self) -> u64 {
        self.emitted
    }

    /// Pushes `chunk` (any length, 0 included) and appends the output it completes to `out`;
    /// returns how many samples were appended. A NaN or infinite sample is an error (its index
    /// counts from the start of the stream) and leaves the resampler as it was.
    pub fn process_into(&mut self, chunk: &[f32], out: &mut Vec<f32>) -> Result<usize, AudioError> {
        if let Some(i) = chunk.iter().position(|s| !s.is_finite()) {
            return Err(AudioError::NonFiniteSample {
                index: self.pushed as usize + i,
            });
        }
        self.pushed += chunk.len() as u64;
        let Some(plan) = self.plan.as_mut() else {
            out.extend_from_slice(chunk);
            self.emitted += chunk.len() as u64;
            return Ok(chunk.len());
        };
        let before = out.len();
        plan.pending.extend_from_slice(chunk);
        let mut used = 0;
        loop {
            let needed = plan.inner.input_frames_next();
            if plan.pending.len() - used < needed {
                break;
            }
            let input = &plan.pending[used..used + needed];
            let (consumed, produced) = plan
                .inner
                .process_into_buffer(&[input], &mut plan.output, None)
                .map_err(resample_error)?;
            used += consumed;
            plan.emit(produced, out);
        }
        plan.pending.drain(..used);
        let appended = out.len() - before;
        self.emitted += appended as u64;
        Ok(appended)
    }

    /// Ends the stream: appends the remaining output, so that the stream's output totals
    /// `round(samples_in · to / from)`, returns how many samples were appended, and makes the
    /// resampler ready for a new stream.
    pub fn flush(&mut self, out: &mut Vec<f32>) -> Result<usize, AudioError> {
        let expected = (self.pushed as f64 * self.to as f64 / self.from as f64).round() as u64;
        let before = out.len();
        if let Some(plan) = self.plan.as_mut() {
            let mut produced_total = self.emitted;
            while produced_total < expected {
                let start = out.len();
                let (_, produced) = if plan.pending.is_empty() {
                    plan.inner.process_partial_into_buffer(
                        None::<&[&[f32]]>,
                        &mut plan.output,
                        None,
                    )
                } else {
                    let input = std::mem::take(&mut plan.pending);
                    let result = plan.inner.process_partial_into_buffer(
                        Some(&[&input[..]]),
                        &mut plan.output,
                        None,
                    );
                    plan.pending = input;
                    plan.pending.clear();
                    result
                }
                .map_err(resample_error)?;
                plan.emit(produced, out);
                produced_total += (out.len() - start) as u64;
            }
            // The last call may give more than the stream holds.
            let excess = (produced_total - expected.min(produced_total)) as usize;
            out.truncate(out.len() - excess);
        }
        let appended = out.len() - before;
        self.reset();
        Ok(appended)
    }

    /// Drops any input not yet resampled and starts a new stream.
    pub fn reset(&mut self) {
        self.pushed = 0;
        self.emitted = 0;
        if let Some(plan) = self.plan.as_mut() {
            plan.inner.reset();
            plan.to_skip = plan.skip_outputs;
            plan.pending.clear();
            plan.pending.resize(plan.lead_zeros, 0.0);
        }
    }
}

impl Plan {
    /// Appends the first `produced` samples of the output chunk, less those still to skip.
    fn emit(&mut self, produced: usize, out: &mut Vec<f32>) {
        let dropped = self.to_skip.min(produced);
        self.to_skip -= dropped;
        out.extend_from_slice(&self.output[0][dropped..produced]);
    }
}
