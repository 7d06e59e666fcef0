//! The log-mel spectrogram: power spectrum, mel filterbank, `power_to_db` over the whole clip.

use ndarray::Array2;

use crate::db::{apply_top_db, max_of, power_to_db_in_place};
use crate::enclosing::Enclosing;
use crate::error::check_signal;
use crate::mel::{MelFilterbank, MEL_BLOCK};
#[cfg(target_arch = "x86_64")]
use crate::simd::has_avx2;
use crate::stft::{PowerSpectrogram, StftScratch};
use crate::{Acceptance, FeatureError, MelConfig};

/// A log-mel spectrogram plan (librosa's `power_to_db(melspectrogram(...))`), built once.
#[derive(Debug)]
pub struct LogMelSpectrogram {
    config: MelConfig,
    stft: PowerSpectrogram,
    filterbank: MelFilterbank,
}

impl LogMelSpectrogram {
    /// Validates `config` and precomputes the FFT plan, window and filterbank.
    pub fn new(config: MelConfig) -> Result<Self, FeatureError> {
        Self::with_acceptance(config, Acceptance::Strict)
    }

    /// [`LogMelSpectrogram::new`] with the checks of `acceptance`: with
    /// [`Acceptance::Librosa`], what librosa computes (more bands than FFT bins, `fmax` above
    /// Nyquist, signals shorter than a window; see [`Acceptance::Librosa`]).
    pub fn with_acceptance(
        config: MelConfig,
        acceptance: Acceptance,
    ) -> Result<Self, FeatureError> {
        config.validate_with(acceptance)?;
        let stft = PowerSpectrogram::with_acceptance(
            config.n_fft,
            config.win_length,
            config.hop_length,
            acceptance,
        )?;
        let filterbank = MelFilterbank::with_acceptance(
            config.sample_rate,
            config.n_fft,
            config.n_mels,
            config.fmin as f64,
            config.fmax_hz() as f64,
            acceptance,
        )?;
        Ok(Self {
            config,
            stft,
            filterbank,
        })
    }

    /// The configuration this plan was built from.
    pub fn config(&self) -> &MelConfig {
        &self.config
    }

    /// The mel filterbank, e.g. to inspect or test it.
    pub fn filterbank(&self) -> &MelFilterbank {
        &self.filterbank
    }

    /// The underlying power-spectrogram plan.
    pub fn power_spectrogram(&self) -> &PowerSpectrogram {
        &self.stft
    }

    /// The shortest signal accepted, in samples: one window (`win_length`), or one sample with
    /// [`Acceptance::Librosa`].
    pub fn min_samples(&self) -> usize {
        self.stft.min_samples()
    }

    /// Number of frames produced for a signal of `len` samples.
    pub fn frames_for(&self, len: usize) -> usize {
        self.stft.frames_for(len)
    }

    /// The mel power spectrogram (before dB), shape (n_mels, frames).
    pub fn mel_power(&self, samples: &[f32]) -> Result<Array2<f32>, FeatureError> {
        let (values, frames) = self.mel_power_frames(samples)?;
        Ok(frame_major_to_librosa(values, frames, self.config.n_mels))
    }

    /// The log-mel spectrogram in dB, shape (n_mels, frames).
    pub fn compute(&self, samples: &[f32]) -> Result<Array2<f32>, FeatureError> {
        let (values, frames) = self.compute_frame_major(samples)?;
        Ok(frame_major_to_librosa(values, frames, self.config.n_mels))
    }

    /// The log-mel spectrogram in dB laid out frame after frame (frames, n_mels), row-major.
    pub(crate) fn compute_frame_major(
        &self,
        samples: &[f32],
    ) -> Result<(Vec<f32>, usize), FeatureError> {
        let mut values = Vec::new();
        let frames = self.log_mel_into(samples, &mut SpectralScratch::default(), &mut values)?;
        Ok((values, frames))
    }

    /// The log-mel spectrogram in dB of `samples` written frame after frame into `values`
    /// (resized to frames x n_mels); returns the number of frames.
    pub(crate) fn log_mel_into(
        &self,
        samples: &[f32],
        scratch: &mut SpectralScratch,
        values: &mut Vec<f32>,
    ) -> Result<usize, FeatureError> {
        let frames = self.db_into(samples, None, scratch, values)?;
        self.apply_floor(values);
        Ok(frames)
    }

