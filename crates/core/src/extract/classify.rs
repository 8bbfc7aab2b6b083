//! Deciding whether a plain fenced block (one not wrapped in a Kiln, Claude or LibreChat marker)
//! is an artifact or an incidental snippet, and of which kind.
//!
//! Replies mix the app with one-line shell commands and short examples, so every plain fence is
//! a *candidate* while it streams and is judged once, when it closes, from its info string and
//! its whole content. The rules are few and blunt on purpose so that docs/protocol.md can state
//! them and a user can predict them: things you look at (a full HTML page, an SVG, a diagram, a
//! React component with a default export) are artifacts at any size; everything else must have
//! at least [`SUBSTANTIAL_LINES`] non-blank lines; blocks labelled as text or terminal output
//! never are.

use crate::artifact::ArtifactKind;

use super::syntax::{find_ci, is_html_start, starts_with_ci};

/// Non-blank lines a fenced block of code, Markdown or an HTML fragment needs to count as an
/// artifact. Ten lines is past any shell command or usage example a reply shows in passing, and
/// short of most files a person would want to keep.
pub const SUBSTANTIAL_LINES: usize = 10;

/// What a fence's info string says, reduced to what the rules need.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FenceLang {
    Html,
    Svg,
    Xml,
    Mermaid,
    Markdown,
    /// `jsx`, `tsx`, `react`: React when it is a component.
    Jsx,
    /// `js`, `ts` and friends: React only when it imports React and is a component.
    Script,
    /// No info string: only a recognisable HTML page or SVG counts.
    Unlabeled,
    /// Text, logs, terminal sessions: never an artifact.
    Text,
    Other,
}

impl FenceLang {
    pub(crate) fn of(lang: Option<&str>) -> Self {
        let Some(lang) = lang else {
            return FenceLang::Unlabeled;
        };
        match lang {
            "html" | "htm" | "xhtml" => FenceLang::Html,
            "svg" => FenceLang::Svg,
            "xml" => FenceLang::Xml,
            "mermaid" | "mmd" => FenceLang::Mermaid,
            "markdown" | "md" => FenceLang::Markdown,
            "jsx" | "tsx" | "react" => FenceLang::Jsx,
            "js" | "javascript" | "mjs" | "ts" | "typescript" => FenceLang::Script,
            "text" | "txt" | "plain" | "plaintext" | "console" | "output" | "log" | "terminal"
            | "stdout" | "shell-session" => FenceLang::Text,
            _ => FenceLang::Other,
        }
    }

    /// The kind a candidate is shown as while it streams, before the final decision.
    pub(crate) fn tentative_kind(self) -> ArtifactKind {
        match self {
            FenceLang::Html => ArtifactKind::Html,
            FenceLang::Svg => ArtifactKind::Svg,
            FenceLang::Mermaid => ArtifactKind::Mermaid,
            FenceLang::Markdown => ArtifactKind::Markdown,
            FenceLang::Jsx => ArtifactKind::React,
            FenceLang::Xml
            | FenceLang::Script
            | FenceLang::Unlabeled
            | FenceLang::Text
            | FenceLang::Other => ArtifactKind::Code,
        }
    }

    /// True for blocks that can never become artifacts, so the extractor need not keep them.
    pub(crate) fn never(self) -> bool {
        self == FenceLang::Text
    }
}

/// What the first non-blank line of an unlabelled block says it is.
pub(crate) fn sniff(first_line: &str) -> Option<ArtifactKind> {
    let t = first_line.trim_start();
    if is_html_start(t) {
        Some(ArtifactKind::Html)
    } else if starts_with_ci(t, "<svg") {
        Some(ArtifactKind::Svg)
    } else {
        None
    }
}

/// The final decision for a candidate: its kind if it is an artifact, `None` for a snippet.
pub(crate) fn decide(lang: FenceLang, content: &str) -> Option<ArtifactKind> {
    let substantial = non_blank_lines(content) >= SUBSTANTIAL_LINES;
    let code = substantial.then_some(ArtifactKind::Code);
    match lang {
        FenceLang::Html => (is_html_document(content) || substantial).then_some(ArtifactKind::Html),
        FenceLang::Svg => has_svg(content).then_some(ArtifactKind::Svg),
        FenceLang::Xml if has_svg(content) => Some(ArtifactKind::Svg),
        FenceLang::Mermaid => (!content.trim().is_empty()).then_some(ArtifactKind::Mermaid),
        FenceLang::Markdown => substantial.then_some(ArtifactKind::Markdown),
        FenceLang::Jsx if is_component(content, substantial) => Some(ArtifactKind::React),
        FenceLang::Script if imports_react(content) && is_component(content, substantial) => {
            Some(ArtifactKind::React)
        }
        FenceLang::Unlabeled => {
            let first = content.lines().find(|l| !l.trim().is_empty())?;
            sniff(first)
        }
        FenceLang::Text => None,
        FenceLang::Xml | FenceLang::Jsx | FenceLang::Script | FenceLang::Other => code,
    }
}

