//! The sandbox origin: `runner.html` with a CSP naming its own origin and the network origins
//! the person granted, and the runner's other files (vendored libraries with CORS).

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use kiln_core::sandbox::{self, Consent, Origin, RunnerBase};

use super::bundle::{not_found, respond, set_csp};
use super::host;
use crate::assets;

/// Granted network origins for this view, from `?connect=…` (space separated). Only the
/// studio frames the runner, and only with the origins the person allowed.
#[derive(serde::Deserialize)]
pub(super) struct RunnerQuery {
    #[serde(default)]
    connect: String,
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
    let connect = query.connect;
    let network: Result<Vec<Origin>, _> = connect.split_whitespace().map(Origin::parse).collect();
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
    let mut response = respond(file, &method, &headers);
    set_csp(&mut response, &sandbox::runner_csp(&self_base, &consent));
    response
}

pub(super) async fn sandbox_asset(method: Method, uri: Uri, headers: HeaderMap) -> Response {
    match assets::lookup_sandbox(uri.path()) {
        Some(file) if uri.path() != "/runner.html" => {
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
