//! Model providers' wire formats, as pure functions: request builders, incremental stream
//! decoders (bytes in, events out), model-list parsers, and the classification of HTTP errors
//! into what they mean and what to do.
//!
//! There is no IO here, no clock and no HTTP client: a transport (the `kiln generate` command's
//! native client, or the page's `fetch` with a `ReadableStream`) sends the [`HttpRequest`] a
//! builder returns, feeds the response body to a [`StreamDecoder`] in whatever pieces it
//! arrives, and acts on the [`StreamEvent`]s. Keeping the formats here means both transports
//! speak them identically and every format is tested natively, over recorded transcripts cut
//! into random chunks, in milliseconds.
//!
//! Four protocols cover the providers Kiln talks to: Anthropic Messages, OpenAI Chat Completions
//! (also OpenRouter, llama.cpp, LM Studio, vLLM and any other OpenAI-compatible server), Google
//! Gemini `streamGenerateContent` and Ollama's native `/api/chat`. The API key never passes
//! through this module: [`Protocol::auth_header`] names the header and its prefix, and the
//! transport writes the key into it at the last moment, so nothing built or logged here can
//! contain it. docs/providers.md describes each provider's conventions.

mod anthropic;
mod decode;
mod error;
mod frame;
mod gemini;
mod ollama;
mod openai;
mod retry;
mod sink;

use std::fmt;

use serde_json::Value;
use thiserror::Error;

pub use decode::{DecodeError, MAX_FRAME_BYTES, StreamDecoder};
pub use error::{ErrorKind, ProviderError, parse_retry_after, parse_retry_after_ms};
pub use retry::{GiveUp, RetryDecision, RetryPolicy};

/// A provider wire protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Protocol {
    /// Anthropic Messages (`POST /v1/messages`, server-sent events).
    Anthropic,
    /// OpenAI Chat Completions (`POST {base}/chat/completions`, server-sent events), spoken by
    /// OpenAI and by every OpenAI-compatible server.
    OpenAi,
    /// Google Gemini (`POST /v1beta/models/{model}:streamGenerateContent?alt=sse`).
    Gemini,
    /// Ollama's native chat (`POST /api/chat`, newline-delimited JSON).
    Ollama,
}

impl Protocol {
    /// Every protocol, in the order the CLI lists them.
    pub const ALL: [Protocol; 4] = [
        Protocol::Anthropic,
        Protocol::OpenAi,
        Protocol::Gemini,
        Protocol::Ollama,
    ];

