//! Google Gemini `streamGenerateContent?alt=sse`: the request body, the streamed
//! `GenerateContentResponse` events, and the model list.
//!
//! Each event is `data: {…}` holding `candidates[0].content.parts[].text` (parts marked
//! `"thought": true` are reasoning summaries) and a running `usageMetadata`; the last one carries
//! `finishReason`. There is no end sentinel, so the finish reason is the end of the reply. A
//! prompt the safety filter refuses arrives as a 200 with `promptFeedback.blockReason` and no
//! candidates, which is reported as a refusal rather than as an empty reply.

use serde_json::{Value, json};

use super::error::{classify_in_stream, clean_message};
use super::sink::Sink;
use super::{ChatRequest, ModelInfo, Role, StopReason, count_at, str_at};

pub(crate) fn chat_body(chat: &ChatRequest) -> Value {
    let contents: Vec<Value> = chat
        .messages
        .iter()
        .map(|m| {
            let role = match m.role {
                Role::User => "user",
                Role::Assistant => "model",
            };
            json!({ "role": role, "parts": [{ "text": m.content }] })
        })
        .collect();
    let mut config = json!({ "maxOutputTokens": chat.max_tokens });
    if let (Some(t), Some(map)) = (chat.temperature, config.as_object_mut()) {
        map.insert("temperature".into(), json!(t));
    }
    let mut body = json!({ "contents": contents, "generationConfig": config });
    if let (false, Some(map)) = (chat.system.is_empty(), body.as_object_mut()) {
        map.insert(
            "systemInstruction".into(),
            json!({ "parts": [{ "text": chat.system }] }),
        );
    }
    body
}

/// The model's path segment: a `models/` prefix (as the model list spells names) is dropped and
/// anything but unreserved characters is percent-encoded, so a name cannot change the path.
pub(crate) fn model_path(model: &str) -> String {
    let name = model.strip_prefix("models/").unwrap_or(model);
    let mut out = String::with_capacity(name.len());
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

pub(crate) fn on_event(value: &Value, sink: &mut Sink<'_>) {
    if value.get("error").is_some_and(Value::is_object) {
        sink.error(classify_in_stream(value));
        return;
    }
    let candidate = value
        .get("candidates")
        .and_then(Value::as_array)
        .and_then(|c| c.first());
    let mut finished = None;
    if let Some(candidate) = candidate {
        let parts = candidate
            .get("content")
            .and_then(|c| c.get("parts"))
            .and_then(Value::as_array);
        for part in parts.into_iter().flatten() {
            let text = str_at(part, "text").unwrap_or_default();
            if part.get("thought").and_then(Value::as_bool) == Some(true) {
                sink.thinking(text);
            } else {
                sink.text(text);
            }
        }
        finished = str_at(candidate, "finishReason").map(stop_reason);
    } else if value
        .get("promptFeedback")
        .and_then(|f| f.get("blockReason"))
        .is_some()
    {
        finished = Some(StopReason::Refusal);
    }
    if let Some(usage) = value.get("usageMetadata") {
        sink.usage(
            count_at(usage, "promptTokenCount"),
            count_at(usage, "candidatesTokenCount"),
        );
    }
    if let Some(reason) = finished {
        sink.stop(reason);
        sink.done();
    }
}

fn stop_reason(reason: &str) -> StopReason {
    match reason {
        "STOP" => StopReason::EndTurn,
        "MAX_TOKENS" => StopReason::MaxTokens,
        "SAFETY" | "RECITATION" | "BLOCKLIST" | "PROHIBITED_CONTENT" | "SPII" | "LANGUAGE"
        | "IMAGE_SAFETY" => StopReason::Refusal,
        other => StopReason::Other(clean_message(other)),
    }
}

/// `{"models":[{"name":"models/…","displayName":…,"supportedGenerationMethods":[…]}]}`
pub(crate) fn models(value: &Value) -> Option<Vec<ModelInfo>> {
    let list = value.get("models")?.as_array()?;
    Some(
        list.iter()
            .filter(|m| {
                m.get("supportedGenerationMethods")
                    .and_then(Value::as_array)
                    .is_none_or(|methods| {
                        methods
                            .iter()
                            .any(|x| x.as_str() == Some("generateContent"))
                    })
            })
            .filter_map(|m| {
                let name = str_at(m, "name")?;
                Some(ModelInfo {
                    id: name.strip_prefix("models/").unwrap_or(name).to_owned(),
                    display_name: str_at(m, "displayName").map(str::to_owned),
                })
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn model_names_cannot_escape_the_path() {
        assert_eq!(model_path("models/gemini-2.5-flash"), "gemini-2.5-flash");
        assert_eq!(model_path("a/../b?x#y"), "a%2F..%2Fb%3Fx%23y");
        assert_eq!(model_path("é"), "%C3%A9");
    }
}
