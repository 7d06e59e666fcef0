//! Connections with a write timeout and a minimum read rate: a client that takes none of the
//! bytes the server sends it for the timeout (it reads nothing of a streamed timeline, of
//! WebSocket messages), or takes them slower than the minimum rate whenever the server waits
//! for it, gets its connection closed, so the response it holds up is dropped and the work
//! for it stops.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::serve::Listener;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::Sleep;

/// A [`TcpListener`] whose connections are [`TimedWrites`].
pub(crate) struct TimedListener {
    pub inner: TcpListener,
    pub write_timeout: Duration,
    /// Bytes per second a client must take at least while the server waits for it.
    pub min_read_rate: f64,
}

impl Listener for TimedListener {
    type Io = TimedWrites<TcpStream>;
    type Addr = std::net::SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        let (stream, addr) = Listener::accept(&mut self.inner).await;
        let io = TimedWrites::new(stream, self.write_timeout, self.min_read_rate);
        (io, addr)
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.inner.local_addr()
    }
}

/// A stream whose writes fail with [`io::ErrorKind::TimedOut`] once the peer has kept them
/// waiting (its receive window full) for longer than it has earned. The allowance starts at
/// `timeout`; each wait spends it, and the bytes the write ending a wait sends earn it back
/// at `min_rate` (bytes per second), up to `timeout` again. So a client that stops reading
/// is dropped after `timeout`, and one that keeps taking a few bytes now and then, slower than
/// `min_rate`, soon after. Reads are untouched.
pub(crate) struct TimedWrites<S> {
    inner: S,
    timeout: Duration,
    min_rate: f64,
    /// Waiting the peer may still cause.
    allowance: Duration,
    /// The wait in progress: when it began, and the timer that ends the allowance.
    stall: Option<(Instant, Pin<Box<Sleep>>)>,
}

impl<S> TimedWrites<S> {
    fn new(inner: S, timeout: Duration, min_rate: f64) -> Self {
        Self {
            inner,
            timeout,
            min_rate,
            allowance: timeout,
            stall: None,
        }
    }

    /// Passes a ready result on (the client takes data again; `sent` bytes of it, earning
    /// their time at the minimum rate after a wait), and fails a pending one once the
    /// allowance is spent.
    fn guard<T>(
        &mut self,
        cx: &mut Context<'_>,
        result: Poll<io::Result<T>>,
        sent: impl FnOnce(&T) -> usize,
    ) -> Poll<io::Result<T>> {
        if let Poll::Ready(ready) = &result {
            if let Some((since, _)) = self.stall.take() {
                // A rate that is not a positive number (refused by `ServerConfig::validate`,
                // possible for a program building the state itself) sets no minimum.
                let earned = match ready {
                    Ok(value) => Duration::try_from_secs_f64(sent(value) as f64 / self.min_rate)
                        .unwrap_or(self.timeout),
                    Err(_) => Duration::ZERO,
                };
                let left = self.allowance.saturating_sub(since.elapsed());
                self.allowance = (left + earned).min(self.timeout);
            }
            return result;
        }
        let allowance = self.allowance;
        let (since, timer) = self
            .stall
            .get_or_insert_with(|| (Instant::now(), Box::pin(tokio::time::sleep(allowance))));
        if timer.as_mut().poll(cx).is_ready() {
            let waited = since.elapsed().as_secs_f64();
            return Poll::Ready(Err(io::Error::new(
                io::ErrorKind::TimedOut,
                format!(
                    "the client took too little of the answer: {waited:.1} s without reading \
                     (write timeout {} s, at least {} bytes/s)",
                    self.timeout.as_secs_f64(),
                    self.min_rate
                ),
            )));
        }
        Poll::Pending
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for TimedWrites<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for TimedWrites<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let result = Pin::new(&mut self.inner).poll_write(cx, buf);
        self.guard(cx, result, |&n| n)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let result = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        self.guard(cx, result, |&n| n)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let result = Pin::new(&mut self.inner).poll_flush(cx);
        self.guard(cx, result, |_| 0)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let result = Pin::new(&mut self.inner).poll_shutdown(cx);
        self.guard(cx, result, |_| 0)
    }
}
