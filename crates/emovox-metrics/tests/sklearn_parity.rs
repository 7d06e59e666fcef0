//! Compares emovox-metrics against fixtures recorded from scikit-learn
//! (see fixtures/generate_sklearn.py).

use emovox_metrics::ConfusionMatrix;

#[derive(serde::Deserialize)]
struct Numbers {
    labels: Vec<String>,
    y_true: Vec<usize>,
    y_pred: Vec<usize>,
    confusion: Vec<Vec<u64>>,
    accuracy: f64,
    balanced_accuracy: f64,
    macro_f1: f64,
    weighted_f1: f64,
}

fn fixture() -> (Numbers, ConfusionMatrix) {
    let numbers: Numbers =
        serde_json::from_str(include_str!("fixtures/sklearn_numbers.json")).unwrap();
    let m =
        ConfusionMatrix::from_predictions(numbers.labels.clone(), &numbers.y_true, &numbers.y_pred)
            .unwrap();
    (numbers, m)
}

#[test]
fn numbers_match_sklearn() {
    let (n, m) = fixture();
    assert_eq!(m.counts(), n.confusion.as_slice());
    assert!((m.accuracy() - n.accuracy).abs() < 1e-12);
    assert!((m.uar() - n.balanced_accuracy).abs() < 1e-12);
    assert!((m.macro_f1() - n.macro_f1).abs() < 1e-12);
    assert!((m.weighted_avg().f1 - n.weighted_f1).abs() < 1e-12);
}

#[test]
fn report_text_matches_sklearn_byte_for_byte() {
    let (_, m) = fixture();
    let report = m.report();
    assert_eq!(
        report.to_text(2),
        include_str!("fixtures/sklearn_report_digits2.txt")
    );
    assert_eq!(
        report.to_text(4),
        include_str!("fixtures/sklearn_report_digits4.txt")
    );
}
