//! The training loop: AdamW on augmented random crops, per-epoch validation through the
//! inference path, early stopping on validation UAR keeping the best weights.

use std::time::Instant;

use candle_core::{DType, Device};
use candle_nn::{Optimizer, ParamsAdamW, VarBuilder, VarMap};
use emovox_model::{
    EmotionModel, ModelConfig, ModelMetadata, Network, Normalisation, TrainingProvenance,
};
use ndarray::Array3;
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::batch::{build_batch, example_weights, BatchSource, CropSampler};
use crate::evaluate::{argmax_rows, mean_log_loss};
use crate::init::seeded_init;
use crate::loss::soft_cross_entropy;
use crate::normalise::corpus_statistics;
use crate::report::RunReport;
use crate::{fit_density, FeatureDataset, TrainConfig, TrainError, TrainOptions};
use emovox_metrics::ConfusionMatrix;

/// Metrics of one epoch.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EpochRecord {
    /// 1-based epoch.
    pub epoch: usize,
    /// Mean training loss over the epoch (augmented crops, regularised targets).
    pub train_loss: f64,
    /// Mean validation log-loss of the true class, when there is a validation set.
    pub val_loss: Option<f64>,
    /// Validation accuracy, when there is a validation set.
    pub val_accuracy: Option<f64>,
    /// Validation unweighted average recall, when there is a validation set.
    pub val_uar: Option<f64>,
    /// Learning rate at the end of the epoch.
    pub learning_rate: f64,
    /// Wall-clock seconds of the epoch (training and validation).
    pub seconds: f64,
}

impl EpochRecord {
    /// The record in `emovox_metrics`' form (for its plots and reports); `None` for a run
    /// without validation data.
    pub fn to_metrics(&self) -> Option<emovox_metrics::EpochRecord> {
        Some(emovox_metrics::EpochRecord {
            epoch: self.epoch,
            train_loss: self.train_loss,
            val_loss: self.val_loss,
            val_accuracy: self.val_accuracy?,
            val_uar: self.val_uar?,
        })
    }
}

/// The result of a training run.
#[derive(Debug)]
pub struct TrainOutcome {
    /// The kept model (best validation UAR, or the last epoch without validation data), with
    /// its metadata and provenance filled in.
    pub model: EmotionModel,
    /// One record per epoch run.
    pub history: Vec<EpochRecord>,
    /// 1-based epoch whose weights were kept.
    pub best_epoch: usize,
    /// The kept model's validation probabilities (label order), via `probabilities_batch`.
    pub val_probabilities: Vec<Vec<f32>>,
    /// True validation label indices, aligned with `val_probabilities`.
    pub val_truth: Vec<usize>,
    /// Wall-clock seconds of the whole run.
    pub seconds: f64,
}

/// Trains a model from scratch on `train_set`, validating on `val_set` (may be empty), and
/// fits its [`emovox_model::FeatureDensity`] on `train_set` ([`fit_density`]).
///
/// The datasets must have been extracted with `config.features`, which is stored in the model.
/// Same data, config and seed give the same model. With
/// `config.model.members = n > 1` it trains `n` networks from seeds `seed, seed + 1, ...` in
/// parallel (rayon) and returns their ensemble; `history` and `best_epoch` are then those of
/// the first member, the validation probabilities those of the ensemble.
pub fn train(
    config: &TrainConfig,
    train_set: &FeatureDataset,
    val_set: &FeatureDataset,
    options: &TrainOptions,
) -> Result<TrainOutcome, TrainError> {
    config.validate()?;
    if !config.extra_views.is_empty() {
        return Err(TrainError::InvalidConfig(format!(
            "the recipe has {} feature views: train it with train_views",
            1 + config.extra_views.len()
        )));
    }
    let members = config.model.members;
    if members == 1 {
        let outcome = train_network(config, train_set, val_set, options)?;
        return Ok(TrainOutcome {
            model: fit_density(outcome.model, train_set)?,
            ..outcome
        });
    }
    let started = Instant::now();
    let outcomes: Vec<TrainOutcome> = (0..members)
        .into_par_iter()
        .map(|k| {
            let member = TrainConfig {
                model: ModelConfig {
                    members: 1,
                    ..config.model.clone()
                },
                seed: config.seed.wrapping_add(k as u64),
                ..config.clone()
            };
            let member_options = if k == 0 {
                options.clone()
            } else {
                TrainOptions {
                    log_path: None,
                    ..options.unobserved()
                }
            };
            train_network(&member, train_set, val_set, &member_options)
        })
        .collect::<Result<_, _>>()?;
    let mut outcome = ensemble_outcome(config, outcomes, train_set, val_set, options)?;
    outcome.seconds = started.elapsed().as_secs_f64();
    Ok(outcome)
}

