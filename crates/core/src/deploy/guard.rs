//! Which requests `kiln serve`'s spending and storing endpoints answer: the studio's own, never
//! another site's.
//!
//! A browser lets any page POST to any address with a "simple" request (a form, or `fetch` with
//! `Content-Type: text/plain`) and brings the person's cookies along, so without this check a
//! page a team member visits could run programs on the server, store links, or spend the keys
//! the server holds, behind an authenticating reverse proxy too. The browser says where a
//! request comes from (`Sec-Fetch-Site`, and `Origin`); the rule here reads those, and asks for
//! a JSON body, which another site can only send after a CORS preflight that Kiln never grants.
//! Clients that are not browsers send neither header and are not a cross-site risk.

use thiserror::Error;

use crate::sandbox::Origin;

/// What a request says about where it comes from, as read from its headers (each `None` when
/// the header is absent or not text).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RequestFacts<'a> {
    /// `GET`, `POST`, …
    pub method: &'a str,
    pub content_type: Option<&'a str>,
    pub origin: Option<&'a str>,
    pub sec_fetch_site: Option<&'a str>,
    /// `Host`, as the server received it (a reverse proxy may have rewritten it).
    pub host: Option<&'a str>,
    /// `X-Forwarded-Host` and `X-Forwarded-Proto`, set by a reverse proxy. A cross-site page
    /// cannot set them without a preflight, so trusting them here opens nothing.
    pub forwarded_host: Option<&'a str>,
    pub forwarded_proto: Option<&'a str>,
}

/// Why a request to the API was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum Refusal {
    /// The browser says another site (or a sibling site) sent it.
    #[error(
        "refused: this request comes from another site (Sec-Fetch-Site: {0}); Kiln's API answers only its own studio page"
    )]
    CrossSite(String),
    /// The `Origin` is not the studio's.
    #[error(
        "refused: this request comes from {0}, not from this Kiln's studio page; behind a reverse proxy that rewrites Host, pass --public-origin"
    )]
    ForeignOrigin(String),
    /// A body that is not declared as JSON.
    #[error("refused: send the body as JSON (Content-Type: application/json), not {0}")]
    NotJson(String),
}

impl Refusal {
    /// The HTTP status to answer with: 403 for where it came from, 415 for what it carried.
    pub fn status(&self) -> u16 {
        match self {
            Self::CrossSite(_) | Self::ForeignOrigin(_) => 403,
            Self::NotJson(_) => 415,
        }
    }
}

/// Whether the API answers this request. `public` lists the studio's public origins beyond the
/// one its `Host` header names (`--public-origin`).
pub fn check(facts: &RequestFacts<'_>, public: &[Origin]) -> Result<(), Refusal> {
    let safe_method = matches!(facts.method, "GET" | "HEAD" | "OPTIONS");
    match facts.sec_fetch_site.map(str::trim) {
        Some("same-origin") => {}
        // Typed into the address bar or opened from a bookmark: never a POST from a page.
        Some("none") if safe_method => {}
        Some(other) => return Err(Refusal::CrossSite(other.to_owned())),
        // Older browsers send no Sec-Fetch-Site, but every browser sends Origin on a POST.
        None => {
            if let Some(origin) = facts.origin
                && !origin_is_ours(origin, facts, public)
            {
                return Err(Refusal::ForeignOrigin(origin.to_owned()));
            }
        }
    }
    if !safe_method && !is_json(facts.content_type) {
        return Err(Refusal::NotJson(
            facts.content_type.unwrap_or("no content type").to_owned(),
        ));
    }
    Ok(())
}

fn is_json(content_type: Option<&str>) -> bool {
    content_type.is_some_and(|t| {
        t.split(';')
            .next()
            .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"))
    })
}

