//! Access (handbook §1, SPEC §4 and §13) end to end over HTTP, with the
//! real SMTP server: registration and the first login, password rules,
//! TOTP and E-Mail-TAN, Nutzerkennung abrufen, lockout, no user
//! enumeration, automatic logout, password change and reset, CSRF and the
//! session cookie.

use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use meine_versorgung::domain::totp;

use crate::support::accounts::*;
use crate::support::*;

const WRONG_PASSWORD: &str = "Falsches-Passwort!123";
const CODE_REUSED: &str =
    "Dieser Code wurde bereits verwendet. Bitte warten Sie auf den nächsten Code.";
const IDLE_TEXT: &str = "Sie wurden aufgrund von Inaktivität abgemeldet.";

/// A six-digit code that is valid in none of the steps around now.
fn wrong_code(secret: &str) -> String {
    let now = unix_now();
    let valid: Vec<String> = [-120i64, -90, -60, -30, 0, 30, 60, 90, 120]
        .iter()
        .filter_map(|o| totp::code_at(secret, now.saturating_add_signed(*o)))
        .collect();
    (1u32..)
        .map(|n| format!("{:06}", (n * 7919) % 1_000_000))
        .find(|c| !valid.contains(c))
        .expect("a wrong code")
}

/// The value of cookie `name` in the `Set-Cookie` headers of `page`, with
/// the whole header line.
fn set_cookie(page: &Page, name: &str) -> Option<(String, String)> {
    page.header_all("set-cookie").into_iter().find_map(|line| {
        let first = line.split(';').next().unwrap_or("").trim().to_owned();
        let (n, v) = first.split_once('=')?;
        (n == name).then(|| (v.to_owned(), line.clone()))
    })
}

#[track_caller]
fn assert_cookie_attributes(line: &str) {
    let attrs: Vec<String> = line
        .split(';')
        .skip(1)
        .map(|a| a.trim().to_ascii_lowercase())
        .collect();
    for want in ["httponly", "samesite=strict", "path=/"] {
        assert!(
            attrs.iter().any(|a| a == want),
            "cookie {line:?} lacks {want}"
        );
    }
}

/// The CSRF token of a page (`<meta name="csrf-token">`).
#[track_caller]
fn csrf_of(page: &Page) -> String {
    let tokens = page.html().select_attrs("meta[name=csrf-token]", "content");
    match tokens.as_slice() {
        [one] if !one.is_empty() => one.clone(),
        _ => panic!("no csrf-token meta on {}: {tokens:?}", page.url),
    }
}

fn secs(s: f64) -> Duration {
    Duration::from_secs_f64(s)
}