    /// The first step of [`Self::log_mel_into`]: the spectrogram in dB before the clip-wide
    /// `top_db` floor ([`Self::apply_floor`]). With `enclosing`, the frames whose windows lie
    /// inside `samples` are copied from there instead of computed (the same values: a frame's
    /// dB depend on its samples only).
    pub(crate) fn db_into(
        &self,
        samples: &[f32],
        enclosing: Option<Enclosing<'_, [f32]>>,
        scratch: &mut SpectralScratch,
        values: &mut Vec<f32>,
    ) -> Result<usize, FeatureError> {
        check_signal(samples, self.stft.min_samples())?;
        Ok(self.spectra_into(samples, enclosing, scratch, values, true))
    }

    /// The second step of [`Self::log_mel_into`]: every value raised to at least the clip's
    /// largest minus `top_db`, when the config has one.
    pub(crate) fn apply_floor(&self, values: &mut [f32]) {
        if let Some(top_db) = self.config.top_db {
            apply_top_db(values, max_of(values), top_db);
        }
    }

    fn mel_power_frames(&self, samples: &[f32]) -> Result<(Vec<f32>, usize), FeatureError> {
        check_signal(samples, self.stft.min_samples())?;
        let mut values = Vec::new();
        let frames = self.spectra_into(
            samples,
            None,
            &mut SpectralScratch::default(),
            &mut values,
            false,
        );
        Ok((values, frames))
    }

    /// [`Self::spectra_into_inline`], compiled for AVX2 when the CPU has it ([`crate::simd`]).
    fn spectra_into(
        &self,
        samples: &[f32],
        enclosing: Option<Enclosing<'_, [f32]>>,
        scratch: &mut SpectralScratch,
        values: &mut Vec<f32>,
        in_db: bool,
    ) -> usize {
        #[cfg(target_arch = "x86_64")]
        if has_avx2() {
            // SAFETY: the CPU supports AVX2 and FMA (`has_avx2`).
            return unsafe { self.spectra_into_avx2(samples, enclosing, scratch, values, in_db) };
        }
        self.spectra_into_inline(samples, enclosing, scratch, values, in_db)
    }

    /// [`Self::spectra_into_inline`] with AVX2 and FMA enabled.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,fma")]
    fn spectra_into_avx2(
        &self,
        samples: &[f32],
        enclosing: Option<Enclosing<'_, [f32]>>,
        scratch: &mut SpectralScratch,
        values: &mut Vec<f32>,
        in_db: bool,
    ) -> usize {
        self.spectra_into_inline(samples, enclosing, scratch, values, in_db)
    }

    /// The mel power spectrogram of a checked signal written frame after frame into `values`
    /// (resized to frames x n_mels), in dB (without the `top_db` floor) when `in_db`, the
    /// inner frames copied from `enclosing` (dB values) when given; returns the number of
    /// frames.
    #[inline(always)]
    fn spectra_into_inline(
        &self,
        samples: &[f32],
        enclosing: Option<Enclosing<'_, [f32]>>,
        scratch: &mut SpectralScratch,
        values: &mut Vec<f32>,
        in_db: bool,
    ) -> usize {
        let n_mels = self.config.n_mels;
        let frames = self.stft.frames_for(samples.len());
        values.clear();
        values.resize(frames * n_mels, 0.0);
        let shared = match enclosing {
            Some(_) if in_db => self.stft.inner_frames(samples.len()),
            _ => 0..0,
        };
        for range in [0..shared.start, shared.end..frames] {
            self.mel_power_into(samples, range.clone(), scratch, values);
            if in_db {
                power_to_db_in_place(&mut values[range.start * n_mels..range.end * n_mels]);
            }
        }
        if let (Some(Enclosing { source, shift }), false) = (enclosing, shared.is_empty()) {
            let from = (shared.start + shift) * n_mels..(shared.end + shift) * n_mels;
            values[shared.start * n_mels..shared.end * n_mels].copy_from_slice(&source[from]);
        }
        frames
    }

