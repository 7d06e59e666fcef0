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

/// The `(x, width)` of every bar of a [`emovox_metrics::plot::condition_bars`] SVG.
fn bar_spans(svg: &str) -> Vec<(f64, f64)> {
    let bars: String = svg
        .split("<rect")
        .skip(1)
        .filter(|e| e.contains("fill=\"#466EC8\""))
        .map(|e| format!("<rect{e}"))
        .collect();
    let xs = svg_attribute_values(&bars, "<rect", "x");
    let widths = svg_attribute_values(&bars, "<rect", "width");
    xs.into_iter().zip(widths).collect()
}

#[test]
fn a_single_condition_is_a_visible_bar() {
    // One bar used to come out with a width of -12 px at the y axis (nothing drawn), its value
    // written over the axis labels.
    let dir = out_dir().join("one-bar");
    std::fs::create_dir_all(&dir).unwrap();
    let svg_path = dir.join("bars.svg");
    let one = vec![("clean".to_string(), 0.5)];
    emovox_metrics::plot::condition_bars(&one, "UAR", &svg_path).unwrap();
    let svg = std::fs::read_to_string(&svg_path).unwrap();
    let width = svg_attribute_values(&svg, "<svg", "width")[0];
    let spans = bar_spans(&svg);
    assert_eq!(spans.len(), 1, "{svg}");
    let (x, w) = spans[0];
    assert!(
        w > 20.0 && x > 50.0 && x + w <= width,
        "bar at {x}, {w} wide"
    );
    // Two bars: as wide as each other, side by side.
    let two = vec![("clean".to_string(), 0.5), ("telephone".to_string(), 0.4)];
    emovox_metrics::plot::condition_bars(&two, "UAR", &svg_path).unwrap();
    let spans = bar_spans(&std::fs::read_to_string(&svg_path).unwrap());
    assert_eq!(spans.len(), 2);
    assert!(
        (spans[0].1 - spans[1].1).abs() <= 1.0 && spans[0].1 > 20.0,
        "{spans:?}"
    );
    assert!(spans[0].0 + spans[0].1 < spans[1].0, "{spans:?}");
}

/// The points of every polyline of `colour` (`#0000FF`) in `svg`, one list per polyline.
fn polylines(svg: &str, colour: &str) -> Vec<Vec<(f64, f64)>> {
    svg.split("<polyline")
        .skip(1)
        .filter(|e| e.contains(&format!("stroke=\"{colour}\"")))
        .map(|e| {
            let start = e.find("points=\"").unwrap() + "points=\"".len();
            let end = start + e[start..].find('"').unwrap();
            e[start..end]
                .split_whitespace()
                .map(|p| {
                    let (x, y) = p.split_once(',').unwrap();
                    (x.parse().unwrap(), y.parse().unwrap())
                })
                .collect()
        })
        .collect()
}

fn record(epoch: usize, train_loss: f64) -> EpochRecord {
    EpochRecord {
        epoch,
        train_loss,
        val_loss: None,
        val_accuracy: 0.5,
        val_uar: 0.5,
    }
}

#[test]
fn a_nan_loss_is_a_gap_in_the_curve_not_a_loss_of_zero() {
    let path = out_dir().join("curves-nan.svg");
    let history = [
        record(1, 1.0),
        record(2, f64::NAN),
        record(3, 1.0),
        record(4, 1.0),
    ];
    training_curves_plot(&history, &path).unwrap();
    let svg = std::fs::read_to_string(&path).unwrap();
    // The train-loss lines (the legend's swatch is the one 20 px long). Before, a single line
    // went from epoch 1 down to 0 at epoch 2 and back up.
    let lines: Vec<_> = polylines(&svg, "#0000FF")
        .into_iter()
        .filter(|l| !(l.len() == 2 && l[1].0 - l[0].0 == 20.0))
        .collect();
    assert_eq!(lines.len(), 2, "{lines:?}");
    // Epoch 1 alone (a dot), epochs 3 and 4 joined; every vertex at loss 1.
    assert_eq!(lines[0].len(), 1, "{lines:?}");
    assert_eq!(lines[1].len(), 2, "{lines:?}");
    let y = lines[0][0].1;
    assert!(lines[1].iter().all(|p| p.1 == y), "{lines:?}");
    assert_eq!(svg.matches("<circle").count(), 1, "the dot of epoch 1");
}

#[test]
fn a_single_epoch_is_a_visible_dot_and_a_huge_loss_still_draws() {
    let path = out_dir().join("curves-one.svg");
    training_curves_plot(&[record(1, 0.7)], &path).unwrap();
    let svg = std::fs::read_to_string(&path).unwrap();
    // Train loss, val accuracy and val UAR: a dot each (the missing val loss draws nothing).
    assert_eq!(svg.matches("<circle").count(), 3, "{svg}");
    // A loss near f64::MAX made the axis end 1.05 times it, infinite: plotters never
    // finished placing its ticks.
    let (sender, receiver) = std::sync::mpsc::channel();
    let path = out_dir().join("curves-huge.svg");
    std::thread::spawn(move || {
        sender.send(training_curves_plot(
            &[record(1, 1.0), record(2, 1.75e308)],
            path,
        ))
    });
    receiver
        .recv_timeout(std::time::Duration::from_secs(60))
        .expect("still drawing after a minute")
        .unwrap();
}
