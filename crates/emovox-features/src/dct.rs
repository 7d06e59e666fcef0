//! The orthonormal DCT-II (scipy `dct(type=2, norm='ortho')`) as a matrix, with liftering folded in.

use ndarray::Array2;

use crate::FeatureError;

/// The most mel bands a DCT matrix is built for: the FFT bins of the largest `n_fft` (65,536).
pub const MAX_DCT_BANDS: usize = 32_769;

/// Builds the (n_mfcc, n_mels) matrix that maps a log-mel frame to its cepstrum: the first
/// `n_mfcc` rows of the orthonormal DCT-II, each row scaled by librosa's lifter
/// `1 + (lifter / 2) sin(pi (k + 1) / lifter)` when `lifter > 0`. Errors unless
/// `1 <= n_mfcc <= n_mels <= MAX_DCT_BANDS` and `lifter` is finite and `>= 0`.
pub fn dct_matrix(n_mfcc: usize, n_mels: usize, lifter: f32) -> Result<Array2<f32>, FeatureError> {
    if !(1..=MAX_DCT_BANDS).contains(&n_mels) || !(1..=n_mels).contains(&n_mfcc) {
        return Err(FeatureError::InvalidConfig(format!(
            "a DCT of n_mfcc {n_mfcc} from n_mels {n_mels} needs 1 <= n_mfcc <= n_mels <= {MAX_DCT_BANDS}"
        )));
    }
    if !(lifter.is_finite() && lifter >= 0.0) {
        return Err(FeatureError::InvalidConfig(format!(
            "lifter {lifter} must be finite and >= 0"
        )));
    }
    let n = n_mels as f64;
    Ok(Array2::from_shape_fn((n_mfcc, n_mels), |(k, m)| {
        let scale = if k == 0 {
            (1.0 / n).sqrt()
        } else {
            (2.0 / n).sqrt()
        };
        let basis = (std::f64::consts::PI * k as f64 * (2 * m + 1) as f64 / (2.0 * n)).cos();
        let lift = if lifter > 0.0 {
            let l = lifter as f64;
            1.0 + (l / 2.0) * (std::f64::consts::PI * (k + 1) as f64 / l).sin()
        } else {
            1.0
        };
        (scale * basis * lift) as f32
    }))
}
