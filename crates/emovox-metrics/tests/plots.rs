//! Checks that the SVG plots are written and carry the label names.

use emovox_metrics::plot::{confusion_svg, training_curves_svg};
use emovox_metrics::{ConfusionMatrix, EpochRecord, MetricsError};

fn out_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("emovox-metrics-plots-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn confusion_svg_contains_labels() {
    let labels: Vec<String> = ["neutral", "happy", "surprised"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let m = ConfusionMatrix::from_predictions(labels.clone(), &[0, 1, 2, 2, 1], &[0, 1, 2, 1, 1])
        .unwrap();
    let path = out_dir().join("confusion.svg");
    confusion_svg(&m, &path).unwrap();
    let svg = std::fs::read_to_string(&path).unwrap();
    assert!(svg.starts_with("<svg") || svg.contains("<svg"));
    for l in &labels {
        assert!(
            svg.matches(l.as_str()).count() >= 2,
            "label {l} should appear on both axes"
        );
    }
}

#[test]
fn training_curves_svg_written() {
    let history: Vec<EpochRecord> = (1..=10)
        .map(|e| EpochRecord {
            epoch: e,
            train_loss: 2.0 / e as f64,
            val_loss: Some(2.2 / e as f64 + 0.1),
            val_accuracy: 0.1 + 0.05 * e as f64,
            val_uar: 0.08 + 0.05 * e as f64,
        })
        .collect();
    let path = out_dir().join("curves.svg");
    training_curves_svg(&history, &path).unwrap();
    let svg = std::fs::read_to_string(&path).unwrap();
    for s in ["train loss", "val loss", "val accuracy", "val UAR", "epoch"] {
        assert!(svg.contains(s), "missing {s}");
    }
    assert!(matches!(
        training_curves_svg(&[], &path),
        Err(MetricsError::EmptyInput(_))
    ));
}
