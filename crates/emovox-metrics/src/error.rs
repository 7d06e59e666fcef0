//! Error type for metric computations.

/// Errors returned by emovox-metrics.
#[derive(Debug, thiserror::Error)]
pub enum MetricsError {
    /// A class index was outside `0..n_classes`.
    #[error("class index {index} out of range for {n_classes} classes")]
    IndexOutOfRange {
        /// The offending index.
        index: usize,
        /// Number of classes in the matrix.
        n_classes: usize,
    },
    /// Truth and prediction slices have different lengths.
    #[error("length mismatch: {truth} truth labels vs {predicted} predictions")]
    LengthMismatch {
        /// Length of the truth slice.
        truth: usize,
        /// Length of the prediction slice.
        predicted: usize,
    },
    /// No labels, no samples or no folds were given where some are needed.
    #[error("empty input: {0}")]
    EmptyInput(&'static str),
    /// Two matrices with different label lists were merged.
    #[error("label mismatch: {left:?} vs {right:?}")]
    LabelMismatch {
        /// Labels of the receiving matrix.
        left: Vec<String>,
        /// Labels of the other matrix.
        right: Vec<String>,
    },
    /// Calibration binning was asked for with zero bins.
    #[error("the number of calibration bins must be at least 1")]
    ZeroBins,
    /// Calibration binning was asked for with more than
    /// [`MAX_BINS`](crate::calibration::MAX_BINS) bins.
    #[error("{n_bins} calibration bins asked for, at most 100000 are allowed")]
    TooManyBins {
        /// The number of bins asked for.
        n_bins: usize,
    },
    /// A row of probabilities or scores has a different number of classes than the first row.
    #[error("row {row} has {found} classes, expected {expected} (as in row 0)")]
    RowLength {
        /// Index of the offending row.
        row: usize,
        /// Number of classes of the first row.
        expected: usize,
        /// Number of classes of the offending row.
        found: usize,
    },
    /// A probability was NaN, infinite or negative.
    #[error("invalid probability {value} at row {row}, class {class}: must be finite and >= 0")]
    InvalidProbability {
        /// Index of the offending row.
        row: usize,
        /// Class index within the row.
        class: usize,
        /// The offending value.
        value: f32,
    },
    /// A row of probabilities does not sum to 1 (within
    /// [`PROBABILITY_SUM_TOLERANCE`](crate::calibration::PROBABILITY_SUM_TOLERANCE)).
    #[error("probabilities of row {row} sum to {sum}, not 1")]
    UnnormalisedProbabilities {
        /// Index of the offending row.
        row: usize,
        /// The row's sum.
        sum: f64,
    },
    /// A score (logit or log-probability) was NaN or `+inf`, or a whole row was `-inf`
    /// (reported with its first class).
    #[error(
        "invalid score {value} at row {row}, class {class}: scores must be finite or -inf, \
         and not all -inf"
    )]
    InvalidScore {
        /// Index of the offending row.
        row: usize,
        /// Class index within the row.
        class: usize,
        /// The offending value.
        value: f32,
    },
    /// An example weight was negative or not finite, or all weights were zero (row 0).
    #[error("invalid weight {value} at row {row}: weights must be finite, >= 0 and not all 0")]
    InvalidWeight {
        /// Index of the offending row.
        row: usize,
        /// The offending value.
        value: f32,
    },
    /// A [`Bootstrap`](crate::Bootstrap) with no resamples, more than
    /// [`MAX_RESAMPLES`](crate::bootstrap::MAX_RESAMPLES), or a confidence level outside (0, 1).
    #[error("bootstrap of {resamples} resamples at level {level}: needs 1 to 1000000 resamples and a level in (0, 1)")]
    InvalidBootstrap {
        /// The number of resamples asked for.
        resamples: usize,
        /// The confidence level asked for.
        level: f64,
    },
    /// A timeline's duration was negative, NaN or infinite.
    #[error("invalid timeline duration {0} s: must be finite and >= 0")]
    InvalidDuration(f64),
    /// Writing a plot failed.
    #[error("plot error: {0}")]
    Plot(String),
    /// A plot file name whose extension names no format this crate writes.
    #[error("cannot plot to {0:?}: the file name must end in .svg or .png")]
    UnsupportedPlotFormat(std::path::PathBuf),
}

#[cfg(feature = "plot")]
impl<E: std::error::Error + Send + Sync> From<plotters::drawing::DrawingAreaErrorKind<E>>
    for MetricsError
{
    fn from(e: plotters::drawing::DrawingAreaErrorKind<E>) -> Self {
        MetricsError::Plot(e.to_string())
    }
}
