//! Trains on generated spectrogram-like features: three classes with energy in different
//! frequency bands, random band wobble and noise. Fast enough for `cargo test` in debug.

mod common;

use common::{spec, BINS, LABELS};
use emovox_features::{FeatureKind, FeatureSpec, MelConfig, MfccConfig};
use emovox_model::{EmotionModel, ModelConfig, PoolingKind};
use emovox_train::protocol::Fold;
use emovox_train::{
    cross_validate, evaluate, fold_recipe, train, train_views, AugmentConfig,
    CrossValidationOptions, FeatureDataset, LrSchedule, TrainConfig, TrainError, TrainOptions,
    ViewsDataset,
};

/// Examples of `speakers`, `per_class` of every label.
fn dataset(speakers: std::ops::Range<usize>, per_class: usize, seed: u64) -> FeatureDataset {
    common::band_dataset(speakers, &[0, 1, 2], per_class, "synthetic", seed)
}

fn small_config() -> TrainConfig {
    TrainConfig {
        features: spec(),
        model: ModelConfig {
            block_channels: vec![12, 12],
            kernel_size: 3,
            head_hidden: 16,
            dropout: 0.1,
            pooling: PoolingKind::MeanStd,
            ..ModelConfig::default()
        },
        epochs: 6,
        batch_size: 8,
        learning_rate: 3e-3,
        schedule: LrSchedule::Cosine {
            warmup_fraction: 0.1,
            final_fraction: 0.1,
        },
        crop_frames: 20,
        augment: AugmentConfig {
            freq_masks: 1,
            freq_mask_width: 2,
            time_masks: 1,
            time_mask_width: 4,
            mixup_alpha: 0.4,
            mixup_prob: 0.3,
            ..AugmentConfig::none()
        },
        ..TrainConfig::default()
    }
}

/// The model's probabilities of every input (all must be scorable).
fn scores(model: &EmotionModel, inputs: &[ndarray::Array3<f32>]) -> Vec<Vec<f32>> {
    model
        .probabilities_batch(inputs)
        .into_iter()
        .collect::<Result<_, _>>()
        .unwrap()
}

fn quiet() -> TrainOptions {
    TrainOptions {
        log_path: None,
        corpus: "synthetic".into(),
        ..TrainOptions::default()
    }
}

