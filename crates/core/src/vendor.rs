//! The libraries Kiln serves to artifacts from its own sandbox origin, so that every artifact
//! kind runs with no internet and nothing an artifact loads comes from a public CDN.
//!
//! `vendor/libraries.json` is the one list: the bundle build (`web/vendor/build.mjs`) makes
//! exactly the files it names from the npm packages pinned in `package-lock.json`; `build.rs`
//! compiles it into the statics (and the import map) this module reads, and this module derives
//! from them the CDN rewriting of HTML artifacts, unknown-import messages and the system prompt's
//! list of libraries. The files live in the `vendor/` folder
//! beside the sandbox runner; artifact documents are `srcdoc` frames of the runner, whose base
//! URL is the runner's, so the relative `vendor/…` addresses written here resolve there.

/// The folder of vendored files, relative to the runner page. It starts with `./` because an
/// import map value or an `import` specifier without it would be read as a bare package name.
pub const VENDOR_DIR: &str = "./vendor/";

/// One vendored npm package.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Library {
    /// The npm package name.
    pub package: &'static str,
    /// The exact version served.
    pub version: &'static str,
    /// Its SPDX license expression.
    pub license: &'static str,
    /// Whether artifacts are told about it and may import it (the others are Kiln's own
    /// renderers: Mermaid, Markdown, highlighting, the JSX transform, Tailwind).
    pub offered: bool,
    /// A few words for the system prompt.
    pub about: &'static str,
    /// Import specifier → ES module file.
    pub modules: &'static [(&'static str, &'static str)],
    /// A classic script build, if there is one.
    pub script: Option<Script>,
    /// Style sheets.
    pub styles: &'static [&'static str],
    /// The library's name on cdnjs, when it is there.
    pub cdnjs: Option<&'static str>,
}

impl Library {
    /// The ES module file for `specifier`, if this library has it.
    pub fn module(&self, specifier: &str) -> Option<&'static str> {
        self.modules
            .iter()
            .find(|(spec, _)| *spec == specifier)
            .map(|(_, file)| *file)
    }
}

/// A classic (UMD or IIFE) script build.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Script {
    pub file: &'static str,
    /// The global it defines.
    pub global: Option<&'static str>,
}

// `LIBRARIES` and `IMPORT_MAP`, written by build.rs from `vendor/libraries.json`.
include!(concat!(env!("OUT_DIR"), "/vendor_catalog.rs"));

/// Every vendored library, in the catalogue's order.
pub fn libraries() -> &'static [Library] {
    LIBRARIES
}

/// The library with this npm name.
pub fn library(package: &str) -> Option<&'static Library> {
    LIBRARIES.iter().find(|l| l.package == package)
}

/// The address of a vendored file, as written into an artifact's document.
pub fn url(file: &str) -> String {
    format!("{VENDOR_DIR}{file}")
}

/// The import map every artifact document starts with: each offered module specifier mapped
/// to its vendored file.
pub fn import_map() -> &'static str {
    IMPORT_MAP
}

/// Whether `specifier` is in the import map.
pub fn importable(specifier: &str) -> bool {
    LIBRARIES
        .iter()
        .any(|l| l.offered && l.module(specifier).is_some())
}

/// The packages an artifact may import, for messages: `react, react-dom, recharts, …`.
pub fn offered_packages() -> Vec<&'static str> {
    LIBRARIES
        .iter()
        .filter(|l| l.offered)
        .map(|l| l.package)
        .collect()
}

/// The lines of the system prompt that list the libraries, one per offered package.
pub fn prompt_list() -> String {
    LIBRARIES
        .iter()
        .filter(|l| l.offered)
        .map(|l| format!("- {} {}: {}\n", l.package, l.version, l.about))
        .collect()
}

/// The package an import specifier names: `@scope/name` or `name`, without a sub-path.
pub fn package_of(specifier: &str) -> &str {
    let mut parts = specifier.splitn(3, '/');
    let first = parts.next().unwrap_or("");
    if first.starts_with('@') {
        match parts.next() {
            Some(second) => &specifier[..first.len() + 1 + second.len()],
            None => first,
        }
    } else {
        first
    }
}

