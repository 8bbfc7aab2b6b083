//! `kiln build`: the studio as a folder any static host can serve — the bundle embedded in this
//! binary, a `config.json` for the deployment, and header files carrying the security policy
//! (Netlify/Cloudflare `_headers`, an nginx snippet).
//!
//! Everything the page references is relative, so the folder works under any sub-path; the
//! base path only matters to the header files, which match on absolute paths.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use kiln_core::deploy::ClientConfig;
use kiln_core::policy::app_csp;
use kiln_core::sandbox::{self, Isolation, RunnerBase, SandboxConfig};

use crate::assets::{self, Asset};
use crate::config::{self, FileConfig};

/// Options for `kiln build`.
#[derive(clap::Args, Debug)]
pub struct Options {
    /// The folder to write (created; files Kiln writes are replaced, others left alone).
    #[arg(long, short)]
    out: PathBuf,
    /// The path the site is served under, e.g. `/kiln/` for https://example.org/kiln/.
    #[arg(long, default_value = "/")]
    base_path: String,
    /// Where the `sandbox/` folder will be served, on another site (e.g.
    /// https://sandbox.example.org/). Without it the sandbox runs from the studio's own origin
    /// (the weaker single-origin fallback).
    #[arg(long)]
    sandbox_origin: Option<String>,
    /// A TOML config file: `[studio]` defaults and `[sandbox] url` (see docs/deploy.md).
    #[arg(long)]
    config: Option<PathBuf>,
}

/// What the generated files say.
struct Plan {
    base: String,
    runner: Option<RunnerBase>,
    client: ClientConfig,
}

fn make_plan(opts: &Options, file: &FileConfig) -> Result<Plan> {
    let base = normalize_base(&opts.base_path)?;
    let url = opts
        .sandbox_origin
        .clone()
        .or_else(|| file.sandbox.url.clone());
    let runner = url
        .as_deref()
        .map(RunnerBase::parse)
        .transpose()
        .map_err(|e| anyhow::anyhow!("sandbox origin: {e}"))?;
    let sandbox = match &runner {
        // The page judges again from the two origins it sees and shows the weaker.
        Some(r) => SandboxConfig {
            runner: r.prefix(),
            isolation: Isolation::SeparateSite,
        },
        None => SandboxConfig {
            runner: "sandbox/".to_owned(),
            isolation: Isolation::SameOrigin,
        },
    };
    let client = ClientConfig {
        sandbox,
        defaults: config::studio_defaults(&file.studio)?,
        providers: Vec::new(),
        short_links: false,
        run: false,
    };
    Ok(Plan {
        base,
        runner,
        client,
    })
}

