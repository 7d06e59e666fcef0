//! Trains an emotion model from scratch on a corpus folder, speaker-independently.
//!
//! ```sh
//! cargo run --release --example train -- --data ../shared/datasets/ravdess16k \
//!     --train-speakers 1-18 --val-speakers 19-20 --seed 42 --out models/emovox-ravdess.safetensors
//! ```
//!
//! Writes the model (one safetensors file) and, beside it, a report folder `<model>.report/`
//! with `metrics.json`, `classification_report.txt`, `confusion.svg`, `training_curves.svg` and
//! `epochs.jsonl` (one line per epoch).

use std::path::{Path, PathBuf};

use clap::Parser;
use emovox_features::FeaturePipeline;
use emovox_metrics::{plot, ConfusionMatrix};
use emovox_train::corpus::load_ravdess;
use emovox_train::protocol::SpeakerSet;
use emovox_train::{
    default_feature_spec, extract_dataset, train, ExtractConfig, TrainConfig, TrainOptions,
    TrainOutcome,
};

/// Train a speech emotion model from scratch.
#[derive(Parser, Debug)]
#[command(version, about)]
struct Args {
    /// Corpus folder (e.g. the RAVDESS folder holding Actor_01 .. Actor_20).
    #[arg(long)]
    data: PathBuf,
    /// Corpus layout.
    #[arg(long, default_value = "ravdess", value_parser = ["ravdess"])]
    corpus: String,
    /// Speakers to train on (e.g. `1-18` or `1,3,5-7`).
    #[arg(long, default_value = "1-18")]
    train_speakers: SpeakerSet,
    /// Speakers held out for validation and early stopping.
    #[arg(long, default_value = "19-20")]
    val_speakers: SpeakerSet,
    /// Epochs (default: the recipe's).
    #[arg(long)]
    epochs: Option<usize>,
    /// Random seed (default: the recipe's); the same seed and data give the same model.
    #[arg(long)]
    seed: Option<u64>,
    /// A training recipe as JSON (`emovox_train::TrainConfig`); defaults to the built-in one.
    #[arg(long)]
    recipe: Option<PathBuf>,
    /// Where to write the model.
    #[arg(long)]
    out: PathBuf,
    /// No progress bar.
    #[arg(long)]
    quiet: bool,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let corpus = load_ravdess(&args.data)?;
    for skipped in &corpus.skipped {
        eprintln!("skipped {}: {}", skipped.path.display(), skipped.reason);
    }
    let labels = corpus.labels();
    let train_utterances = args.train_speakers.select(&corpus.utterances);
    let val_utterances = args.val_speakers.select(&corpus.utterances);
    if train_utterances.is_empty() || val_utterances.is_empty() {
        return Err(format!(
            "{} training and {} validation clips: both speaker sets must match speakers of {}",
            train_utterances.len(),
            val_utterances.len(),
            args.data.display()
        )
        .into());
    }
    eprintln!(
        "{}: {} clips, {} labels; training on {} clips, validating on {}",
        corpus.name,
        corpus.utterances.len(),
        labels.len(),
        train_utterances.len(),
        val_utterances.len()
    );

    let spec = default_feature_spec();
    let pipeline = FeaturePipeline::new(spec.clone())?;
    let extract = ExtractConfig::default();
    let (train_set, _) = extract_dataset(&train_utterances, &labels, &pipeline, &extract)?;
    let (val_set, _) = extract_dataset(&val_utterances, &labels, &pipeline, &extract)?;

    let mut config: TrainConfig = match &args.recipe {
        Some(path) => serde_json::from_slice(&std::fs::read(path)?)?,
        None => TrainConfig::default(),
    };
    config.epochs = args.epochs.unwrap_or(config.epochs);
    config.seed = args.seed.unwrap_or(config.seed);

    let report_dir = report_dir(&args.out);
    std::fs::create_dir_all(&report_dir)?;
    let log_path = report_dir.join("epochs.jsonl");
    let _ = std::fs::remove_file(&log_path);
    let options = TrainOptions {
        quiet: args.quiet,
        log_path: Some(log_path),
        corpus: corpus.name.clone(),
    };
    let outcome = train(&config, &train_set, &val_set, &spec, &options)?;
    if let Some(parent) = args.out.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)?;
    }
    outcome.model.save(&args.out)?;
    let matrix = write_report(&report_dir, &labels, &outcome)?;
    println!(
        "validation: accuracy {:.3}, UAR {:.3}, macro-F1 {:.3} on {} clips (best epoch {} of {}, {:.0} s)",
        matrix.accuracy(),
        matrix.uar(),
        matrix.macro_f1(),
        matrix.total(),
        outcome.best_epoch,
        outcome.history.len(),
        outcome.seconds
    );
    println!(
        "model: {}\nreport: {}",
        args.out.display(),
        report_dir.display()
    );
    Ok(())
}

/// `models/x.safetensors` -> `models/x.report/`.
fn report_dir(model: &Path) -> PathBuf {
    model.with_extension("report")
}

/// Writes metrics, report text and plots of the kept weights on the validation speakers.
fn write_report(
    dir: &Path,
    labels: &[String],
    outcome: &TrainOutcome,
) -> Result<ConfusionMatrix, Box<dyn std::error::Error>> {
    let predicted = emovox_train::evaluate::argmax_rows(&outcome.val_probabilities);
    let matrix =
        ConfusionMatrix::from_predictions(labels.to_vec(), &outcome.val_truth, &predicted)?;
    let history: Vec<emovox_metrics::EpochRecord> = outcome
        .history
        .iter()
        .map(|e| emovox_metrics::EpochRecord {
            epoch: e.epoch,
            train_loss: e.train_loss,
            val_loss: e.val_loss,
            val_accuracy: e.val_accuracy.unwrap_or(f64::NAN),
            val_uar: e.val_uar.unwrap_or(f64::NAN),
        })
        .collect();
    let metrics = serde_json::json!({
        "validation": matrix.summary(),
        "best_epoch": outcome.best_epoch,
        "training_seconds": outcome.seconds,
        "history": outcome.history,
        "provenance": outcome.model.metadata().training,
    });
    std::fs::write(
        dir.join("metrics.json"),
        serde_json::to_string_pretty(&metrics)?,
    )?;
    let text = format!(
        "{}\naccuracy {:.4}  UAR {:.4}  macro-F1 {:.4}\n\n{}",
        matrix.report().to_text(2),
        matrix.accuracy(),
        matrix.uar(),
        matrix.macro_f1(),
        matrix.to_text()
    );
    std::fs::write(dir.join("classification_report.txt"), &text)?;
    println!("{text}");
    plot::confusion_svg(&matrix, dir.join("confusion.svg"))?;
    plot::training_curves_svg(&history, dir.join("training_curves.svg"))?;
    Ok(matrix)
}
