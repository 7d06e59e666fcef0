//! Training a model of several feature views ([`MultiViewModel`]): one recipe, one network (or
//! ensemble) per view, each on its own features, probabilities averaged.

use std::path::PathBuf;
use std::time::Instant;

use emovox_features::FeatureSpec;
use emovox_model::{average_probabilities, MultiViewModel};
use rayon::prelude::*;

use crate::{
    calibrate, train, EpochRecord, TrainConfig, TrainError, TrainOptions, TrainOutcome,
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
/// `options.log_path` with `.view{v}` before its extension; the logs of views this recipe does
/// not have, left there by an earlier run of more views, are removed. A speaker in both sets is an
/// error ([`TrainError::InvalidData`]): validation is on voices never trained on.
pub fn train_views(
    config: &TrainConfig,
    train_set: &ViewsDataset,
    val_set: &ViewsDataset,
    options: &TrainOptions,
) -> Result<ViewsOutcome, TrainError> {
    config.validate()?;
    train_set.check_recipe(config)?;
    val_set.check_recipe(config)?;
    check_disjoint_speakers(train_set, val_set)?;
    if let Some(path) = &options.log_path {
        remove_stale_view_logs(path, train_set.views().len())?;
    }
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

/// Where [`train_views`] logs view `v`'s epochs: `options.log_path` (`log.jsonl`) for view 0,
/// `log.view{v}.jsonl` beside it for the others; `None` without a log path.
pub fn view_log_path(options: &TrainOptions, v: usize) -> Option<PathBuf> {
    let path = options.log_path.as_deref()?;
    Some(view_log_file(path, v))
}

/// Refuses a validation set that shares speakers with the training set: its figures, the
/// calibration fitted on it and every early-stopping decision would be on voices the network
/// has heard.
fn check_disjoint_speakers(train: &ViewsDataset, val: &ViewsDataset) -> Result<(), TrainError> {
    let train_speakers = train.speakers();
    let shared: Vec<String> = val
        .speakers()
        .into_iter()
        .filter(|s| train_speakers.contains(s))
        .collect();
    if shared.is_empty() {
        Ok(())
    } else {
        Err(TrainError::InvalidData(format!(
            "speakers {shared:?} are in both the training and the validation set: validate on \
             speakers the network never trains on"
        )))
    }
}

/// Removes the per-epoch logs beside `path` of views `n_views` and up (`log.view{v}.jsonl`,
/// [`view_log_path`]): left by an earlier run of more views into the same folder, they would
/// read as this run's.
fn remove_stale_view_logs(path: &std::path::Path, n_views: usize) -> Result<(), TrainError> {
    for v in n_views.max(1)..n_views + MAX_STALE_VIEWS {
        let file = view_log_file(path, v);
        if file.is_file() {
            std::fs::remove_file(&file).map_err(|e| crate::run_files::write_error(&file, e))?;
        }
    }
    Ok(())
}

/// How many view numbers past a recipe's last view [`remove_stale_view_logs`] looks for.
const MAX_STALE_VIEWS: usize = 64;

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
    fn view_logs_sit_beside_the_first() {
        let p = std::path::Path::new("/r/fold-1.epochs.jsonl");
        assert_eq!(view_log_file(p, 0), p);
        assert_eq!(
            view_log_file(p, 1),
            std::path::Path::new("/r/fold-1.epochs.view1.jsonl")
        );
    }
}
