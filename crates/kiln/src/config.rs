//! Deployment configuration for `kiln serve` and `kiln build`: a TOML file, overridden by
//! `KILN_*` environment variables, overridden by flags (clap reads those two).
//!
//! Every mistake is one line naming the file, the line and the key, and unknown keys are
//! errors: a misspelt `requests_per_minut` must not silently leave a server unlimited.

use std::net::IpAddr;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use kiln_core::deploy::valid_provider_id;
use kiln_core::provider::{Endpoint, Protocol};
use kiln_core::session::ModelSettings;
use serde::{Deserialize, Serialize};

/// The whole file. Every section and key is optional.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FileConfig {
    pub server: ServerSection,
    pub studio: StudioSection,
    pub sandbox: SandboxSection,
    pub providers: Vec<ProviderSection>,
}

/// `[server]`: `kiln serve` only.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerSection {
    pub address: Option<IpAddr>,
    pub port: Option<u16>,
    pub sandbox_port: Option<u16>,
    /// The sandbox's public address behind a reverse proxy (`https://sandbox.example.org/`).
    pub sandbox_url: Option<String>,
    /// The short-link database: a SQLite file, or a `postgres://` URL.
    pub database: Option<PathBuf>,
    /// Whether to offer short links at all.
    pub short_links: Option<bool>,
    /// The largest request body accepted (short links and proxied provider requests).
    pub max_request_bytes: Option<usize>,
    /// Requests to `/api/` per client address per minute.
    pub requests_per_minute: Option<u32>,
    /// The studio's public origins behind a reverse proxy that rewrites `Host`.
    pub public_origins: Vec<String>,
    /// Reverse proxies whose `X-Forwarded-For` names the client (addresses or networks).
    pub trusted_proxies: Vec<String>,
    /// `text` or `json`.
    pub log_format: Option<LogFormat>,
    /// Whether `POST /api/run` runs code artifacts (default on).
    pub run: Option<bool>,
}

/// `[studio]`: the settings a new visitor starts with.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StudioSection {
    pub provider: Option<String>,
    pub base_url: Option<String>,
    pub model: Option<String>,
    pub max_tokens: Option<u32>,
}

/// `[sandbox]`: `kiln build` only; `kiln serve` runs its own sandbox origin.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SandboxSection {
    /// Where the built `sandbox/` folder is served: another site, e.g.
    /// `https://sandbox.example.org/`. Absent: the weaker single-origin fallback.
    pub url: Option<String>,
}

/// `[[providers]]`: a provider `kiln serve` calls with a key it holds.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProviderSection {
    /// The name pages see, one URL path segment: `team-claude`.
    pub id: String,
    /// `anthropic`, `openai`, `gemini` or `ollama`.
    pub protocol: String,
    /// The provider's base URL [default: the protocol's].
    #[serde(default)]
    pub base_url: Option<String>,
    /// The environment variable holding the key [default: the protocol's, e.g.
    /// ANTHROPIC_API_KEY]. Keys are never written in this file.
    #[serde(default)]
    pub api_key_env: Option<String>,
    /// Models to offer, the first being the default.
    #[serde(default)]
    pub models: Vec<String>,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

/// Where `kiln serve` keeps short links unless told otherwise: `$XDG_DATA_HOME/kiln/links.db`,
/// or `~/.local/share/kiln/links.db`.
pub fn default_database() -> PathBuf {
    let data = std::env::var_os("XDG_DATA_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")));
    match data {
        Some(d) => d.join("kiln/links.db"),
        None => PathBuf::from("kiln-links.db"),
    }
}

/// Reads a config file; any problem is one line naming the file and the place in it.
pub fn load(path: &Path) -> Result<FileConfig> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the config file {}", path.display()))?;
    parse(&text).map_err(|e| anyhow::anyhow!("config file {}: {e}", path.display()))
}

/// Parses config text; the error is one line with the line and column.
pub fn parse(text: &str) -> Result<FileConfig, String> {
    toml::from_str::<FileConfig>(text).map_err(|e| {
        let message = e.message().trim().replace('\n', " ");
        match e.span() {
            Some(span) => {
                let before = &text[..span.start.min(text.len())];
                let line = before.matches('\n').count() + 1;
                let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
                format!("line {line}, column {column}: {message}")
            }
            None => message,
        }
    })
}

/// The studio defaults the page should start with, if the config names any.
pub fn studio_defaults(studio: &StudioSection) -> Result<Option<ModelSettings>> {
    if studio.provider.is_none()
        && studio.base_url.is_none()
        && studio.model.is_none()
        && studio.max_tokens.is_none()
    {
        return Ok(None);
    }
    let mut settings = ModelSettings::default();
    if let Some(p) = &studio.provider {
        let protocol = Protocol::parse(p).with_context(|| {
            format!("[studio] provider {p:?} is not anthropic, openai, gemini or ollama")
        })?;
        settings.provider = p.clone();
        settings.model = protocol.default_model().unwrap_or_default().to_owned();
    }
    if let Some(u) = &studio.base_url {
        settings.base_url = u.clone();
    }
    if let Some(m) = &studio.model {
        settings.model = m.clone();
    }
    if let Some(t) = studio.max_tokens {
        settings.max_tokens = t;
    }
    settings
        .endpoint()
        .map_err(|e| anyhow::anyhow!("[studio]: {e}"))?;
    Ok(Some(settings))
}

