//! The accept loops: the main listener (plain HTTP through `axum::serve`, or
//! TLS through a rustls accept loop), the `/metrics` listener and the
//! plain-HTTP redirect to https. Each stops accepting when the shutdown
//! signal comes and lets running requests finish.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{ConnectInfo, Request};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, watch};
use tokio::task::{JoinHandle, JoinSet};
use tokio_rustls::TlsAcceptor;
use tower::ServiceExt;

use crate::web::AppState;
use crate::web::slots::{Slot, Slots};

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
    let limits = ConnLimits::new(&state.config.http);
    let mut others = Vec::new();
    let mut metrics_addr = None;
    if let Some((listener, addr)) = listeners.metrics {
        let app = crate::web::ops::metrics_router(state.clone());
        others.push(tokio::spawn(serve_plain(
            listener,
            app,
            shutdown.clone(),
            ConnLimits::new(&state.config.http),
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
            ConnLimits::new(&state.config.http),
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
            Some(tls) => serve_tls(main, tls, app, shutdown, limits).await,
            None => serve_plain(main, app, shutdown, limits, "http").await,
        }
        for t in others {
            let _ = t.await;
        }
    });
    (task, metrics_addr, redirect_addr)
}

/// Limits of every connection: the time to send a complete request header
/// and the number of open connections of one listener (each listener has
/// its own, so a flood on one port cannot starve `/metrics` or the main port),
/// and of one client address within it (so one client cannot take every
/// slot: issue 19).
#[derive(Clone)]
pub struct ConnLimits {
    pub header_timeout: Duration,
    pub slots: Arc<Semaphore>,
    /// `None` when `http.max_connections_per_address` is not below
    /// `http.max_connections` (then it could never bite).
    per_address: Option<Arc<Slots<IpAddr>>>,
    /// Trusted proxies: every client behind them shares their address.
    exempt: Arc<Vec<IpAddr>>,
}

/// What a connection holds of the per-address limit.
enum Admitted {
    Slot(#[allow(dead_code)] Slot<IpAddr>),
    Unlimited,
}

impl ConnLimits {
    pub fn new(http: &crate::config::HttpConfig) -> Self {
        Self {
            header_timeout: http.header_timeout,
            slots: Arc::new(Semaphore::new(http.max_connections)),
            per_address: (http.max_connections_per_address < http.max_connections)
                .then(|| Slots::new(http.max_connections_per_address)),
            exempt: Arc::new(http.trusted_proxies.clone()),
        }
    }

    /// A slot of `peer`'s address; `None` when it holds its share already.
    fn admit(&self, peer: IpAddr) -> Option<Admitted> {
        match &self.per_address {
            Some(slots) if !self.exempt.contains(&peer) => slots.try_take(peer).map(Admitted::Slot),
            _ => Some(Admitted::Unlimited),
        }
    }
}

/// Closes a connection beyond its address's share; a plain-HTTP client
/// gets a short 503 first (best effort, never waiting on the client).
fn refuse(tcp: TcpStream, plain: bool, what: &'static str, peer: SocketAddr) {
    tracing::debug!(%peer, "{what}: connection refused, too many from this address");
    if plain {
        let _ = tcp.try_write(
            b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        );
    }
}

/// Serves `app` over plain HTTP until `shutdown` turns true, then waits for
/// the open connections to finish their requests.
pub async fn serve_plain(
    listener: TcpListener,
    app: Router,
    shutdown: watch::Receiver<bool>,
    limits: ConnLimits,
    what: &'static str,
) {
    accept_loop(listener, None, app, shutdown, limits, what).await;
}

/// Serves `app` over TLS until `shutdown` turns true, then waits for the
/// open connections to finish their requests.
pub async fn serve_tls(
    listener: TcpListener,
    config: Arc<rustls::ServerConfig>,
    app: Router,
    shutdown: watch::Receiver<bool>,
    limits: ConnLimits,
) {
    let acceptor = TlsAcceptor::from(config);
    accept_loop(listener, Some(acceptor), app, shutdown, limits, "https").await;
}

/// Accepts connections while a connection slot is free (further clients
/// wait in the listen backlog) and serves each on its own task.
async fn accept_loop(
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    app: Router,
    mut shutdown: watch::Receiver<bool>,
    limits: ConnLimits,
    what: &'static str,
) {
    let mut connections = JoinSet::new();
    loop {
        let slot = tokio::select! {
            _ = stopped(&mut shutdown) => break,
            slot = limits.slots.clone().acquire_owned() => match slot {
                Ok(slot) => slot,
                Err(_) => break,
            },
        };
        tokio::select! {
            _ = stopped(&mut shutdown) => break,
            accepted = listener.accept() => match accepted {
                Ok((tcp, peer)) => match limits.admit(peer.ip()) {
                    None => {
                        refuse(tcp, tls.is_none(), what, peer);
                        drop(slot);
                    }
                    Some(admitted) => {
                        let (tls, app, shutdown) = (tls.clone(), app.clone(), shutdown.clone());
                        let header_timeout = limits.header_timeout;
                        connections.spawn(async move {
                            match tls {
                                Some(acceptor) => {
                                    tls_connection(tcp, peer, acceptor, app, shutdown, header_timeout).await
                                }
                                None => serve_connection(tcp, peer, app, shutdown, header_timeout).await,
                            }
                            drop(admitted);
                            drop(slot);
                        });
                    }
                },
                Err(e) => {
                    // Usually a full file table (EMFILE): back off a little.
                    tracing::warn!(error = %e, "{what}: accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    drop(listener);
    while connections.join_next().await.is_some() {}
}

async fn tls_connection(
    tcp: TcpStream,
    peer: SocketAddr,
    acceptor: TlsAcceptor,
    app: Router,
    mut shutdown: watch::Receiver<bool>,
    header_timeout: Duration,
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
    serve_connection(stream, peer, app, shutdown, header_timeout).await;
}

/// Serves HTTP/1.1 on one connection. hyper's header read timeout runs
/// whenever the connection waits for a request header — on a new
/// connection and between requests of a kept-alive one — so it closes
/// both slow clients (half a header) and idle keep-alive connections.
async fn serve_connection<S>(
    stream: S,
    peer: SocketAddr,
    app: Router,
    mut shutdown: watch::Receiver<bool>,
    header_timeout: Duration,
) where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let service = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
        // What `into_make_service_with_connect_info` does.
        req.extensions_mut().insert(ConnectInfo(peer));
        app.clone().oneshot(req)
    });
    let conn = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(header_timeout)
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
