//! Accounts for the access tests: seeded through the library before the
//! server starts, or registered through the real pages (setup, Kassen UI,
//! e-mailed links), and signed in with TOTP codes computed like an
//! authenticator app — without ever offering a code twice.

use std::sync::Mutex;
use std::time::Duration;

use jiff::Timestamp;
use meine_versorgung::Config;
use meine_versorgung::app::passwords::PasswordHasher;
use meine_versorgung::domain::account::{Account, Role, SecondFactor};
use meine_versorgung::domain::org::{
    Bereich, GroupMailbox, Organisation, PortalFunction, ReceiptTarget,
};
use meine_versorgung::domain::totp;
use meine_versorgung::store::{self, Store};

use super::{
    Client, FIRST_ADMIN, Mail, Page, SmtpServer, TIMEOUT, TestServer, TestServerBuilder, run_setup,
    wait_for,
};

/// A strong password (zxcvbn score 4, letters, digits, special characters).
pub const PASSWORD: &str = "Kiefern-Allee!73Wanderdüne";
/// Another strong password, for changes and resets.
pub const NEW_PASSWORD: &str = "Morgen+Tau82;Birkenhain";

pub const SET_PASSWORD_SUBJECT: &str = "Meine Versorgung: Passwort festlegen";
pub const RETRIEVE_ID_SUBJECT: &str = "Meine Versorgung: Nutzerkennung abrufen";
pub const TAN_SUBJECT: &str = "Meine Versorgung: Ihre TAN";

pub const LOGIN_ID_LABEL: &str = "Nutzerkennung oder Identifikationsnummer/PNR";
pub const CREDENTIALS_REFUSED: &str =
    "Die Anmeldung ist fehlgeschlagen. Bitte überprüfen Sie Ihre Nutzerkennung und Ihr Passwort.";
pub const TAN_REFUSED: &str = "Die TAN ist ungültig oder abgelaufen.";

pub fn unix_now() -> u64 {
    u64::try_from(Timestamp::now().as_second()).unwrap_or(0)
}

/// The TOTP time step of `unix`.
pub fn step_of(unix: u64) -> u64 {
    unix / 30
}

/// Someone who can sign in: Nutzerkennung, password and (once set up) the
/// authenticator secret. Remembers the last TOTP step used, so that every
/// login offers a code the server has not seen yet.
pub struct TestAccount {
    pub id: String,
    pub password: String,
    pub email: String,
    pub secret: String,
    last_step: Mutex<Option<u64>>,
}

impl TestAccount {
    pub fn new(id: &str, password: &str, email: &str, secret: &str) -> TestAccount {
        TestAccount {
            id: id.to_owned(),
            password: password.to_owned(),
            email: email.to_owned(),
            secret: secret.to_owned(),
            last_step: Mutex::new(None),
        }
    }

