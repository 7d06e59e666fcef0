//! [`MultiViewModel`]: models that read different features of the same audio, averaged.

use std::path::Path;

use candle_core::Device;
use ndarray::Array3;
use rayon::prelude::*;

use crate::file::{self, view_prefix, FileMetadata};
use crate::weights::NamedTensors;
use crate::{EmotionModel, ModelError, ProbabilityCalibration, Scores};

/// An ensemble of [`EmotionModel`]s ("views") that read different features of the same clip,
/// e.g. a log-mel network and an MFCC network; the class probabilities of the views are
/// averaged with equal weights.
///
/// Networks trained on different features make more independent errors than networks
/// trained on the same features from different seeds, so their average is the better
/// ensemble (see `docs/experiments.md`). A one-view model is an [`EmotionModel`] and is stored
/// in exactly its file format, so every model file loads as a `MultiViewModel`.
///
/// ```no_run
/// use emovox_features::FeaturePipeline;
/// use emovox_model::MultiViewModel;
///
/// let model = MultiViewModel::load("model.safetensors")?;
/// let samples = vec![0.0f32; 48_000]; // 3 s of 16 kHz audio
/// let features = model
///     .views()
///     .iter()
///     .map(|view| FeaturePipeline::new(view.metadata().features.clone())?.compute(&samples, 16_000))
///     .collect::<Result<Vec<_>, _>>()?;
/// let probabilities = model.probabilities(&features)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct MultiViewModel {
    views: Vec<EmotionModel>,
    calibration: Option<ProbabilityCalibration>,
}

impl MultiViewModel {
    /// Combines views that share their labels (in the same order) and their sample rate.
    pub fn new(views: Vec<EmotionModel>) -> Result<Self, ModelError> {
        let first = views.first().ok_or(ModelError::NoViews)?;
        let (labels, rate) = (&first.metadata().labels, sample_rate(first));
        if let Some(other) = views
            .iter()
            .find(|v| &v.metadata().labels != labels || sample_rate(v) != rate)
        {
            return Err(ModelError::InvalidMetadata(format!(
                "views disagree: labels {:?} at {} Hz vs {:?} at {} Hz",
                labels,
                rate,
                other.metadata().labels,
                sample_rate(other)
            )));
        }
        Ok(Self {
            views,
            calibration: None,
        })
    }

    /// The same model with `calibration` applied to its averaged probabilities (`None`
    /// removes it).
    pub fn with_calibration(self, calibration: Option<ProbabilityCalibration>) -> Self {
        Self {
            calibration,
            ..self
        }
    }

    /// The same model with every view removing each clip's mean first
    /// ([`EmotionModel::with_dc_removed`], whose caveats hold for each view); the calibration
    /// is kept, to be fitted again.
    pub fn with_dc_removed(self) -> Self {
        Self {
            views: self
                .views
                .into_iter()
                .map(EmotionModel::with_dc_removed)
                .collect(),
            ..self
        }
    }

    /// The calibration applied to the averaged probabilities, if any.
    pub fn calibration(&self) -> Option<&ProbabilityCalibration> {
        self.calibration.as_ref()
    }

    /// Reads a model file onto the CPU: a multi-view file or a single model's.
    pub fn load(path: impl AsRef<Path>) -> Result<Self, ModelError> {
        Self::load_on(path, &Device::Cpu)
    }

    /// Reads a model file onto `device` (e.g. a CUDA device with the `cuda` feature).
    pub fn load_on(path: impl AsRef<Path>, device: &Device) -> Result<Self, ModelError> {
        Self::from_safetensors_bytes_on(&file::read(path.as_ref())?, device)
    }

    /// The ensemble of every view of several model files (multi-view or single-model files),
    /// onto the CPU: their views averaged with equal weight, without calibration (each file's
    /// own is dropped; fit one for the whole). No path is [`ModelError::NoViews`].
    pub fn load_all<P: AsRef<Path>>(paths: &[P]) -> Result<Self, ModelError> {
        let mut views = Vec::new();
        for path in paths {
            views.extend(Self::load(path)?.into_views());
        }
        Self::new(views)
    }

    /// Parses the bytes of a model file (e.g. one embedded with `include_bytes!`) onto the CPU.
    pub fn from_safetensors_bytes(bytes: &[u8]) -> Result<Self, ModelError> {
        Self::from_safetensors_bytes_on(bytes, &Device::Cpu)
    }

