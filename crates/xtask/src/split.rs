//! The page's wasm cut at its split points (`crates/web/src/lazy.rs`) into the parts loaded on
//! demand, and those parts named by their content like every other asset.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, ensure};

use crate::assets::{Emitted, content_hash, emit, hashed_name};
use crate::bundle::WASM_NAME;

/// How wasm-bindgen's glue imports the split loader (the module name the split points use).
const SPLIT_IMPORT: &str = "from \"./__wasm_split.js\"";

/// The page's wasm cut at its split points (`crates/web/src/lazy.rs`).
pub struct Split {
    /// The page's own part, for wasm-bindgen.
    pub main: PathBuf,
    /// The parts fetched on demand: one per split point, and chunks of code some of them share.
    pub chunks: Vec<PathBuf>,
    /// The JavaScript that fetches them; none when the build has no split point (the bare page).
    pub loader: Option<PathBuf>,
}

/// Cuts `wasm` (linked with `--emit-relocs`, which says where each function refers to another)
/// into the page's part and the parts each split point alone reaches, with
/// `wasm_split_cli_support`, the library cargo-leptos uses for `--split`.
pub fn split_wasm(wasm: &Path, dir: &Path) -> Result<Split> {
    if dir.exists() {
        fs::remove_dir_all(dir).context("clearing the split folder")?;
    }
    fs::create_dir_all(dir).context("creating the split folder")?;
    let input = fs::read(wasm).with_context(|| format!("reading {}", wasm.display()))?;
    let main = dir.join(format!("{WASM_NAME}.wasm"));
    let main_module = format!("./{WASM_NAME}.js");
    let mut opts = wasm_split_cli_support::Options::new(&input);
    opts.output_dir = dir;
    opts.main_out_path = &main;
    opts.main_module = &main_module;
    opts.link_name = "./__wasm_split.js";
    opts.target.web();
    let split = wasm_split_cli_support::transform(opts)
        .map_err(|e| anyhow::anyhow!("{e:?}"))
        .context("splitting the page's wasm at its split points")?;
    let loader = dir.join("__wasm_split.js");
    let mut chunks = split.split_modules;
    chunks.retain(|p| p != &main);
    chunks.sort();
    // The chunks carry a name section with a subsection binaryen does not know (it warns for
    // each file); nothing ships names, so it goes before wasm-opt (and with --no-opt).
    for chunk in &chunks {
        let bytes = fs::read(chunk).with_context(|| format!("reading {}", chunk.display()))?;
        fs::write(chunk, without_names(&bytes)?)
            .with_context(|| format!("writing {}", chunk.display()))?;
    }
    // The splitter writes a loader even for a build with no split point; nothing imports it.
    let has_loader = loader.exists() && !chunks.is_empty();
    Ok(Split {
        main,
        chunks,
        loader: has_loader.then_some(loader),
    })
}

/// `wasm` without its `name` custom section.
fn without_names(wasm: &[u8]) -> Result<Vec<u8>> {
    ensure!(
        wasm.len() >= 8 && wasm.starts_with(b"\0asm"),
        "a split chunk is not a wasm module"
    );
    let mut out = wasm[..8].to_vec();
    let mut at = 8;
    while at < wasm.len() {
        let id = wasm[at];
        let (size, body) = leb128(wasm, at + 1).context("a split chunk's section is cut short")?;
        let end = body
            .checked_add(size)
            .filter(|&end| end <= wasm.len())
            .context("a split chunk's section runs past its end")?;
        let is_names = id == 0
            && leb128(wasm, body)
                .is_some_and(|(len, name)| wasm.get(name..name + len) == Some(b"name"));
        if !is_names {
            out.extend_from_slice(&wasm[at..end]);
        }
        at = end;
    }
    Ok(out)
}

/// An unsigned LEB128 number at `at`, and where what follows it starts.
fn leb128(bytes: &[u8], mut at: usize) -> Option<(usize, usize)> {
    let (mut value, mut shift) = (0usize, 0u32);
    loop {
        let b = *bytes.get(at)?;
        at += 1;
        value |= usize::from(b & 0x7f).checked_shl(shift)?;
        if b & 0x80 == 0 {
            return Some((value, at));
        }
        shift += 7;
        if shift > 28 {
            return None;
        }
    }
}

