//! [`ApiError`]: every way a request can fail, each with its HTTP status and a JSON body
//! `{"error": {"code": "...", "message": "..."}}`.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use emovox::audio::AudioError;
use emovox::timeline::TimelineError;
use serde::Serialize;
use thiserror::Error;

/// Why the service refused or failed a request.
#[derive(Debug, Error)]
pub enum ApiError {
    /// The request body exceeds the configured size (413).
    #[error("the request body exceeds the limit of {limit} bytes")]
    BodyTooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
    /// The audio lasts longer than the configured duration (413).
    #[error("the audio lasts more than the limit of {limit} s")]
    AudioTooLong {
        /// The limit, in seconds.
        limit: f64,
    },
    /// A multipart batch holds more parts than the configured number (413).
    #[error("the multipart form holds more than the limit of {limit} parts")]
    TooManyParts {
        /// The limit, in parts.
        limit: usize,
    },
    /// A multipart batch's audio lasts longer, in all, than the configured duration (413, for
    /// the parts past it).
    #[error("the batch's audio lasts more than the limit of {limit} s in all")]
    BatchTooLong {
        /// The limit, in seconds.
        limit: f64,
    },
    /// The content is no audio format emovox reads, or its codec is not supported (415).
    #[error("unsupported audio: {0}")]
    UnsupportedAudio(AudioError),
    /// The audio is of a supported format but damaged, empty or unusable (400).
    #[error("bad audio: {0}")]
    BadAudio(String),
    /// The request itself is malformed: a bad query, a multipart body without files (400).
    #[error("bad request: {0}")]
    BadRequest(String),
    /// Too many requests are being served; retry after the given number of seconds (503).
    #[error("the server is busy ({in_flight} {what}); retry in {retry_after} s")]
    Busy {
        /// The limit that was reached.
        in_flight: usize,
        /// What it counts: `requests in flight`, or `streams open`.
        what: &'static str,
        /// Seconds to wait before retrying (sent as `Retry-After`).
        retry_after: u64,
    },
    /// The client sent its body too slowly or stalled (408).
    #[error("the request body was not received within {seconds} s")]
    Timeout {
        /// The body timeout, in seconds.
        seconds: f64,
    },
    /// No such route or file (404).
    #[error("not found: {0}")]
    NotFound(String),
    /// The route exists, but not with this method (405).
    #[error("{method} is not allowed on {path}")]
    MethodNotAllowed {
        /// The method of the request.
        method: String,
        /// The path of the request.
        path: String,
    },
    /// The model failed on valid input, or a worker died (500).
    #[error("internal error: {0}")]
    Internal(String),
}

/// The JSON body of an error response, and of an error message on a stream.
#[derive(Debug, Serialize)]
pub struct ErrorBody {
    /// A stable machine-readable code (`body_too_large`, `unsupported_audio`, ...).
    pub code: &'static str,
    /// What went wrong, for people.
    pub message: String,
}

impl ApiError {
    /// The HTTP status of this error.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::BodyTooLarge { .. }
            | Self::AudioTooLong { .. }
            | Self::TooManyParts { .. }
            | Self::BatchTooLong { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedAudio(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::BadAudio(_) | Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Busy { .. } => StatusCode::SERVICE_UNAVAILABLE,
            Self::Timeout { .. } => StatusCode::REQUEST_TIMEOUT,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The stable code of this error, as sent in the JSON body.
    pub fn code(&self) -> &'static str {
        match self {
            Self::BodyTooLarge { .. } => "body_too_large",
            Self::AudioTooLong { .. } => "audio_too_long",
            Self::TooManyParts { .. } => "too_many_parts",
            Self::BatchTooLong { .. } => "batch_too_long",
            Self::UnsupportedAudio(_) => "unsupported_audio",
            Self::BadAudio(_) => "bad_audio",
            Self::BadRequest(_) => "bad_request",
            Self::Busy { .. } => "busy",
            Self::Timeout { .. } => "timeout",
            Self::NotFound(_) => "not_found",
            Self::MethodNotAllowed { .. } => "method_not_allowed",
            Self::Internal(_) => "internal",
        }
    }

    /// The JSON body of this error.
    pub fn body(&self) -> ErrorBody {
        ErrorBody {
            code: self.code(),
            message: self.to_string(),
        }
    }
}

impl From<AudioError> for ApiError {
    fn from(err: AudioError) -> Self {
        match err {
            AudioError::UnsupportedFormat(_)
            | AudioError::UnsupportedCodec(_)
            | AudioError::UnsupportedEncoding(_)
            | AudioError::NotWav(_) => Self::UnsupportedAudio(err),
            AudioError::Resample(_) => Self::Internal(err.to_string()),
            other => Self::BadAudio(other.to_string()),
        }
    }
}

impl From<emovox::Error> for ApiError {
    fn from(err: emovox::Error) -> Self {
        match err {
            emovox::Error::Audio(audio) => audio.into(),
            // Features refuse clips too short for one frame: the client's audio, not the model.
            emovox::Error::Features(features) => Self::BadAudio(features.to_string()),
            // Digital silence: the client's audio holds nothing to classify.
            silent @ emovox::Error::Silent { .. } => Self::BadAudio(silent.to_string()),
            other => Self::Internal(other.to_string()),
        }
    }
}

impl From<TimelineError> for ApiError {
    fn from(err: TimelineError) -> Self {
        match err {
            TimelineError::Audio(audio) => audio.into(),
            TimelineError::Empty
            | TimelineError::NonFiniteSample { .. }
            | TimelineError::TooShort { .. } => Self::BadAudio(err.to_string()),
            TimelineError::Config(_) | TimelineError::WindowTooShort { .. } => {
                Self::BadRequest(err.to_string())
            }
            other => Self::Internal(other.to_string()),
        }
    }
}

/// The JSON envelope `{"error": {...}}`.
#[derive(Serialize)]
struct Envelope {
    error: ErrorBody,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let mut response = (status, axum::Json(Envelope { error: self.body() })).into_response();
        match self {
            Self::Busy { retry_after, .. } => {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
            }
            // The rest of the body is not read: the connection cannot carry another request.
            Self::BodyTooLarge { .. } | Self::Timeout { .. } | Self::TooManyParts { .. } => {
                response
                    .headers_mut()
                    .insert(header::CONNECTION, HeaderValue::from_static("close"));
            }
            _ => {}
        }
        response
    }
}
