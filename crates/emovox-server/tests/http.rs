//! Every HTTP endpoint, limit and error, through a real server on a loopback port and a real
//! HTTP client.

mod common;

use std::time::Duration;

use bytes::Bytes;
use common::{
    client, error_code, formats, long_speech, metrics_text, speech, wav_bytes, TestServer,
};
use emovox::Classifier;
use emovox_server::ServerConfig;
use reqwest::StatusCode;
use serde_json::Value;
use tokio::io::AsyncWriteExt;

async fn post(server: &TestServer, path: &str, body: Vec<u8>) -> (StatusCode, Value) {
    let response = client()
        .post(server.url(path))
        .body(body)
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap())
}

/// The server's answer for a file equals the library's, label and every probability.
fn assert_matches_library(answer: &Value, expected: &emovox::Prediction) {
    assert_eq!(answer["label"], expected.label.as_str());
    for (label, p) in &expected.probabilities {
        let got = answer["probabilities"][label].as_f64().unwrap();
        assert!((got - f64::from(*p)).abs() < 1e-6, "{label}: {got} vs {p}");
    }
    assert!((answer["confidence"].as_f64().unwrap() - f64::from(expected.confidence)).abs() < 1e-6);
    let novelty = expected
        .novelty
        .expect("the bundled model has a feature density");
    assert!((answer["novelty"].as_f64().unwrap() - f64::from(novelty)).abs() < 1e-5);
    assert_eq!(answer["unfamiliar"], expected.unfamiliar);
}

