//! Feature extraction for a whole corpus: decode, then the feature pipeline (resampling,
//! preprocessing, features), in parallel (rayon), once; files that fail are reported, never
//! fatal.

use std::sync::Arc;

use emovox_features::FeaturePipeline;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::corpus::{SkippedFile, Utterance};
use crate::{Example, FeatureDataset, TrainError};

/// How audio is prepared before feature extraction.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ExtractConfig {
    /// Print skipped files to stderr.
    pub report_skipped: bool,
    /// Keep each clip's prepared waveform (resampled and preprocessed by the pipeline) in its
    /// [`Example`] (needed by waveform augmentation; costs 4 bytes per sample of memory).
    pub keep_waveforms: bool,
}

impl Default for ExtractConfig {
    fn default() -> Self {
        Self {
            report_skipped: true,
            keep_waveforms: false,
        }
    }
}

/// Features of every utterance whose label is in `labels`, plus the files that were skipped
/// (undecodable audio, unknown label, too short for one frame, ...), in input order.
pub fn extract_dataset(
    utterances: &[Utterance],
    labels: &[String],
    pipeline: &FeaturePipeline,
    config: &ExtractConfig,
) -> Result<(FeatureDataset, Vec<SkippedFile>), TrainError> {
    let results: Vec<Result<Example, SkippedFile>> = utterances
        .par_iter()
        .map(|u| {
            extract_one(u, labels, pipeline, config).map_err(|reason| SkippedFile {
                path: u.path.clone(),
                reason,
            })
        })
        .collect();
    let mut examples = Vec::with_capacity(results.len());
    let mut skipped = Vec::new();
    for result in results {
        match result {
            Ok(example) => examples.push(example),
            Err(skip) => {
                if config.report_skipped {
                    eprintln!("skipped {}: {}", skip.path.display(), skip.reason);
                }
                skipped.push(skip);
            }
        }
    }
    Ok((FeatureDataset::new(labels.to_vec(), examples)?, skipped))
}

/// Features of one utterance, or why it cannot be used.
fn extract_one(
    utterance: &Utterance,
    labels: &[String],
    pipeline: &FeaturePipeline,
    config: &ExtractConfig,
) -> Result<Example, String> {
    let label = labels
        .iter()
        .position(|l| *l == utterance.label)
        .ok_or_else(|| format!("label `{}` is not one of {labels:?}", utterance.label))?;
    // Any supported format, told from the content.
    let audio = emovox_audio::read_audio(&utterance.path).map_err(|e| e.to_string())?;
    let samples = pipeline
        .prepare(&audio.samples, audio.sample_rate)
        .map_err(|e| e.to_string())?;
    let features = pipeline.features(&samples).map_err(|e| e.to_string())?;
    Ok(Example {
        features,
        label,
        speaker: utterance.speaker.clone(),
        corpus: utterance.corpus.clone(),
        path: utterance.path.clone(),
        waveform: config.keep_waveforms.then(|| Arc::from(samples.as_ref())),
    })
}
