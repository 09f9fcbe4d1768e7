//! The accept loops: the main listener (plain HTTP through `axum::serve`, or
//! TLS through a rustls accept loop), the `/metrics` listener and the
//! plain-HTTP redirect to https. Each stops accepting when the shutdown
//! signal comes and lets running requests finish.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{ConnectInfo, Request};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::{JoinHandle, JoinSet};
use tokio_rustls::TlsAcceptor;
use tower::ServiceExt;

use crate::web::AppState;

/// Longest time a client may take for the TLS handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// The bound listeners of one server.
pub struct Listeners {
    pub main: TcpListener,
    /// TLS configuration of the main listener; `None`: plain HTTP.
    pub tls: Option<Arc<rustls::ServerConfig>>,
    /// `http.metrics_addr`, bound, with its real address.
    pub metrics: Option<(TcpListener, SocketAddr)>,
    /// `tls.redirect_addr`, bound, with its real address.
    pub redirect: Option<(TcpListener, SocketAddr)>,
}

/// Starts every listener. The returned task ends when all of them have
/// stopped; the addresses are those of the metrics and redirect listeners.
pub fn spawn_all(
    state: &AppState,
    listeners: Listeners,
    shutdown: &watch::Receiver<bool>,
) -> (JoinHandle<()>, Option<SocketAddr>, Option<SocketAddr>) {
    let mut others = Vec::new();
    let mut metrics_addr = None;
    if let Some((listener, addr)) = listeners.metrics {
        let app = crate::web::ops::metrics_router(state.clone());
        others.push(tokio::spawn(serve_plain(
            listener,
            app,
            shutdown.clone(),
            "metrics",
        )));
        tracing::info!("metrics served at http://{addr}/metrics");
        metrics_addr = Some(addr);
    }
    let mut redirect_addr = None;
    if let Some((listener, addr)) = listeners.redirect {
        let port = state.local_addr.port();
        let app = redirect_router(state.config.public_url.clone(), port);
        others.push(tokio::spawn(serve_plain(
            listener,
            app,
            shutdown.clone(),
            "redirect",
        )));
        tracing::info!("redirecting http://{addr} to https");
        redirect_addr = Some(addr);
    }
    let app = crate::web::router(state.clone());
    let shutdown = shutdown.clone();
    let main = listeners.main;
    let tls = listeners.tls;
    let task = tokio::spawn(async move {
        match tls {
            Some(tls) => serve_tls(main, tls, app, shutdown).await,
            None => serve_plain(main, app, shutdown, "http").await,
        }
        for t in others {
            let _ = t.await;
        }
    });
    (task, metrics_addr, redirect_addr)
}

/// Serves `app` over plain HTTP until `shutdown` turns true.
pub async fn serve_plain(
    listener: TcpListener,
    app: Router,
    mut shutdown: watch::Receiver<bool>,
    what: &'static str,
) {
    let service = app.into_make_service_with_connect_info::<SocketAddr>();
    let result = axum::serve(listener, service)
        .with_graceful_shutdown(async move {
            let _ = shutdown.wait_for(|stop| *stop).await;
        })
        .await;
    if let Err(e) = result {
        tracing::error!(error = %e, "{what} listener failed");
    }
}

