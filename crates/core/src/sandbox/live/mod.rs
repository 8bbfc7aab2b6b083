//! The artifact API (`window.kiln`, see `docs/artifact-api.md`): the calls an app makes through
//! the bridge, the answers it gets, and the studio's rules on them — consent, the token
//! budget, the pace, the sizes — decided here, without IO, so the page only carries them out.
//!
//! An app is untrusted, so every call is data to be checked, never an instruction: its model
//! calls run only after the person said yes outside the frame ([`Gate`]), on a budget of tokens
//! per session, at a bounded pace and size; its storage calls touch only its own store (the
//! studio picks the store by the run's [`super::AppId`], never by anything in the call).

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::provider::Message;

mod call;
mod gate;
mod kv;
pub mod shared;

pub use call::CallStream;
pub use gate::{
    Admitted, Allow, Ask, Budget, Gate, ModelGrant, Pace, Verdict, estimate_tokens, tokens_spent,
};
pub use kv::{KvEntries, storage_call};

/// The version of `window.kiln`; bumped with any incompatible change to what apps see.
pub const API_VERSION: u32 = 1;

/// The most text one model call may carry (system prompt and messages), in UTF-8 bytes.
pub const MAX_PROMPT_BYTES: usize = 100 * 1024;

/// The most messages one model call may carry.
pub const MAX_MESSAGES: usize = 100;

/// The reply length asked for when an app names none.
pub const DEFAULT_MAX_TOKENS: u32 = 1_024;

/// The longest reply an app may ask for, whatever it names.
pub const MAX_TOKENS_CAP: u32 = 8_192;

/// Tokens an app may spend in one session of the page unless the person chose otherwise.
pub const DEFAULT_BUDGET_TOKENS: u32 = 20_000;

/// The largest budget the person can give an app.
pub const MAX_BUDGET_TOKENS: u32 = 10_000_000;

/// Model calls of one app running at once.
pub const MAX_IN_FLIGHT: usize = 4;

/// Model calls of one app waiting for the person's answer; more are refused at once. No more
/// than may then run at once.
pub const MAX_WAITING: usize = MAX_IN_FLIGHT;

/// Model calls one app may start in a minute (with a burst of [`CALL_BURST`]).
pub const CALLS_PER_MINUTE: u32 = 20;

/// Model calls that may start back to back before the pace applies.
pub const CALL_BURST: u32 = 5;

/// The most one app may keep through `kiln.storage`, in UTF-8 bytes of keys and values.
pub const KV_QUOTA_BYTES: usize = 5 * 1024 * 1024;

/// The largest key and value of one `kiln.storage.set`, in UTF-8 bytes together.
pub const MAX_VALUE_BYTES: usize = 1024 * 1024;

/// The longest key, in UTF-8 bytes.
pub const MAX_KEY_BYTES: usize = 1024;

/// The largest call as JSON (a value as large as [`MAX_VALUE_BYTES`] and its escaping room);
/// the bridge refuses a larger one before it leaves the frame, the runner drops it.
pub const MAX_CALL_BYTES: usize = MAX_VALUE_BYTES + 16 * 1024;

/// Calls one batch may carry; the runner keeps the rest for later batches.
pub const MAX_CALLS_PER_BATCH: usize = 32;

/// A call from an app, as the runner passes it on. `id` is the app's own number for the
/// call, echoed in every answer to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum AppCall {
    /// `kiln.complete`: ask the person's model. Exactly one of `prompt` and `messages`.
    Complete {
        id: u32,
        #[serde(default)]
        prompt: Option<String>,
        #[serde(default)]
        messages: Option<Vec<Message>>,
        #[serde(default)]
        system: Option<String>,
        #[serde(default)]
        max_tokens: Option<u32>,
        /// Whether the app wants the text as it comes ([`AppReply::Text`] pieces).
        #[serde(default)]
        stream: bool,
    },
    /// The app gave up on its call `id` (its `AbortSignal`).
    Cancel { id: u32 },
    /// `kiln.storage.get` (`kiln.storage.shared.get` when `shared`).
    StorageGet {
        id: u32,
        key: String,
        #[serde(default)]
        shared: bool,
    },
    /// `kiln.storage.set`.
    StorageSet {
        id: u32,
        key: String,
        value: String,
        #[serde(default)]
        shared: bool,
    },
    /// `kiln.storage.delete`.
    StorageDelete {
        id: u32,
        key: String,
        #[serde(default)]
        shared: bool,
    },
    /// `kiln.storage.list`: the keys starting with `prefix`, sorted.
    StorageList {
        id: u32,
        #[serde(default)]
        prefix: String,
        #[serde(default)]
        shared: bool,
    },
}

