//! Resampling a stream pushed in chunks of any size, with the results of the whole-clip
//! [`crate::Resampler`].

use crate::interpolated::Interpolated;
use crate::polyphase::Polyphase;
use crate::{validate_sample_rate, AudioError};

/// A stateful resampler for audio that arrives in chunks (a microphone at 44.1 or 48 kHz, a
/// file streamed with [`crate::open_audio_stream`]), converting to another rate as it goes.
///
/// Push chunks of any length with [`StreamResampler::process_into`], which appends the output
/// ready so far to a buffer of the caller's (nothing is allocated per call once the buffers
/// have grown); call [`StreamResampler::flush`] at the end of the stream for the tail. The
/// concatenated output is the same, sample for sample, as [`crate::Resampler::process`] on
/// the whole signal (the whole-clip resampler is this one, pushed once and flushed; each output
/// sample is computed from the same inputs in the same order whatever the chunking, and the
/// tests check equality for random chunk sizes at 8 to 48 kHz), so it holds
/// `round(len · to / from)` samples, output `n` being the input at time `n · from / to`.
///
/// The filter is designed to give what `librosa.load(path, sr=...)` gives (soxr's "HQ"
/// recipe): a Kaiser-windowed sinc (beta 12) cut at 0.9565 of the lower Nyquist frequency, the
/// middle of soxr's transition band, spanning 186 input samples times `max(1, from / to)` (256
/// for 22.05 -> 16 kHz, 512 for 44.1 -> 16 kHz); on white noise, whose energy fills the
/// transition and stop bands, it is within 6e-4 of soxr (`tests/resample_soxr.rs`). For the
/// common rates (any two of 8, 11.025, 16, 22.05, 24, 32, 44.1, 48, 88.2, 96 kHz) its taps are
/// tabulated exactly for each output phase, one product per output sample, and the output lags
/// the input by half the filter's span; for rate pairs whose table would be larger than 4 MiB,
/// rubato's windowed sinc (256 input samples, squared Blackman-Harris window, cut at 0.95) is
/// interpolated from its oversampled table, which adds up to 1,024 input samples of lag.
/// `flush` gives the rest.
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
    engine: Engine,
    /// Input samples pushed since the stream began.
    pushed: u64,
    /// Output samples handed out since the stream began.
    emitted: u64,
}

