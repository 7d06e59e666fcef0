//! Plots as SVG or PNG, chosen by the file's extension: confusion heat map, training curves and
//! reliability diagram, an emotion timeline over a waveform ([`timeline_plot`]), and [`render`]
//! for any other [`Figure`].
//!
//! Text is laid out, and in PNGs drawn, with DejaVu Sans compiled into this crate
//! (`assets/DejaVuSans.ttf`, license beside it), registered as plotters' `sans-serif`,
//! `serif` and `monospace` families: no system font library (fontconfig, freetype) is needed.

use crate::calibration::{Calibration, ReliabilityBin};
use crate::confusion::ConfusionMatrix;
use crate::epoch::EpochRecord;
use crate::error::MetricsError;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::path::Path;

mod timeline;
pub use timeline::{timeline_plot, TimelineChart, TimelineSpan};

/// DejaVu Sans 2.37 (Bitstream Vera license, DejaVu changes public domain; see
/// `assets/DejaVuSans.LICENSE`).
static BUNDLED_FONT: &[u8] = include_bytes!("../../assets/DejaVuSans.ttf");

/// Registers the bundled font as plotters' `sans-serif`, `serif` and `monospace` families, once
/// per process. Every plot of this module calls it; call it before drawing text with plotters
/// any other way (without a registered font, plotters cannot measure text and fails).
pub fn register_bundled_font() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        for family in ["sans-serif", "serif", "monospace"] {
            let registered =
                plotters::style::register_font(family, FontStyle::Normal, BUNDLED_FONT).is_ok();
            assert!(registered, "the bundled font is a valid TrueType font");
        }
    });
}

/// The image formats plots are written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlotFormat {
    /// Scalable vector graphics (text stays text, in the viewer's sans-serif font).
    Svg,
    /// A PNG bitmap, text drawn with the bundled font.
    Png,
}

impl PlotFormat {
    /// The format named by the extension of `path` (`.svg` or `.png`, any case);
    /// [`MetricsError::UnsupportedPlotFormat`] for any other or none.
    pub fn from_path(path: impl AsRef<Path>) -> Result<Self, MetricsError> {
        let path = path.as_ref();
        match path.extension().and_then(|e| e.to_str()) {
            Some(e) if e.eq_ignore_ascii_case("svg") => Ok(Self::Svg),
            Some(e) if e.eq_ignore_ascii_case("png") => Ok(Self::Png),
            _ => Err(MetricsError::UnsupportedPlotFormat(path.to_path_buf())),
        }
    }
}

/// A picture that can be drawn on any plotters backend, so that one drawing function serves
/// every [`PlotFormat`].
pub trait Figure {
    /// Width and height in pixels.
    fn size(&self) -> (u32, u32);
    /// Draws the figure on `root`, which is already filled white; [`render`] presents it.
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), MetricsError>;
}

/// Writes `figure` to `path` as SVG or PNG, by the extension of `path`
/// ([`MetricsError::UnsupportedPlotFormat`] for any other).
pub fn render(figure: &impl Figure, path: impl AsRef<Path>) -> Result<(), MetricsError> {
    let path = path.as_ref();
    let format = PlotFormat::from_path(path)?;
    register_bundled_font();
    let size = figure.size();
    match format {
        PlotFormat::Svg => draw_on(figure, SVGBackend::new(path, size)),
        PlotFormat::Png => draw_on(figure, BitMapBackend::new(path, size)),
    }
}

fn draw_on<DB: DrawingBackend>(figure: &impl Figure, backend: DB) -> Result<(), MetricsError> {
    let root = backend.into_drawing_area();
    root.fill(&WHITE)?;
    figure.draw(&root)?;
    root.present()?;
    Ok(())
}

const CELL: i32 = 70;
const MARGIN_LEFT: i32 = 130;
const MARGIN_TOP: i32 = 60;
const MARGIN_BOTTOM: i32 = 100;

