//! Hostile input over HTTP: markup in every free-text field is rendered
//! inert (pages and e-mails), CR/LF never reaches a header, no return
//! parameter leads off-site, oversize bodies and 100,000-field forms are
//! refused quickly, TRACE is refused.

/// Hostile input in messaging and functional use.
mod areas;

use std::time::{Duration, Instant};

use crate::matrix::{DECLARED, Who, csrf_of, start_world};
use crate::support::accounts::sign_in;
use crate::support::{Client, Page, outbox_files};

/// Markup that would run if it reached a page or e-mail unescaped.
pub const PAYLOAD: &str =
    "<script>alert(1)</script><img src=x onerror=alert(2)>\"'><svg onload=alert(3)>";
/// What must never appear in an answer: the payload's tags, unescaped.
const LIVE: [&str; 3] = ["<script>alert(", "<img src=x", "<svg onload"];

#[track_caller]
pub fn assert_inert(what: &str, body: &str) {
    for live in LIVE {
        assert!(!body.contains(live), "{what} contains live markup {live:?}");
    }
}

/// The signed-in clients of the matrix world by role.
async fn clients(
    server: &crate::support::TestServer,
    world: &crate::matrix::World,
) -> Vec<(Who, Client)> {
    let mut out = vec![(Who::Anonymous, server.client())];
    for (who, person) in &world.people {
        let c = server.client();
        sign_in(&c, person).await;
        out.push((*who, c));
    }
    out
}

