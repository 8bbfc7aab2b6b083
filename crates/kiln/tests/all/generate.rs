//! `kiln generate` against the replay server, for each provider protocol over real HTTP: a
//! normal reply streamed in awkward chunks, error responses of every kind, retries, a dropped
//! connection, an error inside the stream, the max-tokens stop, the model list, and where the
//! API key may and may not appear.

use std::path::PathBuf;
use std::process::Output;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use kiln_core::extract::extract_reply;
use serde_json::Value;

use crate::replay::{Plan, Recorded, Replay, Transcript, providers_dir};
use crate::{kiln, text};

/// How each provider is reached in these tests.
struct Provider {
    name: &'static str,
    /// The default key variable, if the provider has one.
    key_var: Option<&'static str>,
    /// Appended to the replay server's URL to make the base URL.
    base_suffix: &'static str,
    model: Option<&'static str>,
    path: &'static str,
    auth_header: &'static str,
    auth_prefix: &'static str,
}

const PROVIDERS: [Provider; 4] = [
    Provider {
        name: "anthropic",
        key_var: Some("ANTHROPIC_API_KEY"),
        base_suffix: "",
        model: None,
        path: "/v1/messages",
        auth_header: "x-api-key",
        auth_prefix: "",
    },
    Provider {
        name: "openai",
        key_var: Some("OPENAI_API_KEY"),
        base_suffix: "/v1",
        model: None,
        path: "/v1/chat/completions",
        auth_header: "authorization",
        auth_prefix: "Bearer ",
    },
    Provider {
        name: "gemini",
        key_var: Some("GEMINI_API_KEY"),
        base_suffix: "",
        model: None,
        path: "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse",
        auth_header: "x-goog-api-key",
        auth_prefix: "",
    },
    Provider {
        name: "ollama",
        key_var: None,
        base_suffix: "",
        model: Some("qwen2.5-coder:7b"),
        path: "/api/chat",
        auth_header: "authorization",
        auth_prefix: "Bearer ",
    },
];

fn provider(name: &str) -> &'static Provider {
    PROVIDERS.iter().find(|p| p.name == name).unwrap()
}

const PROMPT: &str = "a page that greets me, with a counter";

/// A key unlike any other text in the tests, so that finding it anywhere means it leaked.
fn secret(tag: &str) -> String {
    format!("sk-kiln-test-{tag}-5f0c9a17e2d84b36")
}

/// A fresh empty folder to run in, removed on drop.
struct Dir(PathBuf);

