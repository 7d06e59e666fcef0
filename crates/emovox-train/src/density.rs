//! Fitting a model's [`FeatureDensity`] on the clips it was trained on.

use emovox_corpus::Utterance;
use emovox_features::FeaturePipeline;
use emovox_model::{EmotionModel, FeatureDensity, MultiViewModel};
use rayon::prelude::*;

use crate::{extract_dataset, ExtractConfig, FeatureDataset, TrainError};

/// `model` with a [`FeatureDensity`] of its networks' penultimate activations over the clips
/// of `train_set` (as extracted: whole, not augmented), which must be the clips it was trained
/// on, extracted with its features. [`crate::train`] calls it on every model it returns.
pub fn fit_density(
    model: EmotionModel,
    train_set: &FeatureDataset,
) -> Result<EmotionModel, TrainError> {
    if train_set.labels != model.metadata().labels {
        return Err(TrainError::InvalidData(
            "the training clips are not labelled with the model's labels".into(),
        ));
    }
    // [clip][network][unit]
    let per_clip: Vec<Vec<Vec<f32>>> = train_set
        .examples
        .par_iter()
        .map(|e| model.activations(&e.features))
        .collect::<Result<_, _>>()?;
    let networks = model.networks().len();
    let activations: Vec<Vec<Vec<f32>>> = (0..networks)
        .map(|k| per_clip.iter().map(|clip| clip[k].clone()).collect())
        .collect();
    let labels: Vec<usize> = train_set.examples.iter().map(|e| e.label).collect();
    let density = FeatureDensity::fit(&activations, &labels)?;
    Ok(model.with_density(density)?)
}

/// `model` with every view's [`FeatureDensity`] fitted (again) on the clips the model as a
/// whole was trained on: those of `utterances` whose speaker the training provenance of any
/// view lists (as `01`, or as `ravdess:01` when `utterances` combine several corpora and the
/// view was trained on corpus `ravdess` alone). So the novelty of an ensemble of separately
/// trained models is relative to all of its training data (a Turkish clip is not novel to an
/// ensemble one of whose members heard Turkish), and a model file written before models
/// carried a density gets one. A view without provenance, or no training speaker in
/// `utterances`, is an error.
pub fn fit_densities(
    model: MultiViewModel,
    utterances: &[Utterance],
    config: &ExtractConfig,
) -> Result<MultiViewModel, TrainError> {
    let mut provenances = Vec::new();
    for (v, view) in model.views().iter().enumerate() {
        provenances.push(view.metadata().training.clone().ok_or_else(|| {
            TrainError::InvalidData(format!("view {v} does not say what it was trained on"))
        })?);
    }
    let trained_on = |u: &Utterance| {
        provenances.iter().any(|p| {
            p.train_speakers.iter().any(|s| {
                *s == u.speaker
                    || (p.corpus == u.corpus && u.speaker == format!("{}:{s}", u.corpus))
            })
        })
    };
    let clips: Vec<Utterance> = utterances
        .iter()
        .filter(|u| trained_on(u))
        .cloned()
        .collect();
    if clips.is_empty() {
        return Err(TrainError::InvalidData(
            "none of the model's training speakers is in the corpora given".into(),
        ));
    }
    let calibration = model.calibration().cloned();
    let labels = model.labels().to_vec();
    let views = model
        .into_views()
        .into_iter()
        .map(|view| {
            let pipeline = FeaturePipeline::new(view.metadata().features.clone())?;
            let (dataset, _) = extract_dataset(&clips, &labels, &pipeline, config)?;
            fit_density(view, &dataset)
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(MultiViewModel::new(views)?.with_calibration(calibration))
}
