//! Operations: TLS built in (BSI cipher suites, self-signed certificate,
//! redirect listener), the separate `/metrics` listener, request ids in
//! responses and JSON logs, and `check-config`'s preflight checks.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{CipherSuite, ClientConfig, ProtocolVersion, RootCertStore, SupportedProtocolVersion};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

use crate::support::*;

// --- a small TLS client -----------------------------------------------------

/// What one request over TLS showed.
struct TlsReply {
    status: u16,
    /// Header names in lower case.
    headers: Vec<(String, String)>,
    version: Option<ProtocolVersion>,
    suite: Option<CipherSuite>,
    /// The server's certificate (DER).
    server_cert: Vec<u8>,
}

impl TlsReply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    fn header_all(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }
}

/// A client trusting only `root`, with the ring provider limited to
/// `suites` (all of ring's when `None`) and to `versions`.
fn client_config(
    root: &[u8],
    suites: Option<Vec<rustls::SupportedCipherSuite>>,
    versions: &[&'static SupportedProtocolVersion],
) -> Arc<ClientConfig> {
    let mut roots = RootCertStore::empty();
    roots
        .add(CertificateDer::from(root.to_vec()))
        .expect("add the test certificate to the root store");
    let mut provider = rustls::crypto::ring::default_provider();
    if let Some(suites) = suites {
        provider.cipher_suites = suites;
    }
    let config = ClientConfig::builder_with_provider(Arc::new(provider))
        .with_protocol_versions(versions)
        .expect("client protocol versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    Arc::new(config)
}

/// `GET path` over TLS (server name `localhost`); `Err` when the handshake
/// or the connection fails.
async fn tls_get(
    addr: SocketAddr,
    config: Arc<ClientConfig>,
    path: &str,
) -> Result<TlsReply, std::io::Error> {
    let tcp = tokio::time::timeout(TIMEOUT, TcpStream::connect(addr))
        .await
        .map_err(|_| std::io::Error::other("connect timed out"))??;
    let name = ServerName::try_from("localhost").expect("server name");
    let mut tls = tokio::time::timeout(TIMEOUT, TlsConnector::from(config).connect(name, tcp))
        .await
        .map_err(|_| std::io::Error::other("handshake timed out"))??;
    let (version, suite, server_cert) = {
        let (_, conn) = tls.get_ref();
        (
            conn.protocol_version(),
            conn.negotiated_cipher_suite().map(|s| s.suite()),
            conn.peer_certificates()
                .and_then(|c| c.first())
                .map(|c| c.as_ref().to_vec())
                .unwrap_or_default(),
        )
    };
    let request = format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    tls.write_all(request.as_bytes()).await?;
    let mut raw = Vec::new();
    let read = tokio::time::timeout(TIMEOUT, tls.read_to_end(&mut raw))
        .await
        .map_err(|_| std::io::Error::other("response timed out"))?;
    if let Err(e) = read
        && raw.is_empty()
    {
        return Err(e);
    }
    let text = String::from_utf8_lossy(&raw);
    let head = text.split("\r\n\r\n").next().unwrap_or("");
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no HTTP status line in {text:?}"));
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    Ok(TlsReply {
        status,
        headers,
        version,
        suite,
        server_cert,
    })
}

/// A certificate for `localhost`/`127.0.0.1` written as PEM into the data
/// directory; returns its DER and the two environment variables.
fn test_certificate(dir: &DataDir) -> (Vec<u8>, [(&'static str, String); 2]) {
    let ck =
        rcgen::generate_simple_self_signed(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
            .expect("generate a test certificate");
    let cert = dir.join("test-cert.pem");
    let key = dir.join("test-key.pem");
    std::fs::write(&cert, ck.cert.pem()).unwrap();
    std::fs::write(&key, ck.signing_key.serialize_pem()).unwrap();
    (
        ck.cert.der().to_vec(),
        [
            ("MV_TLS__CERT", cert.display().to_string()),
            ("MV_TLS__KEY", key.display().to_string()),
        ],
    )
}

async fn tls_server(dir: &DataDir, env: &[(&'static str, String)]) -> TestServer {
    let mut builder = TestServer::builder().data_dir(dir);
    for (k, v) in env {
        builder = builder.env(k, v.clone());
    }
    builder.start().await
}

// --- TLS --------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_1_3_serves_the_login_page_with_hsts_and_secure_cookies() {
    let dir = DataDir::new();
    let (root, env) = test_certificate(&dir);
    let server = tls_server(&dir, &env).await;
    assert!(
        server.public_url.starts_with("https://"),
        "public_url without TLS scheme: {}",
        server.public_url
    );

    let config = client_config(&root, None, &[&rustls::version::TLS13]);
    let reply = tls_get(server.local_addr, config, "/login")
        .await
        .expect("TLS 1.3 request");
    assert_eq!(reply.status, 200);
    assert_eq!(reply.version, Some(ProtocolVersion::TLSv1_3));
    assert!(
        matches!(
            reply.suite,
            Some(CipherSuite::TLS13_AES_256_GCM_SHA384 | CipherSuite::TLS13_AES_128_GCM_SHA256)
        ),
        "negotiated {:?}",
        reply.suite
    );
    assert_eq!(
        reply.header("strict-transport-security"),
        Some("max-age=31536000")
    );
    let cookies = reply.header_all("set-cookie");
    assert!(!cookies.is_empty(), "no cookie set on /login");
    for c in cookies {
        assert!(c.contains("; Secure"), "cookie without Secure: {c}");
    }
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_1_2_works_with_an_aes_gcm_suite() {
    let dir = DataDir::new();
    let (root, env) = test_certificate(&dir);
    let server = tls_server(&dir, &env).await;
    let config = client_config(&root, None, &[&rustls::version::TLS12]);
    let reply = tls_get(server.local_addr, config, "/login")
        .await
        .expect("TLS 1.2 request");
    assert_eq!(reply.status, 200);
    assert_eq!(reply.version, Some(ProtocolVersion::TLSv1_2));
    // rcgen makes an ECDSA P-256 key.
    assert!(
        matches!(
            reply.suite,
            Some(
                CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384
                    | CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
            )
        ),
        "negotiated {:?}",
        reply.suite
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chacha20_only_clients_are_refused() {
    use rustls::crypto::ring::cipher_suite as cs;
    let dir = DataDir::new();
    let (root, env) = test_certificate(&dir);
    let server = tls_server(&dir, &env).await;

    let chacha13 = client_config(
        &root,
        Some(vec![cs::TLS13_CHACHA20_POLY1305_SHA256]),
        &[&rustls::version::TLS13],
    );
    let result = tls_get(server.local_addr, chacha13, "/login").await;
    assert!(
        result.is_err(),
        "a ChaCha20-only TLS 1.3 client got through"
    );

    let chacha12 = client_config(
        &root,
        Some(vec![cs::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256]),
        &[&rustls::version::TLS12],
    );
    let result = tls_get(server.local_addr, chacha12, "/login").await;
    assert!(
        result.is_err(),
        "a ChaCha20-only TLS 1.2 client got through"
    );

    // The server still serves a proper client afterwards.
    let good = client_config(&root, None, &[&rustls::version::TLS13]);
    assert_eq!(
        tls_get(server.local_addr, good, "/login")
            .await
            .unwrap()
            .status,
        200
    );
}

/// A TLS 1.1 ClientHello (legacy version 3.2, no `supported_versions`
/// extension, CBC suites), built by hand.
fn client_hello_tls11() -> Vec<u8> {
    let mut body = vec![0x03, 0x02]; // client_version: TLS 1.1
    body.extend([0x42; 32]); // random
    body.push(0); // no session id
    let suites: [u16; 4] = [0xc013, 0xc014, 0x002f, 0x0035]; // ECDHE/RSA with AES-CBC-SHA
    body.extend(((suites.len() * 2) as u16).to_be_bytes());
    for s in suites {
        body.extend(s.to_be_bytes());
    }
    body.extend([1, 0]); // compression: null
    let mut ext = Vec::new();
    ext.extend([0x00, 0x0a, 0x00, 0x04, 0x00, 0x02, 0x00, 0x17]); // supported_groups: secp256r1
    ext.extend([0x00, 0x0b, 0x00, 0x02, 0x01, 0x00]); // ec_point_formats: uncompressed
    // signature_algorithms (ecdsa_secp256r1_sha256, rsa_pkcs1_sha256): a
    // TLS 1.1 client would not send it, but without it rustls refuses the
    // hello with handshake_failure before it even looks at the version.
    ext.extend([0x00, 0x0d, 0x00, 0x06, 0x00, 0x04, 0x04, 0x03, 0x04, 0x01]);
    body.extend((ext.len() as u16).to_be_bytes());
    body.extend(ext);
    let mut handshake = vec![0x01]; // ClientHello
    handshake.extend(&(body.len() as u32).to_be_bytes()[1..]);
    handshake.extend(body);
    let mut record = vec![0x16, 0x03, 0x01]; // handshake record, TLS 1.0 record layer
    record.extend((handshake.len() as u16).to_be_bytes());
    record.extend(handshake);
    record
}

/// rustls cannot even be configured for TLS 1.1, so this sends a raw TLS 1.1
/// ClientHello over TCP and checks the answer on the wire: a fatal
/// `protocol_version` alert, never a ServerHello. (The hello carries a
/// `signature_algorithms` extension so that the server's version check is
/// what refuses it; see [`client_hello_tls11`].)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tls_1_1_client_hello_gets_a_protocol_version_alert() {
    let dir = DataDir::new();
    let (_, env) = test_certificate(&dir);
    let server = tls_server(&dir, &env).await;
    let mut tcp = TcpStream::connect(server.local_addr).await.unwrap();
    tcp.write_all(&client_hello_tls11()).await.unwrap();
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(TIMEOUT, tcp.read_to_end(&mut answer)).await;
    assert!(answer.len() >= 7, "short answer: {answer:02x?}");
    assert_eq!(answer[0], 0x15, "not an alert record: {answer:02x?}");
    assert_eq!(answer[5], 2, "alert not fatal: {answer:02x?}");
    assert_eq!(answer[6], 70, "not protocol_version: {answer:02x?}");
    assert_eq!(
        answer.len(),
        7,
        "more than one alert came back: {answer:02x?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_self_signed_certificate_is_made_once_and_reused() {
    let env = [("MV_TLS__SELF_SIGNED", "true".to_owned())];
    let dir = DataDir::new();
    let server = tls_server(&dir, &env).await;
    let cert_file = dir.path().join("tls").join("cert.pem");
    assert!(
        dir.path().join("tls").join("key.pem").is_file(),
        "no key.pem"
    );
    let pem = std::fs::read(&cert_file).expect("cert.pem written");
    let der = CertificateDer::from_pem_slice(&pem).expect("cert.pem is PEM");

    let config = client_config(&der, None, &[&rustls::version::TLS13]);
    let reply = tls_get(server.local_addr, config.clone(), "/login")
        .await
        .expect("request with the self-signed certificate");
    assert_eq!(reply.status, 200);
    assert_eq!(reply.server_cert, der.as_ref());

    let dir = server.shutdown().await;
    let server = tls_server(&dir, &env).await;
    assert_eq!(std::fs::read(&cert_file).unwrap(), pem, "cert.pem changed");
    let reply = tls_get(server.local_addr, config, "/login")
        .await
        .expect("request after the restart");
    assert_eq!(
        reply.server_cert,
        der.as_ref(),
        "another certificate served"
    );
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_redirect_listener_sends_everyone_to_https() {
    let server = TestServer::builder()
        .env("MV_TLS__SELF_SIGNED", "true")
        .env("MV_TLS__REDIRECT_ADDR", "127.0.0.1:0")
        .start()
        .await;
    let redirect = server.redirect_addr.expect("redirect listener bound");
    let client = Client::new(&format!("http://{redirect}"));
    let page = client.get("/login?next=%2Fpostfach").await;
    assert!(
        matches!(page.status, 301 | 308),
        "status {} instead of a permanent redirect",
        page.status
    );
    assert_eq!(
        page.header("location"),
        Some(
            format!(
                "https://127.0.0.1:{}/login?next=%2Fpostfach",
                server.local_addr.port()
            )
            .as_str()
        )
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_without_the_key_file_is_refused_naming_the_key() {
    let dir = DataDir::new();
    let (_, env) = test_certificate(&dir);
    std::fs::remove_file(dir.join("test-key.pem")).unwrap();
    let mut builder = TestServer::builder().data_dir(&dir);
    for (k, v) in &env {
        builder = builder.env(k, v.clone());
    }
    let err = match builder.try_start().await {
        Ok(_) => panic!("the portal started without its key file"),
        Err(e) => e.to_string(),
    };
    assert!(
        err.contains("tls.key"),
        "error does not name tls.key: {err}"
    );
    assert_eq!(err.lines().count(), 1, "more than one line: {err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_at_a_trusted_proxy_counts_for_hsts_and_secure_cookies() {
    let server = TestServer::builder()
        .env("MV_HTTP__TRUSTED_PROXIES", r#"["127.0.0.1"]"#)
        .start()
        .await;
    let plain = server.client().get("/login").await;
    plain.assert_status(200);
    assert_eq!(plain.header("strict-transport-security"), None);
    for c in plain.header_all("set-cookie") {
        assert!(!c.contains("Secure"), "Secure cookie over plain HTTP: {c}");
    }

    let proxied = server
        .client()
        .get_with("/login", &[("X-Forwarded-Proto", "https")])
        .await;
    assert_eq!(
        proxied.header("strict-transport-security"),
        Some("max-age=31536000")
    );
    let cookies = proxied.header_all("set-cookie");
    assert!(!cookies.is_empty(), "no cookie set on /login");
    for c in cookies {
        assert!(c.ends_with("; Secure"), "cookie without Secure: {c}");
    }

    // From an untrusted peer the header means nothing.
    let untrusted = TestServer::start().await;
    let page = untrusted
        .client()
        .get_with("/login", &[("X-Forwarded-Proto", "https")])
        .await;
    assert_eq!(page.header("strict-transport-security"), None);
}

// --- monitoring -------------------------------------------------------------

/// The value of `mv_http_requests_total` for `route` and `status`.
fn request_count(metrics: &str, route: &str, status: u16) -> u64 {
    let prefix = format!("mv_http_requests_total{{route=\"{route}\",status=\"{status}\"}} ");
    metrics
        .lines()
        .find_map(|l| l.strip_prefix(&prefix))
        .map_or(0, |n| n.trim().parse().expect("a counter value"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_are_served_only_on_the_metrics_listener() {
    let server = TestServer::builder()
        .env("MV_HTTP__METRICS_ADDR", "127.0.0.1:0")
        .start()
        .await;
    let metrics_addr = server.metrics_addr.expect("metrics listener bound");
    let scraper = Client::new(&format!("http://{metrics_addr}"));
    let client = server.client();

    let before = scraper.get("/metrics").await;
    before.assert_status(200);
    before.assert_header_contains("content-type", "text/plain");
    let n = request_count(&before.body, "/login", 200);
    client.get("/login").await.assert_status(200);
    client.get("/login").await.assert_status(200);
    let after = scraper.get("/metrics").await;
    assert_eq!(
        request_count(&after.body, "/login", 200),
        n + 2,
        "{}",
        after.body
    );

    client.get("/metrics").await.assert_status(404);
    client.get("/healthz").await.assert_status(200);
    client.get("/readyz").await.assert_status(200);
    scraper.get("/login").await.assert_status(404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_metrics_listener_only_direct_loopback_clients_see_metrics() {
    let server = TestServer::start().await;
    let client = server.client();
    let page = client.get("/metrics").await;
    page.assert_status(200)
        .assert_contains("mv_http_requests_total");
    // Through a reverse proxy on the same machine the client is remote.
    client
        .get_with("/metrics", &[("X-Forwarded-For", "203.0.113.7")])
        .await
        .assert_status(404);
}

// --- request ids ------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_response_carries_a_request_id() {
    let server = TestServer::start().await;
    let client = server.client();
    let page = client.get("/login").await;
    let id = page
        .header("x-request-id")
        .expect("X-Request-Id")
        .to_owned();
    assert!(
        id.len() == 16 && id.bytes().all(|b| b.is_ascii_hexdigit()),
        "generated id {id:?} is not 16 hex digits"
    );
    let other = client.get("/no-such-page").await;
    other.assert_status(404);
    assert_ne!(other.header("x-request-id"), Some(id.as_str()));

    let echoed = client
        .get_with("/login", &[("X-Request-Id", "proxy42abc")])
        .await;
    assert_eq!(echoed.header("x-request-id"), Some("proxy42abc"));

    let replaced = client
        .get_with("/login", &[("X-Request-Id", "bad id; drop table")])
        .await;
    let new = replaced.header("x-request-id").expect("X-Request-Id");
    assert_eq!(new.len(), 16, "an unusable incoming id was kept: {new:?}");
}

/// The real binary with `log.format = "json"`: the request's log line carries
/// its id, and the query string (with a token) is not logged.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_log_lines_carry_the_request_id_and_no_token() {
    let work = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_meine-versorgung"));
    cmd.arg("serve")
        .current_dir(work.path())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    for (k, _) in std::env::vars() {
        if k.starts_with("MV_") || k == "RUST_LOG" {
            cmd.env_remove(k);
        }
    }
    cmd.env("MV_DATA_DIR", work.path().join("data"))
        .env("MV_HTTP__ADDR", "127.0.0.1:0")
        .env("MV_LOG__FORMAT", "json")
        .env("MV_ARGON2__MEMORY_KIB", "1024")
        .env("MV_ARGON2__ITERATIONS", "1");
    let mut child = cmd.spawn().expect("start the binary");
    let stderr = child.stderr.take().expect("stderr");
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut lines = Vec::new();
    let addr = loop {
        let line = match rx.recv_timeout(TIMEOUT) {
            Ok(l) => l,
            Err(_) => {
                let _ = child.kill();
                panic!("no `listening on` line; log so far: {lines:#?}");
            }
        };
        let found = line
            .split("listening on http://")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .map(str::to_owned);
        lines.push(line);
        if let Some(addr) = found {
            break addr;
        }
    };
    let client = Client::new(&format!("http://{addr}"));
    client
        .get_with(
            "/setup?token=geheimes-token-123",
            &[("X-Request-Id", "jsonlog42")],
        )
        .await;
    let mut request_line = None;
    while request_line.is_none() {
        let Ok(line) = rx.recv_timeout(TIMEOUT) else {
            break;
        };
        if line.contains("jsonlog42") && line.contains("\"message\":\"request\"") {
            request_line = Some(line.clone());
        }
        lines.push(line);
    }
    let _ = child.kill();
    let _ = child.wait();
    while let Ok(line) = rx.recv_timeout(Duration::from_millis(200)) {
        lines.push(line);
    }
    let line =
        request_line.unwrap_or_else(|| panic!("no request log line with the id: {lines:#?}"));
    let json: serde_json::Value = serde_json::from_str(&line).expect("a JSON log line");
    assert_eq!(json["span"]["id"], "jsonlog42", "{line}");
    assert_eq!(json["span"]["name"], "request", "{line}");
    assert_eq!(json["path"], "/setup", "{line}");
    for l in &lines {
        assert!(
            !l.contains("geheimes-token-123"),
            "the token was logged: {l}"
        );
    }
}

// --- check-config -----------------------------------------------------------

#[test]
fn check_config_names_a_missing_certificate_and_every_other_problem() {
    let work = tempfile::tempdir().unwrap();
    let blocker = work.path().join("a-file");
    std::fs::write(&blocker, b"not a directory").unwrap();
    let key = work.path().join("key.pem");
    std::fs::write(&key, b"").unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_meine-versorgung"));
    cmd.arg("check-config").current_dir(work.path());
    for (k, _) in std::env::vars() {
        if k.starts_with("MV_") {
            cmd.env_remove(k);
        }
    }
    cmd.env("MV_TLS__CERT", work.path().join("missing-cert.pem"))
        .env("MV_TLS__KEY", &key)
        .env("MV_DATA_DIR", blocker.join("data"))
        .env("MV_MAIL__TRANSPORT", "smtp")
        .env("MV_MAIL__SMTP__HOST", "smtp.does-not-exist.invalid");
    let out = cmd.output().expect("run check-config");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "check-config succeeded: {stderr}");
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert!(
        lines
            .iter()
            .any(|l| l.contains("tls.cert") && l.contains("missing-cert.pem")),
        "no line names tls.cert: {stderr}"
    );
    assert!(
        lines.iter().any(|l| l.contains("data_dir")),
        "no line names data_dir: {stderr}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("warning: ") && l.contains("mail.smtp.host")),
        "no warning about the SMTP host: {stderr}"
    );
    assert_eq!(lines.len(), 3, "expected three lines: {stderr}");
}
