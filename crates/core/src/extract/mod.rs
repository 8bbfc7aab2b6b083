//! The streaming extractor: turns a model reply, fed in chunks of any size as it arrives, into
//! artifacts, versions and edit results.
//!
//! It is a line-oriented state machine. Every construct it recognises (fences, Kiln, Claude and
//! LibreChat markers, bare HTML pages, reasoning blocks, edit markers) is decided by whole lines,
//! and a closer only counts alone on its line, so text inside an app cannot end it. Only the
//! incomplete last line of a chunk is carried over; each byte is looked at a bounded number of
//! times, so total work is linear in the reply however it is chunked, unlike chat UIs that
//! re-run a regex over the whole message on every update. Because decisions are per line, the
//! events are exactly the same for every chunking of the same reply (a property test holds it
//! to that). The live preview can still show the unfinished last line through
//! [`Extractor::current`].
//!
//! docs/protocol.md describes the formats and rules for people and for the model's prompt.

mod classify;
mod edits;
mod events;
mod lines;
mod open;
pub mod report;
mod syntax;
mod utf8;

use std::mem;

use crate::artifact::{Artifact, ArtifactKind, ArtifactSet, UnnamedCounter};
use crate::edit::{EditBlock, apply_edit};

pub use classify::SUBSTANTIAL_LINES;
pub use report::{
    ExtractReport, MAX_REPLY_BYTES, ReplyInputError, check_reply_input, extract_reply,
    extract_reply_with,
};

pub use events::{ArtifactRef, EditRejection, Event, MarkerProblem, Partial};

use classify::FenceLang;
use syntax::{Marker, attr, parse_attrs};

/// Which marker ends a wrapped artifact.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Closer {
    Kiln,
    Ant,
    Directive,
}

impl Closer {
    fn text(self) -> &'static str {
        match self {
            Closer::Kiln => "</kiln-artifact>",
            Closer::Ant => "</antartifact>",
            Closer::Directive => ":::",
        }
    }

    fn matches(self, line: &str) -> bool {
        // Checked on every content line, so ASCII trimming and a length test come first.
        let t = line.trim_ascii();
        t.len() == self.text().len() && t.eq_ignore_ascii_case(self.text())
    }
}

/// A fence being read: its character, length and indent, and whether inner fences nest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Fence {
    ch: u8,
    len: usize,
    indent: usize,
    /// Markdown documents often hold fences as long as their own; counting those (an opener
    /// with an info string, closed by a bare fence) keeps the document whole.
    nests: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Prose,
    /// Inside `<think>` and the like, until the closer (which may sit anywhere on a line).
    Reasoning(&'static str),
    /// An opening tag whose `>` has not come yet; the text so far is in `tag_buf`.
    PendingTag,
    /// The body of a Kiln, Claude or LibreChat artifact, before any inner fence.
    Body {
        closer: Closer,
        /// Whether a fence as first line wraps the content (Markdown keeps its own fences).
        strip_any_fence: bool,
        started: bool,
    },
    /// Inside a fence: a candidate when `wrap` is `None`, else the inner fence of a wrapper.
    Fence {
        fence: Fence,
        wrap: Option<Closer>,
        depth: u32,
    },
    /// A plain fence of text or output, skipped without keeping it.
    Skip(Fence),
    /// After a wrapper's inner fence closed: the wrapper's closer is expected next.
    AfterFence(Closer),
    /// A bare HTML page, until a line ending in `</html>`.
    Bare,
    /// Inside `<kiln-edit>`.
    Edit,
}

