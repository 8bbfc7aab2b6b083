//! A model's reply as the conversation shows it: prose, with each artifact (or edit) collapsed
//! into a card that opens it in the preview.
//!
//! The split is made by the extractor itself, fed one line at a time, so a card stands exactly
//! where the extractor saw an artifact begin and end; a fenced block it decides was only a
//! snippet goes back into the prose as the code block it was. [`ReplyView`] is incremental: a
//! streamed reply is fed as it arrives and each chunk costs only its own lines.

use crate::artifact::{ArtifactKind, ArtifactSet};
use crate::extract::{Event, Extractor};
use crate::studio::{UNTITLED_APP, display_title};

/// A card standing for an artifact or an edit in the reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Card {
    /// The artifact's key in the conversation (known once it closed, or at once for Kiln
    /// blocks and edits that name it).
    pub id: Option<String>,
    /// Its kind.
    pub kind: ArtifactKind,
    /// The title the reply gave.
    pub title: Option<String>,
    /// True for a `<kiln-edit>` of an existing artifact.
    pub edit: bool,
    /// True while the model is still writing it.
    pub writing: bool,
    /// False when the reply ended inside it.
    pub complete: bool,
}

impl Card {
    /// The card's label, e.g. `Counter` or `Edit of "counter"`.
    pub fn label(&self) -> String {
        let name = self
            .title
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
            .or_else(|| self.id.clone())
            .unwrap_or_else(|| "Untitled".to_owned());
        if self.edit {
            format!("Edit of “{name}”")
        } else {
            name
        }
    }

    /// What the card says under the label: kind and state.
    pub fn detail(&self) -> String {
        let state = if self.writing {
            " · writing…"
        } else if !self.complete {
            " · cut off"
        } else {
            ""
        };
        let kind = if self.edit {
            "edit"
        } else {
            self.kind.as_str()
        };
        format!("{kind}{state}")
    }
}

/// A piece of a reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    /// Markdown prose, as the model wrote it.
    Prose(String),
    /// An artifact or edit.
    Card(Card),
}

/// A reply split into prose and cards, fed as it streams.
#[derive(Debug)]
pub struct ReplyView {
    extractor: Extractor,
    carry: String,
    segments: Vec<Segment>,
    /// The lines of the candidate fence (or artifact) being read, given back to the prose if
    /// the extractor discards it as a snippet.
    held: String,
    /// Whether an artifact or edit is open.
    inside: bool,
}

impl ReplyView {
    /// A view of a reply in a conversation that has `artifacts` so far (so that ids come out
    /// as the conversation's extractor gives them).
    pub fn new(artifacts: ArtifactSet) -> Self {
        Self {
            extractor: Extractor::with_artifacts(artifacts),
            carry: String::new(),
            segments: Vec::new(),
            held: String::new(),
            inside: false,
        }
    }

    /// The whole reply at once.
    pub fn of(reply: &str, artifacts: ArtifactSet) -> Vec<Segment> {
        let mut view = Self::new(artifacts);
        view.feed(reply);
        view.finish();
        view.segments
    }

    /// Feeds more of the reply. The extractor is fed the same text, cut at line ends, so the
    /// events it returns for a piece that ends a line are that line's; the unfinished last line
    /// stays in the extractor too (the live preview shows it).
    pub fn feed(&mut self, text: &str) {
        for piece in text.split_inclusive('\n') {
            let events = self.extractor.feed(piece);
            if !piece.ends_with('\n') {
                self.carry.push_str(piece);
                continue;
            }
            let events = events.to_vec();
            let line = if self.carry.is_empty() {
                std::borrow::Cow::Borrowed(piece)
            } else {
                let mut line = std::mem::take(&mut self.carry);
                line.push_str(piece);
                std::borrow::Cow::Owned(line)
            };
            if events.is_empty() {
                self.plain(&line);
            } else {
                self.apply(&events, &line);
            }
        }
    }

