//! Feature extraction for a whole corpus: decode, then the feature pipeline (resampling,
//! preprocessing, features), in parallel (rayon), once; files that fail are reported, never
//! fatal.

use std::sync::Arc;

use emovox_audio::{loudest_level_db, SILENCE_LEVEL_DB};
use emovox_features::FeaturePipeline;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::corpus::{SkippedFile, Utterance};
use crate::{Example, FeatureDataset, TrainError};

/// How audio is prepared before feature extraction.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ExtractConfig {
    /// Keep each clip's prepared waveform (resampled and preprocessed by the pipeline) in its
    /// [`Example`] (needed by waveform augmentation; costs 4 bytes per sample of memory).
    pub keep_waveforms: bool,
}

/// Features of every utterance whose label is in `labels`, plus the files that were skipped
/// (undecodable audio, unknown label, too short for one frame, silent as
/// [`emovox_audio::SILENCE_LEVEL_DB`] defines it, ...), in input order (reported
/// to the caller, never printed).
pub fn extract_dataset(
    utterances: &[Utterance],
    labels: &[String],
    pipeline: &FeaturePipeline,
    config: &ExtractConfig,
) -> Result<(FeatureDataset, Vec<SkippedFile>), TrainError> {
    let (mut views, skipped) =
        extract_views(utterances, labels, std::slice::from_ref(pipeline), config)?;
    Ok((views.remove(0), skipped))
}

/// The features of every utterance for each of `pipelines` (one dataset per pipeline, the same
/// clips in the same order), each file decoded once and prepared once for all pipelines that
/// share their rate and preprocessing; a file that fails for any pipeline is skipped in all.
pub(crate) fn extract_views(
    utterances: &[Utterance],
    labels: &[String],
    pipelines: &[FeaturePipeline],
    config: &ExtractConfig,
) -> Result<(Vec<FeatureDataset>, Vec<SkippedFile>), TrainError> {
    let results: Vec<Result<Vec<Example>, SkippedFile>> = utterances
        .par_iter()
        .map(|u| {
            extract_one(u, labels, pipelines, config).map_err(|reason| SkippedFile {
                path: u.path.clone(),
                reason,
            })
        })
        .collect();
    let mut per_view: Vec<Vec<Example>> = vec![Vec::with_capacity(results.len()); pipelines.len()];
    let mut skipped = Vec::new();
    for result in results {
        match result {
            Ok(examples) => {
                for (view, example) in per_view.iter_mut().zip(examples) {
                    view.push(example);
                }
            }
            Err(skip) => skipped.push(skip),
        }
    }
    let datasets = per_view
        .into_iter()
        .map(|examples| FeatureDataset::new(labels.to_vec(), examples))
        .collect::<Result<_, _>>()?;
    Ok((datasets, skipped))
}

/// One utterance's example for each pipeline, or why it cannot be used.
fn extract_one(
    utterance: &Utterance,
    labels: &[String],
    pipelines: &[FeaturePipeline],
    config: &ExtractConfig,
) -> Result<Vec<Example>, String> {
    let label = labels
        .iter()
        .position(|l| *l == utterance.label)
        .ok_or_else(|| format!("label `{}` is not one of {labels:?}", utterance.label))?;
    // Any supported format, told from the content.
    let audio = emovox_audio::read_audio(&utterance.path).map_err(|e| e.to_string())?;
    let mut prepared: Vec<(usize, Arc<[f32]>)> = Vec::new();
    let mut examples = Vec::with_capacity(pipelines.len());
    for (v, pipeline) in pipelines.iter().enumerate() {
        let shared = prepared
            .iter()
            .find(|(u, _)| prepares_alike(&pipelines[*u], pipeline))
            .map(|(_, samples)| samples.clone());
        let samples = match shared {
            Some(samples) => samples,
            None => {
                let samples: Arc<[f32]> = Arc::from(
                    pipeline
                        .prepare(&audio.samples, audio.sample_rate)
                        .map_err(|e| e.to_string())?
                        .as_ref(),
                );
                prepared.push((v, samples.clone()));
                samples
            }
        };
        let features = pipeline.features(&samples).map_err(|e| e.to_string())?;
        examples.push(Example {
            features,
            label,
            speaker: utterance.speaker.clone(),
            corpus: utterance.corpus.clone(),
            path: utterance.path.clone(),
            waveform: config.keep_waveforms.then_some(samples),
        });
    }
    // After the features, so that a clip too short for one frame is said to be that.
    let loudest_db = loudest_level_db(&audio.samples, audio.sample_rate);
    if loudest_db < SILENCE_LEVEL_DB {
        return Err(format!(
            "silent: its loudest 20 ms is at {loudest_db:.1} dBFS, below {SILENCE_LEVEL_DB} \
             dBFS (digital silence, dither or a constant; prediction refuses such clips)"
        ));
    }
    Ok(examples)
}

/// Whether two pipelines prepare samples identically (same rate and preprocessing).
fn prepares_alike(a: &FeaturePipeline, b: &FeaturePipeline) -> bool {
    a.sample_rate() == b.sample_rate() && a.spec().preprocessing == b.spec().preprocessing
}
