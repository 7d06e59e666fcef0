//! Corpus loaders, in-memory datasets, augmentation and the training loop of emovox.
//!
//! Typical use: load a corpus ([`corpus::load_corpora`]), extract every feature view of a
//! recipe once ([`ViewsDataset::extract_for`]), split by speaker
//! ([`ViewsDataset::split_by_speakers`], [`protocol::SpeakerSet`]), then [`train_views`] with the
//! [`TrainConfig`] (`TrainConfig::two_views()` is the recipe of the bundled model) to get an
//! [`emovox_model::MultiViewModel`] with filled-in metadata, and
//! [`ViewsOutcome::write_report`]; or run a speaker-independent protocol with
//! [`cross_validate`] (see [`CrossValidation`] for the 5-fold protocol in a dozen lines).
//! Several trained models become one calibrated ensemble with [`emovox_model::MultiViewModel::new`]
//! and [`calibrate`], or [`calibrate_under`] to fit the calibration on degraded audio as well.

#![warn(missing_docs)]

pub mod augment;
mod batch;
mod calibration;
mod config;
mod cross_validation;
mod dataset;
mod density;
mod early_stopping;
mod error;
pub mod evaluate;
mod extract;
mod init;
mod labelled;
pub mod loss;
mod normalise;
mod observer;
mod provenance;
mod report;
mod run_files;
mod schedule;
mod trainer;
mod views;
mod views_dataset;
pub mod wave_augment;

/// Corpus loaders and label schemes ([`emovox_corpus`], re-exported).
pub use emovox_corpus as corpus;
/// Speaker sets and folds ([`emovox_corpus::protocol`], re-exported).
pub use emovox_corpus::protocol;

pub use augment::AugmentConfig;
pub use calibration::{calibrate, calibrate_under, CalibrationOutcome, NOVELTY_SLOPES};
pub use config::{
    default_extra_views, default_feature_spec, TrainConfig, TrainOptions, DEFAULT_TOP_DB,
};
pub use cross_validation::{
    cross_validate, fold_recipe, is_fold_file, CrossValidation, CrossValidationOptions, FoldOutcome,
};
pub use dataset::{ClassCounts, Example, FeatureDataset};
pub use density::{fit_densities, fit_density};
pub use early_stopping::{EarlyStopping, NoImprovementSince};
pub use error::TrainError;
pub use extract::{extract_dataset, ExtractConfig};
pub use labelled::LabelledCorpus;
pub use normalise::corpus_statistics;
pub use observer::{ProgressBar, TrainObserver};
pub use provenance::{recorded_label_scheme, trained_on, training_speakers_among};
pub use run_files::{check_model_path, classification_text, start_report, REPORT_FILES};
pub use schedule::LrSchedule;
pub use trainer::{train, EpochRecord, TrainOutcome};
pub use views::{train_views, view_log_path, ViewsOutcome};
pub use views_dataset::ViewsDataset;
pub use wave_augment::WaveAugmentConfig;
