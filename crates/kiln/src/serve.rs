//! `kiln serve`: the studio over HTTP, from the bundle embedded in this binary, and the
//! sandbox origin that runs artifacts.
//!
//! Two listeners: the studio on `--port`, the sandbox runner on `--sandbox-port`. Reached as
//! `127.0.0.1`, the studio frames the sandbox as `localhost` (and the other way round), which
//! is another site, so Chromium runs artifacts in a process of their own. Ctrl-C (or SIGTERM)
//! finishes open requests on both, then exits.

use std::net::{IpAddr, SocketAddr};

use anyhow::{Context, Result, anyhow};
use axum::Router;
use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use kiln_core::sandbox::{self, Consent, Origin, SandboxConfig};
use tokio::net::TcpListener;

use crate::assets::{self, Asset};

/// Options for `kiln serve`.
#[derive(clap::Args, Debug)]
pub struct Options {
    /// Address to listen on. Use 0.0.0.0 to accept connections from other machines.
    #[arg(long, default_value = "127.0.0.1")]
    address: IpAddr,
    /// Port for the studio (0 picks a free one and prints it).
    #[arg(long, short, default_value_t = 8787)]
    port: u16,
    /// Port for the sandbox origin that runs artifacts [default: the studio's port + 1, or a
    /// free one when --port is 0].
    #[arg(long)]
    sandbox_port: Option<u16>,
}

pub fn run(opts: &Options) -> Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(serve(opts))
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

async fn serve(opts: &Options) -> Result<()> {
    let app_listener = bind(SocketAddr::new(opts.address, opts.port), "studio", "--port").await?;
    let app_addr = app_listener
        .local_addr()
        .context("reading the bound address")?;
    let sandbox_port = match (opts.sandbox_port, opts.port) {
        (Some(p), _) => p,
        (None, 0) => 0,
        (None, p) => p
            .checked_add(1)
            .context("--port 65535 leaves no room for the sandbox port; pass --sandbox-port")?,
    };
    let sandbox_listener = bind(
        SocketAddr::new(opts.address, sandbox_port),
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

    let ports = Ports {
        sandbox: sandbox_addr.port(),
    };
    let app = Router::new()
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/config.json", get(config))
        .fallback(studio_asset)
        .with_state(ports);
    let sandbox_app = Router::new()
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/runner.html", get(runner_page))
        .fallback(sandbox_asset);

    let (stop_tx, stop_rx) = tokio::sync::watch::channel(());
    let wait = |mut rx: tokio::sync::watch::Receiver<()>| async move {
        let _ = rx.changed().await;
    };
    let studio = axum::serve(app_listener, app).with_graceful_shutdown(wait(stop_rx.clone()));
    let sandbox = axum::serve(sandbox_listener, sandbox_app).with_graceful_shutdown(wait(stop_rx));
    let signal = async move {
        shutdown_signal().await;
        let _ = stop_tx.send(());
    };
    let (a, b, ()) = tokio::join!(studio.into_future(), sandbox.into_future(), signal);
    a.context("serving the studio")?;
    b.context("serving the sandbox")?;
    eprintln!("kiln: stopped");
    Ok(())
}

#[derive(Clone, Copy)]
struct Ports {
    sandbox: u16,
}

fn host(headers: &HeaderMap) -> &str {
    headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1")
}

async fn config(State(ports): State<Ports>, headers: HeaderMap) -> Response {
    let (origin, isolation) = sandbox::sandbox_for_host(host(&headers), ports.sandbox);
    let body = SandboxConfig {
        origin: Some(origin),
        isolation,
    };
    let json = serde_json::json!({ "sandbox": body }).to_string();
    let mut r = Response::new(Body::from(json));
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
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
    State(ports): State<Ports>,
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
        let (sandbox_origin, _) = sandbox::sandbox_for_host(host(&headers), ports.sandbox);
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
    let Ok(self_origin) = Origin::parse(&format!("http://{}", host(&headers))) else {
        return (StatusCode::BAD_REQUEST, "bad Host header\n").into_response();
    };
    let consent = Consent {
        network,
        ..Consent::default()
    };
    let mut response = respond(file, &method, &headers);
    set_csp(&mut response, &sandbox::runner_csp(&self_origin, &consent));
    response
}

async fn sandbox_asset(method: Method, uri: Uri, headers: HeaderMap) -> Response {
    match assets::lookup_sandbox(uri.path()) {
        Some(file) if uri.path() != "/runner.html" => respond(file, &method, &headers),
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
