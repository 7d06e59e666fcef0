//! The training recipe ([`TrainConfig`]) and run options ([`TrainOptions`]).

use std::path::PathBuf;
use std::sync::Arc;

use candle_core::Device;
use emovox_features::{
    FeatureKind, FeatureSpec, LevelNormalisation, MelConfig, MfccConfig, PitchConfig,
    Preprocessing, SpeechTrim,
};
use emovox_model::{InferenceConfig, ModelConfig, PoolingKind};
use serde::{Deserialize, Serialize};

use crate::wave_augment::WaveAugmentConfig;
use crate::{AugmentConfig, EarlyStopping, LrSchedule, TrainError, TrainObserver};
use emovox_audio::degrade::MultiConditionConfig;
use emovox_corpus::LabelScheme;

/// Everything that determines a trained model (with the data and the seed).
///
/// `TrainConfig::default()` is the best single-network recipe measured on RAVDESS by 5-fold
/// speaker-independent cross-validation; see `docs/experiments.md`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TrainConfig {
    /// Features the network is trained on; datasets must be extracted with a
    /// `FeaturePipeline` of this specification. Stored in the model.
    pub features: FeatureSpec,
    /// Further feature views, each trained as its own network(s) by this recipe (same seed)
    /// on features of that specification; the model averages the views' probabilities
    /// ([`emovox_model::MultiViewModel`], [`crate::train_views`]). Empty: `features` only.
    pub extra_views: Vec<FeatureSpec>,
    /// Network architecture; `in_channels`, `n_bins` and `n_classes` are taken from the data.
    pub model: ModelConfig,
    /// Maximum number of epochs.
    pub epochs: usize,
    /// Examples per optimisation step.
    pub batch_size: usize,
    /// Peak learning rate of AdamW.
    pub learning_rate: f64,
    /// AdamW decoupled weight decay.
    pub weight_decay: f64,
    /// Learning-rate schedule over all steps.
    pub schedule: LrSchedule,
    /// Keep the weights of the epoch with the best validation UAR; `false`
    /// keeps the last epoch's and uses validation data only to monitor the run (as
    /// cross-validation does, where the validation speakers are the test speakers).
    pub keep_best: bool,
    /// Length in frames of the random training crops.
    pub crop_frames: usize,
    /// Feature-level augmentation.
    pub augment: AugmentConfig,
    /// Label smoothing of the targets (0 disables it).
    pub label_smoothing: f32,
    /// Weight the loss by inverse class frequency, every (corpus, label) pair of the training
    /// set carrying the same total weight (with one corpus: inverse class frequency).
    pub class_weighting: bool,
    /// Normalise features with training-set (corpus) mean and deviation per (channel, bin);
    /// stored in the model so inference does the same.
    pub corpus_normalisation: bool,
    /// Test-time settings written into the model. Its `repeat_to_frames` is left unset here:
    /// the trainer writes it from [`TrainConfig::repeat_short_clips`].
    pub inference: InferenceConfig,
    /// Make the model repeat a clip shorter than `crop_frames` to that length before the
    /// network, as training crops repeat it (written into the model as
    /// [`InferenceConfig::repeat_to_frames`]): a one-word clip is then heard at the length every
    /// training input had. Recipes written before R77 (`docs/experiments.md`) lack it and read
    /// as `false`, as their models ran.
    #[serde(default)]
    pub repeat_short_clips: bool,
    /// Fit a temperature on the validation clips (minimum log-loss of the view-averaged
    /// probabilities) and store it in the model ([`emovox_model::ProbabilityCalibration`]), so
    /// confidences mean what they say; the most probable label never changes. Needs
    /// validation data; cross-validation switches it off (its validation speakers are its test
    /// speakers).
    pub calibrate: bool,
    /// Seed of initialisation, shuffling, augmentation and dropout.
    pub seed: u64,
}

