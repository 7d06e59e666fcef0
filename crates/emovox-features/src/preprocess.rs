//! [`Preprocessing`]: what is done to the samples before any feature is computed (resampling
//! to the model's rate, silence trimming, level normalisation), described in the model file
//! and applied by [`crate::FeaturePipeline`] in training and prediction alike.

use serde::{Deserialize, Serialize};

use crate::{BalanceNormalisation, FeatureError};

/// How a clip is prepared before its features are computed, after resampling to the
/// pipeline's rate. Stored in every model file (inside its [`crate::FeatureSpec`]); the default
/// (and what model files written before this field hold) does nothing. A step this version does
/// not know is refused when a file is read (unknown fields are an error), never skipped: a
/// model is not served with less preprocessing than it was trained with.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Preprocessing {
    /// Subtract the clip's mean first, so a constant offset of the recording chain (a DC
    /// offset, common in cheap converters) is not a cue. Without it, an offset of half the clip's
    /// RMS changed 11 of 40 held-out RAVDESS labels of the bundled model R21n, trained without
    /// it (level normalisation counts the offset as power, and the silence between words is
    /// silent no more; `scripts/offset_probe.py`); with it, none. A clip at another rate is
    /// resampled around its mean, so the offset is no step at its ends either
    /// (`docs/experiments.md`, "A DC offset and rumble").
    pub remove_dc: bool,
    /// A 4th-order Butterworth high-pass at this many Hz (after the mean is removed), so that
    /// rumble below speech (handling noise, wind, traffic, an air conditioner) is not a cue; `None`
    /// keeps the low end as recorded. Without it, a 5 or 20 Hz sine at the clip's RMS, inaudible
    /// or nearly, changed 17 and 16 of 40 held-out labels of the bundled model R21n
    /// (`scripts/offset_probe.py`). At 60 Hz in the bundle's recipes (R33) a 5 Hz rumble changed
    /// none, a 20 Hz one (38 dB down, not gone) still 8, and clean RAVDESS fell (one seed), so
    /// the default recipes leave it off (`docs/experiments.md`, "A DC offset and rumble").
    pub high_pass_hz: Option<f32>,
    /// Trim leading and trailing audio quieter than this many dB below the loudest frame, as
    /// `librosa.effects.trim(y, top_db=...)`, after level normalisation; `None` keeps the
    /// whole clip. Measured: trimming at 40 dB costs the default recipe 0.09 UAR in white noise
    /// (noisy clips are not trimmed, clean ones are; `docs/experiments.md`, R6), so the
    /// default recipes keep whole clips.
    pub trim_top_db: Option<f32>,
    /// Trim leading and trailing audio that is not speech, judged against the clip's own noise
    /// floor ([`emovox_audio::speech_extent`]), after level normalisation, keeping a margin
    /// either side; `None` keeps the whole clip. Unlike `trim_top_db` it trims noisy clips as
    /// it trims clean ones, so a clip cut loosely from a longer recording (seconds of room
    /// tone before and after the speech) reads as the same clip cut tightly. With both, the
    /// part both keep is kept. Not written to model files when `None`, so files of models
    /// without it are unchanged.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trim_to_speech: Option<SpeechTrim>,
    /// Scale every clip to a fixed active speech level, so that the recording level (the gain
    /// of the microphone, the distance to it, a normalising editor) is not a cue; `None` keeps
    /// the level as recorded.
    pub level: Option<LevelNormalisation>,
    /// Bring every clip to one spectral balance (after the level, which is then applied once
    /// more), so that the tilt of a microphone or channel is not a cue; `None` keeps the
    /// spectrum as recorded.
    pub balance: Option<BalanceNormalisation>,
}

/// Trimming to the speech of a clip ([`Preprocessing::trim_to_speech`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpeechTrim {
    /// Audio kept before the first active frame and after the last, in seconds (0..=2): the
    /// onset and release of speech quieter than the activity threshold.
    pub margin_s: f32,
}

impl SpeechTrim {
    /// The range of `levelled` (at `sample_rate` Hz, checked by the caller) that holds its
    /// speech and the margins, `None` when no frame is active (the clip is kept whole).
    fn kept_range(
        &self,
        levelled: &[f32],
        sample_rate: u32,
        work: &mut Vec<f64>,
    ) -> Option<std::ops::Range<usize>> {
        let extent = emovox_audio::speech_extent_with(levelled, sample_rate, work)?;
        let margin = (self.margin_s * sample_rate as f32).round() as usize;
        Some(extent.start.saturating_sub(margin)..(extent.end + margin).min(levelled.len()))
    }
}

