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
pub mod report;
mod syntax;

use std::mem;

use serde::Serialize;
use thiserror::Error;

use crate::artifact::{Artifact, ArtifactKind, ArtifactSet, UnnamedCounter};
use crate::edit::{EditBlock, EditError, apply_edit};

pub use classify::SUBSTANTIAL_LINES;
pub use report::{
    ExtractReport, MAX_REPLY_BYTES, ReplyInputError, check_reply_input, extract_reply,
    extract_reply_with,
};

use classify::FenceLang;
use syntax::{Marker, attr, parse_attrs};

/// Something the reply did, in reply order. `index` is a position in
/// [`Extractor::artifacts`], which holds every artifact version this reply produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// An artifact started. A `candidate` is a plain fenced block: it may still be
    /// [`Event::Discarded`] as an incidental snippet when it closes, and its kind may change
    /// then. Its index is reused by whatever opens next if it is discarded.
    Opened {
        /// Where it will sit in [`Extractor::artifacts`].
        index: usize,
        /// The id the reply gave, if any.
        id: Option<String>,
        /// Its kind as far as known now.
        kind: ArtifactKind,
        /// The title the reply gave.
        title: Option<String>,
        /// The language the reply gave.
        language: Option<String>,
        /// True for a plain fenced block that is not yet known to be an artifact.
        candidate: bool,
    },
    /// Text was added to the open artifact: always whole lines with their `\n`, except the last
    /// line of a reply that ends without one.
    Appended {
        /// The open artifact.
        index: usize,
        /// The added text.
        text: String,
    },
    /// The open artifact is final and became version `version` of `id` in [`Extractor::set`].
    Closed {
        /// Its position in [`Extractor::artifacts`].
        index: usize,
        /// Its history key: the id the reply gave, or a generated one
        /// ([`crate::artifact::generated_id`]).
        id: String,
        /// Its version number under `id`, from 1.
        version: u32,
        /// Its final kind.
        kind: ArtifactKind,
        /// False when the reply ended inside it.
        complete: bool,
    },
    /// A candidate fenced block turned out to be an incidental snippet.
    Discarded {
        /// The index it had.
        index: usize,
    },
    /// A `<kiln-edit>` began; it is applied or rejected when it ends.
    EditStarted {
        /// The id it targets, if it gave one.
        id: Option<String>,
    },
    /// An edit applied: [`Extractor::artifacts`] at `index` is the new version.
    EditApplied {
        /// Its position in [`Extractor::artifacts`].
        index: usize,
        /// The edited artifact.
        id: String,
        /// The new version number.
        version: u32,
    },
    /// An edit did not apply; nothing changed.
    EditRejected(EditRejection),
}

/// Why a `<kiln-edit>` was not applied. The message is written to be sent back to the model
/// (see [`crate::protocol::edit_feedback`]).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum EditRejection {
    /// The edit tag had no `id` attribute.
    #[error("edit has no id attribute")]
    MissingId,
    /// No artifact with that id exists in the conversation or earlier in the reply.
    #[error("no artifact \"{id}\" to edit")]
    UnknownId {
        /// The id the edit gave.
        id: String,
    },
    /// The find/replace markers were not well formed.
    #[error("edit of \"{id}\" is malformed: {problem}")]
    Malformed {
        /// The id the edit gave.
        id: String,
        /// What was wrong.
        problem: MarkerProblem,
    },
    /// The reply ended before `</kiln-edit>`.
    #[error("edit of \"{id}\" was cut off before </kiln-edit>")]
    CutOff {
        /// The id the edit gave.
        id: String,
    },
    /// The blocks did not apply to the current version.
    #[error("{error} in \"{id}\" v{version}")]
    NotApplied {
        /// The edited artifact.
        id: String,
        /// The version the blocks were matched against.
        version: u32,
        /// Which block failed and how.
        error: EditError,
    },
}

