//! Limits on work: the bounded CPU pool, the in-flight gate, and reading a request body
//! within a size and a time limit.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use bytes::Bytes;
use http_body_util::{BodyExt, Limited};
use tokio::sync::{oneshot, OwnedSemaphorePermit};

use crate::{ApiError, AppState};

/// Seconds a refused client is told to wait (`Retry-After`).
pub const RETRY_AFTER_SECONDS: u64 = 1;

/// A job on the CPU pool.
type Job = Box<dyn FnOnce() + Send + 'static>;

/// A bounded pool for CPU work: `size` threads of its own take closures from one queue in
/// arrival order, so classification never blocks the async executor (health checks, metrics
/// and uploads stay served however long the queue).
///
/// A worker is one core: on its thread rayon (emovox's parallel views and batches, candle's
/// kernels) sees a pool of one thread, so a closure runs single-threaded, with no fan-out
/// inside. With `size` = cores, a busy server keeps every core on one request each, and a
/// request's latency is its wait in the queue plus one single-threaded service time; letting
/// each request fan out over every core instead made concurrent requests compete for the same
/// cores and stretched the tail. A worker that finishes takes the next closure itself: no
/// thread has to be woken between two requests (with a semaphore in front of tokio's blocking
/// threads, the handovers left the cores idle 13 % of the time under load).
///
/// A job whose client has gone by the time a worker takes it (its result receiver, or the
/// channel it reports through, is closed) is skipped without doing its work.
#[derive(Clone, Debug)]
pub struct CpuPool {
    jobs: mpsc::Sender<Job>,
    stats: Arc<PoolStats>,
}

/// What the pool has done, for `/metrics` and the tests.
#[derive(Debug, Default)]
struct PoolStats {
    /// Jobs queued and not yet taken by a worker.
    queued: AtomicUsize,
    /// Jobs skipped because nobody waited for them any more.
    skipped: AtomicU64,
}

impl CpuPool {
    /// A pool of `size` worker threads (at least one). A worker the OS refuses to start is
    /// logged and the pool runs with the others; with none, every job is refused.
    pub fn new(size: usize) -> Self {
        let (jobs, queue) = mpsc::channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        for index in 0..size.max(1) {
            let queue = Arc::clone(&queue);
            let started = std::thread::Builder::new()
                .name(format!("emovox-cpu-{index}"))
                .spawn(move || work_through(&queue));
            if let Err(err) = started {
                tracing::error!("cannot start CPU worker {index}: {err}");
            }
        }
        Self {
            jobs,
            stats: Arc::default(),
        }
    }

    /// Jobs waiting for a worker.
    pub fn queued(&self) -> usize {
        self.stats.queued.load(Ordering::SeqCst)
    }

    /// Jobs skipped so far because their client had gone before a worker took them.
    pub fn skipped(&self) -> u64 {
        self.stats.skipped.load(Ordering::SeqCst)
    }

    /// Queues `work` now and returns a future of its result. A closure that panics is an
    /// internal error (its worker goes on with the next). When the future is dropped before a
    /// worker takes the job (the client has gone), the job is skipped: `work` is dropped
    /// unrun, and with it whatever it holds (the request's body, its in-flight slot).
    pub fn run<T, F>(&self, work: F) -> impl Future<Output = Result<T, ApiError>> + use<T, F>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let (done, result) = oneshot::channel();
        let queued = self.queue(
            |done: &oneshot::Sender<T>| done.is_closed(),
            done,
            move |done| {
                let _ = done.send(work());
            },
        );
        async move {
            queued?;
            result
                .await
                .map_err(|_| ApiError::Internal("a worker failed: the job panicked".into()))
        }
    }

    /// Queues `work` without waiting for it, for long jobs that report through a channel of
    /// their own (a streamed timeline): `work` gets the sender `report`, and is skipped when
    /// the channel's receiver is gone before a worker takes the job.
    pub fn spawn<M: Send + 'static>(
        &self,
        report: tokio::sync::mpsc::Sender<M>,
        work: impl FnOnce(tokio::sync::mpsc::Sender<M>) + Send + 'static,
    ) -> Result<(), ApiError> {
        self.queue(|report| report.is_closed(), report, work)
    }

    /// Queues `work(input)`, unless `gone(&input)` says, when a worker takes it, that nobody
    /// waits for its result any more.
    fn queue<I: Send + 'static>(
        &self,
        gone: fn(&I) -> bool,
        input: I,
        work: impl FnOnce(I) + Send + 'static,
    ) -> Result<(), ApiError> {
        let stats = Arc::clone(&self.stats);
        let job: Job = Box::new(move || {
            stats.queued.fetch_sub(1, Ordering::SeqCst);
            if gone(&input) {
                stats.skipped.fetch_add(1, Ordering::SeqCst);
                return;
            }
            // The panic is reported by the hook; the worker survives it.
            let _ = std::panic::catch_unwind(AssertUnwindSafe(|| work(input)));
        });
        self.stats.queued.fetch_add(1, Ordering::SeqCst);
        self.jobs.send(job).map_err(|_| {
            self.stats.queued.fetch_sub(1, Ordering::SeqCst);
            ApiError::Internal("the CPU pool has no worker".into())
        })
    }
}

