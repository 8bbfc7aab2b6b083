//! Who an app is, for everything the studio keeps or grants per app: network consent, saved
//! data, and anything later built on them.
//!
//! An artifact's id is chosen by the model (or by whoever wrote a pasted reply), so it names
//! nothing the person approved: a different app with the same id, in another conversation or
//! pasted from elsewhere, must not inherit what the first was given. The studio therefore
//! names apps itself, in one of two ways:
//! - an artifact of a conversation this browser holds: the conversation's id (random, minted
//!   by the studio) and the artifact's id within it, so its versions are one app, as the
//!   person sees them in the Versions tab;
//! - anything else (a pasted app, a shared link, an example): the content itself, so it is the
//!   very code the person saw when granting, and any change makes a new app.
//!
//! Both are SHA-256 digests: a content identity must not be forgeable by crafting other code
//! with the same hash.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::artifact::ArtifactKind;

/// An app's identity, as the studio names it (see the module docs). Opaque text, safe as a
/// storage key.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct AppId(String);

/// Hex of the first 16 bytes of SHA-256 over `parts`, each length-prefixed so that no two
/// different lists of parts hash the same input.
fn digest(parts: &[&str]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update((p.len() as u64).to_le_bytes());
        h.update(p.as_bytes());
    }
    h.finalize()[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl AppId {
    /// The artifact `artifact` of the conversation `conversation`.
    pub fn in_conversation(conversation: &str, artifact: &str) -> Self {
        Self(format!(
            "{}{}",
            Self::conversation_prefix(conversation),
            digest(&[artifact])
        ))
    }

    /// The app that is exactly `content`, run as `kind`.
    pub fn of_content(kind: ArtifactKind, content: &str) -> Self {
        Self(format!("h:{}", digest(&[kind.as_str(), content])))
    }

    /// What every app of the conversation `conversation` starts with: what to forget when the
    /// conversation is deleted or replaced by an import.
    pub fn conversation_prefix(conversation: &str) -> String {
        format!("c:{}:", digest(&[conversation]))
    }

    /// The identity as text (a storage key).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Reads back an identity written by [`AppId::as_str`]; `None` for anything else.
    pub fn parse(text: &str) -> Option<Self> {
        let hex = |s: &str| s.len() == 32 && s.bytes().all(|b| b.is_ascii_hexdigit());
        let ok = match text.split(':').collect::<Vec<_>>().as_slice() {
            ["h", d] => hex(d),
            ["c", conv, art] => hex(conv) && hex(art),
            _ => false,
        };
        ok.then(|| Self(text.to_owned()))
    }
}

impl std::fmt::Display for AppId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_artifact_id_in_two_conversations_is_two_apps() {
        let a = AppId::in_conversation("conv-a", "weather");
        let b = AppId::in_conversation("conv-b", "weather");
        assert_ne!(a, b);
        // Its versions within one conversation are one app.
        assert_eq!(a, AppId::in_conversation("conv-a", "weather"));
        assert!(
            a.as_str()
                .starts_with(&AppId::conversation_prefix("conv-a"))
        );
        assert!(
            !b.as_str()
                .starts_with(&AppId::conversation_prefix("conv-a"))
        );
    }

    #[test]
    fn content_identities_follow_every_byte_and_the_kind() {
        let html = AppId::of_content(ArtifactKind::Html, "<p>hi</p>");
        assert_eq!(html, AppId::of_content(ArtifactKind::Html, "<p>hi</p>"));
        assert_ne!(html, AppId::of_content(ArtifactKind::Html, "<p>hi</p> "));
        assert_ne!(html, AppId::of_content(ArtifactKind::Svg, "<p>hi</p>"));
        // A content app is never a conversation's app, whatever the names.
        assert_ne!(html, AppId::in_conversation("h", "<p>hi</p>"));
    }

    #[test]
    fn parts_cannot_be_shifted_between_conversation_and_artifact() {
        assert_ne!(
            AppId::in_conversation("ab", "c"),
            AppId::in_conversation("a", "bc")
        );
        assert_ne!(digest(&["a:b", "c"]), digest(&["a", "b:c"]));
    }

    #[test]
    fn identities_read_back_and_nothing_else_does() {
        for id in [
            AppId::in_conversation("x", "y"),
            AppId::of_content(ArtifactKind::Html, "z"),
        ] {
            assert_eq!(AppId::parse(id.as_str()), Some(id.clone()));
        }
        for bad in [
            "",
            "weather",
            "h:xyz",
            "c:1:2",
            "kiln.storage.weather",
            "h:0123",
        ] {
            assert_eq!(AppId::parse(bad), None, "{bad}");
        }
    }
}
