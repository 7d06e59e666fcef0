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
//! Conditions (`--conditions`, comma-separated; each documented in `emovox_audio::degrade`):
//! `clean`, `gain:-20`, `clipping:12`, `compression:4`, `white:20`, `pink:10`, `babble:10`,
//! `telephone`, `reverb:0.5`, `tilt:-9`, `opus:8`, `opus:12:10`, `amr:12.2`, `pad:3`, chains such
//! as `reverb:0.5+babble:10` or `pad:3+white:20` (a loosely cut noisy recording), or `standard`. Clip `i` is degraded with seed `--seed + i`; babble is
//! made of the other evaluated speakers' clips. Several `--model`s are one ensemble. `--adapt
//! per-speaker` judges each clip against its speaker's other clips (`emovox::adaptation`). Every
//! UAR comes with its 95 % interval (stratified bootstrap); `--baseline B` scores B on the same
//! clips and prints the paired interval of the difference of UARs. `--out DIR`:
//! `evaluation.json` and plots. Clips of speakers the model was trained on are warned about.

use std::path::PathBuf;
use std::process::ExitCode;

#[path = "common/exit.rs"]
mod exit;

use clap::Parser;
use emovox::adaptation::Adaptation;
use emovox::audio::degrade::parse_conditions;
use emovox::evaluation::{evaluate_conditions, Comparison, LabelMerge, LabelledClip, Scoring};
use emovox::Classifier;
use emovox_corpus::protocol::SpeakerSet;
use emovox_corpus::{apply_scheme, load_corpus, CorpusKind, LabelScheme, SkipReport, Utterance};
use emovox_model::MultiViewModel;
use rayon::prelude::*;

type BoxError = Box<dyn std::error::Error>;

/// Evaluate an emotion model on labelled speech.
#[derive(Parser, Debug)]
#[command(version)]
struct Args {
    /// Model file (the bundled model when omitted); repeat it to evaluate the ensemble that
    /// averages every model's probabilities (labels must agree, features may differ).
    #[arg(long)]
    model: Vec<PathBuf>,
    /// A model to compare with on the same clips (repeat for an ensemble).
    #[arg(long)]
    baseline: Vec<PathBuf>,
    /// Corpus folder (or CSV manifest).
    #[arg(long)]
    data: PathBuf,
    /// Corpus layout (ravdess, crema-d, tess, savee, emodb, folders, csv); detected when omitted.
    #[arg(long)]
    corpus: Option<CorpusKind>,
    /// Label scheme applied to the corpus before matching the model's labels (default: the one
    /// the model file says it was trained with, else native).
    #[arg(long)]
    labels: Option<LabelScheme>,
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
    /// `per-speaker`: judge each clip against the other clips of its speaker
    /// (`emovox::adaptation`; assumes each speaker's clips span several emotions).
    #[arg(long, default_value = "none")]
    adapt: Adapt,
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

/// [`Adaptation`] as a command-line value.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
enum Adapt {
    None,
    PerSpeaker,
}

fn main() -> ExitCode {
    emovox::retain_freed_memory(); // 200 page faults per clip otherwise
    exit::report(|| run(Args::parse()))
}

fn run(args: Args) -> Result<(), BoxError> {
    let classifier = load_classifier(&args.model)?;
    let conditions = parse_conditions(&args.conditions)?;
    let (clips, scheme) = load_clips(&args, classifier.model())?;
    let scoring = match args.subset {
        Subset::Model => Scoring::model(),
        Subset::Present => Scoring::present(),
    }
    .merged(LabelMerge::new(scheme.merges(classifier.labels())));
    let adaptation = match args.adapt {
        Adapt::None => Adaptation::None,
        Adapt::PerSpeaker => Adaptation::PerSpeaker,
    };
    let run = |c: &Classifier| {
        evaluate_conditions(c, &clips, &conditions, args.seed, &scoring, adaptation)
    };
    let table = run(&classifier)?;
    for (name, result) in &table.rows {
        for reason in &result.failed {
            eprintln!("{name}: failed: {reason}");
        }
        if result.unscored > 0 {
            eprintln!("{name}: {} clips with labels not scored", result.unscored);
        }
    }
    if args.json {
        (table.rows.iter()).for_each(|(name, e)| println!("{}", e.to_json(name)));
    } else {
        print!("{}", table.to_text());
    }
    if let Some(dir) = &args.out {
        table.write(dir)?;
    }
    if !args.baseline.is_empty() {
        let baseline = run(&load_classifier(&args.baseline)?)?;
        let rows = table.compare(&baseline, &Default::default())?;
        if args.json {
            rows.iter()
                .try_for_each(|row| serde_json::to_string(row).map(|line| println!("{line}")))?;
        } else {
            let text = Comparison::to_text(&rows);
            print!("\nagainst the baseline, paired over the same clips:\n{text}");
        }
    }
    Ok(())
}

/// The bundled model, one model file, or the ensemble averaging several files' views.
fn load_classifier(paths: &[PathBuf]) -> Result<Classifier, BoxError> {
    Ok(match paths {
        [] => Classifier::bundled()?,
        [path] => Classifier::load(path)?,
        paths => Classifier::from_views(MultiViewModel::load_all(paths)?)?,
    })
}

/// Decodes the selected clips of the corpus in parallel; unreadable files are reported.
/// Returns them with the label scheme applied: `--labels`, else the one the model records.
fn load_clips(
    args: &Args,
    model: &MultiViewModel,
) -> Result<(Vec<LabelledClip>, LabelScheme), BoxError> {
    let (corpus, kind) = load_corpus(&args.data, args.corpus)?;
    eprintln!("corpus layout: {kind}");
    eprint!("{}", SkipReport::new(&corpus.skipped));
    let utterances = match &args.speakers {
        Some(set) => set.select(&corpus.utterances)?,
        None => corpus.utterances.clone(),
    };
    let recorded = || emovox_train::recorded_label_scheme(model);
    let scheme = args.labels.or_else(recorded).unwrap_or_default();
    let (utterances, dropped) = apply_scheme(&utterances, scheme);
    for (label, count) in &dropped {
        eprintln!("left out {count} clips labelled {label} (not in the label scheme)");
    }
    let heard = emovox_train::training_speakers_among(model, &utterances);
    if !heard.is_empty() {
        eprintln!("warning: the model was trained on speakers {heard:?}: their clips' figures are not on new voices (--speakers LIST)");
    }
    let decoded: Vec<_> = utterances
        .par_iter()
        .map(|u| LabelledClip::read(&u.path, &u.label, &u.speaker).map_err(|e| (u, e)))
        .collect();
    let report = |(u, err): (&Utterance, _)| eprintln!("{}: error: {err}", u.path.display());
    let clips: Vec<_> = decoded
        .into_iter()
        .filter_map(|r| r.map_err(report).ok())
        .collect();
    if clips.is_empty() {
        return Err("no clip to evaluate (check --data and --speakers)".into());
    }
    Ok((clips, scheme))
}
