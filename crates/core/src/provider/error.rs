//! What a provider's error means and what to do about it, from the HTTP status, the error body
//! and the `retry-after` header.
//!
//! Providers agree on little: Anthropic says `{"type":"error","error":{"type":…,"message":…}}`,
//! OpenAI `{"error":{"message":…,"type":…,"code":…}}`, Gemini `{"error":{"code":…,"status":…,
//! "details":[…]}}` (and refuses a bad key with a 400, not a 401), Ollama and LM Studio
//! `{"error":"…"}`, vLLM puts the fields at the top level, and a proxy in front of any of them
//! answers with HTML. So the body is read generically (every code-like field and the message are
//! collected) and classified by codes first, then by the status, then by what the message says.
//! The result is one [`ErrorKind`] with a sentence for people and advice, which the CLI and the
//! page show the same way. Provider messages are cleaned of control characters and capped, since
//! a hostile server chooses them and terminals interpret escape sequences.

use std::fmt;
use std::time::Duration;

use serde_json::Value;
use thiserror::Error;

/// The longest provider message kept, in characters.
const MAX_MESSAGE_CHARS: usize = 300;

/// What kind of failure a provider reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// The API key is missing, wrong, revoked or may not use this model (401/403, Gemini's
    /// `API_KEY_INVALID`).
    BadKey,
    /// Too many requests for now (429); retry after the delay the provider gave.
    RateLimited,
    /// The account is out of credit or quota; retrying will not help.
    Billing,
    /// The provider is overloaded or failed (5xx, Anthropic's 529, an error inside the stream);
    /// retrying later usually works.
    ServerError,
    /// The model name is unknown to the provider (or the key may not see it).
    ModelNotFound,
    /// The URL names nothing: usually a wrong base URL.
    EndpointNotFound,
    /// The prompt, the conversation and the reply's max tokens do not fit the model's context
    /// window.
    ContextTooLong,
    /// The provider refused the request for another reason (another 4xx).
    Rejected,
    /// A status that is not an error the protocols define (1xx, 3xx).
    Unexpected,
}

impl ErrorKind {
    /// True when the same request may succeed if sent again later.
    pub fn is_retryable(self) -> bool {
        matches!(self, ErrorKind::RateLimited | ErrorKind::ServerError)
    }

    /// What happened, in a few words for people.
    pub fn meaning(self) -> &'static str {
        match self {
            ErrorKind::BadKey => "the provider refused the API key",
            ErrorKind::RateLimited => "the provider is rate limiting requests",
            ErrorKind::Billing => "the account is out of credit or quota",
            ErrorKind::ServerError => "the provider is overloaded or failing",
            ErrorKind::ModelNotFound => "the provider does not know the model",
            ErrorKind::EndpointNotFound => "the provider has no such endpoint",
            ErrorKind::ContextTooLong => "the request is too long for the model's context window",
            ErrorKind::Rejected => "the provider rejected the request",
            ErrorKind::Unexpected => "the provider answered with an unexpected status",
        }
    }

    /// What to do about it.
    pub fn advice(self) -> &'static str {
        match self {
            ErrorKind::BadKey => "check the key, and that it may use this model",
            ErrorKind::RateLimited => "wait a little and try again",
            ErrorKind::Billing => "add credit or raise the quota in the provider's console",
            ErrorKind::ServerError => "try again in a moment",
            ErrorKind::ModelNotFound => "check the model name against the provider's model list",
            ErrorKind::EndpointNotFound => {
                "check the base URL (OpenAI-compatible servers usually end in /v1)"
            }
            ErrorKind::ContextTooLong => {
                "shorten the prompt or the conversation, or lower max tokens"
            }
            ErrorKind::Rejected => "read the provider's message",
            ErrorKind::Unexpected => "check the base URL points at the provider's API",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.meaning())
    }
}

