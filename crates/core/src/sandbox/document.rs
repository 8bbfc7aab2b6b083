//! Composing the document an artifact's frame runs: Kiln's CSP first, then the bridge, then the
//! artifact exactly as written.
//!
//! The artifact is never parsed to find a place for the policy. Kiln writes the first bytes of
//! the document itself — a doctype, the CSP `<meta>`, the bridge `<script>` — and appends the
//! artifact after them, so nothing the artifact contains (a fake `<head>` in a comment, CDATA,
//! an odd doctype, a BOM, its own `<meta>` tags) can come before the policy. A later doctype is
//! ignored by the HTML parser; a later `<html>` or `<head>` merges into the ones already open.
//! A second CSP from the artifact can only narrow what is allowed, never widen it.

use std::collections::BTreeMap;

use super::{Consent, Origin};

const BRIDGE_JS: &str = include_str!("frame_bridge.js");

/// The full `srcdoc` for an artifact: policy, bridge (stamped with this view's `token` and the
/// artifact's saved `storage`), then `artifact_html`.
pub fn compose_document(
    artifact_html: &str,
    csp: &str,
    token: &str,
    storage: &BTreeMap<String, String>,
) -> String {
    let artifact = artifact_html
        .strip_prefix('\u{feff}')
        .unwrap_or(artifact_html);
    // The numbers first and the app's own data last, so nothing in the data is taken for a
    // placeholder.
    let bridge = BRIDGE_JS
        .replace("__KILN_QUOTA__", &super::STORAGE_QUOTA_BYTES.to_string())
        .replace(
            "__KILN_MAX_CALL__",
            &super::live::MAX_CALL_BYTES.to_string(),
        )
        .replace(
            "__KILN_MAX_PROMPT__",
            &super::live::MAX_PROMPT_BYTES.to_string(),
        )
        .replace(
            "__KILN_TOKEN__",
            &script_json(&serde_json::Value::from(token)),
        )
        .replace(
            "__KILN_STORAGE__",
            &script_json(&serde_json::json!(storage)),
        );
    let mut doc = String::with_capacity(artifact.len() + bridge.len() + csp.len() + 200);
    doc.push_str(
        "<!DOCTYPE html><html><head><meta http-equiv=\"Content-Security-Policy\" content=\"",
    );
    doc.push_str(&attr_escape(csp));
    doc.push_str("\"><meta name=\"referrer\" content=\"no-referrer\"><script>");
    doc.push_str(&bridge);
    doc.push_str("</script>");
    doc.push_str(artifact);
    doc
}

/// JSON that is safe inside a `<script>` element: `<`, `>`, `&` and the line separators are
/// escaped so stored text cannot close the script or start a comment.
pub(crate) fn script_json(v: &serde_json::Value) -> String {
    v.to_string()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
        .replace('\u{2028}', "\\u2028")
        .replace('\u{2029}', "\\u2029")
}

fn attr_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
}

/// Everything an artifact asks for: origins from `kiln-network`, and `popups` / `downloads` /
/// `fullscreen` from `<meta name="kiln-permissions" content="popups downloads fullscreen">`.
pub fn declared_consent(artifact_html: &str) -> Consent {
    let mut consent = Consent {
        network: declared_origins(artifact_html),
        ..Consent::default()
    };
    for_each_meta(artifact_html, "kiln-permissions", |content| {
        for word in content.split(|c: char| c.is_whitespace() || c == ',') {
            match word.to_ascii_lowercase().as_str() {
                "popups" => consent.popups = true,
                "downloads" => consent.downloads = true,
                "fullscreen" => consent.fullscreen = true,
                _ => {}
            }
        }
    });
    consent
}

/// Calls `f` with the `content` of every `<meta name="{name}" content="…">` in the document.
fn for_each_meta(html: &str, name: &str, mut f: impl FnMut(&str)) {
    let lower = html.to_ascii_lowercase();
    let mut at = 0;
    while let Some(i) = lower[at..].find("<meta") {
        let start = at + i;
        let end = lower[start..].find('>').map_or(lower.len(), |e| start + e);
        let tag = &html[start..end];
        if attr(tag, "name").is_some_and(|n| n.eq_ignore_ascii_case(name)) {
            f(attr(tag, "content").unwrap_or_default());
        }
        at = end;
    }
}

