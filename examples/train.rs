//! Trains an emotion model from scratch on a corpus folder, speaker-independently.
//!
//! ```sh
//! # The bundled model:
//! cargo run --release --example train -- --data ../shared/datasets/ravdess16k \
//!     --train-speakers 1-18 --val-speakers 19-20 --seed 42 --out models/emovox.safetensors
//! # 5-fold speaker-independent cross-validation of the recipe (no model is kept):
//! cargo run --release --example train -- --data ../shared/datasets/ravdess16k --folds 5 \
//!     --out runs/cv.safetensors
//! ```
//!
//! Writes the model (one safetensors file) and, beside it, a report folder `<model>.report/`
//! with `metrics.json`, `classification_report.txt`, `confusion.svg`, `training_curves.svg` and
//! `epochs.jsonl`. With `--folds K` it instead writes `cross_validation.json` (per-fold and
//! pooled metrics, mean and standard deviation over folds, per-epoch test curves) into that
//! folder, with each fold's model and epoch log.

use std::path::{Path, PathBuf};

use clap::Parser;
use emovox_features::FeaturePipeline;
use emovox_metrics::{plot, ConfusionMatrix, FoldSummary};
use emovox_train::corpus::{apply_scheme, load_corpus, CorpusKind, LabelScheme, Utterance};
use emovox_train::protocol::{combine, k_fold_speakers, leave_one_speaker_out, Fold, SpeakerSet};
use emovox_train::{
    extract_dataset, train_views, ExtractConfig, FeatureDataset, TrainConfig, TrainOptions,
    ViewData, ViewsOutcome,
};

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
    /// Speakers held out for validation and early stopping.
    #[arg(long, default_value = "19-20")]
    val_speakers: SpeakerSet,
    /// Instead of one model: K-fold speaker-independent cross-validation over all speakers.
    /// Each fold trains on the other speakers for the recipe's epochs and scores the last
    /// epoch's weights on its test speakers (no early stopping, no selection on test data).
    #[arg(long, conflicts_with = "loso")]
    folds: Option<usize>,
    /// Folds run at once in cross-validation, as worker processes with one thread each
    /// (default: the number of CPUs).
    #[arg(long)]
    jobs: Option<usize>,
    /// Internal: run only this fold (0-based) and write its result to the report folder.
    #[arg(long, hide = true)]
    fold_index: Option<usize>,
    /// Instead of one model: leave-one-speaker-out cross-validation (one fold per speaker).
    #[arg(long)]
    loso: bool,
    /// Epochs (default: the recipe's).
    #[arg(long)]
    epochs: Option<usize>,
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

impl Args {
    /// The model path (clap requires `--out` unless `--print-recipe` is given).
    fn out(&self) -> &Path {
        self.out
            .as_deref()
            .expect("clap requires --out without --print-recipe")
    }
}

/// The corpus after the label scheme, its labels, and the recipe (read once).
struct Prepared {
    name: String,
    utterances: Vec<Utterance>,
    labels: Vec<String>,
    recipe: TrainConfig,
}