/// An error a provider reported, in an HTTP response or inside a stream.
///
/// Displays as `{meaning} ({status} {code}: {message})`, e.g. `the provider refused the API
/// key (401 authentication_error: invalid x-api-key)`.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub struct ProviderError {
    /// What kind of failure it is.
    pub kind: ErrorKind,
    /// The HTTP status; `None` for an error sent inside a stream.
    pub status: Option<u16>,
    /// The provider's own error code or type (`rate_limit_error`, `context_length_exceeded`,
    /// `RESOURCE_EXHAUSTED`…), if it gave one.
    pub code: Option<String>,
    /// The provider's message, cleaned of control characters and capped.
    pub message: String,
    /// How long the provider asked to wait before retrying.
    pub retry_after: Option<Duration>,
}

impl fmt::Display for ProviderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (", self.kind)?;
        match (self.status, &self.code) {
            (Some(status), Some(code)) => write!(f, "{status} {code}: ")?,
            (Some(status), None) => write!(f, "{status}: ")?,
            (None, Some(code)) => write!(f, "{code}: ")?,
            (None, None) => {}
        }
        write!(f, "{})", self.message)
    }
}

/// Parses a `retry-after` header given in seconds (`20`, or `1.5` as some servers send). An
/// HTTP date is not read: that would need a clock, and providers send seconds.
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    let secs: f64 = value.trim().parse().ok()?;
    duration_secs(secs)
}

/// Parses a `retry-after-ms` header (OpenAI-style milliseconds).
pub fn parse_retry_after_ms(value: &str) -> Option<Duration> {
    let ms: f64 = value.trim().parse().ok()?;
    duration_secs(ms / 1000.0)
}

/// A non-negative, finite number of seconds, at most a day (a longer wait is a quota reset,
/// which no retry loop should sit through).
fn duration_secs(secs: f64) -> Option<Duration> {
    if !(0.0..=86_400.0).contains(&secs) {
        return None;
    }
    Duration::try_from_secs_f64(secs).ok()
}

/// Everything code-like and the message of an error body, whatever its shape.
#[derive(Debug, Default)]
struct ErrorBody {
    /// Codes in display preference: `code`, detail `reason`s, `type`, `status`.
    codes: Vec<String>,
    message: Option<String>,
    /// Gemini's `RetryInfo.retryDelay`.
    retry_delay: Option<Duration>,
}

fn read_body(body: &[u8]) -> ErrorBody {
    let Ok(value) = serde_json::from_slice::<Value>(body) else {
        let text = String::from_utf8_lossy(body);
        let message = clean_message(&text);
        return ErrorBody {
            message: (!message.is_empty()).then_some(message),
            ..ErrorBody::default()
        };
    };
    read_value(&value)
}

/// Reads an error object: `{"error":{…}}`, `{"error":"…"}` or the fields at the top level.
fn read_value(value: &Value) -> ErrorBody {
    let mut out = ErrorBody::default();
    let inner = match value.get("error") {
        Some(Value::String(message)) => {
            out.message = Some(clean_message(message));
            value
        }
        Some(inner @ Value::Object(_)) => inner,
        _ => value,
    };
    let mut push = |code: Option<&Value>| {
        if let Some(Value::String(code)) = code {
            let code = clean_message(code);
            if !code.is_empty() && !out.codes.contains(&code) {
                out.codes.push(code);
            }
        }
    };
    push(inner.get("code"));
    match inner.get("details") {
        // Gemini: a list of typed details (`ErrorInfo.reason`, `RetryInfo.retryDelay`).
        Some(Value::Array(details)) => {
            for detail in details {
                push(detail.get("reason"));
                if let Some(delay) = detail.get("retryDelay").and_then(Value::as_str) {
                    out.retry_delay = delay.strip_suffix('s').and_then(parse_retry_after);
                }
            }
        }
        // Anthropic: `{"error_code": "enforced_spend_limit_reached"}` on a 429.
        Some(details @ Value::Object(_)) => push(details.get("error_code")),
        _ => {}
    }
    push(inner.get("type"));
    push(inner.get("status"));
    if out.message.is_none() {
        out.message = inner
            .get("message")
            .and_then(Value::as_str)
            .map(clean_message);
    }
    out
}

