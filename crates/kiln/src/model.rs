//! Talking to a provider from the command line, for `kiln generate` and `kiln eval`: the
//! `--provider` and model flags they share, the API key read from the environment (never a
//! flag), sending with retries announced on stderr, and the one line a failure ends with.

use std::io::Write as _;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context as _, Result, anyhow, bail};
use kiln_core::provider::{
    Endpoint, ErrorKind, GiveUp, Protocol, ProviderError, RetryDecision, RetryPolicy,
};
use kiln_core::session::ModelSettings;

use crate::http_client::{ApiKey, Client, Response, read_capped};

/// The most of an error body or a model list that is read.
const MAX_SMALL_BODY: u64 = 4 * 1024 * 1024;

/// The providers `--provider` accepts.
#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub(crate) enum Provider {
    /// Anthropic Messages API.
    Anthropic,
    /// OpenAI Chat Completions, or any OpenAI-compatible server with --base-url.
    Openai,
    /// Google Gemini API.
    Gemini,
    /// Ollama's native API.
    Ollama,
}

impl From<Provider> for Protocol {
    fn from(p: Provider) -> Self {
        match p {
            Provider::Anthropic => Protocol::Anthropic,
            Provider::Openai => Protocol::OpenAi,
            Provider::Gemini => Protocol::Gemini,
            Provider::Ollama => Protocol::Ollama,
        }
    }
}

/// The model flags `kiln generate` and `kiln eval` share.
#[derive(clap::Args, Debug)]
pub(crate) struct ModelFlags {
    /// The API's base URL, instead of the provider's own. OpenAI-compatible servers are given
    /// up to their /v1, like http://127.0.0.1:8080/v1.
    #[arg(long, value_name = "URL")]
    pub(crate) base_url: Option<String>,
    /// The model [default: claude-sonnet-4-5, gpt-4.1-mini or gemini-2.5-flash; Ollama has no
    /// default].
    #[arg(long)]
    model: Option<String>,
    /// The environment variable that holds the API key [default: ANTHROPIC_API_KEY,
    /// OPENAI_API_KEY or GEMINI_API_KEY; none for Ollama]. Keys are never taken as flags, which
    /// would keep them in shell history.
    #[arg(long, value_name = "VAR")]
    api_key_env: Option<String>,
    /// The longest reply, in tokens.
    #[arg(long, default_value_t = 16384, value_name = "N")]
    pub(crate) max_tokens: u32,
}

impl ModelFlags {
    pub(crate) fn endpoint(&self, protocol: Protocol) -> Result<Endpoint> {
        Endpoint::new(protocol, self.base_url.as_deref()).map_err(|e| anyhow!(e))
    }

    pub(crate) fn key(&self, protocol: Protocol) -> Result<Key> {
        Key::from_env(protocol, self.api_key_env.as_deref())
    }

    /// The settings a [`kiln_core::session::Session`] starts turns with, as the studio's
    /// Model settings would hold them.
    pub(crate) fn settings(&self, protocol: Protocol) -> Result<ModelSettings> {
        Ok(ModelSettings {
            provider: protocol.name().to_owned(),
            base_url: self.base_url.clone().unwrap_or_default(),
            model: self.model(protocol)?,
            max_tokens: self.max_tokens,
            app_api: false,
        })
    }

    /// The model named, or the provider's default.
    pub(crate) fn model(&self, protocol: Protocol) -> Result<String> {
        match self
            .model
            .clone()
            .or_else(|| protocol.default_model().map(str::to_owned))
        {
            Some(model) => Ok(model),
            None => bail!(
                "name a model with --model: {protocol} has no default (`ollama list` shows the \
                 models you have pulled)"
            ),
        }
    }
}

/// Sends `request`, retrying rate limits and server errors as `policy` allows (each retry
/// announced on stderr). Gives back the first successful response, or the error to show.
pub(crate) fn send_retrying(
    client: &Client,
    endpoint: &Endpoint,
    request: &kiln_core::provider::HttpRequest,
    key: &Key,
    policy: &RetryPolicy,
    model: &str,
) -> Result<Response> {
    let protocol = endpoint.protocol();
    let url = endpoint.url(request);
    let mut retries = 0;
    let mut waited = Duration::ZERO;
    loop {
        let response = client
            .send(endpoint, request, key.value.as_ref())
            .with_context(|| format!("cannot reach {url}"))?;
        if (200..300).contains(&response.status) {
            return Ok(response);
        }
        let body = read_capped(response.body, MAX_SMALL_BODY).unwrap_or_default();
        let error = protocol.classify(response.status, response.retry_after, &body);
        match policy.decide(&error, retries, waited) {
            RetryDecision::Retry(delay) => {
                retries += 1;
                eprintln!(
                    "kiln: {protocol}: {}; retrying in {} ({retries} of {})",
                    key.scrub(&error.to_string()),
                    show_duration(delay),
                    policy.max_retries
                );
                std::thread::sleep(delay);
                waited += delay;
            }
            RetryDecision::GiveUp(reason) => {
                bail!(failure(key, model, protocol, &error, reason));
            }
        }
    }
}

