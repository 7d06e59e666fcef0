//! Request metrics in the Prometheus text format (`GET /metrics`), and the middleware that
//! records them and logs one line per request.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::time::Instant;

use axum::extract::{Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::Response;

use crate::limits::CpuPool;
use crate::AppState;

/// Upper bounds (seconds) of the latency histogram's buckets.
const BUCKETS: [f64; 12] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// Counters and histograms of the service.
#[derive(Debug, Default)]
pub struct Metrics {
    inner: Mutex<Counters>,
}

#[derive(Debug, Default)]
struct Counters {
    /// Requests by (route, method, status).
    requests: BTreeMap<(String, String, u16), u64>,
    /// Latency histogram by route.
    latency: BTreeMap<String, Histogram>,
    /// Seconds of audio classified, by route.
    audio_seconds: BTreeMap<&'static str, f64>,
    /// Windows sent on WebSocket streams.
    stream_windows: u64,
}

#[derive(Debug, Default)]
struct Histogram {
    /// Cumulative counts, one per bucket of [`BUCKETS`].
    buckets: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

impl Metrics {
    fn counters(&self) -> std::sync::MutexGuard<'_, Counters> {
        // A panic while holding the lock cannot leave counters inconsistent enough to matter.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Records one finished request.
    pub fn record_request(&self, route: &str, method: &str, status: u16, seconds: f64) {
        let mut c = self.counters();
        *c.requests
            .entry((route.to_string(), method.to_string(), status))
            .or_default() += 1;
        let h = c.latency.entry(route.to_string()).or_default();
        for (bucket, bound) in h.buckets.iter_mut().zip(BUCKETS) {
            if seconds <= bound {
                *bucket += 1;
            }
        }
        h.count += 1;
        h.sum += seconds;
    }

    /// Adds `seconds` of audio classified by `route`.
    pub fn record_audio(&self, route: &'static str, seconds: f64) {
        *self.counters().audio_seconds.entry(route).or_default() += seconds;
    }

    /// Counts one window sent on a WebSocket stream.
    pub fn record_stream_window(&self) {
        self.counters().stream_windows += 1;
    }

    /// The Prometheus text exposition, with the gauges given and the CPU pool's queue.
    pub fn render(&self, in_flight: usize, streams: usize, cpu: &CpuPool) -> String {
        let c = self.counters();
        let mut out = String::new();
        out.push_str("# HELP emovox_http_requests_total HTTP requests served, by route, method and status.\n");
        out.push_str("# TYPE emovox_http_requests_total counter\n");
        for ((route, method, status), n) in &c.requests {
            let _ = writeln!(
                out,
                "emovox_http_requests_total{{route=\"{route}\",method=\"{method}\",status=\"{status}\"}} {n}"
            );
        }
        out.push_str(
            "# HELP emovox_http_request_duration_seconds Time to the response head, by route.\n",
        );
        out.push_str("# TYPE emovox_http_request_duration_seconds histogram\n");
        for (route, h) in &c.latency {
            for (bound, n) in BUCKETS.iter().zip(h.buckets) {
                let _ = writeln!(
                    out,
                    "emovox_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{bound}\"}} {n}"
                );
            }
            let (count, sum) = (h.count, h.sum);
            let _ = writeln!(
                out,
                "emovox_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {count}"
            );
            let _ = writeln!(
                out,
                "emovox_http_request_duration_seconds_sum{{route=\"{route}\"}} {sum}"
            );
            let _ = writeln!(
                out,
                "emovox_http_request_duration_seconds_count{{route=\"{route}\"}} {count}"
            );
        }
        out.push_str("# HELP emovox_audio_seconds_total Seconds of audio classified, by route.\n");
        out.push_str("# TYPE emovox_audio_seconds_total counter\n");
        for (route, seconds) in &c.audio_seconds {
            let _ = writeln!(
                out,
                "emovox_audio_seconds_total{{route=\"{route}\"}} {seconds}"
            );
        }
        out.push_str("# HELP emovox_stream_windows_total Windows sent on WebSocket streams.\n");
        out.push_str("# TYPE emovox_stream_windows_total counter\n");
        let _ = writeln!(out, "emovox_stream_windows_total {}", c.stream_windows);
        render_gauges(&mut out, in_flight, streams, cpu);
        out
    }
}

/// The gauges of the exposition (and the CPU pool's counter of skipped jobs).
fn render_gauges(out: &mut String, in_flight: usize, streams: usize, cpu: &CpuPool) {
    out.push_str("# HELP emovox_http_in_flight Classifying requests being served.\n");
    out.push_str("# TYPE emovox_http_in_flight gauge\n");
    let _ = writeln!(out, "emovox_http_in_flight {in_flight}");
    out.push_str("# HELP emovox_streams_active Open WebSocket streams.\n");
    out.push_str("# TYPE emovox_streams_active gauge\n");
    let _ = writeln!(out, "emovox_streams_active {streams}");
    out.push_str("# HELP emovox_cpu_jobs_queued Jobs waiting for a CPU worker.\n");
    out.push_str("# TYPE emovox_cpu_jobs_queued gauge\n");
    let _ = writeln!(out, "emovox_cpu_jobs_queued {}", cpu.queued());
    out.push_str(
        "# HELP emovox_cpu_jobs_skipped_total Queued jobs skipped because their client had gone.\n",
    );
    out.push_str("# TYPE emovox_cpu_jobs_skipped_total counter\n");
    let _ = writeln!(out, "emovox_cpu_jobs_skipped_total {}", cpu.skipped());
}

/// `method` as a metrics label: the standard methods by name, any other as `other`, so a
/// client cannot add series by inventing methods.
pub fn method_label(method: &Method) -> &'static str {
    [
        Method::GET,
        Method::HEAD,
        Method::POST,
        Method::PUT,
        Method::DELETE,
        Method::CONNECT,
        Method::OPTIONS,
        Method::TRACE,
        Method::PATCH,
    ]
    .iter()
    .find(|standard| *standard == method)
    .map_or("other", |standard| standard.as_str())
}

/// Middleware of every route: times the request to its response head, counts it, and logs
/// one line (method, path, status, milliseconds).
pub async fn observe(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().to_string();
    let method_label = method_label(request.method());
    let path = request.uri().path().to_string();
    let route = crate::app::route_label(&path);
    let response = next.run(request).await;
    let seconds = started.elapsed().as_secs_f64();
    let status = response.status().as_u16();
    state
        .metrics
        .record_request(route, method_label, status, seconds);
    tracing::info!(
        target: "emovox_server::request",
        "{method} {path} {status} {:.1} ms",
        seconds * 1e3
    );
    response
}
