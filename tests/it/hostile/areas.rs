//! Hostile input in messaging and functional use: markup in every free-text
//! field of a message (Betreff, Text, attachment name, filters), of an
//! answer by the Kassen, of a person's contact data, of a form report and
//! of an imported file is rendered inert on every page that shows it, and
//! in the e-mails it causes.

use crate::hostile::{PAYLOAD, assert_inert, assert_mails_inert};
use crate::messaging::{PDF, send};
use crate::support::accounts::signed_in;
use crate::support::persons::{self, beamter};
use crate::support::{Page, TestServer};

/// `s` for a URL query.
fn q(s: &str) -> String {
    s.bytes().map(|b| format!("%{b:02X}")).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn markup_in_messages_persons_forms_and_imports_is_rendered_inert() {
    let (server, people) = persons::start(TestServer::builder(), |a, _| {
        vec![beamter(a, "4711", "Muster", "Moritz")]
    })
    .await;
    let admin = signed_in(&server, &people.admin).await;
    let full = signed_in(&server, &people.full).await;
    let clerk = signed_in(&server, &people.sb_bh).await;
    let kassen = signed_in(&server, &people.kassen).await;
    let mut pages: Vec<(String, Page)> = Vec::new();

    // A message with markup in Betreff, Text and the attachment's name.
    let compose = admin.get("/postfach/administration/schreiben").await;
    let sent = send(
        &admin,
        &compose,
        &[
            ("Betreff", PAYLOAD),
            ("Bereich", "Beihilfe"),
            ("Thema", "Abrechnung"),
            ("Text", PAYLOAD),
        ],
        &[(&format!("{PAYLOAD}.pdf"), PDF.to_vec())],
    )
    .await;
    assert_eq!(sent.status, 303, "the message is sent: {}", sent.body);
    let message = sent.location.clone().unwrap_or_default();
    pages.push(("message (sender)".into(), admin.get(&message).await));
    for path in [
        "/postfach/administration".to_owned(),
        "/".to_owned(),
        format!("/suche?q={}", q("alert")),
        format!(
            "/postfach/administration?betreff={p}&referenz={p}&thema={p}&lesestatus={p}&postfach={p}",
            p = q(PAYLOAD)
        ),
    ] {
        let what = format!("{} (administrator)", path.split('?').next().unwrap_or(""));
        pages.push((what, admin.get(&path).await));
    }

    // The clerk of the Bereich Beihilfe reads and answers it with markup.
    let kassen_list = clerk.get("/postfach/kasse-beihilfe").await;
    let href = kassen_list
        .html()
        .select_attrs("table.messages tbody a", "href")
        .into_iter()
        .next()
        .expect("the message in the Kassenpostfach");
    let opened = clerk.get(&href).await;
    let reply = clerk.get(&format!("{href}/antworten")).await;
    let answered = send(&clerk, &reply, &[("Text", PAYLOAD)], &[]).await;
    assert_eq!(
        answered.status, 303,
        "the answer is sent: {}",
        answered.body
    );
    pages.push(("Kassenpostfach".into(), kassen_list));
    pages.push(("message (Kassen)".into(), opened));
    pages.push(("answer (Kassen)".into(), clerk.follow(&answered).await));
    pages.push((
        "administrator home after the answer".into(),
        admin.get("/").await,
    ));

    // Contact data with markup: refused or shown escaped.
    let edit = full.get("/anspruchsberechtigte/4711/bearbeiten").await;
    let saved = edit
        .form_with_button("Speichern")
        .fill("Straße", PAYLOAD)
        .fill("Ort", PAYLOAD)
        .fill("Telefon", PAYLOAD)
        .submit(&full)
        .await;
    pages.push(("contact edit (answer)".into(), saved));
    pages.push((
        "person details".into(),
        full.get("/anspruchsberechtigte/4711").await,
    ));
    pages.push((
        "persons list, filtered".into(),
        full.get(&format!(
            "/anspruchsberechtigte?name={p}&personalnummer={p}&art={p}",
            p = q(PAYLOAD)
        ))
        .await,
    ));

    // A form report with markup in its free text, to the Kassen.
    let list = full.get("/formulare").await;
    let form_href = list.html().link_hrefs("Beurlaubung ohne Dienstbezüge")[0].clone();
    let summary = full
        .get(&form_href)
        .await
        .form_with_button("Weiter")
        .select("Anspruchsberechtigte:r", "Muster, Moritz (4711)")
        .fill("Von", "01.03.2024")
        .fill("Bis", "31.08.2024")
        .fill("Grund der Beurlaubung", PAYLOAD)
        .fill("Bemerkung", PAYLOAD)
        .submit(&full)
        .await;
    pages.push(("form summary".into(), summary.clone()));
    if summary.has_button("Absenden") {
        let sent = summary.form_with_button("Absenden").submit(&full).await;
        pages.push(("form report".into(), full.follow(&sent).await));
    }
    let reports = kassen.get("/kassen/formularmeldungen").await;
    for href in reports.html().link_hrefs("Beurlaubung ohne Dienstbezüge") {
        pages.push((href.clone(), kassen.get(&href).await));
    }
    pages.push(("Formularmeldungen".into(), reports));
    pages.push((
        "Formularmeldungen, filtered".into(),
        kassen
            .get(&format!("/kassen/formularmeldungen?status={}", q(PAYLOAD)))
            .await,
    ));

    // An import with markup in Name and Vorname.
    let file = format!(
        "Personalnummer;Art;Name;Vorname;Geburtsdatum;Straße;PLZ;Ort;Telefon;E-Mail;Geschäftsbereich\n\
         4799;Beamter;{p};{p};01.02.1970;Weg 1;12345;Ort;;;Beamtenversorgung\n",
        p = PAYLOAD.replace(';', ",")
    );
    for button in ["Probelauf", "Importieren"] {
        let page = kassen.get("/kassen/datenimport").await;
        let res = page
            .form_with_button(button)
            .select("Mitglied", "Blaugraben (78970)")
            .select("Art der Datei", "Anspruchsberechtigte")
            .attach("CSV-Datei", &format!("{PAYLOAD}.csv"), file.as_bytes())
            .submit_with(&kassen, button)
            .await;
        pages.push((format!("Datenimport {button}"), res));
    }
    pages.push((
        "persons list after the import".into(),
        full.get("/anspruchsberechtigte").await,
    ));
    pages.push((
        "imported person".into(),
        full.get("/anspruchsberechtigte/4799").await,
    ));
    pages.push((
        "Protokoll (Kassen)".into(),
        kassen.get("/kassen/protokoll").await,
    ));
    pages.push((
        "Protokoll (administrator)".into(),
        admin.get("/protokoll").await,
    ));

    for (what, page) in &pages {
        assert!(page.status < 500, "{what}: {}", page.status);
        assert_inert(what, &page.body);
    }
    let escaped = pages
        .iter()
        .filter(|(_, p)| p.body.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        .count();
    assert!(
        escaped >= 5,
        "the payload is shown escaped on several pages (not vacuous): {escaped}"
    );

    // E-mails the messages caused: HTML parts escape what they quote, and
    // notifications name the mailbox only.
    for raw in assert_mails_inert(server.data_dir().path()) {
        assert!(
            !String::from_utf8_lossy(&raw).contains("alert("),
            "an e-mail quotes the message"
        );
    }
}
