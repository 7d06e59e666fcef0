//! Recording quality: what about a clip costs a classifier accuracy, measured.
//!
//! [`assess`] (or a [`QualityAnalyzer`] built once per sample rate and reused) measures a mono
//! clip's clipping, speech-to-noise ratio, recorded bandwidth, seconds of active speech and DC
//! offset ([`RecordingQuality`]), and [`RecordingQuality::concerns`] names those past a
//! threshold ([`QualityConcern`]): the conditions under which the README's robustness tables
//! show accuracy falling (noise, a telephone or AMR band, hard clipping, little speech), so that
//! an answer can say *why* it may be less reliable. A DC offset is measured but is no concern:
//! the bundled model and every recipe remove each clip's mean first.
//!
//! Every measure is independent of the clip's level: the same clip at any gain (short of
//! clipping or overflowing `f32`) gives the same numbers within float rounding. Frames are
//! 25 ms long every 10 ms ([`FRAME_S`], [`HOP_S`]), taken from the clip with its mean removed.
//!
//! ```
//! use emovox_audio::{assess, QualityConcern};
//!
//! // One second of a vowel-like tone (harmonics of 150 Hz) with a pause, hard clipped.
//! let clip: Vec<f32> = (0..16_000)
//!     .map(|i| {
//!         let t = i as f32 / 16_000.0;
//!         if t > 0.7 { return 0.0; }
//!         let s: f32 = (1..20).map(|h| (std::f32::consts::TAU * 150.0 * h as f32 * t).sin() / h as f32).sum();
//!         (0.5 * s).clamp(-0.4, 0.4)
//!     })
//!     .collect();
//! let quality = assess(&clip, 16_000)?;
//! assert!(quality.clipped_fraction > 0.1);
//! assert!(quality.concerns().contains(&QualityConcern::Clipped));
//! # Ok::<(), emovox_audio::AudioError>(())
//! ```

use std::fmt;
use std::sync::Arc;

use realfft::num_complex::Complex;
use realfft::{RealFftPlanner, RealToComplex};
use serde::{Deserialize, Serialize};

use crate::energy::mean;
use crate::{validate_sample_rate, validate_samples, AudioError};

/// Length of an analysis frame, in seconds (rounded to whole samples, at least 1).
pub const FRAME_S: f32 = 0.025;
/// Hop between analysis frames, in seconds (rounded to whole samples, at least 1).
pub const HOP_S: f32 = 0.010;
/// The noise floor's starting point: this percentile of the frame powers. Low, so that the
/// brief gaps of continuous speech (no pause at either end) are found: at the 10th percentile
/// espeak-ng sentences with no silence around them read 17-22 dB, at the 2nd 36-45 dB, while
/// stationary noise, whose frame powers vary by a fraction of a dB, reads the same at either.
pub const FLOOR_PERCENTILE: f32 = 2.0;
/// A frame is active (speech) when its power is more than this many dB above the noise floor
/// (and within [`ACTIVE_RANGE_DB`] of the loudest frame).
pub const ACTIVE_MARGIN_DB: f32 = 6.0;
/// A frame more than this many dB below the clip's loudest frame is never active, however
/// clean the pauses (digital silence, dither).
pub const ACTIVE_RANGE_DB: f32 = 50.0;
/// [`speech_extent`] starts and ends at runs of at least this many consecutive active frames
/// (50 ms): a syllable's nucleus is longer, while a steady noise's loudest moments (pink noise
/// at 10 dB SNR: its low frequencies make single frames several dB louder than the rest) are
/// isolated frames. Measured on the espeak-ng fixtures placed in 2 s of pink noise at 10 dB
/// either side: single active frames put the extent up to 2.3 s into the noise, runs of 5
/// frames within 0.06 s of the speech, runs of 20 cut into it.
pub const SPEECH_RUN_FRAMES: usize = 5;
/// The highest SNR reported, in dB: a clip whose pauses are digital silence has an infinite
/// one.
pub const MAX_SNR_DB: f32 = 100.0;
/// Frames a clip needs for its SNR to be estimated (a noise floor needs pauses to be seen in).
pub const MIN_SNR_FRAMES: usize = 10;
/// The speech band the recorded bandwidth is judged against, in Hz (the lower edge; the
/// upper is [`SPEECH_BAND_HIGH_HZ`] or the Nyquist frequency, whichever is lower).
pub const SPEECH_BAND_LOW_HZ: f32 = 300.0;
/// See [`SPEECH_BAND_LOW_HZ`].
pub const SPEECH_BAND_HIGH_HZ: f32 = 3_400.0;
/// The recorded band ends where the smoothed long-term spectrum falls this many dB below its
/// mean level in the speech band.
pub const BANDWIDTH_DROP_DB: f32 = 40.0;
/// Width of the moving average smoothing the long-term spectrum, in Hz.
pub const BANDWIDTH_SMOOTHING_HZ: f32 = 250.0;
/// The long-term spectrum is the mean of every this-many-th active frame's (1 in 3: 25 ms
/// frames 30 ms apart, most of the speech still seen, a third of the transforms).
pub const SPECTRUM_STRIDE: usize = 3;
/// Relative tolerance of "at the clip's extreme value" in [`RecordingQuality::clipped_fraction`]
/// (a third of a 16-bit step at full scale).
pub const CLIP_TOLERANCE: f32 = 1e-5;

