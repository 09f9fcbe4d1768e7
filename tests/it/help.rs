//! Help features (SPEC §5, §9, handbook §2 and §9): the FAQ kept by the
//! Kassen, the feedback and support forms with the inbox "Rückmeldungen",
//! and the search of the header.

use crate::support::accounts::{TestAccount, signed_in, start_with_kassen_and_admin};
use crate::support::{Client, Page, SmtpServer, TIMEOUT, TestServer};

const EMPTY_FAQ: &str = "Derzeit sind keine häufig gestellten Fragen vorhanden.";

/// The `(id, question)` of every row of "FAQ verwalten", in order.
fn kassen_faq_rows(page: &Page) -> Vec<(String, String)> {
    let html = page.html();
    let hrefs = html.select_attrs("tbody td a[href^='/kassen/faq/']", "href");
    let texts = html.select_texts("tbody td a[href^='/kassen/faq/']");
    hrefs
        .into_iter()
        .map(|h| h.trim_start_matches("/kassen/faq/").to_owned())
        .zip(texts)
        .collect()
}

/// The questions of the public FAQ page, in order.
fn public_questions(page: &Page) -> Vec<String> {
    page.select_texts("section.faq-entry h2")
}

async fn create_faq(kasse: &Client, question: &str, answer: &str) {
    let page = kasse.get("/kassen/faq/neu").await;
    page.assert_status(200);
    let res = page
        .form_with_button("Anlegen")
        .fill("Frage", question)
        .fill("Antwort", answer)
        .submit(kasse)
        .await;
    res.assert_redirect("/kassen/faq?hinweis=angelegt");
}

async fn press_on_list(kasse: &Client, button: &str) {
    let list = kasse.get("/kassen/faq").await;
    let res = list.form_with_button(button).submit(kasse).await;
    res.assert_redirect("/kassen/faq?hinweis=verschoben");
}

