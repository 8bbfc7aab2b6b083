//! Embeds the language runtimes that `./dev` built or fetched into `target/runtimes/`
//! (`js.wasm`: QuickJS from `runtimes/js`; `python.wasm`: CPython for WASI from PyPI, sha256
//! pinned). A runtime that is missing is `None`, and running that language says how to get it.
#![allow(clippy::disallowed_methods)] // a build script reads files and the environment

use std::fmt::Write as _;
use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-env-changed=KILN_RUNTIMES_DIR");
    let dir = std::env::var_os("KILN_RUNTIMES_DIR").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/runtimes"),
        PathBuf::from,
    );
    // Watching a folder that exists (even empty) lets cargo skip this script until a runtime
    // arrives or changes; a missing path would rerun it on every build.
    let _ = std::fs::create_dir_all(&dir);
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut code = String::new();
    for (name, file) in [("JS", "js.wasm"), ("PYTHON", "python.wasm")] {
        let path = dir.join(file);
        println!("cargo:rerun-if-changed={}", path.display());
        let value = match path.canonicalize() {
            Ok(p) if p.is_file() => format!("Some(include_bytes!({:?}))", p.display().to_string()),
            _ => "None".to_owned(),
        };
        let _ = writeln!(code, "pub static {name}: Option<&[u8]> = {value};");
    }
    let out = PathBuf::from(std::env::var_os("OUT_DIR").unwrap_or_default()).join("runtimes.rs");
    if let Err(e) = std::fs::write(&out, code) {
        println!("cargo:warning=cannot write {}: {e}", out.display());
    }
}
