//! Confusion matrix and the per-class / averaged metrics derived from it.
//!
//! Zero division follows scikit-learn's `zero_division=0`: a precision, recall or F1
//! whose denominator is zero is reported as `0.0`. Classes with no support (no true
//! samples) are excluded from [`ConfusionMatrix::uar`] (like `balanced_accuracy_score`),
//! but are included (with recall 0) in [`ConfusionMatrix::macro_avg`] and
//! [`ConfusionMatrix::macro_f1`], as in `classification_report` with explicit labels.

use crate::error::MetricsError;
use serde::{Deserialize, Serialize};

/// Precision, recall, F1 and support of one class.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassMetrics {
    /// Class name.
    pub label: String,
    /// TP / (TP + FP), 0 when nothing was predicted as this class.
    pub precision: f64,
    /// TP / (TP + FN), 0 when the class has no support.
    pub recall: f64,
    /// Harmonic mean of precision and recall, 0 when both are 0.
    pub f1: f64,
    /// Number of true samples of this class.
    pub support: u64,
}

/// Averaged precision, recall and F1 (macro or support-weighted).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct AverageMetrics {
    /// Averaged precision.
    pub precision: f64,
    /// Averaged recall.
    pub recall: f64,
    /// Averaged F1.
    pub f1: f64,
    /// Total number of samples.
    pub support: u64,
}

/// Square count matrix: rows are true classes, columns are predicted classes.
///
/// Deserializing checks the shape: as many rows of counts as labels, each with as many
/// counts as labels (anything else is a deserialization error, not a later panic).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConfusionMatrix {
    labels: Vec<String>,
    counts: Vec<Vec<u64>>,
}

impl<'de> Deserialize<'de> for ConfusionMatrix {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        /// The serialized form, before its shape is checked.
        #[derive(Deserialize)]
        struct Raw {
            labels: Vec<String>,
            counts: Vec<Vec<u64>>,
        }
        let Raw { labels, counts } = Raw::deserialize(deserializer)?;
        let n = labels.len();
        if counts.len() != n {
            return Err(serde::de::Error::custom(format!(
                "confusion matrix of {n} labels has {} rows of counts",
                counts.len()
            )));
        }
        if let Some((row, found)) = counts.iter().map(Vec::len).enumerate().find(|r| r.1 != n) {
            let e = MetricsError::RowLength {
                row,
                expected: n,
                found,
            };
            return Err(serde::de::Error::custom(e));
        }
        Ok(Self { labels, counts })
    }
}

fn ratio(num: u64, den: u64) -> f64 {
    if den == 0 {
        0.0
    } else {
        num as f64 / den as f64
    }
}

impl ConfusionMatrix {
    /// Creates an all-zero matrix over `labels` (class index = position in `labels`).
    pub fn new(labels: Vec<String>) -> Self {
        let n = labels.len();
        Self {
            labels,
            counts: vec![vec![0; n]; n],
        }
    }

    /// Counts one sample with true class `truth` predicted as `predicted`.
    pub fn add(&mut self, truth: usize, predicted: usize) -> Result<(), MetricsError> {
        let n = self.labels.len();
        for index in [truth, predicted] {
            if index >= n {
                return Err(MetricsError::IndexOutOfRange {
                    index,
                    n_classes: n,
                });
            }
        }
        self.counts[truth][predicted] += 1;
        Ok(())
    }

    /// Builds a matrix from parallel slices of true and predicted class indices.
    ///
    /// Errors on empty labels or samples, on a length mismatch and on out-of-range
    /// indices (nothing is counted then).
    pub fn from_predictions(
        labels: Vec<String>,
        truth: &[usize],
        predicted: &[usize],
    ) -> Result<Self, MetricsError> {
        if labels.is_empty() {
            return Err(MetricsError::EmptyInput("no labels"));
        }
        if truth.len() != predicted.len() {
            return Err(MetricsError::LengthMismatch {
                truth: truth.len(),
                predicted: predicted.len(),
            });
        }
        if truth.is_empty() {
            return Err(MetricsError::EmptyInput("no samples"));
        }
        let mut m = Self::new(labels);
        for (&t, &p) in truth.iter().zip(predicted) {
            m.add(t, p)?;
        }
        Ok(m)
    }

    /// Raw counts, `counts()[true][predicted]`.
    pub fn counts(&self) -> &[Vec<u64>] {
        &self.counts
    }

    /// Class names in index order.
    pub fn labels(&self) -> &[String] {
        &self.labels
    }

    /// Number of classes.
    pub fn n_classes(&self) -> usize {
        self.labels.len()
    }