#[test]
fn learns_separable_classes_and_round_trips_through_a_file() {
    let train_set = dataset(0..4, 6, 1);
    let val_set = dataset(4..5, 6, 2);
    let test_set = dataset(5..7, 6, 3);
    let log = std::env::temp_dir().join(format!("emovox-train-log-{}.jsonl", std::process::id()));
    let options = TrainOptions {
        log_path: Some(log.clone()),
        ..quiet()
    };
    let outcome = train(&small_config(), &train_set, &val_set, &options).unwrap();

    // One JSON line per epoch.
    let lines = std::fs::read_to_string(&log).unwrap();
    std::fs::remove_file(&log).unwrap();
    assert_eq!(lines.lines().count(), outcome.history.len());
    assert!(lines
        .lines()
        .all(|l| serde_json::from_str::<serde_json::Value>(l).is_ok()));

    let as_metrics = outcome.history[0].to_metrics().unwrap();
    assert_eq!(Some(as_metrics.val_uar), outcome.history[0].val_uar);

    // Loss goes down; held-out speakers are classified far above chance (1/3).
    let first = outcome.history.first().unwrap().train_loss;
    let last = outcome.history.last().unwrap().train_loss;
    assert!(last < first, "loss {first} -> {last}");
    let truth: Vec<usize> = test_set.examples.iter().map(|e| e.label).collect();
    let inputs: Vec<_> = test_set.features();
    let probs = scores(&outcome.model, &inputs);
    let predicted = evaluate::argmax_rows(&probs);
    let acc = emovox_metrics::ConfusionMatrix::from_predictions(
        test_set.labels.clone(),
        &truth,
        &predicted,
    )
    .unwrap()
    .accuracy();
    assert!(acc >= 0.8, "held-out accuracy {acc}");

    // Validation predictions are the kept model's inference-path outputs.
    let val_inputs: Vec<_> = val_set.features();
    assert_eq!(
        scores(&outcome.model, &val_inputs),
        outcome.val_probabilities
    );

    // Metadata is filled in.
    let meta = outcome.model.metadata();
    assert_eq!(meta.labels, LABELS);
    assert!(meta.normalisation.is_some());
    let training = meta.training.as_ref().unwrap();
    assert_eq!(training.val_speakers, vec!["04"]);
    assert_eq!(training.best_epoch, outcome.best_epoch);
    assert_eq!(training.train_speakers.len(), 4);

    // Save / load gives identical predictions.
    let path =
        std::env::temp_dir().join(format!("emovox-train-{}.safetensors", std::process::id()));
    outcome.model.save(&path).unwrap();
    let loaded = EmotionModel::load(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    assert_eq!(scores(&loaded, &inputs), probs);
    assert_eq!(loaded.metadata(), meta);
}

#[test]
fn same_seed_gives_the_same_model_and_another_seed_does_not() {
    let train_set = dataset(0..2, 4, 5);
    let val_set = dataset(2..3, 3, 6);
    let config = TrainConfig {
        epochs: 2,
        ..small_config()
    };
    let run = |seed: u64| {
        let cfg = TrainConfig {
            seed,
            ..config.clone()
        };
        train(&cfg, &train_set, &val_set, &quiet())
            .unwrap()
            .model
            .to_safetensors_bytes()
            .unwrap()
    };
    let a = run(7);
    assert_eq!(a, run(7));
    assert_ne!(a, run(8));
}

#[test]
fn early_stopping_halts_after_patience_epochs_without_improvement() {
    let train_set = dataset(0..2, 4, 9);
    let val_set = dataset(2..3, 3, 10);
    let config = TrainConfig {
        epochs: 30,
        learning_rate: 1e-9, // nothing is learnt, so UAR stops improving at once
        schedule: LrSchedule::Constant,
        ..small_config()
    };
    let options = TrainOptions {
        early_stopping: Some(std::sync::Arc::new(
            emovox_train::NoImprovementSince::new(2).unwrap(),
        )),
        ..quiet()
    };
    let outcome = train(&config, &train_set, &val_set, &options).unwrap();
    assert!(outcome.history.len() < 30);
    assert_eq!(outcome.history.len(), outcome.best_epoch + 2);
    let provenance = outcome.model.metadata().training.clone().unwrap();
    assert_eq!(provenance.recipe.unwrap()["patience"], 2);
    // Without a registered strategy every epoch runs, and the provenance says so.
    let config = TrainConfig {
        epochs: 4,
        ..config
    };
    let outcome = train(&config, &train_set, &val_set, &quiet()).unwrap();
    assert_eq!(outcome.history.len(), 4);
    let provenance = outcome.model.metadata().training.clone().unwrap();
    assert!(provenance.recipe.unwrap()["patience"].is_null());
}

/// A model repeats clips shorter than its recipe's training crop to the crop's length when the
/// recipe says so (the default), and runs them as they are when it does not; a recipe written
/// before the setting existed reads as not repeating.
#[test]
fn models_repeat_short_clips_to_the_training_crop_when_the_recipe_says_so() {
    let (train_set, val_set) = (dataset(0..2, 4, 41), dataset(2..3, 2, 42));
    let config = TrainConfig {
        epochs: 1,
        ..small_config()
    };
    assert!(config.repeat_short_clips);
    let repeating = train(&config, &train_set, &val_set, &quiet())
        .unwrap()
        .model;
    assert_eq!(
        repeating.metadata().inference.repeat_to_frames,
        Some(config.crop_frames)
    );
    let config = TrainConfig {
        repeat_short_clips: false,
        ..config
    };
    let as_is = train(&config, &train_set, &val_set, &quiet())
        .unwrap()
        .model;
    assert_eq!(as_is.metadata().inference.repeat_to_frames, None);
    let mut old = serde_json::to_value(TrainConfig::default()).unwrap();
    old.as_object_mut().unwrap().remove("repeat_short_clips");
    let old: TrainConfig = serde_json::from_value(old).unwrap();
    assert!(!old.repeat_short_clips);
}

#[test]
fn bad_configurations_and_data_are_typed_errors() {
    let train_set = dataset(0..1, 2, 11);
    let val_set = dataset(1..2, 1, 12);
    let bad = TrainConfig {
        batch_size: 1,
        ..small_config()
    };
    assert!(matches!(
        train(&bad, &train_set, &val_set, &quiet()),
        Err(TrainError::InvalidConfig(_))
    ));
    let mut two_lengths = small_config();
    two_lengths.inference.repeat_to_frames = Some(two_lengths.crop_frames);
    assert!(matches!(
        train(&two_lengths, &train_set, &val_set, &quiet()),
        Err(TrainError::InvalidConfig(m)) if m.contains("repeat_short_clips")
    ));
    let mut other_labels = val_set.clone();
    other_labels.labels[0] = "other".into();
    assert!(matches!(
        train(&small_config(), &train_set, &other_labels, &quiet()),
        Err(TrainError::InvalidData(_))
    ));
    let empty = FeatureDataset {
        labels: train_set.labels.clone(),
        examples: vec![],
    };
    assert!(matches!(
        train(&small_config(), &empty, &val_set, &quiet()),
        Err(TrainError::InvalidData(_))
    ));
    let mut with_nan = train_set.clone();
    with_nan.examples[0].features[[0, 0, 0]] = f32::NAN;
    assert!(matches!(
        train(&small_config(), &with_nan, &val_set, &quiet()),
        Err(TrainError::InvalidData(_))
    ));
}

/// The same clips seen through another "feature view": bins in reverse order, declared as MFCC.
fn reversed_view(dataset: &FeatureDataset) -> FeatureDataset {
    let mut view = dataset.clone();
    for example in &mut view.examples {
        example.features.invert_axis(ndarray::Axis(1));
    }
    view
}

fn mfcc_spec() -> FeatureSpec {
    FeatureSpec {
        kind: FeatureKind::Mfcc(MfccConfig {
            mel: MelConfig::speech_with_mels(BINS),
            n_mfcc: BINS,
            lifter: 0.0,
        }),
        ..spec()
    }
}

#[test]
fn two_feature_views_train_like_single_views_and_are_averaged() {
    let (train0, val0) = (dataset(0..4, 6, 31), dataset(4..5, 6, 32));
    let (train1, val1) = (reversed_view(&train0), reversed_view(&val0));
    let config = TrainConfig {
        extra_views: vec![mfcc_spec()],
        ..small_config()
    };
    assert!(matches!(
        train(&config, &train0, &val0, &quiet()),
        Err(TrainError::InvalidConfig(_))
    ));
    let specs = config.view_features();
    let train_set = ViewsDataset::new(specs.clone(), vec![train0.clone(), train1.clone()]).unwrap();
    let val_set = ViewsDataset::new(specs.clone(), vec![val0.clone(), val1.clone()]).unwrap();
    let outcome = train_views(&config, &train_set, &val_set, &quiet()).unwrap();
    assert_eq!(outcome.model.views().len(), 2);
    assert_eq!(outcome.model.views()[1].metadata().features, mfcc_spec());
    // Each view is exactly the single-view run of that view's recipe.
    let alone = train(&config.for_view(1).unwrap(), &train1, &val1, &quiet()).unwrap();
    assert_eq!(
        outcome.model.views()[1].to_safetensors_bytes().unwrap(),
        alone.model.to_safetensors_bytes().unwrap()
    );
    // The validation probabilities are the model's own, and they are accurate.
    let inputs: Vec<Vec<_>> = [&val0, &val1].iter().map(|d| d.features()).collect();
    for (i, probabilities) in outcome.val_probabilities.iter().enumerate() {
        let features = [inputs[0][i].clone(), inputs[1][i].clone()];
        let direct = outcome.model.probabilities(&features).unwrap();
        for (a, b) in direct.iter().zip(probabilities) {
            assert!((a - b).abs() < 1e-5);
        }
    }
    let predicted = evaluate::argmax_rows(&outcome.val_probabilities);
    let correct = predicted
        .iter()
        .zip(&outcome.val_truth)
        .filter(|(p, t)| p == t)
        .count();
    assert!(correct as f64 >= 0.8 * predicted.len() as f64, "{correct}");
    // Data extracted with other features than the recipe's views is refused.
    let one_view = ViewsDataset::new(specs[..1].to_vec(), vec![train0.clone()]).unwrap();
    let one_val = ViewsDataset::new(specs[..1].to_vec(), vec![val0.clone()]).unwrap();
    assert!(matches!(
        train_views(&config, &one_view, &one_val, &quiet()),
        Err(TrainError::InvalidData(_))
    ));
    let swapped = ViewsDataset::new(
        vec![specs[1].clone(), specs[0].clone()],
        vec![train0.clone(), train1.clone()],
    )
    .unwrap();
    assert!(matches!(
        train_views(&config, &swapped, &val_set, &quiet()),
        Err(TrainError::InvalidData(_))
    ));
    // Views that do not hold the same clips are refused.
    assert!(ViewsDataset::new(specs, vec![train0, val1]).is_err());
}

#[test]
fn cross_validation_trains_each_fold_without_its_test_speakers() {
    let config = small_config();
    let data = ViewsDataset::new(config.view_features(), vec![dataset(0..4, 3, 41)]).unwrap();
    let speakers =
        |ids: &[usize]| -> Vec<String> { ids.iter().map(|s| format!("{s:02}")).collect() };
    let folds = vec![
        Fold {
            name: "fold-1".into(),
            train_speakers: speakers(&[2, 3]),
            test_speakers: speakers(&[0, 1]),
        },
        Fold {
            name: "fold-2".into(),
            train_speakers: speakers(&[0, 1]),
            test_speakers: speakers(&[2, 3]),
        },
    ];
    let options = |jobs| CrossValidationOptions {
        jobs,
        corpus: "synthetic".into(),
        log_dir: None,
        ..CrossValidationOptions::default()
    };
    let cv = cross_validate(&config, &data, &folds, &options(1)).unwrap();
    assert_eq!(cv.folds.len(), 2);
    assert!(!cv.recipe.keep_best && !cv.recipe.calibrate);
    for fold in &cv.folds {
        // 2 test speakers x 3 classes x 3 clips, and nothing else, are scored.
        assert_eq!(fold.matrix.total(), 18);
        assert_eq!(fold.history.len(), config.epochs);
        let provenance = fold.model.views()[0].metadata().training.clone().unwrap();
        assert_eq!(provenance.train_speakers, fold.fold.train_speakers);
        assert_eq!(provenance.val_speakers, fold.fold.test_speakers);
    }
    // A fold is exactly the last-epoch run of its split, whatever runs beside it.
    let (test, train_set) = data.split_by_speakers(&folds[1].test_speakers);
    let alone = train_views(&fold_recipe(&config), &train_set, &test, &quiet()).unwrap();
    let bytes = |m: &emovox_model::MultiViewModel| m.views()[0].to_safetensors_bytes().unwrap();
    assert!(
        bytes(&cv.folds[1].model) == bytes(&alone.model),
        "fold 2 differs from its run"
    );
    let parallel = cross_validate(&config, &data, &folds, &options(2)).unwrap();
    for (a, b) in cv.folds.iter().zip(&parallel.folds) {
        assert_eq!(a.matrix, b.matrix);
    }
    let mean = cv.folds.iter().map(|f| f.matrix.uar()).sum::<f64>() / 2.0;
    assert!((cv.summary.uar.mean - mean).abs() < 1e-12);
    // The report folder holds the summary and every fold's model.
    let dir = std::env::temp_dir().join(format!("emovox-cv-{}", std::process::id()));
    let json = cv.write(&dir).unwrap();
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(json).unwrap()).unwrap();
    assert_eq!(report["folds"].as_array().unwrap().len(), 2);
    assert!((report["summary"]["uar"]["mean"].as_f64().unwrap() - mean).abs() < 1e-12);
    assert!(dir.join("fold-2.safetensors").is_file());
    std::fs::remove_dir_all(&dir).unwrap();
    // Bad protocols are errors, not panics.
    assert!(matches!(
        cross_validate(&config, &data, &[], &options(1)),
        Err(TrainError::InvalidData(_))
    ));
    assert!(matches!(
        cross_validate(&config, &data, &folds, &options(0)),
        Err(TrainError::InvalidConfig(_))
    ));
    let nobody = Fold {
        name: "nobody".into(),
        train_speakers: speakers(&[0, 1, 2, 3]),
        test_speakers: speakers(&[9]),
    };
    assert!(matches!(
        cross_validate(&config, &data, &[nobody], &options(1)),
        Err(TrainError::InvalidData(_))
    ));
    // Two folds of one name would overwrite each other's files; a speaker both trained and
    // tested on is no held-out speaker.
    let twice = vec![folds[0].clone(), folds[0].clone()];
    let both = Fold {
        train_speakers: speakers(&[1, 2, 3]),
        ..folds[0].clone()
    };
    for bad in [twice, vec![both]] {
        assert!(matches!(
            cross_validate(&config, &data, &bad, &options(1)),
            Err(TrainError::InvalidData(_))
        ));
    }
    // A fold trains on its training speakers only, not on every speaker but its test ones.
    let fewer = Fold {
        train_speakers: speakers(&[2]),
        ..folds[0].clone()
    };
    let cv = cross_validate(&config, &data, &[fewer], &options(1)).unwrap();
    let provenance = cv.folds[0].model.views()[0]
        .metadata()
        .training
        .clone()
        .unwrap();
    assert_eq!(provenance.train_speakers, speakers(&[2]));
}

#[test]
fn validation_speakers_are_never_training_speakers_and_members_are_counted() {
    let config = small_config();
    let views = |d: FeatureDataset| ViewsDataset::new(config.view_features(), vec![d]).unwrap();
    let (train_set, val_set) = (views(dataset(0..2, 2, 51)), views(dataset(1..3, 1, 52)));
    let err = train_views(&config, &train_set, &val_set, &quiet()).unwrap_err();
    assert!(
        matches!(&err, TrainError::InvalidData(m) if m.contains("\"01\"")),
        "{err}"
    );
    let no_members = TrainConfig {
        model: ModelConfig {
            members: 0,
            ..config.model.clone()
        },
        ..config.clone()
    };
    assert!(matches!(
        train(
            &no_members,
            &dataset(0..1, 2, 11),
            &dataset(1..2, 1, 12),
            &quiet()
        ),
        Err(TrainError::Model(_))
    ));
}
