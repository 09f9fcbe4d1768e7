//! Messaging over HTTP (handbook §8, issue 12): Schreiben with attachments,
//! the Kassenpostfach, replies with notifications, filters, marks,
//! retention, refused uploads, access and search.

/// Messaging in daily use (issue 20): authors, quotes, counters, unread counts.
mod daily;
/// Quick filters, the filter menu, marks, retention, conversations of the Kassen.
mod filters;
/// Conversations started by the Kassen-Sachbearbeitung (SPEC §2).
mod kassen;
/// "Als PDF exportieren".
pub mod pdf;
/// The search and the Betreff and Referenz filters.
mod search;
/// Who opened a shared message first; the Kassenpostfach's Mitglied column.
mod shared;

use meine_versorgung::domain::account::{Grants, Role};
use meine_versorgung::domain::org::{Bereich, GroupMailbox, PortalFunction};
use meine_versorgung::store::{self, Store};

use crate::support::accounts::{PASSWORD, TestAccount, organisation, seed_active, signed_in};
use crate::support::{Client, Page, SmtpServer, TIMEOUT, TestServer, TestServerBuilder};

pub struct World {
    pub server: TestServer,
    pub smtp: SmtpServer,
    pub admin_a: TestAccount,
    pub user_a: TestAccount,
    pub plain_a: TestAccount,
    pub admin_b: TestAccount,
    pub clerk_beihilfe: TestAccount,
    pub clerk_zv: TestAccount,
    pub org_b: u64,
}

pub const NOTIFY_1: &str = "postfach1@blaugraben.example";
pub const NOTIFY_2: &str = "postfach2@blaugraben.example";

/// Two organisations (Blaugraben with notification addresses for
/// Administration), their people and two Kassen clerks.
pub async fn world(env: &[(&str, &str)]) -> World {
    let smtp = SmtpServer::start().await;
    let mut builder: TestServerBuilder = TestServer::builder().smtp(&smtp);
    for (k, v) in env {
        builder = builder.env(k, *v);
    }
    let config = builder.config();
    let store = Store::open(&config.data_dir).expect("open store");
    let hasher =
        meine_versorgung::app::passwords::PasswordHasher::new(&config.argon2).expect("hasher");
    let hash = hasher.hash_blocking(PASSWORD).expect("hash");
    let (people, org_b) = store
        .write(|tx| {
            let mut a = organisation("Blaugraben", "78970");
            a.id = store::next_id(tx, "org")?;
            a.group_emails.insert(
                GroupMailbox::Administration,
                vec![NOTIFY_1.to_owned(), NOTIFY_2.to_owned()],
            );
            store::orgs::put(tx, &a)?;
            let mut b = organisation("Grünwald", "12345");
            b.id = store::next_id(tx, "org")?;
            store::orgs::put(tx, &b)?;
            let mut people = Vec::new();
            let roles = [
                Role::OrgAdmin { org: a.id },
                Role::OrgUser {
                    org: a.id,
                    grants: Grants {
                        mailboxes: vec![GroupMailbox::Beihilfe],
                        functions: vec![PortalFunction::Postfach],
                    },
                },
                Role::OrgUser {
                    org: a.id,
                    grants: Grants::default(),
                },
                Role::OrgAdmin { org: b.id },
                Role::Kassen {
                    portal_admin: false,
                    sachbearbeitung: vec![Bereich::Beihilfe],
                },
                Role::Kassen {
                    portal_admin: false,
                    sachbearbeitung: vec![Bereich::Zusatzversorgung],
                },
            ];
            for (i, role) in roles.into_iter().enumerate() {
                let (last, email) = (format!("Person{i}"), format!("person{i}@example.org"));
                people.push(seed_active(tx, role, ("Kim", &last, &email), &hash)?);
            }
            Ok::<_, store::Error>((people, b.id))
        })
        .expect("seed");
    drop(store);
    let server = builder.start().await;
    let mut p = people.into_iter();
    let mut next = || p.next().expect("person");
    World {
        server,
        smtp,
        admin_a: next(),
        user_a: next(),
        plain_a: next(),
        admin_b: next(),
        clerk_beihilfe: next(),
        clerk_zv: next(),
        org_b,
    }
}

pub const PDF: &[u8] = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n";
pub const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x02\0\0\0\x90wS\xde";
pub const CSV: &[u8] = b"Name;Vorname;Betrag\nMuster;Kim;12,50\n";

