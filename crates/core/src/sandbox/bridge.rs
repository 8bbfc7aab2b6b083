//! The messages between the studio page, the sandbox runner and an artifact's frame: one
//! typed, versioned set of shapes each way, parsed defensively.
//!
//! Three parties. The artifact's frame runs Kiln's bridge script, but also whatever the artifact
//! wrote, so anything it sends may be hostile. The runner (`runner.js`, inlined into `runner.html` on the sandbox origin,
//! out of the artifact's reach) receives the frame's messages, checks the per-view token before
//! parsing, applies budgets, coalesces, and sends the studio one [`Batch`] at most every
//! [`FLUSH_MS`], with what it saw itself ([`RunnerEvent`]). The studio checks the token again
//! before parsing a batch, caps sizes, and accepts only these shapes: whatever the artifact
//! sends, the studio's work per second is bounded. The token keeps other windows (a popup,
//! another view) from speaking for this frame; it does not make the artifact trusted, since the
//! artifact shares its frame's realm.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::STORAGE_QUOTA_BYTES;
use super::live::{AppCall, AppReply, MAX_CALL_BYTES, MAX_CALLS_PER_BATCH};

/// The bridge protocol version; bumped on any incompatible change to the message shapes.
/// Version 3 added the artifact API's calls and replies (`window.kiln`).
pub const BRIDGE_VERSION: u32 = 3;

/// The largest message the runner accepts from a frame, in bytes of JSON: a storage write of a
/// value as large as the whole quota, or one artifact-API call as large as
/// [`MAX_CALL_BYTES`], and a little more.
pub const MAX_MESSAGE_BYTES: usize = max(STORAGE_QUOTA_BYTES, MAX_CALL_BYTES) + 64 * 1024;

/// The largest batch the studio parses, in bytes of JSON (checked before parsing): its lines,
/// a storage change as large as the quota, and calls of at most [`MAX_CALL_BYTES`] together
/// (or one call, if it is alone larger).
pub const MAX_BATCH_BYTES: usize = STORAGE_QUOTA_BYTES + MAX_CALL_BYTES + 1024 * 1024;

const fn max(a: usize, b: usize) -> usize {
    if a > b { a } else { b }
}

/// How often, at most, the runner sends the studio a batch.
pub const FLUSH_MS: u32 = 100;

/// Console lines, errors and the like one batch may carry; the runner counts the rest as
/// dropped, and so does the studio if a batch carries more.
pub const MAX_LINES_PER_BATCH: usize = 40;

/// Longest console line or error text kept, in characters; the rest is cut with a marker.
pub const MAX_TEXT_CHARS: usize = 8_000;

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

/// A message from an artifact's frame (its bridge, or the artifact posing as it) to the runner.
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
    /// The bridge said no to the artifact (a dialog, full screen, history) and tells the
    /// person why; shown as a Console line.
    Refused { what: String },
    /// The artifact's `localStorage` shim stored a value.
    StorageSet { key: String, value: String },
    /// The artifact's `localStorage` shim removed a key.
    StorageRemove { key: String },
    /// The artifact's `localStorage` shim was cleared.
    StorageClear,
}

/// Changes to an artifact's `localStorage`, coalesced by the runner: `clear` first, then each
/// key set to a value or removed (`None`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StorageDelta {
    pub clear: bool,
    pub set: BTreeMap<String, Option<String>>,
}

/// Who moved the keyboard focus into the artifact's frame, as the runner judges it from its own
/// user activation (a person's click or key in the frame activates the runner too; an
/// artifact's `focus()` does not).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FocusBy {
    /// The person clicked or typed into the app (or pressed Resume).
    Person,
    /// The app's own script took it.
    App,
}

/// What the runner saw itself, beyond the frame's messages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum RunnerEvent {
    /// The artifact's frame left its document (a link, a form, a redirect), which the sandbox
    /// refuses: what is in the frame now is the browser's error page, not the app.
    Navigated,
    /// The keyboard focus went into the app's frame.
    Focus { by: FocusBy },
    /// The runner hid the app on the studio's word (see [`ToFrame::Pause`]).
    Paused,
    /// The person pressed Resume: the app is shown again and has the focus.
    Resumed,
    /// The app took the focus even while paused (hidden), so the runner removed it: it no
    /// longer runs.
    Stopped,
}

