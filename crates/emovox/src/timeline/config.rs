//! Serde configuration of windowing, voice activity detection and smoothing.

use serde::{Deserialize, Serialize};

use super::plan::WindowPlan;
use super::TimelineError;

/// The longest window (and VAD frame) a [`SegmentConfig`] accepts, in seconds: one hour, far
/// beyond any window a speech emotion model is meant for. A window is classified in one piece
/// and held in memory, so a longer one is refused with [`TimelineError::Config`] rather than
/// attempted.
pub const MAX_WINDOW_SECONDS: f64 = 3600.0;

/// The most windows a [`SegmentConfig`] classifies per batch
/// ([`SegmentConfig::batch_size`]): a batch's windows are held at once.
pub const MAX_BATCH_SIZE: usize = 1024;

/// How a long recording is cut into windows, which windows count as speech and how window
/// labels are smoothed into a timeline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SegmentConfig {
    /// Length of one classified window, in seconds (default 2.0, about one short utterance).
    /// Rounded to a whole number of VAD frames.
    pub window_seconds: f64,
    /// Step between window starts, in seconds (default 0.5). Rounded to whole VAD frames; at
    /// least one VAD frame ([`VadConfig::frame_seconds`]), at most the window.
    pub hop_seconds: f64,
    /// Shortest audio classified (default 1.0 s): the last, partial window of a recording is
    /// kept only if at least this long, and a recording shorter than it is an error.
    pub min_window_seconds: f64,
    /// Fraction of a window's VAD frames that must be speech for the window to be classified
    /// (default 0.3); other windows are skipped.
    pub min_speech_fraction: f64,
    /// Windows classified per [`WindowClassifier::probabilities_batch`](super::WindowClassifier::probabilities_batch)
    /// call by [`predict_segments`](super::predict_segments) (default 16, at most
    /// [`MAX_BATCH_SIZE`]).
    pub batch_size: usize,
    /// Voice activity detection.
    pub vad: VadConfig,
    /// Smoothing of window labels.
    pub smoothing: SmoothingConfig,
}

impl Default for SegmentConfig {
    fn default() -> Self {
        Self {
            window_seconds: 2.0,
            hop_seconds: 0.5,
            min_window_seconds: 1.0,
            min_speech_fraction: 0.3,
            batch_size: 16,
            vad: VadConfig::default(),
            smoothing: SmoothingConfig::default(),
        }
    }
}

/// Settings of the energy-based voice activity detector ([`Vad`](super::Vad)).
///
/// Levels are `10 log10(mean square)` in dBFS, each frame's mean removed (a DC offset is no
/// sound), compared with an adaptive noise floor; see
/// [`Vad`](super::Vad) for how the settings combine.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct VadConfig {
    /// Length of one VAD frame, in seconds (default 0.02). Frames do not overlap.
    pub frame_seconds: f64,
    /// Speech needs its short-term level (mean power over `short_term_seconds`) this many dB
    /// above the noise floor (default 6).
    pub threshold_db: f32,
    /// The frames next to speech belong to it while their own level exceeds the noise floor
    /// by this many dB (default 3); they set where a speech region starts and ends.
    pub edge_threshold_db: f32,
    /// A frame is never speech below this absolute level in dBFS (default
    /// [`crate::SILENCE_LEVEL_DB`], -90: below speech recorded 30 dB quieter than usual, above
    /// 16-bit dither), so digital silence and dither are not speech.
    pub min_level_db: f32,
    /// A frame is never speech when its level is more than this many dB (default 50) below the
    /// loudest short-term level of the last `peak_window_seconds`: breath, lip noise and room
    /// tone between phrases stay out of speech however quiet the pauses around them are (a
    /// noise gate's digital silence takes the floor down to `min_level_db`), and, being
    /// relative, the rule gives the same decisions at any recording level.
    pub speech_range_db: f32,
    /// How far back the loudest level for `speech_range_db` looks, in seconds (default 10).
    pub peak_window_seconds: f64,
    /// Span of the short-term level compared with `threshold_db`, in seconds (default 0.06):
    /// long enough that a lone loud frame of a fluctuating noise (babble) is not speech.
    pub short_term_seconds: f64,
    /// How far back the noise floor looks, in seconds (default 3.0): it follows the lowest
    /// level of this recent past.
    pub floor_window_seconds: f64,
    /// The noise floor follows the lowest mean level over this many seconds (default 1.0)
    /// within the floor window, i.e. the mean level of the noise even when it fluctuates, and
    /// not a dip shorter than that: a phone's automatic gain control ducks the noise for a
    /// moment after each loud passage (with 0.5 s the floor fell into those dips and the noise
    /// swelling back out of them read as speech; docs/experiments.md, "VAD in noise").
    pub floor_average_seconds: f64,
    /// The noise floor is never more than this many dB (default 18) above the quietest single
    /// frame of the floor window. It bounds the floor before `floor_average_seconds` of audio
    /// were heard and when speech leaves only short pauses.
    pub floor_spread_db: f32,
    /// How fast the noise floor may rise, in dB per second (default 1.0); it falls at once.
    /// Slow rising keeps it below long stretches of speech.
    pub floor_rise_db_per_second: f32,
    /// Minimum speech duration (default 0.06 s): speech starts only after this many seconds of
    /// consecutive frames above both thresholds, so clicks are ignored.
    pub min_speech_seconds: f64,
    /// Hangover, i.e. minimum silence duration (default 0.3 s): speech ends only after this long
    /// without a speech frame, so pauses between words do not split speech.
    pub hangover_seconds: f64,
}

