//! Librosa-exact speech features for emovox.
//!
//! Everything here reproduces `librosa` 0.11 to within 2e-3 absolute (see the parity tests):
//! the power spectrogram (`center=True`, constant padding, periodic Hann window), the Slaney
//! mel filterbank, `power_to_db` (ref 1.0, amin 1e-10, top_db 80 over the whole clip), the
//! orthonormal DCT-II MFCC with optional liftering, and `librosa.feature.delta`.
//!
//! Extractors are plan structs in the style of `realfft`: build once, reuse for every clip.

mod config;
mod error;
mod pipeline;

pub use config::{FeatureKind, FeatureSpec, MelConfig, MfccConfig};
pub use error::FeatureError;
pub use pipeline::FeaturePipeline;
