//! A stream client that breaks the WebSocket protocol gets a close frame saying so
//! (RFC 6455, section 7.4.1: 1002 protocol error), not a connection cut without a word.

mod common;

use common::TestServer;
use emovox_server::ServerConfig;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Opens a stream over a raw TCP connection (the handshake by hand), so frames that no
/// WebSocket library would send can be sent.
async fn raw_stream(server: &TestServer) -> tokio::net::TcpStream {
    let mut socket = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    let request = format!(
        "GET /v1/stream?rate=16000 HTTP/1.1\r\nHost: {}\r\nUpgrade: websocket\r\n\
         Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
         Sec-WebSocket-Version: 13\r\n\r\n",
        server.addr
    );
    socket.write_all(request.as_bytes()).await.unwrap();
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        let mut byte = [0u8; 1];
        socket.read_exact(&mut byte).await.unwrap();
        head.push(byte[0]);
    }
    let head = String::from_utf8(head).unwrap();
    assert!(head.starts_with("HTTP/1.1 101"), "{head}");
    socket
}

/// Everything the server sends until it closes the connection (at most 5 s).
async fn read_until_closed(socket: &mut tokio::net::TcpStream) -> Vec<u8> {
    let mut received = Vec::new();
    let read = socket.read_to_end(&mut received);
    let _ = tokio::time::timeout(std::time::Duration::from_secs(5), read).await;
    received
}

/// The server's frames (unmasked, as a server's are): opcode and payload.
fn frames(mut bytes: &[u8]) -> Vec<(u8, Vec<u8>)> {
    let mut frames = Vec::new();
    while bytes.len() >= 2 {
        let (opcode, length) = (bytes[0] & 0x0f, usize::from(bytes[1] & 0x7f));
        let (start, length) = match length {
            126 if bytes.len() >= 4 => (4, usize::from(u16::from_be_bytes([bytes[2], bytes[3]]))),
            126 | 127 => break, // the server sends nothing over 64 kB here
            n => (2, n),
        };
        let Some(payload) = bytes.get(start..start + length) else {
            break;
        };
        frames.push((opcode, payload.to_vec()));
        bytes = &bytes[start + length..];
    }
    frames
}

/// What the server answers to `frame` sent on a fresh stream: its error message's code, and
/// the code of its close frame, which must be the last frame.
async fn answer_to(frame: &[u8]) -> (String, Option<u16>) {
    let server = TestServer::start(ServerConfig::default()).await;
    let mut socket = raw_stream(&server).await;
    socket.write_all(frame).await.unwrap();
    let received = frames(&read_until_closed(&mut socket).await);
    server.stop().await;
    let error = received
        .iter()
        .filter(|(opcode, _)| *opcode == 0x1)
        .filter_map(|(_, text)| serde_json::from_slice::<serde_json::Value>(text).ok())
        .find(|message| message["type"] == "error");
    let code = error.map_or(String::new(), |e| {
        e["error"]["code"].as_str().unwrap().into()
    });
    let close = received.last().and_then(|(opcode, payload)| {
        (*opcode == 0x8 && payload.len() >= 2).then(|| u16::from_be_bytes([payload[0], payload[1]]))
    });
    (code, close)
}

fn protocol_error() -> (String, Option<u16>) {
    ("protocol_error".into(), Some(1002))
}

#[tokio::test]
async fn an_unmasked_client_frame_is_closed_as_a_protocol_error() {
    // A binary frame of 4 bytes, without the mask every client frame must have.
    assert_eq!(answer_to(&[0x82, 0x04, 0, 0, 0, 0]).await, protocol_error());
}

#[tokio::test]
async fn reserved_bits_are_closed_as_a_protocol_error() {
    // RSV1 set with no extension negotiated; masked with a zero key.
    assert_eq!(
        answer_to(&[0xc2, 0x84, 0, 0, 0, 0, 0, 0, 0, 0]).await,
        protocol_error()
    );
}

#[tokio::test]
async fn an_unknown_opcode_is_closed_as_a_protocol_error() {
    assert_eq!(answer_to(&[0x83, 0x80, 0, 0, 0, 0]).await, protocol_error());
}

#[tokio::test]
async fn a_clients_close_is_not_a_protocol_error() {
    // A masked close frame, 1000 (key 0): the server answers it in kind, with no error.
    let (code, close) = answer_to(&[0x88, 0x82, 0, 0, 0, 0, 0x03, 0xe8]).await;
    assert_eq!((code.as_str(), close), ("", Some(1000)));
}
