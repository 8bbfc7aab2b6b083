//! What a deployment tells the studio page in `config.json`: where the sandbox is, the settings
//! a new visitor starts with, which providers the server offers with its own keys, and which
//! server features are on.
//!
//! `kiln serve` writes it per request; `kiln build` writes it once into a static site. The page
//! reads it before anything runs. No key or secret ever appears in it.

pub mod args;
pub mod client;
pub mod guard;
pub mod worker;

use serde::{Deserialize, Serialize};

use crate::provider::Protocol;
use crate::sandbox::SandboxConfig;
use crate::session::ModelSettings;

/// The prefix under which `kiln serve` proxies a provider it holds a key for:
/// `/api/providers/<id>` plus the provider's own request path.
pub const PROXY_PREFIX: &str = "/api/providers/";

/// `config.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientConfig {
    pub sandbox: SandboxConfig,
    /// Settings a visitor starts with until they change them (a team's own endpoint).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub defaults: Option<ModelSettings>,
    /// Providers the server calls with keys it holds.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub providers: Vec<OfferedProvider>,
    /// Whether `POST /api/links` makes short links (`kiln serve` with a database).
    #[serde(default)]
    pub short_links: bool,
    /// Whether `POST /api/run` runs code artifacts in the server's wasmtime host.
    #[serde(default)]
    pub run: bool,
}

/// `POST /api/links`: a share payload (the text after `#` of a share link) to keep under a
/// short id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkRequest {
    pub payload: String,
}

/// A short link may declare a body up to this size whatever its payload: decoding it costs the
/// server well under a second of CPU.
pub const STORED_LINK_FREE_BYTES: usize = 256 * 1024;

/// Past [`STORED_LINK_FREE_BYTES`], how many times its payload's size a short link's body may
/// be. Apps compress to about a quarter; a few hundred bytes that declare a megabyte of
/// something very predictable are made to cost the server seconds.
pub const STORED_LINK_MAX_EXPANSION: usize = 16;

/// Whether the server decodes (and then stores) a share payload of `payload_bytes` that
/// declares a body of `declared_bytes`: what one request may cost is bounded before any work.
/// The refusal says that the long link itself still works.
pub fn stored_link_cost(payload_bytes: usize, declared_bytes: usize) -> Result<(), String> {
    if declared_bytes <= STORED_LINK_FREE_BYTES
        || declared_bytes <= payload_bytes.saturating_mul(STORED_LINK_MAX_EXPANSION)
    {
        return Ok(());
    }
    Err(format!(
        "this link's {} KiB app comes from a payload of {} bytes, more than {}× larger; this \
         server does not store such links (the long link itself still opens)",
        declared_bytes.div_ceil(1024),
        payload_bytes,
        STORED_LINK_MAX_EXPANSION
    ))
}

/// `POST /api/run`: a program for the server's wasmtime host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunRequest {
    /// `js`, `py`, `wat` (as `kiln run --lang` takes).
    pub language: String,
    pub source: String,
    #[serde(default)]
    pub stdin: String,
    /// The program's arguments after its name (`sys.argv[1:]`, `scriptArgs`), within
    /// [`args::check`]'s caps.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub args: Vec<String>,
}

/// What `POST /api/run` answers: the program's exit code, or why Kiln stopped it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunResult {
    pub exit_code: Option<i32>,
    /// Set when a limit stopped the program: which one, in words.
    pub stopped: Option<String>,
    pub stdout: String,
    pub stderr: String,
    pub elapsed_ms: u64,
}

/// What `/api/run` answers with when it runs nothing: `{"error": "<why>"}`.
#[derive(Deserialize)]
struct RunRefusal {
    error: String,
}

impl RunResult {
    /// Reads `/api/run`'s answer: the result on 200, otherwise the server's reason, or its
    /// status when the body gives none (a proxy's error page, a cut body).
    pub fn from_answer(status: u16, body: &str) -> Result<Self, String> {
        if status == 200 {
            return serde_json::from_str(body)
                .map_err(|e| format!("the server's answer could not be read: {e}"));
        }
        Err(serde_json::from_str::<RunRefusal>(body)
            .map(|r| r.error)
            .unwrap_or_else(|_| format!("the server answered {status}")))
    }