/// A provider the server can call: checked, with its key read from the environment.
#[derive(Debug, Clone)]
pub struct ServerProvider {
    pub id: String,
    pub endpoint: Endpoint,
    pub models: Vec<String>,
    pub key_env: Option<String>,
    pub key: Option<crate::http_client::ApiKey>,
}

/// Checks `[[providers]]` and reads their keys; `env` looks a variable up (the real
/// environment, or a table in tests).
pub fn server_providers(
    sections: &[ProviderSection],
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Vec<ServerProvider>> {
    let mut out: Vec<ServerProvider> = Vec::new();
    for p in sections {
        if !valid_provider_id(&p.id) {
            bail!(
                "[[providers]] id {:?}: use lowercase letters, digits, - and _ (at most 64)",
                p.id
            );
        }
        if out.iter().any(|o| o.id == p.id) {
            bail!("[[providers]] id {:?} appears twice", p.id);
        }
        let protocol = Protocol::parse(&p.protocol).with_context(|| {
            format!(
                "[[providers]] {}: protocol {:?} is not anthropic, openai, gemini or ollama",
                p.id, p.protocol
            )
        })?;
        let endpoint = Endpoint::new(protocol, p.base_url.as_deref())
            .map_err(|e| anyhow::anyhow!("[[providers]] {}: {e}", p.id))?;
        let key_env = p
            .api_key_env
            .clone()
            .or_else(|| protocol.default_key_env().map(str::to_owned));
        let key = match &key_env {
            Some(var) => match env(var).filter(|k| !k.trim().is_empty()) {
                Some(k) => Some(crate::http_client::ApiKey::new(k.trim().to_owned())),
                // A local Ollama needs none; a hosted provider without its key would only
                // fail on every request, so say so at start.
                None if protocol.default_key_env().is_some() || p.api_key_env.is_some() => {
                    bail!(
                        "[[providers]] {}: the environment variable {var} (its API key) is not set",
                        p.id
                    )
                }
                None => None,
            },
            None => None,
        };
        out.push(ServerProvider {
            id: p.id.clone(),
            endpoint,
            models: p.models.clone(),
            key_env,
            key,
        });
    }
    Ok(out)
}

/// `--offer anthropic,openai`: providers named by protocol, keys in their usual variables.
pub fn offered_sections(names: &[String]) -> Result<Vec<ProviderSection>> {
    names
        .iter()
        .flat_map(|n| n.split(','))
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(|name| {
            Protocol::parse(name).with_context(|| {
                format!("--offer {name:?}: not anthropic, openai, gemini or ollama")
            })?;
            Ok(ProviderSection {
                id: name.to_owned(),
                protocol: name.to_owned(),
                base_url: None,
                api_key_env: None,
                models: Vec::new(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_file_parses() {
        let cfg = parse(
            r#"
[server]
address = "0.0.0.0"
port = 9000
database = "/var/lib/kiln/links.db"
requests_per_minute = 30
log_format = "json"

[studio]
provider = "ollama"
base_url = "http://gpu-box:11434"
model = "qwen2.5-coder:14b"

[sandbox]
url = "https://sandbox.example.org/"

[[providers]]
id = "team-claude"
protocol = "anthropic"
models = ["claude-sonnet-4-5"]
"#,
        )
        .unwrap();
        assert_eq!(cfg.server.port, Some(9000));
        assert_eq!(cfg.server.log_format, Some(LogFormat::Json));
        assert_eq!(cfg.providers[0].id, "team-claude");
        let defaults = studio_defaults(&cfg.studio).unwrap().unwrap();
        assert_eq!(defaults.model, "qwen2.5-coder:14b");
    }

    #[test]
    fn mistakes_are_one_line_with_the_place() {
        let cases = [
            ("[server]\nport = \"x\"\n", "line 2"),
            (
                "[server]\nrequests_per_minut = 3\n",
                "unknown field `requests_per_minut`",
            ),
            ("[servr]\n", "unknown field `servr`"),
            ("[server\n", "line 1"),
            (
                "[[providers]]\nprotocol = \"openai\"\n",
                "missing field `id`",
            ),
        ];
        for (text, want) in cases {
            let e = parse(text).unwrap_err();
            assert!(e.contains(want), "{text:?}: {e}");
            assert!(!e.contains('\n'), "{e}");
        }
    }

    #[test]
    fn providers_are_checked_and_keys_come_from_the_environment() {
        let env = |k: &str| (k == "ANTHROPIC_API_KEY").then(|| "sk-test".to_owned());
        let ok = server_providers(
            &offered_sections(&["anthropic,ollama".to_owned()]).unwrap(),
            &env,
        )
        .unwrap();
        assert_eq!(ok.len(), 2);
        assert_eq!(ok[0].key.as_ref().map(|k| k.expose()), Some("sk-test"));
        assert!(ok[1].key.is_none());
        let missing = server_providers(&offered_sections(&["openai".to_owned()]).unwrap(), &env)
            .unwrap_err()
            .to_string();
        assert!(missing.contains("OPENAI_API_KEY"), "{missing}");
        let bad_id = ProviderSection {
            id: "Team/1".to_owned(),
            protocol: "openai".to_owned(),
            base_url: None,
            api_key_env: None,
            models: vec![],
        };
        assert!(server_providers(&[bad_id], &env).is_err());
        assert!(offered_sections(&["gpt".to_owned()]).is_err());
    }
}
