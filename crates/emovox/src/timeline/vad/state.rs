//! The VAD's per-frame decisions: thresholds against the noise floor, minimum speech duration,
//! region edges and hangover.

use super::floor::{NoiseFloor, SlidingMin};
use super::{level_db, Vad};

/// Result of one frame: is speech active, and did a speech region (frame range) just close.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FrameStep {
    pub speech: bool,
    pub closed: Option<(usize, usize)>,
}

/// Running state of the detector over one recording or stream; memory is bounded by the floor
/// window (see [`NoiseFloor`]) and the peak window.
#[derive(Debug, Clone, Default)]
pub(crate) struct VadState {
    floor: NoiseFloor,
    /// The negated short-term levels of the peak window (their minimum: the loudest level).
    peak: SlidingMin,
    frame: usize,
    /// Consecutive frames above the edge threshold, up to the current one.
    edge_run: usize,
    /// Consecutive speech frames (both thresholds), up to the current one.
    speech_run: usize,
    /// Frames since the last frame of the current region.
    silent_run: usize,
    /// Whether the frames above the edge threshold since the last speech frame are unbroken,
    /// i.e. still extend the region.
    extending: bool,
    in_speech: bool,
    region_start: usize,
    region_end: usize,
}

impl VadState {
    /// Feeds the mean square of the next frame.
    pub fn push_frame(&mut self, vad: &Vad, mean_square: f64) -> FrameStep {
        let index = self.frame;
        self.frame += 1;
        let level = level_db(mean_square);
        let floor = self.floor.push(vad, index, mean_square, level);
        let short_term = self.floor.recent_level(vad.short_term_frames);
        self.peak.push(index, -short_term, vad.peak_window_frames);
        let loudest = -self.peak.min().unwrap_or(-short_term);
        let edge = level > floor + vad.edge_threshold_db
            && level > vad.min_level_db
            && level > loudest - vad.speech_range_db;
        let speech = edge && short_term > floor + vad.threshold_db;
        self.edge_run = if edge { self.edge_run + 1 } else { 0 };
        let mut closed = None;
        if speech {
            self.speech_run += 1;
            self.extending = true;
            self.extend_region(index);
            if !self.in_speech && self.speech_run >= vad.min_speech_frames {
                self.in_speech = true;
                self.region_start = index + 1 - self.edge_run;
            }
        } else {
            self.speech_run = 0;
            if self.extending && edge {
                self.extend_region(index);
            } else {
                self.extending = false;
                if self.in_speech {
                    self.silent_run += 1;
                    if self.silent_run > vad.hangover_frames {
                        self.in_speech = false;
                        closed = Some((self.region_start, self.region_end));
                    }
                }
            }
        }
        FrameStep {
            speech: self.in_speech,
            closed,
        }
    }

    /// Frame `index` belongs to the current (or next) region.
    fn extend_region(&mut self, index: usize) {
        self.silent_run = 0;
        self.region_end = index + 1;
    }

    /// Closes the region still open at the end of the recording.
    pub fn finish(&mut self) -> Option<(usize, usize)> {
        let open = self
            .in_speech
            .then_some((self.region_start, self.region_end));
        self.in_speech = false;
        open
    }
}
