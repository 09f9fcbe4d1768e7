//! TLS served by the portal itself: rustls with the ring provider, limited
//! to TLS 1.2 and 1.3 and the AES-GCM cipher suites of BSI TR-02102-2.
//!
//! The certificate comes from `tls.cert` / `tls.key` (PEM files) or, with
//! `tls.self_signed`, from `<data_dir>/tls/{cert,key}.pem`, generated on the
//! first start and reused afterwards.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::{self, PemObject};
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::{CipherSuite, ServerConfig};

use crate::config::{Config, ConfigError};

/// Cipher suites offered: BSI TR-02102-2 (AES-GCM with ECDHE), no
/// ChaCha20-Poly1305, no CBC.
pub const ALLOWED_SUITES: [CipherSuite; 6] = [
    CipherSuite::TLS13_AES_256_GCM_SHA384,
    CipherSuite::TLS13_AES_128_GCM_SHA256,
    CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
    CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
    CipherSuite::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
    CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
];

/// Directory (below `data_dir`) of the generated self-signed certificate.
pub const SELF_SIGNED_DIR: &str = "tls";

/// Installs ring as the process-wide rustls provider (once; later calls and
/// an already installed ring provider are fine).
pub fn install_default_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// The ring provider with only [`ALLOWED_SUITES`].
pub fn provider() -> CryptoProvider {
    let mut p = rustls::crypto::ring::default_provider();
    p.cipher_suites
        .retain(|s| ALLOWED_SUITES.contains(&s.suite()));
    p
}

/// Paths of certificate and key, and the configuration keys to blame.
struct Source {
    cert: PathBuf,
    key: PathBuf,
    cert_key: &'static str,
    key_key: &'static str,
}

/// Where the certificate of `config` comes from; `None` without TLS.
fn source(config: &Config) -> Option<Source> {
    let t = &config.tls;
    match (&t.cert, &t.key) {
        (Some(cert), Some(key)) => Some(Source {
            cert: cert.clone(),
            key: key.clone(),
            cert_key: "tls.cert",
            key_key: "tls.key",
        }),
        _ if t.self_signed => {
            let dir = config.data_dir.join(SELF_SIGNED_DIR);
            Some(Source {
                cert: dir.join("cert.pem"),
                key: dir.join("key.pem"),
                cert_key: "tls.self_signed",
                key_key: "tls.self_signed",
            })
        }
        _ => None,
    }
}

/// The rustls server configuration, `None` when TLS is off. Generates the
/// self-signed certificate when it is configured and missing.
pub fn server_config(config: &Config) -> Result<Option<Arc<ServerConfig>>, ConfigError> {
    let Some(src) = source(config) else {
        return Ok(None);
    };
    if config.tls.self_signed && !(src.cert.is_file() && src.key.is_file()) {
        generate_self_signed(&src.cert, &src.key, config.public_url.as_deref())?;
    }
    load(&src).map(Some)
}

/// Checks that configured certificate and key files can be used (for
/// `check-config`); a self-signed certificate that `serve` would (re)generate
/// because a file is missing is fine.
pub fn check(config: &Config) -> Result<(), ConfigError> {
    match source(config) {
        Some(src) if !config.tls.self_signed || (src.cert.is_file() && src.key.is_file()) => {
            load(&src).map(|_| ())
        }
        _ => Ok(()),
    }
}

fn load(src: &Source) -> Result<Arc<ServerConfig>, ConfigError> {
    let certs = CertificateDer::pem_file_iter(&src.cert)
        .map_err(|e| pem_error(src.cert_key, &src.cert, e, "certificate"))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| pem_error(src.cert_key, &src.cert, e, "certificate"))?;
    if certs.is_empty() {
        return Err(ConfigError::new(
            src.cert_key,
            format!("no PEM certificate in {}", src.cert.display()),
        ));
    }
    let key = PrivateKeyDer::from_pem_file(&src.key)
        .map_err(|e| pem_error(src.key_key, &src.key, e, "private key"))?;
    let mut cfg = ServerConfig::builder_with_provider(Arc::new(provider()))
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .map_err(|e| ConfigError::new(src.cert_key, format!("TLS set-up failed: {e}")))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| {
            ConfigError::new(
                src.key_key,
                format!(
                    "{} cannot be used with {}: {e}",
                    src.key.display(),
                    src.cert.display()
                ),
            )
        })?;
    cfg.ignore_client_order = true;
    Ok(Arc::new(cfg))
}

