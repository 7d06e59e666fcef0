//! Limits and errors of the HTTP layer: multipart batches, content types, declared lengths,
//! methods, and the labels of the request metrics.

mod common;

use common::{client, error_code, metrics_text, speech, TestServer};
use emovox_server::ServerConfig;
use reqwest::StatusCode;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A form of `n` copies of the 2.18 s speech fixture.
fn form_of(n: usize) -> reqwest::multipart::Form {
    let wav = std::fs::read(speech("kids_talking.wav")).unwrap();
    (0..n).fold(reqwest::multipart::Form::new(), |form, i| {
        let part = reqwest::multipart::Part::bytes(wav.clone()).file_name(format!("{i}.wav"));
        form.part(format!("f{i}"), part)
    })
}

#[tokio::test]
async fn a_batch_is_capped_in_parts_and_in_seconds_of_audio() {
    let server = TestServer::start(ServerConfig {
        max_parts: 3,
        max_batch_seconds: 5.0,
        ..ServerConfig::default()
    })
    .await;
    let response = client()
        .post(server.url("/v1/predict"))
        .multipart(form_of(4))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let answer: Value = response.json().await.unwrap();
    assert_eq!(error_code(&answer), "too_many_parts", "{answer}");
    // Three parts of 2.18 s: two fit in 5 s, the third is refused on its own.
    let response = client()
        .post(server.url("/v1/predict"))
        .multipart(form_of(3))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let answer: Value = response.json().await.unwrap();
    let results = answer["results"].as_array().unwrap();
    assert_eq!(results.len(), 3);
    let refused: Vec<&Value> = results.iter().filter(|r| r["error"].is_object()).collect();
    assert_eq!(refused.len(), 1, "{answer}");
    assert_eq!(refused[0]["status"], 413);
    assert_eq!(refused[0]["error"]["code"], "batch_too_long");
    assert_eq!(
        results.iter().filter(|r| r["label"].is_string()).count(),
        2,
        "{answer}"
    );
    server.stop().await;
}

#[tokio::test]
async fn timeouts_out_of_range_given_to_the_library_do_not_panic() {
    // The binary refuses them at start; a program building the state itself gets them
    // clamped (they used to panic in every POST: "cannot convert float seconds to Duration").
    let server = TestServer::start(ServerConfig {
        body_timeout_seconds: 1e20,
        write_timeout_seconds: f64::INFINITY,
        stream_idle_seconds: f64::NAN,
        min_read_bytes_per_second: 0.0,
        ..ServerConfig::default()
    })
    .await;
    let wav = std::fs::read(speech("kids_talking.wav")).unwrap();
    let response = client()
        .post(server.url("/v1/predict"))
        .body(wav)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(ServerConfig {
        body_timeout_seconds: 1e20,
        ..ServerConfig::default()
    }
    .validate()
    .is_err());
    for rate in [0.0, -1.0, f64::NAN, f64::INFINITY] {
        let refused = ServerConfig {
            min_read_bytes_per_second: rate,
            ..ServerConfig::default()
        }
        .validate()
        .unwrap_err();
        assert_eq!(refused.option, "min-read-bytes-per-second");
    }
    assert_eq!(ServerConfig::default().validate(), Ok(()));
    server.stop().await;
}

/// Sends `request` as raw bytes on a new connection; the whole answer, until the server
/// closes or 5 s pass.
async fn raw(server: &TestServer, request: &[u8]) -> String {
    let mut socket = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    socket.write_all(request).await.unwrap();
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(
        std::time::Duration::from_secs(5),
        socket.read_to_end(&mut answer),
    )
    .await;
    String::from_utf8_lossy(&answer).into_owned()
}

