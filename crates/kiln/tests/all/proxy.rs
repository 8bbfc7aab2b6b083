//! `kiln serve`'s provider proxy over real HTTP, against fake providers on loopback that each
//! play one part: a stream that waits for the page, an error with a retry delay, a stream that
//! breaks off, one that never stops, and none at all.

use std::io::{Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::time::Duration;

use crate::deploy::temp;
use crate::serving::{Server, read_request, start_server_env};

const WAIT: Duration = Duration::from_secs(20);

/// A fake provider: every connection gets its request read (head and body, passed to
/// `requests`) and is then handed to `answer`.
fn fake(answer: fn(TcpStream, &Receiver<()>, &Sender<String>)) -> Fake {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let (requests_tx, requests) = channel();
    let (go, go_rx) = channel();
    let (events_tx, events) = channel();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(conn) = conn else { continue };
            let (head, body) = read_request(&conn);
            let _ = requests_tx.send(format!("{head}{}", String::from_utf8_lossy(&body)));
            answer(conn, &go_rx, &events_tx);
        }
    });
    Fake {
        addr,
        requests,
        go,
        events,
    }
}

struct Fake {
    addr: String,
    /// Each request as it arrived: head lines and body.
    requests: Receiver<String>,
    /// Lets a waiting answer go on.
    go: Sender<()>,
    /// What the answer saw (for the one that never stops: that the proxy hung up).
    events: Receiver<String>,
}

fn chunk(conn: &mut TcpStream, text: &str) -> std::io::Result<()> {
    write!(conn, "{:x}\r\n{text}\r\n", text.len())?;
    conn.flush()
}

const STREAM_HEAD: &str = "HTTP/1.1 200 OK\r\nContent-Type: application/x-ndjson\r\n\
                           Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n";

/// One line, then a wait for the test to say it arrived, then the rest.
fn waits_for_the_page(mut conn: TcpStream, go: &Receiver<()>, _: &Sender<String>) {
    let _ = conn.write_all(STREAM_HEAD.as_bytes());
    let _ = chunk(&mut conn, "{\"first\":true}\n");
    if go.recv_timeout(WAIT).is_ok() {
        let _ = chunk(&mut conn, "{\"second\":true}\n");
        let _ = conn.write_all(b"0\r\n\r\n");
    }
}

