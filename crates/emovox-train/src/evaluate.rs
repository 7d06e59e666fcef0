//! Turning predicted probabilities into labels and a loss; accuracy, UAR and the rest come
//! from `emovox_metrics::ConfusionMatrix`.

/// Index of the largest probability of each row.
pub fn argmax_rows(probs: &[Vec<f32>]) -> Vec<usize> {
    probs.iter().map(|p| emovox_metrics::argmax(p)).collect()
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
    fn argmax_and_log_loss() {
        assert_eq!(argmax_rows(&[vec![0.1, 0.7, 0.2]]), vec![1]);
        let loss = mean_log_loss(&[1], &[vec![0.1, 0.5, 0.4]]);
        assert!((loss - 2f64.ln()).abs() < 1e-6);
    }
}