/// [`QualityConcern::Clipped`] when [`RecordingQuality::clipped_fraction`] is above this.
pub const CLIPPED_FRACTION_LIMIT: f32 = 0.001;
/// [`QualityConcern::Noisy`] when [`RecordingQuality::snr_db`] is below this, in dB. Measured
/// on the held-out clips of both corpora (RAVDESS actors 19-20, TurEV speakers 1984 and 7895):
/// white or pink noise at 10 dB (of `degrade`'s whole-clip SNR) reads 12.5-17 dB here (5th to
/// 95th percentile), at 20 dB 21-25.6 dB, so 18 dB falls between what costs the bundled model 0.05-0.09 UAR and what costs
/// it 0.03-0.04.
pub const NOISY_SNR_DB: f32 = 18.0;
/// [`QualityConcern::Narrowband`] when [`RecordingQuality::bandwidth_hz`] is below this, in Hz.
pub const NARROWBAND_HZ: f32 = 5_000.0;
/// [`QualityConcern::LittleSpeech`] when [`RecordingQuality::active_speech_s`] is below this, in
/// seconds: about a syllable. (TurEV's one-word clips hold 0.4-1 s of active speech, and the
/// bundled model is measured on them.)
pub const LITTLE_SPEECH_S: f32 = 0.25;

