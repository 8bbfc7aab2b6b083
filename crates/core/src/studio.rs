//! Decisions the studio page makes about what to run, kept here so they are tested natively.
//!
//! Turning pasted text (a model reply from elsewhere, or an HTML file) or a shared link into
//! the one artifact the preview runs; names for downloads; titles and keys.

use thiserror::Error;

use crate::artifact::{Artifact, ArtifactKind};
use crate::extract::extract_reply;
use crate::sandbox::AppId;
use crate::share::SharedArtifact;

/// An artifact ready for the sandbox: the HTML document it runs as, plus what the page shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Runnable {
    /// The artifact's id in its conversation (for its versions), or a content hash.
    pub key: String,
    /// Who the app is for consent and saved data: named by the studio, never by the model
    /// (`sandbox::AppId`).
    pub app: AppId,
    pub title: String,
    pub kind: ArtifactKind,
    /// The artifact's own text (shown in the Code tab).
    pub source: String,
    /// The HTML document the sandbox runs (before Kiln's CSP and bridge are put in front).
    pub html: String,
    /// False when the text ended before the artifact did.
    pub complete: bool,
    /// The source language of a code artifact (`python`, `javascript`, …).
    pub language: Option<String>,
}

impl Runnable {
    /// `artifact` ready for the preview, known as `key` among its versions and as `app` for
    /// consent and data; `None` for an unfinished React component or Mermaid diagram. Every
    /// runnable is made here, so what the page shows of an artifact is the same wherever it
    /// came from.
    pub fn of(artifact: &Artifact, key: String, app: AppId) -> Option<Runnable> {
        Some(Runnable {
            html: runnable_html(artifact)?,
            key,
            app,
            title: display_title(artifact),
            kind: artifact.kind,
            source: artifact.content.clone(),
            complete: artifact.complete,
            language: artifact.language.clone(),
        })
    }

    /// The same app running `content` instead (a hand edit of an app outside the conversation):
    /// same identity, since the person made the change. `None` when the kind cannot run it.
    pub fn edited(&self, content: &str) -> Option<Runnable> {
        let artifact = Artifact {
            id: None,
            kind: self.kind,
            title: Some(self.title.clone()),
            language: self.language.clone(),
            complete: true,
            content: content.to_owned(),
        };
        Runnable::of(&artifact, self.key.clone(), self.app.clone())
    }
}

/// The `kiln run` language (`js`, `py`, `wat`) a runnable code artifact is in, if the wasmtime
/// host can run it.
pub fn host_language(r: &Runnable) -> Option<&'static str> {
    if r.kind != ArtifactKind::Code {
        return None;
    }
    match r.language.as_deref()?.trim().to_ascii_lowercase().as_str() {
        "javascript" | "js" | "mjs" => Some("js"),
        "python" | "py" | "python3" => Some("py"),
        "wat" | "wasm" => Some("wat"),
        _ => None,
    }
}

/// Why pasted text gave nothing to run.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PasteError {
    /// Nothing but white space.
    #[error("nothing was pasted")]
    Empty,
    /// No artifact found at all.
    #[error("no app found: paste an HTML file or a model reply that contains one")]
    NothingFound,
    /// The only artifacts found end before their last line, and are of a kind (React,
    /// Mermaid) that cannot run unfinished.
    #[error("found a {0} artifact, but it is cut off before its end, so it cannot run")]
    Unfinished(&'static str),
}

/// The HTML document an artifact runs as (see [`crate::render`]); `None` for an unfinished
/// React component or Mermaid diagram.
pub fn runnable_html(artifact: &Artifact) -> Option<String> {
    crate::render::document(artifact)
}

