//! What a user training on their own corpus runs into: a label only the validation speakers
//! have, silent clips among the recordings, ensembles' provenance, the label scheme in the
//! provenance, a report folder trained (or cross-validated) into before, and a model path that
//! cannot be saved to.

mod common;

use std::path::Path;

use common::{spec, BINS, LABELS};
use emovox_metrics::ConfusionMatrix;
use emovox_model::{ModelConfig, PoolingKind};
use emovox_train::corpus::{Corpus, Gender, LabelScheme, Utterance};
use emovox_train::protocol::Fold;
use emovox_train::{
    check_model_path, cross_validate, extract_dataset, recorded_label_scheme, train, train_views,
    AugmentConfig, CrossValidationOptions, ExtractConfig, FeatureDataset, LabelledCorpus,
    TrainConfig, TrainError, TrainOptions, ViewsDataset,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Examples of `speakers`, four of each label of `labels` (indices into [`LABELS`]).
fn dataset(speakers: std::ops::Range<usize>, labels: &[usize], seed: u64) -> FeatureDataset {
    common::band_dataset(speakers, labels, 4, "mine", seed)
}

fn recipe(epochs: usize) -> TrainConfig {
    TrainConfig {
        features: spec(),
        model: ModelConfig {
            block_channels: vec![8, 8],
            kernel_size: 3,
            head_hidden: 8,
            pooling: PoolingKind::MeanStd,
            ..ModelConfig::default()
        },
        epochs,
        batch_size: 8,
        crop_frames: 20,
        augment: AugmentConfig::none(),
        ..TrainConfig::default()
    }
}

fn options() -> TrainOptions {
    TrainOptions {
        corpus: "mine".into(),
        ..TrainOptions::default()
    }
}

#[test]
fn a_label_without_training_clips_is_refused() {
    // `high` only among the validation speakers: the model would have an output it never
    // learnt, and answer it for whatever its untrained weights favour.
    let train_set = dataset(0..3, &[0, 1], 1);
    let val_set = dataset(3..4, &[0, 1, 2], 2);
    match train(&recipe(1), &train_set, &val_set, &options()) {
        Err(TrainError::InvalidData(message)) => {
            assert!(message.contains("\"high\""), "{message}")
        }
        other => panic!("trained a label without clips: {other:?}"),
    }
}

#[test]
fn an_ensemble_records_its_own_validation_scores_and_shape() {
    let train_set = dataset(0..3, &[0, 1, 2], 3);
    let val_set = dataset(3..5, &[0, 1, 2], 4);
    let mut config = recipe(1);
    config.model.members = 3;
    let outcome = train(&config, &train_set, &val_set, &options()).unwrap();
    let provenance = outcome.model.metadata().training.clone().unwrap();
    let predicted = emovox_train::evaluate::argmax_rows(&outcome.val_probabilities);
    let labels = train_set.labels.clone();
    let matrix = ConfusionMatrix::from_predictions(labels, &outcome.val_truth, &predicted).unwrap();
    assert_eq!(provenance.val_uar, Some(matrix.uar()));
    assert_eq!(provenance.val_accuracy, Some(matrix.accuracy()));
    // The recipe recorded is the ensemble's, with the data's shape (not the recipe's
    // placeholders of 64 bins and 8 classes).
    let model = &provenance.recipe.unwrap()["model"];
    assert_eq!(model["members"], 3);
    assert_eq!(model["n_bins"], BINS);
    assert_eq!(model["n_classes"], LABELS.len());
}

#[test]
fn silent_clips_are_skipped_not_trained_on() {
    let dir = common::fixture_dir("train-audit-silence");
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    let tone = (0..16_000).map(|i| 0.3 * (i as f32 * 0.07).sin());
    common::write_wav(&dir.join("happy/tone.wav"), tone);
    common::write_wav(
        &dir.join("happy/silence.wav"),
        std::iter::repeat_n(0.0, 16_000),
    );
    // One-step dither of 16-bit audio (what `sox -n` writes for silence): about -95 dBFS.
    let dither: Vec<f32> = (0..16_000)
        .map(|_| rng.gen_range(-1i32..=1) as f32 / 32767.0)
        .collect();
    common::write_wav(&dir.join("sad/dither.wav"), dither.into_iter());
    // A quiet clip, its loudest 20 ms at about -80 dBFS, is still speech to classify.
    let quiet = (0..16_000).map(|i| 1.4e-4 * (i as f32 * 0.07).sin());
    common::write_wav(&dir.join("sad/quiet.wav"), quiet);
    let utterances: Vec<Utterance> = ["happy/tone", "happy/silence", "sad/dither", "sad/quiet"]
        .iter()
        .map(|name| Utterance {
            path: dir.join(format!("{name}.wav")),
            label: name.split('/').next().unwrap().into(),
            speaker: "1".into(),
            gender: None,
            corpus: "mine".into(),
        })
        .collect();
    let labels = vec!["happy".to_string(), "sad".to_string()];
    let pipeline = emovox_features::FeaturePipeline::new(spec()).unwrap();
    let (data, skipped) =
        extract_dataset(&utterances, &labels, &pipeline, &ExtractConfig::default()).unwrap();
    let kept: Vec<_> = data.examples.iter().map(|e| e.path.clone()).collect();
    assert_eq!(
        kept,
        [dir.join("happy/tone.wav"), dir.join("sad/quiet.wav")]
    );
    let names: Vec<_> = skipped.iter().map(|s| s.path.clone()).collect();
    assert_eq!(
        names,
        [dir.join("happy/silence.wav"), dir.join("sad/dither.wav")]
    );
    assert!(
        skipped.iter().all(|s| s.reason.starts_with("silent")),
        "{skipped:?}"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_rerun_with_fewer_views_removes_the_earlier_runs_view_logs() {
    let dir = common::fixture_dir("train-audit-logs");
    let log = dir.join("epochs.jsonl");
    for name in [
        "epochs.view1.jsonl",
        "epochs.view2.jsonl",
        "other.view1.jsonl",
    ] {
        std::fs::write(dir.join(name), "{\"epoch\":1}\n").unwrap();
    }
    let views = |d: FeatureDataset| ViewsDataset::new(vec![spec()], vec![d]).unwrap();
    let train_set = views(dataset(0..3, &[0, 1, 2], 6));
    let val_set = views(dataset(3..4, &[0, 1, 2], 7));
    let options = TrainOptions {
        log_path: Some(log.clone()),
        ..options()
    };
    train_views(&recipe(2), &train_set, &val_set, &options).unwrap();
    assert_eq!(std::fs::read_to_string(&log).unwrap().lines().count(), 2);
    assert!(!dir.join("epochs.view1.jsonl").exists());
    assert!(!dir.join("epochs.view2.jsonl").exists());
    assert!(
        dir.join("other.view1.jsonl").exists(),
        "another run's log is left alone"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn starting_a_run_clears_the_earlier_runs_summary_but_nothing_else() {
    let dir = common::fixture_dir("train-audit-report");
    let kept = dir.join("notes.txt");
    std::fs::write(&kept, "mine").unwrap();
    for name in emovox_train::REPORT_FILES {
        std::fs::write(dir.join(name), "an earlier run").unwrap();
    }
    emovox_train::start_report(&dir).unwrap();
    for name in emovox_train::REPORT_FILES {
        assert!(
            !dir.join(name).exists(),
            "{name} of an earlier run is still there"
        );
    }
    assert!(kept.exists());
    std::fs::remove_dir_all(&dir).unwrap();
    emovox_train::start_report(dir.join("new")).unwrap(); // created when missing
    assert!(dir.join("new").is_dir());
    std::fs::remove_dir_all(dir).unwrap();
}

/// Two folds over speakers 00-03 of [`dataset`]: each tests on two, trains on the others.
fn two_folds() -> Vec<Fold> {
    let speakers = |ids: [usize; 2]| ids.map(|s| format!("{s:02}")).to_vec();
    vec![
        Fold {
            name: "fold-1".into(),
            train_speakers: speakers([2, 3]),
            test_speakers: speakers([0, 1]),
        },
        Fold {
            name: "fold-2".into(),
            train_speakers: speakers([0, 1]),
            test_speakers: speakers([2, 3]),
        },
    ]
}

/// The names in `dir`, sorted.
fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn a_cross_validation_rerun_with_fewer_folds_removes_the_earlier_runs_fold_files() {
    let dir = common::fixture_dir("train-audit-cv");
    let earlier = [
        "fold-1.safetensors",
        "fold-3.safetensors",
        "fold-3.epochs.jsonl",
        "fold-3.epochs.view1.jsonl",
        "fold-10.safetensors",
        "speaker-07.safetensors",
        "speaker-07.epochs.jsonl",
    ];
    let others = [
        "fold-3.txt",
        "fold-x.safetensors",
        "mine.safetensors",
        "notes.txt",
    ];
    for name in earlier.iter().chain(&others) {
        std::fs::write(dir.join(name), "an earlier run").unwrap();
    }
    let config = recipe(1);
    let data = ViewsDataset::new(vec![spec()], vec![dataset(0..4, &[0, 1, 2], 8)]).unwrap();
    let options = CrossValidationOptions {
        jobs: 1,
        corpus: "mine".into(),
        log_dir: Some(dir.clone()),
        ..CrossValidationOptions::default()
    };
    let cv = cross_validate(&config, &data, &two_folds(), &options).unwrap();
    let logs = ["fold-1.epochs.jsonl", "fold-2.epochs.jsonl"];
    let mut expected: Vec<&str> = others.iter().chain(&logs).copied().collect();
    expected.sort();
    assert_eq!(
        names_in(&dir),
        expected,
        "the earlier run's fold files are gone"
    );
    cv.write(&dir).unwrap();
    let written = [
        "cross_validation.json",
        "fold-1.safetensors",
        "fold-2.safetensors",
    ];
    expected.extend(written);
    expected.sort();
    assert_eq!(names_in(&dir), expected);
    // Written into another folder, the fold models of folds this run does not have go too.
    let elsewhere = dir.join("elsewhere");
    std::fs::create_dir(&elsewhere).unwrap();
    for name in [
        "fold-2.safetensors",
        "fold-9.safetensors",
        "mine.safetensors",
    ] {
        std::fs::write(elsewhere.join(name), "an earlier run").unwrap();
    }
    cv.write(&elsewhere).unwrap();
    assert_eq!(
        names_in(&elsewhere),
        [written.as_slice(), &["mine.safetensors"]].concat()
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_label_scheme_is_recorded_in_the_provenance() {
    let views = |d: FeatureDataset| ViewsDataset::new(vec![spec()], vec![d]).unwrap();
    let train_set = views(dataset(0..3, &[0, 1, 2], 9));
    let val_set = views(dataset(3..4, &[0, 1, 2], 10));
    let scheme = |model: &emovox_model::MultiViewModel| {
        let training = model.views()[0].metadata().training.clone().unwrap();
        training.label_scheme
    };
    let common = TrainOptions {
        label_scheme: Some(LabelScheme::Common),
        ..options()
    };
    let outcome = train_views(&recipe(1), &train_set, &val_set, &common).unwrap();
    assert_eq!(scheme(&outcome.model).as_deref(), Some("common"));
    let bytes = outcome.model.to_safetensors_bytes().unwrap();
    let loaded = emovox_model::MultiViewModel::from_safetensors_bytes(&bytes).unwrap();
    assert_eq!(scheme(&loaded).as_deref(), Some("common"));
    // What evaluate applies to a corpus when --labels is not given.
    assert_eq!(recorded_label_scheme(&loaded), Some(LabelScheme::Common));
    let outcome = train_views(&recipe(1), &train_set, &val_set, &options()).unwrap();
    assert_eq!(
        scheme(&outcome.model),
        None,
        "no scheme given, none recorded"
    );
    assert_eq!(recorded_label_scheme(&outcome.model), None);
    // An ensemble's provenance, and every fold's.
    let mut ensemble = recipe(1);
    ensemble.model.members = 2;
    let outcome = train(
        &ensemble,
        &train_set.views()[0],
        &val_set.views()[0],
        &common,
    )
    .unwrap();
    let training = outcome.model.metadata().training.clone().unwrap();
    assert_eq!(training.label_scheme.as_deref(), Some("common"));
    let data = views(dataset(0..4, &[0, 1, 2], 11));
    let options = CrossValidationOptions {
        jobs: 1,
        label_scheme: Some(LabelScheme::GenderEmotion),
        ..CrossValidationOptions::default()
    };
    let cv = cross_validate(&recipe(1), &data, &two_folds(), &options).unwrap();
    for fold in &cv.folds {
        assert_eq!(scheme(&fold.model).as_deref(), Some("gender_emotion"));
    }
}

#[test]
fn speakers_are_counted_after_the_label_scheme() {
    let clip = |speaker: &str, label: &str, gender| Utterance {
        path: format!("{speaker}-{label}.wav").into(),
        label: label.into(),
        speaker: speaker.into(),
        gender,
        corpus: "mine".into(),
    };
    let corpus = Corpus {
        name: "mine".into(),
        utterances: vec![
            clip("a", "angry", Some(Gender::Female)),
            clip("b", "angry", None),
            clip("c", "boredom", Some(Gender::Male)),
            clip("d", "sad", Some(Gender::Male)),
        ],
        skipped: Vec::new(),
    };
    let native = LabelledCorpus::new(&corpus, LabelScheme::Native);
    assert_eq!(native.speakers.len(), 4);
    // `b` has no gender, `c` only a label the common emotions lack.
    let labelled = LabelledCorpus::new(&corpus, LabelScheme::GenderEmotion);
    assert_eq!(labelled.speakers, ["a", "d"]);
    assert_eq!(labelled.labels, ["female_angry", "male_sad"]);
    assert_eq!(labelled.utterances.len(), 2);
    let text = labelled.to_string();
    assert!(
        text.ends_with("mine: 2 clips, 2 speakers, 2 labels\n"),
        "{text}"
    );
    assert!(text.contains("left out 1 clips labelled boredom"), "{text}");
}

#[test]
fn a_model_path_that_cannot_be_saved_to_is_refused_before_training() {
    let dir = common::fixture_dir("train-audit-out");
    // A directory where the model file should go.
    let folder = dir.join("model.safetensors");
    std::fs::create_dir(&folder).unwrap();
    match check_model_path(&folder) {
        Err(TrainError::Write { path, source }) => {
            assert_eq!(path, folder);
            assert_eq!(source.kind(), std::io::ErrorKind::IsADirectory);
        }
        other => panic!("a directory passed as the model path: {other:?}"),
    }
    // Under a file, no folder can be made.
    std::fs::write(dir.join("file"), "x").unwrap();
    assert!(check_model_path(dir.join("file/model.safetensors")).is_err());
    // A missing folder is created; an existing model file is left as it is; nothing is left
    // behind by the check.
    check_model_path(dir.join("new/runs/model.safetensors")).unwrap();
    assert!(names_in(&dir.join("new/runs")).is_empty());
    std::fs::write(dir.join("old.safetensors"), "a model").unwrap();
    check_model_path(dir.join("old.safetensors")).unwrap();
    assert_eq!(
        std::fs::read_to_string(dir.join("old.safetensors")).unwrap(),
        "a model"
    );
    assert_eq!(
        names_in(&dir),
        ["file", "model.safetensors", "new", "old.safetensors"]
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
