//! `kiln.storage.shared`: data that everyone who opens the same short link shares, kept by
//! `kiln serve` in its database. What a call may carry, how it travels to the server
//! (`POST api/links/<id>/data`), and what the server's answer means to the app.
//!
//! Which link's data an app reaches is the studio's decision, never the app's: only the app a
//! short link opened, checked against the link's id ([`crate::share::short_link_id`]), and only
//! that link. Anyone with the link can read and change the data, so it is for polls, shared
//! lists and the like, and the studio says so beside the app.

use serde::{Deserialize, Serialize};

use super::{AppCall, AppReply, CallError, ErrorCode, MAX_KEY_BYTES, Pace};

/// The most one link's shared data may take, in bytes of keys and values.
pub const SHARED_QUOTA_BYTES: usize = 1024 * 1024;

/// The largest key and value of one shared write, together.
pub const MAX_SHARED_VALUE_BYTES: usize = 64 * 1024;

/// Writes to one link's data per minute, from everyone together (the server's own bound, on
/// top of its per-address request limit).
pub const SHARED_WRITES_PER_MINUTE: u32 = 120;

/// Calls on shared data one studio page sends the server: a burst, then a minute's worth. Kept
/// well under the server's per-address request limit, so an app that floods its link's data
/// does not use up the person's requests to the server (their model calls through it).
pub const SHARED_CALL_BURST: u32 = 20;
pub const SHARED_CALLS_PER_MINUTE: u32 = 60;

/// Calls on shared data on their way to the server at once from one studio page, and writes
/// waiting for the person's answer; more are answered `busy`.
pub const MAX_SHARED_IN_FLIGHT: usize = 8;

/// The most keys one `list` answers.
pub const MAX_SHARED_KEYS_LISTED: usize = 1_000;

/// One operation on a link's shared data, as the studio sends it to the server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
pub enum SharedOp {
    Get {
        key: String,
    },
    Set {
        key: String,
        value: String,
    },
    Delete {
        key: String,
    },
    List {
        #[serde(default)]
        prefix: String,
    },
}

impl SharedOp {
    /// The operation a shared storage call asks for (`None` for any other call).
    pub fn from_call(call: &AppCall) -> Option<Self> {
        Some(match call {
            AppCall::StorageGet {
                key, shared: true, ..
            } => SharedOp::Get { key: key.clone() },
            AppCall::StorageSet {
                key,
                value,
                shared: true,
                ..
            } => SharedOp::Set {
                key: key.clone(),
                value: value.clone(),
            },
            AppCall::StorageDelete {
                key, shared: true, ..
            } => SharedOp::Delete { key: key.clone() },
            AppCall::StorageList {
                prefix,
                shared: true,
                ..
            } => SharedOp::List {
                prefix: prefix.clone(),
            },
            _ => return None,
        })
    }

    /// Checks sizes, on both sides of the wire.
    pub fn check(&self) -> Result<(), CallError> {
        // PostgreSQL's text cannot hold it: refused on every store, so they all answer alike.
        let nul = match self {
            SharedOp::Get { key } | SharedOp::Delete { key } => key.contains('\0'),
            SharedOp::Set { key, value } => key.contains('\0') || value.contains('\0'),
            SharedOp::List { prefix } => prefix.contains('\0'),
        };
        if nul {
            return Err(CallError::BadStorage(
                "shared keys and values may not contain the NUL character (U+0000)",
            ));
        }
        let key = match self {
            SharedOp::Get { key } | SharedOp::Delete { key } | SharedOp::Set { key, .. } => key,
            SharedOp::List { prefix } if prefix.len() <= MAX_KEY_BYTES => return Ok(()),
            SharedOp::List { .. } => {
                return Err(CallError::BadStorage("a prefix is at most 1024 bytes"));
            }
        };
        if key.is_empty() || key.len() > MAX_KEY_BYTES {
            return Err(CallError::BadStorage("a key is 1 to 1024 bytes"));
        }
        if let SharedOp::Set { key, value } = self
            && key.len() + value.len() > MAX_SHARED_VALUE_BYTES
        {
            return Err(CallError::BadStorage(
                "a shared key and its value may be at most 64 KiB together",
            ));
        }
        Ok(())
    }

    /// Whether it changes the data (and so counts against the link's writes).
    pub fn is_write(&self) -> bool {
        matches!(self, SharedOp::Set { .. } | SharedOp::Delete { .. })
    }
}

