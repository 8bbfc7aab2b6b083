//! Recognisers for single lines: fence openers and closers, opening tags with attributes,
//! LibreChat directives and edit markers.
//!
//! Each works on one line that the extractor has already cut at `\n` and stripped of `\r`, and
//! looks at it once, so the extractor stays linear in the reply. They are lenient where models
//! vary (quotes, case, attribute order, extra spaces) and strict where leniency would end an
//! artifact early (closers must stand alone on their line).

/// A line that opens a fenced code block (CommonMark: up to 3 spaces, then 3+ backticks or 3+
/// tildes, then an info string; a backtick fence's info string has no backtick).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FenceOpen<'a> {
    pub ch: u8,
    pub len: usize,
    pub indent: usize,
    pub info: &'a str,
}

fn leading_spaces(line: &str) -> usize {
    line.bytes().take_while(|&b| b == b' ').count()
}

pub(crate) fn fence_open(line: &str) -> Option<FenceOpen<'_>> {
    let indent = leading_spaces(line);
    if indent > 3 {
        return None;
    }
    let rest = &line[indent..];
    let ch = *rest.as_bytes().first()?;
    if ch != b'`' && ch != b'~' {
        return None;
    }
    let len = rest.bytes().take_while(|&b| b == ch).count();
    if len < 3 {
        return None;
    }
    let info = rest[len..].trim();
    if ch == b'`' && info.contains('`') {
        return None;
    }
    Some(FenceOpen {
        ch,
        len,
        indent,
        info,
    })
}

/// True when `line` closes a fence opened with `len` of `ch`: same character, at least as many,
/// up to 3 spaces before and only white space after.
pub(crate) fn is_fence_close(line: &str, ch: u8, len: usize) -> bool {
    let indent = leading_spaces(line);
    if indent > 3 {
        return false;
    }
    let rest = &line[indent..];
    let run = rest.bytes().take_while(|&b| b == ch).count();
    run >= len && rest[run..].trim().is_empty()
}

/// True when a partial line could still turn into a closer of this fence once more arrives.
pub(crate) fn could_close_fence(partial: &str, ch: u8) -> bool {
    let indent = leading_spaces(partial);
    indent <= 3 && {
        let rest = &partial[indent..];
        let run = rest.bytes().take_while(|&b| b == ch).count();
        rest[run..].trim().is_empty()
    }
}

/// The language word of an info string, lowercased: `html`, `tsx{path=App.tsx}` → `tsx`,
/// `python title="x"` → `python`.
pub(crate) fn info_language(info: &str) -> Option<String> {
    let word = info
        .split(|c: char| c.is_whitespace() || matches!(c, '{' | ',' | ':' | ';'))
        .next()?;
    let word = word.trim_start_matches('.');
    let word = word.strip_prefix("language-").unwrap_or(word);
    (!word.is_empty()).then(|| word.to_ascii_lowercase())
}

pub(crate) fn starts_with_ci(hay: &str, needle: &str) -> bool {
    hay.len() >= needle.len()
        && hay.as_bytes()[..needle.len()].eq_ignore_ascii_case(needle.as_bytes())
}

pub(crate) fn ends_with_ci(hay: &str, needle: &str) -> bool {
    hay.len() >= needle.len()
        && hay.as_bytes()[hay.len() - needle.len()..].eq_ignore_ascii_case(needle.as_bytes())
}

