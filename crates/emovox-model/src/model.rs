//! [`EmotionModel`]: a trained network plus its metadata, loadable from one file.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use candle_core::{DType, Device, Tensor, D};
use candle_nn::{VarBuilder, VarMap};
use ndarray::{s, Array3, Axis};

use crate::file::{self, FileMetadata, RawTensor};
use crate::{ModelConfig, ModelError, ModelMetadata, Network};

/// A ready-to-run emotion classifier: network weights plus everything needed to use them.
///
/// It is immutable, `Send + Sync`, and runs on the CPU in inference mode (batch
/// normalisation with running statistics, no dropout). It holds one network, or an ensemble
/// of [`ModelConfig::members`] networks whose probabilities are averaged.
#[derive(Debug)]
pub struct EmotionModel {
    metadata: ModelMetadata,
    networks: Vec<Network>,
    pub(crate) tensors: BTreeMap<String, RawTensor>,
}

/// Tensor-name prefix of ensemble member `k` (members of a one-network model have none).
fn member_prefix(k: usize) -> String {
    format!("member{k}")
}

/// The networks of `config`, their variables named under [`member_prefix`] in an ensemble.
fn build_networks(config: &ModelConfig, vb: VarBuilder) -> Result<Vec<Network>, ModelError> {
    if config.members == 1 {
        return Ok(vec![Network::new(config, vb)?]);
    }
    (0..config.members)
        .map(|k| Ok(Network::new(config, vb.pp(member_prefix(k)))?))
        .collect()
}

/// Names and shapes of every tensor the architecture has (weights and batch-norm statistics).
pub fn expected_tensors(config: &ModelConfig) -> Result<BTreeMap<String, Vec<usize>>, ModelError> {
    config.validate()?;
    let varmap = VarMap::new();
    let vb = VarBuilder::from_varmap(&varmap, DType::F32, &Device::Cpu);
    build_networks(config, vb)?;
    let data = varmap.data().lock().map_err(|_| {
        ModelError::InvalidConfig("variable map lock poisoned while building network".into())
    })?;
    Ok(data
        .iter()
        .map(|(name, var)| (name.clone(), var.dims().to_vec()))
        .collect())
}

impl EmotionModel {
    /// Builds a model from metadata and the variables of a (trained) network.
    ///
    /// The values are copied, so later updates of `varmap` do not change the model.
    pub fn from_varmap(metadata: ModelMetadata, varmap: &VarMap) -> Result<Self, ModelError> {
        let data = varmap
            .data()
            .lock()
            .map_err(|_| ModelError::InvalidConfig("variable map lock poisoned".into()))?;
        let mut tensors = BTreeMap::new();
        for (name, var) in data.iter() {
            let t = var.as_tensor();
            let values = t.flatten_all()?.to_vec1::<f32>()?;
            if values.iter().any(|v| !v.is_finite()) {
                return Err(ModelError::NonFiniteTensor(name.clone()));
            }
            let shape = t.dims().to_vec();
            tensors.insert(name.clone(), RawTensor { shape, values });
        }
        drop(data);
        Self::from_raw(metadata, tensors)
    }

    pub(crate) fn from_raw(
        metadata: ModelMetadata,
        tensors: BTreeMap<String, RawTensor>,
    ) -> Result<Self, ModelError> {
        metadata.validate()?;
        let expected = expected_tensors(&metadata.architecture)?;
        for (name, shape) in &expected {
            let found = tensors
                .get(name)
                .ok_or_else(|| ModelError::MissingTensor(name.clone()))?;
            if &found.shape != shape {
                return Err(ModelError::TensorShape {
                    name: name.clone(),
                    expected: shape.clone(),
                    found: found.shape.clone(),
                });
            }
        }
        if let Some(extra) = tensors.keys().find(|n| !expected.contains_key(*n)) {
            return Err(ModelError::UnexpectedTensor(extra.clone()));
        }
        let device = Device::Cpu;
        let mut map = HashMap::with_capacity(tensors.len());
        for (name, raw) in &tensors {
            let t = Tensor::from_slice(&raw.values, raw.shape.as_slice(), &device)?;
            map.insert(name.clone(), t);
        }
        let vb = VarBuilder::from_tensors(map, DType::F32, &device);
        let networks = build_networks(&metadata.architecture, vb)?;
        Ok(Self {
            metadata,
            networks,
            tensors,
        })
    }

    /// One model averaging the probabilities of `models`, which must be single networks with
    /// the same metadata apart from their training provenance (e.g. the same recipe trained
    /// from different seeds). The result has no provenance; set it with
    /// [`EmotionModel::with_training`].
    pub fn ensemble(models: Vec<EmotionModel>) -> Result<Self, ModelError> {
        let first = models
            .first()
            .ok_or_else(|| ModelError::InvalidConfig("an ensemble needs a model".into()))?;
        let mut metadata = first.metadata.clone().without_training();
        if models.len() == 1 {
            return Self::from_raw(metadata, first.tensors.clone());
        }
        for model in &models {
            if model.networks.len() != 1 || model.metadata.clone().without_training() != metadata {
                return Err(ModelError::InvalidConfig(
                    "ensemble members must be single networks with the same metadata".into(),
                ));
            }
        }
        metadata.architecture.members = models.len();
        let tensors = models
            .into_iter()
            .enumerate()
            .flat_map(|(k, model)| {
                model
                    .tensors
                    .into_iter()
                    .map(move |(name, t)| (format!("{}.{name}", member_prefix(k)), t))
            })
            .collect();
        Self::from_raw(metadata, tensors)
    }

    /// Reads a model file written by [`EmotionModel::save`].
    pub fn load(path: impl AsRef<Path>) -> Result<Self, ModelError> {
        Self::from_safetensors_bytes(&file::read(path.as_ref())?)
    }