/// Scales a clip so that its active level is `target_dbfs`: the mean power of its 20 ms frames
/// (hop 10 ms) that are at most `gate_db` below the mean power of all its frames.
///
/// The gain depends on the clip only through a measure that scales with the square of any gain
/// applied to it, so a clip and the same clip `g` times louder give the same output (up to
/// float rounding): the absolute level is removed, while loudness changes within the clip
/// (which carry emotion) are kept.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LevelNormalisation {
    /// The active level every clip is scaled to, in dB relative to a full-scale RMS of 1.
    pub target_dbfs: f32,
    /// Frames more than this many dB below the clip's mean frame power are left out of the
    /// active level (the relative gate of EBU R 128), so pauses and silence do not count.
    pub gate_db: f32,
}

impl Default for LevelNormalisation {
    /// Active speech at -26 dBFS (the ITU-T P.56 level of telephony test speech), gate 10 dB.
    fn default() -> Self {
        Self {
            target_dbfs: -26.0,
            gate_db: 10.0,
        }
    }
}

/// Frame length of the active-level analysis, in seconds.
const LEVEL_FRAME_SECONDS: f64 = 0.02;

/// Below this mean power a clip is taken as digital silence and left unscaled.
const SILENT_POWER: f64 = 1e-20;

impl LevelNormalisation {
    /// Checks the values are finite and in range (target -60..=0 dBFS, gate 0..=60 dB).
    pub fn validate(&self) -> Result<(), FeatureError> {
        if !(self.target_dbfs.is_finite() && (-60.0..=0.0).contains(&self.target_dbfs)) {
            return Err(FeatureError::InvalidConfig(format!(
                "level target_dbfs {} must be in -60..=0",
                self.target_dbfs
            )));
        }
        if !(self.gate_db.is_finite() && (0.0..=60.0).contains(&self.gate_db)) {
            return Err(FeatureError::InvalidConfig(format!(
                "level gate_db {} must be in 0..=60",
                self.gate_db
            )));
        }
        Ok(())
    }

    /// The gain that brings `samples` (at `sample_rate` Hz) to the target level; 1 for silence.
    /// Settings [`LevelNormalisation::validate`] refuses, and a sample rate outside
    /// 1000..=768000 Hz, are [`FeatureError::InvalidConfig`], a NaN or infinite sample
    /// [`FeatureError::NonFiniteSample`].
    pub fn gain(&self, samples: &[f32], sample_rate: u32) -> Result<f32, FeatureError> {
        self.validate()?;
        crate::config::check_sample_rate(sample_rate)?;
        check_finite(samples)?;
        Ok(self.gain_with(samples, sample_rate, &mut Vec::new()))
    }

    /// [`LevelNormalisation::gain`] with caller-owned working memory for the frame powers.
    fn gain_with(&self, samples: &[f32], sample_rate: u32, powers: &mut Vec<f64>) -> f32 {
        let power = active_power(samples, sample_rate, self.gate_db, powers);
        if power < SILENT_POWER {
            return 1.0;
        }
        let target = 10f64.powf(self.target_dbfs as f64 / 10.0);
        (target / power).sqrt() as f32
    }

    /// Scales `samples` in place to the target level; refuses what
    /// [`LevelNormalisation::gain`] refuses, leaving `samples` as they were.
    pub fn apply(&self, samples: &mut [f32], sample_rate: u32) -> Result<(), FeatureError> {
        self.validate()?;
        crate::config::check_sample_rate(sample_rate)?;
        check_finite(samples)?;
        self.apply_with(samples, sample_rate, &mut Vec::new());
        Ok(())
    }

    fn apply_with(&self, samples: &mut [f32], sample_rate: u32, powers: &mut Vec<f64>) {
        let gain = self.gain_with(samples, sample_rate, powers);
        samples.iter_mut().for_each(|s| *s *= gain);
    }
}

