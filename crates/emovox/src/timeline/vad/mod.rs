//! Energy-based voice activity detection: frame levels against an adaptive noise floor
//! (minimum statistics), two thresholds, a minimum speech duration and a hangover.

mod floor;
mod state;

use serde::{Deserialize, Serialize};

pub(crate) use state::VadState;

use super::{TimelineError, VadConfig};

/// A stretch of detected speech, in seconds from the start of the recording.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SpeechRegion {
    /// Start of the first frame of the region.
    pub start: f64,
    /// End of the last frame of the region (the hangover is not included).
    pub end: f64,
}

/// Frame-level decisions and speech regions of a whole recording ([`Vad::detect`]).
#[derive(Debug, Clone, PartialEq)]
pub struct VadDecisions {
    /// One decision per frame of [`Vad::frame_samples`] samples (the last frame may be partial):
    /// true while speech is active, hangover included.
    pub frames: Vec<bool>,
    /// Speech regions, without their hangover.
    pub regions: Vec<SpeechRegion>,
}

/// The voice activity detector for one sample rate and configuration; create once, reuse.
///
/// Each frame's level is `10 log10(mean square)` dBFS, the frame's mean removed (a DC offset
/// is no sound). The *noise floor* follows the lowest
/// level averaged over `floor_average_seconds` (1 s) seen in the last `floor_window_seconds`
/// (3 s), but at most `floor_spread_db` (18 dB) above the quietest single frame of that
/// window: a minimum-statistics estimate near the mean of a fluctuating noise such as babble
/// rather than at its dips. It falls at once and rises by at most `floor_rise_db_per_second`
/// (1 dB/s), so long stretches of speech do not lift it. A frame is *speech* when
/// its level exceeds `floor + edge_threshold_db` (3 dB) and `min_level_db` and lies within
/// `speech_range_db` (50 dB) of the loudest short-term level of the last `peak_window_seconds`
/// (10 s), and its short-term level (mean power over the last `short_term_seconds`, 60 ms)
/// exceeds `floor + threshold_db` (6 dB): a lone loud frame of babble or a click does not make
/// it. Speech starts after
/// `min_speech_seconds` of consecutive speech frames and ends after `hangover_seconds` without
/// one. A region spans the unbroken run of frames above the edge threshold around its speech
/// frames, so soft onsets and decays belong to it.
///
/// Decisions are causal and the state is bounded (at most the peak window of frame levels), so streaming
/// and whole-recording detection agree exactly. A recording that starts with speech sets the
/// floor at most `floor_spread_db` above its quietest frame: speech is found from the first
/// pause between syllables (0.16 s into an espeak sentence in the tests).
///
/// Validated (tests/timeline_vad.rs, table in docs/experiments.md) on espeak-ng sentences
/// between known silences: region boundaries within one 20 ms frame of the truth on clean
/// audio; at 10 dB SNR within 0.1 s (mean 0.05 s) in white, pink and six-talker babble noise.
/// Limits of a level detector: two competing talkers 10 dB down are taken for speech, and a
/// sound without any pause whose level varies by less than `floor_spread_db` is not (it
/// looks like babble); the floor needs a pause or some background to settle on.
///
/// ```
/// use emovox::timeline::{Vad, VadConfig};
///
/// let vad = Vad::new(&VadConfig::default(), 16_000)?;
/// let mut samples = vec![0.0f32; 16_000];
/// samples.extend((0..16_000).map(|i| 0.3 * (i as f32 * 0.07).sin()));
/// samples.extend(vec![0.0f32; 16_000]);
/// let regions = vad.detect(&samples).regions;
/// assert_eq!(regions.len(), 1);
/// assert!((regions[0].start - 1.0).abs() < 0.02 && (regions[0].end - 2.0).abs() < 0.02);
/// # Ok::<(), emovox::timeline::TimelineError>(())
/// ```
#[derive(Debug, Clone)]
pub struct Vad {
    sample_rate: u32,
    frame_samples: usize,
    threshold_db: f32,
    edge_threshold_db: f32,
    min_level_db: f32,
    speech_range_db: f32,
    peak_window_frames: usize,
    short_term_frames: usize,
    floor_window_frames: usize,
    floor_average_frames: usize,
    floor_spread_db: f32,
    floor_rise_per_frame: f32,
    min_speech_frames: usize,
    hangover_frames: usize,
}

/// Level assigned to digital silence (mean square 0), in dBFS.
const SILENCE_DB: f32 = -120.0;

