use serde::{Deserialize, Serialize};

use crate::ModelError;

/// How frame-level activations are summarised into one utterance-level vector.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PoolingKind {
    /// Mean over time.
    Mean,
    /// Mean and standard deviation over time, concatenated.
    MeanStd,
    /// Attention-weighted mean and standard deviation (attentive statistics pooling).
    /// Measured: trained worse than [`PoolingKind::MeanStd`] within 30 epochs on RAVDESS
    /// (`docs/experiments.md`); kept for model files and experiments that use it.
    Attentive,
}

/// Architecture hyper-parameters of the emovox CNN.
///
/// The network treats the feature bins of every channel as convolution channels and convolves
/// over time (a 1-D "time-delay" CNN): input `(batch, in_channels * n_bins, frames)`, a stack of
/// convolution blocks, each followed by max-pooling over time, a pooling over the remaining
/// frames and a small classifier head.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelConfig {
    /// Feature channels (1 + number of delta orders).
    pub in_channels: usize,
    /// Feature bins per channel (mel bands or MFCC coefficients).
    pub n_bins: usize,
    /// Number of output classes.
    pub n_classes: usize,
    /// Output channels of each convolution block.
    pub block_channels: Vec<usize>,
    /// Temporal kernel size of every convolution (odd).
    pub kernel_size: usize,
    /// Whether each block is a two-convolution residual block instead of a single convolution.
    pub residual: bool,
    /// Max-pooling factor over time after each block except the last (1 disables it).
    pub time_pool: usize,
    /// Average-pooling factor over time applied to the input features before the first block
    /// (1 disables it): 2 runs every layer at half the frame rate (20 ms for a 10 ms hop), for
    /// about half the network's multiply-adds. Not written to model files when 1, so files of
    /// models without it are unchanged.
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub input_pool: usize,
    /// Temporal pooling over the remaining frames.
    pub pooling: PoolingKind,
    /// Hidden units of the attention in [`PoolingKind::Attentive`].
    pub attention_hidden: usize,
    /// Width of the hidden dense layer of the head; 0 means a single linear layer.
    pub head_hidden: usize,
    /// Dropout probability before the dense layers (training only).
    pub dropout: f32,
    /// Networks of this architecture in the model, trained from different seeds; their
    /// probabilities are averaged (1: a single network). Files written before this field
    /// existed hold one network.
    #[serde(default = "one")]
    pub members: usize,
}

fn one() -> usize {
    1
}

fn is_one(value: &usize) -> bool {
    *value == 1
}

impl Default for ModelConfig {
    fn default() -> Self {
        Self {
            in_channels: 1,
            n_bins: 64,
            n_classes: 8,
            block_channels: vec![128, 128, 128],
            kernel_size: 5,
            residual: false,
            time_pool: 2,
            input_pool: 1,
            pooling: PoolingKind::MeanStd,
            attention_hidden: 64,
            head_hidden: 128,
            dropout: 0.3,
            members: 1,
        }
    }
}

impl ModelConfig {
    /// Checks every hyper-parameter is in range.
    pub fn validate(&self) -> Result<(), ModelError> {
        let fail = |msg: &str| Err(ModelError::InvalidConfig(msg.to_string()));
        if self.in_channels == 0 || self.n_bins == 0 {
            return fail("in_channels and n_bins must be positive");
        }
        if self.n_classes < 2 {
            return fail("n_classes must be at least 2");
        }
        if self.block_channels.is_empty() || self.block_channels.contains(&0) {
            return fail("block_channels must be a non-empty list of positive widths");
        }
        if self.kernel_size & 1 == 0 {
            return fail("kernel_size must be odd");
        }
        if self.time_pool == 0 || self.input_pool == 0 {
            return fail("time_pool and input_pool must be at least 1");
        }
        if self.pooling == PoolingKind::Attentive && self.attention_hidden == 0 {
            return fail("attention_hidden must be positive for attentive pooling");
        }
        if !(0.0..1.0).contains(&self.dropout) {
            return fail("dropout must be in [0, 1)");
        }
        if !(1..=16).contains(&self.members) {
            return fail("members must be between 1 and 16");
        }
        Ok(())
    }

