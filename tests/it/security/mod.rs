//! Regression tests of the security findings (issue 10) and the login
//! items of issue 11, over HTTP against the in-process server. SECURITY.md
//! names the test behind each promise.

/// Smaller findings: slow and idle connections, the connection cap,
/// control characters, the keep-alive redirect, oversized forms.
mod hardening;
/// Low findings: control characters in "Bemerkung", the import error page,
/// the search limit, file modes.
mod low_findings;

use std::time::Duration;

use tokio::task::JoinSet;

use crate::support::accounts::*;
use crate::support::*;

const WRONG_PASSWORD: &str = "Falsches-Passwort!123";
const CODE_REUSED: &str =
    "Dieser Code wurde bereits verwendet. Bitte warten Sie auf den nächsten Code.";

/// The body without the page's CSRF token, for comparing two answers.
fn without_csrf(page: &Page) -> String {
    let mut body = page.body.clone();
    for token in page.html().select_attrs("meta[name=csrf-token]", "content") {
        if !token.is_empty() {
            body = body.replace(&token, "CSRF");
        }
    }
    body
}

/// The Kassen Protokoll filtered by `action`: the rows' texts.
async fn protocol_rows(kasse: &Client, action: &str) -> Vec<String> {
    let page = kasse
        .get(&format!("/kassen/protokoll?aktion={action}"))
        .await;
    page.assert_status(200);
    let label = meine_versorgung::domain::audit::action_label(action);
    page.select_texts("tbody tr")
        .into_iter()
        .filter(|r| r.contains(label))
        .collect()
}

// ---------------------------------------------------------------------------
// Lockout oracle
// ---------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_self_locked_account_answers_every_password_alike_and_audits_each_attempt() {
    let builder = TestServer::builder()
        .env("MV_SECURITY__LOCKOUT_THRESHOLD", "3")
        .env("MV_SECURITY__LOCKOUT_DURATION", "10m");
    let (server, kassen, admin) = start_with_kassen_and_admin(builder).await;
    let kasse = signed_in(&server, &kassen).await;
    let client = server.client();
    for _ in 0..3 {
        password_step(&client, &admin.id, WRONG_PASSWORD)
            .await
            .assert_status(200)
            .assert_contains(CREDENTIALS_REFUSED);
    }
    // Locked now: the right and a wrong password get the same page, and
    // neither a session.
    let right = password_step(&client, &admin.id, &admin.password).await;
    let wrong = password_step(&client, &admin.id, WRONG_PASSWORD).await;
    right
        .assert_status(200)
        .assert_contains(CREDENTIALS_REFUSED);
    assert_eq!(
        without_csrf(&right),
        without_csrf(&wrong),
        "the right password answers differently during the lock"
    );
    client.get("/login/tan").await.assert_redirect("/login");
    // Both attempts are in the Protokoll.
    let rows = protocol_rows(&kasse, "login.refused_locked").await;
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert!(rows.iter().all(|r| r.contains("während der Sperrfrist")));
    // They did not extend the Sperrfrist: just after its end the password
    // step succeeds.
    server.advance_clock(Duration::from_secs(10 * 60 + 5));
    password_step(&client, &admin.id, &admin.password)
        .await
        .assert_redirect("/login/tan");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_account_locked_by_the_administration_does_not_reveal_the_lock_to_any_password() {
    let (server, kassen, admin) = start_with_kassen_and_admin(TestServer::builder()).await;
    let kasse = signed_in(&server, &kassen).await;
    let details_path = format!("/kassen/administratoren/{}", admin.id);
    let details = kasse.get(&details_path).await;
    let res = details
        .form_with_button("Nutzer:in temporär sperren")
        .submit(&kasse)
        .await;
    if res.status == 200 {
        res.form_with_button("Trotzdem sperren")
            .submit(&kasse)
            .await
            .assert_redirect(&details_path);
    } else {
        res.assert_redirect(&details_path);
    }
    let client = server.client();
    let right = password_step(&client, &admin.id, &admin.password).await;
    let wrong = password_step(&client, &admin.id, WRONG_PASSWORD).await;
    right
        .assert_status(200)
        .assert_contains(CREDENTIALS_REFUSED);
    right.assert_not_contains("gesperrt");
    assert_eq!(without_csrf(&right), without_csrf(&wrong));
    let rows = protocol_rows(&kasse, "login.refused_locked").await;
    assert_eq!(rows.len(), 2, "{rows:?}");
}

