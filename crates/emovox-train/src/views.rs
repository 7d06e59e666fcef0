//! Training a model of several feature views ([`MultiViewModel`]): one recipe, one network (or
//! ensemble) per view, each on its own features, probabilities averaged.

use std::path::PathBuf;
use std::time::Instant;

use emovox_features::FeatureSpec;
use emovox_model::{average_probabilities, MultiViewModel, ProbabilityCalibration, Scores};
use rayon::prelude::*;

use crate::{
    train, EpochRecord, FeatureDataset, TrainConfig, TrainError, TrainOptions, TrainOutcome,
    ViewsDataset,
};

/// The result of [`train_views`].
#[derive(Debug)]
pub struct ViewsOutcome {
    /// The model of every view.
    pub model: MultiViewModel,
    /// Each view's per-epoch records, in view order.
    pub histories: Vec<Vec<EpochRecord>>,
    /// Each view's kept epoch (1-based), in view order.
    pub best_epochs: Vec<usize>,
    /// The combined model's validation probabilities (the mean over views, calibrated when
    /// the recipe calibrates).
    pub val_probabilities: Vec<Vec<f32>>,
    /// True validation label indices, aligned with `val_probabilities`.
    pub val_truth: Vec<usize>,
    /// Wall-clock seconds of the whole run.
    pub seconds: f64,
}

impl TrainConfig {
    /// The feature specification of every view: `features`, then `extra_views`.
    pub fn view_features(&self) -> Vec<FeatureSpec> {
        std::iter::once(self.features.clone())
            .chain(self.extra_views.iter().cloned())
            .collect()
    }

    /// The single-view recipe of view `v`: this recipe on that view's features.
    pub fn for_view(&self, v: usize) -> Option<TrainConfig> {
        let features = self.view_features().into_iter().nth(v)?;
        Some(TrainConfig {
            features,
            extra_views: Vec::new(),
            ..self.clone()
        })
    }
}

