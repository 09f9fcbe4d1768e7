//! Issue 13: Beamtenformulare (each form valid and invalid), the receipt
//! with its PDF in the mailbox of the Postfach-Konfiguration, and the
//! Kassen' Formularmeldungen.

use crate::persons::csrf_of;
use crate::support::accounts::signed_in;
use crate::support::persons::{self, People, beamter};
use crate::support::{Client, Page, TestServer};

async fn start() -> (TestServer, People) {
    persons::start(TestServer::builder(), |a, b| {
        let mut retired = beamter(a, "4713", "Ruhig", "Renate");
        retired.art = meine_versorgung::domain::persons::Art::Versorgungsempfaenger;
        retired.lebenslauf.clear();
        vec![
            beamter(a, "4711", "Muster", "Moritz"),
            retired,
            beamter(b, "4712", "Fremd", "Frieda"),
        ]
    })
    .await
}

/// Form, entries, the field with the problem, its message.
type Case = (
    &'static str,
    &'static [(&'static str, &'static str)],
    &'static str,
    &'static str,
);

/// Opens the form `label` from "Formulare".
async fn open_form(user: &Client, label: &str) -> Page {
    let list = user.get("/formulare").await;
    list.assert_status(200);
    let href = list.html().link_hrefs(label);
    assert_eq!(href.len(), 1, "link {label:?} on Formulare");
    let page = user.get(&href[0]).await;
    page.assert_status(200);
    page
}

/// Fills the form, presses "Weiter" and "Absenden"; returns the report page.
async fn submit(user: &Client, label: &str, fields: &[(&str, &str)]) -> Page {
    let page = open_form(user, label).await;
    let mut form = page
        .form_with_button("Weiter")
        .select("Anspruchsberechtigte:r", "Muster, Moritz (4711)");
    for (l, v) in fields {
        form = if l.starts_with("Grund des") {
            form.select(l, v)
        } else {
            form.fill(l, v)
        };
    }
    let summary = form.submit(user).await;
    summary.assert_status(200);
    summary.assert_contains("Zusammenfassung");
    let sent = summary.form_with_button("Absenden").submit(user).await;
    assert_eq!(sent.status, 303, "{}", sent.body);
    let report = user.follow(&sent).await;
    report.assert_contains("Die Meldung wurde abgesandt.");
    report
}

