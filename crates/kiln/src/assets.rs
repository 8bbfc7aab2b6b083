//! The web bundle embedded at build time, and how each file is answered over HTTP.
//!
//! Every name but `index.html` carries a content hash, so those are cached forever and the page
//! itself is revalidated on each load. Precompressed copies are chosen by `Accept-Encoding`.

/// One file of the bundle with its precompressed copies.
#[derive(Debug)]
pub struct Asset {
    pub name: &'static str,
    pub raw: &'static [u8],
    pub br: Option<&'static [u8]>,
    pub gz: Option<&'static [u8]>,
}

include!(concat!(env!("OUT_DIR"), "/assets.rs"));

/// The studio's file a request path names, if the bundle has it. `/` is the studio page.
pub fn lookup(path: &str) -> Option<&'static Asset> {
    let name = path.strip_prefix('/').unwrap_or(path);
    let name = if name.is_empty() { "index.html" } else { name };
    if name.starts_with(SANDBOX_DIR) {
        return None;
    }
    ASSETS.iter().find(|a| a.name == name)
}

const SANDBOX_DIR: &str = "sandbox/";

/// The sandbox origin's file a request path names (`/runner.html`, `/code.html`, `/vendor/…`).
pub fn lookup_sandbox(path: &str) -> Option<&'static Asset> {
    let name = path.strip_prefix('/').unwrap_or(path);
    ASSETS
        .iter()
        .find(|a| a.name.strip_prefix(SANDBOX_DIR) == Some(name))
}

/// Every file of the bundle (for `kiln build`).
pub fn all() -> &'static [Asset] {
    ASSETS
}

/// Whether this binary was built with a web bundle in it.
pub fn bundled() -> bool {
    !ASSETS.is_empty()
}

/// The media type for a bundle file, by extension.
pub fn content_type(name: &str) -> &'static str {
    match name.rsplit_once('.').map(|(_, ext)| ext) {
        Some("html") => "text/html; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("wasm") => "application/wasm",
        Some("css") => "text/css; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("json") => "application/json",
        Some("webmanifest") => "application/manifest+json",
        Some("png") => "image/png",
        Some("woff2") => "font/woff2",
        Some("txt") => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// Cache-Control for a bundle file: hashed names and the vendored libraries (whose names carry
/// their version) never change; the page, `sw.js`, the sandbox's pages and the examples keep
/// their names, so they revalidate (the sandbox's pages are kept for good when asked for by
/// their version: `serve/sandbox.rs`).
pub fn cache_control(name: &str) -> &'static str {
    if is_hashed(name) || is_vendored(name) {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    }
}

/// The sandbox's folder of vendored libraries (see `kiln_core::vendor`).
pub const VENDOR_DIR: &str = "sandbox/vendor/";

/// Whether `name` is a vendored library file. These are loaded as module scripts by artifact
/// frames, whose origin is opaque, so they are sent with `Access-Control-Allow-Origin: *`.
pub fn is_vendored(name: &str) -> bool {
    name.strip_prefix('/')
        .unwrap_or(name)
        .strip_prefix(VENDOR_DIR)
        .is_some_and(|f| !f.is_empty() && !f.contains('/'))
}

/// Whether `name` carries a content hash (`style-0123456789abcdef.css`), as the bundle names
/// every file that may be cached forever.
fn is_hashed(name: &str) -> bool {
    let stem = name.rsplit_once('.').map_or(name, |(s, _)| s);
    stem.rsplit_once('-')
        .is_some_and(|(_, hash)| hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// A content coding the server can answer with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Brotli,
    Gzip,
    Identity,
}

impl Encoding {
    pub fn header(self) -> Option<&'static str> {
        match self {
            Self::Brotli => Some("br"),
            Self::Gzip => Some("gzip"),
            Self::Identity => None,
        }
    }
}

/// Picks brotli over gzip over identity, honouring `q=0` refusals in `Accept-Encoding`.
pub fn negotiate(accept_encoding: &str) -> Encoding {
    let accepts = |coding: &str| {
        accept_encoding.split(',').any(|part| {
            let mut fields = part.split(';').map(str::trim);
            let name = fields.next().unwrap_or("");
            let refused = fields.any(|f| {
                f.strip_prefix("q=")
                    .and_then(|q| q.trim().parse::<f32>().ok())
                    .is_some_and(|q| q <= 0.0)
            });
            name.eq_ignore_ascii_case(coding) && !refused
        })
    };
    if accepts("br") {
        Encoding::Brotli
    } else if accepts("gzip") {
        Encoding::Gzip
    } else {
        Encoding::Identity
    }
}

/// The bytes to send for `asset` under the negotiated coding, falling back to the raw file
/// when no copy in that coding was built.
pub fn body(asset: &Asset, wanted: Encoding) -> (&'static [u8], Encoding) {
    match (wanted, asset.br, asset.gz) {
        (Encoding::Brotli, Some(br), _) => (br, Encoding::Brotli),
        (Encoding::Brotli | Encoding::Gzip, _, Some(gz)) => (gz, Encoding::Gzip),
        _ => (asset.raw, Encoding::Identity),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negotiation_prefers_brotli_and_respects_refusals() {
        assert_eq!(negotiate("gzip, deflate, br, zstd"), Encoding::Brotli);
        assert_eq!(negotiate("gzip"), Encoding::Gzip);
        assert_eq!(negotiate("br;q=0, gzip;q=0.8"), Encoding::Gzip);
        assert_eq!(negotiate("BR"), Encoding::Brotli);
        assert_eq!(negotiate(""), Encoding::Identity);
        assert_eq!(negotiate("identity"), Encoding::Identity);
        assert_eq!(negotiate("brotli"), Encoding::Identity);
    }

    #[test]
    fn body_falls_back_when_a_copy_is_missing() {
        static A: Asset = Asset {
            name: "a.js",
            raw: b"raw",
            br: None,
            gz: Some(b"gz"),
        };
        assert_eq!(body(&A, Encoding::Brotli), (&b"gz"[..], Encoding::Gzip));
        assert_eq!(
            body(&A, Encoding::Identity),
            (&b"raw"[..], Encoding::Identity)
        );
        static B: Asset = Asset {
            name: "b.js",
            raw: b"raw",
            br: None,
            gz: None,
        };
        assert_eq!(body(&B, Encoding::Gzip), (&b"raw"[..], Encoding::Identity));
    }

    #[test]
    fn wasm_and_pages_get_their_media_types_and_caching() {
        assert_eq!(content_type("kiln_web-0123abcd.wasm"), "application/wasm");
        assert_eq!(content_type("index.html"), "text/html; charset=utf-8");
        assert_eq!(
            content_type("kiln_web-0123.js"),
            "text/javascript; charset=utf-8"
        );
        assert_eq!(cache_control("index.html"), "no-cache");
        assert!(cache_control("style-5a80d392c28f3dac.css").contains("immutable"));
        assert_eq!(cache_control("sandbox/runner.js"), "no-cache");
        assert_eq!(cache_control("examples/tip-calculator.html"), "no-cache");
        assert_eq!(cache_control("examples/index.json"), "no-cache");
    }

    #[test]
    fn root_is_the_studio_page() {
        if bundled() {
            assert_eq!(lookup("/").map(|a| a.name), Some("index.html"));
        }
        assert!(lookup("/no-such-file.js").is_none());
        if bundled() {
            // The runner is only on the sandbox origin, and the studio only on the app's.
            assert!(lookup_sandbox("/runner.html").is_some());
            assert!(lookup("/sandbox/runner.html").is_none());
            assert!(lookup_sandbox("/index.html").is_none());
        }
    }
}
