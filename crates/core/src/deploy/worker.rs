//! What a deployment changes in the studio's service worker: its version also names the
//! studio page's policy, so a deployment that moves its sandbox (whose origin the policy
//! names) is a new version the service worker installs, not the old cached page forever.
//!
//! The bundle writes `const VERSION = '<hex>';` into `sw.js` from the files it built; `kiln
//! serve` and `kiln build` add the policy they send the page with.

use sha2::{Digest, Sha256};

const MARK: &str = "const VERSION = '";

/// `sw.js` with `studio_csp` folded into its version; `None` if it has no version line (not
/// the bundle's service worker).
pub fn for_deployment(sw: &str, studio_csp: &str) -> Option<String> {
    let start = sw.find(MARK)? + MARK.len();
    let len = sw[start..].find('\'')?;
    let version = &sw[start..start + len];
    if version.is_empty()
        || !version
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
    {
        return None;
    }
    let digest = Sha256::digest(studio_csp.as_bytes());
    let salt: String = digest[..4].iter().map(|b| format!("{b:02x}")).collect();
    Some(format!(
        "{}{version}-{salt}{}",
        &sw[..start],
        &sw[start + len..]
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_version_names_the_policy() {
        let sw = "'use strict';\nconst VERSION = '0123456789abcdef';\nconst CACHE = `kiln-studio-${VERSION}`;\n";
        let a = for_deployment(sw, "frame-src http://localhost:8788").unwrap();
        let b = for_deployment(sw, "frame-src https://sandbox.example.net").unwrap();
        assert!(a.contains("const VERSION = '0123456789abcdef-"), "{a}");
        assert_ne!(a, b);
        assert_eq!(
            a,
            for_deployment(sw, "frame-src http://localhost:8788").unwrap()
        );
        assert!(a.ends_with("const CACHE = `kiln-studio-${VERSION}`;\n"));
        for bad in [
            "no version here",
            "const VERSION = '';",
            "const VERSION = 'a b';",
            "const VERSION = 'x",
        ] {
            assert_eq!(for_deployment(bad, "p"), None, "{bad}");
        }
    }
}