/// Whether `origin` names this server as the browser reached it.
fn origin_is_ours(origin: &str, facts: &RequestFacts<'_>, public: &[Origin]) -> bool {
    // `null` (a sandboxed frame, a redirect chain) is never the studio.
    let Ok(origin) = Origin::parse(origin) else {
        return false;
    };
    if public.contains(&origin) {
        return true;
    }
    let scheme = origin.as_str().split("://").next().unwrap_or("http");
    let named = |host: &str, scheme: &str| {
        Origin::parse(&format!("{scheme}://{}", host.trim())).is_ok_and(|o| o == origin)
    };
    // A default port is left out of Origin but may be written in Host.
    let without_default_port = |host: &str| {
        host.strip_suffix(":80")
            .or_else(|| host.strip_suffix(":443"))
            .map(str::to_owned)
    };
    let mut candidates: Vec<(String, String)> = Vec::new();
    if let Some(h) = facts.forwarded_host {
        let proto = facts.forwarded_proto.unwrap_or(scheme);
        for h in h.split(',').map(str::trim).take(1) {
            candidates.push((h.to_owned(), proto.trim().to_owned()));
        }
    }
    if let Some(h) = facts.host {
        candidates.push((h.to_owned(), scheme.to_owned()));
    }
    candidates.iter().any(|(host, scheme)| {
        named(host, scheme) || without_default_port(host).is_some_and(|h| named(&h, scheme))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn post<'a>(
        site: Option<&'a str>,
        origin: Option<&'a str>,
        ty: Option<&'a str>,
    ) -> RequestFacts<'a> {
        RequestFacts {
            method: "POST",
            content_type: ty,
            origin,
            sec_fetch_site: site,
            host: Some("127.0.0.1:8787"),
            ..RequestFacts::default()
        }
    }

    const JSON: Option<&str> = Some("application/json");

    #[test]
    fn the_studio_s_own_requests_pass() {
        let cases = [
            post(Some("same-origin"), Some("http://127.0.0.1:8787"), JSON),
            post(
                Some("same-origin"),
                None,
                Some("application/json; charset=utf-8"),
            ),
            // An older browser: no Sec-Fetch-Site, Origin names the host.
            post(None, Some("http://127.0.0.1:8787"), JSON),
            // Not a browser at all (curl, a script): nothing to forge a person's request with.
            post(None, None, JSON),
        ];
        for facts in cases {
            assert_eq!(check(&facts, &[]), Ok(()), "{facts:?}");
        }
    }

    #[test]
    fn cross_site_simple_requests_are_refused() {
        let evil = Some("http://evil.example");
        let cases = [
            (post(Some("cross-site"), evil, Some("text/plain")), 403),
            (post(Some("cross-site"), evil, JSON), 403),
            (
                post(Some("same-site"), Some("http://box.127.0.0.1"), JSON),
                403,
            ),
            // A sandboxed artifact frame: an opaque origin.
            (post(Some("cross-site"), Some("null"), JSON), 403),
            (post(None, Some("null"), JSON), 403),
            (post(None, evil, Some("text/plain")), 403),
            (post(Some("none"), None, JSON), 403),
            // From the studio, but not JSON: the same shape a form could send.
            (post(Some("same-origin"), None, Some("text/plain")), 415),
            (post(Some("same-origin"), None, None), 415),
            (
                post(None, None, Some("application/x-www-form-urlencoded")),
                415,
            ),
            (post(None, None, Some("application/jsonx")), 415),
        ];
        for (facts, status) in cases {
            let got = check(&facts, &[]);
            assert_eq!(
                got.as_ref().map_err(Refusal::status),
                Err(status),
                "{facts:?}"
            );
            let text = got.unwrap_err().to_string();
            assert!(text.starts_with("refused: "), "{text}");
        }
    }

    #[test]
    fn gets_need_no_body_type_but_still_a_same_origin_page() {
        let get = |site| RequestFacts {
            method: "GET",
            sec_fetch_site: site,
            origin: None,
            host: Some("kiln.example.org"),
            ..RequestFacts::default()
        };
        assert_eq!(check(&get(Some("same-origin")), &[]), Ok(()));
        assert_eq!(check(&get(Some("none")), &[]), Ok(()));
        assert_eq!(check(&get(None), &[]), Ok(()));
        assert!(check(&get(Some("cross-site")), &[]).is_err());
    }

    #[test]
    fn behind_a_reverse_proxy_the_public_origin_is_recognised() {
        // nginx with `proxy_set_header Host $host`.
        let kept_host = RequestFacts {
            host: Some("kiln.example.org"),
            ..post(None, Some("https://kiln.example.org"), JSON)
        };
        assert_eq!(check(&kept_host, &[]), Ok(()));
        let default_port = RequestFacts {
            host: Some("kiln.example.org:443"),
            ..post(None, Some("https://kiln.example.org"), JSON)
        };
        assert_eq!(check(&default_port, &[]), Ok(()));
        // A proxy that rewrites Host but says what it was.
        let forwarded = RequestFacts {
            host: Some("127.0.0.1:8787"),
            forwarded_host: Some("kiln.example.org"),
            forwarded_proto: Some("https"),
            ..post(None, Some("https://kiln.example.org"), JSON)
        };
        assert_eq!(check(&forwarded, &[]), Ok(()));
        // One that says nothing: only --public-origin tells.
        let rewritten = post(None, Some("https://kiln.example.org"), JSON);
        assert!(matches!(
            check(&rewritten, &[]),
            Err(Refusal::ForeignOrigin(_))
        ));
        let public = [Origin::parse("https://kiln.example.org").unwrap()];
        assert_eq!(check(&rewritten, &public), Ok(()));
        // A look-alike host is not the studio.
        let lookalike = post(None, Some("http://127.0.0.1:8787.evil.example"), JSON);
        assert!(check(&lookalike, &public).is_err());
        // Browsers that send Sec-Fetch-Site need none of this.
        let modern = post(Some("same-origin"), Some("https://kiln.example.org"), JSON);
        assert_eq!(check(&modern, &[]), Ok(()));
    }
}
