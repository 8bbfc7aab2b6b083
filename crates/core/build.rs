//! Compiles the vendored-library catalogue (`src/vendor/libraries.json`) into Rust statics, so
//! the studio page carries the table itself and no JSON parser or deserialiser for it (this
//! saved the page's wasm several KB against parsing the JSON at run time); and names each
//! in-frame renderer (`src/render/*.js`, `*.css`) by a hash of its content, so the sandbox can
//! serve them with the vendored libraries, cached for good, and the page carries only names.
#![allow(clippy::disallowed_methods)] // a build script: reading files and the environment is its job

use std::fmt::Write as _;
use std::path::PathBuf;
use std::{env, fs};

use serde_json::Value;

fn main() {
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap_or_default());
    let source = manifest.join("src/vendor/libraries.json");
    println!("cargo:rerun-if-changed={}", source.display());
    let text = fs::read_to_string(&source).unwrap_or_else(|e| fail(&format!("reading: {e}")));
    let catalog: Value =
        serde_json::from_str(&text).unwrap_or_else(|e| fail(&format!("not JSON: {e}")));
    let Some(libs) = catalog["libraries"].as_array() else {
        fail("no \"libraries\" array")
    };
    let s = |v: &Value, key: &str| -> String {
        match v[key].as_str() {
            Some(x) => format!("{x:?}"),
            None => fail(&format!("{key} is not a string in {v}")),
        }
    };
    let opt = |v: &Value| -> String {
        v.as_str()
            .map_or_else(|| "None".to_owned(), |x| format!("Some({x:?})"))
    };
    let mut out = String::from("pub(crate) static LIBRARIES: &[Library] = &[\n");
    let mut imports = serde_json::Map::new();
    for lib in libs {
        let offered = lib["offered"].as_bool().unwrap_or(false);
        let mut modules = String::new();
        if let Some(m) = lib["modules"].as_object() {
            for (spec, file) in m {
                let Some(file) = file.as_str() else {
                    fail(&format!("module {spec} has no file"))
                };
                let _ = write!(modules, "({spec:?}, {file:?}), ");
                if offered {
                    imports.insert(spec.clone(), Value::from(format!("./vendor/{file}")));
                }
            }
        }
        let script = match &lib["script"] {
            Value::Null => "None".to_owned(),
            v => format!(
                "Some(Script {{ file: {}, global: {} }})",
                s(v, "file"),
                opt(&v["global"])
            ),
        };
        let styles: String = lib["styles"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(|f| format!("{f:?}, "))
                    .collect()
            })
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "    Library {{ package: {}, version: {}, license: {}, offered: {offered}, about: {}, \
             modules: &[{modules}], script: {script}, styles: &[{styles}], cdnjs: {} }},",
            s(lib, "package"),
            s(lib, "version"),
            s(lib, "license"),
            s(lib, "about"),
            opt(&lib["cdnjs"]),
        );
    }
    out.push_str("];\n");
    let map = serde_json::json!({ "imports": imports }).to_string();
    let _ = writeln!(out, "pub(crate) const IMPORT_MAP: &str = {map:?};");
    let render = manifest.join("src/render");
    for (konst, stem, ext) in RENDERERS {
        let path = render.join(format!("{stem}.{ext}"));
        println!("cargo:rerun-if-changed={}", path.display());
        let bytes = fs::read(&path).unwrap_or_else(|e| fail(&format!("{}: {e}", path.display())));
        let _ = writeln!(
            out,
            "/// The sandbox's name for `render/{stem}.{ext}`.\n\
             pub(crate) const {konst}: &str = \"kiln-{stem}-{:012x}.{ext}\";",
            fnv1a(&bytes) >> 16
        );
    }
    let dest = PathBuf::from(env::var("OUT_DIR").unwrap_or_default()).join("vendor_catalog.rs");
    if let Err(e) = fs::write(&dest, out) {
        fail(&format!("writing {}: {e}", dest.display()));
    }
}

/// The renderers: constant, file stem, extension.
const RENDERERS: [(&str, &str, &str); 6] = [
    ("REACT_JS", "react", "js"),
    ("MARKDOWN_JS", "markdown", "js"),
    ("MERMAID_JS", "mermaid", "js"),
    ("SVG_JS", "svg", "js"),
    ("CODE_JS", "code", "js"),
    ("BASE_CSS", "base", "css"),
];

fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

fn fail(why: &str) -> ! {
    println!("cargo:warning=src/vendor/libraries.json: {why}");
    std::process::exit(1);
}
