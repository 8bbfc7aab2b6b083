//! The web bundle: wasm build, bindgen, wasm-opt, content hashes, precompression.
//!
//! Hashed names let `kiln serve` mark every asset immutable; only `index.html` is revalidated.
//! The bundle is rebuilt from scratch each time so no stale hashed file lingers in `dist/`.

use std::fmt::Write as _;
use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail, ensure};
use sha2::{Digest, Sha256};

/// Options for `cargo xtask bundle`.
#[derive(clap::Args, Debug)]
pub struct Options {
    /// Where to write the bundle.
    #[arg(long, default_value = "dist")]
    out: PathBuf,
    /// Skip wasm-opt (a faster, larger bundle for quick iterations).
    #[arg(long)]
    no_opt: bool,
    /// Build a bare Leptos page (one text box) in place of the studio, with the same
    /// dependencies and profile: the baseline of tests/bench/first-load.mjs. Never shipped.
    #[arg(long)]
    bare: bool,
}

const CRATE: &str = "kiln-web";
const WASM_NAME: &str = "kiln_web";

pub fn run(opts: &Options) -> Result<()> {
    let root = workspace_root()?;
    let out = root.join(&opts.out);

    let wasm = build_wasm(&root, opts.bare)?;
    let staging = root.join("target").join("xtask-bindgen");
    if staging.exists() {
        fs::remove_dir_all(&staging).context("clearing the bindgen staging folder")?;
    }
    wasm_bindgen_cli_support::Bindgen::new()
        .input_path(&wasm)
        .web(true)
        .context("selecting the web target for wasm-bindgen")?
        .out_name(WASM_NAME)
        .generate(&staging)
        .context("running the wasm-bindgen step")?;

    let bg_wasm = staging.join(format!("{WASM_NAME}_bg.wasm"));
    if !opts.no_opt {
        wasm_opt(&root, &bg_wasm)?;
    }

    if out.exists() {
        fs::remove_dir_all(&out).with_context(|| format!("clearing {}", out.display()))?;
    }
    fs::create_dir_all(&out).with_context(|| format!("creating {}", out.display()))?;

    let mut report = Vec::new();

    let wasm_bytes = fs::read(&bg_wasm).context("reading the bindgen output")?;
    let wasm_file = hashed_name(WASM_NAME, "wasm", &wasm_bytes);
    let js_src = fs::read_to_string(staging.join(format!("{WASM_NAME}.js")))
        .context("reading the bindgen JS glue")?;
    let js_bytes = glue_js(&js_src, &wasm_file)?.into_bytes();
    let js_file = hashed_name(WASM_NAME, "js", &js_bytes);

    let mut html =
        fs::read_to_string(root.join("web/index.html")).context("reading web/index.html")?;
    html = html.replace("{{app:js}}", &format!("./{js_file}"));
    html = html.replace("{{app:wasm}}", &format!("./{wasm_file}"));
    report.push(emit(&out, &wasm_file, &wasm_bytes)?);
    report.push(emit(&out, &js_file, &js_bytes)?);

    // The code editor (CodeMirror), loaded by the page only when someone edits code. The page
    // learns its hashed name from a <meta> in index.html.
    let editor_tmp = staging.join("editor.js");
    let status = Command::new("node")
        .arg(root.join("web/editor/build.mjs"))
        .arg(&editor_tmp)
        .current_dir(&root)
        .status()
        .context("running node web/editor/build.mjs (is Node.js installed, and `npm ci` done?)")?;
    ensure!(status.success(), "web/editor/build.mjs failed ({status})");
    let editor_bytes = fs::read(&editor_tmp).context("reading the editor build")?;
    let editor_file = hashed_name("editor", "js", &editor_bytes);
    html = html.replace("{{editor}}", &format!("./{editor_file}"));
    report.push(emit(&out, &editor_file, &editor_bytes)?);

    for entry in fs::read_dir(root.join("web")).context("listing web/")? {
        let path = entry?.path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        if name == "index.html" || !path.is_file() {
            continue;
        }
        let placeholder = format!("{{{{asset:{name}}}}}");
        if !html.contains(&placeholder) {
            bail!("web/{name} is not referenced from web/index.html as {placeholder}");
        }
        let bytes = fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
        let (stem, ext) = name.rsplit_once('.').unwrap_or((name, ""));
        let file = hashed_name(stem, ext, &bytes);
        html = html.replace(&placeholder, &format!("./{file}"));
        report.push(emit(&out, &file, &bytes)?);
    }
    ensure!(
        !html.contains("{{"),
        "web/index.html has a placeholder nothing filled in"
    );
    report.push(emit(&out, "index.html", html.as_bytes())?);

    // The share codec's dictionary: fetched by the page only when it makes or opens a link, so
    // the wasm does not carry it. Named by its fingerprint, so cached for good.
    report.push(emit(
        &out,
        kiln_core::share::DICTIONARY_FILE,
        &kiln_core::share::builtin_dictionary(),
    )?);

    // The sandbox origin's files keep fixed names: the runner's CSP names its script exactly,
    // and the studio frames a fixed URL. They are served with revalidation instead.
    let sandbox_out = out.join("sandbox");
    fs::create_dir_all(&sandbox_out).context("creating dist/sandbox")?;
    let mut sandbox_files: Vec<PathBuf> = fs::read_dir(root.join("web/sandbox"))
        .context("listing web/sandbox")?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    sandbox_files.sort();
    for path in sandbox_files {
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        let bytes = fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
        let mut e = emit(&sandbox_out, name, &bytes)?;
        e.name = format!("sandbox/{name}");
        report.push(e);
    }

    // The examples gallery: fetched by the page only when it shows the gallery, so the first
    // load does not carry them. Fixed names, revalidated like the sandbox's files.
    let examples_out = out.join("examples");
    fs::create_dir_all(&examples_out).context("creating dist/examples")?;
    let mut example_files: Vec<PathBuf> = fs::read_dir(root.join("examples/gallery"))
        .context("listing examples/gallery")?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    example_files.sort();
    for path in example_files {
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        let bytes = fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
        let mut e = emit(&examples_out, name, &bytes)?;
        e.name = format!("examples/{name}");
        report.push(e);
    }

    print_report(&out, &report);

    // The libraries artifact frames load (React, d3, Mermaid…), built from the npm packages
    // pinned in package-lock.json. Only the sandbox origin serves them, so they are reported
    // apart: the studio page never loads them.
    let vendor = vendor(&root, &sandbox_out.join("vendor"))?;
    print_report(&sandbox_out.join("vendor"), &vendor);
    Ok(())
}