/// The ensemble of the members' networks, its density fitted on `train_set` and its own
/// validation probabilities; its provenance is the first member's with the ensemble's recipe
/// (the data's input shape, `members` networks) and the ensemble's validation scores. History
/// and kept epoch are the first member's.
fn ensemble_outcome(
    config: &TrainConfig,
    outcomes: Vec<TrainOutcome>,
    train_set: &FeatureDataset,
    val_set: &FeatureDataset,
    options: &TrainOptions,
) -> Result<TrainOutcome, TrainError> {
    let mut outcomes = outcomes.into_iter();
    let first = outcomes.next().expect("at least two members");
    let provenance = first.model.metadata().training.clone();
    let arch = ModelConfig {
        members: config.model.members,
        ..first.model.metadata().architecture.clone()
    };
    let models = std::iter::once(first.model).chain(outcomes.map(|o| o.model));
    let model = fit_density(EmotionModel::ensemble(models.collect())?, train_set)?;
    let val_inputs: Vec<Array3<f32>> = val_set.features();
    let val_probabilities: Vec<Vec<f32>> = model
        .probabilities_batch(&val_inputs)
        .into_iter()
        .collect::<Result<_, _>>()?;
    let scores = ValScores::compute(&first.val_truth, &val_probabilities, &train_set.labels)?;
    let provenance = provenance.map(|p| TrainingProvenance {
        recipe: recipe_json(
            &TrainConfig {
                model: arch,
                ..config.clone()
            },
            options,
        ),
        val_accuracy: scores.as_ref().map(|s| s.accuracy),
        val_uar: scores.as_ref().map(|s| s.uar),
        ..p
    });
    Ok(TrainOutcome {
        model: model.with_training(provenance),
        history: first.history,
        best_epoch: first.best_epoch,
        val_probabilities,
        val_truth: first.val_truth,
        seconds: 0.0,
    })
}

