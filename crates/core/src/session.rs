//! A conversation with a model about artifacts: the settings it uses, the request for the next
//! turn, and the streaming state of the turn in flight.
//!
//! The page (and any other front end) moves bytes; everything else happens here: building the
//! provider request with Kiln's system prompt and the conversation so far, decoding the stream,
//! feeding the reply into the extractor seeded with the artifacts of earlier turns (so patch
//! edits apply), and saying how the turn ended. A turn that ends early — Stop, a dropped
//! connection, a provider error — keeps everything that arrived, including a partial artifact.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::artifact::ArtifactSet;
use crate::extract::{ExtractReport, Extractor};
use crate::prompt::Prompt;
use crate::protocol::{edit_feedback, system_prompt};
use crate::provider::{
    ChatRequest, DecodeError, Endpoint, EndpointError, HttpRequest, Message, Protocol,
    ProviderError, RequestError, StopReason, StreamDecoder, StreamEvent, Usage,
};
use crate::sandbox::AppId;
use crate::studio::Runnable;
use crate::transcript::{ReplyView, Segment};

/// Which model to talk to. The API key is not here: it is kept and sent by the edge only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ModelSettings {
    /// `anthropic`, `openai`, `gemini` or `ollama`.
    pub provider: String,
    /// Empty for the provider's default base URL.
    pub base_url: String,
    /// The model name as the provider knows it.
    pub model: String,
    /// The most tokens a reply may have.
    pub max_tokens: u32,
    /// Whether the system prompt teaches the model the app API (`window.kiln`): the person's
    /// choice, off unless they turn it on.
    pub app_api: bool,
}

impl Default for ModelSettings {
    fn default() -> Self {
        Self {
            provider: Protocol::Anthropic.name().to_owned(),
            base_url: String::new(),
            model: Protocol::Anthropic
                .default_model()
                .unwrap_or_default()
                .to_owned(),
            max_tokens: 16_000,
            app_api: false,
        }
    }
}

/// Why settings or a request cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SettingsError {
    /// The provider name is not one Kiln speaks.
    #[error("unknown provider {0:?}; choose anthropic, openai, gemini or ollama")]
    Provider(String),
    /// The base URL is not usable.
    #[error(transparent)]
    BaseUrl(#[from] EndpointError),
    /// The request cannot be built (no model, …).
    #[error(transparent)]
    Request(#[from] RequestError),
}

impl ModelSettings {
    /// The protocol named by `provider`.
    pub fn protocol(&self) -> Result<Protocol, SettingsError> {
        Protocol::parse(&self.provider)
            .ok_or_else(|| SettingsError::Provider(self.provider.clone()))
    }

    /// Whether a request without an API key is sure to be refused: a hosted provider at its
    /// own URL. A custom base URL (a local or team server) may need none.
    pub fn needs_key(&self) -> bool {
        self.base_url.trim().is_empty()
            && self.protocol().is_ok_and(|p| p.default_key_env().is_some())
    }

    /// The endpoint these settings name.
    pub fn endpoint(&self) -> Result<Endpoint, SettingsError> {
        let base = self.base_url.trim();
        Ok(Endpoint::new(
            self.protocol()?,
            (!base.is_empty()).then_some(base),
        )?)
    }
}

/// What a person must know to call `protocol` straight from the studio page.
pub fn browser_note(protocol: Protocol) -> &'static str {
    match protocol {
        Protocol::Anthropic => {
            "Called directly from this page with Anthropic's direct-browser-access header. The key \
             stays in this browser and is sent only to the base URL above."
        }
        Protocol::OpenAi => {
            "For OpenAI, OpenRouter, llama.cpp, LM Studio, vLLM or any OpenAI-compatible server: \
             set the base URL (usually ending in /v1). The server must allow this page's origin \
             (CORS); local servers often need a flag for it."
        }
        Protocol::Gemini => {
            "Google's Gemini API, called directly from this page. The key stays in this browser \
             and is sent only to the base URL above."
        }
        Protocol::Ollama => {
            "A local Ollama (default http://localhost:11434). Start it with OLLAMA_ORIGINS set to \
             this page's origin so it accepts requests from here. No key needed."
        }
    }
}

/// The turns so far and the artifacts they made. Serializable, so a front end can keep a
/// conversation (the studio's history) and pick it up again exactly where it was.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Session {
    messages: Vec<Message>,
    artifacts: ArtifactSet,
    /// Told to the model with the next prompt: an artifact the person changed outside the
    /// conversation (a restored version), in full, so that edits match what is current.
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<String>,
}