/// What [`assess`] measured of a clip. Every field is independent of the clip's level.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RecordingQuality {
    /// Length of the clip, in seconds (samples / sample rate).
    pub duration_s: f32,
    /// Seconds of active speech: the number of active frames times the hop ([`HOP_S`], 10 ms).
    /// A 25 ms frame is active when its power (the clip's mean removed) is more than
    /// [`ACTIVE_MARGIN_DB`] (6 dB) above the noise floor (see `snr_db`) and within
    /// [`ACTIVE_RANGE_DB`] (50 dB) of the loudest frame. Speech drowned in noise is not active.
    pub active_speech_s: f32,
    /// Share of the samples (0..=1) that sit in runs of at least two consecutive samples at the
    /// clip's largest value or at its smallest (within [`CLIP_TOLERANCE`] of it, relative):
    /// flattened peaks. Each polarity is judged on its own (a 16-bit converter clips at +32767
    /// and -32768; one side may clip alone), and only when it has a sign (the largest value
    /// above zero, the smallest below). Unclipped speech gives about 0 (its peaks are single
    /// samples), hard clipping gives the share of the clip held at the rails. A constant clip
    /// (digital silence, a pure DC level) gives 0: there is no waveform to flatten. Plateaus
    /// blurred by a later resampler or lossy codec are not seen.
    pub clipped_fraction: f32,
    /// Estimated speech-to-noise ratio, in dB, capped at [`MAX_SNR_DB`]. Frame powers (25 ms
    /// every 10 ms, the mean removed); the noise floor is the mean power of the frames at most
    /// 3 dB above the [`FLOOR_PERCENTILE`]th percentile of them; the speech power is the mean
    /// power of the active frames (see `active_speech_s`) minus the floor. It is the ratio over
    /// the speech, not over the whole clip: [`crate::degrade::Condition`]'s SNRs are against the
    /// whole clip's mean power, pauses included, so a clip whose speech frames are `d` dB
    /// louder than its mean reads about `d` dB higher here.
    ///
    /// Stationary noise (white, pink, hum, a fan) is estimated well: within 3 dB from 10 dB
    /// up on the test fixtures; as the noise nears the speech's level the quieter speech
    /// drowns and only the louder frames count, so the estimate reads high (about +5 to +6 dB
    /// when the noise is as loud as the speech). On the held-out clips of both corpora, white
    /// or pink noise at `degrade`'s 10 dB reads 12.5-17 dB, at 20 dB 21-25.6 dB. Babble, being
    /// speech itself, is estimated poorly: its dips leave near-clean frames, so it reads far
    /// too high (20 dB for 1 dB on a test fixture; on RAVDESS clips at 10 dB a median of 27 dB,
    /// so [`QualityConcern::Noisy`] misses most babble). A clip without pauses has only the
    /// gaps between its words to find the floor in (continuous espeak-ng sentences read
    /// 36-45 dB), and a steady sound alone (a tone, a hum, noise) is all floor and no speech.
    /// `None` with fewer than [`MIN_SNR_FRAMES`] frames or no active frame.
    pub snr_db: Option<f32>,
    /// Upper edge of the recorded band, in Hz: in the long-term power spectrum of the active
    /// frames (every [`SPECTRUM_STRIDE`]th; Hann-windowed 25 ms frames, mean power per FFT
    /// bin, smoothed by a [`BANDWIDTH_SMOOTHING_HZ`]-wide moving average), the highest
    /// frequency at which the spectrum is within [`BANDWIDTH_DROP_DB`] (40 dB) of its mean
    /// level in the speech band ([`SPEECH_BAND_LOW_HZ`]..[`SPEECH_BAND_HIGH_HZ`], 300-3400
    /// Hz). Full-band speech at
    /// 16 kHz gives 7-8 kHz, a telephone or AMR-NB channel about 3.5-4 kHz even at 16 kHz; at
    /// most the Nyquist frequency. Broadband noise widens it (its band is recorded too).
    /// `None` with no active frame.
    pub bandwidth_hz: Option<f32>,
    /// DC offset: the mean of the samples over their largest absolute value (-1..=1; 0 for
    /// digital silence, ±1 for a constant). Relative to the peak, so independent of the level:
    /// 0.01 is an offset of 1 % of the peak. Not a [`QualityConcern`]: models whose
    /// preprocessing removes each clip's mean (the bundled one, every recipe) do not hear it;
    /// a large one says something in the recording chain is amiss.
    pub dc_offset: f32,
}

/// A reason an answer on a clip may be less reliable ([`RecordingQuality::concerns`]).
/// Serialised in snake case (`"clipped"`, `"little_speech"`, ...).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QualityConcern {
    /// Hard clipping: [`RecordingQuality::clipped_fraction`] above [`CLIPPED_FRACTION_LIMIT`]
    /// (0.1 % of the samples flattened).
    Clipped,
    /// Background noise: [`RecordingQuality::snr_db`] below [`NOISY_SNR_DB`] (18 dB).
    Noisy,
    /// A narrow band (a telephone line, AMR-NB, a low-bitrate codec):
    /// [`RecordingQuality::bandwidth_hz`] below [`NARROWBAND_HZ`] (5 kHz).
    Narrowband,
    /// Too little speech to judge: [`RecordingQuality::active_speech_s`] below
    /// [`LITTLE_SPEECH_S`] (0.25 s).
    LittleSpeech,
}

impl QualityConcern {
    /// Every concern, in the order [`RecordingQuality::concerns`] lists them.
    pub const ALL: [QualityConcern; 4] = [
        QualityConcern::Clipped,
        QualityConcern::Noisy,
        QualityConcern::Narrowband,
        QualityConcern::LittleSpeech,
    ];

    /// The concern's name in snake case, as serialised (`"clipped"`, `"little_speech"`, ...).
    pub fn name(self) -> &'static str {
        match self {
            QualityConcern::Clipped => "clipped",
            QualityConcern::Noisy => "noisy",
            QualityConcern::Narrowband => "narrowband",
            QualityConcern::LittleSpeech => "little_speech",
        }
    }
}

