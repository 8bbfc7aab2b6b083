//! The provider proxy, `/api/providers/<id>/…`: a page's chat or model-list call, sent on with
//! the key this server holds, so browsers never see it.

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::Response;
use kiln_core::deploy;

use super::AppState;
use super::api::api_error;
use crate::http_client;

/// Request headers the proxy passes on; everything else (cookies, the page's own auth, the
/// browser-access header) stays behind.
const FORWARDED_HEADERS: [&str; 4] = [
    "content-type",
    "accept",
    "anthropic-version",
    "anthropic-beta",
];

/// `/api/providers/<id>/<path>`: the provider's chat or model-list call, with the key the server
/// holds. The response streams back as it arrives.
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
    let forwarded: Vec<(String, String)> = FORWARDED_HEADERS
        .iter()
        .filter_map(|name| {
            let v = headers.get(*name)?.to_str().ok()?;
            Some(((*name).to_owned(), v.to_owned()))
        })
        .collect();
    let url = format!("{}{path}", provider.endpoint.base_url());
    let get = method == Method::GET;
    let client = st.client.clone();
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<axum::body::Bytes, std::io::Error>>(16);
    let (head_tx, head_rx) = tokio::sync::oneshot::channel();
    let started = std::time::Instant::now();
    tokio::task::spawn_blocking(move || {
        let request = http_client::Forward {
            get,
            url: &url,
            headers: &forwarded,
            body: &body,
        };
        let response = client.forward(&request, protocol.auth_header(), provider.key.as_ref());
        let mut reader = match response {
            Ok(r) => {
                tracing::info!(provider = %provider.id, status = r.status, "proxied");
                let head = (r.status, r.content_type.clone(), r.retry_after.clone());
                if head_tx.send(Ok(head)).is_err() {
                    return;
                }
                r.body
            }
            Err(e) => {
                tracing::warn!(provider = %provider.id, error = %e, "provider unreachable");
                let _ = head_tx.send(Err(e.to_string()));
                return;
            }
        };
        let mut buf = vec![0u8; 16 * 1024];
        loop {
            match std::io::Read::read(&mut reader, &mut buf) {
                Ok(0) => break,
                Ok(n) => {
                    if tx
                        .blocking_send(Ok(axum::body::Bytes::copy_from_slice(&buf[..n])))
                        .is_err()
                    {
                        // The page went away (Stop): dropping the reader closes the upstream.
                        break;
                    }
                }
                Err(e) => {
                    let _ = tx.blocking_send(Err(e));
                    break;
                }
            }
        }
        tracing::debug!(
            ms = started.elapsed().as_millis() as u64,
            "proxy stream ended"
        );
    });
    let (status, content_type, retry_after) = match head_rx.await {
        Ok(Ok(head)) => head,
        Ok(Err(e)) => {
            return api_error(
                StatusCode::BAD_GATEWAY,
                &format!("the provider could not be reached: {e}"),
            );
        }
        Err(_) => return api_error(StatusCode::BAD_GATEWAY, "the proxy failed"),
    };
    let stream = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    });
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