/// Writes a confusion-matrix heat map, as SVG or PNG by the extension of `path`: cell colour
/// is the row-normalised fraction (share of the true class), cell text the raw count; true
/// labels on the y axis, predicted labels on the x axis. Errors on an empty label list, an
/// unsupported extension or a write failure.
pub fn confusion_plot(
    matrix: &ConfusionMatrix,
    path: impl AsRef<Path>,
) -> Result<(), MetricsError> {
    render(&ConfusionFigure::new(matrix)?, path)
}

struct ConfusionFigure<'a>(&'a ConfusionMatrix);

impl<'a> ConfusionFigure<'a> {
    fn new(matrix: &'a ConfusionMatrix) -> Result<Self, MetricsError> {
        if matrix.n_classes() == 0 {
            return Err(MetricsError::EmptyInput("no labels"));
        }
        Ok(Self(matrix))
    }
}

impl Figure for ConfusionFigure<'_> {
    fn size(&self) -> (u32, u32) {
        let n = self.0.n_classes() as i32;
        (
            (MARGIN_LEFT + n * CELL + 20) as u32,
            (MARGIN_TOP + n * CELL + MARGIN_BOTTOM) as u32,
        )
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), MetricsError> {
        let matrix = self.0;
        let n = matrix.n_classes() as i32;
        let title = format!("Confusion matrix (n = {}, row-normalised)", matrix.total());
        root.draw(&Text::new(title, (10, 15), ("sans-serif", 20).into_font()))?;
        let label_font = ("sans-serif", 14).into_font();
        for (i, row) in matrix.counts().iter().enumerate() {
            let support: u64 = row.iter().sum();
            let y = MARGIN_TOP + i as i32 * CELL;
            let name = &matrix.labels()[i];
            root.draw(&Text::new(
                name.clone(),
                (10, y + CELL / 2 - 7),
                label_font.clone(),
            ))?;
            for (j, &count) in row.iter().enumerate() {
                let x = MARGIN_LEFT + j as i32 * CELL;
                let frac = if support == 0 {
                    0.0
                } else {
                    count as f64 / support as f64
                };
                let shade = (255.0 * (1.0 - 0.85 * frac)) as u8;
                let colour = RGBColor(shade, shade, 255);
                root.draw(&Rectangle::new(
                    [(x, y), (x + CELL, y + CELL)],
                    colour.filled(),
                ))?;
                root.draw(&Rectangle::new(
                    [(x, y), (x + CELL, y + CELL)],
                    BLACK.stroke_width(1),
                ))?;
                let text_colour = if frac > 0.6 { WHITE } else { BLACK };
                let font = ("sans-serif", 16).into_font().color(&text_colour);
                root.draw(&Text::new(
                    count.to_string(),
                    (x + CELL / 2 - 8, y + CELL / 2 - 8),
                    font,
                ))?;
            }
        }
        let bottom = MARGIN_TOP + n * CELL;
        for (j, name) in matrix.labels().iter().enumerate() {
            let x = MARGIN_LEFT + j as i32 * CELL + CELL / 2 - 6;
            let font = label_font.clone().transform(FontTransform::Rotate90);
            root.draw(&Text::new(name.clone(), (x, bottom + 8), font))?;
        }
        root.draw(&Text::new(
            "true \u{2193} / predicted \u{2192}",
            (10, MARGIN_TOP - 22),
            label_font,
        ))?;
        Ok(())
    }
}

/// Writes two stacked panels against epoch, as SVG or PNG by the extension of `path`: train
/// (and validation, if any) loss on top, validation accuracy and UAR below. A NaN value (a
/// diverged epoch) leaves a gap in its line, and a point with no neighbour to join is a dot.
/// Errors on an empty history or an unsupported extension.
pub fn training_curves_plot(
    history: &[EpochRecord],
    path: impl AsRef<Path>,
) -> Result<(), MetricsError> {
    render(&CurvesFigure::new(history)?, path)
}

struct CurvesFigure<'a> {
    history: &'a [EpochRecord],
    first: usize,
    last: usize,
}