    /// Ends the reply: the last line is read and an open artifact is marked cut off.
    pub fn finish(&mut self) {
        let last = std::mem::take(&mut self.carry);
        if !last.is_empty() {
            self.plain(&last);
        }
        let events = self.extractor.finish().to_vec();
        self.apply(&events, "");
        if let Some(Segment::Card(card)) = self.segments.last_mut()
            && card.writing
        {
            card.writing = false;
            card.complete = false;
        }
    }

    /// The segments so far, with the unfinished last line shown as prose unless it is inside
    /// an artifact.
    pub fn segments(&self) -> Vec<Segment> {
        let mut out = Vec::new();
        self.sync(&mut out);
        out
    }

    /// Brings `out`, the segments as last synced, up to date, copying only what may have
    /// changed: feeding changes at most the last two segments (a discarded snippet's card goes
    /// back into the prose before it) and the unfinished line, so what lay before the last two
    /// when `out` was synced is settled. Returns whether anything changed.
    pub fn sync(&self, out: &mut Vec<Segment>) -> bool {
        // `out` may end with the unfinished line as a segment of its own: one more.
        let keep = out
            .len()
            .saturating_sub(3)
            .min(self.segments.len().saturating_sub(2));
        let mut fresh = self.segments[keep..].to_vec();
        if !self.inside && !self.carry.is_empty() {
            push_prose(&mut fresh, &self.carry);
        }
        if out[keep..] == fresh[..] {
            return false;
        }
        out.truncate(keep);
        out.append(&mut fresh);
        true
    }

    /// The extractor, fed exactly the reply.
    pub fn extractor(&self) -> &Extractor {
        &self.extractor
    }

    /// The extractor, for what the conversation keeps of the reply.
    pub fn into_extractor(self) -> Extractor {
        self.extractor
    }

    /// A line that changed nothing in the extractor: part of the artifact being read, or prose.
    fn plain(&mut self, line: &str) {
        if self.inside {
            self.held.push_str(line);
        } else {
            push_prose(&mut self.segments, line);
        }
    }

    /// Takes in what one line did. The line belongs to the artifact it opened, closed or sat
    /// inside; a line that did none of these is prose.
    fn apply(&mut self, events: &[Event], line: &str) {
        let mut line_used = self.inside;
        for event in events {
            match event {
                Event::Opened {
                    id, kind, title, ..
                } => {
                    self.inside = true;
                    line_used = true;
                    self.held.clear();
                    self.segments.push(Segment::Card(Card {
                        id: id.clone(),
                        kind: *kind,
                        title: title.clone(),
                        edit: false,
                        writing: true,
                        complete: false,
                    }));
                }
                Event::EditStarted { id } => {
                    self.inside = true;
                    line_used = true;
                    self.held.clear();
                    self.segments.push(Segment::Card(Card {
                        id: id.clone(),
                        kind: ArtifactKind::Code,
                        title: None,
                        edit: true,
                        writing: true,
                        complete: false,
                    }));
                }
                Event::Closed {
                    index,
                    id,
                    kind,
                    complete,
                    ..
                } => {
                    // An untitled artifact is named as the preview and History name it (an
                    // html page's own <title>), not by its id.
                    let named = self
                        .extractor
                        .artifacts()
                        .get(*index)
                        .map(display_title)
                        .filter(|t| t != UNTITLED_APP);
                    self.end_card(|card| {
                        card.id = Some(id.clone());
                        card.kind = *kind;
                        card.complete = *complete;
                        if card.title.is_none() {
                            card.title = named;
                        }
                    });
                    line_used = true;
                }
                Event::EditApplied { id, .. } => {
                    self.end_card(|card| {
                        card.id = Some(id.clone());
                        card.complete = true;
                    });
                    line_used = true;
                }
                Event::EditRejected(_) => {
                    self.end_card(|card| card.complete = true);
                    line_used = true;
                }
                Event::Discarded { .. } => {
                    // The candidate was a snippet: its card goes, its lines (this one, the
                    // closing fence, included) are prose again.
                    if matches!(self.segments.last(), Some(Segment::Card(c)) if c.writing) {
                        self.segments.pop();
                    }
                    self.held.push_str(line);
                    let held = std::mem::take(&mut self.held);
                    push_prose(&mut self.segments, &held);
                    self.inside = false;
                    line_used = true;
                }
                Event::Appended { .. } => line_used = true,
            }
        }
        if self.inside {
            self.held.push_str(line);
        } else if !line_used {
            push_prose(&mut self.segments, line);
        }
    }