/// The active power of a clip: the mean power of its 20 ms frames (hop 10 ms) whose power is
/// at most `gate_db` below the mean power of all frames. A clip shorter than one frame is one
/// frame. Scales exactly with the square of a gain applied to the clip. `powers` is working
/// memory for the frame powers.
fn active_power(samples: &[f32], sample_rate: u32, gate_db: f32, powers: &mut Vec<f64>) -> f64 {
    if samples.is_empty() {
        return 0.0;
    }
    let frame = ((sample_rate as f64 * LEVEL_FRAME_SECONDS) as usize).clamp(1, samples.len());
    let hop = (frame / 2).max(1);
    let frames = 1 + (samples.len() - frame) / hop;
    powers.clear();
    let ranges = (0..frames).map(|t| t * hop..t * hop + frame);
    emovox_audio::sums_of_squares(samples, ranges, powers);
    powers.iter_mut().for_each(|energy| *energy /= frame as f64);
    let mean = powers.iter().sum::<f64>() / frames as f64;
    let gate = mean * 10f64.powf(-(gate_db as f64) / 10.0);
    let (sum, count) = powers
        .iter()
        .filter(|&&p| p >= gate)
        .fold((0.0, 0usize), |(s, n), &p| (s + p, n + 1));
    if count == 0 {
        mean
    } else {
        sum / count as f64
    }
}

/// [`FeatureError::NonFiniteSample`] at the first NaN or infinite sample.
pub(crate) fn check_finite(samples: &[f32]) -> Result<(), FeatureError> {
    match emovox_audio::first_non_finite(samples) {
        Some(index) => Err(FeatureError::NonFiniteSample { index }),
        None => Ok(()),
    }
}

/// Subtracts the mean of `samples` from each.
fn remove_mean(samples: &mut [f32]) {
    let mean = emovox_audio::mean(samples) as f32;
    samples.iter_mut().for_each(|s| *s -= mean);
}

impl Preprocessing {
    /// Checks `sample_rate` (the pipeline's rate, in 1000..=768000 Hz), the trimming threshold,
    /// the level and the balance settings (the high-pass and the balance's split against
    /// `sample_rate`).
    pub fn validate(&self, sample_rate: u32) -> Result<(), FeatureError> {
        crate::config::check_sample_rate(sample_rate)?;
        if let Some(hz) = self.high_pass_hz {
            let highest = 0.45 * sample_rate as f32;
            if !(hz.is_finite() && (10.0..=highest.min(1_000.0)).contains(&hz)) {
                return Err(FeatureError::InvalidConfig(format!(
                    "high_pass_hz {hz} must be in 10..={} at {sample_rate} Hz",
                    highest.min(1_000.0)
                )));
            }
        }
        if let Some(top_db) = self.trim_top_db {
            if !(top_db.is_finite() && top_db > 0.0) {
                return Err(FeatureError::InvalidConfig(format!(
                    "trim_top_db {top_db} must be finite and positive"
                )));
            }
        }
        if let Some(SpeechTrim { margin_s }) = self.trim_to_speech {
            if !(margin_s.is_finite() && (0.0..=2.0).contains(&margin_s)) {
                return Err(FeatureError::InvalidConfig(format!(
                    "trim_to_speech margin_s {margin_s} must be in 0..=2"
                )));
            }
        }
        if let Some(level) = &self.level {
            level.validate()?;
        }
        if let Some(balance) = &self.balance {
            balance.validate(sample_rate)?;
        }
        Ok(())
    }

    /// Whether this preprocessing leaves samples untouched.
    pub fn is_identity(&self) -> bool {
        !self.remove_dc
            && self.high_pass_hz.is_none()
            && !self.trims()
            && self.level.is_none()
            && self.balance.is_none()
    }

    /// Whether this preprocessing trims (`trim_top_db` or `trim_to_speech`).
    pub(crate) fn trims(&self) -> bool {
        self.trim_top_db.is_some() || self.trim_to_speech.is_some()
    }

