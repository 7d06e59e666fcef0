//! [`ServerConfig`]: where the service listens, which model it serves and its limits; a serde
//! type and the command line of the `emovox-server` binary at once.

use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// The longest timeout [`ServerConfig`] accepts, in seconds (a year).
pub const MAX_TIMEOUT_SECONDS: f64 = 365.0 * 86_400.0;
/// The most slots (in flight, streams), workers or parts [`ServerConfig`] accepts.
pub const MAX_COUNT: usize = 1_000_000;

/// A setting of [`ServerConfig`] out of its range, named as on the command line.
#[derive(Debug, Clone, PartialEq, Error)]
#[error("--{option} {value}: {expected}")]
pub struct ConfigError {
    /// The option (`body-timeout-seconds`, ...).
    pub option: &'static str,
    /// The value given.
    pub value: String,
    /// What the option accepts.
    pub expected: String,
}

/// Settings of the service. Every limit is enforced with a typed JSON error (see
/// [`crate::ApiError`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, clap::Args)]
#[serde(default)]
pub struct ServerConfig {
    /// Address to bind (loopback unless told otherwise).
    #[arg(long, default_value = "127.0.0.1")]
    pub bind: IpAddr,
    /// TCP port (0: any free port, printed at start).
    #[arg(long, default_value_t = 8080)]
    pub port: u16,
    /// Model file (safetensors); the bundled model when omitted.
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// Largest request body accepted, in bytes (413 above).
    #[arg(long, default_value_t = 32 * 1024 * 1024)]
    pub max_body_bytes: usize,
    /// Longest clip `/v1/predict` classifies, in seconds (413 above).
    #[arg(long, default_value_t = 60.0)]
    pub max_clip_seconds: f64,
    /// Most files a multipart `/v1/predict` batch may hold (413 `too_many_parts` above).
    #[arg(long, default_value_t = 16)]
    pub max_parts: usize,
    /// Most seconds of audio a multipart `/v1/predict` batch may hold in all (the parts past
    /// it are refused with 413 `batch_too_long`).
    #[arg(long, default_value_t = 300.0)]
    pub max_batch_seconds: f64,
    /// Longest recording `/v1/timeline` accepts, in seconds (an error line past it); a longer
    /// `window` or `hop` is refused with 400.
    #[arg(long, default_value_t = 3600.0)]
    pub max_timeline_seconds: f64,
    /// Requests to `/v1/predict` and `/v1/timeline` served at once; more get 503 + Retry-After.
    #[arg(long, default_value_t = 64)]
    pub max_in_flight: usize,
    /// Threads classifying at once (the CPU pool); the number of cores when omitted.
    #[arg(long)]
    pub workers: Option<usize>,
    /// Seconds a client may take to send its whole request body (408 past it).
    #[arg(long, default_value_t = 30.0)]
    pub body_timeout_seconds: f64,
    /// Seconds a client may leave the server's answer unread (a timeline's lines, a stream's
    /// messages) before its connection is closed and the work for it stopped.
    #[arg(long, default_value_t = 15.0)]
    pub write_timeout_seconds: f64,
    /// The slowest a client may take the server's answer, in bytes per second, whenever the
    /// server waits for it (its receive window full): each wait spends the write timeout's
    /// allowance, and the bytes the client then takes earn it back at this rate. A client that
    /// takes a few bytes now and then, never stalling a write for the write timeout, would
    /// otherwise hold a streamed timeline's CPU worker as long as it likes; at 1 KiB/s a
    /// 1-hour timeline's lines (about 1 MB) take under 20 minutes.
    #[arg(long, default_value_t = 1_024.0)]
    pub min_read_bytes_per_second: f64,
    /// WebSocket streams served at once; more get 503 + Retry-After.
    #[arg(long, default_value_t = 8)]
    pub max_streams: usize,
    /// Seconds a WebSocket stream may stay silent (no frame) before it is closed.
    #[arg(long, default_value_t = 30.0)]
    pub stream_idle_seconds: f64,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            bind: IpAddr::from([127, 0, 0, 1]),
            port: 8080,
            model: None,
            max_body_bytes: 32 * 1024 * 1024,
            max_clip_seconds: 60.0,
            max_parts: 16,
            max_batch_seconds: 300.0,
            max_timeline_seconds: 3600.0,
            max_in_flight: 64,
            workers: None,
            body_timeout_seconds: 30.0,
            write_timeout_seconds: 15.0,
            min_read_bytes_per_second: 1_024.0,
            max_streams: 8,
            stream_idle_seconds: 30.0,
        }
    }
}

