//! Load on real `kiln serve` processes over loopback HTTP, bounded in time:
//! `cargo bench -p kiln --bench load` (`KILN_LOAD_SECONDS`, default 5 per scenario;
//! `KILN_LOAD_CLIENTS`, default 16).
//!
//! - Short links: clients that each store a link (`POST /api/links`, which decodes the payload)
//!   and open it (`GET /s/<id>`), on SQLite, on PostgreSQL, and on three instances sharing one
//!   PostgreSQL database; requests per second and p50/p99 latency, and the three-instance
//!   figure as a ratio of the one-instance figure of the same run.
//! - Streamed replies through the provider proxy: hundreds of clients at once, each streaming a
//!   reply of 40 lines, one every 50 ms, from a fake Ollama in this process (a server-held
//!   provider); time to the first line, how late lines arrive against when the fake sent them,
//!   and the server's memory per open stream.
//! - `/api/run` at and past saturation: more clients than run slots, each running a program of
//!   up to a second; runs finished, refusals (`429` with `Retry-After`), the slowest wait, and
//!   the server's memory before and after.
//!
//! Every client opens a connection per request (`Connection: close`), as the tests do.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a benchmark stops loudly
#![allow(clippy::disallowed_methods, clippy::print_stdout)]

#[path = "../tests/all/serving.rs"]
mod serving;
#[path = "../src/links/test_postgres.rs"]
mod test_postgres;

use std::io::{BufRead as _, BufReader, Write as _};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serving::{Server, link_body, read_request, request, request_with, start_server};
use test_postgres::TestPostgres;

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Share payloads of `n` small, different apps, made by `kiln share encode`.
fn payloads(n: usize) -> Vec<String> {
    let dir = std::env::temp_dir().join(format!("kiln-load-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    (0..n)
        .map(|i| {
            let app = dir.join(format!("app{i}.html"));
            std::fs::write(
                &app,
                format!(
                    "<!DOCTYPE html><title>App {i}</title><p>Counter {i}</p><button>+1</button>"
                ),
            )
            .unwrap();
            let out = std::process::Command::new(env!("CARGO_BIN_EXE_kiln"))
                .args(["share", "encode"])
                .arg(&app)
                .output()
                .unwrap();
            let link = String::from_utf8(out.stdout).unwrap();
            link.trim().split_once('#').unwrap().1.to_owned()
        })
        .collect()
}

/// Latencies of one kind of request, in microseconds.
#[derive(Default)]
struct Times(Vec<u64>);

impl Times {
    fn percentile(&self, p: usize) -> f64 {
        let mut v = self.0.clone();
        v.sort_unstable();
        v.get((v.len() * p / 100).min(v.len().saturating_sub(1)))
            .map_or(0.0, |&us| us as f64 / 1000.0)
    }
}

struct LinkFigures {
    creates: Times,
    opens: Times,
    errors: usize,
    seconds: f64,
}

/// Clients storing and opening links on `servers` (round robin) for `seconds`.
fn link_load(servers: &[Server], payloads: &[String], clients: usize, seconds: u64) -> LinkFigures {
    let addrs: Vec<String> = servers.iter().map(|s| s.studio.clone()).collect();
    let stop = Arc::new(AtomicBool::new(false));
    let results = Arc::new(Mutex::new((Times::default(), Times::default(), 0usize)));
    let started = Instant::now();
    std::thread::scope(|s| {
        for c in 0..clients {
            let (addrs, stop, results) = (&addrs, Arc::clone(&stop), Arc::clone(&results));
            s.spawn(move || {
                let (mut creates, mut opens, mut errors) = (Vec::new(), Vec::new(), 0);
                let mut i = c;
                while !stop.load(Ordering::Relaxed) {
                    let addr = &addrs[i % addrs.len()];
                    let payload = &payloads[i % payloads.len()];
                    let t = Instant::now();
                    let (head, body) = request(addr, "POST", "/api/links", &link_body(payload));
                    if !head.starts_with("http/1.1 201") {
                        errors += 1;
                        i += clients;
                        continue;
                    }
                    creates.push(t.elapsed().as_micros() as u64);
                    let id = serde_json::from_str::<serde_json::Value>(&body).unwrap()["id"]
                        .as_str()
                        .unwrap()
                        .to_owned();
                    // Opened through the next instance: what one stored, another serves.
                    let other = &addrs[(i + 1) % addrs.len()];
                    let t = Instant::now();
                    let (head, _) = request(other, "GET", &format!("/s/{id}"), "");
                    if head.starts_with("http/1.1 303") {
                        opens.push(t.elapsed().as_micros() as u64);
                    } else {
                        errors += 1;
                    }
                    i += clients;
                }
                let mut r = results.lock().unwrap();
                r.0.0.extend(creates);
                r.1.0.extend(opens);
                r.2 += errors;
            });
        }
        std::thread::sleep(Duration::from_secs(seconds));
        stop.store(true, Ordering::Relaxed);
    });
    let seconds = started.elapsed().as_secs_f64();
    let (creates, opens, errors) = std::mem::take(&mut *results.lock().unwrap());
    LinkFigures {
        creates,
        opens,
        errors,
        seconds,
    }
}

/// `n` instances on `database`, with no rate limit unless `extra` sets one.
fn servers(n: usize, database: &str, extra: &[&str]) -> Vec<Server> {
    let mut args = vec!["--database", database];
    if !extra.contains(&"--requests-per-minute") {
        args.extend(["--requests-per-minute", "0"]);
    }
    args.extend_from_slice(extra);
    (0..n).map(|_| start_server(&args)).collect()
}

fn rss_kib(server: &Server) -> u64 {
    std::fs::read_to_string(format!("/proc/{}/status", server.pid()))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|n| n.parse().ok()))
        })
        .unwrap_or(0)
}