    fn last(&self) -> Option<u64> {
        *self.last_step.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Records that the code of `step` was used (e.g. by the test itself).
    pub fn used_step(&self, step: u64) {
        let mut last = self.last_step.lock().unwrap_or_else(|e| e.into_inner());
        *last = Some(last.map_or(step, |l| l.max(step)));
    }

    /// A code the server accepts now and has not seen: of the previous
    /// step (only in the first half of the current step), the current or
    /// the next one; waits for the next step when all are used. Holds for
    /// a server whose clock a test moved ahead by up to 15 s (its step may
    /// already be the next one, for which the previous step's code is too
    /// old).
    pub async fn next_code(&self) -> String {
        loop {
            let now = unix_now();
            let step = step_of(now);
            let mut candidates = Vec::new();
            if now % 30 < 15 {
                candidates.push(step - 1);
            }
            candidates.extend([step, step + 1]);
            if let Some(s) = candidates
                .into_iter()
                .find(|s| self.last().is_none_or(|l| *s > l))
            {
                self.used_step(s);
                return totp::code_at(&self.secret, s * 30).expect("code");
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }
}

// ---------------------------------------------------------------------------
// Pages
// ---------------------------------------------------------------------------

/// "Anmelden" with Nutzerkennung and password; returns the response.
pub async fn password_step(client: &Client, id: &str, password: &str) -> Page {
    let page = client.get("/login").await;
    page.assert_status(200);
    page.form_with_button("Anmelden")
        .fill(LOGIN_ID_LABEL, id)
        .fill("Passwort", password)
        .submit(client)
        .await
}

/// Types `tan` into "TAN" on `page` and presses "Bestätigen".
pub async fn submit_tan(client: &Client, page: &Page, tan: &str) -> Page {
    page.form_with_button("Bestätigen")
        .fill("TAN", tan)
        .submit(client)
        .await
}

/// Password step and TOTP for `person` (authenticator already set up);
/// asserts that it ends on the home page.
pub async fn sign_in(client: &Client, person: &TestAccount) {
    let res = password_step(client, &person.id, &person.password).await;
    res.assert_redirect("/login/tan");
    let tan_page = client.follow(&res).await;
    tan_page.assert_status(200);
    let code = person.next_code().await;
    let done = submit_tan(client, &tan_page, &code).await;
    done.assert_redirect("/");
    assert_eq!(done.location.as_deref(), Some("/"), "after the TAN: home");
}

/// A new client signed in as `person`.
pub async fn signed_in(server: &TestServer, person: &TestAccount) -> Client {
    let client = server.client();
    sign_in(&client, person).await;
    client
}

/// First login of an account without authenticator: password step, the
/// set-up page, the first code. Returns the secret shown.
pub async fn first_login(client: &Client, id: &str, password: &str) -> String {
    let res = password_step(client, id, password).await;
    res.assert_redirect("/login/authenticator");
    let setup = client.follow(&res).await;
    setup.assert_status(200);
    let secret = setup.text_of("code#totp-secret").replace(' ', "");
    let code = totp::code_at(&secret, unix_now()).expect("code");
    let done = submit_tan(client, &setup, &code).await;
    done.assert_redirect("/");
    assert_eq!(done.location.as_deref(), Some("/"));
    secret
}

/// Opens a set-password link and sets `password`; asserts success.
pub async fn set_password_with_link(client: &Client, link: &str, password: &str) -> Page {
    let page = client.get(link).await;
    page.assert_status(200);
    let done = page
        .form_with_button("Passwort festlegen")
        .fill("Neues Passwort", password)
        .fill("Neues Passwort bestätigen", password)
        .submit(client)
        .await;
    done.assert_redirect("/passwort-festgelegt");
    let done = client.follow(&done).await;
    done.assert_status(200);
    done.assert_contains("Passwort festgelegt");
    done
}

/// The `n`-th (1-based) mail to `to` whose subject contains `subject`.
pub async fn nth_mail(smtp: &SmtpServer, to: &str, subject: &str, n: usize) -> Mail {
    wait_for(
        &format!("mail no. {n} {subject:?} to {to}"),
        TIMEOUT,
        || {
            let found = smtp
                .mails_to(to)
                .into_iter()
                .filter(|m| m.subject.contains(subject))
                .nth(n - 1);
            async move { found }
        },
    )
    .await
}

/// How many mails to `to` with `subject` arrived so far.
pub fn count_mails(smtp: &SmtpServer, to: &str, subject: &str) -> usize {
    smtp.mails_to(to)
        .iter()
        .filter(|m| m.subject.contains(subject))
        .count()
}

/// The six-digit TAN in an e-mail-TAN mail.
#[track_caller]
pub fn tan_in(mail: &Mail) -> String {
    let after = mail
        .text
        .split("lautet:")
        .nth(1)
        .unwrap_or_else(|| panic!("no TAN in the mail:\n{}", mail.text));
    let tan: String = after
        .trim_start()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    assert_eq!(tan.len(), 6, "the TAN has 6 digits: {:?}", mail.text);
    tan
}

/// The Nutzerkennung of the set-up form's result page.
pub async fn setup_first_account(server: &TestServer, client: &Client) -> String {
    run_setup(server, client, &FIRST_ADMIN).await
}

/// First start → the first Kassen account, its password set through the
/// mailed link and its authenticator set up; returns a signed-in client.
pub async fn kassen_admin(server: &TestServer, smtp: &SmtpServer) -> (Client, TestAccount) {
    let client = server.client();
    let id = setup_first_account(server, &client).await;
    let mail = nth_mail(smtp, FIRST_ADMIN.email, SET_PASSWORD_SUBJECT, 1).await;
    set_password_with_link(&client, &mail.only_link(), PASSWORD).await;
    let secret = first_login(&client, &id, PASSWORD).await;
    let person = TestAccount::new(&id, PASSWORD, FIRST_ADMIN.email, &secret);
    person.used_step(step_of(unix_now()));
    (client, person)
}

/// "Mitglied anlegen" in the Kassen UI; returns the organisation's id.
pub async fn kassen_create_org(kassen: &Client, name: &str, number: &str) -> String {
    let page = kassen.get("/kassen/mitglieder/neu").await;
    page.assert_status(200);
    let res = page
        .form_with_button("Anlegen")
        .fill("Name", name)
        .fill("Mitgliedsnummer", number)
        .fill("Abrechnungsnummer", "102898")
        .fill("Anschrift", &format!("Rathausplatz 1\n59999 {name}"))
        .check_in("Geschäftsbereiche", "Beamtenversorgung")
        .check_in("Geschäftsbereiche", "Zusatzversorgung")
        .submit(kassen)
        .await;
    res.assert_redirect("/kassen/mitglieder/");
    let location = res.location.clone().unwrap_or_default();
    let id = location
        .trim_start_matches("/kassen/mitglieder/")
        .split('?')
        .next()
        .unwrap_or("")
        .to_owned();
    assert!(
        !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()),
        "organisation id from {location:?}"
    );
    id
}

/// An administrator as the Kassen register one.
pub struct NewAdmin<'a> {
    pub first_name: &'a str,
    pub last_name: &'a str,
    pub birth_date: &'a str,
    pub email: &'a str,
}

/// "Administrator:in anlegen" in the Kassen UI; returns the Nutzerkennung
/// the confirmation names.
pub async fn kassen_create_admin(kassen: &Client, org_id: &str, admin: &NewAdmin<'_>) -> String {
    let page = kassen.get("/kassen/administratoren/neu").await;
    page.assert_status(200);
    let res = page
        .form_with_button("Anlegen")
        .fill("Vorname", admin.first_name)
        .fill("Name", admin.last_name)
        .fill("Geburtsdatum", admin.birth_date)
        .fill("E-Mail-Adresse", admin.email)
        .select("Mitglied", org_id)
        .submit(kassen)
        .await;
    // Post/redirect/get: the confirmation is a page of its own.
    res.assert_redirect("/kassen/administratoren/X");
    let res = kassen.follow(&res).await;
    res.assert_status(200);
    res.assert_contains("ANLAGE ERFOLGREICH");
    let hrefs = res.html().link_hrefs("Bestätigen");
    let id = hrefs
        .first()
        .and_then(|h| h.strip_prefix("/kassen/administratoren/"))
        .unwrap_or_else(|| panic!("no link to the new administrator: {hrefs:?}"))
        .to_owned();
    assert!(
        id.starts_with('X') && id.len() == 12 && id[1..].bytes().all(|b| b.is_ascii_digit()),
        "administrators' Nutzerkennungen are X + 11 digits: {id}"
    );
    res.assert_contains(&id);
    id
}

// ---------------------------------------------------------------------------
// Seeding through the library (before the server starts)
// ---------------------------------------------------------------------------

/// An organisation with every Bereich, mailbox and function enabled.
pub fn organisation(name: &str, number: &str) -> Organisation {
    Organisation {
        id: 0,
        name: name.to_owned(),
        number: number.to_owned(),
        billing_number: format!("1{number}"),
        address: format!("Rathausplatz 1\n59999 {name}"),
        bereiche: Bereich::ALL.to_vec(),
        enabled_mailboxes: GroupMailbox::ALL.to_vec(),
        enabled_functions: PortalFunction::ALL.to_vec(),
        receipt_target: ReceiptTarget::Personal,
        group_emails: Default::default(),
        second_factor: Default::default(),
    }
}

/// The hash of [`PASSWORD`] with the test configuration's argon2 settings.
pub fn password_hash() -> String {
    let argon2 = super::TestServer::builder().config().argon2;
    PasswordHasher::new(&argon2)
        .expect("hasher")
        .hash_blocking(PASSWORD)
        .expect("hash")
}

/// Stores an active account of `role` (password hash `hash`, authenticator
/// set up) in `tx`; returns who can sign in as it.
pub fn seed_active(
    tx: &store::WriteTx,
    role: Role,
    (first, last, email): (&str, &str, &str),
    hash: &str,
) -> Result<TestAccount, store::Error> {
    let id = store::accounts::issue_id(tx, &role, Timestamp::now())?;
    let secret = totp::new_secret();
    let mut account = Account::new(
        id.clone(),
        role,
        first.to_owned(),
        last.to_owned(),
        email.to_owned(),
        jiff::civil::Date::new(1980, 5, 17).ok(),
        Timestamp::now(),
    );
    account.password_hash = Some(hash.to_owned());
    account.totp_secret = Some(secret.clone());
    account.activated_at = Some(Timestamp::now());
    store::accounts::put(tx, &account)?;
    Ok(TestAccount::new(id.as_str(), PASSWORD, email, &secret))
}

/// Seeds an organisation with one active administrator (password
/// [`PASSWORD`], authenticator set up) into the data directory of
/// `builder`, then starts the server.
pub async fn start_with_admin(builder: TestServerBuilder) -> (TestServer, TestAccount) {
    let (server, mut people) = start_with_admins(builder, 1).await;
    (server, people.remove(0))
}

/// Like [`start_with_admin`], with `n` administrators of one organisation.
pub async fn start_with_admins(
    mut builder: TestServerBuilder,
    n: usize,
) -> (TestServer, Vec<TestAccount>) {
    let config: Config = builder.config();
    let people = {
        let store = Store::open(&config.data_dir).expect("open store");
        let hasher = PasswordHasher::new(&config.argon2).expect("hasher");
        let hash = hasher.hash_blocking(PASSWORD).expect("hash");
        store
            .write(|tx| {
                let mut org = organisation("Blaugraben", "78970");
                org.id = store::next_id(tx, "org")?;
                store::orgs::put(tx, &org)?;
                let mut people = Vec::new();
                for i in 0..n {
                    let role = Role::OrgAdmin { org: org.id };
                    let id = store::accounts::issue_id(tx, &role, Timestamp::now())?;
                    let secret = totp::new_secret();
                    let email = format!("admin{i}@blaugraben.example");
                    let account = Account {
                        id: id.clone(),
                        role,
                        first_name: "Kim".to_owned(),
                        last_name: format!("Mustermensch{}", ["", "-Zwei", "-Drei"][i % 3]),
                        email: email.clone(),
                        birth_date: jiff::civil::Date::new(1980, 5, 17).ok(),
                        password_hash: Some(hash.clone()),
                        password_history: Vec::new(),
                        second_factor: SecondFactor::Totp,
                        second_factor_override: false,
                        totp_secret: Some(secret.clone()),
                        totp_last_step: None,
                        admin_locked: false,
                        failed_logins: 0,
                        locked_until: None,
                        created_at: Timestamp::now(),
                        activated_at: Some(Timestamp::now()),
                        activation_expires_at: None,
                        last_login_at: None,
                        dormancy: Default::default(),
                        recertified_at: None,
                        suspended_grants: None,
                    };
                    store::accounts::put(tx, &account)?;
                    people.push(TestAccount::new(id.as_str(), PASSWORD, &email, &secret));
                }
                Ok::<_, store::Error>(people)
            })
            .expect("seed")
    };
    (builder.start().await, people)
}

/// The Kassen-Portaladministration (signed in as `kasse`) switches the
/// administrator `admin` to the E-Mail-TAN.
pub async fn switch_to_email_tan(kasse: &Client, admin: &TestAccount) {
    let details_path = format!("/kassen/administratoren/{}", admin.id);
    kasse
        .get(&details_path)
        .await
        .form_with_button("Zweiten Faktor auf E-Mail-TAN umstellen")
        .submit(kasse)
        .await
        .assert_redirect(&details_path);
}

/// Whether `needle` occurs in the bytes of the file `path`.
pub fn file_contains(path: &std::path::Path, needle: &str) -> bool {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    bytes.windows(needle.len()).any(|w| w == needle.as_bytes())
}

/// Seeds one Kassen-Portaladministration account and one administrator of
/// the organisation "Blaugraben" (both active, authenticator set up) into
/// the data directory of `builder`, then starts the server. Returns the
/// server, the Kassen account and the administrator.
pub async fn start_with_kassen_and_admin(
    mut builder: TestServerBuilder,
) -> (TestServer, TestAccount, TestAccount) {
    let config: Config = builder.config();
    let (kassen, admin) = {
        let store = Store::open(&config.data_dir).expect("open store");
        let hasher = PasswordHasher::new(&config.argon2).expect("hasher");
        let hash = hasher.hash_blocking(PASSWORD).expect("hash");
        store
            .write(|tx| {
                let mut org = organisation("Blaugraben", "78970");
                org.id = store::next_id(tx, "org")?;
                store::orgs::put(tx, &org)?;
                let seed = |role: Role, first: &str, last: &str, email: &str| {
                    let id = store::accounts::issue_id(tx, &role, Timestamp::now())?;
                    let secret = totp::new_secret();
                    let mut account = Account::new(
                        id.clone(),
                        role,
                        first.to_owned(),
                        last.to_owned(),
                        email.to_owned(),
                        jiff::civil::Date::new(1980, 5, 17).ok(),
                        Timestamp::now(),
                    );
                    account.password_hash = Some(hash.clone());
                    account.totp_secret = Some(secret.clone());
                    account.activated_at = Some(Timestamp::now());
                    store::accounts::put(tx, &account)?;
                    Ok::<_, store::Error>(TestAccount::new(id.as_str(), PASSWORD, email, &secret))
                };
                let kassen = seed(
                    Role::Kassen {
                        portal_admin: true,
                        sachbearbeitung: Vec::new(),
                    },
                    "Kim",
                    "Kassenwart",
                    FIRST_ADMIN.email,
                )?;
                let admin = seed(
                    Role::OrgAdmin { org: org.id },
                    "Kim",
                    "Mustermensch",
                    "kim.mustermensch@blaugraben.example",
                )?;
                Ok::<_, store::Error>((kassen, admin))
            })
            .expect("seed")
    };
    (builder.start().await, kassen, admin)
}
