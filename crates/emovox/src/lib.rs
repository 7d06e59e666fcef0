//! emovox: speech emotion recognition in Rust.
//!
//! Load a model and classify speech:
//!
//! ```no_run
//! use emovox::Classifier;
//!
//! # fn main() -> Result<(), emovox::Error> {
//! let classifier = Classifier::bundled()?;
//! let prediction = classifier.predict_file("speech.wav")?;
//! println!("{} ({:.0}%)", prediction.label, 100.0 * prediction.confidence);
//! if prediction.unfamiliar {
//!     // The clip is unlike the audio the model was trained and validated on.
//!     println!("novelty {:?}: treat the label with caution", prediction.novelty);
//! }
//! # Ok(())
//! # }
//! ```
//!
//! What about a recording may make an answer less reliable (clipping, noise, a telephone band,
//! little speech) is measured by [`audio::assess`]:
//!
//! ```no_run
//! # fn main() -> Result<(), emovox::Error> {
//! let audio = emovox::audio::read_audio("call.wav")?;
//! let quality = emovox::audio::assess(&audio.samples, audio.sample_rate)?;
//! for concern in quality.concerns() {
//!     println!("note: {concern}");
//! }
//! # Ok(())
//! # }
//! ```
//!
//! The crates behind the facade are re-exported for finer control: [`audio`] (decoding,
//! resampling, recording conditions and quality), [`features`] (librosa-exact MFCC and
//! log-mel), [`model`] (the CNN and its self-describing model files).

#![warn(missing_docs)]

pub mod adaptation;
mod classifier;
mod error;
pub mod evaluation;

pub use classifier::{Classifier, Prediction};
pub use emovox_audio::SILENCE_LEVEL_DB;
pub use error::Error;

pub use emovox_audio as audio;
pub use emovox_features as features;
pub use emovox_metrics as metrics;
pub use emovox_model as model;
pub use emovox_model::retain_freed_memory;
pub mod timeline;

/// The Rust examples of the README and of `docs/*.md`, compiled (and run unless marked
/// `no_run`) by `cargo test --doc`, so the documentation's code stays code that works. Only
/// under `cfg(doctest)`: nothing of it is in the library or its API documentation.
#[cfg(doctest)]
mod markdown_examples {
    #[doc = include_str!("../../../README.md")]
    struct Readme;
    #[doc = include_str!("../../../docs/architecture.md")]
    struct Architecture;
    #[doc = include_str!("../../../docs/bundled-model.md")]
    struct BundledModel;
    #[doc = include_str!("../../../docs/experiments.md")]
    struct Experiments;
    #[doc = include_str!("../../../docs/mfcc-benchmark.md")]
    struct MfccBenchmark;
    #[doc = include_str!("../../../docs/performance-history.md")]
    struct PerformanceHistory;
    #[doc = include_str!("../../../docs/ray-measurements.md")]
    struct RayMeasurements;
    #[doc = include_str!("../../../docs/service-load-tests.md")]
    struct ServiceLoadTests;
}
