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

mod api;
mod bundle;
mod fair;
mod limits;
mod proxy;
mod sandbox;
mod upstream;

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result, anyhow};
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderMap, header};
use axum::middleware;
use axum::routing::{any, get, post};
use kiln_core::deploy::client::Network;
use kiln_core::sandbox::{Origin, RunnerBase};
use kiln_core::session::ModelSettings;
use tokio::net::TcpListener;

use crate::assets;
use crate::config::{self, FileConfig, LogFormat, ServerProvider};
use crate::links::Links;

use self::api::{Runner, client_config, create_link, link_data, open_link, run_program};
use self::bundle::studio_asset;
use self::limits::{Limiter, log_request, rate_limit, same_origin_only};
use self::proxy::proxy;
use self::sandbox::{code_runner_page, runner_page, sandbox_asset};
use self::upstream::Upstream;

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
    /// The short-link database: a SQLite file, or a PostgreSQL URL (postgres://user@host/db)
    /// that several servers share [default: KILN_DATABASE_URL, else
    /// $XDG_DATA_HOME/kiln/links.db, or ~/.local/share/kiln/links.db].
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
    /// Reverse proxies in front of this server, by address or network (127.0.0.1,
    /// 10.0.0.0/8); repeatable. From them, X-Forwarded-For names the client, so the per-client
    /// limit counts visitors rather than the proxy [default: none; the connection's address].
    #[arg(long, env = "KILN_TRUSTED_PROXIES", value_delimiter = ',')]
    trusted_proxy: Vec<String>,
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
    #[serde(serialize_with = "shown_database")]
    database: Option<PathBuf>,
    max_request_bytes: usize,
    requests_per_minute: u32,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    public_origins: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    trusted_proxies: Vec<String>,
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
/// Short-link checks that decode at once; more wait their turn without holding a thread.
const LINK_CHECKS: usize = 2;

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
        database: short_links
            .then(|| crate::links::resolve(opts.database.clone(), server.database.clone())),
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
        trusted_proxies: if opts.trusted_proxy.is_empty() {
            server.trusted_proxies.clone()
        } else {
            opts.trusted_proxy.clone()
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
    let trusted_proxies = settings
        .trusted_proxies
        .iter()
        .map(|n| n.parse().map_err(|e| anyhow!("--trusted-proxy: {e}")))
        .collect::<Result<Vec<Network>>>()?;
    let links: Option<Arc<dyn Links>> = match settings.database.clone() {
        // PostgreSQL's client blocks: not on the executor.
        Some(path) => Some(
            tokio::task::spawn_blocking(move || crate::links::open(&path))
                .await
                .context("opening the link database")?
                .context("short links (turn them off with --no-short-links)")?,
        ),
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
    let (shown_sandbox, _) =
        kiln_core::sandbox::sandbox_for_host(&app_addr.to_string(), sandbox_addr.port());
    println!("Kiln is serving at http://{app_addr}/ (sandbox at {shown_sandbox}; Ctrl-C to stop)");
    tracing::info!(
        studio = %app_addr,
        sandbox = %sandbox_addr,
        short_links = links.is_some(),
        providers = providers.len(),
        "serving"
    );

    // Counted in the database when several instances share it (PostgreSQL).
    let limiter = Arc::new(Limiter::new(
        "ip",
        settings.requests_per_minute,
        links.as_ref(),
    ));
    let shared_writes = Arc::new(Limiter::new(
        "link",
        kiln_core::sandbox::live::shared::SHARED_WRITES_PER_MINUTE,
        links.as_ref(),
    ));
    let state = AppState {
        sandbox_port: sandbox_addr.port(),
        public_sandbox: public_sandbox.clone().map(Arc::new),
        defaults: settings.studio.clone(),
        providers: Arc::new(providers),
        links,
        upstream: Arc::new(Upstream::new()?),
        limiter,
        public_origins: Arc::new(public_origins),
        trusted_proxies: Arc::new(trusted_proxies),
        runner: if settings.run {
            Some(Arc::new(Runner::new()?))
        } else {
            None
        },
        link_checks: Arc::new(tokio::sync::Semaphore::new(LINK_CHECKS)),
        shared_writes,
        stopping: Arc::new(std::sync::atomic::AtomicBool::new(false)),
    };
    let stopping = Arc::clone(&state.stopping);
    // Compile the language runtimes now (or load them from the module cache), not on the first
    // person's Run.
    if let Some(runner) = state.runner.clone() {
        tokio::task::spawn_blocking(move || runner.prepare_runtimes());
    }
    let api = Router::new()
        .route("/api/links", post(create_link))
        .route("/api/links/{id}/data", post(link_data))
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
        .route("/readyz", get(api::ready))
        .route("/config.json", get(client_config))
        .route("/s/{id}", get(open_link))
        .merge(api)
        .fallback(studio_asset)
        .with_state(state)
        .layer(middleware::from_fn(log_request));
    let sandbox_app = Router::new()
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/runner.html", get(runner_page))
        .route("/code.html", get(code_runner_page))
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
        // A proxy that asks /readyz sends no new requests here while the open ones finish.
        stopping.store(true, std::sync::atomic::Ordering::Relaxed);
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
    upstream: Arc<Upstream>,
    limiter: Arc<Limiter>,
    /// `--public-origin`: origins of the studio page beyond the one `Host` names.
    public_origins: Arc<Vec<Origin>>,
    /// `--trusted-proxy`: peers whose `X-Forwarded-For` names the client.
    trusted_proxies: Arc<Vec<Network>>,
    runner: Option<Arc<Runner>>,
    /// Short-link checks decoding at once, each on a blocking thread: decoding is CPU work that
    /// must not hold up the executor (`/healthz`, streams, the page).
    link_checks: Arc<tokio::sync::Semaphore>,
    /// Writes to each short link's shared data (`kiln.storage.shared`), from everyone together.
    shared_writes: Arc<Limiter>,
    /// Set once a shutdown began: `/readyz` says so while open requests finish.
    stopping: Arc<std::sync::atomic::AtomicBool>,
}

/// `--print-config` and the log show a PostgreSQL URL without its password.
fn shown_database<S: serde::Serializer>(db: &Option<PathBuf>, s: S) -> Result<S::Ok, S::Error> {
    match db {
        Some(path) => s.serialize_str(&crate::links::Location::parse(path).shown()),
        None => s.serialize_none(),
    }
}

fn host(headers: &HeaderMap) -> &str {
    headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1")
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
