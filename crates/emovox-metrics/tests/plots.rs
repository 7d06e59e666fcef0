//! Checks that the SVG plots are written and carry the label names, and the PNG ones decode.

use emovox_metrics::plot::{confusion_plot, training_curves_plot, PlotFormat};
use emovox_metrics::{ConfusionMatrix, EpochRecord, MetricsError};

fn out_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("emovox-metrics-plots-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn confusion_svg_contains_labels() {
    let labels: Vec<String> = ["neutral", "happy", "surprised"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let m = ConfusionMatrix::from_predictions(labels.clone(), &[0, 1, 2, 2, 1], &[0, 1, 2, 1, 1])
        .unwrap();
    let path = out_dir().join("confusion.svg");
    confusion_plot(&m, &path).unwrap();
    let svg = std::fs::read_to_string(&path).unwrap();
    assert!(svg.starts_with("<svg") || svg.contains("<svg"));
    for l in &labels {
        assert!(
            svg.matches(l.as_str()).count() >= 2,
            "label {l} should appear on both axes"
        );
    }
}

#[test]
fn training_curves_svg_written() {
    let history: Vec<EpochRecord> = (1..=10)
        .map(|e| EpochRecord {
            epoch: e,
            train_loss: 2.0 / e as f64,
            val_loss: Some(2.2 / e as f64 + 0.1),
            val_accuracy: 0.1 + 0.05 * e as f64,
            val_uar: 0.08 + 0.05 * e as f64,
        })
        .collect();
    let path = out_dir().join("curves.svg");
    training_curves_plot(&history, &path).unwrap();
    let svg = std::fs::read_to_string(&path).unwrap();
    for s in ["train loss", "val loss", "val accuracy", "val UAR", "epoch"] {
        assert!(svg.contains(s), "missing {s}");
    }
    assert!(matches!(
        training_curves_plot(&[], &path),
        Err(MetricsError::EmptyInput(_))
    ));
}

/// Decodes a PNG file, checking its signature, and returns its pixels.
fn read_png(path: &std::path::Path) -> image::RgbImage {
    let bytes = std::fs::read(path).unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "PNG signature");
    image::load_from_memory_with_format(&bytes, image::ImageFormat::Png)
        .unwrap()
        .to_rgb8()
}

fn distinct_colours(image: &image::RgbImage) -> usize {
    let mut colours: Vec<[u8; 3]> = image.pixels().map(|p| p.0).collect();
    colours.sort_unstable();
    colours.dedup();
    colours.len()
}

#[test]
fn confusion_and_curves_as_png() {
    let labels: Vec<String> = ["neutral", "happy", "surprised"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let m = ConfusionMatrix::from_predictions(labels, &[0, 1, 2, 2, 1], &[0, 1, 2, 1, 1]).unwrap();
    let path = out_dir().join("confusion.png");
    confusion_plot(&m, &path).unwrap();
    let image = read_png(&path);
    // 130 + 3 * 70 + 20 by 60 + 3 * 70 + 100, as the SVG.
    assert_eq!(image.dimensions(), (360, 370));
    // White, black, cell shades and anti-aliased text.
    assert!(
        distinct_colours(&image) > 20,
        "{}",
        distinct_colours(&image)
    );

    let history: Vec<EpochRecord> = (1..=5)
        .map(|e| EpochRecord {
            epoch: e,
            train_loss: 2.0 / e as f64,
            val_loss: None,
            val_accuracy: 0.1 * e as f64,
            val_uar: 0.1 * e as f64,
        })
        .collect();
    let path = out_dir().join("curves.PNG");
    training_curves_plot(&history, &path).unwrap();
    let image = read_png(&path);
    assert_eq!(image.dimensions(), (800, 700));
    assert!(
        distinct_colours(&image) > 20,
        "{}",
        distinct_colours(&image)
    );
}

#[test]
fn plot_format_by_extension() {
    assert_eq!(PlotFormat::from_path("a/b.svg").unwrap(), PlotFormat::Svg);
    assert_eq!(PlotFormat::from_path("b.Png").unwrap(), PlotFormat::Png);
    let labels = vec!["a".to_string(), "b".to_string()];
    let m = ConfusionMatrix::from_predictions(labels, &[0, 1], &[0, 1]).unwrap();
    for bad in ["confusion.jpg", "confusion", "confusion.svg.gz"] {
        let path = out_dir().join(bad);
        let err = confusion_plot(&m, &path).unwrap_err();
        assert!(
            matches!(&err, MetricsError::UnsupportedPlotFormat(p) if p == &path),
            "{err:?}"
        );
        assert!(
            err.to_string().contains("must end in .svg or .png"),
            "{err}"
        );
        assert!(!path.exists());
    }
}

#[test]
fn condition_bars_name_every_condition_and_refuse_an_empty_table() {
    let dir = std::env::temp_dir().join(format!("emovox-bars-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bars = vec![
        ("clean".to_string(), 0.61),
        ("telephone".to_string(), 0.452),
    ];
    let svg = dir.join("bars.svg");
    emovox_metrics::plot::condition_bars(&bars, "UAR per condition", &svg).unwrap();
    let text = std::fs::read_to_string(&svg).unwrap();
    for needle in ["UAR per condition", "clean", "telephone", "0.452"] {
        assert!(text.contains(needle), "{needle} missing");
    }
    // Each name hangs below the bars (none inside the plot), rotated.
    let bars_only: String = text
        .split("<rect")
        .skip(1)
        .filter(|e| e.contains("fill=\"#466EC8\""))
        .map(|e| format!("<rect{e}"))
        .collect();
    let tops = svg_attribute_values(&bars_only, "<rect", "y");
    let heights = svg_attribute_values(&bars_only, "<rect", "height");
    assert_eq!(tops.len(), 2, "{bars_only}");
    let bottom = tops
        .iter()
        .zip(&heights)
        .map(|(y, h)| y + h)
        .fold(0.0, f64::max);
    for name in ["clean", "telephone"] {
        let element = text
            .split("<text")
            .find(|e| e.contains(&format!(">\n{name}\n</text>")))
            .unwrap_or_else(|| panic!("no text element for {name}"));
        // Rotated and anchored at its start: a middle anchor centres the name on the axis,
        // half of it inside the plot.
        assert!(element.contains("rotate(90"), "{element}");
        assert!(element.contains("text-anchor=\"start\""), "{element}");
        let y = svg_attribute_values(&format!("<text{element}"), "<text", "y")[0];
        assert!(y >= bottom, "{name} at y {y}, bars end at {bottom}");
    }
    // One bar is a plot too.
    emovox_metrics::plot::condition_bars(&bars[..1], "UAR", &svg).unwrap();
    let png = dir.join("bars.png");
    emovox_metrics::plot::condition_bars(&bars, "UAR", &png).unwrap();
    assert!(std::fs::read(&png).unwrap().starts_with(b"\x89PNG"));
    assert!(emovox_metrics::plot::condition_bars(&[], "x", &svg).is_err());
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The numeric values of `attribute` in every element of `svg` that starts with `tag`.
fn svg_attribute_values(svg: &str, tag: &str, attribute: &str) -> Vec<f64> {
    let key = format!(" {attribute}=\"");
    svg.split(tag)
        .skip(1)
        .filter_map(|element| {
            let element = &element[..element.find('>').unwrap_or(element.len())];
            let start = element.find(&key)? + key.len();
            let end = start + element[start..].find('"')?;
            element[start..end].parse().ok()
        })
        .collect()
}
