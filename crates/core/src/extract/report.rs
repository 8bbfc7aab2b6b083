//! What `kiln extract` prints: the JSON record of a whole reply, a readable summary, and the
//! checks on the input before any of it is read.
//!
//! These are pure so the command stays a thin edge (read stdin, call, print) and so the web app
//! could offer the same record. The record holds only the artifacts, in reply order; edit
//! rejections and history keys travel beside it rather than in it, so the JSON shape stays the
//! one the CLI documents.

use std::fmt::Write as _;

use serde::Serialize;
use thiserror::Error;

use crate::artifact::{Artifact, ArtifactSet};

use super::{ArtifactRef, EditRejection, Extractor};

/// The largest reply `kiln extract` reads. Real single-file apps are tens of KiB and the
/// longest model replies a few hundred; 8 MiB leaves room for any of them while keeping a
/// mistaken pipe of a binary or a log from being parsed.
pub const MAX_REPLY_BYTES: usize = 8 * 1024 * 1024;

/// Why input cannot be read as a reply.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ReplyInputError {
    /// There was no input, or only white space.
    #[error("input is empty")]
    Empty,
    /// The input is larger than [`MAX_REPLY_BYTES`].
    #[error("{}", too_large(*bytes))]
    TooLarge {
        /// How large it is.
        bytes: usize,
    },
    /// The input is not UTF-8 text.
    #[error("input is not valid UTF-8: invalid byte at offset {offset}")]
    InvalidUtf8 {
        /// Where the first invalid byte is.
        offset: usize,
    },
}

/// A reader that stops one byte past the limit knows only "more than the limit", and rounding
/// would show that as "8 MiB, limit is 8 MiB"; say "over" instead.
fn too_large(bytes: usize) -> String {
    let (size, limit) = (format_size(bytes), format_size(MAX_REPLY_BYTES));
    if size == limit {
        format!("input is over the {limit} limit")
    } else {
        format!("input is {size}, limit is {limit}")
    }
}

/// Checks raw input and returns it as text: within [`MAX_REPLY_BYTES`], UTF-8, not blank.
pub fn check_reply_input(bytes: &[u8]) -> Result<&str, ReplyInputError> {
    if bytes.len() > MAX_REPLY_BYTES {
        return Err(ReplyInputError::TooLarge { bytes: bytes.len() });
    }
    let text = std::str::from_utf8(bytes).map_err(|e| ReplyInputError::InvalidUtf8 {
        offset: e.valid_up_to(),
    })?;
    if text
        .trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}')
        .is_empty()
    {
        return Err(ReplyInputError::Empty);
    }
    Ok(text)
}

/// Everything one reply produced. Serialises as the `kiln extract` record:
/// `{"artifacts":[{"id":…,"kind":…,"title":…,"language":…,"complete":…,"content":…}]}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExtractReport {
    /// Every artifact version the reply produced, in reply order (creates, rewrites, applied
    /// edits). `id` is null where the reply gave none.
    pub artifacts: Vec<Artifact>,
    /// The history key and version of each artifact, in the same order. Not in the record.
    #[serde(skip)]
    pub versions: Vec<ArtifactRef>,
    /// Edits that did not apply, in reply order. Not in the record.
    #[serde(skip)]
    pub rejections: Vec<EditRejection>,
}

impl ExtractReport {
    /// A few lines for people: title, kind, id, size and completeness of each artifact, then
    /// any rejected edits.
    ///
    /// ```text
    /// 2 artifacts
    ///   1. Todo app: html, id "todo-app" v1, 3.2 KiB, complete
    ///   2. untitled: code (python), no id (kept as "code-1" v1), 812 B, incomplete
    /// 1 edit rejected
    ///   - find block 2 of 3 matches 0 times in "todo-app" v3
    /// ```
    pub fn summary(&self) -> String {
        let mut out = String::new();
        match self.artifacts.len() {
            0 => out.push_str("no artifacts found\n"),
            1 => out.push_str("1 artifact\n"),
            n => {
                let _ = writeln!(out, "{n} artifacts");
            }
        }
        for (i, artifact) in self.artifacts.iter().enumerate() {
            let title = artifact.title.as_deref().unwrap_or("untitled");
            let mut kind = artifact.kind.to_string();
            if let Some(language) = &artifact.language {
                let _ = write!(kind, " ({language})");
            }
            let version = self.versions.get(i);
            let id = match (&artifact.id, version) {
                (Some(id), Some(r)) => format!("id \"{id}\" v{}", r.version),
                (Some(id), None) => format!("id \"{id}\""),
                (None, Some(r)) => format!("no id (kept as \"{}\" v{})", r.id, r.version),
                (None, None) => "no id".to_owned(),
            };
            let state = if artifact.complete {
                "complete"
            } else {
                "incomplete"
            };
            let _ = writeln!(
                out,
                "  {}. {title}: {kind}, {id}, {}, {state}",
                i + 1,
                format_size(artifact.content.len())
            );
        }
        match self.rejections.len() {
            0 => {}
            1 => out.push_str("1 edit rejected\n"),
            n => {
                let _ = writeln!(out, "{n} edits rejected");
            }
        }
        for rejection in &self.rejections {
            let _ = writeln!(out, "  - {rejection}");
        }
        out
    }
}

