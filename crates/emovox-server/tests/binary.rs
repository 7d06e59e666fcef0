//! The `emovox-server` binary as users start it: it binds, serves, logs one line per request
//! and shuts down gracefully on SIGTERM and SIGINT.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// Starts the binary on a free port; returns it, its address and its log lines.
fn start() -> (Child, String, mpsc::Receiver<String>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_emovox-server"))
        .args(["--port", "0"])
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let (tx, rx) = mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let line = rx
        .recv_timeout(Duration::from_secs(60))
        .expect("a start line");
    let addr = line
        .split("http://")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .to_string();
    assert!(
        addr.starts_with("127.0.0.1:"),
        "binds loopback by default: {addr}"
    );
    (child, addr, rx)
}

fn signal(child: &Child, name: &str) {
    let status = Command::new("kill")
        .args([&format!("-{name}"), &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

fn wait(child: &mut Child) -> std::process::ExitStatus {
    for _ in 0..200 {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    panic!("the server did not stop within 10 s");
}

#[tokio::test]
async fn serves_logs_one_line_per_request_and_stops_on_sigterm_and_sigint() {
    for sig in ["TERM", "INT"] {
        let (mut child, addr, lines) = start();
        let health = reqwest::get(format!("http://{addr}/healthz"))
            .await
            .unwrap();
        assert_eq!(health.status(), 200);
        let missing = reqwest::get(format!("http://{addr}/missing"))
            .await
            .unwrap();
        assert_eq!(missing.status(), 404);
        signal(&child, sig);
        let status = wait(&mut child);
        assert!(status.success(), "exit status {status}");
        let log: Vec<String> = lines.try_iter().collect();
        let requests: Vec<&String> = log.iter().filter(|l| l.contains(" GET /")).collect();
        assert_eq!(requests.len(), 2, "{log:#?}");
        assert!(requests[0].contains("GET /healthz 200"), "{log:#?}");
        assert!(requests[1].contains("GET /missing 404"), "{log:#?}");
        assert!(
            log.iter().any(|l| l.contains(&format!("SIG{sig}"))),
            "{log:#?}"
        );
    }
}

#[test]
fn refuses_to_start_with_a_limit_out_of_range() {
    for (option, value) in [
        ("--body-timeout-seconds", "1e20"),
        ("--body-timeout-seconds", "inf"),
        ("--stream-idle-seconds", "1e20"),
        ("--write-timeout-seconds", "NaN"),
        ("--max-clip-seconds", "0"),
        ("--max-timeline-seconds", "-1"),
        ("--max-body-bytes", "0"),
        ("--max-in-flight", "0"),
        ("--max-streams", "10000000000000000000"),
        ("--workers", "0"),
    ] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_emovox-server"))
            .args(["--port", "0", &format!("{option}={value}")])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let status = wait(&mut child);
        assert!(!status.success(), "{option} {value} started");
        let mut stderr = String::new();
        std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
        assert!(
            stderr.contains(&format!("error: {option} ")),
            "{option} {value}: {stderr}"
        );
    }
}
