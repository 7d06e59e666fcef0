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
/// `split_hz` over the whole clip; the shelf's gain is the difference to the target, and the
/// measure-and-shelve step is repeated (at most [`BALANCE_PASSES`] times) until the balance is
/// within [`BALANCE_TOLERANCE_DB`] of the target, the total shelf gain never beyond
/// ±[`MAX_BALANCE_CORRECTION_DB`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BalanceNormalisation {
    /// The balance every clip is brought to, in dB (power above `split_hz` over power below).
    pub target_db: f32,
    /// Where the spectrum is split and the shelf's corner, in Hz.
    pub split_hz: f32,
}

/// Measure-and-shelve steps of [`BalanceNormalisation::apply`] at most.
pub const BALANCE_PASSES: usize = 3;
/// A balance this close to the target (in dB) is left as it is.
pub const BALANCE_TOLERANCE_DB: f64 = 0.05;
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
    /// Checks the target (-30..=30 dB) and that the split lies in 100 Hz..0.45 x
    /// `sample_rate` (below the Nyquist frequency with room for the shelf).
    pub fn validate(&self, sample_rate: u32) -> Result<(), FeatureError> {
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
    /// below; `None` when either side is silent.
    pub fn balance_db(&self, samples: &[f32], sample_rate: u32) -> Option<f64> {
        let (split, rate) = (f64::from(self.split_hz), f64::from(sample_rate));
        let q = std::f64::consts::FRAC_1_SQRT_2;
        let [low, high] = Biquad::output_energies(
            [
                &Biquad::pass(Pass::Low, split, q, rate),
                &Biquad::pass(Pass::High, split, q, rate),
            ],
            samples,
        );
        let floor = SILENT_BAND_POWER * samples.len() as f64;
        (low > floor && high > floor).then(|| 10.0 * (high / low).log10())
    }

    /// Brings `samples` (at `sample_rate` Hz) to the target balance in place, keeping their
    /// mean power; a clip silent on either side of the split is left as it is.
    pub fn apply(&self, samples: &mut [f32], sample_rate: u32) {
        let power = mean_power(samples);
        // The shelf gain applied so far, and the balance it gave; the balance moves by less
        // than the shelf's gain (the split sees the shelf's transition band), by a slope
        // estimated from the previous step (a secant step; 1 before any).
        let (mut total, mut slope) = (0.0f64, 1.0f64);
        let mut previous: Option<(f64, f64)> = None;
        for _ in 0..BALANCE_PASSES {
            let Some(balance) = self.balance_db(samples, sample_rate) else {
                break;
            };
            if let Some((total_before, balance_before)) = previous {
                if total != total_before {
                    slope = ((balance - balance_before) / (total - total_before)).clamp(0.25, 2.0);
                }
            }
            let error = f64::from(self.target_db) - balance;
            if error.abs() < BALANCE_TOLERANCE_DB {
                break;
            }
            let wanted = (total + error / slope)
                .clamp(-MAX_BALANCE_CORRECTION_DB, MAX_BALANCE_CORRECTION_DB);
            let step = wanted - total;
            if step.abs() < BALANCE_TOLERANCE_DB {
                break;
            }
            let shelf = Biquad::high_shelf(f64::from(self.split_hz), step, f64::from(sample_rate));
            shelf.run(samples);
            previous = Some((total, balance));
            total = wanted;
        }
        let after = mean_power(samples);
        if after > 0.0 {
            let gain = (power / after).sqrt() as f32;
            samples.iter_mut().for_each(|s| *s *= gain);
        }
    }
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
            norm.apply(&mut x, 16_000);
            let reached = norm.balance_db(&x, 16_000).unwrap();
            assert!(
                (reached - f64::from(target)).abs() < 0.1,
                "{target}: {reached}"
            );
            assert!((mean_power(&x) / before - 1.0).abs() < 1e-4);
        }
    }

    #[test]
    fn a_tilted_recording_comes_out_as_the_untilted_one() {
        let balance = BalanceNormalisation::default();
        let mut reference = voice();
        balance.apply(&mut reference, 16_000);
        for tilt in [-12.0f32, -6.0, 9.0] {
            let mut x = Condition::Tilt { db: tilt }
                .apply(&voice(), 16_000, 1, None)
                .unwrap();
            balance.apply(&mut x, 16_000);
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
        balance.apply(&mut silence, 16_000);
        assert!(silence.iter().all(|s| *s == 0.0));
        let mut empty: Vec<f32> = Vec::new();
        balance.apply(&mut empty, 16_000);
        // A pure 100 Hz tone has next to nothing above 1 kHz: the boost stops at the bound.
        let mut tone: Vec<f32> = (0..16_000)
            .map(|i| 0.1 * (std::f32::consts::TAU * 100.0 * i as f32 / 16_000.0).sin())
            .collect();
        balance.apply(&mut tone, 16_000);
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
