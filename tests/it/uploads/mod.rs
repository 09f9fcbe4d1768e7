//! Bounded uploads (issue 19, high finding): the five multipart routes
//! (Schreiben of a Nutzer:in, Antworten, the clerk's Schreiben, the
//! administrator's Schreiben, the Kassen Datenimport) answer a stalled body
//! 408 after `http.upload_timeout` and keep nothing staged; an account and
//! an address run only a few uploads at once; the free-space reserve is
//! checked before staging; one client address cannot take every
//! connection slot.

/// Permission checked again at the commit of an upload.
mod checks;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

use crate::messaging::{World, send, world};
use crate::support::accounts::{signed_in, start_with_kassen_and_admin};
use crate::support::{Client, DataDir, Page, TIMEOUT, TestServer, wait_for};

const BOUNDARY: &str = "----mvStalledUpload";

/// A second loopback address (Linux routes all of 127/8 to lo).
pub const OTHER_ADDRESS: IpAddr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2));

/// A TCP connection to `server`, from `from` when given.
pub async fn connect_from(server: &TestServer, from: Option<IpAddr>) -> TcpStream {
    let socket = TcpSocket::new_v4().expect("socket");
    if let Some(ip) = from {
        socket.bind(SocketAddr::new(ip, 0)).expect("bind");
    }
    socket.connect(server.local_addr).await.expect("connect")
}

/// The CSRF token of the form with `button` on `page`.
pub fn csrf_of(page: &Page, button: &str) -> String {
    page.form_with_button(button)
        .pairs()
        .into_iter()
        .find(|(k, _)| k == "csrf")
        .map(|(_, v)| v)
        .expect("csrf field")
}

/// A connection that sent an upload's header (as the browser `client`),
/// the CSRF field and the first 9 KB of a file in `file_field`, and then
/// nothing more.
pub async fn stalled_upload(
    server: &TestServer,
    client: &Client,
    path: &str,
    csrf: &str,
    file_field: &str,
    from: Option<IpAddr>,
) -> TcpStream {
    let mut s = connect_from(server, from).await;
    let (name, mime, head): (&str, &str, &[u8]) = if file_field == "datei" {
        ("personen.csv", "text/csv", b"Name;Vorname\n")
    } else {
        ("bescheid.pdf", "application/pdf", b"%PDF-1.7\n")
    };
    let mut body = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n\
         --{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{file_field}\"; filename=\"{name}\"\r\n\
         Content-Type: {mime}\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(head);
    body.extend(std::iter::repeat_n(b'x', 9000));
    let header = format!(
        "POST {path} HTTP/1.1\r\nHost: {}\r\nCookie: {}\r\n\
         Content-Type: multipart/form-data; boundary={BOUNDARY}\r\nContent-Length: 5000000\r\n\r\n",
        server.local_addr,
        client.cookie_header()
    );
    s.write_all(header.as_bytes()).await.expect("write header");
    s.write_all(&body).await.expect("write body");
    s
}

/// What the server sent before closing `s`, if it closed within `within`.
pub async fn answer_within(s: &mut TcpStream, within: Duration) -> Option<String> {
    let mut got = Vec::new();
    let read = async {
        let mut buf = [0u8; 4096];
        loop {
            match s.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => got.extend_from_slice(&buf[..n]),
            }
        }
    };
    tokio::time::timeout(within, read)
        .await
        .ok()
        .map(|_| String::from_utf8_lossy(&got).into_owned())
}