/// Control characters (terminal escapes included) become spaces, runs of white space one space,
/// and the text is cut at [`MAX_MESSAGE_CHARS`].
pub(crate) fn clean_message(text: &str) -> String {
    let mut out = String::new();
    let mut chars = 0;
    let mut space = false;
    for c in text.trim().chars() {
        if c.is_whitespace() || c.is_control() || is_invisible(c) {
            space = true;
            continue;
        }
        let gap = space && !out.is_empty();
        let need = if gap { 2 } else { 1 };
        if chars + need > MAX_MESSAGE_CHARS {
            out.push('…');
            break;
        }
        if gap {
            out.push(' ');
        }
        out.push(c);
        chars += need;
        space = false;
    }
    out
}

/// Zero-width and bidirectional-override characters, which can make a message display as
/// something else.
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}')
}

pub(crate) fn classify_response(
    status: u16,
    retry_after: Option<Duration>,
    body: &[u8],
) -> ProviderError {
    let body = read_body(body);
    let retry_after = retry_after.or(body.retry_delay);
    classify(Some(status), body, retry_after)
}

/// Classifies an error object sent inside a stream.
pub(crate) fn classify_in_stream(value: &Value) -> ProviderError {
    let body = read_value(value);
    let retry_after = body.retry_delay;
    classify(None, body, retry_after)
}

fn classify(status: Option<u16>, body: ErrorBody, retry_after: Option<Duration>) -> ProviderError {
    let message = body.message.unwrap_or_else(|| "no message".to_owned());
    let kind = kind_of(status, &body.codes, &message.to_lowercase());
    ProviderError {
        kind,
        status,
        code: body.codes.into_iter().next(),
        message,
        retry_after: if kind.is_retryable() {
            retry_after
        } else {
            None
        },
    }
}

