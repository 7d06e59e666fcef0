//! `POST /v1/timeline`: the emotion timeline of a long recording, streamed as NDJSON while it
//! is computed.

use std::panic::AssertUnwindSafe;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Query, Request, State};
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use emovox::audio::AudioStream;
use emovox::timeline::{SegmentConfig, Timeline};
use emovox::Classifier;
use serde::Deserialize;
use serde_json::{json, Value};
use tokio::runtime::Handle;
use tokio::sync::mpsc;
use tokio::sync::mpsc::error::TrySendError;

use crate::decode::{check_duration, open, ChannelQuery, CHUNK_SAMPLES};
use crate::limits::{read_body, InFlightSlot};
use crate::windows::{segment_json, LiveTimeline};
use crate::{ApiError, AppState};

/// Lines buffered between the worker and a slow reader (the worker waits beyond that, for at
/// most the write timeout).
const LINES_BUFFERED: usize = 64;

/// Optional windowing, as query parameters (`?window=2&hop=0.5`); another parameter (a
/// misspelt `windw=`) is refused rather than ignored.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimelineQuery {
    /// Window length in seconds (default 2).
    pub window: Option<f64>,
    /// Hop between windows in seconds (default 0.5).
    pub hop: Option<f64>,
    /// One channel of a multichannel recording (counted from 0); the channels' mean when
    /// absent.
    pub channel: Option<usize>,
}

impl TimelineQuery {
    /// The segment configuration these parameters give, validated: no window or hop longer
    /// than `max_seconds` (the longest timeline the server computes), and windows
    /// `classifier` can classify ([`Classifier::segment_config`]).
    pub fn config(
        &self,
        max_seconds: f64,
        classifier: &Classifier,
    ) -> Result<SegmentConfig, ApiError> {
        let defaults = SegmentConfig::default();
        let window = self.window.unwrap_or(defaults.window_seconds);
        let hop = self.hop.unwrap_or(defaults.hop_seconds);
        for (name, value) in [("window", window), ("hop", hop)] {
            if value > max_seconds {
                // 1e308 in scientific notation, not its 309 digits.
                let value = if value < 1e6 {
                    value.to_string()
                } else {
                    format!("{value:e}")
                };
                return Err(ApiError::BadRequest(format!(
                    "{name} must be at most {max_seconds} s (the longest timeline), got {value}"
                )));
            }
        }
        Ok(classifier.segment_config(window, hop)?)
    }
}

/// Answers `application/x-ndjson`: one `{"type":"window",...}` line per classified speech
/// window as soon as it is computed, then the smoothed timeline as `{"type":"segment",...}`
/// lines (`start`, `end`, `label`, `confidence`: the timeline example's JSON), then one
/// `{"type":"done",...}` line. A failure once the stream has begun (corrupt data further in,
/// the duration limit) is a last `{"type":"error","error":{...}}` line; failures found
/// before (size, format, query) are the usual JSON errors with their status. A client that
/// takes no line for `write_timeout_seconds` has its answer abandoned (the connection is
/// closed, without a last line) and the worker freed.
pub async fn timeline(
    State(state): State<AppState>,
    query: Result<Query<TimelineQuery>, axum::extract::rejection::QueryRejection>,
    request: Request,
) -> Result<Response, ApiError> {
    let Query(query) = query.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let slot = InFlightSlot::of(&request);
    let limits = &state.config;
    let config = query.config(limits.max_timeline_seconds, &state.classifier)?;
    let channels = ChannelQuery {
        channel: query.channel,
    }
    .channels();
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
            open(bytes, channels)
        })
        .await??;
    let (lines, receiver) = mpsc::channel::<Line>(LINES_BUFFERED);
    let worker_state = state.clone();
    let (runtime, timeout) = (Handle::current(), limits.write_timeout());
    state.cpu.spawn(lines, move |lines| {
        let _slot = slot;
        let lines = LineSender {
            lines,
            runtime,
            timeout,
        };
        let ran = std::panic::catch_unwind(AssertUnwindSafe(|| {
            run(&worker_state, audio, &config, &lines)
        }));
        let failed = match ran {
            Ok(result) => result.err(),
            Err(_) => Some(ApiError::Internal("the timeline failed: a bug".into())),
        };
        if let Some(err) = failed {
            lines.send(json!({ "type": "error", "error": err.body() }), true);
        }
    })?;
    Ok((
        [(CONTENT_TYPE, "application/x-ndjson")],
        Body::from_stream(body(receiver)),
    )
        .into_response())
}