impl AppCall {
    /// Whether it is a call on the link's shared data (`kiln.storage.shared`).
    pub fn is_shared(&self) -> bool {
        matches!(
            self,
            AppCall::StorageGet { shared: true, .. }
                | AppCall::StorageSet { shared: true, .. }
                | AppCall::StorageDelete { shared: true, .. }
                | AppCall::StorageList { shared: true, .. }
        )
    }

    /// The app's number for this call.
    pub fn id(&self) -> u32 {
        match self {
            AppCall::Complete { id, .. }
            | AppCall::Cancel { id }
            | AppCall::StorageGet { id, .. }
            | AppCall::StorageSet { id, .. }
            | AppCall::StorageDelete { id, .. }
            | AppCall::StorageList { id, .. } => *id,
        }
    }
}

/// What a call's promise in the app settles with, or a piece of a streamed reply.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum AppReply {
    /// More of a streamed reply (the call is still running).
    Text { text: String },
    /// The call succeeded with `value` (a reply's whole text, a stored value, a key list …).
    Ok { value: serde_json::Value },
    /// The call failed; the app gets an `Error` with this code and message.
    Error { code: ErrorCode, message: String },
}

impl AppReply {
    /// The failure `e`, as the app receives it.
    pub fn error(e: &CallError) -> Self {
        AppReply::Error {
            code: e.code(),
            message: e.to_string(),
        }
    }
}

/// What kind of failure a call met; the app sees it as `error.code`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    Invalid,
    TooLarge,
    Denied,
    Budget,
    RateLimited,
    Busy,
    Cancelled,
    Provider,
    Quota,
    Unavailable,
}

/// Why a call failed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CallError {
    /// The call is not well formed.
    #[error("kiln.complete: {0}")]
    Invalid(&'static str),
    /// The text is larger than [`MAX_PROMPT_BYTES`].
    #[error("kiln.complete: the request is {0} bytes; at most {MAX_PROMPT_BYTES} are sent")]
    TooLarge(usize),
    /// The person said no (or took back what they allowed).
    #[error("kiln.complete: the person did not allow this app to use their model")]
    Denied,
    /// This session's budget for the app is spent.
    #[error(
        "kiln.complete: this app's token budget is spent ({used} of {limit} tokens this session); the person can give it more"
    )]
    Budget { used: u64, limit: u64 },
    /// Too many calls too fast.
    #[error("kiln.complete: too many calls; try again in {0} ms")]
    RateLimited(u32),
    /// Too many calls at once (running, or waiting for the person).
    #[error("kiln.complete: too many calls at once; wait for one to finish")]
    Busy,
    /// Stopped: by the app, by Stop app, or by the person revoking.
    #[error("kiln.complete: cancelled ({0})")]
    Cancelled(&'static str),
    /// The provider failed (an error status, a dropped stream, settings that cannot be used).
    #[error("kiln.complete: the model could not answer: {0}")]
    Provider(String),
    /// A storage write would pass the app's quota.
    #[error("kiln.storage: this app's storage is full (quota {KV_QUOTA_BYTES} bytes)")]
    Quota,
    /// A storage call that is not well formed.
    #[error("kiln.storage: {0}")]
    BadStorage(&'static str),
    /// What the studio cannot do here.
    #[error("{0}")]
    Unavailable(&'static str),
    /// The person did not let the app save data everyone with its link sees.
    #[error(
        "kiln.storage.shared: the person did not allow this app to save data that everyone with this link can see"
    )]
    SharedDenied,
    /// Too many calls on shared data too fast.
    #[error("kiln.storage.shared: too many calls; try again in {0} ms")]
    SharedRateLimited(u32),
}

impl ErrorCode {
    /// The code as the app sees it (`error.code`).
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::Invalid => "invalid",
            ErrorCode::TooLarge => "too_large",
            ErrorCode::Denied => "denied",
            ErrorCode::Budget => "budget",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::Busy => "busy",
            ErrorCode::Cancelled => "cancelled",
            ErrorCode::Provider => "provider",
            ErrorCode::Quota => "quota",
            ErrorCode::Unavailable => "unavailable",
        }
    }
}

impl CallError {
    /// A provider's refusal, as the app may hear it: what kind, the status and the provider's
    /// code, never its words (a provider's message can quote part of the key, or the address).
    pub fn from_provider(e: &crate::provider::ProviderError) -> Self {
        let mut said = e.kind.to_string();
        match (e.status, &e.code) {
            (Some(status), Some(code)) => said.push_str(&format!(" ({status} {code})")),
            (Some(status), None) => said.push_str(&format!(" ({status})")),
            (None, Some(code)) => said.push_str(&format!(" ({code})")),
            (None, None) => {}
        }
        CallError::Provider(said)
    }

