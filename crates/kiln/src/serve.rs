//! `kiln serve`: the studio over HTTP, from the bundle embedded in this binary.
//!
//! One process, no files on disk. The studio page gets a strict CSP from `kiln-core`; hashed
//! assets are cached forever; Ctrl-C (or SIGTERM) finishes open requests, then exits.

use std::net::{IpAddr, SocketAddr};

use anyhow::{Context, Result, anyhow};
use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::assets;

/// Options for `kiln serve`.
#[derive(clap::Args, Debug)]
pub struct Options {
    /// Address to listen on. Use 0.0.0.0 to accept connections from other machines.
    #[arg(long, default_value = "127.0.0.1")]
    address: IpAddr,
    /// Port to listen on (0 picks a free one and prints it).
    #[arg(long, short, default_value_t = 8787)]
    port: u16,
}

pub fn run(opts: &Options) -> Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(serve(SocketAddr::new(opts.address, opts.port)))
}

async fn serve(addr: SocketAddr) -> Result<()> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::AddrInUse => {
                anyhow!("{addr} is already in use; stop what is using it or pick another --port")
            }
            std::io::ErrorKind::PermissionDenied => {
                anyhow!("not allowed to listen on {addr}; pick a --port above 1023")
            }
            _ => anyhow!(e).context(format!("cannot listen on {addr}")),
        })?;
    let local = listener.local_addr().context("reading the bound address")?;
    if !assets::bundled() {
        eprintln!(
            "kiln: warning: this binary has no web bundle; build it with `./dev serve` \
             (or `cargo xtask bundle` before `cargo build -p kiln`)"
        );
    }
    println!("Kiln is serving at http://{local}/ (Ctrl-C to stop)");

    let app = Router::new()
        .route("/healthz", get(|| async { "ok\n" }))
        .fallback(asset);
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await
        .context("serving HTTP")?;
    eprintln!("kiln: stopped");
    Ok(())
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

async fn asset(method: Method, uri: Uri, headers: HeaderMap) -> Response {
    if method != Method::GET && method != Method::HEAD {
        return (
            StatusCode::METHOD_NOT_ALLOWED,
            [(header::ALLOW, "GET, HEAD")],
        )
            .into_response();
    }
    let Some(file) = assets::lookup(uri.path()) else {
        if uri.path() == "/" {
            return (
                StatusCode::SERVICE_UNAVAILABLE,
                "This kiln binary was built without its web bundle.\n\
                 Build it with ./dev serve, or run `cargo xtask bundle` and rebuild kiln.\n",
            )
                .into_response();
        }
        return (StatusCode::NOT_FOUND, "not found\n").into_response();
    };
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
    if file.name.ends_with(".html") {
        let csp = kiln_core::policy::app_csp(None);
        if let Ok(value) = HeaderValue::from_str(&csp) {
            h.insert(header::CONTENT_SECURITY_POLICY, value);
        }
        h.insert(
            "cross-origin-opener-policy",
            HeaderValue::from_static("same-origin"),
        );
    }
    response
}
