//! Speaker-independent cross-validation of a recipe as a library call: [`cross_validate`]
//! trains one model per [`Fold`] and scores its **last** epoch on the fold's test speakers,
//! who only monitor training (no early stopping, no calibration, nothing selected on them).
//!
//! The 5-fold protocol over a corpus folder, from a user's own `main`:
//!
//! ```no_run
//! use emovox_train::corpus::load_corpus;
//! use emovox_train::protocol::k_fold_speakers;
//! use emovox_train::{cross_validate, CrossValidationOptions, TrainConfig, ViewsDataset};
//!
//! fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let (corpus, _) = load_corpus("datasets/ravdess16k".as_ref(), None)?;
//!     let recipe = TrainConfig::two_views();
//!     let (data, _skipped) =
//!         ViewsDataset::extract_for(&recipe, &corpus.utterances, &corpus.labels())?;
//!     let folds = k_fold_speakers(&corpus.utterances, 5)?;
//!     let options = CrossValidationOptions {
//!         jobs: 2,
//!         ..CrossValidationOptions::default()
//!     };
//!     let cv = cross_validate(&recipe, &data, &folds, &options)?;
//!     println!("UAR {:.3} +- {:.3}", cv.summary.uar.mean, cv.summary.uar.std);
//!     cv.write("runs/cv")?;
//!     Ok(())
//! }
//! ```

use std::path::{Path, PathBuf};

use candle_core::Device;
use emovox_metrics::{ConfusionMatrix, FoldSummary};
use emovox_model::MultiViewModel;
use rayon::prelude::*;

use crate::corpus::LabelScheme;
use crate::protocol::Fold;
use crate::run_files::{create_dir, write_error, write_json};
use crate::{train_views, EpochRecord, TrainConfig, TrainError, TrainOptions, ViewsDataset};

/// How [`cross_validate`] runs; changes no result.
#[derive(Clone, Debug)]
pub struct CrossValidationOptions {
    /// Threads shared by the folds (each fold's views and ensemble members run on them too);
    /// 1 trains the folds one after another.
    pub jobs: usize,
    /// Corpus name recorded in each fold model's provenance.
    pub corpus: String,
    /// The label scheme the data's labels were mapped with, recorded in each fold model's
    /// provenance; `None` records none.
    pub label_scheme: Option<LabelScheme>,
    /// Folder for each fold's per-epoch log, `<fold>.epochs.jsonl` (views after the first
    /// beside it); `None` keeps no logs. An earlier cross-validation's fold files there
    /// ([`is_fold_file`]) are removed when the run starts.
    pub log_dir: Option<PathBuf>,
    /// The device the folds train on.
    pub device: Device,
}

impl Default for CrossValidationOptions {
    /// One thread per CPU, no logs, on the CPU.
    fn default() -> Self {
        Self {
            jobs: std::thread::available_parallelism().map_or(1, |n| n.get()),
            corpus: String::new(),
            label_scheme: None,
            log_dir: None,
            device: Device::Cpu,
        }
    }
}

/// What one fold yields.
#[derive(Debug)]
pub struct FoldOutcome {
    /// The fold.
    pub fold: Fold,
    /// The last epoch's confusion matrix on the fold's test speakers.
    pub matrix: ConfusionMatrix,
    /// Per-epoch records of the first view (test speakers as validation).
    pub history: Vec<EpochRecord>,
    /// Wall-clock seconds of the fold's training.
    pub seconds: f64,
    /// The fold's model (last epoch, uncalibrated).
    pub model: MultiViewModel,
}

/// The result of [`cross_validate`].
#[derive(Debug)]
pub struct CrossValidation {
    /// The recipe as every fold ran it ([`fold_recipe`]).
    pub recipe: TrainConfig,
    /// Each fold's outcome, in fold order.
    pub folds: Vec<FoldOutcome>,
    /// Mean and standard deviation over folds, and the pooled matrix.
    pub summary: FoldSummary,
}

/// The recipe as a fold runs it: the last epoch's weights and no calibration (the fold's
/// validation speakers are its test speakers); a fold registers no early stopping either.
pub fn fold_recipe(recipe: &TrainConfig) -> TrainConfig {
    TrainConfig {
        keep_best: false,
        calibrate: false,
        ..recipe.clone()
    }
}

