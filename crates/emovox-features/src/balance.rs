//! [`BalanceNormalisation`]: the recording's spectral tilt removed, as the level is.

use emovox_audio::{mean_power, Biquad, Pass};
use serde::{Deserialize, Serialize};

use crate::FeatureError;

/// Brings a clip's spectral balance (its power above `split_hz` over its power below, in dB)
/// to `target_db`, with a high-shelf filter at `split_hz`; the clip's mean power is kept.
///
/// A microphone, a room or a channel tilts the spectrum as a gain scales the level: a dark
/// or bright recording of the same voice differs mostly in this balance. Measured on RAVDESS
/// (`docs/experiments.md`, "Spectral balance normalisation"), a model that hears every clip at
/// one balance is invariant to such a tilt by construction: a clip and the same clip through
/// any high shelf at `split_hz` give nearly the same output. What it removes is also partly
/// the voice's own effort (louder speech is brighter), which is why it is a per-model choice.
///
/// The balance is measured with a second-order Butterworth low-pass and high-pass at
/// `split_hz` over the whole clip; the one shelf that brings it to the target (computed from
/// the clip's short-lag autocorrelation, so the clip is read once and filtered once) is
/// applied unless the balance is already within [`BALANCE_TOLERANCE_DB`], its gain never
/// beyond ±[`MAX_BALANCE_CORRECTION_DB`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BalanceNormalisation {
    /// The balance every clip is brought to, in dB (power above `split_hz` over power below).
    pub target_db: f32,
    /// Where the spectrum is split and the shelf's corner, in Hz.
    pub split_hz: f32,
}

/// Secant steps of the search for the shelf gain at most (each on the clip's
/// autocorrelation, not on the clip).
const BALANCE_STEPS: usize = 8;
/// A balance this close to the target (in dB) is left as it is.
pub const BALANCE_TOLERANCE_DB: f64 = 0.05;
/// Lags of the clip's autocorrelation the band energies are computed from: beyond them the
/// split filters' impulse-response autocorrelations sum to under 5e-4 of their value at lag 0
/// (so at most 0.002 dB of balance, for a signal whose own autocorrelation never decays).
pub const BALANCE_LAGS: usize = 32;
/// Samples of the filters' impulse responses used for their autocorrelations.
const IMPULSE_LEN: usize = 128;
/// The largest total shelf gain [`BalanceNormalisation::apply`] uses, in dB either way (a clip
/// with almost nothing on one side of the split is not boosted without bound).
pub const MAX_BALANCE_CORRECTION_DB: f64 = 24.0;

/// Band energies below this (per sample) count as nothing: the balance is then undefined.
const SILENT_BAND_POWER: f64 = 1e-20;

impl Default for BalanceNormalisation {
    /// -6.1 dB at 1 kHz: the median balance of RAVDESS actors 01-09's clips (p10 -9.3 dB,
    /// p90 -1.6 dB), so studio speech is changed little on average.
    fn default() -> Self {
        Self {
            target_db: -6.1,
            split_hz: 1_000.0,
        }
    }
}

impl BalanceNormalisation {
    /// Checks `sample_rate` (1000..=768000 Hz), the target (-30..=30 dB) and that the split
    /// lies in 100 Hz..0.45 x `sample_rate` (below the Nyquist frequency with room for the
    /// shelf).
    pub fn validate(&self, sample_rate: u32) -> Result<(), FeatureError> {
        crate::config::check_sample_rate(sample_rate)?;
        if !(self.target_db.is_finite() && (-30.0..=30.0).contains(&self.target_db)) {
            return Err(FeatureError::InvalidConfig(format!(
                "balance target_db {} must be in -30..=30",
                self.target_db
            )));
        }
        let highest = 0.45 * sample_rate as f32;
        if !(self.split_hz.is_finite() && self.split_hz >= 100.0 && self.split_hz <= highest) {
            return Err(FeatureError::InvalidConfig(format!(
                "balance split_hz {} must be in 100..={highest} at {sample_rate} Hz",
                self.split_hz
            )));
        }
        Ok(())
    }