    /// The name people know it by, for the settings' provider list.
    pub fn label(self) -> &'static str {
        match self {
            Protocol::Anthropic => "Anthropic (Claude)",
            Protocol::OpenAi => "OpenAI or compatible server (LM Studio, vLLM, llama.cpp …)",
            Protocol::Gemini => "Google Gemini",
            Protocol::Ollama => "Ollama (local)",
        }
    }

    /// The name used on the command line and in settings: `anthropic`, `openai`, `gemini`,
    /// `ollama`.
    pub fn name(self) -> &'static str {
        match self {
            Protocol::Anthropic => "anthropic",
            Protocol::OpenAi => "openai",
            Protocol::Gemini => "gemini",
            Protocol::Ollama => "ollama",
        }
    }

    /// The protocol with this [`Protocol::name`].
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.name() == name)
    }

    /// Where the provider's API lives when no base URL is given. The OpenAI base includes
    /// `/v1`, as OpenAI-compatible servers' documented base URLs do.
    pub fn default_base_url(self) -> &'static str {
        match self {
            Protocol::Anthropic => "https://api.anthropic.com",
            Protocol::OpenAi => "https://api.openai.com/v1",
            Protocol::Gemini => "https://generativelanguage.googleapis.com",
            Protocol::Ollama => "http://127.0.0.1:11434",
        }
    }

    /// The environment variable the CLI reads the key from by default (none for Ollama, which
    /// needs no key on a local machine).
    pub fn default_key_env(self) -> Option<&'static str> {
        match self {
            Protocol::Anthropic => Some("ANTHROPIC_API_KEY"),
            Protocol::OpenAi => Some("OPENAI_API_KEY"),
            Protocol::Gemini => Some("GEMINI_API_KEY"),
            Protocol::Ollama => None,
        }
    }

    /// A reasonable model when none is named (none for Ollama: it runs what was pulled).
    pub fn default_model(self) -> Option<&'static str> {
        match self {
            Protocol::Anthropic => Some("claude-sonnet-4-5"),
            Protocol::OpenAi => Some("gpt-4.1-mini"),
            Protocol::Gemini => Some("gemini-2.5-flash"),
            Protocol::Ollama => None,
        }
    }

    /// The header that carries the API key, and what precedes the key in it. The transport
    /// writes `prefix + key`; the key never enters this crate. Ollama needs no key locally, but
    /// one given is sent as a bearer token (hosted Ollama and authenticating proxies take it).
    pub fn auth_header(self) -> AuthHeader {
        match self {
            Protocol::Anthropic => AuthHeader {
                name: "x-api-key",
                prefix: "",
            },
            Protocol::OpenAi | Protocol::Ollama => AuthHeader {
                name: "authorization",
                prefix: "Bearer ",
            },
            Protocol::Gemini => AuthHeader {
                name: "x-goog-api-key",
                prefix: "",
            },
        }
    }

    /// Headers a page must add to call the provider directly from a browser. Anthropic refuses
    /// cross-origin requests without `anthropic-dangerous-direct-browser-access: true`.
    pub fn browser_headers(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Protocol::Anthropic => &[("anthropic-dangerous-direct-browser-access", "true")],
            Protocol::OpenAi | Protocol::Gemini | Protocol::Ollama => &[],
        }
    }

    /// A decoder for this protocol's streamed chat response.
    pub fn decoder(self) -> StreamDecoder {
        StreamDecoder::new(self)
    }

    /// The request that lists the models the key (or the local server) can use.
    pub fn models_request(self) -> HttpRequest {
        let path = match self {
            // One page of up to 1000; no account has more models than that.
            Protocol::Anthropic => "/v1/models?limit=1000",
            Protocol::OpenAi => "/models",
            Protocol::Gemini => "/v1beta/models?pageSize=1000",
            Protocol::Ollama => "/api/tags",
        };
        let mut headers = Vec::new();
        if self == Protocol::Anthropic {
            headers.push(("anthropic-version", anthropic::VERSION.to_owned()));
        }
        HttpRequest {
            method: Method::Get,
            path: path.to_owned(),
            headers,
            body: None,
        }
    }

    /// The models in a successful model-list response, in the provider's order. Gemini's list
    /// is narrowed to models that can generate content, with the `models/` prefix dropped.
    pub fn parse_models(self, body: &[u8]) -> Result<Vec<ModelInfo>, DecodeError> {
        let value: Value = decode::json(body)?;
        let models = match self {
            Protocol::Anthropic => anthropic::models(&value),
            Protocol::OpenAi => openai::models(&value),
            Protocol::Gemini => gemini::models(&value),
            Protocol::Ollama => ollama::models(&value),
        };
        models.ok_or_else(|| DecodeError::Malformed {
            reason: "the model list is not in the documented shape".to_owned(),
        })
    }

    /// What an unsuccessful HTTP response means. `retry_after` is the delay from the
    /// response's `retry-after` (or `retry-after-ms`) header, parsed by [`parse_retry_after`];
    /// Gemini's delay in the body is read here.
    pub fn classify(
        self,
        status: u16,
        retry_after: Option<std::time::Duration>,
        body: &[u8],
    ) -> ProviderError {
        error::classify_response(status, retry_after, body)
    }
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Where the key goes: header `name`, value `prefix` followed by the key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuthHeader {
    /// The header name, lowercase.
    pub name: &'static str,
    /// What precedes the key in the value (`Bearer ` or nothing).
    pub prefix: &'static str,
}

