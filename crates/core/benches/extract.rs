//! Extractor throughput, and the cost of the alternative it replaces.
//!
//! The input is about 1 MiB of realistic reply text: recorded fixture replies of every style
//! (Kiln tags, Claude tags, LibreChat directives, plain fences with snippets, think blocks, bare
//! HTML, an edit) concatenated until the size is reached. Each measurement feeds it to a fresh
//! extractor and finishes it:
//!
//! - `incremental/64KiB`, `incremental/16B`, `incremental/1B`: our extractor fed in chunks of
//!   that size (1B means one character per chunk: `feed` takes `&str`). 16 bytes is about what a
//!   provider stream delivers per token event.
//! - `reparse/64KiB`: what some chat UIs do, a full re-parse of everything received so far on
//!   every chunk. Quadratic in the number of chunks, so at smaller chunk sizes it is measured on
//!   a 64 KiB prefix instead (`reparse_64KiB_input/*`), beside the incremental extractor on the
//!   same prefix.
//!
//! Run: `CARGO_TARGET_DIR=/work/target-core cargo bench -p kiln-core -j1 --bench extract`.
//! BENCHMARKS.md ("Extractor") has the figures.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use kiln_core::extract::Extractor;

const SOURCES: &[&str] = &[
    include_str!("../tests/fixtures/kiln_html_basic.reply.txt"),
    include_str!("../tests/fixtures/kiln_inner_fence.reply.txt"),
    include_str!("../tests/fixtures/kiln_code_python.reply.txt"),
    include_str!("../tests/fixtures/kiln_markdown_with_fences.reply.txt"),
    include_str!("../tests/fixtures/claude_html.reply.txt"),
    include_str!("../tests/fixtures/claude_react.reply.txt"),
    include_str!("../tests/fixtures/claude_svg_and_mermaid.reply.txt"),
    include_str!("../tests/fixtures/librechat_react.reply.txt"),
    include_str!("../tests/fixtures/fence_html_doc.reply.txt"),
    include_str!("../tests/fixtures/fence_mixed_app_and_snippets.reply.txt"),
    include_str!("../tests/fixtures/fence_python_script.reply.txt"),
    include_str!("../tests/fixtures/fence_markdown_nested_same_length.reply.txt"),
    include_str!("../tests/fixtures/think_with_draft_code.reply.txt"),
    include_str!("../tests/fixtures/bare_html.reply.txt"),
    include_str!("../tests/fixtures/unicode_content.reply.txt"),
    include_str!("../tests/fixtures/edit_same_reply.reply.txt"),
];

/// At least `size` bytes of reply, made of whole fixture replies.
fn reply(size: usize) -> String {
    let mut out = String::with_capacity(size + 16 * 1024);
    while out.len() < size {
        for source in SOURCES {
            out.push_str(source);
            out.push('\n');
        }
    }
    out
}

/// Cuts `text` into pieces of about `size` bytes, at character boundaries.
fn chunks(text: &str, size: usize) -> Vec<&str> {
    let mut out = Vec::with_capacity(text.len() / size + 1);
    let mut at = 0;
    while at < text.len() {
        let mut end = (at + size).min(text.len());
        while !text.is_char_boundary(end) {
            end += 1;
        }
        out.push(&text[at..end]);
        at = end;
    }
    out
}

fn incremental(pieces: &[&str]) -> usize {
    let mut ex = Extractor::new();
    let mut events = 0;
    for piece in pieces {
        events += ex.feed(piece).len();
    }
    events += ex.finish().len();
    events + ex.artifacts().len()
}

/// Re-parses the whole received text after every chunk, keeping only the last result.
fn reparse(text: &str, pieces: &[&str]) -> usize {
    let mut received = 0;
    let mut found = 0;
    for piece in pieces {
        received += piece.len();
        let mut ex = Extractor::new();
        ex.feed(&text[..received]);
        ex.finish();
        found = ex.artifacts().len();
    }
    found
}

fn bench(c: &mut Criterion) {
    let big = reply(1024 * 1024);
    let mut group = c.benchmark_group("extract_1MiB");
    group.throughput(Throughput::Bytes(big.len() as u64));
    for (name, size) in [("64KiB", 64 * 1024), ("16B", 16), ("1B", 1)] {
        let pieces = chunks(&big, size);
        group.bench_function(format!("incremental/{name}"), |b| {
            b.iter(|| incremental(black_box(&pieces)));
        });
    }
    let pieces = chunks(&big, 64 * 1024);
    group.bench_function("reparse/64KiB", |b| {
        b.iter(|| reparse(black_box(&big), &pieces));
    });
    group.finish();

    let small = &big[..big.floor_char_boundary(64 * 1024)];
    let mut group = c.benchmark_group("extract_64KiB");
    group.throughput(Throughput::Bytes(small.len() as u64));
    for (name, size) in [("1KiB", 1024), ("16B", 16)] {
        let pieces = chunks(small, size);
        group.bench_function(format!("incremental/{name}"), |b| {
            b.iter(|| incremental(black_box(&pieces)));
        });
        group.bench_function(format!("reparse/{name}"), |b| {
            b.iter(|| reparse(black_box(small), &pieces));
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    // Short runs: the machine is shared, and the differences measured here are large.
    config = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    targets = bench
}
criterion_main!(benches);
