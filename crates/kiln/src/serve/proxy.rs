//! The provider proxy, `/api/providers/<id>/…`: a page's chat or model-list call, sent on with
//! the key this server holds, so browsers never see it.

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::Response;
use kiln_core::deploy;

use super::AppState;
use super::api::api_error;
use super::upstream::{Head, Proxied};

/// Request headers the proxy passes on; everything else (cookies, the page's own auth, the
/// browser-access header) stays behind.
const FORWARDED_HEADERS: [&str; 4] = [
    "content-type",
    "accept",
    "anthropic-version",
    "anthropic-beta",
];

/// `/api/providers/<id>/<path>`: the provider's chat or model-list call, with the key the server
/// holds. The response streams back as it arrives, on the executor: an open stream is a task
/// waiting on two sockets, not a thread.
pub(super) async fn proxy(
    State(st): State<AppState>,
    Path((id, rest)): Path<(String, String)>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let Some(provider) = st.providers.iter().find(|p| p.id == id).cloned() else {
        return api_error(
            StatusCode::NOT_FOUND,
            &format!("this server offers no provider {id:?}"),
        );
    };
    if method != Method::GET && method != Method::POST {
        return api_error(
            StatusCode::METHOD_NOT_ALLOWED,
            "only GET and POST are proxied",
        );
    }
    // The path as the page sent it, still percent-encoded (axum's `rest` is decoded, which would
    // turn an encoded model name into one the provider cannot parse).
    let raw = uri
        .path()
        .strip_prefix(&format!("{}{id}", deploy::PROXY_PREFIX))
        .map_or_else(|| format!("/{rest}"), str::to_owned);
    let path = match uri.query() {
        Some(q) => format!("{raw}?{q}"),
        None => raw,
    };
    let protocol = provider.endpoint.protocol();
    if !deploy::proxy_path_allowed(protocol, &path) {
        return api_error(
            StatusCode::FORBIDDEN,
            "the proxy forwards only chat and model-list requests",
        );
    }
    let headers: Vec<(String, String)> = FORWARDED_HEADERS
        .iter()
        .filter_map(|name| {
            let v = headers.get(*name)?.to_str().ok()?;
            Some(((*name).to_owned(), v.to_owned()))
        })
        .collect();
    let request = Proxied {
        get: method == Method::GET,
        url: format!("{}{path}", provider.endpoint.base_url()),
        headers,
        body,
    };
    let sent = st
        .upstream
        .send(request, protocol.auth_header(), provider.key.as_ref())
        .await;
    let (head, stream) = match sent {
        Ok(answer) => answer,
        Err(e) => {
            tracing::warn!(provider = %provider.id, error = %e, "provider unreachable");
            return api_error(
                StatusCode::BAD_GATEWAY,
                &format!("the provider could not be reached: {e}"),
            );
        }
    };
    tracing::info!(provider = %provider.id, status = head.status, "proxied");
    let Head {
        status,
        content_type,
        retry_after,
    } = head;
    let mut response = Response::new(Body::from_stream(stream));
    *response.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY);
    let h = response.headers_mut();
    if let Some(v) = content_type.and_then(|v| HeaderValue::from_str(&v).ok()) {
        h.insert(header::CONTENT_TYPE, v);
    }
    if let Some(v) = retry_after.and_then(|v| HeaderValue::from_str(&v).ok()) {
        h.insert(header::RETRY_AFTER, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    // Tell a buffering reverse proxy (nginx) to pass the stream through as it comes.
    h.insert("x-accel-buffering", HeaderValue::from_static("no"));
    response
}