fn rate_limited(mut conn: TcpStream, _: &Receiver<()>, _: &Sender<String>) {
    let body = r#"{"error":{"message":"slow down"}}"#;
    let _ = write!(
        conn,
        "HTTP/1.1 429 Too Many Requests\r\nContent-Type: application/json\r\nRetry-After: 7\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
}

/// Promises 1,000 bytes, sends a few and hangs up.
fn breaks_off(mut conn: TcpStream, _: &Receiver<()>, _: &Sender<String>) {
    let _ = conn.write_all(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/x-ndjson\r\nContent-Length: 1000\r\n\r\n\
          {\"partial\":true}\n",
    );
    let _ = conn.flush();
    std::thread::sleep(Duration::from_millis(200));
}

/// A line every 50 ms until a write fails, which it reports.
fn never_stops(mut conn: TcpStream, _: &Receiver<()>, events: &Sender<String>) {
    let _ = conn.write_all(STREAM_HEAD.as_bytes());
    for _ in 0..600 {
        if chunk(&mut conn, "{\"more\":true}\n").is_err() {
            let _ = events.send("hung up".to_owned());
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = events.send("wrote for 30 s".to_owned());
}

/// A server holding one provider per fake, each under the fake's name, and the key
/// `server-key`; `name` names its folder.
fn serve(name: &str, fakes: &[(&str, &str)]) -> Server {
    let dir = temp(name);
    let config = dir.join("kiln.toml");
    let mut text = String::new();
    for (id, addr) in fakes {
        text.push_str(&format!(
            "[[providers]]\nid = \"{id}\"\nprotocol = \"openai\"\nbase_url = \"http://{addr}/v1\"\n\
             api_key_env = \"KILN_TEST_PROXY_KEY\"\n"
        ));
    }
    std::fs::write(&config, text).unwrap();
    start_server_env(
        &[
            "--no-short-links",
            "--no-run",
            "--config",
            config.to_str().unwrap(),
        ],
        &[("KILN_TEST_PROXY_KEY", "server-key")],
    )
}

/// Sends a chat request as the studio page does, with a cookie and a key of the page's own
/// that must stay behind.
fn send(server: &Server, provider: &str) -> TcpStream {
    let mut s = TcpStream::connect(&server.studio).unwrap();
    s.set_read_timeout(Some(WAIT)).unwrap();
    let body = r#"{"model":"m","stream":true,"messages":[]}"#;
    write!(
        s,
        "POST /api/providers/{provider}/chat/completions HTTP/1.1\r\nHost: {}\r\n\
         Content-Type: application/json\r\nCookie: session=page-secret\r\n\
         Authorization: Bearer page-key\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{body}",
        server.studio,
        body.len()
    )
    .unwrap();
    s
}

/// Reads until `needle` has arrived (or the connection ends), and gives all read so far.
fn read_until(s: &mut TcpStream, needle: &str) -> String {
    let mut all = Vec::new();
    let mut buf = [0; 4096];
    while !String::from_utf8_lossy(&all).contains(needle) {
        match s.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => all.extend_from_slice(&buf[..n]),
        }
    }
    String::from_utf8_lossy(&all).into_owned()
}

fn read_to_end(s: &mut TcpStream) -> String {
    let mut all = Vec::new();
    let _ = s.read_to_end(&mut all);
    String::from_utf8_lossy(&all).into_owned()
}

#[test]
fn the_proxy_adds_the_servers_key_and_passes_the_stream_on_as_it_comes() {
    let provider = fake(waits_for_the_page);
    let server = serve("proxy-key", &[("team", &provider.addr)]);
    let mut s = send(&server, "team");
    // The second line is only written once the first has reached the page: a proxy that
    // buffered the reply would never see it.
    let first = read_until(&mut s, "first");
    assert!(first.starts_with("HTTP/1.1 200"), "{first}");
    assert!(first.contains("{\"first\":true}"), "{first}");
    let head = first.to_lowercase();
    assert!(
        head.contains("content-type: application/x-ndjson"),
        "{first}"
    );
    assert!(head.contains("x-accel-buffering: no"), "{first}");
    provider.go.send(()).unwrap();
    let rest = read_to_end(&mut s);
    assert!(rest.contains("{\"second\":true}"), "{rest}");
    assert!(
        rest.ends_with("0\r\n\r\n"),
        "a complete stream ends cleanly: {rest:?}"
    );

    let request = provider.requests.recv_timeout(WAIT).unwrap();
    let lower = request.to_lowercase();
    assert!(
        request.starts_with("POST /v1/chat/completions HTTP/1.1"),
        "{request}"
    );
    assert!(
        lower.contains("authorization: bearer server-key"),
        "{request}"
    );
    assert!(
        !lower.contains("page-key"),
        "the page's own key stays behind: {request}"
    );
    assert!(!lower.contains("cookie"), "cookies stay behind: {request}");
    assert!(
        request.ends_with(r#"{"model":"m","stream":true,"messages":[]}"#),
        "{request}"
    );
}

#[test]
fn provider_errors_pass_through_and_a_stream_that_breaks_off_stays_cut() {
    let limited = fake(rate_limited);
    let cut = fake(breaks_off);
    let closed = TcpListener::bind("127.0.0.1:0").unwrap();
    let nobody = closed.local_addr().unwrap().to_string();
    drop(closed);
    let server = serve(
        "proxy-errors",
        &[
            ("limited", &limited.addr),
            ("cut", &cut.addr),
            ("nobody", &nobody),
        ],
    );

    let answer = read_to_end(&mut send(&server, "limited"));
    assert!(answer.starts_with("HTTP/1.1 429"), "{answer}");
    assert!(answer.to_lowercase().contains("retry-after: 7"), "{answer}");
    assert!(answer.contains("slow down"), "{answer}");

    // The page keeps what came, and sees that the stream did not end: no last chunk.
    let answer = read_to_end(&mut send(&server, "cut"));
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("{\"partial\":true}"), "{answer}");
    assert!(
        !answer.ends_with("0\r\n\r\n"),
        "a cut stream must not look complete: {answer:?}"
    );

    let answer = read_to_end(&mut send(&server, "nobody"));
    assert!(answer.starts_with("HTTP/1.1 502"), "{answer}");
    assert!(
        answer.contains("the provider could not be reached: connection failed"),
        "{answer}"
    );
    assert!(!answer.contains("server-key"), "{answer}");
}

#[test]
fn a_page_that_stops_reading_closes_the_providers_stream() {
    let provider = fake(never_stops);
    let server = serve("proxy-endless", &[("endless", &provider.addr)]);
    let mut s = send(&server, "endless");
    let first = read_until(&mut s, "more");
    assert!(first.contains("{\"more\":true}"), "{first}");
    drop(s);
    // The fake writes every 50 ms; once the proxy drops its side, a write fails.
    assert_eq!(
        provider.events.recv_timeout(WAIT).as_deref(),
        Ok("hung up"),
        "the proxy kept reading a stream nobody wanted"
    );
}