/// Trains one network (`config.model.members` is 1).
fn train_network(
    config: &TrainConfig,
    train_set: &FeatureDataset,
    val_set: &FeatureDataset,
    options: &TrainOptions,
) -> Result<TrainOutcome, TrainError> {
    let started = Instant::now();
    let arch = check_data(config, train_set, val_set)?;
    let normalisation = if config.corpus_normalisation {
        Some(corpus_statistics(train_set)?)
    } else {
        None
    };
    let metadata = ModelMetadata {
        labels: train_set.labels.clone(),
        features: config.features.clone(),
        architecture: arch.clone(),
        normalisation: normalisation.clone(),
        inference: config.model_inference(),
        emovox_version: env!("CARGO_PKG_VERSION").to_string(),
        training: None,
    };
    metadata.validate()?;

    let mut session = Session::new(
        config,
        &arch,
        train_set,
        normalisation.as_ref(),
        &options.device,
    )?;
    let val_inputs: Vec<Array3<f32>> = val_set.features();
    let val_truth: Vec<usize> = val_set.examples.iter().map(|e| e.label).collect();
    let validation = Validation {
        inputs: &val_inputs,
        truth: &val_truth,
        labels: &train_set.labels,
    };
    let (history, kept) = run_epochs(&mut session, &metadata, &validation, options)?;
    let provenance = TrainingProvenance {
        corpus: options.corpus.clone(),
        train_speakers: train_set.speakers(),
        val_speakers: val_set.speakers(),
        seed: config.seed,
        epochs: history.len(),
        best_epoch: kept.epoch,
        val_accuracy: kept.scores.as_ref().map(|s| s.accuracy),
        val_uar: kept.scores.as_ref().map(|s| s.uar),
        recipe: recipe_json(
            &TrainConfig {
                model: arch,
                ..config.clone()
            },
            options,
        ),
        label_scheme: options.label_scheme.map(|s| s.name().to_string()),
    };
    Ok(TrainOutcome {
        model: kept.model.with_training(Some(provenance)),
        history,
        best_epoch: kept.epoch,
        val_probabilities: kept.probabilities,
        val_truth,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// The validation data of a run: inputs, true label indices, label names.
struct Validation<'a> {
    inputs: &'a [Array3<f32>],
    truth: &'a [usize],
    labels: &'a [String],
}

/// Runs the recipe's epochs, validating each through the inference path; returns every
/// epoch's record and the weights kept (best validation UAR with `keep_best`, else the last).
fn run_epochs(
    session: &mut Session<'_>,
    metadata: &ModelMetadata,
    validation: &Validation<'_>,
    options: &TrainOptions,
) -> Result<(Vec<EpochRecord>, Kept), TrainError> {
    let config = session.config;
    let total_steps = config.epochs * session.batches_per_epoch();
    let mut report = RunReport::new(total_steps, options)?;
    let mut history: Vec<EpochRecord> = Vec::new();
    let mut kept: Option<Kept> = None;
    for epoch in 1..=config.epochs {
        let epoch_start = Instant::now();
        let (train_loss, learning_rate) = session.run_epoch(epoch, total_steps, &report)?;
        let snapshot = EmotionModel::from_varmap(metadata.clone(), &session.varmap)?;
        let probabilities = snapshot
            .probabilities_batch(validation.inputs)
            .into_iter()
            .collect::<Result<Vec<_>, _>>()?;
        let scores = ValScores::compute(validation.truth, &probabilities, validation.labels)?;
        let record = EpochRecord {
            epoch,
            train_loss,
            val_loss: scores.as_ref().map(|s| s.loss),
            val_accuracy: scores.as_ref().map(|s| s.accuracy),
            val_uar: scores.as_ref().map(|s| s.uar),
            learning_rate,
            seconds: epoch_start.elapsed().as_secs_f64(),
        };
        report.epoch(&record)?;
        history.push(record);
        let candidate = Kept {
            model: snapshot,
            epoch,
            scores,
            probabilities,
        };
        match &kept {
            Some(current) if config.keep_best && !candidate.improves_on(current) => {}
            _ => kept = Some(candidate),
        }
        if let Some(strategy) = &options.early_stopping {
            if strategy.should_stop(&history) {
                break;
            }
        }
    }
    report.finish();
    let kept = kept.ok_or_else(|| TrainError::InvalidData("no epoch was run".into()))?;
    Ok((history, kept))
}

/// The recipe as the model's provenance records it: the config, plus the patience of the
/// registered early stopping (`null` without one) under `patience`.
fn recipe_json(config: &TrainConfig, options: &TrainOptions) -> Option<serde_json::Value> {
    let mut recipe = serde_json::to_value(config).ok()?;
    let patience = options.early_stopping.as_ref().and_then(|s| s.patience());
    recipe
        .as_object_mut()?
        .insert("patience".into(), serde_json::json!(patience));
    Some(recipe)
}

/// Checks the datasets fit together and returns the architecture with the data's input
/// shape and class count.
fn check_data(
    config: &TrainConfig,
    train_set: &FeatureDataset,
    val_set: &FeatureDataset,
) -> Result<ModelConfig, TrainError> {
    train_set.validate()?;
    val_set.validate()?;
    if train_set.len() < 2 {
        return Err(TrainError::InvalidData(
            "the training set needs at least 2 examples".into(),
        ));
    }
    if val_set.labels != train_set.labels {
        return Err(TrainError::InvalidData(
            "training and validation labels differ".into(),
        ));
    }
    let counts = train_set.class_counts().0;
    let untrained: Vec<&str> = (train_set.labels.iter().zip(counts))
        .filter(|(_, count)| *count == 0)
        .map(|(label, _)| label.as_str())
        .collect();
    if !untrained.is_empty() {
        return Err(TrainError::InvalidData(format!(
            "labels {untrained:?} have no clip in the training set: the model would answer \
             classes it never learnt; train on speakers who have them or leave their clips out"
        )));
    }
    let (channels, bins) = train_set.input_shape().unwrap_or_default();
    if !val_set.is_empty() && val_set.input_shape() != Some((channels, bins)) {
        return Err(TrainError::InvalidData(
            "validation features have another shape".into(),
        ));
    }
    Ok(ModelConfig {
        in_channels: channels,
        n_bins: bins,
        n_classes: train_set.labels.len(),
        ..config.model.clone()
    })
}

/// Validation scores of one epoch.
#[derive(Clone, Debug)]
struct ValScores {
    loss: f64,
    accuracy: f64,
    uar: f64,
}

impl ValScores {
    /// Scores of `probabilities` against `truth` (accuracy and UAR from
    /// [`emovox_metrics::ConfusionMatrix`]); `None` without validation data.
    fn compute(
        truth: &[usize],
        probabilities: &[Vec<f32>],
        labels: &[String],
    ) -> Result<Option<Self>, TrainError> {
        if truth.is_empty() {
            return Ok(None);
        }
        let predicted = argmax_rows(probabilities);
        let matrix = ConfusionMatrix::from_predictions(labels.to_vec(), truth, &predicted)?;
        Ok(Some(Self {
            loss: mean_log_loss(truth, probabilities),
            accuracy: matrix.accuracy(),
            uar: matrix.uar(),
        }))
    }
}

/// The weights kept so far (best validation UAR, ties broken by lower validation loss).
struct Kept {
    model: EmotionModel,
    epoch: usize,
    scores: Option<ValScores>,
    probabilities: Vec<Vec<f32>>,
}

impl Kept {
    /// Whether these weights should replace `other`; without validation data the latest wins.
    fn improves_on(&self, other: &Kept) -> bool {
        match (&self.scores, &other.scores) {
            (Some(a), Some(b)) => a.uar > b.uar || (a.uar == b.uar && a.loss < b.loss),
            _ => true,
        }
    }
}

/// The mutable state of a run: network variables, optimiser, normalised inputs, generator.
struct Session<'a> {
    config: &'a TrainConfig,
    varmap: VarMap,
    network: Network,
    optimiser: candle_nn::AdamW,
    sampler: CropSampler,
    labels: Vec<usize>,
    weights: Vec<f32>,
    n_classes: usize,
    device: Device,
    order: Vec<usize>,
    step: usize,
    rng: ChaCha8Rng,
}

impl<'a> Session<'a> {
    fn new(
        config: &'a TrainConfig,
        arch: &ModelConfig,
        train_set: &FeatureDataset,
        normalisation: Option<&Normalisation>,
        device: &Device,
    ) -> Result<Self, TrainError> {
        let mut rng = ChaCha8Rng::seed_from_u64(config.seed);
        let varmap = VarMap::new();
        let vb = VarBuilder::from_varmap(&varmap, DType::F32, device);
        let network = Network::new(arch, vb)?;
        let trainable = seeded_init(&varmap, &mut rng)?;
        let params = ParamsAdamW {
            lr: config.learning_rate,
            weight_decay: config.weight_decay,
            ..ParamsAdamW::default()
        };
        let optimiser = candle_nn::AdamW::new(trainable, params)?;
        let sampler = CropSampler::new(config, train_set, normalisation)?;
        let labels: Vec<usize> = train_set.examples.iter().map(|e| e.label).collect();
        let weights = example_weights(train_set, config.class_weighting);
        Ok(Self {
            config,
            varmap,
            network,
            optimiser,
            order: (0..sampler.len()).collect(),
            sampler,
            labels,
            weights,
            n_classes: arch.n_classes,
            device: device.clone(),
            step: 0,
            rng,
        })
    }

    fn batches_per_epoch(&self) -> usize {
        self.sampler.len().div_ceil(self.config.batch_size)
    }

    /// One pass over the shuffled training set; returns (mean loss, last learning rate).
    fn run_epoch(
        &mut self,
        epoch: usize,
        total_steps: usize,
        report: &RunReport,
    ) -> Result<(f64, f64), TrainError> {
        let config = self.config;
        self.order.shuffle(&mut self.rng);
        let order = self.order.clone();
        let (mut loss_sum, mut seen) = (0f64, 0usize);
        let mut lr = self.optimiser.learning_rate();
        for chunk in order.chunks(config.batch_size) {
            self.step += 1;
            if chunk.len() < 2 {
                continue; // batch normalisation needs two examples
            }
            lr = config
                .schedule
                .rate(config.learning_rate, self.step - 1, total_steps);
            self.optimiser.set_learning_rate(lr);
            let source = BatchSource {
                sampler: &self.sampler,
                labels: &self.labels,
                weights: &self.weights,
                n_classes: self.n_classes,
                device: &self.device,
            };
            let batch = build_batch(chunk, &source, config, &mut self.rng)?;
            let logits = self.network.forward_train(&batch.inputs, &mut self.rng)?;
            let loss = soft_cross_entropy(&logits, &batch.targets, &batch.weights)?;
            self.optimiser.backward_step(&loss)?;
            let value = loss.to_scalar::<f32>()? as f64;
            if !value.is_finite() {
                return Err(TrainError::Diverged { epoch, loss: value });
            }
            loss_sum += value * chunk.len() as f64;
            seen += chunk.len();
            report.step(epoch, config.epochs, value);
        }
        Ok((loss_sum / seen.max(1) as f64, lr))
    }
}