/// A WAT program that counts to three billion: about a second of CPU.
const BUSY_WAT: &str = r#"(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (func (export "_start") (local $i i64)
    (loop $l
      (local.set $i (i64.add (local.get $i) (i64.const 1)))
      (br_if $l (i64.lt_u (local.get $i) (i64.const 3000000000))))
    (call $exit (i32.const 0))))"#;

/// Lines per streamed reply, and the time between them.
const STREAM_LINES: usize = 40;
const STREAM_GAP: Duration = Duration::from_millis(50);

/// A fake Ollama on loopback: every `POST /api/chat` gets `STREAM_LINES` NDJSON lines, one per
/// `STREAM_GAP`, each carrying when it was sent (microseconds since `epoch`).
fn fake_ollama(epoch: Instant) -> String {
    // A deep accept queue: the proxy opens every stream's connection at once, and std's
    // backlog of 128 would make connections past it wait a second for a SYN retry.
    let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
    socket
        .bind(&std::net::SocketAddr::from(([127, 0, 0, 1], 0)).into())
        .unwrap();
    socket.listen(4096).unwrap();
    let listener: TcpListener = socket.into();
    let addr = listener.local_addr().unwrap().to_string();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut conn) = conn else { continue };
            std::thread::spawn(move || {
                let _ = read_request(&conn);
                let _ = conn.write_all(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/x-ndjson\r\nConnection: close\r\n\r\n",
                );
                for i in 0..STREAM_LINES {
                    std::thread::sleep(STREAM_GAP);
                    let sent = epoch.elapsed().as_micros();
                    let done = i + 1 == STREAM_LINES;
                    let line = format!(
                        "{{\"message\":{{\"role\":\"assistant\",\"content\":\"{sent} \"}},\"done\":{done}}}\n"
                    );
                    if conn.write_all(line.as_bytes()).is_err() {
                        return;
                    }
                }
            });
        }
    });
    addr
}

struct StreamFigures {
    first_line: Times,
    late: Times,
    complete: usize,
    rss_per_stream_kib: f64,
}

