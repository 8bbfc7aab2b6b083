//! Inline Markdown: emphasis, code spans, links and images (made safe: only web, mail and
//! in-page targets, opened without an opener; images become links), and HTML escaping.

use super::{FAILED_LOOKS, MAX_DEPTH, ahead};

/// Inline Markdown: code spans, emphasis, strikethrough, links, images (as links),
/// autolinks, backslash escapes; everything else is escaped text.
pub(super) fn inline(text: &str, out: &mut String) {
    let mut looks = FAILED_LOOKS;
    inline_at(text, out, 0, &mut looks);
}

fn inline_at(text: &str, out: &mut String, depth: usize, looks: &mut usize) {
    let mut rest = text;
    // Open emphasis runs: ("**", index in `out` where the run's text starts).
    let mut open: Vec<(&'static str, usize)> = Vec::new();
    while let Some(c) = rest.chars().next() {
        match c {
            '\\' if rest[1..].starts_with(|n: char| n.is_ascii_punctuation()) => {
                let n = rest[1..].chars().next().unwrap_or('\\');
                escape_into(n.encode_utf8(&mut [0; 4]), out);
                rest = &rest[1 + n.len_utf8()..];
            }
            '`' => {
                let run = rest.len() - rest.trim_start_matches('`').len();
                let fence = &rest[..run];
                let found = (*looks > 0)
                    .then(|| ahead(&rest[run..]).find(fence))
                    .flatten();
                if found.is_none() {
                    *looks = looks.saturating_sub(1);
                }
                match found {
                    Some(end) => {
                        out.push_str("<code>");
                        escape_into(rest[run..run + end].trim(), out);
                        out.push_str("</code>");
                        rest = &rest[run + end + run..];
                    }
                    None => {
                        out.push_str(fence);
                        rest = &rest[run..];
                    }
                }
            }
            '*' | '_' | '~' => {
                let run = rest.len() - rest.trim_start_matches(c).len();
                let (token, tag): (&'static str, &str) = match (c, run) {
                    ('~', 2..) => ("~~", "del"),
                    ('~', _) => ("~", ""),
                    ('*', 2..) => ("**", "strong"),
                    ('_', 2..) => ("__", "strong"),
                    ('*', _) => ("*", "em"),
                    _ => ("_", "em"),
                };
                let after = &rest[token.len()..];
                let before_ws = out.ends_with(|b: char| b.is_whitespace())
                    || out.is_empty()
                    || out.ends_with('>');
                if tag.is_empty() {
                    out.push('~');
                } else if let Some(pos) = open.iter().rposition(|(t, _)| *t == token) {
                    // Close it, and first any run opened inside it that is still open.
                    for (inner, _) in open.drain(pos..).skip(1).rev() {
                        out.push_str(closing(inner));
                    }
                    out.push_str(&format!("</{tag}>"));
                } else if !after.starts_with(char::is_whitespace)
                    && !after.is_empty()
                    && (c != '_' || before_ws)
                    && *looks > 0
                    && (ahead(after).contains(token) || {
                        *looks -= 1;
                        false
                    })
                {
                    out.push_str(&format!("<{tag}>"));
                    open.push((token, out.len()));
                } else {
                    out.push_str(token);
                }
                rest = after;
            }
            '!' if rest[1..].starts_with('[') => match link(&rest[1..], depth, looks) {
                Some((label, url, title, used)) => {
                    push_link(&label, url, title, out);
                    rest = &rest[1 + used..];
                }
                None => {
                    out.push('!');
                    rest = &rest[1..];
                }
            },
            '[' => match link(rest, depth, looks) {
                Some((label, url, title, used)) => {
                    push_link(&label, url, title, out);
                    rest = &rest[used..];
                }
                None => {
                    out.push('[');
                    rest = &rest[1..];
                }
            },
            '<' => match rest[1..].find('>').map(|e| &rest[1..1 + e]) {
                Some(url)
                    if !url.contains(char::is_whitespace) && safe_url(url) && url.contains(':') =>
                {
                    out.push_str(&link_open(url, ""));
                    escape_into(url, out);
                    out.push_str("</a>");
                    rest = &rest[url.len() + 2..];
                }
                _ => {
                    out.push_str("&lt;");
                    rest = &rest[1..];
                }
            },
            '\n' => {
                if out.ends_with("  ") {
                    let keep = out.trim_end_matches(' ').len();
                    out.truncate(keep);
                    out.push_str("<br />");
                }
                out.push('\n');
                rest = &rest[1..];
            }
            _ => {
                escape_into(c.encode_utf8(&mut [0; 4]), out);
                rest = &rest[c.len_utf8()..];
            }
        }
    }
    // Runs never closed are closed at the end, so the markup always balances.
    for (token, _) in open.into_iter().rev() {
        out.push_str(closing(token));
    }
}

fn closing(token: &str) -> &'static str {
    match token {
        "**" | "__" => "</strong>",
        "~~" => "</del>",
        _ => "</em>",
    }
}