    /// Removes the mean, high-passes, level-normalises, balances (then normalises the level
    /// again), then trims `samples` (at `sample_rate` Hz, the pipeline's rate), each step as configured.
    ///
    /// Normalising first makes trimming independent of the recording level: the trim
    /// threshold is relative to the loudest frame, but frames below the absolute floor of
    /// `librosa.effects.trim` (-100 dB) all count as that floor, which for a clip recorded
    /// 30 dB quieter can lie within `trim_top_db` of its loudest frame. At the normalised
    /// level (-26 dBFS active speech) that floor is far below any threshold. The active level
    /// is gated (silence does not count), so trimming after normalising leaves it at its
    /// target within a fraction of a dB.
    ///
    /// The settings are checked first ([`Preprocessing::validate`] at `sample_rate`): settings
    /// it refuses (e.g. a high-pass above the Nyquist frequency, which would fill the clip
    /// with NaN) are [`FeatureError::InvalidConfig`], a NaN or infinite sample
    /// [`FeatureError::NonFiniteSample`].
    pub fn apply(&self, samples: &[f32], sample_rate: u32) -> Result<Vec<f32>, FeatureError> {
        self.validate(sample_rate)?;
        check_finite(samples)?;
        let mut out = Vec::new();
        self.apply_into(samples, sample_rate, &mut Vec::new(), 0, &mut out);
        Ok(out)
    }

    /// [`Preprocessing::apply`] into `out` (cleared first), with `powers` as working memory
    /// for the level measurement: nothing is allocated once both have grown to the clip. The
    /// caller has validated the settings at `sample_rate` (a [`crate::FeaturePipeline`]'s
    /// spec is validated when it is built). Trimming keeps at least `min_kept` samples (see
    /// [`widened`]): a pipeline passes the length its analysis needs.
    pub(crate) fn apply_into(
        &self,
        samples: &[f32],
        sample_rate: u32,
        powers: &mut Vec<f64>,
        min_kept: usize,
        out: &mut Vec<f32>,
    ) {
        self.level_into(samples, sample_rate, powers, out);
        if let Some(range) = self.kept_range((out, sample_rate), min_kept, powers) {
            out.truncate(range.end);
            out.drain(..range.start);
        }
    }

    /// The steps before trimming (mean removal, high-pass, level, balance) of `samples` into
    /// `out` (cleared first): the clip [`Preprocessing::trim_into`] trims.
    pub(crate) fn level_into(
        &self,
        samples: &[f32],
        sample_rate: u32,
        powers: &mut Vec<f64>,
        out: &mut Vec<f32>,
    ) {
        out.clear();
        out.extend_from_slice(samples);
        if self.remove_dc {
            remove_mean(out);
        }
        if let Some(hz) = self.high_pass_hz {
            let sections = emovox_audio::butterworth4(
                emovox_audio::Pass::High,
                f64::from(hz),
                f64::from(sample_rate),
            );
            emovox_audio::run_cascade(&sections, out);
        }
        if let Some(level) = &self.level {
            level.apply_with(out, sample_rate, powers);
        }
        if let Some(balance) = &self.balance {
            balance.normalise(out, sample_rate);
            if let Some(level) = &self.level {
                level.apply_with(out, sample_rate, powers);
            }
        }
    }

    /// Whether [`Preprocessing::apply`] of a clip equals trimming the clip `other` trims (its
    /// [`Preprocessing::level_into`]): this one trims, and both take the same steps before
    /// trimming, the level normalised among them.
    pub(crate) fn trims_levelled_clip_of(&self, other: &Preprocessing) -> bool {
        self.trims()
            && other.level.is_some()
            && self.remove_dc == other.remove_dc
            && self.high_pass_hz == other.high_pass_hz
            && self.level == other.level
            && self.balance == other.balance
    }

    /// The trimming step alone: `levelled` (a clip at `sample_rate` Hz already
    /// level-normalised as this preprocessing says: [`Preprocessing::level_into`]) trimmed into
    /// `out` (cleared first), with `work` as working memory; returns the part of `levelled`
    /// kept. With [`Preprocessing::trims_levelled_clip_of`], this on `other`'s levelled clip is
    /// this one's `apply_into` with the same `min_kept`.
    pub(crate) fn trim_into(
        &self,
        (levelled, sample_rate): (&[f32], u32),
        min_kept: usize,
        work: &mut Vec<f64>,
        out: &mut Vec<f32>,
    ) -> std::ops::Range<usize> {
        out.clear();
        let range = self
            .kept_range((levelled, sample_rate), min_kept, work)
            .unwrap_or(0..levelled.len());
        out.extend_from_slice(&levelled[range.clone()]);
        range
    }