impl Vad {
    /// Builds the detector for audio at `sample_rate` Hz.
    pub fn new(config: &VadConfig, sample_rate: u32) -> Result<Self, TimelineError> {
        config.validate()?;
        emovox_audio::validate_sample_rate(sample_rate)?;
        let rate = f64::from(sample_rate);
        let frame_samples = (config.frame_seconds * rate).round().max(1.0) as usize;
        let frame_seconds = frame_samples as f64 / rate;
        let frames = |seconds: f64| (seconds / frame_seconds).round() as usize;
        Ok(Self {
            sample_rate,
            frame_samples,
            threshold_db: config.threshold_db,
            edge_threshold_db: config.edge_threshold_db,
            min_level_db: config.min_level_db,
            speech_range_db: config.speech_range_db,
            peak_window_frames: frames(config.peak_window_seconds).max(1),
            short_term_frames: frames(config.short_term_seconds).max(1),
            floor_window_frames: frames(config.floor_window_seconds).max(1),
            floor_average_frames: frames(config.floor_average_seconds).max(1),
            floor_spread_db: config.floor_spread_db,
            floor_rise_per_frame: config.floor_rise_db_per_second * frame_seconds as f32,
            min_speech_frames: frames(config.min_speech_seconds).max(1),
            hangover_frames: frames(config.hangover_seconds),
        })
    }

    /// Samples per VAD frame.
    pub fn frame_samples(&self) -> usize {
        self.frame_samples
    }

    /// Sample rate the detector was built for.
    pub fn sample_rate(&self) -> u32 {
        self.sample_rate
    }

    /// Runs the detector over a whole recording (assumed finite).
    pub fn detect(&self, samples: &[f32]) -> VadDecisions {
        let mut state = VadState::default();
        let mut frames = Vec::with_capacity(samples.len().div_ceil(self.frame_samples));
        let mut regions = Vec::new();
        for frame in samples.chunks(self.frame_samples) {
            let step = state.push_frame(self, frame_power(frame));
            frames.push(step.speech);
            regions.extend(step.closed.map(|r| self.region_seconds(r, samples.len())));
        }
        regions.extend(
            state
                .finish()
                .map(|r| self.region_seconds(r, samples.len())),
        );
        VadDecisions { frames, regions }
    }

    /// Frames of mean square the state keeps (the longer of the two level averages).
    pub(crate) fn recent_frames(&self) -> usize {
        self.short_term_frames.max(self.floor_average_frames)
    }

    /// Converts a frame range to seconds, clamping the end to `total_samples`.
    pub(crate) fn region_seconds(
        &self,
        frames: (usize, usize),
        total_samples: usize,
    ) -> SpeechRegion {
        let rate = f64::from(self.sample_rate);
        SpeechRegion {
            start: (frames.0 * self.frame_samples) as f64 / rate,
            end: (frames.1 * self.frame_samples).min(total_samples) as f64 / rate,
        }
    }
}

/// The power of a frame about its own mean (its mean square once the frame's mean is
/// removed), accumulated sample by sample in f64, so a frame fed in pieces (streaming) sums
/// exactly as a whole one. Removing the mean keeps a DC offset, which carries no sound, from
/// lifting every frame to the same level: a recording offset by 0.1 lost most of its speech
/// to the floor, offset by 0.3 all of it.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct FramePower {
    sum: f64,
    squares: f64,
    count: usize,
}

impl FramePower {
    /// Adds samples to the frame.
    pub fn push(&mut self, samples: &[f32]) {
        for &s in samples {
            let s = f64::from(s);
            self.sum += s;
            self.squares += s * s;
        }
        self.count += samples.len();
    }

    /// Samples in the frame so far.
    pub fn count(&self) -> usize {
        self.count
    }

    /// The frame's mean square about its mean (0 for an empty or constant frame).
    pub fn power(&self) -> f64 {
        let n = self.count.max(1) as f64;
        let mean = self.sum / n;
        (self.squares / n - mean * mean).max(0.0)
    }
}

/// [`FramePower::power`] of a whole frame.
pub(crate) fn frame_power(frame: &[f32]) -> f64 {
    let mut power = FramePower::default();
    power.push(frame);
    power.power()
}

/// Level in dBFS of a mean square; digital silence is [`SILENCE_DB`].
pub(crate) fn level_db(mean_square: f64) -> f32 {
    if mean_square > 0.0 {
        ((10.0 * mean_square.log10()) as f32).max(SILENCE_DB)
    } else {
        SILENCE_DB
    }
}