/// Fills the Schreiben (or Antworten) form on `page` and posts it with
/// `files` in the one file input "Anhang hinzufügen".
pub async fn send(
    client: &Client,
    page: &Page,
    fields: &[(&str, &str)],
    files: &[(&str, Vec<u8>)],
) -> Page {
    let mut form = page.form_with_button("Senden");
    for (label, value) in fields {
        form = form.fill(label, value);
    }
    let mut mp = reqwest::multipart::Form::new();
    for (k, v) in form.pairs() {
        mp = mp.text(k, v);
    }
    for (name, bytes) in files {
        mp = mp.part(
            "anhang",
            reqwest::multipart::Part::bytes(bytes.clone()).file_name(name.to_string()),
        );
    }
    client.post_multipart(&form.target(), mp).await
}

/// Writes a message from `mailbox` through the form; returns the message
/// page after the redirect.
pub async fn write(
    client: &Client,
    mailbox: &str,
    subject: &str,
    bereich: &str,
    thema: &str,
    text: &str,
    files: &[(&str, Vec<u8>)],
) -> Page {
    let page = client.get(&format!("/postfach/{mailbox}/schreiben")).await;
    page.assert_status(200);
    let res = send(
        client,
        &page,
        &[
            ("Betreff", subject),
            ("Bereich", bereich),
            ("Thema", thema),
            ("Text", text),
        ],
        files,
    )
    .await;
    res.assert_redirect(&format!("/postfach/{mailbox}/nachricht/"));
    client.follow(&res).await
}

/// The rows of the mailbox table: (Betreff cell, Referenz, Bereich, Thema).
pub fn rows(page: &Page) -> Vec<(String, String, String, String)> {
    let cells = |n: usize| page.select_texts(&format!("table.messages tbody tr td:nth-child({n})"));
    let s = page.select_texts("table.messages tbody tr td:nth-child(2) a");
    let (r, b, t) = (cells(3), cells(4), cells(5));
    if page.text().contains("Keine Daten vorhanden") {
        return Vec::new();
    }
    (0..s.len())
        .map(|i| (s[i].clone(), r[i].clone(), b[i].clone(), t[i].clone()))
        .collect()
}

pub fn subjects(page: &Page) -> Vec<String> {
    rows(page).into_iter().map(|r| r.0).collect()
}

/// The message id at the end of a message URL.
pub fn message_id(url: &str) -> String {
    url.split("/nachricht/")
        .nth(1)
        .and_then(|s| s.split(['/', '?']).next())
        .expect("message url")
        .to_owned()
}