/// Finds the app in pasted text: the last runnable artifact of a model reply, or the text
/// itself when it is HTML with no fence or doctype around it.
pub fn runnable_from_paste(text: &str) -> Result<Runnable, PasteError> {
    // A pasted file may start with a byte-order mark, which `trim` keeps.
    let text = text.trim_start_matches('\u{feff}');
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(PasteError::Empty);
    }
    let report = extract_reply(text);
    if let Some(r) = report.artifacts.iter().rev().find_map(|a| {
        let key = a.id.clone().unwrap_or_else(|| content_key(&a.content));
        // Whatever id the pasted reply claims, a paste is known only by its content.
        Runnable::of(a, key, AppId::of_content(a.kind, &a.content))
    }) {
        return Ok(r);
    }
    if let Some(a) = report.artifacts.last() {
        return Err(PasteError::Unfinished(a.kind.as_str()));
    }
    if trimmed.starts_with('<') {
        let page = Artifact {
            title: Some("Pasted HTML".to_owned()),
            complete: true,
            content: trimmed.to_owned(),
            ..Artifact::new(ArtifactKind::Html)
        };
        let app = AppId::of_content(ArtifactKind::Html, trimmed);
        return Runnable::of(&page, content_key(trimmed), app).ok_or(PasteError::NothingFound);
    }
    Err(PasteError::NothingFound)
}

/// A stored version of the artifact `id` of the conversation `conversation`, ready for the
/// preview (the Versions view shows old versions through this). `None` for an unfinished React
/// component or Mermaid diagram.
pub fn runnable_of_version(conversation: &str, id: &str, artifact: &Artifact) -> Option<Runnable> {
    Runnable::of(
        artifact,
        id.to_owned(),
        AppId::in_conversation(conversation, id),
    )
}

/// The artifact a share link carries, ready for the preview.
pub fn runnable_from_shared(shared: &SharedArtifact) -> Result<Runnable, PasteError> {
    let artifact = Artifact {
        id: None,
        kind: shared.kind,
        title: shared.title.clone(),
        language: shared.language.clone(),
        complete: true,
        content: shared.content.clone(),
    };
    // Known by its content: a link never inherits consent or storage granted to another app.
    let app = AppId::of_content(shared.kind, &shared.content);
    Runnable::of(&artifact, content_key(&shared.content), app)
        .ok_or(PasteError::Unfinished(shared.kind.as_str()))
}

