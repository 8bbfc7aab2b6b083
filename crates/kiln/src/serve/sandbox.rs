//! The sandbox origin: `runner.html` with a CSP naming its own origin and the network origins
//! the person granted, `code.html` (code artifacts run in the browser) with its own, and the
//! runners' other files (vendored libraries and runtimes with CORS).

use std::sync::{Arc, OnceLock};

use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use kiln_core::sandbox::{self, Consent, Origin, RunnerBase};

use super::bundle::{not_found, respond, set_csp};
use super::host;
use crate::assets::{self, Asset};

/// Granted network origins for this view, from `?connect=…` (space separated). Only the
/// studio frames the runner, and only with the origins the person allowed.
#[derive(serde::Deserialize)]
pub(super) struct RunnerQuery {
    #[serde(default)]
    connect: String,
    /// The version of the sandbox pages the studio asks for (`kiln_core::sandbox::pages_version`).
    #[serde(default)]
    v: String,
}

/// Which version of the sandbox pages a page request asked for.
#[derive(serde::Deserialize)]
pub(super) struct PageQuery {
    #[serde(default)]
    v: String,
}

/// The version of this binary's sandbox pages.
fn pages_version() -> &'static str {
    static VERSION: OnceLock<String> = OnceLock::new();
    VERSION.get_or_init(|| {
        let raw = |path| assets::lookup_sandbox(path).map_or(&[][..], |a| a.raw);
        sandbox::pages_version(raw("/runner.html"), raw("/code.html"))
    })
}

/// A page asked for by this build's version is kept by the browser for good (how a sandboxed
/// frame opens offline); any other request revalidates, so an older studio gets today's page.
fn cache_for(response: &mut Response, asked: &str) {
    if asked == pages_version() {
        response.headers_mut().insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=31536000, immutable"),
        );
    }
}

pub(super) async fn runner_page(
    State(public): State<Option<Arc<RunnerBase>>>,
    method: Method,
    headers: HeaderMap,
    Query(query): Query<RunnerQuery>,
) -> Response {
    let Some(file) = assets::lookup_sandbox("/runner.html") else {
        return not_found(&method);
    };
    let network: Result<Vec<Origin>, _> = query
        .connect
        .split_whitespace()
        .map(Origin::parse)
        .collect();
    let network = match network {
        Ok(n) => n,
        Err(e) => return (StatusCode::BAD_REQUEST, format!("{e}\n")).into_response(),
    };
    // The runner's CSP names its own origin in full (it is sandboxed, so 'self' would match
    // nothing). Plain http: TLS in front of kiln is the self-hosting guide's business.
    let self_base = match public {
        Some(base) => (*base).clone(),
        None => match RunnerBase::parse(&format!("http://{}/", host(&headers))) {
            Ok(b) => b,
            Err(_) => return (StatusCode::BAD_REQUEST, "bad Host header\n").into_response(),
        },
    };
    let consent = Consent {
        network,
        ..Consent::default()
    };
    let csp = sandbox::runner_csp(&self_base, &consent);
    page(file, &method, &headers, &csp, &query.v)
}

/// One of the sandbox's two pages with its policy, kept for good when asked for by this
/// build's version.
fn page(file: &Asset, method: &Method, headers: &HeaderMap, csp: &str, asked: &str) -> Response {
    let mut response = respond(file, method, headers);
    set_csp(&mut response, csp);
    cache_for(&mut response, asked);
    response
}

pub(super) async fn code_runner_page(
    method: Method,
    headers: HeaderMap,
    Query(query): Query<PageQuery>,
) -> Response {
    let Some(file) = assets::lookup_sandbox("/code.html") else {
        return not_found(&method);
    };
    page(
        file,
        &method,
        &headers,
        &sandbox::code_runner_csp(),
        &query.v,
    )
}

pub(super) async fn sandbox_asset(method: Method, uri: Uri, headers: HeaderMap) -> Response {
    match assets::lookup_sandbox(uri.path()) {
        Some(file) if uri.path() != "/runner.html" && uri.path() != "/code.html" => {
            let mut response = respond(file, &method, &headers);
            if assets::is_vendored(file.name) {
                response.headers_mut().insert(
                    header::ACCESS_CONTROL_ALLOW_ORIGIN,
                    HeaderValue::from_static("*"),
                );
            }
            response
        }
        _ => not_found(&method),
    }
}