impl<'a> CurvesFigure<'a> {
    fn new(history: &'a [EpochRecord]) -> Result<Self, MetricsError> {
        let (first, last) = match (history.first(), history.last()) {
            (Some(f), Some(l)) => (f.epoch, l.epoch.max(f.epoch + 1)),
            _ => return Err(MetricsError::EmptyInput("no epochs")),
        };
        Ok(Self {
            history,
            first,
            last,
        })
    }
}

impl Figure for CurvesFigure<'_> {
    fn size(&self) -> (u32, u32) {
        (800, 700)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), MetricsError> {
        let (history, first, last) = (self.history, self.first, self.last);
        let (top, bottom) = root.split_vertically(350);
        let max_loss = history
            .iter()
            .flat_map(|r| [Some(r.train_loss), r.val_loss])
            .flatten()
            .filter(|v| v.is_finite())
            .fold(0.0_f64, f64::max)
            .max(1e-6);
        let x_range = first as f64..last as f64;

        // A loss near f64::MAX would make the axis end infinite, on which plotters never
        // finishes placing its ticks.
        let mut loss = ChartBuilder::on(&top)
            .caption("Loss", ("sans-serif", 20))
            .margin(10)
            .x_label_area_size(35)
            .y_label_area_size(50)
            .build_cartesian_2d(x_range.clone(), 0.0..(max_loss * 1.05).min(f64::MAX))?;
        loss.configure_mesh()
            .x_desc("epoch")
            .x_label_formatter(&epoch_label)
            .y_desc("loss")
            .draw()?;
        let series = |f: fn(&EpochRecord) -> Option<f64>| -> Vec<(f64, f64)> {
            history
                .iter()
                .filter_map(|r| f(r).map(|v| (r.epoch as f64, v)))
                .collect()
        };
        draw_curve(
            &mut loss,
            series(|r| Some(r.train_loss)),
            BLUE,
            "train loss",
        )?;
        draw_curve(&mut loss, series(|r| r.val_loss), RED, "val loss")?;
        // Losses start high and fall: the lower left is free.
        loss.configure_series_labels()
            .position(SeriesLabelPosition::LowerLeft)
            .background_style(WHITE)
            .border_style(BLACK)
            .draw()?;

        let mut acc = ChartBuilder::on(&bottom)
            .caption("Validation accuracy and UAR", ("sans-serif", 20))
            .margin(10)
            .x_label_area_size(35)
            .y_label_area_size(50)
            .build_cartesian_2d(x_range, 0.0..1.0)?;
        acc.configure_mesh()
            .x_desc("epoch")
            .x_label_formatter(&epoch_label)
            .y_desc("score")
            .draw()?;
        draw_curve(
            &mut acc,
            series(|r| Some(r.val_accuracy)),
            GREEN,
            "val accuracy",
        )?;
        draw_curve(&mut acc, series(|r| Some(r.val_uar)), MAGENTA, "val UAR")?;
        acc.configure_series_labels()
            .position(SeriesLabelPosition::LowerRight)
            .background_style(WHITE)
            .border_style(BLACK)
            .draw()?;
        Ok(())
    }
}

/// A chart of the training curves: epoch against a loss or a score.
type CurveChart<'a, DB> = ChartContext<
    'a,
    DB,
    Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
>;

/// Draws `points` as a line in `colour`, named `label` in the legend. The line is broken where
/// a value is NaN (a diverged epoch is a gap, not a point at 0), and a point with no neighbour
/// to join (a history of one epoch, a value between two NaNs) is drawn as a dot.
fn draw_curve<DB: DrawingBackend>(
    chart: &mut CurveChart<'_, DB>,
    points: Vec<(f64, f64)>,
    colour: RGBColor,
    label: &str,
) -> Result<(), MetricsError> {
    let runs: Vec<&[(f64, f64)]> = points
        .split(|p| p.1.is_nan())
        .filter(|run| !run.is_empty())
        .collect();
    chart
        .draw_series(
            runs.iter()
                .map(|run| PathElement::new(run.to_vec(), colour)),
        )?
        .label(label)
        .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], colour));
    let single = runs.iter().filter(|run| run.len() == 1);
    chart.draw_series(single.map(|run| Circle::new(run[0], 3, colour.filled())))?;
    Ok(())
}