/// A file name for downloading an artifact: its title made safe, with the kind's extension.
pub fn download_name(title: &str, kind: ArtifactKind, language: Option<&str>) -> String {
    let stem: String = title
        .chars()
        .map(|c| {
            if c.is_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect::<String>()
        .split('-')
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    let stem = if stem.is_empty() {
        "artifact".to_owned()
    } else {
        stem.chars().take(60).collect()
    };
    let ext = match kind {
        ArtifactKind::Html => "html",
        ArtifactKind::Svg => "svg",
        ArtifactKind::Markdown => "md",
        ArtifactKind::Mermaid => "mmd",
        ArtifactKind::React => "jsx",
        ArtifactKind::Code => match language.unwrap_or("") {
            "python" | "py" => "py",
            "javascript" | "js" => "js",
            "typescript" | "ts" => "ts",
            "rust" | "rs" => "rs",
            "wat" => "wat",
            _ => "txt",
        },
    };
    format!("{stem}.{ext}")
}

/// The title a person would see for an artifact: the one the reply gave, else the page's own
/// `<title>`, else "Untitled app".
pub fn display_title(artifact: &Artifact) -> String {
    if let Some(t) = artifact
        .title
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        return t.to_owned();
    }
    let lower = artifact.content.to_ascii_lowercase();
    lower
        .find("<title>")
        .and_then(|start| {
            let from = start + "<title>".len();
            let end = from + lower[from..].find("</title>")?;
            let t = artifact.content[from..end].trim();
            (!t.is_empty() && t.len() <= 200).then(|| t.to_owned())
        })
        .unwrap_or_else(|| UNTITLED_APP.to_owned())
}

/// What [`display_title`] calls an artifact that names itself nowhere.
pub const UNTITLED_APP: &str = "Untitled app";

/// A short, stable key for content that has no id (FNV-1a, 64 bits, hex). Not a security
/// boundary: it only names an app without an id among its conversation's versions; consent and
/// saved data follow [`Runnable::app`].
pub fn content_key(content: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in content.as_bytes() {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("c{h:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reply_with_a_fenced_app_runs_its_html() {
        let reply = "Here you go:\n\n```html\n<!DOCTYPE html>\n<html><body><h1>Hi</h1></body></html>\n```\n\nEnjoy!";
        let r = runnable_from_paste(reply).unwrap();
        assert_eq!(r.kind, ArtifactKind::Html);
        assert!(r.html.contains("<h1>Hi</h1>"));
        assert!(r.complete);
        assert!(r.key.starts_with('c'));
    }

    #[test]
    fn bare_fragments_and_svg_run() {
        let r = runnable_from_paste("\u{feff}  <button>Click</button>  ").unwrap();
        assert!(
            r.html.ends_with("</script><button>Click</button>"),
            "{}",
            r.html
        );
        let svg = "```svg\n<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 10 10\"><circle r=\"4\" cx=\"5\" cy=\"5\"/></svg>\n```";
        let r = runnable_from_paste(svg).unwrap();
        assert_eq!(r.kind, ArtifactKind::Svg);
        assert!(r.html.contains("<div id=\"stage\"><svg") && r.html.contains("<circle"));
    }

    #[test]
    fn nothing_runnable_says_why() {
        assert_eq!(runnable_from_paste(" \n"), Err(PasteError::Empty));
        assert_eq!(
            runnable_from_paste("just some words"),
            Err(PasteError::NothingFound)
        );
        let cut = "```jsx\nexport default function App() {\n  return <p>hi";
        assert_eq!(
            runnable_from_paste(cut),
            Err(PasteError::Unfinished("react"))
        );
        let md = "```mermaid\ngraph TD\n  A-->B\n```";
        assert_eq!(runnable_from_paste(md).unwrap().kind, ArtifactKind::Mermaid);
    }

    #[test]
    fn shared_artifacts_run_keyed_by_content() {
        let mut shared = SharedArtifact::new(ArtifactKind::Html, "<title>Dice</title><p>roll");
        let r = runnable_from_shared(&shared).unwrap();
        assert_eq!(
            (r.title.as_str(), r.key.clone()),
            ("Dice", content_key(&shared.content))
        );
        shared.kind = ArtifactKind::Mermaid;
        shared.content = "graph TD\n  A-->B".to_owned();
        let r = runnable_from_shared(&shared).unwrap();
        assert!(
            r.html.contains("mermaid-") && r.html.contains("A--\\u003eB"),
            "{}",
            r.html
        );
    }

    #[test]
    fn download_names_are_safe() {
        assert_eq!(
            download_name("Tip Calculator!", ArtifactKind::Html, None),
            "tip-calculator.html"
        );
        assert_eq!(
            download_name("../../etc", ArtifactKind::Code, Some("python")),
            "etc.py"
        );
        assert_eq!(download_name("", ArtifactKind::Svg, None), "artifact.svg");
    }

    #[test]
    fn titles_come_from_the_reply_or_the_page() {
        let mut a = Artifact::new(ArtifactKind::Html);
        a.content = "<html><head><TITLE> Tip calculator </TITLE></head>".into();
        assert_eq!(display_title(&a), "Tip calculator");
        a.title = Some("Tips".into());
        assert_eq!(display_title(&a), "Tips");
        a.title = None;
        a.content = "<title></title><title>".into();
        assert_eq!(display_title(&a), "Untitled app");
    }

    #[test]
    fn content_keys_are_stable_and_distinct() {
        assert_eq!(content_key("a"), content_key("a"));
        assert_ne!(content_key("a"), content_key("b"));
        assert_eq!(content_key("").len(), 17);
    }

    #[test]
    fn code_artifacts_show_escaped_and_name_their_host_language() {
        let reply = "<kiln-artifact id=\"p\" kind=\"code\" language=\"python\" title=\"P\">\nprint('<b>hi</b>')\n</kiln-artifact>";
        let r = runnable_from_paste(reply).unwrap();
        assert_eq!(r.kind, ArtifactKind::Code);
        assert_eq!(host_language(&r), Some("py"));
        assert!(
            r.html.contains("print('&lt;b&gt;hi&lt;/b&gt;')"),
            "{}",
            r.html
        );
        let mut other = r;
        other.language = Some("rust".to_owned());
        assert_eq!(host_language(&other), None);
        other.language = Some("JavaScript".to_owned());
        assert_eq!(host_language(&other), Some("js"));
    }
}