fn normalize_base(base: &str) -> Result<String> {
    let trimmed = base.trim().trim_matches('/');
    let ok = trimmed.split('/').all(|s| {
        s.is_empty()
            || (s != ".."
                && s != "."
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-._~".contains(c)))
    });
    if !ok || trimmed.contains("//") {
        bail!("--base-path {base:?}: use a plain path such as /kiln/");
    }
    Ok(if trimmed.is_empty() {
        "/".to_owned()
    } else {
        format!("/{trimmed}/")
    })
}

pub fn run(opts: &Options) -> Result<()> {
    if !assets::bundled() {
        bail!(
            "this kiln binary has no web bundle to write; build it with `cargo xtask bundle` and \
             then `cargo build -p kiln`"
        );
    }
    let file = match &opts.config {
        Some(p) => config::load(p)?,
        None => FileConfig::default(),
    };
    let plan = make_plan(opts, &file)?;
    let out = &opts.out;
    for asset in assets::all() {
        write_asset(out, asset)?;
    }
    // Hosts that send no headers (GitHub Pages) still give the runners their policies: the
    // same CSP as a <meta>, which the artifact's frame and the code runner's Worker inherit. A
    // header, where there is one, adds to it.
    for (name, csp) in sandbox_pages(plan.runner.as_ref()) {
        let Some(page) = assets::all().iter().find(|a| a.name == name) else {
            continue;
        };
        let html = String::from_utf8_lossy(page.raw);
        let meta = format!(
            "<meta charset=\"utf-8\">\n<meta http-equiv=\"Content-Security-Policy\" content=\"{csp}\">"
        );
        let with_meta = html.replacen("<meta charset=\"utf-8\">", &meta, 1);
        if with_meta == html {
            bail!("the bundle's {name} has no <meta charset> to place the policy after");
        }
        write(out, name, with_meta.as_bytes())?;
        // The precompressed copies would carry the page without its policy.
        for ext in ["gz", "br"] {
            let _ = std::fs::remove_file(out.join(format!("{name}.{ext}")));
        }
    }
    // The service worker's version names the page's policy (and so the sandbox's origin).
    if let Some(sw) = assets::all().iter().find(|a| a.name == "sw.js") {
        let text = String::from_utf8_lossy(sw.raw);
        let sw = kiln_core::deploy::worker::for_deployment(&text, &studio_csp(&plan))
            .context("the bundle's sw.js has no version line")?;
        write(out, "sw.js", sw.as_bytes())?;
        for ext in ["gz", "br"] {
            let _ = std::fs::remove_file(out.join(format!("sw.js.{ext}")));
        }
    }
    let config_json = serde_json::to_string_pretty(&plan.client).context("writing config.json")?;
    write(out, "config.json", config_json.as_bytes())?;
    write(out, "_headers", headers_file(&plan).as_bytes())?;
    write(out, "nginx-kiln.conf", nginx_snippet(&plan).as_bytes())?;
    if let Some(runner) = &plan.runner {
        write(
            out,
            "sandbox/_headers",
            sandbox_headers_file(runner).as_bytes(),
        )?;
    }
    println!(
        "Wrote the Kiln studio to {} (base path {}; sandbox {}).",
        out.display(),
        plan.base,
        match &plan.runner {
            Some(r) => format!("at {} — serve the sandbox/ folder there", r.prefix()),
            None => "on the same origin: weaker isolation, see docs/deploy.md".to_owned(),
        }
    );
    Ok(())
}

/// The sandbox's two pages and the policy each is served with on a static host.
fn sandbox_pages(runner: Option<&RunnerBase>) -> [(&'static str, String); 2] {
    [
        ("sandbox/runner.html", sandbox::static_runner_csp(runner)),
        ("sandbox/code.html", sandbox::code_runner_csp()),
    ]
}

fn write(out: &Path, name: &str, bytes: &[u8]) -> Result<()> {
    let path = out.join(name);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    std::fs::write(&path, bytes).with_context(|| format!("writing {}", path.display()))
}

fn write_asset(out: &Path, asset: &Asset) -> Result<()> {
    write(out, asset.name, asset.raw)?;
    // Precompressed copies for servers that can send them as they are (nginx gzip_static).
    if let Some(gz) = asset.gz {
        write(out, &format!("{}.gz", asset.name), gz)?;
    }
    if let Some(br) = asset.br {
        write(out, &format!("{}.br", asset.name), br)?;
    }
    Ok(())
}

fn studio_csp(plan: &Plan) -> String {
    match &plan.runner {
        Some(r) => app_csp(Some(r.origin().as_str())),
        None => app_csp(Some("'self'")),
    }
}

const IMMUTABLE: &str = "public, max-age=31536000, immutable";

fn headers_file(plan: &Plan) -> String {
    let b = &plan.base;
    let csp = studio_csp(plan);
    let mut s = String::new();
    let _ = writeln!(
        s,
        "# Written by `kiln build` for Netlify and Cloudflare Pages. Each page gets exactly one\n\
         # Content-Security-Policy: rules that set it never overlap.\n"
    );
    let _ = writeln!(
        s,
        "{b}*\n  X-Content-Type-Options: nosniff\n  Referrer-Policy: no-referrer\n"
    );
    for page in [b.clone(), format!("{b}index.html")] {
        let _ = writeln!(
            s,
            "{page}\n  Content-Security-Policy: {csp}\n  Cross-Origin-Opener-Policy: same-origin\n  \
             Cache-Control: no-cache\n"
        );
    }
    let _ = writeln!(s, "{b}config.json\n  Cache-Control: no-cache\n");
    let _ = writeln!(s, "{b}sw.js\n  Cache-Control: no-cache\n");
    for asset in assets::all() {
        if assets::cache_control(asset.name).contains("immutable")
            && !asset.name.starts_with("sandbox/")
        {
            let _ = writeln!(s, "{b}{}\n  Cache-Control: {IMMUTABLE}\n", asset.name);
        }
    }
    if plan.runner.is_none() {
        for (name, csp) in sandbox_pages(None) {
            let _ = writeln!(
                s,
                "{b}{name}\n  Content-Security-Policy: {csp}\n  Cache-Control: {IMMUTABLE}\n"
            );
        }
        let _ = writeln!(s, "{b}{VENDOR_HEADERS}");
    }
    s
}

/// The vendored libraries' rule: artifact frames (opaque origins) load them as module scripts,
/// which needs CORS, and their names carry their version.
const VENDOR_HEADERS: &str = "sandbox/vendor/*\n  Access-Control-Allow-Origin: *\n  \
                              Cache-Control: public, max-age=31536000, immutable\n";

fn sandbox_headers_file(runner: &RunnerBase) -> String {
    let path = runner.prefix();
    let path = path.strip_prefix(runner.origin().as_str()).unwrap_or("/");
    format!(
        "# Written by `kiln build` for the sandbox site ({}): deploy this folder there.\n\n\
         {path}*\n  X-Content-Type-Options: nosniff\n  Referrer-Policy: no-referrer\n\n\
         {path}runner.html\n  Content-Security-Policy: {}\n  Cache-Control: {IMMUTABLE}\n\n\
         {path}code.html\n  Content-Security-Policy: {}\n  Cache-Control: {IMMUTABLE}\n\n\
         {path}{}",
        runner.prefix(),
        sandbox::static_runner_csp(Some(runner)),
        sandbox::code_runner_csp(),
        VENDOR_HEADERS.trim_start_matches("sandbox/"),
    )
}

fn nginx_snippet(plan: &Plan) -> String {
    let b = &plan.base;
    let csp = studio_csp(plan);
    let common = "add_header X-Content-Type-Options nosniff always;\n    \
                  add_header Referrer-Policy no-referrer always;";
    let mut s = format!(
        "# Written by `kiln build`. Include it in the `server {{ }}` block whose `root` holds this\n\
         # folder at {b} (for example: root /srv/www; with the folder copied to /srv/www{b}).\n\
         # nginx replaces inherited add_header lines per location, so each location repeats them.\n\n\
         location = {b} {{\n    {common}\n    add_header Content-Security-Policy \"{csp}\" always;\n    \
         add_header Cross-Origin-Opener-Policy same-origin always;\n    \
         add_header Cache-Control no-cache always;\n    try_files {b}index.html =404;\n}}\n\
         location = {b}index.html {{\n    {common}\n    add_header Content-Security-Policy \"{csp}\" always;\n    \
         add_header Cross-Origin-Opener-Policy same-origin always;\n    \
         add_header Cache-Control no-cache always;\n}}\n\
         location = {b}config.json {{\n    {common}\n    add_header Cache-Control no-cache always;\n}}\n\
         location = {b}sw.js {{\n    {common}\n    add_header Cache-Control no-cache always;\n}}\n\
         location {b}examples/ {{\n    {common}\n    add_header Cache-Control no-cache always;\n}}\n\
         location ~ ^{b}(_headers|nginx-kiln\\.conf|sandbox/_headers)$ {{\n    return 404;\n}}\n"
    );
    match &plan.runner {
        None => {
            let _ = write!(
                s,
                "location = {b}sandbox/runner.html {{\n    {common}\n    \
                 add_header Content-Security-Policy \"{}\" always;\n    \
                 add_header Cache-Control \"{IMMUTABLE}\" always;\n}}\n\
                 location = {b}sandbox/code.html {{\n    {common}\n    \
                 add_header Content-Security-Policy \"{}\" always;\n    \
                 add_header Cache-Control \"{IMMUTABLE}\" always;\n}}\n\
                 location {b}sandbox/vendor/ {{\n    {common}\n    \
                 add_header Access-Control-Allow-Origin * always;\n    \
                 add_header Cache-Control \"{IMMUTABLE}\" always;\n    gzip_static on;\n}}\n\
                 location {b}sandbox/ {{\n    {common}\n    add_header Cache-Control no-cache always;\n}}\n",
                sandbox::static_runner_csp(None),
                sandbox::code_runner_csp()
            );
        }
        Some(r) => {
            let _ = write!(
                s,
                "\n# The sandbox site ({}) is another server block: serve this folder's sandbox/\n\
                 # there, with:\n#   location = /runner.html {{\n#       add_header Content-Security-Policy \"{}\" always;\n\
                 #   }}\n#   location = /code.html {{\n#       add_header Content-Security-Policy \"{}\" always;\n\
                 #   }}\n#   location /vendor/ {{\n#       add_header Access-Control-Allow-Origin * always;\n\
                 #       add_header Cache-Control \"{IMMUTABLE}\" always;\n#   }}\n",
                r.prefix(),
                sandbox::static_runner_csp(Some(r)),
                sandbox::code_runner_csp()
            );
        }
    }
    let _ = write!(
        s,
        "location {b} {{\n    {common}\n    add_header Cache-Control \"{IMMUTABLE}\" always;\n    gzip_static on;\n}}\n"
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(base: &str, sandbox: Option<&str>) -> Options {
        Options {
            out: PathBuf::from("unused"),
            base_path: base.to_owned(),
            sandbox_origin: sandbox.map(str::to_owned),
            config: None,
        }
    }

    #[test]
    fn base_paths_are_normalized_or_refused() {
        assert_eq!(normalize_base("/").unwrap(), "/");
        assert_eq!(normalize_base("").unwrap(), "/");
        assert_eq!(normalize_base("kiln").unwrap(), "/kiln/");
        assert_eq!(normalize_base("/a/b/").unwrap(), "/a/b/");
        for bad in ["/../x/", "/a b/", "/a;b/", "/a//b/"] {
            assert!(normalize_base(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn single_origin_builds_frame_themselves_and_say_so() {
        let plan = make_plan(&opts("/kiln/", None), &FileConfig::default()).unwrap();
        assert_eq!(plan.client.sandbox.isolation, Isolation::SameOrigin);
        assert_eq!(plan.client.sandbox.runner, "sandbox/");
        let headers = headers_file(&plan);
        assert!(
            headers.contains("/kiln/index.html\n  Content-Security-Policy: "),
            "{headers}"
        );
        assert!(headers.contains("frame-src 'self'"), "{headers}");
        assert!(headers.contains("/kiln/sandbox/runner.html\n  Content-Security-Policy: default-src 'none'; script-src http: https:"));
        assert!(headers.contains("/kiln/sandbox/code.html\n  Content-Security-Policy: default-src 'none'; script-src 'unsafe-inline' blob: 'wasm-unsafe-eval'"), "{headers}");
        // Named with their version by the studio, the pages are kept for good (offline).
        for page in ["runner", "code"] {
            let rule = headers
                .split("\n\n")
                .find(|r| r.starts_with(&format!("/kiln/sandbox/{page}.html\n")))
                .unwrap();
            assert!(
                rule.contains("Cache-Control: public, max-age=31536000, immutable"),
                "{rule}"
            );
        }
        assert!(
            headers.contains("/kiln/sw.js\n  Cache-Control: no-cache"),
            "{headers}"
        );
        let nginx = nginx_snippet(&plan);
        assert!(
            nginx.contains("location = /kiln/sandbox/runner.html {"),
            "{nginx}"
        );
    }

    #[test]
    fn a_separate_sandbox_site_is_named_in_the_studio_policy() {
        let plan = make_plan(
            &opts("/", Some("https://box.example.net/k/")),
            &FileConfig::default(),
        )
        .unwrap();
        assert_eq!(plan.client.sandbox.runner, "https://box.example.net/k/");
        let headers = headers_file(&plan);
        assert!(
            headers.contains("frame-src https://box.example.net;"),
            "{headers}"
        );
        assert!(!headers.contains("runner.html"));
        let runner = plan.runner.as_ref().unwrap();
        let sandbox = sandbox_headers_file(runner);
        assert!(sandbox.contains("/k/runner.html\n  Content-Security-Policy: default-src 'none'; script-src https://box.example.net/k/vendor/ 'unsafe-inline'"), "{sandbox}");
        assert!(sandbox.contains("/k/code.html\n  Content-Security-Policy: default-src 'none'; script-src 'unsafe-inline' blob:"), "{sandbox}");
        assert!(sandbox.contains("immutable\n\n/k/code.html"), "{sandbox}");
        assert!(
            make_plan(
                &opts("/", Some("https://box.example.net/x y/")),
                &FileConfig::default()
            )
            .is_err()
        );
    }
}