/// A worker's loop: the next job in arrival order, until the pool is dropped.
fn work_through(queue: &Mutex<mpsc::Receiver<Job>>) {
    // This thread becomes a rayon pool of one, so the parallel iterators inside a job run one
    // after the other on it.
    let _one_thread = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .use_current_thread()
        .build()
        .inspect_err(|err| tracing::warn!("a CPU worker uses rayon's global pool: {err}"));
    loop {
        let next = queue.lock().unwrap_or_else(PoisonError::into_inner).recv();
        match next {
            Ok(job) => job(),
            Err(_) => return, // every sender is gone
        }
    }
}

/// An in-flight slot of a classifying request (see [`in_flight_gate`]). The request's
/// response body holds it, and so does each job the request queues on the [`CpuPool`]
/// (handlers move a clone into their closures): the slot is free only once all of them are
/// done, so a client that goes away does not free its slot while its work is still queued or
/// running.
#[derive(Clone, Debug)]
pub struct InFlightSlot {
    _permit: Arc<OwnedSemaphorePermit>,
}

impl InFlightSlot {
    /// The slot [`in_flight_gate`] gave `request` (none outside the classifying routes).
    pub fn of(request: &Request) -> Option<Self> {
        request.extensions().get::<Self>().cloned()
    }
}

/// Middleware of the classifying routes: refuses a request with 503 and `Retry-After` when
/// `max_in_flight` requests are already being served, else gives it an [`InFlightSlot`] (in
/// its extensions).
pub async fn in_flight_gate(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let Ok(permit) = state.in_flight.clone().try_acquire_owned() else {
        return Err(ApiError::Busy {
            in_flight: state.config.max_in_flight,
            what: "requests in flight",
            retry_after: RETRY_AFTER_SECONDS,
        });
    };
    let slot = InFlightSlot {
        _permit: Arc::new(permit),
    };
    request.extensions_mut().insert(slot.clone());
    let response = next.run(request).await;
    // A streamed response keeps its slot until its body is done.
    let (parts, body) = response.into_parts();
    let body = Body::new(GuardedBody { body, _slot: slot });
    Ok(Response::from_parts(parts, body))
}

/// A response body that holds an in-flight slot until it is dropped.
struct GuardedBody {
    body: Body,
    _slot: InFlightSlot,
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

/// Refuses a body whose declared length (`Content-Length`) is more than twice `limit` bytes
/// (413), before reading any of it: no honest upload is that far over, and a client lying
/// about its length would otherwise hold the request until the body timeout. A body declared
/// over `limit` but within twice it is read up to `limit` and then refused, so that a client
/// that writes its whole body before reading (most do) has sent nearly all of it and reads its
/// 413; refused at once, it may meet a connection error instead (the `load` example's mixed
/// run, 33 MiB bodies against the 32 MiB default among 16 clients' good requests: 1,166 of about 1,375
/// refused at once were connection errors, 23 of about 990 read up to the limit; alone, a
/// client reads its 413 either way).
pub fn check_declared_length(body: &Body, limit: usize) -> Result<(), ApiError> {
    let declared = http_body::Body::size_hint(body).lower();
    if declared > (limit as u64).saturating_mul(2) {
        return Err(ApiError::BodyTooLarge { limit });
    }
    Ok(())
}

/// Reads a whole request body, refusing more than `limit` bytes (413: at once when its
/// declared length is more than twice that, see [`check_declared_length`]) and a client that
/// takes longer than `timeout` to send it (408).
pub async fn read_body(body: Body, limit: usize, timeout: Duration) -> Result<Bytes, ApiError> {
    check_declared_length(&body, limit)?;
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
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test]
    async fn the_pool_runs_each_closure_on_one_thread() {
        // Outside the pool rayon sees its global pool of two threads or more (two, unless
        // something built it first), so the test can fail.
        let _ = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build_global();
        assert!(rayon::current_num_threads() >= 2);
        let pool = CpuPool::new(2);
        let threads = pool.run(rayon::current_num_threads).await.unwrap();
        assert_eq!(threads, 1);
    }

    #[tokio::test]
    async fn jobs_run_in_arrival_order() {
        let pool = CpuPool::new(1);
        let order = Arc::new(Mutex::new(Vec::new()));
        let jobs: Vec<_> = (0..8)
            .map(|i| {
                let order = order.clone();
                pool.run(move || order.lock().unwrap().push(i))
            })
            .collect();
        // Awaited last first: the order is the queue's, not the awaiting's.
        for job in jobs.into_iter().rev() {
            job.await.unwrap();
        }
        assert_eq!(*order.lock().unwrap(), (0..8).collect::<Vec<_>>());
    }

    #[tokio::test]
    async fn at_most_size_jobs_run_at_once() {
        let pool = CpuPool::new(2);
        let running = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let jobs: Vec<_> = (0..8)
            .map(|_| {
                let (running, most) = (running.clone(), most.clone());
                pool.run(move || {
                    let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                    most.fetch_max(now, Ordering::SeqCst);
                    std::thread::sleep(Duration::from_millis(20));
                    running.fetch_sub(1, Ordering::SeqCst);
                })
            })
            .collect();
        for job in jobs {
            job.await.unwrap();
        }
        assert_eq!(most.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn a_panicking_job_is_an_error_and_the_worker_goes_on() {
        let pool = CpuPool::new(1);
        let failed = pool.run(|| panic!("a bug in a job")).await;
        assert!(matches!(failed, Err(ApiError::Internal(_))), "{failed:?}");
        assert_eq!(pool.run(|| 42).await.unwrap(), 42);
    }
}
