//! Frame-wise pitch (F0) and voicing: the normalised autocorrelation method of Boersma (1993),
//! on the same frame grid as the spectrogram, so prosody can be stacked with MFCC or log-mel.

use std::sync::Arc;

use ndarray::Array2;
use realfft::num_complex::Complex;
use realfft::{ComplexToReal, RealFftPlanner, RealToComplex};
use serde::{Deserialize, Serialize};

use crate::error::check_signal;
use crate::window::hann_periodic;
use crate::FeatureError;

/// Rows of [`PitchTracker::compute`]'s output.
pub const PITCH_ROWS: usize = 2;

/// Parameters of the pitch tracker.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PitchConfig {
    /// Lowest F0 searched, in Hz.
    pub fmin: f32,
    /// Highest F0 searched, in Hz.
    pub fmax: f32,
    /// Analysis window (Hann) in samples; at least two periods of `fmin`.
    pub win_length: usize,
    /// A frame whose autocorrelation peak reaches this strength is voiced.
    pub voicing_threshold: f32,
    /// Frames this many dB below the loudest frame of the clip are silent (strength 0).
    pub silence_db: f32,
}

impl PitchConfig {
    /// Speech at 16 kHz: 75-600 Hz, 40 ms window, voiced from strength 0.45 (Praat's default),
    /// silence 40 dB below the loudest frame.
    pub fn speech() -> Self {
        Self {
            fmin: 75.0,
            fmax: 600.0,
            win_length: 640,
            voicing_threshold: 0.45,
            silence_db: 40.0,
        }
    }

    /// Checks the parameters against the sample rate they will be used at.
    pub fn validate(&self, sample_rate: u32) -> Result<(), FeatureError> {
        let invalid = |m: String| Err(FeatureError::InvalidConfig(m));
        let nyquist = sample_rate as f32 / 2.0;
        if !(self.fmin.is_finite() && self.fmin > 0.0 && self.fmax > self.fmin) {
            return invalid(format!(
                "pitch range {}-{} Hz must be positive and increasing",
                self.fmin, self.fmax
            ));
        }
        if !(self.fmax.is_finite() && self.fmax < nyquist) {
            return invalid(format!(
                "pitch fmax {} Hz must be below Nyquist ({nyquist} Hz)",
                self.fmax
            ));
        }
        let longest_period = sample_rate as f32 / self.fmin;
        if (self.win_length as f32) < 2.0 * longest_period || self.win_length > 65_536 {
            return invalid(format!(
                "pitch win_length {} must hold two periods of fmin ({:.0} samples) and be at most 65536",
                self.win_length,
                2.0 * longest_period
            ));
        }
        if !(0.0..=1.0).contains(&self.voicing_threshold) {
            return invalid("pitch voicing_threshold must be in [0, 1]".into());
        }
        if !(self.silence_db.is_finite() && self.silence_db > 0.0) {
            return invalid("pitch silence_db must be positive".into());
        }
        Ok(())
    }
}

/// A pitch-tracking plan (FFT plans, window and its autocorrelation), built once, reused.
///
/// Frame `t` is centred on sample `t * hop_length`, as the spectrogram's frames are
/// (`center=True`), so both give `1 + len / hop_length` frames. Output rows:
/// 0. `log2(F0 / 100 Hz)` of voiced frames, linearly interpolated across unvoiced ones (held
///    at the ends; 0 when the clip has no voiced frame), a continuous contour;
/// 1. voicing strength: the normalised autocorrelation peak in [0, 1], 0 for silent frames.
///
/// ```
/// use emovox_features::{PitchConfig, PitchTracker};
///
/// let tracker = PitchTracker::new(PitchConfig::speech(), 16_000, 160)?;
/// let tone: Vec<f32> = (0..16_000)
///     .map(|i| (2.0 * std::f32::consts::PI * 200.0 * i as f32 / 16_000.0).sin())
///     .collect();
/// let pitch = tracker.compute(&tone)?;
/// let f0 = 100.0 * 2f32.powf(pitch[[0, 50]]);
/// assert!((f0 - 200.0).abs() < 1.0);
/// # Ok::<(), emovox_features::FeatureError>(())
/// ```
pub struct PitchTracker {
    config: PitchConfig,
    sample_rate: u32,
    hop_length: usize,
    window: Vec<f32>,
    /// Autocorrelation of the window, normalised to 1 at lag 0, for lags up to `max_lag`.
    window_acf: Vec<f32>,
    min_lag: usize,
    max_lag: usize,
    forward: Arc<dyn RealToComplex<f32>>,
    inverse: Arc<dyn ComplexToReal<f32>>,
}

