//! `GET /v1/stream`: a WebSocket taking live PCM and answering one JSON message per
//! classified window.
//!
//! Protocol: connect with `?rate=48000` (Hz, required) and `&format=f32le` (default) or
//! `&format=i16le`; send binary frames of mono little-endian samples in that format, any
//! length that is a whole number of samples; send the text frame `end` (or close) to finish.
//! The server sends `{"type":"ready",...}` first, then `{"type":"window",...}` for each
//! speech window as soon as its last sample has arrived, `{"type":"done",...}` after `end`,
//! and `{"type":"error","error":{...}}` before closing on a protocol error (a text frame that
//! is not `end`, a frame that is not a whole number of samples, a NaN, a stalled client, a
//! message over [`MAX_MESSAGE_BYTES`]: then the close code is 1009).
//! Memory per connection is bounded: one window of samples, the resampler's state, and a
//! few chunks queued (the socket is not read while the queue is full, but messages are still
//! sent). A client that takes no message for the write timeout is dropped.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::response::Response;
use emovox::timeline::SegmentConfig;
use serde::Deserialize;
use serde_json::{json, Value};
use tokio::sync::{mpsc, OwnedSemaphorePermit};

use crate::limits::RETRY_AFTER_SECONDS;
use crate::windows::{segment_json, LiveTimeline};
use crate::{ApiError, AppState};

/// Largest WebSocket message accepted, in bytes (one second of 48 kHz f32 is 192 kB).
pub const MAX_MESSAGE_BYTES: usize = 1 << 20;
/// Chunks queued between the socket and the classifying thread.
const CHUNKS_QUEUED: usize = 4;
/// WebSocket close code for data of the wrong type (RFC 6455: 1003).
const CLOSE_UNSUPPORTED_DATA: u16 = 1003;
/// WebSocket close code for a message too big to process (RFC 6455: 1009).
const CLOSE_TOO_BIG: u16 = 1009;
/// How long a connection stays open after closing a stream for a message too big.
const TOO_BIG_LINGER: Duration = Duration::from_millis(500);

/// How long a stream closed by the server reads on for the client's answering close frame.
const CLOSE_LINGER: Duration = Duration::from_millis(500);

/// The most bytes waiting to be written to one stream's client (its messages are a few
/// hundred bytes; replies to pings queue here when the client does not read).
const MAX_WRITE_BUFFER_BYTES: usize = 1 << 20;
/// WebSocket close code for a policy violation (RFC 6455: 1008), used for idle clients.
const CLOSE_POLICY: u16 = 1008;
/// WebSocket close code for a frame that breaks the protocol (RFC 6455: 1002).
const CLOSE_PROTOCOL: u16 = 1002;

/// The sample encodings a stream accepts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PcmFormat {
    /// 32-bit IEEE float, little-endian (what an AudioWorklet gives).
    #[default]
    F32le,
    /// 16-bit signed integer, little-endian (scaled by 1/32768).
    I16le,
}

impl PcmFormat {
    /// Bytes per sample.
    pub fn sample_bytes(self) -> usize {
        match self {
            Self::F32le => 4,
            Self::I16le => 2,
        }
    }

    /// Decodes a frame; `None` when its length is not a whole number of samples.
    pub fn decode(self, bytes: &[u8]) -> Option<Vec<f32>> {
        if !bytes.len().is_multiple_of(self.sample_bytes()) {
            return None;
        }
        Some(match self {
            Self::F32le => bytes
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect(),
            Self::I16le => bytes
                .chunks_exact(2)
                .map(|b| f32::from(i16::from_le_bytes([b[0], b[1]])) / 32_768.0)
                .collect(),
        })
    }

    fn name(self) -> &'static str {
        match self {
            Self::F32le => "f32le",
            Self::I16le => "i16le",
        }
    }
}

/// Query parameters of `/v1/stream` (another parameter, e.g. a misspelt `format`, is refused).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StreamQuery {
    /// Sample rate of the PCM the client sends, in Hz.
    pub rate: u32,
    /// Sample encoding (default `f32le`).
    #[serde(default)]
    pub format: PcmFormat,
}

