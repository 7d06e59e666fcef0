//! [`ViewsDataset`]: the clips of a corpus extracted once for every feature view of a recipe,
//! the views aligned clip by clip, each carrying the [`FeatureSpec`] it was extracted with.

use emovox_features::{FeaturePipeline, FeatureSpec};

use crate::corpus::{SkippedFile, Utterance};
use crate::extract::extract_views;
use crate::{ExtractConfig, FeatureDataset, TrainConfig, TrainError};

/// The same clips, in the same order, as one [`FeatureDataset`] per feature view, each with the
/// [`FeatureSpec`] its features were computed with. What [`crate::train_views`] and
/// [`crate::cross_validate`] take, so a recipe can never be trained on features other than
/// its own ([`ViewsDataset::check_recipe`]).
#[derive(Clone, Debug, PartialEq)]
pub struct ViewsDataset {
    specs: Vec<FeatureSpec>,
    views: Vec<FeatureDataset>,
}

impl ViewsDataset {
    /// Pairs datasets with the specs they were extracted with, checking there is at least one
    /// view, one spec per view, and that every view holds the same clips (path, speaker,
    /// label, in order) under the same labels.
    pub fn new(specs: Vec<FeatureSpec>, views: Vec<FeatureDataset>) -> Result<Self, TrainError> {
        let Some(first) = views.first() else {
            return Err(TrainError::InvalidData("a dataset needs one view".into()));
        };
        if specs.len() != views.len() {
            return Err(TrainError::InvalidData(format!(
                "{} feature specs for {} views",
                specs.len(),
                views.len()
            )));
        }
        let clip = |e: &crate::Example| (e.path.clone(), e.speaker.clone(), e.label);
        let clips: Vec<_> = first.examples.iter().map(clip).collect();
        for (v, view) in views.iter().enumerate().skip(1) {
            if view.labels != first.labels || !view.examples.iter().map(clip).eq(clips.clone()) {
                return Err(TrainError::InvalidData(format!(
                    "view {v} does not hold the same clips as view 0"
                )));
            }
        }
        Ok(Self { specs, views })
    }

    /// Decodes each utterance once and computes every spec's features (see
    /// [`crate::extract_dataset`] for what is skipped, and why); returns the dataset and the
    /// skipped files.
    pub fn extract(
        utterances: &[Utterance],
        labels: &[String],
        specs: &[FeatureSpec],
        config: &ExtractConfig,
    ) -> Result<(Self, Vec<SkippedFile>), TrainError> {
        let pipelines = specs
            .iter()
            .map(|spec| FeaturePipeline::new(spec.clone()))
            .collect::<Result<Vec<_>, _>>()?;
        let (views, skipped) = extract_views(utterances, labels, &pipelines, config)?;
        Ok((Self::new(specs.to_vec(), views)?, skipped))
    }

    /// The features of every view of `recipe` ([`TrainConfig::view_features`]), keeping
    /// waveforms when the recipe augments them.
    pub fn extract_for(
        recipe: &TrainConfig,
        utterances: &[Utterance],
        labels: &[String],
    ) -> Result<(Self, Vec<SkippedFile>), TrainError> {
        let config = ExtractConfig {
            keep_waveforms: recipe.augment.wave.is_active(),
        };
        Self::extract(utterances, labels, &recipe.view_features(), &config)
    }

    /// The feature spec of each view.
    pub fn specs(&self) -> &[FeatureSpec] {
        &self.specs
    }

    /// Each view's dataset.
    pub fn views(&self) -> &[FeatureDataset] {
        &self.views
    }

    /// Class names.
    pub fn labels(&self) -> &[String] {
        &self.views[0].labels
    }

    /// Number of clips.
    pub fn len(&self) -> usize {
        self.views[0].len()
    }

    /// Whether there are no clips.
    pub fn is_empty(&self) -> bool {
        self.views[0].is_empty()
    }

    /// Distinct speakers, sorted.
    pub fn speakers(&self) -> Vec<String> {
        self.views[0].speakers()
    }

    /// Splits into (clips of `speakers`, the rest), every view alike.
    pub fn split_by_speakers<S: AsRef<str>>(&self, speakers: &[S]) -> (Self, Self) {
        let names: Vec<&str> = speakers.iter().map(AsRef::as_ref).collect();
        let (inside, outside) = self
            .views
            .iter()
            .map(|d| d.split_by_speakers(&names))
            .unzip();
        (
            Self {
                specs: self.specs.clone(),
                views: inside,
            },
            Self {
                specs: self.specs.clone(),
                views: outside,
            },
        )
    }

    /// Fails unless the views were extracted with exactly the recipe's feature views.
    pub fn check_recipe(&self, recipe: &TrainConfig) -> Result<(), TrainError> {
        if self.specs != recipe.view_features() {
            return Err(TrainError::InvalidData(format!(
                "the dataset's {} feature views were not extracted with the recipe's {} views",
                self.specs.len(),
                1 + recipe.extra_views.len()
            )));
        }
        Ok(())
    }
}
