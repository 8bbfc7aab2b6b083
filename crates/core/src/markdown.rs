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

use pulldown_cmark::{CowStr, Event, Options, Parser, Tag, TagEnd, html};

/// Markdown (CommonMark with tables, strikethrough and task lists) as safe HTML.
///
/// ```
/// use kiln_core::markdown::to_safe_html;
///
/// let html = to_safe_html("**Hi** <script>alert(1)</script> [x](javascript:alert(1))");
/// assert_eq!(html, "<p><strong>Hi</strong> &lt;script&gt;alert(1)&lt;/script&gt; x</p>\n");
/// ```
pub fn to_safe_html(markdown: &str) -> String {
    let options =
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS;
    // Whether each open link (or image shown as one) was kept, so its end is kept or dropped
    // with it.
    let mut links: Vec<bool> = Vec::new();
    let events = Parser::new_ext(markdown, options).filter_map(|event| match event {
        Event::Html(raw) | Event::InlineHtml(raw) => Some(Event::Text(raw)),
        Event::Start(Tag::Link {
            dest_url, title, ..
        })
        | Event::Start(Tag::Image {
            dest_url, title, ..
        }) => {
            let keep = safe_url(&dest_url);
            links.push(keep);
            keep.then(|| Event::InlineHtml(CowStr::from(link_open(&dest_url, &title))))
        }
        Event::End(TagEnd::Link | TagEnd::Image) => links
            .pop()
            .unwrap_or(false)
            .then_some(Event::InlineHtml(CowStr::Borrowed("</a>"))),
        other => Some(other),
    });
    let mut out = String::with_capacity(markdown.len() + markdown.len() / 4);
    html::push_html(&mut out, events);
    out
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
        // An autolink to a web address stays a link.
        assert!(to_safe_html("<https://example.org>").contains("href=\"https://example.org\""));
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
