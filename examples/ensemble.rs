//! Combines trained models into one file (their views' probabilities averaged), fits every
//! view's feature density on the clips of every speaker any view was trained on (found in the
//! `--data` corpora), and fits one calibration for the whole (temperature, novelty slope and
//! threshold) on validation speakers, as recorded or also under recording conditions
//! (`--conditions standard`: the clips of the validation speakers under every condition of the
//! standard table, so the confidence given noisy or band-limited speech is fitted on such
//! speech). One model file alone is recalibrated the same way; `--remove-dc` makes its views
//! remove each clip's mean first (members trained before that step existed).
//!
//! ```sh
//! cargo run --release --example ensemble -- --model a.safetensors --model b.safetensors \
//!     --data ../shared/datasets/ravdess16k --data ../shared/datasets/turev16k/manifest.csv \
//!     --val-speakers ravdess:19-20,turev16k:1984,7895 --out ensemble.safetensors
//! ```

use std::path::PathBuf;
use std::process::ExitCode;

#[path = "common/exit.rs"]
mod exit;

use clap::Parser;
use emovox::audio::degrade::parse_conditions;
use emovox_corpus::protocol::SpeakerSet;
use emovox_corpus::{load_corpora, restrict_to_labels, SkipReport};
use emovox_metrics::{Calibration, ConfusionMatrix};
use emovox_model::MultiViewModel;
use emovox_train::{calibrate_under, fit_densities, CalibrationOutcome, ExtractConfig};

/// Combine models into one file and calibrate it.
#[derive(Parser, Debug)]
#[command(version)]
struct Args {
    /// A model file; repeat for each model (with the same labels).
    #[arg(long, required = true, num_args = 1)]
    model: Vec<PathBuf>,
    /// Corpus folder (or CSV manifest) holding the validation speakers; repeat to combine.
    #[arg(long, required = true)]
    data: Vec<PathBuf>,
    /// Speakers whose clips fit the temperature (e.g. `19-20` or `ravdess:19-20,turev16k:1984`).
    #[arg(long)]
    val_speakers: SpeakerSet,
    /// Recording conditions the calibration is fitted under, comma-separated, as `evaluate`
    /// takes them (`standard`: every condition of the standard table, clean included).
    #[arg(long, value_delimiter = ',', default_value = "clean")]
    conditions: Vec<String>,
    /// Seed of the first clip's degradation (clip `i` gets `seed + i`).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Make every view remove each clip's mean first (`Preprocessing::remove_dc`), for members
    /// trained before that step existed; their densities and calibration are fitted with it.
    #[arg(long)]
    remove_dc: bool,
    /// Where to write the combined model.
    #[arg(long)]
    out: PathBuf,
}

fn main() -> ExitCode {
    exit::report(|| run(Args::parse()))
}

fn run(args: Args) -> Result<(), Box<dyn std::error::Error>> {
    let (corpus, _) = load_corpora(&args.data, None)?;
    let mut model = MultiViewModel::load_all(&args.model)?;
    if args.remove_dc {
        model = model.with_dc_removed();
    }
    // Every view's feature density over everything the ensemble was trained on.
    let model = fit_densities(model, &corpus.utterances, &ExtractConfig::default())?;
    let (utterances, _) = restrict_to_labels(
        &args.val_speakers.select(&corpus.utterances)?,
        model.labels(),
    );
    let conditions = parse_conditions(&args.conditions)?;
    let CalibrationOutcome {
        model,
        probabilities,
        truth,
        skipped,
    } = calibrate_under(model, &utterances, &conditions, args.seed)?;
    eprint!("{}", SkipReport::new(&skipped));
    let predicted: Vec<usize> = probabilities
        .iter()
        .map(|p| emovox_metrics::argmax(p))
        .collect();
    let matrix = ConfusionMatrix::from_predictions(model.labels().to_vec(), &truth, &predicted)?;
    let calibration = Calibration::from_probabilities(&probabilities, &truth, 10)?;
    model.save(&args.out)?;
    println!(
        "{} views; temperature {:.3} (novelty slope {:.2}, threshold {:.2}) fitted on {} clips under {} conditions: UAR {:.3}, ECE {:.3}\nmodel: {}",
        model.views().len(),
        model.calibration().map_or(1.0, |c| c.temperature),
        model.calibration().map_or(0.0, |c| c.novelty_slope),
        model.novelty_threshold().unwrap_or(f32::NAN),
        truth.len(),
        conditions.len(),
        matrix.uar(),
        calibration.ece,
        args.out.display()
    );
    Ok(())
}
