//! Any content and find/replace blocks: no panic, and a successful edit replaced exactly one
//! occurrence of each find text.

#![no_main]

use kiln_core::edit::{EditBlock, apply_edit};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: (String, Vec<(String, String)>)| {
    let (content, pairs) = input;
    let blocks: Vec<EditBlock> = pairs
        .into_iter()
        .map(|(find, replace)| EditBlock::new(find, replace))
        .collect();
    if let Ok(out) = apply_edit(&content, &blocks) {
        let removed: usize = blocks.iter().map(|b| b.find.len()).sum();
        let added: usize = blocks.iter().map(|b| b.replace.len()).sum();
        assert_eq!(out.len() + removed, content.len() + added);
        for block in &blocks {
            assert!(!block.find.is_empty());
            assert_eq!(content.matches(block.find.as_str()).count(), 1);
        }
    }
});