    fn end_card(&mut self, update: impl FnOnce(&mut Card)) {
        if let Some(Segment::Card(card)) = self.segments.last_mut()
            && card.writing
        {
            card.writing = false;
            update(card);
        }
        self.inside = false;
        self.held.clear();
    }
}

/// Adds prose, joined to the prose just before it.
fn push_prose(segments: &mut Vec<Segment>, text: &str) {
    if let Some(Segment::Prose(p)) = segments.last_mut() {
        p.push_str(text);
    } else {
        segments.push(Segment::Prose(text.to_owned()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prose(s: &str) -> Segment {
        Segment::Prose(s.to_owned())
    }

    fn view(reply: &str) -> Vec<Segment> {
        ReplyView::of(reply, ArtifactSet::new())
    }

    #[test]
    fn a_kiln_artifact_becomes_a_card_between_prose() {
        let reply = "Here is **your** app:\n\n<kiln-artifact id=\"counter\" kind=\"html\" title=\"Counter\">\n<button>+</button>\n</kiln-artifact>\n\nClick it.";
        let segments = view(reply);
        assert_eq!(segments.len(), 3, "{segments:?}");
        assert_eq!(segments[0], prose("Here is **your** app:\n\n"));
        let Segment::Card(card) = &segments[1] else {
            panic!("{segments:?}")
        };
        assert_eq!(
            (
                card.id.as_deref(),
                card.label().as_str(),
                card.detail().as_str()
            ),
            (Some("counter"), "Counter", "html")
        );
        assert!(card.complete && !card.writing && !card.edit);
        assert_eq!(segments[2], prose("\nClick it."));
    }

    #[test]
    fn a_snippet_fence_stays_prose_and_an_app_fence_is_a_card() {
        let reply = "Run:\n```sh\nnpm i\n```\nThen:\n```html\n<!DOCTYPE html>\n<html><body>\n<p>a</p>\n<p>b</p>\n<p>c</p>\n</body></html>\n```\nDone.\n";
        let segments = view(reply);
        assert_eq!(
            segments[0],
            prose("Run:\n```sh\nnpm i\n```\nThen:\n"),
            "{segments:?}"
        );
        let Segment::Card(card) = &segments[1] else {
            panic!("{segments:?}")
        };
        assert_eq!(
            (card.id.as_deref(), card.kind),
            (Some("html-1"), ArtifactKind::Html)
        );
        assert_eq!(segments[2], prose("Done.\n"));
        assert_eq!(segments.len(), 3);
        // No <title>: the card falls back to the id.
        assert_eq!(card.label(), "html-1");
    }

    #[test]
    fn an_untitled_page_card_is_named_by_its_own_title() {
        let reply = "Here:\n```html\n<!DOCTYPE html>\n<html><head><title>Pomodoro</title></head>\n<body>25:00</body></html>\n```\n";
        let segments = view(reply);
        let Segment::Card(card) = &segments[1] else {
            panic!("{segments:?}")
        };
        assert_eq!(
            (card.label(), card.id.as_deref()),
            ("Pomodoro".to_owned(), Some("html-1"))
        );
    }

    #[test]
    fn an_edit_is_a_card_and_a_cut_artifact_says_so() {
        let mut set = ArtifactSet::new();
        let mut a = crate::artifact::Artifact::new(ArtifactKind::Html);
        a.content = "<b>x</b>\n".into();
        set.push("app", a);
        let reply = "Sure.\n<kiln-edit id=\"app\">\n<<<<<<< SEARCH\n<b>x</b>\n=======\n<b>y</b>\n>>>>>>> REPLACE\n</kiln-edit>\nAnd a new one:\n<kiln-artifact id=\"two\" kind=\"svg\">\n<svg>";
        let segments = ReplyView::of(reply, set);
        let cards: Vec<&Card> = segments
            .iter()
            .filter_map(|s| match s {
                Segment::Card(c) => Some(c),
                Segment::Prose(_) => None,
            })
            .collect();
        assert_eq!(cards.len(), 2, "{segments:?}");
        assert_eq!(cards[0].label(), "Edit of “app”");
        assert_eq!(cards[0].detail(), "edit");
        assert_eq!(cards[1].detail(), "svg · cut off");
        assert_eq!(segments[0], prose("Sure.\n"));
        assert_eq!(segments[2], prose("And a new one:\n"));
    }

    #[test]
    fn while_streaming_the_open_artifact_is_writing_and_the_last_line_shows() {
        let mut v = ReplyView::new(ArtifactSet::new());
        v.feed("Hello wor");
        assert_eq!(v.segments(), vec![prose("Hello wor")]);
        v.feed("ld\n<kiln-artifact id=\"a\" kind=\"html\">\n<p>par");
        let s = v.segments();
        assert_eq!(s.len(), 2, "{s:?}");
        assert!(matches!(&s[1], Segment::Card(c) if c.writing && c.detail() == "html · writing…"));
        v.feed("tial</p>\n</kiln-artifact>\nBye");
        v.finish();
        let s = v.segments();
        assert!(matches!(&s[1], Segment::Card(c) if c.complete && !c.writing));
        assert_eq!(s[2], prose("Bye"));
    }

    #[test]
    fn any_chunking_gives_the_same_segments() {
        let reply = "Intro\n```html\n<!DOCTYPE html>\n<html>\n<body>x</body>\n</html>\n```\nmid\n```py\nprint(1)\n```\nend";
        let whole = view(reply);
        for size in [1, 2, 3, 7, 13] {
            let mut v = ReplyView::new(ArtifactSet::new());
            let chars: Vec<char> = reply.chars().collect();
            for chunk in chars.chunks(size) {
                v.feed(&chunk.iter().collect::<String>());
            }
            v.finish();
            assert_eq!(v.segments(), whole, "chunk size {size}");
        }
    }

    #[test]
    fn synced_segments_match_the_whole_view_after_every_chunk() {
        // Cards, a discarded snippet that goes back into the prose before it, an edit and an
        // artifact left open: every change `sync` must carry.
        let replies = [
            "Intro\n```html\n<!DOCTYPE html>\n<html>\n<body>x</body>\n</html>\n```\nmid\n```py\nprint(1)\n```\nend",
            "A\n<kiln-artifact id=\"c\" kind=\"html\" title=\"C\">\n<p>1</p>\n</kiln-artifact>\nB\n<kiln-edit id=\"c\">\n<<<<<<< SEARCH\n<p>1</p>\n=======\n<p>2</p>\n>>>>>>> REPLACE\n</kiln-edit>\nC\n```svg\n<svg",
        ];
        for reply in replies {
            let chars: Vec<char> = reply.chars().collect();
            for size in [1, 2, 5, 11, 64] {
                let mut v = ReplyView::new(ArtifactSet::new());
                let mut out = Vec::new();
                for chunk in chars.chunks(size) {
                    v.feed(&chunk.iter().collect::<String>());
                    let before = out.clone();
                    let changed = v.sync(&mut out);
                    assert_eq!(out, v.segments(), "size {size}");
                    assert_eq!(changed, before != out, "size {size}");
                }
                v.finish();
                v.sync(&mut out);
                assert_eq!(out, view(reply), "size {size}");
                // The view's extractor saw exactly the reply.
                let mut direct = Extractor::new();
                direct.feed(reply);
                direct.finish();
                assert_eq!(v.extractor().report(), direct.report(), "size {size}");
            }
        }
    }
}
