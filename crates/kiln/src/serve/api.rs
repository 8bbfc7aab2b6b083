//! The studio's JSON routes: `/config.json`, short links (`POST /api/links`, `GET /s/<id>`)
//! and their shared data (`POST /api/links/<id>/data`), and `POST /api/run`, with the error
//! body every `/api/` refusal shares.

use std::sync::Arc;

use anyhow::Result;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use kiln_core::deploy::{self, ClientConfig, OfferedProvider};
use kiln_core::sandbox::{self, SandboxConfig};
use kiln_core::share::{Opening, ShareError};

use super::fair::FairQueue;
use super::{AppState, host};
use crate::links::StoreError;

/// The wasmtime host behind `POST /api/run`, and how many programs may run at once.
pub(super) struct Runner {
    host: kiln_host::Host,
    queue: Arc<FairQueue>,
}

/// Limits for programs run by the server: tighter than `kiln run`'s defaults, since anyone who
/// can reach the studio can send one.
const RUN_LIMITS: kiln_host::Limits = kiln_host::Limits {
    timeout: std::time::Duration::from_secs(5),
    memory_bytes: 128 << 20,
    table_elements: 100_000,
    fuel: None,
    max_output_bytes: 256 << 10,
    max_stack_bytes: 1 << 20,
};
/// Programs running at once; up to `RUN_QUEUE` more wait, each at most `RUN_QUEUE_WAIT`, and
/// the client served longest ago goes first (`fair.rs`).
const RUN_SLOTS: usize = 2;
const RUN_QUEUE: usize = 16;
const RUN_QUEUE_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

impl Runner {
    pub(super) fn new() -> Result<Self> {
        Ok(Self {
            host: crate::run::host(&RUN_LIMITS)?,
            queue: FairQueue::new(RUN_SLOTS, RUN_QUEUE, RUN_QUEUE_WAIT),
        })
    }

    pub(super) fn prepare_runtimes(&self) {
        for language in [kiln_host::Language::JavaScript, kiln_host::Language::Python] {
            if language.available()
                && let Err(e) = self.host.prepare(language, b"")
            {
                tracing::warn!(language = language.name(), error = %e, "runtime not ready");
            }
        }
    }
}

fn json_response(status: StatusCode, value: &serde_json::Value) -> Response {
    let mut r = (status, value.to_string()).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

pub(super) fn api_error(status: StatusCode, message: &str) -> Response {
    json_response(status, &serde_json::json!({ "error": message }))
}

pub(super) async fn client_config(State(st): State<AppState>, headers: HeaderMap) -> Response {
    let sandbox = match &st.public_sandbox {
        // The page judges the isolation again from the two origins it sees.
        Some(base) => SandboxConfig {
            runner: base.prefix(),
            isolation: sandbox::Isolation::SeparateSite,
        },
        None => {
            let (origin, isolation) = sandbox::sandbox_for_host(host(&headers), st.sandbox_port);
            SandboxConfig {
                runner: format!("{origin}/"),
                isolation,
            }
        }
    };
    let config = ClientConfig {
        sandbox,
        defaults: st.defaults.clone(),
        providers: st
            .providers
            .iter()
            .map(|p| OfferedProvider {
                id: p.id.clone(),
                protocol: p.endpoint.protocol().name().to_owned(),
                models: p.models.clone(),
            })
            .collect(),
        short_links: st.links.is_some(),
        run: st.runner.is_some(),
    };
    match serde_json::to_value(&config) {
        Ok(v) => json_response(StatusCode::OK, &v),
        Err(e) => api_error(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
    }
}

/// `POST /api/links` with `{"payload": …}`, a share payload (the text after `#`): stores it and
/// answers its id. Only payloads that decode as a Kiln share link are kept, so this is not a
/// paste bin.
pub(super) async fn create_link(State(st): State<AppState>, body: axum::body::Bytes) -> Response {
    let Some(links) = st.links else {
        return api_error(
            StatusCode::NOT_FOUND,
            "this server does not make short links",
        );
    };
    let request: deploy::LinkRequest = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => {
            return api_error(StatusCode::BAD_REQUEST, &format!("not a link request: {e}"));
        }
    };
    let payload = request.payload.trim().trim_start_matches('#').to_owned();
    // Decoding a link is CPU work of up to a second: on a blocking thread, a few at a time,
    // after its declared size was checked against what it carries.
    let Ok(permit) = st.link_checks.clone().acquire_owned().await else {
        return api_error(StatusCode::SERVICE_UNAVAILABLE, "the server is stopping");
    };
    let stored = tokio::task::spawn_blocking(move || -> Result<String, LinkRefusal> {
        // Held by the work itself: a client that hangs up does not free its turn early.
        let _permit = permit;
        let mut opening = Opening::start(&payload).map_err(|e| LinkRefusal::Bad(e.to_string()))?;
        let (_, declared) = opening.progress();
        deploy::stored_link_cost(payload.len(), declared).map_err(LinkRefusal::Bad)?;
        match opening.step(usize::MAX) {
            Some(Ok(_)) => {}
            Some(Err(e)) => return Err(LinkRefusal::Bad(e.to_string())),
            None => return Err(LinkRefusal::Bad(ShareError::Truncated.to_string())),
        }
        links.put(&payload).map_err(LinkRefusal::Store)
    })
    .await;
    match stored {
        Ok(Ok(id)) => {
            tracing::info!(link = %id, "short link stored");
            json_response(
                StatusCode::CREATED,
                &serde_json::json!({ "id": id, "path": format!("s/{id}") }),
            )
        }
        Ok(Err(LinkRefusal::Bad(why))) => api_error(StatusCode::BAD_REQUEST, &why),
        Ok(Err(LinkRefusal::Store(e))) => {
            tracing::error!(error = %e, "storing a short link");
            store_failed(&e, "could not store the link")
        }
        Err(_) => api_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "could not store the link",
        ),
    }
}