#[tokio::test]
async fn each_form_checks_its_fields_and_is_sent_with_a_summary() {
    let (server, people) = start().await;
    let user = signed_in(&server, &people.full).await;
    let list = user.get("/formulare").await;
    for name in [
        "Änderung des Beschäftigungsumfangs",
        "Änderung der Besoldungsgruppe / Beförderung",
        "Beurlaubung ohne Dienstbezüge",
        "Ausscheiden aus dem Dienst",
    ] {
        list.assert_contains(name);
    }

    // Invalid entries, one form after the other.
    let cases: [Case; 4] = [
        (
            "Änderung des Beschäftigungsumfangs",
            &[
                ("Gültig ab", "01.01.2024"),
                ("Neuer Beschäftigungsumfang in %", "150"),
            ],
            "Neuer Beschäftigungsumfang in %",
            "Der Beschäftigungsumfang ist eine ganze Zahl von 1 bis 100.",
        ),
        (
            "Änderung der Besoldungsgruppe / Beförderung",
            &[
                ("Gültig ab", "01.01.1990"),
                ("Neue Amtsbezeichnung", "Stadtoberinspektor"),
                ("Neue Besoldungsgruppe", "A 10"),
            ],
            "Gültig ab",
            "Das Datum liegt außerhalb der Dienstzeit (ab 01.08.1995).",
        ),
        (
            "Beurlaubung ohne Dienstbezüge",
            &[("Von", "01.03.2024"), ("Bis", "01.02.2024")],
            "Bis",
            "„Bis“ darf nicht vor „Von“ liegen.",
        ),
        (
            "Ausscheiden aus dem Dienst",
            &[("Datum des Ausscheidens", "30.02.2024")],
            "Datum des Ausscheidens",
            "Bitte geben Sie „Datum des Ausscheidens“ als Datum TT.MM.JJJJ ein.",
        ),
    ];
    for (label, fields, field, message) in cases {
        let page = open_form(&user, label).await;
        let mut form = page
            .form_with_button("Weiter")
            .select("Anspruchsberechtigte:r", "Muster, Moritz (4711)");
        for (l, v) in fields {
            form = form.fill(l, v);
        }
        let res = form.submit(&user).await;
        res.assert_status(422);
        assert_eq!(
            res.html().field_error(field).as_deref(),
            Some(message),
            "{label}"
        );
        // What was typed stays.
        assert_eq!(
            res.form_with_button("Weiter").value(fields[0].0),
            fields[0].1
        );
    }
    // No person chosen, and a person who is no civil servant.
    let page = open_form(&user, "Beurlaubung ohne Dienstbezüge").await;
    let res = page
        .form_with_button("Weiter")
        .fill("Von", "01.03.2024")
        .fill("Bis", "01.04.2024")
        .submit(&user)
        .await;
    assert_eq!(
        res.html().field_error("Anspruchsberechtigte:r").as_deref(),
        Some("Bitte wählen Sie eine:n Anspruchsberechtigte:n aus.")
    );
    let csrf = csrf_of(&page);
    let res = user
        .post_form(
            "/formulare/beurlaubung",
            &[
                ("csrf", &csrf),
                ("person", "4713"),
                ("von", "01.03.2024"),
                ("bis", "01.04.2024"),
            ],
        )
        .await;
    res.assert_status(422);
    res.assert_contains("Beamtenformulare gibt es nur für aktive Beamte.");
    // Another organisation's person is not offered and not accepted.
    page.assert_not_contains("Fremd");
    user.post_form(
        "/formulare/beurlaubung",
        &[
            ("csrf", &csrf),
            ("person", "4712"),
            ("von", "01.03.2024"),
            ("bis", "01.04.2024"),
        ],
    )
    .await
    .assert_status(422);

    // "Zurück" on the summary leads back to the filled form; nothing is sent.
    let page = open_form(&user, "Beurlaubung ohne Dienstbezüge").await;
    let summary = page
        .form_with_button("Weiter")
        .select("Anspruchsberechtigte:r", "Muster, Moritz (4711)")
        .fill("Von", "01.03.2024")
        .fill("Bis", "31.08.2024")
        .submit(&user)
        .await;
    summary
        .assert_contains("Zusammenfassung")
        .assert_contains("31.08.2024");
    let back = summary
        .form_with_button("Zurück")
        .submit_with(&user, "Zurück")
        .await;
    back.assert_status(200);
    assert_eq!(back.form_with_button("Weiter").value("Bis"), "31.08.2024");
    user.get("/formulare").await.assert_contains("0 Meldungen");

    // Valid entries: summary, "Absenden", the report with its PDF.
    let reports = [
        submit(
            &user,
            "Änderung des Beschäftigungsumfangs",
            &[
                ("Gültig ab", "01.01.2024"),
                ("Neuer Beschäftigungsumfang in %", "75"),
            ],
        )
        .await,
        submit(
            &user,
            "Änderung der Besoldungsgruppe / Beförderung",
            &[
                ("Gültig ab", "01.04.2024"),
                ("Neue Amtsbezeichnung", "Stadtoberinspektor"),
                ("Neue Besoldungsgruppe", "A 10"),
            ],
        )
        .await,
        submit(
            &user,
            "Beurlaubung ohne Dienstbezüge",
            &[
                ("Von", "01.03.2024"),
                ("Bis", "31.08.2024"),
                ("Grund der Beurlaubung", "Elternzeit"),
            ],
        )
        .await,
        submit(
            &user,
            "Ausscheiden aus dem Dienst",
            &[
                ("Datum des Ausscheidens", "31.12.2024"),
                ("Grund des Ausscheidens", "Eintritt in den Ruhestand"),
            ],
        )
        .await,
    ];
    reports[0]
        .assert_contains("75 %")
        .assert_contains("Muster, Moritz");
    reports[2]
        .assert_contains("Elternzeit")
        .assert_contains("31.08.2024");
    reports[3].assert_contains("Eintritt in den Ruhestand");
    let pdf = user
        .get(&reports[1].html().link_hrefs("PDF herunterladen")[0])
        .await;
    pdf.assert_status(200);
    pdf.assert_header_contains("content-type", "application/pdf");
    assert!(pdf.body.starts_with("%PDF-"));
    let list = user.get("/formulare").await;
    list.assert_contains("4 Meldungen");
}