impl std::fmt::Debug for PitchTracker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PitchTracker")
            .field("config", &self.config)
            .field("sample_rate", &self.sample_rate)
            .field("hop_length", &self.hop_length)
            .finish()
    }
}

/// Working memory of one [`PitchTracker::compute`] call.
struct PitchScratch {
    frame: Vec<f32>,
    spectrum: Vec<Complex<f32>>,
    forward_scratch: Vec<Complex<f32>>,
    inverse_scratch: Vec<Complex<f32>>,
    acf: Vec<f32>,
}

/// Octave cost per octave of lag (Boersma's 0.01): among equally periodic candidates the
/// shortest period (highest F0) wins, which removes sub-octave errors.
const OCTAVE_COST: f32 = 0.01;

impl PitchTracker {
    /// Validates `config` for `sample_rate` and plans the transforms; frames advance by
    /// `hop_length` samples.
    pub fn new(
        config: PitchConfig,
        sample_rate: u32,
        hop_length: usize,
    ) -> Result<Self, FeatureError> {
        config.validate(sample_rate)?;
        if hop_length == 0 {
            return Err(FeatureError::InvalidConfig(
                "hop_length must be positive".into(),
            ));
        }
        let sr = sample_rate as f32;
        let min_lag = ((sr / config.fmax).floor() as usize).max(2);
        let max_lag = (sr / config.fmin).ceil() as usize;
        // Zero padding to at least win + max_lag keeps the circular autocorrelation linear.
        let n_fft = (config.win_length + max_lag + 1).next_power_of_two();
        let mut planner = RealFftPlanner::<f32>::new();
        let window = hann_periodic(config.win_length);
        let window_acf = autocorrelation(&window, max_lag + 1);
        Ok(Self {
            forward: planner.plan_fft_forward(n_fft),
            inverse: planner.plan_fft_inverse(n_fft),
            config,
            sample_rate,
            hop_length,
            window,
            window_acf,
            min_lag,
            max_lag,
        })
    }

    /// The configuration this plan was built from.
    pub fn config(&self) -> &PitchConfig {
        &self.config
    }

    /// Number of frames for `len` samples: `1 + len / hop_length`.
    pub fn frames_for(&self, len: usize) -> usize {
        1 + len / self.hop_length
    }

    fn scratch(&self) -> PitchScratch {
        PitchScratch {
            frame: self.forward.make_input_vec(),
            spectrum: self.forward.make_output_vec(),
            forward_scratch: self.forward.make_scratch_vec(),
            inverse_scratch: self.inverse.make_scratch_vec(),
            acf: self.inverse.make_output_vec(),
        }
    }

    /// Pitch contour and voicing of `samples` (mono, at the plan's sample rate), shape
    /// (2, frames). Refuses empty and non-finite signals.
    pub fn compute(&self, samples: &[f32]) -> Result<Array2<f32>, FeatureError> {
        check_signal(samples, 1)?;
        let frames = self.frames_for(samples.len());
        let mut scratch = self.scratch();
        let mut energy = vec![0.0f32; frames];
        let mut strength = vec![0.0f32; frames];
        let mut period = vec![0.0f32; frames];
        for t in 0..frames {
            let (e, s, p) = self.analyse_frame(samples, t, &mut scratch);
            energy[t] = e;
            strength[t] = s;
            period[t] = p;
        }
        let loudest = energy.iter().copied().fold(0.0f32, f32::max);
        let floor = loudest * 10f32.powf(-self.config.silence_db / 10.0);
        for (s, &e) in strength.iter_mut().zip(&energy) {
            if e <= floor || e == 0.0 {
                *s = 0.0;
            }
        }
        let voiced: Vec<Option<f32>> = strength
            .iter()
            .zip(&period)
            .map(|(&s, &p)| {
                (s >= self.config.voicing_threshold && p > 0.0)
                    .then(|| (self.sample_rate as f32 / p / 100.0).log2())
            })
            .collect();
        let contour = interpolate_gaps(&voiced);
        let mut out = Array2::zeros((PITCH_ROWS, frames));
        for t in 0..frames {
            out[[0, t]] = contour[t];
            out[[1, t]] = strength[t];
        }
        Ok(out)
    }

