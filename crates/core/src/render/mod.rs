//! The HTML document each artifact kind runs as inside the sandbox frame.
//!
//! Every kind becomes one page that loads its renderer from the vendored libraries (see
//! [`crate::vendor`]) beside the runner, so nothing here reaches the studio page's bundle and
//! nothing needs the internet: React is compiled by Sucrase in the frame and mounted with the
//! vendored React; Markdown is rendered in Rust (`crate::markdown`) and highlighted by
//! highlight.js; Mermaid is drawn by the vendored Mermaid; SVG is shown inline with zoom and pan;
//! code is highlighted; HTML runs as written, with CDN addresses of vendored libraries pointed at
//! the vendored copies. The artifact's text is handed over as JSON in a data `<script>` (never
//! as markup). Each renderer sets the performance mark `kiln-rendered` once its output is in the
//! DOM (the render benchmark reads it) and marks the root element `data-kiln-rendered="ok"` or
//! `"error"` when it has finished everything, highlighting included (the tests wait for that).
//! Errors go to `console.error`, which the bridge forwards to the Console tab.

pub mod standalone;

use crate::artifact::{Artifact, ArtifactKind};
use crate::sandbox::document::script_json;
use crate::vendor;

use crate::vendor::{BASE_CSS, CODE_JS, MARKDOWN_JS, MERMAID_JS, REACT_JS, SVG_JS};

/// The renderers, as the sandbox serves them beside the vendored libraries: content-hashed name
/// and text. The bundle build writes them; documents name them, so the studio page never
/// carries their text.
pub fn sandbox_files() -> [(&'static str, &'static str); 6] {
    [
        (REACT_JS, include_str!("react.js")),
        (MARKDOWN_JS, include_str!("markdown.js")),
        (MERMAID_JS, include_str!("mermaid.js")),
        (SVG_JS, include_str!("svg.js")),
        (CODE_JS, include_str!("code.js")),
        (BASE_CSS, include_str!("base.css")),
    ]
}

fn script_src(file: &str) -> String {
    format!("<script src=\"{}\"></script>", vendor::url(file))
}

/// The document `artifact` runs as, or `None` while it is an unfinished React component or
/// Mermaid diagram, which cannot show anything useful before their last line (the preview keeps
/// the previous version meanwhile).
pub fn document(artifact: &Artifact) -> Option<String> {
    let content = artifact.content.as_str();
    match artifact.kind {
        ArtifactKind::Html => Some(html(content)),
        ArtifactKind::Svg => Some(svg(content, artifact.complete)),
        ArtifactKind::Markdown => Some(markdown(content)),
        ArtifactKind::Mermaid => artifact.complete.then(|| mermaid(content)),
        ArtifactKind::React => artifact.complete.then(|| react(content)),
        ArtifactKind::Code => Some(code(content, artifact.language.as_deref())),
    }
}

/// An HTML artifact: its text with vendored CDN addresses rewritten, after Kiln's import map (so
/// `import … from "three"` works in its module scripts) unless it brings an import map of its
/// own, whose entries would conflict with Kiln's (Chromium drops and warns about each one).
pub fn html(content: &str) -> String {
    let (rewritten, _) = vendor::rewrite_cdn_urls(content);
    let has_own_map = content.to_ascii_lowercase().contains("importmap");
    let mut doc = if has_own_map {
        String::new()
    } else {
        import_map_tag()
    };
    doc.push_str(&rewritten);
    doc
}

fn import_map_tag() -> String {
    format!(
        "<script type=\"importmap\">{}</script>",
        vendor::import_map().replace('<', "\\u003c")
    )
}

fn head(title: &str) -> String {
    format!(
        "<meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, \
         initial-scale=1\"><meta name=\"color-scheme\" content=\"light dark\"><title>{}</title>\
         <link rel=\"stylesheet\" href=\"{}\">",
        escape(title),
        vendor::url(BASE_CSS)
    )
}

fn script_file(package: &str) -> Option<&'static str> {
    vendor::library(package)
        .and_then(|l| l.script)
        .map(|s| s.file)
}

