//! Waveform-level augmentation applied to each training crop before its features are
//! computed: speed perturbation (tempo and pitch together, as resampling does), random gain,
//! additive white noise at a random signal-to-noise ratio, and multi-condition training:
//! random recording conditions (noise of several colours, babble of other training speakers,
//! telephone channel, reverberation; [`emovox_audio::degrade`]).

use emovox_audio::degrade::{BabblePool, Condition, MultiConditionConfig};
use rand::Rng;
use serde::{Deserialize, Serialize};

/// Waveform augmentation settings of a training run. A run uses them only when its examples
/// keep their waveforms (`ExtractConfig::keep_waveforms`); features of each augmented crop are
/// then recomputed with the model's own feature pipeline.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct WaveAugmentConfig {
    /// Speed factors are drawn uniformly from `[1 - speed, 1 + speed]` (0 disables it).
    pub speed: f32,
    /// Gains are drawn uniformly from `[-gain_db, +gain_db]` decibels (0 disables it).
    pub gain_db: f32,
    /// Probability that a crop gets additive white noise.
    pub noise_prob: f32,
    /// Signal-to-noise ratios in dB are drawn uniformly from this range.
    pub noise_snr_db: (f32, f32),
    /// Multi-condition training: each crop goes through a random recording condition drawn
    /// from this distribution (babble is made of the training set's own clips); `None` keeps
    /// crops as recorded.
    pub conditions: Option<MultiConditionConfig>,
}

impl Default for WaveAugmentConfig {
    fn default() -> Self {
        Self::none()
    }
}

impl WaveAugmentConfig {
    /// No waveform augmentation.
    pub fn none() -> Self {
        Self {
            speed: 0.0,
            gain_db: 0.0,
            noise_prob: 0.0,
            noise_snr_db: (10.0, 40.0),
            conditions: None,
        }
    }

    /// Whether any waveform augmentation is switched on.
    pub fn is_active(&self) -> bool {
        self.speed > 0.0 || self.gain_db > 0.0 || self.noise_prob > 0.0 || self.conditions.is_some()
    }

    /// Checks the values are in range.
    pub fn validate(&self) -> Result<(), String> {
        if !(0.0..0.5).contains(&self.speed) {
            return Err("wave.speed must be in [0, 0.5)".into());
        }
        if !(0.0..=40.0).contains(&self.gain_db) {
            return Err("wave.gain_db must be in [0, 40]".into());
        }
        if !(0.0..=1.0).contains(&self.noise_prob) {
            return Err("wave.noise_prob must be in [0, 1]".into());
        }
        let (lo, hi) = self.noise_snr_db;
        if !(lo.is_finite() && hi.is_finite() && lo <= hi) {
            return Err("wave.noise_snr_db must be a finite (low, high) range".into());
        }
        if let Some(conditions) = &self.conditions {
            conditions
                .validate()
                .map_err(|e| format!("wave.conditions: {e}"))?;
        }
        Ok(())
    }

    /// A random crop of `samples` (at `sample_rate` Hz) long enough to give `out_len` samples
    /// after speed perturbation, perturbed, gained, noised and put through a random recording
    /// condition (babble from `babble`, or pink noise without one). Clips shorter than that
    /// are used whole. `None` when this crop is drawn to stay as recorded (no speed, gain or
    /// noise settings, and the clean condition drawn): the caller crops the stored features.
    pub fn apply<R: Rng + ?Sized>(
        &self,
        samples: &[f32],
        sample_rate: u32,
        out_len: usize,
        babble: Option<&BabblePool>,
        rng: &mut R,
    ) -> Option<Vec<f32>> {
        let condition = self.conditions.as_ref().map(|c| c.draw(rng));
        let perturbed = self.speed > 0.0 || self.gain_db > 0.0 || self.noise_prob > 0.0;
        if !perturbed && matches!(condition, None | Some(Condition::Clean)) {
            return None;
        }
        let factor = if self.speed > 0.0 {
            rng.gen_range(1.0 - self.speed..=1.0 + self.speed)
        } else {
            1.0
        };
        let in_len = ((out_len as f32 * factor).ceil() as usize + 1).min(samples.len());
        let start = rng.gen_range(0..=samples.len() - in_len);
        let mut out = change_speed(&samples[start..start + in_len], factor);
        if self.gain_db > 0.0 {
            let gain = 10f32.powf(rng.gen_range(-self.gain_db..=self.gain_db) / 20.0);
            out.iter_mut().for_each(|s| *s *= gain);
        }
        if self.noise_prob > 0.0 && rng.gen::<f32>() < self.noise_prob {
            let (lo, hi) = self.noise_snr_db;
            add_white_noise(&mut out, rng.gen_range(lo..=hi), rng);
        }
        if let Some(mut condition) = condition {
            if babble.is_none() {
                condition = condition.without_babble();
            }
            // A drawn condition is valid by construction; a failure keeps the crop clean.
            if let Ok(degraded) = condition.apply(&out, sample_rate, rng.gen(), babble) {
                out = degraded;
            }
        }
        Some(out)
    }
}

