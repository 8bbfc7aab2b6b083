//! Streaming HTTP from the page: `fetch` with a readable body, cancellable, bytes handed to a
//! callback as they arrive.
//!
//! The request itself (URL path, headers, JSON body) comes from `kiln_core::provider`; this
//! module only adds the API key header and moves bytes. The key goes into exactly one header of
//! one request to the endpoint the person chose, and nowhere else.

use js_sys::{Reflect, Uint8Array};
use kiln_core::provider::{Endpoint, HttpRequest, Protocol, ProviderError, parse_retry_after};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// Why a streamed request ended without finishing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransportError {
    /// The person pressed Stop.
    Aborted,
    /// No response at all: offline, refused, blocked by CORS, or the server went away.
    Network(String),
    /// The provider answered with an error status.
    Provider(ProviderError),
}

impl std::fmt::Display for TransportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Aborted => f.write_str("stopped"),
            Self::Network(m) => write!(f, "the request failed before an answer: {m}"),
            Self::Provider(e) => write!(f, "{e}"),
        }
    }
}

fn js_message(e: &JsValue) -> String {
    e.dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| e.as_string())
        .unwrap_or_else(|| "unknown error".to_owned())
}

fn is_abort(e: &JsValue) -> bool {
    Reflect::get(e, &"name".into())
        .ok()
        .and_then(|n| n.as_string())
        .as_deref()
        == Some("AbortError")
}

/// Sends `request` to `endpoint` with the key (if any) and calls `on_bytes` with each chunk of
/// a successful response body. Aborting `signal` ends it with [`TransportError::Aborted`].
pub async fn stream(
    endpoint: &Endpoint,
    request: &HttpRequest,
    api_key: Option<&str>,
    signal: &web_sys::AbortSignal,
    mut on_bytes: impl FnMut(&[u8]),
) -> Result<(), TransportError> {
    let protocol: Protocol = endpoint.protocol();
    let headers = web_sys::Headers::new().map_err(|e| TransportError::Network(js_message(&e)))?;
    for (name, value) in &request.headers {
        let _ = headers.set(name, value);
    }
    for (name, value) in protocol.browser_headers() {
        let _ = headers.set(name, value);
    }
    if let Some(key) = api_key.filter(|k| !k.is_empty()) {
        let auth = protocol.auth_header();
        let _ = headers.set(auth.name, &format!("{}{key}", auth.prefix));
    }
    let init = web_sys::RequestInit::new();
    init.set_method(request.method.as_str());
    init.set_headers(&headers);
    if let Some(body) = &request.body {
        init.set_body(&JsValue::from_str(body));
    }
    init.set_signal(Some(signal));
    // Never send the studio's cookies or referrer to a provider.
    init.set_credentials(web_sys::RequestCredentials::Omit);
    init.set_referrer_policy(web_sys::ReferrerPolicy::NoReferrer);

    let window = web_sys::window().ok_or_else(|| TransportError::Network("no window".into()))?;
    let url = endpoint.url(request);
    let response = JsFuture::from(window.fetch_with_str_and_init(&url, &init))
        .await
        .map_err(|e| {
            if is_abort(&e) {
                TransportError::Aborted
            } else {
                TransportError::Network(js_message(&e))
            }
        })?;
    let response: web_sys::Response = response
        .dyn_into()
        .map_err(|_| TransportError::Network("no response".into()))?;

    if !response.ok() {
        let retry_after = response
            .headers()
            .get("retry-after")
            .ok()
            .flatten()
            .and_then(|v| parse_retry_after(&v));
        let body = match response.text() {
            Ok(p) => JsFuture::from(p)
                .await
                .ok()
                .and_then(|t| t.as_string())
                .unwrap_or_default(),
            Err(_) => String::new(),
        };
        return Err(TransportError::Provider(protocol.classify(
            response.status(),
            retry_after,
            body.as_bytes(),
        )));
    }

    let Some(body) = response.body() else {
        return Ok(());
    };
    let reader: web_sys::ReadableStreamDefaultReader = body
        .get_reader()
        .dyn_into()
        .map_err(|_| TransportError::Network("the response body cannot be read".into()))?;
    loop {
        let chunk = JsFuture::from(reader.read()).await.map_err(|e| {
            if is_abort(&e) {
                TransportError::Aborted
            } else {
                TransportError::Network(js_message(&e))
            }
        })?;
        let done = Reflect::get(&chunk, &"done".into())
            .ok()
            .and_then(|d| d.as_bool());
        if done == Some(true) {
            return Ok(());
        }
        if let Ok(value) = Reflect::get(&chunk, &"value".into())
            && let Some(bytes) = value.dyn_ref::<Uint8Array>()
        {
            on_bytes(&bytes.to_vec());
        }
    }
}

/// GETs a model list and returns the body, or the provider's error.
pub async fn get_body(
    endpoint: &Endpoint,
    request: &HttpRequest,
    api_key: Option<&str>,
    signal: &web_sys::AbortSignal,
) -> Result<Vec<u8>, TransportError> {
    let mut body = Vec::new();
    stream(endpoint, request, api_key, signal, |b| {
        body.extend_from_slice(b);
    })
    .await?;
    Ok(body)
}
