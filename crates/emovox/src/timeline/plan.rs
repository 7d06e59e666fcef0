//! Where windows fall in a recording, in samples, and which of them hold enough speech.

use std::ops::Range;

use super::{SegmentConfig, TimelineError, Vad};

/// Window geometry for one sample rate: windows and hops are whole numbers of VAD frames, so
/// window edges coincide with frame edges.
#[derive(Debug, Clone)]
pub(crate) struct WindowPlan {
    pub vad: Vad,
    pub window_samples: usize,
    pub hop_samples: usize,
    pub window_frames: usize,
    pub min_window_samples: usize,
    pub min_speech_fraction: f64,
}

impl WindowPlan {
    pub fn new(config: &SegmentConfig, sample_rate: u32) -> Result<Self, TimelineError> {
        config.validate()?;
        let vad = Vad::new(&config.vad, sample_rate)?;
        let frame = vad.frame_samples();
        let frame_seconds = frame as f64 / f64::from(sample_rate);
        let frames = |seconds: f64| ((seconds / frame_seconds).round() as usize).max(1);
        let window_frames = frames(config.window_seconds);
        let hop_frames = frames(config.hop_seconds).min(window_frames);
        let min_window_samples = (config.min_window_seconds * f64::from(sample_rate))
            .round()
            .max(1.0) as usize;
        Ok(Self {
            window_samples: window_frames * frame,
            hop_samples: hop_frames * frame,
            window_frames,
            min_window_samples: min_window_samples.min(window_frames * frame),
            min_speech_fraction: config.min_speech_fraction,
            vad,
        })
    }

    /// Sample range of full window `k`.
    pub fn full_window(&self, k: usize) -> Range<usize> {
        let start = k * self.hop_samples;
        start..start + self.window_samples
    }

    /// Number of full windows in `total` samples.
    pub fn full_windows(&self, total: usize) -> usize {
        if total < self.window_samples {
            0
        } else {
            (total - self.window_samples) / self.hop_samples + 1
        }
    }

    /// The partial window after `full` full windows of a `total`-sample recording: it starts at
    /// the next hop and runs to the end, kept when it adds unseen audio and is long enough.
    pub fn tail_window(&self, total: usize, full: usize) -> Option<Range<usize>> {
        let covered = if full == 0 {
            0
        } else {
            self.full_window(full - 1).end
        };
        let start = full * self.hop_samples;
        (total > covered && total - start >= self.min_window_samples).then_some(start..total)
    }

    /// Range of VAD frames overlapping the sample range `window`.
    pub fn frames_of(&self, window: &Range<usize>) -> Range<usize> {
        let frame = self.vad.frame_samples();
        window.start / frame..window.end.div_ceil(frame)
    }

    /// Whether enough of a window's frame decisions are speech.
    pub fn has_speech(&self, decisions: impl Iterator<Item = bool>) -> bool {
        let (mut speech, mut all) = (0usize, 0usize);
        for d in decisions {
            speech += usize::from(d);
            all += 1;
        }
        all > 0 && speech as f64 >= self.min_speech_fraction * all as f64
    }

    pub fn too_short(&self, total: usize) -> TimelineError {
        let rate = f64::from(self.vad.sample_rate());
        TimelineError::TooShort {
            seconds: total as f64 / rate,
            min_seconds: self.min_window_samples as f64 / rate,
        }
    }
}