#[tokio::test]
async fn a_conversation_with_attachments_reaches_the_right_clerk_and_the_reply_notifies() {
    let w = world(&[]).await;
    let admin = signed_in(&w.server, &w.admin_a).await;
    // "Gruppenpostfächer" leads an administrator to Administration.
    let home = admin.get("/").await;
    home.assert_contains("Gruppenpostfächer");
    let index = admin.get("/postfach").await;
    index.assert_redirect("/postfach/administration");
    let empty = admin.follow(&index).await;
    empty.assert_contains("Postfach: Administration");
    empty.assert_contains("Ihre Kommunikation mit der Versorgungskasse");
    empty.assert_contains("Keine Daten vorhanden");
    empty.assert_contains("0 von 0");

    let sent = write(
        &admin,
        "administration",
        "Beitragsabrechnung März",
        "Beihilfe",
        "Abrechnung",
        "Sehr geehrte Damen und Herren,\n\nanbei die Abrechnung. <b>kein HTML</b>",
        &[
            ("Abrechnung.pdf", PDF.to_vec()),
            ("Foto.png", PNG.to_vec()),
            ("Liste März.csv", CSV.to_vec()),
        ],
    )
    .await;
    sent.assert_contains("Ihre Nachricht wurde gesendet.");
    sent.assert_contains("&lt;b&gt;kein HTML&lt;/b&gt;");
    sent.assert_contains("Liste_Maerz.csv");
    let list = admin
        .get("/postfach/administration?postfach=ausgehend")
        .await;
    let r = rows(&list);
    assert_eq!(r.len(), 1, "{}", list.text());
    let referenz = r[0].1.clone();
    assert!(
        referenz.len() == 11 && referenz.as_bytes()[4] == b'-',
        "readable Referenz: {referenz}"
    );
    assert_eq!(r[0].2, "Beihilfe");
    assert_eq!(r[0].3, "Abrechnung");
    assert!(
        subjects(
            &admin
                .get("/postfach/administration?postfach=eingehend")
                .await
        )
        .is_empty()
    );

    // The clerk of Beihilfe sees it in the Kassenpostfach, the clerk of
    // Zusatzversorgung does not.
    let clerk = signed_in(&w.server, &w.clerk_beihilfe).await;
    clerk.get("/").await.assert_contains("Kassenpostfach");
    let kp = clerk.follow(&clerk.get("/postfach").await).await;
    kp.assert_contains("Beitragsabrechnung März");
    assert_eq!(rows(&kp)[0].1, referenz);
    let other = signed_in(&w.server, &w.clerk_zv).await;
    let zv = other.follow(&other.get("/postfach").await).await;
    zv.assert_not_contains("Beitragsabrechnung");
    other
        .get("/postfach/kasse-beihilfe")
        .await
        .assert_status(404);

    // The clerk opens it and downloads the attachments.
    let link = kp.html().link_hrefs("Beitragsabrechnung März")[0].clone();
    let view = clerk.get(&link).await;
    view.assert_status(200);
    view.assert_contains("Blaugraben (78970), Gruppenpostfach Administration");
    let csv = clerk.get(&format!("{link}/anhang/3")).await;
    csv.assert_status(200);
    assert_eq!(csv.body.as_bytes(), CSV);
    assert_eq!(csv.header("content-type"), Some("text/csv"));
    assert_eq!(csv.header("x-content-type-options"), Some("nosniff"));
    let disposition = csv.header("content-disposition").unwrap_or_default();
    assert!(disposition.starts_with("attachment;"), "{disposition}");
    assert!(
        disposition.contains("filename=\"Liste_Maerz.csv\""),
        "{disposition}"
    );
    let pdf = clerk.get(&format!("{link}/anhang/1")).await;
    assert_eq!(pdf.header("content-type"), Some("application/pdf"));
    assert_eq!(
        pdf.header("content-length"),
        Some(PDF.len().to_string().as_str())
    );
    clerk
        .get(&format!("{link}/anhang/4"))
        .await
        .assert_status(404);

    // "Antworten": same Referenz, arrives as Eingehend, notifies each address.
    let reply_page = clerk.get(&format!("{link}/antworten")).await;
    reply_page.assert_contains(&referenz);
    let res = send(
        &clerk,
        &reply_page,
        &[(
            "Text",
            "Vielen Dank, die Abrechnung ist eingegangen. Geheimer Inhalt.",
        )],
        &[("Bescheid.pdf", PDF.to_vec())],
    )
    .await;
    res.assert_redirect("/postfach/kasse-beihilfe/nachricht/");
    let inbox = admin
        .get("/postfach/administration?postfach=eingehend")
        .await;
    let r = rows(&inbox);
    assert_eq!(r.len(), 1, "{}", inbox.text());
    assert_eq!(r[0].0, "AW: Beitragsabrechnung März");
    assert_eq!(r[0].1, referenz);
    assert_eq!(
        inbox.select_texts("tr.unread").len(),
        1,
        "the reply is unread"
    );
    for to in [NOTIFY_1, NOTIFY_2] {
        let mail = w
            .smtp
            .wait_for_mail(to, "Neue Nachricht im Gruppenpostfach", TIMEOUT)
            .await;
        assert!(mail.text.contains("Administration"), "{}", mail.text);
        assert!(!mail.text.contains("Geheimer Inhalt"));
        assert!(!mail.text.contains("Beitragsabrechnung"));
        assert!(!mail.subject.contains("Beitragsabrechnung"));
    }
    assert_eq!(w.smtp.mails_to(NOTIFY_1).len(), 1);
    assert_eq!(w.smtp.mails_to(NOTIFY_2).len(), 1);
    // The whole conversation under its Referenz.
    let conv = admin
        .get(&format!("/postfach/administration?referenz={referenz}"))
        .await;
    assert_eq!(subjects(&conv).len(), 2);
    // The home page lists the new message and opens it.
    let home = admin.get("/").await;
    let href = home.html().link_hrefs("AW: Beitragsabrechnung März")[0].clone();
    admin.get(&href).await.assert_contains("Vielen Dank");
}