#[tokio::test]
async fn receipts_go_where_the_configuration_says_and_stay_there() {
    let (server, people) = start().await;
    let user = signed_in(&server, &people.full).await;
    let first = submit(
        &user,
        "Änderung des Beschäftigungsumfangs",
        &[
            ("Gültig ab", "01.01.2024"),
            ("Neuer Beschäftigungsumfang in %", "50"),
        ],
    )
    .await;
    first.assert_contains("Persönliches Postfach");
    let personal = user.get("/postfach/persoenlich").await;
    personal.assert_status(200);
    personal.assert_contains("Quittung: Änderung des Beschäftigungsumfangs");
    // The receipt carries the report's Referenz and the PDF.
    let referenz = first.select_texts("dl.facts dd")[0].clone();
    assert!(!referenz.is_empty());
    personal.assert_contains(&referenz);
    let links = personal
        .html()
        .select_attrs("a[href*='/nachricht/']", "href");
    assert_eq!(links.len(), 1, "{}", personal.body);
    let message = user.get(&links[0]).await;
    message.assert_status(200);
    let pdf_links: Vec<String> = message.html().select_attrs("a[href*='/anhang/']", "href");
    assert_eq!(pdf_links.len(), 1, "{}", message.body);
    let pdf = user.get(&pdf_links[0]).await;
    pdf.assert_header_contains("content-type", "application/pdf");
    assert!(pdf.body.starts_with("%PDF-"));
    // The receipt is a tagged PDF/A-3a with title and language.
    let (_, _, bytes) = user.get_bytes(&pdf_links[0]).await;
    crate::messaging::pdf::assert_pdfa(&bytes, "Änderung des Beschäftigungsumfangs");

    // The administrator switches to the group mailbox.
    let admin = signed_in(&server, &people.admin).await;
    let config = admin.get("/postfach-konfiguration").await;
    config
        .form_with_button("Speichern")
        .check("Gruppenpostfächer")
        .submit(&admin)
        .await
        .assert_redirect("/postfach-konfiguration?hinweis=gespeichert");
    let second = submit(
        &user,
        "Beurlaubung ohne Dienstbezüge",
        &[("Von", "01.03.2024"), ("Bis", "31.08.2024")],
    )
    .await;
    second.assert_contains("Gruppenpostfach Beamtenversorgung");
    let group = user.get("/postfach/beamtenversorgung").await;
    group.assert_status(200);
    group
        .assert_contains("Quittung: Beurlaubung ohne Dienstbezüge")
        .assert_not_contains("Quittung: Änderung des Beschäftigungsumfangs");
    // The earlier receipt stayed in the personal mailbox.
    user.get("/postfach/persoenlich")
        .await
        .assert_contains("Quittung: Änderung des Beschäftigungsumfangs")
        .assert_not_contains("Quittung: Beurlaubung ohne Dienstbezüge");
}

#[tokio::test]
async fn the_kassen_see_reports_and_set_their_status() {
    let (server, people) = start().await;
    let user = signed_in(&server, &people.full).await;
    let report = submit(
        &user,
        "Ausscheiden aus dem Dienst",
        &[
            ("Datum des Ausscheidens", "31.12.2024"),
            ("Grund des Ausscheidens", "Entlassung"),
        ],
    )
    .await;
    let own_path = report.url.split('?').next().unwrap_or_default().to_owned();
    let own_path = own_path
        .trim_start_matches(&format!("http://{}", server.local_addr))
        .to_owned();

    // Another organisation's user: 404 for the report and its PDF.
    let other = signed_in(&server, &people.other).await;
    other.get(&own_path).await.assert_status(404);
    other
        .get(&format!("{own_path}/pdf"))
        .await
        .assert_status(404);
    other.get("/formulare").await.assert_contains("0 Meldungen");

    let sb = signed_in(&server, &people.sb_bv).await;
    let list = sb.get("/kassen/formularmeldungen").await;
    list.assert_status(200);
    list.assert_contains("Ausscheiden aus dem Dienst")
        .assert_contains("Muster, Moritz")
        .assert_contains("eingegangen")
        .assert_contains("1 Meldung")
        .assert_not_contains("1 Meldungen");
    let details = sb
        .get(&list.html().link_hrefs("Ausscheiden aus dem Dienst")[0])
        .await;
    details
        .assert_contains("Blaugraben (78970)")
        .assert_contains("Entlassung");
    let pdf = sb
        .get(&details.html().link_hrefs("PDF herunterladen")[0])
        .await;
    assert!(pdf.body.starts_with("%PDF-"));
    let moved = details
        .form_with_button("Status: in Bearbeitung")
        .submit(&sb)
        .await;
    let details = sb.follow(&moved).await;
    details.assert_contains("Der Status wurde geändert.");
    let filtered = sb.get("/kassen/formularmeldungen?status=eingegangen").await;
    filtered.assert_contains("Keine Daten vorhanden");
    let filtered = sb
        .get("/kassen/formularmeldungen?status=in-bearbeitung")
        .await;
    filtered.assert_contains("Muster, Moritz");
    // The organisation sees the new status.
    user.get(&own_path).await.assert_contains("in Bearbeitung");
    // The Portaladministration sees them too, and the change is audited.
    let kassen = signed_in(&server, &people.kassen).await;
    kassen
        .get("/kassen/formularmeldungen")
        .await
        .assert_contains("Muster, Moritz");
    kassen
        .get("/kassen/protokoll")
        .await
        .assert_contains("Status einer Formularmeldung geändert")
        .assert_contains("Formular abgesandt");
}