/// Writes a reliability diagram of `calibration`, as SVG or PNG by the extension of `path`.
/// Top panel: per confidence bin, a bar up to the bin's accuracy, the gap between accuracy and
/// the bin's mean confidence shaded red, and the diagonal of perfect calibration; the caption is
/// `title` followed by the ECE. Bottom panel: the number of examples per bin. Axes are labelled
/// "confidence" and "accuracy" (and "count"). Errors on a calibration without bins, an
/// unsupported extension or a write failure.
pub fn reliability_diagram(
    calibration: &Calibration,
    title: &str,
    path: impl AsRef<Path>,
) -> Result<(), MetricsError> {
    render(&ReliabilityFigure::new(calibration, title)?, path)
}

struct ReliabilityFigure<'a> {
    calibration: &'a Calibration,
    title: &'a str,
}

impl<'a> ReliabilityFigure<'a> {
    fn new(calibration: &'a Calibration, title: &'a str) -> Result<Self, MetricsError> {
        if calibration.bins.is_empty() {
            return Err(MetricsError::EmptyInput("no calibration bins"));
        }
        Ok(Self { calibration, title })
    }
}

impl ReliabilityFigure<'_> {
    /// The top panel: accuracy bars, the gap to mean confidence, the diagonal, a legend.
    fn draw_reliability<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
    ) -> Result<(), MetricsError> {
        let c = self.calibration;
        let caption = format!(
            "{} (ECE = {:.4}, MCE = {:.4}, n = {})",
            self.title, c.ece, c.mce, c.n
        );
        let mut chart = ChartBuilder::on(area)
            .caption(caption, ("sans-serif", 20))
            .margin(10)
            .x_label_area_size(40)
            .y_label_area_size(55)
            .build_cartesian_2d(0.0..1.0, 0.0..1.0)?;
        chart
            .configure_mesh()
            .x_desc("confidence")
            .y_desc("accuracy")
            .draw()?;
        let filled = || c.bins.iter().filter(|b| b.count > 0);
        let bar = RGBColor(70, 110, 200);
        let accuracy = |b: &ReliabilityBin| [(b.lower, 0.0), (b.upper, b.accuracy)];
        let gap = |b: &ReliabilityBin| [(b.lower, b.accuracy), (b.upper, b.mean_confidence)];
        chart
            .draw_series(filled().map(|b| Rectangle::new(accuracy(b), bar.mix(0.8).filled())))?
            .label("accuracy")
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 18, y + 5)], bar.filled()));
        chart.draw_series(filled().map(|b| Rectangle::new(accuracy(b), BLACK.stroke_width(1))))?;
        chart
            .draw_series(filled().map(|b| Rectangle::new(gap(b), RED.mix(0.3).filled())))?
            .label("gap to mean confidence")
            .legend(|(x, y)| Rectangle::new([(x, y - 5), (x + 18, y + 5)], RED.mix(0.3).filled()));
        chart.draw_series(filled().map(|b| Rectangle::new(gap(b), RED.stroke_width(2))))?;
        chart
            .draw_series(LineSeries::new(
                [(0.0, 0.0), (1.0, 1.0)],
                BLACK.mix(0.6).stroke_width(2),
            ))?
            .label("perfect calibration")
            .legend(|(x, y)| PathElement::new([(x, y), (x + 18, y)], BLACK.mix(0.6)));
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE)
            .border_style(BLACK)
            .draw()?;
        Ok(())
    }

    /// The bottom panel: the number of examples per bin.
    fn draw_counts<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
    ) -> Result<(), MetricsError> {
        let bins = &self.calibration.bins;
        let max_count = bins.iter().map(|b| b.count).max().unwrap_or(0).max(1);
        let mut histogram = ChartBuilder::on(area)
            .margin(10)
            .x_label_area_size(40)
            .y_label_area_size(55)
            .build_cartesian_2d(0.0..1.0, 0..max_count + max_count / 10 + 1)?;
        histogram
            .configure_mesh()
            .x_desc("confidence")
            .y_desc("count")
            .y_labels(4)
            .draw()?;
        histogram.draw_series(bins.iter().filter(|b| b.count > 0).map(|b| {
            Rectangle::new(
                [(b.lower, 0), (b.upper, b.count)],
                RGBColor(150, 150, 150).filled(),
            )
        }))?;
        Ok(())
    }
}

