//! The facade's error type: whatever a stage of the pipeline refused.

use thiserror::Error;

/// Why a [`crate::Classifier`] could not load a model or classify a clip.
#[derive(Debug, Error)]
pub enum Error {
    /// The audio could not be decoded, resampled or was invalid (empty, NaN, bad rate...).
    #[error(transparent)]
    Audio(#[from] emovox_audio::AudioError),
    /// The clip is silent: its loudest 20 ms, the clip's mean removed, is below
    /// [`crate::SILENCE_LEVEL_DB`] (digital silence, dither or a constant offset), so there is
    /// no speech to classify.
    #[error("the clip is silent: its loudest 20 ms is at {loudest_db:.1} dBFS, below {} dBFS (digital silence, dither or a constant, no speech to classify)", crate::SILENCE_LEVEL_DB)]
    Silent {
        /// Level of the clip's loudest 20 ms (mean square), in dBFS.
        loudest_db: f32,
    },
    /// Features could not be computed (e.g. the clip is shorter than one frame).
    #[error(transparent)]
    Features(#[from] emovox_features::FeatureError),
    /// The model file is invalid or inference failed.
    #[error(transparent)]
    Model(#[from] emovox_model::ModelError),
    /// A recording condition could not be applied (bad parameters, no babble).
    #[error(transparent)]
    Degrade(#[from] emovox_audio::degrade::DegradeError),
    /// A timeline could not be computed (empty or too short recording, bad configuration).
    #[error(transparent)]
    Timeline(#[from] crate::timeline::TimelineError),
    /// A report could not be written.
    #[error("cannot write {path}: {source}")]
    Io {
        /// The file or folder.
        path: std::path::PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// Scores could not be computed (e.g. no clip was scored).
    #[error(transparent)]
    Metrics(#[from] emovox_metrics::MetricsError),
    /// No clip of an evaluation carries a label the model scores (a model of other labels,
    /// or a corpus under another label scheme).
    #[error("no clip's label {clip_labels:?} is one the model scores {model_labels:?}: evaluate with a model of these labels, or another --labels scheme")]
    NoScoredLabels {
        /// The clips' labels.
        clip_labels: Vec<String>,
        /// The labels scored (the model's, merged by the scoring).
        model_labels: Vec<String>,
    },
    /// An evaluation was given no clips.
    #[error("no clips to evaluate")]
    NoClips,
    /// Every clip of an evaluation that carries a scored label was refused (too short, silent,
    /// not degradable...): there is nothing to score.
    #[error(
        "none of the {failed} clips with a scored label could be classified; the first: {first}"
    )]
    NothingScored {
        /// Clips refused.
        failed: usize,
        /// Why the first of them was.
        first: String,
    },
    /// A condition appears twice in one evaluation table.
    #[error("condition {0:?} is asked for twice")]
    DuplicateCondition(String),
    /// Two evaluations compared clip by clip are not of the same clips.
    #[error("the evaluations cannot be paired: {0}")]
    NotPaired(&'static str),
}