/// Checks the query and the stream limit, then upgrades to a WebSocket.
pub async fn stream(
    State(state): State<AppState>,
    query: Result<Query<StreamQuery>, axum::extract::rejection::QueryRejection>,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Result<Response, ApiError> {
    let Query(query) = query.map_err(|e| {
        ApiError::BadRequest(format!(
            "{} (connect with ?rate=HZ[&format=f32le|i16le])",
            e.body_text()
        ))
    })?;
    // A rate out of range is a bad query parameter, not bad audio.
    emovox::audio::validate_sample_rate(query.rate)
        .map_err(|e| ApiError::BadRequest(format!("rate={}: {e}", query.rate)))?;
    // A request that is no WebSocket handshake (a plain GET, a missing key) is a JSON error
    // like every other refusal, not axum's plain-text rejection.
    let upgrade = upgrade.map_err(|e| {
        ApiError::BadRequest(format!(
            "{} (/v1/stream is a WebSocket: connect with a WebSocket client)",
            e.body_text()
        ))
    })?;
    let Ok(slot) = state.streams.clone().try_acquire_owned() else {
        return Err(ApiError::Busy {
            in_flight: state.config.max_streams,
            what: "streams open",
            retry_after: RETRY_AFTER_SECONDS,
        });
    };
    Ok(upgrade
        .max_message_size(MAX_MESSAGE_BYTES)
        .max_frame_size(MAX_MESSAGE_BYTES)
        // What waits to be written (replies to pings among it) is bounded too: a client that
        // sends pings and never reads fails its stream here instead of growing the server.
        .max_write_buffer_size(MAX_WRITE_BUFFER_BYTES)
        .on_upgrade(move |socket| serve(socket, state, query, slot)))
}

/// What the socket task hands the classifying thread.
enum Input {
    Samples(Vec<f32>),
    End,
    /// A frame that is not PCM: reported after the windows of the audio before it.
    NotPcm(Value),
}

/// Runs one stream: the socket on this task, classification on a thread of its own.
async fn serve(
    mut socket: WebSocket,
    state: AppState,
    query: StreamQuery,
    _slot: OwnedSemaphorePermit,
) {
    let config = SegmentConfig::default();
    let ready = ready_message(&state, &query, &config);
    if socket.send(text(&ready)).await.is_err() {
        return;
    }
    let (inputs, input_rx) = mpsc::channel::<Input>(CHUNKS_QUEUED);
    let (output_tx, mut outputs) = mpsc::channel::<Value>(CHUNKS_QUEUED * 4);
    let worker_state = state.clone();
    let rate = query.rate;
    tokio::task::spawn_blocking(move || classify(worker_state, rate, config, input_rx, output_tx));
    let idle = state.config.stream_idle();
    // Only audio (or `end`) keeps a stream open: pings alone do not hold a stream slot.
    let mut idle_deadline = tokio::time::Instant::now() + idle;
    let write_timeout = state.config.write_timeout();
    let mut inputs = Some(inputs);
    // A frame's samples (or `end`) waiting for room in `inputs`: the socket is not read
    // meanwhile, but messages are still sent (the classifying thread may be waiting on them).
    let mut pending: Option<Input> = None;
    loop {
        let flow = tokio::select! {
            out = outputs.recv() => send_output(&mut socket, out, write_timeout).await,
            permit = reserve(inputs.clone()), if pending.is_some() => {
                let input = pending.take();
                let end = matches!(input, Some(Input::End | Input::NotPcm(_)));
                match (permit, input) {
                    (Some(permit), Some(input)) => drop(permit.send(input)),
                    _ => inputs = None, // the classifying thread is gone
                }
                if end {
                    inputs = None; // `end` is passed on once, and nothing is read after it
                }
                Flow::Continue
            }
            received = tokio::time::timeout_at(idle_deadline, socket.recv()),
                if inputs.is_some() && pending.is_none() =>
            {
                let step = match received {
                    Err(_) => Err(ProtocolError::idle(idle)),
                    Ok(frame) => take_frame(frame, &query),
                };
                match step {
                    Ok(Step::Forward(input)) => {
                        idle_deadline = tokio::time::Instant::now() + idle;
                        pending = Some(input);
                        Flow::Continue
                    }
                    Ok(Step::Flow(Flow::Stop)) => {
                        // The client closed (or the socket broke): answer its close frame.
                        let _ = futures_util::SinkExt::close(&mut socket).await;
                        Flow::Stop
                    }
                    Ok(Step::Flow(flow)) => flow,
                    // After the windows of the audio already sent, in order, as a NaN is.
                    Err(error) if error.close_code == CLOSE_UNSUPPORTED_DATA => {
                        pending = Some(Input::NotPcm(error.message_json()));
                        Flow::Continue
                    }
                    Err(error) => {
                        error.send(&mut socket).await;
                        Flow::Stop
                    }
                }
            }
        };
        if let Flow::Stop = flow {
            return;
        }
    }
}

/// Room for one input to the classifying thread; `None` once it is gone, and never without a
/// sender.
async fn reserve(inputs: Option<mpsc::Sender<Input>>) -> Option<mpsc::OwnedPermit<Input>> {
    match inputs {
        Some(sender) => sender.reserve_owned().await.ok(),
        None => std::future::pending().await,
    }
}

/// The first message of a stream: the model, its labels, the PCM expected and the windowing.
fn ready_message(state: &AppState, query: &StreamQuery, config: &SegmentConfig) -> Value {
    json!({
        "type": "ready",
        "model": state.model.id,
        "labels": state.classifier.labels(),
        "sample_rate": query.rate,
        "format": query.format.name(),
        "window_seconds": config.window_seconds,
        "hop_seconds": config.hop_seconds,
    })
}

/// Whether a stream goes on after a step.
enum Flow {
    Continue,
    Stop,
}

/// Sends the client the classifying thread's next message; closes the socket after an error
/// message, or normally once the thread is done (`None`, after `end`). A client that takes
/// less than a message in `write_timeout` is dropped (the stream stops).
async fn send_output(socket: &mut WebSocket, out: Option<Value>, write_timeout: Duration) -> Flow {
    let Some(message) = out else {
        close(socket, 1000, "done").await;
        return Flow::Stop;
    };
    let failed = message["type"] == "error";
    match tokio::time::timeout(write_timeout, socket.send(text(&message))).await {
        Ok(Ok(())) => {}
        Ok(Err(_)) | Err(_) => return Flow::Stop,
    }
    if failed {
        close(socket, CLOSE_UNSUPPORTED_DATA, "error").await;
        return Flow::Stop;
    }
    Flow::Continue
}

/// What a frame from the client asks for.
enum Step {
    /// Pass this on to the classifying thread.
    Forward(Input),
    /// Go on, or stop.
    Flow(Flow),
}

/// Acts on a frame from the client: samples and `end` are passed on to the classifying
/// thread, a close or a broken connection stops the stream, and a frame that is not PCM, too
/// big or against the WebSocket protocol is a [`ProtocolError`].
fn take_frame(
    frame: Option<Result<Message, axum::Error>>,
    query: &StreamQuery,
) -> Result<Step, ProtocolError> {
    match frame {
        Some(Err(err)) if too_big(&err) => Err(ProtocolError::too_big()),
        Some(Err(err)) if broke_protocol(&err) => Err(ProtocolError::broken(&err)),
        None | Some(Err(_)) | Some(Ok(Message::Close(_))) => Ok(Step::Flow(Flow::Stop)),
        Some(Ok(Message::Binary(bytes))) => {
            let samples = query
                .format
                .decode(&bytes)
                .ok_or_else(|| ProtocolError::not_whole_samples(bytes.len(), query.format))?;
            Ok(Step::Forward(Input::Samples(samples)))
        }
        Some(Ok(Message::Text(t))) if t.trim() == "end" => Ok(Step::Forward(Input::End)),
        Some(Ok(Message::Text(_))) => Err(ProtocolError::text_frame(query)),
        Some(Ok(_)) => Ok(Step::Flow(Flow::Continue)), // ping / pong: answered by the library
    }
}

/// Whether a read failed on a message or frame over [`MAX_MESSAGE_BYTES`] (the WebSocket
/// library's capacity error, told by its text: its type is not public through axum).
fn too_big(err: &axum::Error) -> bool {
    let text = err.to_string();
    text.contains("Space limit exceeded") || text.contains("too long")
}

/// Whether reading failed because the client broke the WebSocket protocol (an unmasked or
/// malformed frame, reserved bits, an unknown opcode), not because the connection went.
fn broke_protocol(err: &axum::Error) -> bool {
    err.to_string().contains("WebSocket protocol error")
}

/// A client breaking the protocol: answered with an error message, then a close.
struct ProtocolError {
    /// The error's `code` in the message, also the close reason.
    code: &'static str,
    message: String,
    /// The WebSocket close code.
    close_code: u16,
}

impl ProtocolError {
    /// No audio for `idle`.
    fn idle(idle: std::time::Duration) -> Self {
        Self {
            code: "timeout",
            message: format!(
                "no audio frame for {} s; the stream is closed",
                idle.as_secs_f64()
            ),
            close_code: CLOSE_POLICY,
        }
    }

    /// A binary frame of `len` bytes, not a whole number of samples of `format`.
    fn not_whole_samples(len: usize, format: PcmFormat) -> Self {
        Self {
            code: "not_pcm",
            message: format!(
                "a binary frame of {} bytes is not a whole number of {} samples ({} bytes each)",
                len,
                format.name(),
                format.sample_bytes()
            ),
            close_code: CLOSE_UNSUPPORTED_DATA,
        }
    }

    /// A message or frame over [`MAX_MESSAGE_BYTES`].
    fn too_big() -> Self {
        Self {
            code: "message_too_big",
            message: format!(
                "a message is over the limit of {MAX_MESSAGE_BYTES} bytes: send shorter frames \
                 (one second of 48 kHz f32 is 192 kB)"
            ),
            close_code: CLOSE_TOO_BIG,
        }
    }

    /// A frame that breaks the WebSocket protocol, as the WebSocket library names it.
    fn broken(err: &axum::Error) -> Self {
        Self {
            code: "protocol_error",
            message: format!("the stream is closed: {err}"),
            close_code: CLOSE_PROTOCOL,
        }
    }

    /// A text frame other than `end`.
    fn text_frame(query: &StreamQuery) -> Self {
        Self {
            code: "not_pcm",
            message: format!(
                "text frames are not PCM: send binary frames of mono {} samples at {} Hz, and the text frame \"end\" to finish",
                query.format.name(),
                query.rate
            ),
            close_code: CLOSE_UNSUPPORTED_DATA,
        }
    }

    /// The error message sent to the client.
    fn message_json(&self) -> Value {
        json!({ "type": "error", "error": { "code": self.code, "message": self.message } })
    }

    /// Sends the error message, then closes the socket.
    async fn send(self, socket: &mut WebSocket) {
        let _ = socket.send(text(&self.message_json())).await;
        close(socket, self.close_code, self.code).await;
        if self.close_code == CLOSE_TOO_BIG {
            // The rest of the message is unread: closing the connection now would reset it,
            // and the client could lose the two messages. It gets a moment to read them.
            tokio::time::sleep(TOO_BIG_LINGER).await;
        }
    }
}

/// The classifying thread of one stream: samples in, window messages out.
fn classify(
    state: AppState,
    rate: u32,
    config: SegmentConfig,
    mut inputs: mpsc::Receiver<Input>,
    outputs: mpsc::Sender<Value>,
) {
    let classifier: Arc<emovox::Classifier> = state.classifier.clone();
    let labels = classifier.labels();
    let error = |err: ApiError| json!({ "type": "error", "error": err.body() });
    let mut live = match LiveTimeline::new(&classifier, rate, &config) {
        Ok(live) => live,
        Err(err) => {
            let _ = outputs.blocking_send(error(err));
            return;
        }
    };
    let mut sent = 0usize;
    while let Some(input) = inputs.blocking_recv() {
        let (windows, end) = match input {
            Input::Samples(samples) => (live.push(&samples), false),
            Input::End => (live.finish(), true),
            Input::NotPcm(message) => {
                let _ = outputs.blocking_send(message);
                return;
            }
        };
        match windows {
            Ok(windows) => {
                for window in windows {
                    state.metrics.record_stream_window();
                    sent += 1;
                    if outputs
                        .blocking_send(segment_json("window", &window, Some(labels)))
                        .is_err()
                    {
                        return;
                    }
                }
            }
            Err(err) => {
                let _ = outputs.blocking_send(error(err));
                return;
            }
        }
        if end {
            let stream = live.segments();
            // Samples seen are at the input rate.
            let seconds = stream.samples_seen() as f64 / f64::from(rate);
            state.metrics.record_audio("/v1/stream", seconds);
            let _ = outputs.blocking_send(json!({
                "type": "done",
                "duration": seconds,
                "windows": sent,
                "buffer_samples": stream.buffer_capacity(),
            }));
            return;
        }
    }
}

fn text(value: &Value) -> Message {
    Message::Text(value.to_string().into())
}

/// Closes the stream with `code` and `reason`, then reads (and drops) what the client still
/// sends until its close frame answers, for at most [`CLOSE_LINGER`]: frames left unread when
/// the connection goes would reset it, and the client lose the messages just sent to it.
async fn close(socket: &mut WebSocket, code: u16, reason: &'static str) {
    let frame = Message::Close(Some(CloseFrame {
        code,
        reason: reason.into(),
    }));
    if socket.send(frame).await.is_err() {
        return;
    }
    let drain = async {
        while let Some(Ok(message)) = socket.recv().await {
            if matches!(message, Message::Close(_)) {
                break;
            }
        }
    };
    let _ = tokio::time::timeout(CLOSE_LINGER, drain).await;
}
