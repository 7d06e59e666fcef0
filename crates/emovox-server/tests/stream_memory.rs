//! Memory per WebSocket stream does not grow with the stream's length (its own test binary,
//! so no other test allocates in the process meanwhile).

mod common;

use common::{long_speech, TestServer};
use emovox_server::ServerConfig;
use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use tokio_tungstenite::tungstenite::Message;

/// Resident memory of this process, in bytes (Linux).
fn rss() -> usize {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
    line.split_whitespace()
        .nth(1)
        .unwrap()
        .parse::<usize>()
        .unwrap()
        * 1024
}

/// Streams `seconds` of speech at 48 kHz as fast as the server takes it; returns the done
/// message.
async fn stream(server: &TestServer, speech: &[f32], seconds: f64) -> Value {
    let (socket, _) = tokio_tungstenite::connect_async(server.ws_url("/v1/stream?rate=48000"))
        .await
        .unwrap();
    let (mut sink, mut source) = socket.split();
    let total = (seconds * 48_000.0) as usize;
    let bytes: Vec<u8> = speech.iter().flat_map(|s| s.to_le_bytes()).collect();
    let chunk_bytes = 4_800 * 4;
    let sender = tokio::spawn(async move {
        let mut sent = 0;
        while sent < total {
            for chunk in bytes.chunks(chunk_bytes) {
                sink.send(Message::Binary(chunk.to_vec().into()))
                    .await
                    .unwrap();
                sent += chunk.len() / 4;
            }
        }
        sink.send(Message::Text("end".into())).await.unwrap();
    });
    let mut done = Value::Null;
    while let Some(Ok(message)) = source.next().await {
        if let Message::Text(text) = message {
            let value: Value = serde_json::from_str(&text).unwrap();
            if value["type"] == "done" {
                done = value;
            }
        }
    }
    sender.await.unwrap();
    done
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_per_stream_does_not_grow_with_its_length() {
    let server = TestServer::start(ServerConfig::default()).await;
    let speech = emovox::audio::resample(&long_speech(10.0), 16_000, 48_000).unwrap();
    let short = stream(&server, &speech, 20.0).await;
    let before = rss();
    let long = stream(&server, &speech, 300.0).await;
    let after = rss();
    assert_eq!(short["type"], "done");
    assert_eq!(long["type"], "done");
    assert!(long["duration"].as_f64().unwrap() >= 299.0);
    // The stream's window buffer is the same size after 20 s and after 300 s.
    assert_eq!(short["buffer_samples"], long["buffer_samples"]);
    // 300 s at 48 kHz is 57.6 MB of float samples sent; the process grows by far less.
    let grown = after.saturating_sub(before);
    eprintln!(
        "RSS grew by {:.1} MB over a 300 s stream",
        grown as f64 / 1e6
    );
    assert!(grown < 12_000_000, "RSS grew by {grown} bytes");
    server.stop().await;
}