/// Every module specifier a JavaScript module imports statically or with a literal
/// `import("…")`, in order, without repeats. A light scan rather than a parser: it skips
/// comments and looks at `from "…"`, `import "…"` and `import("…")`, which is all an ES module
/// can use to name another, so it never misses one; text inside other strings can at worst add
/// a name that is then reported, never hide one.
pub fn module_specifiers(source: &str) -> Vec<String> {
    let bytes = source.as_bytes();
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                i = memchr::memchr(b'\n', &bytes[i..]).map_or(bytes.len(), |n| i + n);
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i = memchr::memmem::find(&bytes[i + 2..], b"*/").map_or(bytes.len(), |n| i + n + 4);
            }
            b'f' | b'i' if !ident_byte_before(bytes, i) => {
                let word: &[u8] = if bytes[i..].starts_with(b"from") {
                    b"from"
                } else if bytes[i..].starts_with(b"import") {
                    b"import"
                } else {
                    i += 1;
                    continue;
                };
                let mut j = i + word.len();
                if bytes.get(j).is_some_and(|b| is_ident_byte(*b)) {
                    i = j;
                    continue;
                }
                while bytes.get(j).is_some_and(u8::is_ascii_whitespace) {
                    j += 1;
                }
                if word == b"import" && bytes.get(j) == Some(&b'(') {
                    j += 1;
                    while bytes.get(j).is_some_and(u8::is_ascii_whitespace) {
                        j += 1;
                    }
                }
                if let Some(&q @ (b'"' | b'\'')) = bytes.get(j)
                    && let Some(len) = memchr::memchr(q, &bytes[j + 1..])
                {
                    let spec = &source[j + 1..j + 1 + len];
                    if !spec.contains('\n') && !out.iter().any(|s| s == spec) {
                        out.push(spec.to_owned());
                    }
                    i = j + 2 + len;
                } else {
                    i = j;
                }
            }
            _ => i += 1,
        }
    }
    out
}

fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$'
}

fn ident_byte_before(bytes: &[u8], i: usize) -> bool {
    i > 0 && (is_ident_byte(bytes[i - 1]) || bytes[i - 1] == b'.')
}

/// The specifiers of `source` that Kiln cannot give it.
pub fn unknown_imports(source: &str) -> Vec<String> {
    module_specifiers(source)
        .into_iter()
        .filter(|s| !importable(s))
        .collect()
}

/// One CDN address in an HTML artifact replaced by a vendored file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rewrite {
    pub from: String,
    pub to: String,
}

