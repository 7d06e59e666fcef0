//! A short training run on RAVDESS (needs EMOVOX_DATA = the ravdess16k folder; skipped
//! otherwise). Trains the default recipe for a few epochs on actors 01-18 and checks the
//! validation UAR on actors 19-20 is well above chance (1/8). Meant for release builds.

#[path = "../../../tests/support/corpus_env.rs"]
mod corpus_env;
use std::path::Path;

use emovox_features::FeaturePipeline;
use emovox_model::EmotionModel;
use emovox_train::corpus::load_ravdess;
use emovox_train::{extract_dataset, train, ExtractConfig, TrainConfig, TrainOptions};

#[test]
fn short_ravdess_run_beats_chance_on_unseen_actors() {
    let Some(root) = corpus_env::data_dir("EMOVOX_DATA", "the RAVDESS training test") else {
        return;
    };
    let corpus = load_ravdess(Path::new(&root)).unwrap();
    let utterances = corpus.utterances;
    assert!(utterances.len() >= 1000, "found {} clips", utterances.len());
    let spec = TrainConfig::default().features;
    let pipeline = FeaturePipeline::new(spec.clone()).unwrap();
    let labels: Vec<String> = emovox_train::corpus::RAVDESS_EMOTIONS
        .iter()
        .map(|s| s.to_string())
        .collect();
    let (dataset, skipped) =
        extract_dataset(&utterances, &labels, &pipeline, &ExtractConfig::default()).unwrap();
    assert!(skipped.is_empty(), "{skipped:?}");
    let (val_set, train_set) = dataset.split_by_speakers(&["19", "20"]);
    assert_eq!(val_set.len(), 120);

    // Four epochs of the training loop on stored features (multi-condition training needs
    // more epochs than this smoke test affords; the shipped recipe's figures are measured by
    // the train and evaluate examples).
    let config = TrainConfig {
        epochs: 4,
        augment: emovox_train::AugmentConfig::default(),
        ..TrainConfig::default()
    };
    let options = TrainOptions {
        log_path: None,
        corpus: "ravdess".into(),
        ..TrainOptions::default()
    };
    let outcome = train(&config, &train_set, &val_set, &options).unwrap();
    let uar = outcome.history[outcome.best_epoch - 1].val_uar.unwrap();
    println!(
        "RAVDESS 4 epochs: val UAR {uar:.3} at epoch {}, {:.0} s",
        outcome.best_epoch, outcome.seconds
    );
    assert!(uar >= 0.25, "validation UAR {uar}");

    let bytes = outcome.model.to_safetensors_bytes().unwrap();
    assert!(bytes.len() < 10 * 1024 * 1024);
    let loaded = EmotionModel::from_safetensors_bytes(&bytes).unwrap();
    let first = &val_set.examples[0].features;
    assert_eq!(
        loaded.probabilities(first).unwrap(),
        outcome.model.probabilities(first).unwrap()
    );
}
