//! emovox-server: an HTTP service (axum + tokio) for speech emotion recognition, and a web
//! page that listens to the microphone.
//!
//! - `POST /v1/predict`: a file (any format emovox decodes) or a multipart batch of files;
//! - `POST /v1/timeline`: the timeline of a long recording, streamed as NDJSON;
//! - `GET /v1/stream`: a WebSocket of live PCM, one JSON message per window ([`stream`]);
//! - `GET /v1/model`, `/healthz`, `/metrics` (Prometheus), `/openapi.json`, and the page `/`.
//!
//! The model is loaded once into [`AppState`]; classification runs on a bounded pool of
//! threads of its own ([`limits::CpuPool`]: one request per core at a time, each on one
//! thread, the others waiting in arrival order), so the async executor always answers health
//! checks. Every refusal is an [`ApiError`]: a JSON body with a stable code and its status.
//!
//! ```no_run
//! use emovox_server::{serve, AppState, ServerConfig};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let state = AppState::load(ServerConfig::default())?;
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//! println!("listening on http://{}", listener.local_addr()?);
//! serve(listener, state, async { let _ = tokio::signal::ctrl_c().await; }).await?;
//! # Ok(())
//! # }
//! ```

#![warn(missing_docs)]

mod app;
mod config;
pub mod decode;
mod error;
mod io;
pub mod limits;
pub mod metrics;
pub mod page;
pub mod routes;
mod state;
pub mod stream;
pub mod windows;

pub use app::{route_label, router, serve, Route, ROUTES};
pub use config::{ConfigError, ServerConfig, MAX_COUNT, MAX_TIMEOUT_SECONDS};
pub use error::{ApiError, ErrorBody};
pub use state::{AppState, ModelInfo, ViewInfo, BUNDLED_ID};
