//! Markdown to HTML that is safe to put into the studio page: the model's prose in the
//! conversation.
//!
//! The page's own origin holds API keys and history, so nothing a model writes may become
//! markup there. Safety is by construction rather than by cleaning afterwards: raw HTML in the
//! Markdown is shown as text, links keep only `http`, `https`, `mailto` and in-page `#`
//! targets (anything else, `javascript:` included, is dropped and its text kept), links open
//! in a new tab without an opener, and images become links to the image (the page loads
//! nothing a model names). The page's CSP forbids inline script besides, so a mistake here
//! would still not run code; this module makes sure there is none to run.

mod inline;

use inline::{escape_into, inline};

/// Markdown (the usual subset models write: headings, paragraphs, emphasis, code spans and
/// fences, lists with task boxes, quotes, tables, rules, links) as safe HTML.
///
/// A small renderer of its own rather than a CommonMark crate: pulldown-cmark cost the page
/// 58 KB of brotli (BENCHMARKS.md), a fifth of it, for prose that uses a few constructs.
/// Every character of the input is escaped unless this module itself turns it into one of
/// the few tags it writes, so no input can produce any other markup.
///
/// ```
/// use kiln_core::markdown::to_safe_html;
///
/// let html = to_safe_html("**Hi** <script>alert(1)</script> [x](javascript:alert(1))");
/// assert_eq!(html, "<p><strong>Hi</strong> &lt;script&gt;alert(1)&lt;/script&gt; x</p>\n");
/// ```
pub fn to_safe_html(markdown: &str) -> String {
    let text = markdown.replace("\r\n", "\n").replace('\r', "\n");
    let lines: Vec<&str> = text.split('\n').collect();
    let mut out = String::with_capacity(markdown.len() + markdown.len() / 4);
    blocks(&lines, &mut out, 0);
    out
}

/// How deeply quotes and lists may nest before the rest is shown as a paragraph: bounds the
/// recursion a hostile reply could ask for.
const MAX_DEPTH: usize = 16;

/// How far ahead an inline construct looks for its end (a closing `**`, `]`, `)` or code
/// fence). Prose never needs more, and the bound keeps hostile text linear rather than
/// quadratic.
const LOOKAHEAD: usize = 4096;

/// How many lookaheads that find nothing one paragraph may make; after that, unmatched
/// markers are text. With [`LOOKAHEAD`] this bounds the work per byte of input.
const FAILED_LOOKS: usize = 64;

/// The first [`LOOKAHEAD`] bytes of `s`, cut at a character boundary.
fn ahead(s: &str) -> &str {
    let mut n = s.len().min(LOOKAHEAD);
    while !s.is_char_boundary(n) {
        n -= 1;
    }
    &s[..n]
}

