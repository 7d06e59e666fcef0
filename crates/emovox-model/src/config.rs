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

/// The most feature channels a [`ModelConfig`] accepts (`in_channels`).
pub const MAX_IN_CHANNELS: usize = 16;
/// The widest layer a [`ModelConfig`] accepts: `n_bins`, each of `block_channels`,
/// `attention_hidden` and `head_hidden`.
pub const MAX_LAYER_WIDTH: usize = 65_536;
/// The most output classes a [`ModelConfig`] accepts.
pub const MAX_CLASSES: usize = 4_096;
/// The most convolution blocks a [`ModelConfig`] accepts.
pub const MAX_BLOCKS: usize = 64;
/// The longest convolution kernel a [`ModelConfig`] accepts, in frames.
pub const MAX_KERNEL_SIZE: usize = 255;
/// The largest pooling factor a [`ModelConfig`] accepts (`time_pool`, `input_pool`).
pub const MAX_POOL: usize = 64;
/// The most weights one network of a [`ModelConfig`] may have (2^28: 1 GiB of f32).
pub const MAX_NETWORK_WEIGHTS: usize = 1 << 28;
/// The most test-time crops an [`InferenceConfig`] accepts.
pub const MAX_CROPS: usize = 64;
/// The longest [`InferenceConfig::repeat_to_frames`] accepted (60 s of 10 ms frames).
pub const MAX_REPEAT_FRAMES: usize = 6_000;