/// Byte offset of the first case-insensitive occurrence of an ASCII `needle`.
pub(crate) fn find_ci(hay: &str, needle: &str) -> Option<usize> {
    let needle = needle.as_bytes();
    let first = *needle.first()?;
    let hay = hay.as_bytes();
    let mut from = 0;
    while let Some(i) = hay
        .get(from..)?
        .iter()
        .position(|b| b.eq_ignore_ascii_case(&first))
    {
        let at = from + i;
        if hay
            .get(at..at + needle.len())
            .is_some_and(|w| w.eq_ignore_ascii_case(needle))
        {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

/// True when `partial` (a line still being received) could become the ASCII line `closer`.
pub(crate) fn could_be_line(partial: &str, closer: &str) -> bool {
    let t = partial.trim_start();
    if t.len() <= closer.len() {
        closer.as_bytes()[..t.len()].eq_ignore_ascii_case(t.as_bytes())
    } else {
        t.trim_end().eq_ignore_ascii_case(closer)
    }
}

/// A bare HTML document starts at a line with `<!DOCTYPE html` or an `<html` tag, followed by
/// nothing or by another tag: prose that begins with a tag ("<html> is the root element") is
/// not a page.
pub(crate) fn is_html_start(trimmed: &str) -> bool {
    let opens = starts_with_ci(trimmed, "<!doctype html")
        || (starts_with_ci(trimmed, "<html")
            && trimmed
                .as_bytes()
                .get(5)
                .is_none_or(|&b| b == b'>' || b.is_ascii_whitespace()));
    opens
        && trimmed.find('>').is_none_or(|gt| {
            let rest = trimmed[gt + 1..].trim_start();
            rest.is_empty() || rest.starts_with('<')
        })
}

/// The tag name after `<` (ASCII letters, digits, `-`, `_`, `:`), lowercased, and what follows.
pub(crate) fn tag_name(trimmed: &str) -> Option<(String, &str)> {
    let after = trimmed.strip_prefix('<')?;
    let end = after
        .bytes()
        .position(|b| !(b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b':')))
        .unwrap_or(after.len());
    if end == 0 {
        return None;
    }
    Some((after[..end].to_ascii_lowercase(), &after[end..]))
}

/// Attributes as (lowercased name, decoded value), in order.
pub(crate) type Attrs = Vec<(String, String)>;

/// Looks up an attribute by any of its accepted names.
pub(crate) fn attr(attrs: &Attrs, names: &[&str]) -> Option<String> {
    names.iter().find_map(|name| {
        attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    })
}

/// Parses attributes up to the unquoted `end` byte (`>` for tags, `}` for directives) and
/// returns them with the text after `end`; `None` when `end` has not arrived yet.
///
/// Accepts `a="x"`, `a='x'`, `a=x` and bare `a`; skips anything else rather than failing, since
/// a stray character in a model's tag should not lose the artifact.
pub(crate) fn parse_attrs(s: &str, end: u8) -> Option<(Attrs, &str)> {
    let b = s.as_bytes();
    let mut attrs = Vec::new();
    let mut i = 0;
    loop {
        while b.get(i).is_some_and(u8::is_ascii_whitespace) {
            i += 1;
        }
        let c = *b.get(i)?;
        if c == end {
            return Some((attrs, &s[i + 1..]));
        }
        if c == b'/' && b.get(i + 1) == Some(&end) {
            return Some((attrs, &s[i + 2..]));
        }
        let name_start = i;
        while b
            .get(i)
            .is_some_and(|&c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b':' | b'.'))
        {
            i += 1;
        }
        if i == name_start {
            // Not an attribute name: skip the character (a whole UTF-8 sequence).
            i += s[i..].chars().next().map_or(1, char::len_utf8);
            continue;
        }
        let name = s[name_start..i].to_ascii_lowercase();
        let mut j = i;
        while b.get(j).is_some_and(u8::is_ascii_whitespace) {
            j += 1;
        }
        if b.get(j) != Some(&b'=') {
            attrs.push((name, String::new()));
            continue;
        }
        j += 1;
        while b.get(j).is_some_and(u8::is_ascii_whitespace) {
            j += 1;
        }
        let q = *b.get(j)?;
        let value = if q == b'"' || q == b'\'' {
            let len = b.get(j + 1..)?.iter().position(|&c| c == q)?;
            let v = &s[j + 1..j + 1 + len];
            i = j + 1 + len + 1;
            v
        } else {
            let len = b[j..]
                .iter()
                .position(|&c| c.is_ascii_whitespace() || c == end)
                .unwrap_or(b.len() - j);
            i = j + len;
            &s[j..j + len]
        };
        attrs.push((name, decode_entities(value)));
    }
}

/// Decodes the few character references models put in attribute values.
pub(crate) fn decode_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let decoded = rest.get(1..).and_then(|after| {
            let semi = after.bytes().take(10).position(|b| b == b';')?;
            let name = &after[..semi];
            let c = match name {
                "amp" => '&',
                "lt" => '<',
                "gt" => '>',
                "quot" => '"',
                "apos" => '\'',
                _ => {
                    let num = name.strip_prefix('#')?;
                    let code = match num.strip_prefix(['x', 'X']) {
                        Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                        None => num.parse().ok()?,
                    };
                    char::from_u32(code)?
                }
            };
            Some((c, semi + 2))
        });
        match decoded {
            Some((c, used)) => {
                out.push(c);
                rest = &rest[used..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Which marker of a find/replace block a line is, if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Marker {
    /// `<<<<<<< SEARCH` (or `FIND`).
    Find,
    /// `=======`.
    Divider,
    /// `>>>>>>> REPLACE`.
    Replace,
}

pub(crate) fn edit_marker(line: &str) -> Option<Marker> {
    let t = line.trim();
    if t == "=======" {
        return Some(Marker::Divider);
    }
    let ch = *t.as_bytes().first()?;
    if ch != b'<' && ch != b'>' {
        return None;
    }
    let run = t.bytes().take_while(|&b| b == ch).count();
    if !(5..=9).contains(&run) {
        return None;
    }
    let word = t[run..].trim();
    match ch {
        b'<' if word.eq_ignore_ascii_case("search") || word.eq_ignore_ascii_case("find") => {
            Some(Marker::Find)
        }
        b'>' if word.eq_ignore_ascii_case("replace") => Some(Marker::Replace),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fences_follow_commonmark() {
        let f = fence_open("```html").unwrap();
        assert_eq!((f.ch, f.len, f.indent, f.info), (b'`', 3, 0, "html"));
        let f = fence_open("   ~~~~ python title=x").unwrap();
        assert_eq!(
            (f.ch, f.len, f.indent, f.info),
            (b'~', 4, 3, "python title=x")
        );
        assert_eq!(fence_open("    ```"), None, "four spaces is indented code");
        assert_eq!(fence_open("``"), None);
        assert_eq!(fence_open("``` a`b"), None);
        assert!(fence_open("~~~ a`b").is_some());

        assert!(is_fence_close("```", b'`', 3));
        assert!(is_fence_close("  ````  ", b'`', 3));
        assert!(!is_fence_close("```", b'`', 4));
        assert!(!is_fence_close("```js", b'`', 3));
        assert!(!is_fence_close("~~~", b'`', 3));
        assert!(!is_fence_close("    ```", b'`', 3));
        assert!(!is_fence_close("const s = \"```\";", b'`', 3));
    }

    #[test]
    fn partial_fence_closers() {
        assert!(could_close_fence("", b'`'));
        assert!(could_close_fence("  ``", b'`'));
        assert!(!could_close_fence("  `x", b'`'));
        assert!(!could_close_fence("    ", b'`'));
    }

    #[test]
    fn info_language_takes_the_first_word() {
        assert_eq!(info_language("HTML").as_deref(), Some("html"));
        assert_eq!(
            info_language("tsx{path=src/App.tsx}").as_deref(),
            Some("tsx")
        );
        assert_eq!(
            info_language("python title=\"x\"").as_deref(),
            Some("python")
        );
        assert_eq!(info_language("language-rust").as_deref(), Some("rust"));
        assert_eq!(info_language(""), None);
        assert_eq!(info_language("{.html}"), None);
    }

    #[test]
    fn case_insensitive_helpers() {
        assert_eq!(find_ci("abc </THINK> x", "</think>"), Some(4));
        assert_eq!(find_ci("é</think>", "</think>"), Some(2));
        assert_eq!(find_ci("</thin", "</think>"), None);
        assert!(ends_with_ci("</body></HTML>", "</html>"));
        assert!(could_be_line("  </kiln-art", "</kiln-artifact>"));
        assert!(could_be_line("</KILN-ARTIFACT>  ", "</kiln-artifact>"));
        assert!(!could_be_line("<div>", "</kiln-artifact>"));
    }

    #[test]
    fn html_starts() {
        assert!(is_html_start("<!DOCTYPE html>"));
        assert!(is_html_start("<!doctype HTML>"));
        assert!(is_html_start("<html lang=\"en\">"));
        assert!(is_html_start("<html"));
        assert!(is_html_start("<!DOCTYPE html><html><body>"));
        assert!(!is_html_start("<html> is the root element of a page."));
        assert!(!is_html_start("<!DOCTYPE html> goes first."));
        assert!(!is_html_start("<htmlish>"));
        assert!(!is_html_start("<head>"));
    }

    #[test]
    fn attributes_in_any_quoting() {
        let (attrs, rest) = parse_attrs(
            r#" id="a b" kind='html' title=Tom&amp;Jerry hidden>tail"#,
            b'>',
        )
        .unwrap();
        assert_eq!(rest, "tail");
        assert_eq!(attr(&attrs, &["id"]).as_deref(), Some("a b"));
        assert_eq!(attr(&attrs, &["type", "kind"]).as_deref(), Some("html"));
        assert_eq!(attr(&attrs, &["title"]).as_deref(), Some("Tom&Jerry"));
        assert_eq!(
            attr(&attrs, &["hidden"]),
            None,
            "empty values count as absent"
        );
        assert_eq!(parse_attrs(r#" id="unterminated>"#, b'>'), None);
        assert_eq!(parse_attrs(" id=x", b'>'), None);
        let (attrs, rest) = parse_attrs(r#"identifier="x" title="a > b"}"#, b'}').unwrap();
        assert_eq!(attr(&attrs, &["title"]).as_deref(), Some("a > b"));
        assert_eq!(rest, "");
        let (attrs, _) = parse_attrs(" ü id=1 />", b'>').unwrap();
        assert_eq!(attr(&attrs, &["id"]).as_deref(), Some("1"));
    }

    #[test]
    fn entities() {
        assert_eq!(
            decode_entities("a &lt;b&gt; &#39;c&#x27; &quot;"),
            "a <b> 'c' \""
        );
        assert_eq!(decode_entities("AT&T &bogus; &"), "AT&T &bogus; &");
        assert_eq!(decode_entities("&#xFFFFFFFF;"), "&#xFFFFFFFF;");
    }

    #[test]
    fn markers() {
        assert_eq!(edit_marker("<<<<<<< SEARCH"), Some(Marker::Find));
        assert_eq!(edit_marker("  <<<<<<< find "), Some(Marker::Find));
        assert_eq!(edit_marker("======="), Some(Marker::Divider));
        assert_eq!(edit_marker(">>>>>>> REPLACE"), Some(Marker::Replace));
        assert_eq!(edit_marker("====="), None);
        assert_eq!(edit_marker("<<<<<<< HEAD"), None);
        assert_eq!(edit_marker("<<< SEARCH"), None);
    }
}
