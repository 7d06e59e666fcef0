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
    /// Writing a plot failed.
    #[error("plot error: {0}")]
    Plot(String),
    /// A plot file name whose extension names no format this crate writes.
    #[error("cannot plot to {0:?}: the file name must end in .svg or .png")]
    UnsupportedPlotFormat(std::path::PathBuf),
}

impl<E: std::error::Error + Send + Sync> From<plotters::drawing::DrawingAreaErrorKind<E>>
    for MetricsError
{
    fn from(e: plotters::drawing::DrawingAreaErrorKind<E>) -> Self {
        MetricsError::Plot(e.to_string())
    }
}