/// Trains [`fold_recipe`]`(recipe)` once per fold on the fold's training speakers of `data`
/// and scores its last epoch on the fold's test speakers. Folds run `options.jobs` threads
/// wide; a fold's result does not depend on how many run at once. The fold files an earlier
/// run left in `options.log_dir` (models and epoch logs of folds named as the protocols name
/// them, [`is_fold_file`]) are removed first, so that a rerun with fewer folds leaves none of
/// the earlier run's beside its own.
pub fn cross_validate(
    recipe: &TrainConfig,
    data: &ViewsDataset,
    folds: &[Fold],
    options: &CrossValidationOptions,
) -> Result<CrossValidation, TrainError> {
    if folds.is_empty() {
        return Err(TrainError::InvalidData("no folds to run".into()));
    }
    if options.jobs == 0 {
        return Err(TrainError::InvalidConfig("jobs must be at least 1".into()));
    }
    check_folds(folds)?;
    let recipe = fold_recipe(recipe);
    recipe.validate()?;
    data.check_recipe(&recipe)?;
    if let Some(dir) = &options.log_dir {
        create_dir(dir)?;
        remove_fold_files(dir, &[])?;
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(options.jobs)
        .build()
        .map_err(|e| {
            TrainError::InvalidConfig(format!("cannot start {} threads: {e}", options.jobs))
        })?;
    let outcomes: Vec<FoldOutcome> = pool.install(|| {
        folds
            .par_iter()
            .map(|fold| run_fold(&recipe, data, fold, options))
            .collect::<Result<_, _>>()
    })?;
    let matrices: Vec<ConfusionMatrix> = outcomes.iter().map(|o| o.matrix.clone()).collect();
    Ok(CrossValidation {
        summary: FoldSummary::from_folds(&matrices)?,
        recipe,
        folds: outcomes,
    })
}

/// Refuses folds that would overwrite each other's files (one name twice) or test on voices
/// they train on (a speaker in both lists of a fold).
fn check_folds(folds: &[Fold]) -> Result<(), TrainError> {
    for (i, fold) in folds.iter().enumerate() {
        if folds[..i].iter().any(|other| other.name == fold.name) {
            return Err(TrainError::InvalidData(format!(
                "two folds are named {:?}: each fold's files are named after it",
                fold.name
            )));
        }
        if let Some(speaker) = fold
            .test_speakers
            .iter()
            .find(|s| fold.train_speakers.contains(s))
        {
            return Err(TrainError::InvalidData(format!(
                "{}: speaker {speaker} is both a training and a test speaker",
                fold.name
            )));
        }
    }
    Ok(())
}

/// Trains on the fold's training speakers and scores the last epoch on its test speakers.
fn run_fold(
    recipe: &TrainConfig,
    data: &ViewsDataset,
    fold: &Fold,
    options: &CrossValidationOptions,
) -> Result<FoldOutcome, TrainError> {
    let (test_set, others) = data.split_by_speakers(&fold.test_speakers);
    let (train_set, _) = others.split_by_speakers(&fold.train_speakers);
    let present = data.speakers();
    let missing: Vec<&String> = (fold.test_speakers.iter())
        .filter(|s| !present.contains(s))
        .collect();
    if train_set.is_empty() || test_set.is_empty() || !missing.is_empty() {
        return Err(TrainError::InvalidData(format!(
            "{}: {} training and {} test clips; test speakers without a clip in the data (none \
             extracted, or not in it): {missing:?}",
            fold.name,
            train_set.len(),
            test_set.len()
        )));
    }
    let train_options = TrainOptions {
        observer: None,
        early_stopping: None, // cross-validation never stops early
        log_path: options
            .log_dir
            .as_ref()
            .map(|dir| dir.join(format!("{}.epochs.jsonl", fold.name))),
        corpus: options.corpus.clone(),
        label_scheme: options.label_scheme,
        device: options.device.clone(),
    };
    let outcome = train_views(recipe, &train_set, &test_set, &train_options)?;
    Ok(FoldOutcome {
        fold: fold.clone(),
        matrix: outcome.validation_matrix()?,
        history: outcome.histories.into_iter().next().unwrap_or_default(),
        seconds: outcome.seconds,
        model: outcome.model,
    })
}

impl CrossValidation {
    /// One line per fold (test speakers, accuracy, UAR, macro-F1, clips, seconds) and the
    /// summary line (mean +- standard deviation over folds, pooled UAR).
    pub fn to_text(&self) -> String {
        let mut text = String::new();
        for fold in &self.folds {
            let m = &fold.matrix;
            text += &format!(
                "{}: test {:?}: accuracy {:.3}, UAR {:.3}, macro-F1 {:.3} ({} clips, {:.0} s)\n",
                fold.fold.name,
                fold.fold.test_speakers,
                m.accuracy(),
                m.uar(),
                m.macro_f1(),
                m.total(),
                fold.seconds
            );
        }
        let s = &self.summary;
        text += &format!(
            "{} folds: UAR {:.3} +- {:.3}, accuracy {:.3} +- {:.3}, macro-F1 {:.3} +- {:.3}; pooled UAR {:.3}",
            self.folds.len(),
            s.uar.mean,
            s.uar.std,
            s.accuracy.mean,
            s.accuracy.std,
            s.macro_f1.mean,
            s.macro_f1.std,
            s.pooled.uar,
        );
        text
    }

    /// Writes `cross_validation.json` (folds, summary, per-fold seconds and per-epoch test
    /// curves, the recipe) and each fold's model, `<fold>.safetensors`, into `dir` (created if
    /// needed); returns the JSON file's path. Fold files ([`is_fold_file`]) of folds this run
    /// does not have, left in `dir` by an earlier run, are removed.
    pub fn write(&self, dir: impl AsRef<Path>) -> Result<PathBuf, TrainError> {
        let dir = dir.as_ref();
        create_dir(dir)?;
        let names: Vec<&str> = self.folds.iter().map(|f| f.fold.name.as_str()).collect();
        remove_fold_files(dir, &names)?;
        for fold in &self.folds {
            fold.model
                .save(dir.join(format!("{}.safetensors", fold.fold.name)))?;
        }
        let report = serde_json::json!({
            "folds": self.folds.iter().map(|f| &f.fold).collect::<Vec<_>>(),
            "summary": self.summary,
            "fold_seconds": self.folds.iter().map(|f| f.seconds).collect::<Vec<_>>(),
            "histories": self.folds.iter().map(|f| &f.history).collect::<Vec<_>>(),
            "recipe": self.recipe,
        });
        write_json(dir, "cross_validation.json", &report)
    }
}

/// Whether `file` is a name a cross-validation writes for a fold the protocols name
/// (`fold-<n>` of [`crate::protocol::k_fold_speakers`], `speaker-<id>` of
/// [`crate::protocol::leave_one_speaker_out`]): the fold's model `<fold>.safetensors`, its
/// epoch log `<fold>.epochs.jsonl` or a later view's `<fold>.epochs.view<v>.jsonl`.
///
/// ```
/// use emovox_train::is_fold_file;
///
/// assert!(is_fold_file("fold-7.safetensors"));
/// assert!(is_fold_file("speaker-ravdess:01.epochs.view1.jsonl"));
/// assert!(!is_fold_file("model.safetensors") && !is_fold_file("fold-7.txt"));
/// ```
pub fn is_fold_file(file: &str) -> bool {
    fold_of_file(file).is_some()
}

/// The fold a [`is_fold_file`] file is of.
fn fold_of_file(file: &str) -> Option<&str> {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let view_log = || {
        let (fold, view) = file.strip_suffix(".jsonl")?.rsplit_once(".epochs.view")?;
        digits(view).then_some(fold)
    };
    let fold = (file.strip_suffix(".safetensors"))
        .or_else(|| file.strip_suffix(".epochs.jsonl"))
        .or_else(view_log)?;
    let named = fold.strip_prefix("fold-").is_some_and(digits)
        || fold
            .strip_prefix("speaker-")
            .is_some_and(|id| !id.is_empty());
    named.then_some(fold)
}

/// Removes the [`is_fold_file`] files of `dir` but those of the folds named `keep`; other
/// files are left alone.
fn remove_fold_files(dir: &Path, keep: &[&str]) -> Result<(), TrainError> {
    let entries = std::fs::read_dir(dir).map_err(|e| write_error(dir, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| write_error(dir, e))?;
        let name = entry.file_name();
        let Some(fold) = name.to_str().and_then(fold_of_file) else {
            continue;
        };
        let path = entry.path();
        if !keep.contains(&fold) && path.is_file() {
            std::fs::remove_file(&path).map_err(|e| write_error(&path, e))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fold_files_are_the_files_folds_write_and_no_others() {
        for (file, fold) in [
            ("fold-1.safetensors", "fold-1"),
            ("fold-12.epochs.jsonl", "fold-12"),
            ("fold-3.epochs.view1.jsonl", "fold-3"),
            ("speaker-DC.safetensors", "speaker-DC"),
            ("speaker-ravdess:01.epochs.jsonl", "speaker-ravdess:01"),
            ("speaker-a.b.epochs.view2.jsonl", "speaker-a.b"),
        ] {
            assert_eq!(fold_of_file(file), Some(fold), "{file}");
        }
        for file in [
            "model.safetensors",
            "epochs.jsonl",
            "epochs.view1.jsonl",
            "cross_validation.json",
            "fold-.safetensors",
            "fold-x.safetensors",
            "fold-1.json",
            "fold-1.epochs.viewx.jsonl",
            "fold-1.epochs.view.jsonl",
            "speaker-.safetensors",
            "my-fold-1.safetensors",
        ] {
            assert_eq!(fold_of_file(file), None, "{file}");
        }
    }
}
