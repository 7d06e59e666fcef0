//! The log-mel spectrogram: power spectrum, mel filterbank, `power_to_db` over the whole clip.

use ndarray::Array2;

use crate::db::{apply_top_db, power_to_db_in_place};
use crate::error::check_signal;
use crate::mel::{MelFilterbank, MEL_BLOCK};
#[cfg(target_arch = "x86_64")]
use crate::simd::has_avx2;
use crate::stft::{PowerSpectrogram, StftScratch};
use crate::{FeatureError, MelConfig};

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
        config.validate()?;
        let stft = PowerSpectrogram::new(config.n_fft, config.win_length, config.hop_length)?;
        let filterbank = MelFilterbank::new(
            config.sample_rate,
            config.n_fft,
            config.n_mels,
            config.fmin as f64,
            config.fmax_hz() as f64,
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

    /// The shortest signal accepted, in samples: one window (`win_length`).
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
        check_signal(samples, self.stft.min_samples())?;
        Ok(self.spectra_into(samples, scratch, values, true))
    }

    fn mel_power_frames(&self, samples: &[f32]) -> Result<(Vec<f32>, usize), FeatureError> {
        check_signal(samples, self.stft.min_samples())?;
        let mut values = Vec::new();
        let frames =
            self.spectra_into(samples, &mut SpectralScratch::default(), &mut values, false);
        Ok((values, frames))
    }

    /// [`Self::spectra_into_inline`], compiled for AVX2 when the CPU has it ([`crate::simd`]).
    fn spectra_into(
        &self,
        samples: &[f32],
        scratch: &mut SpectralScratch,
        values: &mut Vec<f32>,
        in_db: bool,
    ) -> usize {
        #[cfg(target_arch = "x86_64")]
        if has_avx2() {
            // SAFETY: the CPU supports AVX2 and FMA (`has_avx2`).
            return unsafe { self.spectra_into_avx2(samples, scratch, values, in_db) };
        }
        self.spectra_into_inline(samples, scratch, values, in_db)
    }

    /// [`Self::spectra_into_inline`] with AVX2 and FMA enabled.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,fma")]
    fn spectra_into_avx2(
        &self,
        samples: &[f32],
        scratch: &mut SpectralScratch,
        values: &mut Vec<f32>,
        in_db: bool,
    ) -> usize {
        self.spectra_into_inline(samples, scratch, values, in_db)
    }

    /// The mel power spectrogram of a checked signal written frame after frame into `values`
    /// (resized to frames x n_mels), in dB with the `top_db` floor when `in_db`; returns the
    /// number of frames.
    #[inline(always)]
    fn spectra_into_inline(
        &self,
        samples: &[f32],
        scratch: &mut SpectralScratch,
        values: &mut Vec<f32>,
        in_db: bool,
    ) -> usize {
        let frames = self.mel_power_into(samples, scratch, values);
        if in_db {
            let max_db = power_to_db_in_place(values);
            if let Some(top_db) = self.config.top_db {
                apply_top_db(values, max_db, top_db);
            }
        }
        frames
    }

    /// The mel power spectrogram of a checked signal written frame after frame into `values`
    /// (resized to frames x n_mels); returns the number of frames.
    #[inline(always)]
    fn mel_power_into(
        &self,
        samples: &[f32],
        scratch: &mut SpectralScratch,
        values: &mut Vec<f32>,
    ) -> usize {
        let n_mels = self.config.n_mels;
        let frames = self.stft.frames_for(samples.len());
        values.clear();
        values.resize(frames * n_mels, 0.0);
        // Spectra are gathered MEL_BLOCK frames at a time, bin-major, for the blocked filterbank.
        let SpectralScratch { stft, block } = scratch;
        block.clear();
        block.resize(self.stft.n_bins() * MEL_BLOCK, 0.0);
        self.stft.fit_scratch(stft);
        for t in 0..frames {
            let power = self.stft.frame_power(samples, t, stft);
            let j = t % MEL_BLOCK;
            for (row, &p) in block.chunks_exact_mut(MEL_BLOCK).zip(power) {
                row[j] = p;
            }
            if j + 1 == MEL_BLOCK || t + 1 == frames {
                let first = t - j;
                self.filterbank
                    .apply_block(block, j + 1, &mut values[first * n_mels..]);
            }
        }
        frames
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
            let frames = plan.spectra_into(&samples, &mut scratch, &mut dispatched, in_db);
            assert_eq!(
                plan.spectra_into_inline(&samples, &mut scratch, &mut baseline, in_db),
                frames
            );
            assert_eq!(dispatched.len(), frames * plan.config().n_mels);
            let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&dispatched), bits(&baseline), "in_db {in_db}");
        }
    }
}
