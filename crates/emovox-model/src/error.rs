use std::path::PathBuf;

use thiserror::Error;

/// Why a model could not be built, loaded, saved or run.
#[derive(Debug, Error)]
pub enum ModelError {
    /// Reading or writing a model file failed.
    #[error("cannot access model file {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The bytes are not a valid safetensors file (bad header, truncated data...).
    #[error("malformed model file: {0}")]
    MalformedFile(String),
    /// The file has no emovox metadata entry in its safetensors header.
    #[error("the model file has no `{key}` metadata entry: not an emovox model")]
    MissingMetadata {
        /// The metadata key that was looked for.
        key: &'static str,
    },
    /// The file holds a model of several feature views; load it as a
    /// [`MultiViewModel`](crate::MultiViewModel).
    #[error("the model file holds {views} feature views: load it as a MultiViewModel")]
    MultiViewFile {
        /// Number of views in the file.
        views: usize,
    },
    /// The metadata is not valid JSON for [`crate::ModelMetadata`] or is inconsistent.
    #[error("invalid model metadata: {0}")]
    InvalidMetadata(String),
    /// The feature specification in the metadata is out of range (e.g. a delta window or a
    /// hop beyond its bound).
    #[error("invalid feature specification in the model metadata: {0}")]
    InvalidFeatures(#[source] emovox_features::FeatureError),
    /// An architecture hyper-parameter is out of range.
    #[error("invalid model configuration: {0}")]
    InvalidConfig(String),
    /// A tensor the architecture needs is not in the file.
    #[error("the model file lacks tensor `{0}`")]
    MissingTensor(String),
    /// The file holds a tensor the architecture does not use.
    #[error("the model file holds unexpected tensor `{0}`")]
    UnexpectedTensor(String),
    /// A tensor has another shape than the architecture expects.
    #[error("tensor `{name}` has shape {found:?}, the architecture expects {expected:?}")]
    TensorShape {
        /// Tensor name.
        name: String,
        /// Shape the architecture needs.
        expected: Vec<usize>,
        /// Shape found in the file.
        found: Vec<usize>,
    },
    /// A tensor is stored with an element type other than f32.
    #[error("tensor `{name}` has dtype {dtype}, only F32 is supported")]
    TensorDtype {
        /// Tensor name.
        name: String,
        /// Dtype found in the file.
        dtype: String,
    },
    /// A tensor holds NaN or infinite values.
    #[error("tensor `{0}` holds non-finite values")]
    NonFiniteTensor(String),
    /// The features given to the model do not have the shape it was trained on.
    #[error("features have shape {found:?}, the model expects ({channels}, {bins}, frames)")]
    InputShape {
        /// Expected channels.
        channels: usize,
        /// Expected bins.
        bins: usize,
        /// Shape received.
        found: Vec<usize>,
    },
    /// The features are too short for the network's pooling stages.
    #[error("features have {frames} frames, the model needs at least {min}")]
    TooFewFrames {
        /// Frames received.
        frames: usize,
        /// Minimum accepted.
        min: usize,
    },
    /// The features hold NaN or infinite values.
    #[error("features hold a non-finite value")]
    NonFiniteInput,
    /// The model's output for this input is not finite (NaN or infinite probabilities or
    /// novelty): its weights are so large that the network overflows f32 on it.
    #[error("the model's {what} came out non-finite for this input (its weights overflow)")]
    NonFiniteOutput {
        /// What came out non-finite: `probabilities` or `novelty`.
        what: &'static str,
    },
    /// A thread panicked while holding a lock the model needs (e.g. a `VarMap`'s).
    #[error("the {what} lock is poisoned: a thread panicked while holding it")]
    LockPoisoned {
        /// What the lock guards.
        what: &'static str,
    },
    /// A variable map with no variables was given as a trained network.
    #[error("the variable map holds no variables: build the network with it first")]
    EmptyVarMap,
    /// An ensemble was asked of no models.
    #[error("an ensemble needs at least one model")]
    EmptyEnsemble,
    /// An ensemble member is not a single network with the first member's metadata.
    #[error("ensemble member {index} is not a single network with the first member's metadata")]
    EnsembleMember {
        /// Position of the member in the list given.
        index: usize,
    },
    /// A multi-view model was asked of no views.
    #[error("a multi-view model needs at least one view")]
    NoViews,
    /// A multi-view model was given another number of feature arrays than it has views.
    #[error("{found} feature arrays for a model of {views} views")]
    ViewCount {
        /// Views of the model.
        views: usize,
        /// Feature arrays given.
        found: usize,
    },
    /// A [`crate::FeatureDensity`] cannot be fitted, read, or does not fit the model.
    #[error("feature density: {0}")]
    InvalidDensity(String),
    /// An error inside candle.
    #[error("tensor computation failed: {0}")]
    Candle(#[from] candle_core::Error),
}