    /// Number of input convolution channels: `in_channels * n_bins`.
    pub fn input_width(&self) -> usize {
        self.in_channels * self.n_bins
    }

    /// Width of the activations the output layer reads: the hidden layer's, or the pooled
    /// vector's when there is none (what a [`crate::FeatureDensity`] models).
    pub fn penultimate_width(&self) -> usize {
        if self.head_hidden > 0 {
            self.head_hidden
        } else {
            let channels = self.block_channels.last().copied().unwrap_or(0);
            crate::TemporalPooling::output_width(self.pooling, channels)
        }
    }

    /// Smallest number of input frames the network accepts (one frame left after pooling).
    pub fn min_frames(&self) -> usize {
        let pooled_blocks = self.block_channels.len().saturating_sub(1) as u32;
        self.input_pool
            .saturating_mul(self.time_pool.saturating_pow(pooled_blocks))
    }
}

/// Per-(channel, bin) statistics subtracted from and divided into the features before the
/// network (corpus normalisation), computed on the training set.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Normalisation {
    /// Mean of each (channel, bin), row-major (channel first).
    pub mean: Vec<f32>,
    /// Standard deviation of each (channel, bin), row-major, all positive.
    pub std: Vec<f32>,
}

impl Normalisation {
    /// Checks the statistics fit a model with `width` = channels x bins inputs.
    pub fn validate(&self, width: usize) -> Result<(), ModelError> {
        if self.mean.len() != width || self.std.len() != width {
            return Err(ModelError::InvalidMetadata(format!(
                "normalisation has {} means and {} deviations, the model has {width} inputs",
                self.mean.len(),
                self.std.len()
            )));
        }
        if self.mean.iter().any(|m| !m.is_finite())
            || self.std.iter().any(|s| !s.is_finite() || *s <= 0.0)
        {
            return Err(ModelError::InvalidMetadata(
                "normalisation statistics must be finite with positive deviations".into(),
            ));
        }
        Ok(())
    }

    /// Normalises features of shape (channels, bins, frames) in place.
    ///
    /// The caller guarantees `channels * bins` equals the length of the statistics.
    pub fn apply(&self, features: &mut ndarray::Array3<f32>) {
        let (channels, bins, _) = features.dim();
        for c in 0..channels {
            for b in 0..bins {
                let (mean, inv) = self.mean_and_inverse(c * bins + b);
                features
                    .slice_mut(ndarray::s![c, b, ..])
                    .mapv_inplace(|v| (v - mean) * inv);
            }
        }
    }

    /// [`Normalisation::apply`] on a copy: `features` (channels, bins, frames) row-major in,
    /// normalised values out, in one pass (the same values `apply` gives).
    pub(crate) fn normalised(&self, features: &[f32], frames: usize) -> Vec<f32> {
        let mut out = Vec::with_capacity(features.len());
        if frames > 0 {
            for (i, row) in features.chunks_exact(frames).enumerate() {
                let (mean, inv) = self.mean_and_inverse(i);
                out.extend(row.iter().map(|&v| (v - mean) * inv));
            }
        }
        out
    }

    fn mean_and_inverse(&self, row: usize) -> (f32, f32) {
        (self.mean[row], 1.0 / self.std[row])
    }
}

/// How the model is run on one utterance at inference time.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InferenceConfig {
    /// Crop length in frames for test-time crops; `None` runs on the whole utterance.
    /// Measured: test-time crops did not beat the whole utterance in 5-fold cross-validation
    /// (`docs/experiments.md`, rows 8-9); the default recipes use `None`.
    pub crop_frames: Option<usize>,
    /// Number of evenly spaced crops whose probabilities are averaged (used when the utterance
    /// is longer than `crop_frames`).
    pub n_crops: usize,
}

impl Default for InferenceConfig {
    fn default() -> Self {
        Self {
            crop_frames: None,
            n_crops: 1,
        }
    }
}

