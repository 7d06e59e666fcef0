//! Trains an emotion model from scratch on a corpus folder, speaker-independently.
//!
//! ```sh
//! # The bundled model:
//! cargo run --release --example train -- --data ../shared/datasets/ravdess16k \
//!     --train-speakers 1-18 --val-speakers 19-20 --seed 42 --out models/emovox.safetensors
//! # 5-fold speaker-independent cross-validation (each fold's model in the report folder):
//! cargo run --release --example train -- --data ../shared/datasets/ravdess16k --folds 5 \
//!     --out runs/cv.safetensors
//! ```
//!
//! Writes the model and a report folder `<model>.report/` beside it
//! ([`emovox_train::ViewsOutcome::write_report`]); with `--folds K`, the folds' models and
//! `cross_validation.json` there instead ([`emovox_train::CrossValidation::write`]).

use std::path::PathBuf;
use std::process::ExitCode;

#[path = "common/exit.rs"]
mod exit;
use std::sync::Arc;

use clap::Parser;
use emovox_train::corpus::{load_corpora, CorpusKind, LabelScheme, SkipReport};
use emovox_train::protocol::{k_fold_speakers, leave_one_speaker_out, SpeakerSet};
use emovox_train::{
    check_model_path, classification_text, cross_validate, train_views, CrossValidationOptions,
    EarlyStopping, LabelledCorpus, NoImprovementSince, ProgressBar, TrainConfig, TrainObserver,
    TrainOptions, ViewsDataset,
};

type BoxError = Box<dyn std::error::Error>;

/// Train a speech emotion model from scratch.
#[derive(Parser, Debug)]
#[command(version, args_override_self = true)]
struct Args {
    /// Corpus folder (or CSV manifest); repeat to combine corpora in one run (speaker ids are
    /// then prefixed by the corpus name, e.g. `ravdess:01`).
    #[arg(long, required_unless_present = "print_recipe")]
    data: Vec<PathBuf>,
    /// Corpus layout (ravdess, crema-d, tess, savee, emodb, folders, csv); detected per folder
    /// when omitted.
    #[arg(long)]
    corpus: Option<CorpusKind>,
    /// Label scheme: native, common, gender_emotion or gender.
    #[arg(long, default_value = "native")]
    labels: LabelScheme,
    /// Speakers to train on (e.g. `1-18` or `1,3,5-7`).
    #[arg(long, default_value = "1-18")]
    train_speakers: SpeakerSet,
    /// Speakers held out for validation: reported each epoch, fit the temperature (the default
    /// recipe keeps the last epoch's weights; `keep_best` in a recipe, the best epoch's).
    #[arg(long, default_value = "19-20")]
    val_speakers: SpeakerSet,
    /// Instead of one model: K-fold speaker-independent cross-validation over all speakers.
    /// Each fold trains on the other speakers for the recipe's epochs and scores the last
    /// epoch's weights on its test speakers (no early stopping, no selection on test data).
    #[arg(long, conflicts_with = "loso")]
    folds: Option<usize>,
    /// Threads the cross-validation folds share (default: the number of CPUs).
    #[arg(long)]
    jobs: Option<usize>,
    /// Instead of one model: leave-one-speaker-out cross-validation (one fold per speaker).
    #[arg(long)]
    loso: bool,
    /// Epochs (default: the recipe's).
    #[arg(long)]
    epochs: Option<usize>,
    /// Stop once this many epochs pass without a better validation UAR (default: never).
    #[arg(long, conflicts_with_all = ["folds", "loso"])]
    patience: Option<usize>,
    /// Random seed (default: the recipe's); the same seed and data give the same model.
    #[arg(long)]
    seed: Option<u64>,
    /// Networks in the model, trained from seeds S, S+1, ... (in parallel) and averaged
    /// (default: the recipe's).
    #[arg(long)]
    members: Option<usize>,
    /// A training recipe as JSON (`emovox_train::TrainConfig`); defaults to
    /// `TrainConfig::two_views()` (log-mel and MFCC views, both with pitch).
    #[arg(long)]
    recipe: Option<PathBuf>,
    /// Where to write the model (its report folder goes beside it).
    #[arg(long, required_unless_present = "print_recipe")]
    out: Option<PathBuf>,
    /// Print the recipe (after --epochs, --seed, --members) as JSON, to edit and pass back
    /// with --recipe, and exit.
    #[arg(long)]
    print_recipe: bool,
    /// No progress bar.
    #[arg(long)]
    quiet: bool,
}

