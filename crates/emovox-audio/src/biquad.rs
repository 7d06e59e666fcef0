//! [`Biquad`]: one second-order IIR section (RBJ "Audio EQ Cookbook" designs), the filter
//! behind the telephone band, the spectral tilt condition and spectral balance normalisation.

/// Which side of the corner frequency a [`Biquad::pass`] section keeps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pass {
    /// Keeps frequencies below the corner.
    Low,
    /// Keeps frequencies above the corner.
    High,
}

/// One second-order section, run in direct form II transposed with `f32` state. Coefficients
/// are designed in `f64` and normalised so that `a0 = 1`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Biquad {
    b0: f32,
    b1: f32,
    b2: f32,
    a1: f32,
    a2: f32,
}

impl Biquad {
    /// A low- or high-pass section with corner `f0` Hz and quality `q` at `sample_rate` Hz
    /// (bilinear transform prewarped at `f0`; `q = 1/sqrt(2)` is a 2nd-order Butterworth).
    pub fn pass(pass: Pass, f0: f64, q: f64, sample_rate: f64) -> Self {
        let w0 = std::f64::consts::TAU * f0 / sample_rate;
        let (sin, cos) = w0.sin_cos();
        let alpha = sin / (2.0 * q);
        let a0 = 1.0 + alpha;
        let (b0, b1) = match pass {
            Pass::Low => ((1.0 - cos) / 2.0, 1.0 - cos),
            Pass::High => ((1.0 + cos) / 2.0, -(1.0 + cos)),
        };
        Self {
            b0: (b0 / a0) as f32,
            b1: (b1 / a0) as f32,
            b2: (b0 / a0) as f32,
            a1: (-2.0 * cos / a0) as f32,
            a2: ((1.0 - alpha) / a0) as f32,
        }
    }

    /// A high-shelf section (shelf slope 1): gain `db` dB above `f0` Hz, 0 dB below, at
    /// `sample_rate` Hz.
    pub fn high_shelf(f0: f64, db: f64, sample_rate: f64) -> Self {
        let a = 10f64.powf(db / 40.0);
        let w0 = std::f64::consts::TAU * f0 / sample_rate;
        let (sin, cos) = w0.sin_cos();
        let two_sqrt_a_alpha = 2.0 * a.sqrt() * sin / std::f64::consts::SQRT_2;
        let a0 = (a + 1.0) - (a - 1.0) * cos + two_sqrt_a_alpha;
        Self {
            b0: (a * ((a + 1.0) + (a - 1.0) * cos + two_sqrt_a_alpha) / a0) as f32,
            b1: (-2.0 * a * ((a - 1.0) + (a + 1.0) * cos) / a0) as f32,
            b2: (a * ((a + 1.0) + (a - 1.0) * cos - two_sqrt_a_alpha) / a0) as f32,
            a1: (2.0 * ((a - 1.0) - (a + 1.0) * cos) / a0) as f32,
            a2: (((a + 1.0) - (a - 1.0) * cos - two_sqrt_a_alpha) / a0) as f32,
        }
    }

    /// The section's gain at 0 Hz.
    pub fn gain_at_dc(&self) -> f32 {
        (self.b0 + self.b1 + self.b2) / (1.0 + self.a1 + self.a2)
    }

    /// The section's gain at the Nyquist frequency.
    pub fn gain_at_nyquist(&self) -> f32 {
        (self.b0 - self.b1 + self.b2) / (1.0 - self.a1 + self.a2)
    }

    /// Filters `x` in place, from zero state.
    pub fn run(&self, x: &mut [f32]) {
        let (mut z1, mut z2) = (0.0f32, 0.0f32);
        for s in x.iter_mut() {
            let input = *s;
            let output = self.b0 * input + z1;
            z1 = self.b1 * input - self.a1 * output + z2;
            z2 = self.b2 * input - self.a2 * output;
            *s = output;
        }
    }
}