    /// The part of `levelled` (at `sample_rate` Hz) that trimming keeps, the part both trims
    /// keep when both are set, [`widened`] to at least `min_kept` samples; `None` when this
    /// preprocessing does not trim or the clip is empty (the loudest frame is always kept by
    /// both, so a trimmed range is empty only for an empty clip). `work` is working memory.
    fn kept_range(
        &self,
        (levelled, sample_rate): (&[f32], u32),
        min_kept: usize,
        work: &mut Vec<f64>,
    ) -> Option<std::ops::Range<usize>> {
        if !self.trims() || levelled.is_empty() {
            return None;
        }
        let mut range = 0..levelled.len();
        if let Some(top_db) = self.trim_top_db {
            range = emovox_audio::trim_silence(levelled, top_db);
        }
        if let Some(speech) = &self.trim_to_speech {
            if let Some(kept) = speech.kept_range(levelled, sample_rate, work) {
                let start = range.start.max(kept.start);
                range = start..range.end.min(kept.end).max(start);
            }
        }
        (!range.is_empty()).then(|| widened(range, min_kept, levelled.len()))
    }
}

/// `range` of a clip of `len` samples widened about its centre to at least `min_len` samples
/// (the whole clip when that is shorter), still holding all of `range`. Trimming keeps the
/// part within `top_db` of the loudest frame; when that is a click or a single loud syllable
/// in a quiet stretch, shorter than one analysis frame of the features, the clip around it is
/// kept instead of failing a clip (or a timeline window) that is long enough as recorded.
pub(crate) fn widened(
    range: std::ops::Range<usize>,
    min_len: usize,
    len: usize,
) -> std::ops::Range<usize> {
    if range.len() >= min_len {
        return range;
    }
    if len <= min_len {
        return 0..len;
    }
    let centre = range.start + range.len() / 2;
    let start = centre.saturating_sub(min_len / 2).min(len - min_len);
    start..start + min_len
}

#[cfg(test)]
mod tests {
    use super::*;

    fn burst(n: usize) -> Vec<f32> {
        (0..n)
            .map(|i| {
                let t = i as f32 / 16_000.0;
                let envelope = if (i / 4_000) % 2 == 0 { 1.0 } else { 0.05 };
                envelope * 0.2 * (std::f32::consts::TAU * 220.0 * t).sin()
            })
            .collect()
    }

    #[test]
    fn a_kept_range_is_widened_about_its_centre_within_the_clip() {
        assert_eq!(widened(100..200, 50, 1000), 100..200);
        assert_eq!(widened(100..200, 300, 1000), 0..300);
        assert_eq!(widened(400..420, 300, 1000), 260..560);
        assert_eq!(widened(990..1000, 300, 1000), 700..1000);
        assert_eq!(widened(10..20, 300, 250), 0..250);
        for (range, min_len, len) in [(3..5, 7, 9), (0..1, 2, 2), (5..6, 4, 6)] {
            let w = widened(range.clone(), min_len, len);
            assert!(
                w.start <= range.start && w.end >= range.end && w.end <= len,
                "{w:?}"
            );
            assert_eq!(w.len(), min_len.min(len));
        }
    }

    #[test]
    fn active_power_scales_with_the_square_of_the_gain() {
        let x = burst(32_000);
        let p = active_power(&x, 16_000, 10.0, &mut Vec::new());
        let loud: Vec<f32> = x.iter().map(|s| s * 10.0).collect();
        let ratio = active_power(&loud, 16_000, 10.0, &mut Vec::new()) / p;
        assert!((ratio - 100.0).abs() < 1e-6 * 100.0, "{ratio}");
        // The quiet halves are gated out: active power is that of the loud halves.
        let loud_half = 0.2f64 * 0.2 / 2.0;
        assert!((p / loud_half - 1.0).abs() < 0.05, "{p} vs {loud_half}");
    }

    #[test]
    fn level_normalisation_reaches_its_target_and_is_gain_invariant() {
        let level = LevelNormalisation::default();
        let x = burst(24_000);
        let mut a = x.clone();
        level.apply(&mut a, 16_000).unwrap();
        let db = 10.0 * active_power(&a, 16_000, level.gate_db, &mut Vec::new()).log10();
        assert!((db + 26.0).abs() < 1e-3, "{db}");
        for gain in [0.03f32, 0.5, 4.0] {
            let mut b: Vec<f32> = x.iter().map(|s| s * gain).collect();
            level.apply(&mut b, 16_000).unwrap();
            let worst = a
                .iter()
                .zip(&b)
                .map(|(u, v)| (u - v).abs())
                .fold(0.0, f32::max);
            assert!(worst < 1e-6, "gain {gain}: {worst}");
        }
        let mut silence = vec![0.0f32; 1_000];
        level.apply(&mut silence, 16_000).unwrap();
        assert!(silence.iter().all(|s| *s == 0.0));
    }