fn main() -> ExitCode {
    emovox::retain_freed_memory(); // a fifth of each epoch's time otherwise
    exit::report(|| run(&Args::parse()))
}

fn run(args: &Args) -> Result<(), BoxError> {
    let recipe = recipe(args)?;
    let stopping = args.patience.map(NoImprovementSince::new).transpose()?;
    if args.print_recipe {
        println!("{}", serde_json::to_string_pretty(&recipe)?);
        return Ok(());
    }
    let out = args.out.clone().ok_or("--out is required")?;
    check_model_path(&out)?; // a bad --out fails now, not after the training
    let corpus = prepare(args)?;
    let utterances = &corpus.utterances;
    let (dataset, skipped) = ViewsDataset::extract_for(&recipe, utterances, &corpus.labels)?;
    eprint!("{}", SkipReport::new(&skipped));
    let report_dir = out.with_extension("report");
    let folds = match (args.folds, args.loso) {
        (Some(k), _) => Some(k_fold_speakers(utterances, k)?),
        (None, true) => Some(leave_one_speaker_out(utterances)?),
        (None, false) => None,
    };
    if let Some(folds) = folds {
        let options = CrossValidationOptions {
            jobs: args.jobs.unwrap_or(CrossValidationOptions::default().jobs),
            corpus: corpus.name.clone(),
            label_scheme: Some(args.labels),
            log_dir: Some(report_dir.clone()),
            ..CrossValidationOptions::default()
        };
        let cv = cross_validate(&recipe, &dataset, &folds, &options)?;
        let report = cv.write(&report_dir)?;
        println!("{}\nreport: {}", cv.to_text(), report.display());
        return Ok(());
    }
    let (train_set, _) = dataset.split_by_speakers(&args.train_speakers.speakers_of(utterances)?);
    let (val_set, _) = dataset.split_by_speakers(&args.val_speakers.speakers_of(utterances)?);
    let (t, v, name) = (train_set.len(), val_set.len(), &corpus.name);
    if t == 0 || v == 0 {
        let sets = "both speaker sets must match speakers with clips";
        return Err(format!("{t} training and {v} validation clips of {name}: {sets}").into());
    }
    eprintln!("training on {t} clips, validating on {v}");
    emovox_train::start_report(&report_dir)?; // no earlier run's metrics beside this run's log
    let options = TrainOptions {
        observer: (!args.quiet).then(|| Arc::new(ProgressBar::new()) as Arc<dyn TrainObserver>),
        log_path: Some(report_dir.join("epochs.jsonl")),
        corpus: corpus.name.clone(),
        label_scheme: Some(args.labels),
        early_stopping: stopping.map(|s| Arc::new(s) as Arc<dyn EarlyStopping>),
        ..TrainOptions::default()
    };
    let outcome = train_views(&recipe, &train_set, &val_set, &options)?;
    outcome.model.save(&out)?;
    let matrix = outcome.write_report(&report_dir)?;
    println!("{}", classification_text(&matrix));
    let (clips, epochs, seconds) = (matrix.total(), &outcome.best_epochs, outcome.seconds);
    println!("validation on {clips} clips (kept epochs {epochs:?}, {seconds:.0} s)");
    println!("model: {}\nreport: {}", out.display(), report_dir.display());
    Ok(())
}

/// Loads the corpora and applies the label scheme (its clips, speakers and labels printed as
/// they are left after it).
fn prepare(args: &Args) -> Result<LabelledCorpus, BoxError> {
    let (corpus, kinds) = load_corpora(&args.data, args.corpus)?;
    for (path, kind) in args.data.iter().zip(kinds) {
        eprintln!("{}: corpus layout {kind}", path.display());
    }
    eprint!("{}", SkipReport::new(&corpus.skipped));
    let labelled = LabelledCorpus::new(&corpus, args.labels);
    eprint!("{labelled}");
    Ok(labelled)
}

/// The recipe file (or the default two-view recipe) with the command line's overrides.
fn recipe(args: &Args) -> Result<TrainConfig, BoxError> {
    let mut config: TrainConfig = match &args.recipe {
        Some(path) => serde_json::from_slice(
            &std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?,
        )?,
        None => TrainConfig::two_views(),
    };
    config.epochs = args.epochs.unwrap_or(config.epochs);
    config.seed = args.seed.unwrap_or(config.seed);
    config.model.members = args.members.unwrap_or(config.model.members);
    Ok(config)
}
