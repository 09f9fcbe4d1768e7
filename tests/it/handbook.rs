//! Handbook fidelity and recovery (issue 11): resetting a lost
//! authenticator, E-Mail-TAN for a whole organisation, post/redirect/get,
//! expired activation links, the group mailbox overview's filter, the
//! navigation, the German Protokoll, the wording of mails and messages and
//! the answer to a login with an Identifikationsnummer/PNR.

use std::time::Duration;

use crate::support::accounts::{
    CREDENTIALS_REFUSED, LOGIN_ID_LABEL, NewAdmin, PASSWORD, SET_PASSWORD_SUBJECT, TAN_SUBJECT,
    first_login, kassen_create_admin, nth_mail, password_step, set_password_with_link, signed_in,
    start_with_kassen_and_admin, submit_tan, tan_in,
};
use crate::support::*;

const TERMS: &str = "Ich bestätige, dass die Nutzungsbedingungen dem Beschäftigten bekannt sind und dass er/sie diese mit der Anlage des Zugangs akzeptiert.";
const MAILBOX_LEGEND: &str = "Berechtigungen für Gruppenpostfächer";

/// "Nutzer:in anlegen" through the form; follows the redirect to the
/// confirmation and returns the new Nutzerkennung.
async fn create_user(
    admin: &Client,
    first: &str,
    last: &str,
    email: &str,
    mailboxes: &[&str],
) -> String {
    let page = admin.get("/nutzer/neu").await;
    page.assert_status(200);
    let mut form = page
        .form_with_button("Anlegen")
        .fill("Vorname", first)
        .fill("Name", last)
        .fill("E-Mail-Adresse", email)
        .check(TERMS);
    for m in mailboxes {
        form = form.check_in(MAILBOX_LEGEND, m);
    }
    if !mailboxes.is_empty() {
        form = form.check("Postfachfunktionalität");
    }
    let res = form.submit(admin).await;
    res.assert_redirect("/nutzer/S");
    let done = admin.follow(&res).await;
    done.assert_status(200)
        .assert_contains("ANLAGE ERFOLGREICH");
    done.text_of("#nutzerkennung")
}

/// The path of the only organisation on the Kassen' list.
async fn org_path(kassen: &Client) -> String {
    let list = kassen.get("/kassen/mitglieder").await;
    list.html()
        .select_attrs("main table a[href^='/kassen/mitglieder/']", "href")
        .into_iter()
        .next()
        .expect("organisation on the list")
}

