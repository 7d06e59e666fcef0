//! [`AppState`]: what every handler shares (the model is loaded once, at start).

use std::sync::Arc;

use emovox::Classifier;
use serde::Serialize;
use tokio::sync::Semaphore;

use crate::limits::CpuPool;
use crate::metrics::Metrics;
use crate::ServerConfig;

/// The shared state of the service; cloning it is cheap (reference counts).
#[derive(Clone, Debug)]
pub struct AppState {
    /// The classifier, loaded once and shared by every request.
    pub classifier: Arc<Classifier>,
    /// What `/v1/model` says of it.
    pub model: Arc<ModelInfo>,
    /// The settings the service runs with.
    pub config: Arc<ServerConfig>,
    /// The bounded pool classification runs on.
    pub cpu: CpuPool,
    /// Slots of the classifying HTTP routes (`max_in_flight`).
    pub in_flight: Arc<Semaphore>,
    /// Slots of WebSocket streams (`max_streams`).
    pub streams: Arc<Semaphore>,
    /// Request counters and histograms for `/metrics`.
    pub metrics: Arc<Metrics>,
}

impl AppState {
    /// Builds the state around a loaded classifier; `model_id` names it in responses.
    pub fn new(classifier: Classifier, model_id: &str, config: ServerConfig) -> Self {
        let model = ModelInfo::of(&classifier, model_id);
        Self {
            cpu: CpuPool::new(config.worker_count()),
            in_flight: Arc::new(Semaphore::new(config.max_in_flight)),
            streams: Arc::new(Semaphore::new(config.max_streams)),
            classifier: Arc::new(classifier),
            model: Arc::new(model),
            config: Arc::new(config),
            metrics: Arc::new(Metrics::default()),
        }
    }

    /// Loads the model `config.model` names (the bundled one when none) and builds the state.
    pub fn load(config: ServerConfig) -> Result<Self, emovox::Error> {
        let (classifier, id) = match &config.model {
            Some(path) => {
                let classifier = Classifier::load(path)?;
                let bytes =
                    std::fs::read(path).map_err(|source| emovox::audio::AudioError::Io {
                        path: path.clone(),
                        source,
                    })?;
                let stem = path
                    .file_stem()
                    .map_or("model".into(), |s| s.to_string_lossy().into_owned());
                (classifier, format!("{stem}@{:016x}", fnv1a(&bytes)))
            }
            None => (Classifier::bundled()?, BUNDLED_ID.to_string()),
        };
        Ok(Self::new(classifier, &id, config))
    }
}

/// The id of the bundled model: it is compiled into this version of emovox.
pub const BUNDLED_ID: &str = concat!("emovox-bundled@", env!("CARGO_PKG_VERSION"));

/// The description of the served model (`GET /v1/model`).
#[derive(Debug, Clone, Serialize)]
pub struct ModelInfo {
    /// [`BUNDLED_ID`] for the bundled model; for a file, its stem and a 64-bit FNV-1a hash of
    /// its bytes (`name@hash`), so two different files never share an id.
    pub id: String,
    /// The labels, in the order of probabilities.
    pub labels: Vec<String>,
    /// The sample rate the model works at (other rates are resampled).
    pub sample_rate: u32,
    /// The novelty above which a clip is `unfamiliar` (see `emovox::Prediction::unfamiliar`),
    /// if the model has one.
    pub novelty_threshold: Option<f32>,
    /// Per feature view: the feature spec and the training provenance stored in the file.
    pub views: Vec<ViewInfo>,
}

/// One feature view of the model.
#[derive(Debug, Clone, Serialize)]
pub struct ViewInfo {
    /// The feature pipeline's configuration (as stored in the model file).
    pub features: serde_json::Value,
    /// How the view was trained (corpus, speakers, seed, epochs, recipe), when recorded.
    pub training: serde_json::Value,
    /// The emovox version that wrote the view.
    pub emovox_version: String,
}

impl ModelInfo {
    fn of(classifier: &Classifier, id: &str) -> Self {
        let views = classifier
            .model()
            .views()
            .iter()
            .map(|view| {
                let meta = view.metadata();
                ViewInfo {
                    features: serde_json::to_value(&meta.features).unwrap_or_default(),
                    training: serde_json::to_value(&meta.training).unwrap_or_default(),
                    emovox_version: meta.emovox_version.clone(),
                }
            })
            .collect();
        Self {
            id: id.to_string(),
            labels: classifier.labels().to_vec(),
            sample_rate: classifier.sample_rate(),
            novelty_threshold: classifier.novelty_threshold(),
            views,
        }
    }
}

/// 64-bit FNV-1a.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &b| {
        (hash ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}
