//! `POST /v1/timeline`: the emotion timeline of a long recording, streamed as NDJSON while it
//! is computed.

use axum::body::Body;
use axum::extract::{Query, Request, State};
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use emovox::audio::AudioStream;
use emovox::timeline::{SegmentConfig, Timeline};
use serde::Deserialize;
use serde_json::{json, Value};
use tokio::sync::mpsc;

use crate::decode::{check_duration, open, CHUNK_SAMPLES};
use crate::limits::{read_body, InFlightSlot};
use crate::windows::{segment_json, LiveTimeline};
use crate::{ApiError, AppState};

/// Lines buffered between the worker and a slow reader (the worker waits beyond that).
const LINES_BUFFERED: usize = 64;

/// Optional windowing, as query parameters (`?window=2&hop=0.5`).
#[derive(Debug, Default, Deserialize)]
pub struct TimelineQuery {
    /// Window length in seconds (default 2).
    pub window: Option<f64>,
    /// Hop between windows in seconds (default 0.5).
    pub hop: Option<f64>,
}

impl TimelineQuery {
    /// The segment configuration these parameters give, validated: no window or hop longer
    /// than `max_seconds` (the longest timeline the server computes), and no window the model
    /// cannot classify (shorter than `min_clip_samples` at its rate `rate`).
    pub fn config(
        &self,
        max_seconds: f64,
        rate: u32,
        min_clip_samples: usize,
    ) -> Result<SegmentConfig, ApiError> {
        let mut config = SegmentConfig::default();
        config.window_seconds = self.window.unwrap_or(config.window_seconds);
        config.hop_seconds = self.hop.unwrap_or(config.hop_seconds);
        for (name, value) in [
            ("window", config.window_seconds),
            ("hop", config.hop_seconds),
        ] {
            if value > max_seconds {
                return Err(ApiError::BadRequest(format!(
                    "{name} must be at most {max_seconds} s (the longest timeline), got {value}"
                )));
            }
        }
        config.min_window_seconds = config.min_window_seconds.min(config.window_seconds);
        config.validate()?;
        let min_clip = min_clip_samples as f64 / f64::from(rate);
        let too_short = || {
            ApiError::BadRequest(format!(
                "window must be at least {min_clip:.3} s (one frame of the model's features), \
                 got {}",
                config.window_seconds
            ))
        };
        if config.window_seconds < min_clip {
            return Err(too_short());
        }
        config.min_window_seconds = config.min_window_seconds.max(min_clip);
        if config.min_window_samples(rate)? < min_clip_samples {
            return Err(too_short());
        }
        Ok(config)
    }
}

/// Answers `application/x-ndjson`: one `{"type":"window",...}` line per classified speech
/// window as soon as it is computed, then the smoothed timeline as `{"type":"segment",...}`
/// lines (`start`, `end`, `label`, `confidence`: the timeline example's JSON), then one
/// `{"type":"done",...}` line. A failure once the stream has begun (corrupt data further in,
/// the duration limit) is a last `{"type":"error","error":{...}}` line; failures found
/// before (size, format, query) are the usual JSON errors with their status.
pub async fn timeline(
    State(state): State<AppState>,
    query: Result<Query<TimelineQuery>, axum::extract::rejection::QueryRejection>,
    request: Request,
) -> Result<Response, ApiError> {
    let Query(query) = query.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let slot = InFlightSlot::of(&request);
    let limits = &state.config;
    let config = query.config(
        limits.max_timeline_seconds,
        state.classifier.sample_rate(),
        state.min_clip_samples,
    )?;
    let bytes = read_body(
        request.into_body(),
        limits.max_body_bytes,
        limits.body_timeout(),
    )
    .await?;
    let opening = slot.clone();
    let audio = state
        .cpu
        .run(move || {
            let _slot = opening;
            open(bytes)
        })
        .await??;
    let (lines, receiver) = mpsc::channel::<String>(LINES_BUFFERED);
    let worker_state = state.clone();
    state.cpu.spawn(lines, move |lines| {
        let _slot = slot;
        if let Err(err) = run(&worker_state, audio, &config, &lines) {
            let line = json!({ "type": "error", "error": err.body() });
            let _ = lines.blocking_send(line.to_string());
        }
    })?;
    let body = futures_util::stream::unfold(receiver, |mut receiver| async move {
        let line = receiver.recv().await?;
        Some((Ok::<_, std::convert::Infallible>(line + "\n"), receiver))
    });
    Ok((
        [(CONTENT_TYPE, "application/x-ndjson")],
        Body::from_stream(body),
    )
        .into_response())
}

/// The worker: decodes, resamples and classifies, sending lines as it goes. Stops early (Ok)
/// when the client has gone.
fn run(
    state: &AppState,
    mut audio: AudioStream,
    config: &SegmentConfig,
    lines: &mpsc::Sender<String>,
) -> Result<(), ApiError> {
    let classifier = &*state.classifier;
    let labels = classifier.labels();
    let rate = audio.sample_rate();
    let max_seconds = state.config.max_timeline_seconds;
    let mut live = LiveTimeline::new(classifier, rate, config)?;
    let mut windows = Vec::new();
    let mut chunk = Vec::with_capacity(CHUNK_SAMPLES);
    let send = |value: Value| lines.blocking_send(value.to_string()).is_ok();
    loop {
        let more = audio.read_chunk(&mut chunk)?;
        check_duration(audio.samples_read(), rate, max_seconds)?;
        let done = if more {
            live.push(&chunk)?
        } else {
            live.finish()?
        };
        for window in done {
            if !send(segment_json("window", &window, Some(labels))) {
                return Ok(());
            }
            windows.push(window);
        }
        if !more {
            break;
        }
    }
    let stream = live.segments();
    let duration = stream.samples_seen() as f64 / f64::from(classifier.sample_rate());
    state.metrics.record_audio("/v1/timeline", duration);
    let timeline = Timeline::from_windows(
        labels.to_vec(),
        duration,
        stream.speech_regions().to_vec(),
        windows,
        config,
    );
    for segment in &timeline.smoothed {
        if !send(segment_json("segment", segment, None)) {
            return Ok(());
        }
    }
    send(json!({
        "type": "done",
        "model": state.model.id,
        "duration": duration,
        "speech": timeline.speech,
        "windows": timeline.windows.len(),
        "segments": timeline.smoothed.len(),
    }));
    Ok(())
}