/// The key and where it came from.
pub(crate) struct Key {
    value: Option<ApiKey>,
    var: Option<String>,
}

impl Key {
    pub(crate) fn from_env(protocol: Protocol, var: Option<&str>) -> Result<Self> {
        let Some(var) = var.or(protocol.default_key_env()) else {
            return Ok(Self {
                value: None,
                var: None,
            });
        };
        let value = match std::env::var(var) {
            Ok(value) if !value.trim().is_empty() => value.trim().to_owned(),
            Ok(_) | Err(std::env::VarError::NotPresent) => bail!(
                "{var} is not set: put your {protocol} API key in it (export {var}=...), or name \
                 the variable that holds it with --api-key-env"
            ),
            Err(std::env::VarError::NotUnicode(_)) => bail!("{var} is not valid UTF-8"),
        };
        if value.chars().any(|c| c.is_control()) {
            bail!("{var} holds control characters, which an HTTP header cannot carry");
        }
        Ok(Self {
            value: Some(ApiKey::new(value)),
            var: Some(var.to_owned()),
        })
    }

    /// The key itself, for the one place that hands it on: the studio page of `kiln eval`'s
    /// own browser, which makes the apps' model calls.
    pub(crate) fn expose(&self) -> Option<&str> {
        self.value.as_ref().map(ApiKey::expose)
    }

    /// `text` with any copy of the key replaced, for text a provider chose.
    pub(crate) fn scrub(&self, text: &str) -> String {
        match &self.value {
            Some(key) if key.expose().len() >= 4 => text.replace(key.expose(), "[API key]"),
            _ => text.to_owned(),
        }
    }
}

/// The one-line message for a request that failed for good.
fn failure(
    key: &Key,
    model: &str,
    protocol: Protocol,
    error: &ProviderError,
    why: GiveUp,
) -> String {
    let advice = match error.kind {
        ErrorKind::BadKey => match &key.var {
            Some(var) => format!("check the key in {var}, and that it may use {model}"),
            None => "this server wants a key: name the variable that holds it with --api-key-env"
                .to_owned(),
        },
        ErrorKind::ModelNotFound => {
            let mut advice = format!(
                "check the model name; `kiln generate --provider {protocol} --list-models` lists \
                 the models"
            );
            if protocol == Protocol::Ollama {
                advice.push_str(&format!(", and `ollama pull {model}` fetches one"));
            }
            advice
        }
        ErrorKind::ContextTooLong => "shorten the prompt, or lower --max-tokens".to_owned(),
        kind => kind.advice().to_owned(),
    };
    let mut line = format!("{protocol}: {}", key.scrub(&error.to_string()));
    if why != GiveUp::NotRetryable {
        line.push_str(&format!("; {why}"));
    }
    line.push_str(&format!("; {advice}"));
    line
}

pub(crate) fn list_models(client: &Client, endpoint: &Endpoint, key: &Key) -> Result<ExitCode> {
    let protocol = endpoint.protocol();
    let request = protocol.models_request();
    let url = endpoint.url(&request);
    let response = client
        .send(endpoint, &request, key.value.as_ref())
        .with_context(|| format!("cannot reach {url}"))?;
    let body = read_capped(response.body, MAX_SMALL_BODY)
        .with_context(|| format!("reading the model list from {url}"))?;
    if !(200..300).contains(&response.status) {
        let error = protocol.classify(response.status, response.retry_after, &body);
        bail!("{protocol}: {}", key.scrub(&error.to_string()));
    }
    let models = protocol
        .parse_models(&body)
        .map_err(|e| anyhow!("{protocol}: {e}"))?;
    let mut out = std::io::stdout().lock();
    for m in models {
        match m.display_name {
            Some(name) => writeln!(out, "{}\t{name}", m.id)?,
            None => writeln!(out, "{}", m.id)?,
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn show_duration(d: Duration) -> String {
    if d < Duration::from_secs(1) {
        format!("{}ms", d.as_millis())
    } else {
        format!("{:.1}s", d.as_secs_f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_scrubbed_from_provider_text() {
        let key = Key {
            value: Some(ApiKey::new("sk-secret-123".into())),
            var: Some("K".into()),
        };
        assert_eq!(
            key.scrub("bad key sk-secret-123 given"),
            "bad key [API key] given"
        );
        assert_eq!(format!("{:?}", key.value), "Some(ApiKey(..))");
    }
}
