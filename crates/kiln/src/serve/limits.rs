//! The layers in front of the routes: which pages may call `/api/` and how often, and the one
//! log line per request.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;

use super::AppState;
use super::api::api_error;
use crate::links::Links;

/// Requests per key (a client address; a short link's shared data) per minute, in fixed
/// one-minute windows.
pub(super) struct RateLimiter<K = IpAddr> {
    per_minute: u32,
    windows: Mutex<HashMap<K, (u64, u32)>>,
    start: std::time::Instant,
}

impl<K: std::hash::Hash + Eq> RateLimiter<K> {
    pub(super) fn new(per_minute: u32) -> Self {
        Self {
            per_minute,
            windows: Mutex::new(HashMap::new()),
            start: std::time::Instant::now(),
        }
    }

    /// `None` if allowed, else the seconds until the window resets.
    pub(super) fn check(&self, key: K) -> Option<u64> {
        if self.per_minute == 0 {
            return None;
        }
        let elapsed = self.start.elapsed().as_secs();
        let minute = elapsed / 60;
        let Ok(mut windows) = self.windows.lock() else {
            return None;
        };
        if windows.len() > 10_000 {
            windows.retain(|_, (m, _)| *m == minute);
        }
        let entry = windows.entry(key).or_insert((minute, 0));
        if entry.0 != minute {
            *entry = (minute, 0);
        }
        if entry.1 >= self.per_minute {
            return Some(60 - elapsed % 60);
        }
        entry.1 += 1;
        None
    }
}

/// A limit per key per minute. On a store several instances share (PostgreSQL) it is counted
/// there, in wall-clock minutes, so it holds across instances; otherwise, or while that
/// database cannot be reached, in this process's memory.
pub(super) struct Limiter {
    /// What the keys are, in the shared count's bucket names (`ip`, `link`).
    kind: &'static str,
    local: RateLimiter<String>,
    shared: Option<Arc<dyn Links>>,
    /// Keys already over the limit, and the minute they are refused for: refused here without
    /// asking the database again (a flood costs it nothing more).
    refused: Mutex<HashMap<String, u64>>,
    /// Until when (Unix seconds) the shared count is not asked, after it failed: a database
    /// that is away costs one short wait every few seconds, not one per request.
    shared_off_until: AtomicU64,
}

/// How long the shared count is left alone after it failed.
const SHARED_RETRY_S: u64 = 5;

impl Limiter {
    pub(super) fn new(kind: &'static str, per_minute: u32, links: Option<&Arc<dyn Links>>) -> Self {
        Self {
            kind,
            local: RateLimiter::new(per_minute),
            shared: links.filter(|l| l.counts_shared()).cloned(),
            refused: Mutex::new(HashMap::new()),
            shared_off_until: AtomicU64::new(0),
        }
    }

    /// `None` if allowed, else the seconds until the window resets.
    pub(super) async fn check(&self, key: String) -> Option<u64> {
        if self.local.per_minute == 0 {
            return None;
        }
        let Some(store) = &self.shared else {
            return self.local.check(key);
        };
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let minute = now / 60;
        let wait = 60 - now % 60;
        if let Ok(refused) = self.refused.lock()
            && refused.get(&key) == Some(&minute)
        {
            return Some(wait);
        }
        if now < self.shared_off_until.load(Ordering::Relaxed) {
            return self.local.check(key);
        }
        let bucket = format!("{}:{key}", self.kind);
        let store = Arc::clone(store);
        let minute_i64 = i64::try_from(minute).unwrap_or(i64::MAX);
        match tokio::task::spawn_blocking(move || store.count(&bucket, minute_i64)).await {
            Ok(Ok(Some(n))) if n > self.local.per_minute => {
                if let Ok(mut refused) = self.refused.lock() {
                    if refused.len() > 10_000 {
                        refused.retain(|_, m| *m == minute);
                    }
                    refused.insert(key, minute);
                }
                Some(wait)
            }
            Ok(Ok(Some(_))) => None,
            Ok(Ok(None)) => self.local.check(key),
            // A limit that cannot be shared still holds here.
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "rate limit counted in this instance only for now");
                self.shared_off_until
                    .store(now + SHARED_RETRY_S, Ordering::Relaxed);
                self.local.check(key)
            }
            Err(_) => self.local.check(key),
        }
    }
}

pub(super) async fn rate_limit(
    State(st): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: axum::extract::Request,
    next: Next,
) -> Response {
    let client = client_key(&st, peer, request.headers());
    if let Some(wait) = st.limiter.check(client.clone()).await {
        tracing::warn!(%client, "rate limited");
        return too_many(
            &format!("too many requests from this address; try again in {wait} s"),
            wait,
        );
    }
    next.run(request).await
}

/// Who a request comes from, as the rate limit and the run queue count clients: the
/// connection's address, or behind a `--trusted-proxy` the one its `X-Forwarded-For` names;
/// an IPv6 address by its /64 (`kiln_core::deploy::client::client_key`).
pub(super) fn client_key(
    st: &AppState,
    peer: SocketAddr,
    headers: &axum::http::HeaderMap,
) -> String {
    // Lossy, not `to_str`: one line holds the client's own value and the proxy's addition, and
    // bytes a client put in its part must not hide the part the proxy wrote.
    let forwarded: Vec<String> = headers
        .get_all("x-forwarded-for")
        .iter()
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        .collect();
    let forwarded: Vec<&str> = forwarded.iter().map(String::as_str).collect();
    let address =
        kiln_core::deploy::client::client_address(peer.ip(), &forwarded, &st.trusted_proxies);
    kiln_core::deploy::client::client_key(address)
}

/// A 429 that says when to try again.
pub(super) fn too_many(message: &str, wait: u64) -> Response {
    let mut r = api_error(StatusCode::TOO_MANY_REQUESTS, message);
    r.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(wait));
    r
}

/// Refuses requests to `/api/` that another site's page made through the person's browser
/// (`kiln_core::deploy::guard` decides), with a 403 or 415 that says why.
pub(super) async fn same_origin_only(
    State(st): State<AppState>,
    request: axum::extract::Request,
    next: Next,
) -> Response {
    let headers = request.headers();
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let facts = kiln_core::deploy::guard::RequestFacts {
        method: request.method().as_str(),
        content_type: text("content-type"),
        origin: text("origin"),
        sec_fetch_site: text("sec-fetch-site"),
        host: text("host"),
        forwarded_host: text("x-forwarded-host"),
        forwarded_proto: text("x-forwarded-proto"),
    };
    if let Err(refusal) = kiln_core::deploy::guard::check(&facts, &st.public_origins) {
        tracing::warn!(
            path = %request.uri().path(),
            origin = facts.origin.unwrap_or("-"),
            site = facts.sec_fetch_site.unwrap_or("-"),
            "refused a request from another site"
        );
        let status = StatusCode::from_u16(refusal.status()).unwrap_or(StatusCode::FORBIDDEN);
        return api_error(status, &refusal.to_string());
    }
    next.run(request).await
}

/// One line per request: method, path (never the query, which can carry granted origins, nor
/// any body), status and time.
pub(super) async fn log_request(request: axum::extract::Request, next: Next) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let started = std::time::Instant::now();
    let response = next.run(request).await;
    tracing::info!(
        %method,
        path = %path,
        status = response.status().as_u16(),
        ms = started.elapsed().as_millis() as u64,
        "request"
    );
    response
}
