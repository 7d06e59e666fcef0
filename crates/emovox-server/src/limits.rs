//! Limits on work: the bounded CPU pool, the in-flight gate, and reading a request body
//! within a size and a time limit.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use bytes::Bytes;
use http_body_util::{BodyExt, Limited};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::{ApiError, AppState};

/// Seconds a refused client is told to wait (`Retry-After`).
pub const RETRY_AFTER_SECONDS: u64 = 1;

/// A bounded pool for CPU work: at most `size` closures run at once, each on tokio's blocking
/// threads, so classification never blocks the async executor (health checks, metrics and
/// uploads stay served however long the queue).
#[derive(Clone, Debug)]
pub struct CpuPool {
    permits: Arc<Semaphore>,
}

impl CpuPool {
    /// A pool running at most `size` closures at once.
    pub fn new(size: usize) -> Self {
        Self {
            permits: Arc::new(Semaphore::new(size.max(1))),
        }
    }

    /// Waits for a free slot, then runs `work` on a blocking thread and returns its result.
    pub async fn run<T, F>(&self, work: F) -> Result<T, ApiError>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let permit = self.slot().await?;
        tokio::task::spawn_blocking(move || {
            let result = work();
            drop(permit);
            result
        })
        .await
        .map_err(|e| ApiError::Internal(format!("a worker failed: {e}")))
    }

    /// Waits for a free slot; the slot is held until the permit is dropped (for long jobs
    /// that run on a thread of their own, such as a streamed timeline).
    pub async fn slot(&self) -> Result<OwnedSemaphorePermit, ApiError> {
        self.permits
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| ApiError::Internal("the CPU pool is closed".into()))
    }
}

/// Middleware of the classifying routes: refuses a request with 503 and `Retry-After` when
/// `max_in_flight` requests are already being served.
pub async fn in_flight_gate(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let Ok(permit) = state.in_flight.clone().try_acquire_owned() else {
        return Err(ApiError::Busy {
            in_flight: state.config.max_in_flight,
            retry_after: RETRY_AFTER_SECONDS,
        });
    };
    let response = next.run(request).await;
    // A streamed response keeps its slot until its body is done.
    let (parts, body) = response.into_parts();
    let body = Body::new(GuardedBody {
        body,
        _permit: permit,
    });
    Ok(Response::from_parts(parts, body))
}

/// A response body that holds an in-flight slot until it is dropped.
struct GuardedBody {
    body: Body,
    _permit: OwnedSemaphorePermit,
}

impl http_body::Body for GuardedBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        std::pin::Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.body.size_hint()
    }
}

/// Reads a whole request body, refusing more than `limit` bytes (413) and a client that takes
/// longer than `timeout` to send it (408).
pub async fn read_body(body: Body, limit: usize, timeout: Duration) -> Result<Bytes, ApiError> {
    let collect = Limited::new(body, limit).collect();
    match tokio::time::timeout(timeout, collect).await {
        Err(_) => Err(ApiError::Timeout {
            seconds: timeout.as_secs_f64(),
        }),
        Ok(Err(err)) if err.is::<http_body_util::LengthLimitError>() => {
            Err(ApiError::BodyTooLarge { limit })
        }
        Ok(Err(err)) => Err(ApiError::BadRequest(format!("cannot read the body: {err}"))),
        Ok(Ok(collected)) => Ok(collected.to_bytes()),
    }
}