    #[test]
    fn trimming_does_not_depend_on_the_recording_level() {
        // Half a second of tone at -60 dBFS between two seconds of near-silence (-140 dBFS):
        // 30 dB quieter, the silence falls below trim's absolute floor (-100 dB), which lies
        // within 40 dB of the tone; trimming must still cut the same samples.
        let clip: Vec<f32> = (0..40_000)
            .map(|i| {
                let t = i as f32 / 16_000.0;
                let amplitude = if (16_000..24_000).contains(&i) {
                    1e-3
                } else {
                    1e-7
                };
                amplitude * (std::f32::consts::TAU * 200.0 * t).sin()
            })
            .collect();
        let preprocessing = Preprocessing {
            remove_dc: false,
            high_pass_hz: None,
            trim_top_db: Some(40.0),
            trim_to_speech: None,
            level: Some(LevelNormalisation::default()),
            balance: None,
        };
        let reference = preprocessing.apply(&clip, 16_000).unwrap();
        assert!(reference.len() < 12_000, "{}", reference.len());
        assert_the_same_at_every_gain(&preprocessing, &clip, &[0.03, 0.3, 4.0], 1e-6);
    }

    /// `preprocessing` of `clip` scaled by each of `gains` is its output of `clip` (the same
    /// length, every sample within `tolerance`).
    fn assert_the_same_at_every_gain(
        preprocessing: &Preprocessing,
        clip: &[f32],
        gains: &[f32],
        tolerance: f32,
    ) {
        let reference = preprocessing.apply(clip, 16_000).unwrap();
        for gain in gains {
            let scaled: Vec<f32> = clip.iter().map(|s| s * gain).collect();
            let out = preprocessing.apply(&scaled, 16_000).unwrap();
            assert_eq!(out.len(), reference.len(), "gain {gain}");
            let worst = out
                .iter()
                .zip(&reference)
                .map(|(a, b)| (a - b).abs())
                .fold(0.0, f32::max);
            assert!(worst < tolerance, "gain {gain}: {worst}");
        }
    }

