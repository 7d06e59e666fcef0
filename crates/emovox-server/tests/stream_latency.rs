//! `/v1/stream` latency: a window's result arrives within 100 ms of its last sample (its own
//! test binary, so no other test competes for the CPU meanwhile).

mod common;

use std::time::{Duration, Instant};

use common::ws::{connect, f32le, run_stream};
use common::{long_speech, TestServer};
use emovox::Classifier;
use emovox_server::ServerConfig;
use serde_json::Value;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
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
    let windows: Vec<&(Instant, Value)> = received
        .iter()
        .filter(|(_, m)| m["type"] == "window")
        .collect();
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
    assert!(
        *worst < Duration::from_millis(100),
        "worst latency {worst:?}"
    );
    server.stop().await;
}