impl Prepared {
    /// Every clip's features for every feature view of the recipe, extracted in parallel;
    /// done once by each process that trains (not by a cross-validation parent whose folds
    /// run as workers).
    fn extract(&self) -> Result<Vec<FeatureDataset>, Box<dyn std::error::Error>> {
        let extract = ExtractConfig {
            keep_waveforms: self.recipe.augment.wave.is_active(),
            ..ExtractConfig::default()
        };
        self.recipe
            .view_features()
            .into_iter()
            .map(|spec| {
                let pipeline = FeaturePipeline::new(spec)?;
                let (dataset, _) =
                    extract_dataset(&self.utterances, &self.labels, &pipeline, &extract)?;
                Ok(dataset)
            })
            .collect()
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    if args.print_recipe {
        println!("{}", serde_json::to_string_pretty(&recipe(&args)?)?);
        return Ok(());
    }
    let prepared = prepare(&args)?;
    let report_dir = args.out().with_extension("report");
    std::fs::create_dir_all(&report_dir)?;
    if let Some(k) = args.folds {
        cross_validate(
            &args,
            &prepared,
            &k_fold_speakers(&prepared.utterances, k)?,
            &report_dir,
        )
    } else if args.loso {
        cross_validate(
            &args,
            &prepared,
            &leave_one_speaker_out(&prepared.utterances)?,
            &report_dir,
        )
    } else {
        train_one(&args, &prepared, &report_dir)
    }
}

/// Loads the corpus, applies the label scheme and reads the recipe.
fn prepare(args: &Args) -> Result<Prepared, Box<dyn std::error::Error>> {
    let mut corpora = Vec::new();
    for path in &args.data {
        let (corpus, kind) = load_corpus(path, args.corpus)?;
        if args.corpus.is_none() {
            eprintln!("{}: detected corpus layout {kind}", path.display());
        }
        corpora.push(corpus);
    }
    let corpus = if corpora.len() == 1 {
        corpora.remove(0)
    } else {
        combine(&corpora)
    };
    for skipped in &corpus.skipped {
        eprintln!("skipped {}: {}", skipped.path.display(), skipped.reason);
    }
    let (utterances, dropped) = apply_scheme(&corpus.utterances, args.labels);
    for (label, count) in &dropped {
        eprintln!(
            "label scheme {}: left out {count} clips labelled {label}",
            args.labels
        );
    }
    let labels = {
        let mut labels: Vec<String> = utterances.iter().map(|u| u.label.clone()).collect();
        labels.sort();
        labels.dedup();
        labels
    };
    eprintln!(
        "{}: {} clips, {} speakers, {} labels ({} skipped files)",
        corpus.name,
        utterances.len(),
        corpus.speakers().len(),
        labels.len(),
        corpus.skipped.len()
    );
    Ok(Prepared {
        name: corpus.name,
        utterances,
        labels,
        recipe: recipe(args)?,
    })
}

fn recipe(args: &Args) -> Result<TrainConfig, Box<dyn std::error::Error>> {
    let mut config: TrainConfig = match &args.recipe {
        Some(path) => serde_json::from_slice(&std::fs::read(path)?)?,
        None => TrainConfig::two_views(),
    };
    config.epochs = args.epochs.unwrap_or(config.epochs);
    config.seed = args.seed.unwrap_or(config.seed);
    config.model.members = args.members.unwrap_or(config.model.members);
    Ok(config)
}

/// Per view: the examples whose speaker is in `speakers`, and the rest.
fn split(
    views: &[FeatureDataset],
    speakers: &[String],
) -> (Vec<FeatureDataset>, Vec<FeatureDataset>) {
    let names: Vec<&str> = speakers.iter().map(String::as_str).collect();
    views.iter().map(|d| d.split_by_speakers(&names)).unzip()
}

/// The speakers of `utterances` that `set` selects, sorted.
fn speakers_in(utterances: &[Utterance], set: &SpeakerSet) -> Vec<String> {
    let mut speakers: Vec<String> = set
        .select(utterances)
        .into_iter()
        .map(|u| u.speaker)
        .collect();
    speakers.sort();
    speakers.dedup();
    speakers
}

fn train_one(
    args: &Args,
    data: &Prepared,
    report_dir: &Path,
) -> Result<(), Box<dyn std::error::Error>> {
    let dataset = data.extract()?;
    let (train_set, _) = split(
        &dataset,
        &speakers_in(&data.utterances, &args.train_speakers),
    );
    let (val_set, _) = split(&dataset, &speakers_in(&data.utterances, &args.val_speakers));
    if train_set[0].is_empty() || val_set[0].is_empty() {
        return Err(format!(
            "{} training and {} validation clips: both speaker sets must match speakers of {}",
            train_set[0].len(),
            val_set[0].len(),
            args.data
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        )
        .into());
    }
    eprintln!(
        "training on {} clips, validating on {}",
        train_set[0].len(),
        val_set[0].len()
    );
    let outcome = run_training(
        &data.recipe,
        args,
        data,
        &train_set,
        &val_set,
        report_dir.join("epochs.jsonl"),
    )?;
    if let Some(parent) = args.out().parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)?;
    }
    outcome.model.save(args.out())?;
    let matrix = validation_matrix(&data.labels, &outcome)?;
    write_report(report_dir, &matrix, &outcome)?;
    println!(
        "validation: accuracy {:.3}, UAR {:.3}, macro-F1 {:.3} on {} clips (best epoch {:?} of {}, {:.0} s)",
        matrix.accuracy(),
        matrix.uar(),
        matrix.macro_f1(),
        matrix.total(),
        outcome.best_epochs,
        outcome.histories[0].len(),
        outcome.seconds
    );
    println!(
        "model: {}\nreport: {}",
        args.out().display(),
        report_dir.display()
    );
    Ok(())
}