fn pem_error(key: &str, path: &Path, err: pem::Error, what: &str) -> ConfigError {
    let message = match err {
        pem::Error::Io(e) => format!("cannot read {}: {e}", path.display()),
        pem::Error::NoItemsFound => format!("no PEM {what} in {}", path.display()),
        other => format!("{} is not a valid PEM {what}: {other}", path.display()),
    };
    ConfigError::new(key, message)
}

/// Writes a self-signed certificate for `localhost`, `127.0.0.1`, `::1`
/// and the host of `public_url`.
fn generate_self_signed(
    cert: &Path,
    key: &Path,
    public_url: Option<&str>,
) -> Result<(), ConfigError> {
    let fail = |m: String| ConfigError::new("tls.self_signed", m);
    let mut names = vec![
        "localhost".to_owned(),
        "127.0.0.1".to_owned(),
        "::1".to_owned(),
    ];
    if let Some(host) = public_url.and_then(url_host)
        && !names.contains(&host)
    {
        names.push(host);
    }
    let mut params = rcgen::CertificateParams::new(names.clone())
        .map_err(|e| fail(format!("cannot use the host names {names:?}: {e}")))?;
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "Meine Versorgung (self-signed)");
    let pair =
        rcgen::KeyPair::generate().map_err(|e| fail(format!("cannot generate a key: {e}")))?;
    let certificate = params
        .self_signed(&pair)
        .map_err(|e| fail(format!("cannot sign the certificate: {e}")))?;
    if let Some(dir) = cert.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| fail(format!("cannot create {}: {e}", dir.display())))?;
    }
    write_file(key, pair.serialize_pem().as_bytes(), true)
        .map_err(|e| fail(format!("cannot write {}: {e}", key.display())))?;
    write_file(cert, certificate.pem().as_bytes(), false)
        .map_err(|e| fail(format!("cannot write {}: {e}", cert.display())))?;
    tracing::info!(
        "generated a self-signed certificate for {} in {}",
        names.join(", "),
        cert.display()
    );
    Ok(())
}

/// Writes through a temporary file and a rename; `private` files get mode 0600.
fn write_file(path: &Path, bytes: &[u8], private: bool) -> std::io::Result<()> {
    let tmp = path.with_extension("pem.tmp");
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    if private {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    #[cfg(not(unix))]
    let _ = private;
    let mut f = opts.open(&tmp)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    std::fs::rename(&tmp, path)
}

/// The host of an `http(s)://host[:port][/…]` URL (brackets of IPv6 removed).
pub fn url_host(url: &str) -> Option<String> {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next()?;
    let authority = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if let Some(v6) = authority.strip_prefix('[') {
        v6.split(']').next()?
    } else {
        authority.split(':').next()?
    };
    (!host.is_empty()).then(|| host.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_tls12_and_tls13_with_aes_gcm() {
        let p = provider();
        assert_eq!(p.cipher_suites.len(), ALLOWED_SUITES.len());
        for s in &p.cipher_suites {
            let name = format!("{:?}", s.suite());
            assert!(name.contains("AES") && name.contains("GCM"), "{name}");
        }
        // rustls implements nothing older than TLS 1.2; every suite left
        // belongs to TLS 1.2 or 1.3 (the integration tests also send a
        // TLS 1.1 ClientHello).
        assert!(p.cipher_suites.iter().all(|s| matches!(
            s.version().version,
            rustls::ProtocolVersion::TLSv1_2 | rustls::ProtocolVersion::TLSv1_3
        )));
    }

    #[test]
    fn host_of_urls() {
        assert_eq!(
            url_host("https://Portal.example.org:8443/x").as_deref(),
            Some("portal.example.org")
        );
        assert_eq!(url_host("https://[::1]:8443").as_deref(), Some("::1"));
        assert_eq!(url_host("http://10.0.0.1").as_deref(), Some("10.0.0.1"));
        assert_eq!(url_host("https://"), None);
    }
}
