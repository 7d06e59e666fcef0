//! Emotion timeline of a long recording: sliding windows over the speech a VAD finds.
//!
//! ```sh
//! cargo run --release --example timeline -- recording.wav [--window 2] [--hop 0.5] [--json|--csv]
//! cargo run --release --example timeline -- recording.wav --plot timeline.svg
//! cargo run --release --example timeline -- recording.wav --plot timeline.png
//! ```
//!
//! Any format emovox reads (WAV, FLAC, MP3, OGG Vorbis/Opus, M4A) at any sample rate: the file
//! is streamed from disk, decoded and resampled to the model's rate chunk by chunk, so memory
//! does not grow with its length.

use std::path::{Path, PathBuf};

use clap::Parser;
use emovox::timeline::{stream_file, SegmentConfig, Timeline};
use emovox::Classifier;
use emovox_metrics::plot::{render, Figure, PlotFormat};
use emovox_metrics::MetricsError;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// Print (or draw) the emotion timeline of a recording.
#[derive(Parser, Debug)]
#[command(version)]
struct Args {
    /// An audio file: WAV, FLAC, MP3, OGG Vorbis or Opus, M4A (AAC or ALAC), any sample rate.
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

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let classifier = match &args.model {
        Some(path) => Classifier::load(path)?,
        None => Classifier::bundled()?,
    };
    let mut config = SegmentConfig::default();
    config.window_seconds = args.window.unwrap_or(config.window_seconds);
    config.hop_seconds = args.hop.unwrap_or(config.hop_seconds);

    let timeline = stream_file(&classifier, &args.file, &config, 16_000)?;
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

/// Peak absolute amplitude in `columns` equal slices of the file's `duration` seconds, read in
/// chunks.
fn envelope(
    file: &Path,
    duration: f64,
    columns: usize,
) -> Result<Vec<f32>, emovox::audio::AudioError> {
    let mut stream = emovox::audio::open_audio_stream(file, 65_536)?;
    let samples = (duration * f64::from(stream.sample_rate())).ceil() as usize;
    let per_column = samples.div_ceil(columns).max(1);
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

/// Draws the timeline of `file` into `out`, SVG or PNG by its extension.
fn plot(file: &Path, timeline: &Timeline, out: &Path) -> Result<(), Box<dyn std::error::Error>> {
    PlotFormat::from_path(out)?;
    let figure = TimelineFigure {
        title: format!("{} — emotion timeline", file.display()),
        peaks: envelope(file, timeline.duration, TimelineFigure::WIDTH as usize)?,
        timeline,
    };
    render(&figure, out)?;
    Ok(())
}

/// Waveform envelope on top, one coloured bar per smoothed segment below, a legend of labels.
struct TimelineFigure<'a> {
    title: String,
    /// Peak absolute amplitude per slice of the recording, one slice per pixel column.
    peaks: Vec<f32>,
    timeline: &'a Timeline,
}

impl TimelineFigure<'_> {
    const WIDTH: u32 = 1200;
    const HEIGHT: u32 = 420;
}