fn blocks(lines: &[&str], out: &mut String, depth: usize) {
    let mut i = 0;
    let mut para: Vec<&str> = Vec::new();
    let flush = |para: &mut Vec<&str>, out: &mut String| {
        if !para.is_empty() {
            out.push_str("<p>");
            // Two trailing spaces are a line break; other surrounding space goes.
            let last = para.len() - 1;
            let joined: Vec<&str> = para
                .iter()
                .enumerate()
                .map(|(n, l)| {
                    let l = l.trim_start();
                    if n < last && l.ends_with("  ") {
                        l
                    } else {
                        l.trim_end()
                    }
                })
                .collect();
            inline(&joined.join("\n"), out);
            out.push_str("</p>\n");
            para.clear();
        }
    };
    while i < lines.len() {
        let line = lines[i];
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        if trimmed.is_empty() {
            flush(&mut para, out);
            i += 1;
            continue;
        }
        if indent < 4
            && let Some(fence) = fence_of(trimmed)
        {
            flush(&mut para, out);
            let info = trimmed.trim_start_matches(fence.0).trim();
            let mut body = String::new();
            i += 1;
            while i < lines.len() {
                let l = lines[i].trim_start();
                if l.starts_with(fence.0) && l.trim_start_matches(fence.1).trim().is_empty() {
                    i += 1;
                    break;
                }
                body.push_str(lines[i]);
                body.push('\n');
                i += 1;
            }
            out.push_str("<pre><code");
            if let Some(lang) = info.split_whitespace().next() {
                out.push_str(" class=\"language-");
                escape_into(lang, out);
                out.push('"');
            }
            out.push('>');
            escape_into(&body, out);
            out.push_str("</code></pre>\n");
            continue;
        }
        if indent < 4
            && let Some((level, title)) = heading(trimmed)
        {
            flush(&mut para, out);
            out.push_str(&format!("<h{level}>"));
            inline(title, out);
            out.push_str(&format!("</h{level}>\n"));
            i += 1;
            continue;
        }
        if indent < 4 && is_rule(trimmed) {
            flush(&mut para, out);
            out.push_str("<hr />\n");
            i += 1;
            continue;
        }
        if depth < MAX_DEPTH && indent < 4 && trimmed.starts_with('>') {
            flush(&mut para, out);
            let mut inner = Vec::new();
            while i < lines.len() && lines[i].trim_start().starts_with('>') {
                let l = &lines[i].trim_start()[1..];
                inner.push(l.strip_prefix(' ').unwrap_or(l));
                i += 1;
            }
            out.push_str("<blockquote>\n");
            blocks(&inner, out, depth + 1);
            out.push_str("</blockquote>\n");
            continue;
        }
        if depth < MAX_DEPTH && indent < 4 && list_marker(trimmed).is_some() {
            flush(&mut para, out);
            i = list(lines, i, out, depth);
            continue;
        }
        if indent < 4
            && trimmed.contains('|')
            && let Some(next) = lines.get(i + 1)
            && is_table_rule(next)
        {
            flush(&mut para, out);
            i = table(lines, i, out);
            continue;
        }
        para.push(line);
        i += 1;
    }
    flush(&mut para, out);
}

/// The fence a line opens, as (its opening run, its character).
fn fence_of(line: &str) -> Option<(&str, char)> {
    for c in ['`', '~'] {
        let run = line.len() - line.trim_start_matches(c).len();
        if run >= 3 {
            let info = &line[run..];
            if c == '`' && info.contains('`') {
                return None;
            }
            return Some((&line[..run], c));
        }
    }
    None
}

fn heading(line: &str) -> Option<(usize, &str)> {
    let level = line.len() - line.trim_start_matches('#').len();
    let rest = &line[level..];
    if !(1..=6).contains(&level) || !(rest.is_empty() || rest.starts_with(' ')) {
        return None;
    }
    let title = rest.trim().trim_end_matches('#').trim_end();
    Some((level, title))
}

fn is_rule(line: &str) -> bool {
    let compact: String = line.chars().filter(|c| !c.is_whitespace()).collect();
    compact.len() >= 3
        && ['-', '*', '_']
            .iter()
            .any(|&c| compact.chars().all(|x| x == c))
}

/// For a list item line: whether it is ordered, and the text after the marker.
fn list_marker(line: &str) -> Option<(bool, &str)> {
    for m in ["- ", "* ", "+ "] {
        if let Some(rest) = line.strip_prefix(m) {
            return Some((false, rest));
        }
    }
    let digits = line.len() - line.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    if (1..=9).contains(&digits) {
        let rest = &line[digits..];
        if let Some(r) = rest.strip_prefix(". ").or_else(|| rest.strip_prefix(") ")) {
            return Some((true, r));
        }
    }
    None
}