/// A deferred script: fetched alongside the others while the page parses, run in order after.
fn deferred(file: &str) -> String {
    format!("<script defer src=\"{}\"></script>", vendor::url(file))
}

/// The address of highlight.js, which the Markdown and code renderers load only once their
/// text is shown, and only when there is code to colour: it is the largest script they use,
/// and artifact frames (opaque origins) get no compiled-code cache, so it is parsed every run.
fn highlighter_url() -> String {
    script_file("highlight.js")
        .map(vendor::url)
        .unwrap_or_default()
}

fn data_tag(value: &serde_json::Value) -> String {
    format!(
        "<script type=\"application/json\" id=\"kiln-data\">{}</script>",
        script_json(value)
    )
}

fn highlight_styles() -> String {
    let Some(lib) = vendor::library("highlight.js") else {
        return String::new();
    };
    lib.styles
        .iter()
        .map(|file| {
            let scheme = if file.contains("dark") {
                "dark"
            } else {
                "light"
            };
            format!(
                "<link rel=\"stylesheet\" href=\"{}\" media=\"(prefers-color-scheme: {scheme})\">",
                vendor::url(file)
            )
        })
        .collect()
}

/// A React component: the import map, Tailwind, Sucrase, then the runner module. An import Kiln
/// cannot give is reported before anything is compiled, naming the package.
pub fn react(source: &str) -> String {
    let error = import_error(source);
    let mut doc = import_map_tag();
    doc.push_str(&head("React artifact"));
    // Deferred, like the module after them: fetched in parallel, run in this order.
    for file in [script_file("@tailwindcss/browser"), script_file("sucrase")]
        .into_iter()
        .flatten()
    {
        doc.push_str(&deferred(file));
    }
    doc.push_str("</head><body><div id=\"root\"></div>");
    doc.push_str(&data_tag(
        &serde_json::json!({ "source": source, "error": error }),
    ));
    doc.push_str(RUNTIME_MISSING);
    doc.push_str(&format!(
        "<script type=\"module\" src=\"{}\" onerror=\"kilnRuntimeMissing(this.src)\"></script></body></html>",
        vendor::url(REACT_JS)
    ));
    doc
}

/// What a React frame says when its runner module does not load. Frames have opaque origins,
/// so module scripts from the vendor folder need `Access-Control-Allow-Origin`; a plain static
/// server (`python3 -m http.server`) does not send it, and without this the preview is blank
/// with one line in the Console. The frame's CSP allows it no request to tell a missing
/// header from a missing file, so the message names both.
const RUNTIME_MISSING: &str = "<script>function kilnRuntimeMissing(url){var m='Kiln could not \
load its React runtime from '+url+'. If this studio is on a static host, that host must send \
the header Access-Control-Allow-Origin: * for the files in sandbox/vendor/ (artifact frames \
load them as modules), and sandbox/ must be deployed whole. Plain file servers such as \
python3 -m http.server send no such header. See \
\u{201c}Trying a build on your machine\u{201d} in Kiln\u{2019}s docs/deploy.md.';\
console.error(m);var b=document.createElement('pre');b.className='kiln-error';\
b.textContent=m;document.getElementById('root').replaceChildren(b);\
document.documentElement.dataset.kilnRendered='error';}</script>";

/// Why a React component's imports cannot be met, if they cannot.
pub fn import_error(source: &str) -> Option<String> {
    let unknown = vendor::unknown_imports(source);
    let first = unknown.first()?;
    let offered = vendor::offered_packages().join(", ");
    let what = if first.starts_with('.') || first.starts_with('/') {
        format!("imports the file {first:?}, but an artifact is a single file: put that code in it")
    } else if first.contains("://") {
        format!("imports {first:?} from the network, which artifacts cannot reach")
    } else {
        let pkg = vendor::package_of(first);
        if vendor::offered_packages().contains(&pkg) {
            format!("imports {first:?}, a part of {pkg} that Kiln does not serve")
        } else {
            format!("imports the package {pkg:?}, which Kiln does not have")
        }
    };
    let more = match unknown.len() {
        1 => String::new(),
        n => format!(
            " ({} more unknown import{})",
            n - 1,
            if n == 2 { "" } else { "s" }
        ),
    };
    Some(format!(
        "This component {what}{more}. Available packages: {offered}."
    ))
}