/// How the samples are converted.
enum Engine {
    /// Equal rates: a plain copy.
    Copy,
    /// Exact taps per output phase (the common rates).
    Polyphase(Box<Polyphase>),
    /// rubato's interpolated table (rate pairs with too many phases to tabulate).
    Interpolated(Box<Interpolated>),
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

impl StreamResampler {
    /// Plans a conversion from `from` Hz to `to` Hz (a plain copy when they are equal). Any
    /// rates in [`crate::MIN_SAMPLE_RATE`]..=[`crate::MAX_SAMPLE_RATE`] are accepted.
    pub fn new(from: u32, to: u32) -> Result<Self, AudioError> {
        validate_sample_rate(from)?;
        validate_sample_rate(to)?;
        let engine = if from == to {
            Engine::Copy
        } else if let Some(polyphase) = Polyphase::new(from, to) {
            Engine::Polyphase(Box::new(polyphase))
        } else {
            Engine::Interpolated(Box::new(Interpolated::new(from, to)?))
        };
        Ok(Self {
            from,
            to,
            engine,
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

    /// The output length for a stream of `input_len` samples: `round(input_len · to / from)`.
    pub fn output_len(&self, input_len: u64) -> u64 {
        (input_len as f64 * f64::from(self.to) / f64::from(self.from)).round() as u64
    }

    /// Pushes `chunk` (any length, 0 included) and appends the output it completes to `out`;
    /// returns how many samples were appended. A NaN or infinite sample is an error (its index
    /// counts from the start of the stream) and leaves the resampler as it was.
    pub fn process_into(&mut self, chunk: &[f32], out: &mut Vec<f32>) -> Result<usize, AudioError> {
        if let Some(i) = crate::first_non_finite(chunk) {
            return Err(AudioError::NonFiniteSample {
                index: self.pushed as usize + i,
            });
        }
        self.pushed += chunk.len() as u64;
        let before = out.len();
        match &mut self.engine {
            Engine::Copy => out.extend_from_slice(chunk),
            Engine::Polyphase(p) => p.process_into(chunk, out),
            Engine::Interpolated(i) => i.process_into(chunk, out)?,
        }
        let appended = out.len() - before;
        self.emitted += appended as u64;
        Ok(appended)
    }

    /// Ends the stream: appends the remaining output, so that the stream's output totals
    /// `round(samples_in · to / from)`, returns how many samples were appended, and makes the
    /// resampler ready for a new stream.
    pub fn flush(&mut self, out: &mut Vec<f32>) -> Result<usize, AudioError> {
        let left = self.output_len(self.pushed).saturating_sub(self.emitted) as usize;
        let before = out.len();
        match &mut self.engine {
            Engine::Copy => {}
            Engine::Polyphase(p) => p.finish(left, out),
            Engine::Interpolated(i) => i.finish(left, out)?,
        }
        let appended = out.len() - before;
        self.reset();
        Ok(appended)
    }

    /// Drops any input not yet resampled and starts a new stream.
    pub fn reset(&mut self) {
        self.pushed = 0;
        self.emitted = 0;
        match &mut self.engine {
            Engine::Copy => {}
            Engine::Polyphase(p) => p.reset(),
            Engine::Interpolated(i) => i.reset(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const COMMON: [u32; 10] = [
        8_000, 11_025, 16_000, 22_050, 24_000, 32_000, 44_100, 48_000, 88_200, 96_000,
    ];

    #[test]
    fn common_rate_pairs_use_exact_taps_others_rubato() {
        for from in COMMON {
            for to in COMMON.into_iter().filter(|&to| to != from) {
                let engine = StreamResampler::new(from, to).unwrap().engine;
                assert!(matches!(engine, Engine::Polyphase(_)), "{from} -> {to}");
            }
        }
        let odd = StreamResampler::new(44_101, 16_000).unwrap().engine;
        assert!(matches!(odd, Engine::Interpolated(_)));
    }

    /// Three sines (300, 1,700 and 3,500 Hz: inside the pass band of every rate here), peak
    /// 0.6, sampled at `rate`.
    fn sines(rate: u32, len: usize) -> Vec<f64> {
        let tau = std::f64::consts::TAU;
        (0..len)
            .map(|i| {
                let t = i as f64 / f64::from(rate);
                0.3 * (tau * 300.0 * t).sin()
                    + 0.2 * (tau * 1_700.0 * t).sin()
                    + 0.1 * (tau * 3_500.0 * t).sin()
            })
            .collect()
    }

    /// The exact per-phase taps against rubato's cubic interpolation of the same filter from its
    /// 256x oversampled table (what emovox used before, and still uses for odd rate pairs), both
    /// measured against the ideal output: the sines sampled at the new rate.
    #[test]
    fn exact_taps_are_at_least_as_accurate_as_rubato_interpolated_table() {
        for (from, to) in [
            (44_100, 16_000),
            (48_000, 16_000),
            (22_050, 16_000),
            (8_000, 16_000),
            (16_000, 44_100),
        ] {
            let x: Vec<f32> = sines(from, 2 * from as usize)
                .iter()
                .map(|&v| v as f32)
                .collect();
            let ideal = sines(to, 2 * to as usize);
            let error = |engine: Engine| {
                let mut r = StreamResampler::new(from, to).unwrap();
                r.engine = engine;
                let mut out = Vec::new();
                r.process_into(&x, &mut out).unwrap();
                r.flush(&mut out).unwrap();
                assert_eq!(out.len(), ideal.len());
                // Away from the edges, where the implicit silence is part of the signal.
                let edge = to as usize / 10;
                (edge..out.len() - edge)
                    .map(|i| (f64::from(out[i]) - ideal[i]).abs())
                    .fold(0.0, f64::max)
            };
            let exact = error(Engine::Polyphase(Box::new(
                Polyphase::new(from, to).unwrap(),
            )));
            let rubato = error(Engine::Interpolated(Box::new(
                Interpolated::new(from, to).unwrap(),
            )));
            eprintln!("{from} -> {to}: max error exact taps {exact:.2e}, rubato {rubato:.2e}");
            assert!(exact < 1e-4, "{from} -> {to}: {exact}");
            assert!(exact <= rubato, "{from} -> {to}: {exact} > {rubato}");
        }
    }
}
