//! No input panics: arbitrary text, and text built from the very tokens the extractor reacts
//! to (so the odd states are reached), fed whole and in pieces; arbitrary bytes through the
//! byte feeder; arbitrary edits.

use kiln_core::edit::{EditBlock, apply_edit};
use proptest::prelude::*;

use super::support::{run_byte_chunks, run_chunks, split_at_chars, split_bytes};

/// Pieces that open, close or confuse something, mixed with ordinary text.
fn token() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "\n",
        "\r\n",
        "\r",
        " ",
        "   ",
        "\u{feff}",
        "é",
        "😀",
        "x",
        "text ",
        "```",
        "````",
        "~~~",
        "```html",
        "```jsx",
        "```md",
        "```text",
        "```mermaid",
        "```svg",
        "<",
        ">",
        "\"",
        "'",
        "{",
        "}",
        "<kiln-artifact id=\"a\" kind=\"html\">",
        "<kiln-artifact",
        " id=\"a\"",
        "</kiln-artifact>",
        "<kiln-edit id=\"a\">",
        "<kiln-edit>",
        "</kiln-edit>",
        "<<<<<<< SEARCH",
        "=======",
        ">>>>>>> REPLACE",
        "<antArtifact identifier=\"b\" type=\"text/html\">",
        "</antArtifact>",
        ":::artifact{identifier=\"c\" type=\"text/html\"}",
        ":::",
        "<think>",
        "</think>",
        "<thinking>",
        "</thinking>",
        "<!DOCTYPE html>",
        "<html>",
        "</html>",
        "export default function A() { return <p/>; }",
        "&amp;",
        "&#x1F600;",
    ])
}

fn reply() -> impl Strategy<Value = String> {
    prop::collection::vec(token(), 0..80).prop_map(|t| t.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn token_soup_is_chunk_independent(
        text in reply(),
        cuts in prop::collection::vec(any::<usize>(), 0..16),
    ) {
        let seed = Default::default();
        let whole = run_chunks(&seed, [text.as_str()]);
        let chunked = run_chunks(&seed, split_at_chars(&text, &cuts));
        prop_assert_eq!(chunked, whole);
    }

    #[test]
    fn arbitrary_text_does_not_panic(text in any::<String>()) {
        let seed = Default::default();
        run_chunks(&seed, [text.as_str()]);
    }

    #[test]
    fn arbitrary_bytes_do_not_panic(
        bytes in prop::collection::vec(any::<u8>(), 0..256),
        cuts in prop::collection::vec(any::<usize>(), 0..8),
    ) {
        let seed = Default::default();
        let whole = run_byte_chunks(&seed, [bytes.as_slice()]);
        let chunked = run_byte_chunks(&seed, split_bytes(&bytes, &cuts));
        prop_assert_eq!(chunked, whole);
    }

    #[test]
    fn edits_apply_exactly_or_not_at_all(
        content in "[ab\n]{0,40}",
        blocks in prop::collection::vec(("[ab\n]{0,4}", "[xy]{0,3}"), 0..4),
    ) {
        let blocks: Vec<EditBlock> =
            blocks.into_iter().map(|(f, r)| EditBlock::new(f, r)).collect();
        if let Ok(out) = apply_edit(&content, &blocks) {
            let removed: usize = blocks.iter().map(|b| b.find.len()).sum();
            let added: usize = blocks.iter().map(|b| b.replace.len()).sum();
            prop_assert_eq!(out.len(), content.len() - removed + added);
            for b in &blocks {
                prop_assert_eq!(content.matches(b.find.as_str()).count(), 1);
            }
        }
    }
}
