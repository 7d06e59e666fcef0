//! Room reverberation: a synthetic impulse response applied by FFT convolution.

use std::cell::RefCell;

use rand::Rng;
use realfft::RealFftPlanner;

use super::{mean_power, rescale_to_power, DegradeError};

/// Room volume (m³) and talker distance (m) of the direct-to-reverberant model.
const ROOM_VOLUME_M3: f64 = 60.0;
const TALKER_DISTANCE_M: f64 = 1.0;
/// Onset of the reverberant tail after the direct path, in milliseconds.
const ONSET_MS: (f64, f64) = (2.0, 5.0);

thread_local! {
    /// FFT plans (cached by length inside the planner) reused across calls.
    static PLANNER: RefCell<RealFftPlanner<f32>> = RefCell::new(RealFftPlanner::new());
}

/// Reverberant-to-direct energy ratio for `rt60`: Sabine's diffuse field, `16 π r² / A`
/// with absorption area `A = 0.161 V / RT60`.
fn reverberant_to_direct(rt60: f64) -> f64 {
    16.0 * std::f64::consts::PI * TALKER_DISTANCE_M.powi(2) * rt60 / (0.161 * ROOM_VOLUME_M3)
}

/// A synthetic room impulse response: `h[0] = 1` (direct path), then from an onset of 2–5 ms
/// Gaussian noise decaying by 60 dB over `rt60` seconds, up to `rt60` after the onset, with
/// energy `reverberant_to_direct(rt60)`.
fn impulse_response<R: Rng + ?Sized>(sample_rate: u32, rt60: f32, rng: &mut R) -> Vec<f32> {
    let rate = sample_rate as f64;
    let rt60 = rt60 as f64;
    let onset_ms = rng.gen_range(ONSET_MS.0..=ONSET_MS.1);
    let onset = ((onset_ms * rate / 1000.0).round() as usize).max(1);
    let tail = ((rt60 * rate).ceil() as usize).max(1);
    let mut h = vec![0.0f32; onset + tail];
    h[0] = 1.0;
    // Amplitude envelope exp(-decay · t): energy falls by 10^-6 (60 dB) at t = rt60.
    let step = (-3.0 * std::f64::consts::LN_10 / (rt60 * rate)).exp();
    let mut envelope = (-3.0 * std::f64::consts::LN_10 * onset as f64 / (rt60 * rate)).exp();
    super::noise::fill_gaussian(&mut h[onset..], rng);
    let mut energy = 0.0f64;
    for slot in &mut h[onset..] {
        let value = *slot as f64 * envelope;
        energy += value * value;
        *slot = value as f32;
        envelope *= step;
    }
    if energy > 0.0 {
        let scale = (reverberant_to_direct(rt60) / energy).sqrt() as f32;
        h[onset..].iter_mut().for_each(|s| *s *= scale);
    }
    h
}

/// The smallest `m >= n` of the form 2^a 3^b 5^c (fast for the FFT).
fn next_fast_len(n: usize) -> usize {
    let mut m = n.max(1);
    loop {
        let mut r = m;
        for p in [2, 3, 5] {
            while r.is_multiple_of(p) {
                r /= p;
            }
        }
        if r == 1 {
            return m;
        }
        m += 1;
    }
}

/// The first `x.len()` samples of the linear convolution `x * h`.
fn convolve_truncated(x: &[f32], h: &[f32]) -> Result<Vec<f32>, DegradeError> {
    let n = x.len();
    let h = &h[..h.len().min(n)];
    if n == 0 || h.is_empty() {
        return Ok(vec![0.0; n]);
    }
    let size = next_fast_len(n + h.len() - 1);
    let (forward, inverse) = PLANNER.with(|planner| {
        let mut planner = planner.borrow_mut();
        (
            planner.plan_fft_forward(size),
            planner.plan_fft_inverse(size),
        )
    });
    let fft_error = |e: realfft::FftError| DegradeError::Fft(e.to_string());
    let mut scratch = forward.make_scratch_vec();
    if scratch.len() < inverse.get_scratch_len() {
        scratch = inverse.make_scratch_vec();
    }

    let mut buffer = forward.make_input_vec();
    buffer[..n].copy_from_slice(x);
    let mut x_spectrum = forward.make_output_vec();
    forward
        .process_with_scratch(&mut buffer, &mut x_spectrum, &mut scratch)
        .map_err(fft_error)?;

    buffer.iter_mut().for_each(|s| *s = 0.0);
    buffer[..h.len()].copy_from_slice(h);
    let mut h_spectrum = forward.make_output_vec();
    forward
        .process_with_scratch(&mut buffer, &mut h_spectrum, &mut scratch)
        .map_err(fft_error)?;

    let norm = 1.0 / size as f32;
    for (a, b) in x_spectrum.iter_mut().zip(&h_spectrum) {
        *a = *a * *b * norm;
    }
    // The DC (and, for an even size, Nyquist) bins of a real signal's spectrum are real.
    x_spectrum[0].im = 0.0;
    if size.is_multiple_of(2) {
        if let Some(last) = x_spectrum.last_mut() {
            last.im = 0.0;
        }
    }
    inverse
        .process_with_scratch(&mut x_spectrum, &mut buffer, &mut scratch)
        .map_err(fft_error)?;
    buffer.truncate(n);
    Ok(buffer)
}

/// Reverberates `x` with a fresh impulse response; the output keeps the input's length and
/// RMS. A silent input stays silent.
pub(crate) fn reverberate<R: Rng + ?Sized>(
    x: Vec<f32>,
    sample_rate: u32,
    rt60: f32,
    rng: &mut R,
) -> Result<Vec<f32>, DegradeError> {
    let input_power = mean_power(&x);
    if input_power <= 0.0 {
        return Ok(x);
    }
    let h = impulse_response(sample_rate, rt60, rng);
    let mut y = convolve_truncated(&x, &h)?;
    rescale_to_power(&mut y, input_power);
    Ok(y)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fast_lengths() {
        assert_eq!(next_fast_len(1), 1);
        assert_eq!(next_fast_len(7), 8);
        assert_eq!(next_fast_len(47_999), 48_000);
        assert_eq!(next_fast_len(48_001), 48_600);
    }

    #[test]
    fn fft_convolution_matches_direct_convolution() {
        let x: Vec<f32> = (0..100)
            .map(|i| ((i * 37 % 11) as f32 - 5.0) / 5.0)
            .collect();
        let h: Vec<f32> = (0..30)
            .map(|i| 0.9f32.powi(i) * if i % 2 == 0 { 1.0 } else { -0.5 })
            .collect();
        let fast = convolve_truncated(&x, &h).unwrap();
        for (k, &f) in fast.iter().enumerate() {
            let direct: f32 = (0..=k.min(h.len() - 1)).map(|j| h[j] * x[k - j]).sum();
            assert!((f - direct).abs() < 1e-4, "sample {k}: {f} vs {direct}");
        }
        // A clip shorter than the response.
        let short = convolve_truncated(&x[..10], &h).unwrap();
        assert_eq!(short.len(), 10);
        assert!((short[9] - fast[9]).abs() < 1e-5);
    }

    #[test]
    fn direct_to_reverberant_ratio_follows_the_model() {
        let drr_db = |rt60: f64| -10.0 * reverberant_to_direct(rt60).log10();
        assert!((drr_db(0.5) + 4.1).abs() < 0.1, "{}", drr_db(0.5));
        assert!((drr_db(1.0) + 7.2).abs() < 0.1, "{}", drr_db(1.0));
    }
}