impl Default for TrainConfig {
    fn default() -> Self {
        Self {
            features: default_feature_spec(),
            extra_views: Vec::new(),
            model: ModelConfig {
                block_channels: vec![128, 128, 128],
                kernel_size: 5,
                residual: false,
                time_pool: 2,
                // Every layer at 20 ms: half the multiply-adds of 10 ms frames, for held-out
                // figures within retraining noise of them (docs/experiments.md, R21).
                input_pool: 2,
                pooling: PoolingKind::MeanStd,
                head_hidden: 128,
                dropout: 0.3,
                ..ModelConfig::default()
            },
            epochs: 30,
            batch_size: 32,
            learning_rate: 2e-3,
            weight_decay: 1e-2,
            schedule: LrSchedule::OneCycle {
                pct_start: 0.25,
                div_factor: 10.0,
                final_div_factor: 100.0,
            },
            keep_best: true,
            crop_frames: 200,
            augment: AugmentConfig {
                wave: WaveAugmentConfig {
                    conditions: Some(MultiConditionConfig::default()),
                    ..WaveAugmentConfig::none()
                },
                ..AugmentConfig::default()
            },
            label_smoothing: 0.1,
            class_weighting: true,
            corpus_normalisation: true,
            inference: InferenceConfig::default(),
            // Short clips heard at the crop's length, as in training: all of TurEV-DB (words
            // of about 1 s) from RAVDESS-only networks +0.005 over sixteen seeds, fifteen of
            // them up (R77, R77b in docs/experiments.md).
            repeat_short_clips: true,
            calibrate: true,
            seed: 42,
        }
    }
}

impl TrainConfig {
    /// The default recipe with a second feature view ([`default_extra_views`]): the recipe of
    /// the train example and of the bundled model; train it with [`crate::train_views`].
    ///
    /// It keeps the last epoch's weights (`keep_best: false`): validation speakers only
    /// monitor the run and fit the calibration temperature, so figures on them are not
    /// inflated by choosing the epoch that scores best on them.
    pub fn two_views() -> Self {
        Self {
            extra_views: default_extra_views(),
            keep_best: false,
            ..Self::default()
        }
    }

    /// The test-time settings a model trained by this recipe carries: [`TrainConfig::inference`]
    /// with `repeat_to_frames` set to `crop_frames` when [`TrainConfig::repeat_short_clips`].
    pub(crate) fn model_inference(&self) -> InferenceConfig {
        InferenceConfig {
            repeat_to_frames: self.repeat_short_clips.then_some(self.crop_frames),
            ..self.inference.clone()
        }
    }

    /// Checks the recipe's values are in range.
    pub fn validate(&self) -> Result<(), TrainError> {
        let fail = |m: &str| Err(TrainError::InvalidConfig(m.to_string()));
        self.model.validate()?;
        if self.epochs == 0 {
            return fail("epochs must be positive");
        }
        if self.batch_size < 2 {
            return fail("batch_size must be at least 2 (batch normalisation)");
        }
        if !(self.learning_rate > 0.0 && self.learning_rate.is_finite()) {
            return fail("learning_rate must be positive");
        }
        if !(self.weight_decay >= 0.0 && self.weight_decay.is_finite()) {
            return fail("weight_decay must be non-negative");
        }
        if !(0.0..1.0).contains(&self.label_smoothing) {
            return fail("label_smoothing must be in [0, 1)");
        }
        if self.crop_frames < self.model.min_frames() {
            return fail("crop_frames is below the network's minimum number of frames");
        }
        if self.augment.mixup_alpha < 0.0 || !(0.0..=1.0).contains(&self.augment.mixup_prob) {
            return fail("mixup_alpha must be >= 0 and mixup_prob in [0, 1]");
        }
        let rate = self.features.kind.mel().sample_rate;
        for view in &self.extra_views {
            view.validate()?;
            if view.kind.mel().sample_rate != rate {
                return fail("every feature view must work at the same sample rate");
            }
        }
        if self.inference.repeat_to_frames.is_some() {
            return fail(
                "inference.repeat_to_frames is written from crop_frames: set repeat_short_clips",
            );
        }
        self.schedule
            .validate()
            .map_err(TrainError::InvalidConfig)?;
        self.augment
            .wave
            .validate()
            .map_err(TrainError::InvalidConfig)?;
        Ok(())
    }
}

