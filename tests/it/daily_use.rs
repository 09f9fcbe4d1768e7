//! Issue 20 (daily use): one Referenz for a report everywhere, an
//! idempotent "Absenden", the Mitglied column of the Formularmeldungen,
//! German singular and plural, the persons list's totals and filters, and
//! the contact edit's wording.

use crate::support::accounts::signed_in;
use crate::support::persons::{self, People, beamter};
use crate::support::{Client, Page, TestServer};

async fn start() -> (TestServer, People) {
    persons::start(TestServer::builder(), |a, b| {
        let mut out: Vec<_> = (0..12)
            .map(|i| {
                let mut p = beamter(a, &format!("{}", 1000 + i), &format!("Name{i:02}"), "Vera");
                if i % 4 == 0 {
                    p.art = meine_versorgung::domain::persons::Art::Hinterbliebener;
                }
                p
            })
            .collect();
        out.push(beamter(a, "4711", "Muster", "Moritz"));
        out.push(beamter(a, "2000", "Einzeln", "Erna"));
        out.push(beamter(b, "4712", "Fremd", "Frieda"));
        out
    })
    .await
}

/// The summary page of "Beurlaubung ohne Dienstbezüge" for Muster, Moritz.
async fn summary_page(user: &Client) -> Page {
    let list = user.get("/formulare").await;
    let page = user
        .get(&list.html().link_hrefs("Beurlaubung ohne Dienstbezüge")[0])
        .await;
    let summary = page
        .form_with_button("Weiter")
        .select("Anspruchsberechtigte:r", "Muster, Moritz (4711)")
        .fill("Von", "01.03.2024")
        .fill("Bis", "31.08.2024")
        .submit(user)
        .await;
    summary.assert_status(200);
    summary.assert_contains("Zusammenfassung");
    summary
}

#[tokio::test]
async fn a_report_has_one_referenz_and_a_second_absenden_shows_the_first_report() {
    let (server, people) = start().await;
    let user = signed_in(&server, &people.full).await;
    let summary = summary_page(&user).await;
    let first = summary.form_with_button("Absenden").submit(&user).await;
    assert_eq!(first.status, 303, "{}", first.body);
    let report_path = first.header("location").unwrap_or_default().to_owned();
    // A double click: the same summary page sent again creates nothing.
    let second = summary.form_with_button("Absenden").submit(&user).await;
    assert_eq!(second.status, 303, "{}", second.body);
    let again = second.header("location").unwrap_or_default().to_owned();
    assert_eq!(
        report_path.split('?').next(),
        again.split('?').next(),
        "the second POST leads to the first report"
    );
    user.follow(&second)
        .await
        .assert_contains("Diese Meldung wurde bereits abgesandt");
    let report = user.follow(&first).await;
    report.assert_contains("Die Meldung wurde abgesandt.");
    let list = user.get("/formulare").await;
    list.assert_contains("1 Meldung")
        .assert_not_contains("1 Meldungen");

    // One Referenz: page, receipt, attachment name, Formularmeldungen.
    let referenz = report.select_texts("dl.facts dd")[0].clone();
    assert!(
        referenz.len() == 11 && referenz.as_bytes()[4] == b'-',
        "a Referenz like 2026-000001: {referenz}"
    );
    let mailbox = user.get("/postfach/persoenlich").await;
    let receipts = mailbox
        .html()
        .select_attrs("a[href*='/nachricht/']", "href");
    assert_eq!(receipts.len(), 1, "one receipt: {}", mailbox.body);
    mailbox.assert_contains(&referenz);
    let message = user.get(&receipts[0]).await;
    message
        .assert_contains(&referenz)
        .assert_contains(&format!("Meldung-{referenz}.pdf"));
    let pdf = user
        .get(&report.html().link_hrefs("PDF herunterladen")[0])
        .await;
    pdf.assert_header_contains("content-disposition", &format!("Meldung-{referenz}.pdf"));

    // A fresh summary page is a new report.
    let other = summary_page(&user).await;
    other
        .form_with_button("Absenden")
        .submit(&user)
        .await
        .assert_redirect("/formulare/meldungen/");
    user.get("/formulare").await.assert_contains("2 Meldungen");

    // The Kassen list names the Mitglied and the same Referenz.
    let kassen = signed_in(&server, &people.sb_bv).await;
    let list = kassen.get("/kassen/formularmeldungen").await;
    let heads = list.select_texts("table thead th");
    assert!(heads.contains(&"Mitglied".to_owned()), "{heads:?}");
    let cells = list.select_texts("table tbody td");
    assert!(
        cells.contains(&"Blaugraben (78970)".to_owned()) && cells.contains(&referenz),
        "{cells:?}"
    );
    list.assert_contains(&referenz)
        .assert_contains("2 Meldungen");
    let one = kassen
        .get("/kassen/formularmeldungen?status=eingegangen&mitglied=")
        .await;
    one.assert_contains("2 Meldungen");
}

