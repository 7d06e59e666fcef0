//! Hand-computed metric cases, zero division, absent classes, errors, folds.

use emovox_metrics::{ConfusionMatrix, FoldSummary, MetricsError, MetricsSummary};

fn labels(names: &[&str]) -> Vec<String> {
    names.iter().map(|s| s.to_string()).collect()
}

fn close(a: f64, b: f64) {
    assert!((a - b).abs() < 1e-12, "{a} != {b}");
}

#[test]
fn three_class_hand_computed() {
    // truth:     a a a b b c
    // predicted: a a b b c c
    let m = ConfusionMatrix::from_predictions(
        labels(&["a", "b", "c"]),
        &[0, 0, 0, 1, 1, 2],
        &[0, 0, 1, 1, 2, 2],
    )
    .unwrap();
    assert_eq!(m.counts(), &[vec![2, 1, 0], vec![0, 1, 1], vec![0, 0, 1]]);
    assert_eq!(m.total(), 6);
    close(m.accuracy(), 4.0 / 6.0);
    // recalls 2/3, 1/2, 1 -> UAR 13/18
    close(m.uar(), (2.0 / 3.0 + 0.5 + 1.0) / 3.0);
    let pc = m.per_class();
    close(pc[0].precision, 1.0);
    close(pc[1].precision, 0.5);
    close(pc[2].precision, 0.5);
    close(pc[0].f1, 0.8);
    close(pc[1].f1, 0.5);
    close(pc[2].f1, 2.0 / 3.0);
    close(m.macro_f1(), (0.8 + 0.5 + 2.0 / 3.0) / 3.0);
    close(
        m.weighted_avg().f1,
        (3.0 * 0.8 + 2.0 * 0.5 + 2.0 / 3.0) / 6.0,
    );
    assert_eq!(m.weighted_avg().support, 6);
}

#[test]
fn zero_division_and_absent_class() {
    // class "c" never occurs and is never predicted; class "b" is never predicted.
    let m = ConfusionMatrix::from_predictions(labels(&["a", "b", "c"]), &[0, 0, 1], &[0, 0, 0])
        .unwrap();
    let pc = m.per_class();
    close(pc[1].precision, 0.0); // 0/0 -> 0
    close(pc[1].recall, 0.0);
    close(pc[1].f1, 0.0);
    close(pc[2].precision, 0.0);
    close(pc[2].recall, 0.0);
    close(pc[2].f1, 0.0);
    assert_eq!(pc[2].support, 0);
    close(pc[0].precision, 2.0 / 3.0);
    // UAR over supported classes a (1.0) and b (0.0) only.
    close(m.uar(), 0.5);
    // macro averages include the absent class.
    close(m.macro_avg().recall, 1.0 / 3.0);
    close(m.macro_f1(), 0.8 / 3.0);
}

#[test]
fn empty_matrix_is_all_zero() {
    let m = ConfusionMatrix::new(labels(&["a", "b"]));
    close(m.accuracy(), 0.0);
    close(m.uar(), 0.0);
    close(m.weighted_avg().f1, 0.0);
}

#[test]
fn errors() {
    let l = labels(&["a", "b"]);
    assert!(matches!(
        ConfusionMatrix::from_predictions(l.clone(), &[0], &[0, 1]),
        Err(MetricsError::LengthMismatch {
            truth: 1,
            predicted: 2
        })
    ));
    assert!(matches!(
        ConfusionMatrix::from_predictions(l.clone(), &[], &[]),
        Err(MetricsError::EmptyInput(_))
    ));
    assert!(matches!(
        ConfusionMatrix::from_predictions(vec![], &[0], &[0]),
        Err(MetricsError::EmptyInput(_))
    ));
    assert!(matches!(
        ConfusionMatrix::from_predictions(l.clone(), &[0, 2], &[0, 1]),
        Err(MetricsError::IndexOutOfRange {
            index: 2,
            n_classes: 2
        })
    ));
    let mut m = ConfusionMatrix::new(l.clone());
    assert!(matches!(
        m.add(0, 5),
        Err(MetricsError::IndexOutOfRange { index: 5, .. })
    ));
    assert_eq!(m.total(), 0);
    let other = ConfusionMatrix::new(labels(&["a", "c"]));
    assert!(matches!(
        m.merge(&other),
        Err(MetricsError::LabelMismatch { .. })
    ));
    assert!(matches!(
        FoldSummary::from_folds(&[]),
        Err(MetricsError::EmptyInput(_))
    ));
}

#[test]
fn folds_mean_sample_std_and_pooling() {
    let l = labels(&["a", "b"]);
    let f1 = ConfusionMatrix::from_predictions(l.clone(), &[0, 1], &[0, 1]).unwrap(); // acc 1
    let f2 = ConfusionMatrix::from_predictions(l.clone(), &[0, 1], &[1, 1]).unwrap(); // acc 0.5
    let f3 = ConfusionMatrix::from_predictions(l, &[0, 1], &[1, 0]).unwrap(); // acc 0
    let s = FoldSummary::from_folds(&[f1, f2, f3]).unwrap();
    close(s.accuracy.mean, 0.5);
    close(s.accuracy.std, 0.5); // sqrt((0.25 + 0 + 0.25) / 2)
    assert_eq!(s.pooled.confusion, vec![vec![1, 2], vec![1, 2]]);
    assert_eq!(s.pooled.n, 6);
    assert_eq!(s.folds.len(), 3);
    let json = serde_json::to_string(&s).unwrap();
    let back: FoldSummary = serde_json::from_str(&json).unwrap();
    assert_eq!(back, s);
}

#[test]
fn summary_roundtrip_and_text_table() {
    let m = ConfusionMatrix::from_predictions(labels(&["neutral", "sad"]), &[0, 1, 1], &[0, 1, 0])
        .unwrap();
    let s = m.summary();
    assert_eq!(s.n, 3);
    close(s.accuracy, 2.0 / 3.0);
    close(s.uar, 0.75);
    let back: MetricsSummary = serde_json::from_str(&serde_json::to_string(&s).unwrap()).unwrap();
    assert_eq!(back, s);
    assert_eq!(
        m.to_text(),
        "   true neutral     sad\nneutral       1       0\n    sad       1       1\n"
    );
}