struct Open {
    artifact: Artifact,
    /// For a candidate: what its info string said, and the language to keep if it is code.
    candidate: Option<(FenceLang, Option<String>)>,
    /// For an unlabelled candidate: whether its first non-blank line was seen yet.
    sniffed: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Part {
    #[default]
    Outside,
    Find,
    Replace,
}

#[derive(Default)]
struct EditDraft {
    id: Option<String>,
    blocks: Vec<EditBlock>,
    part: Part,
    problem: Option<MarkerProblem>,
}

/// Spare `Appended` buffers kept for reuse, and the largest one kept: reusing them makes the
/// steady state allocation-free, which is most of the extractor's speed.
const POOL_MAX: usize = 4096;
const POOL_MAX_CAPACITY: usize = 4096;

/// Lines a multi-line opening tag may span, and bytes it may reach, before it is given up.
const TAG_MAX_LINES: usize = 8;
const TAG_MAX_BYTES: usize = 4096;

/// Reads one reply. Feed it chunks, then call [`Extractor::finish`].
///
/// ```
/// use kiln_core::extract::{Event, Extractor};
///
/// let mut ex = Extractor::new();
/// ex.feed("Here you go:\n```html\n<!DOCTYPE html>\n<p>Hi");
/// assert_eq!(ex.current().unwrap().tail, "<p>Hi");
/// ex.feed("</p>\n```\n");
/// ex.finish();
/// assert_eq!(ex.artifacts()[0].content, "<!DOCTYPE html>\n<p>Hi</p>\n");
/// assert_eq!(ex.versions()[0].id, "html-1");
/// ```
pub struct Extractor {
    state: State,
    /// The incomplete last line of what was fed so far.
    carry: String,
    /// True when the next `feed` may just extend `carry`: the reply has started and is not
    /// finished, and no split UTF-8 sequence is pending.
    quiet: bool,
    started: bool,
    finished: bool,
    events: Vec<Event>,
    /// Text buffers of the previous call's `Appended` events, for reuse.
    pool: Vec<String>,
    open: Option<Open>,
    artifacts: Vec<Artifact>,
    refs: Vec<ArtifactRef>,
    set: ArtifactSet,
    unnamed: UnnamedCounter,
    rejections: Vec<EditRejection>,
    edit: EditDraft,
    tag_buf: String,
    tag_lines: usize,
    /// The start of a UTF-8 sequence split across [`Extractor::feed_bytes`] calls.
    utf8: [u8; 4],
    utf8_len: usize,
}

impl Default for Extractor {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for Extractor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Extractor")
            .field("state", &self.state)
            .field("artifacts", &self.artifacts.len())
            .field("open", &self.open.is_some())
            .finish_non_exhaustive()
    }
}

impl Extractor {
    /// An extractor for the first reply of a conversation.
    pub fn new() -> Self {
        Self::with_artifacts(ArtifactSet::new())
    }

    /// An extractor for a follow-up reply: its edits and rewrites apply on top of `set`, the
    /// conversation's artifacts so far.
    pub fn with_artifacts(set: ArtifactSet) -> Self {
        Self {
            state: State::Prose,
            carry: String::new(),
            quiet: false,
            started: false,
            finished: false,
            events: Vec::new(),
            pool: Vec::new(),
            open: None,
            artifacts: Vec::new(),
            refs: Vec::new(),
            set,
            unnamed: UnnamedCounter::default(),
            rejections: Vec::new(),
            edit: EditDraft::default(),
            tag_buf: String::new(),
            tag_lines: 0,
            utf8: [0; 4],
            utf8_len: 0,
        }
    }

    /// Starts inside a reasoning block, for providers whose chat template opens `<think>` in
    /// the prompt so that the reply begins with reasoning and only shows `</think>`.
    pub fn starting_in_reasoning(mut self) -> Self {
        if !self.started {
            self.state = State::Reasoning("</think>");
        }
        self
    }

    /// Feeds the next piece of the reply and returns the events it caused. Any split is fine:
    /// the events over the whole reply do not depend on where the chunks were cut.
    #[inline]
    pub fn feed(&mut self, chunk: &str) -> &[Event] {
        // A streamed reply often comes a token or a character at a time, and most such pieces
        // hold no line end: they only extend the carried line. This path is kept to a few
        // instructions so that tiny chunks cost as little as possible per byte.
        if self.quiet && chunk.len() <= 8 && chunk.bytes().all(|b| b != b'\n') {
            if !self.events.is_empty() {
                self.recycle_events();
            }
            match chunk.as_bytes() {
                // A one-byte `&str` is ASCII.
                [byte] => self.carry.push(char::from(*byte)),
                _ => self.carry.push_str(chunk),
            }
            return &self.events;
        }
        self.feed_general(chunk)
    }

    fn feed_general(&mut self, chunk: &str) -> &[Event] {
        self.recycle_events();
        if !self.finished {
            self.flush_utf8();
            self.feed_str(chunk);
        }
        self.quiet = self.started && !self.finished;
        &self.events
    }

    /// Feeds raw bytes, for transports that cut UTF-8 sequences apart: a split sequence is kept
    /// until its end arrives. Invalid bytes become U+FFFD, as a browser's `TextDecoder` does.
    pub fn feed_bytes(&mut self, bytes: &[u8]) -> &[Event] {
        self.recycle_events();
        if !self.finished {
            self.feed_utf8(bytes);
        }
        // A split character is pending: `feed` must take the general path to flush it.
        self.quiet = false;
        &self.events
    }

