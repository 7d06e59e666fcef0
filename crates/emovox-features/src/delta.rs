//! Deltas as `librosa.feature.delta`: a Savitzky-Golay derivative along time, `mode='interp'`.

use ndarray::{Array2, ArrayView2, ArrayViewMut1, ArrayViewMut2, Axis};

use crate::FeatureError;

/// Savitzky-Golay derivative filter of `order` 1 or 2 over a symmetric window of `width` frames
/// (polynomial order = derivative order, as librosa uses).
pub(crate) fn savgol_weights(width: usize, order: usize) -> Vec<f64> {
    let half = (width / 2) as f64;
    let offsets: Vec<f64> = (0..width).map(|i| i as f64 - half).collect();
    match order {
        1 => {
            let norm: f64 = offsets.iter().map(|j| j * j).sum();
            offsets.iter().map(|j| j / norm).collect()
        }
        _ => {
            // Second derivative of the least-squares parabola: 2 * its quadratic coefficient.
            let mean_sq = offsets.iter().map(|j| j * j).sum::<f64>() / width as f64;
            let centred: Vec<f64> = offsets.iter().map(|j| j * j - mean_sq).collect();
            let norm: f64 = centred.iter().map(|c| c * c).sum();
            centred.iter().map(|c| 2.0 * c / norm).collect()
        }
    }
}

/// The delta of `order` (1 or 2) of each row of `features` (bins, frames) along frames, equal to
/// `librosa.feature.delta(features, width=width, order=order)`. Edge frames take the derivative
/// of the polynomial fitted to the first (last) `width` frames, as `mode='interp'` does.
pub fn delta(
    features: &Array2<f32>,
    width: usize,
    order: usize,
) -> Result<Array2<f32>, FeatureError> {
    if !(1..=2).contains(&order) {
        return Err(FeatureError::InvalidConfig(format!(
            "delta order {order} must be 1 or 2"
        )));
    }
    if width < 3 || width.is_multiple_of(2) {
        return Err(FeatureError::InvalidConfig(format!(
            "delta width {width} must be odd and at least 3"
        )));
    }
    let frames = features.ncols();
    if frames < width {
        return Err(FeatureError::TooFewFrames { frames, width });
    }
    let mut out = Array2::zeros(features.raw_dim());
    delta_into(
        features.view(),
        &savgol_weights(width, order),
        out.view_mut(),
    );
    Ok(out)
}

/// [`delta`] with the filter `weights` ([`savgol_weights`]) given and the output written into
/// `out` (the shape of `features`, at least `weights.len()` frames: checked by the callers).
pub(crate) fn delta_into(features: ArrayView2<f32>, weights: &[f64], mut out: ArrayViewMut2<f32>) {
    let mut sums = Vec::new();
    for (row, out_row) in features.axis_iter(Axis(0)).zip(out.axis_iter_mut(Axis(0))) {
        match row.as_slice() {
            Some(row) => delta_row(row, out_row, weights, &mut sums),
            None => delta_row(&row.to_vec(), out_row, weights, &mut sums),
        }
    }
}

/// One row's delta. The filter runs tap by tap over the whole row (`sums += w_k * shifted row`,
/// loops the compiler vectorises) in f64, each frame's sum accumulated in the order of the taps
/// as a per-frame dot product would.
fn delta_row(row: &[f32], mut out: ArrayViewMut1<f32>, weights: &[f64], sums: &mut Vec<f64>) {
    let width = weights.len();
    let half = width / 2;
    let frames = row.len();
    let inner = frames - 2 * half;
    sums.clear();
    sums.resize(inner, 0.0);
    filter_taps(row, weights, sums);
    let mut centre = out.slice_mut(ndarray::s![half..frames - half]);
    match centre.as_slice_mut() {
        Some(centre) => centre
            .iter_mut()
            .zip(sums.iter())
            .for_each(|(o, &s)| *o = s as f32),
        None => centre
            .iter_mut()
            .zip(sums.iter())
            .for_each(|(o, &s)| *o = s as f32),
    }
    // A fitted polynomial of degree = order has a constant derivative of that order, so the edge
    // frames take the value at the centre of the first (last) full window.
    let (first, last) = (out[half], out[frames - 1 - half]);
    for t in 0..half {
        out[t] = first;
        out[frames - 1 - t] = last;
    }
}

/// `sums[t] += w_k * row[t + k]` for every tap `k` in order, compiled for AVX2 when the CPU
/// has it ([`crate::simd`]; the same bits either way).
fn filter_taps(row: &[f32], weights: &[f64], sums: &mut [f64]) {
    #[cfg(target_arch = "x86_64")]
    if crate::simd::has_avx2() {
        // SAFETY: the CPU supports AVX2 and FMA (`has_avx2`).
        return unsafe { filter_taps_avx2(row, weights, sums) };
    }
    filter_taps_inline(row, weights, sums);
}

/// [`filter_taps_inline`] with AVX2 and FMA enabled.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn filter_taps_avx2(row: &[f32], weights: &[f64], sums: &mut [f64]) {
    filter_taps_inline(row, weights, sums);
}

#[inline(always)]
fn filter_taps_inline(row: &[f32], weights: &[f64], sums: &mut [f64]) {
    let inner = sums.len();
    for (k, &w) in weights.iter().enumerate() {
        for (sum, &x) in sums.iter_mut().zip(&row[k..k + inner]) {
            *sum += w * f64::from(x);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tap-by-tap filter gives the bits of a per-frame f64 dot product over the taps.
    #[test]
    fn the_vectorised_filter_equals_per_frame_dot_products_bit_for_bit() {
        let noise = crate::test_noise::uniform_noise(7 * 53, 5);
        let features =
            Array2::from_shape_vec((7, 53), noise.iter().map(|v| 16.0 * v).collect()).unwrap();
        for (width, order) in [(3, 1), (9, 1), (9, 2), (5, 2)] {
            let weights = savgol_weights(width, order);
            let got = delta(&features, width, order).unwrap();
            let half = width / 2;
            for (row, got) in features.rows().into_iter().zip(got.rows()) {
                for t in half..row.len() - half {
                    let dot = weights
                        .iter()
                        .enumerate()
                        .map(|(k, w)| w * f64::from(row[t + k - half]))
                        .sum::<f64>() as f32;
                    assert_eq!(got[t].to_bits(), dot.to_bits(), "width {width}, frame {t}");
                }
            }
        }
    }

    /// Both compilations of the tap loop give the same bits.
    #[test]
    fn the_baseline_and_dispatched_tap_loops_agree() {
        let row: Vec<f32> = (0..101)
            .map(|i| ((i * 37) % 23) as f32 * 0.37 - 4.0)
            .collect();
        let weights = savgol_weights(9, 2);
        let (mut dispatched, mut baseline) = (vec![0.0; 93], vec![0.0; 93]);
        filter_taps(&row, &weights, &mut dispatched);
        filter_taps_inline(&row, &weights, &mut baseline);
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&dispatched), bits(&baseline));
    }
}
