//! [`LiveTimeline`]: audio at any rate in, classified windows out, in bounded memory; shared
//! by `/v1/timeline` and the `/v1/stream` WebSocket.

use emovox::audio::StreamResampler;
use emovox::timeline::{Segment, SegmentConfig, SegmentStream};
use emovox::Classifier;
use serde_json::{json, Map, Value};

use crate::ApiError;

/// A [`SegmentStream`] behind a [`StreamResampler`]: push chunks at the input rate, get each
/// speech window's prediction as soon as the window is complete. Memory is one window of
/// samples plus the resampler's filter state, whatever the length of the stream.
pub struct LiveTimeline<'c> {
    resampler: StreamResampler,
    segments: SegmentStream<'c, Classifier>,
    resampled: Vec<f32>,
}

impl<'c> LiveTimeline<'c> {
    /// Starts a timeline of audio at `rate` Hz.
    pub fn new(
        classifier: &'c Classifier,
        rate: u32,
        config: &SegmentConfig,
    ) -> Result<Self, ApiError> {
        let model_rate = classifier.sample_rate();
        Ok(Self {
            resampler: StreamResampler::new(rate, model_rate)?,
            segments: SegmentStream::new(classifier, model_rate, config)?,
            resampled: Vec::new(),
        })
    }

    /// Pushes samples at the input rate; returns the windows they complete.
    pub fn push(&mut self, chunk: &[f32]) -> Result<Vec<Segment>, ApiError> {
        self.resampled.clear();
        self.resampler.process_into(chunk, &mut self.resampled)?;
        Ok(self.segments.push(&self.resampled)?)
    }

    /// Ends the stream: the resampler's tail and the last, partial window.
    pub fn finish(&mut self) -> Result<Vec<Segment>, ApiError> {
        self.resampled.clear();
        self.resampler.flush(&mut self.resampled)?;
        let mut windows = self.segments.push(&self.resampled)?;
        windows.extend(self.segments.finish()?);
        Ok(windows)
    }

    /// The underlying stream (speech regions, samples seen, buffer size).
    pub fn segments(&self) -> &SegmentStream<'c, Classifier> {
        &self.segments
    }
}

/// The JSON of a window or segment: `start`, `end`, `label`, `confidence` (as the timeline
/// example prints) plus `type` and, for windows, every label's probability.
pub fn segment_json(kind: &str, segment: &Segment, labels: Option<&[String]>) -> Value {
    let mut value = json!({
        "type": kind,
        "start": segment.start,
        "end": segment.end,
        "label": segment.label,
        "confidence": segment.confidence,
    });
    if let Some(labels) = labels {
        value["probabilities"] = probabilities_json(labels, &segment.probabilities);
    }
    value
}

/// `{label: probability}` in the model's label order.
pub fn probabilities_json(labels: &[String], probabilities: &[f32]) -> Value {
    let map: Map<String, Value> = labels
        .iter()
        .zip(probabilities)
        .map(|(label, p)| (label.clone(), json!(p)))
        .collect();
    Value::Object(map)
}