// ---------------------------------------------------------------------------
// 1. The first login: setup → password by mail → authenticator → home
// ---------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn first_login_from_setup_token_to_logout() {
    let smtp = SmtpServer::start().await;
    let server = TestServer::builder().smtp(&smtp).start().await;
    let client = server.client();

    let page = client
        .get(&format!("/setup?token={}", server.setup_token()))
        .await;
    page.assert_status(200);
    let done = page
        .form_with_button("Anlegen")
        .fill("Vorname", "Kim")
        .fill("Name", "Kassenwart")
        .fill("E-Mail-Adresse", "kim.kassenwart@kasse.example")
        .submit(&client)
        .await;
    done.assert_redirect("/setup/fertig");
    let done = client.follow(&done).await;
    done.assert_status(200);
    let id = done.text_of("#nutzerkennung");
    assert!(id.starts_with('K'), "a Kassen account: {id}");

    let mail = nth_mail(
        &smtp,
        "kim.kassenwart@kasse.example",
        SET_PASSWORD_SUBJECT,
        1,
    )
    .await;
    mail.assert_single_recipient("kim.kassenwart@kasse.example");
    let link = mail.link_starting_with(&format!("{}/passwort-festlegen?token=", server.public_url));

    // Password rules: every violated rule is named next to "Neues Passwort".
    let form_page = client.get(&link).await;
    form_page.assert_status(200);
    let weak = form_page
        .form_with_button("Passwort festlegen")
        .fill("Neues Passwort", "abc")
        .fill("Neues Passwort bestätigen", "abc")
        .submit(&client)
        .await;
    weak.assert_status(422);
    let err = weak
        .html()
        .field_error("Neues Passwort")
        .unwrap_or_else(|| panic!("no error at \"Neues Passwort\": {}", weak.body));
    for rule in [
        "zwischen 12 und 128 Zeichen",
        "mindestens eine Ziffer",
        "mindestens ein Sonderzeichen",
        "zu leicht zu erraten",
    ] {
        assert!(err.contains(rule), "rule {rule:?} not named in {err:?}");
    }
    assert!(
        !err.contains("Buchstaben"),
        "\"abc\" has letters, yet: {err:?}"
    );
    assert_eq!(weak.html().field_error("Neues Passwort bestätigen"), None);

    let no_letter = weak
        .form_with_button("Passwort festlegen")
        .fill("Neues Passwort", "1234567890!!")
        .fill("Neues Passwort bestätigen", "1234567890!!")
        .submit(&client)
        .await;
    no_letter.assert_status(422);
    let err = no_letter
        .html()
        .field_error("Neues Passwort")
        .unwrap_or_default();
    assert!(
        err.contains("mindestens einen Buchstaben"),
        "letter rule not named: {err:?}"
    );
    assert!(err.contains("zu leicht zu erraten"), "{err:?}");

    let mismatch = no_letter
        .form_with_button("Passwort festlegen")
        .fill("Neues Passwort", PASSWORD)
        .fill("Neues Passwort bestätigen", "Kiefern-Allee!73Wanderdün")
        .submit(&client)
        .await;
    mismatch.assert_status(422);
    let err = mismatch
        .html()
        .field_error("Neues Passwort bestätigen")
        .unwrap_or_else(|| panic!("no error at the confirmation: {}", mismatch.body));
    assert!(err.contains("stimmen nicht überein"), "{err:?}");
    assert_eq!(mismatch.html().field_error("Neues Passwort"), None);

    // The refused attempts did not use up the link.
    let accepted = mismatch
        .form_with_button("Passwort festlegen")
        .fill("Neues Passwort", PASSWORD)
        .fill("Neues Passwort bestätigen", PASSWORD)
        .submit(&client)
        .await;
    accepted.assert_redirect("/passwort-festgelegt");
    let accepted = client.follow(&accepted).await;
    accepted.assert_status(200);
    accepted.assert_contains("Passwort festgelegt");
    // Kassen accounts get no "Nutzerkennung abrufen" mail.
    accepted.assert_not_contains("weitere E-Mail");

    // The link is single-use.
    let again = client.get(&link).await;
    again.assert_status(404);
    again.assert_contains("Link ungültig");

    // Login page: the handbook's labels and button.
    let login = client.get("/").await;
    login.assert_redirect("/login");
    let login = client.follow(&login).await;
    login.assert_status(200);
    let labels = login.html().labels();
    for want in [LOGIN_ID_LABEL, "Passwort"] {
        assert!(
            labels.iter().any(|l| html::normalize(l) == want),
            "label {want:?} missing: {labels:?}"
        );
    }
    let res = login
        .form_with_button("Anmelden")
        .fill(LOGIN_ID_LABEL, &id)
        .fill("Passwort", PASSWORD)
        .submit(&client)
        .await;
    res.assert_redirect("/login/authenticator");

    // Step 1 alone gives no access, not even during the set-up.
    client.get("/").await.assert_redirect("/login/tan");
    client
        .get("/einstellungen")
        .await
        .assert_redirect("/login/tan");
    client
        .get("/login/tan")
        .await
        .assert_redirect("/login/authenticator");

    let setup = client.follow(&res).await;
    setup.assert_status(200);
    assert!(setup.body.contains("<svg"), "no QR code: {}", setup.body);
    let secret = setup.text_of("code#totp-secret").replace(' ', "");
    assert!(
        secret.len() >= 16
            && secret
                .chars()
                .all(|c| c.is_ascii_uppercase() || ('2'..='7').contains(&c)),
        "the secret as base32 text: {secret:?}"
    );
    // Shown in groups of four characters, so that it can be typed.
    let shown = setup.text_of("code#totp-secret");
    assert!(
        shown.split(' ').all(|g| g.len() <= 4) && shown.split(' ').count() >= 4,
        "groups of four: {shown:?}"
    );

    let wrong = submit_tan(&client, &setup, &wrong_code(&secret)).await;
    wrong.assert_status(200);
    let err = wrong.html().field_error("TAN").unwrap_or_default();
    assert!(err.contains(TAN_REFUSED), "TAN error: {err:?}");
    assert_eq!(
        wrong.text_of("code#totp-secret").replace(' ', ""),
        secret,
        "the set-up goes on with the same secret"
    );
    client.get("/").await.assert_redirect("/login/tan");

    let code = totp::code_at(&secret, unix_now()).expect("code");
    let signed_in = submit_tan(&client, &wrong, &code).await;
    signed_in.assert_redirect("/");
    let home = client.follow(&signed_in).await;
    home.assert_status(200);
    home.assert_contains("Guten Tag, Kim Kassenwart!");
    home.assert_contains(&id);

    let out = home.form_with_button("Abmelden").submit(&client).await;
    out.assert_redirect("/login");
    let after = client.follow(&out).await;
    after.assert_status(200);
    after.assert_contains("erfolgreich abgemeldet");
    client.get("/").await.assert_redirect("/login");
    client.get("/einstellungen").await.assert_redirect("/login");
}

// ---------------------------------------------------------------------------
// 2. TOTP: each code once; the previous step counts, older ones do not
// ---------------------------------------------------------------------------

async fn tan_page(client: &Client, person: &TestAccount) -> Page {
    let res = password_step(client, &person.id, &person.password).await;
    res.assert_redirect("/login/tan");
    let page = client.follow(&res).await;
    page.assert_status(200);
    page.assert_contains("Geben Sie die TAN Ihrer Authenticator-App ein.");
    page
}

#[track_caller]
fn assert_tan_refused(page: &Page) {
    page.assert_status(200);
    let err = page.html().field_error("TAN").unwrap_or_default();
    assert!(
        err.contains("TAN ist ungültig"),
        "expected the TAN to be refused; field error {err:?}; {}",
        page.body
    );
}

