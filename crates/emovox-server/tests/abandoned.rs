//! Clients that go away, or never read their answer, cost the server no more than their
//! in-flight slot allows: their queued work is skipped, and a stalled reader does not hold a
//! CPU worker.

mod common;

use std::time::{Duration, Instant};

use common::{speech, TestServer};
use emovox_server::ServerConfig;
use reqwest::StatusCode;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

fn client() -> reqwest::Client {
    reqwest::Client::new()
}

/// The value of the metric line that starts with `name ` in `/metrics`.
async fn metric(server: &TestServer, name: &str) -> f64 {
    let text = client()
        .get(server.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("{name} ")))
        .unwrap_or_else(|| panic!("no {name} in\n{text}"))
        .parse()
        .unwrap()
}

/// Polls `metric` until it equals `value` (at most 20 s).
async fn wait_for(server: &TestServer, name: &str, value: f64) {
    let started = Instant::now();
    while metric(server, name).await != value {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "{name} never reached {value}: {}",
            metric(server, name).await
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A raw HTTP/1.1 POST of `body` to `path`, sent whole; the socket is left open.
async fn send_post(server: &TestServer, path: &str, body: &[u8]) -> TcpStream {
    let mut socket = TcpStream::connect(server.addr).await.unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    socket.write_all(head.as_bytes()).await.unwrap();
    socket.write_all(body).await.unwrap();
    socket
}

#[tokio::test]
async fn abandoned_requests_hold_their_slot_until_their_queued_job_is_skipped() {
    let server = TestServer::start(ServerConfig {
        workers: Some(1),
        max_in_flight: 4,
        ..ServerConfig::default()
    })
    .await;
    // The only worker is busy until released.
    let (release, released) = std::sync::mpsc::channel::<()>();
    let busy = server.state.cpu.run(move || {
        let _ = released.recv_timeout(Duration::from_secs(30));
    });
    let busy = tokio::spawn(busy);
    let wav = std::fs::read(speech("kids_talking.wav")).unwrap();
    let mut sockets = Vec::new();
    for _ in 0..3 {
        sockets.push(send_post(&server, "/v1/predict", &wav).await);
    }
    wait_for(&server, "emovox_cpu_jobs_queued", 3.0).await;
    assert_eq!(metric(&server, "emovox_http_in_flight").await, 3.0);
    drop(sockets); // the three clients go away
                   // Their jobs are still queued, holding their bodies: so do they their slots.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(metric(&server, "emovox_http_in_flight").await, 3.0);
    release.send(()).unwrap();
    busy.await.unwrap().unwrap();
    // Nobody waits for their answers: skipped unrun, and the slots are free.
    wait_for(&server, "emovox_cpu_jobs_skipped_total", 3.0).await;
    wait_for(&server, "emovox_http_in_flight", 0.0).await;
    assert_eq!(metric(&server, "emovox_cpu_jobs_queued").await, 0.0);
    let response = client()
        .post(server.url("/v1/predict"))
        .body(wav)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    server.stop().await;
}
