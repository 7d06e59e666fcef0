//! SVG plots (no system fonts needed): confusion heat map and training curves.

use crate::confusion::ConfusionMatrix;
use crate::epoch::EpochRecord;
use crate::error::MetricsError;
use plotters::prelude::*;
use std::path::Path;

fn plot_err(e: impl std::fmt::Display) -> MetricsError {
    MetricsError::Plot(e.to_string())
}

const CELL: i32 = 70;
const MARGIN_LEFT: i32 = 130;
const MARGIN_TOP: i32 = 60;
const MARGIN_BOTTOM: i32 = 100;

/// Writes a confusion-matrix heat map: cell colour is the row-normalised fraction
/// (share of the true class), cell text the raw count; true labels on the y axis,
/// predicted labels on the x axis. Errors on an empty label list or write failure.
pub fn confusion_svg(matrix: &ConfusionMatrix, path: impl AsRef<Path>) -> Result<(), MetricsError> {
    let n = matrix.n_classes() as i32;
    if n == 0 {
        return Err(MetricsError::EmptyInput("no labels"));
    }
    let size = (
        (MARGIN_LEFT + n * CELL + 20) as u32,
        (MARGIN_TOP + n * CELL + MARGIN_BOTTOM) as u32,
    );
    let root = SVGBackend::new(path.as_ref(), size).into_drawing_area();
    root.fill(&WHITE).map_err(plot_err)?;
    let title = format!("Confusion matrix (n = {}, row-normalised)", matrix.total());
    root.draw(&Text::new(title, (10, 15), ("sans-serif", 20).into_font()))
        .map_err(plot_err)?;
    let label_font = ("sans-serif", 14).into_font();
    for (i, row) in matrix.counts().iter().enumerate() {
        let support: u64 = row.iter().sum();
        let y = MARGIN_TOP + i as i32 * CELL;
        let name = &matrix.labels()[i];
        root.draw(&Text::new(
            name.clone(),
            (10, y + CELL / 2 - 7),
            label_font.clone(),
        ))
        .map_err(plot_err)?;
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
            ))
            .map_err(plot_err)?;
            root.draw(&Rectangle::new(
                [(x, y), (x + CELL, y + CELL)],
                BLACK.stroke_width(1),
            ))
            .map_err(plot_err)?;
            let text_colour = if frac > 0.6 { WHITE } else { BLACK };
            let font = ("sans-serif", 16).into_font().color(&text_colour);
            root.draw(&Text::new(
                count.to_string(),
                (x + CELL / 2 - 8, y + CELL / 2 - 8),
                font,
            ))
            .map_err(plot_err)?;
        }
    }
    let bottom = MARGIN_TOP + n * CELL;
    for (j, name) in matrix.labels().iter().enumerate() {
        let x = MARGIN_LEFT + j as i32 * CELL + CELL / 2 - 6;
        let font = label_font.clone().transform(FontTransform::Rotate90);
        root.draw(&Text::new(name.clone(), (x, bottom + 8), font))
            .map_err(plot_err)?;
    }
    root.draw(&Text::new(
        "true \u{2193} / predicted \u{2192}",
        (10, MARGIN_TOP - 22),
        label_font,
    ))
    .map_err(plot_err)?;
    root.present().map_err(plot_err)
}

/// Writes two stacked panels against epoch: train (and validation, if any) loss on
/// top, validation accuracy and UAR below. Errors on an empty history.
pub fn training_curves_svg(
    history: &[EpochRecord],
    path: impl AsRef<Path>,
) -> Result<(), MetricsError> {
    let (first, last) = match (history.first(), history.last()) {
        (Some(f), Some(l)) => (f.epoch, l.epoch.max(f.epoch + 1)),
        _ => return Err(MetricsError::EmptyInput("no epochs")),
    };
    let root = SVGBackend::new(path.as_ref(), (800, 700)).into_drawing_area();
    root.fill(&WHITE).map_err(plot_err)?;
    let (top, bottom) = root.split_vertically(350);
    let max_loss = history
        .iter()
        .flat_map(|r| [Some(r.train_loss), r.val_loss])
        .flatten()
        .filter(|v| v.is_finite())
        .fold(0.0_f64, f64::max)
        .max(1e-6);
    let x_range = first as f64..last as f64;

    let mut loss = ChartBuilder::on(&top)
        .caption("Loss", ("sans-serif", 20))
        .margin(10)
        .x_label_area_size(35)
        .y_label_area_size(50)
        .build_cartesian_2d(x_range.clone(), 0.0..max_loss * 1.05)
        .map_err(plot_err)?;
    loss.configure_mesh()
        .x_desc("epoch")
        .y_desc("loss")
        .draw()
        .map_err(plot_err)?;
    let series = |f: fn(&EpochRecord) -> Option<f64>| {
        history
            .iter()
            .filter_map(move |r| f(r).map(|v| (r.epoch as f64, v)))
    };
    loss.draw_series(LineSeries::new(series(|r| Some(r.train_loss)), &BLUE))
        .map_err(plot_err)?
        .label("train loss")
        .legend(|(x, y)| PathElement::new([(x, y), (x + 20, y)], BLUE));
    loss.draw_series(LineSeries::new(series(|r| r.val_loss), &RED))
        .map_err(plot_err)?
        .label("val loss")
        .legend(|(x, y)| PathElement::new([(x, y), (x + 20, y)], RED));
    loss.configure_series_labels()
        .background_style(WHITE)
        .border_style(BLACK)
        .draw()
        .map_err(plot_err)?;

    let mut acc = ChartBuilder::on(&bottom)
        .caption("Validation accuracy and UAR", ("sans-serif", 20))
        .margin(10)
        .x_label_area_size(35)
        .y_label_area_size(50)
        .build_cartesian_2d(x_range, 0.0..1.0)
        .map_err(plot_err)?;
    acc.configure_mesh()
        .x_desc("epoch")
        .y_desc("score")
        .draw()
        .map_err(plot_err)?;
    acc.draw_series(LineSeries::new(series(|r| Some(r.val_accuracy)), &GREEN))
        .map_err(plot_err)?
        .label("val accuracy")
        .legend(|(x, y)| PathElement::new([(x, y), (x + 20, y)], GREEN));
    acc.draw_series(LineSeries::new(series(|r| Some(r.val_uar)), &MAGENTA))
        .map_err(plot_err)?
        .label("val UAR")
        .legend(|(x, y)| PathElement::new([(x, y), (x + 20, y)], MAGENTA));
    acc.configure_series_labels()
        .position(SeriesLabelPosition::LowerRight)
        .background_style(WHITE)
        .border_style(BLACK)
        .draw()
        .map_err(plot_err)?;
    root.present().map_err(plot_err)
}
