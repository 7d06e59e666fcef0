//! Assembling training batches: augmented random crops, mixup, soft targets, class weights.

use std::sync::Arc;

use candle_core::{Device, Tensor};
use emovox_audio::degrade::BabblePool;
use emovox_features::FeaturePipeline;
use emovox_model::Normalisation;
use ndarray::Array3;
use rand::seq::SliceRandom;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use crate::augment::{random_crop, sample_beta, spec_augment};
use crate::loss::smoothed_targets;
use crate::wave_augment::WaveAugmentConfig;
use crate::{AugmentConfig, FeatureDataset, TrainConfig, TrainError};

/// Draws augmented, normalised training crops of one example: from its stored features, or,
/// with waveform augmentation, from its waveform through the model's feature pipeline.
pub(crate) struct CropSampler {
    features: Vec<Array3<f32>>,
    waveforms: Option<WaveformCrops>,
    crop_frames: usize,
    augment: AugmentConfig,
}

/// The waveform path of a [`CropSampler`].
struct WaveformCrops {
    waveforms: Vec<Arc<[f32]>>,
    /// Babble made of the training clips, when the recipe draws recording conditions.
    babble: Option<BabblePool>,
    pipeline: FeaturePipeline,
    normalisation: Option<Normalisation>,
    config: WaveAugmentConfig,
}

impl CropSampler {
    /// A sampler over `dataset`, normalising with `normalisation`; fails when the recipe
    /// augments waveforms but the examples were extracted without them.
    pub(crate) fn new(
        config: &TrainConfig,
        dataset: &FeatureDataset,
        normalisation: Option<&Normalisation>,
    ) -> Result<Self, TrainError> {
        let mut features: Vec<Array3<f32>> = dataset.features();
        if let Some(norm) = normalisation {
            features.iter_mut().for_each(|x| norm.apply(x));
        }
        let wave = &config.augment.wave;
        let waveforms = if wave.is_active() {
            let waveforms = dataset
                .examples
                .iter()
                .map(|e| e.waveform.clone())
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| {
                    TrainError::InvalidData(
                        "the recipe augments waveforms but the examples have none \
                         (extract with ExtractConfig::keep_waveforms)"
                            .into(),
                    )
                })?;
            let rate = config.features.kind.mel().sample_rate;
            let babble = match wave.conditions {
                Some(_) => Some(
                    BabblePool::new(waveforms.iter().map(|w| w.to_vec()).collect(), rate)
                        .map_err(|e| TrainError::InvalidData(format!("babble: {e}")))?,
                ),
                None => None,
            };
            Some(WaveformCrops {
                waveforms,
                babble,
                pipeline: FeaturePipeline::new(config.features.clone())?,
                normalisation: normalisation.cloned(),
                config: wave.clone(),
            })
        } else {
            None
        };
        Ok(Self {
            features,
            waveforms,
            crop_frames: config.crop_frames,
            augment: config.augment.clone(),
        })
    }

    /// Number of examples.
    pub(crate) fn len(&self) -> usize {
        self.features.len()
    }

    /// Shape (channels, bins) of the examples' features.
    fn input_shape(&self, i: usize) -> (usize, usize) {
        let (channels, bins, _) = self.features[i].dim();
        (channels, bins)
    }

    /// One augmented crop of example `i`, `crop_frames` long.
    fn crop(&self, i: usize, rng: &mut ChaCha8Rng) -> Result<Array3<f32>, TrainError> {
        let len = self.crop_frames;
        let stored = |rng: &mut ChaCha8Rng| random_crop(self.features[i].view(), len, rng);
        let mut crop = match &self.waveforms {
            Some(w) => {
                let samples = (len - 1) * w.pipeline.hop_length();
                let rate = w.pipeline.sample_rate();
                let audio = w
                    .config
                    .apply(&w.waveforms[i], rate, samples, w.babble.as_ref(), rng);
                match audio {
                    Some(audio) if audio.len() >= w.pipeline.min_samples() => {
                        let mut features = w.pipeline.compute(&audio, rate)?;
                        if let Some(norm) = &w.normalisation {
                            norm.apply(&mut features);
                        }
                        random_crop(features.view(), len, rng)
                    }
                    _ => stored(rng),
                }
            }
            None => stored(rng),
        };
        spec_augment(&mut crop, &self.augment, rng);
        Ok(crop)
    }
}

/// One training step's tensors.
pub(crate) struct Batch {
    pub inputs: Tensor,
    pub targets: Tensor,
    pub weights: Tensor,
}

/// What a batch is drawn from: the crops and, per example, its label and weight.
pub(crate) struct BatchSource<'a> {
    pub sampler: &'a CropSampler,
    pub labels: &'a [usize],
    /// Per example ([`example_weights`]).
    pub weights: &'a [f32],
    pub n_classes: usize,
    /// Where the tensors go (the network's device).
    pub device: &'a Device,
}

