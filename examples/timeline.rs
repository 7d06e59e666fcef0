//! Emotion timeline of a long recording: sliding windows over the speech a VAD finds.
//!
//! ```sh
//! cargo run --release --example timeline -- recording.wav [--window 2] [--hop 0.5] [--json|--csv]
//! cargo run --release --example timeline -- recording.wav --plot timeline.svg
//! ```
//!
//! A file at the model's sample rate is streamed from disk in chunks (memory does not grow with
//! its length); other rates are read whole and resampled.

use std::path::{Path, PathBuf};

use clap::Parser;
use emovox::timeline::{predict_segments, stream_wav, SegmentConfig, Timeline};
use emovox::Classifier;
use plotters::prelude::*;

/// Print (or draw) the emotion timeline of a recording.
#[derive(Parser, Debug)]
#[command(version)]
struct Args {
    /// A WAV file.
    file: PathBuf,
    /// Model file; the bundled RAVDESS model when omitted.
    #[arg(long)]
    model: Option<PathBuf>,
    /// Window length in seconds.
    #[arg(long)]
    window: Option<f64>,
    /// Hop between windows in seconds.
    #[arg(long)]
    hop: Option<f64>,
    /// One JSON object per segment and line (`start`, `end`, `label`, `confidence`).
    #[arg(long, conflicts_with = "csv")]
    json: bool,
    /// CSV with a header row: start,end,label,confidence.
    #[arg(long)]
    csv: bool,
    /// Print every classified window instead of the smoothed timeline.
    #[arg(long)]
    windows: bool,
    /// Draw the waveform with the timeline under it into this SVG file.
    #[arg(long)]
    plot: Option<PathBuf>,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let classifier = match &args.model {
        Some(path) => Classifier::load(path)?,
        None => Classifier::bundled()?,
    };
    let mut config = SegmentConfig::default();
    config.window_seconds = args.window.unwrap_or(config.window_seconds);
    config.hop_seconds = args.hop.unwrap_or(config.hop_seconds);

    let file_rate = emovox::audio::open_wav_stream(&args.file, 1)?.sample_rate();
    let timeline = if file_rate == classifier.sample_rate() {
        stream_wav(&classifier, &args.file, &config, 16_000)?
    } else {
        let audio = emovox::audio::read_wav(&args.file)?;
        predict_segments(&classifier, &audio.samples, audio.sample_rate, &config)?
    };
    let segments = if args.windows {
        &timeline.windows
    } else {
        &timeline.smoothed
    };
    if args.json {
        for s in segments {
            println!(
                "{}",
                serde_json::json!({"start": s.start, "end": s.end, "label": s.label, "confidence": s.confidence})
            );
        }
    } else if args.csv {
        println!("start,end,label,confidence");
        for s in segments {
            println!(
                "{:.3},{:.3},{},{:.4}",
                s.start, s.end, s.label, s.confidence
            );
        }
    } else {
        println!("{:>9} {:>9}  {:<10} confidence", "start", "end", "label");
        for s in segments {
            println!(
                "{:>9.2} {:>9.2}  {:<10} {:.2}",
                s.start, s.end, s.label, s.confidence
            );
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
        plot(&args.file, &timeline, out)?;
    }
    Ok(())
}

/// Peak absolute amplitude in `columns` equal slices of the file, read in chunks.
fn envelope(file: &Path, columns: usize) -> Result<Vec<f32>, emovox::audio::AudioError> {
    let mut stream = emovox::audio::open_wav_stream(file, 65_536)?;
    let per_column = stream.total_samples().div_ceil(columns).max(1);
    let mut peaks = vec![0.0f32; columns];
    let mut position = 0usize;
    let mut chunk = Vec::new();
    while stream.read_chunk(&mut chunk)? {
        for &s in &chunk {
            let column = (position / per_column).min(columns - 1);
            peaks[column] = peaks[column].max(s.abs());
            position += 1;
        }
    }
    Ok(peaks)
}

/// Waveform envelope on top, one coloured bar per smoothed segment below, a legend of labels.
fn plot(file: &Path, timeline: &Timeline, out: &Path) -> Result<(), Box<dyn std::error::Error>> {
    if out
        .extension()
        .is_none_or(|e| !e.eq_ignore_ascii_case("svg"))
    {
        return Err("--plot writes SVG: give a file name ending in .svg".into());
    }
    let (width, height) = (1200u32, 420u32);
    let peaks = envelope(file, width as usize)?;
    let duration = timeline.duration.max(1e-3);
    let root = SVGBackend::new(out, (width, height)).into_drawing_area();
    root.fill(&WHITE)?;
    let (top, bottom) = root.split_vertically(260);
    let mut wave = ChartBuilder::on(&top)
        .caption(
            format!("{} — emotion timeline", file.display()),
            ("sans-serif", 18),
        )
        .margin(10)
        .x_label_area_size(20)
        .y_label_area_size(40)
        .build_cartesian_2d(0.0..duration, -1.0f64..1.0)?;
    wave.configure_mesh()
        .disable_mesh()
        .y_desc("amplitude")
        .draw()?;
    let step = duration / peaks.len() as f64;
    wave.draw_series(peaks.iter().enumerate().map(|(i, &p)| {
        let x = i as f64 * step;
        Rectangle::new(
            [(x, -(p as f64)), (x + step, p as f64)],
            BLUE.mix(0.6).filled(),
        )
    }))?;
    let (bar_area, legend_area) = bottom.split_vertically(110);
    let mut bars = ChartBuilder::on(&bar_area)
        .margin(10)
        .x_label_area_size(30)
        .y_label_area_size(40)
        .build_cartesian_2d(0.0..duration, 0.0f64..1.0)?;
    bars.configure_mesh()
        .disable_mesh()
        .disable_y_axis()
        .x_desc("time (s)")
        .draw()?;
    let colour = |index: usize| Palette99::pick(index).to_rgba();
    bars.draw_series(timeline.smoothed.iter().map(|s| {
        Rectangle::new(
            [(s.start, 0.1), (s.end, 0.9)],
            colour(s.label_index).filled(),
        )
    }))?;
    // The legend: one swatch and name per label, in a single row.
    for (index, label) in timeline.labels.iter().enumerate() {
        let x = 50 + 120 * index as i32;
        legend_area.draw(&Rectangle::new(
            [(x, 12), (x + 14, 26)],
            colour(index).filled(),
        ))?;
        legend_area.draw(&Text::new(label.as_str(), (x + 20, 12), ("sans-serif", 14)))?;
    }
    root.present()?;
    Ok(())
}