pub(crate) fn non_blank_lines(content: &str) -> usize {
    content.lines().filter(|l| !l.trim().is_empty()).count()
}

fn is_html_document(content: &str) -> bool {
    find_ci(content, "<!doctype html").is_some() || find_ci(content, "<html").is_some()
}

fn has_svg(content: &str) -> bool {
    find_ci(content, "<svg").is_some()
}

fn imports_react(content: &str) -> bool {
    content.contains("from 'react'")
        || content.contains("from \"react\"")
        || content.contains("require('react')")
        || content.contains("require(\"react\")")
}

/// A component is default-exported, or is substantial and returns JSX somewhere.
fn is_component(content: &str, substantial: bool) -> bool {
    content.contains("export default") || (substantial && returns_jsx(content))
}

/// `return <div>`, `return (\n  <>`, `=> <li>`: JSX right after a return or an arrow.
fn returns_jsx(content: &str) -> bool {
    ["return", "=>"].iter().any(|word| {
        content.match_indices(word).any(|(at, _)| {
            let rest = content[at + word.len()..].trim_start();
            let rest = rest.strip_prefix('(').map_or(rest, str::trim_start);
            let mut chars = rest.chars();
            chars.next() == Some('<')
                && chars
                    .next()
                    .is_some_and(|c| c.is_ascii_alphabetic() || c == '>')
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(n: usize, line: &str) -> String {
        format!("{line}\n").repeat(n)
    }

    #[test]
    fn visual_kinds_count_at_any_size() {
        assert_eq!(
            decide(FenceLang::Html, "<!DOCTYPE html>\n<p>hi</p>\n"),
            Some(ArtifactKind::Html)
        );
        assert_eq!(
            decide(FenceLang::Svg, "<svg viewBox=\"0 0 1 1\"/>\n"),
            Some(ArtifactKind::Svg)
        );
        assert_eq!(
            decide(FenceLang::Mermaid, "graph TD; A-->B\n"),
            Some(ArtifactKind::Mermaid)
        );
        assert_eq!(
            decide(FenceLang::Jsx, "export default () => <p/>;\n"),
            Some(ArtifactKind::React)
        );
    }

    #[test]
    fn the_rest_needs_substance() {
        assert_eq!(decide(FenceLang::Other, "cargo run\n"), None);
        assert_eq!(decide(FenceLang::Html, "<button>Go</button>\n"), None);
        assert_eq!(decide(FenceLang::Markdown, "# Hi\n"), None);
        let nine = lines(9, "x = 1") + "\n\n\n";
        assert_eq!(
            decide(FenceLang::Other, &nine),
            None,
            "blank lines do not count"
        );
        let ten = lines(10, "x = 1");
        assert_eq!(decide(FenceLang::Other, &ten), Some(ArtifactKind::Code));
        assert_eq!(decide(FenceLang::Text, &ten), None);
        assert_eq!(decide(FenceLang::Unlabeled, &ten), None);
    }

    #[test]
    fn react_needs_a_component() {
        let helper = lines(12, "const x = 1;");
        assert_eq!(decide(FenceLang::Jsx, &helper), Some(ArtifactKind::Code));
        let mut jsx = lines(10, "const x = 1;");
        jsx.push_str("function App() {\n  return (\n    <div/>\n  );\n}\n");
        assert_eq!(decide(FenceLang::Jsx, &jsx), Some(ArtifactKind::React));
        assert_eq!(decide(FenceLang::Script, &jsx), Some(ArtifactKind::Code));
        let with_import = format!("import {{ useState }} from 'react';\n{jsx}");
        assert_eq!(
            decide(FenceLang::Script, &with_import),
            Some(ArtifactKind::React)
        );
        assert!(!returns_jsx("return a < b;"));
        assert!(returns_jsx("items.map(i => <li>{i}</li>)"));
        assert!(returns_jsx("return <>x</>"));
    }

    #[test]
    fn unlabelled_blocks_are_sniffed() {
        assert_eq!(
            decide(FenceLang::Unlabeled, "\n<!doctype html>\n<html>"),
            Some(ArtifactKind::Html)
        );
        assert_eq!(
            decide(FenceLang::Unlabeled, "<svg>\n</svg>\n"),
            Some(ArtifactKind::Svg)
        );
        assert_eq!(decide(FenceLang::Unlabeled, "hello\n"), None);
        assert_eq!(
            decide(FenceLang::Xml, "<?xml version=\"1.0\"?>\n<svg/>"),
            Some(ArtifactKind::Svg)
        );
    }

    #[test]
    fn languages_map() {
        assert_eq!(FenceLang::of(None), FenceLang::Unlabeled);
        assert_eq!(FenceLang::of(Some("tsx")), FenceLang::Jsx);
        assert_eq!(FenceLang::of(Some("console")), FenceLang::Text);
        assert_eq!(FenceLang::of(Some("python")), FenceLang::Other);
        assert!(FenceLang::Text.never());
        assert_eq!(FenceLang::Jsx.tentative_kind(), ArtifactKind::React);
    }
}