/// One line of a streamed timeline, and whether it ends the answer (`done` or `error`).
struct Line {
    text: String,
    last: bool,
}

/// The response body: the worker's lines as they come. When the worker stops before its last
/// line (it gave up on a client that read nothing for the write timeout), the body fails, so
/// the connection is closed rather than the answer looking complete.
fn body(
    receiver: mpsc::Receiver<Line>,
) -> impl futures_util::Stream<Item = Result<String, std::io::Error>> {
    futures_util::stream::unfold((receiver, false), |(mut receiver, ended)| async move {
        if ended {
            return None;
        }
        match receiver.recv().await {
            Some(line) => Some((Ok(line.text + "\n"), (receiver, line.last))),
            None => {
                let cut = std::io::Error::other("the timeline stopped before its last line");
                Some((Err(cut), (receiver, true)))
            }
        }
    })
}

/// The worker's end of the line channel: a send waits at most `timeout` for the client to
/// make room, so a client that stops reading frees the worker.
struct LineSender {
    lines: mpsc::Sender<Line>,
    runtime: Handle,
    timeout: Duration,
}

impl LineSender {
    /// Sends `value` (`last`: the answer's final line); false when the client has gone or
    /// took no line for the timeout (the answer is then abandoned).
    fn send(&self, value: Value, last: bool) -> bool {
        let line = Line {
            text: value.to_string(),
            last,
        };
        match self.lines.try_send(line) {
            Ok(()) => true,
            Err(TrySendError::Closed(_)) => false,
            // The timer is made inside the runtime's context (block_on), not on this thread.
            Err(TrySendError::Full(line)) => self
                .runtime
                .block_on(async { tokio::time::timeout(self.timeout, self.lines.send(line)).await })
                .is_ok_and(|sent| sent.is_ok()),
        }
    }
}

/// The worker: decodes, resamples and classifies, sending lines as it goes. Stops early (Ok)
/// when the client has gone.
fn run(
    state: &AppState,
    mut audio: AudioStream,
    config: &SegmentConfig,
    lines: &LineSender,
) -> Result<(), ApiError> {
    let classifier = &*state.classifier;
    let labels = classifier.labels();
    let rate = audio.sample_rate();
    let max_seconds = state.config.max_timeline_seconds;
    let mut live = LiveTimeline::new(classifier, rate, config)?;
    let mut windows = Vec::new();
    let mut chunk = Vec::with_capacity(CHUNK_SAMPLES);
    let send = |value: Value| lines.send(value, false);
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
    // Samples seen are at the input rate.
    let duration = stream.samples_seen() as f64 / f64::from(rate);
    state.metrics.record_audio("/v1/timeline", duration);
    let timeline = Timeline::from_windows(
        labels.to_vec(),
        duration,
        stream.speech_regions().to_vec(),
        windows,
        config,
    )?;
    for segment in &timeline.smoothed {
        if !send(segment_json("segment", segment, None)) {
            return Ok(());
        }
    }
    lines.send(
        json!({
            "type": "done",
            "model": state.model.id,
            "duration": duration,
            "speech": timeline.speech,
            "windows": timeline.windows.len(),
            "segments": timeline.smoothed.len(),
        }),
        true,
    );
    Ok(())
}
