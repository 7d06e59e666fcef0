//! Limits and errors of the HTTP layer: multipart batches, content types, declared lengths,
//! methods, and the labels of the request metrics.

mod common;

use common::{error_code, speech, TestServer};
use emovox_server::ServerConfig;
use reqwest::StatusCode;
use serde_json::Value;

fn client() -> reqwest::Client {
    reqwest::Client::new()
}

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