impl fmt::Display for QualityConcern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            QualityConcern::Clipped => write!(
                f,
                "the recording is clipped (over {} % of its samples flattened at the peaks)",
                CLIPPED_FRACTION_LIMIT * 100.0
            ),
            QualityConcern::Noisy => write!(
                f,
                "background noise is loud (speech-to-noise ratio under {NOISY_SNR_DB} dB)"
            ),
            QualityConcern::Narrowband => write!(
                f,
                "the recording is narrow-band (nothing above {} kHz, as over a telephone)",
                NARROWBAND_HZ / 1000.0
            ),
            QualityConcern::LittleSpeech => {
                write!(f, "there is little speech (under {LITTLE_SPEECH_S} s)")
            }
        }
    }
}

impl RecordingQuality {
    /// The concerns past their thresholds, in the order of [`QualityConcern`]'s variants
    /// (empty for a clean recording). An unknown SNR or bandwidth raises no concern.
    pub fn concerns(&self) -> Vec<QualityConcern> {
        let flags = [
            (
                self.clipped_fraction > CLIPPED_FRACTION_LIMIT,
                QualityConcern::Clipped,
            ),
            (
                self.snr_db.is_some_and(|snr| snr < NOISY_SNR_DB),
                QualityConcern::Noisy,
            ),
            (
                self.bandwidth_hz.is_some_and(|hz| hz < NARROWBAND_HZ),
                QualityConcern::Narrowband,
            ),
            (
                self.active_speech_s < LITTLE_SPEECH_S,
                QualityConcern::LittleSpeech,
            ),
        ];
        flags
            .into_iter()
            .filter_map(|(flagged, concern)| flagged.then_some(concern))
            .collect()
    }
}

/// Measures [`RecordingQuality`] of clips at one sample rate: the FFT plan, window and buffers
/// are built once and reused, so analysing many clips allocates only when a clip has more
/// frames than any before (never a copy of the clip: a frame at a time is centred and scaled).
pub struct QualityAnalyzer {
    sample_rate: u32,
    frame: usize,
    hop: usize,
    fft: Arc<dyn RealToComplex<f32>>,
    window: Vec<f32>,
    input: Vec<f32>,
    output: Vec<Complex<f32>>,
    scratch: Vec<Complex<f32>>,
    /// Mean power of each frame of the centred, scaled clip ([`Centring`]).
    powers: Vec<f64>,
    /// Working copy of `powers` for the percentile.
    sorted: Vec<f64>,
    /// Long-term power spectrum of the active frames (a sum per FFT bin).
    ltas: Vec<f64>,
    /// Prefix sums of `ltas` (for its moving average).
    prefix: Vec<f64>,
}

impl fmt::Debug for QualityAnalyzer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("QualityAnalyzer")
            .field("sample_rate", &self.sample_rate)
            .field("frame", &self.frame)
            .field("hop", &self.hop)
            .field("fft_len", &self.window.len())
            .finish_non_exhaustive()
    }
}

/// Noise floor and active frames found in a clip's frame powers.
struct Activity {
    /// Noise floor (a mean frame power, on the scale of the normalised clip).
    floor: f64,
    /// A frame is active when its power is above this: [`ACTIVE_MARGIN_DB`] above the floor
    /// and at most [`ACTIVE_RANGE_DB`] below the loudest frame (infinite with no frame).
    threshold: f64,
    /// Number of active frames.
    count: usize,
    /// Mean power of the active frames (0 with none).
    active_power: f64,
}

impl Activity {
    /// [`RecordingQuality::snr_db`] of a clip of `frames` frames.
    fn snr_db(&self, frames: usize) -> Option<f32> {
        if frames < MIN_SNR_FRAMES || self.count == 0 {
            return None;
        }
        let max = f64::from(MAX_SNR_DB);
        let speech = (self.active_power - self.floor).max(0.0);
        // Digital silence in the pauses: the floor taken MAX_SNR_DB under the speech.
        let floor = self.floor.max(speech * 10f64.powf(-max / 10.0));
        if speech > 0.0 && floor > 0.0 {
            Some((10.0 * (speech / floor).log10()).clamp(-max, max) as f32)
        } else {
            Some(-MAX_SNR_DB)
        }
    }
}

