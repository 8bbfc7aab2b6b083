//! Share-link length and speed on corpora of single-file apps, against the alternatives, all
//! measured in the same run.
//!
//! The corpora: `benches/data/share_corpus/` (50 hand-written apps of every kind, 2-17 KB, the
//! benchmark the format was designed against) and `benches/data/share_heldout/` (40 apps written by a
//! model for this purpose, which no choice of format, model or dictionary looked at). The v2
//! dictionary was chosen from a third set, `benches/data/share_training/`, by
//! `benches/build_dictionary.py`. For every file it measures the link payload (the part after
//! `#`) made by:
//!
//! - `kiln v2`: `encode_link` (the v2 model primed with the v1 dictionary and the v2 extension,
//!   75-character alphabet, with the 5-byte header and checksum);
//! - `kiln v1`: the same through format v1 (`encode_link_as(.., '1')`);
//! - `kiln v2, base64url`: v2's bytes written in base64url instead, to show the alphabet's part;
//! - `LZMA + dict`: raw LZMA (lc3 lp0 pb0, preset 9) over the v2 dictionary file, base64url: the
//!   best LZ77 codec tried while choosing (brotli 11 with the dictionary measured the same);
//! - `brotli 11`: brotli at quality 11, window 22, base64url;
//! - `deflate`: raw deflate at level 9 (flate2), base64url;
//! - `lz-string`: `compressToEncodedURIComponent` (the `lz-str` port), what many playgrounds use.
//!
//! Ratios are link length over raw size; the table gives the median over files and the total
//! over the corpus. Times are the best of 3 runs per file of `encode_link` and `decode_link`
//! (v2), after the trained model has been built once (its training time is printed first).
//!
//! Run: `CARGO_TARGET_DIR=/work/target-share cargo bench -p kiln-core -j1 --bench share`. Other
//! folders of files can be measured with `KILN_SHARE_CORPUS=/path/a:/path/b`. BENCHMARKS.md
//! ("Share links") has the figures.

#![allow(clippy::disallowed_methods)] // a benchmark reads its corpus and the clock
#![allow(clippy::unwrap_used, clippy::expect_used)] // and fails loudly on a broken corpus

use std::io::Write as _;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use kiln_core::share::{
    SharedArtifact, builtin_dictionary, decode_link, encode_link, encode_link_as, guess_kind,
    prepare,
};

fn base64url_len(bytes: usize) -> usize {
    (bytes * 4).div_ceil(3)
}

/// The bytes behind a Kiln payload (9 characters per 7 bytes; partial tails as in `share::text`).
fn kiln_bytes(payload: &str) -> usize {
    let chars = payload.len() - 1;
    const TAIL: [usize; 9] = [0, 0, 1, 2, 3, 0, 4, 5, 6];
    chars / 9 * 7 + TAIL[chars % 9]
}

fn deflate(data: &[u8]) -> usize {
    let mut e = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
    e.write_all(data).unwrap();
    e.finish().unwrap().len()
}

fn brotli11(data: &[u8]) -> usize {
    let params = brotli::enc::BrotliEncoderParams {
        quality: 11,
        lgwin: 22,
        size_hint: data.len(),
        ..Default::default()
    };
    let mut out = Vec::new();
    brotli::BrotliCompress(&mut &data[..], &mut out, &params).unwrap();
    out.len()
}

fn lzma_dict(dictionary: &[u8], data: &[u8]) -> usize {
    let mut options = lzma_rust2::LzmaOptions::with_preset(9);
    options.lc = 3;
    options.lp = 0;
    options.pb = 0;
    options.dict_size = u32::try_from(dictionary.len() + data.len())
        .unwrap()
        .max(4096);
    options.preset_dict = Some(dictionary.to_vec());
    let mut w = lzma_rust2::LzmaWriter::new_no_header(Vec::new(), &options, false).unwrap();
    w.write_all(data).unwrap();
    // The range coder's always-zero first byte is not needed in a link.
    w.finish().unwrap().len() - 1
}

