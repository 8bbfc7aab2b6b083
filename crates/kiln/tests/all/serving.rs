//! A `kiln serve` process on loopback and plain HTTP/1.1 to it, with no client library: for
//! the integration tests, and the load benchmark (`benches/load.rs` includes this file).
#![allow(dead_code, clippy::unwrap_used, clippy::panic)] // test code: failures stop loudly

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpStream;
use std::time::Duration;

/// A running `kiln serve --port 0 ARGS`, killed when dropped.
pub struct Server {
    child: std::process::Child,
    /// The studio's `host:port`.
    pub studio: String,
    /// The sandbox's `host:port`, as 127.0.0.1.
    pub sandbox: String,
}

impl Server {
    /// The process id, for its memory in `/proc`.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Stops it as a service manager would (SIGTERM) and gives how it exited, waiting at most
    /// 30 s.
    pub fn terminate(mut self) -> Option<std::process::ExitStatus> {
        let sent = std::process::Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(sent.success());
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        while std::time::Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().unwrap() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        None
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `kiln serve --port 0` with `args` and reads the addresses it prints.
pub fn start_server(args: &[&str]) -> Server {
    start_server_env(args, &[])
}

/// `start_server` with these environment variables set for the server.
pub fn start_server_env(args: &[&str], env: &[(&str, &str)]) -> Server {
    use std::io::BufRead as _;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_kiln"))
        .args(["serve", "--port", "0"])
        .args(args)
        .envs(env.iter().copied())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    // "Kiln is serving at http://127.0.0.1:P/ (sandbox at http://localhost:Q; Ctrl-C to stop)"
    let field = |n: usize, end: char| {
        line.split("http://")
            .nth(n)
            .and_then(|rest| rest.split(end).next())
            .unwrap_or_else(|| panic!("unexpected first line: {line:?}"))
            .to_owned()
    };
    let studio = field(1, '/');
    let sandbox = field(2, ';').replace("localhost", "127.0.0.1");
    Server {
        child,
        studio,
        sandbox,
    }
}

/// A request with a JSON body when there is one, as the studio page sends; the lower-cased
/// head and the body.
pub fn request(addr: &str, method: &str, path: &str, body: &str) -> (String, String) {
    // What the studio page sends: a JSON body from its own origin.
    let json = ("Content-Type", "application/json");
    let headers: &[(&str, &str)] = if body.is_empty() { &[] } else { &[json] };
    request_with(addr, method, path, headers, body)
}

/// A request with exactly these headers (and `Host`, unless given).
pub fn request_with(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (String, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    let mut head = format!("{method} {path} HTTP/1.1\r\nConnection: close\r\n");
    if !headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("host")) {
        head.push_str(&format!("Host: {addr}\r\n"));
    }
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    write!(s, "{head}Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
    let mut all = String::new();
    s.read_to_string(&mut all).unwrap();
    let (head, body) = all.split_once("\r\n\r\n").unwrap();
    (head.to_lowercase(), body.to_owned())
}

/// The body of `POST /api/links`.
pub fn link_body(payload: &str) -> String {
    serde_json::json!({ "payload": payload }).to_string()
}

/// The other side, for the fake providers the tests and the benchmark stand up: reads one
/// request from `conn` and gives its head (request line and headers, as sent) and its body (as
/// long as `Content-Length` says).
pub fn read_request(conn: &TcpStream) -> (String, Vec<u8>) {
    let mut reader = BufReader::new(conn.try_clone().unwrap());
    let mut head = String::new();
    let mut length = 0;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            break;
        }
        if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            length = v.trim().parse().unwrap_or(0);
        }
        head.push_str(&line);
        if line == "\r\n" {
            break;
        }
    }
    let mut body = vec![0; length];
    let _ = reader.read_exact(&mut body);
    (head, body)
}
