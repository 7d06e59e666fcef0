//! The `/v1/stream` WebSocket with a real client: windows equal the library's, arrive within
//! 100 ms of their last sample, and protocol errors are clear messages.

mod common;

use std::time::{Duration, Instant};

use common::{long_speech, TestServer};
use emovox::Classifier;
use emovox_server::ServerConfig;
use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use tokio_tungstenite::tungstenite::Message;

type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn connect(server: &TestServer, query: &str) -> Socket {
    let (socket, _) = tokio_tungstenite::connect_async(server.ws_url(&format!("/v1/stream{query}")))
        .await
        .unwrap();
    socket
}

async fn next_json(socket: &mut Socket) -> Option<Value> {
    loop {
        match tokio::time::timeout(Duration::from_secs(60), socket.next()).await.ok()?? {
            Ok(Message::Text(text)) => return Some(serde_json::from_str(&text).unwrap()),
            Ok(Message::Close(_)) | Err(_) => return None,
            Ok(_) => continue,
        }
    }
}

fn f32le(samples: &[f32]) -> Vec<u8> {
    samples.iter().flat_map(|s| s.to_le_bytes()).collect()
}

/// Sends `samples` in chunks (paced in real time when `paced`), then `end`; returns every
/// message with its arrival time, and the send time of each chunk with its end sample.
async fn run_stream(
    socket: Socket,
    samples: Vec<Vec<u8>>,
    chunk_seconds: f64,
    paced: bool,
) -> (Vec<(Instant, Value)>, Vec<Instant>) {
    let (mut sink, mut source) = socket.split();
    let sender = tokio::spawn(async move {
        let mut sent = Vec::new();
        let mut ticker = tokio::time::interval(Duration::from_secs_f64(chunk_seconds));
        for chunk in samples {
            if paced {
                ticker.tick().await;
            }
            sink.send(Message::Binary(chunk.into())).await.unwrap();
            sent.push(Instant::now());
        }
        sink.send(Message::Text("end".into())).await.unwrap();
        sent
    });
    let mut received = Vec::new();
    while let Some(Ok(message)) = source.next().await {
        if let Message::Text(text) = message {
            received.push((Instant::now(), serde_json::from_str::<Value>(&text).unwrap()));
        }
    }
    (received, sender.await.unwrap())
}

#[tokio::test]
async fn windows_equal_the_library_and_arrive_within_100_ms_of_their_last_sample() {
    let server = TestServer::start(ServerConfig::default()).await;
    // The page's case: 48 kHz float from an AudioWorklet, 20 ms chunks paced in real time.
    let speech16 = long_speech(8.0);
    let rate = 48_000u32;
    let speech = emovox::audio::resample(&speech16, 16_000, rate).unwrap();
    let chunk = (rate / 50) as usize;
    let chunks: Vec<Vec<u8>> = speech.chunks(chunk).map(f32le).collect();
    let socket = connect(&server, &format!("?rate={rate}&format=f32le")).await;
    let (received, sent) = run_stream(socket, chunks, 0.02, true).await;

    let ready = &received[0].1;
    assert_eq!(ready["type"], "ready");
    assert_eq!(ready["sample_rate"], rate);
    let windows: Vec<&(Instant, Value)> = received.iter().filter(|(_, m)| m["type"] == "window").collect();
    assert_eq!(received.last().unwrap().1["type"], "done");

    // The windows are those of the library's timeline of the same audio (resampled the same way).
    let classifier = Classifier::bundled().unwrap();
    let config = emovox::timeline::SegmentConfig::default();
    let expected = classifier.predict_segments(&speech, rate, &config).unwrap();
    assert_eq!(windows.len(), expected.windows.len());
    for ((_, got), want) in windows.iter().zip(&expected.windows) {
        assert_eq!(got["label"], want.label.as_str());
        assert!((got["start"].as_f64().unwrap() - want.start).abs() < 1e-9);
        assert!((got["confidence"].as_f64().unwrap() - f64::from(want.confidence)).abs() < 1e-4);
    }

    // Latency: from sending the chunk holding a window's last sample to receiving the window.
    // Full windows only (the last, partial one is sent after `end`).
    let mut latencies = Vec::new();
    for (arrived, window) in &windows {
        let end_sample = (window["end"].as_f64().unwrap() * f64::from(rate)).round() as usize;
        let chunk_index = (end_sample - 1) / chunk;
        if chunk_index + 1 >= sent.len() {
            continue;
        }
        latencies.push(arrived.duration_since(sent[chunk_index]));
    }
    assert!(latencies.len() >= 5, "{} full windows", latencies.len());
    let worst = latencies.iter().max().unwrap();
    eprintln!(
        "stream latency over {} windows: worst {:.1} ms, mean {:.1} ms",
        latencies.len(),
        worst.as_secs_f64() * 1e3,
        latencies.iter().map(Duration::as_secs_f64).sum::<f64>() / latencies.len() as f64 * 1e3
    );
    assert!(*worst < Duration::from_millis(100), "worst latency {worst:?}");
    server.stop().await;
}