/// Who said a conversation turn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// The person.
    User,
    /// The model.
    Assistant,
}

/// One turn of the conversation.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Message {
    /// Who said it.
    pub role: Role,
    /// What was said.
    pub content: String,
}

impl Message {
    /// A turn of the person's.
    pub fn user(content: impl Into<String>) -> Self {
        Self {
            role: Role::User,
            content: content.into(),
        }
    }

    /// A turn of the model's.
    pub fn assistant(content: impl Into<String>) -> Self {
        Self {
            role: Role::Assistant,
            content: content.into(),
        }
    }
}

/// What to ask the model, independent of the protocol.
#[derive(Debug, Clone, PartialEq)]
pub struct ChatRequest {
    /// The model name as the provider knows it.
    pub model: String,
    /// The system prompt (Kiln sends [`crate::protocol::SYSTEM_PROMPT`]).
    pub system: String,
    /// The conversation so far, oldest first, ending with the person's new turn.
    pub messages: Vec<Message>,
    /// The most tokens the reply may have.
    pub max_tokens: u32,
    /// Sampling temperature; `None` leaves the provider's default (some models take no other).
    pub temperature: Option<f64>,
}

/// Why a [`ChatRequest`] cannot be sent.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RequestError {
    /// The model name is empty.
    #[error("no model named")]
    NoModel,
    /// The model name holds white space or control characters, which no provider uses.
    #[error("model name {0:?} has white space or control characters")]
    BadModel(String),
    /// There is nothing to send.
    #[error("the conversation has no messages")]
    NoMessages,
    /// A reply of zero tokens was asked for.
    #[error("max tokens must be at least 1")]
    ZeroMaxTokens,
}

/// An HTTP method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// `GET`.
    Get,
    /// `POST`.
    Post,
}

impl Method {
    /// The method's name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
        }
    }
}

/// A request to send, without the API key (see [`Protocol::auth_header`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpRequest {
    /// The method.
    pub method: Method,
    /// Appended to the base URL (see [`Endpoint::url`]); starts with `/`, may carry a query.
    pub path: String,
    /// Headers besides the key, lowercase names.
    pub headers: Vec<(&'static str, String)>,
    /// The JSON body, if any (`content-type: application/json` is in `headers` then).
    pub body: Option<String>,
}

/// A model a provider offers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelInfo {
    /// The name to put in a request.
    pub id: String,
    /// A name for people, when the provider gives one.
    pub display_name: Option<String>,
}

/// Token counts. Providers report running totals: a later [`StreamEvent::Usage`] replaces the
/// fields it carries ([`Usage::merge`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Usage {
    /// Tokens of the prompt (system prompt and conversation).
    pub input_tokens: Option<u64>,
    /// Tokens of the reply so far.
    pub output_tokens: Option<u64>,
}

impl Usage {
    /// Takes the fields `later` carries.
    pub fn merge(&mut self, later: Usage) {
        if later.input_tokens.is_some() {
            self.input_tokens = later.input_tokens;
        }
        if later.output_tokens.is_some() {
            self.output_tokens = later.output_tokens;
        }
    }
}

/// Why the model stopped writing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StopReason {
    /// It finished its turn.
    EndTurn,
    /// It reached the max-tokens limit: the reply is cut short.
    MaxTokens,
    /// It wrote a stop sequence.
    StopSequence,
    /// It wants to call a tool (Kiln offers none; treated as the end of the reply).
    ToolUse,
    /// It refused, or the provider's safety filter stopped it.
    Refusal,
    /// A reason this crate does not know, as the provider spelled it.
    Other(String),
}

impl StopReason {
    /// True when the reply ended because of a limit or a filter rather than by the model's
    /// choice, so what it wrote may be unfinished.
    pub fn is_cut(&self) -> bool {
        matches!(self, StopReason::MaxTokens | StopReason::Refusal)
    }
}

