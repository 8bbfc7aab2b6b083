//! Ollama's native chat (`/api/chat`): the request body, the newline-delimited JSON of a
//! streamed reply, and the model list (`/api/tags`).
//!
//! Each line is an object with `message.content` (and `message.thinking` from thinking models);
//! the last has `"done": true`, `done_reason` and the token counts `prompt_eval_count` and
//! `eval_count`. An error, before or during the stream, is `{"error":"…"}`. Ollama does not
//! refuse a prompt longer than its context window: it drops the oldest tokens, so a context
//! error never arrives from it (docs/providers.md says how to raise `num_ctx`).

use serde_json::{Map, Value, json};

use super::error::{classify_in_stream, clean_message};
use super::sink::Sink;
use super::{ChatRequest, ModelInfo, StopReason, count_at, str_at};

pub(crate) fn chat_body(chat: &ChatRequest) -> Value {
    let messages = super::openai::system_and_messages(chat);
    let mut options = Map::new();
    options.insert("num_predict".into(), json!(chat.max_tokens));
    if let Some(t) = chat.temperature {
        options.insert("temperature".into(), json!(t));
    }
    json!({
        "model": chat.model,
        "messages": messages,
        "stream": true,
        "options": options,
    })
}

pub(crate) fn on_line(value: &Value, sink: &mut Sink<'_>) {
    if value.get("error").is_some() {
        sink.error(classify_in_stream(value));
        return;
    }
    if let Some(message) = value.get("message") {
        sink.thinking(str_at(message, "thinking").unwrap_or_default());
        sink.text(str_at(message, "content").unwrap_or_default());
    }
    if value.get("done").and_then(Value::as_bool) == Some(true) {
        sink.usage(
            count_at(value, "prompt_eval_count"),
            count_at(value, "eval_count"),
        );
        if let Some(reason) = str_at(value, "done_reason") {
            sink.stop(stop_reason(reason));
        }
        sink.done();
    }
}

fn stop_reason(reason: &str) -> StopReason {
    match reason {
        "stop" => StopReason::EndTurn,
        "length" => StopReason::MaxTokens,
        other => StopReason::Other(clean_message(other)),
    }
}

/// `{"models":[{"name":"llama3.2:latest","model":"llama3.2:latest",…}]}`
pub(crate) fn models(value: &Value) -> Option<Vec<ModelInfo>> {
    let list = value.get("models")?.as_array()?;
    Some(
        list.iter()
            .filter_map(|m| {
                let id = str_at(m, "name").or_else(|| str_at(m, "model"))?;
                Some(ModelInfo {
                    id: id.to_owned(),
                    display_name: None,
                })
            })
            .collect(),
    )
}
