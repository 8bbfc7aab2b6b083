//! `kiln serve`: help text, a port in use, and both origins answering.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::Duration;

use crate::{Server, run, start_server, text};

#[test]
fn help_is_clear() {
    let out = run(&["--help"]);
    assert!(out.status.success());
    let help = text(&out.stdout);
    for word in ["serve", "run", "Usage: kiln <COMMAND>"] {
        assert!(help.contains(word), "{help}");
    }
    let out = run(&["serve", "--help"]);
    let help = text(&out.stdout);
    for word in ["--port", "--address", "--sandbox-port", "[default: 8787]"] {
        assert!(help.contains(word), "{help}");
    }
}

#[test]
fn a_port_in_use_is_a_one_line_error() {
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let out = run(&["serve", "--port", &port]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("is already in use") && err.contains("--port"),
        "{err}"
    );
}

fn start() -> Server {
    start_server(&["--no-short-links"])
}

/// A minimal HTTP/1.1 GET, so the test needs no client library; returns the head and body.
fn get(addr: &str, path: &str, host: &str) -> (String, Vec<u8>) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut all = Vec::new();
    s.read_to_end(&mut all).unwrap();
    let split = all.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    (
        text(&all[..split]).to_lowercase(),
        all[split + 4..].to_vec(),
    )
}

#[test]
fn studio_and_sandbox_origins_answer_with_their_policies() {
    let server = start();
    let (head, _) = get(&server.studio, "/healthz", &server.studio);
    assert!(head.starts_with("http/1.1 200"), "{head}");

    let (head, body) = get(&server.studio, "/config.json", &server.studio);
    assert!(head.contains("application/json"), "{head}");
    let config: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(config["sandbox"]["isolation"], "separate-site");
    let sandbox_origin = config["sandbox"]["runner"].as_str().unwrap();
    assert!(
        sandbox_origin.starts_with("http://localhost:"),
        "{sandbox_origin}"
    );

    let (head, _) = get(
        &server.sandbox,
        "/runner.html",
        &server.sandbox.replace("127.0.0.1", "localhost"),
    );
    if head.starts_with("http/1.1 200") {
        // Built with the bundle: the runner's CSP forbids frames and connections.
        assert!(
            head.contains("frame-src 'none'") && head.contains("connect-src 'none'"),
            "{head}"
        );
        let (head, _) = get(
            &server.sandbox,
            "/runner.html?connect=https%3A%2F%2Fapi.example.org",
            "localhost:1",
        );
        assert!(
            head.contains("connect-src https://api.example.org"),
            "{head}"
        );
        let (head, _) = get(&server.sandbox, "/runner.html?connect=*", "localhost:1");
        assert!(head.starts_with("http/1.1 400"), "{head}");
        // Asked for by the version the studio names, the sandbox's pages are kept for good
        // (how a sandboxed frame opens offline); asked for otherwise, they revalidate.
        let (_, page) = get(&server.studio, "/", &server.studio);
        let page = String::from_utf8_lossy(&page);
        let version = page
            .split("name=\"kiln-sandbox-version\" content=\"")
            .nth(1)
            .and_then(|r| r.split('"').next())
            .unwrap();
        assert_eq!(version.len(), 16, "{page}");
        let (head, _) = get(
            &server.sandbox,
            &format!("/runner.html?v={version}&connect="),
            "localhost:1",
        );
        assert!(head.contains("immutable"), "{head}");
        let (head, _) = get(
            &server.sandbox,
            "/runner.html?v=0000000000000000&connect=",
            "localhost:1",
        );
        assert!(head.contains("cache-control: no-cache"), "{head}");
        // The code runner: a Worker and WebAssembly, and no network at all.
        let (head, body) = get(
            &server.sandbox,
            &format!("/code.html?v={version}"),
            "localhost:1",
        );
        assert!(head.starts_with("http/1.1 200"), "{head}");
        assert!(
            head.contains("connect-src 'none'")
                && head.contains("worker-src blob:")
                && head.contains("'wasm-unsafe-eval'"),
            "{head}"
        );
        assert!(head.contains("immutable"), "{head}");
        assert!(String::from_utf8_lossy(&body).contains("need_runtime"));
        // The studio's page is not on the sandbox origin, and the runner not on the studio's.
        let (head, _) = get(&server.sandbox, "/index.html", "localhost:1");
        assert!(head.starts_with("http/1.1 404"), "{head}");
        let (head, _) = get(&server.studio, "/sandbox/runner.html", &server.studio);
        assert!(head.starts_with("http/1.1 404"), "{head}");
        let (head, _) = get(&server.studio, "/", &server.studio);
        assert!(head.contains("frame-src http://localhost:"), "{head}");
    }
}