/// `[label](url "title")` at the start of `text`: the label's HTML, url, title and the bytes
/// used.
fn link<'t>(
    text: &'t str,
    depth: usize,
    looks: &mut usize,
) -> Option<(String, &'t str, &'t str, usize)> {
    if depth >= MAX_DEPTH || *looks == 0 {
        return None;
    }
    // Counted as a failure unless it turns out to be a link.
    *looks -= 1;
    let mut level = 0usize;
    let mut close = None;
    for (n, c) in ahead(text).char_indices() {
        match c {
            '[' => level += 1,
            ']' => {
                level = level.saturating_sub(1);
                if level == 0 {
                    close = Some(n);
                    break;
                }
            }
            _ => {}
        }
    }
    let close = close?;
    let after = text[close + 1..].strip_prefix('(')?;
    // The destination may hold balanced parentheses, as `alert(1)` does.
    let mut parens = 0usize;
    let end = ahead(after).char_indices().find_map(|(n, c)| match c {
        '(' => {
            parens += 1;
            None
        }
        ')' if parens == 0 => Some(n),
        ')' => {
            parens -= 1;
            None
        }
        _ => None,
    })?;
    let inside = after[..end].trim();
    let (url, title) = match inside.split_once(char::is_whitespace) {
        Some((u, t)) => (u, t.trim().trim_matches('"')),
        None => (inside, ""),
    };
    let url = url.trim_start_matches('<').trim_end_matches('>');
    let mut label = String::new();
    *looks += 1;
    inline_at(&text[1..close], &mut label, depth + 1, looks);
    Some((label, url, title, close + 2 + end + 1))
}

/// A link kept only if its target is safe; its text is kept either way. Links inside the
/// label (an image in a link) are flattened so links never nest.
fn push_link(label: &str, url: &str, title: &str, out: &mut String) {
    let label = strip_links(label);
    if safe_url(url) {
        out.push_str(&link_open(url, title));
        out.push_str(&label);
        out.push_str("</a>");
    } else {
        out.push_str(&label);
    }
}

fn strip_links(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(at) = rest.find("<a ") {
        out.push_str(&rest[..at]);
        rest = rest[at..].split_once('>').map_or("", |(_, r)| r);
    }
    out.push_str(rest);
    out.replace("</a>", "")
}

pub(super) fn escape_into(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
}

/// Whether a link target may appear in the page.
fn safe_url(url: &str) -> bool {
    let url = url.trim_start_matches(|c: char| c.is_whitespace() || c.is_control());
    if url.starts_with('#') {
        return true;
    }
    let Some((scheme, _)) = url.split_once(':') else {
        return false;
    };
    ["http", "https", "mailto"]
        .iter()
        .any(|s| scheme.eq_ignore_ascii_case(s))
}

fn link_open(url: &str, title: &str) -> String {
    let mut tag = format!("<a href=\"{}\"", attribute(url));
    if !title.is_empty() {
        tag.push_str(&format!(" title=\"{}\"", attribute(title)));
    }
    if !url.starts_with('#') {
        tag.push_str(" target=\"_blank\" rel=\"noopener noreferrer\"");
    }
    tag.push('>');
    tag
}

fn attribute(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    out
}
