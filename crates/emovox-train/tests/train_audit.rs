//! What a user training on their own corpus runs into: a label only the validation speakers
//! have, silent clips among the recordings, ensembles' provenance, and a report folder trained
//! into before.

mod common;

use std::path::Path;

use emovox_features::{FeatureKind, FeatureSpec, MelConfig};
use emovox_metrics::ConfusionMatrix;
use emovox_model::{ModelConfig, PoolingKind};
use emovox_train::corpus::Utterance;
use emovox_train::{
    extract_dataset, train, train_views, AugmentConfig, Example, ExtractConfig, FeatureDataset,
    TrainConfig, TrainError, TrainOptions, ViewsDataset,
};
use ndarray::Array3;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const BINS: usize = 12;
const LABELS: [&str; 3] = ["low", "mid", "high"];

fn spec() -> FeatureSpec {
    FeatureSpec {
        kind: FeatureKind::LogMel(MelConfig::speech_with_mels(BINS)),
        delta_orders: 0,
        delta_width: 9,
        utterance_norm: false,
        pitch: None,
        preprocessing: Default::default(),
    }
}

/// Clips of `speakers` whose class shows as a band of energy, `per_class` per label of
/// `labels` (indices into [`LABELS`]).
fn dataset(speakers: std::ops::Range<usize>, labels: &[usize], seed: u64) -> FeatureDataset {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut examples = Vec::new();
    for speaker in speakers {
        for &label in labels {
            for _ in 0..4 {
                let centre = 2.0 + 4.0 * label as f32 + rng.gen_range(-1.5..1.5);
                let features = Array3::from_shape_fn((1, BINS, 30), |(_, b, _)| {
                    let d = b as f32 - centre;
                    -40.0 + 20.0 * (-d * d / 2.0).exp() + rng.gen_range(-8.0..8.0)
                });
                examples.push(Example {
                    features,
                    label,
                    speaker: format!("{speaker:02}"),
                    corpus: "mine".into(),
                    path: format!("mine/{speaker}-{label}.wav").into(),
                    waveform: None,
                });
            }
        }
    }
    FeatureDataset::new(LABELS.iter().map(|s| s.to_string()).collect(), examples).unwrap()
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

/// Writes `samples` as a 16 kHz 16-bit mono WAV file.
fn write_wav(path: &Path, samples: impl Iterator<Item = f32>) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: 16_000,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut writer = hound::WavWriter::create(path, spec).unwrap();
    for s in samples {
        writer.write_sample((s * 32767.0).round() as i16).unwrap();
    }
    writer.finalize().unwrap();
}

#[test]
fn silent_clips_are_skipped_not_trained_on() {
    let dir = common::fixture_dir("train-audit-silence");
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    let tone = (0..16_000).map(|i| 0.3 * (i as f32 * 0.07).sin());
    write_wav(&dir.join("happy/tone.wav"), tone);
    write_wav(
        &dir.join("happy/silence.wav"),
        std::iter::repeat_n(0.0, 16_000),
    );
    // One-step dither of 16-bit audio (what `sox -n` writes for silence): about -95 dBFS.
    let dither: Vec<f32> = (0..16_000)
        .map(|_| rng.gen_range(-1i32..=1) as f32 / 32767.0)
        .collect();
    write_wav(&dir.join("sad/dither.wav"), dither.into_iter());
    // A quiet clip, its loudest 20 ms at about -80 dBFS, is still speech to classify.
    let quiet = (0..16_000).map(|i| 1.4e-4 * (i as f32 * 0.07).sin());
    write_wav(&dir.join("sad/quiet.wav"), quiet);
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