impl Figure for ReliabilityFigure<'_> {
    fn size(&self) -> (u32, u32) {
        (700, 800)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), MetricsError> {
        let (top, bottom) = root.split_vertically(580);
        self.draw_reliability(&top)?;
        self.draw_counts(&bottom)
    }
}

/// An epoch tick: a whole number as one (`5`, not `5.0`), a fraction with one decimal.
fn epoch_label(x: &f64) -> String {
    if x.fract() == 0.0 {
        format!("{x:.0}")
    } else {
        format!("{x:.1}")
    }
}

/// A bar chart of one score per named condition (e.g. UAR per recording condition), values
/// in [0, 1] written above the bars (a NaN score is written, with no bar); SVG or PNG by the
/// extension of `path`. Errors on no bars, an unsupported extension or a write failure.
pub fn condition_bars(
    bars: &[(String, f64)],
    title: &str,
    path: impl AsRef<Path>,
) -> Result<(), MetricsError> {
    if bars.is_empty() {
        return Err(MetricsError::EmptyInput("no condition to plot"));
    }
    render(&BarsFigure { bars, title }, path)
}

struct BarsFigure<'a> {
    bars: &'a [(String, f64)],
    title: &'a str,
}

impl Figure for BarsFigure<'_> {
    fn size(&self) -> (u32, u32) {
        (120 + 60 * self.bars.len() as u32, 520)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), MetricsError> {
        let n = self.bars.len();
        // Bar i spans [i, i + 1] of a plain axis: plotters' segmented axis of a single value
        // (0..0) maps every value to the same point, which drew a single bar with a negative
        // width (an invisible one) at the axis.
        let mut chart = ChartBuilder::on(root)
            .caption(self.title, ("sans-serif", 20))
            .margin(10)
            .x_label_area_size(140)
            .y_label_area_size(50)
            .build_cartesian_2d(0.0..n as f64, 0.0..1.0)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(0)
            .y_desc("score")
            .draw()?;
        let centre = |i: usize| i as f64 + 0.5;
        // The names, rotated, hang down from the axis under their bars (plotters centres
        // rotated axis labels on the tick, which puts half of a long name inside the plot).
        let name_font = ("sans-serif", 13)
            .into_font()
            .transform(FontTransform::Rotate90);
        for (i, (name, _)) in self.bars.iter().enumerate() {
            let (x, y) = chart.backend_coord(&(centre(i), 0.0));
            root.draw(&Text::new(name.clone(), (x - 6, y + 6), name_font.clone()))?;
        }
        let bar = RGBColor(70, 110, 200);
        chart.draw_series(self.bars.iter().enumerate().map(|(i, (_, v))| {
            let top = if v.is_nan() { 0.0 } else { v.clamp(0.0, 1.0) };
            let mut rect = Rectangle::new(
                [(i as f64, 0.0), (i as f64 + 1.0, top)],
                bar.mix(0.85).filled(),
            );
            rect.set_margin(0, 0, 6, 6);
            rect
        }))?;
        let value_font = TextStyle::from(("sans-serif", 13).into_font())
            .pos(Pos::new(HPos::Center, VPos::Bottom));
        chart.draw_series(self.bars.iter().enumerate().map(|(i, (_, v))| {
            let top = if v.is_nan() { 0.0 } else { v.clamp(0.0, 1.0) };
            Text::new(
                format!("{v:.3}"),
                (centre(i), (top + 0.01).min(0.97)),
                value_font.clone(),
            )
        }))?;
        Ok(())
    }
}
