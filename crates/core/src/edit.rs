//! Applying a model's find/replace edit to the current version of an artifact.
//!
//! The rule is deliberately strict: every find text must occur exactly once in the current
//! content, the found regions must not overlap, and then all replacements are made at once or
//! none is. A fuzzy match would sometimes patch the wrong place silently; a precise refusal
//! ("find block 2 of 3 matches 0 times") can be sent back to the model, which then rewrites the
//! artifact in full. All blocks are matched against the same current text, not one after
//! another, so the model only has to copy from what it was shown.

use thiserror::Error;

/// One find/replace pair of an edit.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EditBlock {
    /// Text copied from the current version; must occur there exactly once.
    pub find: String,
    /// What replaces it (empty to delete).
    pub replace: String,
}

impl EditBlock {
    /// A block from its two texts.
    pub fn new(find: impl Into<String>, replace: impl Into<String>) -> Self {
        Self {
            find: find.into(),
            replace: replace.into(),
        }
    }
}

/// Why an edit did not apply. Block numbers count from 1, as the model would.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum EditError {
    /// The edit held no find/replace block at all.
    #[error("edit has no find/replace blocks")]
    NoBlocks,
    /// A find text was empty, which would match everywhere.
    #[error("find block {block} of {of} is empty")]
    EmptyFind {
        /// Which block.
        block: usize,
        /// How many blocks the edit has.
        of: usize,
    },
    /// A find text does not occur in the current content.
    #[error("find block {block} of {of} matches 0 times")]
    NotFound {
        /// Which block.
        block: usize,
        /// How many blocks the edit has.
        of: usize,
    },
    /// A find text occurs more than once, so where to edit is ambiguous.
    #[error("find block {block} of {of} matches {count} times")]
    Ambiguous {
        /// Which block.
        block: usize,
        /// How many blocks the edit has.
        of: usize,
        /// How many times it occurs (at least 2).
        count: usize,
    },
    /// Two find texts cover some of the same characters.
    #[error("find blocks {first} and {second} overlap")]
    Overlap {
        /// The lower block number of the two.
        first: usize,
        /// The higher block number of the two.
        second: usize,
    },
}

/// Applies `blocks` to `content`: all of them, or none with the first reason found.
///
/// Work is linear in `content` per block (one substring search, and a second from just after
/// the first hit to prove there is no other).
pub fn apply_edit(content: &str, blocks: &[EditBlock]) -> Result<String, EditError> {
    let of = blocks.len();
    if of == 0 {
        return Err(EditError::NoBlocks);
    }
    // (start, end, block number) of each unique match.
    let mut spans = Vec::with_capacity(of);
    for (i, block) in blocks.iter().enumerate() {
        let number = i + 1;
        if block.find.is_empty() {
            return Err(EditError::EmptyFind { block: number, of });
        }
        let Some(start) = content.find(block.find.as_str()) else {
            return Err(EditError::NotFound { block: number, of });
        };
        // Search again from the next character, so overlapping repeats ("aa" in "aaa") count as
        // ambiguous too.
        let next = start + content[start..].chars().next().map_or(1, char::len_utf8);
        if content[next..].contains(block.find.as_str()) {
            let count = content.matches(block.find.as_str()).count().max(2);
            return Err(EditError::Ambiguous {
                block: number,
                of,
                count,
            });
        }
        spans.push((start, start + block.find.len(), number));
    }
    spans.sort_unstable();
    for pair in spans.windows(2) {
        if let [(_, end, first), (start, _, second)] = pair
            && start < end
        {
            return Err(EditError::Overlap {
                first: (*first).min(*second),
                second: (*first).max(*second),
            });
        }
    }
    let mut out = String::with_capacity(content.len());
    let mut at = 0;
    for (start, end, number) in spans {
        out.push_str(&content[at..start]);
        if let Some(block) = blocks.get(number - 1) {
            out.push_str(&block.replace);
        }
        at = end;
    }
    out.push_str(&content[at..]);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_each_unique_match() {
        let content = "a\nb\nc\n";
        let out = apply_edit(
            content,
            &[EditBlock::new("c\n", "C\n"), EditBlock::new("a\n", "")],
        )
        .unwrap();
        assert_eq!(out, "b\nC\n");
    }

    #[test]
    fn all_or_nothing_with_block_numbers() {
        let content = "x = 1\ny = 1\n";
        let blocks = [
            EditBlock::new("x = 1", "x = 2"),
            EditBlock::new("z", "w"),
            EditBlock::new("= 1", "= 3"),
        ];
        assert_eq!(
            apply_edit(content, &blocks),
            Err(EditError::NotFound { block: 2, of: 3 })
        );
        assert_eq!(
            apply_edit(content, &blocks[2..]),
            Err(EditError::Ambiguous {
                block: 1,
                of: 1,
                count: 2
            })
        );
    }

    #[test]
    fn overlapping_repeats_are_ambiguous() {
        assert_eq!(
            apply_edit("aaa", &[EditBlock::new("aa", "b")]),
            Err(EditError::Ambiguous {
                block: 1,
                of: 1,
                count: 2
            })
        );
    }

    #[test]
    fn overlapping_blocks_are_refused() {
        let blocks = [EditBlock::new("cde", "_"), EditBlock::new("abc", "_")];
        assert_eq!(
            apply_edit("abcdef", &blocks),
            Err(EditError::Overlap {
                first: 1,
                second: 2
            })
        );
        // Touching is fine.
        let blocks = [EditBlock::new("abc", "1"), EditBlock::new("def", "2")];
        assert_eq!(apply_edit("abcdef", &blocks).unwrap(), "12");
    }

    #[test]
    fn empty_and_missing_blocks() {
        assert_eq!(apply_edit("x", &[]), Err(EditError::NoBlocks));
        assert_eq!(
            apply_edit("x", &[EditBlock::new("", "y")]),
            Err(EditError::EmptyFind { block: 1, of: 1 })
        );
    }

    #[test]
    fn multibyte_text() {
        let out = apply_edit("ééé — ü", &[EditBlock::new("— ü", "ok")]).unwrap();
        assert_eq!(out, "ééé ok");
        assert!(matches!(
            apply_edit("ééé", &[EditBlock::new("éé", "x")]),
            Err(EditError::Ambiguous { .. })
        ));
    }

    #[test]
    fn messages_read_well() {
        assert_eq!(
            EditError::NotFound { block: 2, of: 3 }.to_string(),
            "find block 2 of 3 matches 0 times"
        );
        assert_eq!(
            EditError::Overlap {
                first: 1,
                second: 2
            }
            .to_string(),
            "find blocks 1 and 2 overlap"
        );
    }
}