/// Random crops with SpecAugment, optionally mixed up, plus smoothed targets and weights.
pub(crate) fn build_batch(
    chunk: &[usize],
    source: &BatchSource<'_>,
    config: &TrainConfig,
    rng: &mut ChaCha8Rng,
) -> Result<Batch, TrainError> {
    let (sampler, n_classes) = (source.sampler, source.n_classes);
    let len = config.crop_frames;
    let mut crops: Vec<Array3<f32>> = chunk
        .iter()
        .map(|&i| sampler.crop(i, rng))
        .collect::<Result<_, _>>()?;
    let batch_labels: Vec<usize> = chunk.iter().map(|&i| source.labels[i]).collect();
    let mut targets = smoothed_targets(&batch_labels, n_classes, config.label_smoothing);
    let mut weights: Vec<f32> = chunk.iter().map(|&i| source.weights[i]).collect();
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
    let (channels, bins) = sampler.input_shape(chunk[0]);
    let mut flat = Vec::with_capacity(chunk.len() * channels * bins * len);
    for crop in &crops {
        flat.extend(crop.iter().copied());
    }
    let dev = source.device;
    Ok(Batch {
        inputs: Tensor::from_vec(flat, (chunk.len(), channels, bins, len), dev)?,
        targets: Tensor::from_vec(targets, (chunk.len(), n_classes), dev)?,
        weights: Tensor::from_vec(weights, chunk.len(), dev)?,
    })
}

/// Per training example, its class weight: with weighting enabled, every (corpus, label) pair
/// the training set has carries the same total weight, `n / (pairs * count)` for a clip whose
/// pair has `count` clips among `n` clips and `pairs` pairs present. With one corpus this is
/// the inverse class frequency normalised to mean 1; with several, a label two corpora share
/// is learnt from both equally, however many clips each corpus has of it, and a corpus
/// that annotates fewer labels does not outweigh another on the labels it has. All 1 when
/// disabled.
pub(crate) fn example_weights(dataset: &FeatureDataset, enabled: bool) -> Vec<f32> {
    if !enabled {
        return vec![1.0; dataset.examples.len()];
    }
    let (corpus_of, n_corpora) = dataset.corpus_indices();
    let n_classes = dataset.labels.len();
    let mut counts = vec![vec![0usize; n_classes]; n_corpora];
    for (example, &k) in dataset.examples.iter().zip(&corpus_of) {
        counts[k][example.label] += 1;
    }
    let pairs = counts.iter().flatten().filter(|&&c| c > 0).count() as f32;
    let n = dataset.examples.len() as f32;
    dataset
        .examples
        .iter()
        .zip(&corpus_of)
        .map(|(example, &k)| n / (pairs * counts[k][example.label] as f32))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Example;

    fn dataset(items: &[(usize, &str)]) -> FeatureDataset {
        let labels = ["angry", "calm", "neutral"].map(String::from).to_vec();
        let examples = items
            .iter()
            .map(|&(label, corpus)| Example {
                features: Array3::zeros((1, 2, 3)),
                label,
                speaker: "s".into(),
                corpus: corpus.into(),
                path: "clip.wav".into(),
                waveform: None,
            })
            .collect();
        FeatureDataset::new(labels, examples).unwrap()
    }

    #[test]
    fn one_corpus_gets_inverse_class_frequencies() {
        // 4 clips, 3 classes: angry twice -> 4 / (3 * 2), the others 4 / 3.
        let d = dataset(&[(0, "a"), (0, "a"), (1, "a"), (2, "a")]);
        let w = example_weights(&d, true);
        let expected = [4.0 / 6.0, 4.0 / 6.0, 4.0 / 3.0, 4.0 / 3.0];
        for (w, e) in w.iter().zip(expected) {
            assert!((w - e).abs() < 1e-6, "{w} vs {e}");
        }
        assert_eq!(example_weights(&d, false), vec![1.0; 4]);
    }

    #[test]
    fn every_corpus_label_pair_weighs_the_same() {
        // Corpus a: angry x1, neutral x1. Corpus b: angry x3, calm x1. Four pairs over six
        // clips: each pair totals 6 / 4 = 1.5, so the lone clips weigh 1.5 and b's angry 0.5.
        let d = dataset(&[(0, "a"), (2, "a"), (0, "b"), (0, "b"), (0, "b"), (1, "b")]);
        let w = example_weights(&d, true);
        let expected = [1.5, 1.5, 0.5, 0.5, 0.5, 1.5];
        for (w, e) in w.iter().zip(expected) {
            assert!((w - e).abs() < 1e-6, "{w} vs {e}");
        }
        // Angry weighs as much in corpus a (one clip) as in corpus b (three clips).
        assert!((w[0] - w[2..5].iter().sum::<f32>()).abs() < 1e-6);
        assert!((w.iter().sum::<f32>() - 6.0).abs() < 1e-5);
    }
}