/// Origins an artifact asks to connect to, declared as
/// `<meta name="kiln-network" content="https://api.example.org https://other.example">`.
/// Only a request: the person decides. Entries that are not valid origins are skipped.
pub fn declared_origins(artifact_html: &str) -> Vec<Origin> {
    let mut out: Vec<Origin> = Vec::new();
    for_each_meta(artifact_html, "kiln-network", |content| {
        for word in content.split_whitespace() {
            if let Ok(o) = Origin::parse(word.trim_end_matches(','))
                && !out.contains(&o)
            {
                out.push(o);
            }
        }
    });
    out
}

/// The value of `name="…"` (or single-quoted, or bare) in one tag's text.
fn attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let lower = tag.to_ascii_lowercase();
    let mut from = 0;
    while let Some(i) = lower[from..].find(name) {
        let pos = from + i;
        from = pos + name.len();
        let before_ok = pos > 0 && lower.as_bytes()[pos - 1].is_ascii_whitespace();
        let rest = lower[from..].trim_start();
        if !before_ok || !rest.starts_with('=') {
            continue;
        }
        let value_start = tag.len() - rest.len() + 1;
        let value = tag[value_start..].trim_start();
        return Some(match value.chars().next() {
            Some(q @ ('"' | '\'')) => value[1..].split(q).next().unwrap_or(""),
            _ => value
                .split(|c: char| c.is_whitespace() || c == '/')
                .next()
                .unwrap_or(""),
        });
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn compose(html: &str) -> String {
        compose_document(html, "default-src 'none'", "abc123", &BTreeMap::new())
    }

    #[test]
    fn policy_comes_first_whatever_the_artifact_starts_with() {
        let hostile = [
            "<!DOCTYPE html><html><head><title>x</title></head><body>hi</body></html>",
            "\u{feff}<html><head><meta http-equiv=\"refresh\" content=\"0;url=https://evil\">",
            "<!-- <head> --><script>fetch('https://evil')</script>",
            "<![CDATA[<head>]]><script>alert(1)</script>",
            "<!doctype html SYSTEM \"about:legacy-compat\"><meta http-equiv=Content-Security-Policy content=\"script-src *\">",
            "</script></head><script>alert(1)</script>",
            "",
            "plain text",
        ];
        let prefix = "<!DOCTYPE html><html><head><meta http-equiv=\"Content-Security-Policy\" \
                      content=\"default-src 'none'\">";
        for html in hostile {
            let doc = compose(html);
            assert!(doc.starts_with(prefix), "{html}");
            // Nothing of the artifact appears before the bridge script ends.
            let bridge_end = doc.find("</script>").unwrap() + "</script>".len();
            assert_eq!(&doc[bridge_end..], html.trim_start_matches('\u{feff}'));
        }
    }

    #[test]
    fn stored_values_cannot_break_out_of_the_bridge_script() {
        let mut storage = BTreeMap::new();
        storage.insert(
            "k".to_owned(),
            "</script><script>alert(1)</script><!--".to_owned(),
        );
        let doc = compose_document("<p>", "default-src 'none'", "tok", &storage);
        assert_eq!(doc.matches("</script>").count(), 1, "{doc}");
        assert!(!doc.contains("<!--"));
        assert!(doc.contains(r#"const TOKEN = "tok";"#));
    }

    #[test]
    fn declared_permissions() {
        let html = r#"<meta name="kiln-permissions" content="Popups, downloads camera">"#;
        let c = declared_consent(html);
        assert!(c.popups && c.downloads && c.network.is_empty());
        assert!(declared_consent("<p>").is_empty());
    }

    #[test]
    fn declared_origins_are_read_and_validated() {
        let html = r#"<head><META Name="kiln-network" content="https://api.open-meteo.com, https://x.org/path *  http://localhost:9000">
            <meta name='kiln-network' content='https://api.open-meteo.com'><meta name=other content="https://no.org">"#;
        let got: Vec<_> = declared_origins(html)
            .iter()
            .map(|o| o.to_string())
            .collect();
        assert_eq!(got, ["https://api.open-meteo.com", "http://localhost:9000"]);
        assert!(declared_origins("<p>no meta</p>").is_empty());
        assert!(declared_origins("<meta name=\"kiln-network\"").is_empty());
    }
}