impl QualityAnalyzer {
    /// Plans the analysis of clips at `sample_rate` Hz: [`AudioError::SampleRate`] outside
    /// [`crate::MIN_SAMPLE_RATE`]..=[`crate::MAX_SAMPLE_RATE`].
    pub fn new(sample_rate: u32) -> Result<Self, AudioError> {
        validate_sample_rate(sample_rate)?;
        let (frame, hop) = frame_and_hop(sample_rate);
        let fft_len = frame.next_power_of_two().max(2);
        let fft = RealFftPlanner::<f32>::new().plan_fft_forward(fft_len);
        // Hann window over the frame, zero-padded to the FFT's length.
        let mut window = vec![0.0f32; fft_len];
        for (i, w) in window.iter_mut().take(frame).enumerate() {
            let phase = std::f64::consts::TAU * i as f64 / frame as f64;
            *w = (0.5 - 0.5 * phase.cos()) as f32;
        }
        Ok(Self {
            sample_rate,
            frame,
            hop,
            input: fft.make_input_vec(),
            output: fft.make_output_vec(),
            scratch: fft.make_scratch_vec(),
            fft,
            window,
            powers: Vec::new(),
            sorted: Vec::new(),
            ltas: Vec::new(),
            prefix: Vec::new(),
        })
    }

    /// The sample rate this analyzer was planned for, in Hz.
    pub fn sample_rate(&self) -> u32 {
        self.sample_rate
    }

    /// Measures `samples` (mono, at [`QualityAnalyzer::sample_rate`]). An empty clip is
    /// [`AudioError::NoSamples`], a NaN or infinite sample [`AudioError::NonFiniteSample`];
    /// digital silence is measured (no active speech, SNR and bandwidth `None`).
    pub fn analyze(&mut self, samples: &[f32]) -> Result<RecordingQuality, AudioError> {
        validate_samples(samples)?;
        let peak = samples.iter().fold(0.0f32, |p, s| p.max(s.abs()));
        let mean = mean(samples);
        let dc_offset = if peak > 0.0 {
            (mean / f64::from(peak)) as f32
        } else {
            0.0
        };
        let centring = Centring::of(samples, mean);
        frame_powers(
            (samples, centring),
            (self.frame, self.hop),
            &mut self.powers,
        );
        self.sorted.clear();
        self.sorted.extend_from_slice(&self.powers);
        let activity = activity(&self.powers, &mut self.sorted);
        let snr_db = activity.snr_db(self.powers.len());
        let bandwidth_hz =
            (activity.count > 0).then(|| self.bandwidth(samples, centring, activity.threshold));
        let rate = self.sample_rate as f32;
        Ok(RecordingQuality {
            duration_s: samples.len() as f32 / rate,
            active_speech_s: (activity.count * self.hop) as f32 / rate,
            clipped_fraction: clipped_fraction(samples),
            snr_db,
            bandwidth_hz,
            dc_offset,
        })
    }

    /// The upper edge of the band of the frames whose power is above `threshold` (see
    /// [`RecordingQuality::bandwidth_hz`]).
    fn bandwidth(&mut self, samples: &[f32], centring: Centring, threshold: f64) -> f32 {
        self.long_term_spectrum(samples, centring, threshold);
        let bins = self.ltas.len();
        let bin_hz = self.sample_rate as f32 / self.window.len() as f32;
        let bin_of = |hz: f32| ((hz / bin_hz).round() as usize).min(bins - 1);
        // Moving average over BANDWIDTH_SMOOTHING_HZ through prefix sums (cut at the edges).
        self.prefix.clear();
        self.prefix.push(0.0);
        let mut total = 0.0;
        for &p in &self.ltas {
            total += p;
            self.prefix.push(total);
        }
        let half = ((BANDWIDTH_SMOOTHING_HZ / 2.0 / bin_hz).round() as usize).max(1);
        let smoothed = |k: usize| {
            let (lo, hi) = (k.saturating_sub(half), (k + half + 1).min(bins));
            (self.prefix[hi] - self.prefix[lo]) / (hi - lo) as f64
        };
        let low = bin_of(SPEECH_BAND_LOW_HZ).max(1).min(bins - 1);
        let high = bin_of(SPEECH_BAND_HIGH_HZ).max(low + 1).min(bins);
        let reference = (self.prefix[high] - self.prefix[low]) / (high - low) as f64;
        let level = reference * db_to_power(-BANDWIDTH_DROP_DB);
        let top = (0..bins).rev().find(|&k| smoothed(k) >= level).unwrap_or(0);
        top as f32 * bin_hz
    }

