//! Self-hosting from the command line: `kiln serve` configuration and its mistakes, short links
//! over HTTP, `kiln links`, and `kiln build`'s static site.

use std::path::PathBuf;
use std::time::Duration;

pub(crate) use crate::serving::{link_body, request, request_with};
use crate::{Server, kiln, repo, run, start_server, text};

pub(crate) fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("kiln-deploy-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn one_line_error(args: &[&str]) -> String {
    let out = run(args);
    assert_eq!(out.status.code(), Some(1), "{args:?}");
    let err = text(&out.stderr);
    assert_eq!(err.trim_end().lines().count(), 1, "{args:?}: {err}");
    err
}

#[test]
fn config_mistakes_are_one_line_each() {
    let dir = temp("config");
    let bad_toml = dir.join("bad.toml");
    std::fs::write(&bad_toml, "[server]\nport = 80 80\n").unwrap();
    let err = one_line_error(&["serve", "--config", bad_toml.to_str().unwrap()]);
    assert!(err.contains("bad.toml: line 2"), "{err}");

    let unknown = dir.join("unknown.toml");
    std::fs::write(&unknown, "[server]\nrequests_per_minut = 5\n").unwrap();
    let err = one_line_error(&["serve", "--config", unknown.to_str().unwrap()]);
    assert!(err.contains("unknown field `requests_per_minut`"), "{err}");

    let err = one_line_error(&[
        "serve",
        "--config",
        dir.join("missing.toml").to_str().unwrap(),
    ]);
    assert!(err.contains("cannot read the config file"), "{err}");

    // A database under a file cannot be created.
    let file = dir.join("a-file");
    std::fs::write(&file, "x").unwrap();
    let db = file.join("links.db");
    let err = one_line_error(&["serve", "--port", "0", "--database", db.to_str().unwrap()]);
    assert!(
        err.contains("link database") && err.contains("--no-short-links"),
        "{err}"
    );

    let providers = dir.join("providers.toml");
    std::fs::write(&providers, "[[providers]]\nid = \"team\"\nprotocol = \"openai\"\napi_key_env = \"KILN_TEST_NO_SUCH_VAR\"\n").unwrap();
    let err = one_line_error(&["serve", "--config", providers.to_str().unwrap()]);
    assert!(
        err.contains("KILN_TEST_NO_SUCH_VAR") && err.contains("is not set"),
        "{err}"
    );
}

#[test]
fn print_config_layers_file_environment_and_flags_without_secrets() {
    let dir = temp("print");
    let file = dir.join("kiln.toml");
    std::fs::write(
        &file,
        "[server]\nport = 9100\nrequests_per_minute = 7\n[studio]\nprovider = \"ollama\"\nmodel = \"qwen\"\n\
         [[providers]]\nid = \"team\"\nprotocol = \"openai\"\napi_key_env = \"KILN_TEST_KEY\"\n",
    )
    .unwrap();
    let out = kiln()
        .args([
            "serve",
            "--config",
            file.to_str().unwrap(),
            "--print-config",
            "--requests-per-minute",
            "9",
        ])
        .env("KILN_PORT", "9200")
        .env("KILN_TEST_KEY", "sk-very-secret")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let shown = text(&out.stdout);
    assert!(
        shown.contains("port = 9200"),
        "environment over file: {shown}"
    );
    assert!(
        shown.contains("requests_per_minute = 9"),
        "flag over file: {shown}"
    );
    assert!(shown.contains("model = \"qwen\""), "{shown}");
    assert!(
        shown.contains("api_key_env = \"KILN_TEST_KEY\"") && shown.contains("key_set = true"),
        "{shown}"
    );
    assert!(!shown.contains("sk-very-secret"), "{shown}");
}

pub(crate) fn serve(db: &std::path::Path) -> Server {
    serve_with(db, &[])
}

fn serve_with(db: &std::path::Path, extra: &[&str]) -> Server {
    let db = db.to_str().unwrap();
    let mut args = vec!["--database", db, "--requests-per-minute", "0"];
    args.extend_from_slice(extra);
    start_server(&args)
}

