//! The embedded web bundle as HTTP responses: the studio's files (its pages with the studio
//! CSP), and the encoding, caching and refusals both origins share.

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use kiln_core::sandbox;

use super::{AppState, host};
use crate::assets::{self, Asset};

pub(super) async fn studio_asset(
    State(st): State<AppState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let Some(file) = assets::lookup(uri.path()) else {
        if uri.path() == "/" {
            return (
                StatusCode::SERVICE_UNAVAILABLE,
                "This kiln binary was built without its web bundle.\n\
                 Build it with ./dev serve, or run `cargo xtask bundle` and rebuild kiln.\n",
            )
                .into_response();
        }
        return not_found(&method);
    };
    let sandbox_origin = match &st.public_sandbox {
        Some(base) => base.origin().clone(),
        None => sandbox::sandbox_for_host(host(&headers), st.sandbox_port).0,
    };
    let csp = kiln_core::policy::app_csp(Some(sandbox_origin.as_str()));
    if file.name == "sw.js" {
        return service_worker(file, &method, &csp);
    }
    let mut response = respond(file, &method, &headers);
    if file.name.ends_with(".html") {
        set_csp(&mut response, &csp);
        response.headers_mut().insert(
            "cross-origin-opener-policy",
            HeaderValue::from_static("same-origin"),
        );
    }
    response
}

/// `sw.js` with this deployment's studio policy in its version
/// (`kiln_core::deploy::worker`): a sandbox moved to another origin is a new version.
fn service_worker(file: &Asset, method: &Method, studio_csp: &str) -> Response {
    let text = String::from_utf8_lossy(file.raw);
    let Some(sw) = kiln_core::deploy::worker::for_deployment(&text, studio_csp) else {
        return (StatusCode::INTERNAL_SERVER_ERROR, "sw.js has no version\n").into_response();
    };
    let mut response = respond(file, method, &HeaderMap::new());
    let len = sw.len();
    if method == Method::GET {
        *response.body_mut() = Body::from(sw);
    }
    response
        .headers_mut()
        .insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    response
}

pub(super) fn not_found(method: &Method) -> Response {
    if method != Method::GET && method != Method::HEAD {
        return (
            StatusCode::METHOD_NOT_ALLOWED,
            [(header::ALLOW, "GET, HEAD")],
        )
            .into_response();
    }
    (StatusCode::NOT_FOUND, "not found\n").into_response()
}

pub(super) fn set_csp(response: &mut Response, csp: &str) {
    match HeaderValue::from_str(csp) {
        Ok(v) => {
            response
                .headers_mut()
                .insert(header::CONTENT_SECURITY_POLICY, v);
        }
        // Fail closed: a page whose policy cannot be sent is not sent at all.
        Err(_) => *response = (StatusCode::INTERNAL_SERVER_ERROR, "bad policy\n").into_response(),
    }
}

pub(super) fn respond(file: &Asset, method: &Method, headers: &HeaderMap) -> Response {
    if method != Method::GET && method != Method::HEAD {
        return (
            StatusCode::METHOD_NOT_ALLOWED,
            [(header::ALLOW, "GET, HEAD")],
        )
            .into_response();
    }
    let accept = headers
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let (bytes, encoding) = assets::body(file, assets::negotiate(accept));
    let mut response = Response::new(if method == Method::HEAD {
        Body::empty()
    } else {
        Body::from(bytes)
    });
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(assets::content_type(file.name)),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(assets::cache_control(file.name)),
    );
    h.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(bytes.len()));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    if let Some(coding) = encoding.header() {
        h.insert(header::CONTENT_ENCODING, HeaderValue::from_static(coding));
    }
    response
}
