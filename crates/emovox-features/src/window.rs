//! Analysis windows, as `scipy.signal.get_window(..., fftbins=True)` and `librosa.util.pad_center`.

/// The periodic Hann window of `length` samples (librosa's default `window='hann'`). As in
/// scipy, a window of one sample is `[1.0]` (the formula would give a zero, so a one-sample
/// window would silence every frame).
pub fn hann_periodic(length: usize) -> Vec<f32> {
    if length == 1 {
        return vec![1.0];
    }
    let n = length as f64;
    (0..length)
        .map(|i| (0.5 - 0.5 * (2.0 * std::f64::consts::PI * i as f64 / n).cos()) as f32)
        .collect()
}

/// A periodic Hann window of `win_length` centred in a frame of `n_fft` samples, zeros around it,
/// as librosa pads a window shorter than the FFT.
pub(crate) fn padded_hann(win_length: usize, n_fft: usize) -> Vec<f32> {
    let mut frame = vec![0.0; n_fft];
    let offset = (n_fft - win_length) / 2;
    frame[offset..offset + win_length].copy_from_slice(&hann_periodic(win_length));
    frame
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_windows_match_scipy() {
        // scipy.signal.get_window('hann', n, fftbins=True) for n = 1, 2, 4.
        assert_eq!(hann_periodic(1), [1.0]);
        assert_eq!(hann_periodic(2), [0.0, 1.0]);
        let four = hann_periodic(4);
        for (got, want) in four.iter().zip([0.0, 0.5, 1.0, 0.5]) {
            assert!((got - want).abs() < 1e-7, "{four:?}");
        }
        assert!(hann_periodic(0).is_empty());
    }
}
