//! Feature-level augmentation applied to each training crop: random crops (time shift), tempo
//! perturbation, SpecAugment time and frequency masks, and the mixup coefficient sampler. Waveform-level
//! augmentation (speed, gain, noise) is in [`crate::wave_augment`].

use ndarray::{s, Array3, ArrayView3, Zip};
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
    /// Tempo perturbation: each crop covers `crop_frames x r` frames for a random `r` in
    /// `[1 - time_stretch, 1 + time_stretch]`, resampled to `crop_frames` (0 disables it).
    pub time_stretch: f32,
    /// Mixup Beta(alpha, alpha) parameter; 0 disables mixup.
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
            time_stretch: 0.0,
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
            time_stretch: 0.0,
            mixup_alpha: 0.0,
            mixup_prob: 0.0,
            wave: WaveAugmentConfig::none(),
        }
    }
}

/// A `len`-frame window of `features` starting at a random frame (the whole clip, zero-padded
/// at a random offset, when it is shorter).
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
    let offset = rng.gen_range(0..=len - frames);
    out.slice_mut(s![.., .., offset..offset + frames])
        .assign(&features);
    out
}

/// A `len`-frame crop covering `len x r` frames of `features` for a random rate `r` in
/// `[1 - max_stretch, 1 + max_stretch]`, linearly resampled to `len` frames: the tempo changes,
/// the spectrum and the pitch do not. With `max_stretch` 0 this is [`random_crop`] (and draws
/// the same random numbers).
pub fn stretched_crop<R: Rng + ?Sized>(
    features: ArrayView3<f32>,
    len: usize,
    max_stretch: f32,
    rng: &mut R,
) -> Array3<f32> {
    if max_stretch <= 0.0 || len < 2 {
        return random_crop(features, len, rng);
    }
    let rate = rng.gen_range(1.0 - max_stretch..=1.0 + max_stretch);
    let span = ((len as f32 * rate).round() as usize).max(2);
    resample_frames(random_crop(features, span, rng).view(), len)
}

/// `x` (channels, bins, frames >= 2) linearly interpolated to `len >= 2` frames, first and last
/// frames kept.
fn resample_frames(x: ArrayView3<f32>, len: usize) -> Array3<f32> {
    let (channels, bins, frames) = x.dim();
    let mut out = Array3::zeros((channels, bins, len));
    let scale = (frames - 1) as f32 / (len - 1) as f32;
    for t in 0..len {
        let position = t as f32 * scale;
        let left = (position.floor() as usize).min(frames - 1);
        let right = (left + 1).min(frames - 1);
        let weight = position - left as f32;
        Zip::from(out.slice_mut(s![.., .., t]))
            .and(x.slice(s![.., .., left]))
            .and(x.slice(s![.., .., right]))
            .for_each(|o, &a, &b| *o = a + weight * (b - a));
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
        let padded = random_crop(x.view(), 15, &mut rng);
        assert_eq!(padded.dim(), (2, 3, 15));
        assert_eq!(padded.iter().filter(|v| **v != 0.0).count(), 2 * 3 * 10 - 1);
    }

    #[test]
    fn stretched_crops_resample_a_span_of_the_clip() {
        let mut rng = ChaCha8Rng::seed_from_u64(4);
        // A ramp in time: a crop's slope tells the rate it was stretched by.
        let x = Array3::from_shape_fn((2, 3, 400), |(c, _, t)| (c + 1) as f32 * t as f32);
        let mut slopes = Vec::new();
        for _ in 0..200 {
            let crop = stretched_crop(x.view(), 100, 0.2, &mut rng);
            assert_eq!(crop.dim(), (2, 3, 100));
            let slope = (crop[[0, 0, 99]] - crop[[0, 0, 0]]) / 99.0;
            assert!((0.79..=1.21).contains(&slope), "slope {slope}");
            for t in 1..100 {
                let step = crop[[1, 2, t]] - crop[[1, 2, t - 1]];
                assert!((step - 2.0 * slope).abs() < 1e-3);
            }
            slopes.push(slope);
        }
        let lowest = slopes.iter().copied().fold(f32::MAX, f32::min);
        let highest = slopes.iter().copied().fold(f32::MIN, f32::max);
        assert!(lowest < 0.85 && highest > 1.15, "{lowest} {highest}");
        let mut a = ChaCha8Rng::seed_from_u64(5);
        let mut b = ChaCha8Rng::seed_from_u64(5);
        assert_eq!(
            stretched_crop(x.view(), 100, 0.0, &mut a),
            random_crop(x.view(), 100, &mut b)
        );
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
