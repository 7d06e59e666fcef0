//! Frame-wise pitch (F0) and voicing: the normalised autocorrelation method of Boersma (1993),
//! on the same frame grid as the spectrogram, so prosody can be stacked with MFCC or log-mel.

use ndarray::Array2;
use serde::{Deserialize, Serialize};

use crate::autocorrelation::{AutocorrelationFft, AutocorrelationScratch};
use crate::enclosing::Enclosing;
use crate::error::check_signal;
#[cfg(target_arch = "x86_64")]
use crate::simd::has_avx2;
use crate::window::hann_periodic;
use crate::FeatureError;

/// Rows of [`PitchTracker::compute`]'s output.
pub const PITCH_ROWS: usize = 2;

/// Parameters of the pitch tracker. Read from JSON, an unknown field is an error (as in
/// [`crate::FeatureSpec`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
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

    /// Checks the parameters against the sample rate they will be used at (itself in
    /// 1000..=768000 Hz).
    pub fn validate(&self, sample_rate: u32) -> Result<(), FeatureError> {
        crate::config::check_sample_rate(sample_rate)?;
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
    acf: AutocorrelationFft,
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

/// Working memory of a [`PitchTracker`]: sized for a plan on first use and reused from clip
/// to clip, so tracking allocates nothing once warm.
#[derive(Debug, Default)]
pub(crate) struct PitchScratch {
    frame: Vec<f32>,
    fft: AutocorrelationScratch,
    acf: Vec<f32>,
    normalised: Vec<f32>,
    voiced: Vec<Option<f32>>,
    known: Vec<(usize, f32)>,
}

/// The frame-by-frame part of tracking a clip: each frame's energy, voicing strength and
/// period (in samples, 0 without a peak), before the clip-wide silence floor and the contour's
/// interpolation. Each frame's values depend on its own samples only.
#[derive(Debug, Default)]
pub(crate) struct FrameAnalysis {
    energy: Vec<f32>,
    strength: Vec<f32>,
    period: Vec<f32>,
}

impl FrameAnalysis {
    /// `frames` frames, zeroed.
    fn reset(&mut self, frames: usize) {
        for values in [&mut self.energy, &mut self.strength, &mut self.period] {
            values.clear();
            values.resize(frames, 0.0);
        }
    }

    fn len(&self) -> usize {
        self.energy.len()
    }
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
        let n_fft = smooth_fft_len(config.win_length + max_lag + 1);
        let window = hann_periodic(config.win_length);
        let window_acf = autocorrelation(&window, max_lag + 1);
        Ok(Self {
            acf: AutocorrelationFft::new(n_fft),
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

    /// Sizes the transform buffers of `scratch` for this plan (a no-op once they fit).
    fn fit_scratch(&self, scratch: &mut PitchScratch) {
        let n_fft = self.acf.len();
        scratch.frame.resize(n_fft, 0.0);
        self.acf.fit_scratch(&mut scratch.fft);
        scratch.acf.resize(n_fft, 0.0);
    }

    /// Pitch contour and voicing of `samples` (mono, at the plan's sample rate), shape
    /// (2, frames). Refuses empty and non-finite signals.
    pub fn compute(&self, samples: &[f32]) -> Result<Array2<f32>, FeatureError> {
        let mut rows = Vec::new();
        let mut analysis = FrameAnalysis::default();
        let mut scratch = PitchScratch::default();
        let frames = self.compute_into(samples, None, &mut scratch, &mut analysis, &mut rows)?;
        Ok(Array2::from_shape_vec((PITCH_ROWS, frames), rows)
            .expect("length is PITCH_ROWS * frames by construction"))
    }

    /// [`PitchTracker::compute`] written row after row into `rows` (resized to 2 x frames,
    /// contour then voicing), with caller-owned working memory; `analysis` receives the
    /// frame-by-frame analysis (for a clip inside this one to reuse). With `enclosing`, the
    /// frames whose windows lie inside `samples` are copied from there instead of analysed
    /// (the same values: a frame's analysis depends on its samples only). Returns the number
    /// of frames.
    pub(crate) fn compute_into(
        &self,
        samples: &[f32],
        enclosing: Option<Enclosing<'_, FrameAnalysis>>,
        scratch: &mut PitchScratch,
        analysis: &mut FrameAnalysis,
        rows: &mut Vec<f32>,
    ) -> Result<usize, FeatureError> {
        check_signal(samples, 1)?;
        self.fit_scratch(scratch);
        let frames = self.frames_for(samples.len());
        analysis.reset(frames);
        self.analyse_frames(samples, enclosing, scratch, analysis);
        let loudest = analysis.energy.iter().copied().fold(0.0f32, f32::max);
        let floor = loudest * 10f32.powf(-self.config.silence_db / 10.0);
        rows.clear();
        rows.resize(PITCH_ROWS * frames, 0.0);
        let (contour, strength) = rows.split_at_mut(frames);
        for ((s, &raw), &e) in strength
            .iter_mut()
            .zip(&analysis.strength)
            .zip(&analysis.energy)
        {
            *s = if e <= floor || e == 0.0 { 0.0 } else { raw };
        }
        let threshold = self.config.voicing_threshold;
        let rate = self.sample_rate as f32;
        scratch.voiced.clear();
        scratch.voiced.extend(
            strength
                .iter()
                .zip(&analysis.period)
                .map(|(&s, &p)| (s >= threshold && p > 0.0).then(|| (rate / p / 100.0).log2())),
        );
        interpolate_gaps(&scratch.voiced, &mut scratch.known, contour);
        Ok(frames)
    }

    /// Hop between frames, in samples.
    pub(crate) fn hop_length(&self) -> usize {
        self.hop_length
    }

    /// Whether the window of frame `t` lies inside a clip of `len` samples (no padding).
    fn window_inside(&self, t: usize, len: usize) -> bool {
        let centre = t * self.hop_length;
        let half = self.config.win_length / 2;
        centre >= half && centre - half + self.config.win_length <= len
    }

    /// [`Self::analyse_frames_inline`], compiled for AVX2 when the CPU has it
    /// ([`crate::simd`]).
    fn analyse_frames(
        &self,
        samples: &[f32],
        enclosing: Option<Enclosing<'_, FrameAnalysis>>,
        scratch: &mut PitchScratch,
        analysis: &mut FrameAnalysis,
    ) {
        #[cfg(target_arch = "x86_64")]
        if has_avx2() {
            // SAFETY: the CPU supports AVX2 and FMA (`has_avx2`).
            return unsafe { self.analyse_frames_avx2(samples, enclosing, scratch, analysis) };
        }
        self.analyse_frames_inline(samples, enclosing, scratch, analysis);
    }

    /// [`Self::analyse_frames_inline`] with AVX2 and FMA enabled.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,fma")]
    fn analyse_frames_avx2(
        &self,
        samples: &[f32],
        enclosing: Option<Enclosing<'_, FrameAnalysis>>,
        scratch: &mut PitchScratch,
        analysis: &mut FrameAnalysis,
    ) {
        self.analyse_frames_inline(samples, enclosing, scratch, analysis);
    }

    /// Energy, voicing strength and period of every frame into `analysis` (sized by the
    /// caller), copied from `enclosing` where a frame's window lies inside `samples`.
    #[inline(always)]
    fn analyse_frames_inline(
        &self,
        samples: &[f32],
        enclosing: Option<Enclosing<'_, FrameAnalysis>>,
        scratch: &mut PitchScratch,
        analysis: &mut FrameAnalysis,
    ) {
        for t in 0..analysis.len() {
            let (e, s, p) = match enclosing {
                Some(Enclosing {
                    source: frames,
                    shift,
                }) if self.window_inside(t, samples.len()) => {
                    let u = t + shift;
                    (frames.energy[u], frames.strength[u], frames.period[u])
                }
                _ => self.analyse_frame(samples, t, scratch),
            };
            analysis.energy[t] = e;
            analysis.strength[t] = s;
            analysis.period[t] = p;
        }
    }

    /// Energy, voicing strength and period (in samples, 0 when there is no peak) of frame `t`.
    #[inline(always)]
    fn analyse_frame(
        &self,
        samples: &[f32],
        t: usize,
        scratch: &mut PitchScratch,
    ) -> (f32, f32, f32) {
        let win = self.config.win_length;
        let start = (t * self.hop_length) as isize - (win / 2) as isize;
        let frame = &mut scratch.frame;
        // The part of the window inside the clip; the rest is zero padding. Each value is
        // written once, `(x - mean) * w`, padding included, then the FFT's own zero padding.
        let lo = start.clamp(0, samples.len() as isize) as usize;
        let hi = (start + win as isize).clamp(0, samples.len() as isize) as usize;
        let offset = (lo as isize - start) as usize;
        let inside = offset..offset + (hi - lo);
        let mean = lane_sum(&samples[lo..hi], |x| x) / win as f32;
        let (windowed, fft_padding) = frame.split_at_mut(win);
        let padding = (0..inside.start).chain(inside.end..win);
        for i in padding {
            windowed[i] = (0.0 - mean) * self.window[i];
        }
        for ((x, &s), &w) in windowed[inside.clone()]
            .iter_mut()
            .zip(&samples[lo..hi])
            .zip(&self.window[inside])
        {
            *x = (s - mean) * w;
        }
        fft_padding.fill(0.0);
        let energy = lane_sum(&frame[..win], |x| x * x);
        if energy <= 0.0 {
            return (0.0, 0.0, 0.0);
        }
        self.acf.process(frame, &mut scratch.acf, &mut scratch.fft);
        let zero = scratch.acf[0];
        // The autocorrelation normalised by lag 0 and by the window's own, each lag once.
        let normalised = &mut scratch.normalised;
        normalised.clear();
        normalised.extend(
            scratch.acf[..=self.max_lag]
                .iter()
                .zip(&self.window_acf)
                .map(|(&r, &w)| r / zero / w),
        );
        let min_f0_lag = self.sample_rate as f32 / self.config.fmin;
        let mut best = (0.0f32, 0.0f32, 0.0f32); // (score, strength, period)
        for lag in self.min_lag..self.max_lag {
            let (left, centre, right) = (normalised[lag - 1], normalised[lag], normalised[lag + 1]);
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

/// The smallest even length of at least `min` whose half (the complex FFT's length) has no
/// prime factor but 2 and 3: rustfft's fastest sizes. For the speech preset (640-sample window,
/// lags to 214) 864 instead of the next power of two, 1024: 16 % less work per transform.
fn smooth_fft_len(min: usize) -> usize {
    let half = min.div_ceil(2).max(1);
    let mut best = half.next_power_of_two();
    let mut threes = 1;
    while threes < best {
        // The smallest 2^a * threes that is at least `half`.
        let mut n = threes;
        while n < half {
            n *= 2;
        }
        best = best.min(n);
        threes *= 3;
    }
    2 * best
}

/// The sum of `f(x)` over `values`, in eight interleaved partial sums (one chain of additions
/// would wait on each add in turn; eight lanes vectorise).
#[inline(always)]
fn lane_sum(values: &[f32], f: impl Fn(f32) -> f32) -> f32 {
    let mut lanes = [0.0f32; 8];
    let chunks = values.chunks_exact(8);
    let tail: f32 = chunks.remainder().iter().map(|&x| f(x)).sum();
    for chunk in chunks {
        for (lane, &x) in lanes.iter_mut().zip(chunk) {
            *lane += f(x);
        }
    }
    lanes.iter().sum::<f32>() + tail
}

/// Fills the gaps of a sequence by linear interpolation between known neighbours, holding the
/// first and last known values at the ends; all zeros when nothing is known. `out` has the
/// length of `values`; `known` is working memory.
fn interpolate_gaps(values: &[Option<f32>], known: &mut Vec<(usize, f32)>, out: &mut [f32]) {
    known.clear();
    known.extend(
        values
            .iter()
            .enumerate()
            .filter_map(|(i, v)| v.map(|v| (i, v))),
    );
    let (Some(&first), Some(&last)) = (known.first(), known.last()) else {
        out.fill(0.0);
        return;
    };
    out[..=first.0].fill(first.1);
    out[last.0..].fill(last.1);
    for pair in known.windows(2) {
        let ((i0, v0), (i1, v1)) = (pair[0], pair[1]);
        for (i, o) in out.iter_mut().enumerate().take(i1 + 1).skip(i0) {
            let a = (i - i0) as f32 / (i1 - i0) as f32;
            *o = v0 + a * (v1 - v0);
        }
    }
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

    /// The autocorrelation's FFT length: even, 2^a 3^b after halving, and the smallest such.
    #[test]
    fn fft_lengths_are_even_smooth_and_the_smallest_such() {
        let smooth = |n: usize| {
            let mut n = n / 2;
            for p in [2, 3] {
                while n.is_multiple_of(p) {
                    n /= p;
                }
            }
            n == 1
        };
        for min in 1..3_000 {
            let len = smooth_fft_len(min);
            assert!(
                len >= min && len.is_multiple_of(2) && smooth(len),
                "{min} -> {len}"
            );
            assert!(
                (min..len).filter(|n| n % 2 == 0).all(|n| !smooth(n)),
                "{min}"
            );
        }
        assert_eq!(smooth_fft_len(640 + 214 + 1), 864);
    }

    /// The AVX2 path (chosen at run time on this machine when it has AVX2) and the baseline
    /// path compute the same bits.
    #[test]
    fn the_dispatched_and_the_baseline_frame_loop_agree_bit_for_bit() {
        let tracker = PitchTracker::new(PitchConfig::speech(), SR, 160).unwrap();
        let mut signal = harmonic(140.0, 1.0);
        signal.extend(harmonic(230.0, 0.5).iter().map(|x| 0.3 * x));
        let frames = tracker.frames_for(signal.len());
        let run = |dispatched: bool| {
            let mut scratch = PitchScratch::default();
            tracker.fit_scratch(&mut scratch);
            let mut analysis = FrameAnalysis::default();
            analysis.reset(frames);
            if dispatched {
                tracker.analyse_frames(&signal, None, &mut scratch, &mut analysis);
            } else {
                tracker.analyse_frames_inline(&signal, None, &mut scratch, &mut analysis);
            }
            [analysis.energy, analysis.strength, analysis.period]
                .concat()
                .iter()
                .map(|x| x.to_bits())
                .collect::<Vec<_>>()
        };
        assert_eq!(run(true), run(false));
    }

    /// A part of a clip that starts on the hop grid, tracked with the clip's frames, equals the
    /// part tracked alone: voiced to both edges, so a frame copied across an edge would show.
    #[test]
    fn a_part_on_the_hop_grid_copies_the_enclosing_frames_bit_for_bit() {
        let tracker = PitchTracker::new(PitchConfig::speech(), SR, 160).unwrap();
        let mut whole = harmonic(140.0, 1.0);
        whole.extend(harmonic(230.0, 0.6).iter().map(|x| 0.5 * x));
        let mut scratch = PitchScratch::default();
        let mut enclosing = FrameAnalysis::default();
        let mut rows = Vec::new();
        tracker
            .compute_into(&whole, None, &mut scratch, &mut enclosing, &mut rows)
            .unwrap();
        let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        for (offset, len) in [(0, 9_000), (1_600, 12_345), (4_800, 3_333), (160, 25_440)] {
            let part = &whole[offset..offset + len];
            let (mut alone, mut shared) = (Vec::new(), Vec::new());
            let mut analysis = FrameAnalysis::default();
            tracker
                .compute_into(part, None, &mut scratch, &mut analysis, &mut alone)
                .unwrap();
            let frames = Enclosing {
                source: &enclosing,
                shift: offset / 160,
            };
            tracker
                .compute_into(part, Some(frames), &mut scratch, &mut analysis, &mut shared)
                .unwrap();
            assert_eq!(
                bits(&alone),
                bits(&shared),
                "offset {offset}, {len} samples"
            );
        }
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
        let fill = |values: &[Option<f32>]| {
            let mut out = vec![f32::NAN; values.len()];
            interpolate_gaps(values, &mut Vec::new(), &mut out);
            out
        };
        assert_eq!(
            fill(&[None, Some(1.0), None, Some(3.0), None]),
            vec![1.0, 1.0, 2.0, 3.0, 3.0]
        );
        assert_eq!(fill(&[None, None]), vec![0.0, 0.0]);
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
