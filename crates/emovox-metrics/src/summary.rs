//! Serializable metric summaries for one evaluation and for cross-validation folds.

use crate::confusion::{ClassMetrics, ConfusionMatrix};
use crate::error::MetricsError;
use serde::{Deserialize, Serialize};

/// Headline metrics, the raw matrix and per-class rows of one evaluation (JSON-friendly).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricsSummary {
    /// Overall accuracy.
    pub accuracy: f64,
    /// Unweighted average recall over classes with support.
    pub uar: f64,
    /// Macro F1 over all classes.
    pub macro_f1: f64,
    /// Number of samples.
    pub n: u64,
    /// Class names.
    pub labels: Vec<String>,
    /// Counts, rows = true, columns = predicted.
    pub confusion: Vec<Vec<u64>>,
    /// Per-class precision / recall / F1 / support.
    pub per_class: Vec<ClassMetrics>,
}

impl ConfusionMatrix {
    /// Builds the [`MetricsSummary`] of this matrix.
    pub fn summary(&self) -> MetricsSummary {
        MetricsSummary {
            accuracy: self.accuracy(),
            uar: self.uar(),
            macro_f1: self.macro_f1(),
            n: self.total(),
            labels: self.labels().to_vec(),
            confusion: self.counts().to_vec(),
            per_class: self.per_class(),
        }
    }
}

/// Mean and sample standard deviation (ddof = 1; 0 when there is a single value).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MeanStd {
    /// Arithmetic mean.
    pub mean: f64,
    /// Sample standard deviation with Bessel's correction (divides by n - 1).
    pub std: f64,
}

impl MeanStd {
    /// Mean and sample std of `values`; errors when `values` is empty.
    pub fn of(values: &[f64]) -> Result<Self, MetricsError> {
        if values.is_empty() {
            return Err(MetricsError::EmptyInput("no values"));
        }
        let n = values.len() as f64;
        let mean = values.iter().sum::<f64>() / n;
        let std = if values.len() < 2 {
            0.0
        } else {
            (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt()
        };
        Ok(Self { mean, std })
    }
}

/// Cross-validation aggregate: per-fold summaries, mean ± sample std (ddof = 1) of
/// accuracy, UAR and macro-F1 across folds, and the pooled (summed) matrix.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FoldSummary {
    /// Summary of each fold, in order.
    pub folds: Vec<MetricsSummary>,
    /// Accuracy across folds.
    pub accuracy: MeanStd,
    /// UAR across folds.
    pub uar: MeanStd,
    /// Macro-F1 across folds.
    pub macro_f1: MeanStd,
    /// Summary of the pooled matrix (all folds' counts added).
    pub pooled: MetricsSummary,
}

impl FoldSummary {
    /// Aggregates per-fold matrices; errors on no folds or differing labels.
    pub fn from_folds(folds: &[ConfusionMatrix]) -> Result<Self, MetricsError> {
        let (first, rest) = folds
            .split_first()
            .ok_or(MetricsError::EmptyInput("no folds"))?;
        let mut pooled = first.clone();
        for m in rest {
            pooled.merge(m)?;
        }
        let stat =
            |f: fn(&ConfusionMatrix) -> f64| MeanStd::of(&folds.iter().map(f).collect::<Vec<_>>());
        Ok(Self {
            folds: folds.iter().map(ConfusionMatrix::summary).collect(),
            accuracy: stat(ConfusionMatrix::accuracy)?,
            uar: stat(ConfusionMatrix::uar)?,
            macro_f1: stat(ConfusionMatrix::macro_f1)?,
            pooled: pooled.summary(),
        })
    }
}