impl Session {
    /// An empty conversation.
    pub fn new() -> Self {
        Self::default()
    }

    /// A conversation that starts from an existing artifact (a shared link being remixed): the
    /// model is shown it as its own earlier reply in the Kiln protocol, so the first prompt can
    /// edit it by id.
    pub fn with_artifact(id: &str, artifact: crate::artifact::Artifact) -> Self {
        let reply = artifact_block(id, &artifact);
        let mut artifacts = ArtifactSet::new();
        artifacts.push(id, artifact);
        Self {
            messages: vec![
                Message::user("Here is an app to start from."),
                Message::assistant(reply),
            ],
            artifacts,
            note: None,
        }
    }

    /// Keeps `content`, edited by hand, as the newest version of `id` (same kind, title and
    /// language as the version it was edited from), and tells the model with the next prompt.
    /// Returns the new version's number, or `None` when there is no artifact `id`.
    pub fn hand_edit(&mut self, id: &str, content: &str) -> Option<u32> {
        let (_, latest) = self.artifacts.latest(id)?;
        let mut edited = latest.clone();
        edited.content = content.to_owned();
        edited.complete = true;
        let note = format!(
            "(I edited \"{id}\" by hand. This is now its current text; edit this one.)\n{}",
            artifact_block(id, &edited)
        );
        let new = self.artifacts.push(id, edited);
        self.note = Some(note);
        Some(new)
    }

    /// Makes version `n` of `id` current again by adding it as the newest version, and tells
    /// the model so with the next prompt. Returns the new version's number, or `None` when
    /// there is no such version.
    pub fn restore(&mut self, id: &str, n: u32) -> Option<u32> {
        let old = self.artifacts.get(id)?.version(n)?.clone();
        let note = format!(
            "(I restored version {n} of \"{id}\". This is now its current text; edit this one.)\n{}",
            artifact_block(id, &old)
        );
        let new = self.artifacts.push(id, old);
        self.note = Some(note);
        Some(new)
    }

    /// The conversation so far, oldest first.
    pub fn messages(&self) -> &[Message] {
        &self.messages
    }

    /// Every artifact and its versions.
    pub fn artifacts(&self) -> &ArtifactSet {
        &self.artifacts
    }

    /// Starts a turn: the request to send for `prompt`, and the state that will decode it.
    pub fn begin(&self, settings: &ModelSettings, prompt: &Prompt) -> Result<Turn, SettingsError> {
        self.begin_with(settings, prompt, None)
    }

    /// [`Session::begin`] with a sampling temperature (`None`: the model's own).
    pub fn begin_with(
        &self,
        settings: &ModelSettings,
        prompt: &Prompt,
        temperature: Option<f64>,
    ) -> Result<Turn, SettingsError> {
        let endpoint = settings.endpoint()?;
        let mut messages = self.messages.clone();
        let said = match &self.note {
            Some(note) => format!("{note}\n\n{}", prompt.as_str()),
            None => prompt.as_str().to_owned(),
        };
        messages.push(Message::user(said.clone()));
        let chat = ChatRequest {
            model: settings.model.trim().to_owned(),
            system: system_prompt(settings.app_api),
            messages,
            max_tokens: settings.max_tokens,
            temperature,
        };
        let request = endpoint.chat_request(&chat)?;
        Ok(Turn {
            decoder: endpoint.protocol().decoder(),
            endpoint,
            request,
            prompt: said,
            view: ReplyView::new(self.artifacts.clone()),
            reply: String::new(),
            usage: Usage::default(),
            stop: None,
            error: None,
            decode_error: None,
            done: false,
            events: Vec::new(),
        })
    }

    /// Keeps what a turn produced — its prompt, its reply (even a partial one) and its
    /// artifacts — so the next turn sees them.
    pub fn commit(&mut self, turn: Turn) {
        if turn.reply.is_empty() {
            return;
        }
        self.messages.push(Message::user(turn.prompt));
        self.messages.push(Message::assistant(turn.reply));
        self.artifacts = turn.view.into_extractor().into_set();
        self.note = None;
    }

