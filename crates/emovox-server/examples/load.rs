//! A bounded load generator for `emovox-server` on loopback: `--clients` concurrent clients
//! POST a clip to `/v1/predict` back to back for `--seconds`, and one JSON line reports
//! throughput, latency percentiles, statuses and the server's peak memory.
//!
//! ```sh
//! cargo run --release -p emovox-server &          # the server, on 127.0.0.1:8080
//! cargo run --release -p emovox-server --example load -- --clients 16 --seconds 30 \
//!     --server-pid $(pgrep -n emovox-server)
//! # Mixed: every 3rd request of each client is bad (not audio, truncated, too large).
//! cargo run --release -p emovox-server --example load -- --clients 16 --seconds 30 --bad-every 3
//! ```
//!
//! Good requests must all answer 200; bad ones must all answer their 4xx (415, 400, 413).
//! The exit code is 1 when any good request failed or any bad one got another status.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use clap::Parser;
use serde_json::json;

/// Load-test `/v1/predict`.
#[derive(Parser, Debug)]
struct Args {
    /// The server's base URL.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    url: String,
    /// The clip every good request posts.
    #[arg(long, default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/clip4s.wav"))]
    clip: PathBuf,
    /// Concurrent clients (each sends its next request when the last is answered).
    #[arg(long, default_value_t = 16)]
    clients: usize,
    /// Duration of the run, in seconds.
    #[arg(long, default_value_t = 30.0)]
    seconds: f64,
    /// Make every Nth request of each client a bad one (cycling: text, truncated WAV, a
    /// body over 32 MiB); none when omitted.
    #[arg(long)]
    bad_every: Option<usize>,
    /// PID of the server, to report its peak resident memory (VmHWM, Linux).
    #[arg(long)]
    server_pid: Option<u32>,
}

/// One kind of request and the status it must get.
#[derive(Clone, Copy, Debug)]
enum Kind {
    Good,
    NotAudio,
    Truncated,
    TooLarge,
}

impl Kind {
    fn expected(self) -> u16 {
        match self {
            Kind::Good => 200,
            Kind::NotAudio => 415,
            Kind::Truncated => 400,
            Kind::TooLarge => 413,
        }
    }
}

struct Sample {
    kind: Kind,
    status: Option<u16>,
    seconds: f64,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::process::ExitCode {
    let args = Args::parse();
    let clip = bytes::Bytes::from(std::fs::read(&args.clip).expect("the clip"));
    let truncated = clip.slice(..clip.len() / 3);
    let too_large = bytes::Bytes::from(vec![0u8; 33 * 1024 * 1024]);
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(args.clients)
        .build()
        .unwrap();
    let url = format!("{}/v1/predict", args.url.trim_end_matches('/'));
    let deadline = Instant::now() + Duration::from_secs_f64(args.seconds);
    let started = Instant::now();
    let tasks: Vec<_> = (0..args.clients)
        .map(|c| {
            let (client, url) = (client.clone(), url.clone());
            let (clip, truncated, too_large) = (clip.clone(), truncated.clone(), too_large.clone());
            let bad_every = args.bad_every;
            tokio::spawn(async move {
                let mut samples = Vec::new();
                let mut n = 0usize;
                while Instant::now() < deadline {
                    n += 1;
                    let kind = match bad_every {
                        Some(every) if every > 0 && n.is_multiple_of(every) => {
                            [Kind::NotAudio, Kind::Truncated, Kind::TooLarge][(n / every + c) % 3]
                        }
                        _ => Kind::Good,
                    };
                    let body = match kind {
                        Kind::Good => clip.clone(),
                        Kind::NotAudio => bytes::Bytes::from_static(b"this is not audio"),
                        Kind::Truncated => truncated.clone(),
                        Kind::TooLarge => too_large.clone(),
                    };
                    let t = Instant::now();
                    let status = match client.post(&url).body(body).send().await {
                        Ok(response) => {
                            let status = response.status().as_u16();
                            let _ = response.bytes().await;
                            Some(status)
                        }
                        Err(_) => None,
                    };
                    samples.push(Sample {
                        kind,
                        status,
                        seconds: t.elapsed().as_secs_f64(),
                    });
                }
                samples
            })
        })
        .collect();
    let mut samples = Vec::new();
    for task in tasks {
        samples.extend(task.await.unwrap());
    }
    let wall = started.elapsed().as_secs_f64();
    let mut good: Vec<f64> = samples
        .iter()
        .filter(|s| matches!(s.kind, Kind::Good) && s.status == Some(200))
        .map(|s| s.seconds)
        .collect();
    good.sort_by(f64::total_cmp);
    let good_failed = samples
        .iter()
        .filter(|s| matches!(s.kind, Kind::Good) && s.status != Some(200))
        .count();
    let bad: Vec<&Sample> = samples
        .iter()
        .filter(|s| !matches!(s.kind, Kind::Good))
        .collect();
    let bad_wrong = bad
        .iter()
        .filter(|s| s.status != Some(s.kind.expected()))
        .count();
    let mut failures = std::collections::BTreeMap::<String, usize>::new();
    for s in samples
        .iter()
        .filter(|s| s.status != Some(s.kind.expected()))
    {
        let status = s
            .status
            .map_or("connection error".into(), |c| c.to_string());
        *failures
            .entry(format!("{:?}: {status}", s.kind))
            .or_default() += 1;
    }
    let percentile = |q: f64| {
        good.get(((good.len() as f64 - 1.0) * q).round() as usize)
            .copied()
            .unwrap_or(f64::NAN)
    };
    let peak_rss_mb = args.server_pid.and_then(peak_rss_mb);
    println!(
        "{}",
        json!({
            "clients": args.clients,
            "seconds": wall,
            "good_ok": good.len(),
            "good_failed": good_failed,
            "clips_per_second": good.len() as f64 / wall,
            "p50_ms": percentile(0.5) * 1e3,
            "p99_ms": percentile(0.99) * 1e3,
            "max_ms": good.last().map(|s| s * 1e3),
            "bad_sent": bad.len(),
            "bad_with_wrong_status": bad_wrong,
            "failures": failures,
            "server_peak_rss_mb": peak_rss_mb,
        })
    );
    if good_failed > 0 || bad_wrong > 0 {
        std::process::ExitCode::FAILURE
    } else {
        std::process::ExitCode::SUCCESS
    }
}

/// VmHWM of a process, in MB.
fn peak_rss_mb(pid: u32) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}
