//! Opening an artifact: Kiln, Claude and LibreChat tags (possibly over several lines),
//! fences that may become candidates, and the `Opened` event.

use super::*;

impl Extractor {
    /// Tries to open a construct from the start of `t`. Returns false when it is not one of
    /// ours (state unchanged) or is still incomplete (state set to [`State::PendingTag`]).
    pub(super) fn open_tag(&mut self, t: &str, nl: bool) -> bool {
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

    pub(super) fn open_wrapped(
        &mut self,
        artifact: Artifact,
        closer: Closer,
        rest: &str,
        nl: bool,
    ) {
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

    pub(super) fn open_fence(&mut self, f: syntax::FenceOpen<'_>) {
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

    pub(super) fn open_artifact(
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
}

/// An artifact from a wrapper's attributes; `kinds` are the attribute names that give the kind.
pub(super) fn tagged_artifact(
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