    /// The session as it would be if `turn` were stopped now: what a front end saves while a
    /// reply streams, so that a crashed tab loses nothing that had arrived. The reply so far is
    /// extracted afresh (extraction does not depend on chunking, so this is exactly what
    /// [`Session::commit`] would keep), with an artifact still being written kept as
    /// incomplete. A turn with no reply yet leaves the session as it is.
    pub fn with_partial(&self, turn: &Turn) -> Session {
        if turn.reply.is_empty() {
            return self.clone();
        }
        let mut extractor = Extractor::with_artifacts(self.artifacts.clone());
        extractor.feed(&turn.reply);
        extractor.finish();
        let mut messages = self.messages.clone();
        messages.push(Message::user(turn.prompt.clone()));
        messages.push(Message::assistant(turn.reply.clone()));
        Session {
            messages,
            artifacts: extractor.into_set(),
            note: None,
        }
    }

    /// The artifact a front end shows when it opens this session: `preferred` if the session
    /// has it, else the artifact that first appeared last; with the version to show (the
    /// newest).
    pub fn shown_artifact(&self, preferred: Option<&str>) -> Option<(String, u32)> {
        if let Some(id) = preferred
            && let Some((n, _)) = self.artifacts.latest(id)
        {
            return Some((id.to_owned(), n));
        }
        let last = self.artifacts.iter().last()?;
        let (n, _) = last.latest()?;
        Some((last.id().to_owned(), n))
    }
}

/// An artifact written as a Kiln block, as the model would have written it.
fn artifact_block(id: &str, artifact: &crate::artifact::Artifact) -> String {
    let attr = |v: &str| v.replace('&', "&amp;").replace('"', "&quot;");
    let mut tag = format!(
        "<kiln-artifact id=\"{}\" kind=\"{}\"",
        attr(id),
        artifact.kind.as_str()
    );
    if let Some(t) = &artifact.title {
        tag.push_str(&format!(" title=\"{}\"", attr(t)));
    }
    if let Some(l) = &artifact.language {
        tag.push_str(&format!(" language=\"{}\"", attr(l)));
    }
    format!(
        "{tag}>\n{}\n</kiln-artifact>",
        artifact.content.trim_end_matches('\n')
    )
}

/// What one chunk of bytes changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Update {
    /// Characters of reply text added.
    pub text_chars: usize,
    /// The reply mentioned an error or the decoder failed: the turn is over.
    pub failed: bool,
}

/// How a turn ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ending {
    /// The model finished its reply.
    Complete,
    /// The model stopped because of a limit or a filter; what it wrote may be unfinished.
    Cut(StopReason),
    /// The stream ended without the protocol's last event: a dropped connection.
    Dropped,
    /// The provider reported an error (in the response or inside the stream).
    Provider(ProviderError),
    /// The bytes were not the provider's protocol.
    Garbled(String),
}

impl Ending {
    /// What to tell the person, in one sentence.
    pub fn describe(&self) -> String {
        match self {
            Ending::Complete => "Done.".to_owned(),
            Ending::Cut(reason) => {
                format!("The reply was cut short ({reason}); what arrived is kept.")
            }
            Ending::Dropped => {
                "The connection dropped before the reply finished; what arrived is kept.".to_owned()
            }
            Ending::Provider(e) => format!("{e}. {}", e.kind.advice()),
            Ending::Garbled(e) => format!("The provider's stream could not be read: {e}."),
        }
    }
}

/// The turn in flight: decoder, extractor (inside the reply's view) and everything received.
#[derive(Debug)]
pub struct Turn {
    endpoint: Endpoint,
    request: HttpRequest,
    prompt: String,
    decoder: StreamDecoder,
    /// The reply as prose and cards, over the turn's one extractor.
    view: ReplyView,
    reply: String,
    usage: Usage,
    stop: Option<StopReason>,
    error: Option<ProviderError>,
    decode_error: Option<DecodeError>,
    done: bool,
    events: Vec<StreamEvent>,
}

impl Turn {
    /// Where to send the request.
    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// The request to send (the edge adds the API key header).
    pub fn request(&self) -> &HttpRequest {
        &self.request
    }

    /// The reply text so far.
    pub fn reply(&self) -> &str {
        &self.reply
    }

    /// Whether the provider said the reply is complete (nothing more needs reading).
    pub fn is_done(&self) -> bool {
        self.done
    }

    /// Token counts the provider reported so far.
    pub fn usage(&self) -> Usage {
        self.usage
    }

    /// Decodes a chunk of the response body and feeds the text to the extractor.
    pub fn feed(&mut self, bytes: &[u8]) -> Update {
        let mut update = Update::default();
        if self.decode_error.is_some() || self.error.is_some() {
            update.failed = true;
            return update;
        }
        self.events.clear();
        if let Err(e) = self.decoder.feed(bytes, &mut self.events) {
            self.decode_error = Some(e);
            update.failed = true;
        }
        let (chars, failed) = self.absorb();
        update.text_chars = chars;
        update.failed |= failed;
        update
    }

