//! Per-utterance mean and variance normalisation of a feature matrix.

use ndarray::{ArrayViewMut2, Axis};

/// Added to the variance before the square root, so silent (constant) bins stay finite.
pub(crate) const NORM_EPSILON: f32 = 1e-5;

/// Normalises each row (bin) of `features` (bins, frames) to zero mean and unit variance over
/// its frames: `(x - mean) / sqrt(var + NORM_EPSILON)`, with the population variance.
pub(crate) fn normalize_utterance(mut features: ArrayViewMut2<f32>) {
    for mut row in features.axis_iter_mut(Axis(0)) {
        let n = row.len().max(1) as f64;
        let mean = row.iter().map(|&x| x as f64).sum::<f64>() / n;
        let var = row.iter().map(|&x| (x as f64 - mean).powi(2)).sum::<f64>() / n;
        let scale = 1.0 / (var + NORM_EPSILON as f64).sqrt();
        row.mapv_inplace(|x| ((x as f64 - mean) * scale) as f32);
    }
}