impl fmt::Display for StopReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StopReason::EndTurn => f.write_str("end of turn"),
            StopReason::MaxTokens => f.write_str("max tokens reached"),
            StopReason::StopSequence => f.write_str("stop sequence"),
            StopReason::ToolUse => f.write_str("tool use"),
            StopReason::Refusal => f.write_str("refused or filtered"),
            StopReason::Other(other) => write!(f, "{other}"),
        }
    }
}

/// Something a streamed reply said, in stream order.
#[derive(Debug, Clone, PartialEq)]
pub enum StreamEvent {
    /// Reply text. Concatenated, the text events are the whole reply; feed them to the
    /// extractor.
    Text(String),
    /// Reasoning the model showed (Anthropic thinking, Gemini thought summaries,
    /// `reasoning_content`, Ollama `thinking`). Not part of the reply.
    Thinking(String),
    /// Token counts so far.
    Usage(Usage),
    /// Why the model stopped.
    Stop(StopReason),
    /// The provider reported an error inside the stream; the reply is over.
    Error(ProviderError),
    /// The protocol's last event arrived: the reply is complete.
    Done,
}

/// Why a base URL is refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum EndpointError {
    /// Not `http://` or `https://` followed by a host.
    #[error("base URL {0:?} must start with http:// or https:// and name a host")]
    Scheme(String),
    /// It has a query, a fragment, white space or control characters.
    #[error("base URL {0:?} must not have a query, a fragment, white space or control characters")]
    Shape(String),
}

/// A protocol at a base URL: everything needed to build requests for one provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    protocol: Protocol,
    base_url: String,
}

impl Endpoint {
    /// The protocol at `base_url`, or at its [`Protocol::default_base_url`]. A trailing `/` is
    /// dropped.
    pub fn new(protocol: Protocol, base_url: Option<&str>) -> Result<Self, EndpointError> {
        let base = base_url
            .unwrap_or(protocol.default_base_url())
            .trim_end_matches('/');
        let rest = base
            .strip_prefix("https://")
            .or_else(|| base.strip_prefix("http://"));
        let Some(rest) = rest else {
            return Err(EndpointError::Scheme(base.to_owned()));
        };
        if rest.is_empty() || rest.starts_with('/') {
            return Err(EndpointError::Scheme(base.to_owned()));
        }
        if base
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '?' || c == '#')
        {
            return Err(EndpointError::Shape(base.to_owned()));
        }
        Ok(Self {
            protocol,
            base_url: base.to_owned(),
        })
    }

    /// The protocol.
    pub fn protocol(&self) -> Protocol {
        self.protocol
    }

    /// The base URL, without a trailing `/`.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The full URL of a request built for this endpoint.
    pub fn url(&self, request: &HttpRequest) -> String {
        format!("{}{}", self.base_url, request.path)
    }

    /// True for OpenAI's own API, which wants `max_completion_tokens` (its reasoning models
    /// refuse `max_tokens`), where OpenAI-compatible servers know only `max_tokens`.
    fn is_openai_itself(&self) -> bool {
        let host = self
            .base_url
            .split_once("://")
            .map_or("", |(_, rest)| rest.split(['/', ':']).next().unwrap_or(""));
        host.eq_ignore_ascii_case("api.openai.com")
    }

    /// The streaming chat request for `chat`.
    pub fn chat_request(&self, chat: &ChatRequest) -> Result<HttpRequest, RequestError> {
        if chat.model.is_empty() {
            return Err(RequestError::NoModel);
        }
        if chat
            .model
            .chars()
            .any(|c| c.is_whitespace() || c.is_control())
        {
            return Err(RequestError::BadModel(chat.model.clone()));
        }
        if chat.messages.is_empty() {
            return Err(RequestError::NoMessages);
        }
        if chat.max_tokens == 0 {
            return Err(RequestError::ZeroMaxTokens);
        }
        let json = ("content-type", "application/json".to_owned());
        Ok(match self.protocol {
            Protocol::Anthropic => HttpRequest {
                method: Method::Post,
                path: "/v1/messages".to_owned(),
                headers: vec![
                    json,
                    ("anthropic-version", anthropic::VERSION.to_owned()),
                    ("accept", "text/event-stream".to_owned()),
                ],
                body: Some(anthropic::chat_body(chat).to_string()),
            },
            Protocol::OpenAi => HttpRequest {
                method: Method::Post,
                path: "/chat/completions".to_owned(),
                headers: vec![json, ("accept", "text/event-stream".to_owned())],
                body: Some(openai::chat_body(chat, self.is_openai_itself()).to_string()),
            },
            Protocol::Gemini => HttpRequest {
                method: Method::Post,
                path: format!(
                    "/v1beta/models/{}:streamGenerateContent?alt=sse",
                    gemini::model_path(&chat.model)
                ),
                headers: vec![json, ("accept", "text/event-stream".to_owned())],
                body: Some(gemini::chat_body(chat).to_string()),
            },
            Protocol::Ollama => HttpRequest {
                method: Method::Post,
                path: "/api/chat".to_owned(),
                headers: vec![json, ("accept", "application/x-ndjson".to_owned())],
                body: Some(ollama::chat_body(chat).to_string()),
            },
        })
    }
}