    /// Takes the decoded events into the reply, the extractor and the turn's state. Returns the
    /// characters of text added and whether the provider reported an error.
    fn absorb(&mut self) -> (usize, bool) {
        let (mut chars, mut failed) = (0, false);
        let events = std::mem::take(&mut self.events);
        for event in &events {
            match event {
                StreamEvent::Text(t) => {
                    self.reply.push_str(t);
                    self.view.feed(t);
                    chars += t.chars().count();
                }
                StreamEvent::Usage(u) => self.usage.merge(*u),
                StreamEvent::Stop(r) => self.stop = Some(r.clone()),
                StreamEvent::Error(e) => {
                    self.error = Some(e.clone());
                    failed = true;
                }
                StreamEvent::Done => self.done = true,
                StreamEvent::Thinking(_) => {}
            }
        }
        // Keep the allocation for the next chunk.
        self.events = events;
        self.events.clear();
        (chars, failed)
    }

    /// Ends the turn (after the body ended, or was stopped) and says how it went.
    pub fn finish(&mut self) -> Ending {
        self.events.clear();
        let flushed = self.decoder.finish(&mut self.events);
        self.absorb();
        self.view.finish();
        if let Some(e) = &self.error {
            return Ending::Provider(e.clone());
        }
        match self.decode_error.clone().or(flushed.err()) {
            Some(DecodeError::Truncated) => return Ending::Dropped,
            Some(e) => return Ending::Garbled(e.to_string()),
            None => {}
        }
        // A stop reason that is not a cut says the reply is whole, even if the stream's own end
        // marker never came.
        match &self.stop {
            Some(reason) if reason.is_cut() => Ending::Cut(reason.clone()),
            Some(_) => Ending::Complete,
            None if self.done => Ending::Complete,
            None => Ending::Dropped,
        }
    }

    /// The reply as the conversation shows it, from the turn's own extractor.
    pub fn segments(&self) -> Vec<Segment> {
        self.view.segments()
    }

    /// Brings `out` up to date with [`Turn::segments`], copying only what changed; returns
    /// whether anything did.
    pub fn sync_segments(&self, out: &mut Vec<Segment>) -> bool {
        self.view.sync(out)
    }

    /// The artifacts of this reply so far (complete ones; see [`Turn::live`] for the one being
    /// written).
    pub fn report(&self) -> ExtractReport {
        self.view.extractor().report()
    }

    /// The message that asks the model to write the artifact again in full when an edit in
    /// this reply was refused (`protocol::edit_feedback` for the first refusal). The studio
    /// sends it once, automatically, after a reply that ended normally; the rewrite it asks for
    /// replaces the refused edit.
    pub fn repair_prompt(&self) -> Option<String> {
        self.view
            .extractor()
            .rejections()
            .first()
            .map(edit_feedback)
    }

    /// What the preview should run now: the artifact being written if it is one the preview
    /// runs (content so far), otherwise the newest runnable artifact of this reply. Its app
    /// identity is the artifact's within `conversation`.
    pub fn live(&self, conversation: &str) -> Option<Runnable> {
        // A plain fence is a candidate until it closes: one to look at is shown while it
        // streams all the same, code only once it is past the size of a snippet.
        if let Some(p) = self
            .view
            .extractor()
            .current()
            .filter(|p| p.worth_previewing())
        {
            let mut artifact = p.artifact.clone();
            artifact.content.push_str(p.tail);
            artifact.complete = false;
            let key = artifact.id.clone().unwrap_or_else(|| "draft".to_owned());
            let app = AppId::in_conversation(conversation, &key);
            if let Some(r) = Runnable::of(&artifact, key, app) {
                return Some(r);
            }
        }
        let report = self.view.extractor().report();
        report
            .artifacts
            .iter()
            .zip(&report.versions)
            .rev()
            .find_map(|(a, r)| {
                // Keyed and named by the artifact's id in the set, as it will be once the turn
                // is kept ([`runnable_of_version`]): its versions are found by it, and what the
                // app stores while the reply ends, and what it was allowed, are still its own
                // after a reload.
                Runnable::of(a, r.id.clone(), AppId::in_conversation(conversation, &r.id))
            })
    }
}

