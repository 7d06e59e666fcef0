//! [`EmotionModel`]: a trained network plus its metadata, loadable from one file.

use std::borrow::Borrow;
use std::collections::BTreeMap;
use std::path::Path;

use candle_core::{Device, Module, Tensor, D};
use candle_nn::VarMap;
use ndarray::Array3;

use crate::density::DENSITY_PREFIX;
use crate::file::{self, FileMetadata};
use crate::weights::{all_finite, member_prefix, networks_over, NamedTensors};
use crate::{FeatureDensity, InferenceNetwork, ModelError, ModelMetadata, Network};

/// What a model says about one clip.
#[derive(Clone, Debug, PartialEq)]
pub struct Scores {
    /// Class probabilities, in label order.
    pub probabilities: Vec<f32>,
    /// How unlike the training clips the clip is ([`FeatureDensity::novelty`]); `None` for a
    /// model without a density.
    pub novelty: Option<f32>,
}

/// A ready-to-run emotion classifier: network weights plus everything needed to use them.
///
/// It is immutable, `Send + Sync`, and runs in inference mode (batch normalisation with
/// running statistics, no dropout) on the device its weights live on (the CPU unless loaded
/// with [`EmotionModel::load_on`]). It holds one network, or an ensemble of
/// [`crate::ModelConfig::members`] networks whose probabilities are averaged. Its weights are
/// candle tensors, held once: the networks and the file writer share them.
#[derive(Debug)]
pub struct EmotionModel {
    metadata: ModelMetadata,
    networks: Vec<Network>,
    /// The networks compiled for inference, which `probabilities` runs.
    compiled: Vec<InferenceNetwork>,
    /// The stored tensors: the networks' and, under `density.`, the density's.
    tensors: NamedTensors,
    density: Option<FeatureDensity>,
    device: Device,
}

impl EmotionModel {
    /// Builds a model from metadata and the variables of a (trained) network, on the
    /// variables' device.
    ///
    /// The values are copied, so later updates of `varmap` do not change the model.
    pub fn from_varmap(metadata: ModelMetadata, varmap: &VarMap) -> Result<Self, ModelError> {
        let data = varmap.data().lock().map_err(|_| ModelError::LockPoisoned {
            what: "variable map",
        })?;
        let mut tensors = NamedTensors::new();
        for (name, var) in data.iter() {
            let tensor = var.as_tensor().copy()?;
            if !all_finite(&tensor)? {
                return Err(ModelError::NonFiniteTensor(name.clone()));
            }
            tensors.insert(name.clone(), tensor);
        }
        drop(data);
        let device = match tensors.values().next() {
            Some(tensor) => tensor.device().clone(),
            None => return Err(ModelError::EmptyVarMap),
        };
        Self::from_tensors(metadata, tensors, &device)
    }

    /// Builds a model on `device` from metadata and its named tensors (checked against the
    /// architecture: none missing, none extra, every shape as expected).
    pub(crate) fn from_tensors(
        metadata: ModelMetadata,
        tensors: NamedTensors,
        device: &Device,
    ) -> Result<Self, ModelError> {
        metadata.validate()?;
        let (density_tensors, network_tensors): (NamedTensors, NamedTensors) = tensors
            .into_iter()
            .partition(|(name, _)| name.starts_with(DENSITY_PREFIX));
        let networks = networks_over(&metadata.architecture, &network_tensors, device)?;
        let compiled = networks
            .iter()
            .map(Network::for_inference)
            .collect::<Result<_, _>>()?;
        let model = Self {
            metadata,
            networks,
            compiled,
            tensors: network_tensors,
            density: None,
            device: device.clone(),
        };
        if density_tensors.is_empty() {
            return Ok(model);
        }
        model.with_density(FeatureDensity::from_tensors(&density_tensors)?)
    }

    /// The same model with `density` stored in it (replacing any), which must model as many
    /// networks as the model has, at the width of their penultimate layer.
    pub fn with_density(mut self, density: FeatureDensity) -> Result<Self, ModelError> {
        let width = self.metadata.architecture.penultimate_width();
        if density.networks() != self.networks.len() || density.width() != width {
            return Err(ModelError::InvalidDensity(format!(
                "a density of {} networks of width {} for a model of {} networks of width {width}",
                density.networks(),
                density.width(),
                self.networks.len()
            )));
        }
        self.tensors
            .retain(|name, _| !name.starts_with(DENSITY_PREFIX));
        self.tensors.extend(density.to_tensors(&self.device)?);
        self.density = Some(density);
        Ok(self)
    }