/// The glue and the loader under their final names: each imports the other.
pub struct Named {
    /// wasm-bindgen's glue, importing the loader by its hashed name.
    pub glue: String,
    pub glue_file: String,
    /// The loader, fetching the chunks and importing the glue by their hashed names.
    pub loader: String,
    pub loader_file: String,
}

/// Emits each chunk under its content's hash and points the loader at those names. The glue
/// imports the loader and the loader imports the glue, so both are named by one hash of the two
/// together: a change to either renames both. `None` for a build with no split point.
pub fn name_parts(
    split: &Split,
    glue: &str,
    out: &Path,
    report: &mut Vec<Emitted>,
) -> Result<Option<Named>> {
    let Some(loader) = &split.loader else {
        return Ok(None);
    };
    let mut loader = fs::read_to_string(loader).context("reading the split loader")?;
    for chunk in &split.chunks {
        let bytes = fs::read(chunk).with_context(|| format!("reading {}", chunk.display()))?;
        let stem = chunk
            .file_stem()
            .and_then(|s| s.to_str())
            .context("a chunk with no name")?;
        let file = hashed_name(stem, "wasm", &bytes);
        let from = format!("\"./{stem}.wasm\"");
        ensure!(
            loader.contains(&from),
            "the split loader does not fetch {stem}.wasm as {from}; update the bundle"
        );
        loader = loader.replace(&from, &format!("\"./{file}\""));
        report.push(emit(out, &file, &bytes)?);
    }
    let glue_import = format!("from \"./{WASM_NAME}.js\"");
    ensure!(
        loader.contains(&glue_import) && glue.contains(SPLIT_IMPORT),
        "the split loader and the glue no longer import each other as expected; update the bundle"
    );
    let hash = content_hash(format!("{glue}\0{loader}").as_bytes());
    let loader_file = format!("{WASM_NAME}-split-{hash}.js");
    let glue_file = format!("{WASM_NAME}-{hash}.js");
    Ok(Some(Named {
        glue: glue.replace(SPLIT_IMPORT, &format!("from \"./{loader_file}\"")),
        glue_file: glue_file.clone(),
        loader: loader.replace(&glue_import, &format!("from \"./{glue_file}\"")),
        loader_file,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A custom section named `name` holding `payload`.
    fn custom(name: &str, payload: &[u8]) -> Vec<u8> {
        let mut body = vec![u8::try_from(name.len()).unwrap()];
        body.extend_from_slice(name.as_bytes());
        body.extend_from_slice(payload);
        let mut s = vec![0, u8::try_from(body.len()).unwrap()];
        s.extend(body);
        s
    }

    const HEADER: &[u8] = b"\0asm\x01\0\0\0";
    /// A type section with one `() -> ()` function type.
    const TYPES: &[u8] = &[1, 4, 1, 0x60, 0, 0];

    #[test]
    fn only_the_name_section_goes() {
        let names = custom("name", &[1, 2, 3]);
        let other = custom("producers", &[4, 5]);
        // (the module's sections, what is left of them)
        type Case<'a> = (Vec<&'a [u8]>, Vec<&'a [u8]>);
        let cases: [Case<'_>; 4] = [
            (vec![HEADER], vec![HEADER]),
            (vec![HEADER, TYPES, &names], vec![HEADER, TYPES]),
            (
                vec![HEADER, &names, TYPES, &other],
                vec![HEADER, TYPES, &other],
            ),
            (vec![HEADER, TYPES, &other], vec![HEADER, TYPES, &other]),
        ];
        for (input, expected) in cases {
            assert_eq!(
                without_names(&input.concat()).unwrap(),
                expected.concat(),
                "{input:?}"
            );
        }
    }

    #[test]
    fn a_broken_module_is_an_error() {
        let mut cut = [HEADER, TYPES].concat();
        cut.pop();
        for bad in [
            &b"not wasm"[..],
            &b"\0asm\x01"[..],
            &cut,
            &[HEADER, &[0, 0x80][..]].concat(),
        ] {
            assert!(without_names(bad).is_err(), "{bad:?}");
        }
    }
}