    /// The code the app sees.
    pub fn code(&self) -> ErrorCode {
        match self {
            CallError::Invalid(_) | CallError::BadStorage(_) => ErrorCode::Invalid,
            CallError::TooLarge(_) => ErrorCode::TooLarge,
            CallError::Denied | CallError::SharedDenied => ErrorCode::Denied,
            CallError::Budget { .. } => ErrorCode::Budget,
            CallError::RateLimited(_) | CallError::SharedRateLimited(_) => ErrorCode::RateLimited,
            CallError::Busy => ErrorCode::Busy,
            CallError::Cancelled(_) => ErrorCode::Cancelled,
            CallError::Provider(_) => ErrorCode::Provider,
            CallError::Quota => ErrorCode::Quota,
            CallError::Unavailable(_) => ErrorCode::Unavailable,
        }
    }
}

/// A model call that passed the checks: what will be sent, and what it may cost.
pub fn call_line(id: u32, outcome: Result<(), &CallError>, tokens: u64, elapsed_ms: f64) -> String {
    let status = match outcome {
        Ok(()) => "done".to_owned(),
        Err(e) => e.code().as_str().to_owned(),
    };
    let mut line = format!(
        "kiln.complete #{id}: {status}, {tokens} tokens, {:.1} s",
        elapsed_ms.max(0.0) / 1000.0
    );
    if let Err(e) = outcome {
        line.push_str(&format!(" — {e}"));
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calls_and_replies_have_their_wire_shapes() {
        let call: AppCall = serde_json::from_str(
            r#"{"type":"complete","id":3,"messages":[{"role":"user","content":"hi"}],"system":"be brief","max_tokens":50,"stream":true}"#,
        )
        .unwrap();
        assert_eq!(call.id(), 3);
        let AppCall::Complete {
            messages, stream, ..
        } = &call
        else {
            panic!("not a complete call");
        };
        assert!(*stream);
        assert_eq!(messages.as_ref().map(Vec::len), Some(1));
        for (json, id) in [
            (r#"{"type":"cancel","id":4}"#, 4),
            (r#"{"type":"storage_get","id":5,"key":"k"}"#, 5),
            (r#"{"type":"storage_set","id":6,"key":"k","value":"v"}"#, 6),
            (r#"{"type":"storage_delete","id":7,"key":"k"}"#, 7),
            (r#"{"type":"storage_list","id":8}"#, 8),
            (
                r#"{"type":"storage_set","id":9,"key":"k","value":"v","shared":true}"#,
                9,
            ),
        ] {
            assert_eq!(serde_json::from_str::<AppCall>(json).unwrap().id(), id);
        }
        for bad in [
            r#"{"type":"complete","id":-1,"prompt":"x"}"#,
            r#"{"type":"complete","id":1,"prompt":"x","key":"sk-"}"#,
            r#"{"type":"complete","id":1,"messages":[{"role":"system","content":"x"}]}"#,
            r#"{"type":"storage_set","id":1,"key":"k","value":3}"#,
            r#"{"type":"grant","id":1}"#,
        ] {
            assert!(serde_json::from_str::<AppCall>(bad).is_err(), "{bad}");
        }
        let reply = AppReply::error(&CallError::Denied);
        let json = serde_json::to_string(&reply).unwrap();
        assert!(json.starts_with(r#"{"type":"error","code":"denied","message":"#));
        assert_eq!(
            serde_json::to_string(&AppReply::Text { text: "a".into() }).unwrap(),
            r#"{"type":"text","text":"a"}"#
        );
    }

    #[test]
    fn console_lines_say_the_number_outcome_cost_and_time() {
        assert_eq!(
            call_line(2, Ok(()), 310, 1_234.0),
            "kiln.complete #2: done, 310 tokens, 1.2 s"
        );
        let line = call_line(3, Err(&CallError::Cancelled("Stop app")), 0, 50.0);
        assert!(line.starts_with("kiln.complete #3: cancelled, 0 tokens, 0.1 s — "));
        // A provider's own words, which may quote the key, stay out of what the app hears.
        let refused = crate::provider::ProviderError {
            kind: crate::provider::ErrorKind::BadKey,
            status: Some(401),
            code: Some("invalid_api_key".into()),
            message: "Incorrect API key provided: sk-proj-****wxyz".into(),
            retry_after: None,
        };
        let heard = CallError::from_provider(&refused).to_string();
        assert!(
            heard.contains("401 invalid_api_key") && !heard.contains("wxyz"),
            "{heard}"
        );
        let line = call_line(4, Err(&CallError::RateLimited(10)), 0, 0.0);
        assert!(line.starts_with("kiln.complete #4: rate_limited"));
    }
}
