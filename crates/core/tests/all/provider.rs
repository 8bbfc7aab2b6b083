//! Provider wire formats over the transcripts in `tests/providers/` (one folder per provider,
//! each file a whole HTTP response): every stream decodes to the recorded reply, any chunking
//! gives the same events, a cut stream is reported as truncated, every error response is
//! classified, and the request builders and model-list parsers follow each provider's format.

// Reading the transcripts is what these helpers are for.
#![allow(clippy::disallowed_methods)]

use std::path::{Path, PathBuf};
use std::time::Duration;

use proptest::prelude::*;
use serde_json::{Value, json};

use kiln_core::provider::{
    ChatRequest, DecodeError, Endpoint, ErrorKind, Message, Method, Protocol, StopReason,
    StreamDecoder, StreamEvent, Usage, parse_retry_after, parse_retry_after_ms,
};

fn providers_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/providers")
}

/// A recorded response: status, headers (lowercase names) and the body, byte for byte.
struct Transcript {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Transcript {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

fn transcript(name: &str) -> Transcript {
    let bytes = std::fs::read(providers_dir().join(name)).unwrap();
    let split = bytes.windows(2).position(|w| w == b"\n\n").unwrap();
    let head = std::str::from_utf8(&bytes[..split]).unwrap();
    let mut lines = head.lines();
    let status = lines.next().unwrap().split(' ').nth(1).unwrap();
    let headers = lines
        .map(|l| {
            let (n, v) = l.split_once(": ").unwrap();
            (n.to_ascii_lowercase(), v.to_owned())
        })
        .collect();
    Transcript {
        status: status.parse().unwrap(),
        headers,
        body: bytes[split + 2..].to_vec(),
    }
}

fn reply() -> String {
    std::fs::read_to_string(providers_dir().join("reply.txt")).unwrap()
}

/// The reply as the `*_tokens`/`max_tokens`/`stream_error` transcripts cut it: up to the
/// button line.
fn cut_reply() -> String {
    let r = reply();
    r[..r.find("<button").unwrap()].to_owned()
}

fn protocol_of(name: &str) -> Protocol {
    Protocol::parse(name.split('/').next().unwrap()).unwrap()
}

type Run = (Vec<StreamEvent>, Result<(), DecodeError>);

fn decode<'a>(protocol: Protocol, chunks: impl IntoIterator<Item = &'a [u8]>) -> Run {
    let mut d = StreamDecoder::new(protocol);
    let mut events = Vec::new();
    for chunk in chunks {
        if let Err(e) = d.feed(chunk, &mut events) {
            return (events, Err(e));
        }
    }
    let end = d.finish(&mut events);
    (events, end)
}

fn text(events: &[StreamEvent]) -> String {
    events
        .iter()
        .filter_map(|e| match e {
            StreamEvent::Text(t) => Some(t.as_str()),
            _ => None,
        })
        .collect()
}

fn thinking(events: &[StreamEvent]) -> String {
    events
        .iter()
        .filter_map(|e| match e {
            StreamEvent::Thinking(t) => Some(t.as_str()),
            _ => None,
        })
        .collect()
}

fn usage(events: &[StreamEvent]) -> Usage {
    let mut u = Usage::default();
    for e in events {
        if let StreamEvent::Usage(later) = e {
            u.merge(*later);
        }
    }
    u
}

fn stop(events: &[StreamEvent]) -> Option<StopReason> {
    events.iter().find_map(|e| match e {
        StreamEvent::Stop(s) => Some(s.clone()),
        _ => None,
    })
}

const STREAMS: [&str; 16] = [
    "anthropic/stream.http",
    "anthropic/thinking.http",
    "anthropic/max_tokens.http",
    "anthropic/stream_error.http",
    "openai/stream.http",
    "openai/compatible.http",
    "openai/max_tokens.http",
    "openai/stream_error.http",
    "gemini/stream.http",
    "gemini/max_tokens.http",
    "gemini/blocked.http",
    "gemini/thinking.http",
    "ollama/stream.http",
    "ollama/max_tokens.http",
    "ollama/stream_error.http",
    "ollama/thinking.http",
];

#[derive(Debug)]
enum Text {
    Reply,
    Cut,
    Is(&'static str),
}

struct Expect {
    file: &'static str,
    text: Text,
    thinking: &'static str,
    stop: Option<StopReason>,
    error: Option<(ErrorKind, Option<&'static str>, &'static str)>,
    usage: (Option<u64>, Option<u64>),
    done: bool,
}

#[test]
fn every_stream_decodes_to_what_was_recorded() {
    use StopReason::*;
    let cases = [
        Expect {
            file: "anthropic/stream.http",
            text: Text::Reply,
            thinking: "",
            stop: Some(EndTurn),
            error: None,
            usage: (Some(1834), Some(214)),
            done: true,
        },
        Expect {
            file: "anthropic/thinking.http",
            text: Text::Is("Here you go.\n"),
            thinking: "The person wants a greeting page. Keep it small.",
            stop: Some(EndTurn),
            error: None,
            usage: (Some(1834), Some(61)),
            done: true,
        },
        Expect {
            file: "anthropic/max_tokens.http",
            text: Text::Cut,
            thinking: "",
            stop: Some(MaxTokens),
            error: None,
            usage: (Some(1834), Some(160)),
            done: true,
        },
        Expect {
            file: "anthropic/stream_error.http",
            text: Text::Cut,
            thinking: "",
            stop: None,
            error: Some((
                ErrorKind::ServerError,
                Some("overloaded_error"),
                "Overloaded",
            )),
            usage: (Some(1834), Some(1)),
            done: false,
        },
        Expect {
            file: "openai/stream.http",
            text: Text::Reply,
            thinking: "",
            stop: Some(EndTurn),
            error: None,
            usage: (Some(1650), Some(231)),
            done: true,
        },
        Expect {
            file: "openai/compatible.http",
            text: Text::Reply,
            thinking: "The person wants a greeting page.",
            stop: Some(EndTurn),
            error: None,
            usage: (None, None),
            done: true,
        },
        Expect {
            file: "openai/max_tokens.http",
            text: Text::Cut,
            thinking: "",
            stop: Some(MaxTokens),
            error: None,
            usage: (Some(1650), Some(231)),
            done: true,
        },
        Expect {
            file: "openai/stream_error.http",
            text: Text::Cut,
            thinking: "",
            stop: None,
            error: Some((
                ErrorKind::ServerError,
                None,
                "Upstream provider disconnected",
            )),
            usage: (None, None),
            done: false,
        },
        Expect {
            file: "gemini/stream.http",
            text: Text::Reply,
            thinking: "",
            stop: Some(EndTurn),
            error: None,
            usage: (Some(1702), Some(168)),
            done: true,
        },
        Expect {
            file: "gemini/max_tokens.http",
            text: Text::Cut,
            thinking: "",
            stop: Some(MaxTokens),
            error: None,
            usage: (Some(1702), Some(108)),
            done: true,
        },
        Expect {
            file: "gemini/blocked.http",
            text: Text::Is(""),
            thinking: "",
            stop: Some(Refusal),
            error: None,
            usage: (Some(1702), None),
            done: true,
        },
        Expect {
            file: "gemini/thinking.http",
            text: Text::Is("Here you go.\n"),
            thinking: "**Planning the page**\n\nA greeting, kept small.",
            stop: Some(EndTurn),
            error: None,
            usage: (Some(1702), Some(5)),
            done: true,
        },
        Expect {
            file: "ollama/stream.http",
            text: Text::Reply,
            thinking: "",
            stop: Some(EndTurn),
            error: None,
            usage: (Some(1650), Some(246)),
            done: true,
        },
        Expect {
            file: "ollama/max_tokens.http",
            text: Text::Cut,
            thinking: "",
            stop: Some(MaxTokens),
            error: None,
            usage: (Some(1650), Some(246)),
            done: true,
        },
        Expect {
            file: "ollama/stream_error.http",
            text: Text::Cut,
            thinking: "",
            stop: None,
            error: Some((
                ErrorKind::ServerError,
                None,
                "an error was encountered while running the model: unexpected EOF",
            )),
            usage: (None, None),
            done: false,
        },
        Expect {
            file: "ollama/thinking.http",
            text: Text::Is("Here you go.\n"),
            thinking: "The person wants a greeting page.",
            stop: Some(EndTurn),
            error: None,
            usage: (Some(1650), Some(246)),
            done: true,
        },
    ];
    assert_eq!(cases.len(), STREAMS.len());
    for case in cases {
        let t = transcript(case.file);
        assert_eq!(t.status, 200);
        let (events, end) = decode(protocol_of(case.file), [t.body.as_slice()]);
        let name = case.file;
        assert_eq!(end, Ok(()), "{name}");
        let want = match case.text {
            Text::Reply => reply(),
            Text::Cut => cut_reply(),
            Text::Is(s) => s.to_owned(),
        };
        assert_eq!(text(&events), want, "{name}");
        assert_eq!(thinking(&events), case.thinking, "{name}");
        assert_eq!(stop(&events), case.stop, "{name}");
        let u = usage(&events);
        assert_eq!((u.input_tokens, u.output_tokens), case.usage, "{name}");
        assert_eq!(
            events.last() == Some(&StreamEvent::Done),
            case.done,
            "{name}"
        );
        let error = events.iter().find_map(|e| match e {
            StreamEvent::Error(e) => Some(e.clone()),
            _ => None,
        });
        match (error, case.error) {
            (None, None) => {}
            (Some(e), Some((kind, code, message))) => {
                assert_eq!(e.kind, kind, "{name}");
                assert_eq!(e.code.as_deref(), code, "{name}");
                assert_eq!(e.message, message, "{name}");
                assert_eq!(e.status, None, "{name}");
                assert_eq!(events.last(), Some(&StreamEvent::Error(e)), "{name}");
            }
            (got, want) => panic!("{name}: error {got:?}, expected {want:?}"),
        }
    }
}

#[test]
fn one_byte_at_a_time_matches_whole() {
    for name in STREAMS {
        let body = transcript(name).body;
        let whole = decode(protocol_of(name), [body.as_slice()]);
        assert_eq!(decode(protocol_of(name), body.chunks(1)), whole, "{name}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// The SSE and NDJSON framing, UTF-8 sequences split between chunks included, never
    /// depends on where the body is cut.
    #[test]
    fn any_chunking_gives_the_same_events(
        pick in 0..STREAMS.len(),
        cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..48),
    ) {
        let name = STREAMS[pick];
        let body = transcript(name).body;
        let whole = decode(protocol_of(name), [body.as_slice()]);
        let mut at: Vec<usize> = cuts.iter().map(|i| i.index(body.len() + 1)).collect();
        at.push(0);
        at.push(body.len());
        at.sort_unstable();
        let chunks = at.windows(2).map(|w| &body[w[0]..w[1]]);
        prop_assert_eq!(decode(protocol_of(name), chunks), whole);
    }

    /// Whatever arrives, the decoders do not panic, and chunking still does not matter.
    #[test]
    fn arbitrary_bytes_never_panic(
        protocol in prop::sample::select(Protocol::ALL.to_vec()),
        body in prop::collection::vec(
            prop::sample::select(b"data: {}[]\"\n\r:event\\DONE text_delta content done true 0".to_vec()),
            0..400,
        ),
        size in 1..17usize,
    ) {
        let whole = decode(protocol, [body.as_slice()]);
        prop_assert_eq!(decode(protocol, body.chunks(size)), whole);
    }
}

#[test]
fn a_stream_cut_before_its_end_is_truncated() {
    for name in [
        "anthropic/stream.http",
        "openai/stream.http",
        "openai/compatible.http",
        "gemini/stream.http",
        "ollama/stream.http",
    ] {
        let body = transcript(name).body;
        for cut in [body.len() / 3, body.len() / 2, body.len() * 3 / 4] {
            let (events, end) = decode(protocol_of(name), [&body[..cut]]);
            assert_eq!(end, Err(DecodeError::Truncated), "{name} cut at {cut}");
            let got = text(&events);
            assert!(!got.is_empty() && reply().starts_with(&got), "{name}");
            assert!(stop(&events).is_none(), "{name}");
        }
    }
}

#[test]
fn the_end_is_the_stop_reason_when_the_last_event_is_missing() {
    // An OpenAI-compatible server that closes after the finish reason, without `[DONE]`.
    let body = transcript("openai/compatible.http").body;
    let end = body
        .windows(12)
        .rposition(|w| w == b"data: [DONE]")
        .unwrap();
    let (events, result) = decode(Protocol::OpenAi, [&body[..end]]);
    assert_eq!(result, Ok(()));
    assert_eq!(text(&events), reply());
    assert_ne!(events.last(), Some(&StreamEvent::Done));
}

#[test]
fn bytes_after_the_last_event_are_ignored() {
    let mut body = transcript("anthropic/stream.http").body;
    let whole = decode(Protocol::Anthropic, [body.as_slice()]);
    body.extend_from_slice(b"event: content_block_delta\ndata: {not json\n\n");
    body.extend_from_slice(&[b'x'; 10_000]);
    let mut d = StreamDecoder::with_limit(Protocol::Anthropic, 1024);
    let mut events = Vec::new();
    d.feed(&body, &mut events).unwrap();
    assert!(d.is_done());
    d.feed(b"more", &mut events).unwrap();
    assert_eq!((events, d.finish(&mut Vec::new())), whole);
}

#[test]
fn lines_and_events_are_capped() {
    for protocol in Protocol::ALL {
        // One line over the limit, whole or dribbled in without a line end.
        let mut line = b"data: ".to_vec();
        line.extend_from_slice(&[b'a'; 2000]);
        let mut d = StreamDecoder::with_limit(protocol, 1024);
        assert_eq!(
            d.feed(&line, &mut Vec::new()),
            Err(DecodeError::TooLong { limit: 1024 })
        );
        assert_eq!(
            d.finish(&mut Vec::new()),
            Err(DecodeError::TooLong { limit: 1024 }),
            "the error sticks"
        );
        let mut d = StreamDecoder::with_limit(protocol, 1024);
        let results: Vec<_> = line
            .chunks(100)
            .map(|c| d.feed(c, &mut Vec::new()))
            .collect();
        assert!(results[..10].iter().all(Result::is_ok), "{protocol}");
        assert!(results[10].is_err(), "{protocol}");
    }
    // Many short data lines that add up to one huge event.
    let mut d = StreamDecoder::with_limit(Protocol::Anthropic, 1024);
    let err = (0..100)
        .map(|_| d.feed(b"data: 0123456789abcdef\n", &mut Vec::new()))
        .find(Result::is_err);
    assert_eq!(err, Some(Err(DecodeError::TooLong { limit: 1024 })));
}

#[test]
fn malformed_data_is_an_error_and_unknown_events_are_not() {
    let cases: [(Protocol, &[u8]); 4] = [
        (
            Protocol::Anthropic,
            b"event: content_block_delta\ndata: {oops\n\n",
        ),
        (Protocol::OpenAi, b"data: [DONE\n\n"),
        (Protocol::Gemini, b"data: {\"candidates\": [\r\n\r\n"),
        (Protocol::Ollama, b"{\"message\":\n"),
    ];
    for (protocol, body) in cases {
        let (_, end) = decode(protocol, [body]);
        assert!(
            matches!(end, Err(DecodeError::Malformed { .. })),
            "{protocol}: {end:?}"
        );
    }
    let body = b"event: future_event\ndata: {\"type\":\"future_event\",\"x\":[1]}\n\n\
                 event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"pause_turn\"}}\n\n";
    let (events, end) = decode(Protocol::Anthropic, [&body[..]]);
    assert_eq!(end, Ok(()));
    assert_eq!(
        events,
        [StreamEvent::Stop(StopReason::Other("pause_turn".into()))]
    );
}

#[test]
fn every_error_response_is_classified() {
    use ErrorKind::*;
    let cases: &[(&str, ErrorKind, Option<&str>, Option<u64>)] = &[
        (
            "anthropic/unauthorized.http",
            BadKey,
            Some("authentication_error"),
            None,
        ),
        (
            "anthropic/rate_limited.http",
            RateLimited,
            Some("rate_limit_error"),
            Some(1000),
        ),
        (
            "anthropic/overloaded.http",
            ServerError,
            Some("overloaded_error"),
            None,
        ),
        (
            "anthropic/server_error.http",
            ServerError,
            Some("api_error"),
            None,
        ),
        (
            "anthropic/model_not_found.http",
            ModelNotFound,
            Some("not_found_error"),
            None,
        ),
        (
            "anthropic/context_too_long.http",
            ContextTooLong,
            Some("invalid_request_error"),
            None,
        ),
        (
            "openai/unauthorized.http",
            BadKey,
            Some("invalid_api_key"),
            None,
        ),
        (
            "openai/rate_limited.http",
            RateLimited,
            Some("rate_limit_exceeded"),
            Some(200),
        ),
        (
            "openai/server_error.http",
            ServerError,
            Some("server_error"),
            None,
        ),
        (
            "openai/model_not_found.http",
            ModelNotFound,
            Some("model_not_found"),
            None,
        ),
        (
            "openai/context_too_long.http",
            ContextTooLong,
            Some("context_length_exceeded"),
            None,
        ),
        (
            "gemini/unauthorized.http",
            BadKey,
            Some("API_KEY_INVALID"),
            None,
        ),
        (
            "gemini/rate_limited.http",
            RateLimited,
            Some("RESOURCE_EXHAUSTED"),
            Some(1000),
        ),
        (
            "gemini/server_error.http",
            ServerError,
            Some("UNAVAILABLE"),
            None,
        ),
        (
            "gemini/model_not_found.http",
            ModelNotFound,
            Some("NOT_FOUND"),
            None,
        ),
        (
            "gemini/context_too_long.http",
            ContextTooLong,
            Some("INVALID_ARGUMENT"),
            None,
        ),
        ("ollama/unauthorized.http", BadKey, None, None),
        ("ollama/model_not_found.http", ModelNotFound, None, None),
        ("ollama/server_error.http", ServerError, None, None),
    ];
    for (name, kind, code, retry_ms) in cases {
        let t = transcript(name);
        let retry_after = t
            .header("retry-after-ms")
            .and_then(parse_retry_after_ms)
            .or_else(|| t.header("retry-after").and_then(parse_retry_after));
        let e = protocol_of(name).classify(t.status, retry_after, &t.body);
        assert_eq!(e.kind, *kind, "{name}: {e}");
        assert_eq!(e.status, Some(t.status), "{name}");
        assert_eq!(e.code.as_deref(), *code, "{name}");
        assert_eq!(e.retry_after, retry_ms.map(Duration::from_millis), "{name}");
        assert!(!e.message.is_empty() && e.message != "no message", "{name}");
        assert_eq!(
            e.kind.is_retryable(),
            matches!(kind, RateLimited | ServerError)
        );
    }
}

#[test]
fn model_lists_parse() {
    let cases: [(&str, &[&str]); 4] = [
        (
            "anthropic/models.http",
            &[
                "claude-sonnet-4-5-20250929",
                "claude-opus-4-1-20250805",
                "claude-haiku-4-5-20251001",
            ],
        ),
        (
            "openai/models.http",
            &["gpt-4.1-mini", "gpt-4.1", "gpt-5-mini"],
        ),
        (
            "gemini/models.http",
            &["gemini-2.5-flash", "gemini-2.5-pro"],
        ),
        (
            "ollama/models.http",
            &["qwen2.5-coder:7b", "llama3.2:latest"],
        ),
    ];
    for (name, want) in cases {
        let protocol = protocol_of(name);
        let models = protocol.parse_models(&transcript(name).body).unwrap();
        let ids: Vec<&str> = models.iter().map(|m| m.id.as_str()).collect();
        assert_eq!(ids, want, "{name}");
        let req = protocol.models_request();
        assert_eq!(req.method, Method::Get);
        assert!(req.body.is_none());
    }
    assert_eq!(
        Protocol::Anthropic.parse_models(b"{}"),
        Err(DecodeError::Malformed {
            reason: "the model list is not in the documented shape".into()
        })
    );
    assert!(Protocol::Gemini.parse_models(b"<html>").is_err());
}

fn chat(temperature: Option<f64>) -> ChatRequest {
    ChatRequest {
        model: "m-1".into(),
        system: "Be brief.".into(),
        messages: vec![
            Message::user("a page"),
            Message::assistant("here"),
            Message::user("bigger"),
        ],
        max_tokens: 4096,
        temperature,
    }
}

fn body_of(
    endpoint: &Endpoint,
    chat: &ChatRequest,
) -> (String, Vec<(&'static str, String)>, Value) {
    let req = endpoint.chat_request(chat).unwrap();
    assert_eq!(req.method, Method::Post);
    let body: Value = serde_json::from_str(req.body.as_deref().unwrap()).unwrap();
    (req.path, req.headers, body)
}

#[test]
fn request_builders_follow_each_format() {
    let turns = json!([
        {"role": "user", "content": "a page"},
        {"role": "assistant", "content": "here"},
        {"role": "user", "content": "bigger"},
    ]);

    let e = Endpoint::new(Protocol::Anthropic, None).unwrap();
    let (path, headers, body) = body_of(&e, &chat(Some(0.5)));
    assert_eq!(
        e.url(&e.chat_request(&chat(None)).unwrap()),
        "https://api.anthropic.com/v1/messages"
    );
    assert_eq!(path, "/v1/messages");
    assert!(headers.contains(&("anthropic-version", "2023-06-01".into())));
    assert_eq!(
        body,
        json!({"model": "m-1", "max_tokens": 4096, "system": "Be brief.", "messages": turns,
               "temperature": 0.5, "stream": true})
    );

    let e = Endpoint::new(Protocol::OpenAi, None).unwrap();
    let (path, _, body) = body_of(&e, &chat(None));
    assert_eq!(path, "/chat/completions");
    let mut messages = vec![json!({"role": "system", "content": "Be brief."})];
    messages.extend(turns.as_array().unwrap().iter().cloned());
    assert_eq!(
        body,
        json!({"model": "m-1", "messages": messages, "max_completion_tokens": 4096,
               "stream": true, "stream_options": {"include_usage": true}})
    );
    let compat = Endpoint::new(Protocol::OpenAi, Some("http://127.0.0.1:1234/v1")).unwrap();
    let (_, _, body) = body_of(&compat, &chat(Some(0.0)));
    assert_eq!(body["max_tokens"], 4096);
    assert_eq!(body["temperature"], 0.0);
    assert!(body.get("max_completion_tokens").is_none());

    let e = Endpoint::new(Protocol::Gemini, None).unwrap();
    let mut c = chat(Some(1.0));
    c.model = "models/gemini-2.5-flash".into();
    let (path, _, body) = body_of(&e, &c);
    assert_eq!(
        path,
        "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse"
    );
    assert_eq!(
        body,
        json!({
            "systemInstruction": {"parts": [{"text": "Be brief."}]},
            "contents": [
                {"role": "user", "parts": [{"text": "a page"}]},
                {"role": "model", "parts": [{"text": "here"}]},
                {"role": "user", "parts": [{"text": "bigger"}]},
            ],
            "generationConfig": {"maxOutputTokens": 4096, "temperature": 1.0},
        })
    );

    let e = Endpoint::new(Protocol::Ollama, None).unwrap();
    let (path, _, body) = body_of(&e, &chat(None));
    assert_eq!(e.base_url(), "http://127.0.0.1:11434");
    assert_eq!(path, "/api/chat");
    assert_eq!(
        body,
        json!({"model": "m-1", "messages": messages, "stream": true,
               "options": {"num_predict": 4096}})
    );
}

#[test]
fn no_request_carries_a_key_header() {
    for protocol in Protocol::ALL {
        let e = Endpoint::new(protocol, None).unwrap();
        let auth = protocol.auth_header();
        for req in [
            e.chat_request(&chat(None)).unwrap(),
            protocol.models_request(),
        ] {
            assert!(
                req.headers.iter().all(|(name, _)| *name != auth.name),
                "{protocol}: the transport adds the key"
            );
        }
    }
    assert_eq!(Protocol::Anthropic.auth_header().name, "x-api-key");
    assert_eq!(Protocol::OpenAi.auth_header().prefix, "Bearer ");
    assert_eq!(Protocol::Gemini.auth_header().name, "x-goog-api-key");
    assert_eq!(
        Protocol::Anthropic.browser_headers(),
        [("anthropic-dangerous-direct-browser-access", "true")]
    );
}