    /// The model of its training clips' activations, if it has one.
    pub fn density(&self) -> Option<&FeatureDensity> {
        self.density.as_ref()
    }

    /// One model averaging the probabilities of `models`, which must be single networks with
    /// the same metadata apart from their training provenance (e.g. the same recipe trained
    /// from different seeds), on the first model's device. The result has no provenance; set
    /// it with [`EmotionModel::with_training`].
    pub fn ensemble(models: Vec<EmotionModel>) -> Result<Self, ModelError> {
        let first = models.first().ok_or(ModelError::EmptyEnsemble)?;
        let mut metadata = first.metadata.clone().without_training();
        let device = first.device.clone();
        if models.len() == 1 {
            return Self::from_tensors(metadata, first.tensors.clone(), &device);
        }
        if let Some(index) = models.iter().position(|model| {
            model.networks.len() != 1 || model.metadata.clone().without_training() != metadata
        }) {
            return Err(ModelError::EnsembleMember { index });
        }
        metadata.architecture.members = models.len();
        let tensors = models
            .into_iter()
            .enumerate()
            .flat_map(|(k, model)| {
                // A member's density models its network alone: the ensemble gets its own.
                model
                    .tensors
                    .into_iter()
                    .filter(|(name, _)| !name.starts_with(DENSITY_PREFIX))
                    .map(move |(name, t)| (format!("{}.{name}", member_prefix(k)), t))
            })
            .collect();
        Self::from_tensors(metadata, tensors, &device)
    }

    /// Reads a model file written by [`EmotionModel::save`] onto the CPU.
    pub fn load(path: impl AsRef<Path>) -> Result<Self, ModelError> {
        Self::load_on(path, &Device::Cpu)
    }

    /// Reads a model file written by [`EmotionModel::save`] onto `device` (e.g. a CUDA device
    /// with the `cuda` feature).
    pub fn load_on(path: impl AsRef<Path>, device: &Device) -> Result<Self, ModelError> {
        Self::from_safetensors_bytes_on(&file::read(path.as_ref())?, device)
    }

    /// Parses the bytes of a model file (e.g. one embedded with `include_bytes!`) onto the
    /// CPU. A multi-view file is refused with [`ModelError::MultiViewFile`].
    pub fn from_safetensors_bytes(bytes: &[u8]) -> Result<Self, ModelError> {
        Self::from_safetensors_bytes_on(bytes, &Device::Cpu)
    }