/// Where a model came from: the data and recipe it was trained with and how it validated.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TrainingProvenance {
    /// Corpus name(s), e.g. `ravdess`.
    pub corpus: String,
    /// Speakers whose clips were trained on.
    pub train_speakers: Vec<String>,
    /// Speakers whose clips were used for validation / early stopping.
    pub val_speakers: Vec<String>,
    /// Random seed of the run.
    pub seed: u64,
    /// Epochs run.
    pub epochs: usize,
    /// Epoch (1-based) whose weights were kept.
    pub best_epoch: usize,
    /// Validation accuracy of the kept weights.
    pub val_accuracy: Option<f64>,
    /// Validation unweighted average recall of the kept weights.
    pub val_uar: Option<f64>,
    /// The full training recipe as JSON (an `emovox_train::TrainConfig`).
    pub recipe: Option<serde_json::Value>,
}

/// Everything a model file says about itself, stored as JSON in the safetensors header.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelMetadata {
    /// Class names in output order.
    pub labels: Vec<String>,
    /// Feature extraction the model expects (input = `FeaturePipeline::compute` output).
    pub features: emovox_features::FeatureSpec,
    /// Network hyper-parameters.
    pub architecture: ModelConfig,
    /// Corpus normalisation applied to features before the network, if any.
    pub normalisation: Option<Normalisation>,
    /// Inference settings (test-time crops).
    pub inference: InferenceConfig,
    /// Version of emovox that wrote the file.
    pub emovox_version: String,
    /// Training provenance, when the model was trained by `emovox-train`.
    pub training: Option<TrainingProvenance>,
}

impl ModelMetadata {
    /// The same metadata without training provenance (to compare what two models are,
    /// regardless of how they were trained).
    pub fn without_training(self) -> Self {
        Self {
            training: None,
            ..self
        }
    }

    /// Checks the metadata is self-consistent: labels vs classes, feature spec vs input shape,
    /// normalisation size, inference settings.
    pub fn validate(&self) -> Result<(), ModelError> {
        let arch = &self.architecture;
        arch.validate()?;
        let bad = |msg: String| Err(ModelError::InvalidMetadata(msg));
        if self.labels.len() != arch.n_classes {
            return bad(format!(
                "{} labels for {} output classes",
                self.labels.len(),
                arch.n_classes
            ));
        }
        let mut sorted = self.labels.clone();
        sorted.sort();
        sorted.dedup();
        if sorted.len() != self.labels.len() || self.labels.iter().any(|l| l.is_empty()) {
            return bad("labels must be distinct and non-empty".into());
        }
        let channels = 1 + self.features.delta_orders;
        if channels != arch.in_channels {
            return bad(format!(
                "features give {channels} channels, the network takes {}",
                arch.in_channels
            ));
        }
        let bins = self.features.n_bins();
        if bins != arch.n_bins {
            return bad(format!(
                "features give {bins} bins, the network takes {}",
                arch.n_bins
            ));
        }
        if let Some(norm) = &self.normalisation {
            norm.validate(arch.input_width())?;
        }
        if self.inference.n_crops == 0 {
            return bad("inference.n_crops must be at least 1".into());
        }
        if let Some(crop) = self.inference.crop_frames {
            if crop < arch.min_frames() {
                return bad(format!(
                    "inference.crop_frames {crop} is below the network minimum {}",
                    arch.min_frames()
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_without_input_pool_read_as_one_and_one_is_not_written() {
        let config = ModelConfig::default();
        let json = serde_json::to_value(&config).unwrap();
        assert!(json.get("input_pool").is_none(), "{json}");
        let read: ModelConfig = serde_json::from_value(json).unwrap();
        assert_eq!(read.input_pool, 1);
        let pooled = ModelConfig {
            input_pool: 2,
            ..ModelConfig::default()
        };
        let json = serde_json::to_value(&pooled).unwrap();
        assert_eq!(json["input_pool"], 2);
        assert_eq!(serde_json::from_value::<ModelConfig>(json).unwrap(), pooled);
        assert_eq!(pooled.min_frames(), 2 * 2 * 2);
    }
}
