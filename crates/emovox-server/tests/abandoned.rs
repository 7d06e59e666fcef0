//! Clients that go away, or never read their answer, cost the server no more than their
//! in-flight slot allows: their queued work is skipped, and a stalled reader does not hold a
//! CPU worker.

mod common;

use std::time::{Duration, Instant};

use common::{client, metrics_text, speech, TestServer};
use emovox_server::ServerConfig;
use reqwest::StatusCode;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The value of the metric line that starts with `name ` in `/metrics`.
async fn metric(server: &TestServer, name: &str) -> f64 {
    let text = metrics_text(server).await;
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

/// A raw POST from a client with a small receive buffer that never reads its answer.
async fn stalled_reader(server: &TestServer, path: &str, body: &[u8]) -> TcpStream {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4_096).unwrap();
    let mut stream = socket.connect(server.addr).await.unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(body).await.unwrap();
    stream
}

/// Everything `socket` receives until the server closes it (at most 30 s).
async fn read_to_close(mut socket: TcpStream) -> String {
    let mut received = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(30), socket.read_to_end(&mut received));
    let closed = read.await.expect("the server closed the connection");
    // A reset (the server closed with unread data) also ends it.
    let _ = closed;
    String::from_utf8_lossy(&received).into_owned()
}

#[tokio::test]
async fn a_client_that_never_reads_its_timeline_frees_the_worker_and_its_slot() {
    let server = TestServer::start_with_small_send_buffers(ServerConfig {
        workers: Some(1),
        write_timeout_seconds: 1.0,
        ..ServerConfig::default()
    })
    .await;
    // 2 min of speech in windows of 0.1 s every 0.02 s (one VAD frame): about 0.85 MB of lines, far more than
    // the socket buffers hold, computed in about 5 s.
    let wav = common::wav_bytes(&common::long_speech(120.0), 16_000);
    let started = Instant::now();
    let stalled = stalled_reader(&server, "/v1/timeline?window=0.1&hop=0.02", &wav).await;
    wait_for(&server, "emovox_http_in_flight", 1.0).await;
    // The timeline is on the only worker, its first lines fill the client's buffers.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let clip = std::fs::read(speech("kids_talking.wav")).unwrap();
    let response = tokio::time::timeout(
        Duration::from_secs(30),
        client().post(server.url("/v1/predict")).body(clip).send(),
    )
    .await
    .expect("a clip is classified while a client leaves its timeline unread")
    .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    eprintln!("predict answered after {:?}", started.elapsed());
    // The stalled connection was closed, its slot freed, its answer cut short.
    wait_for(&server, "emovox_http_in_flight", 0.0).await;
    let received = read_to_close(stalled).await;
    assert!(received.starts_with("HTTP/1.1 200"), "{received:.100}");
    assert!(!received.contains("\"done\""));
    server.stop().await;
}

/// Reads `bytes` bytes every 100 ms from `socket` until the server closes it (at most 60 s);
/// returns what it received.
async fn trickle(mut socket: TcpStream, bytes: usize) -> String {
    let mut received = Vec::new();
    let mut buffer = vec![0u8; bytes];
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(60) {
        match socket.read(&mut buffer).await {
            Ok(0) | Err(_) => break,
            Ok(n) => received.extend_from_slice(&buffer[..n]),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    eprintln!(
        "trickle ended after {:?} with {} bytes",
        started.elapsed(),
        received.len()
    );
    String::from_utf8_lossy(&received).into_owned()
}

#[tokio::test]
async fn a_client_that_trickles_its_timeline_in_frees_the_worker() {
    let server = TestServer::start_with_small_send_buffers(ServerConfig {
        workers: Some(1),
        write_timeout_seconds: 10.0,
        min_read_bytes_per_second: 64.0 * 1024.0,
        ..ServerConfig::default()
    })
    .await;
    // About 0.85 MB of lines (as above), taken at 1,000 bytes/s: the socket takes them in bursts
    // of about 2 KB (half the client's receive buffer) every 2 s, so no write ever stalls for
    // the write timeout, but the answer would hold the only worker for half an hour.
    let wav = common::wav_bytes(&common::long_speech(120.0), 16_000);
    let started = Instant::now();
    let slow = stalled_reader(&server, "/v1/timeline?window=0.1&hop=0.02", &wav).await;
    let slow = tokio::spawn(trickle(slow, 100));
    wait_for(&server, "emovox_http_in_flight", 1.0).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let clip = std::fs::read(speech("kids_talking.wav")).unwrap();
    let response = tokio::time::timeout(
        Duration::from_secs(40),
        client().post(server.url("/v1/predict")).body(clip).send(),
    )
    .await
    .expect("a clip is classified while a client trickles its timeline in")
    .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    eprintln!("predict answered after {:?}", started.elapsed());
    wait_for(&server, "emovox_http_in_flight", 0.0).await;
    let received = slow.await.unwrap();
    assert!(received.starts_with("HTTP/1.1 200"), "{received:.100}");
    // It got more than the buffers hold before the server gave up on it, without the end.
    assert!(received.len() > 8_192, "{} bytes", received.len());
    assert!(!received.contains("\"done\""));
    server.stop().await;
}

#[tokio::test]
async fn a_stream_client_that_sends_but_never_reads_is_dropped() {
    let server = TestServer::start_with_small_send_buffers(ServerConfig {
        write_timeout_seconds: 1.0,
        stream_idle_seconds: 600.0,
        ..ServerConfig::default()
    })
    .await;
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4_096).unwrap();
    let stream = socket.connect(server.addr).await.unwrap();
    let (socket, _) =
        tokio_tungstenite::client_async(server.ws_url("/v1/stream?rate=16000"), stream)
            .await
            .unwrap();
    let (mut sink, _never_read) = futures_util::StreamExt::split(socket);
    // 2 min of speech, 120 windows of about 400 bytes: more than the buffers hold.
    let speech = common::long_speech(120.0);
    let sender = tokio::spawn(async move {
        for chunk in speech.chunks(16_000) {
            let bytes = common::ws::f32le(chunk);
            let message = tokio_tungstenite::tungstenite::Message::Binary(bytes.into());
            if futures_util::SinkExt::send(&mut sink, message)
                .await
                .is_err()
            {
                return;
            }
        }
        std::future::pending::<()>().await; // the client stays connected, reading nothing
    });
    wait_for(&server, "emovox_streams_active", 1.0).await;
    // The server gives up on the client once it has taken nothing for a second.
    wait_for(&server, "emovox_streams_active", 0.0).await;
    sender.abort();
    server.stop().await;
}