impl ServerConfig {
    /// Checks every limit: durations positive and finite (timeouts at most
    /// [`MAX_TIMEOUT_SECONDS`]), sizes and counts at least 1 (slots, workers and parts at most
    /// [`MAX_COUNT`]). The binary refuses to start on an error.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let limits = [
            ("max-clip-seconds", self.max_clip_seconds, f64::MAX),
            ("max-batch-seconds", self.max_batch_seconds, f64::MAX),
            ("max-timeline-seconds", self.max_timeline_seconds, f64::MAX),
            (
                "body-timeout-seconds",
                self.body_timeout_seconds,
                MAX_TIMEOUT_SECONDS,
            ),
            (
                "write-timeout-seconds",
                self.write_timeout_seconds,
                MAX_TIMEOUT_SECONDS,
            ),
            (
                "stream-idle-seconds",
                self.stream_idle_seconds,
                MAX_TIMEOUT_SECONDS,
            ),
        ];
        for (option, value, most) in limits {
            if !(value.is_finite() && value > 0.0 && value <= most) {
                return Err(ConfigError {
                    option,
                    value: value.to_string(),
                    expected: if most == f64::MAX {
                        "a positive finite number of seconds".to_string()
                    } else {
                        format!("a positive finite number of seconds, at most {most}")
                    },
                });
            }
        }
        let rate = self.min_read_bytes_per_second;
        if !(rate.is_finite() && rate > 0.0) {
            return Err(ConfigError {
                option: "min-read-bytes-per-second",
                value: rate.to_string(),
                expected: "a positive finite number of bytes per second".to_string(),
            });
        }
        let counts = [
            ("max-body-bytes", self.max_body_bytes, usize::MAX),
            ("max-in-flight", self.max_in_flight, MAX_COUNT),
            ("max-streams", self.max_streams, MAX_COUNT),
            ("max-parts", self.max_parts, MAX_COUNT),
            ("workers", self.workers.unwrap_or(1), MAX_COUNT),
        ];
        for (option, value, most) in counts {
            if !(1..=most).contains(&value) {
                return Err(ConfigError {
                    option,
                    value: value.to_string(),
                    expected: format!("a whole number from 1 to {most}"),
                });
            }
        }
        Ok(())
    }

    /// The size of the CPU pool: [`ServerConfig::workers`], or the number of cores.
    pub fn worker_count(&self) -> usize {
        self.workers
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()))
            .max(1)
    }

    /// [`ServerConfig::body_timeout_seconds`] as a duration.
    pub fn body_timeout(&self) -> Duration {
        timeout(self.body_timeout_seconds)
    }

    /// [`ServerConfig::write_timeout_seconds`] as a duration.
    pub fn write_timeout(&self) -> Duration {
        timeout(self.write_timeout_seconds)
    }

    /// [`ServerConfig::stream_idle_seconds`] as a duration.
    pub fn stream_idle(&self) -> Duration {
        timeout(self.stream_idle_seconds)
    }
}

/// `seconds` as a duration, within 0..=[`MAX_TIMEOUT_SECONDS`] (NaN: 0) even when the
/// configuration was not validated, so no value can panic.
fn timeout(seconds: f64) -> Duration {
    let seconds = if seconds.is_nan() { 0.0 } else { seconds };
    Duration::from_secs_f64(seconds.clamp(0.0, MAX_TIMEOUT_SECONDS))
}