// ---------------------------------------------------------------------------
// TOTP codes used twice (issue 11)
// ---------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reused_totp_code_is_refused_with_its_own_message_and_not_counted() {
    let builder = TestServer::builder().env("MV_SECURITY__LOCKOUT_THRESHOLD", "2");
    let (server, person) = start_with_admin(builder).await;
    let client = server.client();
    // Sign in with a code, sign out.
    let res = password_step(&client, &person.id, &person.password).await;
    let page = client.follow(&res).await;
    let code = person.next_code().await;
    submit_tan(&client, &page, &code).await.assert_redirect("/");
    let home = client.get("/").await;
    home.form_with_button("Abmelden").submit(&client).await;
    // The same code three times: refused with its own message, not counted
    // (the threshold is 2).
    let res = password_step(&client, &person.id, &person.password).await;
    res.assert_redirect("/login/tan");
    let mut page = client.follow(&res).await;
    for _ in 0..3 {
        page = submit_tan(&client, &page, &code).await;
        page.assert_status(200).assert_contains(CODE_REUSED);
        page.assert_not_contains(TAN_REFUSED);
    }
    // A fresh code still signs in: the account did not lock itself.
    let fresh = person.next_code().await;
    submit_tan(&client, &page, &fresh)
        .await
        .assert_redirect("/");
    client.get("/").await.assert_status(200);
}

// ---------------------------------------------------------------------------
// Throttles under parallel bursts
// ---------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parallel_failed_logins_never_pass_the_address_limit() {
    let server = TestServer::builder()
        .env("MV_SECURITY__ADDRESS_FAILURE_LIMIT", "10")
        .start()
        .await;
    let client = server.client();
    let form = client
        .get("/login")
        .await
        .form_with_button("Anmelden")
        .fill(LOGIN_ID_LABEL, "X20000000099")
        .fill("Passwort", WRONG_PASSWORD);
    let mut set = JoinSet::new();
    for _ in 0..40 {
        let (client, form) = (client.clone(), form.clone());
        set.spawn(async move { form.submit(&client).await.status });
    }
    let statuses = set.join_all().await;
    let checked = statuses.iter().filter(|s| **s == 200).count();
    let refused = statuses.iter().filter(|s| **s == 429).count();
    assert_eq!(
        (checked, refused),
        (10, 30),
        "password checks vs refusals: {statuses:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parallel_support_messages_never_pass_the_address_limit() {
    let smtp = SmtpServer::start().await;
    let (server, kassen, _) = start_with_kassen_and_admin(TestServer::builder().smtp(&smtp)).await;
    let anon = server.client();
    let form = anon
        .get("/support")
        .await
        .form_with_button("Senden")
        .fill("Betreff", "Hilfe")
        .fill("Text", "Bitte melden Sie sich.");
    let stored = server.mails_stored();
    let mut set = JoinSet::new();
    for _ in 0..25 {
        let (client, form) = (anon.clone(), form.clone());
        set.spawn(async move { form.submit(&client).await.status });
    }
    let statuses = set.join_all().await;
    let accepted = statuses.iter().filter(|s| **s == 303).count();
    assert_eq!(accepted, 10, "{statuses:?}");
    // Every request is answered, so every mail it queued is stored.
    assert_eq!(server.mails_stored(), stored + 10, "{statuses:?}");
    nth_mail(&smtp, &kassen.email, "Neue Support-Anfrage", 10).await;
    server.mail_queue_drained().await;
    assert_eq!(
        count_mails(&smtp, &kassen.email, "Neue Support-Anfrage"),
        10
    );
}

