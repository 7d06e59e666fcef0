//! The circular autocorrelation of a real frame of even length, through its power spectrum:
//! `r = IDFT(|DFT(x)|^2)`, both transforms as complex FFTs of half the length.
//!
//! Forward, the frame's power spectrum `P[k]` is [`RealPowerFft`]'s. Back,
//! `P` is real and even, and the inverse of a real spectrum of length `n` is one complex inverse
//! FFT of `m = n / 2` points of `Z[k] = E[k] + i O[k]`, with
//! `E[k] = (P[k] + P[m-k]) / 2` and `O[k] = (P[k] - P[m-k]) w^-k / 2`, `w = exp(-2 pi i / n)`:
//! its output read as interleaved reals is `r` (times `m`). Both split loops read and write
//! straight arrays, which the compiler vectorises (realfft's own pre- and post-processing
//! loops stay scalar; they were a fifth of the pitch tracker's time).

use std::sync::Arc;

use realfft::num_complex::Complex;
use rustfft::{Fft, FftPlanner};

use crate::real_power::{as_complex, half_twiddle, RealPowerFft, RealPowerScratch};

/// A plan for the autocorrelation of real frames of one even length, built once: the forward
/// half is [`RealPowerFft`], the inverse half its mirror.
pub(crate) struct AutocorrelationFft {
    power: RealPowerFft,
    inverse: Arc<dyn Fft<f32>>,
    /// `w^-k / 2` for the inverse split, `k` in `0..n / 2`.
    inverse_twiddles: Vec<Complex<f32>>,
}

// rustfft's and realfft's plans (`Arc<dyn ...>`, which the compiler cannot see into) are
// immutable once built: every transform takes the caller's buffers and scratch, so a panic
// during one leaves no plan half-updated, and the plan's holder is unwind-safe.
impl std::panic::UnwindSafe for AutocorrelationFft {}
impl std::panic::RefUnwindSafe for AutocorrelationFft {}

/// Working memory of an [`AutocorrelationFft`], sized by [`AutocorrelationFft::fit_scratch`].
#[derive(Debug, Default)]
pub(crate) struct AutocorrelationScratch {
    forward: RealPowerScratch,
    power: Vec<f32>,
    spectrum: Vec<Complex<f32>>,
    fft_scratch: Vec<Complex<f32>>,
}

impl AutocorrelationFft {
    /// Plans the autocorrelation of frames of `len` samples, `len` even and at least 2.
    pub(crate) fn new(len: usize) -> Self {
        assert!(
            len >= 2 && len.is_multiple_of(2),
            "frame length {len} must be even"
        );
        let half = len / 2;
        Self {
            power: RealPowerFft::new(len),
            inverse: FftPlanner::<f32>::new().plan_fft_inverse(half),
            inverse_twiddles: (0..half).map(|k| half_twiddle(k, len, 1.0)).collect(),
        }
    }

    /// The frame length this plan is for.
    pub(crate) fn len(&self) -> usize {
        2 * self.inverse.len()
    }

    /// Sizes `scratch` for this plan (nothing is allocated when it already fits).
    pub(crate) fn fit_scratch(&self, scratch: &mut AutocorrelationScratch) {
        let half = self.inverse.len();
        self.power.fit_scratch(&mut scratch.forward);
        scratch.power.resize(half + 1, 0.0);
        scratch.spectrum.resize(half, Complex::default());
        scratch.fft_scratch.resize(
            self.inverse.get_outofplace_scratch_len(),
            Complex::default(),
        );
    }

    /// Writes the circular autocorrelation of `frame` into `acf` (both of the planned length),
    /// scaled by `len / 2` (callers normalise by lag 0). `frame` is used as working memory and
    /// left unspecified; `scratch` must have been fitted by [`Self::fit_scratch`].
    #[inline(always)]
    pub(crate) fn process(
        &self,
        frame: &mut [f32],
        acf: &mut [f32],
        scratch: &mut AutocorrelationScratch,
    ) {
        let m = self.inverse.len();
        assert!(frame.len() == 2 * m && acf.len() == 2 * m);
        let AutocorrelationScratch {
            forward,
            power,
            spectrum,
            fft_scratch,
        } = scratch;
        self.power.process(frame, power, forward);
        // k runs 0..m; its mirror m - k runs m down to 1.
        let mirror = power[1..].iter().rev();
        for (((z, &a), &b), w) in spectrum
            .iter_mut()
            .zip(&power[..m])
            .zip(mirror)
            .zip(&self.inverse_twiddles)
        {
            let even = 0.5 * (a + b);
            let odd = a - b;
            // Z = E + i O with O = (a - b) w^-k / 2.
            *z = Complex::new(even - odd * w.im, odd * w.re);
        }
        self.inverse
            .process_outofplace_with_scratch(spectrum, as_complex(acf), fft_scratch);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equals_the_direct_circular_autocorrelation() {
        for len in [2usize, 4, 8, 64, 864, 1024] {
            let frame: Vec<f32> = crate::test_noise::uniform_noise(len, 3 + len as u32)
                .into_iter()
                .enumerate()
                .map(|(i, noise)| noise + (i as f32 * 0.2).sin())
                .collect();
            let plan = AutocorrelationFft::new(len);
            let mut scratch = AutocorrelationScratch::default();
            plan.fit_scratch(&mut scratch);
            let mut acf = vec![0.0; len];
            plan.process(&mut frame.clone(), &mut acf, &mut scratch);
            let scale = (len / 2) as f64;
            let zero: f64 = frame.iter().map(|&v| f64::from(v) * f64::from(v)).sum();
            for (lag, &got) in acf.iter().enumerate() {
                let direct: f64 = (0..len)
                    .map(|i| f64::from(frame[i]) * f64::from(frame[(i + lag) % len]))
                    .sum();
                assert!(
                    (f64::from(got) / scale - direct).abs() <= 1e-5 * zero,
                    "len {len}, lag {lag}: {} vs {direct}",
                    f64::from(got) / scale
                );
            }
        }
    }
}
