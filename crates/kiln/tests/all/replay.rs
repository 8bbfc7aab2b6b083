//! A local replay server for the `generate` tests: it answers each request with the next
//! recorded provider response from `tests/providers/`, byte for byte, over real HTTP/1.1 on
//! 127.0.0.1, and records every request (method, path, headers, body) for the tests to check.
//!
//! Bodies are sent with chunked transfer encoding in deliberately awkward pieces (1, 2, 3, 5…
//! bytes), flushed one by one, with a pause after any piece that ends inside a multi-byte UTF-8
//! character, so that the client really reads split characters and split events. A response can
//! also be cut: the connection is closed partway through the body, without the terminating
//! chunk, as a dropped connection looks to the client. This lives only in the test binary; it is
//! no provider and never ships in `kiln`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// Sizes of the pieces a body is cut into, in turn.
const PIECES: [usize; 12] = [1, 2, 3, 5, 7, 11, 1, 13, 64, 2, 257, 4];

pub fn providers_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/providers")
}

/// A recorded response: status line, headers and the body, byte for byte.
#[derive(Clone)]
pub struct Transcript {
    pub status: u16,
    pub reason: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Transcript {
    /// Loads `tests/providers/{name}`: an HTTP response head with `\n` line ends, a blank line,
    /// then the exact body.
    pub fn load(name: &str) -> Self {
        let bytes = std::fs::read(providers_dir().join(name))
            .unwrap_or_else(|e| panic!("transcript {name}: {e}"));
        let split = bytes.windows(2).position(|w| w == b"\n\n").unwrap();
        let head = std::str::from_utf8(&bytes[..split]).unwrap();
        let mut lines = head.lines();
        let status_line = lines.next().unwrap();
        let mut parts = status_line.splitn(3, ' ');
        let _version = parts.next();
        let status = parts.next().unwrap().parse().unwrap();
        let reason = parts.next().unwrap_or("").to_owned();
        let headers = lines
            .map(|l| {
                let (n, v) = l.split_once(": ").unwrap();
                (n.to_owned(), v.to_owned())
            })
            .collect();
        Self {
            status,
            reason,
            headers,
            body: bytes[split + 2..].to_vec(),
        }
    }
}

/// How to send a response's body.
#[derive(Clone, Copy)]
pub enum Plan {
    /// In the awkward pieces of [`PIECES`].
    Awkward,
    /// Awkward pieces up to this many bytes of the body, then the connection is dropped.
    CutAt(usize),
}

/// One request as the server received it.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    /// Names lowercase, in the order sent.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Default)]
struct State {
    script: Vec<(Transcript, Plan)>,
    recorded: Vec<Recorded>,
    /// Pieces that ended inside a UTF-8 character.
    utf8_splits: usize,
}

pub struct Replay {
    addr: SocketAddr,
    state: Arc<Mutex<State>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Replay {
    /// Serves `script` in order, one response per request.
    pub fn start(script: Vec<(Transcript, Plan)>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let state = Arc::new(Mutex::new(State {
            script: script.into_iter().rev().collect(),
            ..State::default()
        }));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let state = Arc::clone(&state);
            let stop = Arc::clone(&stop);
            std::thread::spawn(move || {
                for stream in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    if let Ok(stream) = stream {
                        serve(stream, &state);
                    }
                }
            })
        };
        Self {
            addr,
            state,
            stop,
            thread: Some(thread),
        }
    }

    /// `http://127.0.0.1:PORT`
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.state.lock().unwrap().recorded.clone()
    }

    pub fn utf8_splits(&self) -> usize {
        self.state.lock().unwrap().utf8_splits
    }
}

impl Drop for Replay {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so that it sees the flag.
        let _ = TcpStream::connect(self.addr);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn serve(stream: TcpStream, state: &Mutex<State>) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let _ = stream.set_nodelay(true);
    let Some(request) = read_request(&stream) else {
        return;
    };
    let next = {
        let mut state = state.lock().unwrap();
        state.recorded.push(request);
        state.script.pop()
    };
    let mut out = stream;
    let Some((t, plan)) = next else {
        let _ = out.write_all(
            b"HTTP/1.1 599 Script Exhausted\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
        );
        return;
    };
    let mut head = format!("HTTP/1.1 {} {}\r\n", t.status, t.reason);
    for (name, value) in &t.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("transfer-encoding: chunked\r\nconnection: close\r\n\r\n");
    if out.write_all(head.as_bytes()).is_err() {
        return;
    }
    let end = match plan {
        Plan::Awkward => t.body.len(),
        Plan::CutAt(n) => n.min(t.body.len()),
    };
    let mut at = 0;
    let mut splits = 0;
    for size in PIECES.iter().cycle() {
        if at >= end {
            break;
        }
        let to = (at + size).min(end);
        let piece = &t.body[at..to];
        let chunk = [format!("{:x}\r\n", piece.len()).as_bytes(), piece, b"\r\n"].concat();
        if out.write_all(&chunk).and_then(|()| out.flush()).is_err() {
            return;
        }
        // A piece that ends inside a character: give the client time to read it alone.
        if t.body.get(to).is_some_and(|b| (0x80..0xC0).contains(b)) {
            splits += 1;
            std::thread::sleep(Duration::from_millis(2));
        }
        at = to;
    }
    state.lock().unwrap().utf8_splits += splits;
    if matches!(plan, Plan::Awkward) {
        let _ = out.write_all(b"0\r\n\r\n");
        let _ = out.flush();
    } else {
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = out.shutdown(Shutdown::Both);
}

fn read_request(stream: &TcpStream) -> Option<Recorded> {
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_owned();
    let path = parts.next()?.to_owned();
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).ok()?;
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        let (name, value) = line.split_once(':')?;
        headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
    }
    let header = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
    };
    let mut body = Vec::new();
    if let Some(len) = header("content-length") {
        let len: usize = len.parse().ok()?;
        body.resize(len, 0);
        reader.read_exact(&mut body).ok()?;
    } else if header("transfer-encoding").is_some_and(|v| v.contains("chunked")) {
        loop {
            let mut size = String::new();
            reader.read_line(&mut size).ok()?;
            let size = usize::from_str_radix(size.trim(), 16).ok()?;
            let mut chunk = vec![0; size + 2];
            reader.read_exact(&mut chunk).ok()?;
            if size == 0 {
                break;
            }
            body.extend_from_slice(&chunk[..size]);
        }
    }
    Some(Recorded {
        method,
        path,
        headers,
        body,
    })
}
