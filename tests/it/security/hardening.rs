//! Regression tests of the smaller security findings (issue 10): slow and
//! idle connections, the connection cap, control characters, the
//! keep-alive redirect, the Origin scheme and oversized forms.

use std::time::Duration;

use crate::support::accounts::*;
use crate::support::*;

const WRONG_PASSWORD: &str = "Falsches-Passwort!123";

// ---------------------------------------------------------------------------
// Connections: header timeout, idle keep-alive, connection cap
// ---------------------------------------------------------------------------

fn addr_of(server: &TestServer) -> std::net::SocketAddr {
    let url = server.url("/");
    let host = url
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned();
    host.parse().expect("server address")
}

/// Reads until the peer closes; `Some(bytes)` when it closed within `within`.
async fn closed_within(stream: &mut tokio::net::TcpStream, within: Duration) -> Option<Vec<u8>> {
    use tokio::io::AsyncReadExt;
    let mut got = Vec::new();
    let read = async {
        let mut buf = [0u8; 4096];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => got.extend_from_slice(&buf[..n]),
            }
        }
    };
    tokio::time::timeout(within, read).await.ok().map(|_| got)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_or_idle_client_is_disconnected_after_the_header_timeout() {
    use tokio::io::AsyncWriteExt;
    let server = TestServer::builder()
        .env("MV_HTTP__HEADER_TIMEOUT", "1s")
        .start()
        .await;
    let addr = addr_of(&server);

    // Half a header, then nothing: closed after about a second.
    let mut slow = tokio::net::TcpStream::connect(addr).await.unwrap();
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let started = std::time::Instant::now();
    closed_within(&mut slow, Duration::from_secs(5))
        .await
        .expect("the half-sent request is still open after 5 s");
    assert!(started.elapsed() >= Duration::from_millis(800));

    // A complete request is answered; the idle connection then closes.
    let mut idle = tokio::net::TcpStream::connect(addr).await.unwrap();
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let got = closed_within(&mut idle, Duration::from_secs(5))
        .await
        .expect("the idle keep-alive connection is still open after 5 s");
    let text = String::from_utf8_lossy(&got);
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_beyond_the_cap_wait_until_one_closes() {
    use tokio::io::AsyncWriteExt;
    let server = TestServer::builder()
        .env("MV_HTTP__MAX_CONNECTIONS", "2")
        .env("MV_HTTP__HEADER_TIMEOUT", "30s")
        .start()
        .await;
    let addr = addr_of(&server);
    let a = tokio::net::TcpStream::connect(addr).await.unwrap();
    let b = tokio::net::TcpStream::connect(addr).await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut third = tokio::net::TcpStream::connect(addr).await.unwrap();
    third
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    assert!(
        closed_within(&mut third, Duration::from_millis(700))
            .await
            .is_none(),
        "a third connection was served beyond the cap of 2"
    );
    drop(a);
    let got = closed_within(&mut third, Duration::from_secs(5))
        .await
        .expect("the waiting connection is served once a slot is free");
    assert!(String::from_utf8_lossy(&got).starts_with("HTTP/1.1 200"));
    drop(b);
}

// ---------------------------------------------------------------------------
// Input
// ---------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_vorname_with_a_line_break_is_refused_in_german() {
    let smtp = SmtpServer::start().await;
    let (server, kassen, _) = start_with_kassen_and_admin(TestServer::builder().smtp(&smtp)).await;
    let kasse = signed_in(&server, &kassen).await;
    let stored = server.mails_stored();
    let page = kasse.get("/kassen/administratoren/neu").await;
    let res = page
        .form_with_button("Anlegen")
        .fill("Vorname", "Kim\r\nBcc: opfer@example.org")
        .fill("Name", "Mustermensch\u{0}")
        .fill("Geburtsdatum", "1980-05-17")
        .fill("E-Mail-Adresse", "kim.neu@blaugraben.example")
        .select("Mitglied", "1")
        .submit(&kasse)
        .await;
    res.assert_status(422);
    let html = res.html();
    assert_eq!(
        html.field_error("Vorname").as_deref(),
        Some("Bitte geben Sie einen Vornamen ohne Zeilenumbrüche oder Steuerzeichen ein.")
    );
    assert_eq!(
        html.field_error("Name").as_deref(),
        Some("Bitte geben Sie einen Namen ohne Zeilenumbrüche oder Steuerzeichen ein.")
    );
    assert_eq!(server.mails_stored(), stored, "nothing was sent");
}

// ---------------------------------------------------------------------------
// Smaller findings: redirect target, Origin scheme, oversized forms
// ---------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ich_bin_noch_hier_redirects_only_to_a_local_path() {
    let (server, person) = start_with_admin(TestServer::builder()).await;
    let client = signed_in(&server, &person).await;
    let home = client.get("/").await;
    let csrf = home.html().select_attrs("meta[name=csrf-token]", "content")[0].clone();
    let base = server.url("");
    let base = base.trim_end_matches('/');
    for (referer, want) in [
        (format!("{base}/\\evil.example"), "/"),
        (format!("{base}//evil.example/x"), "/"),
        (format!("{base}/nutzer"), "/nutzer"),
    ] {
        let res = client
            .post_form_with(
                "/sitzung/verlaengern",
                &[("csrf", csrf.as_str())],
                &[("Referer", referer.as_str())],
            )
            .await;
        assert_eq!(res.location.as_deref(), Some(want), "Referer {referer}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_origin_with_another_scheme_is_refused() {
    let server = TestServer::start().await;
    let client = server.client();
    let form = client
        .get("/login")
        .await
        .form_with_button("Anmelden")
        .fill(LOGIN_ID_LABEL, "X20000000099")
        .fill("Passwort", WRONG_PASSWORD);
    let host = server.url("");
    let host = host
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned();
    let https = format!("https://{host}");
    let http = format!("http://{host}");
    client
        .post_pairs("/login", &form.pairs(), &[("Origin", https.as_str())])
        .await
        .assert_status(403);
    client
        .post_pairs("/login", &form.pairs(), &[("Origin", http.as_str())])
        .await
        .assert_status(200)
        .assert_contains(CREDENTIALS_REFUSED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversized_form_answers_413() {
    let server = TestServer::start().await;
    let anon = server.client();
    let res = anon
        .get("/feedback")
        .await
        .form_with_button("Senden")
        .fill("Betreff", "Groß")
        .fill("Text", &"x".repeat(300 * 1024))
        .submit(&anon)
        .await;
    res.assert_status(413).assert_contains("Eingabe zu groß");
}