#[tokio::test]
async fn bad_attachments_are_refused_or_neutralised_and_nothing_is_stored() {
    let w = world(&[]).await;
    let admin = signed_in(&w.server, &w.admin_a).await;
    let page = admin.get("/postfach/administration/schreiben").await;
    let fields = [
        ("Betreff", "Unterlagen"),
        ("Bereich", "Beihilfe"),
        ("Thema", "Abrechnung"),
        ("Text", "Bitte prüfen."),
    ];
    let eleven: Vec<(&str, Vec<u8>)> = (0..11).map(|_| ("a.pdf", PDF.to_vec())).collect();
    let mut big = PDF.to_vec();
    big.resize(10 * 1024 * 1024 + 1, b' ');
    let exe = b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xff\xff\0\0\xb8\0\0\0\0\0\0\0@".to_vec();
    let html = b"<!DOCTYPE html><html><script>alert(1)</script></html>".to_vec();
    type Files<'a> = Vec<(&'a str, Vec<u8>)>;
    let cases: Vec<(Files<'_>, &str)> = vec![
        (eleven, "höchstens 10 Anhänge"),
        (vec![("gross.pdf", big)], "größer als 10 MB"),
        (vec![("rechnung.pdf", exe)], "keine zulässige"),
        (vec![("bild.png", html)], "keine zulässige"),
        (vec![("leer.csv", Vec::new())], "ist leer"),
    ];
    for (files, message) in cases {
        let res = send(&admin, &page, &fields, &files).await;
        res.assert_status(422);
        res.assert_contains(message);
        res.assert_contains("Bitte wählen Sie eventuelle Anhänge erneut aus.");
        // What was typed is kept.
        assert_eq!(
            res.form_with_button("Senden").value("Betreff"),
            "Unterlagen"
        );
    }
    let list = admin
        .get("/postfach/administration?postfach=ausgehend")
        .await;
    assert!(
        subjects(&list).is_empty(),
        "nothing stored: {}",
        list.text()
    );
    // A missing Betreff names the field.
    let res = send(&admin, &page, &[("Text", "x")], &[]).await;
    res.assert_status(422);
    assert!(res.html().field_error("Betreff").is_some());
    // A path in the file name is neutralised.
    let view = write(
        &admin,
        "administration",
        "Pfad",
        "Beihilfe",
        "Abrechnung",
        "Anhang mit Pfad",
        &[("../../x.pdf", PDF.to_vec())],
    )
    .await;
    view.assert_contains("x.pdf");
    view.assert_not_contains("../");
    let link = format!(
        "/postfach/administration/nachricht/{}",
        message_id(&view.url)
    );
    let file = admin.get(&format!("{link}/anhang/1")).await;
    let d = file.header("content-disposition").unwrap_or_default();
    assert!(d.contains("filename=\"x.pdf\""), "{d}");
    // Staged uploads are gone once the request is answered.
    let staged: Vec<_> = std::fs::read_dir(w.server.data_dir().join("tmp"))
        .map(|d| d.flatten().map(|e| e.file_name()).collect())
        .unwrap_or_default();
    assert!(staged.is_empty(), "left behind: {staged:?}");
    // An oversize request is cut off before it is read.
    let huge = vec![b'a'; 12 * 1024 * 1024];
    let res = send(&admin, &page, &fields, &[("riesig.pdf", huge)]).await;
    assert_eq!(res.status, 413);
}

#[tokio::test]
async fn foreign_mailboxes_messages_and_attachments_answer_404() {
    let w = world(&[]).await;
    let admin = signed_in(&w.server, &w.admin_a).await;
    let view = write(
        &admin,
        "administration",
        "Vertraulich",
        "Beihilfe",
        "Abrechnung",
        "Nur für Administration",
        &[("a.pdf", PDF.to_vec())],
    )
    .await;
    let id = message_id(&view.url);
    let msg = format!("/postfach/administration/nachricht/{id}");
    let plain = signed_in(&w.server, &w.plain_a).await;
    let user = signed_in(&w.server, &w.user_a).await;
    let other_org = signed_in(&w.server, &w.admin_b).await;
    for client in [&plain, &user] {
        client
            .get("/postfach/administration")
            .await
            .assert_status(404);
        client.get(&msg).await.assert_status(404);
        client
            .get(&format!("{msg}/anhang/1"))
            .await
            .assert_status(404);
        client
            .get(&format!("{msg}/antworten"))
            .await
            .assert_status(404);
    }
    // Another organisation's administrator has an Administration mailbox of
    // its own; this message is not in it.
    other_org.get(&msg).await.assert_status(404);
    other_org
        .get(&format!("{msg}/anhang/1"))
        .await
        .assert_status(404);
    // The message's id through a mailbox the user may read: still 404.
    user.get("/postfach/beihilfe").await.assert_status(200);
    user.get(&format!("/postfach/beihilfe/nachricht/{id}"))
        .await
        .assert_status(404);
    user.get(&format!("/postfach/persoenlich/nachricht/{id}/anhang/1"))
        .await
        .assert_status(404);
    // Without the grant: no group mailbox, only the personal one.
    plain.get("/postfach/beihilfe").await.assert_status(404);
    plain.get("/postfach/persoenlich").await.assert_status(200);
    // Another organisation's administrator sees only its own Administration.
    let own = other_org.get("/postfach/administration").await;
    own.assert_status(200);
    own.assert_not_contains("Vertraulich");
}
