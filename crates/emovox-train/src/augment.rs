//! Feature-level augmentation applied to each training crop: random crops (time shift),
//! SpecAugment time and frequency masks, and the mixup coefficient sampler. Waveform-level
//! augmentation (speed, gain, noise) is in [`crate::wave_augment`].

use ndarray::{s, Array3, ArrayView3};
use rand::Rng;
use serde::{Deserialize, Serialize};

use crate::wave_augment::WaveAugmentConfig;

/// Augmentation settings of a training run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AugmentConfig {
    /// Number of SpecAugment frequency masks per crop.
    pub freq_masks: usize,
    /// Maximum width of a frequency mask, in bins.
    pub freq_mask_width: usize,
    /// Number of SpecAugment time masks per crop.
    pub time_masks: usize,
    /// Maximum width of a time mask, in frames.
    pub time_mask_width: usize,
    /// Mixup Beta(alpha, alpha) parameter; 0 disables mixup. Measured: mixup did not help on
    /// RAVDESS (`docs/experiments.md`); the default recipes leave it at 0.
    pub mixup_alpha: f32,
    /// Probability that a batch is mixed up (when `mixup_alpha > 0`).
    pub mixup_prob: f32,
    /// Waveform augmentation before feature extraction (needs examples with waveforms).
    pub wave: WaveAugmentConfig,
}

impl Default for AugmentConfig {
    fn default() -> Self {
        Self {
            freq_masks: 2,
            freq_mask_width: 8,
            time_masks: 2,
            time_mask_width: 20,
            mixup_alpha: 0.0,
            mixup_prob: 0.0,
            wave: WaveAugmentConfig::none(),
        }
    }
}

impl AugmentConfig {
    /// No augmentation at all.
    pub fn none() -> Self {
        Self {
            freq_masks: 0,
            freq_mask_width: 0,
            time_masks: 0,
            time_mask_width: 0,
            mixup_alpha: 0.0,
            mixup_prob: 0.0,
            wave: WaveAugmentConfig::none(),
        }
    }
}

/// A `len`-frame window of `features` starting at a random frame. A clip shorter than that is
/// repeated (from a random frame, wrapping around) to fill the window, so that the statistics a
/// network pools over time are those of the clip, as at inference on the whole clip (zero
/// padding would add frames of corpus-mean features to every short clip).
pub fn random_crop<R: Rng + ?Sized>(
    features: ArrayView3<f32>,
    len: usize,
    rng: &mut R,
) -> Array3<f32> {
    let (channels, bins, frames) = features.dim();
    if frames >= len {
        let start = rng.gen_range(0..=frames - len);
        return features.slice(s![.., .., start..start + len]).to_owned();
    }
    let mut out = Array3::zeros((channels, bins, len));
    if frames == 0 {
        return out;
    }
    let offset = rng.gen_range(0..frames);
    for t in 0..len {
        out.slice_mut(s![.., .., t])
            .assign(&features.slice(s![.., .., (offset + t) % frames]));
    }
    out
}

/// Applies SpecAugment masks in place: masked values are set to 0 (the corpus mean after
/// normalisation), across all channels.
pub fn spec_augment<R: Rng + ?Sized>(x: &mut Array3<f32>, cfg: &AugmentConfig, rng: &mut R) {
    let (_, bins, frames) = x.dim();
    for _ in 0..cfg.freq_masks {
        let width = rng.gen_range(0..=cfg.freq_mask_width.min(bins));
        let start = rng.gen_range(0..=bins - width);
        x.slice_mut(s![.., start..start + width, ..]).fill(0.0);
    }
    for _ in 0..cfg.time_masks {
        let width = rng.gen_range(0..=cfg.time_mask_width.min(frames));
        let start = rng.gen_range(0..=frames - width);
        x.slice_mut(s![.., .., start..start + width]).fill(0.0);
    }
}

/// Draws from Beta(alpha, alpha): Jöhnk's method for alpha <= 1; above 1, the median of
/// 2k - 1 uniforms with k = round(alpha), which is exactly Beta(k, k).
pub fn sample_beta<R: Rng + ?Sized>(alpha: f32, rng: &mut R) -> f32 {
    if alpha <= 0.0 {
        return 1.0;
    }
    if alpha <= 1.0 {
        let inv = 1.0 / alpha as f64;
        loop {
            let x = rng.gen::<f64>().powf(inv);
            let y = rng.gen::<f64>().powf(inv);
            if x + y <= 1.0 && x + y > 0.0 {
                return (x / (x + y)) as f32;
            }
        }
    }
    let k = alpha.round().max(1.0) as usize;
    let mut u: Vec<f64> = (0..2 * k - 1).map(|_| rng.gen::<f64>()).collect();
    u.sort_by(|a, b| a.total_cmp(b));
    u[k - 1] as f32
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn crops_have_requested_length_and_come_from_the_clip() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let x = Array3::from_shape_fn((2, 3, 10), |(c, b, t)| (c * 100 + b * 10 + t) as f32);
        let crop = random_crop(x.view(), 4, &mut rng);
        assert_eq!(crop.dim(), (2, 3, 4));
        let start = crop[[0, 0, 0]] as usize;
        assert_eq!(crop, x.slice(s![.., .., start..start + 4]));
        let tiled = random_crop(x.view(), 25, &mut rng);
        assert_eq!(tiled.dim(), (2, 3, 25));
        // Frame t of the window is frame (offset + t) mod 10 of the clip.
        let offset = tiled[[0, 0, 0]] as usize;
        for t in 0..25 {
            assert_eq!(
                tiled.slice(s![.., .., t]),
                x.slice(s![.., .., (offset + t) % 10])
            );
        }
    }

    #[test]
    fn spec_augment_masks_within_bounds() {
        let mut rng = ChaCha8Rng::seed_from_u64(2);
        let cfg = AugmentConfig {
            freq_masks: 1,
            freq_mask_width: 3,
            time_masks: 1,
            time_mask_width: 4,
            ..AugmentConfig::none()
        };
        let mut zeros = 0;
        for _ in 0..50 {
            let mut x = Array3::from_elem((1, 8, 20), 1.0f32);
            spec_augment(&mut x, &cfg, &mut rng);
            let masked = x.iter().filter(|v| **v == 0.0).count();
            assert!(masked <= 3 * 20 + 4 * 8);
            zeros += masked;
        }
        assert!(zeros > 0);
    }

    #[test]
    fn beta_samples_are_in_unit_interval_with_mean_one_half() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        for alpha in [0.2f32, 0.4, 1.0, 2.0] {
            let draws: Vec<f32> = (0..4000).map(|_| sample_beta(alpha, &mut rng)).collect();
            assert!(draws.iter().all(|d| (0.0..=1.0).contains(d)));
            let mean = draws.iter().sum::<f32>() / draws.len() as f32;
            assert!((mean - 0.5).abs() < 0.03, "alpha {alpha}: mean {mean}");
        }
    }
}
