//! The router (one table of routes, which the OpenAPI test checks) and [`serve`].

use std::future::Future;

use axum::extract::DefaultBodyLimit;
use axum::http::{Method, Uri};
use axum::routing::{get, post, MethodRouter};
use axum::{middleware, Router};
use tokio::net::TcpListener;

use crate::io::TimedListener;
use crate::routes::{info, predict, timeline};
use crate::{limits, metrics, page, stream, ApiError, AppState};

/// One route of the service.
#[derive(Debug, Clone, Copy)]
pub struct Route {
    /// The path, in axum's syntax (`{name}` for a parameter).
    pub path: &'static str,
    /// The HTTP method.
    pub method: &'static str,
    /// Whether it classifies audio (then the in-flight limit applies).
    pub classifies: bool,
    /// Whether `/openapi.json` documents it (the page's files are not API).
    pub documented: bool,
}

/// Every route the service answers.
pub const ROUTES: [Route; 9] = [
    route("/", "GET", false, false),
    route("/assets/{name}", "GET", false, false),
    route("/healthz", "GET", false, true),
    route("/metrics", "GET", false, true),
    route("/openapi.json", "GET", false, true),
    route("/v1/model", "GET", false, true),
    route("/v1/predict", "POST", true, true),
    route("/v1/timeline", "POST", true, true),
    route("/v1/stream", "GET", false, true),
];

const fn route(
    path: &'static str,
    method: &'static str,
    classifies: bool,
    documented: bool,
) -> Route {
    Route {
        path,
        method,
        classifies,
        documented,
    }
}

/// The route `path` belongs to, as a metrics label (`unmatched` for none, so labels stay few).
pub fn route_label(path: &str) -> &'static str {
    ROUTES
        .iter()
        .find(|r| match r.path.split_once("{") {
            Some((prefix, _)) => path.starts_with(prefix) && !path[prefix.len()..].contains('/'),
            None => r.path == path,
        })
        .map_or("unmatched", |r| r.path)
}

/// The handler of a route of [`ROUTES`].
fn handler(path: &str) -> MethodRouter<AppState> {
    match path {
        "/" => get(page::index),
        "/assets/{name}" => get(page::assets),
        "/healthz" => get(info::healthz),
        "/metrics" => get(info::metrics),
        "/openapi.json" => get(info::openapi),
        "/v1/model" => get(info::model),
        "/v1/predict" => post(predict::predict),
        "/v1/timeline" => post(timeline::timeline),
        "/v1/stream" => get(stream::stream),
        other => unreachable!("no handler for route {other}"),
    }
}

/// The service's router over `state`.
pub fn router(state: AppState) -> Router {
    let mut classifying = Router::new();
    let mut other = Router::new();
    for r in ROUTES {
        if r.classifies {
            classifying = classifying.route(r.path, handler(r.path));
        } else {
            other = other.route(r.path, handler(r.path));
        }
    }
    let classifying = classifying.route_layer(middleware::from_fn_with_state(
        state.clone(),
        limits::in_flight_gate,
    ));
    other
        .merge(classifying)
        .method_not_allowed_fallback(method_not_allowed)
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(state.config.max_body_bytes))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            metrics::observe,
        ))
        .with_state(state)
}

async fn not_found(uri: Uri) -> ApiError {
    ApiError::NotFound(uri.path().to_string())
}

async fn method_not_allowed(method: Method, uri: Uri) -> ApiError {
    // The method is echoed only when standard (a client's invented token is not repeated).
    ApiError::MethodNotAllowed {
        method: crate::metrics::method_label(&method).to_uppercase(),
        path: uri.path().to_string(),
    }
}

/// Serves `state` on `listener` until `shutdown` completes, then finishes the requests in
/// progress (graceful shutdown) and returns. A connection whose client takes none of the
/// bytes sent to it for `write_timeout_seconds`, or takes them slower than
/// `min_read_bytes_per_second` whenever the server waits for it, is closed.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let listener = TimedListener {
        inner: listener,
        write_timeout: state.config.write_timeout(),
        min_read_rate: state.config.min_read_bytes_per_second,
    };
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown)
        .await
}
