//! The log-mel spectrogram: power spectrum, mel filterbank, `power_to_db` over the whole clip.

use ndarray::Array2;

use crate::db::{apply_top_db, power_to_db_in_place};
use crate::error::check_signal;
use crate::mel::{MelFilterbank, MEL_BLOCK};
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
        let frames = self.mel_power_into(samples, scratch, values)?;
        let max_db = power_to_db_in_place(values);
        if let Some(top_db) = self.config.top_db {
            apply_top_db(values, max_db, top_db);
        }
        Ok(frames)
    }

    fn mel_power_frames(&self, samples: &[f32]) -> Result<(Vec<f32>, usize), FeatureError> {
        let mut values = Vec::new();
        let frames = self.mel_power_into(samples, &mut SpectralScratch::default(), &mut values)?;
        Ok((values, frames))
    }

    /// The mel power spectrogram written frame after frame into `values` (resized to
    /// frames x n_mels); returns the number of frames.
    fn mel_power_into(
        &self,
        samples: &[f32],
        scratch: &mut SpectralScratch,
        values: &mut Vec<f32>,
    ) -> Result<usize, FeatureError> {
        check_signal(samples, self.stft.min_samples())?;
        let n_mels = self.config.n_mels;
        let frames = self.stft.frames_for(samples.len());
        values.clear();
        values.resize(frames * n_mels, 0.0);
        // Spectra are gathered MEL_BLOCK frames at a time, bin-major, for the blocked filterbank.
        let SpectralScratch { stft, block } = scratch;
        block.clear();
        block.resize(self.stft.n_bins() * MEL_BLOCK, 0.0);
        self.stft.for_each_frame(samples, stft, |t, power| {
            let j = t % MEL_BLOCK;
            for (row, &p) in block.chunks_exact_mut(MEL_BLOCK).zip(power) {
                row[j] = p;
            }
            if j + 1 == MEL_BLOCK || t + 1 == frames {
                let first = t - j;
                self.filterbank
                    .apply_block(block, j + 1, &mut values[first * n_mels..]);
            }
        });
        Ok(frames)
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