    /// Total number of counted samples.
    pub fn total(&self) -> u64 {
        self.counts.iter().flatten().sum()
    }

    fn diagonal(&self, i: usize) -> u64 {
        self.counts[i][i]
    }

    /// Number of true samples of class `i` (row sum).
    pub fn support(&self, i: usize) -> u64 {
        self.counts[i].iter().sum()
    }

    /// Number of samples predicted as class `i` (column sum).
    pub fn predicted_count(&self, i: usize) -> u64 {
        self.counts.iter().map(|row| row[i]).sum()
    }

    /// Fraction of samples on the diagonal; 0 for an empty matrix.
    pub fn accuracy(&self) -> f64 {
        let correct: u64 = (0..self.n_classes()).map(|i| self.diagonal(i)).sum();
        ratio(correct, self.total())
    }

    /// Unweighted average recall (macro recall, scikit-learn's `balanced_accuracy_score`)
    /// over the classes that have support; classes with no true samples are excluded.
    /// 0 for an empty matrix.
    pub fn uar(&self) -> f64 {
        let recalls: Vec<f64> = (0..self.n_classes())
            .filter(|&i| self.support(i) > 0)
            .map(|i| ratio(self.diagonal(i), self.support(i)))
            .collect();
        if recalls.is_empty() {
            0.0
        } else {
            recalls.iter().sum::<f64>() / recalls.len() as f64
        }
    }

    /// Per-class precision, recall, F1 and support (zero division gives 0).
    pub fn per_class(&self) -> Vec<ClassMetrics> {
        (0..self.n_classes())
            .map(|i| {
                let tp = self.diagonal(i);
                let support = self.support(i);
                let precision = ratio(tp, self.predicted_count(i));
                let recall = ratio(tp, support);
                // F1 = 2TP / (2TP + FP + FN), as scikit-learn computes it.
                let f1 = ratio(2 * tp, support + self.predicted_count(i));
                ClassMetrics {
                    label: self.labels[i].clone(),
                    precision,
                    recall,
                    f1,
                    support,
                }
            })
            .collect()
    }

    fn average(&self, weight: impl Fn(&ClassMetrics) -> f64) -> AverageMetrics {
        let rows = self.per_class();
        let total_weight: f64 = rows.iter().map(&weight).sum();
        let avg = |value: fn(&ClassMetrics) -> f64| {
            if total_weight == 0.0 {
                0.0
            } else {
                rows.iter().map(|r| weight(r) * value(r)).sum::<f64>() / total_weight
            }
        };
        AverageMetrics {
            precision: avg(|r| r.precision),
            recall: avg(|r| r.recall),
            f1: avg(|r| r.f1),
            support: self.total(),
        }
    }

    /// Unweighted mean over all classes (including classes with no support).
    pub fn macro_avg(&self) -> AverageMetrics {
        self.average(|_| 1.0)
    }

    /// Support-weighted mean over classes; all zeros for an empty matrix.
    pub fn weighted_avg(&self) -> AverageMetrics {
        self.average(|r| r.support as f64)
    }

    /// Macro-averaged F1 over all classes (scikit-learn `f1_score(average='macro')`
    /// with explicit labels).
    pub fn macro_f1(&self) -> f64 {
        self.macro_avg().f1
    }

    /// Adds `other`'s counts into `self` (pooling folds). Labels must be identical.
    pub fn merge(&mut self, other: &ConfusionMatrix) -> Result<(), MetricsError> {
        if self.labels != other.labels {
            return Err(MetricsError::LabelMismatch {
                left: self.labels.clone(),
                right: other.labels.clone(),
            });
        }
        for (row, other_row) in self.counts.iter_mut().zip(&other.counts) {
            for (c, o) in row.iter_mut().zip(other_row) {
                *c += o;
            }
        }
        Ok(())
    }

    /// Aligned plain-text table: one row per true class, one column per predicted class.
    pub fn to_text(&self) -> String {
        let width = self
            .labels
            .iter()
            .map(String::len)
            .chain(self.counts.iter().flatten().map(|c| c.to_string().len()))
            .max()
            .unwrap_or(0);
        let name_width = self
            .labels
            .iter()
            .map(String::len)
            .max()
            .unwrap_or(0)
            .max(4);
        let mut out = format!("{:>name_width$}", "true");
        for label in &self.labels {
            out.push_str(&format!(" {label:>width$}"));
        }
        out.push('\n');
        for (label, row) in self.labels.iter().zip(&self.counts) {
            out.push_str(&format!("{label:>name_width$}"));
            for c in row {
                out.push_str(&format!(" {c:>width$}"));
            }
            out.push('\n');
        }
        out
    }
}