    /// Ends the reply: the last line is read, an artifact still open is kept as incomplete, an
    /// unfinished edit is rejected. Later feeds are ignored.
    pub fn finish(&mut self) -> &[Event] {
        self.quiet = false;
        self.recycle_events();
        if self.finished {
            return &self.events;
        }
        self.flush_utf8();
        if !self.carry.is_empty() {
            let line = mem::take(&mut self.carry);
            self.line(&line, false);
        }
        match self.state {
            State::Body { .. } | State::Fence { .. } | State::Bare => self.close(false),
            State::Edit => self.finish_edit(true),
            State::Prose
            | State::Reasoning(_)
            | State::PendingTag
            | State::Skip(_)
            | State::AfterFence(_) => {}
        }
        self.state = State::Prose;
        self.finished = true;
        &self.events
    }

    /// The artifact being received, if any: cheap enough to call on every chunk.
    pub fn current(&self) -> Option<Partial<'_>> {
        let open = self.open.as_ref()?;
        Some(Partial {
            index: self.artifacts.len(),
            artifact: &open.artifact,
            candidate: open.candidate.is_some(),
            tail: self.preview_tail(),
        })
    }

    /// Every artifact version this reply produced so far, in reply order: creates, rewrites
    /// and the results of applied edits.
    pub fn artifacts(&self) -> &[Artifact] {
        &self.artifacts
    }

    /// The history key and version of each of [`Extractor::artifacts`].
    pub fn versions(&self) -> &[ArtifactRef] {
        &self.refs
    }

    /// The edits of this reply that did not apply, in reply order.
    pub fn rejections(&self) -> &[EditRejection] {
        &self.rejections
    }

    /// The conversation's artifacts including what this reply added.
    pub fn set(&self) -> &ArtifactSet {
        &self.set
    }

    /// Gives up the extractor for the conversation's artifacts.
    pub fn into_set(self) -> ArtifactSet {
        self.set
    }

    /// What this reply produced, as the `kiln extract` record.
    pub fn report(&self) -> ExtractReport {
        ExtractReport {
            artifacts: self.artifacts.clone(),
            versions: self.refs.clone(),
            rejections: self.rejections.clone(),
        }
    }

    /// Gives up the extractor for what this reply produced, without copying it.
    pub fn into_report(self) -> ExtractReport {
        ExtractReport {
            artifacts: self.artifacts,
            versions: self.refs,
            rejections: self.rejections,
        }
    }

    fn recycle_events(&mut self) {
        for event in self.events.drain(..) {
            if let Event::Appended { text, .. } = event
                && self.pool.len() < POOL_MAX
                && text.capacity() <= POOL_MAX_CAPACITY
            {
                self.pool.push(text);
            }
        }
    }

    fn feed_str(&mut self, chunk: &str) {
        let mut rest = chunk;
        if !self.started {
            if rest.is_empty() {
                return;
            }
            self.started = true;
            rest = rest.strip_prefix('\u{feff}').unwrap_or(rest);
        }
        let mut start = 0;
        if rest.len() <= 16 {
            // Too short to be worth setting up a SIMD search.
            for (nl, &byte) in rest.as_bytes().iter().enumerate() {
                if byte == b'\n' {
                    self.end_line(&rest[start..nl]);
                    start = nl + 1;
                }
            }
        } else {
            for nl in memchr::memchr_iter(b'\n', rest.as_bytes()) {
                self.end_line(&rest[start..nl]);
                start = nl + 1;
            }
        }
        self.carry.push_str(&rest[start..]);
    }

    /// Handles the line that `piece` (the text up to a `\n`) completes.
    fn end_line(&mut self, piece: &str) {
        if self.carry.is_empty() {
            self.line(piece, true);
        } else {
            self.carry.push_str(piece);
            // Take the buffer out to read it, then put it back to keep its allocation.
            let mut line = mem::take(&mut self.carry);
            self.line(&line, true);
            line.clear();
            self.carry = line;
        }
    }

    fn preview_tail(&self) -> &str {
        let raw = self.carry.strip_suffix('\r').unwrap_or(&self.carry);
        match self.state {
            State::Fence { fence, wrap, .. } => {
                let held = syntax::could_close_fence(raw, fence.ch)
                    || wrap.is_some_and(|c| syntax::could_be_line(raw, c.text()));
                if held {
                    return "";
                }
                let indent = raw
                    .bytes()
                    .take(fence.indent)
                    .take_while(|&b| b == b' ')
                    .count();
                &raw[indent..]
            }
            State::Body {
                closer, started, ..
            } => {
                let t = raw.trim_start();
                let held = syntax::could_be_line(raw, closer.text())
                    || (!started && (t.is_empty() || t.starts_with(['`', '~'])));
                if held { "" } else { raw }
            }
            State::Bare => raw,
            _ => "",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(reply: &str) -> Extractor {
        let mut ex = Extractor::new();
        ex.feed(reply);
        ex.finish();
        ex
    }

    #[test]
    fn kiln_tag_with_inner_fence_is_unwrapped() {
        let ex = run(
            "Sure.\n<kiln-artifact id=\"app\" kind=\"html\" title=\"App\">\n```html\n<p>x</p>\n```\n</kiln-artifact>\nDone.\n",
        );
        let a = &ex.artifacts()[0];
        assert_eq!(a.content, "<p>x</p>\n");
        assert_eq!(a.id.as_deref(), Some("app"));
        assert!(a.complete);
    }

    #[test]
    fn closer_must_stand_alone() {
        let ex = run(
            "<kiln-artifact id=\"a\" kind=\"code\" language=\"js\">\nconst s = \"</kiln-artifact>\";\n</kiln-artifact>\n",
        );
        assert_eq!(
            ex.artifacts()[0].content,
            "const s = \"</kiln-artifact>\";\n"
        );
    }

    #[test]
    fn preview_shows_the_unfinished_line_unless_it_may_close() {
        let mut ex = Extractor::new();
        ex.feed("```html\n<!DOCTYPE html>\n<h1>Hel");
        let p = ex.current().unwrap();
        assert_eq!(
            (p.artifact.content.as_str(), p.tail),
            ("<!DOCTYPE html>\n", "<h1>Hel")
        );
        assert!(p.candidate);
        ex.feed("lo</h1>\n``");
        assert_eq!(ex.current().unwrap().tail, "");
    }

    #[test]
    fn a_code_candidate_is_previewed_only_once_it_is_substantial() {
        let mut ex = Extractor::new();
        ex.feed("Try:\n\n```python\ndef fi");
        assert!(!ex.current().unwrap().worth_previewing());
        for i in 0..8 {
            ex.feed(&format!("b{i}\n    x = {i}\n"));
        }
        assert!(ex.current().unwrap().worth_previewing());
        // Something to look at is shown from its first line.
        let mut ex = Extractor::new();
        ex.feed("```svg\n<svg");
        assert!(ex.current().unwrap().worth_previewing());
        let mut ex = Extractor::new();
        ex.feed("<kiln-artifact id=\"t\" kind=\"code\" language=\"python\">\nprint(1)\n");
        assert!(ex.current().unwrap().worth_previewing());
    }

    #[test]
    fn byte_feeding_keeps_split_characters() {
        let text = "```md\n# é — 😀\n```\n";
        let mut ex = Extractor::new();
        for b in text.as_bytes() {
            ex.feed_bytes(std::slice::from_ref(b));
        }
        ex.finish();
        let mut whole = Extractor::new();
        whole.feed(text);
        whole.finish();
        assert_eq!(ex.report(), whole.report());
    }

    #[test]
    fn invalid_bytes_become_replacement_characters() {
        let mut ex = Extractor::new();
        ex.feed_bytes(b"```\n<svg>\xff\xe2\x82");
        ex.feed_bytes(b"x</svg>\n```\n");
        ex.finish();
        assert_eq!(ex.artifacts()[0].content, "<svg>\u{fffd}\u{fffd}x</svg>\n");
    }

    #[test]
    fn text_after_a_split_character_flushes_it() {
        let mut ex = Extractor::new();
        ex.feed("```svg\n<svg>");
        ex.feed_bytes(b"\xc3");
        ex.feed("x");
        ex.feed("</svg>\n```\n");
        ex.finish();
        assert_eq!(ex.artifacts()[0].content, "<svg>\u{fffd}x</svg>\n");
    }

    #[test]
    fn reasoning_may_close_mid_line() {
        let ex =
            run("<think>try ```html\n<p>draft</p>\n```\nok</think>```html\n<!doctype html>\n```\n");
        assert_eq!(ex.artifacts().len(), 1);
        assert_eq!(ex.artifacts()[0].content, "<!doctype html>\n");
    }

    #[test]
    fn starting_in_reasoning_skips_until_the_closer() {
        let mut ex = Extractor::new().starting_in_reasoning();
        ex.feed("```html\n<!doctype html>\n```\n</think>\nnothing here\n");
        ex.finish();
        assert!(ex.artifacts().is_empty());
    }

    #[test]
    fn feeding_after_finish_is_ignored() {
        let mut ex = run("<!DOCTYPE html>\n</html>\n");
        assert!(ex.feed("<!DOCTYPE html>\n").is_empty());
        assert!(ex.finish().is_empty());
        assert_eq!(ex.artifacts().len(), 1);
    }

    #[test]
    fn multi_line_opening_tag() {
        let ex = run(
            "<antArtifact identifier=\"d\"\n  type=\"application/vnd.ant.mermaid\"\n  title=\"D\">\ngraph TD\n</antArtifact>\n",
        );
        let a = &ex.artifacts()[0];
        assert_eq!(a.kind, ArtifactKind::Mermaid);
        assert_eq!(a.content, "graph TD\n");
    }
}