    /// Fills `ltas` with the summed power spectrum (Hann window) of the frames of `samples`
    /// (as `centring` makes them) whose power is above `threshold`.
    fn long_term_spectrum(&mut self, samples: &[f32], centring: Centring, threshold: f64) {
        self.ltas.clear();
        self.ltas.resize(self.output.len(), 0.0);
        let (frame, hop) = (self.frame, self.hop);
        let active = (self.powers.iter().enumerate()).filter(|&(_, &power)| power > threshold);
        for (t, _) in active.step_by(SPECTRUM_STRIDE) {
            let frame_samples = &samples[t * hop..t * hop + frame];
            for ((slot, &s), &w) in self.input.iter_mut().zip(frame_samples).zip(&self.window) {
                *slot = centring.apply(s) as f32 * w;
            }
            self.input[frame..].iter_mut().for_each(|slot| *slot = 0.0);
            let done =
                self.fft
                    .process_with_scratch(&mut self.input, &mut self.output, &mut self.scratch);
            // The buffers come from the plan itself, so the FFT cannot refuse them.
            debug_assert!(done.is_ok());
            if done.is_ok() {
                for (sum, c) in self.ltas.iter_mut().zip(&self.output) {
                    *sum += f64::from(c.norm_sqr());
                }
            }
        }
    }
}

/// The analysis frame and hop at `sample_rate` Hz, in samples ([`FRAME_S`], [`HOP_S`]).
fn frame_and_hop(sample_rate: u32) -> (usize, usize) {
    let samples = |s: f32| ((s * sample_rate as f32).round() as usize).max(1);
    (samples(FRAME_S), samples(HOP_S))
}

/// Fills `powers` with the mean power of each full frame (`frame` samples every `hop`) of
/// `samples` as `centring` makes them (none when the clip is shorter than one frame), summed
/// in f64.
fn frame_powers(
    (samples, centring): (&[f32], Centring),
    (frame, hop): (usize, usize),
    powers: &mut Vec<f64>,
) {
    let count = match samples.len().checked_sub(frame) {
        Some(rest) => 1 + rest / hop,
        None => 0,
    };
    powers.clear();
    powers.extend(
        (0..count)
            .map(|t| centring.sum_of_squares(&samples[t * hop..t * hop + frame]) / frame as f64),
    );
}

/// The noise floor and the active frames of `powers`; `sorted` holds the same values in any
/// order (working memory for the percentile, reordered).
fn activity(powers: &[f64], sorted: &mut [f64]) -> Activity {
    let none = Activity {
        floor: 0.0,
        threshold: f64::INFINITY,
        count: 0,
        active_power: 0.0,
    };
    if powers.is_empty() {
        return none;
    }
    let rank = ((FLOOR_PERCENTILE / 100.0) * (sorted.len() - 1) as f32).round() as usize;
    let (_, &mut percentile, _) = sorted.select_nth_unstable_by(rank, f64::total_cmp);
    let quiet = percentile * db_to_power(3.0);
    let (sum, n) = powers
        .iter()
        .filter(|&&p| p <= quiet)
        .fold((0.0, 0usize), |(s, n), &p| (s + p, n + 1));
    let floor = sum / n.max(1) as f64;
    let loudest = powers.iter().fold(0.0f64, |m, &p| m.max(p));
    let threshold =
        (floor * db_to_power(ACTIVE_MARGIN_DB)).max(loudest * db_to_power(-ACTIVE_RANGE_DB));
    let (sum, count) = powers
        .iter()
        .filter(|&&p| p > threshold)
        .fold((0.0, 0usize), |(s, n), &p| (s + p, n + 1));
    if count == 0 {
        return Activity { floor, ..none };
    }
    Activity {
        floor,
        threshold,
        count,
        active_power: sum / count as f64,
    }
}

