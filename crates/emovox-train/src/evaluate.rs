//! Validation metrics computed from predicted probabilities.

/// Index of the largest probability of each row.
pub fn argmax_rows(probs: &[Vec<f32>]) -> Vec<usize> {
    probs
        .iter()
        .map(|p| {
            p.iter()
                .enumerate()
                .fold((0, f32::NEG_INFINITY), |best, (i, &v)| {
                    if v > best.1 {
                        (i, v)
                    } else {
                        best
                    }
                })
                .0
        })
        .collect()
}

/// Fraction of predictions equal to the truth (0 for no examples).
pub fn accuracy(truth: &[usize], predicted: &[usize]) -> f64 {
    if truth.is_empty() {
        return 0.0;
    }
    let hits = truth.iter().zip(predicted).filter(|(t, p)| t == p).count();
    hits as f64 / truth.len() as f64
}

/// Unweighted average recall: the mean over classes present in `truth` of their recall.
pub fn unweighted_average_recall(truth: &[usize], predicted: &[usize], n_classes: usize) -> f64 {
    let mut support = vec![0usize; n_classes];
    let mut hits = vec![0usize; n_classes];
    for (&t, &p) in truth.iter().zip(predicted) {
        support[t] += 1;
        if t == p {
            hits[t] += 1;
        }
    }
    let present: Vec<f64> = support
        .iter()
        .zip(&hits)
        .filter(|(s, _)| **s > 0)
        .map(|(s, h)| *h as f64 / *s as f64)
        .collect();
    if present.is_empty() {
        0.0
    } else {
        present.iter().sum::<f64>() / present.len() as f64
    }
}

/// Mean negative log-likelihood of the true classes (probabilities floored at 1e-7).
pub fn mean_log_loss(truth: &[usize], probs: &[Vec<f32>]) -> f64 {
    if truth.is_empty() {
        return 0.0;
    }
    let total: f64 = truth
        .iter()
        .zip(probs)
        .map(|(&t, p)| -(p[t].max(1e-7) as f64).ln())
        .sum();
    total / truth.len() as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uar_averages_recall_per_class() {
        let truth = [0, 0, 0, 0, 1, 1];
        let predicted = [0, 0, 0, 0, 0, 1];
        assert!((accuracy(&truth, &predicted) - 5.0 / 6.0).abs() < 1e-12);
        assert!((unweighted_average_recall(&truth, &predicted, 3) - 0.75).abs() < 1e-12);
        assert_eq!(argmax_rows(&[vec![0.1, 0.7, 0.2]]), vec![1]);
    }
}