impl EditRejection {
    /// The id the edit targeted, if it gave one.
    pub fn id(&self) -> Option<&str> {
        match self {
            EditRejection::MissingId => None,
            EditRejection::UnknownId { id }
            | EditRejection::Malformed { id, .. }
            | EditRejection::CutOff { id }
            | EditRejection::NotApplied { id, .. } => Some(id),
        }
    }
}

/// A way the `<<<<<<< SEARCH` / `=======` / `>>>>>>> REPLACE` markers went wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum MarkerProblem {
    /// A block's find part was not ended by a `=======` line.
    #[error("find block {block} has no ======= line")]
    NoDivider {
        /// Which block, from 1.
        block: usize,
    },
    /// A block's replace part was not ended by a `>>>>>>> REPLACE` line.
    #[error("find block {block} has no >>>>>>> REPLACE line")]
    NoEnd {
        /// Which block, from 1.
        block: usize,
    },
    /// A `>>>>>>> REPLACE` line came with no block open.
    #[error("a >>>>>>> REPLACE line follows no <<<<<<< SEARCH line")]
    StrayEnd,
}

/// The key and version number an artifact of this reply got in the history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ArtifactRef {
    /// The history key.
    pub id: String,
    /// The version number, from 1.
    pub version: u32,
}

/// The artifact being received right now, for a live preview.
#[derive(Debug, Clone, Copy)]
pub struct Partial<'a> {
    /// Where it will sit in [`Extractor::artifacts`] if it is kept.
    pub index: usize,
    /// Everything received so far in whole lines.
    pub artifact: &'a Artifact,
    /// True for a plain fenced block that may still be discarded as a snippet.
    pub candidate: bool,
    /// The unfinished last line, when it is surely content (a line that might still become a
    /// closer is held back). Show `artifact.content` followed by `tail`.
    pub tail: &'a str,
}