    /// The status line the Code tab shows.
    pub fn summary(&self) -> String {
        match (&self.stopped, self.exit_code) {
            (Some(why), _) => format!("Stopped by Kiln: {why} ({} ms)", self.elapsed_ms),
            (None, Some(code)) => format!("Exited with code {code} ({} ms)", self.elapsed_ms),
            (None, None) => format!("Finished ({} ms)", self.elapsed_ms),
        }
    }
}

/// A provider the server offers: the page calls `base_url` (a path on the server) with no key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfferedProvider {
    /// The name the server's configuration gives it, e.g. `team-claude`.
    pub id: String,
    /// `anthropic`, `openai`, `gemini` or `ollama`.
    pub protocol: String,
    /// Models to offer first; the first is the default.
    #[serde(default)]
    pub models: Vec<String>,
}

impl OfferedProvider {
    /// The path the page sends this provider's requests to.
    pub fn proxy_path(&self) -> String {
        format!("{PROXY_PREFIX}{}", self.id)
    }

    /// Settings that talk to this provider through the server whose studio page is in the
    /// folder `page_base` (its origin, or origin and sub-path behind a reverse proxy).
    pub fn settings(&self, page_base: &str, max_tokens: u32) -> ModelSettings {
        let model = self.models.first().cloned().unwrap_or_else(|| {
            Protocol::parse(&self.protocol)
                .and_then(Protocol::default_model)
                .unwrap_or_default()
                .to_owned()
        });
        ModelSettings {
            provider: self.protocol.clone(),
            base_url: format!("{}{}", page_base.trim_end_matches('/'), self.proxy_path()),
            model,
            max_tokens,
            app_api: false,
        }
    }
}

/// Whether `base_url` goes through the proxy of the server whose page is in `page_base`: the
/// browser then sends no key of its own (the server adds its key).
pub fn is_server_proxy(base_url: &str, page_base: &str) -> bool {
    base_url
        .strip_prefix(page_base.trim_end_matches('/'))
        .is_some_and(|rest| rest.starts_with(PROXY_PREFIX))
}

/// Whether `id` can name a proxied provider: it becomes one path segment of a URL.
pub fn valid_provider_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::Isolation;

    #[test]
    fn config_round_trips_and_old_servers_still_parse() {
        let cfg = ClientConfig {
            sandbox: SandboxConfig {
                runner: "http://localhost:8788/".to_owned(),
                isolation: Isolation::SeparateSite,
            },
            defaults: None,
            providers: vec![OfferedProvider {
                id: "team".to_owned(),
                protocol: "anthropic".to_owned(),
                models: vec![],
            }],
            short_links: true,
            run: false,
        };
        let json = serde_json::to_string(&cfg).unwrap();
        assert!(!json.contains("defaults"), "{json}");
        assert_eq!(serde_json::from_str::<ClientConfig>(&json).unwrap(), cfg);
        let minimal: ClientConfig =
            serde_json::from_str(r#"{"sandbox":{"runner":"sandbox/","isolation":"same-origin"}}"#)
                .unwrap();
        assert!(!minimal.short_links && minimal.providers.is_empty());
    }

    #[test]
    fn offered_provider_settings_go_through_the_server_without_a_key() {
        let p = OfferedProvider {
            id: "team-claude".to_owned(),
            protocol: "anthropic".to_owned(),
            models: vec![],
        };
        let s = p.settings("https://kiln.example.org/", 8000);
        assert_eq!(
            s.base_url,
            "https://kiln.example.org/api/providers/team-claude"
        );
        assert_eq!(s.model, "claude-sonnet-4-5");
        assert!(!s.needs_key());
        assert!(s.endpoint().is_ok());
        assert!(is_server_proxy(&s.base_url, "https://kiln.example.org"));
        assert!(!is_server_proxy(
            &s.base_url,
            "https://kiln.example.org.evil.net"
        ));
        assert!(!is_server_proxy(
            "https://api.anthropic.com",
            "https://kiln.example.org"
        ));
    }

    #[test]
    fn provider_ids_are_one_plain_path_segment() {
        assert!(valid_provider_id("team-claude_2"));
        for bad in ["", "a/b", "A", "..", "a b", &"x".repeat(65)] {
            assert!(!valid_provider_id(bad), "{bad}");
        }
    }
}

