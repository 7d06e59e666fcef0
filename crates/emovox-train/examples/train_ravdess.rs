//! Trains the default recipe on RAVDESS and saves the model.
//!
//! ```text
//! cargo run --release -p emovox-train --example train_ravdess -- \
//!     --data /path/to/ravdess16k --out model.safetensors [--val 19,20] [--epochs N] \
//!     [--seed S] [--log epochs.jsonl] [--config recipe.json] [--quiet]
//! ```
//!
//! Clips are found by their RAVDESS names (`03-01-EE-II-SS-RR-AA.wav`); the actors given with
//! `--val` are held out for validation and early stopping, all others are trained on.

use std::path::{Path, PathBuf};

use emovox_features::FeaturePipeline;
use emovox_train::corpus::{Gender, Utterance};
use emovox_train::{
    default_feature_spec, extract_dataset, train, ExtractConfig, TrainConfig, TrainOptions,
};

const EMOTIONS: [&str; 8] = [
    "neutral",
    "calm",
    "happy",
    "sad",
    "angry",
    "fearful",
    "disgust",
    "surprised",
];

struct Args {
    data: PathBuf,
    out: PathBuf,
    val: Vec<String>,
    epochs: Option<usize>,
    seed: Option<u64>,
    log: Option<PathBuf>,
    config: Option<PathBuf>,
    quiet: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        data: PathBuf::new(),
        out: PathBuf::from("model.safetensors"),
        val: vec!["19".into(), "20".into()],
        epochs: None,
        seed: None,
        log: None,
        config: None,
        quiet: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--data" => args.data = value()?.into(),
            "--out" => args.out = value()?.into(),
            "--val" => {
                args.val = value()?
                    .split(',')
                    .map(|a| format!("{:02}", a.trim().parse::<u32>().unwrap_or(0)))
                    .collect()
            }
            "--epochs" => args.epochs = Some(value()?.parse().map_err(|e| format!("{e}"))?),
            "--seed" => args.seed = Some(value()?.parse().map_err(|e| format!("{e}"))?),
            "--log" => args.log = Some(value()?.into()),
            "--config" => args.config = Some(value()?.into()),
            "--quiet" => args.quiet = true,
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if args.data.as_os_str().is_empty() {
        return Err("--data DIR is required".into());
    }
    Ok(args)
}

/// RAVDESS clips under `root` (Actor_XX folders), by file name.
fn ravdess(root: &Path) -> Result<Vec<Utterance>, String> {
    let mut paths = Vec::new();
    for actor in std::fs::read_dir(root).map_err(|e| format!("{}: {e}", root.display()))? {
        let actor = actor.map_err(|e| e.to_string())?.path();
        if actor.is_dir() {
            for file in std::fs::read_dir(&actor).map_err(|e| e.to_string())? {
                paths.push(file.map_err(|e| e.to_string())?.path());
            }
        }
    }
    paths.sort();
    Ok(paths
        .into_iter()
        .filter_map(|path| {
            let stem = path.file_stem()?.to_str()?.to_string();
            let parts: Vec<&str> = stem.split('-').collect();
            let emotion: usize = parts.get(2)?.parse().ok()?;
            let actor: usize = parts.get(6)?.parse().ok()?;
            Some(Utterance {
                label: EMOTIONS.get(emotion.checked_sub(1)?)?.to_string(),
                speaker: format!("{actor:02}"),
                gender: Some(if actor % 2 == 1 {
                    Gender::Male
                } else {
                    Gender::Female
                }),
                corpus: "ravdess".into(),
                path,
            })
        })
        .collect())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = parse_args()?;
    let mut config: TrainConfig = match &args.config {
        Some(path) => serde_json::from_str(&std::fs::read_to_string(path)?)?,
        None => TrainConfig::default(),
    };
    if let Some(epochs) = args.epochs {
        config.epochs = epochs;
    }
    if let Some(seed) = args.seed {
        config.seed = seed;
    }
    let spec = default_feature_spec();
    let pipeline = FeaturePipeline::new(spec.clone())?;
    let labels: Vec<String> = EMOTIONS.iter().map(|s| s.to_string()).collect();
    let utterances = ravdess(&args.data)?;
    let started = std::time::Instant::now();
    let (dataset, skipped) =
        extract_dataset(&utterances, &labels, &pipeline, &ExtractConfig::default())?;
    eprintln!(
        "features of {} clips in {:.1} s ({} skipped)",
        dataset.len(),
        started.elapsed().as_secs_f64(),
        skipped.len()
    );
    let val_refs: Vec<&str> = args.val.iter().map(String::as_str).collect();
    let (val_set, train_set) = dataset.split_by_speakers(&val_refs);
    // One matrix-multiplication thread is faster than two for this network's small products
    // (measured 8.6 vs 10.6 s per epoch); candle reads this variable at every product. Feature
    // extraction above already ran on the full rayon pool.
    if std::env::var_os("RAYON_NUM_THREADS").is_none() {
        std::env::set_var("RAYON_NUM_THREADS", "1");
    }
    let options = TrainOptions {
        quiet: args.quiet,
        log_path: args.log.clone(),
        corpus: "ravdess".into(),
    };
    let outcome = train(&config, &train_set, &val_set, &spec, &options)?;
    let kept = &outcome.history[outcome.best_epoch - 1];
    let per_epoch: f64 =
        outcome.history.iter().map(|r| r.seconds).sum::<f64>() / outcome.history.len() as f64;
    println!(
        "kept epoch {} of {}: val UAR {:.3}, val accuracy {:.3}; last epoch val UAR {:.3}; \
         {:.1} s/epoch, {:.0} s training",
        outcome.best_epoch,
        outcome.history.len(),
        kept.val_uar.unwrap_or(f64::NAN),
        kept.val_accuracy.unwrap_or(f64::NAN),
        outcome
            .history
            .last()
            .and_then(|r| r.val_uar)
            .unwrap_or(f64::NAN),
        per_epoch,
        outcome.seconds
    );
    outcome.model.save(&args.out)?;
    println!("saved {}", args.out.display());
    Ok(())
}