/// The features the default recipe was tuned with: a 64-band log-mel spectrogram (16 kHz,
/// 25 ms window, 10 ms hop, 0-8000 Hz, floored [`DEFAULT_TOP_DB`] under the clip's maximum)
/// plus the pitch contour and voicing rows ([`PitchConfig::speech`]), with first and second deltas (width 9) as two more channels, no
/// per-utterance normalisation (the recipe uses corpus normalisation). In 5-fold
/// cross-validation (`docs/experiments.md`) deltas gave +0.04 mean UAR over MFCC alone, log-mel
/// with pitch +0.04 over MFCC with deltas (two seeds each), and pitch +0.03 over log-mel alone.
/// Each clip has its mean removed (a DC offset is no cue; since 2026-12-05, `docs/experiments.md`,
/// "A DC offset and rumble") and its active level normalised to -26 dBFS before any feature,
/// then is trimmed to its speech with 0.3 s either side (since 2026-12-06, R58 in
/// `docs/experiments.md`: a clip among seconds of room tone, as people's recordings often are,
/// is judged on its speech; on actors 19-20, over two seeds, +0.04 clean, +0.04 under noise and
/// +0.07 on loosely cut clips).
pub fn default_feature_spec() -> FeatureSpec {
    FeatureSpec {
        kind: FeatureKind::LogMel(default_mel()),
        delta_orders: 2,
        delta_width: 9,
        utterance_norm: false,
        pitch: Some(PitchConfig::speech()),
        preprocessing: Preprocessing {
            remove_dc: true,
            high_pass_hz: None,
            trim_top_db: None,
            trim_to_speech: Some(SpeechTrim { margin_s: 0.3 }),
            level: Some(LevelNormalisation::default()),
            balance: None,
        },
    }
}

/// How far under a clip's loudest mel bin the default recipe's views floor their log-mel
/// values (dB): 60, since R71 (`docs/experiments.md`). What lies further under the speech (a
/// studio's silence, a room's hiss) looks the same to the network whatever it was, so it
/// cannot learn a corpus's recording chain from it. Against 80 dB (the floor of
/// [`MelConfig::speech_with_mels`], and the default recipe's before), over four seeds: RAVDESS
/// 19-20 clean +0.027, six degraded conditions +0.022, another corpus (all of TurEV-DB)
/// +0.017, babble at 10 dB -0.027.
pub const DEFAULT_TOP_DB: f32 = 60.0;

/// The mel settings of the default recipe's views: [`MelConfig::speech_with_mels`] with 64
/// bands and the floor at [`DEFAULT_TOP_DB`].
fn default_mel() -> MelConfig {
    MelConfig {
        top_db: Some(DEFAULT_TOP_DB),
        ..MelConfig::speech_with_mels(64)
    }
}

/// The second feature view of the default recipe: 40 MFCC from 64 mel bands plus the pitch
/// rows, with first and second deltas. Alone it scores below the log-mel view (0.548 vs 0.574
/// mean UAR over 3 seeds in 5-fold cross-validation), but its errors differ, so the two views
/// together beat both (`docs/experiments.md`).
pub fn default_extra_views() -> Vec<FeatureSpec> {
    vec![FeatureSpec {
        kind: FeatureKind::Mfcc(MfccConfig {
            mel: default_mel(),
            n_mfcc: 40,
            lifter: 0.0,
        }),
        ..default_feature_spec()
    }]
}

/// How a run reports itself and where it runs; does not change the model.
#[derive(Clone)]
pub struct TrainOptions {
    /// Told the progress of the run (the first view's, first member's); `None` reports
    /// nothing. The library prints nothing itself: register e.g. a [`crate::ProgressBar`].
    pub observer: Option<Arc<dyn TrainObserver>>,
    /// Append one JSON line per epoch to this file.
    pub log_path: Option<PathBuf>,
    /// Corpus name recorded in the model's provenance.
    pub corpus: String,
    /// The label scheme the data's labels were mapped with ([`crate::corpus::apply_scheme`]),
    /// recorded in the model's provenance; `None` records none.
    pub label_scheme: Option<LabelScheme>,
    /// The device the networks train on (and the trained model lives on).
    pub device: Device,
    /// Stops a run before the recipe's last epoch (e.g. [`crate::NoImprovementSince`]);
    /// `None` runs every epoch. Its patience is recorded in the model's provenance.
    pub early_stopping: Option<Arc<dyn EarlyStopping>>,
}

impl Default for TrainOptions {
    /// No observer, no log, on the CPU, every epoch.
    fn default() -> Self {
        Self {
            early_stopping: None,
            observer: None,
            log_path: None,
            corpus: String::new(),
            label_scheme: None,
            device: Device::Cpu,
        }
    }
}

impl std::fmt::Debug for TrainOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TrainOptions")
            .field("observer", &self.observer.as_ref().map(|_| "registered"))
            .field("log_path", &self.log_path)
            .field("corpus", &self.corpus)
            .field("label_scheme", &self.label_scheme)
            .field("device", &self.device)
            .field(
                "early_stopping",
                &self.early_stopping.as_ref().map(|s| s.patience()),
            )
            .finish()
    }
}

impl TrainOptions {
    /// These options without an observer (for the runs beside the one that reports).
    pub(crate) fn unobserved(&self) -> Self {
        Self {
            observer: None,
            ..self.clone()
        }
    }
}