/// Whether the `kiln serve` proxy forwards a request for `path` (after the proxy prefix, with
/// its query) to a `protocol` provider: only chat and model-list calls, so a page cannot use the
/// server's key for anything else the provider's API offers.
pub fn proxy_path_allowed(protocol: Protocol, path: &str) -> bool {
    let (path, _query) = path.split_once('?').unwrap_or((path, ""));
    let lower = path.to_ascii_lowercase();
    let sneaky = ["..", "//", "\\", "%2e", "%2f", "%5c"];
    if sneaky.iter().any(|s| lower.contains(s)) {
        return false;
    }
    match protocol {
        Protocol::Anthropic => path == "/v1/messages" || path == "/v1/models",
        Protocol::OpenAi => path == "/chat/completions" || path == "/models",
        Protocol::Ollama => path == "/api/chat" || path == "/api/tags",
        Protocol::Gemini => {
            path == "/v1beta/models"
                || path
                    .strip_prefix("/v1beta/models/")
                    .and_then(|m| m.strip_suffix(":streamGenerateContent"))
                    .is_some_and(|model| !model.is_empty() && !model.contains('/'))
        }
    }
}

#[cfg(test)]
mod proxy_tests {
    use super::*;

    #[test]
    fn only_chat_and_model_lists_are_proxied() {
        let allowed = [
            (Protocol::Anthropic, "/v1/messages"),
            (Protocol::Anthropic, "/v1/models?limit=1000"),
            (Protocol::OpenAi, "/chat/completions"),
            (
                Protocol::Gemini,
                "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse",
            ),
            (Protocol::Gemini, "/v1beta/models?pageSize=1000"),
            (Protocol::Ollama, "/api/chat"),
        ];
        for (p, path) in allowed {
            assert!(proxy_path_allowed(p, path), "{p} {path}");
        }
        let refused = [
            (Protocol::Anthropic, "/v1/organizations/api_keys"),
            (Protocol::Anthropic, "/v1/messages/batches"),
            (Protocol::OpenAi, "/files"),
            (Protocol::OpenAi, "/chat/completions/../files"),
            (Protocol::Gemini, "/v1beta/models/a/b:streamGenerateContent"),
            (Protocol::Gemini, "/v1beta/files"),
            (Protocol::Ollama, "/api/pull"),
            (Protocol::Ollama, "/api/delete"),
            (Protocol::OpenAi, "/chat%2fcompletions"),
        ];
        for (p, path) in refused {
            assert!(!proxy_path_allowed(p, path), "{p} {path}");
        }
    }

    #[test]
    fn the_run_answer_is_the_result_or_the_servers_reason() {
        let ok = r#"{"exit_code":0,"stopped":null,"stdout":"hi\n","stderr":"","elapsed_ms":12}"#;
        let r = RunResult::from_answer(200, ok).unwrap();
        assert_eq!((r.exit_code, r.stdout.as_str()), (Some(0), "hi\n"));
        // (status, body, the error the Code tab shows)
        let cases = [
            (
                400,
                r#"{"error":"too many arguments (65; at most 64)"}"#,
                "too many arguments (65; at most 64)",
            ),
            (429, r#"{"error":"slow down"}"#, "slow down"),
            (502, "<html>Bad Gateway</html>", "the server answered 502"),
            (500, "", "the server answered 500"),
        ];
        for (status, body, want) in cases {
            assert_eq!(
                RunResult::from_answer(status, body),
                Err(want.to_owned()),
                "{status}"
            );
        }
        let cut = RunResult::from_answer(200, r#"{"exit_code":0,"std"#).unwrap_err();
        assert!(
            cut.starts_with("the server's answer could not be read"),
            "{cut}"
        );
    }

    #[test]
    fn a_stored_link_may_not_declare_far_more_than_it_carries() {
        let free = STORED_LINK_FREE_BYTES;
        // (payload bytes, declared body bytes, stored)
        let cases = [
            (200, 900, true),
            (785, free, true),
            (785, free + 1, false),
            (785, 1024 * 1024, false),
            (70_000, 1024 * 1024, true),
            (65_536, 16 * 65_536, true),
            (65_536, 16 * 65_536 + 1, false),
        ];
        for (payload, declared, stored) in cases {
            let got = stored_link_cost(payload, declared);
            assert_eq!(got.is_ok(), stored, "{payload} -> {declared}: {got:?}");
        }
        let e = stored_link_cost(785, 1024 * 1024).unwrap_err();
        assert!(
            e.contains("1024 KiB") && e.contains("785 bytes") && e.contains("still opens"),
            "{e}"
        );
    }
}