/// Trains every view of `recipe` (`train_sets[v]`, `val_sets[v]` extracted with view `v`'s
/// features) with fresh per-epoch logs at `log_path` (views after the first beside it).
fn run_training(
    recipe: &TrainConfig,
    args: &Args,
    data: &Prepared,
    train_sets: &[FeatureDataset],
    val_sets: &[FeatureDataset],
    log_path: PathBuf,
) -> Result<ViewsOutcome, Box<dyn std::error::Error>> {
    let views: Vec<ViewData> = train_sets
        .iter()
        .zip(val_sets)
        .map(|(train, val)| ViewData { train, val })
        .collect();
    let options = TrainOptions {
        quiet: args.quiet,
        log_path: Some(log_path),
        corpus: data.name.clone(),
    };
    for v in 0..views.len() {
        if let Some(path) = emovox_train::view_log_path(&options, v) {
            let _ = std::fs::remove_file(path);
        }
    }
    Ok(train_views(recipe, &views, &options)?)
}

fn validation_matrix(
    labels: &[String],
    outcome: &ViewsOutcome,
) -> Result<ConfusionMatrix, Box<dyn std::error::Error>> {
    let predicted = emovox_train::evaluate::argmax_rows(&outcome.val_probabilities);
    Ok(ConfusionMatrix::from_predictions(
        labels.to_vec(),
        &outcome.val_truth,
        &predicted,
    )?)
}

/// What one cross-validation fold yields; written as `<fold name>.json` by worker processes.
#[derive(serde::Serialize, serde::Deserialize)]
struct FoldResult {
    matrix: ConfusionMatrix,
    seconds: f64,
    history: Vec<emovox_train::EpochRecord>,
}

/// Speaker folds: each trains on all non-test speakers for the recipe's epochs (no early
/// stopping, last epoch kept) and is scored on its test speakers, which only monitor training.
/// With `--jobs N > 1` the folds run as N worker processes of this example, one thread each.
fn cross_validate(
    args: &Args,
    data: &Prepared,
    folds: &[Fold],
    report_dir: &Path,
) -> Result<(), Box<dyn std::error::Error>> {
    if let Some(i) = args.fold_index {
        let fold = folds
            .get(i)
            .ok_or("--fold-index is beyond the number of folds")?;
        let result = run_fold(args, data, &data.extract()?, fold, report_dir)?;
        std::fs::write(fold_file(report_dir, fold), serde_json::to_string(&result)?)?;
        return Ok(());
    }
    let jobs = args
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let results: Vec<FoldResult> = if jobs <= 1 {
        let dataset = data.extract()?;
        folds
            .iter()
            .map(|fold| run_fold(args, data, &dataset, fold, report_dir))
            .collect::<Result<_, _>>()?
    } else {
        run_fold_workers(folds, jobs, report_dir)?
    };
    for (fold, result) in folds.iter().zip(&results) {
        println!(
            "{}: test {:?}: accuracy {:.3}, UAR {:.3}, macro-F1 {:.3} ({} clips, {:.0} s)",
            fold.name,
            fold.test_speakers,
            result.matrix.accuracy(),
            result.matrix.uar(),
            result.matrix.macro_f1(),
            result.matrix.total(),
            result.seconds
        );
    }
    let matrices: Vec<ConfusionMatrix> = results.iter().map(|r| r.matrix.clone()).collect();
    let summary = FoldSummary::from_folds(&matrices)?;
    println!(
        "{} folds: UAR {:.3} +- {:.3}, accuracy {:.3} +- {:.3}, macro-F1 {:.3} +- {:.3}; pooled UAR {:.3}; longest fold {:.0} s",
        folds.len(),
        summary.uar.mean,
        summary.uar.std,
        summary.accuracy.mean,
        summary.accuracy.std,
        summary.macro_f1.mean,
        summary.macro_f1.std,
        summary.pooled.uar,
        results.iter().map(|r| r.seconds).fold(0.0, f64::max)
    );
    let report = serde_json::json!({
        "folds": folds,
        "summary": summary,
        "fold_seconds": results.iter().map(|r| r.seconds).collect::<Vec<_>>(),
        "histories": results.iter().map(|r| &r.history).collect::<Vec<_>>(),
        "recipe": fold_recipe(&data.recipe),
    });
    std::fs::write(
        report_dir.join("cross_validation.json"),
        serde_json::to_string_pretty(&report)?,
    )?;
    Ok(())
}

