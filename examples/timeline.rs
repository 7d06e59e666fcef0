//! Emotion timeline of a long recording: sliding windows over the speech a VAD finds.
//!
//! ```sh
//! cargo run --release --example timeline -- recording.wav [--window 2] [--hop 0.5] [--json|--csv] [--adapt]
//! cargo run --release --example timeline -- recording.wav --plot timeline.svg
//! cargo run --release --example timeline -- recording.wav --plot timeline.png
//! cargo run --release --example timeline -- call.wav --channel 1   # one side of a stereo call
//! ```
//!
//! Any format emovox reads (WAV, FLAC, MP3, OGG Vorbis/Opus, WebM/Opus, M4A) at any sample rate: the file
//! is streamed from disk, decoded and resampled to the model's rate chunk by chunk, so memory
//! does not grow with its length.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

#[path = "common/exit.rs"]
mod exit;

use clap::Parser;
use emovox::adaptation::adapt_timeline;
use emovox::audio::{open_audio_stream_with, peak_envelope_of, Channels};
use emovox::timeline::{stream_audio, SegmentConfig};
use emovox::Classifier;
use emovox_metrics::plot::{timeline_plot, PlotFormat, TimelineChart, TimelineSpan};

/// Print (or draw) the emotion timeline of a recording.
#[derive(Parser, Debug)]
#[command(version)]
struct Args {
    /// An audio file: WAV, FLAC, MP3, OGG, WebM/MKV, M4A, AIFF, CAF, AAC; any sample rate.
    file: PathBuf,
    /// Model file; the bundled model when omitted.
    #[arg(long)]
    model: Option<PathBuf>,
    /// One channel of a multichannel file (counted from 0); the channels' mean when omitted.
    #[arg(long)]
    channel: Option<usize>,
    /// Window length in seconds.
    #[arg(long)]
    window: Option<f64>,
    /// Hop between windows in seconds.
    #[arg(long)]
    hop: Option<f64>,
    /// One JSON object per segment and line (`start`, `end`, `label`, `confidence`, `novelty`).
    #[arg(long, conflicts_with = "csv")]
    json: bool,
    /// CSV with a header row: start,end,label,confidence.
    #[arg(long)]
    csv: bool,
    /// Print every classified window instead of the smoothed timeline.
    #[arg(long)]
    windows: bool,
    /// Judge each window against the recording's other windows (one speaker holding several
    /// emotions: `emovox::adaptation::adapt_timeline`).
    #[arg(long)]
    adapt: bool,
    /// Draw the waveform with the timeline under it into this file: SVG or PNG, by its
    /// extension (`.svg` or `.png`).
    #[arg(long, value_name = "OUT.svg|OUT.png", value_parser = plot_path)]
    plot: Option<PathBuf>,
}

/// Checks the `--plot` file name before anything is classified.
fn plot_path(name: &str) -> Result<PathBuf, String> {
    PlotFormat::from_path(name)
        .map(|_| PathBuf::from(name))
        .map_err(|_| "give a file name ending in .svg or .png".to_string())
}

fn main() -> ExitCode {
    emovox::retain_freed_memory(); // 200 page faults per window otherwise
    exit::report(|| run(&Args::parse()))
}

fn run(args: &Args) -> Result<(), Box<dyn std::error::Error>> {
    let classifier = match &args.model {
        Some(path) => Classifier::load(path)?,
        None => Classifier::bundled()?,
    };
    // Windows the model can classify (a window under a second lowers the shortest audio
    // classified with it), every other setting at its default.
    let defaults = SegmentConfig::default();
    let config = classifier.segment_config(
        args.window.unwrap_or(defaults.window_seconds),
        args.hop.unwrap_or(defaults.hop_seconds),
    )?;

    let channels = args.channel.map_or(Channels::Average, Channels::Only);
    let open = || open_audio_stream_with(&args.file, 16_000, channels);
    let mut timeline = stream_audio(&classifier, &mut open()?, &config, 16_000)?;
    if args.adapt {
        timeline = adapt_timeline(&timeline, &config)?;
    }
    let segments = if args.windows {
        &timeline.windows
    } else {
        &timeline.smoothed
    };
    let mut out = std::io::stdout().lock();
    if args.json {
        for s in segments {
            let line = serde_json::json!({"start": s.start, "end": s.end, "label": s.label, "confidence": s.confidence, "novelty": s.novelty});
            writeln!(out, "{line}")?;
        }
    } else if args.csv {
        writeln!(out, "start,end,label,confidence")?;
        for s in segments {
            let (start, end) = (s.start, s.end);
            writeln!(out, "{start:.3},{end:.3},{},{:.4}", s.label, s.confidence)?;
        }
    } else {
        writeln!(
            out,
            "{:>9} {:>9}  {:<10} confidence",
            "start", "end", "label"
        )?;
        for s in segments {
            let (start, end) = (s.start, s.end);
            writeln!(
                out,
                "{start:>9.2} {end:>9.2}  {:<10} {:.2}",
                s.label, s.confidence
            )?;
        }
        eprintln!(
            "{:.1} s of audio, {} speech regions, {} windows classified, {} segments",
            timeline.duration,
            timeline.speech.len(),
            timeline.windows.len(),
            timeline.smoothed.len()
        );
    }
    if let Some(out) = &args.plot {
        let chart = TimelineChart {
            title: format!("{} — emotion timeline", args.file.display()),
            duration: timeline.duration,
            peaks: peak_envelope_of(
                &mut open()?,
                timeline.duration,
                TimelineChart::WIDTH as usize,
            )?,
            labels: timeline.labels.clone(),
            spans: timeline
                .smoothed
                .iter()
                .map(|s| TimelineSpan {
                    start: s.start,
                    end: s.end,
                    label_index: s.label_index,
                })
                .collect(),
        };
        timeline_plot(&chart, out)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_line_refuses_plot_files_it_cannot_write() {
        let parse = |out: &str| Args::try_parse_from(["timeline", "in.wav", "--plot", out]);
        let err = parse("timeline.jpg").unwrap_err().to_string();
        assert!(err.contains("ending in .svg or .png"), "{err}");
        assert_eq!(
            parse("t.PNG").unwrap().plot.as_deref(),
            Some(std::path::Path::new("t.PNG"))
        );
    }
}