    /// The balance of `samples` (at `sample_rate` Hz) in dB: power above the split over power
    /// below, each the energy of the clip through a second-order Butterworth high-pass or
    /// low-pass at the split; `None` when either side is silent. Settings
    /// [`BalanceNormalisation::validate`] refuses at `sample_rate` are
    /// [`FeatureError::InvalidConfig`], a NaN or infinite sample
    /// [`FeatureError::NonFiniteSample`].
    pub fn balance_db(
        &self,
        samples: &[f32],
        sample_rate: u32,
    ) -> Result<Option<f64>, FeatureError> {
        self.validate(sample_rate)?;
        crate::preprocess::check_finite(samples)?;
        let lags = autocorrelation(samples);
        Ok(self.balance_after_shelf(&lags, 0.0, sample_rate))
    }

    /// Brings `samples` (at `sample_rate` Hz) to the target balance in place, keeping their
    /// mean power; a clip silent on either side of the split is left as it is.
    ///
    /// One pass over the clip measures its autocorrelation (lags 0..=[`BALANCE_LAGS`]), from
    /// which the band energies after any shelf follow exactly (the energy of a filtered signal
    /// is the sum over lags of its autocorrelation times the filter's); the shelf gain that
    /// reaches the target is found on those (secant steps), then the one shelf is run.
    ///
    /// Refuses what [`BalanceNormalisation::balance_db`] refuses, leaving `samples` as they
    /// were.
    pub fn apply(&self, samples: &mut [f32], sample_rate: u32) -> Result<(), FeatureError> {
        self.validate(sample_rate)?;
        crate::preprocess::check_finite(samples)?;
        self.normalise(samples, sample_rate);
        Ok(())
    }

    /// [`BalanceNormalisation::apply`] of settings already validated at `sample_rate` and
    /// finite samples.
    pub(crate) fn normalise(&self, samples: &mut [f32], sample_rate: u32) {
        let lags = autocorrelation(samples);
        let Some(gain_db) = self.shelf_gain_db(&lags, sample_rate) else {
            return;
        };
        let power = mean_power(samples);
        Biquad::high_shelf(f64::from(self.split_hz), gain_db, f64::from(sample_rate)).run(samples);
        let after = mean_power(samples);
        if after > 0.0 {
            let gain = (power / after).sqrt() as f32;
            samples.iter_mut().for_each(|s| *s *= gain);
        }
    }

    /// The shelf gain (dB, within ±[`MAX_BALANCE_CORRECTION_DB`]) that brings a clip with
    /// autocorrelation `lags` to the target; `None` when no shelf is needed or the balance is
    /// undefined.
    fn shelf_gain_db(&self, lags: &Lags, sample_rate: u32) -> Option<f64> {
        let target = f64::from(self.target_db);
        let error_at = |gain: f64| -> Option<f64> {
            Some(self.balance_after_shelf(lags, gain, sample_rate)? - target)
        };
        let (mut g0, mut e0) = (0.0, error_at(0.0)?);
        if e0.abs() < BALANCE_TOLERANCE_DB {
            return None;
        }
        // The balance rises with the shelf's gain, by less than the gain (the split sees the
        // shelf's transition band): secant steps from a first guess of slope 1.
        let bound = MAX_BALANCE_CORRECTION_DB;
        let mut g1 = (-e0).clamp(-bound, bound);
        for _ in 0..BALANCE_STEPS {
            let e1 = error_at(g1)?;
            if e1.abs() < BALANCE_TOLERANCE_DB / 10.0 || e1 == e0 {
                break;
            }
            let next = (g1 - e1 * (g1 - g0) / (e1 - e0)).clamp(-bound, bound);
            (g0, e0) = (g1, e1);
            if next == g1 {
                break;
            }
            g1 = next;
        }
        Some(g1)
    }

    /// The balance, in dB, of a clip with autocorrelation `lags` after a high shelf of
    /// `shelf_db` at the split.
    fn balance_after_shelf(&self, lags: &Lags, shelf_db: f64, sample_rate: u32) -> Option<f64> {
        let (split, rate) = (f64::from(self.split_hz), f64::from(sample_rate));
        let q = std::f64::consts::FRAC_1_SQRT_2;
        let shelf = Biquad::high_shelf(split, shelf_db, rate);
        let low = band_energy(lags, &[shelf, Biquad::pass(Pass::Low, split, q, rate)]);
        let high = band_energy(lags, &[shelf, Biquad::pass(Pass::High, split, q, rate)]);
        let floor = SILENT_BAND_POWER * lags.samples as f64;
        (low > floor && high > floor).then(|| 10.0 * (high / low).log10())
    }
}

