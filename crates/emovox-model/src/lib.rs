//! The emovox CNN, its configuration and self-describing safetensors model files.
//!
//! * [`ModelConfig`] – architecture hyper-parameters; [`Network`] – the candle module (a
//!   `ModuleT` built from a `VarBuilder`, on its device).
//! * [`ModelMetadata`] – labels, feature spec, architecture, normalisation, inference settings
//!   and training provenance, stored as JSON in the safetensors header under
//!   [`METADATA_KEY`].
//! * [`EmotionModel`] – load / save one file (onto any device: `load_on`), class probabilities
//!   from the output of `emovox_features::FeaturePipeline::compute`, one clip or a batch (one
//!   forward pass per input length).
//! * [`FeatureDensity`] – a Gaussian model of a network's penultimate activations over its
//!   training clips, stored with it: the *novelty* of a clip (about 1 for clips like the
//!   training ones, larger for audio unlike anything it learned from).
//! * [`MultiViewModel`] – several models reading different features of the same clip
//!   (e.g. log-mel and MFCC), probabilities averaged, stored in one file.
//!
//! ```no_run
//! use emovox_features::FeaturePipeline;
//! use emovox_model::EmotionModel;
//!
//! let model = EmotionModel::load("model.safetensors")?;
//! let pipeline = FeaturePipeline::new(model.metadata().features.clone())?;
//! let samples = vec![0.0f32; 48_000]; // 3 s of 16 kHz audio
//! let probabilities = model.probabilities(&pipeline.compute(&samples, 16_000)?)?;
//! for (label, p) in model.metadata().labels.iter().zip(&probabilities) {
//!     println!("{label}: {p:.2}");
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![warn(missing_docs)]

mod batch_norm;
mod calibration;
mod config;
mod conv;
mod conv_kernel;
mod cpu_kernel;
mod density;
mod error;
mod file;
mod inference;
mod memory;
mod model;
mod network;
mod pooling;
mod views;
mod weights;

pub use calibration::ProbabilityCalibration;
pub use config::{
    InferenceConfig, ModelConfig, ModelMetadata, Normalisation, PoolingKind, TrainingProvenance,
    MAX_BLOCKS, MAX_CLASSES, MAX_CROPS, MAX_IN_CHANNELS, MAX_KERNEL_SIZE, MAX_LAYER_WIDTH,
    MAX_NETWORK_WEIGHTS, MAX_POOL, MAX_REPEAT_FRAMES,
};
pub use conv::TimeConv;
pub use density::FeatureDensity;
pub use error::ModelError;
pub use file::{CALIBRATION_KEY, METADATA_KEY, VIEWS_KEY};
pub use inference::InferenceNetwork;
pub use memory::retain_freed_memory;
pub use model::{crop_starts, EmotionModel, Scores};
pub use network::Network;
pub use pooling::TemporalPooling;
pub use views::{average_probabilities, MultiViewModel};