    /// Energy, voicing strength and period (in samples, 0 when there is no peak) of frame `t`.
    fn analyse_frame(
        &self,
        samples: &[f32],
        t: usize,
        scratch: &mut PitchScratch,
    ) -> (f32, f32, f32) {
        let win = self.config.win_length;
        let start = (t * self.hop_length) as isize - (win / 2) as isize;
        let frame = &mut scratch.frame;
        frame.fill(0.0);
        let mut sum = 0.0f32;
        for (i, out) in frame[..win].iter_mut().enumerate() {
            let index = start + i as isize;
            if index >= 0 && (index as usize) < samples.len() {
                *out = samples[index as usize];
                sum += *out;
            }
        }
        let mean = sum / win as f32;
        let mut energy = 0.0f32;
        for (x, &w) in frame[..win].iter_mut().zip(&self.window) {
            *x = (*x - mean) * w;
            energy += *x * *x;
        }
        if energy <= 0.0 {
            return (0.0, 0.0, 0.0);
        }
        self.forward
            .process_with_scratch(frame, &mut scratch.spectrum, &mut scratch.forward_scratch)
            .expect("buffer lengths come from the plan itself");
        for c in scratch.spectrum.iter_mut() {
            *c = Complex::new(c.re * c.re + c.im * c.im, 0.0);
        }
        self.inverse
            .process_with_scratch(
                &mut scratch.spectrum,
                &mut scratch.acf,
                &mut scratch.inverse_scratch,
            )
            .expect("a power spectrum is real, so the inverse transform accepts it");
        let acf = &scratch.acf;
        let zero = acf[0];
        let normalised = |lag: usize| acf[lag] / zero / self.window_acf[lag];
        let min_f0_lag = self.sample_rate as f32 / self.config.fmin;
        let mut best = (0.0f32, 0.0f32, 0.0f32); // (score, strength, period)
        for lag in self.min_lag..self.max_lag {
            let (left, centre, right) = (normalised(lag - 1), normalised(lag), normalised(lag + 1));
            if centre < left || centre < right || centre <= 0.0 {
                continue;
            }
            // Parabolic interpolation of the peak's position and height.
            let curvature = left - 2.0 * centre + right;
            let shift = if curvature < 0.0 {
                (0.5 * (left - right) / curvature).clamp(-0.5, 0.5)
            } else {
                0.0
            };
            let height = (centre - 0.25 * (left - right) * shift).min(1.0);
            let lag = lag as f32 + shift;
            let score = height - OCTAVE_COST * (lag / min_f0_lag).log2();
            if score > best.0 {
                best = (score, height, lag);
            }
        }
        (energy, best.1.max(0.0), best.2)
    }
}

/// Fills the gaps of a sequence by linear interpolation between known neighbours, holding the
/// first and last known values at the ends; all zeros when nothing is known.
fn interpolate_gaps(values: &[Option<f32>]) -> Vec<f32> {
    let known: Vec<(usize, f32)> = values
        .iter()
        .enumerate()
        .filter_map(|(i, v)| v.map(|v| (i, v)))
        .collect();
    let (Some(&first), Some(&last)) = (known.first(), known.last()) else {
        return vec![0.0; values.len()];
    };
    let mut out = vec![0.0; values.len()];
    out[..=first.0].fill(first.1);
    out[last.0..].fill(last.1);
    for pair in known.windows(2) {
        let ((i0, v0), (i1, v1)) = (pair[0], pair[1]);
        for (i, o) in out.iter_mut().enumerate().take(i1 + 1).skip(i0) {
            let a = (i - i0) as f32 / (i1 - i0) as f32;
            *o = v0 + a * (v1 - v0);
        }
    }
    out
}