/// What happens to a call on shared data now; the call's tag comes back with it, unless it
/// waits in the gate.
#[derive(Debug, Clone, PartialEq)]
pub enum SharedVerdict<T> {
    /// Send it to the server (it is counted in flight until [`SharedGate::done`]).
    Send(T),
    /// A write, waiting (in the gate) for the person's answer.
    Wait,
    /// Answer the app with this failure.
    Refuse(T, CallError),
}

/// One studio page's calls on its short link's shared data: the pace, the calls in flight, and
/// the person's answer to the app saving there (a way out to everyone with the link, so it is
/// asked like the network: the first write waits for it; reads never do). Writes waiting are
/// tagged by the caller.
#[derive(Debug, Clone)]
pub struct SharedGate<T> {
    pace: Pace,
    in_flight: usize,
    allowed: Option<bool>,
    waiting: Vec<T>,
}

impl<T> SharedGate<T> {
    pub fn new(now_ms: f64) -> Self {
        Self {
            pace: Pace::with_rate(SHARED_CALL_BURST, SHARED_CALLS_PER_MINUTE, now_ms),
            in_flight: 0,
            allowed: None,
            waiting: Vec::new(),
        }
    }

    /// What to do with `op`, tagged `tag`.
    pub fn call(&mut self, tag: T, op: &SharedOp, now_ms: f64) -> SharedVerdict<T> {
        if self.in_flight >= MAX_SHARED_IN_FLIGHT {
            return SharedVerdict::Refuse(tag, CallError::Busy);
        }
        if let Err(wait) = self.pace.take(now_ms) {
            return SharedVerdict::Refuse(tag, CallError::SharedRateLimited(wait));
        }
        match (op.is_write(), self.allowed) {
            (true, Some(false)) => SharedVerdict::Refuse(tag, CallError::SharedDenied),
            (true, None) if self.waiting.len() >= MAX_SHARED_IN_FLIGHT => {
                SharedVerdict::Refuse(tag, CallError::Busy)
            }
            (true, None) => {
                self.waiting.push(tag);
                SharedVerdict::Wait
            }
            _ => {
                self.in_flight += 1;
                SharedVerdict::Send(tag)
            }
        }
    }

    /// The person answered; what to do with each waiting write now.
    pub fn answer(&mut self, allow: bool) -> Vec<SharedVerdict<T>> {
        self.allowed = Some(allow);
        std::mem::take(&mut self.waiting)
            .into_iter()
            .map(|tag| {
                if !allow {
                    SharedVerdict::Refuse(tag, CallError::SharedDenied)
                } else if self.in_flight >= MAX_SHARED_IN_FLIGHT {
                    SharedVerdict::Refuse(tag, CallError::Busy)
                } else {
                    self.in_flight += 1;
                    SharedVerdict::Send(tag)
                }
            })
            .collect()
    }

    /// A sent call was answered.
    pub fn done(&mut self) {
        self.in_flight = self.in_flight.saturating_sub(1);
    }

    /// Drops the waiting writes `gone` says are gone (their frame went away).
    pub fn forget(&mut self, gone: impl Fn(&T) -> bool) {
        self.waiting.retain(|t| !gone(t));
    }

    /// Whether writes wait for the person's answer.
    pub fn asking(&self) -> bool {
        !self.waiting.is_empty()
    }
}

