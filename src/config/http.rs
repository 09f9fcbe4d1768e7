//! The `http` and `tls` sections: listeners, timeouts and connection limits.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::duration_text;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HttpConfig {
    pub addr: SocketAddr,
    /// Reverse proxies whose `X-Forwarded-For` header is believed.
    pub trusted_proxies: Vec<IpAddr>,
    /// Separate plain-HTTP listener for `/metrics`; unset: `/metrics` answers
    /// only loopback clients on the main port.
    pub metrics_addr: Option<SocketAddr>,
    /// Longest wait for a complete request header — on a new connection and
    /// between the requests of a kept-alive one; then the connection is
    /// closed (slow clients, idle keep-alive connections).
    #[serde(with = "duration_text")]
    pub header_timeout: Duration,
    /// Open connections at most per listener (plain HTTP or TLS); further
    /// connections wait until one closes.
    pub max_connections: usize,
    /// Open connections at most from one client address (per listener), so
    /// that one client cannot take every slot of `max_connections`; a
    /// connection beyond it is closed at once. Trusted proxies are exempt.
    pub max_connections_per_address: usize,
    /// Longest time for the whole body of an upload form (Schreiben,
    /// Antworten, Datenimport); then 408 and the staged files are removed.
    #[serde(with = "duration_text")]
    pub upload_timeout: Duration,
    /// Uploads running at the same time per account.
    pub max_uploads_per_account: usize,
    /// Uploads running at the same time per client address.
    pub max_uploads_per_address: usize,
}

impl Default for HttpConfig {
    fn default() -> Self {
        Self {
            addr: SocketAddr::from(([127, 0, 0, 1], 8080)),
            trusted_proxies: Vec::new(),
            metrics_addr: None,
            header_timeout: Duration::from_secs(15),
            max_connections: 1024,
            max_connections_per_address: 64,
            // 10 MB at about 300 kbit/s.
            upload_timeout: Duration::from_secs(300),
            max_uploads_per_account: 2,
            max_uploads_per_address: 8,
        }
    }
}

/// TLS served by the portal itself (see `crate::tls`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TlsConfig {
    /// PEM certificate chain; requires `key`.
    pub cert: Option<PathBuf>,
    /// PEM private key (PKCS#8, PKCS#1 or SEC1); requires `cert`.
    pub key: Option<PathBuf>,
    /// Generate a self-signed certificate in `<data_dir>/tls/` and use it.
    pub self_signed: bool,
    /// Plain-HTTP listener that redirects every request to https.
    pub redirect_addr: Option<SocketAddr>,
}

impl TlsConfig {
    /// Whether the main listener speaks TLS.
    pub fn enabled(&self) -> bool {
        self.cert.is_some() || self.self_signed
    }
}