/// A Markdown document, rendered here by [`crate::markdown::to_safe_html`] (raw HTML in it
/// is shown as text, links only to web and mail addresses), so the frame runs no Markdown
/// parser or sanitiser: only highlight.js, and only when there is fenced code.
pub fn markdown(source: &str) -> String {
    let mut doc = head("Markdown document");
    doc.push_str(&highlight_styles());
    doc.push_str(&deferred(MARKDOWN_JS));
    doc.push_str("</head><body><article id=\"doc\" class=\"kiln-markdown\">");
    doc.push_str(&crate::markdown::to_safe_html(source));
    doc.push_str("</article>");
    doc.push_str(&data_tag(
        &serde_json::json!({ "highlighter": highlighter_url() }),
    ));
    doc.push_str("</body></html>");
    doc
}

/// A Mermaid diagram.
pub fn mermaid(source: &str) -> String {
    let mut doc = head("Mermaid diagram");
    for file in [script_file("mermaid"), Some(MERMAID_JS)]
        .into_iter()
        .flatten()
    {
        doc.push_str(&deferred(file));
    }
    doc.push_str("</head><body><div id=\"diagram\" class=\"kiln-diagram\"></div>");
    doc.push_str(&data_tag(&serde_json::json!({ "source": source })));
    doc.push_str("</body></html>");
    doc
}

/// An SVG image, inline (scripts in it run only inside the sandbox, like any artifact's), with
/// zoom and pan once it is complete.
pub fn svg(source: &str, complete: bool) -> String {
    let mut doc = head("SVG image");
    doc.push_str("</head><body class=\"kiln-svg\"><div id=\"stage\">");
    doc.push_str(source);
    if complete {
        // Whatever the image left open is closed by the parser at this point, so the controls
        // land outside it.
        doc.push_str(
            "</div><div class=\"kiln-zoom\" role=\"toolbar\" aria-label=\"Zoom\">\
             <button type=\"button\" data-zoom=\"in\" aria-label=\"Zoom in\">+</button>\
             <button type=\"button\" data-zoom=\"out\" aria-label=\"Zoom out\">&minus;</button>\
             <button type=\"button\" data-zoom=\"reset\" aria-label=\"Reset zoom\">1:1</button>\
             </div>",
        );
        doc.push_str(&script_src(SVG_JS));
    }
    doc.push_str("</body></html>");
    doc
}