/// Plays `samples` `factor` times faster (shorter and higher for `factor > 1`) by linear
/// interpolation; the output has `floor((len - 1) / factor) + 1` samples.
pub fn change_speed(samples: &[f32], factor: f32) -> Vec<f32> {
    if samples.len() < 2 || factor == 1.0 {
        return samples.to_vec();
    }
    let last = (samples.len() - 1) as f64;
    let step = factor as f64;
    let n = (last / step).floor() as usize + 1;
    (0..n)
        .map(|i| {
            let pos = i as f64 * step;
            let k = (pos as usize).min(samples.len() - 2);
            let frac = (pos - k as f64) as f32;
            samples[k] + (samples[k + 1] - samples[k]) * frac
        })
        .collect()
}

/// Adds Gaussian white noise at `snr_db` below the signal's mean power (nothing for silence).
pub fn add_white_noise<R: Rng + ?Sized>(samples: &mut [f32], snr_db: f32, rng: &mut R) {
    let power =
        samples.iter().map(|s| (*s as f64).powi(2)).sum::<f64>() / samples.len().max(1) as f64;
    if power <= 0.0 {
        return;
    }
    let sigma = (power / 10f64.powf(snr_db as f64 / 10.0)).sqrt();
    for pair in samples.chunks_mut(2) {
        // Box-Muller: two independent standard normals per two uniforms.
        let u1: f64 = rng.gen_range(f64::MIN_POSITIVE..1.0);
        let u2: f64 = rng.gen();
        let r = (-2.0 * u1.ln()).sqrt() * sigma;
        let theta = std::f64::consts::TAU * u2;
        pair[0] += (r * theta.cos()) as f32;
        if let Some(second) = pair.get_mut(1) {
            *second += (r * theta.sin()) as f32;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn speed_change_shortens_and_keeps_frequency_ratio() {
        let sr = 16_000.0f32;
        let tone: Vec<f32> = (0..16_000)
            .map(|i| (std::f32::consts::TAU * 200.0 * i as f32 / sr).sin())
            .collect();
        let fast = change_speed(&tone, 1.25);
        assert_eq!(fast.len(), 12_800);
        // Zero crossings per sample scale with the factor: 200 Hz becomes 250 Hz.
        let crossings = |x: &[f32]| x.windows(2).filter(|w| w[0] < 0.0 && w[1] >= 0.0).count();
        let per_second = crossings(&fast) as f32 / (fast.len() as f32 / sr);
        assert!((per_second - 250.0).abs() < 2.0, "{per_second}");
        assert_eq!(change_speed(&tone, 1.0), tone);
    }

    #[test]
    fn noise_has_the_requested_snr() {
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let clean: Vec<f32> = (0..48_000).map(|i| (i as f32 * 0.05).sin() * 0.3).collect();
        let mut noisy = clean.clone();
        add_white_noise(&mut noisy, 20.0, &mut rng);
        let p = |x: &[f32]| x.iter().map(|s| (*s as f64).powi(2)).sum::<f64>();
        let noise: Vec<f32> = noisy.iter().zip(&clean).map(|(a, b)| a - b).collect();
        let snr = 10.0 * (p(&clean) / p(&noise)).log10();
        assert!((snr - 20.0).abs() < 0.2, "{snr}");
        let mut silence = vec![0.0f32; 100];
        add_white_noise(&mut silence, 20.0, &mut rng);
        assert!(silence.iter().all(|s| *s == 0.0));
    }

    #[test]
    fn apply_returns_requested_length_within_gain_bounds() {
        let mut rng = ChaCha8Rng::seed_from_u64(6);
        let clip: Vec<f32> = (0..20_000)
            .map(|i| ((i % 50) as f32 / 50.0) - 0.5)
            .collect();
        let cfg = WaveAugmentConfig {
            speed: 0.1,
            gain_db: 6.0,
            noise_prob: 0.0,
            ..WaveAugmentConfig::none()
        };
        for _ in 0..20 {
            let out = cfg.apply(&clip, 16_000, 8_000, None, &mut rng).unwrap();
            assert!((8_000..=8_003).contains(&out.len()), "{}", out.len());
            let peak = out.iter().fold(0f32, |m, s| m.max(s.abs()));
            assert!((0.49 * 0.5..=0.5 * 2.0 + 1e-3).contains(&peak), "{peak}");
        }
        let short = cfg
            .apply(&clip[..1_000], 16_000, 8_000, None, &mut rng)
            .unwrap();
        assert!(short.len() < 1_200);
        assert!(cfg.is_active() && !WaveAugmentConfig::none().is_active());
        assert!(WaveAugmentConfig { speed: 0.7, ..cfg }.validate().is_err());
    }
}
