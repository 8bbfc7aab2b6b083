//! The provider proxy's HTTP client: async, so an open model stream is a task waiting on a
//! socket, not one of tokio's blocking threads (at most 512, which capped the proxy before).
//!
//! It keeps the rules of the command line's blocking client (`http_client`): redirects are not
//! followed, so a key is never replayed to another host; an HTTP error status is a response,
//! since its body says what went wrong; the proxy named in `HTTPS_PROXY`/`HTTP_PROXY`/
//! `ALL_PROXY` is used and `NO_PROXY` respected; TLS is rustls with bundled Mozilla roots.

use anyhow::{Context as _, Result};
use axum::body::Bytes;
use futures_util::Stream;
use kiln_core::provider::AuthHeader;

use crate::http_client::{ApiKey, CONNECT_TIMEOUT, IDLE_TIMEOUT};

/// A request the proxy passes on: already checked against the provider's allowed paths, with
/// only the headers it chose to forward.
pub(super) struct Proxied {
    pub get: bool,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Bytes,
}

/// The provider's answer before its body: what the proxy copies into its own response.
pub(super) struct Head {
    pub status: u16,
    pub content_type: Option<String>,
    pub retry_after: Option<String>,
}

pub(super) struct Upstream {
    client: reqwest::Client,
}

impl Upstream {
    pub fn new() -> Result<Self> {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(CONNECT_TIMEOUT)
            .read_timeout(IDLE_TIMEOUT)
            .user_agent(concat!("kiln/", env!("CARGO_PKG_VERSION")))
            .build()
            .context("could not set up the provider proxy's HTTP client")?;
        Ok(Self { client })
    }

    /// Sends `request` with `key` in `auth`'s header. `Err` is a transport failure (no
    /// connection, TLS, a timeout), in words for the person.
    pub async fn send(
        &self,
        request: Proxied,
        auth: AuthHeader,
        key: Option<&ApiKey>,
    ) -> Result<
        (
            Head,
            impl Stream<Item = std::io::Result<Bytes>> + Send + 'static,
        ),
        String,
    > {
        let mut builder = if request.get {
            self.client.get(&request.url)
        } else {
            self.client.post(&request.url).body(request.body)
        };
        for (name, value) in &request.headers {
            builder = builder.header(name, value);
        }
        if let Some(key) = key {
            builder = builder.header(auth.name, format!("{}{}", auth.prefix, key.expose()));
        }
        let response = builder.send().await.map_err(|e| describe(&e))?;
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let head = Head {
            status: response.status().as_u16(),
            content_type: header("content-type"),
            retry_after: header("retry-after"),
        };
        // Chunks as they arrive; the first error ends the stream after it is passed on, so the
        // page sees a cut stream (and keeps what came) rather than a clean end. Dropping the
        // stream (the page went away) drops the response and closes the upstream connection.
        let body = futures_util::stream::unfold(Some(response), |response| async move {
            let mut response = response?;
            match response.chunk().await {
                Ok(Some(bytes)) => Some((Ok(bytes), Some(response))),
                Ok(None) => None,
                Err(e) => Some((Err(std::io::Error::other(describe(&e))), None)),
            }
        });
        Ok((head, body))
    }
}

/// A transport error for people: reqwest's own wording names the URL and wraps the cause, so
/// say the kind of failure and the innermost cause.
fn describe(e: &reqwest::Error) -> String {
    let mut cause: &dyn std::error::Error = e;
    while let Some(inner) = cause.source() {
        cause = inner;
    }
    let root = cause.to_string();
    if e.is_timeout() {
        "timed out".to_owned()
    } else if e.is_connect() {
        format!("connection failed: {root}")
    } else if e.is_body() || e.is_decode() {
        format!("the stream broke off: {root}")
    } else {
        root
    }
}
