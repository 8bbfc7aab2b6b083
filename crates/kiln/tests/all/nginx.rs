//! docs/deploy.md's nginx recipe for several instances, run as written: two `kiln serve`
//! processes on a throwaway PostgreSQL cluster behind Debian's nginx, with the recipe's example
//! addresses swapped for loopback ports and its names sent as `Host`.
//!
//! Without nginx or PostgreSQL installed it says so and passes, unless `KILN_REQUIRE_NGINX` is
//! set (`./dev test` sets it and installs both).

use std::io::{Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::time::{Duration, Instant};

use crate::deploy::{link_body, payload_of, temp};
use crate::serving::{Server, read_request, request, start_server};
use crate::test_postgres::TestPostgres;

const STUDIO: &str = "kiln.example.org";
const SANDBOX: &str = "kiln-sandbox.example.net";
const WAIT: Duration = Duration::from_secs(20);

fn nginx_program() -> Option<PathBuf> {
    let found = ["/usr/sbin/nginx", "/usr/bin/nginx"]
        .into_iter()
        .map(PathBuf::from)
        .find(|p| p.exists());
    if found.is_none() {
        assert!(
            std::env::var_os("KILN_REQUIRE_NGINX").is_none(),
            "KILN_REQUIRE_NGINX is set but nginx is not installed (apt-get install nginx)"
        );
        eprintln!("nginx is not installed: the recipe test is skipped");
    }
    found
}

/// The nginx block of docs/deploy.md that the test marker stands above.
fn recipe() -> String {
    let doc = std::fs::read_to_string(crate::repo("docs/deploy.md")).unwrap();
    let marker = "<!-- tested: crates/kiln/tests/all/nginx.rs";
    let after = &doc[doc
        .find(marker)
        .expect("the recipe's marker in docs/deploy.md")..];
    let start = after.find("```nginx\n").unwrap() + "```nginx\n".len();
    let end = start + after[start..].find("```").unwrap();
    after[start..end].to_owned()
}

/// nginx in the foreground with the recipe, stopped when dropped.
struct Nginx {
    child: Child,
    port: u16,
}

impl Drop for Nginx {
    fn drop(&mut self) {
        // SIGTERM: the master stops its workers (SIGKILL would leave them running, holding
        // the port and whatever files they inherited).
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn start_nginx(program: &Path, dir: &Path, instances: &[&Server]) -> Nginx {
    let mut conf = recipe();
    let port = free_port();
    // The recipe's example addresses, as the instances here have them.
    for (i, server) in instances.iter().enumerate() {
        let host = format!("10.0.0.1{}", i + 1);
        for (example, real) in [
            (format!("{host}:8787"), &server.studio),
            (format!("{host}:8788"), &server.sandbox),
        ] {
            assert!(conf.contains(&example), "the recipe names {example}");
            conf = conf.replace(&example, real);
        }
    }
    assert!(conf.contains("listen 80;"), "{conf}");
    conf = conf.replace("listen 80;", &format!("listen 127.0.0.1:{port};"));
    let d = dir.display();
    let main = format!(
        "daemon off;\nworker_processes 1;\npid {d}/nginx.pid;\nerror_log {d}/error.log info;\n\
         events {{ worker_connections 1024; }}\n\
         http {{\n  access_log {d}/access.log;\n  client_body_temp_path {d}/body;\n\
         proxy_temp_path {d}/proxy;\n  fastcgi_temp_path {d}/fastcgi;\n  uwsgi_temp_path {d}/uwsgi;\n\
         scgi_temp_path {d}/scgi;\n{conf}\n}}\n"
    );
    let path = dir.join("nginx.conf");
    std::fs::write(&path, main).unwrap();
    let check = Command::new(program)
        .args(["-t", "-p"])
        .arg(dir)
        .arg("-c")
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "nginx -t: {}",
        String::from_utf8_lossy(&check.stderr)
    );
    let child = Command::new(program)
        .arg("-p")
        .arg(dir)
        .arg("-c")
        .arg(&path)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + WAIT;
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "nginx did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    Nginx { child, port }
}

/// A request through nginx to the site named `host`, as the client at `client` (which the
/// client itself claims in `X-Forwarded-For`, as nginx on another machine would have passed
/// Sends a request through nginx to the site named `host`, as the client at `client` (which
/// the client itself claims in `X-Forwarded-For`, as nginx on another machine would have passed
/// it: nginx appends the test's own address, which kiln also trusts); the connection, to read
/// the answer from.
fn send_via(
    nginx: &Nginx,
    host: &str,
    client: &str,
    method: &str,
    path: &str,
    body: &str,
) -> TcpStream {
    let mut s = TcpStream::connect(("127.0.0.1", nginx.port)).unwrap();
    s.set_read_timeout(Some(WAIT)).unwrap();
    let json = if body.is_empty() {
        ""
    } else {
        "Content-Type: application/json\r\n"
    };
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\nX-Forwarded-For: {client}\r\n{json}\
         Connection: close\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    s
}

/// `send_via`, and the answer's status and body.
fn via(
    nginx: &Nginx,
    host: &str,
    client: &str,
    method: &str,
    path: &str,
    body: &str,
) -> (u16, String) {
    let mut s = send_via(nginx, host, client, method, path, body);
    let mut all = Vec::new();
    s.read_to_end(&mut all).unwrap();
    let all = String::from_utf8_lossy(&all).into_owned();
    let status = all
        .get(9..12)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status: {all:?}"));
    let body = all
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

/// A fake Ollama whose reply waits, after its first line, until told to go on; it reports
/// each request's first line (which names the instance: each has its own base path).
fn fake_ollama() -> (String, Receiver<String>, Sender<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let (seen_tx, seen) = channel();
    let (go, go_rx) = channel::<()>();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut conn) = conn else { continue };
            let (head, _) = read_request(&conn);
            let first = head.lines().next().unwrap_or_default().to_owned();
            let _ = seen_tx.send(first);
            let _ = conn.write_all(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/x-ndjson\r\nConnection: close\r\n\r\n\
                  {\"message\":{\"role\":\"assistant\",\"content\":\"first \"},\"done\":false}\n",
            );
            if go_rx.recv_timeout(Duration::from_secs(60)).is_ok() {
                let _ = conn.write_all(
                    b"{\"message\":{\"role\":\"assistant\",\"content\":\"last\"},\"done\":true}\n",
                );
            }
        }
    });
    (addr, seen, go)
}