/// The recipe as a fold runs it: the last epoch's weights, no early stopping.
fn fold_recipe(recipe: &TrainConfig) -> TrainConfig {
    TrainConfig {
        keep_best: false,
        patience: None,
        calibrate: false,
        ..recipe.clone()
    }
}

/// Trains on the fold's training speakers and scores the last epoch on its test speakers;
/// the model goes to `<report>/<fold name>.safetensors` (to evaluate again, e.g. as an
/// ensemble with other runs' folds), the per-epoch log to `<report>/<fold name>.epochs.jsonl`.
fn run_fold(
    args: &Args,
    data: &Prepared,
    dataset: &[FeatureDataset],
    fold: &Fold,
    report_dir: &Path,
) -> Result<FoldResult, Box<dyn std::error::Error>> {
    let (test_set, train_set) = split(dataset, &fold.test_speakers);
    eprintln!(
        "{}: test {:?}, training on {} clips",
        fold.name,
        fold.test_speakers,
        train_set[0].len()
    );
    let log_path = report_dir.join(format!("{}.epochs.jsonl", fold.name));
    let outcome = run_training(
        &fold_recipe(&data.recipe),
        args,
        data,
        &train_set,
        &test_set,
        log_path,
    )?;
    outcome
        .model
        .save(report_dir.join(format!("{}.safetensors", fold.name)))?;
    Ok(FoldResult {
        matrix: validation_matrix(&data.labels, &outcome)?,
        seconds: outcome.seconds,
        history: outcome.histories.into_iter().next().unwrap_or_default(),
    })
}

/// Runs each fold as a `this-example <same args> --fold-index i` process, `jobs` at a time
/// with one compute thread each, and reads their results back in fold order.
fn run_fold_workers(
    folds: &[Fold],
    jobs: usize,
    report_dir: &Path,
) -> Result<Vec<FoldResult>, Box<dyn std::error::Error>> {
    let exe = std::env::current_exe()?;
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut pending: Vec<usize> = (0..folds.len()).rev().collect();
    let mut running: Vec<(usize, std::process::Child)> = Vec::new();
    while !pending.is_empty() || !running.is_empty() {
        while running.len() < jobs {
            let Some(i) = pending.pop() else { break };
            let _ = std::fs::remove_file(fold_file(report_dir, &folds[i]));
            let child = std::process::Command::new(&exe)
                .args(&args)
                .args(["--fold-index", &i.to_string(), "--quiet"])
                .env("RAYON_NUM_THREADS", "1")
                .spawn()?;
            running.push((i, child));
        }
        let mut finished = None;
        for (slot, (i, child)) in running.iter_mut().enumerate() {
            if let Some(status) = child.try_wait()? {
                if !status.success() {
                    return Err(format!("{} failed ({status})", folds[*i].name).into());
                }
                finished = Some(slot);
                break;
            }
        }
        match finished {
            Some(slot) => drop(running.remove(slot)),
            None => std::thread::sleep(std::time::Duration::from_millis(200)),
        }
    }
    folds
        .iter()
        .map(|fold| {
            let text = std::fs::read_to_string(fold_file(report_dir, fold))?;
            Ok(serde_json::from_str(&text)?)
        })
        .collect()
}

/// Where a fold worker writes its [`FoldResult`].
fn fold_file(report_dir: &Path, fold: &Fold) -> PathBuf {
    report_dir.join(format!("{}.json", fold.name))
}

/// Writes metrics, report text and plots of the kept weights on the validation speakers.
fn write_report(
    dir: &Path,
    matrix: &ConfusionMatrix,
    outcome: &ViewsOutcome,
) -> Result<(), Box<dyn std::error::Error>> {
    let history: Vec<emovox_metrics::EpochRecord> = outcome.histories[0]
        .iter()
        .filter_map(|e| e.to_metrics())
        .collect();
    let metrics = serde_json::json!({
        "validation": matrix.summary(),
        "best_epochs": outcome.best_epochs,
        "training_seconds": outcome.seconds,
        "histories": outcome.histories,
        "provenance": outcome.model.views().iter().map(|v| &v.metadata().training).collect::<Vec<_>>(),
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
    plot::confusion_plot(matrix, dir.join("confusion.svg"))?;
    plot::training_curves_plot(&history, dir.join("training_curves.svg"))?;
    Ok(())
}