impl ModelConfig {
    /// Checks every hyper-parameter is in range (the sizes within the `MAX_*` bounds of this
    /// module, so that no layer or weight count can overflow or exhaust memory).
    pub fn validate(&self) -> Result<(), ModelError> {
        let fail = |msg: &str| Err(ModelError::InvalidConfig(msg.to_string()));
        self.validate_sizes()?;
        if self.kernel_size & 1 == 0 {
            return fail("kernel_size must be odd");
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

    /// Checks the layer sizes, depths, kernel and pooling factors against their bounds, and
    /// the network's weight count against [`MAX_NETWORK_WEIGHTS`].
    fn validate_sizes(&self) -> Result<(), ModelError> {
        let out_of = |name: &str, value: usize, range: std::ops::RangeInclusive<usize>| {
            (!range.contains(&value)).then(|| {
                ModelError::InvalidConfig(format!(
                    "{name} {value} is outside {}..={}",
                    range.start(),
                    range.end()
                ))
            })
        };
        let widths = 1..=MAX_LAYER_WIDTH;
        let checks = [
            out_of("in_channels", self.in_channels, 1..=MAX_IN_CHANNELS),
            out_of("n_bins", self.n_bins, widths.clone()),
            out_of("n_classes", self.n_classes, 2..=MAX_CLASSES),
            out_of("kernel_size", self.kernel_size, 1..=MAX_KERNEL_SIZE),
            out_of("time_pool", self.time_pool, 1..=MAX_POOL),
            out_of("input_pool", self.input_pool, 1..=MAX_POOL),
            out_of(
                "attention_hidden",
                self.attention_hidden,
                0..=MAX_LAYER_WIDTH,
            ),
            out_of("head_hidden", self.head_hidden, 0..=MAX_LAYER_WIDTH),
            out_of(
                "the number of blocks",
                self.block_channels.len(),
                1..=MAX_BLOCKS,
            ),
        ];
        let widths = self
            .block_channels
            .iter()
            .map(|&w| out_of("a block width", w, widths.clone()));
        if let Some(error) = checks.into_iter().chain(widths).flatten().next() {
            return Err(error);
        }
        match self.network_weights() {
            Some(weights) if weights <= MAX_NETWORK_WEIGHTS => Ok(()),
            weights => Err(ModelError::InvalidConfig(format!(
                "the network would have {} weights, more than {MAX_NETWORK_WEIGHTS}",
                weights.map_or("too many".to_string(), |w| w.to_string())
            ))),
        }
    }

    /// The weight count of one network (convolutions and dense layers, without biases and
    /// batch-norm statistics), `None` on overflow.
    fn network_weights(&self) -> Option<usize> {
        let convs_per_block = if self.residual { 2 } else { 1 };
        let mut total = 0usize;
        let mut in_ch = self.in_channels.checked_mul(self.n_bins)?;
        for &out_ch in &self.block_channels {
            let first = in_ch.checked_mul(out_ch)?.checked_mul(self.kernel_size)?;
            let more = out_ch.checked_mul(out_ch)?.checked_mul(self.kernel_size)?;
            let shortcut = if self.residual {
                in_ch.checked_mul(out_ch)?
            } else {
                0
            };
            let block = first.checked_add(more.checked_mul(convs_per_block - 1)?)?;
            total = total.checked_add(block)?.checked_add(shortcut)?;
            in_ch = out_ch;
        }
        let pooled = in_ch.checked_mul(2)?;
        let attention = pooled.checked_mul(self.attention_hidden)?;
        let head_in = if self.head_hidden > 0 {
            self.head_hidden
        } else {
            pooled
        };
        let hidden = pooled.checked_mul(self.head_hidden)?;
        let output = head_in.checked_mul(self.n_classes)?;
        total
            .checked_add(attention)?
            .checked_add(hidden)?
            .checked_add(output)
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
        // A deviation whose inverse is infinite (subnormal) would turn every input non-finite.
        if self.mean.iter().any(|m| !m.is_finite())
            || self
                .std
                .iter()
                .any(|s| !s.is_finite() || *s <= 0.0 || !(1.0 / s).is_finite())
        {
            return Err(ModelError::InvalidMetadata(
                "normalisation statistics must be finite with positive deviations whose \
                 inverses are finite"
                    .into(),
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
    /// A clip of fewer frames is repeated (from its first frame, wrapping around) to this many
    /// frames before the network, as training repeats a clip shorter than its crops: a one-word
    /// clip is then heard at the length every training input had. `None` runs short clips as
    /// they are (models trained before R77, `docs/experiments.md`). Not written to model files
    /// when `None`, so files without it are unchanged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repeat_to_frames: Option<usize>,
}

impl InferenceConfig {
    /// Checks `n_crops` is in 1..=[`MAX_CROPS`], `crop_frames`, if set, is positive and
    /// `repeat_to_frames`, if set, is in 1..=[`MAX_REPEAT_FRAMES`].
    pub fn validate(&self) -> Result<(), ModelError> {
        if !(1..=MAX_CROPS).contains(&self.n_crops) {
            return Err(ModelError::InvalidMetadata(format!(
                "inference.n_crops {} is outside 1..={MAX_CROPS}",
                self.n_crops
            )));
        }
        if self.crop_frames == Some(0) {
            return Err(ModelError::InvalidMetadata(
                "inference.crop_frames must be positive".into(),
            ));
        }
        if let Some(frames) = self.repeat_to_frames {
            if !(1..=MAX_REPEAT_FRAMES).contains(&frames) {
                return Err(ModelError::InvalidMetadata(format!(
                    "inference.repeat_to_frames {frames} is outside 1..={MAX_REPEAT_FRAMES}"
                )));
            }
        }
        Ok(())
    }
}

impl Default for InferenceConfig {
    fn default() -> Self {
        Self {
            crop_frames: None,
            n_crops: 1,
            repeat_to_frames: None,
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
    /// The label scheme the corpus labels were mapped with before training, by name
    /// (`emovox_corpus::LabelScheme`: `native`, `common`, `gender_emotion` or `gender`);
    /// `None` when not recorded (files written before it was, or a model trained on data
    /// labelled otherwise). Left out of the file when `None`, so those files keep their bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label_scheme: Option<String>,
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

    /// Checks the metadata is valid and self-consistent: the architecture and the feature
    /// spec in range, labels vs classes, feature spec vs input shape, normalisation size,
    /// inference settings.
    pub fn validate(&self) -> Result<(), ModelError> {
        let arch = &self.architecture;
        arch.validate()?;
        self.features
            .validate()
            .map_err(ModelError::InvalidFeatures)?;
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
        self.inference.validate()?;
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
    fn provenance_without_a_label_scheme_reads_as_none_and_none_is_not_written() {
        let old = serde_json::json!({
            "corpus": "ravdess", "train_speakers": ["01"], "val_speakers": ["02"], "seed": 42,
            "epochs": 3, "best_epoch": 3, "val_accuracy": 0.5, "val_uar": 0.5, "recipe": null
        });
        let read: TrainingProvenance = serde_json::from_value(old.clone()).unwrap();
        assert_eq!(read.label_scheme, None);
        assert_eq!(serde_json::to_value(&read).unwrap(), old);
        let common = TrainingProvenance {
            label_scheme: Some("common".into()),
            ..read
        };
        let json = serde_json::to_value(&common).unwrap();
        assert_eq!(json["label_scheme"], "common");
        assert_eq!(
            serde_json::from_value::<TrainingProvenance>(json).unwrap(),
            common
        );
    }

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