/// Where a clip's speech lies: from the start of its first run of [`SPEECH_RUN_FRAMES`] active
/// frames to the end of its last, in samples, the pauses between kept. A frame (25 ms every
/// 10 ms) is active as
/// [`RecordingQuality::active_speech_s`] counts it: more than [`ACTIVE_MARGIN_DB`] above the
/// clip's own noise floor and within [`ACTIVE_RANGE_DB`] of its loudest frame, so leading and
/// trailing room tone is found at any recording level and in steady noise, where a threshold
/// under the loudest frame (`librosa.effects.trim`, [`crate::trim_silence`]) keeps a noisy
/// clip whole. `None` when no run of active frames is found: digital silence, a clip shorter
/// than 65 ms, a steady tone or noise alone.
///
/// ```
/// // 0.3 s of speech-like bursts in 2 s of faint noise, at any gain.
/// let clip: Vec<f32> = (0..32_000u32)
///     .map(|i| {
///         let noise = 1e-4 * (((i.wrapping_mul(2_654_435_761)) >> 16) as f32 / 65_536.0 - 0.5);
///         let burst = if (12_000..16_800).contains(&i) { 0.3 * (i as f32 * 0.07).sin() } else { 0.0 };
///         noise + burst
///     })
///     .collect();
/// let extent = emovox_audio::speech_extent(&clip, 16_000)?.expect("speech");
/// assert!(extent.start >= 11_600 && extent.end <= 17_200, "{extent:?}");
/// # Ok::<(), emovox_audio::AudioError>(())
/// ```
///
/// An empty clip is [`AudioError::NoSamples`], a NaN or infinite sample
/// [`AudioError::NonFiniteSample`], a sample rate out of range [`AudioError::SampleRate`].
pub fn speech_extent(
    samples: &[f32],
    sample_rate: u32,
) -> Result<Option<std::ops::Range<usize>>, AudioError> {
    validate_sample_rate(sample_rate)?;
    validate_samples(samples)?;
    Ok(speech_extent_with(samples, sample_rate, &mut Vec::new()))
}

/// [`speech_extent`] of `samples` whose rate and samples the caller has checked (a sample
/// rate of 0 or a non-finite sample give an unspecified extent, never a panic), with `work`
/// as working memory: nothing is allocated once it has grown to twice the clip's frames.
pub fn speech_extent_with(
    samples: &[f32],
    sample_rate: u32,
    work: &mut Vec<f64>,
) -> Option<std::ops::Range<usize>> {
    let (frame, hop) = frame_and_hop(sample_rate);
    let centring = Centring::of(samples, mean(samples));
    frame_powers((samples, centring), (frame, hop), work);
    let frames = work.len();
    work.extend_from_within(..frames);
    let (powers, sorted) = work.split_at_mut(frames);
    let threshold = activity(powers, sorted).threshold;
    let mut runs = powers.windows(SPEECH_RUN_FRAMES);
    let starts_run = |w: &[f64]| w.iter().all(|&p| p > threshold);
    let first = runs.clone().position(starts_run)?;
    let last = runs.rposition(starts_run)? + SPEECH_RUN_FRAMES - 1;
    Some(first * hop..last * hop + frame)
}

/// How a clip's samples are centred and scaled before any measure: minus the clip's mean, over
/// its largest absolute deviation from it (so frame powers and spectra stay far from `f32`'s
/// limits, and equal, at any level).
#[derive(Clone, Copy, Debug)]
struct Centring {
    mean: f64,
    inverse: f64,
}

impl Centring {
    /// The centring of `samples`, whose mean is `mean` (digital silence or a constant: all 0).
    fn of(samples: &[f32], mean: f64) -> Self {
        let scale = samples
            .iter()
            .fold(0.0f64, |m, &s| m.max((f64::from(s) - mean).abs()));
        let inverse = if scale > 0.0 { 1.0 / scale } else { 0.0 };
        Self { mean, inverse }
    }

    /// One sample centred and scaled (within -1..=1).
    fn apply(self, sample: f32) -> f64 {
        (f64::from(sample) - self.mean) * self.inverse
    }