#[tokio::test]
async fn health_model_and_openapi() {
    let server = TestServer::start(ServerConfig::default()).await;
    let health: Value = client()
        .get(server.url("/healthz"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health["status"], "ok");
    assert_eq!(health["model"], server.state.model.id.as_str());
    assert!(server.state.model.id.starts_with("emovox-bundled@"));

    let model: Value = client()
        .get(server.url("/v1/model"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let classifier = Classifier::bundled().unwrap();
    let labels: Vec<&str> = model["labels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap())
        .collect();
    assert_eq!(labels, classifier.labels());
    assert_eq!(model["sample_rate"], 16_000);
    let views = model["views"].as_array().unwrap();
    assert_eq!(views.len(), classifier.model().views().len());
    assert_eq!(
        views[0]["training"]["corpus"]
            .as_str()
            .map(|c| !c.is_empty()),
        Some(true)
    );
    assert!(views[0]["features"].is_object());

    let served: Value = client()
        .get(server.url("/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        served,
        serde_json::from_str::<Value>(emovox_server::routes::info::OPENAPI).unwrap()
    );
    server.stop().await;
}

#[tokio::test]
async fn predict_raw_body_in_every_format_equals_the_library() {
    let server = TestServer::start(ServerConfig::default()).await;
    let classifier = Classifier::bundled().unwrap();
    let files = [
        speech("kids_talking.wav"),
        formats("speech16k.flac"),
        formats("speech16k_128k.mp3"),
        formats("speech16k_64k.ogg"),
        formats("speech16k_32k.opus"),
        formats("speech16k_96k.m4a"),
        formats("chromium_mediarecorder.webm"),
    ];
    for file in files {
        let audio = emovox::audio::read_audio(&file).unwrap();
        let expected = classifier
            .predict(&audio.samples, audio.sample_rate)
            .unwrap();
        let (status, answer) = post(&server, "/v1/predict", std::fs::read(&file).unwrap()).await;
        assert_eq!(status, StatusCode::OK, "{}: {answer}", file.display());
        assert_matches_library(&answer, &expected);
        assert!((answer["duration"].as_f64().unwrap() - audio.duration_seconds()).abs() < 1e-9);
        assert_eq!(answer["model"], server.state.model.id.as_str());
        assert_quality_matches_library(&answer, &audio.samples, audio.sample_rate);
    }
    server.stop().await;
}

/// The server's `quality` for a file equals `emovox::audio::assess` of its decoded samples.
fn assert_quality_matches_library(answer: &Value, samples: &[f32], rate: u32) {
    let expected = emovox::audio::assess(samples, rate).unwrap();
    let quality = &answer["quality"];
    let names: Vec<&str> = expected.concerns().iter().map(|c| c.name()).collect();
    assert_eq!(quality["concerns"], serde_json::json!(names), "{quality}");
    let field = |name: &str| quality[name].as_f64().map(|x| x as f32);
    assert_eq!(field("active_speech_s"), Some(expected.active_speech_s));
    assert_eq!(field("clipped_fraction"), Some(expected.clipped_fraction));
    assert_eq!(field("snr_db"), expected.snr_db);
    assert_eq!(field("bandwidth_hz"), expected.bandwidth_hz);
}

#[tokio::test]
async fn predict_answers_what_about_the_recording_may_cost_accuracy() {
    let server = TestServer::start(ServerConfig::default()).await;
    let clean = emovox::audio::read_audio(speech("kids_talking.wav")).unwrap();
    let degraded = |condition: &str| {
        let condition: emovox::audio::degrade::Condition = condition.parse().unwrap();
        (condition.apply(&clean.samples, clean.sample_rate, 1, None)).unwrap()
    };
    for (samples, concerns) in [
        (clean.samples.clone(), serde_json::json!([])),
        (degraded("telephone"), serde_json::json!(["narrowband"])),
        (degraded("clipping:12"), serde_json::json!(["clipped"])),
    ] {
        let body = wav_bytes(&samples, clean.sample_rate);
        let (status, answer) = post(&server, "/v1/predict", body).await;
        assert_eq!(status, StatusCode::OK, "{answer}");
        assert_eq!(answer["quality"]["concerns"], concerns, "{answer}");
    }
    server.stop().await;
}

#[tokio::test]
async fn predict_multipart_batch_answers_every_part_and_a_bad_one_does_not_fail_the_others() {
    let server = TestServer::start(ServerConfig::default()).await;
    let classifier = Classifier::bundled().unwrap();
    let part = |name: &str, bytes: Vec<u8>| {
        reqwest::multipart::Part::bytes(bytes).file_name(name.to_string())
    };
    let form = reqwest::multipart::Form::new()
        .part(
            "a",
            part(
                "kids.wav",
                std::fs::read(speech("kids_talking.wav")).unwrap(),
            ),
        )
        .part("b", part("notes.txt", b"not audio at all".to_vec()))
        .part(
            "c",
            part(
                "dogs.flac",
                std::fs::read(formats("speech16k.flac")).unwrap(),
            ),
        );
    let response = client()
        .post(server.url("/v1/predict"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let answer: Value = response.json().await.unwrap();
    let results = answer["results"].as_array().unwrap();
    assert_eq!(results.len(), 3);
    assert_eq!(results[0]["name"], "kids.wav");
    assert_matches_library(
        &results[0],
        &classifier.predict_file(speech("kids_talking.wav")).unwrap(),
    );
    assert_eq!(results[1]["name"], "notes.txt");
    assert_eq!(results[1]["status"], 415);
    assert_eq!(results[1]["error"]["code"], "unsupported_audio");
    let flac = emovox::audio::read_audio(formats("speech16k.flac")).unwrap();
    assert_matches_library(
        &results[2],
        &classifier.predict(&flac.samples, flac.sample_rate).unwrap(),
    );

    let empty = reqwest::multipart::Form::new();
    let response = client()
        .post(server.url("/v1/predict"))
        .multipart(empty)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    server.stop().await;
}

#[tokio::test]
async fn bad_audio_is_a_typed_error_with_its_status() {
    let server = TestServer::start(ServerConfig::default()).await;
    let wav = std::fs::read(speech("kids_talking.wav")).unwrap();
    let cases: Vec<(&str, Vec<u8>, StatusCode, &str)> = vec![
        (
            "text",
            b"hello, this is not audio".to_vec(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_audio",
        ),
        ("empty", Vec::new(), StatusCode::BAD_REQUEST, "bad_audio"),
        (
            "truncated WAV",
            wav[..wav.len() / 2].to_vec(),
            StatusCode::BAD_REQUEST,
            "bad_audio",
        ),
        (
            "WAV header only",
            wav[..44].to_vec(),
            StatusCode::BAD_REQUEST,
            "bad_audio",
        ),
        (
            "corrupt FLAC",
            {
                let mut flac = std::fs::read(formats("speech16k.flac")).unwrap();
                for b in flac.iter_mut().skip(2_000).step_by(7) {
                    *b ^= 0x5a;
                }
                flac
            },
            StatusCode::BAD_REQUEST,
            "bad_audio",
        ),
        (
            "video only MP4",
            std::fs::read(formats("video_only.mp4")).unwrap(),
            StatusCode::BAD_REQUEST,
            "bad_audio",
        ),
        (
            "2 s of digital silence",
            wav_bytes(&[0.0; 32_000], 16_000),
            StatusCode::BAD_REQUEST,
            "bad_audio",
        ),
    ];
    for (name, body, status, code) in cases {
        let (got, answer) = post(&server, "/v1/predict", body).await;
        assert_eq!(
            (got, error_code(&answer)),
            (status, code),
            "{name}: {answer}"
        );
        let message = answer["error"]["message"].as_str().unwrap();
        assert!(!message.is_empty());
        if name.contains("silence") {
            assert!(message.contains("silent"), "{message}");
        }
    }
    // The server still serves after all of them.
    let (status, _) = post(&server, "/v1/predict", wav).await;
    assert_eq!(status, StatusCode::OK);
    server.stop().await;
}

#[tokio::test]
async fn body_and_duration_limits_are_413() {
    let server = TestServer::start(ServerConfig {
        max_body_bytes: 100_000,
        max_clip_seconds: 2.0,
        ..ServerConfig::default()
    })
    .await;
    // 3 s of speech at 16 bits is 96 kB: within the body limit, over the duration limit.
    let long = wav_bytes(&long_speech(3.0)[..48_000], 16_000);
    let (status, answer) = post(&server, "/v1/predict", long).await;
    assert_eq!(
        (status, error_code(&answer)),
        (StatusCode::PAYLOAD_TOO_LARGE, "audio_too_long")
    );
    let big = vec![0u8; 200_000];
    let (status, answer) = post(&server, "/v1/predict", big.clone()).await;
    assert_eq!(
        (status, error_code(&answer)),
        (StatusCode::PAYLOAD_TOO_LARGE, "body_too_large")
    );
    // The same limit holds for multipart bodies and timelines.
    let form = reqwest::multipart::Form::new().part(
        "a",
        reqwest::multipart::Part::bytes(big.clone()).file_name("big.wav"),
    );
    let response = client()
        .post(server.url("/v1/predict"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let answer: Value = response.json().await.unwrap();
    assert_eq!(error_code(&answer), "body_too_large");
    let (status, answer) = post(&server, "/v1/timeline", big).await;
    assert_eq!(
        (status, error_code(&answer)),
        (StatusCode::PAYLOAD_TOO_LARGE, "body_too_large")
    );
    server.stop().await;
}

/// A request body that sends `first` and then stalls until `release` fires.
fn stalled_body(first: Vec<u8>, release: tokio::sync::oneshot::Receiver<()>) -> reqwest::Body {
    let stream = futures_util::stream::unfold(
        (Some(first), Some(release)),
        |(first, release)| async move {
            if let Some(first) = first {
                return Some((Ok::<_, std::io::Error>(Bytes::from(first)), (None, release)));
            }
            let _ = release?.await;
            None
        },
    );
    reqwest::Body::wrap_stream(stream)
}

#[tokio::test]
async fn a_stalled_client_times_out_with_408() {
    let server = TestServer::start(ServerConfig {
        body_timeout_seconds: 0.5,
        ..ServerConfig::default()
    })
    .await;
    let (_release, rx) = tokio::sync::oneshot::channel();
    let wav = std::fs::read(speech("kids_talking.wav")).unwrap();
    let response = client()
        .post(server.url("/v1/predict"))
        .body(stalled_body(wav[..1_000].to_vec(), rx))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::REQUEST_TIMEOUT);
    let answer: Value = response.json().await.unwrap();
    assert_eq!(error_code(&answer), "timeout");
    server.stop().await;
}

#[tokio::test]
async fn too_many_in_flight_is_503_with_retry_after_and_health_is_still_served() {
    let server = TestServer::start(ServerConfig {
        max_in_flight: 2,
        ..ServerConfig::default()
    })
    .await;
    let wav = std::fs::read(speech("kids_talking.wav")).unwrap();
    // Two uploads that stall (headers and 4 bytes of a 100 kB body) hold both slots.
    let mut stalled = Vec::new();
    for _ in 0..2 {
        let mut socket = tokio::net::TcpStream::connect(server.addr).await.unwrap();
        socket
            .write_all(
                b"POST /v1/predict HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\nRIFF",
            )
            .await
            .unwrap();
        stalled.push(socket);
    }
    let third = async {
        loop {
            let response = client()
                .post(server.url("/v1/predict"))
                .body(wav.clone())
                .send()
                .await
                .unwrap();
            if response.status() == StatusCode::SERVICE_UNAVAILABLE {
                return response;
            }
            tokio::time::sleep(Duration::from_millis(20)).await; // the two are not in yet
        }
    };
    let busy = tokio::time::timeout(Duration::from_secs(10), third)
        .await
        .unwrap();
    assert_eq!(busy.headers()["retry-after"], "1");
    let answer: Value = busy.json().await.unwrap();
    assert_eq!(error_code(&answer), "busy");
    let health = client().get(server.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), StatusCode::OK);
    drop(stalled); // the uploads are cut short: their slots free up
    let (status, _) = post(&server, "/v1/predict", wav).await;
    assert_eq!(status, StatusCode::OK);
    let metrics = metrics_text(&server).await;
    assert!(
        metrics.contains(
            "emovox_http_requests_total{route=\"/v1/predict\",method=\"POST\",status=\"503\"}"
        ),
        "{metrics}"
    );
    server.stop().await;
}

#[tokio::test]
async fn timeline_streams_ndjson_equal_to_the_library() {
    let server = TestServer::start(ServerConfig::default()).await;
    let wav = wav_bytes(&long_speech(12.0), 16_000);
    let audio = emovox::audio::decode_wav(std::io::Cursor::new(&wav)).unwrap();
    let classifier = Classifier::bundled().unwrap();
    let config = emovox::timeline::SegmentConfig::default();
    let expected = classifier
        .predict_segments(&audio.samples, audio.sample_rate, &config)
        .unwrap();

    let response = client()
        .post(server.url("/v1/timeline"))
        .body(wav)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "application/x-ndjson");
    let text = response.text().await.unwrap();
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let of = |kind: &str| {
        lines
            .iter()
            .filter(move |l| l["type"] == kind)
            .collect::<Vec<_>>()
    };
    let windows = of("window");
    assert_eq!(windows.len(), expected.windows.len());
    assert!(!windows.is_empty());
    for (got, want) in windows.iter().zip(&expected.windows) {
        assert_eq!(got["label"], want.label.as_str());
        assert!((got["start"].as_f64().unwrap() - want.start).abs() < 1e-9);
        assert!((got["end"].as_f64().unwrap() - want.end).abs() < 1e-9);
        assert!((got["confidence"].as_f64().unwrap() - f64::from(want.confidence)).abs() < 1e-6);
    }
    let segments = of("segment");
    assert_eq!(segments.len(), expected.smoothed.len());
    for (got, want) in segments.iter().zip(&expected.smoothed) {
        assert_eq!(got["label"], want.label.as_str());
        assert!((got["start"].as_f64().unwrap() - want.start).abs() < 1e-9);
    }
    let done = lines.last().unwrap();
    assert_eq!(done["type"], "done");
    assert!((done["duration"].as_f64().unwrap() - expected.duration).abs() < 1e-9);
    // Windows come first, then segments, then done.
    let kinds: Vec<&str> = lines.iter().map(|l| l["type"].as_str().unwrap()).collect();
    let mut sorted = kinds.clone();
    sorted.sort_by_key(|k| ["window", "segment", "done"].iter().position(|x| x == k));
    assert_eq!(kinds, sorted);
    server.stop().await;
}

#[tokio::test]
async fn timeline_errors_before_and_during_the_stream() {
    let server = TestServer::start(ServerConfig {
        max_timeline_seconds: 5.0,
        ..ServerConfig::default()
    })
    .await;
    let (status, answer) = post(&server, "/v1/timeline", b"plain text".to_vec()).await;
    assert_eq!(
        (status, error_code(&answer)),
        (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_audio")
    );
    let response = client()
        .post(server.url("/v1/timeline?window=0.2&hop=1"))
        .body(Vec::new())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let response = client()
        .post(server.url("/v1/timeline?window=abc"))
        .body(Vec::new())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    // Over the duration limit: found while streaming, so the last line is the error.
    let long = wav_bytes(&long_speech(8.0), 16_000);
    let response = client()
        .post(server.url("/v1/timeline"))
        .body(long)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let text = response.text().await.unwrap();
    let last: Value = serde_json::from_str(text.lines().last().unwrap()).unwrap();
    assert_eq!(last["type"], "error");
    assert_eq!(last["error"]["code"], "audio_too_long");
    server.stop().await;
}

#[tokio::test]
async fn long_timelines_do_not_starve_health_checks() {
    let server = TestServer::start(ServerConfig {
        workers: Some(1),
        ..ServerConfig::default()
    })
    .await;
    let wav = wav_bytes(&long_speech(120.0), 16_000);
    let jobs: Vec<_> = (0..4)
        .map(|_| {
            tokio::spawn(
                client()
                    .post(server.url("/v1/timeline"))
                    .body(wav.clone())
                    .send(),
            )
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(300)).await;
    for _ in 0..5 {
        let health = tokio::time::timeout(
            Duration::from_secs(2),
            client().get(server.url("/healthz")).send(),
        )
        .await
        .expect("health check answered while four timelines queue on one worker")
        .unwrap();
        assert_eq!(health.status(), StatusCode::OK);
    }
    for job in jobs {
        let response = job.await.unwrap().unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let text = response.text().await.unwrap();
        assert!(text.lines().last().unwrap().contains("\"done\""));
    }
    server.stop().await;
}

#[tokio::test]
async fn unknown_routes_are_json_404_and_metrics_count_requests() {
    let server = TestServer::start(ServerConfig::default()).await;
    let response = client().get(server.url("/nope")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let answer: Value = response.json().await.unwrap();
    assert_eq!(error_code(&answer), "not_found");
    let wav = std::fs::read(speech("kids_talking.wav")).unwrap();
    let (status, _) = post(&server, "/v1/predict", wav).await;
    assert_eq!(status, StatusCode::OK);
    let response = client().get(server.url("/metrics")).send().await.unwrap();
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain"));
    let metrics = response.text().await.unwrap();
    for needle in [
        "emovox_http_requests_total{route=\"/v1/predict\",method=\"POST\",status=\"200\"} 1",
        "emovox_http_requests_total{route=\"unmatched\",method=\"GET\",status=\"404\"} 1",
        "emovox_http_request_duration_seconds_count{route=\"/v1/predict\"} 1",
        "emovox_audio_seconds_total{route=\"/v1/predict\"} 2.1768125",
        "# TYPE emovox_http_request_duration_seconds histogram",
    ] {
        assert!(metrics.contains(needle), "missing {needle} in\n{metrics}");
    }
    server.stop().await;
}

#[tokio::test]
async fn the_page_and_its_assets_are_served() {
    let server = TestServer::start(ServerConfig::default()).await;
    let page = client().get(server.url("/")).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let html = page.text().await.unwrap();
    for asset in ["/assets/app.js", "/assets/style.css"] {
        assert!(html.contains(asset), "the page links {asset}");
        let response = client().get(server.url(asset)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{asset}");
    }
    let worklet = client()
        .get(server.url("/assets/worklet.js"))
        .send()
        .await
        .unwrap();
    assert!(worklet.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/javascript"));
    let missing = client()
        .get(server.url("/assets/nothing.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    server.stop().await;
}
