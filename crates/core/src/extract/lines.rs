//! What each whole line does in each state: prose, a body line of an open artifact, a closer,
//! and closing an artifact (kept, or a snippet discarded as prose).

use super::*;

impl Extractor {
    /// Handles one line, without its `\n`; `nl` is false only for a last line with none.
    pub(super) fn line(&mut self, line: &str, nl: bool) {
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

    pub(super) fn prose(&mut self, line: &str, nl: bool) {
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

    pub(super) fn append(&mut self, text: &str, nl: bool) {
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

    pub(super) fn close(&mut self, complete: bool) {
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
}
