//! The `/v1/stream` WebSocket with a real client: windows equal the library's, protocol
//! errors are clear messages, limits hold.

mod common;

use common::ws::{connect, f32le, next_json, run_stream};
use common::{long_speech, metrics_text, TestServer};
use emovox::Classifier;
use emovox_server::ServerConfig;
use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use tokio_tungstenite::tungstenite::Message;

#[tokio::test]
async fn i16le_frames_give_the_same_windows_as_the_library() {
    let server = TestServer::start(ServerConfig::default()).await;
    let speech: Vec<f32> = long_speech(6.0)
        .iter()
        .map(|s| f32::from((s * 32_767.0) as i16) / 32_768.0)
        .collect();
    let chunks: Vec<Vec<u8>> = speech
        .chunks(1_000)
        .map(|c| {
            c.iter()
                .flat_map(|s| ((s * 32_768.0) as i16).to_le_bytes())
                .collect()
        })
        .collect();
    let socket = connect(&server, "?rate=16000&format=i16le").await;
    let (received, _) = run_stream(socket, chunks, 0.0, false).await;
    let classifier = Classifier::bundled().unwrap();
    let expected = classifier
        .predict_segments(&speech, 16_000, &emovox::timeline::SegmentConfig::default())
        .unwrap();
    let windows: Vec<&Value> = received
        .iter()
        .map(|(_, m)| m)
        .filter(|m| m["type"] == "window")
        .collect();
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
    socket
        .send(Message::Text("{\"hello\": 1}".into()))
        .await
        .unwrap();
    let error = next_json(&mut socket).await.unwrap();
    assert_eq!(error["type"], "error");
    assert_eq!(error["error"]["code"], "not_pcm");
    assert!(error["error"]["message"]
        .as_str()
        .unwrap()
        .contains("binary frames"));
    assert!(
        next_json(&mut socket).await.is_none(),
        "closed after the error"
    );

    let mut socket = connect(&server, "?rate=16000&format=f32le").await;
    next_json(&mut socket).await.unwrap();
    socket
        .send(Message::Binary(vec![0u8; 7].into()))
        .await
        .unwrap();
    let error = next_json(&mut socket).await.unwrap();
    assert_eq!(error["error"]["code"], "not_pcm");
    assert!(error["error"]["message"]
        .as_str()
        .unwrap()
        .contains("7 bytes"));

    let mut socket = connect(&server, "?rate=16000").await;
    next_json(&mut socket).await.unwrap();
    socket
        .send(Message::Binary(f32le(&[0.1, f32::NAN, 0.2]).into()))
        .await
        .unwrap();
    let error = next_json(&mut socket).await.unwrap();
    assert_eq!(error["error"]["code"], "bad_audio");

    // Bad query parameters are refused before the upgrade, as JSON errors.
    for query in ["", "?rate=0", "?rate=16000&format=mp3"] {
        let response = reqwest::get(server.url(&format!("/v1/stream{query}")))
            .await
            .unwrap();
        assert_eq!(
            response.status(),
            reqwest::StatusCode::BAD_REQUEST,
            "{query}"
        );
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

#[tokio::test]
async fn a_client_sending_minutes_of_audio_at_once_gets_every_window() {
    // Sent as fast as possible, 2 min of audio make windows faster than one message per
    // frame: the server must send them while the classifying thread's input queue is full
    // (it used to wait for room in that queue without sending, and both waited forever).
    let server = TestServer::start(ServerConfig::default()).await;
    let speech = long_speech(120.0);
    let chunks: Vec<Vec<u8>> = speech.chunks(16_000).map(f32le).collect();
    let socket = connect(&server, "?rate=16000").await;
    let run = run_stream(socket, chunks, 0.0, false);
    let (received, _) = tokio::time::timeout(std::time::Duration::from_secs(60), run)
        .await
        .expect("the stream finished");
    let windows = received
        .iter()
        .filter(|(_, m)| m["type"] == "window")
        .count();
    let done = &received.last().unwrap().1;
    assert_eq!(done["type"], "done", "{done}");
    assert_eq!(done["windows"], windows);
    assert!(windows > 100, "{windows} windows");
    server.stop().await;
}

#[tokio::test]
async fn the_duration_is_that_of_the_input_at_its_rate() {
    let server = TestServer::start(ServerConfig::default()).await;
    // 3 s of speech at 44.1 kHz (crudely resampled: it only has to be audio).
    let speech = long_speech(3.0);
    let samples: Vec<f32> = (0..3 * 44_100).map(|i| speech[i * 160 / 441]).collect();
    let chunks: Vec<Vec<u8>> = samples.chunks(4_410).map(f32le).collect();
    let socket = connect(&server, "?rate=44100").await;
    let (received, _) = run_stream(socket, chunks, 0.0, false).await;
    let done = &received.last().unwrap().1;
    assert_eq!(done["type"], "done", "{done}");
    let duration = done["duration"].as_f64().unwrap();
    assert!((duration - 3.0).abs() < 1e-9, "{duration}");
    let metrics = metrics_text(&server).await;
    assert!(
        metrics.contains("emovox_audio_seconds_total{route=\"/v1/stream\"} 3\n"),
        "{metrics}"
    );
    server.stop().await;
}

#[tokio::test]
async fn a_message_over_the_limit_is_an_error_and_a_1009_close() {
    let server = TestServer::start(ServerConfig::default()).await;
    let mut socket = connect(&server, "?rate=16000").await;
    assert_eq!(next_json(&mut socket).await.unwrap()["type"], "ready");
    let big = vec![0u8; emovox_server::stream::MAX_MESSAGE_BYTES + 4];
    let _ = socket.send(Message::Binary(big.into())).await;
    let mut error = None;
    let mut close = None;
    loop {
        let next = tokio::time::timeout(std::time::Duration::from_secs(10), socket.next()).await;
        let Ok(Some(Ok(message))) = next else { break };
        match message {
            Message::Text(text) => error = Some(serde_json::from_str::<Value>(&text).unwrap()),
            Message::Close(frame) => {
                close = frame;
                break;
            }
            _ => {}
        }
    }
    let error = error.expect("an error message");
    assert_eq!(error["type"], "error");
    assert_eq!(error["error"]["code"], "message_too_big", "{error}");
    let close = close.expect("a close frame");
    assert_eq!(u16::from(close.code), 1009);
    // The server goes on serving streams.
    let mut socket = connect(&server, "?rate=16000").await;
    assert_eq!(next_json(&mut socket).await.unwrap()["type"], "ready");
    server.stop().await;
}