#[tokio::test]
async fn i16le_frames_give_the_same_windows_as_the_library() {
    let server = TestServer::start(ServerConfig::default()).await;
    let speech: Vec<f32> = long_speech(6.0)
        .iter()
        .map(|s| f32::from((s * 32_767.0) as i16) / 32_768.0)
        .collect();
    let chunks: Vec<Vec<u8>> = speech
        .chunks(1_000)
        .map(|c| c.iter().flat_map(|s| ((s * 32_768.0) as i16).to_le_bytes()).collect())
        .collect();
    let socket = connect(&server, "?rate=16000&format=i16le").await;
    let (received, _) = run_stream(socket, chunks, 0.0, false).await;
    let classifier = Classifier::bundled().unwrap();
    let expected = classifier
        .predict_segments(&speech, 16_000, &emovox::timeline::SegmentConfig::default())
        .unwrap();
    let windows: Vec<&Value> = received.iter().map(|(_, m)| m).filter(|m| m["type"] == "window").collect();
    assert_eq!(windows.len(), expected.windows.len());
    for (got, want) in windows.iter().zip(&expected.windows) {
        assert_eq!(got["label"], want.label.as_str());
        let p = got["probabilities"][want.label.as_str()].as_f64().unwrap();
        assert!((p - f64::from(want.confidence)).abs() < 1e-6);
    }
    let done = &received.last().unwrap().1;
    assert_eq!(done["type"], "done");
    assert_eq!(done["windows"], windows.len());
    server.stop().await;
}

#[tokio::test]
async fn frames_that_are_not_pcm_are_a_clear_error() {
    let server = TestServer::start(ServerConfig::default()).await;
    let mut socket = connect(&server, "?rate=16000").await;
    assert_eq!(next_json(&mut socket).await.unwrap()["type"], "ready");
    socket.send(Message::Text("{\"hello\": 1}".into())).await.unwrap();
    let error = next_json(&mut socket).await.unwrap();
    assert_eq!(error["type"], "error");
    assert_eq!(error["error"]["code"], "not_pcm");
    assert!(error["error"]["message"].as_str().unwrap().contains("binary frames"));
    assert!(next_json(&mut socket).await.is_none(), "closed after the error");

    let mut socket = connect(&server, "?rate=16000&format=f32le").await;
    next_json(&mut socket).await.unwrap();
    socket.send(Message::Binary(vec![0u8; 7].into())).await.unwrap();
    let error = next_json(&mut socket).await.unwrap();
    assert_eq!(error["error"]["code"], "not_pcm");
    assert!(error["error"]["message"].as_str().unwrap().contains("7 bytes"));

    let mut socket = connect(&server, "?rate=16000").await;
    next_json(&mut socket).await.unwrap();
    socket.send(Message::Binary(f32le(&[0.1, f32::NAN, 0.2]).into())).await.unwrap();
    let error = next_json(&mut socket).await.unwrap();
    assert_eq!(error["error"]["code"], "bad_audio");

    // Bad query parameters are refused before the upgrade, as JSON errors.
    for query in ["", "?rate=0", "?rate=16000&format=mp3"] {
        let response = reqwest::get(server.url(&format!("/v1/stream{query}"))).await.unwrap();
        assert_eq!(response.status(), reqwest::StatusCode::BAD_REQUEST, "{query}");
    }
    server.stop().await;
}

#[tokio::test]
async fn idle_streams_are_closed_and_the_stream_limit_is_503() {
    let server = TestServer::start(ServerConfig {
        max_streams: 1,
        stream_idle_seconds: 0.5,
        ..ServerConfig::default()
    })
    .await;
    let mut first = connect(&server, "?rate=16000").await;
    next_json(&mut first).await.unwrap();
    let refused = tokio_tungstenite::connect_async(server.ws_url("/v1/stream?rate=16000")).await;
    match refused {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status(), 503);
            assert_eq!(response.headers()["retry-after"], "1");
        }
        other => panic!("expected 503, got {other:?}"),
    }
    let error = next_json(&mut first).await.unwrap();
    assert_eq!(error["error"]["code"], "timeout");
    assert!(next_json(&mut first).await.is_none());
    // The slot is free again.
    let mut again = connect(&server, "?rate=16000").await;
    assert_eq!(next_json(&mut again).await.unwrap()["type"], "ready");
    server.stop().await;
}
