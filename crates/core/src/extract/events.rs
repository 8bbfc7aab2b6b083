//! What the extractor reports: events in reply order, why an edit was refused, the version
//! each artifact got, and the artifact being received for a live preview.

use serde::Serialize;
use thiserror::Error;

use super::{SUBSTANTIAL_LINES, classify};
use crate::artifact::{Artifact, ArtifactKind};
use crate::edit::EditError;

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