/// Whether the live preview should be refreshed: at most every `interval_ms`, so a fast
/// stream does not restart the app on every token.
pub fn preview_due(last_ms: Option<f64>, now_ms: f64, interval_ms: f64) -> bool {
    last_ms.is_none_or(|last| now_ms - last >= interval_ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn openai() -> ModelSettings {
        ModelSettings {
            provider: "openai".into(),
            base_url: "http://127.0.0.1:9/v1".into(),
            model: "test-model".into(),
            max_tokens: 1000,
            app_api: false,
        }
    }

    fn sse(deltas: &[&str], done: bool) -> String {
        let mut out = String::new();
        for d in deltas {
            let chunk = serde_json::json!({"choices": [{"index": 0, "delta": {"content": d}}]});
            out.push_str(&format!("data: {chunk}\n\n"));
        }
        if done {
            out.push_str(
                "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n",
            );
            out.push_str("data: [DONE]\n\n");
        }
        out
    }

    const APP: [&str; 3] = [
        "Here it is:\n\n```html\n<!DOCTYPE html>\n<html><body>\n",
        "<button id=b>Count</button>\n<script>let n = 0;</script>\n",
        "</body></html>\n```\n\nEnjoy.",
    ];

    #[test]
    fn a_turn_streams_into_a_live_preview_and_completes() {
        let session = Session::new();
        let prompt = Prompt::parse("a counter").unwrap();
        let mut turn = session.begin(&openai(), &prompt).unwrap();
        assert_eq!(
            turn.endpoint().url(turn.request()),
            "http://127.0.0.1:9/v1/chat/completions"
        );
        let body = turn.request().body.clone().unwrap();
        assert!(
            body.contains("artifacts") && body.contains("a counter") && body.contains("test-model")
        );
        assert!(
            !body.contains("api_key")
                && turn
                    .request()
                    .headers
                    .iter()
                    .all(|(n, _)| *n != "authorization")
        );

        let stream = sse(&APP, true);
        let (a, b) = stream.split_at(stream.len() / 2);
        let u = turn.feed(a.as_bytes());
        assert!(u.text_chars > 0 && !u.failed);
        let live = turn
            .live("conv")
            .expect("the page is previewed while it streams");
        assert!(!live.complete && live.html.contains("<!DOCTYPE html>"));
        turn.feed(b.as_bytes());
        assert_eq!(turn.finish(), Ending::Complete);
        let done = turn.live("conv").unwrap();
        assert!(done.complete && done.html.contains("let n = 0"));
        assert_eq!(turn.reply(), APP.concat());
        // Reopened from the kept conversation, the app is the same app (its data and consent
        // go with it).
        let mut session = session;
        session.commit(turn);
        let (id, n) = session.shown_artifact(None).unwrap();
        let v = session.artifacts().get(&id).unwrap().version(n).unwrap();
        let reopened = crate::studio::runnable_of_version("conv", &id, v).unwrap();
        assert_eq!((&reopened.app, &reopened.key), (&done.app, &done.key));
        assert_ne!(
            reopened.app,
            crate::studio::runnable_of_version("other", &id, v)
                .unwrap()
                .app
        );
    }

    #[test]
    fn the_turn_gives_the_transcript_its_segments_from_its_own_extractor() {
        let session = Session::new();
        let prompt = Prompt::parse("a counter").unwrap();
        let mut turn = session.begin(&openai(), &prompt).unwrap();
        let (mut shown, mut writing) = (Vec::new(), false);
        for part in sse(&APP, true).split_inclusive("\n\n") {
            turn.feed(part.as_bytes());
            turn.sync_segments(&mut shown);
            assert_eq!(shown, turn.segments());
            writing |= matches!(shown.get(1), Some(Segment::Card(c)) if c.writing);
        }
        assert!(writing, "the card was never shown being written");
        assert_eq!(turn.finish(), Ending::Complete);
        turn.sync_segments(&mut shown);
        assert_eq!(
            shown,
            crate::transcript::ReplyView::of(turn.reply(), ArtifactSet::new())
        );
        assert!(matches!(shown.get(1), Some(Segment::Card(c)) if c.complete && !c.writing));
    }

    #[test]
    fn a_short_snippet_is_never_the_preview() {
        let session = Session::new();
        let prompt = Prompt::parse("fibonacci in python").unwrap();
        let mut turn = session.begin(&openai(), &prompt).unwrap();
        let reply = [
            "Like this:\n\n```python\ndef fi",
            "b(n):\n    return n if n < 2 else fib(n - 1) + fib(n - 2)\n",
            "```\n\nDone.",
        ];
        let stream = sse(&reply, true);
        let (a, b) = stream.split_at(stream.find("\n\n").unwrap() + 2);
        turn.feed(a.as_bytes());
        assert!(turn.live("conv").is_none());
        turn.feed(b.as_bytes());
        assert_eq!(turn.finish(), Ending::Complete);
        assert!(turn.live("conv").is_none());
    }

    #[test]
    fn a_stop_reason_ends_the_reply_even_without_the_end_marker() {
        let session = Session::new();
        let prompt = Prompt::parse("a counter").unwrap();
        let body = sse(&APP, true);
        // Everything up to the stop reason, without `[DONE]`: whole.
        let cut = body.find("data: [DONE]").unwrap();
        let mut turn = session.begin(&openai(), &prompt).unwrap();
        turn.feed(&body.as_bytes()[..cut]);
        assert_eq!(turn.finish(), Ending::Complete);
        // Without the stop reason either: dropped.
        let cut = body
            .find("data: {\"choices\":[{\"index\":0,\"delta\":{},")
            .unwrap();
        let mut turn = session.begin(&openai(), &prompt).unwrap();
        turn.feed(&body.as_bytes()[..cut]);
        assert_eq!(turn.finish(), Ending::Dropped);
    }

    #[test]
    fn a_dropped_stream_keeps_the_partial_artifact_and_the_session_keeps_the_turn() {
        let mut session = Session::new();
        let prompt = Prompt::parse("a counter").unwrap();
        let mut turn = session.begin(&openai(), &prompt).unwrap();
        turn.feed(sse(&APP[..2], false).as_bytes());
        assert_eq!(turn.finish(), Ending::Dropped);
        assert!(Ending::Dropped.describe().contains("kept"));
        let partial = turn.report();
        assert_eq!(partial.artifacts.len(), 1);
        assert!(!partial.artifacts[0].complete);
        assert!(partial.artifacts[0].content.contains("let n = 0"));
        session.commit(turn);
        assert_eq!(session.messages().len(), 2);
        assert_eq!(session.artifacts().len(), 1);
    }

    #[test]
    fn a_snapshot_mid_stream_is_what_stopping_would_keep_and_survives_serde() {
        let mut session = Session::new();
        let prompt = Prompt::parse("a counter").unwrap();
        let mut turn = session.begin(&openai(), &prompt).unwrap();
        assert_eq!(session.with_partial(&turn), session, "nothing arrived yet");
        turn.feed(sse(&APP[..2], false).as_bytes());
        let snapshot = session.with_partial(&turn);
        let saved: Session =
            serde_json::from_str(&serde_json::to_string(&snapshot).unwrap()).unwrap();
        assert_eq!(saved, snapshot);
        turn.finish();
        session.commit(turn);
        assert_eq!(snapshot, session);
        let (id, n) = snapshot.shown_artifact(None).unwrap();
        assert_eq!((id.as_str(), n), ("html-1", 1));
        assert!(!snapshot.artifacts().latest("html-1").unwrap().1.complete);
        assert_eq!(
            snapshot.shown_artifact(Some("nope")),
            Some(("html-1".into(), 1))
        );
        assert_eq!(Session::new().shown_artifact(None), None);
    }

    #[test]
    fn a_restored_version_is_current_and_the_model_is_told_once() {
        let mut session = Session::new();
        for (prompt, button) in [("a counter", "Count"), ("say Add", "Add")] {
            let mut turn = session
                .begin(&openai(), &Prompt::parse(prompt).unwrap())
                .unwrap();
            let reply = format!(
                "<kiln-artifact id=\"counter\" kind=\"html\">\n<button>{button}</button>\n</kiln-artifact>\n"
            );
            turn.feed(sse(&[reply.as_str()], true).as_bytes());
            turn.finish();
            session.commit(turn);
        }
        assert_eq!(session.restore("counter", 9), None);
        assert_eq!(session.restore("nope", 1), None);
        assert_eq!(session.restore("counter", 1), Some(3));
        let (n, latest) = session.artifacts().latest("counter").unwrap();
        assert_eq!(
            (n, latest.content.as_str()),
            (3, "<button>Count</button>\n")
        );
        // The next request carries the restored text before the prompt; an edit of it applies.
        let mut turn = session
            .begin(&openai(), &Prompt::parse("make it green").unwrap())
            .unwrap();
        let body = turn.request().body.clone().unwrap();
        assert!(
            body.contains("I restored version 1 of \\\"counter\\\""),
            "{body}"
        );
        assert!(body.contains("make it green"));
        let edit = "<kiln-edit id=\"counter\">\n<<<<<<< SEARCH\n<button>Count</button>\n=======\n<button class=\"green\">Count</button>\n>>>>>>> REPLACE\n</kiln-edit>\n";
        turn.feed(sse(&[edit], true).as_bytes());
        turn.finish();
        assert_eq!(turn.repair_prompt(), None);
        session.commit(turn);
        let turn = session
            .begin(&openai(), &Prompt::parse("thanks").unwrap())
            .unwrap();
        let body = turn.request().body.clone().unwrap();
        assert_eq!(body.matches("I restored version").count(), 1, "said once");
    }

    #[test]
    fn a_hand_edit_is_a_new_version_the_model_is_told_about() {
        let mut session = Session::new();
        let mut turn = session
            .begin(&openai(), &Prompt::parse("a counter").unwrap())
            .unwrap();
        let reply = "<kiln-artifact id=\"counter\" kind=\"html\" title=\"Counter\">\n<button>Count</button>\n</kiln-artifact>\n";
        turn.feed(sse(&[reply], true).as_bytes());
        turn.finish();
        session.commit(turn);
        assert_eq!(session.hand_edit("nope", "x"), None);
        assert_eq!(
            session.hand_edit("counter", "<button>Tally</button>\n"),
            Some(2)
        );
        let (_, v2) = session.artifacts().latest("counter").unwrap();
        assert_eq!(
            (v2.content.as_str(), v2.title.as_deref()),
            ("<button>Tally</button>\n", Some("Counter"))
        );
        let turn = session
            .begin(&openai(), &Prompt::parse("bigger").unwrap())
            .unwrap();
        let body = turn.request().body.clone().unwrap();
        assert!(
            body.contains("I edited \\\"counter\\\" by hand") && body.contains("Tally"),
            "{body}"
        );
    }

    #[test]
    fn a_refused_edit_gives_a_repair_prompt_and_a_good_one_none() {
        let mut session = Session::new();
        let mut turn = session
            .begin(&openai(), &Prompt::parse("a counter").unwrap())
            .unwrap();
        let create = "<kiln-artifact id=\"counter\" kind=\"html\" title=\"Counter\">\n<button>Count</button>\n</kiln-artifact>\n";
        turn.feed(sse(&[create], true).as_bytes());
        turn.finish();
        assert_eq!(turn.repair_prompt(), None);
        session.commit(turn);

        let mut turn = session
            .begin(&openai(), &Prompt::parse("say Add").unwrap())
            .unwrap();
        let bad = "<kiln-edit id=\"counter\">\n<<<<<<< SEARCH\n<button>Nope</button>\n=======\n<button>Add</button>\n>>>>>>> REPLACE\n</kiln-edit>\n";
        turn.feed(sse(&[bad], true).as_bytes());
        assert_eq!(turn.finish(), Ending::Complete);
        let repair = turn.repair_prompt().unwrap();
        assert!(
            repair.starts_with("Your edit was not applied (find block 1 of 1 matches 0 times")
                && repair.contains("<kiln-artifact id=\"counter\">"),
            "{repair}"
        );
        // The repair prompt is an ordinary prompt the next turn can send.
        session.commit(turn);
        assert!(
            session
                .begin(&openai(), &Prompt::parse(&repair).unwrap())
                .is_ok()
        );
    }

    #[test]
    fn a_follow_up_edit_applies_to_the_previous_turns_artifact() {
        let mut session = Session::new();
        let first = Prompt::parse("a counter").unwrap();
        let mut turn = session.begin(&openai(), &first).unwrap();
        let create = "<kiln-artifact id=\"counter\" kind=\"html\" title=\"Counter\">\n<!DOCTYPE html>\n<html><body>\n<button>Count</button>\n</body></html>\n</kiln-artifact>\n";
        turn.feed(sse(&[create], true).as_bytes());
        assert_eq!(turn.finish(), Ending::Complete);
        session.commit(turn);

        let second = Prompt::parse("make the button say Add").unwrap();
        let mut turn = session.begin(&openai(), &second).unwrap();
        // The conversation so far goes with the new prompt.
        let body = turn.request().body.clone().unwrap();
        assert!(body.contains("a counter") && body.contains("make the button say Add"));
        let edit = "<kiln-edit id=\"counter\">\n<<<<<<< SEARCH\n<button>Count</button>\n=======\n<button>Add</button>\n>>>>>>> REPLACE\n</kiln-edit>\n";
        turn.feed(sse(&[edit], true).as_bytes());
        assert_eq!(turn.finish(), Ending::Complete);
        assert!(
            turn.report().rejections.is_empty(),
            "{:?}",
            turn.report().rejections
        );
        let live = turn.live("conv").unwrap();
        assert!(live.html.contains("<button>Add</button>"), "{}", live.html);
        assert_eq!(live.key, "counter");
        session.commit(turn);
        assert_eq!(
            session
                .artifacts()
                .get("counter")
                .map(|h| h.versions().len()),
            Some(2)
        );
    }

    #[test]
    fn a_remixed_artifact_is_shown_to_the_model_and_can_be_edited() {
        let mut a = crate::artifact::Artifact::new(crate::artifact::ArtifactKind::Html);
        a.title = Some("Dice \"roller\"".into());
        a.content = "<p>\n<button>Roll</button>\n</p>\n".into();
        a.complete = true;
        let session = Session::with_artifact("shared", a);
        // What the model is shown parses back to the same artifact.
        let shown = crate::extract::extract_reply(&session.messages()[1].content);
        assert_eq!(shown.artifacts[0].title.as_deref(), Some("Dice \"roller\""));
        assert_eq!(
            shown.artifacts[0].content,
            "<p>\n<button>Roll</button>\n</p>\n"
        );
        let mut turn = session
            .begin(&openai(), &Prompt::parse("say Throw").unwrap())
            .unwrap();
        let edit = "<kiln-edit id=\"shared\">\n<<<<<<< SEARCH\n<button>Roll</button>\n=======\n<button>Throw</button>\n>>>>>>> REPLACE\n</kiln-edit>\n";
        turn.feed(sse(&[edit], true).as_bytes());
        assert_eq!(turn.finish(), Ending::Complete);
        assert!(turn.live("conv").unwrap().html.contains("Throw"));
    }

    #[test]
    fn provider_errors_in_the_stream_end_the_turn() {
        let session = Session::new();
        let mut turn = session
            .begin(&openai(), &Prompt::parse("x").unwrap())
            .unwrap();
        let u = turn
            .feed(b"data: {\"error\":{\"message\":\"overloaded\",\"type\":\"server_error\"}}\n\n");
        assert!(u.failed);
        assert!(matches!(turn.finish(), Ending::Provider(_)));
    }

    #[test]
    fn bad_settings_are_refused_before_anything_is_sent() {
        let session = Session::new();
        let p = Prompt::parse("x").unwrap();
        let bad = ModelSettings {
            provider: "cohere".into(),
            ..openai()
        };
        assert!(matches!(
            session.begin(&bad, &p),
            Err(SettingsError::Provider(_))
        ));
        let bad = ModelSettings {
            base_url: "ftp://x".into(),
            ..openai()
        };
        assert!(matches!(
            session.begin(&bad, &p),
            Err(SettingsError::BaseUrl(_))
        ));
        let bad = ModelSettings {
            model: " ".into(),
            ..openai()
        };
        assert!(matches!(
            session.begin(&bad, &p),
            Err(SettingsError::Request(_))
        ));
        // Defaults: Anthropic at its public URL.
        let d = ModelSettings::default();
        assert_eq!(d.endpoint().unwrap().protocol(), Protocol::Anthropic);
    }

    #[test]
    fn the_app_api_is_taught_only_when_the_person_turned_it_on() {
        let session = Session::new();
        let p = Prompt::parse("make a flashcard app").unwrap();
        let body = |s: &ModelSettings| {
            session
                .begin(s, &p)
                .ok()
                .and_then(|t| t.request().body.clone())
                .unwrap_or_default()
        };
        let off = body(&openai());
        let on = body(&ModelSettings {
            app_api: true,
            ..openai()
        });
        assert!(!off.contains("window.kiln"));
        assert!(on.contains("window.kiln.complete") && on.contains("window.kiln.storage"));
        // Settings saved before the switch existed load with it off.
        let old: ModelSettings =
            serde_json::from_str(r#"{"provider":"openai","model":"m","max_tokens":5}"#).unwrap();
        assert!(!old.app_api);
    }

    #[test]
    fn hosted_providers_at_their_own_url_need_a_key() {
        assert!(ModelSettings::default().needs_key());
        assert!(!openai().needs_key(), "a custom base URL may need none");
        let ollama = ModelSettings {
            provider: "ollama".into(),
            base_url: String::new(),
            ..openai()
        };
        assert!(!ollama.needs_key());
    }

    #[test]
    fn preview_refreshes_are_throttled() {
        assert!(preview_due(None, 0.0, 500.0));
        assert!(!preview_due(Some(1000.0), 1400.0, 500.0));
        assert!(preview_due(Some(1000.0), 1500.0, 500.0));
    }
}