impl Default for VadConfig {
    fn default() -> Self {
        Self {
            frame_seconds: 0.02,
            threshold_db: 6.0,
            edge_threshold_db: 3.0,
            min_level_db: crate::SILENCE_LEVEL_DB,
            speech_range_db: 50.0,
            peak_window_seconds: 10.0,
            short_term_seconds: 0.06,
            floor_window_seconds: 3.0,
            floor_average_seconds: 1.0,
            floor_spread_db: 18.0,
            floor_rise_db_per_second: 1.0,
            min_speech_seconds: 0.06,
            hangover_seconds: 0.3,
        }
    }
}

/// How window labels become the smoothed timeline (see [`smooth`](super::smooth)).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SmoothingConfig {
    /// Width (in windows, odd; 1 disables) of the majority filter applied to the labels of
    /// consecutive speech windows before merging (default 3). Ties keep the window's own label.
    pub majority_width: usize,
    /// Shortest segment kept beside another in the same speech region, in seconds (default
    /// 0.25; 0 keeps every piece). Cutting segments to the speech regions leaves slivers where
    /// a region starts or ends just past a segment boundary (a 10 ms `sad` before two seconds
    /// of `calm`): shorter than the hop, they are below what the windows resolve, so each is
    /// given to its longer neighbour in the region. With the default hop (0.5 s) only such
    /// slivers are this short; with a hop under this value, runs of one label shorter than it
    /// are given away too. A speech region shorter than this stays a segment of its own. See
    /// [`absorb_slivers`](super::absorb_slivers).
    pub min_segment_seconds: f64,
}

impl Default for SmoothingConfig {
    fn default() -> Self {
        Self {
            majority_width: 3,
            min_segment_seconds: 0.25,
        }
    }
}

/// Checks that `value` seconds is positive, finite and at most [`MAX_WINDOW_SECONDS`].
fn window_length(name: &str, value: f64) -> Result<(), TimelineError> {
    positive(name, value)?;
    if value > MAX_WINDOW_SECONDS {
        return Err(TimelineError::Config(format!(
            "{name} must be at most {MAX_WINDOW_SECONDS} s, got {value:e}"
        )));
    }
    Ok(())
}

fn positive(name: &str, value: f64) -> Result<(), TimelineError> {
    if value.is_finite() && value > 0.0 {
        Ok(())
    } else {
        Err(TimelineError::Config(format!(
            "{name} must be a positive number of seconds, got {value:?}"
        )))
    }
}