/// Source code, highlighted, read-only.
pub fn code(source: &str, language: Option<&str>) -> String {
    let language: String = language
        .unwrap_or("")
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '+' || *c == '#' || *c == '-')
        .take(40)
        .collect::<String>()
        .to_ascii_lowercase();
    let mut doc = head("Code");
    doc.push_str(&highlight_styles());
    doc.push_str("</head><body class=\"kiln-code\"><pre><code id=\"code\" data-language=\"");
    doc.push_str(&escape(&language));
    doc.push_str("\" data-highlighter=\"");
    doc.push_str(&escape(&highlighter_url()));
    doc.push_str("\">");
    doc.push_str(&escape(source));
    doc.push_str("</code></pre>");
    doc.push_str(&script_src(CODE_JS));
    doc.push_str("</body></html>");
    doc
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn artifact(kind: ArtifactKind, content: &str, complete: bool) -> Artifact {
        let mut a = Artifact::new(kind);
        a.content = content.to_owned();
        a.complete = complete;
        a
    }

    #[test]
    fn every_kind_has_a_document_and_loads_only_vendored_scripts() {
        for kind in ArtifactKind::ALL {
            let doc = document(&artifact(kind, "x", true)).unwrap();
            let mut at = 0;
            while let Some(i) = doc[at..].find(" src=\"") {
                let from = at + i + 6;
                assert!(
                    doc[from..].starts_with("./vendor/"),
                    "{kind:?}: {}",
                    &doc[from..]
                );
                at = from;
            }
            assert!(
                !doc.contains("http://") && !doc.contains("https://"),
                "{kind:?}"
            );
        }
    }

    #[test]
    fn unfinished_react_and_mermaid_wait_while_the_rest_stream() {
        for (kind, waits) in [
            (ArtifactKind::React, true),
            (ArtifactKind::Mermaid, true),
            (ArtifactKind::Html, false),
            (ArtifactKind::Svg, false),
            (ArtifactKind::Markdown, false),
            (ArtifactKind::Code, false),
        ] {
            assert_eq!(
                document(&artifact(kind, "x", false)).is_none(),
                waits,
                "{kind:?}"
            );
        }
    }

    #[test]
    fn artifact_text_cannot_leave_its_data_script() {
        let hostile = "</script><script>alert(1)</script><!-- \u{2028}";
        // Markdown is rendered here: its text is escaped into the page, never a script.
        let md = markdown(hostile);
        assert!(
            !md.contains("<script>alert") && md.contains("&lt;script&gt;alert(1)"),
            "{md}"
        );
        for doc in [react(hostile), mermaid(hostile)] {
            let data_start = doc.find("id=\"kiln-data\">").unwrap();
            let data = &doc[data_start..];
            let end = data.find("</script>").unwrap();
            let json = &data["id=\"kiln-data\">".len()..end];
            let v: serde_json::Value = serde_json::from_str(json).unwrap();
            assert_eq!(v["source"], hostile);
        }
        let c = code(hostile, Some("\"><script>"));
        assert!(!c.contains("<script>alert"));
        assert!(c.contains("data-language=\"script\""), "{c}");
    }

    #[test]
    fn unknown_imports_are_named_before_compiling() {
        let ok = "import { useState } from 'react';\nimport { LineChart } from 'recharts';";
        assert_eq!(import_error(ok), None);
        let cases = [
            (
                "import axios from 'axios';",
                "This component imports the package \"axios\", which Kiln does not have.",
            ),
            (
                "import { Card } from '@/components/ui/card';\nimport x from 'y';",
                "imports the package \"@/components\", which Kiln does not have (1 more unknown import).",
            ),
            (
                "import './App.css';",
                "imports the file \"./App.css\", but an artifact is a single file",
            ),
            (
                "import * as d from 'd3-scale';",
                "imports the package \"d3-scale\"",
            ),
            (
                "import { x } from 'react-dom/server';",
                "imports \"react-dom/server\", a part of react-dom",
            ),
            ("import x from 'https://esm.sh/x';", "from the network"),
        ];
        for (src, want) in cases {
            let msg = import_error(src).unwrap();
            assert!(msg.contains(want), "{src}: {msg}");
            assert!(
                msg.contains("Available packages: react, react-dom, recharts"),
                "{msg}"
            );
        }
        let doc = react("import axios from 'axios';\nexport default () => null;");
        assert!(doc.contains("which Kiln does not have"));
    }

    #[test]
    fn html_gets_the_import_map_and_vendored_cdn_addresses() {
        let doc = html("<script src=\"https://cdn.jsdelivr.net/npm/d3@7\"></script>");
        assert!(doc.starts_with("<script type=\"importmap\">{\"imports\":{"));
        assert!(doc.ends_with("<script src=\"./vendor/d3-7.9.2.min.js\"></script>"));
    }

    #[test]
    fn html_with_its_own_import_map_keeps_only_its_own() {
        let doc = html(
            "<script type=\"importmap\">{\"imports\":{\"three\":\"https://unpkg.com/three@0.160.0/build/three.module.js\"}}</script>",
        );
        assert_eq!(doc.matches("importmap").count(), 1);
        assert!(
            doc.contains("\"three\":\"./vendor/three-0.187.0.esm.js\""),
            "{doc}"
        );
    }

    #[test]
    fn unfinished_svg_is_shown_without_controls() {
        assert!(svg("<svg viewBox=\"0 0 1 1\"><circle", false).ends_with("<circle</body></html>"));
        assert!(svg("<svg viewBox=\"0 0 1 1\"></svg>", true).contains("data-zoom=\"in\""));
    }
}