/// `n` clients at once, each streaming one reply through `server`'s proxy.
fn streams(server: &Server, n: usize, epoch: Instant) -> StreamFigures {
    let first_line = Mutex::new(Times::default());
    let late = Mutex::new(Times::default());
    let complete = Mutex::new(0);
    let before = rss_kib(server);
    let peak = Mutex::new(before);
    let body = r#"{"model":"fake","messages":[{"role":"user","content":"hi"}],"stream":true}"#;
    std::thread::scope(|s| {
        for _ in 0..n {
            s.spawn(|| {
                let mut conn = TcpStream::connect(&server.studio).unwrap();
                conn.set_read_timeout(Some(Duration::from_secs(120))).unwrap();
                let t = Instant::now();
                write!(
                    conn,
                    "POST /api/providers/fake/api/chat HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\
                     Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
                    server.studio,
                    body.len()
                )
                .unwrap();
                let mut lines = 0;
                let mut reader = BufReader::new(conn);
                let mut line = String::new();
                while reader.read_line(&mut line).unwrap_or(0) > 0 {
                    // A line of the reply carries when the fake sent it.
                    if let Some(rest) = line.split("\"content\":\"").nth(1) {
                        let sent: u128 = rest.split(' ').next().unwrap().parse().unwrap();
                        let now = epoch.elapsed().as_micros();
                        if lines == 0 {
                            first_line.lock().unwrap().0.push(t.elapsed().as_micros() as u64);
                        }
                        late.lock().unwrap().0.push(u64::try_from(now - sent).unwrap_or(0));
                        lines += 1;
                    }
                    line.clear();
                }
                if lines == STREAM_LINES {
                    *complete.lock().unwrap() += 1;
                }
            });
        }
        // The server's memory while the streams are open.
        let until = Instant::now() + STREAM_GAP * u32::try_from(STREAM_LINES).unwrap_or(40);
        while Instant::now() < until {
            let now = rss_kib(server);
            let mut p = peak.lock().unwrap();
            *p = (*p).max(now);
            drop(p);
            std::thread::sleep(Duration::from_millis(100));
        }
    });
    let peak = peak.into_inner().unwrap();
    StreamFigures {
        first_line: first_line.into_inner().unwrap(),
        late: late.into_inner().unwrap(),
        complete: complete.into_inner().unwrap(),
        rss_per_stream_kib: peak.saturating_sub(before) as f64 / n as f64,
    }
}

