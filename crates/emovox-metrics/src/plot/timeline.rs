//! [`timeline_plot`]: a recording's waveform envelope above its emotion segments.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::path::Path;

use super::{render, Figure};
use crate::MetricsError;

/// One labelled stretch of a [`TimelineChart`].
#[derive(Clone, Debug, PartialEq)]
pub struct TimelineSpan {
    /// Start, in seconds from the start of the recording.
    pub start: f64,
    /// End, in seconds.
    pub end: f64,
    /// Index of the span's label in [`TimelineChart::labels`] (it picks the colour).
    pub label_index: usize,
}

/// What [`timeline_plot`] draws: a title, the recording's peak envelope (one value per pixel
/// column of [`TimelineChart::WIDTH`], e.g. from `emovox_audio::peak_envelope`), its duration and
/// its labelled spans.
#[derive(Clone, Debug, PartialEq)]
pub struct TimelineChart {
    /// Caption above the waveform.
    pub title: String,
    /// Duration of the recording in seconds (the x axis).
    pub duration: f64,
    /// Peak absolute amplitude per equal slice of the recording, in [0, 1].
    pub peaks: Vec<f32>,
    /// Every label a span may carry, in legend order.
    pub labels: Vec<String>,
    /// The spans, one coloured bar each.
    pub spans: Vec<TimelineSpan>,
}

impl TimelineChart {
    /// Width of the picture in pixels (and the natural number of envelope columns).
    pub const WIDTH: u32 = 1200;
    /// Height of the picture in pixels.
    pub const HEIGHT: u32 = 420;
    /// Pixel row where the waveform panel ends and the segment bars begin.
    pub const WAVE_HEIGHT: u32 = 260;
}

/// Draws `chart` into `path`, SVG or PNG by its extension: the waveform envelope on top, one
/// bar per span coloured by label below, a legend of labels. Errors on an unsupported extension
/// (before anything is written), a duration that is negative, NaN or infinite
/// ([`MetricsError::InvalidDuration`]; a duration of 0 is drawn as a millisecond), a span whose
/// label index is out of range, or a write failure.
pub fn timeline_plot(chart: &TimelineChart, path: impl AsRef<Path>) -> Result<(), MetricsError> {
    super::PlotFormat::from_path(path.as_ref())?;
    // An infinite axis never finishes drawing (plotters keeps placing ticks on it).
    if !(chart.duration.is_finite() && chart.duration >= 0.0) {
        return Err(MetricsError::InvalidDuration(chart.duration));
    }
    if let Some(span) = chart
        .spans
        .iter()
        .find(|s| s.label_index >= chart.labels.len())
    {
        return Err(MetricsError::IndexOutOfRange {
            index: span.label_index,
            n_classes: chart.labels.len(),
        });
    }
    render(chart, path)
}

impl Figure for TimelineChart {
    fn size(&self) -> (u32, u32) {
        (Self::WIDTH, Self::HEIGHT)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), MetricsError> {
        let duration = self.duration.max(1e-3);
        let (top, bottom) = root.split_vertically(Self::WAVE_HEIGHT);
        self.draw_wave(&top, duration)?;
        let (bar_area, legend_area) = bottom.split_vertically(110);
        self.draw_spans(&bar_area, duration)?;
        // The legend: one swatch and name per label, in a single row.
        for (index, label) in self.labels.iter().enumerate() {
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

/// The colour of label `index`.
fn colour(index: usize) -> RGBAColor {
    Palette99::pick(index).to_rgba()
}

impl TimelineChart {
    fn draw_wave<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        duration: f64,
    ) -> Result<(), MetricsError> {
        let mut wave = ChartBuilder::on(area)
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
        let step = duration / self.peaks.len().max(1) as f64;
        wave.draw_series(self.peaks.iter().enumerate().map(|(i, &p)| {
            let x = i as f64 * step;
            Rectangle::new(
                [(x, -(p as f64)), (x + step, p as f64)],
                BLUE.mix(0.6).filled(),
            )
        }))?;
        Ok(())
    }

    fn draw_spans<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        duration: f64,
    ) -> Result<(), MetricsError> {
        let mut bars = ChartBuilder::on(area)
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
        bars.draw_series(self.spans.iter().map(|s| {
            Rectangle::new(
                [(s.start, 0.1), (s.end, 0.9)],
                colour(s.label_index).filled(),
            )
        }))?;
        Ok(())
    }
}
