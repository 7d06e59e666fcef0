//! Corpus loaders, in-memory datasets, augmentation and the training loop of emovox.
//!
//! Typical use: load a corpus ([`corpus`]), extract features into a [`FeatureDataset`] with a
//! `FeaturePipeline` built from the recipe's [`TrainConfig::features`] (keeping waveforms when
//! the recipe augments them, [`ExtractConfig::keep_waveforms`]), split by speaker, then
//! [`train`] with the [`TrainConfig`] (its default is the best measured recipe) to get an
//! [`emovox_model::EmotionModel`] with filled-in metadata.

#![warn(missing_docs)]

pub mod augment;
mod batch;
mod config;
pub mod corpus;
mod dataset;
mod error;
pub mod evaluate;
mod extract;
mod init;
pub mod loss;
mod normalise;
pub mod protocol;
mod report;
mod schedule;
mod trainer;
mod views;
pub mod wave_augment;

pub use augment::AugmentConfig;
pub use config::{default_extra_views, default_feature_spec, TrainConfig, TrainOptions};
pub use dataset::{ClassCounts, Example, FeatureDataset};
pub use error::TrainError;
pub use extract::{extract_dataset, ExtractConfig};
pub use normalise::corpus_statistics;
pub use schedule::LrSchedule;
pub use trainer::{train, EpochRecord, TrainOutcome};
pub use views::{train_views, view_log_path, ViewData, ViewsOutcome};
pub use wave_augment::WaveAugmentConfig;
