//! `/v1/timeline` refuses windowing it cannot serve before streaming, reports durations at
//! the input's rate, and never lets a client that does not read hold a CPU worker.

mod common;

use common::{client, error_code, long_speech, metrics_text, speech, wav_bytes, TestServer};
use emovox_server::ServerConfig;
use reqwest::StatusCode;
use serde_json::Value;

/// POSTs `body` to `path`; the status and the body's text.
async fn post(server: &TestServer, path: &str, body: Vec<u8>) -> (StatusCode, String) {
    let response = client()
        .post(server.url(path))
        .body(body)
        .send()
        .await
        .unwrap();
    (response.status(), response.text().await.unwrap())
}

/// The lines of an NDJSON answer.
fn lines(text: &str) -> Vec<Value> {
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[tokio::test]
async fn absurd_windows_are_400_before_streaming_and_the_server_goes_on() {
    let server = TestServer::start(ServerConfig {
        max_timeline_seconds: 60.0,
        ..ServerConfig::default()
    })
    .await;
    let wav = std::fs::read(speech("kids_talking.wav")).unwrap();
    // 1e6 s and 1e10 s aborted the process (a window's buffer reserved up front), 1e308
    // panicked; 61 s is within what the library accepts but over this server's limit.
    for query in [
        "window=1000000",
        "window=1e10&hop=1e10",
        "window=1e308",
        "window=61",
        "window=61&hop=61",
        "hop=100",
    ] {
        let (status, text) = post(&server, &format!("/v1/timeline?{query}"), wav.clone()).await;
        let answer: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        assert_eq!(
            (status, error_code(&answer)),
            (StatusCode::BAD_REQUEST, "bad_request"),
            "{query}: {text}"
        );
        assert!(text.len() < 200, "a short message: {text}");
    }
    let (status, text) = post(&server, "/v1/timeline?window=60&hop=60", wav).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(lines(&text).last().unwrap()["type"], "done", "{text}");
    server.stop().await;
}

#[tokio::test]
async fn windows_shorter_than_one_model_frame_are_400_before_streaming() {
    let server = TestServer::start(ServerConfig::default()).await;
    let wav = std::fs::read(speech("kids_talking.wav")).unwrap();
    let min_seconds = server.state.classifier.min_samples() as f64 / 16_000.0;
    assert!(min_seconds > 0.05, "the model needs {min_seconds} s");
    // With the default hop (0.5 s, longer than the window) too: the window is what is wrong.
    for query in ["window=0.05&hop=0.05", "window=0.05"] {
        let (status, text) = post(&server, &format!("/v1/timeline?{query}"), wav.clone()).await;
        let answer: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        assert_eq!(
            (status, error_code(&answer)),
            (StatusCode::BAD_REQUEST, "bad_request"),
            "{text}"
        );
        let message = answer["error"]["message"].as_str().unwrap();
        assert!(
            message.contains("shorter than the 0.080 s the model needs"),
            "{message}"
        );
    }
    // The shortest window the model takes works, every window classified.
    let window = (min_seconds / 0.02).ceil() * 0.02;
    let (status, text) = post(
        &server,
        &format!("/v1/timeline?window={window}&hop={window}"),
        wav,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let lines = lines(&text);
    assert!(lines.iter().all(|l| l["type"] != "error"), "{text}");
    assert!(lines.iter().any(|l| l["type"] == "window"), "{text}");
    assert_eq!(lines.last().unwrap()["type"], "done");
    server.stop().await;
}
#[tokio::test]
async fn durations_are_those_of_the_input_at_any_rate() {
    let server = TestServer::start(ServerConfig::default()).await;
    // 3 s of speech resampled (crudely: it only has to be audio) to 22.05 and 44.1 kHz.
    let speech = long_speech(3.0);
    for rate in [22_050u32, 44_100, 8_000] {
        let n = (3.0 * f64::from(rate)) as usize;
        let samples: Vec<f32> = (0..n).map(|i| speech[i * 16_000 / rate as usize]).collect();
        let (status, text) = post(&server, "/v1/timeline", wav_bytes(&samples, rate)).await;
        assert_eq!(status, StatusCode::OK, "{text}");
        let done = lines(&text).pop().unwrap();
        assert_eq!(done["type"], "done", "{text}");
        let duration = done["duration"].as_f64().unwrap();
        assert!((duration - 3.0).abs() < 1e-6, "{rate} Hz: {duration}");
    }
    let metrics = metrics_text(&server).await;
    let seconds: f64 = metrics
        .lines()
        .find_map(|l| l.strip_prefix("emovox_audio_seconds_total{route=\"/v1/timeline\"} "))
        .unwrap()
        .parse()
        .unwrap();
    assert!((seconds - 9.0).abs() < 1e-6, "{metrics}");
    server.stop().await;
}
