//! Anthropic Messages: the request body, the server-sent events of a streamed reply, and the
//! model list.
//!
//! The stream is `message_start` (input token count), then per content block a
//! `content_block_start`, `content_block_delta`s and a `content_block_stop`, then
//! `message_delta` (stop reason, cumulative output tokens) and `message_stop`; `ping`s may come
//! at any time and an `error` event may replace the rest. Text arrives as `text_delta`s and
//! reasoning as `thinking_delta`s (surfaced separately, never fed to the extractor); signature,
//! tool-input and citation deltas, and event types this module does not know, are ignored, as
//! Anthropic's versioning policy asks of clients.

use serde_json::{Map, Value, json};

use super::error::{classify_in_stream, clean_message};
use super::sink::Sink;
use super::{ChatRequest, ModelInfo, Role, StopReason, count_at, str_at};

/// The `anthropic-version` header value the formats here follow.
pub(crate) const VERSION: &str = "2023-06-01";

pub(crate) fn chat_body(chat: &ChatRequest) -> Value {
    let messages: Vec<Value> = chat
        .messages
        .iter()
        .map(|m| {
            let role = match m.role {
                Role::User => "user",
                Role::Assistant => "assistant",
            };
            json!({ "role": role, "content": m.content })
        })
        .collect();
    let mut body = Map::new();
    body.insert("model".into(), json!(chat.model));
    body.insert("max_tokens".into(), json!(chat.max_tokens));
    if !chat.system.is_empty() {
        body.insert("system".into(), json!(chat.system));
    }
    body.insert("messages".into(), Value::Array(messages));
    if let Some(t) = chat.temperature {
        body.insert("temperature".into(), json!(t));
    }
    body.insert("stream".into(), json!(true));
    Value::Object(body)
}

pub(crate) fn on_event(event: &str, value: &Value, sink: &mut Sink<'_>) {
    let kind = str_at(value, "type").unwrap_or(event);
    match kind {
        "message_start" => {
            if let Some(usage) = value.get("message").and_then(|m| m.get("usage")) {
                sink.usage(
                    count_at(usage, "input_tokens"),
                    count_at(usage, "output_tokens"),
                );
            }
        }
        "content_block_start" => {
            let block = value.get("content_block").unwrap_or(&Value::Null);
            match str_at(block, "type") {
                Some("text") => sink.text(str_at(block, "text").unwrap_or_default()),
                Some("thinking") => sink.thinking(str_at(block, "thinking").unwrap_or_default()),
                _ => {}
            }
        }
        "content_block_delta" => {
            let delta = value.get("delta").unwrap_or(&Value::Null);
            match str_at(delta, "type") {
                Some("text_delta") => sink.text(str_at(delta, "text").unwrap_or_default()),
                Some("thinking_delta") => {
                    sink.thinking(str_at(delta, "thinking").unwrap_or_default());
                }
                _ => {}
            }
        }
        "message_delta" => {
            if let Some(usage) = value.get("usage") {
                sink.usage(
                    count_at(usage, "input_tokens"),
                    count_at(usage, "output_tokens"),
                );
            }
            let reason = value.get("delta").and_then(|d| str_at(d, "stop_reason"));
            if let Some(reason) = reason {
                sink.stop(stop_reason(reason));
            }
        }
        "message_stop" => sink.done(),
        "error" => sink.error(classify_in_stream(value)),
        _ => {}
    }
}

fn stop_reason(reason: &str) -> StopReason {
    match reason {
        "end_turn" => StopReason::EndTurn,
        "max_tokens" | "model_context_window_exceeded" => StopReason::MaxTokens,
        "stop_sequence" => StopReason::StopSequence,
        "tool_use" => StopReason::ToolUse,
        "refusal" => StopReason::Refusal,
        other => StopReason::Other(clean_message(other)),
    }
}

/// `{"data":[{"type":"model","id":…,"display_name":…}],"has_more":…}`
pub(crate) fn models(value: &Value) -> Option<Vec<ModelInfo>> {
    let data = value.get("data")?.as_array()?;
    Some(
        data.iter()
            .filter_map(|m| {
                Some(ModelInfo {
                    id: str_at(m, "id")?.to_owned(),
                    display_name: str_at(m, "display_name").map(str::to_owned),
                })
            })
            .collect(),
    )
}
