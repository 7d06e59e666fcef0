//! MFCC: the orthonormal DCT-II of the log-mel spectrogram, as `librosa.feature.mfcc`.

use ndarray::{Array2, ArrayView2};

use crate::dct::dct_matrix;
use crate::logmel::LogMelSpectrogram;
use crate::{Acceptance, FeatureError, MfccConfig};

/// An MFCC plan (FFT, window, filterbank and DCT matrix precomputed), built once, reused.
///
/// ```
/// use emovox_features::{Mfcc, MfccConfig};
///
/// let mfcc = Mfcc::new(MfccConfig::speech())?;
/// let tone: Vec<f32> = (0..16_000).map(|i| (i as f32 * 0.1).sin()).collect();
/// let coefficients = mfcc.compute(&tone)?;
/// assert_eq!(coefficients.shape(), &[40, 101]);
/// # Ok::<(), emovox_features::FeatureError>(())
/// ```
#[derive(Debug)]
pub struct Mfcc {
    config: MfccConfig,
    log_mel: LogMelSpectrogram,
    dct: Array2<f32>,
}

impl Mfcc {
    /// Validates `config` and precomputes every matrix the extraction needs.
    pub fn new(config: MfccConfig) -> Result<Self, FeatureError> {
        Self::with_acceptance(config, Acceptance::Strict)
    }

    /// [`Mfcc::new`] with the checks of `acceptance`: with [`Acceptance::Librosa`], what
    /// `librosa.feature.mfcc` computes ([`LogMelSpectrogram::with_acceptance`]).
    pub fn with_acceptance(
        config: MfccConfig,
        acceptance: Acceptance,
    ) -> Result<Self, FeatureError> {
        config.validate_with(acceptance)?;
        let log_mel = LogMelSpectrogram::with_acceptance(config.mel.clone(), acceptance)?;
        let dct = dct_matrix(config.n_mfcc, config.mel.n_mels, config.lifter)?;
        Ok(Self {
            config,
            log_mel,
            dct,
        })
    }

    /// The configuration this plan was built from.
    pub fn config(&self) -> &MfccConfig {
        &self.config
    }

    /// The log-mel plan the cepstrum is taken from.
    pub fn log_mel(&self) -> &LogMelSpectrogram {
        &self.log_mel
    }

    /// The (n_mfcc, n_mels) DCT matrix, liftering folded in.
    pub(crate) fn dct(&self) -> &Array2<f32> {
        &self.dct
    }

    /// MFCCs of `samples`, shape (n_mfcc, frames) as librosa returns them.
    pub fn compute(&self, samples: &[f32]) -> Result<Array2<f32>, FeatureError> {
        let (values, frames) = self.log_mel.compute_frame_major(samples)?;
        let log_mel = ArrayView2::from_shape((frames, self.config.mel.n_mels), &values)
            .expect("length is frames * n_mels by construction");
        // One matrix product over all frames: (n_mfcc, n_mels) x (n_mels, frames).
        Ok(self.dct.dot(&log_mel.t()))
    }
}