/// One message from the runner to the studio: what the frame said since the last one.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Batch {
    pub v: u32,
    pub token: String,
    /// Whether the frame said anything since the last batch: its event loop is alive.
    pub alive: bool,
    /// Its messages, in order, other than heartbeats and storage.
    pub msgs: Vec<FromFrame>,
    /// Its storage changes, coalesced.
    pub storage: Option<StorageDelta>,
    /// Storage writes the runner refused because they would pass the quota.
    pub storage_refused: u32,
    /// Messages the runner dropped: past the rate, too large, malformed or with a wrong token.
    pub dropped: u32,
    /// What the runner saw itself.
    pub events: Vec<RunnerEvent>,
    /// The app's calls of the artifact API (`window.kiln`), in order, rebuilt by the runner.
    pub calls: Vec<AppCall>,
}

/// A message from the studio to the runner, as JSON over the port.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ToFrame {
    /// Run this document (already composed with its CSP, bridge and saved storage by
    /// [`compose_document`](super::compose_document)) in a frame with these attributes; the
    /// runner accepts only messages carrying `token`.
    Run {
        document: String,
        sandbox: String,
        allow: String,
        token: String,
    },
    /// The person pressed a key or the pointer in the studio at `at_ms` (wall clock): focus
    /// that goes into the app after this, without a newer activation in the app, was taken,
    /// not given.
    StudioInput { at_ms: f64 },
    /// Keep the app hidden (it keeps running) until the person presses Resume, with `reason`
    /// shown. The runner hides an app the moment it takes the focus, before asking.
    Pause { reason: String },
    /// Show again an app that was hidden for taking the focus, without pausing it (the first
    /// taking as it loads).
    Unhide,
    /// The person asked, from the studio, to use the app with the keyboard (its "Use the app"
    /// button): resume it if paused, and give it the focus as the person's.
    Focus,
    /// Keep this page's thread busy for `ms` (see `sandbox::PROBE_MS`): whether the studio's
    /// own timers stall meanwhile tells whether the app shares its process.
    Probe { ms: u32 },
    /// The answer to the app's artifact-API call `id` (or a piece of it, while it streams):
    /// the runner hands it to the app's frame.
    Reply { id: u32, reply: AppReply },
}

/// Why a batch was dropped.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum BridgeError {
    /// Larger than [`MAX_BATCH_BYTES`].
    #[error("message is {0} bytes, limit is {MAX_BATCH_BYTES}")]
    TooLarge(usize),
    /// Not sent with this view's token (checked before anything is parsed).
    #[error("bridge message with a wrong token")]
    Token,
    /// Not one of the known shapes.
    #[error("malformed bridge message: {0}")]
    Malformed(String),
    /// Sent with a different protocol version.
    #[error("bridge version {0} is not supported (expected {BRIDGE_VERSION})")]
    Version(u32),
}

/// What every batch for the view with `token` starts with, as the runner writes it.
pub fn batch_prefix(token: &str) -> String {
    format!("{{\"v\":{BRIDGE_VERSION},\"token\":\"{token}\"")
}