/// Extracts a whole reply at once, as the first reply of a conversation.
pub fn extract_reply(text: &str) -> ExtractReport {
    extract_reply_with(ArtifactSet::new(), text)
}

/// Extracts a whole follow-up reply whose edits apply on top of `seed`.
pub fn extract_reply_with(seed: ArtifactSet, text: &str) -> ExtractReport {
    let mut extractor = Extractor::with_artifacts(seed);
    extractor.feed(text);
    extractor.finish();
    extractor.into_report()
}

/// A byte count for people: `812 B`, `3.2 KiB`, `8 MiB`.
pub fn format_size(bytes: usize) -> String {
    const KIB: f64 = 1024.0;
    #[allow(clippy::cast_precision_loss)] // Only for display, one decimal.
    let n = bytes as f64;
    let (value, unit) = if bytes < 1024 {
        return format!("{bytes} B");
    } else if n < KIB * KIB {
        (n / KIB, "KiB")
    } else {
        (n / (KIB * KIB), "MiB")
    };
    let shown = format!("{value:.1}");
    let shown = shown.strip_suffix(".0").unwrap_or(&shown);
    format!("{shown} {unit}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn input_checks() {
        assert_eq!(check_reply_input(b"hi"), Ok("hi"));
        assert_eq!(check_reply_input(b""), Err(ReplyInputError::Empty));
        assert_eq!(
            check_reply_input(" \n\u{feff}".as_bytes()),
            Err(ReplyInputError::Empty)
        );
        assert_eq!(
            check_reply_input(b"ok\xffno"),
            Err(ReplyInputError::InvalidUtf8 { offset: 2 })
        );
        let big = vec![b'a'; MAX_REPLY_BYTES + 200_000];
        let err = check_reply_input(&big).unwrap_err();
        assert_eq!(err.to_string(), "input is 8.2 MiB, limit is 8 MiB");
        assert!(check_reply_input(&big[..MAX_REPLY_BYTES]).is_ok());
        assert_eq!(
            check_reply_input(&big[..=MAX_REPLY_BYTES])
                .unwrap_err()
                .to_string(),
            "input is over the 8 MiB limit"
        );
        assert_eq!(
            ReplyInputError::TooLarge {
                bytes: 9 * 1024 * 1024 + 300_000
            }
            .to_string(),
            "input is 9.3 MiB, limit is 8 MiB"
        );
    }

    #[test]
    fn sizes() {
        assert_eq!(format_size(0), "0 B");
        assert_eq!(format_size(1023), "1023 B");
        assert_eq!(format_size(1024), "1 KiB");
        assert_eq!(format_size(3277), "3.2 KiB");
    }

    #[test]
    fn record_shape() {
        let report = extract_reply("```svg\n<svg/>\n```\n");
        let json = serde_json::to_string(&report).unwrap();
        assert_eq!(
            json,
            r#"{"artifacts":[{"id":null,"kind":"svg","title":null,"language":null,"complete":true,"content":"<svg/>\n"}]}"#
        );
        assert_eq!(
            serde_json::to_string(&extract_reply("just prose")).unwrap(),
            r#"{"artifacts":[]}"#
        );
    }

    #[test]
    fn summary_lists_artifacts_and_rejections() {
        let report = extract_reply(
            "<kiln-artifact id=\"t\" kind=\"html\" title=\"Todo\">\n<p>a</p>\n</kiln-artifact>\n\
             <kiln-edit id=\"t\">\n<<<<<<< SEARCH\n<p>b</p>\n=======\n<p>c</p>\n>>>>>>> REPLACE\n</kiln-edit>\n\
             ```python\nprint(1)\n",
        );
        assert_eq!(
            report.summary(),
            "1 artifact\n  1. Todo: html, id \"t\" v1, 9 B, complete\n\
             1 edit rejected\n  - find block 1 of 1 matches 0 times in \"t\" v1\n"
        );
        assert_eq!(extract_reply("hi").summary(), "no artifacts found\n");
    }
}