impl Partial<'_> {
    /// Whether a live preview should show this artifact yet. A candidate that is something to
    /// look at (html, svg, react, mermaid) is shown at once; a code or markdown one only once it
    /// is past the size rule ([`SUBSTANTIAL_LINES`]), since a short snippet will be discarded
    /// as prose when it closes and its preview would be a broken half-program meanwhile.
    pub fn worth_previewing(&self) -> bool {
        if !self.candidate {
            return true;
        }
        match self.artifact.kind {
            ArtifactKind::Code | ArtifactKind::Markdown => {
                classify::non_blank_lines(&self.artifact.content)
                    + usize::from(!self.tail.trim().is_empty())
                    >= SUBSTANTIAL_LINES
            }
            _ => true,
        }
    }
}

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

    fn feed_utf8(&mut self, mut bytes: &[u8]) {
        if self.utf8_len > 0 {
            let have = self.utf8_len;
            let need = utf8_width(self.utf8[0]).saturating_sub(have);
            let take = need.min(bytes.len());
            let mut joined = [0u8; 4];
            joined[..have].copy_from_slice(&self.utf8[..have]);
            joined[have..have + take].copy_from_slice(&bytes[..take]);
            let joined = &joined[..have + take];
            match std::str::from_utf8(joined) {
                Ok(s) => {
                    self.utf8_len = 0;
                    self.feed_str(s);
                    bytes = &bytes[take..];
                }
                Err(e) => match e.error_len() {
                    None => {
                        // Still incomplete: everything given so far is a valid start.
                        self.utf8[..joined.len()].copy_from_slice(joined);
                        self.utf8_len = joined.len();
                        return;
                    }
                    Some(bad) => {
                        self.utf8_len = 0;
                        self.feed_str("\u{FFFD}");
                        // The kept bytes were a valid start, so the bad run covers them all.
                        bytes = &bytes[bad.saturating_sub(have).min(bytes.len())..];
                    }
                },
            }
        }
        let mut chunks = bytes.utf8_chunks().peekable();
        while let Some(chunk) = chunks.next() {
            self.feed_str(chunk.valid());
            let bad = chunk.invalid();
            if bad.is_empty() {
                continue;
            }
            let incomplete = chunks.peek().is_none()
                && bad.len() < 4
                && std::str::from_utf8(bad).is_err_and(|e| e.error_len().is_none());
            if incomplete {
                self.utf8[..bad.len()].copy_from_slice(bad);
                self.utf8_len = bad.len();
            } else {
                self.feed_str("\u{FFFD}");
            }
        }
    }

    fn flush_utf8(&mut self) {
        if self.utf8_len > 0 {
            self.utf8_len = 0;
            self.feed_str("\u{FFFD}");
        }
    }

    /// Handles one line, without its `\n`; `nl` is false only for a last line with none.
    fn line(&mut self, line: &str, nl: bool) {
        let line = line.strip_suffix('\r').unwrap_or(line);
        match self.state {
            State::Prose => self.prose(line, nl),
            State::Reasoning(closer) => {
                if let Some(at) = syntax::find_ci(line, closer) {
                    self.state = State::Prose;
                    let rest = &line[at + closer.len()..];
                    if !rest.trim().is_empty() {
                        self.prose(rest, nl);
                    }
                }
            }
            State::PendingTag => {
                self.tag_buf.push(' ');
                self.tag_buf.push_str(line);
                self.tag_lines += 1;
                let buf = mem::take(&mut self.tag_buf);
                let done = self.open_tag(&buf, nl);
                self.tag_buf = buf;
                if done || self.state != State::PendingTag {
                    self.tag_buf.clear();
                } else if self.tag_lines >= TAG_MAX_LINES || self.tag_buf.len() > TAG_MAX_BYTES {
                    self.tag_buf.clear();
                    self.state = State::Prose;
                }
            }
            State::Body {
                closer,
                strip_any_fence,
                started,
            } => {
                if closer.matches(line) {
                    self.close(true);
                    self.state = State::Prose;
                    return;
                }
                if !started {
                    if line.trim().is_empty() {
                        return;
                    }
                    if let Some(f) = syntax::fence_open(line) {
                        let lang = syntax::info_language(f.info);
                        let markdown = FenceLang::of(lang.as_deref()) == FenceLang::Markdown;
                        let wraps = strip_any_fence || markdown;
                        if wraps {
                            if let Some(open) = self.open.as_mut()
                                && open.artifact.language.is_none()
                                && open.artifact.kind == ArtifactKind::Code
                            {
                                open.artifact.language = lang;
                            }
                            self.state = State::Fence {
                                fence: Fence {
                                    ch: f.ch,
                                    len: f.len,
                                    indent: f.indent,
                                    nests: markdown,
                                },
                                wrap: Some(closer),
                                depth: 0,
                            };
                            return;
                        }
                    }
                    self.state = State::Body {
                        closer,
                        strip_any_fence,
                        started: true,
                    };
                }
                self.append(line, nl);
            }
            State::Fence { fence, wrap, depth } => {
                // A tag closer ends its artifact even if the inner fence was left open; `:::`
                // does not, since it is ordinary text inside a fence.
                if let Some(closer) = wrap
                    && closer != Closer::Directive
                    && closer.matches(line)
                {
                    self.close(true);
                    self.state = State::Prose;
                    return;
                }
                if syntax::is_fence_close(line, fence.ch, fence.len) {
                    if depth > 0 {
                        self.state = State::Fence {
                            fence,
                            wrap,
                            depth: depth - 1,
                        };
                    } else {
                        self.close(true);
                        self.state = wrap.map_or(State::Prose, State::AfterFence);
                        return;
                    }
                } else if fence.nests
                    && let Some(inner) = syntax::fence_open(line)
                    && inner.ch == fence.ch
                    && inner.len >= fence.len
                    && !inner.info.is_empty()
                {
                    self.state = State::Fence {
                        fence,
                        wrap,
                        depth: depth.saturating_add(1),
                    };
                }
                let indent = line
                    .bytes()
                    .take(fence.indent)
                    .take_while(|&b| b == b' ')
                    .count();
                self.append(&line[indent..], nl);
            }
            State::Skip(fence) => {
                if syntax::is_fence_close(line, fence.ch, fence.len) {
                    self.state = State::Prose;
                }
            }
            State::AfterFence(closer) => {
                if line.trim().is_empty() {
                    return;
                }
                self.state = State::Prose;
                if !closer.matches(line) {
                    self.prose(line, nl);
                }
            }
            State::Bare => {
                self.append(line, nl);
                if syntax::ends_with_ci(line.trim_ascii_end(), "</html>") {
                    self.close(true);
                    self.state = State::Prose;
                }
            }
            State::Edit => self.edit_line(line),
        }
    }

    fn prose(&mut self, line: &str, nl: bool) {
        if let Some(f) = syntax::fence_open(line) {
            self.open_fence(f);
            return;
        }
        let t = line.trim_start();
        if t.starts_with('<') {
            if syntax::is_html_start(t) {
                self.open_artifact(Artifact::new(ArtifactKind::Html), None);
                self.state = State::Bare;
                // The opening line may hold the whole page.
                self.line(line, nl);
            } else if !self.open_tag(t, nl) && self.state == State::PendingTag {
                self.tag_buf.clear();
                self.tag_buf.push_str(t);
                self.tag_lines = 1;
            }
        } else if t.starts_with(":::") {
            self.open_tag(t, nl);
        }
    }

    /// Tries to open a construct from the start of `t`. Returns false when it is not one of
    /// ours (state unchanged) or is still incomplete (state set to [`State::PendingTag`]).
    fn open_tag(&mut self, t: &str, nl: bool) -> bool {
        if let Some(after) = t.strip_prefix(":::") {
            let after = after.trim_start();
            if !syntax::starts_with_ci(after, "artifact") {
                self.state = State::Prose;
                return false;
            }
            let after = after["artifact".len()..].trim_start();
            let (attrs, rest) = match after.strip_prefix('{') {
                Some(inner) => match parse_attrs(inner, b'}') {
                    Some(parsed) => parsed,
                    None => {
                        self.state = State::PendingTag;
                        return false;
                    }
                },
                None => (Vec::new(), after),
            };
            let artifact = tagged_artifact(
                &attrs,
                &["identifier", "id"],
                &["type", "kind"],
                ArtifactKind::Code,
            );
            self.open_wrapped(artifact, Closer::Directive, rest, nl);
            return true;
        }
        let Some((name, after)) = syntax::tag_name(t) else {
            self.state = State::Prose;
            return false;
        };
        let reasoning = match name.as_str() {
            "think" => Some("</think>"),
            "thinking" => Some("</thinking>"),
            "reasoning" => Some("</reasoning>"),
            "antthinking" => Some("</antthinking>"),
            _ => None,
        };
        if let Some(closer) = reasoning {
            self.state = State::Reasoning(closer);
            // `<think>` has no attributes worth reading; the rest of its line is reasoning too,
            // and may already hold the closer.
            let rest = after.find('>').map_or("", |gt| &after[gt + 1..]);
            if !rest.is_empty() {
                self.line(rest, nl);
            }
            return true;
        }
        if !matches!(name.as_str(), "kiln-artifact" | "antartifact" | "kiln-edit") {
            self.state = State::Prose;
            return false;
        }
        let Some((attrs, rest)) = parse_attrs(after, b'>') else {
            self.state = State::PendingTag;
            return false;
        };
        match name.as_str() {
            "kiln-edit" => {
                let id = attr(&attrs, &["id", "identifier"]);
                self.events.push(Event::EditStarted { id: id.clone() });
                self.edit = EditDraft {
                    id,
                    ..EditDraft::default()
                };
                self.state = State::Edit;
                if !rest.trim().is_empty() {
                    self.line(rest, nl);
                }
            }
            "antartifact" => {
                let artifact = tagged_artifact(
                    &attrs,
                    &["identifier", "id"],
                    &["type", "kind"],
                    ArtifactKind::Code,
                );
                self.open_wrapped(artifact, Closer::Ant, rest, nl);
            }
            _ => {
                let artifact = tagged_artifact(
                    &attrs,
                    &["id", "identifier"],
                    &["kind", "type"],
                    ArtifactKind::Html,
                );
                self.open_wrapped(artifact, Closer::Kiln, rest, nl);
            }
        }
        true
    }

    fn open_wrapped(&mut self, artifact: Artifact, closer: Closer, rest: &str, nl: bool) {
        let strip_any_fence = artifact.kind != ArtifactKind::Markdown;
        self.open_artifact(artifact, None);
        self.state = State::Body {
            closer,
            strip_any_fence,
            started: false,
        };
        if !rest.trim().is_empty() {
            self.line(rest, nl);
        }
    }

    fn open_fence(&mut self, f: syntax::FenceOpen<'_>) {
        let language = syntax::info_language(f.info);
        let lang = FenceLang::of(language.as_deref());
        let fence = Fence {
            ch: f.ch,
            len: f.len,
            indent: f.indent,
            nests: lang == FenceLang::Markdown,
        };
        if lang.never() {
            self.state = State::Skip(fence);
            return;
        }
        let kind = lang.tentative_kind();
        let mut artifact = Artifact::new(kind);
        if matches!(kind, ArtifactKind::Code | ArtifactKind::React) {
            artifact.language.clone_from(&language);
        }
        self.open_artifact(artifact, Some((lang, language)));
        self.state = State::Fence {
            fence,
            wrap: None,
            depth: 0,
        };
    }

    fn open_artifact(
        &mut self,
        artifact: Artifact,
        candidate: Option<(FenceLang, Option<String>)>,
    ) {
        self.events.push(Event::Opened {
            index: self.artifacts.len(),
            id: artifact.id.clone(),
            kind: artifact.kind,
            title: artifact.title.clone(),
            language: artifact.language.clone(),
            candidate: candidate.is_some(),
        });
        self.open = Some(Open {
            artifact,
            candidate,
            sniffed: false,
        });
    }

    fn append(&mut self, text: &str, nl: bool) {
        let Some(open) = self.open.as_mut() else {
            return;
        };
        if let Some((FenceLang::Unlabeled, _)) = open.candidate
            && !open.sniffed
            && !text.trim().is_empty()
        {
            open.sniffed = true;
            if let Some(kind) = classify::sniff(text) {
                open.artifact.kind = kind;
            }
        }
        let content = &mut open.artifact.content;
        content.push_str(text);
        let mut added = self.pool.pop().unwrap_or_default();
        added.clear();
        added.push_str(text);
        if nl {
            content.push('\n');
            added.push('\n');
        }
        self.events.push(Event::Appended {
            index: self.artifacts.len(),
            text: added,
        });
    }

    fn close(&mut self, complete: bool) {
        let Some(open) = self.open.take() else {
            return;
        };
        let index = self.artifacts.len();
        let mut artifact = open.artifact;
        if let Some((lang, language)) = open.candidate {
            let Some(kind) = classify::decide(lang, &artifact.content) else {
                self.events.push(Event::Discarded { index });
                return;
            };
            artifact.kind = kind;
            artifact.language = match kind {
                ArtifactKind::Code | ArtifactKind::React => language,
                _ => None,
            };
        }
        artifact.complete = complete;
        let id = match &artifact.id {
            Some(id) => id.clone(),
            None => self.unnamed.next(artifact.kind),
        };
        let kind = artifact.kind;
        let version = self.set.push(&id, artifact.clone());
        self.artifacts.push(artifact);
        self.refs.push(ArtifactRef {
            id: id.clone(),
            version,
        });
        self.events.push(Event::Closed {
            index,
            id,
            version,
            kind,
            complete,
        });
    }

    fn edit_line(&mut self, line: &str) {
        if line.trim().eq_ignore_ascii_case("</kiln-edit>") {
            self.finish_edit(false);
            self.state = State::Prose;
            return;
        }
        let draft = &mut self.edit;
        if draft.problem.is_some() {
            return;
        }
        let block = draft.blocks.len();
        match (draft.part, syntax::edit_marker(line)) {
            (Part::Outside, Some(Marker::Find)) => {
                draft.blocks.push(EditBlock::default());
                draft.part = Part::Find;
            }
            (Part::Outside, Some(Marker::Replace)) => draft.problem = Some(MarkerProblem::StrayEnd),
            // Prose, blank lines, stray fences and dividers between blocks are ignored.
            (Part::Outside, _) => {}
            (Part::Find, Some(Marker::Divider)) => draft.part = Part::Replace,
            (Part::Find, Some(Marker::Find | Marker::Replace)) => {
                draft.problem = Some(MarkerProblem::NoDivider { block });
            }
            (Part::Replace, Some(Marker::Replace)) => draft.part = Part::Outside,
            (Part::Replace, Some(Marker::Find)) => {
                draft.problem = Some(MarkerProblem::NoEnd { block });
            }
            (Part::Find | Part::Replace, _) => {
                if let Some(last) = draft.blocks.last_mut() {
                    let text = if draft.part == Part::Find {
                        &mut last.find
                    } else {
                        &mut last.replace
                    };
                    text.push_str(line);
                    text.push('\n');
                }
            }
        }
    }

    fn finish_edit(&mut self, cut_off: bool) {
        let draft = mem::take(&mut self.edit);
        let block = draft.blocks.len();
        let rejection = match draft.id {
            None => EditRejection::MissingId,
            Some(id) if cut_off => EditRejection::CutOff { id },
            Some(id) => match self.set.latest(&id) {
                None => EditRejection::UnknownId { id },
                Some((version, current)) => {
                    let problem = draft.problem.or(match draft.part {
                        Part::Outside => None,
                        Part::Find => Some(MarkerProblem::NoDivider { block }),
                        Part::Replace => Some(MarkerProblem::NoEnd { block }),
                    });
                    match problem {
                        Some(problem) => EditRejection::Malformed { id, problem },
                        None => match apply_edit(&current.content, &draft.blocks) {
                            Ok(content) => {
                                let artifact = Artifact {
                                    id: Some(id.clone()),
                                    kind: current.kind,
                                    title: current.title.clone(),
                                    language: current.language.clone(),
                                    complete: true,
                                    content,
                                };
                                let index = self.artifacts.len();
                                let version = self.set.push(&id, artifact.clone());
                                self.artifacts.push(artifact);
                                self.refs.push(ArtifactRef {
                                    id: id.clone(),
                                    version,
                                });
                                self.events.push(Event::EditApplied { index, id, version });
                                return;
                            }
                            Err(error) => EditRejection::NotApplied { id, version, error },
                        },
                    }
                }
            },
        };
        self.rejections.push(rejection.clone());
        self.events.push(Event::EditRejected(rejection));
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

/// The length of the UTF-8 sequence a lead byte starts.
fn utf8_width(lead: u8) -> usize {
    match lead {
        0xC2..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF4 => 4,
        _ => 1,
    }
}

/// An artifact from a wrapper's attributes; `kinds` are the attribute names that give the kind.
fn tagged_artifact(
    attrs: &syntax::Attrs,
    ids: &[&str],
    kinds: &[&str],
    fallback: ArtifactKind,
) -> Artifact {
    let language = attr(attrs, &["language", "lang"]);
    let kind = attr(attrs, kinds)
        .and_then(|k| ArtifactKind::parse(&k))
        .or_else(|| {
            // No usable kind: a language still says a lot (`jsx` is React, `python` is code).
            let lang = language.as_deref()?;
            Some(ArtifactKind::parse(lang).unwrap_or(ArtifactKind::Code))
        })
        .unwrap_or(fallback);
    Artifact {
        id: attr(attrs, ids),
        title: attr(attrs, &["title", "name"]),
        language,
        ..Artifact::new(kind)
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
