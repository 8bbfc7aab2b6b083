//! Web origins as the sandbox policy names them: scheme, host and port, nothing else.
//!
//! An origin ends up inside a CSP header, so anything that could smuggle in another directive
//! or a wildcard (`;`, `,`, spaces, quotes, `*`) is refused rather than escaped.

use thiserror::Error;

/// Why text is not an origin Kiln will name in a policy.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum OriginError {
    /// Only `http` and `https` origins can be granted.
    #[error("{0:?} is not an http or https origin")]
    Scheme(String),
    /// The host is empty or has characters a host cannot have.
    #[error("{0:?} has no valid host")]
    Host(String),
    /// A path, query or fragment follows the host; an origin has none.
    #[error("{0:?} has a path; an origin is only scheme://host[:port]")]
    Path(String),
    /// The port is not a number from 1 to 65535.
    #[error("{0:?} has an invalid port")]
    Port(String),
}

/// A serialized origin such as `https://api.example.org` or `http://localhost:8788`.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(try_from = "String", into = "String")]
pub struct Origin(pub(super) String);

impl TryFrom<String> for Origin {
    type Error = OriginError;
    fn try_from(s: String) -> Result<Self, OriginError> {
        Self::parse(&s)
    }
}

impl From<Origin> for String {
    fn from(o: Origin) -> String {
        o.0
    }
}

impl Origin {
    /// Reads `scheme://host[:port]`, lowercasing scheme and host. A single trailing `/` is
    /// accepted; any other path is refused.
    pub fn parse(text: &str) -> Result<Self, OriginError> {
        let t = text.trim();
        let (scheme, rest) = t
            .split_once("://")
            .ok_or_else(|| OriginError::Scheme(t.into()))?;
        let scheme = scheme.to_ascii_lowercase();
        if scheme != "http" && scheme != "https" {
            return Err(OriginError::Scheme(t.into()));
        }
        let rest = rest.strip_suffix('/').unwrap_or(rest);
        if rest.contains(['/', '?', '#']) {
            return Err(OriginError::Path(t.into()));
        }
        let (host, port) = match rest.rsplit_once(':') {
            // An IPv6 literal has colons inside brackets; a port follows the bracket.
            Some((h, p)) if !p.contains(']') => (h, Some(p)),
            _ => (rest, None),
        };
        let host = host.to_ascii_lowercase();
        let host_ok = !host.is_empty()
            && if let Some(inner) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
                !inner.is_empty()
                    && inner
                        .chars()
                        .all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.')
            } else {
                host.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
                    && !host.starts_with(['.', '-'])
            };
        if !host_ok {
            return Err(OriginError::Host(t.into()));
        }
        let port = match port {
            None => None,
            Some(p) => match p.parse::<u16>() {
                Ok(n) if n > 0 && p.chars().all(|c| c.is_ascii_digit()) => Some(n),
                _ => return Err(OriginError::Port(t.into())),
            },
        };
        let default_port = if scheme == "https" { 443 } else { 80 };
        Ok(Self(match port {
            Some(p) if p != default_port => format!("{scheme}://{host}:{p}"),
            _ => format!("{scheme}://{host}"),
        }))
    }

    /// The origin as it appears in a policy or in `location.origin`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_valid_origins() {
        let cases = [
            ("https://api.example.org", "https://api.example.org"),
            ("HTTPS://API.Example.org/", "https://api.example.org"),
            ("http://localhost:8788", "http://localhost:8788"),
            ("https://example.org:443", "https://example.org"),
            ("http://127.0.0.1:80", "http://127.0.0.1"),
            ("http://[::1]:8080", "http://[::1]:8080"),
        ];
        for (text, want) in cases {
            assert_eq!(
                Origin::parse(text).map(|o| o.0),
                Ok(want.to_owned()),
                "{text}"
            );
        }
    }

    #[test]
    fn refuses_anything_that_could_widen_a_policy() {
        let bad = [
            "*",
            "https://*.example.org",
            "https://a.org; script-src *",
            "https://a.org https://b.org",
            "https://a.org/path",
            "https://a.org?q",
            "javascript://x",
            "data:text/html,hi",
            "ws://a.org",
            "https://",
            "https://a.org:0",
            "https://a.org:99999",
            "https://a.org:+80",
            "https://'self'",
            "https://a.org,b.org",
        ];
        for text in bad {
            assert!(Origin::parse(text).is_err(), "{text} was accepted");
        }
    }
}
