//! Security policy for the pages Kiln serves, as plain strings the edges attach to responses.
//!
//! The policy is decided here, once, so the `kiln` server, a static deployment's header files
//! and the tests all agree on it.

/// The Content-Security-Policy of the studio page itself (not of an artifact).
///
/// Scripts only from the page's own origin, plus `wasm-unsafe-eval` so the app's WebAssembly
/// can be compiled; no inline script or style (Leptos sets styles through the CSSOM, which CSP
/// allows); nothing may frame the studio; and it may only frame `frame_src` — the sandbox
/// origin once there is one. `connect-src` allows any http(s) URL because the person chooses
/// their model endpoint (a hosted API, Ollama on localhost, a team's vLLM on the LAN); with no
/// way to inject script into this page, the policy's work is done by `script-src`.
pub fn app_csp(frame_src: Option<&str>) -> String {
    let frame = frame_src.unwrap_or("'none'");
    format!(
        "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; \
         img-src 'self' data: blob:; font-src 'self'; connect-src 'self' http: https:; \
         manifest-src 'self'; frame-src {frame}; child-src {frame}; worker-src 'self'; \
         base-uri 'none'; form-action 'none'; frame-ancestors 'none'; object-src 'none'"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn directive<'a>(csp: &'a str, name: &str) -> Option<&'a str> {
        csp.split(';')
            .map(str::trim)
            .find_map(|d| d.strip_prefix(name).map(str::trim))
    }

    #[test]
    fn app_page_allows_no_inline_code_and_no_framing_by_others() {
        let csp = app_csp(None);
        assert_eq!(
            directive(&csp, "script-src"),
            Some("'self' 'wasm-unsafe-eval'")
        );
        assert_eq!(directive(&csp, "style-src"), Some("'self'"));
        assert_eq!(directive(&csp, "frame-ancestors"), Some("'none'"));
        assert_eq!(directive(&csp, "default-src"), Some("'none'"));
        assert!(!csp.contains("unsafe-inline"));
        assert_eq!(directive(&csp, "connect-src"), Some("'self' http: https:"));
    }

    #[test]
    fn frames_only_the_named_sandbox_origin() {
        assert_eq!(directive(&app_csp(None), "frame-src"), Some("'none'"));
        let csp = app_csp(Some("http://localhost:8788"));
        assert_eq!(directive(&csp, "frame-src"), Some("http://localhost:8788"));
    }
}
