//! The timeline chart: what it draws (PNG pixels, SVG text) and what it refuses.

use std::path::PathBuf;

use emovox_metrics::plot::{timeline_plot, TimelineChart, TimelineSpan};
use emovox_metrics::MetricsError;

/// A 3 s recording: silence, a loud part from 0.5 s to 2.5 s, silence; two spans
/// (0.5-1.5 s "calm", 1.5-2.5 s "angry").
fn chart() -> TimelineChart {
    let columns = TimelineChart::WIDTH as usize;
    let peaks = (0..columns)
        .map(|i| {
            let t = 3.0 * i as f64 / columns as f64;
            if (0.5..2.5).contains(&t) {
                0.7
            } else {
                0.0
            }
        })
        .collect();
    TimelineChart {
        title: "tone.wav — emotion timeline".into(),
        duration: 3.0,
        peaks,
        labels: vec!["calm".into(), "angry".into()],
        spans: vec![
            TimelineSpan {
                start: 0.5,
                end: 1.5,
                label_index: 0,
            },
            TimelineSpan {
                start: 1.5,
                end: 2.5,
                label_index: 1,
            },
        ],
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

/// The palette's colour of label `index` (plotters' Palette99, as the chart uses).
fn palette(index: usize) -> [u8; 3] {
    use plotters::style::{Color, Palette, Palette99};
    let c = Palette99::pick(index).to_rgba();
    [c.0, c.1, c.2]
}

#[test]
fn png_shows_the_waveform_where_the_sound_is_and_every_span() {
    let out = out_dir("png").join("timeline.png");
    timeline_plot(&chart(), &out).unwrap();
    let bytes = std::fs::read(&out).unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "PNG signature");
    let image = image::load_from_memory_with_format(&bytes, image::ImageFormat::Png)
        .unwrap()
        .to_rgb8();
    assert_eq!(
        image.dimensions(),
        (TimelineChart::WIDTH, TimelineChart::HEIGHT)
    );
    assert_eq!(image.get_pixel(0, 0).0, [255, 255, 255], "white background");
    // Both span colours are drawn in the bar area (below the waveform panel).
    for index in 0..2 {
        let rgb = palette(index);
        let hits = image
            .enumerate_pixels()
            .filter(|(_, y, p)| *y >= TimelineChart::WAVE_HEIGHT && p.0 == rgb)
            .count();
        assert!(hits > 1_000, "span colour {index}: {hits} pixels");
    }
    // The waveform: columns of blue (BLUE at 60 % over white) in the top panel, only where the
    // sound is (0.5-2.5 s of 3 s; silence draws at most a line).
    let is_wave_blue = |p: [u8; 3]| p[2] > 200 && p[0] < 150 && p[1] < 150;
    let blue_columns: Vec<u32> = (0..TimelineChart::WIDTH)
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

#[test]
fn svg_names_labels_and_axes_and_bad_requests_are_refused() {
    let dir = out_dir("svg");
    let out = dir.join("timeline.SVG");
    timeline_plot(&chart(), &out).unwrap();
    let svg = std::fs::read_to_string(&out).unwrap();
    for s in ["<svg", "calm", "angry", "time (s)", "amplitude"] {
        assert!(svg.contains(s), "missing {s}");
    }
    for bad in ["timeline.jpg", "timeline", "timeline.svg.gz"] {
        let err = timeline_plot(&chart(), dir.join(bad)).unwrap_err();
        assert!(
            matches!(err, MetricsError::UnsupportedPlotFormat(_)),
            "{err}"
        );
        assert!(!dir.join(bad).exists());
    }
    let mut unknown_label = chart();
    unknown_label.spans[1].label_index = 2;
    let err = timeline_plot(&unknown_label, dir.join("bad.svg")).unwrap_err();
    assert!(
        matches!(
            err,
            MetricsError::IndexOutOfRange {
                index: 2,
                n_classes: 2
            }
        ),
        "{err}"
    );
}

/// Runs `f` on another thread and fails the test if it has not returned within 60 s (the
/// thread is left behind, and ends with the test process).
fn within_a_minute<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || sender.send(f()));
    receiver
        .recv_timeout(std::time::Duration::from_secs(60))
        .expect("still drawing after a minute")
}

#[test]
fn a_duration_that_is_not_a_length_of_time_is_refused() {
    let dir = out_dir("duration");
    // An infinite duration used to spin forever inside plotters; NaN and negative ones were
    // silently drawn as 1 ms.
    for duration in [f64::INFINITY, f64::NAN, -1.0, f64::NEG_INFINITY] {
        let path = dir.join("bad.svg");
        let bad = TimelineChart {
            duration,
            ..chart()
        };
        let result = within_a_minute(move || timeline_plot(&bad, path));
        assert!(
            matches!(result, Err(MetricsError::InvalidDuration(d)) if d.to_bits() == duration.to_bits()),
            "{duration}: {result:?}"
        );
        assert!(!dir.join("bad.svg").exists());
    }
    // An empty recording is still a plot.
    let empty = TimelineChart {
        duration: 0.0,
        peaks: vec![],
        spans: vec![],
        ..chart()
    };
    timeline_plot(&empty, dir.join("empty.svg")).unwrap();
}
