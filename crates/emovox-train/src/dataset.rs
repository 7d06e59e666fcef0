//! In-memory datasets of extracted features.

use std::path::PathBuf;
use std::sync::Arc;

use ndarray::Array3;
use serde::{Deserialize, Serialize};

use crate::TrainError;

/// One utterance's features and label.
#[derive(Clone, Debug, PartialEq)]
pub struct Example {
    /// Features of shape (channels, bins, frames), as `FeaturePipeline::compute` returns them.
    pub features: Array3<f32>,
    /// Index into [`FeatureDataset::labels`].
    pub label: usize,
    /// Speaker id.
    pub speaker: String,
    /// Name of the corpus the clip comes from ([`crate::corpus::Utterance::corpus`]); with
    /// several corpora, training scores each clip only against the labels its corpus annotates.
    pub corpus: String,
    /// Source file, for reports.
    pub path: PathBuf,
    /// The mono waveform at the feature pipeline's sample rate, kept for waveform
    /// augmentation (`ExtractConfig::keep_waveforms`); `None` otherwise.
    pub waveform: Option<Arc<[f32]>>,
}

/// Labelled feature arrays kept in memory, ready for training or evaluation.
#[derive(Clone, Debug, PartialEq)]
pub struct FeatureDataset {
    /// Class names; `Example::label` indexes this list.
    pub labels: Vec<String>,
    /// The examples.
    pub examples: Vec<Example>,
}

/// Per-class counts of a dataset.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClassCounts(pub Vec<usize>);

impl FeatureDataset {
    /// Builds a dataset, checking labels are in range and all examples share channels/bins.
    pub fn new(labels: Vec<String>, examples: Vec<Example>) -> Result<Self, TrainError> {
        let dataset = Self { labels, examples };
        dataset.validate()?;
        Ok(dataset)
    }

    /// Per example, the index of its corpus among the dataset's corpora (numbered in order of
    /// first appearance), and the number of corpora.
    pub fn corpus_indices(&self) -> (Vec<usize>, usize) {
        let mut names: Vec<&str> = Vec::new();
        let indices = self
            .examples
            .iter()
            .map(|e| match names.iter().position(|n| *n == e.corpus) {
                Some(k) => k,
                None => {
                    names.push(&e.corpus);
                    names.len() - 1
                }
            })
            .collect();
        (indices, names.len())
    }

    /// Checks label indices and feature shapes are consistent and values are finite.
    pub fn validate(&self) -> Result<(), TrainError> {
        if self.labels.len() < 2 {
            return Err(TrainError::InvalidData(
                "at least two labels are needed".into(),
            ));
        }
        let shape = self.input_shape();
        for ex in &self.examples {
            if ex.label >= self.labels.len() {
                return Err(TrainError::InvalidData(format!(
                    "{}: label index {} out of {} labels",
                    ex.path.display(),
                    ex.label,
                    self.labels.len()
                )));
            }
            let (c, b, t) = ex.features.dim();
            if Some((c, b)) != shape || t == 0 {
                return Err(TrainError::InvalidData(format!(
                    "{}: features of shape {:?} differ from the dataset's {:?}",
                    ex.path.display(),
                    ex.features.shape(),
                    shape
                )));
            }
            if ex.features.iter().any(|v| !v.is_finite()) {
                return Err(TrainError::InvalidData(format!(
                    "{}: non-finite feature value",
                    ex.path.display()
                )));
            }
        }
        Ok(())
    }

    /// (channels, bins) of the examples, `None` when empty.
    pub fn input_shape(&self) -> Option<(usize, usize)> {
        self.examples.first().map(|e| {
            let (c, b, _) = e.features.dim();
            (c, b)
        })
    }

    /// Number of examples.
    pub fn len(&self) -> usize {
        self.examples.len()
    }

    /// Whether there are no examples.
    pub fn is_empty(&self) -> bool {
        self.examples.is_empty()
    }

    /// Examples per class, in label order.
    pub fn class_counts(&self) -> ClassCounts {
        let mut counts = vec![0; self.labels.len()];
        for ex in &self.examples {
            counts[ex.label] += 1;
        }
        ClassCounts(counts)
    }

    /// Owned copies of every example's features, in order (the input of
    /// `EmotionModel::probabilities_batch`).
    pub fn features(&self) -> Vec<Array3<f32>> {
        self.examples.iter().map(|e| e.features.clone()).collect()
    }

    /// Distinct speakers, sorted.
    pub fn speakers(&self) -> Vec<String> {
        let mut s: Vec<String> = self.examples.iter().map(|e| e.speaker.clone()).collect();
        s.sort();
        s.dedup();
        s
    }

    /// Splits into (examples of `speakers`, the rest), for speaker-independent validation.
    pub fn split_by_speakers(&self, speakers: &[&str]) -> (FeatureDataset, FeatureDataset) {
        let (inside, outside): (Vec<_>, Vec<_>) = self
            .examples
            .iter()
            .cloned()
            .partition(|e| speakers.contains(&e.speaker.as_str()));
        (
            Self {
                labels: self.labels.clone(),
                examples: inside,
            },
            Self {
                labels: self.labels.clone(),
                examples: outside,
            },
        )
    }
}