    /// The sum of squares of `samples` centred and scaled, in f64, over eight independent
    /// accumulators (one chain of additions would wait on each addition's latency).
    fn sum_of_squares(self, samples: &[f32]) -> f64 {
        let mut lanes = [0.0f64; 8];
        let mut chunks = samples.chunks_exact(lanes.len());
        for chunk in &mut chunks {
            for (lane, &s) in lanes.iter_mut().zip(chunk) {
                *lane += self.apply(s).powi(2);
            }
        }
        let rest: f64 = chunks
            .remainder()
            .iter()
            .map(|&s| self.apply(s).powi(2))
            .sum();
        lanes.iter().sum::<f64>() + rest
    }
}

/// [`RecordingQuality`] of `samples` (mono) at `sample_rate` Hz; see [`QualityAnalyzer`] to
/// analyse many clips at one rate without planning the FFT again.
///
/// Errors: [`AudioError::SampleRate`] for a rate outside
/// [`crate::MIN_SAMPLE_RATE`]..=[`crate::MAX_SAMPLE_RATE`], [`AudioError::NoSamples`] for an
/// empty clip, [`AudioError::NonFiniteSample`] for a NaN or infinite sample.
///
/// ```
/// use emovox_audio::{assess, QualityConcern};
///
/// // Half a second of silence, 1.5 s of a buzzy vowel (harmonics of 120 Hz up to 7.9 kHz),
/// // then a little white-ish noise everywhere at about 40 dB under the vowel.
/// let rate = 16_000;
/// let mut state = 1u32;
/// let clip: Vec<f32> = (0..2 * rate)
///     .map(|i| {
///         let t = i as f32 / rate as f32;
///         state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
///         let noise = ((state >> 8) as f32 / (1u32 << 23) as f32 - 1.0) * 0.002;
///         let vowel: f32 = (1..66)
///             .map(|h| (std::f32::consts::TAU * 120.0 * h as f32 * t).sin() / h as f32)
///             .sum();
///         if t < 0.5 { noise } else { 0.1 * vowel + noise }
///     })
///     .collect();
/// let quality = assess(&clip, rate as u32)?;
/// assert_eq!(quality.duration_s, 2.0);
/// assert!((quality.active_speech_s - 1.5).abs() < 0.05, "{quality:?}");
/// assert!(quality.snr_db.unwrap() > 30.0 && quality.bandwidth_hz.unwrap() > 7_000.0);
/// assert!(quality.concerns().is_empty());
///
/// assert!(matches!(assess(&[], 16_000), Err(emovox_audio::AudioError::NoSamples)));
/// # Ok::<(), emovox_audio::AudioError>(())
/// ```
pub fn assess(samples: &[f32], sample_rate: u32) -> Result<RecordingQuality, AudioError> {
    QualityAnalyzer::new(sample_rate)?.analyze(samples)
}

fn db_to_power(db: f32) -> f64 {
    10f64.powf(f64::from(db) / 10.0)
}

/// [`RecordingQuality::clipped_fraction`] of `samples`.
fn clipped_fraction(samples: &[f32]) -> f32 {
    let (min, max) = samples
        .iter()
        .fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), &s| {
            (lo.min(s), hi.max(s))
        });
    if max <= min {
        return 0.0; // constant (the samples are finite): nothing flattened
    }
    // The rails: a sample at or beyond them is at the extreme of its polarity.
    let high = (max > 0.0).then_some(max * (1.0 - CLIP_TOLERANCE));
    let low = (min < 0.0).then_some(min * (1.0 - CLIP_TOLERANCE));
    let rail = |s: f32| -> u8 {
        if high.is_some_and(|h| s >= h) {
            1
        } else if low.is_some_and(|l| s <= l) {
            2
        } else {
            0
        }
    };
    let (mut clipped, mut run, mut current) = (0usize, 0usize, 0u8);
    for &s in samples {
        let r = rail(s);
        if r != 0 && r == current {
            run += 1;
        } else {
            if run >= 2 {
                clipped += run;
            }
            run = usize::from(r != 0);
            current = r;
        }
    }
    if run >= 2 {
        clipped += run;
    }
    clipped as f32 / samples.len() as f32
}
