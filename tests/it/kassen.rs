//! Kassen-Portaladministration (issue 4): a fund onboards a member
//! organisation and its administrator in the browser, everything audited.

use crate::support::login::{
    PASSWORD, first_kassen_admin, link_in, login, password_step, set_password_from,
};
use crate::support::{Client, Page, SmtpServer, TIMEOUT, TestServer};

const ADMIN_EMAIL: &str = "kim.mustermensch@blaugraben.example";

/// Creates "Blaugraben" with some restrictions; returns its details path.
async fn create_org(client: &Client, name: &str, number: &str) -> String {
    let page = client.get("/kassen/mitglieder/neu").await;
    page.assert_status(200);
    let res = page
        .form_with_button("Anlegen")
        .fill("Name", name)
        .fill("Mitgliedsnummer", number)
        .fill("Abrechnungsnummer", "102898")
        .fill("Anschrift", "Rathausplatz 1\n59999 Blaugraben")
        .uncheck_in("Geschäftsbereiche", "Beihilfe")
        .uncheck_in("Freigegebene Gruppenpostfächer", "Finanzierung")
        .uncheck_in(
            "Freigegebene Portal-Funktionalitäten",
            "Meldung von Änderungen an aktiven Beamten mittels Beamtenformularen",
        )
        .submit(client)
        .await;
    res.assert_redirect("/kassen/mitglieder/");
    let location = res.location.clone().expect("location");
    location.split('?').next().expect("path").to_owned()
}

/// Creates an administrator for the organisation `org_label` (option text prefix).
async fn create_admin(client: &Client, org_name: &str, first: &str, email: &str) -> Page {
    let page = client.get("/kassen/administratoren/neu").await;
    page.assert_status(200);
    let option = page
        .html()
        .select_texts("select#f-mitglied option")
        .into_iter()
        .find(|o| o.starts_with(org_name))
        .expect("organisation offered");
    let res = page
        .form_with_button("Anlegen")
        .fill("Vorname", first)
        .fill("Name", "Mustermensch")
        .fill("Geburtsdatum", "1980-05-17")
        .fill("E-Mail-Adresse", email)
        .select("Mitglied", &option)
        .submit(client)
        .await;
    if res.status != 303 && res.status != 302 {
        return res;
    }
    // Post/redirect/get: the confirmation is a page of its own.
    client.follow(&res).await
}

fn admin_id_of(page: &Page) -> String {
    let text = page.text();
    let start =
        text.find("Nutzerkennung X").expect("Nutzerkennung on page") + "Nutzerkennung ".len();
    text[start..start + 12].to_owned()
}