fn client(all: &[(Who, Client)], who: Who) -> &Client {
    &all.iter().find(|(w, _)| *w == who).expect("role").1
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn markup_in_every_free_text_field_is_rendered_inert_in_pages_and_e_mails() {
    let (server, world) = start_world().await;
    let all = clients(&server, &world).await;
    let (anon, admin, kassen, user) = (
        client(&all, Who::Anonymous),
        client(&all, Who::AdminA),
        client(&all, Who::Kassen),
        client(&all, Who::UserAAllGrants),
    );
    let mut pages: Vec<(String, Page)> = Vec::new();

    // Nutzer:in anlegen: Vorname and Name (refused or stored, never live).
    let form = admin.get("/nutzer/neu").await;
    let res = form
        .form_with_button("Anlegen")
        .fill("Vorname", PAYLOAD)
        .fill("Name", PAYLOAD)
        .fill("E-Mail-Adresse", "markup@blaugraben.example")
        .check("Ich bestätige, dass die Nutzungsbedingungen dem Beschäftigten bekannt sind und dass er/sie diese mit der Anlage des Zugangs akzeptiert.")
        .submit(admin)
        .await;
    pages.push(("Nutzer:in anlegen (answer)".into(), res.clone()));
    if res.status == 303 {
        pages.push(("the confirmation".into(), admin.follow(&res).await));
    }
    pages.push(("Übersicht Nutzer:innen".into(), admin.get("/nutzer").await));
    let edit = admin
        .get(&format!("/nutzer/{}/bearbeiten", world.user_a))
        .await;
    let res = edit
        .form_with_button("Speichern")
        .fill("Name", PAYLOAD)
        .submit(admin)
        .await;
    pages.push(("Nutzer:in bearbeiten (answer)".into(), res));
    pages.push((
        "Nutzer:in details".into(),
        admin.get(&format!("/nutzer/{}", world.user_a)).await,
    ));

    // FAQ (Kassen), shown publicly and found by the search.
    let form = kassen.get("/kassen/faq/neu").await;
    let res = form
        .form_with_button("Anlegen")
        .fill("Frage", PAYLOAD)
        .fill("Antwort", PAYLOAD)
        .submit(kassen)
        .await;
    pages.push(("FAQ anlegen (answer)".into(), res));
    pages.push(("FAQ (public)".into(), anon.get("/faq").await));
    pages.push(("FAQ (Kassen)".into(), kassen.get("/kassen/faq").await));

    // Feedback and support: subject and text, shown to the Kassen.
    for path in ["/feedback", "/support"] {
        let form = anon.get(path).await;
        let res = form
            .form_with_button("Senden")
            .fill("Betreff", PAYLOAD)
            .fill("Text", PAYLOAD)
            .fill("E-Mail-Adresse", "markup@example.org")
            .submit(anon)
            .await;
        pages.push((format!("{path} (answer)"), res));
    }
    let inbox = kassen.get("/kassen/rueckmeldungen").await;
    pages.push((
        format!("/kassen/rueckmeldungen/{}", world.feedback + 1),
        kassen
            .get(&format!("/kassen/rueckmeldungen/{}", world.feedback + 1))
            .await,
    ));
    pages.push(("Rückmeldungen".into(), inbox));

    // Reflected input: search, login, list filters, Protokoll filters.
    let q = urlencode(PAYLOAD);
    for (c, path) in [
        (user, format!("/suche?q={q}")),
        (admin, format!("/nutzer?suche={q}&name={q}")),
        (admin, format!("/protokoll?aktion={q}&von={q}")),
        (kassen, format!("/kassen/protokoll?aktion={q}&von={q}")),
        (kassen, format!("/kassen/mitglieder?suche={q}")),
        (kassen, format!("/kassen/administratoren?suche={q}")),
        (kassen, format!("/kassen/postausgang?status={q}")),
    ] {
        pages.push((path.clone(), c.get(&path).await));
    }
    let login = anon.get("/login").await;
    let res = login
        .form_with_button("Anmelden")
        .fill(crate::support::accounts::LOGIN_ID_LABEL, PAYLOAD)
        .fill("Passwort", PAYLOAD)
        .submit(anon)
        .await;
    pages.push(("login (answer)".into(), res));
    // The Protokoll shows the changes above (names, questions).
    pages.push((
        "Protokoll (Kassen)".into(),
        kassen.get("/kassen/protokoll").await,
    ));
    pages.push(("Protokoll (Admin A)".into(), admin.get("/protokoll").await));
    pages.push((
        "Postausgang".into(),
        kassen.get("/kassen/postausgang").await,
    ));

    for (what, page) in &pages {
        assert!(page.status < 500, "{what}: {}", page.status);
        assert_inert(what, &page.body);
    }
    // Something was stored and shown escaped (the test is not vacuous).
    assert!(
        pages
            .iter()
            .any(|(_, p)| p.body.contains("&lt;script&gt;alert(1)&lt;/script&gt;")),
        "the payload is shown escaped somewhere"
    );

    // E-mails (outbox transport): HTML parts escape what they quote.
    let mails = assert_mails_inert(server.data_dir().path());
    assert!(!mails.is_empty(), "no e-mail to check");
}

/// Checks every e-mail of the outbox in `data_dir` for live markup in its
/// HTML part; returns the raw e-mails.
pub fn assert_mails_inert(data_dir: &std::path::Path) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for file in outbox_files(data_dir) {
        let raw = std::fs::read(&file).expect("mail");
        let parsed = mail_parser::MessageParser::default()
            .parse(&raw)
            .expect("a parsable mail");
        if let Some(html) = parsed.body_html(0) {
            assert_inert(&format!("e-mail {}", file.display()), &html);
        }
        out.push(raw);
    }
    out
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cr_and_lf_never_reach_a_header() {
    let (server, world) = start_world().await;
    let all = clients(&server, &world).await;
    let anon = client(&all, Who::Anonymous);
    let admin = client(&all, Who::AdminA);
    let injected = "Betreff\r\nBcc: injected@evil.example\r\nX-Injected: 1";

    // In request paths and queries (percent-encoded CR LF).
    for path in [
        "/login?x=%0d%0aSet-Cookie:%20injected=1",
        "/%0d%0aSet-Cookie:%20injected=1",
        "/nutzer?suche=%0d%0aX-Injected:%201",
    ] {
        for c in [anon, admin] {
            let page = c.get(path).await;
            for (name, value) in &page.headers {
                let v = value.to_str().unwrap_or("");
                assert!(
                    !name.as_str().contains("injected") && !v.contains("injected"),
                    "{path}: header {name}: {v}"
                );
            }
        }
    }
    // In form fields that go into e-mails and redirects.
    for path in ["/feedback", "/support"] {
        let form = anon.get(path).await;
        let res = form
            .form_with_button("Senden")
            .set("betreff", injected)
            .fill("Text", "Text")
            .fill(
                "E-Mail-Adresse",
                "crlf@example.org\r\nBcc: injected@evil.example",
            )
            .submit(anon)
            .await;
        assert!(res.status < 500);
    }
    let form = admin.get("/nutzer/neu").await;
    let res = form
        .form_with_button("Anlegen")
        .fill("Vorname", injected)
        .fill("Name", injected)
        .fill(
            "E-Mail-Adresse",
            "crlf@blaugraben.example\r\nBcc: injected@evil.example",
        )
        .submit(admin)
        .await;
    assert_ne!(res.status, 303, "a name with CR/LF was accepted");
    for file in outbox_files(server.data_dir().path()) {
        let raw = String::from_utf8_lossy(&std::fs::read(&file).expect("mail")).into_owned();
        let head = raw.split("\r\n\r\n").next().unwrap_or("");
        assert!(
            !head.to_ascii_lowercase().contains("injected"),
            "{}: {head}",
            file.display()
        );
    }
}

/// The return parameters an attacker would try.
const RETURN_PARAMS: [&str; 8] = [
    "next", "return", "redirect", "url", "ziel", "zurueck", "weiter", "returnTo",
];
const OFF_SITE: [&str; 4] = [
    "//evil.example/",
    "https://evil.example/",
    "/\\evil.example",
    "/%2F%2Fevil.example",
];

/// A `Location` that stays on this portal: a path, not `//host` or
/// `/\host` (which browsers read as another host), no backslash at all.
/// (`/%2F%2Fevil.example` is a path on this portal.)
fn local(location: &str) -> bool {
    location.starts_with('/') && !location.starts_with("//") && !location.contains('\\')
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_return_parameter_leads_off_site() {
    let (server, world) = start_world().await;
    let all = clients(&server, &world).await;
    let mut tried = 0;
    for (who, c) in &all {
        let csrf = csrf_of(c).await;
        for (method, template, _) in DECLARED {
            if template.contains('{') || *template == "/abmelden" || *template == "/login/abbrechen"
            {
                continue;
            }
            for target in OFF_SITE {
                let query: Vec<String> = RETURN_PARAMS
                    .iter()
                    .map(|p| format!("{p}={}", urlencode(target)))
                    .collect();
                let path = format!("{template}?{}", query.join("&"));
                let page = if *method == "GET" {
                    c.get(&path).await
                } else {
                    c.post_form(&path, &[("csrf", &csrf)]).await
                };
                tried += 1;
                if let Some(loc) = &page.location {
                    assert!(local(loc), "{method} {path} as {who:?} → {loc}");
                }
            }
        }
        // "Ich bin noch hier" without script goes back to the Referer.
        for target in OFF_SITE {
            for referer in [target.to_owned(), format!("http://evil.example{target}")] {
                let page = c
                    .post_form_with(
                        "/sitzung/verlaengern",
                        &[("csrf", &csrf)],
                        &[("Referer", &referer)],
                    )
                    .await;
                tried += 1;
                if let Some(loc) = &page.location {
                    assert!(
                        local(loc),
                        "keep-alive with Referer {referer} as {who:?} → {loc}"
                    );
                }
            }
        }
    }
    // Paths that look like another host.
    for path in ["//evil.example/", "/\\evil.example", "/%5Cevil.example"] {
        let page = all[0].1.get(path).await;
        if let Some(loc) = &page.location {
            assert!(local(loc), "{path} → {loc}");
        }
    }
    eprintln!("open redirect: {tried} requests with off-site return targets, none left the portal");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversize_bodies_and_100000_field_forms_are_refused_quickly() {
    let (server, _world) = start_world().await;
    let anon = server.client();
    let csrf = csrf_of(&anon).await;
    let http = reqwest::Client::new();

    // 100,000 empty fields (200 KB, under the byte limit).
    let mut body = format!("csrf={csrf}");
    for _ in 0..100_000 {
        body.push_str("&a");
    }
    let started = Instant::now();
    let page = anon
        .post_raw(
            "/feedback",
            "application/x-www-form-urlencoded",
            body.into_bytes(),
        )
        .await;
    let took = started.elapsed();
    assert_eq!(page.status, 413, "100,000 fields: {}", page.status);
    assert!(
        took < Duration::from_secs(2),
        "100,000 fields took {took:?}"
    );
    page.assert_contains("zu groß");

    // 13 MiB: over every limit, refused without reading it all.
    let big = vec![b'a'; 13 * 1024 * 1024];
    let started = Instant::now();
    let res = http
        .post(server.url("/feedback"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(big)
        .send()
        .await;
    let took = started.elapsed();
    if let Ok(res) = res {
        assert_eq!(res.status().as_u16(), 413);
    }
    assert!(took < Duration::from_secs(2), "13 MiB took {took:?}");
    // The portal still answers.
    anon.get("/login").await.assert_status(200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trace_is_refused_and_echoes_nothing() {
    let (server, _world) = start_world().await;
    let http = reqwest::Client::new();
    for path in ["/", "/login", "/faq", "/kassen/mitglieder"] {
        let res = http
            .request(reqwest::Method::TRACE, server.url(path))
            .header("X-Geheim", "geheimer-wert")
            .header("Cookie", "mv_session=geheim-cookie")
            .send()
            .await
            .expect("TRACE");
        let status = res.status().as_u16();
        let body = res.text().await.unwrap_or_default();
        assert!(status == 405 || status == 404, "TRACE {path}: {status}");
        assert!(
            !body.contains("geheimer-wert") && !body.contains("geheim-cookie"),
            "TRACE {path} echoed the request"
        );
    }
}