/// `/s/<id>` on `server` sends the browser on to the studio with the link's payload.
fn assert_opens(server: &Server, id: &str) {
    let (head, body) = request(&server.studio, "GET", &format!("/s/{id}"), "");
    assert!(
        head.starts_with("http/1.1 303") && head.contains("location: ../?s="),
        "{head}{body}"
    );
}

/// A fake provider whose every reply promises 1,000 bytes, sends a line and hangs up.
fn breaks_off() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut conn) = conn else { continue };
            let _ = read_request(&conn);
            let _ = conn.write_all(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/x-ndjson\r\nContent-Length: 1000\r\n\r\n\
                  {\"message\":{\"role\":\"assistant\",\"content\":\"partial\"},\"done\":false}\n",
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    });
    addr
}

#[test]
fn the_documented_nginx_recipe_serves_two_instances_as_one() {
    let Some(program) = nginx_program() else {
        return;
    };
    let Some(pg) = TestPostgres::start("nginx") else {
        return;
    };
    let dir = temp("nginx");
    // nginx's workers run as `nobody` when it is started as root, and write their temporary
    // files here.
    std::fs::set_permissions(
        &dir,
        <std::fs::Permissions as std::os::unix::fs::PermissionsExt>::from_mode(0o777),
    )
    .unwrap();
    let url = pg.database("kiln");
    let (ollama, seen, go) = fake_ollama();
    let cut = breaks_off();
    let limit = 6;
    let start = |name: &str| {
        let config = dir.join(format!("{name}.toml"));
        std::fs::write(
            &config,
            format!(
                "[[providers]]\nid = \"local\"\nprotocol = \"ollama\"\n\
                 base_url = \"http://{ollama}/{name}\"\n\
                 [[providers]]\nid = \"cut\"\nprotocol = \"ollama\"\nbase_url = \"http://{cut}\"\n"
            ),
        )
        .unwrap();
        start_server(&[
            "--database",
            &url,
            "--sandbox-url",
            &format!("http://{SANDBOX}/"),
            "--trusted-proxy",
            "127.0.0.1",
            "--requests-per-minute",
            &limit.to_string(),
            "--no-run",
            "--config",
            config.to_str().unwrap(),
        ])
    };
    let mut instances = vec![start("one"), start("two")];
    let nginx = start_nginx(&program, &dir, &[&instances[0], &instances[1]]);

    // The studio, its config and the sandbox, through nginx by name.
    let (status, page) = via(&nginx, STUDIO, "198.51.100.1", "GET", "/", "");
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("<html"), "{page}");
    let (status, config) = via(&nginx, STUDIO, "198.51.100.1", "GET", "/config.json", "");
    assert_eq!(status, 200, "{config}");
    assert!(config.contains(&format!("http://{SANDBOX}/")), "{config}");
    let (status, runner) = via(&nginx, SANDBOX, "198.51.100.1", "GET", "/runner.html", "");
    assert_eq!(status, 200, "{runner}");

    // Links made through nginx (so by either instance) open on both, directly.
    let mut ids = Vec::new();
    for i in 0..4 {
        let payload = payload_of(&dir, &format!("app{i}.html"), &format!("<p>app {i}</p>"));
        let client = format!("198.51.100.{}", 10 + i);
        let (status, body) = via(
            &nginx,
            STUDIO,
            &client,
            "POST",
            "/api/links",
            &link_body(&payload),
        );
        assert_eq!(status, 201, "{body}");
        let created: serde_json::Value = serde_json::from_str(&body).unwrap();
        ids.push(created["id"].as_str().unwrap().to_owned());
    }
    for id in &ids {
        for server in &instances {
            assert_opens(server, id);
        }
    }

    // One visitor's requests are counted together whichever instance answers them (nginx
    // takes turns); another visitor has a limit of their own. The count is per wall-clock
    // minute, so start early in one.
    let second = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        % 60;
    if second > 45 {
        std::thread::sleep(Duration::from_secs(61 - second));
    }
    let counted = "/api/providers/nope/models";
    for i in 0..limit {
        let (status, body) = via(&nginx, STUDIO, "203.0.113.7", "GET", counted, "");
        assert_eq!(status, 404, "request {i}: {body}");
    }
    let (status, body) = via(&nginx, STUDIO, "203.0.113.7", "GET", counted, "");
    assert_eq!(status, 429, "the visitor's {}th request: {body}", limit + 1);
    let (status, body) = via(&nginx, STUDIO, "203.0.113.8", "GET", counted, "");
    assert_eq!(status, 404, "another visitor: {body}");

    // A reply cut off upstream reaches the page as what came and no clean end (HTTP/1.1 to
    // kiln, so its chunked reply can end without the last chunk; over nginx's default 1.0 the
    // close would look like the end).
    let chat = r#"{"model":"m","messages":[],"stream":true}"#;
    let mut s = send_via(
        &nginx,
        STUDIO,
        "198.51.100.29",
        "POST",
        "/api/providers/cut/api/chat",
        chat,
    );
    let mut answer = Vec::new();
    let _ = s.read_to_end(&mut answer);
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("partial"), "{answer}");
    assert!(
        !answer.ends_with("0\r\n\r\n"),
        "a cut reply looks complete: {answer:?}"
    );

    // A model reply streams through nginx as it comes: the fake sends its last line only once
    // the first has reached the client.
    let mut stream = send_via(
        &nginx,
        STUDIO,
        "198.51.100.30",
        "POST",
        "/api/providers/local/api/chat",
        chat,
    );
    let mut got = Vec::new();
    let mut buf = [0; 4096];
    while !String::from_utf8_lossy(&got).contains("first ") {
        let n = stream.read(&mut buf).unwrap();
        assert!(
            n > 0,
            "the stream ended early: {}",
            String::from_utf8_lossy(&got)
        );
        got.extend_from_slice(&buf[..n]);
    }
    // Which instance holds it: each has its own base path at the fake.
    let line = seen.recv_timeout(WAIT).unwrap();
    let holder = if line.contains("/one/") {
        0
    } else {
        assert!(line.contains("/two/"), "{line}");
        1
    };

    // That instance is stopped (SIGTERM) with the stream open. Meanwhile everything sent
    // through nginx is answered, by the other instance.
    let stopping = instances.remove(holder);
    let stopping_at = stopping.studio.clone();
    let stopped = std::thread::spawn(move || stopping.terminate());
    // It stops taking connections at once (what makes nginx go to the other).
    let deadline = Instant::now() + WAIT;
    while TcpStream::connect(&stopping_at).is_ok() {
        assert!(
            Instant::now() < deadline,
            "the stopping instance still accepts"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    for i in 0..6 {
        let (status, body) = via(&nginx, STUDIO, "198.51.100.40", "GET", "/config.json", "");
        assert_eq!(status, 200, "request {i} while one instance stops: {body}");
        let payload = payload_of(&dir, &format!("late{i}.html"), &format!("<p>late {i}</p>"));
        let (status, body) = via(
            &nginx,
            STUDIO,
            &format!("198.51.100.{}", 50 + i),
            "POST",
            "/api/links",
            &link_body(&payload),
        );
        assert_eq!(status, 201, "link {i} while one instance stops: {body}");
    }
    // The open stream finishes, and only then does the instance exit, cleanly.
    go.send(()).unwrap();
    let mut rest = Vec::new();
    let _ = stream.read_to_end(&mut rest);
    let rest = String::from_utf8_lossy(&rest);
    assert!(rest.contains("\"last\""), "the stream was cut: {rest}");
    let status = stopped.join().unwrap();
    assert!(
        status.is_some_and(|s| s.success()),
        "the stopped instance exited with {status:?}"
    );
    // The links are all there on the instance left.
    for id in &ids {
        assert_opens(&instances[0], id);
    }
}