    /// Parses the bytes of a model file (e.g. one embedded with `include_bytes!`).
    /// A multi-view file is refused with [`ModelError::MultiViewFile`].
    pub fn from_safetensors_bytes(bytes: &[u8]) -> Result<Self, ModelError> {
        match file::decode(bytes)? {
            (FileMetadata::Single(metadata), tensors) => Self::from_raw(*metadata, tensors),
            (FileMetadata::Views(views), _) => {
                Err(ModelError::MultiViewFile { views: views.len() })
            }
        }
    }

    /// The bytes of the model file: safetensors with the metadata under key
    /// [`crate::METADATA_KEY`].
    pub fn to_safetensors_bytes(&self) -> Result<Vec<u8>, ModelError> {
        file::encode(
            &FileMetadata::Single(Box::new(self.metadata.clone())),
            &self.tensors,
            None,
        )
    }

    /// Writes the model to one safetensors file.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<(), ModelError> {
        file::write(path.as_ref(), &self.to_safetensors_bytes()?)
    }

    /// What the model is, how it was trained and how it expects to be fed.
    pub fn metadata(&self) -> &ModelMetadata {
        &self.metadata
    }

    /// The same model with its training provenance replaced.
    pub fn with_training(mut self, training: Option<crate::TrainingProvenance>) -> Self {
        self.metadata.training = training;
        self
    }

    /// The candle network, the first one of an ensemble (inference mode use:
    /// `forward_t(x, false)`).
    pub fn network(&self) -> &Network {
        &self.networks[0]
    }

    /// Every network of the model (one, or the members of an ensemble).
    pub fn networks(&self) -> &[Network] {
        &self.networks
    }

    /// Number of trainable and statistic values stored in the file.
    pub fn num_values(&self) -> usize {
        self.tensors.values().map(|t| t.values.len()).sum()
    }

    /// Fewest frames [`EmotionModel::predict_proba`] accepts.
    pub fn min_frames(&self) -> usize {
        self.metadata.architecture.min_frames()
    }

    /// Class probabilities, in [`ModelMetadata::labels`] order, for one utterance.
    ///
    /// `features` is the output of `emovox_features::FeaturePipeline::compute` for the
    /// model's [`ModelMetadata::features`]: shape (channels, bins, frames), with at least
    /// [`EmotionModel::min_frames`] frames. The model applies its own corpus normalisation and
    /// test-time crops, and averages the probabilities of the crops and ensemble members.
    pub fn predict_proba(&self, features: &Array3<f32>) -> Result<Vec<f32>, ModelError> {
        let input = self.prepare(features)?;
        let mut sum: Option<Tensor> = None;
        for network in &self.networks {
            let logits = network.forward_t(&input, false)?;
            let probs = candle_nn::ops::softmax(&logits, D::Minus1)?.mean(0)?;
            sum = Some(match sum {
                Some(total) => (total + probs)?,
                None => probs,
            });
        }
        let sum = sum.ok_or_else(|| ModelError::InvalidConfig("model has no network".into()))?;
        Ok((sum / self.networks.len() as f64)?.to_vec1::<f32>()?)
    }

    /// [`EmotionModel::predict_proba`] for several utterances.
    pub fn predict_proba_batch(&self, batch: &[Array3<f32>]) -> Result<Vec<Vec<f32>>, ModelError> {
        batch.iter().map(|f| self.predict_proba(f)).collect()
    }

    /// Validates and normalises features, then stacks the test-time crops into a
    /// (crops, channels, bins, frames) tensor.
    fn prepare(&self, features: &Array3<f32>) -> Result<Tensor, ModelError> {
        let arch = &self.metadata.architecture;
        let (channels, bins, frames) = features.dim();
        if channels != arch.in_channels || bins != arch.n_bins {
            return Err(ModelError::InputShape {
                channels: arch.in_channels,
                bins: arch.n_bins,
                found: features.shape().to_vec(),
            });
        }
        if frames < self.min_frames() {
            return Err(ModelError::TooFewFrames {
                frames,
                min: self.min_frames(),
            });
        }
        if features.iter().any(|v| !v.is_finite()) {
            return Err(ModelError::NonFiniteInput);
        }
        let mut x = features.to_owned();
        if let Some(norm) = &self.metadata.normalisation {
            norm.apply(&mut x);
        }
        let starts = crop_starts(frames, &self.metadata.inference);
        let len = self.crop_len(frames);
        let views: Vec<_> = starts
            .iter()
            .map(|&s| x.slice(s![.., .., s..s + len]))
            .collect();
        let stacked = ndarray::stack(Axis(0), &views)
            .map_err(|e| ModelError::InvalidConfig(e.to_string()))?;
        let shape = stacked.shape().to_vec();
        let values = stacked
            .as_standard_layout()
            .iter()
            .copied()
            .collect::<Vec<_>>();
        Ok(Tensor::from_vec(values, shape, &Device::Cpu)?)
    }

    fn crop_len(&self, frames: usize) -> usize {
        match self.metadata.inference.crop_frames {
            Some(crop) if crop < frames => crop,
            _ => frames,
        }
    }
}

/// Start frames of the evenly spaced test-time crops of an utterance of `frames` frames.
pub fn crop_starts(frames: usize, inference: &crate::InferenceConfig) -> Vec<usize> {
    match inference.crop_frames {
        Some(crop) if crop < frames && inference.n_crops > 1 => {
            let span = frames - crop;
            let n = inference.n_crops;
            (0..n).map(|i| i * span / (n - 1)).collect()
        }
        Some(crop) if crop < frames => vec![(frames - crop) / 2],
        _ => vec![0],
    }
}