/// The autocorrelation of a clip at lags 0..=[`BALANCE_LAGS`] (sums of `x[n] x[n + lag]`) and
/// the clip's length.
struct Lags {
    sums: [f64; BALANCE_LAGS + 1],
    samples: usize,
}

/// Samples per block of the autocorrelation: each lag's products are summed in `f32` lanes
/// within a block, blocks in `f64`.
const LAG_BLOCK: usize = 2_048;

/// The autocorrelation of `x` at lags 0..=[`BALANCE_LAGS`], compiled for AVX2 when the CPU has
/// it ([`crate::simd`]; both paths give the same bits).
fn autocorrelation(x: &[f32]) -> Lags {
    #[cfg(target_arch = "x86_64")]
    if crate::simd::has_avx2() {
        // SAFETY: the CPU supports AVX2 and FMA (`has_avx2`).
        return unsafe { autocorrelation_avx2(x) };
    }
    autocorrelation_inline(x)
}

/// [`autocorrelation_inline`] with AVX2 and FMA enabled.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn autocorrelation_avx2(x: &[f32]) -> Lags {
    autocorrelation_inline(x)
}

#[inline(always)]
fn autocorrelation_inline(x: &[f32]) -> Lags {
    let mut sums = [0.0f64; BALANCE_LAGS + 1];
    for start in (0..x.len()).step_by(LAG_BLOCK) {
        for (lag, sum) in sums.iter_mut().enumerate() {
            let end = (start + LAG_BLOCK).min(x.len().saturating_sub(lag));
            if end > start {
                *sum += f64::from(dot(&x[start..end], &x[start + lag..end + lag]));
            }
        }
    }
    Lags {
        sums,
        samples: x.len(),
    }
}

/// `a · b` over equal lengths in eight `f32` lanes (vectorised).
#[inline(always)]
fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut lanes = [0.0f32; 8];
    let (a8, b8) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail: f32 = a8
        .remainder()
        .iter()
        .zip(b8.remainder())
        .map(|(x, y)| x * y)
        .sum();
    for (p, q) in a8.zip(b8) {
        for k in 0..8 {
            lanes[k] += p[k] * q[k];
        }
    }
    lanes.iter().sum::<f32>() + tail
}