    #[test]
    fn trimming_to_speech_cuts_room_tone_at_any_level_and_keeps_the_margin() {
        // A second of speech-like bursts between two seconds of room tone, the tone under all.
        let mut state = 11u32;
        let mut clip = vec![0.0f32; 16_000];
        clip.extend(burst(16_000));
        clip.resize(48_000, 0.0);
        for s in &mut clip {
            state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            *s += 1e-3 * ((state >> 8) as f32 / (1u32 << 23) as f32 - 1.0);
        }
        let trim = |margin_s: f32| Preprocessing {
            trim_to_speech: Some(SpeechTrim { margin_s }),
            level: Some(LevelNormalisation::default()),
            ..Preprocessing::default()
        };
        // The bursts' second and 0.1 s either side, within a frame (25 ms) at each end.
        let reference = trim(0.1).apply(&clip, 16_000).unwrap();
        assert!(
            reference.len().abs_diff(19_200) <= 800,
            "{}",
            reference.len()
        );
        let tight = trim(0.0).apply(&clip, 16_000).unwrap();
        assert_eq!(reference.len() - tight.len(), 3_200);
        assert_the_same_at_every_gain(&trim(0.1), &clip, &[0.001, 20.0], 1e-5);
        // Room tone alone has no speech to trim to: kept whole.
        let tone_only = trim(0.1).apply(&clip[..16_000], 16_000).unwrap();
        assert_eq!(tone_only.len(), 16_000);
        let json = serde_json::to_string(&trim(0.1)).unwrap();
        assert!(
            json.contains(r#""trim_to_speech":{"margin_s":0.1}"#),
            "{json}"
        );
        assert_eq!(
            serde_json::from_str::<Preprocessing>(&json).unwrap(),
            trim(0.1)
        );
    }

    #[test]
    fn a_preprocessing_step_this_version_does_not_know_is_refused() {
        let known = r#"{"trim_top_db": null, "level": {"target_dbfs": -26.0, "gate_db": 10.0},
            "balance": {"target_db": -6.1, "split_hz": 1000.0}}"#;
        let parsed: Preprocessing = serde_json::from_str(known).unwrap();
        assert!(parsed.balance.is_some() && parsed.level.is_some());
        // A file from before the balance step reads as no balance.
        let older: Preprocessing = serde_json::from_str(r#"{"trim_top_db": 40.0}"#).unwrap();
        assert_eq!(older.balance, None);
        let future = r#"{"level": null, "dereverberate": {"strength": 0.5}}"#;
        let error = serde_json::from_str::<Preprocessing>(future).unwrap_err();
        assert!(error.to_string().contains("dereverberate"), "{error}");
        let nested = r#"{"balance": {"target_db": -6.1, "split_hz": 1000.0, "bands": 3}}"#;
        assert!(serde_json::from_str::<Preprocessing>(nested).is_err());
    }

    #[test]
    fn an_offset_is_removed_and_rumble_filtered_out_before_the_level_is_measured() {
        let tone = |hz: f32, amplitude: f32| -> Vec<f32> {
            (0..32_000)
                .map(|i| amplitude * (std::f32::consts::TAU * hz * i as f32 / 16_000.0).sin())
                .collect()
        };
        let preprocessing = Preprocessing {
            remove_dc: true,
            high_pass_hz: Some(60.0),
            level: Some(LevelNormalisation::default()),
            ..Preprocessing::default()
        };
        let voice = burst(32_000);
        let reference = preprocessing.apply(&voice, 16_000).unwrap();
        // An offset of the clip's RMS, and then a 20 Hz rumble of the same size as well.
        let rms = active_power(&voice, 16_000, 60.0, &mut Vec::new()).sqrt() as f32;
        let offset: Vec<f32> = voice.iter().map(|s| s + rms).collect();
        let rumble: Vec<f32> = offset
            .iter()
            .zip(tone(20.0, rms * std::f32::consts::SQRT_2))
            .map(|(s, r)| s + r)
            .collect();
        for (name, clip, tolerance) in [("offset", &offset, 1e-4), ("rumble", &rumble, 0.03)] {
            let out = preprocessing.apply(clip, 16_000).unwrap();
            // Past the filter's first 50 ms, the output is the clean clip's within `tolerance`
            // of its peak (the rumble is down by 38 dB, not gone).
            let worst = out[800..]
                .iter()
                .zip(&reference[800..])
                .map(|(a, b)| (a - b).abs())
                .fold(0.0, f32::max);
            let peak = reference.iter().fold(0.0f32, |m, s| m.max(s.abs()));
            assert!(
                worst <= tolerance * peak,
                "{name}: {worst} against peak {peak}"
            );
        }
        // The pass band is kept: a 200 Hz tone leaves the high-pass within 0.1 dB.
        let high_pass = Preprocessing {
            high_pass_hz: Some(60.0),
            ..Preprocessing::default()
        };
        let out = high_pass.apply(&tone(200.0, 0.1), 16_000).unwrap();
        let input_power = active_power(&tone(200.0, 0.1)[8_000..], 16_000, 60.0, &mut Vec::new());
        let ratio = active_power(&out[8_000..], 16_000, 60.0, &mut Vec::new()) / input_power;
        assert!((10.0 * ratio.log10()).abs() < 0.1, "{ratio}");
    }

    #[test]
    fn bad_settings_are_refused() {
        let bad_level = Preprocessing {
            level: Some(LevelNormalisation {
                target_dbfs: 3.0,
                gate_db: 10.0,
            }),
            ..Preprocessing::default()
        };
        assert!(bad_level.validate(16_000).is_err());
        let bad_trim = Preprocessing {
            trim_top_db: Some(f32::NAN),
            ..Preprocessing::default()
        };
        assert!(bad_trim.validate(16_000).is_err());
        for margin_s in [f32::NAN, -0.1, 2.5] {
            let bad_margin = Preprocessing {
                trim_to_speech: Some(SpeechTrim { margin_s }),
                ..Preprocessing::default()
            };
            assert!(bad_margin.validate(16_000).is_err(), "{margin_s}");
        }
        for hz in [5.0, f32::NAN, 7_500.0] {
            let bad_high_pass = Preprocessing {
                high_pass_hz: Some(hz),
                ..Preprocessing::default()
            };
            assert!(bad_high_pass.validate(16_000).is_err(), "{hz}");
        }
        assert!(Preprocessing::default().validate(16_000).is_ok());
        assert!(Preprocessing::default().is_identity());
    }
}
