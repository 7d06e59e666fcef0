//! Evaluates a model on a corpus folder: classification report, accuracy, UAR, confusion matrix.
//!
//! ```sh
//! cargo run --release --example evaluate -- --data ../shared/datasets/ravdess16k --speakers 19-20
//! cargo run --release --example evaluate -- --model model.safetensors --data DIR --json
//! # Several models (same labels; e.g. different seeds or features) as one ensemble:
//! cargo run --release --example evaluate -- --model a.safetensors --model b.safetensors --data DIR
//! ```
//!
//! Every clip goes through `Classifier::predict_file`, the same path users call. Clips whose
//! label the model does not know are left out and counted; files that fail are reported.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use emovox::Classifier;
use emovox_metrics::ConfusionMatrix;
use emovox_model::MultiViewModel;
use emovox_train::corpus::{
    apply_scheme, load_corpus, restrict_to_labels, CorpusKind, LabelScheme,
};
use emovox_train::protocol::SpeakerSet;
use rayon::prelude::*;

/// Evaluate an emotion model on labelled speech.
#[derive(Parser, Debug)]
#[command(version)]
struct Args {
    /// Model file; the bundled RAVDESS model when omitted. Repeat it to evaluate the ensemble
    /// that averages the probabilities of every model (their labels must agree; their features
    /// may differ).
    #[arg(long)]
    model: Vec<PathBuf>,
    /// Corpus folder (or CSV manifest).
    #[arg(long)]
    data: PathBuf,
    /// Corpus layout (ravdess, crema-d, tess, savee, emodb, folders, csv); detected when omitted.
    #[arg(long)]
    corpus: Option<CorpusKind>,
    /// Label scheme applied to the corpus before matching the model's labels.
    #[arg(long, default_value = "native")]
    labels: LabelScheme,
    /// Speakers to evaluate on (e.g. `19-20`); every speaker in the folder when omitted.
    #[arg(long)]
    speakers: Option<SpeakerSet>,
    /// Print exactly one JSON object (accuracy, uar, macro_f1, n, labels, confusion).
    #[arg(long)]
    json: bool,
}

fn main() -> ExitCode {
    match run(Args::parse()) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::from(2)
        }
    }
}

fn run(args: Args) -> Result<ExitCode, Box<dyn std::error::Error>> {
    let classifier = match args.model.as_slice() {
        [] => Classifier::bundled()?,
        [path] => Classifier::load(path)?,
        paths => {
            // Every view of every file, averaged with equal weights.
            let mut views = Vec::new();
            for path in paths {
                views.extend(MultiViewModel::load(path)?.into_views());
            }
            Classifier::from_views(MultiViewModel::new(views)?)?
        }
    };
    let (corpus, kind) = load_corpus(&args.data, args.corpus)?;
    if args.corpus.is_none() {
        eprintln!("detected corpus layout: {kind}");
    }
    for skipped in &corpus.skipped {
        eprintln!("skipped {}: {}", skipped.path.display(), skipped.reason);
    }
    let utterances = match &args.speakers {
        Some(set) => set.select(&corpus.utterances),
        None => corpus.utterances.clone(),
    };
    let (utterances, dropped_by_scheme) = apply_scheme(&utterances, args.labels);
    let labels = classifier.labels().to_vec();
    let (known, dropped_by_model) = restrict_to_labels(&utterances, &labels);
    for (label, count) in dropped_by_scheme.iter().chain(&dropped_by_model) {
        eprintln!("left out {count} clips labelled {label} (not among the labels evaluated)");
    }
    if known.is_empty() {
        return Err("no clip to evaluate (check --data and --speakers)".into());
    }
    let results: Vec<_> = known
        .par_iter()
        .map(|u| (u, classifier.predict_file(&u.path)))
        .collect();
    let mut matrix = ConfusionMatrix::new(labels.clone());
    let mut failed = 0;
    for (utterance, result) in results {
        match result {
            Ok(prediction) => {
                let truth = labels.iter().position(|l| *l == utterance.label);
                let predicted = labels.iter().position(|l| *l == prediction.label);
                if let (Some(t), Some(p)) = (truth, predicted) {
                    matrix.add(t, p)?;
                }
            }
            Err(err) => {
                failed += 1;
                eprintln!("{}: error: {err}", utterance.path.display());
            }
        }
    }
    if args.json {
        let summary = matrix.summary();
        println!(
            "{}",
            serde_json::json!({
                "accuracy": summary.accuracy,
                "uar": summary.uar,
                "macro_f1": summary.macro_f1,
                "n": summary.n,
                "labels": summary.labels,
                "confusion": summary.confusion,
            })
        );
    } else {
        println!("{}", matrix.report().to_text(2));
        println!(
            "accuracy {:.4}  UAR {:.4}  macro-F1 {:.4}  n {}\n",
            matrix.accuracy(),
            matrix.uar(),
            matrix.macro_f1(),
            matrix.total()
        );
        println!(
            "confusion matrix (rows = true, columns = predicted):\n{}",
            matrix.to_text()
        );
    }
    Ok(if failed > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