/// CDN hosts whose addresses are rewritten, each with how the package is named in the path.
const CDN_HOSTS: [(&str, CdnStyle); 7] = [
    ("cdn.jsdelivr.net/npm/", CdnStyle::Npm),
    ("unpkg.com/", CdnStyle::Npm),
    ("esm.sh/", CdnStyle::NpmModule),
    ("cdn.skypack.dev/", CdnStyle::NpmModule),
    ("ga.jspm.io/npm:", CdnStyle::Npm),
    ("cdnjs.cloudflare.com/ajax/libs/", CdnStyle::Cdnjs),
    ("cdn.tailwindcss.com", CdnStyle::Tailwind),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CdnStyle {
    /// `<package>[@version][/path]`; a module or a classic script depending on the path.
    Npm,
    /// Like `Npm`, but always an ES module.
    NpmModule,
    /// `<cdnjs name>/<version>/<file>`: a classic script.
    Cdnjs,
    /// The Tailwind Play CDN.
    Tailwind,
}

/// Replaces the addresses of known CDNs that name a vendored library (at the same major
/// version, or none) with the vendored file, in the artifact's text as written: `src`, `href`,
/// import maps and `import … from "https://…"` alike. Everything else is left as it is, and
/// so still needs the person's consent to load.
pub fn rewrite_cdn_urls(html: &str) -> (String, Vec<Rewrite>) {
    let mut out = String::with_capacity(html.len());
    let mut rewrites = Vec::new();
    let mut copied = 0;
    let mut at = 0;
    while let Some(rel) = html[at..].find("//") {
        let slashes = at + rel;
        at = slashes + 2;
        let start = if html[..slashes].ends_with("https:") {
            slashes - 6
        } else if html[..slashes].ends_with("http:") {
            slashes - 5
        } else {
            slashes
        };
        let end = html[at..]
            .find(|c: char| c.is_whitespace() || "\"'`<>()\\".contains(c))
            .map_or(html.len(), |n| at + n);
        let address = &html[at..end];
        if let Some(file) = vendored_for(address) {
            let to = url(&file);
            out.push_str(&html[copied..start]);
            out.push_str(&to);
            rewrites.push(Rewrite {
                from: html[start..end].to_owned(),
                to,
            });
            copied = end;
        }
        at = end.max(at);
    }
    out.push_str(&html[copied..]);
    (out, rewrites)
}

/// The vendored file for an address without its scheme (`cdn.jsdelivr.net/npm/d3@7`).
fn vendored_for(address: &str) -> Option<String> {
    let address = address.split(['?', '#']).next().unwrap_or("");
    let (style, rest) = CDN_HOSTS.iter().find_map(|(host, style)| {
        address
            .strip_prefix(host)
            .map(|rest| (*style, rest.trim_start_matches('/')))
    })?;
    match style {
        CdnStyle::Tailwind => {
            let lib = library("@tailwindcss/browser")?;
            Some(lib.script?.file.to_owned())
        }
        CdnStyle::Cdnjs => {
            let mut parts = rest.splitn(3, '/');
            let name = parts.next()?;
            let version = parts.next()?;
            let file = parts.next().unwrap_or("");
            let lib = libraries().iter().find(|l| l.cdnjs == Some(name))?;
            if !same_major(version, lib.version) || file.ends_with(".css") {
                return None;
            }
            if looks_like_module(file) {
                lib.module(lib.package).map(str::to_owned)
            } else {
                Some(lib.script?.file.to_owned())
            }
        }
        CdnStyle::Npm | CdnStyle::NpmModule => {
            // jspm writes `npm:d3@7.9.0/…`, skypack and esm.sh may put `/v135/` or `/stable/`
            // first; neither is a package name.
            let rest = rest
                .strip_prefix("stable/")
                .or_else(|| rest.strip_prefix("pin/"))
                .unwrap_or(rest);
            let pkg_len = package_of(rest).len();
            let (name_ver, path) = rest.split_at(pkg_len);
            let (name, version) = split_version(name_ver);
            let path = path.trim_start_matches('/');
            let lib = library(name)?;
            if !version.is_empty() && !same_major(version, lib.version) {
                return None;
            }
            let module = style == CdnStyle::NpmModule || looks_like_module(path);
            let path = path.trim_end_matches("+esm").trim_end_matches('/');
            if !path.is_empty() {
                // A sub-path that is itself an import specifier (`three/addons/…`,
                // `chart.js/auto`, `react-dom/client`) maps to its own file.
                let sub = lib.modules.iter().find(|(spec, _)| {
                    spec.strip_prefix(name)
                        .and_then(|s| s.strip_prefix('/'))
                        .is_some_and(|s| !s.is_empty() && path.ends_with(s))
                });
                if let Some((_, file)) = sub {
                    return Some((*file).to_owned());
                }
            }
            if module || lib.script.is_none() {
                // Only the package's main module can stand in for a module address; another
                // file of the package is something Kiln does not have.
                let main = lib.module(lib.package)?;
                (path.is_empty() || is_main_file(path)).then(|| main.to_owned())
            } else {
                let script = lib.script?;
                (path.is_empty() || is_main_file(path)).then(|| script.file.to_owned())
            }
        }
    }
}

/// `name@version` split at the version sign (a scoped name starts with `@`, so the search
/// starts after the first character).
fn split_version(name_ver: &str) -> (&str, &str) {
    match name_ver.get(1..).and_then(|s| s.find('@')) {
        Some(i) => (&name_ver[..i + 1], &name_ver[i + 2..]),
        None => (name_ver, ""),
    }
}

fn same_major(asked: &str, have: &str) -> bool {
    let asked = asked.trim_start_matches(['^', '~', 'v', '=']);
    let major = |v: &str| -> Option<u64> { v.split(['.', '-']).next()?.parse().ok() };
    match (major(asked), major(have)) {
        (Some(a), Some(h)) => a == h,
        // "latest", a tag, or nothing we can read: the vendored copy is the best stand-in.
        _ => !asked.chars().next().is_some_and(|c| c.is_ascii_digit()),
    }
}

fn looks_like_module(path: &str) -> bool {
    let p = path.to_ascii_lowercase();
    p.ends_with("+esm")
        || p.ends_with(".mjs")
        || p.contains(".module.")
        || p.contains(".esm.")
        || p.contains("/esm/")
        || p.contains("/es/")
}

/// Whether a file path in a package is its main build (`dist/d3.min.js`,
/// `umd/react.production.min.js`, `build/three.module.js`), as opposed to some other file.
fn is_main_file(path: &str) -> bool {
    let file = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    let stem = file.split('.').next().unwrap_or("");
    let dir_ok = path.split('/').rev().skip(1).all(|d| {
        matches!(
            d,
            "dist" | "umd" | "build" | "lib" | "browser" | "es" | "esm" | "+esm"
        )
    });
    dir_ok
        && (file == "+esm"
            || matches!(
                stem,
                "index"
                    | "main"
                    | "d3"
                    | "react"
                    | "react-dom"
                    | "three"
                    | "chart"
                    | "lodash"
                    | "papaparse"
                    | "math"
                    | "mathjs"
                    | "mermaid"
                    | "marked"
                    | "purify"
                    | "highlight"
                    | "recharts"
                    | "lucide-react"
            ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalogue_parses_and_names_each_file_once() {
        let libs = libraries();
        assert!(libs.len() >= 10, "{libs:?}");
        let mut files: Vec<&str> = libs
            .iter()
            .flat_map(|l| {
                l.modules
                    .iter()
                    .map(|(_, f)| *f)
                    .chain(l.script.map(|s| s.file))
                    .chain(l.styles.iter().copied())
            })
            .collect();
        files.sort_unstable();
        let n = files.len();
        files.dedup();
        // OrbitControls has two specifiers for one file.
        assert_eq!(files.len() + 1, n);
        for f in files {
            assert!(
                f.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-._".contains(c)),
                "{f}"
            );
        }
        for l in libs {
            assert!(l.version.split('.').count() == 3, "{}", l.package);
            assert!(!l.license.is_empty());
        }
    }

    #[test]
    fn the_issue_s_libraries_are_all_importable() {
        for spec in [
            "react",
            "react-dom",
            "react-dom/client",
            "react/jsx-runtime",
            "recharts",
            "lucide-react",
            "d3",
            "three",
            "chart.js",
            "chart.js/auto",
            "lodash",
            "papaparse",
            "mathjs",
        ] {
            assert!(importable(spec), "{spec}");
        }
        assert!(!importable("mermaid"), "a renderer, not offered");
        let map: serde_json::Value = serde_json::from_str(import_map()).unwrap();
        assert_eq!(map["imports"]["react"], "./vendor/react-18.3.1.esm.js");
    }

    #[test]
    fn import_specifiers_are_found_in_every_form() {
        let src = r#"
import React, { useState } from 'react';
import * as d3 from "d3";
import "./styles.css";
export { x } from 'lodash';
// import nope from 'commented-out';
/* import nope2 from 'also-out'; */
const lazy = await import( 'three' );
const imported = "not an import from here";
const reimport = 1; myimport('x');
import {
  LineChart,
} from 'recharts'
"#;
        assert_eq!(
            module_specifiers(src),
            ["react", "d3", "./styles.css", "lodash", "three", "recharts"]
        );
        assert_eq!(unknown_imports(src), ["./styles.css"]);
    }

    #[test]
    fn package_names_drop_sub_paths() {
        assert_eq!(package_of("react-dom/client"), "react-dom");
        assert_eq!(package_of("@tailwindcss/browser"), "@tailwindcss/browser");
        assert_eq!(package_of("@scope/pkg/sub/x.js"), "@scope/pkg");
        assert_eq!(package_of("d3"), "d3");
    }

    #[test]
    fn cdn_addresses_of_vendored_libraries_are_rewritten() {
        let cases: &[(&str, Option<&str>)] = &[
            ("https://cdn.jsdelivr.net/npm/d3@7", Some("d3-7.9.2.min.js")),
            (
                "https://cdn.jsdelivr.net/npm/d3@7.8.5/dist/d3.min.js",
                Some("d3-7.9.2.min.js"),
            ),
            (
                "https://cdn.jsdelivr.net/npm/d3@7/+esm",
                Some("d3-7.9.2.esm.js"),
            ),
            (
                "https://unpkg.com/d3@7.9.0/dist/d3.min.js",
                Some("d3-7.9.2.min.js"),
            ),
            ("https://d3js.org/d3.v7.min.js", None),
            (
                "https://cdnjs.cloudflare.com/ajax/libs/d3/7.8.5/d3.min.js",
                Some("d3-7.9.2.min.js"),
            ),
            ("https://cdn.jsdelivr.net/npm/d3@5", None),
            ("https://esm.sh/react@18.2.0", Some("react-18.3.1.esm.js")),
            (
                "https://esm.sh/react-dom@18/client",
                Some("react-dom-client-18.3.1.esm.js"),
            ),
            (
                "https://unpkg.com/react@18/umd/react.production.min.js",
                Some("react-18.3.1.min.js"),
            ),
            (
                "https://unpkg.com/three@0.160.0/build/three.module.js",
                Some("three-0.187.0.esm.js"),
            ),
            (
                "https://unpkg.com/three@0.160.0/examples/jsm/controls/OrbitControls.js",
                Some("three-orbitcontrols-0.187.0.esm.js"),
            ),
            (
                "https://cdnjs.cloudflare.com/ajax/libs/three.js/r128/three.min.js",
                None,
            ),
            (
                "https://cdn.jsdelivr.net/npm/chart.js",
                Some("chart.js-4.6.1.umd.min.js"),
            ),
            (
                "https://cdn.jsdelivr.net/npm/chart.js@4.4.0/dist/chart.umd.min.js",
                Some("chart.js-4.6.1.umd.min.js"),
            ),
            (
                "https://cdn.jsdelivr.net/npm/chart.js/auto/+esm",
                Some("chart.js-auto-4.6.1.esm.js"),
            ),
            (
                "https://cdn.tailwindcss.com",
                Some("tailwindcss-browser-4.3.4.js"),
            ),
            (
                "https://cdn.tailwindcss.com/3.4.0",
                Some("tailwindcss-browser-4.3.4.js"),
            ),
            (
                "https://cdn.jsdelivr.net/npm/mermaid@11/dist/mermaid.min.js",
                None,
            ),
            (
                "https://cdn.jsdelivr.net/npm/mermaid@12/dist/mermaid.min.js",
                Some("mermaid-12.3.0.min.js"),
            ),
            (
                "https://cdn.jsdelivr.net/npm/lodash@4.17.21/lodash.min.js",
                Some("lodash-4.18.1.min.js"),
            ),
            ("https://cdn.jsdelivr.net/npm/leftpad@1", None),
            ("https://cdn.jsdelivr.net/npm/d3@7/dist/d3-other.js", None),
            ("https://fonts.googleapis.com/css2?family=Inter", None),
        ];
        for (from, want) in cases {
            let html = format!("<script src=\"{from}\"></script>");
            let (out, rewrites) = rewrite_cdn_urls(&html);
            match want {
                Some(file) => {
                    assert_eq!(
                        out,
                        format!("<script src=\"./vendor/{file}\"></script>"),
                        "{from}"
                    );
                    assert_eq!(rewrites.len(), 1);
                    assert_eq!(rewrites[0].from, *from);
                }
                None => {
                    assert_eq!(out, html, "{from}");
                    assert!(rewrites.is_empty());
                }
            }
        }
    }

    #[test]
    fn rewriting_covers_import_maps_and_module_imports_and_keeps_the_rest() {
        let html = r#"<script type="importmap">{"imports":{"three":"https://unpkg.com/three@0.160.0/build/three.module.js"}}</script>
<script type="module">import * as d3 from 'https://cdn.jsdelivr.net/npm/d3@7/+esm'; // https://example.org/x
fetch("//api.example.org/data");</script>"#;
        let (out, rewrites) = rewrite_cdn_urls(html);
        assert!(
            out.contains(r#""three":"./vendor/three-0.187.0.esm.js""#),
            "{out}"
        );
        assert!(out.contains("from './vendor/d3-7.9.2.esm.js'"), "{out}");
        assert!(out.contains("// https://example.org/x"));
        assert!(out.contains("\"//api.example.org/data\""));
        assert_eq!(rewrites.len(), 2);
    }

    #[test]
    fn the_prompt_list_names_only_offered_libraries_with_versions() {
        let list = prompt_list();
        assert!(list.contains("- recharts 3.11.1:"), "{list}");
        assert!(!list.contains("sucrase"));
        assert_eq!(list.lines().count(), offered_packages().len());
    }
}