/// The two sections of a 4th-order Butterworth low- or high-pass filter at `f0` Hz (Q =
/// 1 / (2 cos(π/8)) and 1 / (2 cos(3π/8))), to run one after the other.
pub fn butterworth4(pass: Pass, f0: f64, sample_rate: f64) -> [Biquad; 2] {
    let q = |k: f64| 1.0 / (2.0 * (k * std::f64::consts::PI / 8.0).cos());
    [
        Biquad::pass(pass, f0, q(1.0), sample_rate),
        Biquad::pass(pass, f0, q(3.0), sample_rate),
    ]
}

/// Filters `x` in place through `sections` one after the other, in one pass over `x`: the
/// same output, bit for bit, as running each section over the whole of `x` in turn, about
/// `N` times faster (each section waits only on its own previous output, so the sections of
/// consecutive samples overlap).
pub fn run_cascade<const N: usize>(sections: &[Biquad; N], x: &mut [f32]) {
    let mut state = [(0.0f32, 0.0f32); N];
    for s in x.iter_mut() {
        let mut value = *s;
        for (section, (z1, z2)) in sections.iter().zip(state.iter_mut()) {
            let output = section.b0 * value + *z1;
            *z1 = section.b1 * value - section.a1 * output + *z2;
            *z2 = section.b2 * value - section.a2 * output;
            value = output;
        }
        *s = value;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shelf_has_unit_gain_at_dc_and_its_gain_at_nyquist() {
        for db in [-12.0, -3.0, 0.0, 6.0, 24.0] {
            let s = Biquad::high_shelf(1_000.0, db, 16_000.0);
            let dc = s.gain_at_dc();
            let nyquist = s.gain_at_nyquist();
            assert!((dc - 1.0).abs() < 1e-4, "{db} dB: DC gain {dc}");
            let expected = 10f32.powf(db as f32 / 20.0);
            assert!(
                (nyquist / expected - 1.0).abs() < 1e-3,
                "{db} dB: Nyquist gain {nyquist}, expected {expected}"
            );
        }
    }

    #[test]
    fn a_cascade_equals_its_sections_run_in_turn_bit_for_bit() {
        let x: Vec<f32> = (0..3_000)
            .map(|i| ((i * 7919) % 101) as f32 / 50.0 - 1.0)
            .collect();
        let sections = butterworth4(Pass::High, 60.0, 16_000.0);
        let mut one_by_one = x.clone();
        sections.iter().for_each(|s| s.run(&mut one_by_one));
        let mut fused = x;
        run_cascade(&sections, &mut fused);
        assert_eq!(fused, one_by_one);
    }

    #[test]
    fn pass_sections_have_unit_passband_gain_and_butterworth_pairs_split_the_energy() {
        let q = std::f64::consts::FRAC_1_SQRT_2;
        let low = Biquad::pass(Pass::Low, 300.0, q, 8_000.0);
        let high = Biquad::pass(Pass::High, 300.0, q, 8_000.0);
        assert!((low.gain_at_dc() - 1.0).abs() < 1e-5);
        assert!((high.gain_at_nyquist() - 1.0).abs() < 1e-5);
        assert!(low.gain_at_nyquist().abs() < 1e-5 && high.gain_at_dc().abs() < 1e-5);
        // Power complementary: the energies of the two outputs add up to the input's.
        let x: Vec<f32> = (0..4_000)
            .map(|i| ((i * 7919) % 101) as f32 / 50.0 - 1.0)
            .collect();
        let (mut y, mut z) = (x.clone(), x.clone());
        low.run(&mut y);
        high.run(&mut z);
        let energy = |v: &[f32]| -> f64 { v.iter().map(|s| f64::from(s * s)).sum() };
        let ratio = (energy(&y) + energy(&z)) / energy(&x);
        assert!((ratio - 1.0).abs() < 0.02, "{ratio}");
    }
}