/// Files staged under `<data_dir>/tmp` now.
fn staged(server: &TestServer) -> Vec<String> {
    std::fs::read_dir(server.data_dir().join("tmp"))
        .map(|d| {
            d.filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// Waits until nothing is staged any more.
async fn nothing_staged(server: &TestServer) -> bool {
    wait_for("no staged upload", TIMEOUT, || {
        let empty = staged(server).is_empty();
        async move { empty.then_some(true) }
    })
    .await
}

/// Waits until at least `n` uploads are staged (admitted and reading).
async fn staged_at_least(server: &TestServer, n: usize) {
    wait_for("staged uploads", TIMEOUT, || {
        let count = staged(server).len();
        async move { (count >= n).then_some(()) }
    })
    .await
}

/// One upload form of the world: (who, page path, form path, button).
async fn upload_forms(w: &World) -> Vec<(Client, String, &'static str)> {
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
    let clerk = signed_in(&w.server, &w.clerk_beihilfe).await;
    let admin = signed_in(&w.server, &w.admin_a).await;
    vec![
        (
            user.clone(),
            "/postfach/persoenlich/schreiben".to_owned(),
            "Senden",
        ),
        (
            user,
            format!("/postfach/persoenlich/nachricht/{id}/antworten"),
            "Senden",
        ),
        (
            clerk,
            "/postfach/kasse-beihilfe/schreiben".to_owned(),
            "Senden",
        ),
        (
            admin,
            "/postfach/administration/schreiben".to_owned(),
            "Senden",
        ),
    ]
}

async fn assert_408_and_nothing_staged(server: &TestServer, mut s: TcpStream, what: &str) {
    let answer = answer_within(&mut s, Duration::from_secs(8))
        .await
        .unwrap_or_else(|| panic!("{what}: the stalled upload is still open after 8 s"));
    assert!(
        answer.starts_with("HTTP/1.1 408"),
        "{what}: stalled upload answered: {}",
        answer.lines().next().unwrap_or("")
    );
    assert!(
        nothing_staged(server).await,
        "{what}: staged files left: {:?}",
        staged(server)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_message_upload_route_ends_a_stalled_body_with_408_and_keeps_nothing() {
    let w = world(&[
        ("MV_HTTP__UPLOAD_TIMEOUT", "1s"),
        ("MV_HTTP__HEADER_TIMEOUT", "60s"),
    ])
    .await;
    for (client, path, button) in upload_forms(&w).await {
        let page = client.get(&path).await;
        page.assert_status(200);
        let csrf = csrf_of(&page, button);
        let s = stalled_upload(&w.server, &client, &path, &csrf, "anhang", None).await;
        assert_408_and_nothing_staged(&w.server, s, &path).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_datenimport_ends_a_stalled_body_with_408_and_takes_a_file_above_2_mb() {
    let (server, kassen, _) = start_with_kassen_and_admin(
        TestServer::builder()
            .env("MV_HTTP__UPLOAD_TIMEOUT", "1s")
            .env("MV_HTTP__HEADER_TIMEOUT", "60s"),
    )
    .await;
    let client = signed_in(&server, &kassen).await;
    let path = "/kassen/datenimport";
    let page = client.get(path).await;
    page.assert_status(200);
    let csrf = csrf_of(&page, "Probelauf");
    let s = stalled_upload(&server, &client, path, &csrf, "datei", None).await;
    assert_408_and_nothing_staged(&server, s, path).await;

    // A 2.1 MB file is read (not cut off at axum's 2 MB default): the
    // Probelauf answers with the page, not 413.
    let mut csv = b"Name;Vorname\n".to_vec();
    while csv.len() < 2_200_000 {
        csv.extend_from_slice(b"Mustermensch;Kim;;;;;;;;;;;;;;;;;;;;;;;;;;;\n");
    }
    let mut form = reqwest::multipart::Form::new();
    for (k, v) in page.form_with_button("Probelauf").pairs() {
        form = form.text(k, v);
    }
    form = form.part(
        "datei",
        reqwest::multipart::Part::bytes(csv).file_name("personen.csv"),
    );
    let res = client.post_multipart(path, form).await;
    assert_ne!(res.status, 413, "a 2.1 MB file was refused as too large");
    res.assert_contains("Datenimport");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_account_and_an_address_run_only_a_few_uploads_at_once() {
    let w = world(&[
        ("MV_HTTP__UPLOAD_TIMEOUT", "60s"),
        ("MV_HTTP__HEADER_TIMEOUT", "60s"),
        ("MV_HTTP__MAX_UPLOADS_PER_ACCOUNT", "2"),
        ("MV_HTTP__MAX_UPLOADS_PER_ADDRESS", "3"),
    ])
    .await;
    let user = signed_in(&w.server, &w.user_a).await;
    let path = "/postfach/persoenlich/schreiben";
    let page = user.get(path).await;
    let csrf = csrf_of(&page, "Senden");
    let mut held = Vec::new();
    for _ in 0..2 {
        held.push(stalled_upload(&w.server, &user, path, &csrf, "anhang", None).await);
    }
    // Both stalled uploads have been admitted once their files are staged.
    staged_at_least(&w.server, 2).await;
    let fields = [
        ("Betreff", "Dritter Versuch"),
        ("Bereich", "Beihilfe"),
        ("Thema", "Abrechnung"),
        ("Text", "Guten Tag"),
    ];
    let third = send(&user, &page, &fields, &[]).await;
    third.assert_status(429);

    // The same address, another account: one more (the address's third).
    let admin = signed_in(&w.server, &w.admin_a).await;
    let apath = "/postfach/administration/schreiben";
    let apage = admin.get(apath).await;
    let acsrf = csrf_of(&apage, "Senden");
    held.push(stalled_upload(&w.server, &admin, apath, &acsrf, "anhang", None).await);
    staged_at_least(&w.server, 3).await;
    let clerk = signed_in(&w.server, &w.clerk_beihilfe).await;
    let cpage = clerk.get("/postfach/kasse-beihilfe/schreiben").await;
    let fourth = send(
        &clerk,
        &cpage,
        &[("Betreff", "Vierter"), ("Text", "Guten Tag")],
        &[],
    )
    .await;
    fourth.assert_status(429);

    // Once the stalled ones are gone, the account writes again.
    drop(held);
    let mut status = 0;
    for _ in 0..50 {
        let res = send(&user, &page, &fields, &[]).await;
        status = res.status;
        if status == 303 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        status, 303,
        "the account cannot write after its uploads ended"
    );
    assert!(nothing_staged(&w.server).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_client_address_cannot_take_every_connection_slot() {
    let server = TestServer::builder()
        .env("MV_HTTP__MAX_CONNECTIONS", "8")
        .env("MV_HTTP__MAX_CONNECTIONS_PER_ADDRESS", "4")
        .env("MV_HTTP__HEADER_TIMEOUT", "60s")
        .start()
        .await;
    // One client opens as many connections as the portal has slots and
    // sends half a header on each.
    let mut held = Vec::new();
    for _ in 0..8 {
        let mut s = connect_from(&server, Some(OTHER_ADDRESS)).await;
        let _ = s.write_all(b"GET /login HTTP/1.1\r\nHost: x\r\n").await;
        held.push(s);
    }
    // Everyone else is still served at once (not after the 60 s timeout).
    let page = tokio::time::timeout(Duration::from_secs(5), server.client().get("/login"))
        .await
        .expect("an anonymous GET /login got no answer: one client holds every slot");
    page.assert_status(200);
    // The connections beyond the address's share were closed right away.
    let mut closed = 0;
    for s in &mut held {
        if answer_within(s, Duration::from_millis(200)).await.is_some() {
            closed += 1;
        }
    }
    assert_eq!(closed, 4, "connections beyond the share of one address");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_is_refused_before_staging_when_it_would_eat_into_the_reserve() {
    use crate::reliability::disk_full::{free_bytes, mount_tmpfs};
    let dir = DataDir::new();
    let Some(_mounted) = mount_tmpfs(dir.path(), 40, "upload reserve") else {
        return;
    };
    let (server, admin) = crate::support::accounts::start_with_admin(
        TestServer::builder()
            .data_dir(&dir)
            .env("MV_MIN_FREE_SPACE_MB", "4"),
    )
    .await;
    let client = signed_in(&server, &admin).await;
    let page = client.get("/postfach/administration/schreiben").await;
    page.assert_status(200);
    // About 8 MB free: above the reserve, below the reserve plus 10 MB.
    let fill = free_bytes(dir.path()).saturating_sub(8 * 1024 * 1024);
    std::fs::write(dir.join("filler"), vec![0u8; fill as usize]).expect("fill the disk");
    let fields = [
        ("Betreff", "Abrechnung"),
        ("Bereich", "Beihilfe"),
        ("Thema", "Abrechnung"),
        ("Text", "Guten Tag"),
    ];
    let res = send(
        &client,
        &page,
        &fields,
        &[("Abrechnung.pdf", crate::messaging::PDF.to_vec())],
    )
    .await;
    res.assert_status(507);
    res.assert_contains("Speicherplatz erschöpft");
    assert!(staged(&server).is_empty(), "staged: {:?}", staged(&server));
    let list = client.get("/postfach/administration").await;
    list.assert_not_contains("Abrechnung.pdf");
    // With the space back, the same upload goes through.
    std::fs::remove_file(dir.join("filler")).expect("free the disk");
    let res = send(
        &client,
        &page,
        &fields,
        &[("Abrechnung.pdf", crate::messaging::PDF.to_vec())],
    )
    .await;
    res.assert_redirect("/postfach/administration/nachricht/");
    server.shutdown().await;
}
