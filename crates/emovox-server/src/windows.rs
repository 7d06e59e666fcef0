//! [`LiveTimeline`]: audio at any rate in, classified windows out, in bounded memory; shared
//! by `/v1/timeline` and the `/v1/stream` WebSocket.

use emovox::timeline::{Segment, SegmentConfig, SegmentStream};
use emovox::Classifier;
use serde_json::{json, Map, Value};

use crate::ApiError;

/// A [`SegmentStream`] (which resamples what it is pushed to the model's rate): push chunks at
/// the input rate, get each speech window's prediction as soon as the window is complete.
/// Memory is one window of samples plus the resampler's filter state, whatever the length of
/// the stream.
pub struct LiveTimeline<'c> {
    segments: SegmentStream<'c, Classifier>,
}

impl<'c> LiveTimeline<'c> {
    /// Starts a timeline of audio at `rate` Hz.
    pub fn new(
        classifier: &'c Classifier,
        rate: u32,
        config: &SegmentConfig,
    ) -> Result<Self, ApiError> {
        Ok(Self {
            segments: SegmentStream::new(classifier, rate, config)?,
        })
    }

    /// Pushes samples at the input rate; returns the windows they complete.
    pub fn push(&mut self, chunk: &[f32]) -> Result<Vec<Segment>, ApiError> {
        Ok(self.segments.push(chunk)?)
    }

    /// Ends the stream: the resampler's tail and the last, partial window.
    pub fn finish(&mut self) -> Result<Vec<Segment>, ApiError> {
        Ok(self.segments.finish()?)
    }

    /// The underlying stream (speech regions, samples seen, buffer size).
    pub fn segments(&self) -> &SegmentStream<'c, Classifier> {
        &self.segments
    }
}

/// The JSON of a window or segment: `start`, `end`, `label`, `confidence`, `novelty` (as the
/// timeline example prints) plus `type` and, for windows, every label's probability.
pub fn segment_json(kind: &str, segment: &Segment, labels: Option<&[String]>) -> Value {
    let mut value = json!({
        "type": kind,
        "start": segment.start,
        "end": segment.end,
        "label": segment.label,
        "confidence": segment.confidence,
        "novelty": segment.novelty,
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