/// Parses one batch from the runner: size first, then the token (without parsing anything),
/// then the shapes; long texts are cut and lines past [`MAX_LINES_PER_BATCH`] counted as
/// dropped.
pub fn parse_batch(json: &str, token: &str) -> Result<Batch, BridgeError> {
    if json.len() > MAX_BATCH_BYTES {
        return Err(BridgeError::TooLarge(json.len()));
    }
    let prefix = batch_prefix(token);
    let head = json.as_bytes().get(..prefix.len()).unwrap_or_default();
    if !constant_time_eq(head, prefix.as_bytes()) {
        return Err(BridgeError::Token);
    }
    let mut batch: Batch =
        serde_json::from_str(json).map_err(|e| BridgeError::Malformed(e.to_string()))?;
    if batch.v != BRIDGE_VERSION {
        return Err(BridgeError::Version(batch.v));
    }
    if batch.msgs.len() > MAX_LINES_PER_BATCH {
        let extra = batch.msgs.len() - MAX_LINES_PER_BATCH;
        batch.msgs.truncate(MAX_LINES_PER_BATCH);
        batch.dropped = batch
            .dropped
            .saturating_add(u32::try_from(extra).unwrap_or(u32::MAX));
    }
    batch.msgs = batch.msgs.into_iter().map(trim).collect();
    // The runner sends no more; a batch that does was not written by it.
    if batch.calls.len() > MAX_CALLS_PER_BATCH {
        return Err(BridgeError::Malformed(format!(
            "{} calls in one batch, at most {MAX_CALLS_PER_BATCH}",
            batch.calls.len()
        )));
    }
    Ok(batch)
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
        FromFrame::Refused { what } => FromFrame::Refused { what: cut(what) },
        FromFrame::CspViolation { directive, blocked } => FromFrame::CspViolation {
            directive: cut(directive),
            blocked: cut(blocked),
        },
        FromFrame::ResourceFailed { tag, url } => FromFrame::ResourceFailed {
            tag: cut(tag),
            url: cut(url),
        },
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn batch(rest: &str) -> String {
        format!(r#"{{"v":3,"token":"t0k"{rest}}}"#)
    }

    #[test]
    fn parses_each_shape() {
        let json = batch(
            r#","alive":true,"msgs":[
                {"type":"ready"},{"type":"loaded"},
                {"type":"console","level":"warn","text":"hi"},
                {"type":"error","message":"x is not defined","line":3},
                {"type":"csp_violation","directive":"connect-src","blocked":"https://evil.test"},
                {"type":"refused","what":"alert() is shown inside the app"}],
              "storage":{"clear":true,"set":{"a":"1","b":null}},
              "storage_refused":2,"dropped":7,
              "events":[{"type":"navigated"},{"type":"focus","by":"app"},{"type":"paused"},
                        {"type":"stopped"}]"#,
        );
        let b = parse_batch(&json, "t0k").unwrap();
        assert!(b.alive);
        assert_eq!(b.msgs.len(), 6);
        assert_eq!(
            b.msgs[2],
            FromFrame::Console {
                level: ConsoleLevel::Warn,
                text: "hi".into()
            }
        );
        let storage = b.storage.unwrap();
        assert!(storage.clear);
        assert_eq!(storage.set.get("b"), Some(&None));
        assert_eq!((b.storage_refused, b.dropped), (2, 7));
        assert_eq!(
            b.events,
            [
                RunnerEvent::Navigated,
                RunnerEvent::Focus { by: FocusBy::App },
                RunnerEvent::Paused,
                RunnerEvent::Stopped
            ]
        );
        // A batch with nothing in it is a heartbeat.
        assert_eq!(
            parse_batch(&batch(""), "t0k").unwrap(),
            Batch {
                v: 3,
                token: "t0k".into(),
                ..Batch::default()
            }
        );
    }

    #[test]
    fn the_token_is_checked_before_anything_is_parsed() {
        // Wrong token: refused even though the rest is not JSON at all.
        assert_eq!(
            parse_batch(r#"{"v":3,"token":"guess" not json"#, "t0k"),
            Err(BridgeError::Token)
        );
        assert_eq!(parse_batch(&batch(""), "t0"), Err(BridgeError::Token));
        assert_eq!(parse_batch(&batch(""), "t0kk"), Err(BridgeError::Token));
        // The token must come first, exactly as the runner writes it.
        assert_eq!(
            parse_batch(r#"{"token":"t0k","v":3}"#, "t0k"),
            Err(BridgeError::Token)
        );
        assert_eq!(
            parse_batch(r#"{"v":2,"token":"t0k"}"#, "t0k"),
            Err(BridgeError::Token)
        );
        assert_eq!(parse_batch("", "t0k"), Err(BridgeError::Token));
    }

    #[test]
    fn refuses_unknown_shapes_and_size() {
        for bad in [
            batch(r#","msgs":[{"type":"run","document":"x"}]"#),
            batch(r#","msgs":[{"type":"console","level":"shout","text":"x"}]"#),
            batch(r#","msgs":[{"type":"console","level":"log","text":"x","extra":1}]"#),
            batch(r#","admin":true"#),
            batch(r#","events":[{"type":"focus","by":"nobody"}]"#),
            batch(r#","storage":{"set":{"a":1}}"#),
        ] {
            assert!(
                matches!(parse_batch(&bad, "t0k"), Err(BridgeError::Malformed(_))),
                "{bad}"
            );
        }
        let huge = batch(&format!(
            r#","msgs":[{{"type":"console","level":"log","text":"{}"}}]"#,
            "a".repeat(MAX_BATCH_BYTES)
        ));
        assert!(matches!(
            parse_batch(&huge, "t0k"),
            Err(BridgeError::TooLarge(_))
        ));
    }

    #[test]
    fn calls_arrive_in_order_and_a_batch_past_the_runners_bound_is_refused() {
        let b = parse_batch(
            &batch(
                r#","calls":[{"type":"complete","id":1,"prompt":"hi"},{"type":"storage_get","id":2,"key":"k"}]"#,
            ),
            "t0k",
        )
        .unwrap();
        assert_eq!(b.calls.iter().map(AppCall::id).collect::<Vec<_>>(), [1, 2]);
        let call = r#"{"type":"cancel","id":1}"#;
        let many = vec![call; MAX_CALLS_PER_BATCH + 1].join(",");
        assert!(matches!(
            parse_batch(&batch(&format!(r#","calls":[{many}]"#)), "t0k"),
            Err(BridgeError::Malformed(_))
        ));
        // A call the runner would not rebuild (a consent of its own making) is no call at all.
        assert!(matches!(
            parse_batch(
                &batch(r#","calls":[{"type":"grant","id":1,"budget":999999}]"#),
                "t0k"
            ),
            Err(BridgeError::Malformed(_))
        ));
    }

    #[test]
    fn lines_past_the_budget_are_counted_not_kept() {
        let line = r#"{"type":"console","level":"log","text":"x"}"#;
        let many = vec![line; MAX_LINES_PER_BATCH + 5].join(",");
        let b = parse_batch(&batch(&format!(r#","msgs":[{many}],"dropped":1"#)), "t0k").unwrap();
        assert_eq!(b.msgs.len(), MAX_LINES_PER_BATCH);
        assert_eq!(b.dropped, 6);
    }

    #[test]
    fn long_text_is_cut_on_a_char_boundary() {
        let text = "é".repeat(MAX_TEXT_CHARS + 10);
        let json = batch(&format!(
            r#","msgs":[{{"type":"console","level":"log","text":"{text}"}}]"#
        ));
        let b = parse_batch(&json, "t0k").unwrap();
        let FromFrame::Console { text, .. } = &b.msgs[0] else {
            panic!("not a console line");
        };
        assert!(text.ends_with(" …[cut]"));
        assert_eq!(
            text.chars().count(),
            MAX_TEXT_CHARS + " …[cut]".chars().count()
        );
    }

    #[test]
    fn run_messages_carry_the_token_for_the_runner() {
        let run = ToFrame::Run {
            document: "<p>".into(),
            sandbox: "allow-scripts".into(),
            allow: String::new(),
            token: "abc".into(),
        };
        let json = serde_json::to_string(&run).unwrap();
        assert!(json.contains(r#""type":"run""#) && json.contains(r#""token":"abc""#));
        let input = serde_json::to_string(&ToFrame::StudioInput { at_ms: 5.0 }).unwrap();
        assert_eq!(input, r#"{"type":"studio_input","at_ms":5.0}"#);
        assert!(batch_prefix("abc").starts_with(r#"{"v":3,"token":"abc""#));
        let reply = ToFrame::Reply {
            id: 7,
            reply: AppReply::Text { text: "hi".into() },
        };
        assert_eq!(
            serde_json::to_string(&reply).unwrap(),
            r#"{"type":"reply","id":7,"reply":{"type":"text","text":"hi"}}"#
        );
    }
}
