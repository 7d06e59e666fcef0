//! Classification metrics for emovox: accuracy, UAR, F1, confusion matrix, reports, plots,
//! calibration (ECE, reliability diagrams, temperature scaling; see [`calibration`]), and
//! bootstrap confidence intervals of UAR and of the difference of two classifiers' UAR
//! ([`Bootstrap`]).
//!
//! Conventions:
//! - zero division yields `0.0` (scikit-learn `zero_division=0`);
//! - classes without support are excluded from [`ConfusionMatrix::uar`] but kept in
//!   macro averages;
//! - fold standard deviations are sample std (ddof = 1).
//!
//! ```
//! use emovox_metrics::{ConfusionMatrix, FoldSummary};
//! let labels = vec!["calm".to_string(), "sad".to_string()];
//! let m = ConfusionMatrix::from_predictions(labels, &[0, 0, 1, 1], &[0, 1, 1, 1]).unwrap();
//! assert_eq!(m.total(), 4);
//! assert!((m.accuracy() - 0.75).abs() < 1e-12);
//! assert!((m.uar() - 0.75).abs() < 1e-12);
//! println!("{}", m.report().to_text(2));
//! let folds = FoldSummary::from_folds(&[m.clone(), m]).unwrap();
//! assert_eq!(folds.pooled.n, 8);
//! ```

#![warn(missing_docs)]

pub mod bootstrap;
pub mod calibration;
pub mod confusion;
pub mod epoch;
pub mod error;
#[cfg(feature = "plot")]
pub mod plot;
pub mod report;
pub mod summary;

pub use bootstrap::{Bootstrap, Interval};
pub use calibration::{
    fit_temperature, fit_temperature_weighted, weighted_log_loss, Calibration, ReliabilityBin,
};
pub use confusion::{AverageMetrics, ClassMetrics, ConfusionMatrix};
pub use epoch::EpochRecord;
pub use error::MetricsError;
pub use report::ClassificationReport;
pub use summary::{FoldSummary, MeanStd, MetricsSummary};

/// Index of the largest value of `scores` (the first on ties; 0 for an empty slice): the
/// predicted class of a row of probabilities.
///
/// NaN values are never the largest: they are skipped, and a row of NaNs gives 0 (unlike
/// numpy's `argmax`, which returns the first NaN). Check rows for NaN first where a NaN must
/// not pass as a prediction of class 0 ([`Calibration::from_probabilities`] rejects them).
pub fn argmax(scores: &[f32]) -> usize {
    scores
        .iter()
        .enumerate()
        .fold((0, f32::NEG_INFINITY), |best, (i, &v)| {
            if v > best.1 {
                (i, v)
            } else {
                best
            }
        })
        .0
}
