//! The power spectrogram of `librosa.stft` with `center=True`, constant padding, power 2.

use ndarray::Array2;

use crate::error::check_signal;
use crate::real_power::{RealPowerFft, RealPowerScratch};
use crate::window::padded_hann;
use crate::{Acceptance, FeatureError};

/// A short-time power spectrum plan: FFT plan and window made once, reused for every clip.
pub struct PowerSpectrogram {
    n_fft: usize,
    win_length: usize,
    hop_length: usize,
    acceptance: Acceptance,
    window: Vec<f32>,
    fft: RealPowerFft,
}

impl std::fmt::Debug for PowerSpectrogram {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PowerSpectrogram")
            .field("n_fft", &self.n_fft)
            .field("win_length", &self.win_length)
            .field("hop_length", &self.hop_length)
            .field("acceptance", &self.acceptance)
            .finish()
    }
}

/// Working memory of a [`PowerSpectrogram`], so frames allocate nothing; sized for a plan on
/// first use ([`PowerSpectrogram::fit_scratch`]) and reused from clip to clip.
#[derive(Debug, Default)]
pub(crate) struct StftScratch {
    frame: Vec<f32>,
    fft: RealPowerScratch,
    power: Vec<f32>,
}

impl PowerSpectrogram {
    /// Plans an STFT of `n_fft` points with a periodic Hann window of `win_length` samples
    /// (centred in the frame) and `hop_length` samples between frames; fails unless
    /// `2 <= n_fft <= 65536`, `1 <= win_length <= n_fft` and `hop_length >= 1` (the ranges of
    /// [`crate::MelConfig::validate`]).
    pub fn new(n_fft: usize, win_length: usize, hop_length: usize) -> Result<Self, FeatureError> {
        Self::with_acceptance(n_fft, win_length, hop_length, Acceptance::Strict)
    }

    /// [`PowerSpectrogram::new`] accepting the signals `acceptance` allows: with
    /// [`Acceptance::Librosa`] any non-empty signal (see [`PowerSpectrogram::min_samples`] and
    /// [`PowerSpectrogram::frames_for`]).
    pub fn with_acceptance(
        n_fft: usize,
        win_length: usize,
        hop_length: usize,
        acceptance: Acceptance,
    ) -> Result<Self, FeatureError> {
        if !(2..=65_536).contains(&n_fft) || !(1..=n_fft).contains(&win_length) || hop_length == 0 {
            return Err(FeatureError::InvalidConfig(format!(
                "STFT of n_fft {n_fft}, win_length {win_length}, hop_length {hop_length}: \
                 needs 2 <= n_fft <= 65536, 1 <= win_length <= n_fft and hop_length >= 1"
            )));
        }
        Ok(Self {
            n_fft,
            win_length,
            hop_length,
            acceptance,
            window: padded_hann(win_length, n_fft),
            fft: RealPowerFft::new(n_fft),
        })
    }

    /// Number of frequency bins, `n_fft / 2 + 1`.
    pub fn n_bins(&self) -> usize {
        self.n_fft / 2 + 1
    }

    /// The shortest signal accepted, in samples: one window (`win_length`), as shorter signals
    /// give frames made mostly of padding, so they are refused rather than silently computed;
    /// with [`Acceptance::Librosa`] one sample (librosa zero-pads any signal).
    pub fn min_samples(&self) -> usize {
        match self.acceptance {
            Acceptance::Strict => self.win_length,
            Acceptance::Librosa => 1,
        }
    }

    /// Number of frames for `len` samples: `1 + len / hop_length`, librosa's for an even
    /// `n_fft`; with [`Acceptance::Librosa`], librosa's for an odd `n_fft` too,
    /// `1 + (len - 1) / hop_length` (its padded signal, `n_fft / 2` zeros on each side, holds
    /// one sample fewer than the frames `1 + len / hop_length` would need).
    pub fn frames_for(&self, len: usize) -> usize {
        match self.acceptance {
            Acceptance::Strict => 1 + len / self.hop_length,
            Acceptance::Librosa => {
                let padded = len + 2 * (self.n_fft / 2);
                1 + padded.saturating_sub(self.n_fft) / self.hop_length
            }
        }
    }

    /// The frames of a signal of `len` samples whose `n_fft` samples all lie inside it (no
    /// padding): a frame depends on its samples only, so these are the frames a signal shares
    /// with any longer signal it is a hop-aligned part of.
    pub(crate) fn inner_frames(&self, len: usize) -> std::ops::Range<usize> {
        let before = self.n_fft / 2;
        let after = self.n_fft - before;
        let first = before.div_ceil(self.hop_length);
        let end = match len.checked_sub(after) {
            Some(room) => (room / self.hop_length + 1).min(self.frames_for(len)),
            None => 0,
        };
        first.min(end)..end
    }

    /// Sizes `scratch` for this plan (a no-op when it already fits, so nothing is allocated
    /// from the second clip on).
    pub(crate) fn fit_scratch(&self, scratch: &mut StftScratch) {
        scratch.frame.resize(self.n_fft, 0.0);
        self.fft.fit_scratch(&mut scratch.fft);
        scratch.power.resize(self.n_bins(), 0.0);
    }

    /// The power spectrum of frame `t` of `samples` (`t < frames_for(samples.len())`), in
    /// `scratch`, which must have been fitted by [`Self::fit_scratch`]. Inlined into its
    /// callers' frame loops, so they run under their SIMD dispatch.
    #[inline(always)]
    pub(crate) fn frame_power<'s>(
        &self,
        samples: &[f32],
        t: usize,
        scratch: &'s mut StftScratch,
    ) -> &'s [f32] {
        // Frame t covers samples [t*hop - n_fft/2, t*hop + n_fft/2) of the zero-padded signal.
        let len = samples.len() as isize;
        let start = (t * self.hop_length) as isize - (self.n_fft / 2) as isize;
        let lo = start.clamp(0, len) as usize;
        let hi = (start + self.n_fft as isize).clamp(0, len) as usize;
        let offset = (lo as isize - start) as usize;
        let frame = &mut scratch.frame;
        frame[..offset].fill(0.0);
        frame[offset + (hi - lo)..].fill(0.0);
        for ((out, &x), &w) in frame[offset..offset + (hi - lo)]
            .iter_mut()
            .zip(&samples[lo..hi])
            .zip(&self.window[offset..])
        {
            *out = x * w;
        }
        self.fft
            .process(frame, &mut scratch.power, &mut scratch.fft);
        &scratch.power
    }

    /// The power spectrogram of `samples`, shape (n_fft / 2 + 1, frames) as librosa returns it.
    /// Refuses empty signals, non-finite samples and signals shorter than
    /// [`PowerSpectrogram::min_samples`].
    pub fn compute(&self, samples: &[f32]) -> Result<Array2<f32>, FeatureError> {
        check_signal(samples, self.min_samples())?;
        let mut out = Array2::zeros((self.n_bins(), self.frames_for(samples.len())));
        let mut scratch = StftScratch::default();
        self.fit_scratch(&mut scratch);
        for (t, mut column) in out.columns_mut().into_iter().enumerate() {
            let power = self.frame_power(samples, t, &mut scratch);
            column.iter_mut().zip(power).for_each(|(o, &p)| *o = p);
        }
        Ok(out)
    }
}
