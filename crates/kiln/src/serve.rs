//! `kiln serve`: the studio over HTTP, from the bundle embedded in this binary, and the
//! sandbox origin that runs artifacts.
//!
//! Two listeners: the studio on `--port`, the sandbox runner on `--sandbox-port`. Reached as
//! `127.0.0.1`, the studio frames the sandbox as `localhost` (and the other way round), which
//! is another site, so Chromium runs artifacts in a process of their own. Ctrl-C (or SIGTERM)
//! finishes open requests on both, then exits.
//!
//! For teams it also keeps short links (`/s/<id>`, SQLite), proxies providers whose keys it
//! holds (`/api/providers/<id>/…`, so browsers never see them), limits request size and rate
//! on `/api/`, and logs one line per request with no secrets and no artifact contents.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use anyhow::{Context, Result, anyhow};
use axum::Router;
use axum::body::Body;
use axum::extract::{ConnectInfo, DefaultBodyLimit, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use kiln_core::deploy::{self, ClientConfig, OfferedProvider};
use kiln_core::sandbox::{self, Consent, Origin, RunnerBase, SandboxConfig};
use kiln_core::session::ModelSettings;
use tokio::net::TcpListener;

use crate::assets::{self, Asset};
use crate::config::{self, FileConfig, LogFormat, ServerProvider};
use crate::http_client;
use crate::links::{Links, SqliteLinks};

/// Options for `kiln serve`. Each flag can also come from its `KILN_*` environment variable
/// or from the config file; flags win over the environment, which wins over the file.
#[derive(clap::Args, Debug)]
pub struct Options {
    /// A TOML config file (see docs/deploy.md); `kiln serve --print-config` shows the result.
    #[arg(long, env = "KILN_CONFIG")]
    config: Option<PathBuf>,
    /// Address to listen on [default: 127.0.0.1]. Use 0.0.0.0 to accept other machines.
    #[arg(long, env = "KILN_ADDRESS")]
    address: Option<IpAddr>,
    /// Port for the studio (0 picks a free one and prints it) [default: 8787].
    #[arg(long, short, env = "KILN_PORT")]
    port: Option<u16>,
    /// Port for the sandbox origin that runs artifacts [default: the studio's port + 1, or a
    /// free one when --port is 0].
    #[arg(long, env = "KILN_SANDBOX_PORT")]
    sandbox_port: Option<u16>,
    /// The sandbox's public address when a reverse proxy (TLS) serves it under its own name,
    /// e.g. https://sandbox.kiln.example.org/ [default: this host's name at --sandbox-port].
    #[arg(long, env = "KILN_SANDBOX_URL")]
    sandbox_url: Option<String>,
    /// The short-link database file [default: $XDG_DATA_HOME/kiln/links.db, or
    /// ~/.local/share/kiln/links.db].
    #[arg(long, env = "KILN_DATABASE")]
    database: Option<PathBuf>,
    /// Do not offer short links (no database is opened).
    #[arg(long, env = "KILN_NO_SHORT_LINKS")]
    no_short_links: bool,
    /// Largest request body accepted, in bytes [default: 4 MiB].
    #[arg(long, env = "KILN_MAX_REQUEST_BYTES")]
    max_request_bytes: Option<usize>,
    /// Requests to /api/ allowed per client address per minute; 0 turns the limit off
    /// [default: 120].
    #[arg(long, env = "KILN_REQUESTS_PER_MINUTE")]
    requests_per_minute: Option<u32>,
    /// Offer providers with server-held keys, by protocol (keys from ANTHROPIC_API_KEY,
    /// OPENAI_API_KEY, GEMINI_API_KEY): `--offer anthropic,openai`.
    #[arg(long, env = "KILN_OFFER", value_delimiter = ',')]
    offer: Vec<String>,
    /// Do not run code artifacts (POST /api/run) in this server's wasmtime host.
    #[arg(long, env = "KILN_NO_RUN")]
    no_run: bool,
    /// The studio's public origin when a reverse proxy rewrites the Host header and says
    /// nothing of it (no X-Forwarded-Host), e.g. https://kiln.example.org; repeatable. Requests
    /// to /api/ from pages of any other origin are refused.
    #[arg(long, env = "KILN_PUBLIC_ORIGIN", value_delimiter = ',')]
    public_origin: Vec<String>,
    /// Log format.
    #[arg(long, env = "KILN_LOG_FORMAT", value_enum)]
    log_format: Option<LogFormat>,
    /// Print the configuration this would run with (no secrets), then exit.
    #[arg(long)]
    print_config: bool,
}

/// What `kiln serve` runs with, after file, environment and flags.
#[derive(Debug, serde::Serialize)]
struct Settings {
    address: IpAddr,
    port: u16,
    sandbox_port: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sandbox_url: Option<String>,
    database: Option<PathBuf>,
    max_request_bytes: usize,
    requests_per_minute: u32,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    public_origins: Vec<String>,
    log_format: LogFormat,
    run: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    studio: Option<ModelSettings>,
    providers: Vec<ShownProvider>,
}

/// A provider as `--print-config` shows it: where its key comes from, never the key.
#[derive(Debug, serde::Serialize)]
struct ShownProvider {
    id: String,
    protocol: &'static str,
    base_url: String,
    models: Vec<String>,
    api_key_env: Option<String>,
    key_set: bool,
}

const DEFAULT_MAX_REQUEST_BYTES: usize = 4 * 1024 * 1024;
const DEFAULT_REQUESTS_PER_MINUTE: u32 = 120;

fn settings(opts: &Options) -> Result<(Settings, Vec<ServerProvider>)> {
    let file = match &opts.config {
        Some(path) => config::load(path)?,
        None => FileConfig::default(),
    };
    let server = &file.server;
    let short_links = !opts.no_short_links && server.short_links.unwrap_or(true);
    let mut sections = file.providers.clone();
    sections.extend(config::offered_sections(&opts.offer)?);
    let providers = config::server_providers(&sections, &|k| std::env::var(k).ok())?;
    let shown = providers
        .iter()
        .map(|p| ShownProvider {
            id: p.id.clone(),
            protocol: p.endpoint.protocol().name(),
            base_url: p.endpoint.base_url().to_owned(),
            models: p.models.clone(),
            api_key_env: p.key_env.clone(),
            key_set: p.key.is_some(),
        })
        .collect();
    let settings = Settings {
        address: opts
            .address
            .or(server.address)
            .unwrap_or(IpAddr::from([127, 0, 0, 1])),
        port: opts.port.or(server.port).unwrap_or(8787),
        sandbox_port: opts.sandbox_port.or(server.sandbox_port),
        sandbox_url: opts
            .sandbox_url
            .clone()
            .or_else(|| server.sandbox_url.clone()),
        database: short_links.then(|| {
            opts.database
                .clone()
                .or_else(|| server.database.clone())
                .unwrap_or_else(config::default_database)
        }),
        max_request_bytes: opts
            .max_request_bytes
            .or(server.max_request_bytes)
            .unwrap_or(DEFAULT_MAX_REQUEST_BYTES),
        requests_per_minute: opts
            .requests_per_minute
            .or(server.requests_per_minute)
            .unwrap_or(DEFAULT_REQUESTS_PER_MINUTE),
        public_origins: if opts.public_origin.is_empty() {
            server.public_origins.clone()
        } else {
            opts.public_origin.clone()
        },
        log_format: opts.log_format.or(server.log_format).unwrap_or_default(),
        run: !opts.no_run && server.run.unwrap_or(true),
        studio: config::studio_defaults(&file.studio)?,
        providers: shown,
    };
    Ok((settings, providers))
}

pub fn run(opts: &Options) -> Result<()> {
    let (settings, providers) = settings(opts)?;
    if opts.print_config {
        print!(
            "{}",
            toml::to_string(&settings).context("writing the configuration as TOML")?
        );
        return Ok(());
    }
    init_logging(settings.log_format);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(serve(settings, providers))
}

fn init_logging(format: LogFormat) {
    let level = match std::env::var("KILN_LOG").ok().as_deref() {
        Some("debug") => tracing::Level::DEBUG,
        Some("warn") => tracing::Level::WARN,
        Some("error") => tracing::Level::ERROR,
        _ => tracing::Level::INFO,
    };
    let builder = tracing_subscriber::fmt()
        .with_max_level(level)
        .with_writer(std::io::stderr)
        .with_target(false);
    // A second subscriber (tests that call run twice) is not an error worth stopping for.
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
}

async fn bind(addr: SocketAddr, what: &str, flag: &str) -> Result<TcpListener> {
    TcpListener::bind(addr).await.map_err(|e| match e.kind() {
        std::io::ErrorKind::AddrInUse => anyhow!(
            "{addr} ({what}) is already in use; stop what is using it or pick another {flag}"
        ),
        std::io::ErrorKind::PermissionDenied => {
            anyhow!("not allowed to listen on {addr} ({what}); pick a {flag} above 1023")
        }
        _ => anyhow!(e).context(format!("cannot listen on {addr} ({what})")),
    })
}

async fn serve(settings: Settings, providers: Vec<ServerProvider>) -> Result<()> {
    let public_sandbox = settings
        .sandbox_url
        .as_deref()
        .map(RunnerBase::parse)
        .transpose()
        .map_err(|e| anyhow!("--sandbox-url: {e}"))?;
    let public_origins = settings
        .public_origins
        .iter()
        .map(|o| Origin::parse(o).map_err(|e| anyhow!("--public-origin: {e}")))
        .collect::<Result<Vec<_>>>()?;
    let links: Option<Arc<dyn Links>> = match &settings.database {
        Some(path) => Some(Arc::new(
            SqliteLinks::open(path).context("short links (turn them off with --no-short-links)")?,
        )),
        None => None,
    };
    let app_listener = bind(
        SocketAddr::new(settings.address, settings.port),
        "studio",
        "--port",
    )
    .await?;
    let app_addr = app_listener
        .local_addr()
        .context("reading the bound address")?;
    let sandbox_port = match (settings.sandbox_port, settings.port) {
        (Some(p), _) => p,
        (None, 0) => 0,
        (None, p) => p
            .checked_add(1)
            .context("--port 65535 leaves no room for the sandbox port; pass --sandbox-port")?,
    };
    let sandbox_listener = bind(
        SocketAddr::new(settings.address, sandbox_port),
        "sandbox",
        "--sandbox-port",
    )
    .await?;
    let sandbox_addr = sandbox_listener
        .local_addr()
        .context("reading the bound address")?;

    if !assets::bundled() {
        eprintln!(
            "kiln: warning: this binary has no web bundle; build it with `./dev serve` \
             (or `cargo xtask bundle` before `cargo build -p kiln`)"
        );
    }
    let (shown_sandbox, _) = sandbox::sandbox_for_host(&app_addr.to_string(), sandbox_addr.port());
    println!("Kiln is serving at http://{app_addr}/ (sandbox at {shown_sandbox}; Ctrl-C to stop)");
    tracing::info!(
        studio = %app_addr,
        sandbox = %sandbox_addr,
        short_links = links.is_some(),
        providers = providers.len(),
        "serving"
    );

    let state = AppState {
        sandbox_port: sandbox_addr.port(),
        public_sandbox: public_sandbox.clone().map(Arc::new),
        defaults: settings.studio.clone(),
        providers: Arc::new(providers),
        links,
        client: Arc::new(http_client::Client::new()),
        limiter: Arc::new(RateLimiter::new(settings.requests_per_minute)),
        public_origins: Arc::new(public_origins),
        runner: if settings.run {
            Some(Arc::new(Runner {
                host: crate::run::host(&RUN_LIMITS)?,
                slots: tokio::sync::Semaphore::new(RUN_SLOTS),
            }))
        } else {
            None
        },
    };
    // Compile the language runtimes now (or load them from the module cache), not on the first
    // person's Run.
    if let Some(runner) = state.runner.clone() {
        tokio::task::spawn_blocking(move || {
            for language in [kiln_host::Language::JavaScript, kiln_host::Language::Python] {
                if language.available()
                    && let Err(e) = runner.host.prepare(language, b"")
                {
                    tracing::warn!(language = language.name(), error = %e, "runtime not ready");
                }
            }
        });
    }
    let api = Router::new()
        .route("/api/links", post(create_link))
        .route("/api/run", post(run_program))
        .route("/api/providers/{id}/{*rest}", any(proxy))
        .layer(DefaultBodyLimit::max(settings.max_request_bytes))
        .layer(middleware::from_fn_with_state(state.clone(), rate_limit))
        // Outermost, so another site's requests are refused before they count against the
        // person's rate limit.
        .layer(middleware::from_fn_with_state(
            state.clone(),
            same_origin_only,
        ));
    let app = Router::new()
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/config.json", get(client_config))
        .route("/s/{id}", get(open_link))
        .merge(api)
        .fallback(studio_asset)
        .with_state(state)
        .layer(middleware::from_fn(log_request));
    let sandbox_app = Router::new()
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/runner.html", get(runner_page))
        .fallback(sandbox_asset)
        .with_state(public_sandbox.map(Arc::new))
        .layer(middleware::from_fn(log_request));

    let (stop_tx, stop_rx) = tokio::sync::watch::channel(());
    let wait = |mut rx: tokio::sync::watch::Receiver<()>| async move {
        let _ = rx.changed().await;
    };
    let studio = axum::serve(
        app_listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(wait(stop_rx.clone()));
    let sandbox = axum::serve(sandbox_listener, sandbox_app).with_graceful_shutdown(wait(stop_rx));
    let signal = async move {
        shutdown_signal().await;
        tracing::info!("shutting down: finishing open requests");
        let _ = stop_tx.send(());
    };
    let (a, b, ()) = tokio::join!(studio.into_future(), sandbox.into_future(), signal);
    a.context("serving the studio")?;
    b.context("serving the sandbox")?;
    eprintln!("kiln: stopped");
    Ok(())
}

#[derive(Clone)]
struct AppState {
    sandbox_port: u16,
    /// The sandbox's public address, when configured; otherwise derived from the Host header.
    public_sandbox: Option<Arc<RunnerBase>>,
    defaults: Option<ModelSettings>,
    providers: Arc<Vec<ServerProvider>>,
    links: Option<Arc<dyn Links>>,
    client: Arc<http_client::Client>,
    limiter: Arc<RateLimiter>,
    /// `--public-origin`: origins of the studio page beyond the one `Host` names.
    public_origins: Arc<Vec<Origin>>,
    runner: Option<Arc<Runner>>,
}

/// The wasmtime host behind `POST /api/run`, and how many programs may run at once.
struct Runner {
    host: kiln_host::Host,
    slots: tokio::sync::Semaphore,
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
/// Programs running at once; more wait (up to `RUN_QUEUE_WAIT`) for a slot.
const RUN_SLOTS: usize = 2;
const RUN_QUEUE_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

fn host(headers: &HeaderMap) -> &str {
    headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1")
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

fn api_error(status: StatusCode, message: &str) -> Response {
    json_response(status, &serde_json::json!({ "error": message }))
}

async fn client_config(State(st): State<AppState>, headers: HeaderMap) -> Response {
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
async fn create_link(State(st): State<AppState>, body: axum::body::Bytes) -> Response {
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
    if let Err(e) = kiln_core::share::decode_link(&payload) {
        return api_error(StatusCode::BAD_REQUEST, &e.to_string());
    }
    match tokio::task::spawn_blocking(move || links.put(&payload)).await {
        Ok(Ok(id)) => {
            tracing::info!(link = %id, "short link stored");
            json_response(
                StatusCode::CREATED,
                &serde_json::json!({ "id": id, "path": format!("s/{id}") }),
            )
        }
        Ok(Err(e)) => {
            tracing::error!(error = %e, "storing a short link");
            api_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "could not store the link",
            )
        }
        Err(_) => api_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "could not store the link",
        ),
    }
}

/// `POST /api/run` with a [`deploy::RunRequest`]: runs it in the wasmtime host under
/// `RUN_LIMITS`, at most `RUN_SLOTS` at a time, and answers a [`deploy::RunResult`].
async fn run_program(State(st): State<AppState>, body: axum::body::Bytes) -> Response {
    let Some(runner) = st.runner else {
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
    let Ok(Ok(permit)) = tokio::time::timeout(RUN_QUEUE_WAIT, runner.slots.acquire()).await else {
        return api_error(
            StatusCode::SERVICE_UNAVAILABLE,
            "every run slot is busy; try again in a moment",
        );
    };
    let host_runner = Arc::clone(&runner);
    let outcome = tokio::task::spawn_blocking(move || {
        let program = host_runner
            .host
            .prepare(language, request.source.as_bytes())?
            .with_args(&request.args);
        host_runner
            .host
            .run_program(&program, request.stdin.as_bytes(), &RUN_LIMITS)
    })
    .await;
    drop(permit);
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
async fn open_link(State(st): State<AppState>, Path(id): Path<String>) -> Response {
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
            let Ok(location) = HeaderValue::from_str(&format!("../#{payload}")) else {
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
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "could not read the link\n",
            )
                .into_response()
        }
        Err(_) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            "could not read the link\n",
        )
            .into_response(),
    }
}

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
async fn proxy(
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

/// Requests per client address per minute, in fixed one-minute windows.
struct RateLimiter {
    per_minute: u32,
    windows: Mutex<HashMap<IpAddr, (u64, u32)>>,
    start: std::time::Instant,
}

impl RateLimiter {
    fn new(per_minute: u32) -> Self {
        Self {
            per_minute,
            windows: Mutex::new(HashMap::new()),
            start: std::time::Instant::now(),
        }
    }

    /// `None` if allowed, else the seconds until the window resets.
    fn check(&self, ip: IpAddr) -> Option<u64> {
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
        let entry = windows.entry(ip).or_insert((minute, 0));
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

async fn rate_limit(
    State(st): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: axum::extract::Request,
    next: Next,
) -> Response {
    if let Some(wait) = st.limiter.check(peer.ip()) {
        tracing::warn!(client = %peer.ip(), "rate limited");
        let mut r = api_error(
            StatusCode::TOO_MANY_REQUESTS,
            &format!("too many requests from this address; try again in {wait} s"),
        );
        r.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(wait));
        return r;
    }
    next.run(request).await
}

/// Refuses requests to `/api/` that another site's page made through the person's browser
/// (`kiln_core::deploy::guard` decides), with a 403 or 415 that says why.
async fn same_origin_only(
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
async fn log_request(request: axum::extract::Request, next: Next) -> Response {
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

async fn shutdown_signal() {
    let ctrl_c = async {
        // If the handler cannot be installed, wait forever rather than exit at once.
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}

async fn studio_asset(
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
    let mut response = respond(file, &method, &headers);
    if file.name.ends_with(".html") {
        let sandbox_origin = match &st.public_sandbox {
            Some(base) => base.origin().clone(),
            None => sandbox::sandbox_for_host(host(&headers), st.sandbox_port).0,
        };
        let csp = kiln_core::policy::app_csp(Some(sandbox_origin.as_str()));
        set_csp(&mut response, &csp);
        response.headers_mut().insert(
            "cross-origin-opener-policy",
            HeaderValue::from_static("same-origin"),
        );
    }
    response
}

/// Granted network origins for this view, from `?connect=…` (space separated). Only the
/// studio frames the runner, and only with the origins the person allowed.
#[derive(serde::Deserialize)]
struct RunnerQuery {
    #[serde(default)]
    connect: String,
}

async fn runner_page(
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

async fn sandbox_asset(method: Method, uri: Uri, headers: HeaderMap) -> Response {
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

fn not_found(method: &Method) -> Response {
    if method != Method::GET && method != Method::HEAD {
        return (
            StatusCode::METHOD_NOT_ALLOWED,
            [(header::ALLOW, "GET, HEAD")],
        )
            .into_response();
    }
    (StatusCode::NOT_FOUND, "not found\n").into_response()
}

fn set_csp(response: &mut Response, csp: &str) {
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

fn respond(file: &Asset, method: &Method, headers: &HeaderMap) -> Response {
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