impl Figure for TimelineFigure<'_> {
    fn size(&self) -> (u32, u32) {
        (Self::WIDTH, Self::HEIGHT)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), MetricsError> {
        let (timeline, peaks) = (self.timeline, &self.peaks);
        let duration = timeline.duration.max(1e-3);
        let (top, bottom) = root.split_vertically(260);
        let mut wave = ChartBuilder::on(&top)
            .caption(&self.title, ("sans-serif", 18))
            .margin(10)
            .x_label_area_size(20)
            .y_label_area_size(40)
            .build_cartesian_2d(0.0..duration, -1.0f64..1.0)?;
        wave.configure_mesh()
            .disable_mesh()
            .label_style(("sans-serif", 12))
            .axis_desc_style(("sans-serif", 13))
            .y_desc("amplitude")
            .draw()?;
        let step = duration / peaks.len().max(1) as f64;
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
            .x_label_area_size(40)
            .y_label_area_size(40)
            .build_cartesian_2d(0.0..duration, 0.0f64..1.0)?;
        // Explicit sizes: plotters' default scales with the area, unreadably small for this one.
        bars.configure_mesh()
            .disable_mesh()
            .disable_y_axis()
            .label_style(("sans-serif", 12))
            .axis_desc_style(("sans-serif", 13))
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
            let style = TextStyle::from(("sans-serif", 14)).pos(Pos::new(HPos::Left, VPos::Center));
            legend_area.draw(&Text::new(label.as_str(), (x + 20, 19), style))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use emovox::timeline::{Segment, SpeechRegion};

    /// A 3 s, 16 kHz WAV: silence, a loud 440 Hz tone from 0.5 s to 2.5 s, silence.
    fn synthetic_wav(path: &Path) {
        let spec = hound::WavSpec {
            channels: 1,
            sample_rate: 16_000,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let mut writer = hound::WavWriter::create(path, spec).unwrap();
        for i in 0..48_000 {
            let t = i as f32 / 16_000.0;
            let loud = (0.5..2.5).contains(&t);
            let s = if loud {
                0.7 * (2.0 * std::f32::consts::PI * 440.0 * t).sin()
            } else {
                0.0
            };
            writer.write_sample((s * 32_767.0) as i16).unwrap();
        }
        writer.finalize().unwrap();
    }

    /// Two labels, two smoothed segments (0.5-1.5 s "calm", 1.5-2.5 s "angry").
    fn synthetic_timeline() -> Timeline {
        let labels = vec!["calm".to_string(), "angry".to_string()];
        let smoothed = vec![
            Segment::from_probabilities(0.5, 1.5, vec![0.8, 0.2], &labels).unwrap(),
            Segment::from_probabilities(1.5, 2.5, vec![0.1, 0.9], &labels).unwrap(),
        ];
        Timeline {
            labels,
            duration: 3.0,
            speech: vec![SpeechRegion {
                start: 0.5,
                end: 2.5,
            }],
            windows: smoothed.clone(),
            smoothed,
        }
    }

    fn out_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "emovox-timeline-plot-{name}-{}",
            std::process::id()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn plot_png_is_a_png_of_the_figure() {
        let dir = out_dir("png");
        let wav = dir.join("tone.wav");
        synthetic_wav(&wav);
        let out = dir.join("timeline.png");
        plot(&wav, &synthetic_timeline(), &out).unwrap();

        let bytes = std::fs::read(&out).unwrap();
        assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "PNG signature");
        let image = image::load_from_memory_with_format(&bytes, image::ImageFormat::Png)
            .unwrap()
            .to_rgb8();
        assert_eq!(
            image.dimensions(),
            (TimelineFigure::WIDTH, TimelineFigure::HEIGHT)
        );
        let first = image.get_pixel(0, 0);
        assert_eq!(first.0, [255, 255, 255], "white background");
        let non_white = image.pixels().filter(|p| p.0 != [255, 255, 255]).count();
        assert!(
            non_white > 10_000,
            "only {non_white} drawn pixels: waveform and segments missing"
        );
        // Both segment colours are drawn in the bar area (below the waveform panel).
        for index in 0..2 {
            let c = Palette99::pick(index).to_rgba();
            let (r, g, b) = (c.0, c.1, c.2);
            let hits = image
                .enumerate_pixels()
                .filter(|(_, y, p)| *y >= 260 && p.0 == [r, g, b])
                .count();
            assert!(hits > 1_000, "segment colour {index}: {hits} pixels");
        }
        // The waveform: columns of blue in the top panel, only where the tone is (0.5-2.5 s;
        // silence draws at most a line).
        let blue_columns: Vec<u32> = (0..TimelineFigure::WIDTH)
            .filter(|&x| {
                (20..240)
                    .filter(|&y| is_wave_blue(image.get_pixel(x, y).0))
                    .count()
                    > 20
            })
            .collect();
        assert!(
            blue_columns.len() > 500,
            "{} wave columns",
            blue_columns.len()
        );
        let (first_x, last_x) = (blue_columns[0], *blue_columns.last().unwrap());
        assert!(
            first_x > 150 && last_x < 1100,
            "wave from x={first_x} to x={last_x}"
        );
        // Text is drawn: dark anti-aliased pixels other than the axes' pure black.
        let grey = image
            .pixels()
            .filter(|p| p.0[0] == p.0[1] && p.0[1] == p.0[2] && (1..200).contains(&p.0[0]))
            .count();
        assert!(grey > 100, "only {grey} anti-aliased text pixels");
    }

    /// BLUE at 60 % over white: (102, 102, 255).
    fn is_wave_blue(p: [u8; 3]) -> bool {
        p[2] > 200 && p[0] < 150 && p[1] < 150
    }

    #[test]
    fn plot_svg_still_works_and_other_extensions_are_refused() {
        let dir = out_dir("svg");
        let wav = dir.join("tone.wav");
        synthetic_wav(&wav);
        let out = dir.join("timeline.SVG");
        plot(&wav, &synthetic_timeline(), &out).unwrap();
        let svg = std::fs::read_to_string(&out).unwrap();
        for s in ["<svg", "calm", "angry", "time (s)", "amplitude"] {
            assert!(svg.contains(s), "missing {s}");
        }
        for bad in ["timeline.jpg", "timeline", "timeline.svg.gz"] {
            let err = plot(&wav, &synthetic_timeline(), &dir.join(bad)).unwrap_err();
            let message = err.to_string();
            assert!(
                message.contains(".svg or .png") && message.contains(bad),
                "{message}"
            );
            assert!(!dir.join(bad).exists());
        }
        // The command line refuses them before anything is classified.
        let parse = |out: &str| Args::try_parse_from(["timeline", "in.wav", "--plot", out]);
        let err = parse("timeline.jpg").unwrap_err().to_string();
        assert!(err.contains("ending in .svg or .png"), "{err}");
        assert_eq!(
            parse("t.PNG").unwrap().plot.as_deref(),
            Some(Path::new("t.PNG"))
        );
    }
}