    /// The mel power spectrogram of `frames` of a checked signal into their rows of `values`
    /// (frames x n_mels, sized by the caller).
    #[inline(always)]
    fn mel_power_into(
        &self,
        samples: &[f32],
        frames: std::ops::Range<usize>,
        scratch: &mut SpectralScratch,
        values: &mut [f32],
    ) {
        let n_mels = self.config.n_mels;
        // Spectra are gathered MEL_BLOCK frames at a time, bin-major, for the blocked filterbank.
        let SpectralScratch { stft, block } = scratch;
        block.clear();
        block.resize(self.stft.n_bins() * MEL_BLOCK, 0.0);
        self.stft.fit_scratch(stft);
        let (begin, end) = (frames.start, frames.end);
        for t in frames {
            let power = self.stft.frame_power(samples, t, stft);
            let j = (t - begin) % MEL_BLOCK;
            for (row, &p) in block.chunks_exact_mut(MEL_BLOCK).zip(power) {
                row[j] = p;
            }
            if j + 1 == MEL_BLOCK || t + 1 == end {
                let first = t - j;
                self.filterbank
                    .apply_block(block, j + 1, &mut values[first * n_mels..]);
            }
        }
    }
}

/// Working memory of a log-mel computation: the STFT's buffers and the block of spectra the
/// filterbank is applied to.
#[derive(Debug, Default)]
pub(crate) struct SpectralScratch {
    stft: StftScratch,
    block: Vec<f32>,
}

/// Turns (frames, bins) row-major values into librosa's (bins, frames) layout.
fn frame_major_to_librosa(values: Vec<f32>, frames: usize, bins: usize) -> Array2<f32> {
    Array2::from_shape_vec((frames, bins), values)
        .expect("length is frames * bins by construction")
        .reversed_axes()
        .as_standard_layout()
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The AVX2 path (chosen at run time on this machine when it has AVX2) and the baseline
    /// path compute the same bits.
    #[test]
    fn the_dispatched_and_the_baseline_kernel_agree_bit_for_bit() {
        let plan = LogMelSpectrogram::new(MelConfig::speech()).unwrap();
        let samples: Vec<f32> = crate::test_noise::uniform_noise(16_037, 99)
            .into_iter()
            .enumerate()
            .map(|(i, noise)| 0.3 * (i as f32 * 0.07).sin() + noise)
            .collect();
        for in_db in [false, true] {
            let (mut dispatched, mut baseline) = (Vec::new(), Vec::new());
            let mut scratch = SpectralScratch::default();
            let frames = plan.spectra_into(&samples, None, &mut scratch, &mut dispatched, in_db);
            assert_eq!(
                plan.spectra_into_inline(&samples, None, &mut scratch, &mut baseline, in_db),
                frames
            );
            assert_eq!(dispatched.len(), frames * plan.config().n_mels);
            let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&dispatched), bits(&baseline), "in_db {in_db}");
        }
    }

    /// A part of a clip that starts on the hop grid, with the clip's frames copied in, equals
    /// the part computed alone, before and after the floor: loud to both edges, so a frame
    /// copied across an edge would show.
    #[test]
    fn a_part_on_the_hop_grid_copies_the_enclosing_frames_bit_for_bit() {
        let plan = LogMelSpectrogram::new(MelConfig {
            top_db: Some(60.0),
            ..MelConfig::speech()
        })
        .unwrap();
        let whole: Vec<f32> = crate::test_noise::uniform_noise(40_000, 7)
            .into_iter()
            .enumerate()
            .map(|(i, noise)| 0.3 * (i as f32 * 0.05).sin() + noise)
            .collect();
        let mut scratch = SpectralScratch::default();
        let mut enclosing = Vec::new();
        plan.db_into(&whole, None, &mut scratch, &mut enclosing)
            .unwrap();
        let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        for (offset, len) in [(0, 9_000), (1_600, 12_345), (4_800, 400), (160, 39_840)] {
            let part = &whole[offset..offset + len];
            let (mut alone, mut shared) = (Vec::new(), Vec::new());
            plan.log_mel_into(part, &mut scratch, &mut alone).unwrap();
            let spectra = Enclosing {
                source: &enclosing[..],
                shift: offset / 160,
            };
            plan.db_into(part, Some(spectra), &mut scratch, &mut shared)
                .unwrap();
            plan.apply_floor(&mut shared);
            assert_eq!(
                bits(&alone),
                bits(&shared),
                "offset {offset}, {len} samples"
            );
        }
    }
}
