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
///
/// A slot is one core: a closure runs single-threaded ([`on_one_thread`]), with no rayon
/// fan-out inside, and waiting closures get a slot in arrival order (tokio's semaphore is
/// fair). With `size` = cores, a busy server keeps every core on one request each and a
/// request's latency is its wait in the queue plus one single-threaded service time; letting
/// each request fan out over every core instead made concurrent requests compete for the same
/// cores and stretched the tail.
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

    /// Waits for a free slot, then runs `work` single-threaded on a blocking thread and returns
    /// its result.
    pub async fn run<T, F>(&self, work: F) -> Result<T, ApiError>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let permit = self.slot().await?;
        tokio::task::spawn_blocking(move || {
            let result = on_one_thread(work);
            drop(permit);
            result
        })
        .await
        .map_err(|e| ApiError::Internal(format!("a worker failed: {e}")))
    }

    /// Waits for a free slot; the slot is held until the permit is dropped (for long jobs
    /// that run on a thread of their own, such as a streamed timeline, which should run
    /// their work [`on_one_thread`] as well).
    pub async fn slot(&self) -> Result<OwnedSemaphorePermit, ApiError> {
        self.permits
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| ApiError::Internal("the CPU pool is closed".into()))
    }
}

thread_local! {
    /// The calling thread's own one-thread rayon pool (built on first use).
    static ONE_THREAD: Option<rayon::ThreadPool> =
        rayon::ThreadPoolBuilder::new().num_threads(1).build().ok();
}

/// Runs `work` with rayon (emovox's parallel views and batches, candle's kernels) limited to
/// one thread: the parallel iterators inside run one after the other on a one-thread pool of
/// the calling thread's own. Falls back to running `work` as is when that pool cannot be built
/// (the OS refused a thread).
pub fn on_one_thread<T, F>(work: F) -> T
where
    F: FnOnce() -> T + Send,
    T: Send,
{
    ONE_THREAD.with(|pool| match pool {
        Some(pool) => pool.install(work),
        None => work(),
    })
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn work_on_one_thread_sees_a_one_thread_rayon_pool() {
        // The global pool has at least two threads here, so the test can fail.
        let global = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap();
        assert_eq!(global.install(rayon::current_num_threads), 2);
        assert_eq!(
            global.install(|| on_one_thread(rayon::current_num_threads)),
            1
        );
        assert_eq!(on_one_thread(rayon::current_num_threads), 1);
    }

    #[tokio::test]
    async fn the_pool_runs_each_closure_on_one_thread() {
        let pool = CpuPool::new(2);
        let threads = pool.run(rayon::current_num_threads).await.unwrap();
        assert_eq!(threads, 1);
    }
}
