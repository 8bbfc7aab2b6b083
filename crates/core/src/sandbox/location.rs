//! Where the sandbox runner lives: an origin and the folder on it that holds `runner.html`.
//!
//! `kiln serve` runs the sandbox at the root of its own origin; a static deployment may put it
//! under a sub-path of another host, or, as the weaker single-origin fallback, in a folder of
//! the studio's own origin. The folder ends up inside CSP source expressions, so only
//! characters that cannot start another directive or a wildcard are accepted.

use thiserror::Error;

use super::{Consent, Origin, OriginError};

/// Why a runner location is not usable.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum LocationError {
    /// The scheme, host or port is wrong.
    #[error(transparent)]
    Origin(#[from] OriginError),
    /// The path has characters Kiln will not put in a policy, a `..` segment, a query or a
    /// fragment.
    #[error("{0:?} is not a plain folder path (letters, digits, - . _ ~ % and /)")]
    Path(String),
    /// A relative location was given but the page's own address is not a web URL.
    #[error("the page's address {0:?} is not an http or https URL")]
    Page(String),
}

/// The folder holding `runner.html`: `http://localhost:8788/` or
/// `https://example.org/kiln/sandbox/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunnerBase {
    origin: Origin,
    /// Starts and ends with `/`.
    path: String,
}

impl RunnerBase {
    /// Reads an absolute URL of a folder; a missing trailing `/` is added.
    pub fn parse(url: &str) -> Result<Self, LocationError> {
        let url = url.trim();
        let after_scheme = url.find("://").map_or(0, |i| i + 3);
        let (origin, path) = match url[after_scheme..].find('/') {
            Some(i) => url.split_at(after_scheme + i),
            None => (url, "/"),
        };
        let origin = Origin::parse(origin)?;
        let mut path = path.to_owned();
        if !path.ends_with('/') {
            path.push('/');
        }
        let ok_chars = path
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-._~%/".contains(c));
        let bad_segment = path
            .split('/')
            .skip(1)
            .collect::<Vec<_>>()
            .split_last()
            .is_some_and(|(_, segs)| segs.iter().any(|s| s.is_empty() || *s == "." || *s == ".."));
        if !ok_chars || bad_segment {
            return Err(LocationError::Path(url.to_owned()));
        }
        Ok(Self { origin, path })
    }

    /// The origin the runner is served from.
    pub fn origin(&self) -> &Origin {
        &self.origin
    }

    /// The folder as a URL, ending in `/`.
    pub fn prefix(&self) -> String {
        format!("{}{}", self.origin.as_str(), self.path)
    }

    /// The folder of vendored libraries and renderers beside the runner, as a URL ending in
    /// `/` (what artifact documents load, and what the studio reads to make an offline file).
    pub fn vendor_prefix(&self) -> String {
        format!("{}vendor/", self.prefix())
    }

    /// The code runner's address (where Python and JavaScript artifacts run in the browser),
    /// for the sandbox pages of `version` (see [`pages_version`]).
    pub fn code_runner_url(&self, version: &str) -> String {
        format!("{}code.html?v={version}", self.prefix())
    }

    /// The runner page's address for a view granted `consent` (its origins go in the query, so
    /// `kiln serve` can narrow the runner's own policy to them).
    /// The version of the sandbox pages (see [`pages_version`]) is in it too: the pages are
    /// cached for good under it, which is how a sandboxed frame opens with no network (no
    /// service worker can answer for a frame on an opaque origin; the HTTP cache can).
    pub fn runner_url(&self, consent: &Consent, version: &str) -> String {
        let connect: Vec<&str> = consent.network.iter().map(Origin::as_str).collect();
        format!(
            "{}runner.html?v={version}&connect={}",
            self.prefix(),
            connect.join("%20")
        )
    }
}