async fn logout(client: &Client) {
    let home = client.get("/").await;
    home.assert_status(200);
    let out = home.form_with_button("Abmelden").submit(client).await;
    out.assert_redirect("/login");
    client.get("/").await.assert_redirect("/login");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_totp_code_is_accepted_once_and_only_near_its_time() {
    let (server, person) = start_with_admin(TestServer::builder()).await;
    let client = server.client();

    // The previous step must stay valid for the next requests.
    while unix_now() % 30 >= 26 {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let now = unix_now();
    let page = tan_page(&client, &person).await;

    // Three steps old: refused (no code was used before).
    let old = totp::code_at(&person.secret, now - 90).expect("code");
    let page = submit_tan(&client, &page, &old).await;
    assert_tan_refused(&page);

    // One step old and never used: accepted.
    let previous = totp::code_at(&person.secret, now - 30).expect("code");
    let res = submit_tan(&client, &page, &previous).await;
    res.assert_redirect("/");
    assert_eq!(res.location.as_deref(), Some("/"));
    logout(&client).await;

    // The same code again: refused (replay) with its own message.
    let page = tan_page(&client, &person).await;
    let page = submit_tan(&client, &page, &previous).await;
    page.assert_status(200).assert_contains(CODE_REUSED);

    // The current code: accepted once; again after logout in the same
    // step (or the next, where it is still within the window): refused.
    let current = totp::code_at(&person.secret, unix_now()).expect("code");
    let res = submit_tan(&client, &page, &current).await;
    res.assert_redirect("/");
    assert_eq!(res.location.as_deref(), Some("/"));
    logout(&client).await;
    let page = tan_page(&client, &person).await;
    let page = submit_tan(&client, &page, &current).await;
    page.assert_status(200).assert_contains(CODE_REUSED);
    client.get("/").await.assert_redirect("/login/tan");
}

// ---------------------------------------------------------------------------
// 3. Registration by the Kassen: two mails, Nutzerkennung abrufen
// ---------------------------------------------------------------------------

const ADMIN: NewAdmin<'static> = NewAdmin {
    first_name: "Kim",
    last_name: "Mustermensch",
    birth_date: "1980-05-17",
    email: "kim.mustermensch@blaugraben.example",
};

/// Kassen set-up, the organisation "Blaugraben" (78970) and `admin`
/// registered; the administrator's password set through the first mail.
/// Returns the Kassen client and the administrator's Nutzerkennung.
async fn registered_admin(
    server: &TestServer,
    smtp: &SmtpServer,
    admin: &NewAdmin<'_>,
) -> (Client, String) {
    let (kassen, _) = kassen_admin(server, smtp).await;
    let org = kassen_create_org(&kassen, "Blaugraben", "78970").await;
    let id = kassen_create_admin(&kassen, &org, admin).await;

    let mail = nth_mail(smtp, admin.email, SET_PASSWORD_SUBJECT, 1).await;
    mail.assert_single_recipient(admin.email);
    assert!(
        !mail.text.contains(&id),
        "the first mail must not reveal the Nutzerkennung"
    );
    assert_eq!(
        count_mails(smtp, admin.email, RETRIEVE_ID_SUBJECT),
        0,
        "the second mail comes only after the password is set"
    );
    let link = mail.link_starting_with(&format!("{}/passwort-festlegen?token=", server.public_url));
    let done = set_password_with_link(&server.client(), &link, PASSWORD).await;
    done.assert_contains("weitere E-Mail");
    (kassen, id)
}

async fn fill_retrieve(
    client: &Client,
    page: &Page,
    first: &str,
    last: &str,
    birth: &str,
    number: &str,
) -> Page {
    page.form_with_button("Nutzerkennung abrufen")
        .fill("Vorname", first)
        .fill("Name", last)
        .fill("Geburtsdatum", birth)
        .fill("Mitgliedsnummer", number)
        .submit(client)
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_administrator_registered_by_the_kassen_retrieves_the_nutzerkennung() {
    let smtp = SmtpServer::start().await;
    let server = TestServer::builder().smtp(&smtp).start().await;
    let (_kassen, id) = registered_admin(&server, &smtp, &ADMIN).await;

    let mail = nth_mail(&smtp, ADMIN.email, RETRIEVE_ID_SUBJECT, 1).await;
    mail.assert_single_recipient(ADMIN.email);
    assert!(!mail.text.contains(&id), "the mail must not contain the id");
    let link = mail.link_starting_with(&format!(
        "{}/nutzerkennung-abrufen?token=",
        server.public_url
    ));

    let client = server.client();
    let page = client.get(&link).await;
    page.assert_status(200);
    let labels: Vec<String> = page
        .html()
        .labels()
        .iter()
        .map(|l| html::normalize(l))
        .collect();
    for want in ["Vorname", "Name", "Geburtsdatum", "Mitgliedsnummer"] {
        assert!(
            labels.iter().any(|l| l == want),
            "label {want:?}: {labels:?}"
        );
    }

    // Wrong Mitgliedsnummer: refused, one try less, the link still works.
    let wrong = fill_retrieve(&client, &page, "Kim", "Mustermensch", "1980-05-17", "78971").await;
    wrong.assert_status(422);
    wrong.assert_contains("Die Angaben stimmen nicht");
    wrong.assert_contains("Verbleibende Versuche: 4");
    wrong.assert_not_contains(&id);
    client.get(&link).await.assert_status(200);

    // Wrong birth date: also refused.
    let wrong = fill_retrieve(
        &client,
        &wrong,
        "Kim",
        "Mustermensch",
        "1980-05-18",
        "78970",
    )
    .await;
    wrong.assert_status(422);
    wrong.assert_contains("Verbleibende Versuche: 3");
    wrong.assert_not_contains(&id);

    // Everything right: the X Nutzerkennung.
    let found = fill_retrieve(
        &client,
        &wrong,
        "Kim",
        "Mustermensch",
        "1980-05-17",
        "78970",
    )
    .await;
    found.assert_redirect("/nutzerkennung-abgerufen");
    let found = client.follow(&found).await;
    found.assert_status(200);
    let shown = found.text_of("#nutzerkennung");
    // Post/redirect/get: a reload shows it again (to this browser only).
    client
        .get("/nutzerkennung-abgerufen")
        .await
        .assert_status(200)
        .assert_contains(&id);
    server
        .client()
        .get("/nutzerkennung-abgerufen")
        .await
        .assert_not_contains(&id);
    assert_eq!(shown, id);
    assert!(shown.starts_with('X'));

    // The link is used up.
    let used = client.get(&link).await;
    used.assert_status(404);
    used.assert_contains("Link ungültig");
    let again = fill_retrieve(
        &client,
        &wrong,
        "Kim",
        "Mustermensch",
        "1980-05-17",
        "78970",
    )
    .await;
    again.assert_status(404);
    again.assert_not_contains(&id);

    // The Nutzerkennung signs in; the authenticator is set up now.
    let admin = server.client();
    let secret = first_login(&admin, &id, PASSWORD).await;
    assert!(!secret.is_empty());
    admin
        .get("/")
        .await
        .assert_status(200)
        .assert_contains("Guten Tag, Kim Mustermensch!");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_wrong_entries_void_the_nutzerkennung_link() {
    let smtp = SmtpServer::start().await;
    let server = TestServer::builder().smtp(&smtp).start().await;
    let (_kassen, id) = registered_admin(&server, &smtp, &ADMIN).await;
    let mail = nth_mail(&smtp, ADMIN.email, RETRIEVE_ID_SUBJECT, 1).await;
    let link = mail.only_link();

    let client = server.client();
    let mut page = client.get(&link).await;
    page.assert_status(200);
    for left in (1..=4).rev() {
        page = fill_retrieve(&client, &page, "Kim", "Musterfrau", "1980-05-17", "78970").await;
        page.assert_status(422);
        page.assert_contains(&format!("Verbleibende Versuche: {left}"));
        page.assert_not_contains(&id);
    }
    let fifth = fill_retrieve(&client, &page, "Kim", "Musterfrau", "1980-05-17", "78970").await;
    fifth.assert_status(404);
    fifth.assert_contains("Link ungültig");
    fifth.assert_not_contains(&id);

    // Even the right data no longer reveal anything.
    let right = fill_retrieve(&client, &page, "Kim", "Mustermensch", "1980-05-17", "78970").await;
    right.assert_status(404);
    right.assert_not_contains(&id);
    client.get(&link).await.assert_status(404);
}

// ---------------------------------------------------------------------------
// 4. E-Mail-TAN
// ---------------------------------------------------------------------------

/// Password step of an E-Mail-TAN account; returns the TAN page and the
/// TAN from the `n`-th TAN mail.
async fn email_tan_step(client: &Client, smtp: &SmtpServer, id: &str, n: usize) -> (Page, String) {
    let res = password_step(client, id, PASSWORD).await;
    res.assert_redirect("/login/tan");
    let page = client.follow(&res).await;
    page.assert_status(200);
    page.assert_contains("Wir haben Ihnen eine TAN an Ihre hinterlegte E-Mail-Adresse gesendet");
    page.assert_not_contains("Authenticator-App ein");
    let mail = nth_mail(smtp, ADMIN.email, TAN_SUBJECT, n).await;
    mail.assert_single_recipient(ADMIN.email);
    assert_eq!(mail.subject, TAN_SUBJECT);
    (page, tan_in(&mail))
}

fn other_tan(tan: &str) -> String {
    let n: u32 = tan.parse().expect("digits");
    format!("{:06}", (n + 1) % 1_000_000)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn e_mail_tan_after_the_kassen_switched_the_second_factor() {
    let smtp = SmtpServer::start().await;
    let server = TestServer::builder().smtp(&smtp).start().await;
    let (kassen, id) = registered_admin(&server, &smtp, &ADMIN).await;

    let details = kassen.get(&format!("/kassen/administratoren/{id}")).await;
    details.assert_status(200);
    details.assert_contains("geringere Sicherheitsniveau");
    let switched = details
        .form_with_button("Zweiten Faktor auf E-Mail-TAN umstellen")
        .submit(&kassen)
        .await;
    switched.assert_redirect(&format!("/kassen/administratoren/{id}"));
    let details = kassen.follow(&switched).await;
    details.assert_status(200);
    assert!(
        details.has_button("Zweiten Faktor auf Authenticator-App umstellen"),
        "the switch back is offered after the switch"
    );

    // Login: the TAN arrives by mail; no authenticator set-up.
    let client = server.client();
    let (page, tan) = email_tan_step(&client, &smtp, &id, 1).await;
    let wrong = submit_tan(&client, &page, &other_tan(&tan)).await;
    assert_tan_refused(&wrong);
    client.get("/").await.assert_redirect("/login/tan");
    let ok = submit_tan(&client, &wrong, &tan).await;
    ok.assert_redirect("/");
    assert_eq!(ok.location.as_deref(), Some("/"));
    client
        .get("/")
        .await
        .assert_status(200)
        .assert_contains("Guten Tag, Kim Mustermensch!");
    logout(&client).await;

    // A TAN is single-use: the next login has its own.
    let (page, tan2) = email_tan_step(&client, &smtp, &id, 2).await;
    if tan2 != tan {
        let replay = submit_tan(&client, &page, &tan).await;
        assert_tan_refused(&replay);
    }
    let ok = submit_tan(&client, &page, &tan2).await;
    ok.assert_redirect("/");
    assert_eq!(ok.location.as_deref(), Some("/"));
    logout(&client).await;

    // A second login's TAN voids the first.
    let a = server.client();
    let (page_a, tan3) = email_tan_step(&a, &smtp, &id, 3).await;
    let b = server.client();
    let (page_b, tan4) = email_tan_step(&b, &smtp, &id, 4).await;
    let res_a = submit_tan(&a, &page_a, &tan3).await;
    assert_ne!(
        res_a.location.as_deref(),
        Some("/"),
        "the first login's TAN still signed in after a second login"
    );
    a.get("/").await.assert_redirect("/login");
    if tan3 != tan4 {
        let res = submit_tan(&b, &page_b, &tan3).await;
        assert_tan_refused(&res);
    }
    let ok = submit_tan(&b, &page_b, &tan4).await;
    ok.assert_redirect("/");
    assert_eq!(ok.location.as_deref(), Some("/"));
    b.get("/").await.assert_status(200);
}

// ---------------------------------------------------------------------------
// 5. Lockout and automatic unlock
// ---------------------------------------------------------------------------

#[track_caller]
fn assert_generic_refusal(page: &Page) {
    page.assert_status(200);
    page.assert_contains(CREDENTIALS_REFUSED);
    page.assert_not_contains("gesperrt");
    assert!(page.has_button("Anmelden"), "the login form is shown again");
}

/// The lock notice, naming an end time between `from` and `to`.
#[track_caller]
fn assert_self_locked(page: &Page, from: Timestamp, to: Timestamp) {
    page.assert_status(200);
    page.assert_contains("vorübergehend gesperrt");
    let fmt = |t: Timestamp| {
        let tz = jiff::tz::TimeZone::get("Europe/Berlin").unwrap_or(jiff::tz::TimeZone::UTC);
        t.to_zoned_datetime(tz)
            .strftime("%d.%m.%Y %H:%M")
            .to_string()
    };
    let text = page.text();
    assert!(
        text.contains(&format!("{} Uhr", fmt(from))) || text.contains(&format!("{} Uhr", fmt(to))),
        "the end of the lock ({} … {}) is not named: {text}",
        fmt(from),
        fmt(to)
    );
    assert!(
        set_cookie(page, "mv_session").is_none_or(|(v, _)| v.is_empty()),
        "a locked account got a session"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lockout_after_failures_and_automatic_unlock() {
    let builder = TestServer::builder()
        .env("MV_SECURITY__LOCKOUT_THRESHOLD", "3")
        .env("MV_SECURITY__LOCKOUT_DURATION", "3s");
    let (server, person) = start_with_admin(builder).await;
    let client = server.client();
    let lock_span = SignedDuration::from_secs(3);

    for _ in 0..2 {
        assert_generic_refusal(&password_step(&client, &person.id, WRONG_PASSWORD).await);
    }
    let before = Timestamp::now();
    assert_generic_refusal(&password_step(&client, &person.id, WRONG_PASSWORD).await);
    let after = Timestamp::now();

    // During the lock even the correct password gets the generic answer
    // (no password oracle, see SECURITY.md) and no session.
    let res = password_step(&client, &person.id, &person.password).await;
    assert_generic_refusal(&res);
    client.get("/login/tan").await.assert_redirect("/login");
    let _ = (before, after);

    // A wrong password during the lock gets the generic message and does
    // not extend the lock.
    server.advance_clock(secs(1.5));
    assert_generic_refusal(&password_step(&client, &person.id, WRONG_PASSWORD).await);
    server.advance_clock(secs(1.8));
    let res = password_step(&client, &person.id, &person.password).await;
    res.assert_redirect("/login/tan");

    // Failed TANs count like failed passwords (1 password + 2 TANs = 3).
    assert_generic_refusal(&password_step(&client, &person.id, WRONG_PASSWORD).await);
    let res = password_step(&client, &person.id, &person.password).await;
    res.assert_redirect("/login/tan");
    let page = client.follow(&res).await;
    let page = submit_tan(&client, &page, &wrong_code(&person.secret)).await;
    assert_tan_refused(&page);
    let before = Timestamp::now();
    let locked = submit_tan(&client, &page, &wrong_code(&person.secret)).await;
    let after = Timestamp::now();
    // The server's clock was moved forward by 3.3 s above.
    let moved = SignedDuration::from_millis(3300);
    assert_self_locked(
        &locked,
        before + lock_span + moved,
        after + lock_span + moved,
    );
    client.get("/login/tan").await.assert_redirect("/login");
    let res = password_step(&client, &person.id, &person.password).await;
    assert_generic_refusal(&res);

    // After the Sperrfrist the account signs in again (the server's clock
    // moves; TOTP accepts the neighbouring time steps).
    server.advance_clock(secs(3.3));
    sign_in(&client, &person).await;
    client
        .get("/")
        .await
        .assert_status(200)
        .assert_contains("Guten Tag, Kim Mustermensch!");
}

// ---------------------------------------------------------------------------
// 6. No user enumeration
// ---------------------------------------------------------------------------

/// The body with the given strings replaced by placeholders.
fn masked(body: &str, replace: &[(&str, &str)]) -> String {
    let mut out = body.to_owned();
    for (from, to) in replace {
        if !from.is_empty() {
            out = out.replace(from, to);
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_do_not_reveal_whether_a_nutzerkennung_exists() {
    let smtp = SmtpServer::start().await;
    let (server, person) = start_with_admin(TestServer::builder().smtp(&smtp)).await;
    let client = server.client();
    let unknown = if person.id == "X20000000001" {
        "X20000000002"
    } else {
        "X20000000001"
    };

    let known_page = password_step(&client, &person.id, WRONG_PASSWORD).await;
    let unknown_page = password_step(&client, unknown, WRONG_PASSWORD).await;
    let malformed_page = password_step(&client, "Z123", WRONG_PASSWORD).await;
    for page in [&known_page, &unknown_page, &malformed_page] {
        assert_generic_refusal(page);
    }
    assert_eq!(known_page.status, unknown_page.status);
    let k = masked(
        &known_page.body,
        &[(&csrf_of(&known_page), "CSRF"), (&person.id, "ID")],
    );
    let u = masked(
        &unknown_page.body,
        &[(&csrf_of(&unknown_page), "CSRF"), (unknown, "ID")],
    );
    let m = masked(
        &malformed_page.body,
        &[(&csrf_of(&malformed_page), "CSRF"), ("Z123", "ID")],
    );
    assert_eq!(k, u, "known and unknown Nutzerkennung answer differently");
    assert_eq!(k, m, "known and malformed Nutzerkennung answer differently");

    // "Passwort vergessen": the same answer; only the known one gets a mail.
    let forgot = |id: String| {
        let client = client.clone();
        async move {
            let page = client.get("/passwort-vergessen").await;
            page.assert_status(200);
            let sent = page
                .form_with_button("Passwort zurücksetzen")
                .fill("Nutzerkennung", &id)
                .submit(&client)
                .await;
            sent.assert_redirect("/passwort-vergessen?gesendet=1");
            client.follow(&sent).await
        }
    };
    let stored = server.mails_stored();
    let done = server.reset_requests_done();
    let f_known = forgot(person.id.clone()).await;
    let f_unknown = forgot(unknown.to_owned()).await;
    assert_eq!(f_known.status, 200);
    assert_eq!(f_known.status, f_unknown.status);
    assert_eq!(
        masked(&f_known.body, &[(&csrf_of(&f_known), "CSRF")]),
        masked(&f_unknown.body, &[(&csrf_of(&f_unknown), "CSRF")]),
        "Passwort vergessen answers differently"
    );
    f_known.assert_contains("Sofern zu der angegebenen Nutzerkennung ein Nutzerkonto besteht");
    let mail = nth_mail(&smtp, &person.email, SET_PASSWORD_SUBJECT, 1).await;
    mail.assert_single_recipient(&person.email);
    // Both requests have done their work (it runs after the answer).
    server.wait_reset_requests_done(done + 2).await;
    assert_eq!(
        server.mails_stored(),
        stored + 1,
        "only the known account gets a mail"
    );
}

// ---------------------------------------------------------------------------
// 7. Automatic logout after inactivity
// ---------------------------------------------------------------------------

fn idle_builder() -> TestServerBuilder {
    TestServer::builder()
        .env("MV_SECURITY__SESSION_IDLE", "4s")
        .env("MV_SECURITY__SESSION_WARNING", "1s")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inactivity_ends_the_session_with_the_handbook_notice() {
    let (server, person) = start_with_admin(idle_builder()).await;
    let client = signed_in(&server, &person).await;
    let home = client.get("/").await;
    home.assert_status(200);
    assert!(home.body.contains("data-idle=\"4\""), "{}", home.body);
    assert!(home.body.contains("data-warning=\"1\""), "{}", home.body);
    home.assert_contains("Ihre Sitzung läuft bald ab");
    home.assert_contains("Ich bin noch hier");
    csrf_of(&home);

    // The login page of anonymous visitors carries no timer.
    let anon = server.client().get("/login").await;
    assert!(!anon.body.contains("data-idle"), "timer on the login page");
    anon.assert_not_contains("Ihre Sitzung läuft bald ab");
    anon.assert_not_contains("Inaktivität festgestellt");

    server.advance_clock(secs(5.0));
    let res = client.get("/einstellungen").await;
    res.assert_redirect("/login?inaktiv=1");
    let notice = client.follow(&res).await;
    notice.assert_status(200);
    notice.assert_contains("Inaktivität festgestellt");
    notice.assert_contains(IDLE_TEXT);
    assert!(notice.has_button("Anmelden"));
    client.get("/einstellungen").await.assert_redirect("/login");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ich_bin_noch_hier_keeps_the_session() {
    let (server, person) = start_with_admin(idle_builder()).await;
    let client = signed_in(&server, &person).await;
    let home = client.get("/").await;
    home.assert_status(200);
    let csrf = csrf_of(&home);
    for _ in 1..=3 {
        server.advance_clock(secs(2.0));
        let res = client
            .post_form_with(
                "/sitzung/verlaengern",
                &[("csrf", csrf.as_str())],
                &[("X-Requested-With", "fetch")],
            )
            .await;
        res.assert_status(204);
    }
    // 6 s after the last page request, 4 s idle time: still signed in.
    let page = client.get("/einstellungen").await;
    page.assert_status(200);
    page.assert_contains("Passwort ändern");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn page_requests_count_as_activity() {
    let (server, person) = start_with_admin(idle_builder()).await;
    let client = signed_in(&server, &person).await;
    for _ in 1..=3 {
        server.advance_clock(secs(2.0));
        let page = client.get("/einstellungen").await;
        page.assert_status(200);
    }
}

// ---------------------------------------------------------------------------
// 8. Password change ends every session
// ---------------------------------------------------------------------------

async fn change_password(client: &Client, old: &str, new: &str, confirm: &str) -> Page {
    let page = client.get("/einstellungen/passwort").await;
    page.assert_status(200);
    page.form_with_button("Passwort ändern")
        .fill("Altes Passwort", old)
        .fill("Neues Passwort", new)
        .fill("Neues Passwort bestätigen", confirm)
        .submit(client)
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changing_the_password_ends_every_session() {
    let (server, person) = start_with_admin(TestServer::builder()).await;
    let a = signed_in(&server, &person).await;
    let b = signed_in(&server, &person).await;

    let settings = a.get("/einstellungen").await;
    settings.assert_status(200);
    assert_eq!(
        settings.html().link_hrefs("Passwort ändern"),
        vec!["/einstellungen/passwort".to_owned()]
    );

    // Wrong old password: refused at the field.
    let res = change_password(&a, WRONG_PASSWORD, NEW_PASSWORD, NEW_PASSWORD).await;
    res.assert_status(422);
    let err = res.html().field_error("Altes Passwort").unwrap_or_default();
    assert!(err.contains("nicht korrekt"), "{err:?}");

    // The current password as the new one: refused.
    let res = change_password(&a, PASSWORD, PASSWORD, PASSWORD).await;
    res.assert_status(422);
    let err = res.html().field_error("Neues Passwort").unwrap_or_default();
    assert!(err.contains("bereits verwendet"), "{err:?}");

    // Both sessions survived the refused attempts.
    a.get("/einstellungen").await.assert_status(200);
    b.get("/einstellungen").await.assert_status(200);

    let res = change_password(&a, PASSWORD, NEW_PASSWORD, NEW_PASSWORD).await;
    res.assert_redirect("/login");
    let login = a.follow(&res).await;
    login.assert_status(200);
    login.assert_contains("Ihr Passwort wurde geändert");
    a.get("/einstellungen").await.assert_redirect("/login");
    let res_b = b.get("/einstellungen").await;
    res_b.assert_redirect("/login");
    b.get("/").await.assert_redirect("/login");

    // The old password no longer works; the new one does.
    assert_generic_refusal(&password_step(&a, &person.id, PASSWORD).await);
    let res = password_step(&a, &person.id, NEW_PASSWORD).await;
    res.assert_redirect("/login/tan");
    let page = a.follow(&res).await;
    let code = person.next_code().await;
    submit_tan(&a, &page, &code).await.assert_redirect("/");

    // The earlier password stays in the history.
    let res = change_password(&a, NEW_PASSWORD, PASSWORD, PASSWORD).await;
    res.assert_status(422);
    let err = res.html().field_error("Neues Passwort").unwrap_or_default();
    assert!(err.contains("bereits verwendet"), "{err:?}");
    a.get("/einstellungen").await.assert_status(200);
}

// ---------------------------------------------------------------------------
// 9. Reset links
// ---------------------------------------------------------------------------

async fn request_reset(client: &Client, id: &str) {
    let page = client.get("/passwort-vergessen").await;
    page.assert_status(200);
    let res = page
        .form_with_button("Passwort zurücksetzen")
        .fill("Nutzerkennung", id)
        .submit(client)
        .await;
    res.assert_redirect("/passwort-vergessen?gesendet=1");
    let res = client.follow(&res).await;
    res.assert_status(200);
    res.assert_contains("erhalten Sie in Kürze eine E-Mail");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reset_link_is_single_use_and_a_newer_one_voids_the_older() {
    let smtp = SmtpServer::start().await;
    let (server, person) = start_with_admin(TestServer::builder().smtp(&smtp)).await;
    let client = server.client();

    let login = client.get("/login").await;
    assert_eq!(
        login.html().link_hrefs("Passwort vergessen"),
        vec!["/passwort-vergessen".to_owned()]
    );
    request_reset(&client, &person.id).await;
    let first = nth_mail(&smtp, &person.email, SET_PASSWORD_SUBJECT, 1).await;
    first.assert_single_recipient(&person.email);
    request_reset(&client, &person.id).await;
    let second = nth_mail(&smtp, &person.email, SET_PASSWORD_SUBJECT, 2).await;
    let old_link = first.only_link();
    let new_link = second.only_link();
    assert_ne!(old_link, new_link);

    let old = client.get(&old_link).await;
    old.assert_status(404);
    old.assert_contains("Link ungültig");

    // The old password works until the new one is set.
    let res = password_step(&client, &person.id, PASSWORD).await;
    res.assert_redirect("/login/tan");

    let reset_client = server.client();
    set_password_with_link(&reset_client, &new_link, NEW_PASSWORD).await;
    let again = reset_client.get(&new_link).await;
    again.assert_status(404);
    again.assert_contains("Link ungültig");

    assert_generic_refusal(&password_step(&reset_client, &person.id, PASSWORD).await);
    let res = password_step(&reset_client, &person.id, NEW_PASSWORD).await;
    res.assert_redirect("/login/tan");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reset_link_expires() {
    let smtp = SmtpServer::start().await;
    let (server, person) = start_with_admin(
        TestServer::builder()
            .smtp(&smtp)
            .env("MV_SECURITY__LINK_VALIDITY", "2s"),
    )
    .await;
    let client = server.client();
    request_reset(&client, &person.id).await;
    let mail = nth_mail(&smtp, &person.email, SET_PASSWORD_SUBJECT, 1).await;
    let link = mail.only_link();
    let page = client.get(&link).await;
    let fresh = page.status == 200;
    let form = fresh.then(|| page.form_with_button("Passwort festlegen"));

    server.advance_clock(secs(3.0));
    let expired = client.get(&link).await;
    expired.assert_status(404);
    expired.assert_contains("Link ungültig");
    if let Some(form) = form {
        let res = form
            .fill("Neues Passwort", NEW_PASSWORD)
            .fill("Neues Passwort bestätigen", NEW_PASSWORD)
            .submit(&client)
            .await;
        res.assert_status(404);
        res.assert_contains("Link ungültig");
    }
    // The password did not change.
    password_step(&client, &person.id, PASSWORD)
        .await
        .assert_redirect("/login/tan");
}

/// Handbook §5: a self-lock ends only when the Sperrfrist runs out, not by
/// "Passwort vergessen" and a new password.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reset_does_not_lift_a_self_lock() {
    let smtp = SmtpServer::start().await;
    let (server, person) = start_with_admin(
        TestServer::builder()
            .smtp(&smtp)
            .env("MV_SECURITY__LOCKOUT_THRESHOLD", "2")
            .env("MV_SECURITY__LOCKOUT_DURATION", "10m"),
    )
    .await;
    let client = server.client();
    for _ in 0..2 {
        assert_generic_refusal(&password_step(&client, &person.id, WRONG_PASSWORD).await);
    }

    request_reset(&client, &person.id).await;
    let mail = nth_mail(&smtp, &person.email, SET_PASSWORD_SUBJECT, 1).await;
    set_password_with_link(&client, &mail.only_link(), NEW_PASSWORD).await;

    // Still locked with the new password …
    assert_generic_refusal(&password_step(&client, &person.id, NEW_PASSWORD).await);
    client.get("/login/tan").await.assert_redirect("/login");
    // … until the Sperrfrist is over.
    server.advance_clock(Duration::from_secs(10 * 60 + 5));
    password_step(&client, &person.id, NEW_PASSWORD)
        .await
        .assert_redirect("/login/tan");
}

// ---------------------------------------------------------------------------
// 10. CSRF and cross-site requests
// ---------------------------------------------------------------------------

/// What is tried, the form fields, the extra headers.
type Case<'a> = (&'a str, Vec<(&'a str, &'a str)>, Vec<(&'a str, &'a str)>);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_posts_without_a_valid_token_or_from_other_sites_are_refused() {
    let (server, person) = start_with_admin(TestServer::builder()).await;
    let client = server.client();
    let page = client.get("/login").await;
    page.assert_status(200);
    let csrf = page
        .form_with_button("Anmelden")
        .value_of("csrf")
        .expect("csrf field");
    assert_eq!(csrf, csrf_of(&page));
    let id = person.id.as_str();
    let pw = person.password.as_str();

    let cases: [Case<'_>; 5] = [
        (
            "without csrf",
            vec![("nutzerkennung", id), ("passwort", pw)],
            vec![],
        ),
        (
            "with an empty csrf",
            vec![("csrf", ""), ("nutzerkennung", id), ("passwort", pw)],
            vec![],
        ),
        (
            "with a wrong csrf",
            vec![
                (
                    "csrf",
                    "0000000000000000000000000000000000000000000000000000000000000000",
                ),
                ("nutzerkennung", id),
                ("passwort", pw),
            ],
            vec![],
        ),
        (
            "from a foreign origin",
            vec![
                ("csrf", csrf.as_str()),
                ("nutzerkennung", id),
                ("passwort", pw),
            ],
            vec![("Origin", "http://evil.example")],
        ),
        (
            "marked cross-site",
            vec![
                ("csrf", csrf.as_str()),
                ("nutzerkennung", id),
                ("passwort", pw),
            ],
            vec![("Sec-Fetch-Site", "cross-site")],
        ),
    ];
    for (what, fields, headers) in &cases {
        let res = client.post_form_with("/login", fields, headers).await;
        assert_eq!(res.status, 403, "POST /login {what}: {}", res.body);
        assert!(
            set_cookie(&res, "mv_session").is_none(),
            "POST /login {what} created a session"
        );
        client.get("/login/tan").await.assert_redirect("/login");
    }

    // A token of another visitor does not fit this one's cookie.
    let other = server.client();
    let other_csrf = csrf_of(&other.get("/login").await);
    assert_ne!(other_csrf, csrf);
    let res = client
        .post_form(
            "/login",
            &[
                ("csrf", other_csrf.as_str()),
                ("nutzerkennung", id),
                ("passwort", pw),
            ],
        )
        .await;
    assert_eq!(res.status, 403, "foreign token accepted");

    // The same request with the right token and same-origin headers passes.
    let origin = server.url("");
    let res = client
        .post_form_with(
            "/login",
            &[
                ("csrf", csrf.as_str()),
                ("nutzerkennung", id),
                ("passwort", pw),
            ],
            &[
                ("Origin", origin.trim_end_matches('/')),
                ("Sec-Fetch-Site", "same-origin"),
            ],
        )
        .await;
    res.assert_redirect("/login/tan");
}

// ---------------------------------------------------------------------------
// 11. The session cookie
// ---------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_session_cookie_is_strict_and_renewed_at_each_login_step() {
    let (server, person) = start_with_admin(TestServer::builder()).await;
    let client = server.client();
    let login = client.get("/login").await;
    if let Some((_, line)) = set_cookie(&login, "mv_pre") {
        assert_cookie_attributes(&line);
    }

    let res = password_step(&client, &person.id, &person.password).await;
    res.assert_redirect("/login/tan");
    let (after_password, line) = set_cookie(&res, "mv_session").expect("a session cookie");
    assert!(!after_password.is_empty());
    assert_cookie_attributes(&line);

    let page = client.follow(&res).await;
    let code = person.next_code().await;
    let done = submit_tan(&client, &page, &code).await;
    done.assert_redirect("/");
    let (after_tan, line) = set_cookie(&done, "mv_session").expect("a new session cookie");
    assert_cookie_attributes(&line);
    assert!(!after_tan.is_empty());
    assert_ne!(after_tan, after_password, "the session id was not renewed");

    // The cookie of the first step is worthless now; the new one works.
    let stale = server
        .client()
        .get_with("/", &[("Cookie", &format!("mv_session={after_password}"))])
        .await;
    stale.assert_redirect("/login");
    assert_ne!(stale.location.as_deref(), Some("/login/tan"));
    server
        .client()
        .get_with("/", &[("Cookie", &format!("mv_session={after_tan}"))])
        .await
        .assert_status(200);

    // A new login from a signed-in browser gets yet another id.
    let home = client.get("/").await;
    home.assert_status(200);
    let csrf = csrf_of(&home);
    let res = client
        .post_form(
            "/login",
            &[
                ("csrf", csrf.as_str()),
                ("nutzerkennung", &person.id),
                ("passwort", &person.password),
            ],
        )
        .await;
    res.assert_redirect("/login/tan");
    let (again, line) = set_cookie(&res, "mv_session").expect("cookie");
    assert_cookie_attributes(&line);
    assert_ne!(again, after_tan);
    assert_ne!(again, after_password);
    // The fully signed-in session ended with the new login.
    server
        .client()
        .get_with("/", &[("Cookie", &format!("mv_session={after_tan}"))])
        .await
        .assert_redirect("/login");
}

// ---------------------------------------------------------------------------
// 12. The password step alone gives no access
// ---------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_password_step_alone_gives_no_access() {
    let (server, person) = start_with_admin(TestServer::builder()).await;
    let client = server.client();
    let res = password_step(&client, &person.id, &person.password).await;
    res.assert_redirect("/login/tan");

    for path in ["/", "/einstellungen", "/einstellungen/passwort", "/nutzer"] {
        let page = client.get(path).await;
        assert!(
            matches!(page.status, 302 | 303 | 307 | 404),
            "GET {path} after the password step: {} {}",
            page.status,
            page.body
        );
        if page.status != 404 {
            page.assert_redirect("/login/tan");
        }
        page.assert_not_contains("Guten Tag");
    }

    // Not even a POST with a valid token changes the password.
    let tan_page = client.get("/login/tan").await;
    tan_page.assert_status(200);
    let csrf = csrf_of(&tan_page);
    let res = client
        .post_form(
            "/einstellungen/passwort",
            &[
                ("csrf", csrf.as_str()),
                ("altes_passwort", PASSWORD),
                ("neues_passwort", NEW_PASSWORD),
                ("neues_passwort_bestaetigen", NEW_PASSWORD),
            ],
        )
        .await;
    res.assert_redirect("/login/tan");

    // "Abbrechen" ends the half-finished login.
    let res = tan_page
        .form_with_button("Bestätigen")
        .press("Abbrechen")
        .submit(&client)
        .await;
    res.assert_redirect("/login");
    client.get("/login/tan").await.assert_redirect("/login");
    client.get("/").await.assert_redirect("/login");

    // The password is unchanged.
    password_step(&client, &person.id, PASSWORD)
        .await
        .assert_redirect("/login/tan");
}
