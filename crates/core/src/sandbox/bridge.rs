//! The messages between the studio page and an artifact's frame: one typed, versioned enum
//! each way, parsed defensively.
//!
//! Everything that arrives from the frame was written by the artifact, which may be hostile:
//! the studio checks the version and the per-view token, caps sizes, and accepts only these
//! shapes. The token keeps other windows (a popup, another view) from speaking for this
//! frame; it does not make the artifact trusted, since the artifact shares its frame's realm.

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// The bridge protocol version; bumped on any incompatible change to the message shapes.
pub const BRIDGE_VERSION: u32 = 1;

/// The largest message accepted from a frame, in bytes of JSON.
pub const MAX_MESSAGE_BYTES: usize = 256 * 1024;

/// Longest console line or error text kept, in characters; the rest is cut with a marker.
const MAX_TEXT_CHARS: usize = 8_000;

/// Console levels the bridge forwards.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ConsoleLevel {
    Log,
    Info,
    Warn,
    Error,
    Debug,
}

/// A message from an artifact's frame to the studio.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum FromFrame {
    /// The frame's bridge is up and the document is being parsed.
    Ready,
    /// The document and what it loads are in (the `load` event), and a frame has been
    /// painted since: the preview can show this frame in place of the last one.
    Loaded,
    /// The frame's event loop is alive; sent on a timer so a hang can be noticed.
    Heartbeat,
    /// `console.*` output, each argument rendered to text in the frame.
    Console { level: ConsoleLevel, text: String },
    /// An uncaught error.
    Error {
        message: String,
        #[serde(default)]
        source: Option<String>,
        #[serde(default)]
        line: Option<u32>,
        #[serde(default)]
        column: Option<u32>,
        #[serde(default)]
        stack: Option<String>,
    },
    /// An unhandled promise rejection.
    Rejection { reason: String },
    /// The CSP refused something: what the artifact tried to reach is in `blocked`.
    CspViolation { directive: String, blocked: String },
    /// A script, style, image or other resource failed to load.
    ResourceFailed { tag: String, url: String },
    /// The artifact's `localStorage` shim stored a value.
    StorageSet { key: String, value: String },
    /// The artifact's `localStorage` shim removed a key.
    StorageRemove { key: String },
    /// The artifact's `localStorage` shim was cleared.
    StorageClear,
}

/// A message from the studio to an artifact's frame.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ToFrame {
    /// Run this document (already composed with its CSP, bridge and saved storage by
    /// [`compose_document`](super::compose_document)) in a frame with these attributes.
    Run {
        document: String,
        sandbox: String,
        allow: String,
    },
}

/// The JSON wrapper of every message from a frame: version, per-view token, message.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Envelope {
    v: u32,
    token: String,
    msg: FromFrame,
}

/// Why a message from a frame was dropped.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum BridgeError {
    /// Larger than [`MAX_MESSAGE_BYTES`].
    #[error("message is {0} bytes, limit is {MAX_MESSAGE_BYTES}")]
    TooLarge(usize),
    /// Not one of the known message shapes.
    #[error("malformed bridge message: {0}")]
    Malformed(String),
    /// Sent with a different protocol version.
    #[error("bridge version {0} is not supported (expected {BRIDGE_VERSION})")]
    Version(u32),
    /// Not sent with this view's token.
    #[error("bridge message with a wrong token")]
    Token,
}

