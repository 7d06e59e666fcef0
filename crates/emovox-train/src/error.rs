use thiserror::Error;

/// Why building a dataset or training failed.
#[derive(Debug, Error)]
pub enum TrainError {
    /// A training option is out of range.
    #[error("invalid training configuration: {0}")]
    InvalidConfig(String),
    /// The data cannot be trained on (empty set, label mismatch, inconsistent shapes...).
    #[error("invalid dataset: {0}")]
    InvalidData(String),
    /// The loss became NaN or infinite.
    #[error("training diverged at epoch {epoch}: loss is {loss}")]
    Diverged {
        /// 1-based epoch.
        epoch: usize,
        /// The offending loss.
        loss: f64,
    },
    /// The feature pipeline could not be built.
    #[error(transparent)]
    Features(#[from] emovox_features::FeatureError),
    /// Building, running or snapshotting the model failed.
    #[error(transparent)]
    Model(#[from] emovox_model::ModelError),
    /// A thread panicked while holding a lock training needs (e.g. the `VarMap`'s).
    #[error("the {0} lock is poisoned: a thread panicked while holding it")]
    LockPoisoned(&'static str),
    /// A tensor operation failed.
    #[error("tensor computation failed: {0}")]
    Candle(#[from] candle_core::Error),
    /// Validation metrics could not be computed (e.g. a label index out of range).
    #[error(transparent)]
    Metrics(#[from] emovox_metrics::MetricsError),
    /// Writing a file (the epoch log, a report, a model) failed.
    #[error("cannot write {path}: {source}")]
    Write {
        /// The file.
        path: std::path::PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
}