/// The text of a JSON string field, if it is one.
fn str_at<'a>(value: &'a Value, key: &str) -> Option<&'a str> {
    value.get(key).and_then(Value::as_str)
}

/// A count field, if it is a non-negative integer.
fn count_at(value: &Value, key: &str) -> Option<u64> {
    value.get(key).and_then(Value::as_u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for p in Protocol::ALL {
            assert_eq!(Protocol::parse(p.name()), Some(p));
        }
        assert_eq!(Protocol::parse("claude"), None);
    }

    #[test]
    fn base_urls_are_checked_and_joined() {
        let e = Endpoint::new(Protocol::OpenAi, Some("http://127.0.0.1:8080/v1/")).unwrap();
        assert_eq!(e.base_url(), "http://127.0.0.1:8080/v1");
        let chat = ChatRequest {
            model: "m".into(),
            system: "s".into(),
            messages: vec![Message::user("hi")],
            max_tokens: 10,
            temperature: None,
        };
        let req = e.chat_request(&chat).unwrap();
        assert_eq!(e.url(&req), "http://127.0.0.1:8080/v1/chat/completions");
        for bad in ["ftp://x", "http://", "https:///x", "localhost:11434"] {
            assert!(matches!(
                Endpoint::new(Protocol::Ollama, Some(bad)),
                Err(EndpointError::Scheme(_))
            ));
        }
        for bad in ["http://x/?a=1", "http://x/#f", "http://x y", "http://x\n"] {
            assert!(matches!(
                Endpoint::new(Protocol::Ollama, Some(bad)),
                Err(EndpointError::Shape(_))
            ));
        }
        assert!(
            Endpoint::new(Protocol::OpenAi, None)
                .unwrap()
                .is_openai_itself()
        );
        assert!(
            !Endpoint::new(Protocol::OpenAi, Some("https://openrouter.ai/api/v1"))
                .unwrap()
                .is_openai_itself()
        );
    }

    #[test]
    fn requests_are_validated() {
        let e = Endpoint::new(Protocol::Anthropic, None).unwrap();
        let mut chat = ChatRequest {
            model: String::new(),
            system: String::new(),
            messages: vec![],
            max_tokens: 0,
            temperature: None,
        };
        assert_eq!(e.chat_request(&chat), Err(RequestError::NoModel));
        chat.model = "a b".into();
        assert!(matches!(
            e.chat_request(&chat),
            Err(RequestError::BadModel(_))
        ));
        chat.model = "claude".into();
        assert_eq!(e.chat_request(&chat), Err(RequestError::NoMessages));
        chat.messages.push(Message::user("x"));
        assert_eq!(e.chat_request(&chat), Err(RequestError::ZeroMaxTokens));
        chat.max_tokens = 1;
        assert!(e.chat_request(&chat).is_ok());
    }
}
