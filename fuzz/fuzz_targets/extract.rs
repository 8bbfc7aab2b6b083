//! Any bytes, fed whole and in chunks: no panic, and the same events and artifacts either way.
//! The first byte picks the chunk size. Bytes go through the UTF-8 byte feeder; when they are
//! valid UTF-8 they also go through `feed` in `&str` chunks cut at character boundaries.

#![no_main]

use kiln_core::extract::{Event, ExtractReport, Extractor};
use libfuzzer_sys::fuzz_target;

type Run = (Vec<Event>, ExtractReport);

fn finish(mut ex: Extractor, mut events: Vec<Event>) -> Run {
    events.extend_from_slice(ex.finish());
    (events, ex.report())
}

fn run_bytes<'a>(pieces: impl IntoIterator<Item = &'a [u8]>) -> Run {
    let mut ex = Extractor::new();
    let mut events = Vec::new();
    for piece in pieces {
        events.extend_from_slice(ex.feed_bytes(piece));
        // The live preview is read on every chunk in the app; it must hold up too.
        if let Some(p) = ex.current() {
            assert!(p.index <= ex.artifacts().len());
        }
    }
    finish(ex, events)
}

fn run_str(text: &str, size: usize) -> Run {
    let mut ex = Extractor::new();
    let mut events = Vec::new();
    let mut at = 0;
    while at < text.len() {
        let mut end = (at + size).min(text.len());
        while !text.is_char_boundary(end) {
            end += 1;
        }
        events.extend_from_slice(ex.feed(&text[at..end]));
        at = end;
    }
    finish(ex, events)
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, body)) = data.split_first() else {
        return;
    };
    let size = usize::from(pick % 32) + 1;
    let whole = run_bytes([body]);
    assert_eq!(whole, run_bytes(body.chunks(size)));
    if let Ok(text) = std::str::from_utf8(body) {
        assert_eq!(whole, run_str(text, size));
    }
    assert!(whole.1.summary().ends_with('\n'));
});
