//! Edge cases against scikit-learn 1.9.1 (values computed once, hard-coded with the call that
//! gave them), ties, and matrices read back from JSON.

use emovox_metrics::{argmax, ConfusionMatrix};

fn labels(names: &[&str]) -> Vec<String> {
    names.iter().map(|s| s.to_string()).collect()
}

fn close(a: f64, b: f64) {
    assert!((a - b).abs() < 1e-12, "{a} != {b}");
}

#[test]
fn a_label_never_true_is_left_out_of_the_uar_but_not_out_of_macro_averages() {
    // "angry" (3) is predicted twice and never true.
    let (truth, predicted) = ([0, 0, 1, 1, 2], [0, 3, 1, 1, 3]);
    let m = ConfusionMatrix::from_predictions(
        labels(&["neutral", "happy", "sad", "angry"]),
        &truth,
        &predicted,
    )
    .unwrap();
    // confusion_matrix(yt, yp, labels=[0, 1, 2, 3])
    assert_eq!(
        m.counts(),
        &[
            vec![1, 0, 0, 1],
            vec![0, 2, 0, 0],
            vec![0, 0, 0, 1],
            vec![0, 0, 0, 0]
        ]
    );
    close(m.accuracy(), 0.6); // accuracy_score(yt, yp)
    close(m.uar(), 0.5); // balanced_accuracy_score(yt, yp), which warns and drops "angry"
                         // recall_score(yt, yp, labels=[0, 1, 2, 3], average='macro', zero_division=0)
    close(m.macro_avg().recall, 0.375);
    // f1_score(yt, yp, labels=[0, 1, 2, 3], average='macro', zero_division=0)
    close(m.macro_f1(), 0.41666666666666663);
    // f1_score(..., average='weighted', zero_division=0)
    close(m.weighted_avg().f1, 0.6666666666666666);
    // classification_report(yt, yp, labels=[0, 1, 2, 3], target_names=[...],
    //                       zero_division=0, digits=3)
    let sklearn = "              precision    recall  f1-score   support\n\n     neutral      \
        1.000     0.500     0.667         2\n       happy      1.000     1.000     1.000         \
        2\n         sad      0.000     0.000     0.000         1\n       angry      0.000     \
        0.000     0.000         0\n\n    accuracy                          0.600         5\n   \
        macro avg      0.500     0.375     0.417         5\nweighted avg      0.800     0.600     \
        0.667         5\n";
    assert_eq!(m.report().to_text(3), sklearn);
}

#[test]
fn a_single_class_matches_sklearn() {
    let m = ConfusionMatrix::from_predictions(labels(&["calm"]), &[0, 0, 0], &[0, 0, 0]).unwrap();
    // balanced_accuracy_score([0, 0, 0], [0, 0, 0]) and f1_score(..., average='macro')
    close(m.uar(), 1.0);
    close(m.macro_f1(), 1.0);
    // classification_report([0, 0, 0], [0, 0, 0], labels=[0], target_names=['calm'])
    let sklearn = "              precision    recall  f1-score   support\n\n        calm       \
        1.00      1.00      1.00         3\n\n    accuracy                           1.00         \
        3\n   macro avg       1.00      1.00      1.00         3\nweighted avg       1.00      \
        1.00      1.00         3\n";
    assert_eq!(m.report().to_text(2), sklearn);
}

#[test]
fn argmax_takes_the_first_of_tied_values_and_skips_nan() {
    assert_eq!(argmax(&[0.25, 0.5, 0.25, 0.5]), 1);
    assert_eq!(argmax(&[]), 0);
    assert_eq!(argmax(&[f32::NAN, 0.2, 0.3]), 2);
    assert_eq!(argmax(&[f32::NAN, f32::NAN]), 0);
}

#[test]
fn a_matrix_read_back_from_json_must_be_square() {
    let m = ConfusionMatrix::from_predictions(labels(&["a", "b"]), &[0, 1, 1], &[0, 0, 1]).unwrap();
    let json = serde_json::to_string(&m).unwrap();
    assert_eq!(json, r#"{"labels":["a","b"],"counts":[[1,0],[1,1]]}"#);
    let back: ConfusionMatrix = serde_json::from_str(&json).unwrap();
    assert_eq!(back, m);
    // These used to deserialize, and the first call of `uar`, `per_class` or `report` on them
    // panicked with an index out of bounds.
    for bad in [
        r#"{"labels":["a","b","c"],"counts":[[1,0],[0,1]]}"#,
        r#"{"labels":["a","b"],"counts":[[1,0],[0,1,2]]}"#,
        r#"{"labels":["a","b"],"counts":[[1,0]]}"#,
        r#"{"labels":[],"counts":[[]]}"#,
    ] {
        let result = serde_json::from_str::<ConfusionMatrix>(bad);
        assert!(result.is_err(), "{bad} read as {result:?}");
    }
    let err =
        serde_json::from_str::<ConfusionMatrix>(r#"{"labels":["a","b"],"counts":[[1,0],[0]]}"#)
            .unwrap_err()
            .to_string();
    assert!(err.contains("row 1 has 1 classes, expected 2"), "{err}");
    let empty: ConfusionMatrix = serde_json::from_str(r#"{"labels":[],"counts":[]}"#).unwrap();
    assert_eq!(empty.n_classes(), 0);
}