#[test]
fn other_sites_cannot_spend_or_store_through_a_visitors_browser() {
    let dir = temp("cross-site");
    let app = dir.join("app.html");
    std::fs::write(&app, "<!DOCTYPE html><p>hello</p>").unwrap();
    let out = run(&["share", "encode", app.to_str().unwrap()]);
    let link = text(&out.stdout);
    let payload = link.trim().split_once('#').unwrap().1.to_owned();
    let server = serve_with(
        &dir.join("links.db"),
        &["--public-origin", "https://kiln.example.org"],
    );
    let addr = server.studio.as_str();
    let studio = format!("http://{addr}");
    let run_body = r#"{"language":"py","source":"print(6*7)"}"#;
    let spending: [(&str, String); 3] = [
        ("/api/run", run_body.to_owned()),
        ("/api/links", link_body(&payload)),
        ("/api/providers/nope/chat/completions", "{}".to_owned()),
    ];
    // What another site's page can send without a preflight, and what a sandboxed frame sends.
    let attacks: [&[(&str, &str)]; 5] = [
        &[
            ("Origin", "http://evil.example"),
            ("Sec-Fetch-Site", "cross-site"),
            ("Content-Type", "text/plain"),
        ],
        &[
            ("Origin", "http://evil.example"),
            ("Content-Type", "text/plain"),
        ],
        &[
            ("Origin", "http://evil.example"),
            ("Content-Type", "application/json"),
        ],
        &[
            ("Origin", "null"),
            ("Sec-Fetch-Site", "cross-site"),
            ("Content-Type", "application/json"),
        ],
        &[
            ("Sec-Fetch-Site", "same-site"),
            ("Content-Type", "application/json"),
        ],
    ];
    for (path, body) in &spending {
        for headers in attacks {
            let (head, answer) = request_with(addr, "POST", path, headers, body);
            assert!(
                head.starts_with("http/1.1 403"),
                "{path} {headers:?}: {head}{answer}"
            );
            assert!(answer.contains("refused"), "{answer}");
        }
        // The studio's own origin, but a body type a form could send: still refused.
        let (head, answer) = request_with(
            addr,
            "POST",
            path,
            &[
                ("Origin", &studio),
                ("Sec-Fetch-Site", "same-origin"),
                ("Content-Type", "text/plain"),
            ],
            body,
        );
        assert!(head.starts_with("http/1.1 415"), "{path}: {head}{answer}");
    }
    // Nothing was stored.
    let out = run(&[
        "links",
        "list",
        "--database",
        dir.join("links.db").to_str().unwrap(),
    ]);
    assert_eq!(text(&out.stdout).trim(), "", "{}", text(&out.stderr));
    // Model lists through the server's keys: no body, but still only for the studio.
    let (head, _) = request_with(
        addr,
        "GET",
        "/api/providers/nope/models",
        &[
            ("Sec-Fetch-Site", "cross-site"),
            ("Origin", "http://evil.example"),
        ],
        "",
    );
    assert!(head.starts_with("http/1.1 403"), "{head}");

    // The studio's own requests work: a modern browser, an older one (Origin only), and the
    // public origin behind a reverse proxy, whether it keeps Host, forwards it, or says nothing.
    let ok: [&[(&str, &str)]; 5] = [
        &[
            ("Origin", &studio),
            ("Sec-Fetch-Site", "same-origin"),
            ("Content-Type", "application/json"),
        ],
        &[("Origin", &studio), ("Content-Type", "application/json")],
        &[
            ("Host", "kiln.team.example"),
            ("Origin", "https://kiln.team.example"),
            ("Content-Type", "application/json"),
        ],
        &[
            ("X-Forwarded-Host", "kiln.team.example"),
            ("X-Forwarded-Proto", "https"),
            ("Origin", "https://kiln.team.example"),
            ("Content-Type", "application/json"),
        ],
        &[
            ("Origin", "https://kiln.example.org"),
            ("Content-Type", "application/json"),
        ],
    ];
    for headers in ok {
        let (head, answer) = request_with(addr, "POST", "/api/run", headers, run_body);
        assert!(
            head.starts_with("http/1.1 200"),
            "{headers:?}: {head}{answer}"
        );
        assert!(answer.contains("42"), "{answer}");
        let (head, answer) =
            request_with(addr, "POST", "/api/links", headers, &link_body(&payload));
        assert!(
            head.starts_with("http/1.1 201"),
            "{headers:?}: {head}{answer}"
        );
    }
}

