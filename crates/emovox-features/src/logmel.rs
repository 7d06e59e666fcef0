//! The log-mel spectrogram: power spectrum, mel filterbank, `power_to_db` over the whole clip.

use ndarray::Array2;

use crate::db::{apply_top_db, power_to_db_in_place};
use crate::error::check_signal;
use crate::mel::{MelFilterbank, MEL_BLOCK};
use crate::stft::PowerSpectrogram;
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
        let (mut values, frames) = self.mel_power_frames(samples)?;
        let max_db = power_to_db_in_place(&mut values);
        if let Some(top_db) = self.config.top_db {
            apply_top_db(&mut values, max_db, top_db);
        }
        Ok((values, frames))
    }

    fn mel_power_frames(&self, samples: &[f32]) -> Result<(Vec<f32>, usize), FeatureError> {
        check_signal(samples, self.stft.min_samples())?;
        let n_mels = self.config.n_mels;
        let frames = self.stft.frames_for(samples.len());
        let mut values = vec![0.0f32; frames * n_mels];
        let mut scratch = self.stft.scratch();
        // Spectra are gathered MEL_BLOCK frames at a time, bin-major, for the blocked filterbank.
        let mut block = vec![0.0f32; self.stft.n_bins() * MEL_BLOCK];
        self.stft.for_each_frame(samples, &mut scratch, |t, power| {
            let j = t % MEL_BLOCK;
            for (bin, &p) in power.iter().enumerate() {
                block[bin * MEL_BLOCK + j] = p;
            }
            if j + 1 == MEL_BLOCK || t + 1 == frames {
                let first = t - j;
                self.filterbank
                    .apply_block(&block, j + 1, &mut values[first * n_mels..]);
            }
        });
        Ok((values, frames))
    }
}

/// Turns (frames, bins) row-major values into librosa's (bins, frames) layout.
fn frame_major_to_librosa(values: Vec<f32>, frames: usize, bins: usize) -> Array2<f32> {
    Array2::from_shape_vec((frames, bins), values)
        .expect("length is frames * bins by construction")
        .reversed_axes()
        .as_standard_layout()
        .into_owned()
}