fn vendor(root: &Path, out: &Path) -> Result<Vec<Emitted>> {
    let script = root.join("web/vendor/build.mjs");
    let status = Command::new("node")
        .arg(&script)
        .arg(out)
        .current_dir(root)
        .status()
        .context("running node web/vendor/build.mjs (is Node.js installed, and `npm ci` done?)")?;
    ensure!(status.success(), "web/vendor/build.mjs failed ({status})");
    // Kiln's own renderer for each kind, named by content hash like the page's assets.
    for (name, text) in kiln_core::render::sandbox_files() {
        let path = out.join(name);
        fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
    }
    let mut files: Vec<PathBuf> = fs::read_dir(out)
        .with_context(|| format!("listing {}", out.display()))?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    files.sort();
    let mut report = Vec::new();
    for path in files {
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        let bytes = fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
        let mut e = emit(out, name, &bytes)?;
        e.name = format!("sandbox/vendor/{name}");
        report.push(e);
    }
    Ok(report)
}

fn workspace_root() -> Result<PathBuf> {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest
        .ancestors()
        .nth(2)
        .map(Path::to_path_buf)
        .context("xtask is not inside the workspace")
}

fn build_wasm(root: &Path, bare: bool) -> Result<PathBuf> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(cargo)
        .current_dir(root)
        .args([
            "build",
            "--profile",
            "web",
            "--target",
            "wasm32-unknown-unknown",
            "-p",
            CRATE,
        ])
        .args(if bare {
            &["--features", "bare-page"][..]
        } else {
            &[]
        })
        .status()
        .context("starting cargo to build the web crate")?;
    ensure!(status.success(), "building {CRATE} for wasm32 failed");
    let target_dir =
        std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from);
    Ok(target_dir
        .join("wasm32-unknown-unknown/web")
        .join(format!("{WASM_NAME}.wasm")))
}

/// binaryen from the pinned npm package; Debian's wasm-opt 108 silently breaks the bundle.
fn wasm_opt(root: &Path, wasm: &Path) -> Result<()> {
    let bin = root.join("node_modules/.bin/wasm-opt");
    if !bin.exists() {
        bail!(
            "{} is missing: run `npm ci` at the repository root (or pass --no-opt)",
            bin.display()
        );
    }
    let status = Command::new(&bin)
        .arg(wasm)
        .args(["-o"])
        .arg(wasm)
        .args([
            "-Oz",
            // The features rustc enables by default for wasm32-unknown-unknown.
            "--enable-bulk-memory",
            "--enable-mutable-globals",
            "--enable-nontrapping-float-to-int",
            "--enable-sign-ext",
            "--enable-reference-types",
            "--enable-multivalue",
        ])
        .status()
        .context("starting wasm-opt")?;
    ensure!(status.success(), "wasm-opt failed");
    Ok(())
}

/// Starts the app as soon as the glue module loads, pointing it at the hashed wasm file, so the
/// page needs no inline script (its CSP forbids one).
fn glue_js(js: &str, wasm_file: &str) -> Result<String> {
    ensure!(
        js.contains("async function __wbg_init(") && js.contains("__wbg_init as default"),
        "the wasm-bindgen glue no longer exports __wbg_init; update glue_js"
    );
    let mut js = js.to_owned();
    js.push_str(&format!(
        "\nawait __wbg_init({{ module_or_path: new URL('./{wasm_file}', import.meta.url) }});\n"
    ));
    Ok(js)
}

fn hashed_name(stem: &str, ext: &str, bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut hash = String::with_capacity(16);
    for b in &digest[..8] {
        let _ = write!(hash, "{b:02x}");
    }
    format!("{stem}-{hash}.{ext}")
}

struct Emitted {
    name: String,
    raw: usize,
    br: Option<usize>,
    gz: Option<usize>,
}

fn emit(out: &Path, name: &str, bytes: &[u8]) -> Result<Emitted> {
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
    let params = brotli::enc::BrotliEncoderParams {
        quality: 11,
        lgwin: 22,
        ..Default::default()
    };
    brotli::BrotliCompress(&mut &bytes[..], &mut out, &params).context("brotli")?;
    Ok(out)
}

fn print_report(out: &Path, report: &[Emitted]) {
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