    /// [`MultiViewModel::from_safetensors_bytes`] onto `device`.
    pub fn from_safetensors_bytes_on(bytes: &[u8], device: &Device) -> Result<Self, ModelError> {
        let calibration = file::decode_calibration(bytes)?;
        Ok(Self::decode_views(bytes, device)?.with_calibration(calibration))
    }

    /// The views of a model file, without its calibration.
    fn decode_views(bytes: &[u8], device: &Device) -> Result<Self, ModelError> {
        match file::decode(bytes, device)? {
            (FileMetadata::Single(metadata), tensors) => {
                Self::new(vec![EmotionModel::from_tensors(
                    *metadata, tensors, device,
                )?])
            }
            (FileMetadata::Views(metadata), mut tensors) => {
                let mut views = Vec::with_capacity(metadata.len());
                for (v, view_metadata) in metadata.into_iter().enumerate() {
                    let prefix = view_prefix(v);
                    let (view_tensors, rest): (NamedTensors, NamedTensors) =
                        std::mem::take(&mut tensors)
                            .into_iter()
                            .partition(|(name, _)| name.starts_with(&prefix));
                    tensors = rest;
                    let view_tensors = view_tensors
                        .into_iter()
                        .map(|(name, t)| (name[prefix.len()..].to_string(), t))
                        .collect();
                    views.push(EmotionModel::from_tensors(
                        view_metadata,
                        view_tensors,
                        device,
                    )?);
                }
                if let Some(extra) = tensors.keys().next() {
                    return Err(ModelError::UnexpectedTensor(extra.clone()));
                }
                Self::new(views)
            }
        }
    }

    /// The bytes of the model file: a one-view model is written as its [`EmotionModel`];
    /// several views under [`crate::VIEWS_KEY`] with tensors named `view{v}.<name>`.
    pub fn to_safetensors_bytes(&self) -> Result<Vec<u8>, ModelError> {
        let calibration = self.calibration.as_ref();
        if let [single] = self.views.as_slice() {
            let metadata = FileMetadata::Single(Box::new(single.metadata().clone()));
            return file::encode(&metadata, single.tensors(), calibration);
        }
        let metadata = self.views.iter().map(|v| v.metadata().clone()).collect();
        let tensors: NamedTensors = self
            .views
            .iter()
            .enumerate()
            .flat_map(|(v, view)| {
                view.tensors()
                    .iter()
                    .map(move |(name, t)| (format!("{}{name}", view_prefix(v)), t.clone()))
            })
            .collect();
        file::encode(&FileMetadata::Views(metadata), &tensors, calibration)
    }

