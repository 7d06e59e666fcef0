//! Librosa-exact speech features for emovox.
//!
//! Everything here reproduces `librosa` 0.11 to within 2e-3 absolute (see the parity tests):
//! the power spectrogram (`center=True`, constant padding, periodic Hann window), the Slaney
//! mel filterbank, `power_to_db` (ref 1.0, amin 1e-10, top_db 80 over the whole clip), the
//! orthonormal DCT-II MFCC with optional liftering, and `librosa.feature.delta`.
//!
//! Extractors are plan structs in the style of `realfft`: build once (FFT plan, window, mel
//! matrix, DCT matrix), then call `compute` on as many clips as needed, from any thread.
//!
//! ```
//! use emovox_features::{Mfcc, MfccConfig};
//!
//! let mfcc = Mfcc::new(MfccConfig::speech())?;
//! let samples = vec![0.0f32; 8_000];
//! assert_eq!(mfcc.compute(&samples)?.dim(), (40, 51));
//! # Ok::<(), emovox_features::FeatureError>(())
//! ```

#![warn(missing_docs)]

mod autocorrelation;
mod balance;
mod config;
mod db;
mod dct;
mod delta;
mod enclosing;
mod error;
mod front_end;
mod logmel;
mod mel;
mod mfcc;
mod normalise;
mod pipeline;
mod pitch;
mod preprocess;
mod real_power;
mod resamplers;
mod scratch;
mod simd;
mod stft;
#[cfg(test)]
mod test_noise;
mod window;

pub use balance::{
    BalanceNormalisation, BALANCE_LAGS, BALANCE_TOLERANCE_DB, MAX_BALANCE_CORRECTION_DB,
};
pub use config::{
    Acceptance, FeatureKind, FeatureSpec, MelConfig, MfccConfig, MAX_DELTA_WIDTH, MAX_HOP_LENGTH,
};
pub use db::fast_log10;
pub use dct::{dct_matrix, MAX_DCT_BANDS};
pub use delta::delta;
pub use error::FeatureError;
pub use front_end::FrontEnd;
pub use logmel::LogMelSpectrogram;
pub use mel::MelFilterbank;
pub use mfcc::Mfcc;
pub use pipeline::FeaturePipeline;
pub use pitch::{PitchConfig, PitchTracker};
pub use preprocess::{LevelNormalisation, Preprocessing, SpeechTrim};
pub use scratch::FeatureScratch;
pub use stft::PowerSpectrogram;
pub use window::hann_periodic;