fn best_of<T>(runs: usize, mut f: impl FnMut() -> T) -> (T, Duration) {
    let mut best = Duration::MAX;
    let mut out = None;
    for _ in 0..runs {
        let start = Instant::now();
        let value = f();
        best = best.min(start.elapsed());
        out = Some(value);
    }
    (out.unwrap(), best)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

const METHODS: [&str; 7] = [
    "kiln v2",
    "kiln v1",
    "kiln v2, base64url",
    "LZMA + dict, base64url",
    "brotli 11, base64url",
    "deflate, base64url",
    "lz-string",
];
const LZ_STRING: usize = 6;

fn main() {
    let dirs: Vec<PathBuf> = std::env::var("KILN_SHARE_CORPUS").map_or_else(
        |_| {
            let here = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("benches/data");
            vec![here.join("share_corpus"), here.join("share_heldout")]
        },
        |dirs| dirs.split(':').map(PathBuf::from).collect(),
    );
    let start = Instant::now();
    while !prepare('2', usize::MAX).unwrap() {}
    let v2_training = start.elapsed();
    let start = Instant::now();
    while !prepare('1', usize::MAX).unwrap() {}
    println!(
        "training the models on their dictionaries (once per process): v2 {:.0} ms, v1 {:.0} ms",
        v2_training.as_secs_f64() * 1e3,
        start.elapsed().as_secs_f64() * 1e3
    );
    let dictionary = builtin_dictionary();
    for dir in dirs {
        measure(&dir, &dictionary);
    }
}

fn measure(dir: &std::path::Path, dictionary: &[u8]) {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("corpus folder")
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();

    let mut ratios: Vec<Vec<f64>> = vec![Vec::new(); METHODS.len()];
    let mut totals = [0usize; METHODS.len()];
    let mut raw_total = 0usize;
    let mut raw_sizes = Vec::new();
    let mut vs_lz = Vec::new();
    let (mut enc_total, mut dec_total) = (Duration::ZERO, Duration::ZERO);
    let mut by_kind: std::collections::BTreeMap<String, Vec<f64>> = Default::default();

    println!();
    println!("## {}", dir.display());
    println!();
    println!("| file | bytes | kiln v2 | kiln v1 | LZMA+dict | brotli 11 | deflate | lz-string |");
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    for path in &files {
        let content = std::fs::read_to_string(path).expect("UTF-8 corpus file");
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let (kind, language) = guess_kind(&name);
        let artifact = SharedArtifact {
            kind,
            title: None,
            language,
            content,
            prompt: None,
        };
        let raw = artifact.content.len();
        let (payload, enc) = best_of(3, || encode_link(&artifact).unwrap());
        let (back, dec) = best_of(3, || decode_link(&payload).unwrap());
        assert_eq!(back, artifact, "{name} did not round-trip");
        let v1 = encode_link_as(&artifact, '1').unwrap();
        assert_eq!(decode_link(&v1).unwrap(), artifact, "{name} (v1)");
        enc_total += enc;
        dec_total += dec;

        let data = artifact.content.as_bytes();
        let lens = [
            payload.len(),
            v1.len(),
            1 + base64url_len(kiln_bytes(&payload)),
            base64url_len(lzma_dict(dictionary, data)),
            base64url_len(brotli11(data)),
            base64url_len(deflate(data)),
            lz_str::compress_to_encoded_uri_component(&artifact.content).len(),
        ];
        let r = |i: usize| lens[i] as f64 / raw as f64;
        println!(
            "| {name} | {raw} | {:.3} | {:.3} | {:.3} | {:.3} | {:.3} | {:.3} |",
            r(0),
            r(1),
            r(3),
            r(4),
            r(5),
            r(6)
        );
        for (i, &len) in lens.iter().enumerate() {
            ratios[i].push(r(i));
            totals[i] += len;
        }
        vs_lz.push(lens[LZ_STRING] as f64 / lens[0] as f64);
        by_kind.entry(kind.to_string()).or_default().push(r(0));
        raw_total += raw;
        raw_sizes.push(raw as f64);
    }

    println!();
    println!(
        "{} files, {raw_total} bytes; median size {:.0} bytes, smallest {:.0}, largest {:.0}",
        files.len(),
        median(raw_sizes.clone()),
        raw_sizes.iter().copied().fold(f64::MAX, f64::min),
        raw_sizes.iter().copied().fold(0.0, f64::max)
    );
    println!();
    println!("| method | median link / raw | total link / raw |");
    println!("|---|---:|---:|");
    for (i, name) in METHODS.iter().enumerate() {
        println!(
            "| {name} | {:.3} | {:.3} |",
            median(ratios[i].clone()),
            totals[i] as f64 / raw_total as f64
        );
    }
    println!();
    println!(
        "kiln v2 vs lz-string: median per-file {:.2}x shorter; ratio of medians {:.2}x",
        median(vs_lz),
        median(ratios[LZ_STRING].clone()) / median(ratios[0].clone())
    );
    for (kind, r) in &by_kind {
        println!(
            "  {kind}: {} files, median {:.3}",
            r.len(),
            median(r.clone())
        );
    }
    let mb = raw_total as f64 / 1e6;
    println!(
        "encode: {:.1} ms total, {:.2} MB/s; decode: {:.1} ms total, {:.2} MB/s (best of 3 per file)",
        enc_total.as_secs_f64() * 1e3,
        mb / enc_total.as_secs_f64(),
        dec_total.as_secs_f64() * 1e3,
        mb / dec_total.as_secs_f64()
    );
}