/// The energy of the clip whose autocorrelation is `lags` through the cascade of `sections`:
/// `r_x(0) r_h(0) + 2 sum r_x(l) r_h(l)`, `r_h` the autocorrelation of the cascade's impulse
/// response (truncated at [`IMPULSE_LEN`] samples; the filters used here decay to 1e-6 of
/// their peak well within it).
fn band_energy(lags: &Lags, sections: &[Biquad]) -> f64 {
    let mut impulse = [0.0f32; IMPULSE_LEN];
    impulse[0] = 1.0;
    sections.iter().for_each(|s| s.run(&mut impulse));
    lags.sums
        .iter()
        .enumerate()
        .map(|(lag, &r)| {
            let h: f64 = impulse
                .iter()
                .zip(&impulse[lag..])
                .map(|(&u, &v)| f64::from(u) * f64::from(v))
                .sum();
            if lag == 0 {
                r * h
            } else {
                2.0 * r * h
            }
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use emovox_audio::degrade::Condition;

    /// Two seconds of a harmonic voice-like signal: a 140 Hz pulse train's first 40 harmonics
    /// falling 6 dB per octave, amplitude-modulated at 4 Hz.
    fn voice() -> Vec<f32> {
        (0..32_000)
            .map(|i| {
                let t = i as f32 / 16_000.0;
                let envelope = 0.6 + 0.4 * (std::f32::consts::TAU * 4.0 * t).sin();
                let sum: f32 = (1..=40)
                    .map(|k| (std::f32::consts::TAU * 140.0 * k as f32 * t).sin() / k as f32)
                    .sum();
                0.05 * envelope * sum
            })
            .collect()
    }

    #[test]
    fn the_target_is_reached_and_the_mean_power_kept() {
        let balance = BalanceNormalisation::default();
        for target in [-15.0f32, -6.1, 3.0] {
            let norm = BalanceNormalisation {
                target_db: target,
                ..balance.clone()
            };
            let mut x = voice();
            let before = mean_power(&x);
            norm.apply(&mut x, 16_000).unwrap();
            let reached = norm.balance_db(&x, 16_000).unwrap().unwrap();
            assert!(
                (reached - f64::from(target)).abs() < 0.1,
                "{target}: {reached}"
            );
            assert!((mean_power(&x) / before - 1.0).abs() < 1e-4);
        }
    }

    #[test]
    fn the_balance_from_the_autocorrelation_equals_the_filtered_clips_energies() {
        let balance = BalanceNormalisation::default();
        let q = std::f64::consts::FRAC_1_SQRT_2;
        for tilt in [-12.0f32, 0.0, 9.0] {
            let x = Condition::Tilt { db: tilt }
                .apply(&voice(), 16_000, 1, None)
                .unwrap();
            let energy = |pass: Pass| -> f64 {
                let mut y = x.clone();
                Biquad::pass(pass, 1_000.0, q, 16_000.0).run(&mut y);
                y.iter().map(|s| f64::from(*s) * f64::from(*s)).sum()
            };
            let filtered = 10.0 * (energy(Pass::High) / energy(Pass::Low)).log10();
            let from_lags = balance.balance_db(&x, 16_000).unwrap().unwrap();
            // Equal but for the filters' ringing past the clip's end, which the energies from
            // the autocorrelation count and the filtered clip cuts off.
            assert!(
                (from_lags - filtered).abs() < BALANCE_TOLERANCE_DB,
                "tilt {tilt}: {from_lags} against {filtered} dB"
            );
        }
    }

    #[test]
    fn a_tilted_recording_comes_out_as_the_untilted_one() {
        let balance = BalanceNormalisation::default();
        let mut reference = voice();
        balance.apply(&mut reference, 16_000).unwrap();
        for tilt in [-12.0f32, -6.0, 9.0] {
            let mut x = Condition::Tilt { db: tilt }
                .apply(&voice(), 16_000, 1, None)
                .unwrap();
            balance.apply(&mut x, 16_000).unwrap();
            // Past the filters' first milliseconds the two differ by a small fraction of the
            // signal's power.
            let (a, b) = (&x[800..], &reference[800..]);
            let error: f64 = a.iter().zip(b).map(|(u, v)| f64::from(u - v).powi(2)).sum();
            let relative = error / b.iter().map(|v| f64::from(*v).powi(2)).sum::<f64>();
            assert!(relative < 0.01, "tilt {tilt}: relative error {relative}");
        }
    }

    #[test]
    fn silence_and_one_sided_clips_are_left_alone_and_bad_settings_refused() {
        let balance = BalanceNormalisation::default();
        let mut silence = vec![0.0f32; 1_000];
        balance.apply(&mut silence, 16_000).unwrap();
        assert!(silence.iter().all(|s| *s == 0.0));
        let mut empty: Vec<f32> = Vec::new();
        balance.apply(&mut empty, 16_000).unwrap();
        // A pure 100 Hz tone has next to nothing above 1 kHz: the boost stops at the bound.
        let mut tone: Vec<f32> = (0..16_000)
            .map(|i| 0.1 * (std::f32::consts::TAU * 100.0 * i as f32 / 16_000.0).sin())
            .collect();
        balance.apply(&mut tone, 16_000).unwrap();
        assert!(tone.iter().all(|s| s.is_finite() && s.abs() < 1.0));
        assert!(balance.validate(16_000).is_ok());
        for bad in [
            BalanceNormalisation {
                target_db: f32::NAN,
                ..balance.clone()
            },
            BalanceNormalisation {
                target_db: 40.0,
                ..balance.clone()
            },
            BalanceNormalisation {
                split_hz: 7_500.0,
                ..balance.clone()
            },
            BalanceNormalisation {
                split_hz: 50.0,
                ..balance.clone()
            },
        ] {
            assert!(bad.validate(16_000).is_err(), "{bad:?}");
        }
    }
}