impl SegmentConfig {
    /// Checks the configuration, so that plans built from it are meaningful (and their memory
    /// bounded: no window over [`MAX_WINDOW_SECONDS`]).
    pub fn validate(&self) -> Result<(), TimelineError> {
        self.vad.validate()?;
        window_length("window_seconds", self.window_seconds)?;
        positive("hop_seconds", self.hop_seconds)?;
        positive("min_window_seconds", self.min_window_seconds)?;
        // Windows and hops are whole VAD frames: a shorter hop would be rounded up to a frame,
        // and the windows would no longer be `hop_seconds` apart, as smoothing takes them.
        let frame = self.vad.frame_seconds;
        for (name, value) in [
            ("window_seconds", self.window_seconds),
            ("hop_seconds", self.hop_seconds),
        ] {
            if value < frame {
                return Err(TimelineError::Config(format!(
                    "{name} {value:?} is shorter than one VAD frame (vad.frame_seconds {frame:?})"
                )));
            }
        }
        if self.hop_seconds > self.window_seconds {
            return Err(TimelineError::Config(format!(
                "hop_seconds {:?} exceeds window_seconds {:?}",
                self.hop_seconds, self.window_seconds
            )));
        }
        if self.min_window_seconds > self.window_seconds {
            return Err(TimelineError::Config(
                "min_window_seconds exceeds window_seconds".into(),
            ));
        }
        if !(0.0..=1.0).contains(&self.min_speech_fraction) {
            return Err(TimelineError::Config(
                "min_speech_fraction must lie in 0..=1".into(),
            ));
        }
        if !(1..=MAX_BATCH_SIZE).contains(&self.batch_size) {
            return Err(TimelineError::Config(format!(
                "batch_size must lie in 1..={MAX_BATCH_SIZE}, got {}",
                self.batch_size
            )));
        }
        if self.smoothing.majority_width % 2 != 1 {
            return Err(TimelineError::Config(
                "smoothing.majority_width must be odd".into(),
            ));
        }
        let sliver = self.smoothing.min_segment_seconds;
        if !(sliver.is_finite() && (0.0..=MAX_WINDOW_SECONDS).contains(&sliver)) {
            return Err(TimelineError::Config(format!(
                "smoothing.min_segment_seconds must lie in 0..={MAX_WINDOW_SECONDS} s, got {sliver:?}"
            )));
        }
        Ok(())
    }
}

impl SegmentConfig {
    /// The shortest audio a timeline with this configuration classifies at `sample_rate` Hz, in
    /// samples: [`min_window_seconds`](Self::min_window_seconds), at most one full window
    /// ([`window_seconds`](Self::window_seconds) rounded to whole VAD frames). A classifier
    /// that needs longer audio fails on such windows; check this before streaming.
    pub fn min_window_samples(&self, sample_rate: u32) -> Result<usize, TimelineError> {
        Ok(WindowPlan::new(self, sample_rate)?.min_window_samples)
    }
}

impl VadConfig {
    /// Checks the VAD settings.
    pub fn validate(&self) -> Result<(), TimelineError> {
        for (name, value) in [
            ("vad.frame_seconds", self.frame_seconds),
            ("vad.short_term_seconds", self.short_term_seconds),
            ("vad.floor_window_seconds", self.floor_window_seconds),
            ("vad.floor_average_seconds", self.floor_average_seconds),
            ("vad.peak_window_seconds", self.peak_window_seconds),
        ] {
            window_length(name, value)?;
        }
        let duration = |s: f64| s.is_finite() && (0.0..=MAX_WINDOW_SECONDS).contains(&s);
        if !(duration(self.min_speech_seconds) && duration(self.hangover_seconds)) {
            return Err(TimelineError::Config(format!(
                "vad.min_speech_seconds and vad.hangover_seconds must lie in 0..={MAX_WINDOW_SECONDS} s"
            )));
        }
        if !(self.threshold_db.is_finite()
            && self.edge_threshold_db.is_finite()
            && self.min_level_db.is_finite()
            && self.speech_range_db.is_finite()
            && self.speech_range_db > 0.0
            && self.floor_spread_db.is_finite()
            && self.floor_spread_db >= 0.0
            && self.floor_rise_db_per_second.is_finite()
            && self.floor_rise_db_per_second >= 0.0)
        {
            return Err(TimelineError::Config(
                "VAD levels must be finite (and the floor spread and rise non-negative)".into(),
            ));
        }
        Ok(())
    }
}