#[test]
fn short_links_are_content_addressed_and_deletable_from_the_cli() {
    let dir = temp("links");
    let db = dir.join("links.db");
    let app = dir.join("app.html");
    std::fs::write(&app, "<!DOCTYPE html><title>Hi</title><p>hello</p>").unwrap();
    let out = run(&["share", "encode", app.to_str().unwrap()]);
    let link = text(&out.stdout);
    let payload = link.trim().split_once('#').unwrap().1.to_owned();

    let server = serve(&db);
    let (head, body) = request(&server.studio, "POST", "/api/links", &link_body(&payload));
    assert!(head.starts_with("http/1.1 201"), "{head}{body}");
    let created: serde_json::Value = serde_json::from_str(&body).unwrap();
    let id = created["id"].as_str().unwrap().to_owned();
    let (_, again) = request(&server.studio, "POST", "/api/links", &link_body(&payload));
    assert!(
        again.contains(&id),
        "the same app gets the same id: {again}"
    );

    let (head, _) = request(&server.studio, "GET", &format!("/s/{id}"), "");
    assert!(head.starts_with("http/1.1 303"), "{head}");
    // The id comes along, for the app's shared data.
    assert!(
        head.contains(&format!(
            "location: ../?s={}#{}",
            id.to_lowercase(),
            payload.to_lowercase()
        )),
        "{head}"
    );

    let (head, body) = request(
        &server.studio,
        "POST",
        "/api/links",
        &link_body("not a share link"),
    );
    assert!(head.starts_with("http/1.1 400"), "{head}");
    assert!(body.contains("error"), "{body}");
    let (head, _) = request(&server.studio, "GET", "/s/AAAAAAAAAAAA", "");
    assert!(head.starts_with("http/1.1 404"), "{head}");

    // The CLI works on the database while the server runs (WAL).
    let out = run(&["links", "list", "--database", db.to_str().unwrap()]);
    assert!(text(&out.stdout).contains(&id), "{}", text(&out.stderr));
    let out = run(&["links", "delete", &id, "--database", db.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let (head, _) = request(&server.studio, "GET", &format!("/s/{id}"), "");
    assert!(head.starts_with("http/1.1 404"), "deleted: {head}");
    let out = run(&["links", "delete", &id, "--database", db.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn a_short_links_shared_data_is_kept_bounded_and_refused_to_other_sites() {
    let dir = temp("shared-data");
    let app = dir.join("poll.html");
    std::fs::write(&app, "<!DOCTYPE html><title>Poll</title><p>vote</p>").unwrap();
    let out = run(&["share", "encode", app.to_str().unwrap()]);
    let payload = text(&out.stdout)
        .trim()
        .split_once('#')
        .unwrap()
        .1
        .to_owned();
    let server = serve(&dir.join("links.db"));
    let (_, body) = request(&server.studio, "POST", "/api/links", &link_body(&payload));
    let created: serde_json::Value = serde_json::from_str(&body).unwrap();
    let id = created["id"].as_str().unwrap().to_owned();
    let data = format!("/api/links/{id}/data");
    let op = |json: serde_json::Value| request(&server.studio, "POST", &data, &json.to_string());

    let (head, body) = op(serde_json::json!({ "op": "set", "key": "vote:ann", "value": "pizza" }));
    assert!(head.starts_with("http/1.1 200"), "{head}{body}");
    let (_, body) = op(serde_json::json!({ "op": "get", "key": "vote:ann" }));
    assert_eq!(body, r#"{"value":"pizza"}"#);
    let (_, body) = op(serde_json::json!({ "op": "list", "prefix": "vote:" }));
    assert_eq!(body, r#"{"value":["vote:ann"]}"#);
    // Too large, malformed, or for a link that does not exist: said, not stored.
    let big = "x".repeat(70_000);
    let (head, body) = op(serde_json::json!({ "op": "set", "key": "k", "value": big }));
    assert!(
        head.starts_with("http/1.1 400") && body.contains("64 KiB"),
        "{head}{body}"
    );
    let (head, _) = op(serde_json::json!({ "op": "drop_table" }));
    assert!(head.starts_with("http/1.1 400"), "{head}");
    let (head, _) = request(
        &server.studio,
        "POST",
        "/api/links/AAAAAAAAAAAA/data",
        r#"{"op":"get","key":"k"}"#,
    );
    assert!(head.starts_with("http/1.1 404"), "{head}");
    // Another site's page cannot read or write it through a visitor's browser.
    let (head, _) = request_with(
        &server.studio,
        "POST",
        &data,
        &[
            ("Content-Type", "application/json"),
            ("Origin", "https://evil.example"),
        ],
        r#"{"op":"get","key":"vote:ann"}"#,
    );
    assert!(head.starts_with("http/1.1 403"), "{head}");
    // Writes to one link are bounded per minute, from everyone together, with when to retry.
    let mut limited = None;
    for i in 0..200 {
        let (head, body) =
            op(serde_json::json!({ "op": "set", "key": format!("n{i}"), "value": "1" }));
        if !head.starts_with("http/1.1 200") {
            limited = Some((i, head, body));
            break;
        }
    }
    let (i, head, body) = limited.expect("200 writes in a row were all taken");
    assert_eq!(i, 119, "one write was made before the loop");
    assert!(
        head.starts_with("http/1.1 429") && head.contains("retry-after:"),
        "{head}"
    );
    assert!(body.contains("shared data"), "{body}");
    // Reads still go.
    let (head, _) = op(serde_json::json!({ "op": "get", "key": "n0" }));
    assert!(head.starts_with("http/1.1 200"), "{head}");
}

#[test]
fn api_run_runs_programs_under_the_servers_limits() {
    let dir = temp("run");
    let server = serve(&dir.join("links.db"));
    let body =
        r#"{"language":"py","source":"import sys\nprint(sys.stdin.read()[::-1])","stdin":"abc"}"#;
    let (head, answer) = request(&server.studio, "POST", "/api/run", body);
    assert!(head.starts_with("http/1.1 200"), "{head}{answer}");
    let result: serde_json::Value = serde_json::from_str(&answer).unwrap();
    assert_eq!(result["exit_code"], 0, "{answer}");
    assert_eq!(result["stdout"], "cba\n");
    let body =
        r#"{"language":"py","source":"import sys\nprint(sys.argv[1:])","args":["-n","two words"]}"#;
    let (_, answer) = request(&server.studio, "POST", "/api/run", body);
    let result: serde_json::Value = serde_json::from_str(&answer).unwrap();
    assert_eq!(result["stdout"], "['-n', 'two words']\n", "{answer}");
    let many = serde_json::json!({"language": "py", "source": "", "args": vec!["x"; 65]});
    let (head, answer) = request(&server.studio, "POST", "/api/run", &many.to_string());
    assert!(head.starts_with("http/1.1 400"), "{head}");
    assert!(answer.contains("too many arguments"), "{answer}");
    let (_, answer) = request(
        &server.studio,
        "POST",
        "/api/run",
        r#"{"language":"js","source":"for(;;){}"}"#,
    );
    let result: serde_json::Value = serde_json::from_str(&answer).unwrap();
    assert!(
        result["stopped"].as_str().unwrap().contains("time limit"),
        "{answer}"
    );
    let (head, _) = request(
        &server.studio,
        "POST",
        "/api/run",
        r#"{"language":"cobol","source":""}"#,
    );
    assert!(head.starts_with("http/1.1 400"), "{head}");
    let (head, _) = request(&server.studio, "POST", "/api/run", "not json");
    assert!(head.starts_with("http/1.1 400"), "{head}");
}

#[test]
fn the_proxy_refuses_unknown_providers_and_other_paths() {
    let dir = temp("proxy");
    let server = serve(&dir.join("links.db"));
    let (head, _) = request(
        &server.studio,
        "POST",
        "/api/providers/nope/chat/completions",
        "{}",
    );
    assert!(head.starts_with("http/1.1 404"), "{head}");
}

#[test]
fn behind_a_tls_proxy_the_sandbox_has_its_own_public_address() {
    let dir = temp("public");
    let server = serve_with(
        &dir.join("links.db"),
        &["--sandbox-url", "https://sandbox.kiln.example.org/"],
    );
    let (_, body) = request(&server.studio, "GET", "/config.json", "");
    let config: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        config["sandbox"]["runner"],
        "https://sandbox.kiln.example.org/"
    );
    let (head, _) = request(&server.studio, "GET", "/", "");
    if head.starts_with("http/1.1 200") {
        assert!(
            head.contains("frame-src https://sandbox.kiln.example.org;"),
            "{head}"
        );
    }
    let err = one_line_error(&[
        "serve",
        "--port",
        "0",
        "--no-short-links",
        "--sandbox-url",
        "https://x.org/a b/",
    ]);
    assert!(err.contains("--sandbox-url"), "{err}");
}

#[test]
fn build_writes_a_static_site_with_its_headers() {
    let probe = run(&["build", "--out", temp("probe").to_str().unwrap()]);
    if !probe.status.success() {
        // A binary built without the web bundle says so in one line.
        assert!(
            text(&probe.stderr).contains("no web bundle"),
            "{}",
            text(&probe.stderr)
        );
        return;
    }
    let out_dir = temp("site").join("site");
    let out = run(&[
        "build",
        "--out",
        out_dir.to_str().unwrap(),
        "--base-path",
        "/kiln/",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    for f in [
        "index.html",
        "config.json",
        "_headers",
        "nginx-kiln.conf",
        "sandbox/runner.html",
        "sandbox/code.html",
        "sw.js",
        "examples/index.json",
    ] {
        assert!(out_dir.join(f).is_file(), "{f}");
    }
    let config: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out_dir.join("config.json")).unwrap())
            .unwrap();
    assert_eq!(config["sandbox"]["runner"], "sandbox/");
    assert_eq!(config["sandbox"]["isolation"], "same-origin");
    let runner = std::fs::read_to_string(out_dir.join("sandbox/runner.html")).unwrap();
    assert!(runner.contains("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; script-src http: https: 'unsafe-inline'"), "{runner}");
    // Each sandbox page is one file (its script inside), so a browser can keep it offline.
    assert!(!out_dir.join("sandbox/runner.js").exists());
    let code = std::fs::read_to_string(out_dir.join("sandbox/code.html")).unwrap();
    assert!(code.contains("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; script-src 'unsafe-inline' blob: 'wasm-unsafe-eval'"), "{code}");
    assert!(runner.contains("frame-src 'none'"), "{runner}");
    let headers = std::fs::read_to_string(out_dir.join("_headers")).unwrap();
    assert!(
        headers.contains("/kiln/index.html\n  Content-Security-Policy: default-src 'none'"),
        "{headers}"
    );

    let separate = temp("site2").join("site");
    let out = run(&[
        "build",
        "--out",
        separate.to_str().unwrap(),
        "--sandbox-origin",
        "https://box.example.net",
        "--config",
        repo("examples/deploy/kiln.toml").to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let config = std::fs::read_to_string(separate.join("config.json")).unwrap();
    assert!(
        config.contains("\"runner\": \"https://box.example.net/\""),
        "{config}"
    );
    assert!(
        config.contains("\"defaults\""),
        "the config file's [studio] section: {config}"
    );
    assert!(separate.join("sandbox/_headers").is_file());

    let err = one_line_error(&[
        "build",
        "--out",
        separate.to_str().unwrap(),
        "--sandbox-origin",
        "ftp://x",
    ]);
    assert!(err.contains("sandbox origin"), "{err}");
}

/// A share payload for `content` (as an HTML app), made by `kiln share encode`.
pub(crate) fn payload_of(dir: &std::path::Path, name: &str, content: &str) -> String {
    let app = dir.join(name);
    std::fs::write(&app, content).unwrap();
    let out = run(&["share", "encode", app.to_str().unwrap()]);
    text(&out.stdout)
        .trim()
        .split_once('#')
        .unwrap()
        .1
        .to_owned()
}

#[test]
fn a_short_link_that_declares_far_more_than_it_carries_is_refused_before_decoding() {
    let dir = temp("link-cost");
    // A few hundred bytes that declare a megabyte of something very predictable.
    let payload = payload_of(&dir, "bomb.html", &"a".repeat(1_000_000));
    assert!(payload.len() < 4096, "{}", payload.len());
    let server = serve(&dir.join("links.db"));
    let (head, body) = request(
        server.studio.as_str(),
        "POST",
        "/api/links",
        &link_body(&payload),
    );
    assert!(head.starts_with("http/1.1 400"), "{head}{body}");
    assert!(body.contains("does not store such links"), "{body}");
    // The long link itself still opens.
    let out = run(&["share", "decode", &payload]);
    assert!(out.status.success(), "{}", text(&out.stderr));
}

#[test]
fn checking_short_links_does_not_hold_up_the_server() {
    let dir = temp("link-executor");
    // Half a megabyte that compresses like text: allowed, and about a second to decode.
    let mut seed = 7u32;
    let noise: String = (0..512 * 1024)
        .map(|_| {
            seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            char::from(b'a' + u8::try_from((seed >> 16) % 26).unwrap())
        })
        .collect();
    let payload = payload_of(&dir, "big.html", &noise);
    let server = serve(&dir.join("links.db"));
    let addr = server.studio.clone();
    let posts: Vec<_> = (0..4)
        .map(|_| {
            let (addr, body) = (addr.clone(), link_body(&payload));
            std::thread::spawn(move || request(&addr, "POST", "/api/links", &body).0)
        })
        .collect();
    // While they decode, the server answers everything else at once.
    let mut slowest = Duration::ZERO;
    while !posts.iter().all(std::thread::JoinHandle::is_finished) {
        let t = std::time::Instant::now();
        let (head, _) = request(&addr, "GET", "/healthz", "");
        assert!(head.starts_with("http/1.1 200"), "{head}");
        slowest = slowest.max(t.elapsed());
        std::thread::sleep(Duration::from_millis(20));
    }
    for post in posts {
        let head = post.join().unwrap();
        assert!(head.starts_with("http/1.1 201"), "{head}");
    }
    assert!(
        slowest < Duration::from_millis(500),
        "/healthz took {slowest:?} while links were checked"
    );
}
