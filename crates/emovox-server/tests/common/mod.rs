//! Shared by the integration tests: a real server on an ephemeral loopback port, fixtures.

#![allow(dead_code)] // each test binary uses part of this module

pub mod ws;

use std::net::SocketAddr;
use std::path::PathBuf;

use emovox::Classifier;
use emovox_server::{serve, AppState, ServerConfig};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// A plain HTTP client.
pub fn client() -> reqwest::Client {
    reqwest::Client::new()
}

/// The body of the answer to `request`, as text.
pub async fn text_of(request: reqwest::RequestBuilder) -> String {
    request.send().await.unwrap().text().await.unwrap()
}

/// The text of `server`'s `/metrics`.
pub async fn metrics_text(server: &TestServer) -> String {
    text_of(client().get(server.url("/metrics"))).await
}

/// A server running in this process on 127.0.0.1 with an ephemeral port.
pub struct TestServer {
    pub addr: SocketAddr,
    pub state: AppState,
    shutdown: Option<oneshot::Sender<()>>,
    handle: Option<JoinHandle<std::io::Result<()>>>,
}

impl TestServer {
    /// Starts the bundled model with `config` (its bind address and port are ignored).
    pub async fn start(config: ServerConfig) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        Self::start_on(listener, config).await
    }

    /// Starts the bundled model with `config` on a listener whose connections have a send
    /// buffer of a few kilobytes (accepted sockets inherit it), so a client that does not read
    /// blocks the server's writes after a few kilobytes rather than megabytes.
    pub async fn start_with_small_send_buffers(config: ServerConfig) -> Self {
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.set_send_buffer_size(4_096).unwrap();
        socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
        Self::start_on(socket.listen(64).unwrap(), config).await
    }

    async fn start_on(listener: tokio::net::TcpListener, config: ServerConfig) -> Self {
        let state = AppState::new(
            Classifier::bundled().unwrap(),
            emovox_server::BUNDLED_ID,
            config,
        );
        let addr = listener.local_addr().unwrap();
        let (tx, rx) = oneshot::channel::<()>();
        let handle = tokio::spawn(serve(listener, state.clone(), async move {
            let _ = rx.await;
        }));
        Self {
            addr,
            state,
            shutdown: Some(tx),
            handle: Some(handle),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub fn ws_url(&self, path: &str) -> String {
        format!("ws://{}{path}", self.addr)
    }

    /// Graceful shutdown; returns once the server has stopped.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(handle) = self.handle.take() {
            handle.await.unwrap().unwrap();
        }
    }
}

/// The repository's root.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A committed espeak-ng speech fixture (16 kHz WAV).
pub fn speech(name: &str) -> PathBuf {
    repo().join("tests/fixtures/speech").join(name)
}

/// A committed compressed fixture of emovox-audio's tests (FLAC, MP3, OGG, Opus, M4A).
pub fn formats(name: &str) -> PathBuf {
    repo()
        .join("crates/emovox-audio/tests/fixtures/formats")
        .join(name)
}

/// The samples of a WAV file, mono.
pub fn samples(path: &std::path::Path) -> (Vec<f32>, u32) {
    let audio = emovox::audio::read_wav(path).unwrap();
    (audio.samples, audio.sample_rate)
}

/// `samples` at `rate` Hz as a 16-bit mono WAV file in memory.
pub fn wav_bytes(samples: &[f32], rate: u32) -> Vec<u8> {
    multichannel_wav(&[samples], rate)
}

/// A 16-bit WAV of equally long `channels` (interleaved frame by frame) at `rate` Hz.
pub fn multichannel_wav(channels: &[&[f32]], rate: u32) -> Vec<u8> {
    let mut out = Vec::new();
    let spec = hound::WavSpec {
        channels: channels.len() as u16,
        sample_rate: rate,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut writer = hound::WavWriter::new(std::io::Cursor::new(&mut out), spec).unwrap();
    for frame in 0..channels[0].len() {
        for channel in channels {
            writer
                .write_sample((channel[frame].clamp(-1.0, 1.0) * 32_767.0) as i16)
                .unwrap();
        }
    }
    writer.finalize().unwrap();
    out
}

/// The speech fixtures with pauses between them, repeated to at least `seconds` (16 kHz).
pub fn long_speech(seconds: f64) -> Vec<f32> {
    let (a, _) = samples(&speech("kids_talking.wav"));
    let (b, _) = samples(&speech("dogs_sitting.wav"));
    let pause = vec![0.0f32; 8_000];
    let mut out = Vec::new();
    while (out.len() as f64) < seconds * 16_000.0 {
        out.extend_from_slice(&a);
        out.extend_from_slice(&pause);
        out.extend_from_slice(&b);
        out.extend_from_slice(&pause);
    }
    out
}

/// The `{"error": {"code": ...}}` code of a JSON error body.
pub fn error_code(body: &serde_json::Value) -> &str {
    body["error"]["code"].as_str().unwrap_or("<no code>")
}
