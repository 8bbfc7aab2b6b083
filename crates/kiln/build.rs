//! Embeds the web bundle (`dist/`, written by `cargo xtask bundle`) into the `kiln` binary.
//!
//! Generates a table of every file with its precompressed copies, so `kiln` is one
//! self-contained executable. When no bundle has been built the table is empty and the server
//! says how to build it, which keeps `cargo test` and `cargo clippy` working without a bundle.
#![allow(clippy::disallowed_methods)] // a build script: reading files and the environment is its job

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::{env, fs};

fn main() {
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap_or_default());
    let dist = env::var_os("KILN_DIST")
        .map(PathBuf::from)
        .unwrap_or_else(|| manifest.join("../../dist"));
    println!("cargo:rerun-if-env-changed=KILN_DIST");
    println!("cargo:rerun-if-changed={}", dist.display());
    // The bundle build replaces index.html last, so watching it catches every rebuild.
    println!(
        "cargo:rerun-if-changed={}",
        dist.join("index.html").display()
    );

    let mut table = String::from("&[\n");
    let mut names: Vec<String> = Vec::new();
    // The app's files at the top, the sandbox origin's under sandbox/ (its vendored libraries
    // under sandbox/vendor/), the gallery's under examples/.
    for sub in ["", "sandbox", "sandbox/vendor", "examples"] {
        let Ok(entries) = fs::read_dir(dist.join(sub)) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
                continue;
            };
            if path.is_file() && !name.ends_with(".br") && !name.ends_with(".gz") {
                names.push(if sub.is_empty() {
                    name.to_owned()
                } else {
                    format!("{sub}/{name}")
                });
            }
        }
    }
    names.sort();
    for name in &names {
        let file = dist.join(name);
        let copy = |ext: &str| -> String {
            let p = dist.join(format!("{name}.{ext}"));
            if p.is_file() {
                format!("Some(include_bytes!({}))", lit(&p))
            } else {
                "None".into()
            }
        };
        let _ = writeln!(
            table,
            "    Asset {{ name: {name:?}, raw: include_bytes!({}), br: {}, gz: {} }},",
            lit(&file),
            copy("br"),
            copy("gz"),
        );
    }
    table.push(']');

    let out = PathBuf::from(env::var("OUT_DIR").unwrap_or_default()).join("assets.rs");
    let code = format!("pub static ASSETS: &[Asset] = {table};\n");
    if let Err(e) = fs::write(&out, code) {
        println!("cargo:warning=could not write the asset table: {e}");
        std::process::exit(1);
    }
}

fn lit(p: &Path) -> String {
    let abs = p.canonicalize().unwrap_or_else(|_| p.to_path_buf());
    format!("{:?}", abs.display().to_string())
}
