//! The training objective: weighted cross-entropy against soft targets.

use candle_core::{Result, Tensor, D};

/// Mean over the batch of `weight_i * CE(softmax(logits_i), target_i)` divided by the mean
/// weight, where `targets` are (batch, classes) probability rows (one-hot, smoothed or mixed)
/// and `weights` (batch,) are per-example class weights.
pub fn soft_cross_entropy(logits: &Tensor, targets: &Tensor, weights: &Tensor) -> Result<Tensor> {
    let log_probs = candle_nn::ops::log_softmax(logits, D::Minus1)?;
    let per_example = (targets * log_probs)?.sum(D::Minus1)?.neg()?;
    let weighted = (per_example * weights)?.sum_all()?;
    weighted / weights.sum_all()?.to_scalar::<f32>()? as f64
}

/// Target rows for `labels` with label smoothing `eps` over `n_classes` classes.
pub fn smoothed_targets(labels: &[usize], n_classes: usize, eps: f32) -> Vec<f32> {
    let off = eps / n_classes as f32;
    let mut rows = vec![off; labels.len() * n_classes];
    for (i, &label) in labels.iter().enumerate() {
        rows[i * n_classes + label] += 1.0 - eps;
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::Device;

    #[test]
    fn matches_candle_cross_entropy_for_one_hot_targets() {
        let dev = Device::Cpu;
        let logits = Tensor::new(&[[1.0f32, 2.0, 0.5], [0.1, -1.0, 3.0]], &dev).unwrap();
        let targets = Tensor::from_vec(smoothed_targets(&[1, 2], 3, 0.0), (2, 3), &dev).unwrap();
        let weights = Tensor::new(&[1.0f32, 1.0], &dev).unwrap();
        let ours = soft_cross_entropy(&logits, &targets, &weights)
            .unwrap()
            .to_scalar::<f32>()
            .unwrap();
        let labels = Tensor::new(&[1u32, 2], &dev).unwrap();
        let reference = candle_nn::loss::cross_entropy(&logits, &labels)
            .unwrap()
            .to_scalar::<f32>()
            .unwrap();
        assert!((ours - reference).abs() < 1e-5);
    }

    #[test]
    fn smoothing_keeps_rows_normalised() {
        let rows = smoothed_targets(&[0, 2], 4, 0.2);
        for row in rows.chunks(4) {
            assert!((row.iter().sum::<f32>() - 1.0).abs() < 1e-6);
        }
        assert!((rows[0] - 0.85).abs() < 1e-6);
    }
}
