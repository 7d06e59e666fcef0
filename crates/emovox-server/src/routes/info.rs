//! `GET /healthz`, `GET /v1/model`, `GET /metrics`, `GET /openapi.json`.

use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use axum::Json;
use serde_json::{json, Value};

use crate::AppState;

/// The OpenAPI document of the service (hand-written; a test keeps it equal to the routes).
pub const OPENAPI: &str = include_str!("../openapi.json");

/// Liveness: `{"status":"ok"}` whenever the server accepts connections (never waits on the
/// CPU pool).
pub async fn healthz(State(state): State<AppState>) -> Json<Value> {
    Json(json!({ "status": "ok", "model": state.model.id }))
}

/// The served model: labels, sample rate, and per view the feature spec and training
/// provenance stored in the model file.
pub async fn model(State(state): State<AppState>) -> Json<Value> {
    Json(json!(*state.model))
}

/// Prometheus text exposition.
pub async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    let in_flight = state.config.max_in_flight - state.in_flight.available_permits();
    let streams = state.config.max_streams - state.streams.available_permits();
    (
        [(CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
        state.metrics.render(in_flight, streams, &state.cpu),
    )
}

/// The OpenAPI 3.1 document.
pub async fn openapi() -> impl IntoResponse {
    ([(CONTENT_TYPE, "application/json")], OPENAPI)
}
