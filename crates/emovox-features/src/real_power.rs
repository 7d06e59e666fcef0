//! The power spectrum `|X[k]|^2` of one real frame, without forming the complex spectrum.
//!
//! For an even length `n`, the frame is read as `n / 2` complex samples `z[j] = x[2j] + i x[2j+1]`
//! and transformed by one complex FFT of `n / 2` points (rustfft, with its own runtime SIMD
//! dispatch); the real spectrum follows from the split
//! `X[k] = (Z[k] + conj Z[m-k]) / 2 + w^k (Z[k] - conj Z[m-k]) / 2i`, `w = exp(-2 pi i / n)`,
//! `m = n / 2`, as realfft does. realfft writes `X[k]` and `X[m-k]` back in place from one loop
//! iteration, which keeps that loop scalar; here the loop only reads `Z` and writes the power,
//! one `k` per iteration, in straight-line code the compiler vectorises. Odd lengths go through
//! realfft.

use std::sync::Arc;

use realfft::num_complex::Complex;
use realfft::{RealFftPlanner, RealToComplex};
use rustfft::{Fft, FftPlanner};

/// A plan for the power spectrum of real frames of one length, built once.
#[derive(Clone)]
pub(crate) struct RealPowerFft {
    transform: Transform,
}

// rustfft's and realfft's plans (`Arc<dyn ...>`, which the compiler cannot see into) are
// immutable once built: every transform takes the caller's buffers and scratch, so a panic
// during one leaves no plan half-updated, and the plan's holder is unwind-safe.
impl std::panic::UnwindSafe for RealPowerFft {}
impl std::panic::RefUnwindSafe for RealPowerFft {}

/// How the spectrum of a frame is computed.
#[derive(Clone)]
enum Transform {
    /// Even length: a complex FFT of half the length, and half the split's twiddles
    /// `w^k / 2` for `k` in `0..n / 2`.
    Half {
        fft: Arc<dyn Fft<f32>>,
        half_twiddles: Vec<Complex<f32>>,
    },
    /// Odd length: realfft's real-to-complex transform.
    Real(Arc<dyn RealToComplex<f32>>),
}

/// Working memory of a [`RealPowerFft`], sized by [`RealPowerFft::fit_scratch`].
#[derive(Debug, Default)]
pub(crate) struct RealPowerScratch {
    spectrum: Vec<Complex<f32>>,
    fft_scratch: Vec<Complex<f32>>,
}

impl RealPowerFft {
    /// Plans the power spectrum of frames of `len >= 2` samples.
    pub(crate) fn new(len: usize) -> Self {
        let transform = if len.is_multiple_of(2) {
            let half = len / 2;
            let half_twiddles = (0..half).map(|k| half_twiddle(k, len, -1.0)).collect();
            Transform::Half {
                fft: FftPlanner::<f32>::new().plan_fft_forward(half),
                half_twiddles,
            }
        } else {
            Transform::Real(RealFftPlanner::<f32>::new().plan_fft_forward(len))
        };
        Self { transform }
    }

    /// Sizes `scratch` for this plan (nothing is allocated when it already fits).
    pub(crate) fn fit_scratch(&self, scratch: &mut RealPowerScratch) {
        let (spectrum, fft_scratch) = match &self.transform {
            Transform::Half { fft, .. } => (fft.len(), fft.get_outofplace_scratch_len()),
            Transform::Real(fft) => (fft.complex_len(), fft.get_scratch_len()),
        };
        scratch.spectrum.resize(spectrum, Complex::default());
        scratch.fft_scratch.resize(fft_scratch, Complex::default());
    }

    /// Writes `|X[k]|^2` for `k` in `0..=len / 2` into `power` (of that length). `frame` (of
    /// the planned length) is used as working memory and left unspecified. `scratch` must have
    /// been fitted by [`Self::fit_scratch`].
    #[inline(always)]
    pub(crate) fn process(
        &self,
        frame: &mut [f32],
        power: &mut [f32],
        scratch: &mut RealPowerScratch,
    ) {
        let RealPowerScratch {
            spectrum,
            fft_scratch,
        } = scratch;
        match &self.transform {
            Transform::Half { fft, half_twiddles } => {
                let m = fft.len();
                assert!(frame.len() == 2 * m && power.len() == m + 1 && spectrum.len() == m);
                let input: &mut [Complex<f32>] = as_complex(frame);
                fft.process_outofplace_with_scratch(input, spectrum, fft_scratch);
                split_power(spectrum, half_twiddles, power);
            }
            Transform::Real(fft) => {
                fft.process_with_scratch(frame, spectrum, fft_scratch)
                    .expect("buffer lengths come from the plan itself");
                for (p, c) in power.iter_mut().zip(spectrum.iter()) {
                    *p = c.re * c.re + c.im * c.im;
                }
            }
        }
    }
}

