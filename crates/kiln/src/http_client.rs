//! The command line's transport for provider requests (`kiln generate`, `kiln eval`): sends a
//! `kiln_core::provider::HttpRequest`, adds the API key at the last moment, and hands back the
//! status, the retry delay and the body as a stream of bytes. The server's proxy has its own
//! async client, `serve::upstream`.
//!
//! It is `ureq` 3 (blocking, rustls with bundled Mozilla roots): `kiln generate` does one
//! request at a time and reads the body as it arrives, so a blocking `io::Read` is the simplest
//! correct shape, and it costs far less to build than an async client with its TLS stack
//! (docs/providers.md has the measurement). Redirects are not followed, so a key is never
//! replayed to another host; HTTP error statuses are returned, not raised, since their bodies
//! say what went wrong. The proxy named in `HTTPS_PROXY`/`HTTP_PROXY`/`ALL_PROXY` is used,
//! `NO_PROXY` respected.

use std::fmt;
use std::io::Read;
use std::time::Duration;

use anyhow::{Result, bail};
use kiln_core::provider::{Endpoint, HttpRequest, Method, parse_retry_after, parse_retry_after_ms};

/// How long to wait for a connection.
pub(crate) const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a read may wait for the next bytes: a local model may take minutes to load before
/// its first token, and hosted APIs send keep-alive pings long before this.
pub(crate) const IDLE_TIMEOUT: Duration = Duration::from_secs(300);

/// An API key. Its `Debug` shows nothing, so it cannot end up in a log by accident.
#[derive(Clone)]
pub struct ApiKey(String);

impl ApiKey {
    /// Wraps a key read from the environment.
    pub fn new(key: String) -> Self {
        Self(key)
    }

    /// The key, for the one place that writes it into a header, and for redaction.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey(..)")
    }
}

/// A response: its status, the delay it asked for, and the body to read.
pub struct Response {
    pub status: u16,
    pub retry_after: Option<Duration>,
    pub body: ureq::BodyReader<'static>,
}

pub struct Client {
    agent: ureq::Agent,
}

impl Client {
    pub fn new() -> Self {
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .timeout_connect(Some(CONNECT_TIMEOUT))
            .timeout_per_read(Some(IDLE_TIMEOUT))
            .user_agent(concat!("kiln/", env!("CARGO_PKG_VERSION")))
            .build();
        Self {
            agent: config.into(),
        }
    }

    /// Sends `request` to `endpoint`, with the key in the protocol's auth header if one is
    /// given. Errors are transport failures (no connection, TLS, timeouts); an HTTP error
    /// status is a `Response`.
    pub fn send(
        &self,
        endpoint: &Endpoint,
        request: &HttpRequest,
        key: Option<&ApiKey>,
    ) -> Result<Response> {
        let url = endpoint.url(request);
        let headers: Vec<(String, String)> = request
            .headers
            .iter()
            .map(|(name, value)| ((*name).to_owned(), value.clone()))
            .collect();
        let forwarded = self.forward(
            &Forward {
                get: request.method == Method::Get,
                url: &url,
                headers: &headers,
                body: request.body.as_deref().unwrap_or_default().as_bytes(),
            },
            endpoint.protocol().auth_header(),
            key,
        )?;
        let retry_after = forwarded
            .retry_after_ms
            .as_deref()
            .and_then(parse_retry_after_ms)
            .or_else(|| forwarded.retry_after.as_deref().and_then(parse_retry_after));
        Ok(Response {
            status: forwarded.status,
            retry_after,
            body: forwarded.body,
        })
    }
}

/// A request as sent: the method, the full URL and the headers besides the key.
struct Forward<'a> {
    get: bool,
    url: &'a str,
    headers: &'a [(String, String)],
    body: &'a [u8],
}

/// A response as received, before its retry delay is parsed.
struct Forwarded {
    status: u16,
    retry_after: Option<String>,
    retry_after_ms: Option<String>,
    body: ureq::BodyReader<'static>,
}

impl Client {
    /// Sends `request` with `key` in `auth`'s header.
    fn forward(
        &self,
        request: &Forward<'_>,
        auth: kiln_core::provider::AuthHeader,
        key: Option<&ApiKey>,
    ) -> Result<Forwarded> {
        let auth_value = key.map(|k| format!("{}{}", auth.prefix, k.expose()));
        let response = if request.get {
            let mut b = self.agent.get(request.url);
            for (name, value) in request.headers {
                b = b.header(name, value);
            }
            if let Some(value) = &auth_value {
                b = b.header(auth.name, value);
            }
            b.call()
        } else {
            let mut b = self.agent.post(request.url);
            for (name, value) in request.headers {
                b = b.header(name, value);
            }
            if let Some(value) = &auth_value {
                b = b.header(auth.name, value);
            }
            b.send(request.body)
        };
        let response = match response {
            Ok(r) => r,
            Err(e) => bail!("{}", describe(&e)),
        };
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        Ok(Forwarded {
            status: response.status().as_u16(),
            retry_after: header("retry-after"),
            retry_after_ms: header("retry-after-ms"),
            body: response.into_body().into_reader(),
        })
    }
}

/// A transport error for people, without ureq's internal wording where a plainer one exists.
fn describe(e: &ureq::Error) -> String {
    match e {
        ureq::Error::Timeout(t) => format!("timed out ({t})"),
        ureq::Error::HostNotFound => "host not found".to_owned(),
        ureq::Error::ConnectionFailed => "connection failed".to_owned(),
        ureq::Error::Io(io) => io.to_string(),
        other => other.to_string(),
    }
}

/// Reads at most `cap` bytes of `reader` (an error body, a model list): a hostile server
/// cannot make Kiln hold more.
pub fn read_capped(reader: impl Read, cap: u64) -> std::io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    reader.take(cap).read_to_end(&mut bytes)?;
    Ok(bytes)
}
