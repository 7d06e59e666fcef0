//! The VAD's adaptive noise floor: minimum statistics of the frame levels over a sliding
//! window, in bounded memory.

use std::collections::VecDeque;

use super::{level_db, Vad};

/// Minimum of the values pushed during the last `window` frames (a monotonic queue: memory at
/// most `window` entries, amortised O(1) per frame).
#[derive(Debug, Clone, Default)]
pub(crate) struct SlidingMin {
    /// (frame index, value), values strictly increasing from front to back.
    queue: VecDeque<(usize, f32)>,
}

impl SlidingMin {
    /// Records `value` at frame `index` and forgets values older than `window` frames.
    pub fn push(&mut self, index: usize, value: f32, window: usize) {
        while self.queue.back().is_some_and(|&(_, v)| v >= value) {
            self.queue.pop_back();
        }
        self.queue.push_back((index, value));
        while self
            .queue
            .front()
            .is_some_and(|&(i, _)| i + window <= index)
        {
            self.queue.pop_front();
        }
    }

    /// Smallest value of the window, if any was pushed within it.
    pub fn min(&self) -> Option<f32> {
        self.queue.front().map(|&(_, v)| v)
    }
}

/// Running noise-floor estimate of one recording or stream.
///
/// Two minima over the last [`Vad`] floor window: of the frame levels, and of the levels
/// averaged (in power) over the floor-average span. The floor's target is the second, capped
/// at the first plus the floor spread (until one average span was heard the cap alone
/// applies); the floor falls at once to its target and rises towards it at most at the floor
/// rise rate. A stationary noise gives both minima near its mean; a fluctuating one (babble)
/// has deep single-frame dips but a steady average, so the floor sits near its mean, not at
/// its dips.
#[derive(Debug, Clone, Default)]
pub(crate) struct NoiseFloor {
    /// Mean squares of the most recent frames (at most the longer of the two spans).
    recent: VecDeque<f64>,
    frame_min: SlidingMin,
    average_min: SlidingMin,
    floor: Option<f32>,
}

impl NoiseFloor {
    /// Feeds frame `index` (its mean square and level); returns the floor in dBFS including it.
    pub fn push(&mut self, vad: &Vad, index: usize, mean_square: f64, level: f32) -> f32 {
        if self.recent.len() == vad.recent_frames() {
            self.recent.pop_front();
        }
        self.recent.push_back(mean_square);
        self.frame_min.push(index, level, vad.floor_window_frames);
        if self.recent.len() >= vad.floor_average_frames {
            let average = self.recent_level(vad.floor_average_frames);
            self.average_min
                .push(index, average, vad.floor_window_frames);
        }
        let cap = self.frame_min.min().unwrap_or(level) + vad.floor_spread_db;
        let target = self
            .average_min
            .min()
            .map_or(cap, |average| average.min(cap));
        let floor = self
            .floor
            .map_or(target, |floor| target.min(floor + vad.floor_rise_per_frame));
        self.floor = Some(floor);
        floor
    }

    /// Level (dBFS) of the mean power of the last `frames` frames (fewer at the start).
    pub fn recent_level(&self, frames: usize) -> f32 {
        let take = frames.min(self.recent.len()).max(1);
        let sum: f64 = self.recent.iter().rev().take(take).sum();
        level_db(sum / take as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::timeline::VadConfig;

    /// The floor after each of `mean_squares`, with the default settings (20 ms frames).
    fn floors(mean_squares: impl IntoIterator<Item = f64>) -> Vec<f32> {
        let vad = Vad::new(&VadConfig::default(), 16_000).unwrap();
        let mut floor = NoiseFloor::default();
        mean_squares
            .into_iter()
            .enumerate()
            .map(|(i, ms)| floor.push(&vad, i, ms, level_db(ms)))
            .collect()
    }

    #[test]
    fn floor_of_a_fluctuating_noise_sits_near_its_mean() {
        // Frames alternating between -30 and -50 dB (mean power -32.97 dB): the floor follows
        // the lowest 1 s average (25 loud frames of 50: the mean, -32.97 dB), not the dips.
        let got = floors((0..200).map(|i| if i % 2 == 0 { 1e-3 } else { 1e-5 }));
        let last = *got.last().unwrap();
        assert!((last - -32.97).abs() < 0.01, "floor {last}");
    }

    #[test]
    fn floor_falls_at_once_holds_for_its_window_then_rises_at_one_db_per_second() {
        // 2 s at -40 dB, 1 s at -60 dB (frames 100-149), then 6 s at -40 dB again.
        let levels = [(100, 1e-4), (50, 1e-6), (300, 1e-4)];
        let got = floors(
            levels
                .iter()
                .flat_map(|&(n, ms)| std::iter::repeat_n(ms, n)),
        );
        assert!((got[99] - -40.0).abs() < 1e-3);
        // The first quiet frame caps the floor 18 dB above it at once; half a second of quiet
        // is not enough to move it further (a dip, as a phone's AGC makes after speech); once a
        // whole 1 s average is quiet the floor is at the quiet level.
        assert!((got[100] - -42.0).abs() < 1e-3, "capped: {}", got[100]);
        assert!((-44.0..=-42.0).contains(&got[124]), "dip: {}", got[124]);
        assert!((got[149] - -60.0).abs() < 1e-3, "quiet: {}", got[149]);
        // The quiet frames stay in the 3 s window until frame 298; then the floor rises by
        // 1 dB per second.
        assert!((got[298] - -60.0).abs() < 1e-3, "held: {}", got[298]);
        let rise = got[349] - got[299];
        assert!((rise - 1.0).abs() < 0.01, "rise {rise}");
    }

    #[test]
    fn sliding_min_forgets_old_values() {
        let mut min = SlidingMin::default();
        let values = [5.0, 3.0, 4.0, 6.0, 7.0, 8.0, 2.0];
        let mut got = Vec::new();
        for (i, &v) in values.iter().enumerate() {
            min.push(i, v, 3);
            got.push(min.min().unwrap());
        }
        // Minimum of each window of the last three values.
        assert_eq!(got, [5.0, 3.0, 3.0, 3.0, 4.0, 6.0, 2.0]);
        assert!(min.queue.len() <= 3);
    }
}
