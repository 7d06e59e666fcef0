//! Text classification report laid out exactly like scikit-learn's
//! `classification_report(y_true, y_pred, target_names=..., digits=N)`.

use crate::confusion::{AverageMetrics, ClassMetrics, ConfusionMatrix};
use serde::{Deserialize, Serialize};

/// Per-class rows plus accuracy, macro and weighted averages of one confusion matrix.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassificationReport {
    /// One row per class, in label order.
    pub classes: Vec<ClassMetrics>,
    /// Overall accuracy.
    pub accuracy: f64,
    /// Unweighted mean over classes.
    pub macro_avg: AverageMetrics,
    /// Support-weighted mean over classes.
    pub weighted_avg: AverageMetrics,
    /// Total number of samples.
    pub total: u64,
}

const HEADERS: [&str; 4] = ["precision", "recall", "f1-score", "support"];

impl ClassificationReport {
    /// Computes the report from a confusion matrix.
    pub fn new(matrix: &ConfusionMatrix) -> Self {
        Self {
            classes: matrix.per_class(),
            accuracy: matrix.accuracy(),
            macro_avg: matrix.macro_avg(),
            weighted_avg: matrix.weighted_avg(),
            total: matrix.total(),
        }
    }

    /// Formats the report with `digits` decimals, byte-for-byte like scikit-learn
    /// (same header, column widths of 9, blank lines and trailing newline).
    pub fn to_text(&self, digits: usize) -> String {
        let name_width = self
            .classes
            .iter()
            .map(|c| c.label.chars().count())
            .max()
            .unwrap_or(0);
        let width = name_width.max("weighted avg".len()).max(digits);
        let mut out = format!("{:>width$} ", "");
        for h in HEADERS {
            out.push_str(&format!(" {h:>9}"));
        }
        out.push_str("\n\n");
        let row = |name: &str, p: f64, r: f64, f: f64, s: u64| {
            format!("{name:>width$}  {p:>9.digits$} {r:>9.digits$} {f:>9.digits$} {s:>9}\n")
        };
        for c in &self.classes {
            out.push_str(&row(&c.label, c.precision, c.recall, c.f1, c.support));
        }
        out.push('\n');
        let acc = self.accuracy;
        out.push_str(&format!(
            "{:>width$}  {:>9} {:>9} {acc:>9.digits$} {:>9}\n",
            "accuracy", "", "", self.total
        ));
        for (name, a) in [
            ("macro avg", &self.macro_avg),
            ("weighted avg", &self.weighted_avg),
        ] {
            out.push_str(&row(name, a.precision, a.recall, a.f1, a.support));
        }
        out
    }
}

impl ConfusionMatrix {
    /// Builds the [`ClassificationReport`] of this matrix.
    pub fn report(&self) -> ClassificationReport {
        ClassificationReport::new(self)
    }
}