async fn start() -> (TestServer, SmtpServer, Client, TestAccount, Client) {
    let smtp = SmtpServer::start().await;
    let (server, kassen, admin) =
        start_with_kassen_and_admin(TestServer::builder().smtp(&smtp)).await;
    let kasse = signed_in(&server, &kassen).await;
    let org_admin = signed_in(&server, &admin).await;
    (server, smtp, kasse, kassen, org_admin)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_kassen_keep_the_faq_and_everyone_reads_it() {
    let (server, _smtp, kasse, _, org_admin) = start().await;
    let anon = server.client();

    let home = kasse.get("/").await;
    home.assert_status(200);
    assert!(
        !home.html().link_hrefs("FAQ verwalten").is_empty(),
        "nav: FAQ verwalten"
    );
    assert!(
        !home.html().link_hrefs("Rückmeldungen").is_empty(),
        "nav: Rückmeldungen"
    );

    let faq = anon.get("/faq").await;
    faq.assert_status(200)
        .assert_contains("FAQ – Häufig gestellte Fragen")
        .assert_contains(EMPTY_FAQ);
    kasse
        .get("/kassen/faq")
        .await
        .assert_contains("Keine Daten vorhanden");

    // Validation at the field; nothing stored.
    let page = kasse.get("/kassen/faq/neu").await;
    let res = page
        .form_with_button("Anlegen")
        .fill("Frage", "   ")
        .submit(&kasse)
        .await;
    res.assert_status(422);
    assert_eq!(
        res.html().field_error("Frage").as_deref(),
        Some("Bitte geben Sie eine Frage ein.")
    );
    assert_eq!(
        res.html().field_error("Antwort").as_deref(),
        Some("Bitte geben Sie eine Antwort ein.")
    );
    let res = page
        .form_with_button("Anlegen")
        .fill("Frage", &"F".repeat(301))
        .fill("Antwort", "Eine Antwort.")
        .submit(&kasse)
        .await;
    res.assert_status(422);
    assert_eq!(
        res.html().field_error("Frage").as_deref(),
        Some("Die Frage darf höchstens 300 Zeichen lang sein.")
    );
    assert_eq!(res.html().field_error("Antwort"), None);
    assert!(kassen_faq_rows(&kasse.get("/kassen/faq").await).is_empty());

    create_faq(&kasse, "Frage Eins?", "Antwort eins.").await;
    create_faq(
        &kasse,
        "Passwort vergessen?",
        "Über die Schaltfläche „Passwort vergessen“ erhalten Sie eine E-Mail mit einem Link.\n\nDer Link gilt nur begrenzte Zeit.",
    )
    .await;
    create_faq(&kasse, "Frage Drei?", "Antwort drei.").await;
    let rows = kassen_faq_rows(&kasse.get("/kassen/faq").await);
    let questions: Vec<_> = rows.iter().map(|(_, q)| q.as_str()).collect();
    assert_eq!(
        questions,
        ["Frage Eins?", "Passwort vergessen?", "Frage Drei?"]
    );
    let id_of = |q: &str| {
        rows.iter()
            .find(|(_, question)| question == q)
            .map(|(id, _)| id.clone())
            .expect("row")
    };
    let (one, pw, three) = (
        id_of("Frage Eins?"),
        id_of("Passwort vergessen?"),
        id_of("Frage Drei?"),
    );

    // Reorder: "Frage Eins?" down, then "Frage Drei?" up.
    press_on_list(&kasse, "Nach unten verschieben: Frage Eins?").await;
    press_on_list(&kasse, "Nach oben verschieben: Frage Drei?").await;
    let order: Vec<_> = kassen_faq_rows(&kasse.get("/kassen/faq").await)
        .into_iter()
        .map(|(_, q)| q)
        .collect();
    assert_eq!(order, ["Passwort vergessen?", "Frage Drei?", "Frage Eins?"]);
    let list = kasse.get("/kassen/faq").await;
    assert!(
        !list.has_button("Nach oben verschieben: Passwort vergessen?")
            && !list.has_button("Nach unten verschieben: Frage Eins?"),
        "no moves beyond the ends"
    );

    // Edit: an error at the field, then saved.
    let edit = kasse.get(&format!("/kassen/faq/{three}")).await;
    edit.assert_status(200);
    let res = edit
        .form_with_button("Speichern")
        .fill("Antwort", "")
        .submit(&kasse)
        .await;
    res.assert_status(422);
    assert_eq!(
        res.html().field_error("Antwort").as_deref(),
        Some("Bitte geben Sie eine Antwort ein.")
    );
    let res = edit
        .form_with_button("Speichern")
        .fill("Frage", "Frage Drei, geändert?")
        .fill("Antwort", "Antwort drei, neu.")
        .submit(&kasse)
        .await;
    res.assert_redirect(&format!("/kassen/faq/{three}?hinweis=gespeichert"));
    kasse
        .follow(&res)
        .await
        .assert_contains("Die Änderungen wurden gespeichert.");

    // Delete with confirmation.
    let edit = kasse.get(&format!("/kassen/faq/{one}")).await;
    let delete = edit.html().link_hrefs("Löschen");
    assert_eq!(delete, [format!("/kassen/faq/{one}/loeschen")]);
    let confirm = kasse.get(&delete[0]).await;
    confirm.assert_status(200).assert_contains("Frage Eins?");
    let res = confirm
        .form_with_button("Endgültig löschen")
        .submit(&kasse)
        .await;
    res.assert_redirect("/kassen/faq?hinweis=geloescht");
    kasse
        .get(&format!("/kassen/faq/{one}"))
        .await
        .assert_status(404);

    // The public page: in order, with anchors, for anonymous and signed-in visitors.
    for client in [&anon, &org_admin, &kasse] {
        let faq = client.get("/faq").await;
        faq.assert_status(200);
        assert_eq!(
            public_questions(&faq),
            ["Passwort vergessen?", "Frage Drei, geändert?"]
        );
        let anchors = faq.html().select_attrs("section.faq-entry", "id");
        assert_eq!(anchors, [format!("faq-{pw}"), format!("faq-{three}")]);
        faq.assert_contains("Der Link gilt nur begrenzte Zeit.")
            .assert_not_contains("Frage Eins?");
    }

    // Every change is in the audit log.
    let log = kasse.get("/kassen/protokoll").await;
    for action in [
        "FAQ-Eintrag angelegt",
        "FAQ-Eintrag verschoben",
        "FAQ-Eintrag geändert",
        "FAQ-Eintrag gelöscht",
    ] {
        log.assert_contains(action);
    }
    log.assert_contains("FAQ-Eintrag „Frage Eins?“ gelöscht");

    // Search: a word of an answer, case-insensitive; the hit links to the anchor.
    for client in [&org_admin, &kasse] {
        let res = client.get("/suche?q=SCHALTFL%C3%84CHE").await;
        res.assert_status(200)
            .assert_contains("Suchergebnisse für „SCHALTFLÄCHE“");
        assert_eq!(
            res.html().link_hrefs("Passwort vergessen?"),
            [format!("/faq#faq-{pw}")]
        );
        res.assert_not_contains("Frage Drei");
        let none = client.get("/suche?q=Beihilfeantrag").await;
        none.assert_status(200)
            .assert_contains("Zu Ihrer Suche wurden keine Treffer gefunden.");
    }
    // The question matches too.
    kasse
        .get("/suche?q=drei")
        .await
        .assert_contains("Frage Drei, geändert?");
    anon.get("/suche?q=Passwort")
        .await
        .assert_redirect("/login");
}

/// The cells of the rows of "Rückmeldungen".
fn inbox_rows(page: &Page) -> Vec<Vec<String>> {
    let cells = page.select_texts("tbody tr td");
    if cells.len() == 1 {
        return Vec::new(); // "Keine Daten vorhanden"
    }
    cells.chunks(5).map(<[String]>::to_vec).collect()
}

/// Submits the form of `path` (`/feedback` or `/support`).
async fn send(client: &Client, path: &str, subject: &str, text: &str, email: &str) -> Page {
    let page = client.get(path).await;
    page.assert_status(200);
    page.form_with_button("Senden")
        .fill("Betreff", subject)
        .fill("Text", text)
        .fill("E-Mail-Adresse", email)
        .submit(client)
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn feedback_and_support_reach_the_rueckmeldungen() {
    let (server, smtp, kasse, kassen, org_admin) = start().await;
    let anon = server.client();
    let admin_id = org_admin
        .get("/")
        .await
        .text_of(".user-menu summary .user-id");

    // The form: fields, counter, validation at the field.
    let page = anon.get("/feedback").await;
    page.assert_status(200).assert_contains("0 / 10000");
    assert_eq!(
        page.html().select_attrs("textarea#f-text", "maxlength"),
        ["10000"]
    );
    let counter = page.html().select_attrs("textarea#f-text", "data-counter");
    assert_eq!(
        page.select_texts(&format!("#{}", counter[0])),
        ["0 / 10000"]
    );
    let res = send(&anon, "/feedback", "", "", "keine-adresse").await;
    res.assert_status(422);
    let html = res.html();
    assert_eq!(
        html.field_error("Betreff").as_deref(),
        Some("Bitte geben Sie einen Betreff ein.")
    );
    assert_eq!(
        html.field_error("Text").as_deref(),
        Some("Bitte geben Sie einen Text ein.")
    );
    assert!(
        html.field_error("E-Mail-Adresse")
            .is_some_and(|e| e.contains("gültige E-Mail-Adresse")),
        "e-mail error"
    );
    let res = send(&anon, "/support", "Zu lang", &"x".repeat(10_001), "").await;
    res.assert_status(422);
    assert_eq!(
        res.html().field_error("Text").as_deref(),
        Some("Der Text darf höchstens 10000 Zeichen lang sein.")
    );

    // Anonymous feedback, signed-in support.
    let res = send(
        &anon,
        "/feedback",
        "Lob",
        "Das Portal ist übersichtlich.",
        "",
    )
    .await;
    res.assert_redirect("/feedback/danke");
    anon.follow(&res)
        .await
        .assert_status(200)
        .assert_contains("Vielen Dank");
    let res = send(
        &org_admin,
        "/support",
        "Anmeldung klemmt",
        "Geheimer Inhalt: die TAN wird nicht angenommen.",
        "kim.mustermensch@blaugraben.example",
    )
    .await;
    res.assert_redirect("/support/danke");
    org_admin.follow(&res).await.assert_contains("Vielen Dank");

    // The Portaladministration is told, without the content.
    let mail = smtp
        .wait_for_mail(&kassen.email, "Neue Support-Anfrage", TIMEOUT)
        .await;
    assert!(!mail.text.contains("Geheimer Inhalt"), "{}", mail.text);
    assert!(!mail.text.contains("Anmeldung klemmt"), "{}", mail.text);

    // Rückmeldungen: newest first, Absender, Status.
    let list = kasse.get("/kassen/rueckmeldungen").await;
    list.assert_status(200);
    let rows = inbox_rows(&list);
    assert_eq!(rows.len(), 2, "{rows:?}");
    // Art, Betreff, Eingang, Absender, Status
    assert_eq!(
        [&rows[0][0], &rows[0][1], &rows[0][3], &rows[0][4]],
        ["Support", "Anmeldung klemmt", admin_id.as_str(), "neu"]
    );
    assert_eq!(
        [&rows[1][0], &rows[1][1], &rows[1][3], &rows[1][4]],
        ["Feedback", "Lob", "anonym", "neu"]
    );

    // Filters.
    let support = kasse.get("/kassen/rueckmeldungen?art=support").await;
    assert_eq!(inbox_rows(&support).len(), 1);
    support.assert_not_contains("Lob");

    // Details and "Als erledigt markieren" / "Wieder öffnen".
    let href = list.html().link_hrefs("Anmeldung klemmt");
    let details = kasse.get(&href[0]).await;
    details
        .assert_status(200)
        .assert_contains("Geheimer Inhalt: die TAN wird nicht angenommen.")
        .assert_contains("kim.mustermensch@blaugraben.example")
        .assert_contains("Blaugraben (78970)")
        .assert_contains(&admin_id);
    let res = details
        .form_with_button("Als erledigt markieren")
        .submit(&kasse)
        .await;
    res.assert_redirect(&format!("{}?hinweis=erledigt", href[0]));
    let done = kasse.follow(&res).await;
    done.assert_contains("Die Rückmeldung wurde als erledigt markiert.");
    assert!(done.has_button("Wieder öffnen"));
    let open = kasse.get("/kassen/rueckmeldungen?status=neu").await;
    assert_eq!(inbox_rows(&open).len(), 1);
    open.assert_contains("Lob")
        .assert_not_contains("Anmeldung klemmt");
    let finished = kasse
        .get("/kassen/rueckmeldungen?status=erledigt&art=support")
        .await;
    assert_eq!(inbox_rows(&finished).len(), 1);
    finished.assert_contains("Anmeldung klemmt");
    let res = done.form_with_button("Wieder öffnen").submit(&kasse).await;
    res.assert_redirect(&format!("{}?hinweis=geoeffnet", href[0]));
    let log = kasse.get("/kassen/protokoll").await;
    log.assert_contains("Rückmeldung erledigt")
        .assert_contains("Rückmeldung wieder geöffnet");

    // Only the Portaladministration reaches these pages.
    for p in [
        "/kassen/faq",
        "/kassen/faq/neu",
        "/kassen/rueckmeldungen",
        href[0].as_str(),
    ] {
        org_admin.get(p).await.assert_status(404);
    }
    let csrf = org_admin
        .get("/")
        .await
        .html()
        .select_attrs("meta[name=csrf-token]", "content")
        .pop()
        .expect("csrf");
    org_admin
        .post_form(&format!("{}/erledigt", href[0]), &[("csrf", csrf.as_str())])
        .await
        .assert_status(404);
    org_admin
        .post_form(
            "/kassen/faq/neu",
            &[("csrf", csrf.as_str()), ("frage", "F"), ("antwort", "A")],
        )
        .await
        .assert_status(404);
    anon.get("/kassen/rueckmeldungen")
        .await
        .assert_redirect("/login");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_eleventh_message_from_one_address_within_an_hour_is_refused() {
    let server = TestServer::start().await;
    let anon = server.client();
    for i in 1..=10 {
        let path = if i % 2 == 0 { "/feedback" } else { "/support" };
        send(&anon, path, &format!("Nachricht {i}"), "Text", "")
            .await
            .assert_redirect(&format!("{path}/danke"));
    }
    // Another client from the same address is refused as well.
    let other = server.client();
    let res = send(&other, "/feedback", "Nachricht 11", "Text", "").await;
    res.assert_status(429)
        .assert_contains("zu viele Nachrichten")
        .assert_contains("Nachricht 11");
}
