//! WebSocket client helpers of the stream tests.

use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use tokio_tungstenite::tungstenite::Message;

use super::TestServer;

pub type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

pub async fn connect(server: &TestServer, query: &str) -> Socket {
    let (socket, _) =
        tokio_tungstenite::connect_async(server.ws_url(&format!("/v1/stream{query}")))
            .await
            .unwrap();
    socket
}

pub async fn next_json(socket: &mut Socket) -> Option<Value> {
    loop {
        match tokio::time::timeout(Duration::from_secs(60), socket.next())
            .await
            .ok()??
        {
            Ok(Message::Text(text)) => return Some(serde_json::from_str(&text).unwrap()),
            Ok(Message::Close(_)) | Err(_) => return None,
            Ok(_) => continue,
        }
    }
}

pub fn f32le(samples: &[f32]) -> Vec<u8> {
    samples.iter().flat_map(|s| s.to_le_bytes()).collect()
}

/// Sends `samples` in chunks (paced in real time when `paced`), then `end`; returns every
/// message with its arrival time, and the send time of each chunk with its end sample.
pub async fn run_stream(
    socket: Socket,
    samples: Vec<Vec<u8>>,
    chunk_seconds: f64,
    paced: bool,
) -> (Vec<(Instant, Value)>, Vec<Instant>) {
    let (mut sink, mut source) = socket.split();
    let sender = tokio::spawn(async move {
        let mut sent = Vec::new();
        let mut ticker =
            paced.then(|| tokio::time::interval(Duration::from_secs_f64(chunk_seconds)));
        for chunk in samples {
            if let Some(ticker) = ticker.as_mut() {
                ticker.tick().await;
            }
            if let Err(err) = sink.send(Message::Binary(chunk.into())).await {
                eprintln!("send failed: {err}");
                break;
            }
            sent.push(Instant::now());
        }
        let _ = sink.send(Message::Text("end".into())).await;
        sent
    });
    let mut received = Vec::new();
    while let Some(Ok(message)) = source.next().await {
        if let Message::Text(text) = message {
            let value = serde_json::from_str::<Value>(&text).unwrap();
            if value["type"] == "error" {
                eprintln!("server error: {value}");
            }
            received.push((Instant::now(), value));
        }
    }
    (received, sender.await.unwrap())
}
