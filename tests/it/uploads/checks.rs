//! Permission at the commit of an upload (issue 19, medium finding): an
//! upload paused mid-body, then the author locked, the group-mailbox grant
//! withdrawn, the idle timeout passed or the session ended; finished
//! afterwards, nothing is stored or delivered.

use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

use crate::messaging::{PDF, World, world};
use crate::support::accounts::signed_in;
use crate::support::{Client, Page, TestServer};
use crate::uploads::answer_within;

const BOUNDARY: &str = "----mvPausedUpload";

/// An upload of the form `pairs` plus `file` (field, name, bytes) whose
/// body is sent but for its last 100 bytes; the rest is returned.
async fn paused_upload(
    server: &TestServer,
    client: &Client,
    path: &str,
    pairs: &[(String, String)],
    file: (&str, &str, &[u8]),
) -> (TcpStream, Vec<u8>) {
    let mut body = Vec::new();
    // The CSRF token first: the server reads no file before it.
    let mut ordered: Vec<&(String, String)> = pairs.iter().filter(|(k, _)| k == "csrf").collect();
    ordered.extend(pairs.iter().filter(|(k, _)| k != "csrf"));
    for (k, v) in ordered {
        body.extend_from_slice(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    let (field, name, bytes) = file;
    body.extend_from_slice(
        format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{name}\"\r\n\
             Content-Type: application/octet-stream\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    let mut s = TcpStream::connect(server.local_addr)
        .await
        .expect("connect");
    let header = format!(
        "POST {path} HTTP/1.1\r\nHost: {}\r\nCookie: {}\r\nConnection: close\r\n\
         Content-Type: multipart/form-data; boundary={BOUNDARY}\r\nContent-Length: {}\r\n\r\n",
        server.local_addr,
        client.cookie_header(),
        body.len()
    );
    s.write_all(header.as_bytes()).await.expect("header");
    let rest = body.split_off(body.len() - 100);
    s.write_all(&body).await.expect("body");
    // Let the server read what was sent (it waits for the rest).
    tokio::time::sleep(Duration::from_millis(300)).await;
    (s, rest)
}

/// Sends the rest of a paused upload; returns the status line and the
/// `Location` of the answer.
async fn finish(mut s: TcpStream, rest: Vec<u8>) -> (String, String) {
    s.write_all(&rest).await.expect("rest of the body");
    let answer = answer_within(&mut s, Duration::from_secs(10))
        .await
        .expect("no answer to the finished upload");
    let status = answer.lines().next().unwrap_or("").to_owned();
    let location = answer
        .lines()
        .find_map(|l| {
            l.strip_prefix("location: ")
                .or_else(|| l.strip_prefix("Location: "))
        })
        .unwrap_or("")
        .to_owned();
    (status, location)
}

/// The Schreiben form of `mailbox`, filled with `subject`.
async fn compose_pairs(client: &Client, mailbox: &str, subject: &str) -> Vec<(String, String)> {
    let page: Page = client.get(&format!("/postfach/{mailbox}/schreiben")).await;
    page.assert_status(200);
    page.form_with_button("Senden")
        .fill("Betreff", subject)
        .select("Bereich", "Beihilfe")
        .fill("Thema", "Abrechnung")
        .fill("Text", "Guten Tag")
        .pairs()
}

/// Whether the clerk of the Kassenpostfach Beihilfe sees `subject`.
async fn kassen_sees(clerk: &Client, subject: &str) -> bool {
    let page = clerk.get("/postfach/kasse-beihilfe").await;
    page.assert_status(200);
    page.text().contains(subject)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paused_upload_stores_nothing_once_the_grant_is_withdrawn_or_the_author_locked() {
    let w = world(&[("MV_HTTP__UPLOAD_TIMEOUT", "60s")]).await;
    let user = signed_in(&w.server, &w.user_a).await;
    let admin = signed_in(&w.server, &w.admin_a).await;
    let clerk = signed_in(&w.server, &w.clerk_beihilfe).await;
    let file = ("anhang", "Bescheid.pdf", PDF);

    // Grant withdrawn while the upload into the group mailbox Beihilfe runs.
    let pairs = compose_pairs(&user, "beihilfe", "Nach dem Entzug").await;
    let (s, rest) = paused_upload(
        &w.server,
        &user,
        "/postfach/beihilfe/schreiben",
        &pairs,
        file,
    )
    .await;
    let details = format!("/nutzer/{}", w.user_a.id);
    let edit_href = admin.get(&details).await.html().link_hrefs("Bearbeiten")[0].clone();
    admin
        .get(&edit_href)
        .await
        .form_with_button("Speichern")
        .uncheck("Beihilfe")
        .submit(&admin)
        .await
        .assert_redirect(&format!("{details}?hinweis=gespeichert"));
    let (status, _) = finish(s, rest).await;
    assert!(
        status.starts_with("HTTP/1.1 404"),
        "after the grant was withdrawn: {status}"
    );
    assert!(!kassen_sees(&clerk, "Nach dem Entzug").await);

    // The author locked (which ends the session) while the upload runs.
    let pairs = compose_pairs(&user, "persoenlich", "Nach der Sperre").await;
    let (s, rest) = paused_upload(
        &w.server,
        &user,
        "/postfach/persoenlich/schreiben",
        &pairs,
        file,
    )
    .await;
    admin
        .get(&details)
        .await
        .form_with_button("Nutzer:in temporär sperren")
        .submit(&admin)
        .await
        .assert_redirect(&format!("{details}?hinweis=gesperrt"));
    let (status, location) = finish(s, rest).await;
    assert!(
        status.starts_with("HTTP/1.1 303"),
        "after the lock: {status}"
    );
    assert_eq!(location, "/login", "after the lock");
    assert!(!kassen_sees(&clerk, "Nach der Sperre").await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paused_reply_stores_nothing_once_the_session_went_idle() {
    let w = world(&[("MV_HTTP__UPLOAD_TIMEOUT", "1h")]).await;
    let user = signed_in(&w.server, &w.user_a).await;
    let sent = crate::messaging::write(
        &user,
        "persoenlich",
        "Frage zur Beihilfe",
        "Beihilfe",
        "Abrechnung",
        "Guten Tag",
        &[],
    )
    .await;
    let id = crate::messaging::message_id(&sent.url);
    let path = format!("/postfach/persoenlich/nachricht/{id}/antworten");
    let page = user.get(&path).await;
    let pairs = page
        .form_with_button("Senden")
        .fill("Text", "Antwort nach der Pause")
        .pairs();
    let (s, rest) = paused_upload(
        &w.server,
        &user,
        &path,
        &pairs,
        ("anhang", "Bescheid.pdf", PDF),
    )
    .await;
    // Past the idle logout (default 10 minutes) before the body ends.
    w.server.advance_clock(Duration::from_secs(11 * 60));
    let (status, location) = finish(s, rest).await;
    assert!(
        status.starts_with("HTTP/1.1 303"),
        "after the idle timeout: {status}"
    );
    assert_eq!(location, "/login", "after the idle timeout");
    // Nothing stored: after a restart (real clock again) the clerk sees
    // the first message only.
    let World {
        server,
        smtp,
        clerk_beihilfe,
        ..
    } = w;
    let dir = server.shutdown().await;
    let server = TestServer::builder()
        .smtp(&smtp)
        .data_dir(&dir)
        .start()
        .await;
    let clerk = signed_in(&server, &clerk_beihilfe).await;
    let page = clerk.get("/postfach/kasse-beihilfe").await;
    page.assert_contains("Frage zur Beihilfe");
    assert_eq!(
        page.text().matches("Frage zur Beihilfe").count(),
        1,
        "the reply was stored"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paused_datenimport_imports_nothing_once_the_session_ended() {
    use crate::support::persons;
    let (server, people) = persons::start(
        TestServer::builder().env("MV_HTTP__UPLOAD_TIMEOUT", "60s"),
        |_, _| Vec::new(),
    )
    .await;
    let kassen = signed_in(&server, &people.kassen).await;
    let viewer = signed_in(&server, &people.viewer).await;
    let page = kassen.get("/kassen/datenimport").await;
    let pairs = page
        .form_with_button("Importieren")
        .select("Mitglied", "Blaugraben (78970)")
        .select("Art der Datei", "Anspruchsberechtigte")
        .pairs();
    let csv = crate::persons::persons_csv(10, &[]);
    let (s, rest) = paused_upload(
        &server,
        &kassen,
        "/kassen/datenimport",
        &pairs,
        ("datei", "daten.csv", csv.as_bytes()),
    )
    .await;
    // The session ends ("Abmelden" in another tab).
    kassen
        .get("/")
        .await
        .form_with_button("Abmelden")
        .submit(&kassen)
        .await;
    let (status, location) = finish(s, rest).await;
    assert!(
        status.starts_with("HTTP/1.1 303"),
        "after the logout: {status}"
    );
    assert_eq!(location, "/login");
    viewer
        .get("/anspruchsberechtigte")
        .await
        .assert_contains("0 Anspruchsberechtigte");
}