/// The autocorrelation of `x` for lags `0..lags`, normalised to 1 at lag 0.
fn autocorrelation(x: &[f32], lags: usize) -> Vec<f32> {
    let zero: f64 = x.iter().map(|&v| v as f64 * v as f64).sum();
    (0..lags)
        .map(|lag| {
            let r: f64 = x
                .iter()
                .zip(x.iter().skip(lag))
                .map(|(&a, &b)| a as f64 * b as f64)
                .sum();
            (r / zero).max(1e-6) as f32
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SR: u32 = 16_000;

    fn f0_of(contour: f32) -> f32 {
        100.0 * 2f32.powf(contour)
    }

    /// A glottal-like pulse train: harmonics 1..=10 of `f0` with 1/k amplitudes.
    fn harmonic(f0: f32, seconds: f32) -> Vec<f32> {
        let n = (seconds * SR as f32) as usize;
        (0..n)
            .map(|i| {
                let t = i as f32 / SR as f32;
                (1..=10)
                    .map(|k| (2.0 * std::f32::consts::PI * f0 * k as f32 * t).sin() / k as f32)
                    .sum::<f32>()
                    * 0.1
            })
            .collect()
    }

    #[test]
    fn finds_the_fundamental_of_harmonic_tones() {
        let tracker = PitchTracker::new(PitchConfig::speech(), SR, 160).unwrap();
        for f0 in [90.0f32, 120.0, 180.0, 250.0, 400.0, 550.0] {
            let out = tracker.compute(&harmonic(f0, 0.5)).unwrap();
            assert_eq!(out.dim(), (2, 51));
            for t in 5..45 {
                let estimate = f0_of(out[[0, t]]);
                assert!(
                    (estimate / f0 - 1.0).abs() < 0.01,
                    "{f0} Hz estimated {estimate} Hz at frame {t}"
                );
                assert!(out[[1, t]] > 0.9, "strength {}", out[[1, t]]);
            }
        }
    }

    #[test]
    fn noise_is_weakly_voiced_and_silence_is_unvoiced() {
        let tracker = PitchTracker::new(PitchConfig::speech(), SR, 160).unwrap();
        // A deterministic pseudo-random sequence (xorshift) as white noise.
        let mut state = 0x2545_f491_u32;
        let mut noise: Vec<f32> = (0..8_000)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                state as f32 / u32::MAX as f32 - 0.5
            })
            .collect();
        let out = tracker.compute(&noise).unwrap();
        let mean: f32 = out.row(1).iter().sum::<f32>() / out.ncols() as f32;
        assert!(mean < 0.3, "mean strength of noise {mean}");
        noise[..4_000].fill(0.0);
        let out = tracker.compute(&noise).unwrap();
        assert!(out.row(1).iter().take(10).all(|&s| s == 0.0));
    }

    #[test]
    fn unvoiced_gaps_are_interpolated() {
        let mut clip = harmonic(100.0, 0.3);
        clip.extend(vec![0.0; 3_200]);
        clip.extend(harmonic(200.0, 0.3));
        let tracker = PitchTracker::new(PitchConfig::speech(), SR, 160).unwrap();
        let out = tracker.compute(&clip).unwrap();
        let middle = f0_of(out[[0, 40]]);
        assert!(middle > 110.0 && middle < 190.0, "{middle}");
        assert_eq!(out[[1, 40]], 0.0);
        assert!((f0_of(out[[0, 0]]) - 100.0).abs() < 2.0);
        assert!((f0_of(out[[0, out.ncols() - 1]]) - 200.0).abs() < 4.0);
    }

    #[test]
    fn interpolate_gaps_holds_ends_and_fills_nothing_known_with_zeros() {
        let filled = interpolate_gaps(&[None, Some(1.0), None, Some(3.0), None]);
        assert_eq!(filled, vec![1.0, 1.0, 2.0, 3.0, 3.0]);
        assert_eq!(interpolate_gaps(&[None, None]), vec![0.0, 0.0]);
    }

    #[test]
    fn refuses_bad_configurations_and_signals() {
        let bad = PitchConfig {
            win_length: 100,
            ..PitchConfig::speech()
        };
        assert!(PitchTracker::new(bad, SR, 160).is_err());
        let bad = PitchConfig {
            fmax: 9_000.0,
            ..PitchConfig::speech()
        };
        assert!(PitchTracker::new(bad, SR, 160).is_err());
        let tracker = PitchTracker::new(PitchConfig::speech(), SR, 160).unwrap();
        assert_eq!(tracker.compute(&[]), Err(FeatureError::EmptySignal));
        assert!(matches!(
            tracker.compute(&[0.0, f32::NAN]),
            Err(FeatureError::NonFiniteSample { index: 1 })
        ));
    }
}
