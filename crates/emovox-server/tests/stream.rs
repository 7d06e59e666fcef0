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
    for query in [
        "",
        "?rate=0",
        "?rate=16000&format=mp3",
        "?rate=16000&fromat=i16le",
    ] {
        // A real upgrade request, so the query (not a missing upgrade) is what is refused.
        let response = common::client()
            .get(server.url(&format!("/v1/stream{query}")))
            .header("connection", "upgrade")
            .header("upgrade", "websocket")
            .header("sec-websocket-version", "13")
            .header("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ==")
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.status(),
            reqwest::StatusCode::BAD_REQUEST,
            "{query}"
        );
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], "bad_request", "{query}: {body}");
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
            let body = String::from_utf8_lossy(response.body().as_deref().unwrap_or_default());
            assert!(body.contains("1 streams open"), "{body}");
        }
        other => panic!("expected 503, got {other:?}"),
    }
    let error = next_json(&mut first).await.unwrap();
    assert_eq!(error["error"]["code"], "timeout");
    assert!(next_json(&mut first).await.is_none());
    // The slot is free again once the connection has gone: at once when the client answers
    // the close, within the server's 0.5 s linger when it does not (as here: it stops reading).
    let started = std::time::Instant::now();
    let mut again = loop {
        match tokio_tungstenite::connect_async(server.ws_url("/v1/stream?rate=16000")).await {
            Ok((socket, _)) => break socket,
            Err(err) if started.elapsed().as_secs_f64() < 2.0 => {
                drop(err);
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
            Err(err) => panic!("the slot was not freed: {err}"),
        }
    };
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

#[tokio::test]
async fn pings_alone_do_not_keep_a_stream_open() {
    let server = TestServer::start(ServerConfig {
        stream_idle_seconds: 0.6,
        ..ServerConfig::default()
    })
    .await;
    let mut socket = connect(&server, "?rate=16000").await;
    next_json(&mut socket).await.unwrap();
    let (mut sender, mut receiver) = socket.split();
    // A ping every 0.1 s, all along.
    let pinging = tokio::spawn(async move {
        while sender.send(Message::Ping(vec![1].into())).await.is_ok() {
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    });
    // The stream is closed 0.6 s after its last audio all the same (it was held open forever).
    let error = tokio::time::timeout(std::time::Duration::from_secs(3), async {
        while let Some(Ok(message)) = receiver.next().await {
            if let Message::Text(text) = message {
                return Some(serde_json::from_str::<Value>(&text).unwrap());
            }
        }
        None
    })
    .await
    .expect("no timeout while pinging")
    .expect("an error message");
    assert_eq!(error["error"]["code"], "timeout", "{error}");
    pinging.abort();
    server.stop().await;
}

#[tokio::test]
async fn the_server_answers_a_clients_close_and_its_errors_reach_a_client_still_sending() {
    let server = TestServer::start(ServerConfig::default()).await;
    let speech = long_speech(3.0);
    let mut socket = connect(&server, "?rate=16000").await;
    next_json(&mut socket).await.unwrap();
    socket
        .send(Message::Binary(f32le(&speech).into()))
        .await
        .unwrap();
    socket.close(None).await.unwrap();
    // The client reads on until the server's close frame answers its own.
    let answered = loop {
        match socket.next().await {
            Some(Ok(Message::Close(_))) => break true,
            Some(Ok(_)) => continue,
            Some(Err(_)) | None => break false,
        }
    };
    assert!(answered, "no close frame came back");

    // A NaN, then audio sent on without reading: the error still arrives, then the close.
    let mut socket = connect(&server, "?rate=16000").await;
    next_json(&mut socket).await.unwrap();
    socket
        .send(Message::Binary(f32le(&speech).into()))
        .await
        .unwrap();
    socket
        .send(Message::Binary(f32le(&[f32::NAN]).into()))
        .await
        .unwrap();
    for chunk in speech.chunks(320).take(50) {
        if socket
            .send(Message::Binary(f32le(chunk).into()))
            .await
            .is_err()
        {
            break;
        }
    }
    let mut codes = Vec::new();
    while let Some(message) = next_json(&mut socket).await {
        if message["type"] == "error" {
            codes.push(message["error"]["code"].as_str().unwrap().to_string());
        }
    }
    assert_eq!(codes, ["bad_audio"]);
    server.stop().await;
}

#[tokio::test]
async fn the_windows_of_audio_before_a_frame_that_is_not_pcm_still_arrive() {
    let server = TestServer::start(ServerConfig::default()).await;
    let mut socket = connect(&server, "?rate=16000").await;
    next_json(&mut socket).await.unwrap();
    socket
        .send(Message::Binary(f32le(&long_speech(3.0)).into()))
        .await
        .unwrap();
    socket.send(Message::Text("hello".into())).await.unwrap();
    let mut types = Vec::new();
    while let Some(message) = next_json(&mut socket).await {
        types.push(message["type"].as_str().unwrap().to_string());
    }
    // 3 s of speech: the windows at 0 and 0.5 s, then the error (no window was lost to it).
    assert!(types.len() >= 3, "{types:?}");
    assert_eq!(types.last().map(String::as_str), Some("error"), "{types:?}");
    assert!(
        types[..types.len() - 1].iter().all(|t| t == "window"),
        "{types:?}"
    );
    server.stop().await;
}