fn main() {
    let seconds = env_number("KILN_LOAD_SECONDS", 5);
    let clients = usize::try_from(env_number("KILN_LOAD_CLIENTS", 16)).unwrap_or(16);
    let payloads = payloads(64);
    println!("## Short links: {clients} clients, {seconds} s each (store a link, then open it)\n");
    println!(
        "| store | instances | stored/s | store p50 | store p99 | opened/s | open p50 | open p99 | errors |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    let row = |store: &str, n: usize, f: &LinkFigures| {
        println!(
            "| {store} | {n} | {:.0} | {:.1} ms | {:.1} ms | {:.0} | {:.1} ms | {:.1} ms | {} |",
            f.creates.0.len() as f64 / f.seconds,
            f.creates.percentile(50),
            f.creates.percentile(99),
            f.opens.0.len() as f64 / f.seconds,
            f.opens.percentile(50),
            f.opens.percentile(99),
            f.errors
        );
        f.creates.0.len() as f64 / f.seconds
    };
    let dir = std::env::temp_dir().join(format!("kiln-load-db-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let sqlite = dir.join("links.db");
    let one = servers(1, sqlite.to_str().unwrap(), &["--no-run"]);
    let sqlite_rate = row("SQLite", 1, &link_load(&one, &payloads, clients, seconds));
    drop(one);
    if let Some(pg) = TestPostgres::start("load") {
        let url = pg.database("kiln");
        let one = servers(1, &url, &["--no-run"]);
        let pg1 = row(
            "PostgreSQL",
            1,
            &link_load(&one, &payloads, clients, seconds),
        );
        drop(one);
        let three = servers(3, &url, &["--no-run"]);
        let pg3 = row(
            "PostgreSQL",
            3,
            &link_load(&three, &payloads, clients, seconds),
        );
        drop(three);
        // The same with the per-address limit on (never reached): each request is then also
        // counted in the database.
        let counted = servers(1, &url, &["--no-run", "--requests-per-minute", "100000000"]);
        let pg1_counted = row(
            "PostgreSQL, limits counted",
            1,
            &link_load(&counted, &payloads, clients, seconds),
        );
        drop(counted);
        println!(
            "\nStored per second, three instances / one (PostgreSQL): {:.2}; PostgreSQL / SQLite, \
             one instance: {:.2}; with the rate limit counted in the database / without: {:.2}",
            pg3 / pg1,
            pg1 / sqlite_rate,
            pg1_counted / pg1
        );
    } else {
        println!("\n(PostgreSQL is not installed: its rows are left out.)");
    }

    // Streams through the proxy, from a fake Ollama the server holds as a provider.
    let epoch = Instant::now();
    let ollama = fake_ollama(epoch);
    let config = dir.join("kiln.toml");
    std::fs::write(
        &config,
        format!(
            "[[providers]]\nid = \"fake\"\nprotocol = \"ollama\"\nbase_url = \"http://{ollama}\"\n"
        ),
    )
    .unwrap();
    let proxy = servers(
        1,
        sqlite.to_str().unwrap(),
        &["--no-run", "--config", config.to_str().unwrap()],
    )
    .remove(0);
    println!(
        "\n## Streamed replies through the proxy: {STREAM_LINES} lines {} ms apart, all streams \
         at once\n\n| streams | complete | first line p50 | first line p99 | line late p50 | line late p99 | RSS per stream |\n\
         |---:|---:|---:|---:|---:|---:|---:|",
        STREAM_GAP.as_millis()
    );
    for n in [100, 400, 800, 1600] {
        let f = streams(&proxy, n, epoch);
        println!(
            "| {n} | {} | {:.1} ms | {:.1} ms | {:.1} ms | {:.1} ms | {:.0} KiB |",
            f.complete,
            f.first_line.percentile(50),
            f.first_line.percentile(99),
            f.late.percentile(50),
            f.late.percentile(99),
            f.rss_per_stream_kib
        );
    }
    drop(proxy);

    // /api/run: more clients than slots, each program about a second.
    let run_clients = 32;
    // Each client is its own visitor: it names itself in X-Forwarded-For, which the server
    // believes from loopback, as from a reverse proxy in front of it.
    let server = servers(
        1,
        sqlite.to_str().unwrap(),
        &["--trusted-proxy", "127.0.0.1", "--requests-per-minute", "0"],
    )
    .remove(0);
    // The server readies its Python and JavaScript runtimes when it starts; runs of each
    // first, so that work is done before anything is measured.
    for (language, source) in [("py", "print(1)"), ("js", "console.log(1)")] {
        let warm = serde_json::json!({ "language": language, "source": source }).to_string();
        let (head, answer) = request(&server.studio, "POST", "/api/run", &warm);
        assert!(
            head.starts_with("http/1.1 200"),
            "{language}: {head}{answer}"
        );
    }
    let body = serde_json::json!({ "language": "wat", "source": BUSY_WAT }).to_string();
    let (head, answer) = request(&server.studio, "POST", "/api/run", &body);
    assert!(head.starts_with("http/1.1 200"), "{head}{answer}");
    let before = rss_kib(&server);
    let finished = Mutex::new(Times::default());
    let per_client = Mutex::new(Vec::new());
    let refused = Mutex::new((0usize, Vec::<String>::new()));
    let stop = AtomicBool::new(false);
    let started = Instant::now();
    std::thread::scope(|s| {
        for client in 0..run_clients {
            let (finished, per_client, refused, stop, body) =
                (&finished, &per_client, &refused, &stop, &body);
            let server = &server;
            s.spawn(move || {
                let visitor = format!("198.51.100.{}", client + 1);
                let headers = [
                    ("Content-Type", "application/json"),
                    ("X-Forwarded-For", visitor.as_str()),
                ];
                let mut mine = 0;
                while !stop.load(Ordering::Relaxed) {
                    let t = Instant::now();
                    let (head, _) =
                        request_with(&server.studio, "POST", "/api/run", &headers, body);
                    if head.starts_with("http/1.1 200") {
                        finished
                            .lock()
                            .unwrap()
                            .0
                            .push(t.elapsed().as_micros() as u64);
                        mine += 1;
                    } else {
                        let mut r = refused.lock().unwrap();
                        r.0 += 1;
                        if let Some(wait) = head.lines().find(|l| l.starts_with("retry-after:")) {
                            r.1.push(wait.to_owned());
                        }
                        drop(r);
                        std::thread::sleep(Duration::from_secs(1));
                    }
                }
                per_client.lock().unwrap().push(mine);
            });
        }
        std::thread::sleep(Duration::from_secs(seconds.max(30)));
        stop.store(true, Ordering::Relaxed);
    });
    let per_client = per_client.into_inner().unwrap();
    let elapsed = started.elapsed().as_secs_f64();
    let after = rss_kib(&server);
    let finished = finished.into_inner().unwrap();
    let (refusals, waits) = refused.into_inner().unwrap();
    println!(
        "\n## /api/run past saturation: {run_clients} clients, 2 slots, {elapsed:.0} s\n\n\
         | runs finished | per second | answer p50 | answer p99 | refused (429) | Retry-After | runs per client, fewest–most | RSS before | RSS after |\n\
         |---:|---:|---:|---:|---:|---|---|---:|---:|\n\
         | {} | {:.2} | {:.0} ms | {:.0} ms | {refusals} | {} | {}–{} | {} MiB | {} MiB |",
        finished.0.len(),
        finished.0.len() as f64 / elapsed,
        finished.percentile(50),
        finished.percentile(99),
        waits
            .first()
            .map_or("-", |w| w.trim_start_matches("retry-after:").trim()),
        per_client.iter().min().unwrap_or(&0),
        per_client.iter().max().unwrap_or(&0),
        before / 1024,
        after / 1024,
    );
}
