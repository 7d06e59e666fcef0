//! The web page served at `/`: plain HTML, JavaScript and CSS compiled into the binary (no
//! CDN, no build step; works offline).

use axum::extract::Path;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};

use crate::ApiError;

/// The page's files: name, content type, content.
const ASSETS: [(&str, &str, &str); 4] = [
    (
        "index.html",
        "text/html; charset=utf-8",
        include_str!("page/index.html"),
    ),
    (
        "app.js",
        "text/javascript; charset=utf-8",
        include_str!("page/app.js"),
    ),
    (
        "worklet.js",
        "text/javascript; charset=utf-8",
        include_str!("page/worklet.js"),
    ),
    (
        "style.css",
        "text/css; charset=utf-8",
        include_str!("page/style.css"),
    ),
];

/// `GET /`: the page.
pub async fn index() -> Response {
    asset("index.html")
}

/// `GET /assets/{name}`: the page's scripts and style sheet.
pub async fn assets(Path(name): Path<String>) -> Result<Response, ApiError> {
    if name == "index.html" || !ASSETS.iter().any(|(n, _, _)| *n == name) {
        return Err(ApiError::NotFound(format!("/assets/{name}")));
    }
    Ok(asset(&name))
}

fn asset(name: &str) -> Response {
    let (_, content_type, content) = ASSETS
        .iter()
        .find(|(n, _, _)| *n == name)
        .copied()
        .unwrap_or(ASSETS[0]);
    (
        [(CONTENT_TYPE, content_type), (CACHE_CONTROL, "no-cache")],
        content,
    )
        .into_response()
}