/// Why a short link was not stored.
enum LinkRefusal {
    /// Not a share link, or one that costs too much to check: the client's to fix.
    Bad(String),
    /// The store failed: the server's.
    Store(StoreError),
}

/// `POST /api/run` with a [`deploy::RunRequest`]: runs it in the wasmtime host under
/// `RUN_LIMITS`, at most `RUN_SLOTS` at a time, and answers a [`deploy::RunResult`].
pub(super) async fn run_program(
    State(st): State<AppState>,
    ConnectInfo(peer): ConnectInfo<std::net::SocketAddr>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let Some(runner) = st.runner.clone() else {
        return api_error(StatusCode::NOT_FOUND, "this server does not run programs");
    };
    let request: deploy::RunRequest = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => return api_error(StatusCode::BAD_REQUEST, &format!("not a run request: {e}")),
    };
    if let Err(e) = deploy::args::check(&request.args, &request.stdin) {
        return api_error(StatusCode::BAD_REQUEST, &e.to_string());
    }
    let Some(language) = kiln_host::Language::from_extension(&request.language) else {
        return api_error(
            StatusCode::BAD_REQUEST,
            &format!("cannot run {:?}: use js, py, wat or wasm", request.language),
        );
    };
    let client = super::limits::client_key(&st, peer, &headers);
    let Ok(permit) = runner.queue.enter(&client).await else {
        // Busy, not broken: a client (or a proxy) may try again after a run's time limit.
        return super::limits::too_many(
            "every run slot is busy; try again in a moment",
            RUN_LIMITS.timeout.as_secs().max(1),
        );
    };
    let host_runner = Arc::clone(&runner);
    let outcome = tokio::task::spawn_blocking(move || {
        // The slot goes with the program, not the request: a client that hangs up does not
        // free it while its program still runs.
        let _slot = permit;
        let program = host_runner
            .host
            .prepare(language, request.source.as_bytes())?
            .with_args(&request.args);
        host_runner
            .host
            .run_program(&program, request.stdin.as_bytes(), &RUN_LIMITS)
    })
    .await;
    let outcome = match outcome {
        Ok(Ok(o)) => o,
        Ok(Err(e)) => return api_error(StatusCode::UNPROCESSABLE_ENTITY, &e.to_string()),
        Err(_) => return api_error(StatusCode::INTERNAL_SERVER_ERROR, "the run failed"),
    };
    tracing::info!(
        language = language.name(),
        ms = outcome.elapsed.as_millis() as u64,
        "ran a program"
    );
    let (exit_code, stopped) = match &outcome.result {
        Ok(code) => (Some(*code), None),
        Err(stop) => (None, Some(stop.describe(&RUN_LIMITS))),
    };
    let result = deploy::RunResult {
        exit_code,
        stopped,
        stdout: String::from_utf8_lossy(&outcome.output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&outcome.output.stderr).into_owned(),
        elapsed_ms: u64::try_from(outcome.elapsed.as_millis()).unwrap_or(u64::MAX),
    };
    match serde_json::to_value(&result) {
        Ok(v) => json_response(StatusCode::OK, &v),
        Err(e) => api_error(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
    }
}

/// `GET /s/<id>`: sends the browser to the studio with the payload in the fragment, where the
/// page opens it as it opens any share link.
pub(super) async fn open_link(State(st): State<AppState>, Path(id): Path<String>) -> Response {
    let Some(links) = st.links else {
        return (
            StatusCode::NOT_FOUND,
            "this server does not make short links\n",
        )
            .into_response();
    };
    let lookup = id.clone();
    match tokio::task::spawn_blocking(move || links.get(&lookup)).await {
        Ok(Ok(Some(payload))) => {
            // The id comes along so the studio can give the app the link's shared data (after
            // checking that the payload is the link's).
            let Ok(location) = HeaderValue::from_str(&format!("../?s={id}#{payload}")) else {
                return (StatusCode::INTERNAL_SERVER_ERROR, "bad stored link\n").into_response();
            };
            let mut r = StatusCode::SEE_OTHER.into_response();
            r.headers_mut().insert(header::LOCATION, location);
            r.headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            r
        }
        Ok(Ok(None)) => (
            StatusCode::NOT_FOUND,
            "There is no short link with this id on this server (it may have been deleted).\n",
        )
            .into_response(),
        Ok(Err(e)) => {
            tracing::error!(error = %e, "reading a short link");
            let mut r = store_failed(&e, "could not read the link");
            // A page for a person, not a JSON answer.
            *r.body_mut() = axum::body::Body::from(if e.is_unavailable() {
                "The link database cannot be reached just now; try again in a moment.\n"
            } else {
                "could not read the link\n"
            });
            r.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/plain; charset=utf-8"),
            );
            r
        }
        Err(_) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            "could not read the link\n",
        )
            .into_response(),
    }
}