    /// [`EmotionModel::from_safetensors_bytes`] onto `device`.
    pub fn from_safetensors_bytes_on(bytes: &[u8], device: &Device) -> Result<Self, ModelError> {
        match file::decode(bytes, device)? {
            (FileMetadata::Single(metadata), tensors) => {
                Self::from_tensors(*metadata, tensors, device)
            }
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

    /// The device the weights live on and the forward pass runs on.
    pub fn device(&self) -> &Device {
        &self.device
    }

    /// The same model with a preprocessing step that removes each clip's mean before anything
    /// else (`emovox_features::Preprocessing::remove_dc`), so a DC offset in the audio cannot
    /// change its answers. Meant for a model trained before that step existed: its network
    /// learnt from clips whose mean was not removed, so its answers stay the same only on audio
    /// whose mean is next to zero, as most corpora's is (measure it, e.g. with `evaluate
    /// --baseline`), and its density and calibration, fitted on features computed without the
    /// step, should be fitted again (`emovox_train::fit_densities`, `calibrate_under`).
    pub fn with_dc_removed(mut self) -> Self {
        self.metadata.features.preprocessing.remove_dc = true;
        self
    }

    /// The same model with its training provenance replaced.
    pub fn with_training(mut self, training: Option<crate::TrainingProvenance>) -> Self {
        self.metadata.training = training;
        self
    }

    /// The candle network, the first one of an ensemble (a [`candle_core::ModuleT`]: inference is
    /// `forward_t(x, false)`).
    pub fn network(&self) -> &Network {
        &self.networks[0]
    }

    /// Every network of the model (one, or the members of an ensemble).
    pub fn networks(&self) -> &[Network] {
        &self.networks
    }

    /// The named weight tensors (and batch-norm statistics), as stored in the file.
    pub(crate) fn tensors(&self) -> &NamedTensors {
        &self.tensors
    }

    /// Number of trainable and statistic values stored in the file.
    pub fn num_values(&self) -> usize {
        self.tensors.values().map(Tensor::elem_count).sum()
    }

    /// Fewest frames [`EmotionModel::probabilities`] accepts.
    pub fn min_frames(&self) -> usize {
        self.metadata.architecture.min_frames()
    }

    /// Class probabilities, in [`ModelMetadata::labels`] order, for one utterance.
    ///
    /// `features` is the output of `emovox_features::FeaturePipeline::compute` for the
    /// model's [`ModelMetadata::features`]: shape (channels, bins, frames), with at least
    /// [`EmotionModel::min_frames`] frames. The model applies its own corpus normalisation and
    /// test-time crops, and averages the probabilities of the crops and ensemble members.
    pub fn probabilities(&self, features: &Array3<f32>) -> Result<Vec<f32>, ModelError> {
        Ok(self.scores(features)?.probabilities)
    }

    /// [`EmotionModel::probabilities`] and, when the model has a [`FeatureDensity`], the
    /// clip's novelty, from one forward pass.
    pub fn scores(&self, features: &Array3<f32>) -> Result<Scores, ModelError> {
        let input = self.crops(features)?;
        Ok(self.forward_group(&[input])?.swap_remove(0))
    }

    /// The penultimate activations of every network for one clip (test-time crops averaged),
    /// `[network][unit]`: what a [`FeatureDensity`] is fitted on.
    pub fn activations(&self, features: &Array3<f32>) -> Result<Vec<Vec<f32>>, ModelError> {
        let input = self.crops(features)?;
        self.compiled
            .iter()
            .map(|network| {
                let (_, activations) = network.forward_with_activations(&input)?;
                Ok(activations.mean(0)?.to_vec1::<f32>()?)
            })
            .collect()
    }

    /// [`EmotionModel::probabilities`] for several utterances, in input order, each with its
    /// own result: a bad one (wrong shape, too short, NaN) is its error and the others are
    /// still scored. Utterances whose network input has the same length go through one
    /// forward pass together.
    pub fn probabilities_batch<A: Borrow<Array3<f32>>>(
        &self,
        batch: &[A],
    ) -> Vec<Result<Vec<f32>, ModelError>> {
        self.scores_batch(batch)
            .into_iter()
            .map(|scores| Ok(scores?.probabilities))
            .collect()
    }

    /// [`EmotionModel::scores`] for several utterances, as [`EmotionModel::probabilities_batch`]
    /// runs them.
    pub fn scores_batch<A: Borrow<Array3<f32>>>(
        &self,
        batch: &[A],
    ) -> Vec<Result<Scores, ModelError>> {
        let mut results: Vec<Option<Result<Scores, ModelError>>> =
            (0..batch.len()).map(|_| None).collect();
        // Inputs grouped by shape (crops, frames), each with its clip's index.
        let mut groups: BTreeMap<(usize, usize), Vec<(usize, Tensor)>> = BTreeMap::new();
        for (i, features) in batch.iter().enumerate() {
            match self.crops(features.borrow()) {
                Ok(input) => {
                    let key = (input.dims()[0], input.dims()[3]);
                    groups.entry(key).or_default().push((i, input));
                }
                Err(error) => results[i] = Some(Err(error)),
            }
        }
        for group in groups.into_values() {
            let inputs: Vec<Tensor> = group.iter().map(|(_, t)| t.clone()).collect();
            match self.forward_group(&inputs) {
                Ok(rows) => {
                    for ((i, _), row) in group.iter().zip(rows) {
                        results[*i] = Some(Ok(row));
                    }
                }
                // A failed pass is retried clip by clip, so each clip gets its own error.
                Err(_) => {
                    for (i, input) in group {
                        let single = self.forward_group(&[input]);
                        results[i] = Some(single.map(|mut rows| rows.swap_remove(0)));
                    }
                }
            }
        }
        results.into_iter().flatten().collect()
    }

    /// Scores of clips whose crop tensors (crops, channels, bins, frames) all have the same
    /// shape, in one forward pass per network: one per clip.
    fn forward_group(&self, inputs: &[Tensor]) -> Result<Vec<Scores>, ModelError> {
        let (clips, crops) = (inputs.len(), inputs[0].dims()[0]);
        let input = Tensor::cat(inputs, 0)?;
        let mut sum: Option<Tensor> = None;
        // [network][clip]: the clip's penultimate activations (crops averaged).
        let mut activations = Vec::new();
        for network in &self.compiled {
            let (logits, hidden) = if self.density.is_some() {
                let (logits, hidden) = network.forward_with_activations(&input)?;
                (logits, Some(hidden))
            } else {
                (network.forward(&input)?, None)
            };
            if let Some(hidden) = hidden {
                let width = hidden.dim(1)?;
                activations.push(
                    hidden
                        .reshape((clips, crops, width))?
                        .mean(1)?
                        .to_vec2::<f32>()?,
                );
            }
            let classes = logits.dim(1)?;
            let probs = candle_nn::ops::softmax(&logits, D::Minus1)?
                .reshape((clips, crops, classes))?
                .mean(1)?;
            sum = Some(match sum {
                Some(total) => (total + probs)?,
                None => probs,
            });
        }
        let sum = sum.ok_or(ModelError::EmptyEnsemble)?;
        let probabilities = (sum / self.networks.len() as f64)?.to_vec2::<f32>()?;
        probabilities
            .into_iter()
            .enumerate()
            .map(|(i, probabilities)| {
                // Finite weights can still overflow f32 on an input (infinite logits, NaN
                // probabilities): an error, never a NaN confidence.
                if probabilities.iter().any(|p| !p.is_finite()) {
                    return Err(ModelError::NonFiniteOutput {
                        what: "probabilities",
                    });
                }
                let novelty = match &self.density {
                    Some(density) => {
                        let clip: Vec<Vec<f32>> =
                            activations.iter().map(|rows| rows[i].clone()).collect();
                        Some(density.novelty(&clip)?)
                    }
                    None => None,
                };
                Ok(Scores {
                    probabilities,
                    novelty,
                })
            })
            .collect()
    }

    /// Validates and normalises features, then stacks the test-time crops into a
    /// (crops, channels, bins, frames) tensor on the model's device.
    fn crops(&self, features: &Array3<f32>) -> Result<Tensor, ModelError> {
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
        let standard = features.as_standard_layout(); // borrowed when it already is
        let raw = standard
            .as_slice()
            .expect("a standard-layout array is contiguous");
        // Normalised while copied; a non-finite input stays non-finite through it.
        let values = match &self.metadata.normalisation {
            Some(norm) => norm.normalised(raw, frames),
            None => raw.to_vec(),
        };
        if emovox_audio::first_non_finite(&values).is_some() {
            return Err(ModelError::NonFiniteInput);
        }
        let (values, frames) = match self.metadata.inference.repeat_to_frames {
            Some(to) if frames < to => (repeated(&values, frames, to), to),
            _ => (values, frames),
        };
        let clip = Tensor::from_vec(values, (channels, bins, frames), &self.device)?;
        let len = self.crop_len(frames);
        let starts = crop_starts(frames, &self.metadata.inference)?;
        if len == frames && starts == [0] {
            return Ok(clip.unsqueeze(0)?); // the whole clip: no copy
        }
        let crops = starts
            .into_iter()
            .map(|start| clip.narrow(2, start, len))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Tensor::stack(&crops, 0)?)
    }

    fn crop_len(&self, frames: usize) -> usize {
        match self.metadata.inference.crop_frames {
            Some(crop) if crop < frames => crop,
            _ => frames,
        }
    }
}

/// Each row of `frames` values of `values` repeated from its start, wrapping around, to `to`
/// values ([`crate::InferenceConfig::repeat_to_frames`]).
fn repeated(values: &[f32], frames: usize, to: usize) -> Vec<f32> {
    values
        .chunks_exact(frames)
        .flat_map(|row| row.iter().cycle().take(to))
        .copied()
        .collect()
}

/// Start frames of the evenly spaced test-time crops of an utterance of `frames` frames; an
/// [`InferenceConfig::validate`](crate::InferenceConfig::validate) error for settings it
/// refuses (e.g. more than [`crate::MAX_CROPS`] crops).
pub fn crop_starts(
    frames: usize,
    inference: &crate::InferenceConfig,
) -> Result<Vec<usize>, ModelError> {
    inference.validate()?;
    Ok(match inference.crop_frames {
        Some(crop) if crop < frames && inference.n_crops > 1 => {
            let span = frames - crop;
            let n = inference.n_crops;
            // In u128, `i * span` cannot overflow; the quotient is at most `span`.
            let start = |i: usize| (i as u128 * span as u128 / (n - 1) as u128) as usize;
            (0..n).map(start).collect()
        }
        Some(crop) if crop < frames => vec![(frames - crop) / 2],
        _ => vec![0],
    })
}