/// `exp(sign * 2 pi i k / len) / 2`, a twiddle of the real-signal split, halved.
pub(crate) fn half_twiddle(k: usize, len: usize, sign: f64) -> Complex<f32> {
    let angle = sign * 2.0 * std::f64::consts::PI * k as f64 / len as f64;
    Complex::new((0.5 * angle.cos()) as f32, (0.5 * angle.sin()) as f32)
}

/// Reads an even-length real slice as interleaved complex samples.
pub(crate) fn as_complex(frame: &mut [f32]) -> &mut [Complex<f32>] {
    let len = frame.len() / 2;
    // SAFETY: `Complex<f32>` is `#[repr(C)]` with two `f32` fields, so it has the layout and
    // alignment of `[f32; 2]`; `len` pairs lie within `frame`, which stays mutably borrowed
    // for the returned slice's lifetime.
    unsafe { std::slice::from_raw_parts_mut(frame.as_mut_ptr().cast::<Complex<f32>>(), len) }
}

/// The power of the real spectrum from the half-length complex spectrum `z` (length `m`):
/// `power[k] = |X[k]|^2` for `k` in `0..=m`.
#[inline(always)]
fn split_power(z: &[Complex<f32>], half_twiddles: &[Complex<f32>], power: &mut [f32]) {
    let m = z.len();
    power[0] = (z[0].re + z[0].im) * (z[0].re + z[0].im);
    power[m] = (z[0].re - z[0].im) * (z[0].re - z[0].im);
    // k runs 1..m; its mirror m - k runs m-1 down to 1.
    let mirror = z[1..].iter().rev();
    for (((p, a), c), w) in power[1..m]
        .iter_mut()
        .zip(&z[1..])
        .zip(mirror)
        .zip(&half_twiddles[1..])
    {
        let sum_re = a.re + c.re;
        let sum_im = a.im - c.im;
        let diff_re = a.re - c.re;
        let diff_im = a.im + c.im;
        let re = 0.5 * sum_re + w.re * diff_im + w.im * diff_re;
        let im = 0.5 * sum_im + w.im * diff_im - w.re * diff_re;
        *p = re * re + im * im;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The power spectrum through realfft's complex output, the reference.
    fn reference(frame: &[f32]) -> Vec<f32> {
        let fft = RealFftPlanner::<f32>::new().plan_fft_forward(frame.len());
        let mut input = frame.to_vec();
        let mut spectrum = fft.make_output_vec();
        fft.process(&mut input, &mut spectrum).unwrap();
        spectrum.iter().map(|c| c.norm_sqr()).collect()
    }

    #[test]
    fn power_equals_the_real_fft_for_even_and_odd_lengths() {
        for len in [2usize, 3, 4, 7, 16, 400, 511, 512, 640, 1024] {
            let frame: Vec<f32> = crate::test_noise::uniform_noise(len, 7 + len as u32)
                .into_iter()
                .enumerate()
                .map(|(i, noise)| noise + (i as f32 * 0.3).sin())
                .collect();
            let plan = RealPowerFft::new(len);
            let mut scratch = RealPowerScratch::default();
            plan.fit_scratch(&mut scratch);
            let mut power = vec![0.0; len / 2 + 1];
            plan.process(&mut frame.clone(), &mut power, &mut scratch);
            let expected = reference(&frame);
            let scale = expected.iter().fold(0.0f32, |m, &v| m.max(v));
            for (k, (&got, &want)) in power.iter().zip(&expected).enumerate() {
                assert!(
                    (got - want).abs() <= 1e-5 * scale,
                    "len {len}, bin {k}: {got} vs {want}"
                );
            }
        }
    }
}