    /// Writes the model to one safetensors file.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<(), ModelError> {
        file::write(path.as_ref(), &self.to_safetensors_bytes()?)
    }

    /// The views, each with its own feature specification in its metadata.
    pub fn views(&self) -> &[EmotionModel] {
        &self.views
    }

    /// The views, by value (e.g. to combine the views of several files).
    pub fn into_views(self) -> Vec<EmotionModel> {
        self.views
    }

    /// The device the views' weights live on (every view is loaded onto the same one).
    pub fn device(&self) -> &candle_core::Device {
        self.views[0].device()
    }

    /// Class names in output order (shared by every view).
    pub fn labels(&self) -> &[String] {
        &self.views[0].metadata().labels
    }

    /// Number of stored values over all views.
    pub fn num_values(&self) -> usize {
        self.views.iter().map(EmotionModel::num_values).sum()
    }

    /// Class probabilities of one utterance from the features of every view, in view order
    /// (`features[v]` computed with view `v`'s feature specification): the mean of the views'
    /// probabilities, calibrated when the model has a [`ProbabilityCalibration`].
    pub fn probabilities(&self, features: &[Array3<f32>]) -> Result<Vec<f32>, ModelError> {
        Ok(self.scores(features)?.probabilities)
    }

    /// [`MultiViewModel::probabilities`] and the clip's novelty: the mean of the views'
    /// ([`crate::FeatureDensity`]), `None` unless every view has a density. The calibration
    /// sees the novelty (see [`ProbabilityCalibration::apply`]).
    pub fn scores(&self, features: &[Array3<f32>]) -> Result<Scores, ModelError> {
        self.check_views(features)?;
        // Views run in parallel (rayon); the mean is taken in view order, so it does not depend
        // on the number of threads.
        let per_view: Vec<Scores> = self
            .views
            .par_iter()
            .zip(features)
            .map(|(view, x)| view.scores(x))
            .collect::<Result<_, _>>()?;
        Ok(self.combine(&per_view))
    }

    /// [`MultiViewModel::probabilities`] for several utterances (`batch[i][v]`: utterance `i`
    /// through view `v`'s pipeline), in input order, each with its own result. Every view
    /// scores the batch with [`EmotionModel::probabilities_batch`] (one forward pass per
    /// input length); the views run in parallel.
    pub fn probabilities_batch<C: AsRef<[Array3<f32>]> + Sync>(
        &self,
        batch: &[C],
    ) -> Vec<Result<Vec<f32>, ModelError>> {
        self.scores_batch(batch)
            .into_iter()
            .map(|scores| Ok(scores?.probabilities))
            .collect()
    }

    /// [`MultiViewModel::scores`] for several utterances, run as
    /// [`MultiViewModel::probabilities_batch`] runs them.
    pub fn scores_batch<C: AsRef<[Array3<f32>]> + Sync>(
        &self,
        batch: &[C],
    ) -> Vec<Result<Scores, ModelError>> {
        let checked: Vec<Result<(), ModelError>> =
            batch.iter().map(|c| self.check_views(c.as_ref())).collect();
        let valid: Vec<usize> = (0..batch.len()).filter(|&i| checked[i].is_ok()).collect();
        let per_view: Vec<Vec<Result<Scores, ModelError>>> = self
            .views
            .par_iter()
            .enumerate()
            .map(|(v, view)| {
                let inputs: Vec<&Array3<f32>> =
                    valid.iter().map(|&i| &batch[i].as_ref()[v]).collect();
                view.scores_batch(&inputs)
            })
            .collect();
        let mut per_view: Vec<_> = per_view.into_iter().map(Vec::into_iter).collect();
        checked
            .into_iter()
            .map(|check| {
                check?;
                // Every view's result for this clip, the first error winning.
                let results: Vec<Result<Scores, ModelError>> =
                    per_view.iter_mut().filter_map(Iterator::next).collect();
                let scores = results.into_iter().collect::<Result<Vec<_>, _>>()?;
                Ok(self.combine(&scores))
            })
            .collect()
    }

    /// One feature array per view, or [`ModelError::ViewCount`].
    fn check_views(&self, features: &[Array3<f32>]) -> Result<(), ModelError> {
        if features.len() == self.views.len() {
            Ok(())
        } else {
            Err(ModelError::ViewCount {
                views: self.views.len(),
                found: features.len(),
            })
        }
    }

    /// The views' mean probabilities and novelty (in view order), the probabilities
    /// calibrated when the model has a calibration.
    fn combine(&self, per_view: &[Scores]) -> Scores {
        let probabilities: Vec<&[f32]> = per_view
            .iter()
            .map(|s| s.probabilities.as_slice())
            .collect();
        let mean = average_probabilities(&probabilities);
        let novelty = per_view
            .iter()
            .map(|s| s.novelty)
            .sum::<Option<f32>>()
            .map(|total| total / per_view.len() as f32);
        let probabilities = match &self.calibration {
            Some(calibration) => calibration.apply(&mean, novelty),
            None => mean,
        };
        Scores {
            probabilities,
            novelty,
        }
    }

    /// Novelty above which a clip is unlike what the model was trained and validated on:
    /// [`ProbabilityCalibration::novelty_threshold`], when the model has one.
    pub fn novelty_threshold(&self) -> Option<f32> {
        self.calibration.as_ref()?.novelty_threshold
    }
}

/// How views combine: the mean of their class probabilities, accumulated in view order (so the
/// result does not depend on threads). Used by [`MultiViewModel::probabilities`] and by
/// training, which scores a multi-view model from its views' own predictions.
pub fn average_probabilities(per_view: &[&[f32]]) -> Vec<f32> {
    let classes = per_view.first().map_or(0, |p| p.len());
    let mut mean = vec![0.0f32; classes];
    for probabilities in per_view {
        for (m, p) in mean.iter_mut().zip(*probabilities) {
            *m += p / per_view.len() as f32;
        }
    }
    mean
}

/// Sample rate a view's features are computed at.
fn sample_rate(view: &EmotionModel) -> u32 {
    view.metadata().features.kind.mel().sample_rate
}
