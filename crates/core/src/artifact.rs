//! The artifact model: what a model reply produces, and the version history it builds up.
//!
//! An [`Artifact`] records what the reply said, including whether it named the artifact at all,
//! because the `kiln extract` record must show `"id": null` for an unnamed one. The history lives
//! in [`ArtifactSet`], keyed by the id the reply gave or, for an unnamed artifact, by a generated
//! one (see [`generated_id`]). Keeping the reply's own view and the history's key apart means
//! neither has to guess which ids were invented.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

/// What an artifact is, which decides how Kiln shows or runs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ArtifactKind {
    /// A single-file web page, run in the sandbox.
    Html,
    /// An SVG image.
    Svg,
    /// A Markdown document, rendered.
    Markdown,
    /// A Mermaid diagram.
    Mermaid,
    /// A React component with a default export.
    React,
    /// Source code in some language, shown rather than run.
    Code,
}

impl ArtifactKind {
    /// Every kind, in declaration order.
    pub const ALL: [ArtifactKind; 6] = [
        ArtifactKind::Html,
        ArtifactKind::Svg,
        ArtifactKind::Markdown,
        ArtifactKind::Mermaid,
        ArtifactKind::React,
        ArtifactKind::Code,
    ];

    /// The lowercase name used in JSON, in the Kiln protocol and in generated ids.
    pub fn as_str(self) -> &'static str {
        match self {
            ArtifactKind::Html => "html",
            ArtifactKind::Svg => "svg",
            ArtifactKind::Markdown => "markdown",
            ArtifactKind::Mermaid => "mermaid",
            ArtifactKind::React => "react",
            ArtifactKind::Code => "code",
        }
    }

    /// Reads a `kind` attribute. Besides the six names it takes the aliases and MIME types models
    /// write when they half-remember another tool's format (`md`, `jsx`, `text/html`,
    /// `application/vnd.ant.react`), because refusing them would lose the artifact for a spelling.
    pub fn parse(name: &str) -> Option<Self> {
        let name = name.trim().to_ascii_lowercase();
        let kind = match name.as_str() {
            "html" | "htm" | "text/html" | "application/vnd.ant.html" => ArtifactKind::Html,
            "svg" | "image/svg+xml" | "image/svg" => ArtifactKind::Svg,
            "markdown" | "md" | "text/markdown" | "text/x-markdown" => ArtifactKind::Markdown,
            "mermaid" | "application/vnd.ant.mermaid" | "application/vnd.mermaid" => {
                ArtifactKind::Mermaid
            }
            "react" | "jsx" | "tsx" | "application/vnd.ant.react" | "application/vnd.react" => {
                ArtifactKind::React
            }
            "code" | "application/vnd.ant.code" | "application/vnd.code" => ArtifactKind::Code,
            // Unknown MIME types from other tools (`application/vnd.code-html` and the like) are
            // matched by what they mention, most specific first.
            other if other.contains("react") => ArtifactKind::React,
            other if other.contains("mermaid") => ArtifactKind::Mermaid,
            other if other.contains("svg") => ArtifactKind::Svg,
            other if other.contains("markdown") => ArtifactKind::Markdown,
            other if other.contains("html") => ArtifactKind::Html,
            other if other.contains("code") => ArtifactKind::Code,
            _ => return None,
        };
        Some(kind)
    }

    fn slot(self) -> usize {
        self as usize
    }
}

impl fmt::Display for ArtifactKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One artifact as a reply gave it: a create, a full rewrite, or the result of an applied edit.
///
/// Field order is the order of the `kiln extract` JSON record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Artifact {
    /// The id the reply gave, or `None` when it gave none (the history key is then generated).
    pub id: Option<String>,
    /// What the artifact is.
    pub kind: ArtifactKind,
    /// The title the reply gave.
    pub title: Option<String>,
    /// The source language, for code (and for other kinds when the reply named one).
    pub language: Option<String>,
    /// False when the reply ended before the artifact did.
    pub complete: bool,
    /// The artifact's text, with line ends normalised to `\n`.
    pub content: String,
}

impl Artifact {
    /// An empty, still-open artifact of the given kind.
    pub fn new(kind: ArtifactKind) -> Self {
        Self {
            id: None,
            kind,
            title: None,
            language: None,
            complete: false,
            content: String::new(),
        }
    }
}

/// The history key for the `n`-th (1-based) artifact of `kind` in a reply that gave no id.
///
/// The rule is `{kind}-{n}`, counting only unnamed artifacts of that kind in the same reply. So a
/// model that never names things but rewrites its one app in full each turn keeps a single
/// history (`html-1` v1, v2, ...) instead of a new artifact per turn.
pub fn generated_id(kind: ArtifactKind, n: u32) -> String {
    format!("{kind}-{n}")
}

/// Counts unnamed artifacts per kind within one reply, for [`generated_id`].
#[derive(Debug, Clone, Default)]
pub(crate) struct UnnamedCounter([u32; 6]);

impl UnnamedCounter {
    pub(crate) fn next(&mut self, kind: ArtifactKind) -> String {
        let n = &mut self.0[kind.slot()];
        *n = n.saturating_add(1);
        generated_id(kind, *n)
    }
}

/// Every version of one artifact, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct History {
    id: String,
    versions: Vec<Artifact>,
}

impl History {
    /// The key this history is stored under.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// All versions, v1 first.
    pub fn versions(&self) -> &[Artifact] {
        &self.versions
    }