// ---------------------------------------------------------------------------
// Passwort vergessen, links and the old-password check
// ---------------------------------------------------------------------------

async fn forgot(client: &Client, id: &str) -> Page {
    let page = client.get("/passwort-vergessen").await;
    page.assert_status(200);
    let sent = page
        .form_with_button("Passwort zurücksetzen")
        .fill("Nutzerkennung", id)
        .submit(client)
        .await;
    // Post/redirect/get: a request taken is answered with a redirect to the
    // confirmation; a refused one (429) directly.
    if sent.location.is_some() {
        sent.assert_redirect("/passwort-vergessen?gesendet=1");
        client.follow(&sent).await
    } else {
        sent
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn passwort_vergessen_is_limited_and_keeps_a_pending_activation_link() {
    let smtp = SmtpServer::start().await;
    let (server, kassen, _) = start_with_kassen_and_admin(TestServer::builder().smtp(&smtp)).await;
    let kasse = signed_in(&server, &kassen).await;
    let email = "neu.admin@blaugraben.example";
    let new_id = kassen_create_admin(
        &kasse,
        "1",
        &NewAdmin {
            first_name: "Nele",
            last_name: "Neu",
            birth_date: "1985-01-02",
            email,
        },
    )
    .await;
    let activation = nth_mail(&smtp, email, SET_PASSWORD_SUBJECT, 1).await;

    // Five requests for the new account from an anonymous client: the same
    // answer each time, but at most three (security.reset_limit) e-mails.
    let anon = server.client();
    let stored = server.mails_stored();
    let done = server.reset_requests_done();
    for _ in 0..5 {
        forgot(&anon, &new_id)
            .await
            .assert_status(200)
            .assert_contains("erhalten Sie in Kürze eine E-Mail");
    }
    // The five have done their work (it runs after the answer).
    server.wait_reset_requests_done(done + 5).await;
    assert_eq!(server.mails_stored(), stored + 3, "three reset mails");
    let reset = nth_mail(&smtp, email, SET_PASSWORD_SUBJECT, 4).await;
    server.mail_queue_drained().await;
    assert_eq!(count_mails(&smtp, email, SET_PASSWORD_SUBJECT), 4);
    // Five more from the same address (ten in all, the address limit) pass;
    // the eleventh is refused.
    for _ in 0..5 {
        forgot(&anon, "X20000000077").await.assert_status(200);
    }
    forgot(&anon, &new_id)
        .await
        .assert_status(429)
        .assert_contains("Anfragen „Passwort vergessen“");

    // The activation link still works; setting the password voids the
    // reset links sent meanwhile.
    set_password_with_link(&anon, &activation.only_link(), PASSWORD).await;
    let res = anon.get(&reset.only_link()).await;
    res.assert_status(404).assert_contains("Link ungültig");
}

async fn change_password(client: &Client, old: &str) -> Page {
    let page = client.get("/einstellungen/passwort").await;
    page.assert_status(200);
    page.form_with_button("Passwort ändern")
        .fill("Altes Passwort", old)
        .fill("Neues Passwort", NEW_PASSWORD)
        .fill("Neues Passwort bestätigen", NEW_PASSWORD)
        .submit(client)
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_password_change_voids_an_outstanding_reset_link() {
    let smtp = SmtpServer::start().await;
    let (server, person) = start_with_admin(TestServer::builder().smtp(&smtp)).await;
    let anon = server.client();
    forgot(&anon, &person.id).await.assert_status(200);
    let mail = nth_mail(&smtp, &person.email, SET_PASSWORD_SUBJECT, 1).await;
    let client = signed_in(&server, &person).await;
    change_password(&client, &person.password)
        .await
        .assert_redirect("/login");
    anon.get(&mail.only_link())
        .await
        .assert_status(404)
        .assert_contains("Link ungültig");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_old_passwords_in_einstellungen_count_like_failed_logins() {
    let builder = TestServer::builder()
        .env("MV_SECURITY__LOCKOUT_THRESHOLD", "3")
        .env("MV_SECURITY__LOCKOUT_DURATION", "10m");
    let (server, kassen, admin) = start_with_kassen_and_admin(builder).await;
    let client = signed_in(&server, &admin).await;
    for _ in 0..2 {
        let page = change_password(&client, WRONG_PASSWORD).await;
        page.assert_status(422);
        assert_eq!(
            page.html().field_error("Altes Passwort").as_deref(),
            Some("Das alte Passwort ist nicht korrekt.")
        );
    }
    // The third wrong guess locks the account and ends the session.
    change_password(&client, WRONG_PASSWORD)
        .await
        .assert_redirect("/login");
    client.get("/").await.assert_redirect("/login");
    password_step(&server.client(), &admin.id, &admin.password)
        .await
        .assert_contains(CREDENTIALS_REFUSED);
    let kasse = signed_in(&server, &kassen).await;
    let rows = protocol_rows(&kasse, "login.failed").await;
    assert_eq!(rows.len(), 3, "{rows:?}");
    assert!(rows.iter().all(|r| r.contains("falsches altes Passwort")));
}

// ---------------------------------------------------------------------------
// Live links and TANs are not readable in the store, backups or Postausgang
// ---------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_links_and_tans_are_not_readable_in_the_store_backups_or_the_postausgang() {
    let smtp = SmtpServer::start().await;
    let (server, kassen, admin) =
        start_with_kassen_and_admin(TestServer::builder().smtp(&smtp)).await;
    let kasse = signed_in(&server, &kassen).await;
    switch_to_email_tan(&kasse, &admin).await;

    // A reset link and a TAN, both live.
    let anon = server.client();
    forgot(&anon, &admin.id).await.assert_status(200);
    let reset = nth_mail(&smtp, &admin.email, SET_PASSWORD_SUBJECT, 1).await;
    let link = reset.only_link();
    let token = link.split("token=").nth(1).expect("token").to_owned();
    let client = server.client();
    let res = password_step(&client, &admin.id, &admin.password).await;
    res.assert_redirect("/login/tan");
    let tan_page = client.follow(&res).await;
    let tan = tan_in(&nth_mail(&smtp, &admin.email, TAN_SUBJECT, 1).await);
    let tan_text = format!("lautet: {tan}");

    // A backup now, while both are live.
    kasse
        .get("/kassen/datensicherung")
        .await
        .form_with_button("Sicherung jetzt erstellen")
        .submit(&kasse)
        .await;
    let backups: Vec<_> = std::fs::read_dir(server.data_dir().join("backups"))
        .expect("backup directory")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    assert_eq!(backups.len(), 1, "{backups:?}");
    let db = server.data_dir().join("meine-versorgung.redb");
    for file in [&db, &backups[0]] {
        assert!(
            !file_contains(file, &token),
            "{} holds the live link",
            file.display()
        );
        assert!(
            !file_contains(file, &tan_text),
            "{} holds the TAN",
            file.display()
        );
    }

    // The Postausgang names both mails but shows neither secret.
    let outbox = kasse.get("/kassen/postausgang").await;
    outbox
        .assert_status(200)
        .assert_contains(SET_PASSWORD_SUBJECT)
        .assert_contains(TAN_SUBJECT);
    let mut pages = vec![outbox.body.clone()];
    for href in outbox
        .html()
        .select_attrs("a[href^='/kassen/postausgang/']", "href")
    {
        let page = kasse.get(&href).await;
        page.assert_status(200);
        pages.push(page.body.clone());
    }
    assert!(pages.len() >= 3, "both mails are listed");
    for body in &pages {
        assert!(
            !body.contains(&token),
            "the Postausgang shows the live link"
        );
        assert!(!body.contains(&tan_text), "the Postausgang shows the TAN");
    }
    assert!(pages.iter().any(|b| b.contains("[Link entfernt]")));
    assert!(pages.iter().any(|b| b.contains("lautet: [TAN entfernt]")));
    // Each view of a mail is in the Protokoll.
    assert_eq!(
        protocol_rows(&kasse, "mail.viewed").await.len(),
        pages.len() - 1
    );

    // The mails that arrived work: the TAN signs in, the link sets a password.
    submit_tan(&client, &tan_page, &tan)
        .await
        .assert_redirect("/");
    set_password_with_link(&anon, &link, NEW_PASSWORD).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_postausgang_pages_newest_first_with_a_cursor() {
    let smtp = SmtpServer::start().await;
    let (server, kassen, admin) = start_with_kassen_and_admin(
        TestServer::builder()
            .smtp(&smtp)
            .env("MV_SECURITY__RESET_LIMIT", "100")
            .env("MV_SECURITY__RESET_ADDRESS_LIMIT", "100"),
    )
    .await;
    let anon = server.client();
    for _ in 0..55 {
        forgot(&anon, &admin.id).await.assert_status(200);
    }
    nth_mail(&smtp, &admin.email, SET_PASSWORD_SUBJECT, 55).await;
    let kasse = signed_in(&server, &kassen).await;
    let first = kasse.get("/kassen/postausgang").await;
    let links = |p: &Page| {
        p.html()
            .select_attrs("a[href^='/kassen/postausgang/']", "href")
    };
    let ids = |p: &Page| -> Vec<u64> {
        links(p)
            .iter()
            .filter_map(|h| h.rsplit('/').next()?.parse().ok())
            .collect()
    };
    let page1 = ids(&first);
    assert_eq!(page1.len(), 50);
    assert!(
        page1.windows(2).all(|w| w[0] > w[1]),
        "newest first: {page1:?}"
    );
    let older = first.html().link_hrefs("Ältere E-Mails");
    assert_eq!(older.len(), 1);
    let second = kasse.get(&older[0]).await;
    let page2 = ids(&second);
    assert_eq!(page2.len(), 5, "the rest: {page2:?}");
    assert!(page2.iter().all(|id| *id < page1[49]));
    assert!(second.html().link_hrefs("Ältere E-Mails").is_empty());
    // The Kassen home shows the stored figures: all 55 delivered.
    wait_for("the Kassen home to count no queued mail", TIMEOUT, || {
        let kasse = kasse.clone();
        async move {
            let home = kasse.get("/").await;
            home.text()
                .contains("Postausgang: 0 in Warteschlange, 0 fehlgeschlagen")
                .then_some(())
        }
    })
    .await;
    let sent = kasse.get("/kassen/postausgang?status=versendet").await;
    assert_eq!(ids(&sent).len(), 50);
}

// ---------------------------------------------------------------------------
// Unknown Nutzerkennungen
// ---------------------------------------------------------------------------

/// A login with an unknown Nutzerkennung costs the same durable write as a
/// counted failure of a known one (both are audited), so its answer time
/// does not tell whether the account exists; what was typed is not stored.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_nutzerkennung_is_audited_like_a_known_one_without_the_input() {
    let (server, kassen, admin) = start_with_kassen_and_admin(TestServer::builder()).await;
    let kasse = signed_in(&server, &kassen).await;
    let anon = server.client();
    let unknown = password_step(&anon, "X99999999998", "Tippfehler-Passwort!1").await;
    let known = password_step(&anon, &admin.id, WRONG_PASSWORD).await;
    // The same page, but for the Nutzerkennung kept in the field.
    assert_eq!(
        without_csrf(&unknown).replace("X99999999998", "ID"),
        without_csrf(&known).replace(admin.id.as_str(), "ID")
    );
    let rows = protocol_rows(&kasse, "login.unknown").await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    let log = kasse.get("/kassen/protokoll?aktion=login.unknown").await;
    log.assert_not_contains("X99999999998")
        .assert_not_contains("Tippfehler");
    assert_eq!(protocol_rows(&kasse, "login.failed").await.len(), 1);
}
