//! The frame every page relies on: entry, security headers, assets, error
//! pages, CSRF and origin checks, the data directory lock, the schema guard
//! and shutdown.

/// The store foundations seen from outside.
mod store;

use std::process::{Command, Stdio};
use std::time::Duration;

use meine_versorgung::store::Store;

use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_anonymous_visitor_is_led_to_the_login_page() {
    let server = TestServer::start().await;
    let client = server.client();
    let home = client.get("/").await;
    home.assert_redirect("/login");
    let login = client.follow(&home).await;
    login.assert_status(200);

    let form = login.form_with_button("Anmelden");
    let labels = form.labels();
    for label in ["Nutzerkennung oder Identifikationsnummer/PNR", "Passwort"] {
        assert!(
            labels.iter().any(|l| l == label),
            "label {label:?} missing; labels: {labels:?}"
        );
    }
    assert!(
        form.value_of("csrf").is_some_and(|t| !t.is_empty()),
        "the login form carries no CSRF token"
    );
    assert_eq!(login.html().lang().as_deref(), Some("de"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_carry_the_security_headers() {
    let server = TestServer::start().await;
    let client = server.client();
    let login = client.get("/login").await;
    login.assert_status(200);

    let csp = login
        .header("content-security-policy")
        .expect("Content-Security-Policy header")
        .to_owned();
    assert!(csp.contains("script-src 'self'"), "CSP: {csp}");
    assert!(csp.contains("frame-ancestors 'none'"), "CSP: {csp}");
    assert!(
        !csp.contains("unsafe-inline"),
        "CSP allows inline code: {csp}"
    );
    assert!(!csp.contains("unsafe-eval"), "CSP allows eval: {csp}");
    assert_eq!(login.header("x-content-type-options"), Some("nosniff"));
    assert!(
        login.header("referrer-policy").is_some(),
        "no Referrer-Policy header"
    );
    login.assert_header_contains("cache-control", "no-store");
    login.assert_header_contains("content-type", "text/html");

    // The CSP would block inline code, so the page must not need any.
    let html = login.html();
    assert!(
        html.select_texts("script:not([src])").is_empty(),
        "the login page has inline <script>"
    );
    assert!(
        html.select_attrs("[style]", "style").is_empty(),
        "the login page has style attributes"
    );
    assert!(
        html.select_attrs("[onclick], [onload], [onsubmit]", "id")
            .is_empty()
            && !login.body.contains(" onclick=")
            && !login.body.contains(" onsubmit="),
        "the login page has inline event handlers"
    );

    // Error pages carry them as well.
    let missing = client.get("/gibt-es-nicht").await;
    missing.assert_header_contains("content-security-policy", "frame-ancestors 'none'");
    missing.assert_header_contains("x-content-type-options", "nosniff");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn assets_are_cached_long_and_revalidated_by_etag() {
    let server = TestServer::start().await;
    let client = server.client();
    let login = client.get("/login").await;
    let css = login
        .html()
        .select_attrs("link[rel=stylesheet]", "href")
        .into_iter()
        .find(|h| h.starts_with("/static/style.css?"))
        .unwrap_or_else(|| panic!("no /static/style.css?… stylesheet in:\n{}", login.body));

    let asset = client.get(&css).await;
    asset.assert_status(200);
    asset.assert_header_contains("content-type", "text/css");
    let etag = asset.header("etag").expect("ETag on the asset").to_owned();
    let cache = asset
        .header("cache-control")
        .expect("Cache-Control")
        .to_owned();
    let max_age: u64 = cache
        .split(',')
        .find_map(|part| part.trim().strip_prefix("max-age="))
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no max-age in Cache-Control: {cache}"));
    assert!(
        max_age >= 30 * 24 * 3600,
        "asset cache is not long: {cache}"
    );
    assert!(
        !cache.contains("no-store"),
        "asset is not cacheable: {cache}"
    );
    assert!(!asset.body.is_empty());

    let again = client.get_with(&css, &[("if-none-match", &etag)]).await;
    again.assert_status(304);
    assert!(again.body.is_empty(), "304 with a body");

    let other = client
        .get_with(&css, &[("if-none-match", "\"etwas-anderes\"")])
        .await;
    other.assert_status(200);

    client
        .get("/static/gibt-es-nicht.css")
        .await
        .assert_status(404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_path_answers_with_a_german_404_page() {
    let server = TestServer::start().await;
    let client = server.client();
    let page = client.get("/gibt-es-nicht/wirklich").await;
    page.assert_status(404);
    page.assert_contains("Seite nicht gefunden");
    page.assert_header_contains("content-type", "text/html");
    assert_eq!(page.html().lang().as_deref(), Some("de"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_post_without_csrf_token_is_refused() {
    let server = TestServer::start().await;
    let client = server.client();
    let token = server.setup_token().to_owned();
    let form = client
        .get(&format!("/setup?token={token}"))
        .await
        .form_with_button("Anlegen")
        .fill("Vorname", "Kim")
        .fill("Name", "Kassenwart")
        .fill("E-Mail-Adresse", "kim@kasse.example");

    // Without the csrf field, with the binding cookie.
    let without: Vec<(String, String)> = form
        .pairs()
        .into_iter()
        .filter(|(k, _)| k != "csrf")
        .collect();
    client
        .post_pairs(&form.target(), &without, &[])
        .await
        .assert_status(403);

    // With a wrong token.
    let wrong: Vec<(String, String)> = form
        .pairs()
        .into_iter()
        .map(|(k, v)| {
            if k == "csrf" {
                (k, "0".repeat(64))
            } else {
                (k, v)
            }
        })
        .collect();
    client
        .post_pairs(&form.target(), &wrong, &[])
        .await
        .assert_status(403);

    // Another visitor's token (a fresh client has another cookie).
    let stranger = server.client();
    stranger
        .post_pairs(&form.target(), &form.pairs(), &[])
        .await
        .assert_status(403);

    // Nothing was created; the complete form still works.
    assert!(server.data_dir().join("setup-token").exists());
    let done = form.submit(&client).await;
    let done = client.follow(&done).await;
    done.assert_status(200);
    assert_nutzerkennung(&done.text_of("#nutzerkennung"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cross_origin_post_is_refused() {
    let server = TestServer::start().await;
    let client = server.client();
    let form = client
        .get(&format!("/setup?token={}", server.setup_token()))
        .await
        .form_with_button("Anlegen")
        .fill("Vorname", "Kim")
        .fill("Name", "Kassenwart")
        .fill("E-Mail-Adresse", "kim@kasse.example");

    client
        .post_pairs(
            &form.target(),
            &form.pairs(),
            &[("origin", "http://evil.example")],
        )
        .await
        .assert_status(403);
    client
        .post_pairs(&form.target(), &form.pairs(), &[("origin", "null")])
        .await
        .assert_status(403);
    client
        .post_pairs(
            &form.target(),
            &form.pairs(),
            &[("sec-fetch-site", "cross-site")],
        )
        .await
        .assert_status(403);
    assert!(
        server.data_dir().join("setup-token").exists(),
        "a refused request created the account"
    );

    // The same request from the portal's own origin goes through.
    let origin = format!("http://{}", server.local_addr);
    let done = client
        .post_pairs(
            &form.target(),
            &form.pairs(),
            &[("origin", &origin), ("sec-fetch-site", "same-origin")],
        )
        .await;
    let done = client.follow(&done).await;
    done.assert_status(200);
    assert_nutzerkennung(&done.text_of("#nutzerkennung"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_server_on_the_same_data_directory_is_refused() {
    let first = TestServer::start().await;
    let second = TestServer::builder()
        .data_dir(first.data_dir())
        .try_start()
        .await;
    let err = match second {
        Ok(_) => panic!("a second server started on the same data directory"),
        Err(e) => e.to_string(),
    };
    assert!(
        err.contains("in use") && err.contains(&first.data_dir().path().display().to_string()),
        "error does not say the data directory is in use: {err}"
    );
    // The first server is unaffected.
    first.client().get("/login").await.assert_status(200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_refuses_a_data_directory_in_use() {
    let first = TestServer::start().await;
    let work = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_meine-versorgung"));
    cmd.arg("serve")
        .current_dir(work.path())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, _) in std::env::vars() {
        if k.starts_with("MV_") {
            cmd.env_remove(k);
        }
    }
    cmd.env("MV_DATA_DIR", first.data_dir().path())
        .env("MV_HTTP__ADDR", "127.0.0.1:0")
        .env("MV_ARGON2__MEMORY_KIB", "1024")
        .env("MV_ARGON2__ITERATIONS", "1");
    let mut child = cmd.spawn().expect("start the binary");
    let deadline = tokio::time::Instant::now() + TIMEOUT;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for the binary") {
            break status;
        }
        if tokio::time::Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the binary kept running on a data directory in use");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let out = child.wait_with_output().expect("binary output");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!status.success(), "the binary exited successfully");
    assert!(
        stderr.contains("in use"),
        "stderr does not say the data directory is in use: {stderr}"
    );
    first.client().get("/login").await.assert_status(200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_with_a_newer_schema_is_refused_untouched() {
    let dir = DataDir::new();
    {
        let store = Store::open(dir.path()).expect("open a fresh store");
        store.force_schema_version(99).expect("force the version");
    }
    let db = dir.join(meine_versorgung::store::DB_FILE);
    let before = std::fs::read(&db).expect("read the store file");

    let result = TestServer::builder().data_dir(&dir).try_start().await;
    let err = match result {
        Ok(_) => panic!("the portal started on a store with schema version 99"),
        Err(e) => e.to_string(),
    };
    assert!(
        err.contains("schema version 99"),
        "error does not mention schema version 99: {err}"
    );
    let after = std::fs::read(&db).expect("read the store file again");
    assert_eq!(before.len(), after.len(), "the store file changed size");
    let differing: Vec<usize> = (0..before.len())
        .filter(|&i| before[i] != after[i])
        .collect();
    assert!(
        differing.is_empty(),
        "the refused start modified the store file: {} bytes differ, at offsets {:?}…",
        differing.len(),
        &differing[..differing.len().min(16)]
    );
    assert!(
        !dir.join("setup-token").exists(),
        "a refused start wrote a setup token"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_is_prompt_and_closes_the_port() {
    let server = TestServer::start().await;
    let addr = server.local_addr;
    let client = server.client();
    client.get("/login").await.assert_status(200);
    assert!(accepts_connections(addr).await);

    let started = std::time::Instant::now();
    tokio::time::timeout(Duration::from_secs(5), server.shutdown())
        .await
        .expect("shutdown did not complete within 5 s");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "shutdown took {:?}",
        started.elapsed()
    );
    assert!(
        !accepts_connections(addr).await,
        "the port still accepts connections after shutdown"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_answers_while_running() {
    let server = TestServer::start().await;
    let client = server.client();
    client.get("/healthz").await.assert_status(200);
    client.get("/readyz").await.assert_status(200);
}

/// After `ServerHandle::shutdown` returns, the data directory is free: a
/// new server (or a backup/restore step) can open the store at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_releases_the_data_directory() {
    let dir = DataDir::new();
    for round in 0..20 {
        let config = TestServer::builder().data_dir(&dir).config();
        let handle = meine_versorgung::start(config, meine_versorgung::ServeOptions::default())
            .await
            .expect("start");
        let client = Client::new(&format!("http://{}", handle.local_addr));
        client.get("/login").await.assert_status(200);
        handle.shutdown().await;
        assert!(
            !store_in_use(&dir),
            "round {round}: the store is still open after shutdown returned"
        );
    }
}
