//! Predicts the emotion of one or more audio files: WAV, FLAC, MP3, OGG Vorbis or Opus, WebM/Opus, M4A
//! (AAC or ALAC), at any sample rate (the format is told from the content).
//!
//! ```sh
//! cargo run --release --example predict -- tests/fixtures/speech/kids_talking.wav
//! cargo run --release --example predict -- tests/fixtures/formats/sentence_128k.mp3
//! cargo run --release --example predict -- --model model.safetensors a.wav b.wav --json
//! cargo run --release --example predict -- --channel 1 call.wav   # one side of a stereo call
//! cargo run --release --example predict -- --one-speaker agent7/*.wav  # each call against the others
//! ```
//!
//! A file that cannot be read or classified prints an error (with `--json`, an object with an
//! `error` key) and the others are still predicted; the exit code is 1 if any file failed.
//! Each prediction comes with what about the recording may make it less reliable (clipping,
//! noise, a narrow band, little speech: `emovox::audio::assess`).

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use emovox::adaptation::{adapt_predictions, AdaptationError};
use emovox::audio::{assess, read_audio_with, Channels, RecordingQuality};
use emovox::{Classifier, Prediction};
use serde_json::json;

/// Predict the emotion carried by speech recordings.
#[derive(Parser, Debug)]
#[command(version)]
struct Args {
    /// Model file (safetensors); the bundled model when omitted.
    #[arg(long)]
    model: Option<PathBuf>,
    /// Print one JSON object per file and line instead of text.
    #[arg(long)]
    json: bool,
    /// One channel of multichannel files (counted from 0); the channels' mean when omitted.
    #[arg(long)]
    channel: Option<usize>,
    /// Judge every file against the others, all being one speaker's (an agent's calls, one
    /// person's voice notes): each answer relative to the speaker's usual
    /// (`emovox::adaptation::adapt_predictions`; assumes the files span several emotions).
    #[arg(long)]
    one_speaker: bool,
    /// Audio files to classify (WAV, FLAC, MP3, OGG, WebM/MKV, M4A, AIFF, CAF, AAC).
    #[arg(required = true)]
    files: Vec<PathBuf>,
}

fn main() -> ExitCode {
    emovox::retain_freed_memory(); // 200 page faults per clip otherwise
    let args = Args::parse();
    let classifier = match &args.model {
        Some(path) => Classifier::load(path),
        None => Classifier::bundled(),
    };
    let classifier = match classifier {
        Ok(classifier) => classifier,
        Err(err) => {
            eprintln!("error: cannot load the model: {err}");
            return ExitCode::from(2);
        }
    };
    let channels = args.channel.map_or(Channels::Average, Channels::Only);
    let mut failed = 0;
    let mut out = std::io::stdout().lock();
    // Files predicted in parallel a batch at a time, so output follows as it is ready.
    let batches = args.files.chunks(32);
    let mut predicted: Box<dyn Iterator<Item = Predicted>> = Box::new(batches.flat_map(|batch| {
        batch
            .iter()
            .zip(classifier.predict_files_with(batch, channels))
    }));
    if args.one_speaker {
        match as_one_speaker(predicted.collect()) {
            Ok(adapted) => predicted = Box::new(adapted.into_iter()),
            Err(err) => {
                eprintln!("error: cannot adapt the predictions: {err}");
                return ExitCode::FAILURE;
            }
        }
    }
    for (file, result) in predicted {
        if result.is_err() {
            failed += 1;
        }
        // The file decoded once more for its quality: a few ms against the network's.
        let quality = result.is_ok().then(|| quality_of(file, channels)).flatten();
        let written = if args.json {
            writeln!(out, "{}", json_line(file, &result, quality.as_ref()))
        } else {
            print_text(&mut out, file, &result, quality.as_ref())
        };
        match written {
            // The reader has gone (`| head`): nothing more to say.
            Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => return ExitCode::SUCCESS,
            Err(err) => {
                eprintln!("error: cannot write the output: {err}");
                return ExitCode::FAILURE;
            }
            Ok(()) => {}
        }
    }
    if failed > 0 {
        eprintln!("{failed} of {} files failed", args.files.len());
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// A file and what became of it.
type Predicted<'a> = (&'a PathBuf, Result<Prediction, emovox::Error>);

/// Every file's prediction adapted to the others' (one speaker); errors stay errors.
fn as_one_speaker(mut results: Vec<Predicted<'_>>) -> Result<Vec<Predicted<'_>>, AdaptationError> {
    let mut predictions: Vec<Prediction> = results
        .iter()
        .filter_map(|(_, r)| r.as_ref().ok().cloned())
        .collect();
    let one_speaker = vec![(); predictions.len()];
    adapt_predictions(&mut predictions, &one_speaker)?;
    let scored = results.iter_mut().filter(|(_, r)| r.is_ok());
    for ((_, result), prediction) in scored.zip(predictions) {
        *result = Ok(prediction);
    }
    Ok(results)
}

/// The recording quality of a file the classifier read (`None` if it cannot be read again).
fn quality_of(file: &std::path::Path, channels: Channels) -> Option<RecordingQuality> {
    let audio = read_audio_with(file, channels).ok()?;
    assess(&audio.samples, audio.sample_rate).ok()
}

fn json_line(
    file: &std::path::Path,
    result: &Result<Prediction, emovox::Error>,
    quality: Option<&RecordingQuality>,
) -> String {
    let value = match result {
        Ok(p) => {
            let probabilities: serde_json::Map<String, serde_json::Value> = p
                .probabilities
                .iter()
                .map(|(label, prob)| (label.clone(), json!(prob)))
                .collect();
            json!({
                "file": file.display().to_string(),
                "label": p.label,
                "confidence": p.confidence,
                "probabilities": probabilities,
                "novelty": p.novelty,
                "unfamiliar": p.unfamiliar,
                "quality": quality,
                "concerns": quality.map(|q| q.concerns().iter().map(|c| c.name()).collect::<Vec<_>>()),
            })
        }
        Err(err) => json!({ "file": file.display().to_string(), "error": err.to_string() }),
    };
    value.to_string()
}

fn print_text(
    out: &mut impl Write,
    file: &std::path::Path,
    result: &Result<Prediction, emovox::Error>,
    quality: Option<&RecordingQuality>,
) -> std::io::Result<()> {
    match result {
        Ok(p) => {
            let novelty = match (p.novelty, p.unfamiliar) {
                (Some(s), true) => format!(", novelty {s:.1}: unlike the training audio"),
                (Some(s), false) => format!(", novelty {s:.1}"),
                (None, _) => String::new(),
            };
            writeln!(
                out,
                "{}: {} ({:.1}%{novelty})",
                file.display(),
                p.label,
                100.0 * p.confidence
            )?;
            let mut ranked = p.probabilities.clone();
            ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
            for (label, prob) in ranked {
                writeln!(out, "    {label:<12} {:>6.2}%", 100.0 * prob)?;
            }
            for concern in quality.map(RecordingQuality::concerns).unwrap_or_default() {
                writeln!(out, "    note: {concern}")?;
            }
        }
        Err(err) => eprintln!("{}: error: {err}", file.display()),
    }
    Ok(())
}