    /// Version `n`, counting from 1.
    pub fn version(&self, n: u32) -> Option<&Artifact> {
        let i = usize::try_from(n).ok()?.checked_sub(1)?;
        self.versions.get(i)
    }

    /// The newest version and its number.
    pub fn latest(&self) -> Option<(u32, &Artifact)> {
        let last = self.versions.last()?;
        Some((version_number(self.versions.len()), last))
    }
}

fn version_number(len: usize) -> u32 {
    u32::try_from(len).unwrap_or(u32::MAX)
}

/// The artifacts of a conversation, each with its versions, in order of first appearance.
///
/// A create or full rewrite of an existing id, or an applied edit, adds a version; nothing is
/// ever removed, so "v3" always means the same text.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "Vec<History>", into = "Vec<History>")]
pub struct ArtifactSet {
    histories: Vec<History>,
    // A reply can hold many artifacts; an index keeps lookups from making extraction quadratic.
    index: BTreeMap<String, usize>,
}

impl ArtifactSet {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `artifact` as the next version of `id`, starting a history when there is none, and
    /// returns its version number (1 for a new id).
    pub fn push(&mut self, id: &str, artifact: Artifact) -> u32 {
        match self.index.get(id) {
            Some(&i) => match self.histories.get_mut(i) {
                Some(history) => {
                    history.versions.push(artifact);
                    version_number(history.versions.len())
                }
                // The index only ever holds positions of `histories`; this arm keeps the type
                // honest without a panic.
                None => 0,
            },
            None => {
                self.index.insert(id.to_owned(), self.histories.len());
                self.histories.push(History {
                    id: id.to_owned(),
                    versions: vec![artifact],
                });
                1
            }
        }
    }

    /// The history stored under `id`.
    pub fn get(&self, id: &str) -> Option<&History> {
        self.histories.get(*self.index.get(id)?)
    }

    /// The newest version of `id` and its number.
    pub fn latest(&self, id: &str) -> Option<(u32, &Artifact)> {
        self.get(id)?.latest()
    }

    /// Every history, in order of first appearance.
    pub fn iter(&self) -> impl Iterator<Item = &History> {
        self.histories.iter()
    }

    /// How many distinct artifacts there are.
    pub fn len(&self) -> usize {
        self.histories.len()
    }

    /// True when there are no artifacts.
    pub fn is_empty(&self) -> bool {
        self.histories.is_empty()
    }
}

impl From<Vec<History>> for ArtifactSet {
    fn from(histories: Vec<History>) -> Self {
        let mut set = ArtifactSet::new();
        for history in histories {
            for version in history.versions {
                set.push(&history.id, version);
            }
        }
        set
    }
}

impl From<ArtifactSet> for Vec<History> {
    fn from(set: ArtifactSet) -> Self {
        set.histories
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn html(content: &str) -> Artifact {
        Artifact {
            content: content.to_owned(),
            complete: true,
            ..Artifact::new(ArtifactKind::Html)
        }
    }

    #[test]
    fn kind_serialises_lowercase() {
        for kind in ArtifactKind::ALL {
            let json = serde_json::to_string(&kind).unwrap();
            assert_eq!(json, format!("\"{}\"", kind.as_str()));
            assert_eq!(ArtifactKind::parse(kind.as_str()), Some(kind));
        }
    }

    #[test]
    fn kind_accepts_mime_types_and_aliases() {
        assert_eq!(ArtifactKind::parse("text/html"), Some(ArtifactKind::Html));
        assert_eq!(
            ArtifactKind::parse("application/vnd.ant.react"),
            Some(ArtifactKind::React)
        );
        assert_eq!(ArtifactKind::parse(" MD "), Some(ArtifactKind::Markdown));
        assert_eq!(
            ArtifactKind::parse("application/vnd.code-html"),
            Some(ArtifactKind::Html)
        );
        assert_eq!(ArtifactKind::parse("spreadsheet"), None);
    }

    #[test]
    fn artifact_json_has_fields_in_record_order() {
        let json = serde_json::to_string(&html("<p>hi</p>\n")).unwrap();
        assert_eq!(
            json,
            r#"{"id":null,"kind":"html","title":null,"language":null,"complete":true,"content":"<p>hi</p>\n"}"#
        );
    }

    #[test]
    fn pushing_an_existing_id_adds_a_version() {
        let mut set = ArtifactSet::new();
        assert_eq!(set.push("app", html("one")), 1);
        assert_eq!(set.push("other", html("x")), 1);
        assert_eq!(set.push("app", html("two")), 2);
        let history = set.get("app").unwrap();
        assert_eq!(history.version(1).unwrap().content, "one");
        assert_eq!(history.version(0), None);
        assert_eq!(set.latest("app").unwrap().0, 2);
        assert_eq!(
            set.iter().map(History::id).collect::<Vec<_>>(),
            ["app", "other"]
        );
    }

    #[test]
    fn set_round_trips_through_json_with_its_index() {
        let mut set = ArtifactSet::new();
        set.push("app", html("one"));
        set.push("app", html("two"));
        let json = serde_json::to_string(&set).unwrap();
        let back: ArtifactSet = serde_json::from_str(&json).unwrap();
        assert_eq!(back, set);
        assert_eq!(back.latest("app").unwrap().1.content, "two");
    }

    #[test]
    fn generated_ids_count_per_kind() {
        let mut counter = UnnamedCounter::default();
        assert_eq!(counter.next(ArtifactKind::Html), "html-1");
        assert_eq!(counter.next(ArtifactKind::Code), "code-1");
        assert_eq!(counter.next(ArtifactKind::Html), "html-2");
    }
}