/// Serves `app` over TLS until `shutdown` turns true, then waits for the
/// open connections to finish their requests.
pub async fn serve_tls(
    listener: TcpListener,
    config: Arc<rustls::ServerConfig>,
    app: Router,
    mut shutdown: watch::Receiver<bool>,
) {
    let acceptor = TlsAcceptor::from(config);
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            _ = stopped(&mut shutdown) => break,
            accepted = listener.accept() => match accepted {
                Ok((tcp, peer)) => {
                    connections.spawn(connection(
                        tcp,
                        peer,
                        acceptor.clone(),
                        app.clone(),
                        shutdown.clone(),
                    ));
                }
                Err(e) => {
                    // Usually a full file table (EMFILE): back off a little.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    drop(listener);
    while connections.join_next().await.is_some() {}
}

async fn connection(
    tcp: TcpStream,
    peer: SocketAddr,
    acceptor: TlsAcceptor,
    app: Router,
    mut shutdown: watch::Receiver<bool>,
) {
    let handshake = tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp));
    let stream = tokio::select! {
        result = handshake => match result {
            Ok(Ok(stream)) => stream,
            Ok(Err(e)) => {
                tracing::debug!(%peer, error = %e, "TLS handshake failed");
                return;
            }
            Err(_) => {
                tracing::debug!(%peer, "TLS handshake timed out");
                return;
            }
        },
        _ = stopped(&mut shutdown) => return,
    };
    let service = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
        // What `into_make_service_with_connect_info` does for plain HTTP.
        req.extensions_mut().insert(ConnectInfo(peer));
        app.clone().oneshot(req)
    });
    let conn = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .serve_connection(TokioIo::new(stream), service);
    tokio::pin!(conn);
    let result = tokio::select! {
        result = conn.as_mut() => result,
        _ = stopped(&mut shutdown) => {
            conn.as_mut().graceful_shutdown();
            conn.await
        }
    };
    if let Err(e) = result {
        tracing::debug!(%peer, error = %e, "connection ended with an error");
    }
}

/// A router that answers every request with a permanent redirect to the
/// same path on https. The target host is `public_url`'s when it is set,
/// else the request's `Host` (without port) with the TLS port.
pub fn redirect_router(public_url: Option<String>, tls_port: u16) -> Router {
    Router::new().fallback(move |req: Request| {
        let public_url = public_url.clone();
        async move { redirect(&req, public_url.as_deref(), tls_port) }
    })
}

fn redirect(req: &Request, public_url: Option<&str>, tls_port: u16) -> Response {
    let path = req
        .uri()
        .path_and_query()
        .map_or("/", |p| p.as_str())
        .to_owned();
    let base = match public_url.filter(|u| u.starts_with("https://")) {
        Some(url) => url.trim_end_matches('/').to_owned(),
        None => {
            let host = req
                .headers()
                .get(header::HOST)
                .and_then(|v| v.to_str().ok())
                .and_then(host_without_port);
            let Some(host) = host else {
                return (StatusCode::BAD_REQUEST, "Host header missing or invalid\n")
                    .into_response();
            };
            if tls_port == 443 {
                format!("https://{host}")
            } else {
                format!("https://{host}:{tls_port}")
            }
        }
    };
    match HeaderValue::from_str(&format!("{base}{path}")) {
        Ok(location) => (
            StatusCode::PERMANENT_REDIRECT,
            [(header::LOCATION, location)],
        )
            .into_response(),
        Err(_) => StatusCode::BAD_REQUEST.into_response(),
    }
}

/// The host part of a `Host` header, when it is a plain name or address
/// (no user info, no odd characters that could bend the redirect).
fn host_without_port(value: &str) -> Option<String> {
    let host = if value.starts_with('[') {
        let end = value.find(']')?;
        &value[..=end]
    } else {
        value.split(':').next()?
    };
    let ok = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '[' | ']' | ':'));
    ok.then(|| host.to_owned())
}

/// Resolves once the shutdown signal is given (or its sender is gone).
async fn stopped(shutdown: &mut watch::Receiver<bool>) {
    let _ = shutdown.wait_for(|stop| *stop).await;
}

#[cfg(test)]
mod tests {
    use super::host_without_port;

    #[test]
    fn host_header_parts() {
        assert_eq!(
            host_without_port("example.org:80").as_deref(),
            Some("example.org")
        );
        assert_eq!(host_without_port("[::1]:8080").as_deref(), Some("[::1]"));
        assert_eq!(host_without_port("evil.org/x"), None);
        assert_eq!(host_without_port("a@b"), None);
        assert_eq!(host_without_port(""), None);
    }
}