/// Parses one message from a frame, checking size, version and token, and trimming long text.
pub fn parse_from_frame(json: &str, token: &str) -> Result<FromFrame, BridgeError> {
    if json.len() > MAX_MESSAGE_BYTES {
        return Err(BridgeError::TooLarge(json.len()));
    }
    let env: Envelope =
        serde_json::from_str(json).map_err(|e| BridgeError::Malformed(e.to_string()))?;
    if env.v != BRIDGE_VERSION {
        return Err(BridgeError::Version(env.v));
    }
    if !constant_time_eq(env.token.as_bytes(), token.as_bytes()) {
        return Err(BridgeError::Token);
    }
    Ok(trim(env.msg))
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn cut(mut s: String) -> String {
    if let Some((i, _)) = s.char_indices().nth(MAX_TEXT_CHARS) {
        s.truncate(i);
        s.push_str(" …[cut]");
    }
    s
}

fn trim(msg: FromFrame) -> FromFrame {
    match msg {
        FromFrame::Console { level, text } => FromFrame::Console {
            level,
            text: cut(text),
        },
        FromFrame::Error {
            message,
            source,
            line,
            column,
            stack,
        } => FromFrame::Error {
            message: cut(message),
            source: source.map(cut),
            line,
            column,
            stack: stack.map(cut),
        },
        FromFrame::Rejection { reason } => FromFrame::Rejection {
            reason: cut(reason),
        },
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(msg: &str) -> String {
        format!(r#"{{"v":1,"token":"t0k","msg":{msg}}}"#)
    }

    #[test]
    fn parses_each_shape() {
        let cases = [
            (r#"{"type":"ready"}"#, FromFrame::Ready),
            (r#"{"type":"loaded"}"#, FromFrame::Loaded),
            (r#"{"type":"heartbeat"}"#, FromFrame::Heartbeat),
            (
                r#"{"type":"console","level":"warn","text":"hi"}"#,
                FromFrame::Console {
                    level: ConsoleLevel::Warn,
                    text: "hi".into(),
                },
            ),
            (
                r#"{"type":"error","message":"x is not defined","line":3}"#,
                FromFrame::Error {
                    message: "x is not defined".into(),
                    source: None,
                    line: Some(3),
                    column: None,
                    stack: None,
                },
            ),
            (
                r#"{"type":"csp_violation","directive":"connect-src","blocked":"https://evil.test"}"#,
                FromFrame::CspViolation {
                    directive: "connect-src".into(),
                    blocked: "https://evil.test".into(),
                },
            ),
            (
                r#"{"type":"storage_set","key":"k","value":"v"}"#,
                FromFrame::StorageSet {
                    key: "k".into(),
                    value: "v".into(),
                },
            ),
            (r#"{"type":"storage_clear"}"#, FromFrame::StorageClear),
        ];
        for (json, want) in cases {
            assert_eq!(parse_from_frame(&env(json), "t0k"), Ok(want), "{json}");
        }
    }

    #[test]
    fn refuses_wrong_token_version_shape_and_size() {
        let ready = r#"{"type":"ready"}"#;
        assert_eq!(
            parse_from_frame(&env(ready), "other"),
            Err(BridgeError::Token)
        );
        assert_eq!(parse_from_frame(&env(ready), "t0"), Err(BridgeError::Token));
        let v2 = r#"{"v":2,"token":"t0k","msg":{"type":"ready"}}"#;
        assert_eq!(parse_from_frame(v2, "t0k"), Err(BridgeError::Version(2)));
        for bad in [
            "not json",
            "{}",
            r#"{"v":1,"token":"t0k"}"#,
            &env(r#"{"type":"run","document":"x"}"#),
            &env(r#"{"type":"console","level":"shout","text":"x"}"#),
            &env(r#"{"type":"console","level":"log","text":"x","extra":1}"#),
            r#"{"v":1,"token":"t0k","msg":{"type":"ready"},"admin":true}"#,
        ] {
            assert!(
                matches!(parse_from_frame(bad, "t0k"), Err(BridgeError::Malformed(_))),
                "{bad}"
            );
        }
        let huge = env(&format!(
            r#"{{"type":"console","level":"log","text":"{}"}}"#,
            "a".repeat(MAX_MESSAGE_BYTES)
        ));
        assert!(matches!(
            parse_from_frame(&huge, "t0k"),
            Err(BridgeError::TooLarge(_))
        ));
    }

    #[test]
    fn long_text_is_cut_on_a_char_boundary() {
        let text = "é".repeat(MAX_TEXT_CHARS + 10);
        let json = env(&format!(
            r#"{{"type":"console","level":"log","text":"{text}"}}"#
        ));
        let Ok(FromFrame::Console { text, .. }) = parse_from_frame(&json, "t0k") else {
            panic!("not parsed");
        };
        assert!(text.ends_with(" …[cut]"));
        assert_eq!(
            text.chars().count(),
            MAX_TEXT_CHARS + " …[cut]".chars().count()
        );
    }
}