#[tokio::test]
async fn invented_methods_and_paths_do_not_add_metric_series() {
    let server = TestServer::start(ServerConfig::default()).await;
    for i in 0..5 {
        let request = format!("XQZ{i} /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        let answer = raw(&server, request.as_bytes()).await;
        assert!(answer.starts_with("HTTP/1.1 405"), "{answer}");
        let request = format!("GET /nothing/{i} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        let answer = raw(&server, request.as_bytes()).await;
        assert!(answer.starts_with("HTTP/1.1 404"), "{answer}");
    }
    let metrics = metrics_text(&server).await;
    assert!(!metrics.contains("XQZ"), "{metrics}");
    assert!(!metrics.contains("/nothing"), "{metrics}");
    assert!(
        metrics.contains(
            "emovox_http_requests_total{route=\"/healthz\",method=\"other\",status=\"405\"} 5"
        ),
        "{metrics}"
    );
    assert!(
        metrics.contains(
            "emovox_http_requests_total{route=\"unmatched\",method=\"GET\",status=\"404\"} 5"
        ),
        "{metrics}"
    );
    server.stop().await;
}

#[tokio::test]
async fn the_multipart_content_type_is_case_insensitive() {
    let server = TestServer::start(ServerConfig::default()).await;
    let wav = std::fs::read(speech("kids_talking.wav")).unwrap();
    let mut body =
        b"--XYZ\r\nContent-Disposition: form-data; name=\"a\"; filename=\"a.wav\"\r\n\r\n".to_vec();
    body.extend_from_slice(&wav);
    body.extend_from_slice(b"\r\n--XYZ--\r\n");
    for content_type in [
        "Multipart/Form-Data; boundary=XYZ",
        "MULTIPART/FORM-DATA;boundary=XYZ",
    ] {
        let response = client()
            .post(server.url("/v1/predict"))
            .header("content-type", content_type)
            .body(body.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{content_type}");
        let answer: Value = response.json().await.unwrap();
        assert_eq!(
            answer["results"][0]["name"], "a.wav",
            "{content_type}: {answer}"
        );
        assert!(answer["results"][0]["label"].is_string(), "{answer}");
    }
    server.stop().await;
}

#[tokio::test]
async fn a_declared_length_over_the_limit_is_413_at_once() {
    let server = TestServer::start(ServerConfig::default()).await;
    for (path, content_type) in [
        ("/v1/predict", "application/octet-stream"),
        ("/v1/predict", "multipart/form-data; boundary=XYZ"),
        ("/v1/timeline", "application/octet-stream"),
    ] {
        let started = std::time::Instant::now();
        let request = format!(
            "POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: {content_type}\r\n\
             Content-Length: 99999999999\r\n\r\nRIFF"
        );
        let answer = raw(&server, request.as_bytes()).await;
        assert!(
            answer.starts_with("HTTP/1.1 413"),
            "{path} {content_type}: {answer}"
        );
        assert!(answer.contains("\"body_too_large\""), "{answer}");
        assert!(
            started.elapsed() < std::time::Duration::from_secs(2),
            "{path} {content_type}: {:?}",
            started.elapsed()
        );
    }
    server.stop().await;
}

#[tokio::test]
async fn a_method_a_route_does_not_take_is_a_json_405() {
    let server = TestServer::start(ServerConfig::default()).await;
    for (method, path, allowed) in [
        (reqwest::Method::DELETE, "/v1/predict", "POST"),
        (reqwest::Method::GET, "/v1/timeline", "POST"),
        (reqwest::Method::POST, "/healthz", "GET"),
        (reqwest::Method::PUT, "/v1/stream", "GET"),
    ] {
        let response = client()
            .request(method.clone(), server.url(path))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
        let allow = response.headers()["allow"].to_str().unwrap().to_string();
        assert!(allow.contains(allowed), "{method} {path}: Allow {allow}");
        let answer: Value = response.json().await.unwrap();
        assert_eq!(error_code(&answer), "method_not_allowed", "{answer}");
        let message = answer["error"]["message"].as_str().unwrap();
        assert!(message.contains(path), "{message}");
    }
    let response = client()
        .get(server.url("/v2/nothing"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let answer: Value = response.json().await.unwrap();
    assert_eq!(error_code(&answer), "not_found");
    server.stop().await;
}

#[tokio::test]
async fn one_channel_of_a_stereo_call_is_classified_on_its_own() {
    let server = TestServer::start(ServerConfig::default()).await;
    let (speech, _) = common::samples(&speech("kids_talking.wav"));
    let tone: Vec<f32> = (0..speech.len())
        .map(|i| 0.3 * (i as f32 * 0.05).sin())
        .collect();
    let wav = common::multichannel_wav(&[&speech, &tone], 16_000);
    let classifier = emovox::Classifier::bundled().unwrap();
    for channel in [0, 1] {
        let audio = emovox::audio::decode_audio_with(
            std::io::Cursor::new(wav.clone()),
            emovox::audio::Channels::Only(channel),
        )
        .unwrap();
        let expected = classifier
            .predict(&audio.samples, audio.sample_rate)
            .unwrap();
        let response = client()
            .post(server.url(&format!("/v1/predict?channel={channel}")))
            .body(wav.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let answer: Value = response.json().await.unwrap();
        assert_eq!(
            answer["label"],
            expected.label.as_str(),
            "channel {channel}"
        );
        let confidence = answer["confidence"].as_f64().unwrap();
        assert!((confidence - f64::from(expected.confidence)).abs() < 1e-6);
    }
    for (query, code) in [("channel=2", "bad_audio"), ("channel=left", "bad_request")] {
        let response = client()
            .post(server.url(&format!("/v1/predict?{query}")))
            .body(wav.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{query}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(error_code(&body), code, "{query}: {body}");
    }
    // The timeline of one channel differs from that of the two mixed.
    let timeline = |query: &'static str| {
        let url = server.url(&format!("/v1/timeline{query}"));
        common::text_of(client().post(url).body(wav.clone()))
    };
    let left = timeline("?channel=0").await;
    assert!(left.contains("\"done\""), "{left}");
    assert_ne!(left, timeline("").await);
    server.stop().await;
}
