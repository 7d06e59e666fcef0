//! Evaluates a model on a corpus: classification report, accuracy, UAR, confusion matrix and
//! calibration, as recorded or under named, seeded recording conditions.
//!
//! ```sh
//! cargo run --release --example evaluate -- --data ../shared/datasets/ravdess16k --speakers 19-20
//! # The robustness table (every condition of emovox_audio::degrade::standard_conditions):
//! cargo run --release --example evaluate -- --data ../shared/datasets/ravdess16k --speakers 19-20 \
//!     --conditions standard --out runs/robustness
//! # Cross-corpus, scored over the 4 labels TurEV-DB has:
//! cargo run --release --example evaluate -- --data ../shared/datasets/turev16k/manifest.csv \
//!     --corpus csv --subset present
//! ```
//!
//! Conditions (`--conditions`, comma-separated): `clean`, `gain:-20`, `white:20`, `pink:10`,
//! `babble:10`, `telephone`, `reverb:0.5`, chains such as `reverb:0.5+babble:10`, or
//! `standard` for the standard table. Clip `i` is degraded with seed `--seed + i`; babble for a
//! clip is made of the other evaluated speakers' clips. Several `--model`s are evaluated as one
//! ensemble averaging their probabilities. With `--out DIR`: `evaluation.json` (every
//! condition's metrics, confusion matrix and calibration), `reliability.svg` (the first
//! condition's reliability diagram) and, for several conditions, `conditions.svg` and `.png`.

use std::path::PathBuf;

use clap::Parser;
use emovox::audio::degrade::{standard_conditions, Condition};
use emovox::evaluation::{evaluate, Evaluation, LabelSubset, LabelledClip};
use emovox::Classifier;
use emovox_corpus::protocol::SpeakerSet;
use emovox_corpus::{apply_scheme, load_corpus, CorpusKind, LabelScheme};
use emovox_metrics::plot;
use emovox_model::MultiViewModel;
use rayon::prelude::*;

/// Evaluate an emotion model on labelled speech.
#[derive(Parser, Debug)]
#[command(version)]
struct Args {
    /// Model file (the bundled model when omitted); repeat it to evaluate the ensemble that
    /// averages every model's probabilities (labels must agree, features may differ).
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
    /// Speakers to evaluate on (e.g. `19-20`); every speaker when omitted.
    #[arg(long)]
    speakers: Option<SpeakerSet>,
    /// Recording conditions, comma-separated, or `standard` (default: clean).
    #[arg(long, value_delimiter = ',', default_value = "clean")]
    conditions: Vec<String>,
    /// Seed of the first clip's degradation.
    #[arg(long, default_value_t = 2026)]
    seed: u64,
    /// Labels scored: `model` (all of the model's) or `present` (those the clips carry;
    /// probabilities renormalised over them).
    #[arg(long, default_value = "model")]
    subset: Subset,
    /// Print one JSON object per condition instead of the report.
    #[arg(long)]
    json: bool,
    /// Folder for evaluation.json and the plots.
    #[arg(long)]
    out: Option<PathBuf>,
}