/// Trains every view of `config` on `train` (extracted with the recipe's views, checked by
/// [`ViewsDataset::check_recipe`]), validating on `val` (may be empty), the views in parallel,
/// each exactly as [`train`] trains a single-view recipe with the same seed, and combines them
/// into one [`MultiViewModel`]. The per-epoch log of view `v > 0` goes beside
/// `options.log_path` with `.view{v}` before its extension.
pub fn train_views(
    config: &TrainConfig,
    train_set: &ViewsDataset,
    val_set: &ViewsDataset,
    options: &TrainOptions,
) -> Result<ViewsOutcome, TrainError> {
    config.validate()?;
    train_set.check_recipe(config)?;
    val_set.check_recipe(config)?;
    let started = Instant::now();
    let views: Vec<TrainOutcome> = (0..train_set.views().len())
        .into_par_iter()
        .map(|v| {
            let recipe = config.for_view(v).expect("one dataset per view");
            let view_options = TrainOptions {
                log_path: view_log_path(options, v),
                ..if v == 0 {
                    options.clone()
                } else {
                    options.unobserved()
                }
            };
            train(
                &recipe,
                &train_set.views()[v],
                &val_set.views()[v],
                &view_options,
            )
        })
        .collect::<Result<_, _>>()?;
    let val_truth = views[0].val_truth.clone();
    if views.iter().any(|v| v.val_truth != val_truth) {
        return Err(TrainError::InvalidData(
            "the views' validation sets hold different clips".into(),
        ));
    }
    let mut val_probabilities: Vec<Vec<f32>> = (0..val_truth.len())
        .map(|i| {
            let per_view: Vec<&[f32]> = views
                .iter()
                .map(|v| v.val_probabilities[i].as_slice())
                .collect();
            average_probabilities(&per_view)
        })
        .collect();
    let mut models = Vec::with_capacity(views.len());
    let mut histories = Vec::with_capacity(views.len());
    let mut best_epochs = Vec::with_capacity(views.len());
    for view in views {
        models.push(view.model);
        histories.push(view.history);
        best_epochs.push(view.best_epoch);
    }
    let mut model = MultiViewModel::new(models)?;
    if config.calibrate && !val_truth.is_empty() {
        (model, val_probabilities) = calibrate(model, val_set)?;
    }
    Ok(ViewsOutcome {
        model,
        histories,
        best_epochs,
        val_probabilities,
        val_truth,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// `model` (uncalibrated: any calibration it has is replaced) with the temperature of minimum
/// corpus-balanced log-loss of its view-averaged probabilities on `val`, which must be extracted
/// with the model's own feature views (e.g. [`ViewsDataset::extract`] with each view's
/// `metadata().features`); also returns the calibrated validation probabilities. How an
/// ensemble of separately trained models ([`MultiViewModel::new`] over their views) gets one
/// calibration.
///
/// When every view has a [`emovox_model::FeatureDensity`], the temperature's growth with a
/// clip's novelty ([`ProbabilityCalibration::novelty_slope`]) is fitted with it (the slope of
/// least log-loss among [`NOVELTY_SLOPES`], each with its best temperature), and the 99th
/// percentile of the validation clips' novelty becomes the model's novelty threshold.
pub fn calibrate(
    model: MultiViewModel,
    val: &ViewsDataset,
) -> Result<(MultiViewModel, Vec<Vec<f32>>), TrainError> {
    let specs: Vec<FeatureSpec> = model
        .views()
        .iter()
        .map(|v| v.metadata().features.clone())
        .collect();
    if val.specs() != specs.as_slice() {
        return Err(TrainError::InvalidData(
            "the validation set was not extracted with the model's feature views".into(),
        ));
    }
    if val.is_empty() || val.labels() != model.labels() {
        return Err(TrainError::InvalidData(
            "calibration needs validation clips labelled with the model's labels".into(),
        ));
    }
    let model = model.with_calibration(None);
    let scores: Vec<Scores> = (0..val.len())
        .into_par_iter()
        .map(|i| {
            let features: Vec<_> = val
                .views()
                .iter()
                .map(|d| d.examples[i].features.clone())
                .collect();
            model.scores(&features)
        })
        .collect::<Result<_, _>>()?;
    let truth: Vec<usize> = val.views()[0].examples.iter().map(|e| e.label).collect();
    let calibration = fit_calibration(&scores, &truth, &val.views()[0])?;
    let calibrated = scores
        .iter()
        .map(|s| calibration.apply(&s.probabilities, s.novelty))
        .collect();
    Ok((model.with_calibration(Some(calibration)), calibrated))
}

/// The novelty slopes [`calibrate`] chooses from (0: one temperature for every clip).
pub const NOVELTY_SLOPES: [f32; 11] = [0.0, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 1.5];

/// The calibration of minimum log-loss of `scores` (the views' mean) on `val`, every corpus of
/// `val` weighing the same in total ([`corpus_weights`]), so that a validation set of one large
/// and one small corpus calibrates both (with one corpus: the plain log-loss): the temperature
/// alone, or with the novelty slope and threshold when every clip has a novelty.
fn fit_calibration(
    scores: &[Scores],
    truth: &[usize],
    val: &FeatureDataset,
) -> Result<ProbabilityCalibration, TrainError> {
    let log_probabilities: Vec<Vec<f32>> = scores
        .iter()
        .map(|s| s.probabilities.iter().map(|&q| q.max(1e-12).ln()).collect())
        .collect();
    let weights = corpus_weights(val);
    let novelty: Option<Vec<f32>> = scores.iter().map(|s| s.novelty).collect();
    let Some(novelty) = novelty else {
        let temperature =
            emovox_metrics::fit_temperature_weighted(&log_probabilities, truth, &weights)?;
        return Ok(ProbabilityCalibration::new(temperature, val.speakers())?);
    };
    let mut best: Option<(f64, f32, f32)> = None;
    for slope in NOVELTY_SLOPES {
        // T(s) = T * g(s): dividing each clip's scores by g(s) leaves one temperature to fit.
        let unit = ProbabilityCalibration::new(1.0, Vec::new())?.with_novelty(slope, 1.0)?;
        let scaled: Vec<Vec<f32>> = log_probabilities
            .iter()
            .zip(&novelty)
            .map(|(row, &s)| {
                let g = unit.temperature_at(Some(s));
                row.iter().map(|v| v / g).collect()
            })
            .collect();
        let temperature = emovox_metrics::fit_temperature_weighted(&scaled, truth, &weights)?;
        let loss = emovox_metrics::weighted_log_loss(&scaled, truth, &weights, temperature)?;
        if best.is_none_or(|(l, _, _)| loss < l) {
            best = Some((loss, temperature, slope));
        }
    }
    let (_, temperature, slope) = best.expect("at least one slope");
    let mut sorted = novelty;
    sorted.sort_by(f32::total_cmp);
    let threshold = sorted[((sorted.len() - 1) as f64 * 0.99).round() as usize];
    Ok(ProbabilityCalibration::new(temperature, val.speakers())?.with_novelty(slope, threshold)?)
}

/// Weights giving every corpus of `dataset` the same total, `n / (corpora * clips of the corpus)`
/// (all 1 with one corpus).
fn corpus_weights(dataset: &FeatureDataset) -> Vec<f32> {
    let (corpus_of, n_corpora) = dataset.corpus_indices();
    let mut counts = vec![0usize; n_corpora];
    for &k in &corpus_of {
        counts[k] += 1;
    }
    let n = corpus_of.len() as f32;
    corpus_of
        .iter()
        .map(|&k| n / (n_corpora as f32 * counts[k] as f32))
        .collect()
}

/// Where [`train_views`] logs view `v`'s epochs: `options.log_path` (`log.jsonl`) for view 0,
/// `log.view{v}.jsonl` beside it for the others; `None` without a log path.
pub fn view_log_path(options: &TrainOptions, v: usize) -> Option<PathBuf> {
    let path = options.log_path.as_deref()?;
    Some(view_log_file(path, v))
}

fn view_log_file(path: &std::path::Path, v: usize) -> PathBuf {
    if v == 0 {
        return path.to_path_buf();
    }
    let stem = path.file_stem().unwrap_or_default().to_string_lossy();
    let name = match path.extension() {
        Some(ext) => format!("{stem}.view{v}.{}", ext.to_string_lossy()),
        None => format!("{stem}.view{v}"),
    };
    path.with_file_name(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_corpus_weighs_the_same_in_calibration() {
        let example = |corpus: &str| crate::Example {
            features: ndarray::Array3::zeros((1, 2, 3)),
            label: 0,
            speaker: "s".into(),
            corpus: corpus.into(),
            path: "clip.wav".into(),
            waveform: None,
        };
        let labels = vec!["a".to_string(), "b".to_string()];
        let two = FeatureDataset::new(
            labels.clone(),
            vec![example("x"), example("x"), example("x"), example("y")],
        )
        .unwrap();
        assert_eq!(
            corpus_weights(&two),
            vec![2.0 / 3.0, 2.0 / 3.0, 2.0 / 3.0, 2.0]
        );
        let one = FeatureDataset::new(labels, vec![example("x"), example("x")]).unwrap();
        assert_eq!(corpus_weights(&one), vec![1.0, 1.0]);
    }

    #[test]
    fn view_logs_sit_beside_the_first() {
        let p = std::path::Path::new("/r/fold-1.epochs.jsonl");
        assert_eq!(view_log_file(p, 0), p);
        assert_eq!(
            view_log_file(p, 1),
            std::path::Path::new("/r/fold-1.epochs.view1.jsonl")
        );
    }
}