/// "Zweiter Faktor" on the Mitglied form → "Speichern".
async fn set_org_factor(kassen: &Client, path: &str, factor: &str) {
    let page = kassen.get(path).await;
    page.assert_status(200);
    page.assert_contains("geringere Sicherheitsniveau");
    let res = page
        .form_with_button("Speichern")
        .check_in("Zweiter Faktor", factor)
        .submit(kassen)
        .await;
    res.assert_redirect(path);
    let saved = kassen.follow(&res).await;
    assert!(
        saved.form_with_button("Speichern").is_checked(factor),
        "{factor} is saved"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_administrator_resets_a_lost_authenticator() {
    let smtp = SmtpServer::start().await;
    let (server, _, admin) = start_with_kassen_and_admin(TestServer::builder().smtp(&smtp)).await;
    let org_admin = signed_in(&server, &admin).await;

    // Post/redirect/get: reloading the confirmation creates nothing.
    let email = "max@blaugraben.example";
    let id = create_user(&org_admin, "Max", "Mustermensch", email, &["Beihilfe"]).await;
    org_admin
        .get(&format!("/nutzer/{id}/angelegt"))
        .await
        .assert_status(200)
        .assert_contains(&id);
    let overview = org_admin.get("/nutzer").await;
    assert_eq!(
        overview.html().select_texts("main table tbody tr").len(),
        1,
        "one account, however often the confirmation is loaded"
    );

    // The user activates the account and sets up an authenticator.
    let user = server.client();
    let mail = nth_mail(&smtp, email, SET_PASSWORD_SUBJECT, 1).await;
    set_password_with_link(&user, &mail.only_link(), PASSWORD).await;
    first_login(&user, &id, PASSWORD).await;
    user.get("/").await.assert_status(200);

    // The authenticator is lost: "Authenticator zurücksetzen" with a confirmation.
    let details = org_admin.get(&format!("/nutzer/{id}")).await;
    details.assert_contains("Aktiv");
    let confirm = details
        .form_with_button("Authenticator zurücksetzen")
        .submit(&org_admin)
        .await;
    confirm
        .assert_status(200)
        .assert_contains("Alle Sitzungen des Nutzer:innen-Kontos werden sofort beendet.");
    let done = confirm
        .form_with_button("Authenticator zurücksetzen")
        .submit(&org_admin)
        .await;
    done.assert_redirect(&format!("/nutzer/{id}"));
    let details = org_admin.follow(&done).await;
    details
        .assert_contains("Der Authenticator wurde zurückgesetzt")
        .assert_contains("Angelegt (TOTP-Einrichtung ausstehend)");
    assert!(!details.has_button("Authenticator zurücksetzen"));

    // The user's session ended; the next login sets up a new authenticator.
    user.get("/").await.assert_redirect("/login");
    password_step(&server.client(), &id, PASSWORD)
        .await
        .assert_redirect("/login/authenticator");

    // The action is in the organisation's Protokoll, in German.
    let log = org_admin.get("/protokoll").await;
    log.assert_status(200)
        .assert_contains("Authenticator zurückgesetzt")
        .assert_contains("Nutzer:in angelegt")
        .assert_contains("Blaugraben")
        .assert_not_contains("account.totp_reset");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn e_mail_tan_for_a_whole_organisation_with_an_override_per_administrator() {
    let smtp = SmtpServer::start().await;
    let (server, kassen_account, admin) =
        start_with_kassen_and_admin(TestServer::builder().smtp(&smtp)).await;
    let kassen = signed_in(&server, &kassen_account).await;
    let org = org_path(&kassen).await;
    set_org_factor(&kassen, &org, "E-Mail-TAN").await;

    // The administrator (no own setting) now gets the TAN by e-mail.
    let client = server.client();
    password_step(&client, &admin.id, &admin.password)
        .await
        .assert_redirect("/login/tan");
    let tan_page = client.get("/login/tan").await;
    let mail = nth_mail(&smtp, &admin.email, TAN_SUBJECT, 1).await;
    submit_tan(&client, &tan_page, &tan_in(&mail))
        .await
        .assert_redirect("/");

    // So does a new Nutzer:in: no authenticator set-up at the first login.
    let email = "erika@blaugraben.example";
    let id = create_user(&client, "Erika", "Mustermensch", email, &[]).await;
    let user = server.client();
    let mail = nth_mail(&smtp, email, SET_PASSWORD_SUBJECT, 1).await;
    set_password_with_link(&user, &mail.only_link(), PASSWORD).await;
    password_step(&user, &id, PASSWORD)
        .await
        .assert_redirect("/login/tan");
    let tan_page = user.get("/login/tan").await;
    let mail = nth_mail(&smtp, email, TAN_SUBJECT, 1).await;
    submit_tan(&user, &tan_page, &tan_in(&mail))
        .await
        .assert_redirect("/");
    client
        .get(&format!("/nutzer/{id}"))
        .await
        .assert_contains("Aktiv")
        .assert_not_contains("TOTP-Einrichtung ausstehend");
    client
        .get("/mitgliederdaten")
        .await
        .assert_contains("Zweiter Faktor")
        .assert_contains("E-Mail-TAN");

    // The Kassen keep the administrator on the app: the override wins.
    let admin_path = format!("/kassen/administratoren/{}", admin.id);
    let details = kassen.get(&admin_path).await;
    details.assert_contains("E-Mail-TAN (Einstellung des Mitglieds)");
    details
        .form_with_button("Zweiten Faktor auf Authenticator-App umstellen")
        .submit(&kassen)
        .await
        .assert_redirect(&admin_path);
    kassen
        .get(&admin_path)
        .await
        .assert_contains("Authenticator-App (abweichend von der Einstellung des Mitglieds)");
    let again = server.client();
    let res = password_step(&again, &admin.id, &admin.password).await;
    res.assert_redirect("/login/tan");
    let tan_page = again.follow(&res).await;
    submit_tan(&again, &tan_page, &admin.next_code().await)
        .await
        .assert_redirect("/");
    assert_eq!(
        crate::support::accounts::count_mails(&smtp, &admin.email, TAN_SUBJECT),
        1,
        "no TAN mail with the app"
    );

    // Back to the app for the organisation: the Nutzer:in without an
    // authenticator sets one up at the next login.
    set_org_factor(&kassen, &org, "Authenticator-App").await;
    password_step(&server.client(), &id, PASSWORD)
        .await
        .assert_redirect("/login/authenticator");

    let log = kassen.get("/kassen/protokoll").await;
    log.assert_contains("Mitglied geändert")
        .assert_contains("Zweiter Faktor: Authenticator-App → E-Mail-TAN")
        .assert_contains("Zweiter Faktor umgestellt");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_activation_links_are_shown_and_mails_name_whom_to_contact() {
    let smtp = SmtpServer::start().await;
    let builder = TestServer::builder()
        .smtp(&smtp)
        .env("MV_SECURITY__LINK_VALIDITY", "1m");
    let (server, kassen_account, admin) = start_with_kassen_and_admin(builder).await;
    let org_admin = signed_in(&server, &admin).await;

    // A Nutzer:in's mail: one minute (singular), "Ihre Portaladministration".
    let email = "max@blaugraben.example";
    let id = create_user(&org_admin, "Max", "Mustermensch", email, &[]).await;
    let mail = nth_mail(&smtp, email, SET_PASSWORD_SUBJECT, 1).await;
    assert!(
        mail.text.contains("Der Link ist 1 Minute gültig"),
        "{}",
        mail.text
    );
    assert!(
        mail.text
            .contains("wenden Sie sich bitte an Ihre Portaladministration."),
        "{}",
        mail.text
    );

    // An administrator's mail sends them to the Kassen.
    let kassen = signed_in(&server, &kassen_account).await;
    let org = org_path(&kassen).await;
    let org_id = org.trim_start_matches("/kassen/mitglieder/");
    let new_admin = NewAdmin {
        first_name: "Ida",
        last_name: "Neumann",
        birth_date: "1985-03-02",
        email: "ida@blaugraben.example",
    };
    let admin_id = kassen_create_admin(&kassen, org_id, &new_admin).await;
    kassen
        .get(&format!("/kassen/administratoren/{admin_id}/angelegt"))
        .await
        .assert_contains("gültig 1 Minute)");
    let mail = nth_mail(&smtp, new_admin.email, SET_PASSWORD_SUBJECT, 1).await;
    assert!(
        mail.text
            .contains("wenden Sie sich bitte an die Portal-Administratoren der Kassen."),
        "{}",
        mail.text
    );

    // Not yet expired: no mark.
    let overview = org_admin.get("/nutzer").await;
    overview.assert_not_contains("Aktivierungslink abgelaufen");

    // Expired: in the overview and next to the button on the details page.
    server.advance_clock(Duration::from_secs(120));
    let overview = org_admin.get("/nutzer").await;
    overview.assert_contains("Aktivierungslink abgelaufen");
    let details = org_admin.get(&format!("/nutzer/{id}")).await;
    assert_eq!(
        details.text_of("#aktivierungslink"),
        "Aktivierungslink abgelaufen"
    );
    let sent = details
        .form_with_button("E-Mail für neues Passwort versenden")
        .submit(&org_admin)
        .await;
    let details = org_admin.follow(&sent).await;
    details
        .assert_contains("Die E-Mail zum Setzen des Passwortes wurde versendet.")
        .assert_not_contains("Aktivierungslink abgelaufen");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_login_with_an_identifikationsnummer_is_answered_clearly() {
    let (server, _, admin) = start_with_kassen_and_admin(TestServer::builder()).await;
    let client = server.client();
    for pnr in ["78970", "102 898"] {
        let page = password_step(&client, pnr, "irgendein Passwort").await;
        page.assert_status(422)
            .assert_contains("Die Anmeldung mit einer Identifikationsnummer/PNR ist für Mitglieder vorgesehen und in diesem Portal nicht verfügbar.")
            .assert_not_contains(CREDENTIALS_REFUSED);
        assert_eq!(page.form_with_button("Anmelden").value(LOGIN_ID_LABEL), pnr);
    }
    // A Nutzerkennung still gets the generic answer, and nothing was counted.
    password_step(&client, &admin.id, "falsch")
        .await
        .assert_contains(CREDENTIALS_REFUSED);
    signed_in(&server, &admin).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn group_mailbox_overview_filters_and_shows_more_and_one_entry_is_current() {
    let (server, kassen_account, admin) = start_with_kassen_and_admin(TestServer::builder()).await;
    let org_admin = signed_in(&server, &admin).await;

    // Only the current page is marked in the navigation.
    let page = org_admin.get("/nutzer/neu").await;
    assert_eq!(
        page.html()
            .select_texts("nav.main-nav a[aria-current='page']"),
        vec!["Nutzer:in anlegen".to_owned()]
    );
    let page = org_admin.get("/nutzer").await;
    assert_eq!(
        page.html()
            .select_texts("nav.main-nav a[aria-current='page']"),
        vec!["Nutzer:in verwalten".to_owned()]
    );

    // The wording of the length limit.
    let long = "A".repeat(201);
    let refused = org_admin
        .get("/nutzer/neu")
        .await
        .form_with_button("Anlegen")
        .fill("Vorname", &long)
        .fill("Name", "Mustermensch")
        .fill("E-Mail-Adresse", "a@blaugraben.example")
        .check(TERMS)
        .submit(&org_admin)
        .await;
    refused.assert_status(422);
    assert_eq!(
        refused.html().field_error("Vorname").as_deref(),
        Some("Bitte geben Sie einen Vornamen mit höchstens 200 Zeichen ein.")
    );

    // Six Nutzer:innen in Beihilfe: five are shown until "Mehr anzeigen".
    for (i, last) in ["Eins", "Zwei", "Drei", "Vier", "Fünf", "Sechs"]
        .iter()
        .enumerate()
    {
        create_user(
            &org_admin,
            "Max",
            last,
            &format!("u{i}@blaugraben.example"),
            &["Beihilfe"],
        )
        .await;
    }
    let overview = org_admin.get("/gruppenpostfaecher").await;
    overview.assert_status(200).assert_contains("Filter");
    overview.assert_contains("… und 1 weitere");
    overview.assert_not_contains("Zwei, Max");
    let more = overview.html().link_hrefs("Mehr anzeigen");
    assert_eq!(more.len(), 1, "one Mehr anzeigen");
    let all = org_admin.get(&more[0]).await;
    all.assert_contains("Zwei, Max")
        .assert_not_contains("Mehr anzeigen");

    // The filter: one mailbox, one person.
    let filtered = overview
        .form_with_button("Filtern")
        .select("Gruppenpostfach", "Beihilfe")
        .fill("Nutzer:in", "sechs")
        .submit(&org_admin)
        .await;
    filtered.assert_status(200);
    let rows = filtered
        .html()
        .select_texts("main table tbody tr td:first-child");
    assert_eq!(rows, vec!["Beihilfe".to_owned()]);
    filtered
        .assert_contains("Sechs, Max")
        .assert_not_contains("Eins, Max")
        .assert_contains("Filter aktiv");

    // The Kassen reach the Datensicherung from their navigation.
    let kassen = signed_in(&server, &kassen_account).await;
    let home = kassen.get("/").await;
    assert!(
        home.html()
            .select_texts("nav.main-nav a")
            .contains(&"Datensicherung".to_owned())
    );

    // Mouse movement counts as activity in the inactivity script.
    let script = home
        .html()
        .select_attrs("script[src]", "src")
        .into_iter()
        .next()
        .expect("script");
    kassen.get(&script).await.assert_contains("'mousemove'");
}