/// [`LabelSubset`] as a command-line value.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
enum Subset {
    Model,
    Present,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let classifier = match args.model.as_slice() {
        [] => Classifier::bundled()?,
        [path] => Classifier::load(path)?,
        paths => {
            let mut views = Vec::new();
            for path in paths {
                views.extend(MultiViewModel::load(path)?.into_views());
            }
            Classifier::from_views(MultiViewModel::new(views)?)?
        }
    };
    let conditions = parse_conditions(&args.conditions)?;
    let clips = load_clips(&args)?;
    let subset = match args.subset {
        Subset::Model => LabelSubset::Model,
        Subset::Present => LabelSubset::Present,
    };
    let mut rows: Vec<(String, Evaluation)> = Vec::new();
    for (name, condition) in conditions {
        let result = evaluate(&classifier, &clips, &condition, args.seed, subset)?;
        for reason in &result.failed {
            eprintln!("{name}: failed: {reason}");
        }
        if result.unscored > 0 {
            eprintln!("{name}: {} clips with labels not scored", result.unscored);
        }
        rows.push((name, result));
    }
    let json: Vec<serde_json::Value> = rows.iter().map(|(n, e)| to_json(n, e)).collect();
    if args.json {
        json.iter().for_each(|row| println!("{row}"));
    } else if let [(_, only)] = rows.as_slice() {
        let m = &only.matrix;
        println!("{}", m.report().to_text(2));
        println!(
            "accuracy {:.4}  UAR {:.4}  macro-F1 {:.4}  n {}\n",
            m.accuracy(),
            m.uar(),
            m.macro_f1(),
            m.total()
        );
        println!(
            "confusion matrix (rows = true, columns = predicted):\n{}",
            m.to_text()
        );
        println!("calibration:\n{}", only.calibration.to_text());
    } else {
        println!(
            "{:<24} {:>6} {:>8} {:>6} {:>5}",
            "condition", "UAR", "accuracy", "ECE", "n"
        );
        for (name, e) in &rows {
            let m = &e.matrix;
            let (uar, acc, ece) = (m.uar(), m.accuracy(), e.calibration.ece);
            println!(
                "{name:<24} {uar:>6.3} {acc:>8.3} {ece:>6.3} {:>5}",
                m.total()
            );
        }
    }
    if let Some(dir) = &args.out {
        std::fs::create_dir_all(dir)?;
        std::fs::write(
            dir.join("evaluation.json"),
            serde_json::to_string_pretty(&json)?,
        )?;
        let (name, first) = &rows[0];
        plot::reliability_diagram(&first.calibration, name, dir.join("reliability.svg"))?;
        if rows.len() > 1 {
            let bars: Vec<(String, f64)> = rows
                .iter()
                .map(|(n, e)| (n.clone(), e.matrix.uar()))
                .collect();
            for ext in ["svg", "png"] {
                let path = dir.join(format!("conditions.{ext}"));
                plot::condition_bars(&bars, "UAR per recording condition", path)?;
            }
        }
    }
    Ok(())
}

/// Named conditions: `standard` expands to the standard table, anything else is parsed.
fn parse_conditions(
    names: &[String],
) -> Result<Vec<(String, Condition)>, Box<dyn std::error::Error>> {
    let mut out = Vec::new();
    for name in names {
        if name == "standard" {
            out.extend(standard_conditions());
        } else {
            let condition: Condition = name.parse()?;
            out.push((name.clone(), condition));
        }
    }
    Ok(out)
}

/// One condition's figures as JSON.
fn to_json(name: &str, e: &Evaluation) -> serde_json::Value {
    let summary = e.matrix.summary();
    serde_json::json!({
        "condition": name,
        "definition": e.condition,
        "accuracy": summary.accuracy,
        "uar": summary.uar,
        "macro_f1": summary.macro_f1,
        "n": summary.n,
        "labels": summary.labels,
        "confusion": summary.confusion,
        "ece": e.calibration.ece,
        "calibration": e.calibration,
        "failed": e.failed.len(),
    })
}

/// Decodes the selected clips of the corpus in parallel; unreadable files are reported.
fn load_clips(args: &Args) -> Result<Vec<LabelledClip>, Box<dyn std::error::Error>> {
    let (corpus, kind) = load_corpus(&args.data, args.corpus)?;
    if args.corpus.is_none() {
        eprintln!("detected corpus layout: {kind}");
    }
    let utterances = match &args.speakers {
        Some(set) => set.select(&corpus.utterances),
        None => corpus.utterances.clone(),
    };
    let (utterances, dropped) = apply_scheme(&utterances, args.labels);
    for (label, count) in &dropped {
        eprintln!("left out {count} clips labelled {label} (not in the label scheme)");
    }
    let decoded: Vec<_> = utterances
        .par_iter()
        .map(|u| LabelledClip::read(&u.path, &u.label, &u.speaker).map_err(|e| (u, e)))
        .collect();
    let mut clips = Vec::with_capacity(decoded.len());
    for result in decoded {
        match result {
            Ok(clip) => clips.push(clip),
            Err((u, err)) => eprintln!("{}: error: {err}", u.path.display()),
        }
    }
    if clips.is_empty() {
        return Err("no clip to evaluate (check --data and --speakers)".into());
    }
    Ok(clips)
}