/// What the server answered (`status`, JSON `body`), as the app's reply: the value on
/// success, else the error with its code.
pub fn reply_from_answer(status: u16, body: &str) -> AppReply {
    let parsed: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
    if status == 200 {
        return AppReply::Ok {
            value: parsed
                .get("value")
                .cloned()
                .unwrap_or(serde_json::Value::Null),
        };
    }
    let said = parsed
        .get("error")
        .and_then(serde_json::Value::as_str)
        .unwrap_or("the server could not answer");
    let code = match status {
        413 => ErrorCode::Quota,
        429 => ErrorCode::RateLimited,
        400 => ErrorCode::Invalid,
        _ => ErrorCode::Unavailable,
    };
    AppReply::Error {
        code,
        message: format!("kiln.storage.shared: {said}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_shared_storage_calls_reach_the_server_and_sizes_are_checked() {
        let set = |shared, value: &str| AppCall::StorageSet {
            id: 1,
            key: "votes".into(),
            value: value.into(),
            shared,
        };
        assert_eq!(SharedOp::from_call(&set(false, "1")), None);
        let op = SharedOp::from_call(&set(true, "1")).unwrap();
        assert!(op.is_write() && op.check().is_ok());
        assert_eq!(
            serde_json::to_string(&op).unwrap(),
            r#"{"op":"set","key":"votes","value":"1"}"#
        );
        let big = SharedOp::from_call(&set(true, &"x".repeat(MAX_SHARED_VALUE_BYTES))).unwrap();
        assert!(big.check().is_err());
        let list = SharedOp::from_call(&AppCall::StorageList {
            id: 2,
            prefix: String::new(),
            shared: true,
        })
        .unwrap();
        assert!(!list.is_write() && list.check().is_ok());
        assert!(SharedOp::Get { key: String::new() }.check().is_err());
        // No NUL anywhere: PostgreSQL could not store it.
        assert!(
            SharedOp::from_call(&set(true, "a\0b"))
                .unwrap()
                .check()
                .is_err()
        );
        assert!(
            SharedOp::List {
                prefix: "\0".into()
            }
            .check()
            .is_err()
        );
        assert!(
            serde_json::from_str::<SharedOp>(r#"{"op":"set","key":"k","value":"v","link":"x"}"#)
                .is_err()
        );
    }

    #[test]
    fn the_first_write_waits_for_the_person_reads_never_do_and_all_are_bounded() {
        let get = SharedOp::Get { key: "k".into() };
        let set = SharedOp::Set {
            key: "k".into(),
            value: "v".into(),
        };
        let mut g: SharedGate<u32> = SharedGate::new(0.0);
        assert_eq!(g.call(1, &get, 0.0), SharedVerdict::Send(1));
        assert_eq!(g.call(2, &set, 0.0), SharedVerdict::Wait);
        assert_eq!(g.call(3, &set, 0.0), SharedVerdict::Wait);
        assert!(g.asking());
        // A write whose frame went away no longer waits.
        g.forget(|t| *t == 3);
        assert_eq!(g.answer(true), [SharedVerdict::Send(2)]);
        assert!(!g.asking());
        assert_eq!(g.call(4, &set, 0.0), SharedVerdict::Send(4));
        // Refused: later writes are refused at once, reads still go.
        let mut no: SharedGate<u32> = SharedGate::new(0.0);
        assert_eq!(no.call(1, &set, 0.0), SharedVerdict::Wait);
        assert_eq!(
            no.answer(false),
            [SharedVerdict::Refuse(1, CallError::SharedDenied)]
        );
        assert_eq!(
            no.call(2, &set, 0.0),
            SharedVerdict::Refuse(2, CallError::SharedDenied)
        );
        assert_eq!(no.call(3, &get, 0.0), SharedVerdict::Send(3));
        // In flight, then the pace.
        let mut busy: SharedGate<u32> = SharedGate::new(0.0);
        for i in 0..MAX_SHARED_IN_FLIGHT as u32 {
            assert_eq!(busy.call(i, &get, 0.0), SharedVerdict::Send(i));
        }
        assert_eq!(
            busy.call(99, &get, 0.0),
            SharedVerdict::Refuse(99, CallError::Busy)
        );
        let mut paced: SharedGate<u32> = SharedGate::new(0.0);
        let mut refused = None;
        for i in 0..=SHARED_CALL_BURST {
            paced.done();
            if let SharedVerdict::Refuse(_, e) = paced.call(i, &get, 0.0) {
                refused = Some((i, e));
                break;
            }
        }
        let (at, e) = refused.unwrap();
        assert_eq!(at, SHARED_CALL_BURST);
        assert_eq!(e.code(), ErrorCode::RateLimited);
        assert!(
            e.to_string()
                .starts_with("kiln.storage.shared: too many calls")
        );
    }

    #[test]
    fn the_servers_answers_become_the_apps_replies() {
        assert_eq!(
            reply_from_answer(200, r#"{"value":["a","b"]}"#),
            AppReply::Ok {
                value: serde_json::json!(["a", "b"])
            }
        );
        let code = |status, body| match reply_from_answer(status, body) {
            AppReply::Error { code, .. } => Some(code),
            _ => None,
        };
        assert_eq!(code(413, r#"{"error":"full"}"#), Some(ErrorCode::Quota));
        assert_eq!(code(429, "not json"), Some(ErrorCode::RateLimited));
        assert_eq!(code(404, "{}"), Some(ErrorCode::Unavailable));
        assert_eq!(code(503, ""), Some(ErrorCode::Unavailable));
        let AppReply::Error { message, .. } = reply_from_answer(400, r#"{"error":"bad key"}"#)
        else {
            panic!("not an error");
        };
        assert_eq!(message, "kiln.storage.shared: bad key");
    }
}
