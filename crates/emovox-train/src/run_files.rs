//! Writing what a run produced to a folder: JSON values, text and plots, each failure a
//! [`TrainError::Write`] naming the file.

use std::path::{Path, PathBuf};

use emovox_metrics::{plot, ConfusionMatrix};
use serde::Serialize;

use crate::{TrainError, ViewsOutcome};

/// `error` as a [`TrainError::Write`] of `path`.
pub(crate) fn write_error(path: &Path, error: impl Into<std::io::Error>) -> TrainError {
    TrainError::Write {
        path: path.to_path_buf(),
        source: error.into(),
    }
}

/// Creates `dir` and its parents.
pub(crate) fn create_dir(dir: &Path) -> Result<(), TrainError> {
    std::fs::create_dir_all(dir).map_err(|e| write_error(dir, e))
}

/// Writes `value` as pretty JSON to `dir/name`.
pub(crate) fn write_json(
    dir: &Path,
    name: &str,
    value: &impl Serialize,
) -> Result<PathBuf, TrainError> {
    let path = dir.join(name);
    let text = serde_json::to_string_pretty(value).map_err(|e| write_error(&path, e))?;
    std::fs::write(&path, text).map_err(|e| write_error(&path, e))?;
    Ok(path)
}

impl ViewsOutcome {
    /// The kept model's confusion matrix on the validation clips.
    pub fn validation_matrix(&self) -> Result<ConfusionMatrix, TrainError> {
        let predicted = crate::evaluate::argmax_rows(&self.val_probabilities);
        Ok(ConfusionMatrix::from_predictions(
            self.model.labels().to_vec(),
            &self.val_truth,
            &predicted,
        )?)
    }

    /// Writes the run's report into `dir` (created if needed): `metrics.json` (validation
    /// summary, kept epochs, seconds, per-epoch histories, provenance),
    /// `classification_report.txt`, `confusion.svg` and `training_curves.svg`. Returns the
    /// validation confusion matrix.
    pub fn write_report(&self, dir: impl AsRef<Path>) -> Result<ConfusionMatrix, TrainError> {
        let dir = dir.as_ref();
        create_dir(dir)?;
        let matrix = self.validation_matrix()?;
        let provenance: Vec<_> = self
            .model
            .views()
            .iter()
            .map(|v| &v.metadata().training)
            .collect();
        let metrics = serde_json::json!({
            "validation": matrix.summary(),
            "best_epochs": self.best_epochs,
            "training_seconds": self.seconds,
            "histories": self.histories,
            "provenance": provenance,
        });
        write_json(dir, "metrics.json", &metrics)?;
        let report = dir.join("classification_report.txt");
        std::fs::write(&report, classification_text(&matrix))
            .map_err(|e| write_error(&report, e))?;
        plot::confusion_plot(&matrix, dir.join("confusion.svg"))?;
        let history: Vec<emovox_metrics::EpochRecord> = self.histories[0]
            .iter()
            .filter_map(|e| e.to_metrics())
            .collect();
        if !history.is_empty() {
            plot::training_curves_plot(&history, dir.join("training_curves.svg"))?;
        }
        Ok(matrix)
    }
}

/// The files [`ViewsOutcome::write_report`] writes into a report folder.
pub const REPORT_FILES: [&str; 4] = [
    "metrics.json",
    "classification_report.txt",
    "confusion.svg",
    "training_curves.svg",
];

/// Readies `dir` (created if needed) for a run about to log into it: removes the
/// [`REPORT_FILES`] an earlier run left there, so that a run stopped before its
/// [`ViewsOutcome::write_report`] does not leave its epoch logs beside another run's metrics.
/// Other files are left alone.
pub fn start_report(dir: impl AsRef<Path>) -> Result<(), TrainError> {
    let dir = dir.as_ref();
    create_dir(dir)?;
    for name in REPORT_FILES {
        let path = dir.join(name);
        if path.is_file() {
            std::fs::remove_file(&path).map_err(|e| write_error(&path, e))?;
        }
    }
    Ok(())
}

/// Checks, before a run, that its model can be saved at `path`, so that a bad path fails at
/// once rather than after hours of training: `path` names a file (not an existing directory)
/// in a folder that exists or is created now, and in which a file can be created (a file is
/// created and removed again). Errors are [`TrainError::Write`] of `path`.
pub fn check_model_path(path: impl AsRef<Path>) -> Result<(), TrainError> {
    let path = path.as_ref();
    let refuse = |kind, message: &str| write_error(path, std::io::Error::new(kind, message));
    let Some(name) = path.file_name() else {
        return Err(refuse(std::io::ErrorKind::InvalidInput, "names no file"));
    };
    if path.is_dir() {
        return Err(refuse(
            std::io::ErrorKind::IsADirectory,
            "is a directory: a model is saved as a file",
        ));
    }
    let folder = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(folder).map_err(|e| write_error(path, e))?;
    let probe = folder.join(format!(
        ".{}.check-{}",
        name.to_string_lossy(),
        std::process::id()
    ));
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&probe)
        .map_err(|e| write_error(path, e))?;
    std::fs::remove_file(&probe).map_err(|e| write_error(&probe, e))
}

/// The per-class report, the headline scores and the matrix, as text.
pub fn classification_text(matrix: &ConfusionMatrix) -> String {
    format!(
        "{}\naccuracy {:.4}  UAR {:.4}  macro-F1 {:.4}\n\n{}",
        matrix.report().to_text(2),
        matrix.accuracy(),
        matrix.uar(),
        matrix.macro_f1(),
        matrix.to_text()
    )
}