/// The administrator activates the account through both e-mails and logs in.
async fn onboard_admin(
    server: &TestServer,
    smtp: &SmtpServer,
    email: &str,
    number: &str,
) -> (String, Client, String) {
    let anon = server.client();
    let mail = smtp
        .wait_for_mail(email, "Passwort festlegen", TIMEOUT)
        .await;
    assert_eq!(mail.to.len(), 1, "exactly one recipient");
    assert!(mail.cc.is_empty() && mail.bcc.is_empty());
    let done = set_password_from(&anon, &mail, PASSWORD).await;
    done.assert_contains("Nutzerkennung");
    let mail = smtp
        .wait_for_mail(email, "Nutzerkennung abrufen", TIMEOUT)
        .await;
    let page = anon.get(&link_in(&mail, "/nutzerkennung-abrufen")).await;
    page.assert_status(200);
    let shown = page
        .form_with_button("Nutzerkennung abrufen")
        .fill("Vorname", "Kim")
        .fill("Name", "Mustermensch")
        .fill("Geburtsdatum", "1980-05-17")
        .fill("Mitgliedsnummer", number)
        .submit(&anon)
        .await;
    let shown = anon.follow(&shown).await;
    shown.assert_status(200);
    let id = shown.text_of("#nutzerkennung");
    assert!(id.starts_with('X') && id.len() == 12, "{id}");
    let (client, secret) = login(server, &id, PASSWORD, None).await;
    (id, client, secret)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fund_onboards_an_organisation_and_its_administrator() {
    let smtp = SmtpServer::start().await;
    let server = TestServer::builder().smtp(&smtp).start().await;
    let (kasse, kasse_id, _) = first_kassen_admin(&server, &smtp).await;

    let home = kasse.get("/").await;
    home.assert_status(200)
        .assert_contains("Guten Tag, Kim Kassenwart!");
    for nav in [
        "Mitglieder",
        "Administrator:innen",
        "Kassenpersonal",
        "Protokoll",
        "Postausgang",
    ] {
        home.assert_contains(nav);
    }

    let org_path = create_org(&kasse, "Blaugraben", "78970").await;
    let details = kasse.get(&format!("{org_path}?hinweis=angelegt")).await;
    details
        .assert_status(200)
        .assert_contains("Das Mitglied wurde angelegt.");
    let list = kasse.get("/kassen/mitglieder").await;
    list.assert_contains("Blaugraben").assert_contains("78970");

    let created = create_admin(&kasse, "Blaugraben", "Kim", ADMIN_EMAIL).await;
    created
        .assert_status(200)
        .assert_contains("ANLAGE ERFOLGREICH");
    let admin_id = admin_id_of(&created);

    let (id, admin, _) = onboard_admin(&server, &smtp, ADMIN_EMAIL, "78970").await;
    assert_eq!(id, admin_id);
    admin
        .get("/")
        .await
        .assert_status(200)
        .assert_contains("Guten Tag, Kim Mustermensch!");

    // The restrictions decide what the administrator may grant.
    let form = admin.get("/nutzer/neu").await;
    form.assert_status(200);
    let labels = form.html().labels();
    assert!(labels.iter().any(|l| l == "Beihilfe"), "{labels:?}");
    assert!(!labels.iter().any(|l| l == "Finanzierung"), "{labels:?}");
    assert!(
        !labels
            .iter()
            .any(|l| l.contains("mittels Beamtenformularen")),
        "{labels:?}"
    );
    let res = kasse
        .get(&org_path)
        .await
        .form_with_button("Speichern")
        .check_in("Freigegebene Gruppenpostfächer", "Finanzierung")
        .submit(&kasse)
        .await;
    res.assert_redirect(&org_path);
    let labels = admin.get("/nutzer/neu").await.html().labels();
    assert!(labels.iter().any(|l| l == "Finanzierung"), "{labels:?}");

    // The Kassen find a forgotten Nutzerkennung by name.
    let found = kasse.get("/kassen/administratoren?name=Mustermensch").await;
    found.assert_contains(&admin_id);

    // Everything is in the audit log, with actor and target.
    let log = kasse.get("/kassen/protokoll").await;
    log.assert_status(200)
        .assert_contains("Mitglied angelegt")
        .assert_contains("Mitglied geändert")
        .assert_contains("Nutzer:in angelegt")
        .assert_not_contains("account.created");
    let log = kasse
        .get(&format!(
            "/kassen/protokoll?akteur={kasse_id}&aktion=account.created"
        ))
        .await;
    log.assert_contains(&admin_id);
    let csv = kasse
        .get(&format!("/kassen/protokoll.csv?ziel={admin_id}"))
        .await;
    csv.assert_status(200)
        .assert_header_contains("content-type", "text/csv");
    assert!(
        csv.body.contains("Nutzer:in angelegt")
            && csv.body.contains(&kasse_id)
            && csv.body.contains(";Blaugraben;")
            // The Aktion column is in words; the code follows only in the
            // hash chain's Aktionscode column (docs/audit-chain.md).
            && csv
                .body
                .lines()
                .all(|l| l.split(';').nth(2) != Some("account.created")),
        "{}",
        csv.body
    );
    assert!(
        csv.body.contains("Passwort festgelegt") && csv.body.contains("Anmeldung erfolgreich"),
        "{}",
        csv.body
    );

    // The Postausgang shows the mails, their text without the live links.
    let outbox = kasse.get("/kassen/postausgang").await;
    outbox
        .assert_contains(ADMIN_EMAIL)
        .assert_contains("Nutzerkennung abrufen")
        .assert_contains("Versendet");
    let first = outbox
        .html()
        .select_attrs("a[href^='/kassen/postausgang/']", "href")
        .pop()
        .expect("mail link");
    kasse
        .get(&first)
        .await
        .assert_status(200)
        .assert_contains("[Link entfernt]")
        .assert_not_contains("token=");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn second_factor_switch_authenticator_reset_and_lock() {
    let smtp = SmtpServer::start().await;
    let server = TestServer::builder().smtp(&smtp).start().await;
    let (kasse, _, _) = first_kassen_admin(&server, &smtp).await;
    create_org(&kasse, "Blaugraben", "78970").await;
    create_admin(&kasse, "Blaugraben", "Kim", ADMIN_EMAIL).await;
    let (id, _, secret) = onboard_admin(&server, &smtp, ADMIN_EMAIL, "78970").await;
    let details_path = format!("/kassen/administratoren/{id}");

    // Locking the last active administrator asks for confirmation first.
    let details = kasse.get(&details_path).await;
    let warn = details
        .form_with_button("Nutzer:in temporär sperren")
        .submit(&kasse)
        .await;
    warn.assert_status(200)
        .assert_contains("letzte aktive Administrator:in");
    warn.form_with_button("Trotzdem sperren")
        .submit(&kasse)
        .await
        .assert_redirect(&details_path);
    kasse.get(&details_path).await.assert_contains("Gesperrt");
    let refused = password_step(&server.client(), &id, PASSWORD).await;
    refused
        .assert_status(200)
        .assert_contains("Die Anmeldung ist fehlgeschlagen.");
    let details = kasse.get(&details_path).await;
    details
        .form_with_button("Nutzer:in entsperren")
        .submit(&kasse)
        .await
        .assert_redirect(&details_path);
    login(&server, &id, PASSWORD, Some(&secret)).await;

    // Switch to e-mail TAN: the warning is shown, then the login uses the mailed TAN.
    let details = kasse.get(&details_path).await;
    details.assert_contains("geringere Sicherheitsniveau");
    let res = details
        .form_with_button("Zweiten Faktor auf E-Mail-TAN umstellen")
        .submit(&kasse)
        .await;
    res.assert_redirect(&details_path);
    kasse
        .follow(&res)
        .await
        .assert_contains("Der zweite Faktor wurde auf E-Mail-TAN umgestellt.");
    let client = server.client();
    password_step(&client, &id, PASSWORD)
        .await
        .assert_redirect("/login/tan");
    let tan_page = client.get("/login/tan").await;
    tan_page.assert_contains("E-Mail");
    let mail = smtp.wait_for_mail(ADMIN_EMAIL, "Ihre TAN", TIMEOUT).await;
    let tan: String = mail
        .text
        .split("lautet: ")
        .nth(1)
        .expect("tan in mail")
        .chars()
        .take(6)
        .collect();
    tan_page
        .form_with_button("Bestätigen")
        .fill("TAN", &tan)
        .submit(&client)
        .await
        .assert_redirect("/");
    client
        .get("/")
        .await
        .assert_contains("Guten Tag, Kim Mustermensch!");

    // Back to the app and reset the authenticator: the next login sets it up again.
    let details = kasse.get(&details_path).await;
    details
        .form_with_button("Zweiten Faktor auf Authenticator-App umstellen")
        .submit(&kasse)
        .await
        .assert_redirect(&details_path);
    let details = kasse.get(&details_path).await;
    details
        .form_with_button("Authenticator zurücksetzen")
        .submit(&kasse)
        .await
        .assert_redirect(&details_path);
    let fresh = server.client();
    password_step(&fresh, &id, PASSWORD)
        .await
        .assert_redirect("/login/authenticator");
    // The reset also ended the running session.
    client.get("/").await.assert_redirect("/login");

    let log = kasse.get(&format!("/kassen/protokoll?ziel={id}")).await;
    for action in [
        "Zweiter Faktor umgestellt",
        "Authenticator zurückgesetzt",
        "Nutzer:in gesperrt",
        "Nutzer:in entsperrt",
    ] {
        log.assert_contains(action);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_portaladministration_reaches_these_pages() {
    let smtp = SmtpServer::start().await;
    let server = TestServer::builder().smtp(&smtp).start().await;
    let (kasse, _, _) = first_kassen_admin(&server, &smtp).await;
    let org_path = create_org(&kasse, "Blaugraben", "78970").await;
    create_admin(&kasse, "Blaugraben", "Kim", ADMIN_EMAIL).await;
    let (admin_id, org_admin, _) = onboard_admin(&server, &smtp, ADMIN_EMAIL, "78970").await;

    // A Sachbearbeitung-only staff member.
    let page = kasse.get("/kassen/personal/neu").await;
    let res = page
        .form_with_button("Anlegen")
        .fill("Vorname", "Bernd")
        .fill("Name", "Beihilfer")
        .fill("E-Mail-Adresse", "bernd@kasse.example")
        .check_in("Sachbearbeitung", "Beihilfe")
        .submit(&kasse)
        .await;
    res.assert_redirect("/kassen/personal/K");
    let staff_id = res
        .location
        .clone()
        .expect("loc")
        .trim_start_matches("/kassen/personal/")
        .split('?')
        .next()
        .expect("id")
        .to_owned();
    let mail = smtp
        .wait_for_mail("bernd@kasse.example", "Passwort festlegen", TIMEOUT)
        .await;
    set_password_from(&server.client(), &mail, PASSWORD).await;
    let (staff, _) = login(&server, &staff_id, PASSWORD, None).await;

    let pages = [
        "/kassen/mitglieder".to_owned(),
        "/kassen/mitglieder/neu".to_owned(),
        org_path.clone(),
        "/kassen/administratoren".to_owned(),
        "/kassen/administratoren/neu".to_owned(),
        format!("/kassen/administratoren/{admin_id}"),
        "/kassen/personal".to_owned(),
        format!("/kassen/personal/{staff_id}"),
        "/kassen/protokoll".to_owned(),
        "/kassen/protokoll.csv".to_owned(),
        "/kassen/postausgang".to_owned(),
        "/kassen/postausgang/1".to_owned(),
    ];
    for client in [&staff, &org_admin] {
        for p in &pages {
            client.get(p).await.assert_status(404);
        }
        let csrf = client
            .get("/")
            .await
            .html()
            .select_attrs("meta[name=csrf-token]", "content")
            .pop()
            .expect("csrf");
        client
            .post_form(
                &format!("/kassen/administratoren/{admin_id}/sperren"),
                &[("csrf", &csrf)],
            )
            .await
            .assert_status(404);
        client
            .post_form("/kassen/mitglieder/neu", &[("csrf", &csrf), ("name", "X")])
            .await
            .assert_status(404);
    }
    // Ids of another kind answer 404 for the Kassen too.
    kasse
        .get(&format!("/kassen/personal/{admin_id}"))
        .await
        .assert_status(404);
    kasse
        .get(&format!("/kassen/administratoren/{staff_id}"))
        .await
        .assert_status(404);
    kasse
        .get("/kassen/administratoren/S20000000000")
        .await
        .assert_status(404);
    kasse.get("/kassen/mitglieder/999").await.assert_status(404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_is_refused_at_the_field_and_nothing_is_stored() {
    let smtp = SmtpServer::start().await;
    let server = TestServer::builder().smtp(&smtp).start().await;
    let (kasse, _, _) = first_kassen_admin(&server, &smtp).await;
    let stored = server.mails_stored();
    create_org(&kasse, "Blaugraben", "78970").await;

    let page = kasse.get("/kassen/mitglieder/neu").await;
    let res = page
        .form_with_button("Anlegen")
        .fill("Name", "")
        .fill("Mitgliedsnummer", "78970")
        .fill("Abrechnungsnummer", "12a")
        .fill("Anschrift", "Weg 1")
        .submit(&kasse)
        .await;
    res.assert_status(422);
    let html = res.html();
    assert_eq!(
        html.field_error("Name").as_deref(),
        Some("Bitte geben Sie einen Namen ein.")
    );
    assert!(
        html.field_error("Mitgliedsnummer")
            .is_some_and(|e| e.contains("bereits")),
        "{:?}",
        html.field_error("Mitgliedsnummer")
    );
    assert!(
        html.field_error("Abrechnungsnummer")
            .is_some_and(|e| e.contains("Ziffern"))
    );
    assert_eq!(
        res.form_with_button("Anlegen").value("Anschrift"),
        "Weg 1",
        "typed values are kept"
    );
    let list = kasse.get("/kassen/mitglieder").await;
    list.assert_contains("1 - 1 von 1");

    let page = kasse.get("/kassen/administratoren/neu").await;
    let future = (jiff::Timestamp::now() + jiff::SignedDuration::from_hours(24 * 3))
        .strftime("%Y-%m-%d")
        .to_string();
    let res = page
        .form_with_button("Anlegen")
        .fill("Vorname", "Kim")
        .fill("Name", "Mustermensch")
        .fill("Geburtsdatum", &future)
        .fill("E-Mail-Adresse", "keine-adresse")
        .submit(&kasse)
        .await;
    res.assert_status(422);
    let html = res.html();
    assert!(
        html.field_error("Geburtsdatum")
            .is_some_and(|e| e.contains("Zukunft"))
    );
    assert!(
        html.field_error("E-Mail-Adresse")
            .is_some_and(|e| e.contains("gültige E-Mail-Adresse"))
    );
    assert!(html.field_error("Mitglied").is_some());
    kasse
        .get("/kassen/administratoren")
        .await
        .assert_contains("Keine Daten vorhanden");
    assert_eq!(server.mails_stored(), stored, "a refused form queued mail");
}
