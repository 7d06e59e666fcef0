//! The encoder's priming and padding cut from a track's decoded frames.

use super::codec::Codec;
use super::facts::ContainerFacts;
use crate::container;

/// What is cut from a track's decoded frames: the encoder's priming at the start and its
/// padding at the end, as the container declares them.
#[derive(Debug, Default)]
pub(super) struct Trim {
    /// Frames still to drop at the start (MP4 edit list, Opus pre-skip).
    skip: u64,
    /// Frames to hand out at most (MP4 edit list, Opus end granule).
    keep: Option<u64>,
    /// How far short of the declared length a complete stream may end: an MP4 edit's length
    /// is in the movie's timescale, so it can round the track's true length up by one movie
    /// tick (ffmpeg: 1 ms, 22 frames at 22.05 kHz).
    pub(super) slack: u64,
}

impl Trim {
    /// The trimming of an MP4 audio track's edit list, in frames of `sample_rate` (none
    /// without an edit, as for the other containers).
    fn of_edit_list(mp4: &container::Mp4Audio, sample_rate: u32) -> Self {
        let Some((start, length)) = mp4.edit else {
            return Self::default();
        };
        // Edit-list units are the track's timescale; emovox counts in samples.
        let keep = length.map(|l| media_to_frames(l, mp4.timescale, sample_rate));
        let slack = if keep.is_some() && mp4.movie_timescale > 0 {
            u64::from(sample_rate.div_ceil(mp4.movie_timescale))
        } else {
            0
        };
        Self {
            skip: media_to_frames(start, mp4.timescale, sample_rate),
            keep,
            slack,
        }
    }

    /// The track's trimming and the frames it declares once trimmed: the MP4 edit list,
    /// then for Opus the pre-skip and the end granule (RFC 7845), over symphonia's
    /// `n_frames`.
    #[cfg_attr(not(feature = "opus"), allow(unused_mut, unused_variables))]
    pub(super) fn of_track(
        facts: &ContainerFacts,
        codec: &Codec,
        track_id: u32,
        sample_rate: u32,
        n_frames: Option<u64>,
    ) -> (Self, Option<u64>) {
        let mut trim = Self::of_edit_list(&facts.mp4, sample_rate);
        let mut declared = n_frames;
        #[cfg(feature = "opus")]
        if let Codec::Opus(opus) = codec {
            trim.skip = opus.pre_skip();
            // RFC 7845: the last page's granule position counts every sample, pre-skip
            // included; what lies beyond it in the last packet is padding.
            declared = facts
                .ogg
                .filter(|end| end.whole && end.eos && end.serial == track_id)
                .map(|end| end.granule.saturating_sub(trim.skip));
            trim.keep = declared;
        }
        if trim.keep.is_some() {
            declared = trim.keep;
        }
        (trim, declared)
    }

    /// Everything to keep has been handed out (`handed_out` frames): the rest is padding.
    pub(super) fn all_kept(&self, handed_out: u64) -> bool {
        self.keep.is_some_and(|keep| handed_out >= keep)
    }

    /// Cuts the new frames `out[from..]` (after `handed_out` frames already handed out):
    /// first what is still to skip at the start, then anything past what is to be kept.
    pub(super) fn apply(&mut self, out: &mut Vec<f32>, from: usize, handed_out: u64) {
        let produced = (out.len() - from) as u64;
        let dropped = self.skip.min(produced);
        if dropped > 0 {
            out.drain(from..from + dropped as usize);
            self.skip -= dropped;
        }
        if let Some(keep) = self.keep {
            let room = keep.saturating_sub(handed_out);
            let have = (out.len() - from) as u64;
            if have > room {
                out.truncate(from + room as usize);
            }
        }
    }
}

/// A duration in an MP4 track's timescale, in frames of `sample_rate`.
fn media_to_frames(t: u64, timescale: u32, sample_rate: u32) -> u64 {
    if timescale == 0 || timescale == sample_rate {
        t
    } else {
        (u128::from(t) * u128::from(sample_rate) / u128::from(timescale)).min(u64::MAX as u128)
            as u64
    }
}
