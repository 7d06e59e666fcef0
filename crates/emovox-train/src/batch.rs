//! Assembling training batches: augmented random crops, mixup, soft targets, class weights.

use candle_core::{Device, Tensor};
use ndarray::Array3;
use rand::seq::SliceRandom;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use crate::augment::{random_crop, sample_beta, spec_augment};
use crate::loss::smoothed_targets;
use crate::{TrainConfig, TrainError};

/// One training step's tensors.
pub(crate) struct Batch {
    pub inputs: Tensor,
    pub targets: Tensor,
    pub weights: Tensor,
}

/// Random crops with SpecAugment, optionally mixed up, plus smoothed targets and weights.
pub(crate) fn build_batch(
    chunk: &[usize],
    inputs: &[Array3<f32>],
    labels: &[usize],
    class_weights: &[f32],
    n_classes: usize,
    config: &TrainConfig,
    rng: &mut ChaCha8Rng,
) -> Result<Batch, TrainError> {
    let len = config.crop_frames;
    let mut crops: Vec<Array3<f32>> = chunk
        .iter()
        .map(|&i| {
            let mut crop = random_crop(inputs[i].view(), len, rng);
            spec_augment(&mut crop, &config.augment, rng);
            crop
        })
        .collect();
    let batch_labels: Vec<usize> = chunk.iter().map(|&i| labels[i]).collect();
    let mut targets = smoothed_targets(&batch_labels, n_classes, config.label_smoothing);
    let mut weights: Vec<f32> = batch_labels.iter().map(|&l| class_weights[l]).collect();
    let aug = &config.augment;
    if aug.mixup_alpha > 0.0 && rng.gen::<f32>() < aug.mixup_prob {
        let lambda = sample_beta(aug.mixup_alpha, rng);
        let lambda = lambda.max(1.0 - lambda);
        let mut partner: Vec<usize> = (0..chunk.len()).collect();
        partner.shuffle(rng);
        let originals = crops.clone();
        let (orig_targets, orig_weights) = (targets.clone(), weights.clone());
        for (i, &j) in partner.iter().enumerate() {
            crops[i] = &originals[i] * lambda + &originals[j] * (1.0 - lambda);
            for k in 0..n_classes {
                targets[i * n_classes + k] = lambda * orig_targets[i * n_classes + k]
                    + (1.0 - lambda) * orig_targets[j * n_classes + k];
            }
            weights[i] = lambda * orig_weights[i] + (1.0 - lambda) * orig_weights[j];
        }
    }
    let (channels, bins, _) = inputs[chunk[0]].dim();
    let mut flat = Vec::with_capacity(chunk.len() * channels * bins * len);
    for crop in &crops {
        flat.extend(crop.iter().copied());
    }
    let dev = Device::Cpu;
    Ok(Batch {
        inputs: Tensor::from_vec(flat, (chunk.len(), channels, bins, len), &dev)?,
        targets: Tensor::from_vec(targets, (chunk.len(), n_classes), &dev)?,
        weights: Tensor::from_vec(weights, chunk.len(), &dev)?,
    })
}

/// Inverse-frequency class weights normalised to mean 1 over present classes (all 1 when
/// disabled).
pub(crate) fn class_weights(labels: &[usize], n_classes: usize, enabled: bool) -> Vec<f32> {
    let mut counts = vec![0usize; n_classes];
    labels.iter().for_each(|&l| counts[l] += 1);
    if !enabled {
        return vec![1.0; n_classes];
    }
    let present = counts.iter().filter(|&&c| c > 0).count() as f32;
    let n = labels.len() as f32;
    counts
        .iter()
        .map(|&c| {
            if c == 0 {
                0.0
            } else {
                n / (present * c as f32)
            }
        })
        .collect()
}