#[tokio::test]
async fn the_persons_list_counts_in_german_and_filters_by_prefix() {
    let (server, people) = start().await;
    let viewer = signed_in(&server, &people.viewer).await;
    let names = |p: &Page| p.select_texts("table tbody tr td:first-child");
    let all = viewer.get("/anspruchsberechtigte").await;
    all.assert_contains("14 Anspruchsberechtigte");
    // A Name filter shows the total of all matches, not of the page.
    let by_name = viewer.get("/anspruchsberechtigte?name=name").await;
    by_name
        .assert_contains("12 Anspruchsberechtigte")
        .assert_not_contains("Treffer");
    let one = viewer.get("/anspruchsberechtigte?name=einz").await;
    one.assert_contains("1 Anspruchsberechtigte:r");
    assert_eq!(names(&one), vec!["Einzeln".to_owned()]);
    // Personalnummer: a prefix, in number order.
    let by_pnr = viewer.get("/anspruchsberechtigte?personalnummer=100").await;
    assert_eq!(names(&by_pnr).len(), 10, "{:?}", names(&by_pnr));
    by_pnr.assert_contains("10 Anspruchsberechtigte");
    let exact = viewer
        .get("/anspruchsberechtigte?personalnummer=1011")
        .await;
    assert_eq!(names(&exact), vec!["Name11".to_owned()]);
    exact.assert_contains("1 Anspruchsberechtigte:r");
    // Art (on its own index), alone and with a Name prefix.
    let hb = viewer
        .get("/anspruchsberechtigte?art=hinterbliebener")
        .await;
    hb.assert_contains("3 Anspruchsberechtigte");
    assert_eq!(names(&hb), vec!["Name00", "Name04", "Name08"]);
    let b_name = viewer
        .get("/anspruchsberechtigte?art=beamter&name=name1")
        .await;
    b_name.assert_contains("2 Anspruchsberechtigte");
    assert_eq!(names(&b_name), vec!["Name10", "Name11"]);
    let combined = viewer
        .get("/anspruchsberechtigte?art=beamter&personalnummer=100&name=name0")
        .await;
    assert_eq!(
        names(&combined),
        vec![
            "Name01", "Name02", "Name03", "Name05", "Name06", "Name07", "Name09"
        ]
    );
    combined.assert_contains("7 Anspruchsberechtigte");
    // Another organisation's persons stay out of every filter.
    viewer
        .get("/anspruchsberechtigte?personalnummer=47")
        .await
        .assert_contains("1 Anspruchsberechtigte:r")
        .assert_not_contains("Fremd");
}

#[tokio::test]
async fn contact_edit_says_what_it_edits_saves_only_changes_and_names_the_editor() {
    let (server, people) = start().await;
    let full = signed_in(&server, &people.full).await;
    let details = full.get("/anspruchsberechtigte/4711").await;
    let edit_link = details.html().link_hrefs("Kontaktdaten bearbeiten");
    assert_eq!(edit_link.len(), 1, "button „Kontaktdaten bearbeiten“");
    details.assert_not_contains("Personen- und Kontaktdaten bearbeiten");
    let edit = full.get(&edit_link[0]).await;
    // Saving without a change says so and changes nothing.
    let same = edit.form_with_button("Speichern").submit(&full).await;
    same.assert_redirect("/anspruchsberechtigte/4711?hinweis=unveraendert");
    let shown = full.follow(&same).await;
    shown
        .assert_not_contains("wurden gespeichert")
        .assert_contains("nichts geändert")
        .assert_not_contains("Zuletzt geändert");
    // A change: saved, and "Zuletzt geändert" names the Nutzer:in.
    let saved = edit
        .form_with_button("Speichern")
        .fill("Ort", "Neustadt")
        .submit(&full)
        .await;
    saved.assert_redirect("/anspruchsberechtigte/4711?hinweis=gespeichert");
    let shown = full.follow(&saved).await;
    shown
        .assert_contains("Die Kontaktdaten wurden gespeichert.")
        .assert_contains("Zuletzt geändert");
    let when = shown.text();
    assert!(
        when.contains(&format!("von Max Mustermensch ({})", people.full.id)),
        "{when}"
    );
}
