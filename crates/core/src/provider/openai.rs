//! OpenAI Chat Completions, as OpenAI and every OpenAI-compatible server (OpenRouter,
//! llama.cpp, LM Studio, vLLM, Ollama's `/v1`) speak it: the request body, the streamed
//! `chat.completion.chunk` events, and the model list.
//!
//! Each event is `data: {…}` with `choices[0].delta.content`; the chunk that ends the choice
//! carries `finish_reason`; with `stream_options.include_usage` a last chunk with empty
//! `choices` carries `usage`; `data: [DONE]` ends the stream. Compatible servers add their own
//! touches, all accepted: reasoning as `delta.reasoning_content` (DeepSeek, llama.cpp, vLLM) or
//! `delta.reasoning` (OpenRouter), `choices: null` in the usage chunk (vLLM), SSE comments as
//! keep-alives and `{"error":{…}}` events mid-stream (OpenRouter).

use serde_json::{Map, Value, json};

use super::error::{classify_in_stream, clean_message};
use super::sink::Sink;
use super::{ChatRequest, ModelInfo, Role, StopReason, count_at, str_at};

/// The body. OpenAI's own API gets `max_completion_tokens` (its reasoning models refuse
/// `max_tokens`); compatible servers get `max_tokens`, which all of them know.
pub(crate) fn chat_body(chat: &ChatRequest, openai_itself: bool) -> Value {
    let messages = system_and_messages(chat);
    let mut body = Map::new();
    body.insert("model".into(), json!(chat.model));
    body.insert("messages".into(), Value::Array(messages));
    let max_field = if openai_itself {
        "max_completion_tokens"
    } else {
        "max_tokens"
    };
    body.insert(max_field.into(), json!(chat.max_tokens));
    if let Some(t) = chat.temperature {
        body.insert("temperature".into(), json!(t));
    }
    body.insert("stream".into(), json!(true));
    body.insert("stream_options".into(), json!({ "include_usage": true }));
    Value::Object(body)
}

pub(crate) fn on_event(value: &Value, sink: &mut Sink<'_>) {
    if matches!(
        value.get("error"),
        Some(Value::Object(_) | Value::String(_))
    ) {
        sink.error(classify_in_stream(value));
        return;
    }
    let choice = value
        .get("choices")
        .and_then(Value::as_array)
        .and_then(|c| c.first());
    if let Some(choice) = choice {
        if let Some(delta) = choice.get("delta") {
            let reasoning =
                str_at(delta, "reasoning_content").or_else(|| str_at(delta, "reasoning"));
            sink.thinking(reasoning.unwrap_or_default());
            sink.text(str_at(delta, "content").unwrap_or_default());
        }
        if let Some(reason) = str_at(choice, "finish_reason") {
            sink.stop(stop_reason(reason));
        }
    }
    if let Some(usage) = value.get("usage").filter(|u| u.is_object()) {
        sink.usage(
            count_at(usage, "prompt_tokens"),
            count_at(usage, "completion_tokens"),
        );
    }
}

fn stop_reason(reason: &str) -> StopReason {
    match reason {
        "stop" => StopReason::EndTurn,
        "length" => StopReason::MaxTokens,
        "content_filter" => StopReason::Refusal,
        "tool_calls" | "function_call" => StopReason::ToolUse,
        other => StopReason::Other(clean_message(other)),
    }
}

/// `{"object":"list","data":[{"id":…,"object":"model",…}]}`
pub(crate) fn models(value: &Value) -> Option<Vec<ModelInfo>> {
    let data = value.get("data")?.as_array()?;
    Some(
        data.iter()
            .filter_map(|m| {
                Some(ModelInfo {
                    id: str_at(m, "id")?.to_owned(),
                    display_name: None,
                })
            })
            .collect(),
    )
}

/// The conversation as `{role, content}` objects with the system prompt as the first
/// message: OpenAI's chat shape, which Ollama's native chat shares.
pub(crate) fn system_and_messages(chat: &ChatRequest) -> Vec<Value> {
    let mut messages = Vec::with_capacity(chat.messages.len() + 1);
    if !chat.system.is_empty() {
        messages.push(json!({ "role": "system", "content": chat.system }));
    }
    for m in &chat.messages {
        let role = match m.role {
            Role::User => "user",
            Role::Assistant => "assistant",
        };
        messages.push(json!({ "role": role, "content": m.content }));
    }
    messages
}