fn kind_of(status: Option<u16>, codes: &[String], message: &str) -> ErrorKind {
    let has = |names: &[&str]| {
        codes
            .iter()
            .any(|c| names.iter().any(|n| c.eq_ignore_ascii_case(n)))
    };
    let says = |phrases: &[&str]| phrases.iter().any(|p| message.contains(p));
    let mentions_model = message.contains("model");

    if has(&[
        "insufficient_quota",
        "billing_error",
        "billing_not_active",
        "enforced_spend_limit_reached",
    ]) || status == Some(402)
        || says(&[
            "credit balance is too low",
            "insufficient credits",
            "spend limit",
        ])
    {
        return ErrorKind::Billing;
    }
    if has(&[
        "context_length_exceeded",
        "exceed_context_size_error",
        "request_too_large",
        "string_above_max_length",
    ]) || status == Some(413)
        || says(&[
            "context length",
            "context window",
            "context limit",
            "context size",
            "maximum context",
            "prompt is too long",
            "too many tokens",
            "input token count",
            "maximum number of tokens",
        ])
    {
        return ErrorKind::ContextTooLong;
    }
    if has(&[
        "authentication_error",
        "permission_error",
        "invalid_api_key",
        "api_key_invalid",
        "unauthenticated",
        "permission_denied",
    ]) || matches!(status, Some(401 | 403))
    {
        return ErrorKind::BadKey;
    }
    let not_found =
        has(&["not_found_error", "model_not_found", "not_found"]) || status == Some(404);
    let model_unknown = mentions_model
        && says(&[
            "not found",
            "does not exist",
            "not a valid model",
            "invalid model",
            "unknown model",
            "not supported",
        ]);
    if not_found || (model_unknown && matches!(status, Some(400) | None)) {
        // Ollama's unknown-path answer is the text "404 page not found", with no model.
        return if mentions_model || has(&["model_not_found"]) {
            ErrorKind::ModelNotFound
        } else {
            ErrorKind::EndpointNotFound
        };
    }
    if has(&[
        "rate_limit_error",
        "rate_limit_exceeded",
        "resource_exhausted",
    ]) || status == Some(429)
    {
        return ErrorKind::RateLimited;
    }
    if has(&[
        "overloaded_error",
        "api_error",
        "server_error",
        "unavailable",
        "internal",
        "timeout_error",
    ]) {
        return ErrorKind::ServerError;
    }
    match status {
        Some(408 | 500..=599) => ErrorKind::ServerError,
        Some(400..=499) => ErrorKind::Rejected,
        // An error event inside the stream with no known code: the provider failed mid-reply.
        None => ErrorKind::ServerError,
        Some(_) => ErrorKind::Unexpected,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::Protocol;

    fn kind(protocol: Protocol, status: u16, body: &str) -> ErrorKind {
        protocol.classify(status, None, body.as_bytes()).kind
    }

    #[test]
    fn messages_are_cleaned_and_capped() {
        assert_eq!(clean_message("  a\u{1b}[31m b\n\tc "), "a [31m b c");
        let long = "x".repeat(1000);
        let cleaned = clean_message(&long);
        assert_eq!(cleaned.chars().count(), MAX_MESSAGE_CHARS + 1);
        assert!(cleaned.ends_with('…'));
        // Found by the fuzzer: a space before the last kept character used to skip the cap.
        for len in [298, 299, 300, 301] {
            let spaced = format!("{} {}", "y".repeat(len), "z ".repeat(500));
            assert!(
                clean_message(&spaced).chars().count() <= MAX_MESSAGE_CHARS + 1,
                "{len}"
            );
        }
    }

    #[test]
    fn retry_after_values() {
        assert_eq!(parse_retry_after("20"), Some(Duration::from_secs(20)));
        assert_eq!(
            parse_retry_after(" 1.5 "),
            Some(Duration::from_millis(1500))
        );
        assert_eq!(
            parse_retry_after_ms("250"),
            Some(Duration::from_millis(250))
        );
        for bad in [
            "-1",
            "NaN",
            "inf",
            "1e300",
            "Wed, 21 Oct 2015 07:28:00 GMT",
            "",
        ] {
            assert_eq!(parse_retry_after(bad), None, "{bad}");
        }
    }

    #[test]
    fn bodies_of_every_shape_are_classified() {
        use ErrorKind::*;
        use Protocol::*;
        let cases: &[(Protocol, u16, &str, ErrorKind)] = &[
            (
                Anthropic,
                401,
                r#"{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}}"#,
                BadKey,
            ),
            (
                Anthropic,
                529,
                r#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#,
                ServerError,
            ),
            (
                Anthropic,
                400,
                r#"{"type":"error","error":{"type":"invalid_request_error","message":"prompt is too long: 215000 tokens > 200000 maximum"}}"#,
                ContextTooLong,
            ),
            (
                Anthropic,
                400,
                r#"{"type":"error","error":{"type":"invalid_request_error","message":"Your credit balance is too low to access the Anthropic API."}}"#,
                Billing,
            ),
            (
                Anthropic,
                404,
                r#"{"type":"error","error":{"type":"not_found_error","message":"model: claude-nope"}}"#,
                ModelNotFound,
            ),
            (
                OpenAi,
                429,
                r#"{"error":{"message":"You exceeded your current quota","type":"insufficient_quota","param":null,"code":"insufficient_quota"}}"#,
                Billing,
            ),
            (
                OpenAi,
                429,
                r#"{"error":{"message":"Rate limit reached","type":"requests","param":null,"code":"rate_limit_exceeded"}}"#,
                RateLimited,
            ),
            (
                OpenAi,
                400,
                r#"{"error":{"message":"This model's maximum context length is 128000 tokens.","type":"invalid_request_error","param":"messages","code":"context_length_exceeded"}}"#,
                ContextTooLong,
            ),
            (
                OpenAi,
                400,
                r#"{"object":"error","message":"This model's maximum context length is 4096 tokens.","type":"BadRequestError","param":null,"code":400}"#,
                ContextTooLong,
            ),
            (
                OpenAi,
                400,
                r#"{"error":{"code":400,"message":"the request exceeds the available context size, try increasing it","type":"exceed_context_size_error"}}"#,
                ContextTooLong,
            ),
            (
                OpenAi,
                400,
                r#"{"error":{"message":"nope/model is not a valid model ID","code":400}}"#,
                ModelNotFound,
            ),
            (
                OpenAi,
                402,
                r#"{"error":{"message":"Insufficient credits","code":402}}"#,
                Billing,
            ),
            (
                OpenAi,
                404,
                "<html><body>Not Found</body></html>",
                EndpointNotFound,
            ),
            (OpenAi, 502, "<html>Bad Gateway</html>", ServerError),
            (OpenAi, 418, "", Rejected),
            (OpenAi, 302, "", Unexpected),
            (
                Gemini,
                400,
                r#"{"error":{"code":400,"message":"API key not valid. Please pass a valid API key.","status":"INVALID_ARGUMENT","details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"API_KEY_INVALID","domain":"googleapis.com"}]}}"#,
                BadKey,
            ),
            (
                Gemini,
                400,
                r#"{"error":{"code":400,"message":"The input token count (1200000) exceeds the maximum number of tokens allowed (1048576).","status":"INVALID_ARGUMENT"}}"#,
                ContextTooLong,
            ),
            (
                Gemini,
                404,
                r#"{"error":{"code":404,"message":"models/gemini-nope is not found for API version v1beta","status":"NOT_FOUND"}}"#,
                ModelNotFound,
            ),
            (
                Gemini,
                503,
                r#"{"error":{"code":503,"message":"The model is overloaded. Please try again later.","status":"UNAVAILABLE"}}"#,
                ServerError,
            ),
            (
                Ollama,
                404,
                r#"{"error":"model \"nope\" not found, try pulling it first"}"#,
                ModelNotFound,
            ),
            (Ollama, 404, "404 page not found", EndpointNotFound),
            (
                Ollama,
                500,
                r#"{"error":"llama runner process has terminated"}"#,
                ServerError,
            ),
        ];
        for (protocol, status, body, want) in cases {
            assert_eq!(
                kind(*protocol, *status, body),
                *want,
                "{protocol} {status} {body}"
            );
        }
    }

    #[test]
    fn gemini_retry_delay_is_read_from_the_body() {
        let body = r#"{"error":{"code":429,"message":"quota","status":"RESOURCE_EXHAUSTED","details":[{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"22s"}]}}"#;
        let e = Protocol::Gemini.classify(429, None, body.as_bytes());
        assert_eq!(e.kind, ErrorKind::RateLimited);
        assert_eq!(e.retry_after, Some(Duration::from_secs(22)));
        assert_eq!(e.code.as_deref(), Some("RESOURCE_EXHAUSTED"));
        let header = Some(Duration::from_secs(3));
        let e = Protocol::Gemini.classify(429, header, body.as_bytes());
        assert_eq!(e.retry_after, header, "the header wins");
    }

    #[test]
    fn display_is_one_readable_line() {
        let e = Protocol::Anthropic.classify(
            401,
            None,
            br#"{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}}"#,
        );
        assert_eq!(
            e.to_string(),
            "the provider refused the API key (401 authentication_error: invalid x-api-key)"
        );
        let e = Protocol::OpenAi.classify(500, None, b"");
        assert_eq!(
            e.to_string(),
            "the provider is overloaded or failing (500: no message)"
        );
    }
}