/// A list from line `i`; returns the line after it. An item's continuation lines (indented,
/// or a nested list) are rendered as blocks inside it.
fn list(lines: &[&str], mut i: usize, out: &mut String, depth: usize) -> usize {
    let base = lines[i].len() - lines[i].trim_start().len();
    let ordered = list_marker(lines[i].trim_start()).is_some_and(|(o, _)| o);
    out.push_str(if ordered { "<ol>\n" } else { "<ul>\n" });
    while i < lines.len() {
        let line = lines[i];
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        let Some((o, first)) = list_marker(trimmed).filter(|_| indent == base) else {
            break;
        };
        if o != ordered {
            break;
        }
        let mut body = vec![first];
        i += 1;
        while i < lines.len() {
            let l = lines[i];
            let t = l.trim_start();
            let ind = l.len() - t.len();
            if t.is_empty() {
                // A blank line ends the item unless the next line is indented under it.
                let next_inside = lines.get(i + 1).is_some_and(|n| {
                    let nt = n.trim_start();
                    !nt.is_empty() && n.len() - nt.len() > base
                });
                if !next_inside {
                    break;
                }
                body.push("");
                i += 1;
                continue;
            }
            if ind <= base && (list_marker(t).is_some() || !is_lazy(t)) {
                break;
            }
            body.push(if ind > base {
                l.get(base + 2..).unwrap_or(t)
            } else {
                t
            });
            i += 1;
        }
        out.push_str("<li>");
        let (checkbox, body) = task(body);
        out.push_str(checkbox);
        if body.len() == 1 {
            inline(body[0].trim(), out);
        } else {
            let mut inner = String::new();
            blocks(&body, &mut inner, depth + 1);
            // A tight item's first paragraph stays inline, as renderers show it.
            let inner = inner
                .strip_prefix("<p>")
                .and_then(|r| r.split_once("</p>\n").map(|(a, b)| format!("{a}\n{b}")))
                .unwrap_or(inner);
            out.push_str(inner.trim_end());
        }
        out.push_str("</li>\n");
        while i < lines.len() && lines[i].trim().is_empty() {
            let more = lines.get(i + 1).is_some_and(|n| {
                let nt = n.trim_start();
                n.len() - nt.len() == base && list_marker(nt).is_some_and(|(o, _)| o == ordered)
            });
            if !more {
                break;
            }
            i += 1;
        }
    }
    out.push_str(if ordered { "</ol>\n" } else { "</ul>\n" });
    i
}

/// A paragraph line that continues an item without indentation.
fn is_lazy(line: &str) -> bool {
    !(line.starts_with('#') || line.starts_with('>') || fence_of(line).is_some() || is_rule(line))
}

fn task(mut body: Vec<&str>) -> (&'static str, Vec<&str>) {
    let first = body[0];
    let (checkbox, rest) = if let Some(r) = first.strip_prefix("[ ] ") {
        ("<input disabled=\"\" type=\"checkbox\"/> ", r)
    } else if let Some(r) = first
        .strip_prefix("[x] ")
        .or_else(|| first.strip_prefix("[X] "))
    {
        ("<input disabled=\"\" type=\"checkbox\" checked=\"\"/> ", r)
    } else {
        return ("", body);
    };
    body[0] = rest;
    (checkbox, body)
}

fn is_table_rule(line: &str) -> bool {
    let t = line.trim();
    t.contains('-')
        && t.contains('|') | t.starts_with('-')
        && t.chars().all(|c| matches!(c, '|' | '-' | ':' | ' ' | '\t'))
}

fn cells(line: &str) -> Vec<&str> {
    let t = line.trim();
    let t = t.strip_prefix('|').unwrap_or(t);
    let t = t.strip_suffix('|').unwrap_or(t);
    t.split('|').map(str::trim).collect()
}