/// The version of a build's sandbox pages (`runner.html`, `code.html`, each with its script
/// inside), from their bytes and the policies this build serves them with: what the studio
/// puts in their addresses, so a browser may keep each version for good (policy included) and
/// still loads a new one the moment the studio names it.
pub fn pages_version(runner_html: &[u8], code_html: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    let template = RunnerBase::parse("https://sandbox.invalid/").ok();
    let policies = [
        template
            .as_ref()
            .map(|r| super::runner_csp(r, &Consent::default()))
            .unwrap_or_default(),
        super::static_runner_csp(template.as_ref()),
        super::static_runner_csp(None),
        super::code_runner_csp(),
    ];
    let mut hasher = Sha256::new();
    for part in [runner_html, code_html]
        .into_iter()
        .chain(policies.iter().map(String::as_bytes))
    {
        hasher.update((part.len() as u64).to_le_bytes());
        hasher.update(part);
    }
    hasher.finalize()[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Whether `v` has the shape of a [`pages_version`].
pub fn is_pages_version(v: &str) -> bool {
    v.len() == 16
        && v.bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
}

/// Resolves `location` (an absolute URL, an absolute path, or a path relative to the page, as
/// `config.json` gives it) against the studio page's address `page_url`.
pub fn resolve_runner(location: &str, page_url: &str) -> Result<RunnerBase, LocationError> {
    let location = location.trim();
    if location.contains("://") {
        return RunnerBase::parse(location);
    }
    let page = page_url.split(['?', '#']).next().unwrap_or("");
    let Some(scheme_end) = page.find("://").map(|i| i + 3) else {
        return Err(LocationError::Page(page_url.to_owned()));
    };
    let (origin, page_path) = match page[scheme_end..].find('/') {
        Some(i) => page.split_at(scheme_end + i),
        None => (page, "/"),
    };
    let folder = if location.starts_with('/') {
        location.to_owned()
    } else {
        let dir = page_path.rsplit_once('/').map_or("", |(d, _)| d);
        format!("{dir}/{}", location.trim_start_matches("./"))
    };
    RunnerBase::parse(&format!("{origin}{folder}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absolute_folders_parse_and_bad_ones_are_refused() {
        let ok = [
            ("http://localhost:8788", "http://localhost:8788/"),
            ("http://localhost:8788/", "http://localhost:8788/"),
            (
                "https://Box.example.org/kiln/sandbox",
                "https://box.example.org/kiln/sandbox/",
            ),
            ("https://a.org:443/s%20b/", "https://a.org/s%20b/"),
        ];
        for (input, prefix) in ok {
            assert_eq!(
                RunnerBase::parse(input).map(|b| b.prefix()),
                Ok(prefix.to_owned()),
                "{input}"
            );
            assert_eq!(
                RunnerBase::parse(input).map(|b| b.vendor_prefix()),
                Ok(format!("{prefix}vendor/")),
                "{input}"
            );
        }
        for bad in [
            "ftp://a.org/",
            "https://a.org/x;script-src *",
            "https://a.org/x y/",
            "https://a.org/../",
            "https://a.org//x/",
            "https://a.org/x?y",
            "https://a.org/x#y",
            "https://a.org/'self'/",
            "sandbox/",
        ] {
            assert!(RunnerBase::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn relative_locations_resolve_against_the_page() {
        let cases = [
            ("sandbox/", "https://a.org/", "https://a.org/sandbox/"),
            (
                "./sandbox/",
                "https://a.org/kiln/index.html?x#y",
                "https://a.org/kiln/sandbox/",
            ),
            (
                "sandbox",
                "https://a.org/kiln/",
                "https://a.org/kiln/sandbox/",
            ),
            ("/box/", "https://a.org/kiln/", "https://a.org/box/"),
            (
                "http://localhost:8788/",
                "http://127.0.0.1:8787/",
                "http://localhost:8788/",
            ),
            (
                "sandbox/",
                "http://127.0.0.1:9000",
                "http://127.0.0.1:9000/sandbox/",
            ),
        ];
        for (location, page, want) in cases {
            assert_eq!(
                resolve_runner(location, page).map(|b| b.prefix()),
                Ok(want.to_owned()),
                "{location} from {page}"
            );
        }
        assert!(resolve_runner("sandbox/", "file:///tmp/index.html").is_err());
        assert!(resolve_runner("../x/", "https://a.org/kiln/").is_err());
    }

    #[test]
    fn runner_url_carries_the_granted_origins() {
        let base = RunnerBase::parse("https://a.org/k/sandbox/").unwrap();
        let consent = Consent {
            network: vec![
                Origin::parse("https://api.x.org").unwrap(),
                Origin::parse("http://b:81").unwrap(),
            ],
            ..Consent::default()
        };
        assert_eq!(
            base.runner_url(&consent, "0123456789abcdef"),
            "https://a.org/k/sandbox/runner.html?v=0123456789abcdef&connect=https://api.x.org%20http://b:81"
        );
        assert_eq!(
            base.runner_url(&Consent::default(), "0123456789abcdef"),
            "https://a.org/k/sandbox/runner.html?v=0123456789abcdef&connect="
        );
    }

    #[test]
    fn the_pages_version_follows_their_bytes() {
        let v = pages_version(b"<runner>", b"<code>");
        assert!(is_pages_version(&v), "{v}");
        assert_eq!(v, pages_version(b"<runner>", b"<code>"));
        assert_ne!(v, pages_version(b"<runner>!", b"<code>"));
        assert_ne!(v, pages_version(b"<runner><code>", b""));
        for bad in [
            "",
            "0123",
            "0123456789ABCDEF",
            "0123456789abcdeg",
            "0123456789abcdef0",
        ] {
            assert!(!is_pages_version(bad), "{bad}");
        }
    }
}
