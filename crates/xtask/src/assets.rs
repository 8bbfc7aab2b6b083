//! The files the bundle writes: content-hashed names, brotli and gzip copies beside each, and
//! the size report (with the first load's weight against its goal).

use std::fmt::Write as _;
use std::fs;
use std::io::Write as _;
use std::path::Path;

use anyhow::{Context, Result};
use sha2::{Digest, Sha256};

pub(crate) fn hashed_name(stem: &str, ext: &str, bytes: &[u8]) -> String {
    format!("{stem}-{}.{ext}", content_hash(bytes))
}

/// The first 8 bytes of the SHA-256 of `bytes`, in hex.
pub(crate) fn content_hash(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut hash = String::with_capacity(16);
    for b in &digest[..8] {
        let _ = write!(hash, "{b:02x}");
    }
    hash
}

pub(crate) struct Emitted {
    pub(crate) name: String,
    raw: usize,
    br: Option<usize>,
    gz: Option<usize>,
}

pub(crate) fn emit(out: &Path, name: &str, bytes: &[u8]) -> Result<Emitted> {
    let path = out.join(name);
    fs::write(&path, bytes).with_context(|| format!("writing {}", path.display()))?;
    // Tiny files gain nothing from a compressed copy.
    if bytes.len() < 512 {
        return Ok(Emitted {
            name: name.to_owned(),
            raw: bytes.len(),
            br: None,
            gz: None,
        });
    }
    let br = brotli_compress(bytes)?;
    fs::write(out.join(format!("{name}.br")), &br).context("writing a .br copy")?;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(bytes).context("gzip")?;
    let gz = gz.finish().context("gzip")?;
    fs::write(out.join(format!("{name}.gz")), &gz).context("writing a .gz copy")?;
    Ok(Emitted {
        name: name.to_owned(),
        raw: bytes.len(),
        br: Some(br.len()),
        gz: Some(gz.len()),
    })
}

fn brotli_compress(bytes: &[u8]) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    // The top quality takes minutes on the 26 MB Python runtime for a few percent.
    let large = bytes.len() > 4 << 20;
    let params = brotli::enc::BrotliEncoderParams {
        quality: if large { 9 } else { 11 },
        lgwin: if large { 24 } else { 22 },
        ..Default::default()
    };
    brotli::BrotliCompress(&mut &bytes[..], &mut out, &params).context("brotli")?;
    Ok(out)
}

/// The page's weight on first load, the figure its budget is about: `index.html` and every file
/// it links (the stylesheet, the icon, the manifest, the glue and its loader, the page's wasm).
/// The parts loaded on demand, the editor and the runtimes (named in `<meta>`s, fetched on
/// first use) and the sandbox's files are not in it.
pub(crate) fn print_first_load(report: &[Emitted], html: &str) {
    const GOAL: usize = 250_000;
    let first: usize = report
        .iter()
        .filter(|e| {
            e.name == "index.html"
                || ["href", "src"]
                    .iter()
                    .any(|attr| html.contains(&format!("{attr}=\"./{}\"", e.name)))
        })
        .map(|e| e.br.unwrap_or(e.raw))
        .sum();
    println!(
        "first load (index.html and the files it names), brotli: {first} bytes{}",
        if first > GOAL {
            format!(" -- over the {GOAL}-byte goal by {}", first - GOAL)
        } else {
            String::new()
        }
    );
}

pub(crate) fn print_report(out: &Path, report: &[Emitted]) {
    println!("bundle written to {}", out.display());
    println!(
        "{:<40} {:>10} {:>10} {:>10}",
        "file", "raw", "brotli", "gzip"
    );
    let (mut raw, mut br) = (0, 0);
    for e in report {
        let show = |n: Option<usize>| n.map_or_else(|| "-".to_owned(), |n| n.to_string());
        println!(
            "{:<40} {:>10} {:>10} {:>10}",
            e.name,
            e.raw,
            show(e.br),
            show(e.gz)
        );
        raw += e.raw;
        br += e.br.unwrap_or(e.raw);
    }
    println!("{:<40} {:>10} {:>10}", "total", raw, br);
}