/// `POST /api/links/<id>/data` with one `SharedOp`: the shared data of a short link's app
/// (`kiln.storage.shared`). Anyone with the link may read and change it; writes to one link are
/// bounded per minute from everyone together, and its data by a quota.
pub(super) async fn link_data(
    State(st): State<AppState>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    use kiln_core::sandbox::live::shared::{SHARED_QUOTA_BYTES, SharedOp};

    use crate::links::DataAnswer;

    let Some(links) = st.links else {
        return api_error(
            StatusCode::NOT_FOUND,
            "this server does not make short links",
        );
    };
    let op: SharedOp = match serde_json::from_slice(&body) {
        Ok(op) => op,
        Err(e) => return api_error(StatusCode::BAD_REQUEST, &format!("not a data request: {e}")),
    };
    if let Err(e) = op.check() {
        return api_error(StatusCode::BAD_REQUEST, &e.to_string());
    }
    // Only a well-formed id is counted (others name no link).
    if op.is_write()
        && crate::links::valid_id(&id)
        && let Some(wait) = st.shared_writes.check(id.clone()).await
    {
        return super::limits::too_many(
            &format!("too many writes to this link's shared data; try again in {wait} s"),
            wait,
        );
    }
    match tokio::task::spawn_blocking(move || links.data(&id, &op)).await {
        Ok(Ok(DataAnswer::Value(value))) => {
            json_response(StatusCode::OK, &serde_json::json!({ "value": value }))
        }
        Ok(Ok(DataAnswer::NoLink)) => api_error(
            StatusCode::NOT_FOUND,
            "there is no short link with this id on this server (it may have been deleted)",
        ),
        Ok(Ok(DataAnswer::Full)) => api_error(
            StatusCode::PAYLOAD_TOO_LARGE,
            &format!("this link's shared data is full ({SHARED_QUOTA_BYTES} bytes)"),
        ),
        Ok(Err(e)) => {
            tracing::error!(error = %e, "shared link data");
            let mut r = store_failed(&e, "the shared data could not be read or written");
            // The studio reports any failure here as `unavailable`: keep it a 503.
            *r.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
            r
        }
        Err(_) => api_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "the shared data could not be read or written",
        ),
    }
}

/// How long a client waits before trying the database again.
const STORE_RETRY_AFTER_S: u64 = 5;

/// The answer when the link store failed: 507 when its disk is full, 503 with `Retry-After`
/// when the database is away (it comes back by itself), 500 otherwise.
fn store_failed(e: &StoreError, what: &str) -> Response {
    if e.is_disk_full() {
        return api_error(
            StatusCode::INSUFFICIENT_STORAGE,
            &format!("{what}: the server's disk is full (nothing was lost; nothing new is kept)"),
        );
    }
    if e.is_unavailable() {
        let mut r = api_error(
            StatusCode::SERVICE_UNAVAILABLE,
            &format!("{what}: the link database cannot be reached; try again in a moment"),
        );
        r.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(STORE_RETRY_AFTER_S));
        r
    } else {
        api_error(StatusCode::INTERNAL_SERVER_ERROR, what)
    }
}

/// `GET /readyz`: whether this instance should get requests. 503 while it shuts down, or while
/// its link database cannot be reached; `/healthz` says only that the process answers.
pub(super) async fn ready(State(st): State<AppState>) -> Response {
    if st.stopping.load(std::sync::atomic::Ordering::Relaxed) {
        return (StatusCode::SERVICE_UNAVAILABLE, "stopping\n").into_response();
    }
    let Some(links) = st.links else {
        return (StatusCode::OK, "ready\n").into_response();
    };
    let answer = tokio::time::timeout(
        READY_WAIT,
        tokio::task::spawn_blocking(move || links.ready()),
    )
    .await;
    match answer {
        Ok(Ok(Ok(()))) => (StatusCode::OK, "ready\n").into_response(),
        Ok(Ok(Err(e))) => {
            tracing::warn!(error = %e, "not ready");
            let mut r = (
                StatusCode::SERVICE_UNAVAILABLE,
                "the link database cannot be reached\n",
            )
                .into_response();
            r.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(STORE_RETRY_AFTER_S));
            r
        }
        Ok(Err(_)) | Err(_) => (StatusCode::SERVICE_UNAVAILABLE, "not ready\n").into_response(),
    }
}

/// How long `/readyz` waits for the store: a probe must answer even when the database hangs.
const READY_WAIT: std::time::Duration = std::time::Duration::from_secs(5);