fn table(lines: &[&str], mut i: usize, out: &mut String) -> usize {
    let head = cells(lines[i]);
    let aligns: Vec<&str> = cells(lines[i + 1])
        .iter()
        .map(|c| match (c.starts_with(':'), c.ends_with(':')) {
            (true, true) => " style=\"text-align: center\"",
            (false, true) => " style=\"text-align: right\"",
            (true, false) => " style=\"text-align: left\"",
            _ => "",
        })
        .collect();
    let row = |cols: &[&str], tag: &str, out: &mut String| {
        out.push_str("<tr>");
        for (n, c) in cols.iter().enumerate().take(head.len().max(1)) {
            out.push_str(&format!("<{tag}{}>", aligns.get(n).copied().unwrap_or("")));
            inline(c, out);
            out.push_str(&format!("</{tag}>"));
        }
        out.push_str("</tr>\n");
    };
    out.push_str("<table>\n<thead>\n");
    row(&head, "th", out);
    out.push_str("</thead>\n<tbody>\n");
    i += 2;
    while i < lines.len() && lines[i].contains('|') && !lines[i].trim().is_empty() {
        row(&cells(lines[i]), "td", out);
        i += 1;
    }
    out.push_str("</tbody>\n</table>\n");
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_markdown_renders() {
        let html = to_safe_html(
            "# Title\n\nSome *em* and `code`.\n\n- [x] done\n- two\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n```js\nlet x = 1 < 2;\n```\n",
        );
        for part in [
            "<h1>Title</h1>",
            "<em>em</em>",
            "<code>code</code>",
            "<input disabled=\"\" type=\"checkbox\" checked=\"\"/>",
            "<table>",
            "<td>2</td>",
            "<pre><code class=\"language-js\">let x = 1 &lt; 2;\n</code></pre>",
        ] {
            assert!(html.contains(part), "{part} missing in {html}");
        }
    }

    #[test]
    fn raw_html_is_text() {
        for hostile in [
            "<script>alert(1)</script>",
            "<img src=x onerror=alert(1)>",
            "<iframe src=\"https://evil.example\"></iframe>",
            "<div onclick=\"steal()\">x</div>",
            "<style>body{display:none}</style>",
            "text <b onmouseover=alert(1)>bold</b>",
            "<!-- <script>x</script> -->",
            "<svg><script>alert(1)</script></svg>",
        ] {
            let html = to_safe_html(hostile);
            let markup = html.replace("<p>", "").replace("</p>", "");
            assert!(!markup.contains('<'), "{hostile} gave markup: {html}");
        }
    }

    #[test]
    fn only_safe_links_survive_and_open_in_a_new_tab() {
        let html = to_safe_html("[site](https://example.org/a?b=1&c=\"2\" \"T\")");
        assert_eq!(
            html,
            "<p><a href=\"https://example.org/a?b=1&amp;c=&quot;2&quot;\" title=\"T\" target=\"_blank\" rel=\"noopener noreferrer\">site</a></p>\n"
        );
        assert_eq!(
            to_safe_html("[top](#top)"),
            "<p><a href=\"#top\">top</a></p>\n"
        );
        assert_eq!(
            to_safe_html("[mail](MAILTO:a@b.example)"),
            "<p><a href=\"MAILTO:a@b.example\" target=\"_blank\" rel=\"noopener noreferrer\">mail</a></p>\n"
        );
        for bad in [
            "[x](javascript:alert(1))",
            "[x]( JavaScript:alert(1))",
            "[x](data:text/html,<script>alert(1)</script>)",
            "[x](vbscript:msgbox)",
            "[x](/relative/path)",
            "[x](file:///etc/passwd)",
            "<javascript:alert(1)>",
        ] {
            let html = to_safe_html(bad);
            assert!(!html.contains("<a"), "{bad} kept a link: {html}");
        }
        // Balanced parentheses belong to the address.
        assert!(
            to_safe_html("[Rust](https://en.wikipedia.org/wiki/Rust_(language)).")
                .contains("href=\"https://en.wikipedia.org/wiki/Rust_(language)\" target")
        );
        // An autolink to a web address stays a link.
        assert!(to_safe_html("<https://example.org>").contains("href=\"https://example.org\""));
    }

    #[test]
    fn prose_as_models_write_it() {
        let html = to_safe_html(
            "Here is your app.\n\n## How it works\n\n1. Click **Add**\n2. Watch _the count_ grow\n   (it starts at `0`)\n\n> Note: it keeps ~~nothing~~ everything.\n\n---\nLine one  \nline two",
        );
        assert_eq!(
            html,
            "<p>Here is your app.</p>\n<h2>How it works</h2>\n<ol>\n<li>Click <strong>Add</strong></li>\n\
             <li>Watch <em>the count</em> grow\n(it starts at <code>0</code>)</li>\n</ol>\n\
             <blockquote>\n<p>Note: it keeps <del>nothing</del> everything.</p>\n</blockquote>\n\
             <hr />\n<p>Line one<br />\nline two</p>\n"
        );
        // Unclosed emphasis and code are text; snake_case words stay words.
        assert_eq!(to_safe_html("2 * 3 and `x"), "<p>2 * 3 and `x</p>\n");
        assert_eq!(to_safe_html("a_b_c"), "<p>a_b_c</p>\n");
        assert_eq!(to_safe_html("\\*not em\\*"), "<p>*not em*</p>\n");
    }

    #[test]
    fn any_input_gives_only_kiln_tags_balanced() {
        let allowed = [
            "p",
            "h1",
            "h2",
            "h3",
            "h4",
            "h5",
            "h6",
            "strong",
            "em",
            "del",
            "code",
            "pre",
            "ul",
            "ol",
            "li",
            "blockquote",
            "table",
            "thead",
            "tbody",
            "tr",
            "th",
            "td",
            "a",
            "br",
            "hr",
            "input",
        ];
        let check = |input: &str| {
            let html = to_safe_html(input);
            let mut stack: Vec<String> = Vec::new();
            let mut rest = html.as_str();
            while let Some(at) = rest.find('<') {
                let tag = &rest[at + 1..];
                let end = tag.find('>').expect("a tag ends");
                let inner = &tag[..end];
                let closing = inner.starts_with('/');
                let name: String = inner
                    .trim_start_matches('/')
                    .chars()
                    .take_while(char::is_ascii_alphanumeric)
                    .collect();
                assert!(allowed.contains(&name.as_str()), "<{inner}> from {input:?}");
                assert!(
                    !inner.contains(" on"),
                    "handler in <{inner}> from {input:?}"
                );
                if closing {
                    assert_eq!(
                        stack.pop().as_deref(),
                        Some(name.as_str()),
                        "{input:?}: {html}"
                    );
                } else if !["br", "hr", "input"].contains(&name.as_str()) {
                    stack.push(name);
                }
                rest = &tag[end + 1..];
            }
            assert!(stack.is_empty(), "{input:?} left {stack:?} open: {html}");
        };
        let pieces = [
            "*",
            "**",
            "_",
            "__",
            "~~",
            "`",
            "```",
            "[",
            "]",
            "(",
            ")",
            "![",
            "<",
            ">",
            "\\",
            "#",
            "- ",
            "1. ",
            "> ",
            "|",
            "---",
            "\n",
            "\n\n",
            "  ",
            "x",
            "é",
            "javascript:",
            "https://a.b",
            "<script>",
            "\"",
        ];
        // Every pair and triple of the pieces, and some long hostile runs.
        for a in pieces {
            for b in pieces {
                check(&format!("{a}{b}"));
                for c in pieces {
                    check(&format!("{a}{b}{c}x{a}"));
                }
            }
        }
        for hostile in [
            "[".repeat(50_000),
            "*a".repeat(50_000),
            "`".repeat(20_001) + "x",
            "> ".repeat(10_000) + "x",
            "- ".repeat(10_000) + "x",
            "[x](".repeat(20_000),
        ] {
            check(&hostile);
        }
    }

    #[test]
    fn images_become_links_and_nothing_is_loaded() {
        assert_eq!(
            to_safe_html("![a cat](https://example.org/cat.png)"),
            "<p><a href=\"https://example.org/cat.png\" target=\"_blank\" rel=\"noopener noreferrer\">a cat</a></p>\n"
        );
        assert_eq!(to_safe_html("![x](javascript:1)"), "<p>x</p>\n");
        // Nested: an image inside a link, both kept as links, balanced.
        let html = to_safe_html("[![i](https://e.example/i.png)](https://e.example/)");
        assert_eq!(html.matches("<a ").count(), html.matches("</a>").count());
        assert!(!html.contains("<img"));
    }
}