impl Dir {
    fn new() -> Self {
        static N: AtomicUsize = AtomicUsize::new(0);
        let n = N.fetch_add(1, Ordering::SeqCst);
        let dir = std::env::temp_dir().join(format!("kiln-generate-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }

    fn file(&self, name: &str) -> Option<String> {
        std::fs::read_to_string(self.0.join(name)).ok()
    }

    fn files(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(&self.0)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs `kiln generate` for `p` against `server` in `dir`, with `key` in the provider's key
/// variable (if it has one) and `extra` arguments before the prompt.
fn generate(p: &Provider, server: &Replay, dir: &Dir, key: &str, extra: &[&str]) -> Output {
    let mut cmd = kiln();
    cmd.current_dir(&dir.0);
    for var in [
        "ANTHROPIC_API_KEY",
        "OPENAI_API_KEY",
        "GEMINI_API_KEY",
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "NO_PROXY",
        "http_proxy",
        "https_proxy",
        "all_proxy",
        "no_proxy",
    ] {
        cmd.env_remove(var);
    }
    if let Some(var) = p.key_var {
        cmd.env(var, key);
    }
    let base = format!("{}{}", server.url(), p.base_suffix);
    cmd.args(["generate", "--provider", p.name, "--base-url", &base]);
    if let Some(model) = p.model {
        cmd.args(["--model", model]);
    }
    if !extra.contains(&"--max-retry-wait") {
        cmd.args(["--max-retry-wait", "2s"]);
    }
    cmd.args(extra);
    if !extra.contains(&"--list-models") {
        cmd.arg(PROMPT);
    }
    cmd.output().unwrap()
}

fn reply() -> String {
    std::fs::read_to_string(providers_dir().join("reply.txt")).unwrap()
}

/// The artifact in the recorded reply.
fn artifact() -> String {
    extract_reply(&reply()).artifacts[0].content.clone()
}

fn script(names: &[(&str, Plan)]) -> Replay {
    Replay::start(
        names
            .iter()
            .map(|(name, plan)| (Transcript::load(name), *plan))
            .collect(),
    )
}

/// Asserts the key went to the provider in its auth header and nowhere else.
fn assert_key_only_in_auth(
    p: &Provider,
    requests: &[Recorded],
    key: &str,
    out: &Output,
    dir: &Dir,
) {
    for r in requests {
        if p.key_var.is_some() {
            assert_eq!(
                r.header(p.auth_header),
                Some(format!("{}{key}", p.auth_prefix).as_str()),
                "{}",
                p.name
            );
        }
        for (name, value) in &r.headers {
            if name != p.auth_header {
                assert!(!value.contains(key), "{}: key in header {name}", p.name);
            }
        }
        assert!(
            !String::from_utf8_lossy(&r.body).contains(key),
            "{}",
            p.name
        );
        assert!(!r.path.contains(key), "{}", p.name);
    }
    assert!(
        !text(&out.stdout).contains(key),
        "{}: key on stdout",
        p.name
    );
    assert!(
        !text(&out.stderr).contains(key),
        "{}: key on stderr",
        p.name
    );
    for name in dir.files() {
        assert!(
            !dir.file(&name).unwrap_or_default().contains(key),
            "{}: key in {name}",
            p.name
        );
    }
}

/// The one `kiln: error:` line, which must be the last line of stderr.
fn error_line(out: &Output) -> String {
    let err = text(&out.stderr);
    let last = err.lines().last().unwrap_or("").to_owned();
    assert!(last.starts_with("kiln: error: "), "{err}");
    assert_eq!(
        err.lines()
            .filter(|l| l.starts_with("kiln: error:"))
            .count(),
        1,
        "{err}"
    );
    last
}

#[test]
fn help_names_every_flag() {
    let out = crate::run(&["generate", "--help"]);
    assert!(out.status.success());
    let help = text(&out.stdout);
    for flag in [
        "--provider",
        "--base-url",
        "--model",
        "--api-key-env",
        "--output",
        "--max-tokens",
        "--max-retry-wait",
        "--list-models",
        "anthropic",
        "openai",
        "gemini",
        "ollama",
    ] {
        assert!(help.contains(flag), "{flag}: {help}");
    }
    assert!(!help.contains("--api-key "), "no flag takes the key itself");
}

#[test]
fn each_provider_streams_extracts_and_writes_the_artifact() {
    for p in &PROVIDERS {
        let server = script(&[(&format!("{}/stream.http", p.name), Plan::Awkward)]);
        let dir = Dir::new();
        let key = secret(p.name);
        let out = generate(p, &server, &dir, &key, &[]);
        let err = text(&out.stderr);
        assert!(out.status.success(), "{}: {err}", p.name);
        assert_eq!(
            text(&out.stdout),
            reply(),
            "{}: the reply is echoed",
            p.name
        );
        assert_eq!(dir.file("hello-kiln.html"), Some(artifact()), "{}", p.name);
        assert_eq!(dir.files(), ["hello-kiln.html"], "{}", p.name);
        assert!(
            err.contains("tokens out") && err.contains("wrote hello-kiln.html (html, "),
            "{}: {err}",
            p.name
        );
        assert!(err.contains("complete)"), "{}: {err}", p.name);
        assert!(
            server.utf8_splits() > 0,
            "{}: characters were split",
            p.name
        );

        let requests = server.requests();
        assert_eq!(requests.len(), 1, "{}", p.name);
        let r = &requests[0];
        assert_eq!(r.method, "POST");
        assert_eq!(r.path, p.path, "{}", p.name);
        assert_eq!(r.header("content-type"), Some("application/json"));
        let body: Value = serde_json::from_slice(&r.body).unwrap();
        let sent = body.to_string();
        assert!(sent.contains(PROMPT), "{}: {sent}", p.name);
        assert!(
            sent.contains("kiln-artifact"),
            "{}: the system prompt",
            p.name
        );
        if p.key_var.is_none() {
            assert_eq!(r.header("authorization"), None, "no key, no header");
        }
        assert_key_only_in_auth(p, &requests, &key, &out, &dir);
    }
}

#[test]
fn an_ollama_key_goes_in_a_bearer_header() {
    let p = provider("ollama");
    let server = script(&[("ollama/stream.http", Plan::Awkward)]);
    let dir = Dir::new();
    let key = secret("ollama-bearer");
    let mut cmd = kiln();
    cmd.current_dir(&dir.0).env("MY_OLLAMA_KEY", &key).args([
        "generate",
        "--provider",
        "ollama",
        "--base-url",
        &server.url(),
        "--model",
        "qwen2.5-coder:7b",
        "--api-key-env",
        "MY_OLLAMA_KEY",
        "-q",
        PROMPT,
    ]);
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(out.stdout.is_empty(), "--quiet echoes nothing");
    let requests = server.requests();
    assert_eq!(
        requests[0].header("authorization"),
        Some(format!("Bearer {key}").as_str())
    );
    let with_key = Provider {
        key_var: Some("MY_OLLAMA_KEY"),
        ..*p
    };
    assert_key_only_in_auth(&with_key, &requests, &key, &out, &dir);
}

#[test]
fn errors_are_one_clear_line_per_kind() {
    let cases: &[(&str, &str, &[&str])] = &[
        (
            "anthropic",
            "unauthorized",
            &[
                "refused the API key",
                "401 authentication_error",
                "check the key in ANTHROPIC_API_KEY",
            ],
        ),
        (
            "openai",
            "unauthorized",
            &[
                "refused the API key",
                "401 invalid_api_key",
                "check the key in OPENAI_API_KEY",
            ],
        ),
        (
            "gemini",
            "unauthorized",
            &[
                "refused the API key",
                "400 API_KEY_INVALID",
                "check the key in GEMINI_API_KEY",
            ],
        ),
        (
            "ollama",
            "unauthorized",
            &["refused the API key", "401", "--api-key-env"],
        ),
        (
            "anthropic",
            "model_not_found",
            &["does not know the model", "claude-nope", "--list-models"],
        ),
        (
            "openai",
            "model_not_found",
            &["does not know the model", "gpt-nope", "--list-models"],
        ),
        (
            "gemini",
            "model_not_found",
            &["does not know the model", "gemini-nope", "--list-models"],
        ),
        (
            "ollama",
            "model_not_found",
            &["does not know the model", "ollama pull qwen2.5-coder:7b"],
        ),
        (
            "anthropic",
            "context_too_long",
            &[
                "too long for the model's context window",
                "prompt is too long",
                "--max-tokens",
            ],
        ),
        (
            "openai",
            "context_too_long",
            &[
                "too long for the model's context window",
                "context_length_exceeded",
                "--max-tokens",
            ],
        ),
        (
            "gemini",
            "context_too_long",
            &[
                "too long for the model's context window",
                "input token count",
                "--max-tokens",
            ],
        ),
    ];
    for (name, file, phrases) in cases {
        let p = provider(name);
        let server = script(&[(&format!("{name}/{file}.http"), Plan::Awkward)]);
        let dir = Dir::new();
        let key = secret(file);
        let out = generate(p, &server, &dir, &key, &[]);
        assert_eq!(out.status.code(), Some(1), "{name} {file}");
        let line = error_line(&out);
        assert!(
            line.starts_with(&format!("kiln: error: {name}: ")),
            "{line}"
        );
        for phrase in *phrases {
            assert!(line.contains(phrase), "{name} {file}: {phrase:?} in {line}");
        }
        assert_eq!(server.requests().len(), 1, "{name} {file}: not retried");
        assert!(dir.files().is_empty(), "{name} {file}: nothing written");
        assert!(out.stdout.is_empty());
        assert_key_only_in_auth(p, &server.requests(), &key, &out, &dir);
    }
}

#[test]
fn rate_limits_are_retried_after_the_delay_asked_for() {
    // Anthropic's `retry-after: 1`, OpenAI's `retry-after-ms: 200`, Gemini's `retryDelay: 1s`.
    for (name, wait, shown) in [
        (
            "anthropic",
            Duration::from_secs(1),
            "retrying in 1.0s (1 of 4)",
        ),
        (
            "openai",
            Duration::from_millis(200),
            "retrying in 200ms (1 of 4)",
        ),
        (
            "gemini",
            Duration::from_secs(1),
            "retrying in 1.0s (1 of 4)",
        ),
    ] {
        let p = provider(name);
        let server = script(&[
            (&format!("{name}/rate_limited.http"), Plan::Awkward),
            (&format!("{name}/stream.http"), Plan::Awkward),
        ]);
        let dir = Dir::new();
        let started = Instant::now();
        let out = generate(p, &server, &dir, &secret(name), &[]);
        let err = text(&out.stderr);
        assert!(out.status.success(), "{name}: {err}");
        assert!(started.elapsed() >= wait, "{name}: waited as asked");
        assert!(
            err.contains("rate limiting") && err.contains(shown),
            "{name}: {err}"
        );
        assert_eq!(server.requests().len(), 2);
        assert_eq!(dir.file("hello-kiln.html"), Some(artifact()));
    }
}

#[test]
fn a_wait_longer_than_the_budget_is_not_made() {
    let p = provider("anthropic");
    let server = script(&[("anthropic/rate_limited.http", Plan::Awkward)]);
    let dir = Dir::new();
    let started = Instant::now();
    let out = generate(
        p,
        &server,
        &dir,
        &secret("budget"),
        &["--max-retry-wait", "500ms"],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "no wait was made"
    );
    let line = error_line(&out);
    assert!(
        line.contains("429 rate_limit_error")
            && line
                .contains("the provider asked to wait 1s, more than the 500ms of retry time left"),
        "{line}"
    );
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn server_errors_are_retried_with_backoff() {
    for p in &PROVIDERS {
        let server = script(&[
            (&format!("{}/server_error.http", p.name), Plan::Awkward),
            (&format!("{}/stream.http", p.name), Plan::Awkward),
        ]);
        let dir = Dir::new();
        let out = generate(
            p,
            &server,
            &dir,
            &secret("5xx"),
            &["--max-retry-wait", "100ms"],
        );
        let err = text(&out.stderr);
        assert!(out.status.success(), "{}: {err}", p.name);
        assert!(
            err.contains("overloaded or failing") && err.contains("retrying in 100ms (1 of 4)"),
            "{}: {err}",
            p.name
        );
        assert_eq!(server.requests().len(), 2, "{}", p.name);
        assert_eq!(dir.file("hello-kiln.html"), Some(artifact()), "{}", p.name);
    }
}

#[test]
fn persistent_server_errors_give_up() {
    let p = provider("anthropic");
    for (args, why) in [
        (
            ["--retries", "1", "--max-retry-wait", "100ms"],
            "gave up after 1 retry",
        ),
        (
            ["--retries", "4", "--max-retry-wait", "50ms"],
            "gave up after waiting 50ms in all",
        ),
    ] {
        let server = script(&[
            ("anthropic/overloaded.http", Plan::Awkward),
            ("anthropic/overloaded.http", Plan::Awkward),
            ("anthropic/overloaded.http", Plan::Awkward),
        ]);
        let dir = Dir::new();
        let out = generate(p, &server, &dir, &secret("529"), &args);
        assert_eq!(out.status.code(), Some(1));
        let line = error_line(&out);
        assert_eq!(
            line,
            format!(
                "kiln: error: anthropic: the provider is overloaded or failing \
                 (529 overloaded_error: Overloaded); {why}; try again in a moment"
            )
        );
        assert_eq!(server.requests().len(), 2);
    }
}

#[test]
fn a_dropped_connection_keeps_the_partial_artifact() {
    for p in &PROVIDERS {
        let name = format!("{}/stream.http", p.name);
        let body = Transcript::load(&name).body;
        let server = script(&[(&name, Plan::CutAt(body.len() * 2 / 3))]);
        let dir = Dir::new();
        let out = generate(p, &server, &dir, &secret("cut"), &[]);
        assert_eq!(out.status.code(), Some(1), "{}", p.name);
        let line = error_line(&out);
        assert!(
            line.contains(&format!("the connection to {} dropped after", p.name))
                || line.contains(&format!("the stream from {} ended after", p.name)),
            "{line}"
        );
        assert!(
            line.contains("kept the partial artifact in hello-kiln.html (html, "),
            "{line}"
        );
        assert!(line.contains("incomplete"), "{line}");
        let partial = dir.file("hello-kiln.html").unwrap();
        assert!(
            !partial.is_empty() && artifact().starts_with(&partial),
            "{}: {line}\n{partial}",
            p.name
        );
        assert!(partial.len() < artifact().len());
        // The echo is the reply so far, its last line ended for the terminal.
        let echoed = text(&out.stdout);
        assert!(
            reply().starts_with(echoed.trim_end_matches('\n')),
            "{}",
            p.name
        );
    }
}

#[test]
fn an_error_inside_the_stream_keeps_the_partial_artifact() {
    for (name, phrase) in [
        ("anthropic", "overloaded_error: Overloaded"),
        ("openai", "Upstream provider disconnected"),
        ("ollama", "an error was encountered while running the model"),
    ] {
        let p = provider(name);
        let server = script(&[(&format!("{name}/stream_error.http"), Plan::Awkward)]);
        let dir = Dir::new();
        let out = generate(p, &server, &dir, &secret("midstream"), &[]);
        assert_eq!(out.status.code(), Some(1), "{name}");
        let line = error_line(&out);
        assert!(
            line.contains(&format!("{name} failed during the reply, after"))
                && line.contains(phrase)
                && line.contains("kept the partial artifact in hello-kiln.html")
                && line.contains("incomplete"),
            "{line}"
        );
        let partial = dir.file("hello-kiln.html").unwrap();
        assert!(
            artifact().starts_with(&partial) && partial.contains("<h1>"),
            "{name}"
        );
    }
}

#[test]
fn the_max_tokens_stop_is_reported() {
    for p in &PROVIDERS {
        let server = script(&[(&format!("{}/max_tokens.http", p.name), Plan::Awkward)]);
        let dir = Dir::new();
        let out = generate(p, &server, &dir, &secret("max"), &["--max-tokens", "300"]);
        assert_eq!(out.status.code(), Some(1), "{}", p.name);
        let line = error_line(&out);
        assert!(
            line.contains("the reply reached the max-tokens limit (300); raise --max-tokens")
                && line.contains("incomplete"),
            "{line}"
        );
        assert!(dir.file("hello-kiln.html").is_some(), "{}", p.name);
        let r = &server.requests()[0];
        assert!(
            String::from_utf8_lossy(&r.body).contains("300"),
            "{}",
            p.name
        );
    }
}

#[test]
fn models_are_listed() {
    let cases: [(&str, &[&str]); 4] = [
        (
            "anthropic",
            &[
                "claude-sonnet-4-5-20250929\tClaude Sonnet 4.5",
                "claude-opus-4-1-20250805\tClaude Opus 4.1",
                "claude-haiku-4-5-20251001\tClaude Haiku 4.5",
            ],
        ),
        ("openai", &["gpt-4.1-mini", "gpt-4.1", "gpt-5-mini"]),
        (
            "gemini",
            &[
                "gemini-2.5-flash\tGemini 2.5 Flash",
                "gemini-2.5-pro\tGemini 2.5 Pro",
            ],
        ),
        ("ollama", &["qwen2.5-coder:7b", "llama3.2:latest"]),
    ];
    let paths = [
        "/v1/models?limit=1000",
        "/v1/models",
        "/v1beta/models?pageSize=1000",
        "/api/tags",
    ];
    for ((name, want), path) in cases.into_iter().zip(paths) {
        let p = provider(name);
        let server = script(&[(&format!("{name}/models.http"), Plan::Awkward)]);
        let dir = Dir::new();
        let key = secret("models");
        let out = generate(p, &server, &dir, &key, &["--list-models"]);
        assert!(out.status.success(), "{name}: {}", text(&out.stderr));
        let lines: Vec<String> = text(&out.stdout).lines().map(str::to_owned).collect();
        assert_eq!(lines, want, "{name}");
        let requests = server.requests();
        assert_eq!(requests[0].method, "GET");
        assert_eq!(requests[0].path, path);
        assert_key_only_in_auth(p, &requests, &key, &out, &dir);
    }
}

#[test]
fn a_missing_key_or_model_is_refused_before_any_request() {
    let server = script(&[]);
    let dir = Dir::new();
    let out = kiln()
        .current_dir(&dir.0)
        .env_remove("ANTHROPIC_API_KEY")
        .args([
            "generate",
            "--provider",
            "anthropic",
            "--base-url",
            &server.url(),
            PROMPT,
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        error_line(&out),
        "kiln: error: ANTHROPIC_API_KEY is not set: put your anthropic API key in it \
         (export ANTHROPIC_API_KEY=...), or name the variable that holds it with --api-key-env"
    );
    let out = kiln()
        .current_dir(&dir.0)
        .args([
            "generate",
            "--provider",
            "ollama",
            "--base-url",
            &server.url(),
            PROMPT,
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(error_line(&out).contains("name a model with --model"));
    let out = kiln()
        .current_dir(&dir.0)
        .args([
            "generate",
            "--provider",
            "ollama",
            "--model",
            "m",
            "--base-url",
            "localhost:11434",
            PROMPT,
        ])
        .output()
        .unwrap();
    assert!(error_line(&out).contains("must start with http:// or https://"));
    assert!(server.requests().is_empty());
}

#[test]
fn an_unreachable_server_is_one_line() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let dir = Dir::new();
    let out = kiln()
        .current_dir(&dir.0)
        .args([
            "generate",
            "--provider",
            "ollama",
            "--model",
            "m",
            "--base-url",
            &format!("http://127.0.0.1:{port}"),
            PROMPT,
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let line = error_line(&out);
    assert!(
        line.starts_with(&format!(
            "kiln: error: cannot reach http://127.0.0.1:{port}/api/chat: "
        )),
        "{line}"
    );
}

#[test]
fn default_names_never_overwrite_and_output_does() {
    let p = provider("gemini");
    let server = script(&[
        ("gemini/stream.http", Plan::Awkward),
        ("gemini/stream.http", Plan::Awkward),
        ("gemini/stream.http", Plan::Awkward),
    ]);
    let dir = Dir::new();
    for _ in 0..2 {
        let out = generate(p, &server, &dir, &secret("names"), &["-q"]);
        assert!(out.status.success(), "{}", text(&out.stderr));
    }
    assert_eq!(dir.files(), ["hello-kiln-2.html", "hello-kiln.html"]);
    std::fs::write(dir.0.join("mine.html"), "old").unwrap();
    let out = generate(
        p,
        &server,
        &dir,
        &secret("names"),
        &["-q", "-o", "mine.html"],
    );
    assert!(out.status.success());
    assert!(text(&out.stderr).contains("wrote mine.html (html, "));
    assert_eq!(dir.file("mine.html"), Some(artifact()));
}

#[test]
fn a_reply_without_an_artifact_or_refused_is_an_error() {
    let cases = [
        (
            "anthropic/thinking.http",
            "anthropic",
            "kiln: error: the reply has no artifact (its text is above)",
        ),
        (
            "gemini/blocked.http",
            "gemini",
            "kiln: error: the model refused, or the provider's safety filter stopped it; the \
             reply had no artifact yet",
        ),
    ];
    for (file, name, want) in cases {
        let server = script(&[(file, Plan::Awkward)]);
        let dir = Dir::new();
        let out = generate(provider(name), &server, &dir, &secret("none"), &[]);
        assert_eq!(out.status.code(), Some(1), "{file}");
        assert_eq!(error_line(&out), want);
        assert!(dir.files().is_empty(), "{file}");
    }
}
