//! One app's model call on the wire: the request built from the person's settings and only
//! what the app sent, and the streamed reply decoded into text for the app.

use crate::provider::{
    DecodeError, Endpoint, HttpRequest, ProviderError, StreamDecoder, StreamEvent, Usage,
};
use crate::session::ModelSettings;

use super::{Ask, CallError};

/// A model call in flight: feed it the response body, then finish it.
#[derive(Debug)]
pub struct CallStream {
    decoder: StreamDecoder,
    events: Vec<StreamEvent>,
    text: String,
    usage: Usage,
    error: Option<ProviderError>,
    decode_error: Option<DecodeError>,
    ended: bool,
}

impl CallStream {
    /// The call `ask` to the person's model under `settings`, with replies cut to
    /// `max_tokens` (what the budget allowed, and never more than the settings' own limit):
    /// where to send it, what to send, and the state that decodes the answer.
    pub fn start(
        settings: &ModelSettings,
        ask: &Ask,
        max_tokens: u32,
    ) -> Result<(Self, Endpoint, HttpRequest), CallError> {
        let settings_error = |e: &dyn std::fmt::Display| {
            CallError::Provider(format!("the studio's model settings cannot be used: {e}"))
        };
        let endpoint = settings.endpoint().map_err(|e| settings_error(&e))?;
        let max_tokens = max_tokens.min(settings.max_tokens.max(1));
        let request = endpoint
            .chat_request(&ask.chat(&settings.model, max_tokens))
            .map_err(|e| settings_error(&e))?;
        let stream = Self {
            decoder: endpoint.protocol().decoder(),
            events: Vec::new(),
            text: String::new(),
            usage: Usage::default(),
            error: None,
            decode_error: None,
            ended: false,
        };
        Ok((stream, endpoint, request))
    }

    /// Takes a chunk of the response body; returns the text it added.
    pub fn feed(&mut self, bytes: &[u8]) -> String {
        if self.error.is_some() || self.decode_error.is_some() {
            return String::new();
        }
        self.events.clear();
        if let Err(e) = self.decoder.feed(bytes, &mut self.events) {
            self.decode_error = Some(e);
        }
        self.absorb()
    }

    fn absorb(&mut self) -> String {
        let mut added = String::new();
        for event in self.events.drain(..) {
            match event {
                StreamEvent::Text(t) => added.push_str(&t),
                StreamEvent::Usage(u) => self.usage.merge(u),
                StreamEvent::Error(e) => self.error = Some(e),
                StreamEvent::Stop(_) | StreamEvent::Done => self.ended = true,
                StreamEvent::Thinking(_) => {}
            }
        }
        self.text.push_str(&added);
        added
    }

    /// The body ended: the reply is whole, or says why not. A reply cut by its token limit
    /// is whole as far as the app is concerned (it asked for that limit, or its budget did).
    pub fn finish(&mut self) -> Result<(), CallError> {
        self.events.clear();
        let flushed = self.decoder.finish(&mut self.events);
        self.absorb();
        if let Some(e) = &self.error {
            return Err(CallError::from_provider(e));
        }
        match self.decode_error.clone().or(flushed.err()) {
            Some(DecodeError::Truncated) => Err(CallError::Provider(
                "the connection ended before the reply did".to_owned(),
            )),
            Some(e) => Err(CallError::Provider(e.to_string())),
            None if self.ended => Ok(()),
            None => Err(CallError::Provider(
                "the connection ended before the reply did".to_owned(),
            )),
        }
    }

    /// The reply so far.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The provider's token counts so far.
    pub fn usage(&self) -> Usage {
        self.usage
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::Protocol;

    fn settings(provider: Protocol) -> ModelSettings {
        ModelSettings {
            provider: provider.name().to_owned(),
            base_url: "http://127.0.0.1:9/v1".to_owned(),
            model: "m".to_owned(),
            max_tokens: 300,
            app_api: false,
        }
    }

    fn ask(prompt: &str) -> Ask {
        Ask::check(Some(prompt.to_owned()), None, None, Some(500), true).unwrap()
    }

    #[test]
    fn the_request_carries_only_the_apps_words_within_the_settings_limit() {
        let (_, endpoint, request) =
            CallStream::start(&settings(Protocol::OpenAi), &ask("two words"), 400).unwrap();
        assert_eq!(
            endpoint.url(&request),
            "http://127.0.0.1:9/v1/chat/completions"
        );
        let body: serde_json::Value =
            serde_json::from_str(request.body.as_deref().unwrap_or("")).unwrap();
        assert_eq!(body["messages"].as_array().map(Vec::len), Some(1));
        assert_eq!(body["messages"][0]["content"], "two words");
        // The smaller of the budget's and the settings' limits.
        assert_eq!(body["max_tokens"], 300);
        assert!(!request.body.unwrap_or_default().contains("kiln-artifact"));
        let mut bad = settings(Protocol::OpenAi);
        bad.model = String::new();
        assert!(matches!(
            CallStream::start(&bad, &ask("x"), 10),
            Err(CallError::Provider(_))
        ));
    }

    #[test]
    fn a_streamed_reply_comes_out_as_text_pieces_and_usage() {
        let (mut call, _, _) =
            CallStream::start(&settings(Protocol::Anthropic), &ask("hi"), 100).unwrap();
        let body = concat!(
            "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"usage\":{\"input_tokens\":7,\"output_tokens\":1}}}\n\n",
            "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hel\"}}\n\n",
            "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"lo\"}}\n\n",
            "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},\"usage\":{\"output_tokens\":2}}\n\n",
            "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n",
        );
        let (a, b) = body.split_at(200);
        let mut pieces = call.feed(a.as_bytes());
        pieces.push_str(&call.feed(b.as_bytes()));
        assert_eq!(pieces, "Hello");
        assert_eq!(call.finish(), Ok(()));
        assert_eq!(call.text(), "Hello");
        assert_eq!(
            (call.usage().input_tokens, call.usage().output_tokens),
            (Some(7), Some(2))
        );
    }

    #[test]
    fn a_dropped_or_failed_stream_is_the_providers_error_and_keeps_its_text() {
        let (mut call, _, _) =
            CallStream::start(&settings(Protocol::OpenAi), &ask("hi"), 100).unwrap();
        call.feed(b"data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"par\"}}]}\n\n");
        assert!(matches!(call.finish(), Err(CallError::Provider(_))));
        assert_eq!(call.text(), "par");
        let (mut failed, _, _) =
            CallStream::start(&settings(Protocol::OpenAi), &ask("hi"), 100).unwrap();
        failed
            .feed(b"data: {\"error\":{\"message\":\"overloaded\",\"type\":\"server_error\"}}\n\n");
        let e = failed.finish().unwrap_err();
        assert_eq!(e.code(), super::super::ErrorCode::Provider);
    }
}
