//! User administration by an organisation's administrator (handbook §2–7):
//! creating Nutzer:innen with grants, the overview with filter and paging,
//! details, editing, locking, deactivation, group mailboxes and the
//! Postfach-Konfiguration — always within the own organisation.

use jiff::Timestamp;
use meine_versorgung::Config;
use meine_versorgung::app::passwords::PasswordHasher;
use meine_versorgung::domain::account::{Account, Grants, Role, SecondFactor};
use meine_versorgung::domain::ids::Nutzerkennung;
use meine_versorgung::domain::org::{
    Bereich, GroupMailbox, Organisation, PortalFunction, ReceiptTarget,
};
use meine_versorgung::domain::totp;
use meine_versorgung::store::{self, Store};

use crate::support::login::{login, password_step};
use crate::support::*;

const PASSWORD: &str = "Versorgung-Test-2026!abc";
const USER_PASSWORD: &str = "Beihilfe-Neu-2026?Kiefer";
const SUBJECT: &str = "Passwort festlegen";
/// A locked account answers every password like a wrong one (SECURITY.md).
const LOCK_MESSAGE: &str =
    "Die Anmeldung ist fehlgeschlagen. Bitte überprüfen Sie Ihre Nutzerkennung und Ihr Passwort.";

// ---------------------------------------------------------------------------
// Seeding through the library (the Kassen UI is not part of these tests)
// ---------------------------------------------------------------------------

/// An organisation as the Kassen would set it up: Finanzierung is not enabled.
fn organisation(name: &str, number: &str) -> Organisation {
    Organisation {
        id: 0,
        name: name.to_owned(),
        number: number.to_owned(),
        billing_number: format!("1{number}"),
        address: format!("Rathausplatz 1\n59999 {name}"),
        bereiche: vec![Bereich::Beamtenversorgung, Bereich::Zusatzversorgung],
        enabled_mailboxes: GroupMailbox::ALL
            .into_iter()
            .filter(|m| *m != GroupMailbox::Finanzierung)
            .collect(),
        enabled_functions: PortalFunction::ALL.to_vec(),
        receipt_target: ReceiptTarget::Personal,
        group_emails: Default::default(),
        second_factor: Default::default(),
    }
}

fn account(id: Nutzerkennung, role: Role, first: &str, last: &str, hash: Option<&str>) -> Account {
    Account {
        id,
        role,
        first_name: first.to_owned(),
        last_name: last.to_owned(),
        email: format!(
            "{}.{}@{}.example",
            first.to_lowercase(),
            last.to_lowercase(),
            "musterstadt"
        ),
        birth_date: None,
        password_hash: hash.map(str::to_owned),
        password_history: Vec::new(),
        second_factor: SecondFactor::Totp,
        second_factor_override: false,
        totp_secret: None,
        totp_last_step: None,
        admin_locked: false,
        failed_logins: 0,
        locked_until: None,
        created_at: Timestamp::now(),
        activated_at: None,
        activation_expires_at: None,
        last_login_at: None,
        dormancy: Default::default(),
        recertified_at: None,
        suspended_grants: None,
    }
}

/// What was seeded for one organisation.
#[derive(Clone)]
struct SeededOrg {
    org: u64,
    admin: String,
}

/// A Nutzer:in seeded as already active (password and authenticator set).
#[derive(Clone)]
struct SeededUser {
    id: String,
    secret: String,
}

struct Seeder {
    store: Store,
    hash: String,
}

impl Seeder {
    fn open(config: &Config) -> Seeder {
        let store = Store::open(&config.data_dir).expect("open store");
        let hasher = PasswordHasher::new(&config.argon2).expect("hasher");
        let hash = hasher.hash_blocking(PASSWORD).expect("hash");
        Seeder { store, hash }
    }

    /// An organisation with one administrator (`X`).
    fn org(&self, name: &str, number: &str) -> SeededOrg {
        self.store
            .write(|tx| {
                let mut org = organisation(name, number);
                org.id = store::next_id(tx, "org")?;
                store::orgs::put(tx, &org)?;
                let role = Role::OrgAdmin { org: org.id };
                let id = store::accounts::issue_id(tx, &role, Timestamp::now())?;
                store::accounts::put(
                    tx,
                    &account(id.clone(), role, "Kim", name, Some(&self.hash)),
                )?;
                Ok::<_, store::Error>(SeededOrg {
                    org: org.id,
                    admin: id.to_string(),
                })
            })
            .expect("seed organisation")
    }

    /// A Nutzer:in (`S`); `active` gives it a password and an authenticator.
    fn user(&self, org: u64, first: &str, last: &str, grants: Grants, active: bool) -> SeededUser {
        self.user_with(org, first, last, grants, active, |_| {})
    }

    fn user_with(
        &self,
        org: u64,
        first: &str,
        last: &str,
        grants: Grants,
        active: bool,
        change: impl FnOnce(&mut Account),
    ) -> SeededUser {
        self.store
            .write(|tx| {
                let role = Role::OrgUser { org, grants };
                let id = store::accounts::issue_id(tx, &role, Timestamp::now())?;
                let mut a = account(
                    id.clone(),
                    role,
                    first,
                    last,
                    active.then_some(self.hash.as_str()),
                );
                let secret = totp::new_secret();
                if active {
                    a.totp_secret = Some(secret.clone());
                }
                change(&mut a);
                store::accounts::put(tx, &a)?;
                Ok::<_, store::Error>(SeededUser {
                    id: id.to_string(),
                    secret,
                })
            })
            .expect("seed user")
    }
}

fn postfach_grants(mailboxes: &[GroupMailbox]) -> Grants {
    Grants {
        mailboxes: mailboxes.to_vec(),
        functions: vec![PortalFunction::Postfach],
    }
}

// ---------------------------------------------------------------------------
// Logging in through the real pages
// ---------------------------------------------------------------------------

/// Logs the administrator in (first login: authenticator set-up).
async fn admin_login(server: &TestServer, seeded: &SeededOrg) -> Client {
    login(server, &seeded.admin, PASSWORD, None).await.0
}

async fn start_with<T>(
    smtp: Option<&SmtpServer>,
    seed: impl FnOnce(&Seeder) -> T,
) -> (TestServer, T) {
    let mut builder = TestServer::builder();
    if let Some(smtp) = smtp {
        builder = builder.smtp(smtp);
    }
    let config = builder.config();
    let seeded = {
        let seeder = Seeder::open(&config);
        seed(&seeder)
    };
    (builder.start().await, seeded)
}

/// The rows of the overview table: (Name, Vorname, Nutzerkennung, Gruppenpostfach, Status, Letzte Anmeldung).
fn rows(page: &Page) -> Vec<Vec<String>> {
    let html = page.html();
    let cells = html.select_texts("main table tbody tr td");
    cells
        .chunks(6)
        .filter(|c| c.len() == 6)
        .map(<[String]>::to_vec)
        .collect()
}

fn ids_in(page: &Page) -> Vec<String> {
    rows(page).into_iter().map(|r| r[2].clone()).collect()
}

/// Reads the store of a stopped server.
fn with_store<T>(dir: &DataDir, f: impl FnOnce(&Store) -> T) -> T {
    let store = Store::open(dir.path()).expect("open store");
    f(&store)
}

fn audit_actions(store: &Store) -> Vec<(String, String, String)> {
    store
        .read(store::audit::all_newest_first)
        .expect("audit")
        .into_iter()
        .map(|(_, e)| (e.actor, e.action, e.detail))
        .collect()
}

// ---------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn created_user_activates_through_the_mail_and_becomes_active() {
    let smtp = SmtpServer::start().await;
    let (server, org) = start_with(Some(&smtp), |s| s.org("Blaugraben", "78970")).await;
    let admin = admin_login(&server, &org).await;

    // Home of an administrator.
    let home = admin.get("/").await;
    home.assert_status(200);
    home.assert_contains("Guten Tag, Kim Blaugraben!");
    home.assert_contains("Eingang Gruppenpostfächer");
    home.assert_contains("Neueste Nachrichten in Gruppenpostfächern.");
    home.assert_contains("Keine Daten vorhanden");

    // The form offers only what the organisation is enabled for.
    let form_page = admin.get("/nutzer/neu").await;
    form_page.assert_status(200);
    for text in [
        "Nutzer:in anlegen",
        "Sie können hier neue Nutzer:innen für das Portal Meine Versorgung anlegen.",
        "Mit * gekennzeichnete Felder sind Pflichtfelder",
        "Nutzer:innen-Daten",
        "Berechtigungen für Gruppenpostfächer",
        "Bitte wählen Sie hier die Gruppenpostfächer aus, auf welche der/die Nutzer:in zugreifen können soll.",
        "Berechtigungen für Portal-Funktionalitäten",
        "Bitte wählen Sie die Berechtigungen des/der Nutzer:in aus.",
        "Sie sind nur in den Geschäftsbereichen Beamtenversorgung und Zusatzversorgung bei der Kasse gemeldet.",
    ] {
        form_page.assert_contains(text);
    }
    let form = form_page.form_with_button("Anlegen");
    let labels = form.labels();
    assert!(labels.contains(&"Beihilfe".to_owned()), "{labels:?}");
    assert!(labels.contains(&"Administration".to_owned()), "{labels:?}");
    assert!(
        !labels.contains(&"Finanzierung".to_owned()),
        "not enabled: {labels:?}"
    );
    assert_eq!(form.value("Mitglied"), "Blaugraben");
    assert_eq!(
        form_page
            .html()
            .link_hrefs("Nutzungsbedingungen")
            .first()
            .map(String::as_str),
        Some("/nutzungsbedingungen")
    );

    let done = form
        .fill("Vorname", "Max")
        .fill("Name", "Mustermensch")
        .fill("E-Mail-Adresse", "max.mustermensch@musterstadt.example")
        .check_in("Berechtigungen für Gruppenpostfächer", "Beihilfe")
        .check_in("Berechtigungen für Gruppenpostfächer", "Beamtenversorgung")
        .check("Postfachfunktionalität")
        .check("Ich bestätige, dass die Nutzungsbedingungen dem Beschäftigten bekannt sind und dass er/sie diese mit der Anlage des Zugangs akzeptiert.")
        .submit(&admin)
        .await;
    // Post/redirect/get: the confirmation is a GET page; reloading it
    // creates no second account.
    done.assert_redirect("/nutzer/S");
    let done = admin.follow(&done).await;
    done.assert_status(200);
    done.assert_contains("ANLAGE ERFOLGREICH");
    let reloaded = admin.get(&done.url).await;
    reloaded
        .assert_status(200)
        .assert_contains("ANLAGE ERFOLGREICH");
    done.assert_contains("Das Nutzer:innen-Konto wurde erfolgreich angelegt. Bitte teilen Sie Max Mustermensch die Nutzerkennung separat mit. Max Mustermensch erhält in Kürze automatisch eine E-Mail zum erstmaligen Setzen des Passwortes.");
    done.assert_contains("innerhalb der nächsten 60 Minuten");
    let id = done.text_of("#nutzerkennung");
    assert!(
        Nutzerkennung::parse(&id).is_some() && id.starts_with('S'),
        "{id}"
    );
    assert_eq!(
        done.html().link_hrefs("Bestätigen"),
        vec!["/nutzer".to_owned()]
    );

    // The overview lists the new user.
    let overview = admin.get("/nutzer").await;
    overview.assert_status(200);
    assert_eq!(
        rows(&overview),
        vec![vec![
            "Mustermensch".to_owned(),
            "Max".to_owned(),
            id.clone(),
            "Beihilfe, Beamtenversorgung".to_owned(),
            "Angelegt".to_owned(),
            "Noch nie".to_owned()
        ]]
    );

    // The first mail; a resend voids its link.
    let to = "max.mustermensch@musterstadt.example";
    let first = smtp.wait_for_mail(to, SUBJECT, TIMEOUT).await;
    first.assert_single_recipient(to);
    let first_link =
        first.link_starting_with(&format!("{}/passwort-festlegen?token=", server.public_url));
    let details = admin.get(&format!("/nutzer/{id}")).await;
    details.assert_status(200);
    let sent = details
        .form_with_button("E-Mail für neues Passwort versenden")
        .submit(&admin)
        .await;
    sent.assert_redirect(&format!("/nutzer/{id}?hinweis=versendet"));
    admin
        .follow(&sent)
        .await
        .assert_contains("Die E-Mail zum Setzen des Passwortes wurde versendet.");
    let second = wait_for("the second mail", TIMEOUT, || async {
        let mails = smtp.mails_to(to);
        (mails.len() >= 2).then(|| mails[1].clone())
    })
    .await;
    let link =
        second.link_starting_with(&format!("{}/passwort-festlegen?token=", server.public_url));
    assert_ne!(link, first_link);

    // The user sets a password through the link of the second mail.
    let user = server.client();
    let old = user.get(&first_link).await;
    old.assert_not_contains("Passwort festlegen</button>");
    let set_page = user.get(&link).await;
    set_page.assert_status(200);
    let set = set_page
        .form_with_button("Passwort festlegen")
        .fill("Neues Passwort", USER_PASSWORD)
        .fill("Neues Passwort bestätigen", USER_PASSWORD)
        .submit(&user)
        .await;
    assert!(set.status < 400, "set password: {}", set.body);

    // Activated: no more resend, neither as button nor as forged POST.
    let overview = admin.get("/nutzer").await;
    assert_eq!(
        rows(&overview)[0][4],
        "Angelegt (TOTP-Einrichtung ausstehend)"
    );
    let details = admin.get(&format!("/nutzer/{id}")).await;
    assert!(!details.has_button("E-Mail für neues Passwort versenden"));
    let csrf = details
        .form_with_button("Nutzer:in temporär sperren")
        .value_of("csrf")
        .expect("csrf");
    let forged = admin
        .post_form(&format!("/nutzer/{id}/passwort-email"), &[("csrf", &csrf)])
        .await;
    assert_eq!(forged.status, 409, "{}", forged.body);
    forged.assert_contains("Das Nutzerkonto ist bereits aktiviert.");

    // First login with authenticator set-up → Aktiv.
    let (user, _) = login(&server, &id, USER_PASSWORD, None).await;
    let home = user.get("/").await;
    home.assert_contains("Guten Tag, Max Mustermensch!");
    home.assert_contains("Postfachfunktionalität");
    // A Nutzer:in sees the Mitgliederdaten but no administration page.
    let data = user.get("/mitgliederdaten").await;
    data.assert_status(200);
    data.assert_contains("78970");
    for path in [
        "/nutzer",
        "/nutzer/neu",
        &format!("/nutzer/{id}"),
        "/gruppenpostfaecher",
        "/postfach-konfiguration",
    ] {
        user.get(path).await.assert_status(404);
    }
    let overview = admin.get("/nutzer").await;
    assert_eq!(rows(&overview)[0][4], "Aktiv");
    // Every mail queued so far has gone out: the count below is final.
    server.mail_queue_drained().await;
    let set_password_mails = smtp
        .mails_to(to)
        .into_iter()
        .filter(|m| m.subject.contains(SUBJECT))
        .count();
    assert_eq!(
        set_password_mails, 2,
        "no set-password mail after activation"
    );

    let dir = server.shutdown().await;
    with_store(&dir, |store| {
        let log = audit_actions(store);
        assert!(
            log.iter()
                .any(|(a, act, _)| a == &org.admin && act == "account.created")
        );
        assert!(
            log.iter()
                .any(|(a, act, _)| a == &org.admin && act == "account.password_mail_resent")
        );
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn overview_pages_by_twenty_and_every_filter_narrows() {
    let (server, (org, special)) = start_with(None, |s| {
        let org = s.org("Blaugraben", "78970");
        let other = s.org("Mäuserast", "78971");
        s.user(other.org, "Fremd", "Aaaa", Grants::default(), false);
        let mut special = Vec::new();
        for i in 0..45 {
            let mailboxes: &[GroupMailbox] = if i % 3 == 0 {
                &[GroupMailbox::Beihilfe]
            } else {
                &[GroupMailbox::Zusatzversorgung]
            };
            let last = format!("Nachname{i:02}");
            let first = if i % 5 == 0 { "Erika" } else { "Max" };
            let u = s.user(
                org.org,
                first,
                &last,
                postfach_grants(mailboxes),
                i % 9 == 0,
            );
            if i == 17 {
                special.push(u.id.clone());
            }
        }
        (org, special)
    })
    .await;
    let admin = admin_login(&server, &org).await;

    let page1 = admin.get("/nutzer").await;
    page1.assert_status(200);
    page1.assert_contains("Übersicht: Nutzer:innen");
    page1.assert_contains("Sie können hier Nutzer:innen Ihrer Organisation für das Portal Meine Versorgung verwalten.");
    page1.assert_contains("Elemente pro Seite: 20");
    page1.assert_contains("1 - 20 von 45");
    let r = rows(&page1);
    assert_eq!(r.len(), 20);
    assert_eq!(r[0][0], "Nachname00");
    assert_eq!(r[19][0], "Nachname19");
    assert!(
        !page1.body.contains("Fremd"),
        "another organisation's user is listed"
    );
    assert!(
        !ids_in(&page1).contains(&org.admin),
        "administrators are not listed"
    );
    // Keyboard: every Nutzerkennung is a link to the details.
    let links = page1.html().select_attrs("main table tbody a", "href");
    assert_eq!(links.len(), 20);
    assert!(links.iter().all(|l| l.starts_with("/nutzer/S")));

    let last = admin.get(&page1.html().link_hrefs(">|")[0]).await;
    last.assert_contains("41 - 45 von 45");
    assert_eq!(rows(&last).len(), 5);
    let page2 = admin.get(&page1.html().link_hrefs(">")[0]).await;
    page2.assert_contains("21 - 40 von 45");
    let back = admin.get(&page2.html().link_hrefs("|<")[0]).await;
    back.assert_contains("1 - 20 von 45");

    // Filter by Name (part, any case).
    let f = page1
        .form_with_button("Filtern")
        .fill("Name", "nachname1")
        .submit(&admin)
        .await;
    f.assert_contains("1 - 10 von 10");
    assert!(rows(&f).iter().all(|r| r[0].starts_with("Nachname1")));

    // Vorname: every fifth is Erika (0, 5, …, 40 → 9).
    let f = page1
        .form_with_button("Filtern")
        .fill("Vorname", "Erika")
        .submit(&admin)
        .await;
    f.assert_contains("1 - 9 von 9");
    assert!(rows(&f).iter().all(|r| r[1] == "Erika"));

    // Nutzerkennung.
    let f = page1
        .form_with_button("Filtern")
        .fill("Nutzerkennung", &special[0])
        .submit(&admin)
        .await;
    assert_eq!(ids_in(&f), vec![special[0].clone()]);

    // Gruppen: Beihilfe for every third (0, 3, …, 42 → 15).
    let f = page1
        .form_with_button("Filtern")
        .select("Gruppen", "Beihilfe")
        .submit(&admin)
        .await;
    f.assert_contains("1 - 15 von 15");
    assert!(rows(&f).iter().all(|r| r[3] == "Beihilfe"));

    // Benutzerstatus: active every ninth (0, 9, …, 36 → 5).
    let f = page1
        .form_with_button("Filtern")
        .select("Benutzerstatus", "Aktiv")
        .submit(&admin)
        .await;
    f.assert_contains("1 - 5 von 5");
    assert!(rows(&f).iter().all(|r| r[4] == "Aktiv"));

    // Combined filters survive paging: Zusatzversorgung + "Max" → 24 rows.
    let f = page1
        .form_with_button("Filtern")
        .select("Gruppen", "Zusatzversorgung")
        .fill("Vorname", "Max")
        .submit(&admin)
        .await;
    f.assert_contains("1 - 20 von 24");
    let next = f.html().link_hrefs(">")[0].clone();
    assert!(
        next.contains("gruppe=zusatzversorgung") && next.contains("vorname=Max"),
        "{next}"
    );
    let p2 = admin.get(&next).await;
    p2.assert_contains("21 - 24 von 24");
    assert!(
        rows(&p2)
            .iter()
            .all(|r| r[1] == "Max" && r[3] == "Zusatzversorgung")
    );
    // The filter form keeps its values; "Alle Filter löschen" resets.
    let kept = p2.form_with_button("Filtern");
    assert_eq!(kept.value("Vorname"), "Max");
    assert_eq!(kept.value("Gruppen"), "Zusatzversorgung");
    assert_eq!(
        p2.html().link_hrefs("Alle Filter löschen"),
        vec!["/nutzer".to_owned()]
    );

    // No match: the honest empty table.
    let none = admin.get("/nutzer?name=gibt-es-nicht").await;
    none.assert_contains("Keine Daten vorhanden");
    none.assert_contains("0 von 0");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_input_and_forged_grants_are_refused_and_nothing_is_stored() {
    let smtp = SmtpServer::start().await;
    let (server, org) = start_with(Some(&smtp), |s| s.org("Blaugraben", "78970")).await;
    let admin = admin_login(&server, &org).await;
    let stored = server.mails_stored();
    let form_page = admin.get("/nutzer/neu").await;

    let res = form_page
        .form_with_button("Anlegen")
        .fill("Vorname", " ")
        .fill("Name", "")
        .fill("E-Mail-Adresse", "keine-adresse")
        .submit(&admin)
        .await;
    res.assert_status(422);
    let html = res.html();
    assert_eq!(
        html.field_error("Vorname").as_deref(),
        Some("Bitte geben Sie einen Vornamen ein.")
    );
    assert_eq!(
        html.field_error("Name").as_deref(),
        Some("Bitte geben Sie einen Namen ein.")
    );
    assert!(
        html.field_error("E-Mail-Adresse")
            .is_some_and(|e| e.contains("gültige E-Mail-Adresse"))
    );
    assert_eq!(
        html.field_error("Ich bestätige, dass die Nutzungsbedingungen dem Beschäftigten bekannt sind und dass er/sie diese mit der Anlage des Zugangs akzeptiert.").as_deref(),
        Some("Bitte bestätigen Sie, dass die Nutzungsbedingungen dem Beschäftigten bekannt sind.")
    );
    // The error is linked to its field.
    assert_eq!(
        html.select_attrs("#f-email", "aria-describedby"),
        vec!["f-email-fehler".to_owned()]
    );
    // Values are kept.
    assert_eq!(
        res.form_with_button("Anlegen").value("E-Mail-Adresse"),
        "keine-adresse"
    );

    // Forged: a mailbox the organisation has not enabled.
    let csrf = form_page
        .form_with_button("Anlegen")
        .value_of("csrf")
        .expect("csrf");
    let base = [
        ("csrf", csrf.as_str()),
        ("vorname", "Eva"),
        ("name", "Fälscher"),
        ("email", "eva@musterstadt.example"),
        ("nutzungsbedingungen", "ja"),
    ];
    let mut forged = base.to_vec();
    forged.extend([("postfach", "finanzierung"), ("funktion", "postfach")]);
    let res = admin.post_form("/nutzer/neu", &forged).await;
    res.assert_status(422);
    res.assert_contains(
        "Das Gruppenpostfach Finanzierung ist für Ihre Organisation nicht freigegeben.",
    );

    // Forged: Beamtenformulare without its prerequisites; a mailbox without Postfach.
    let mut forged = base.to_vec();
    forged.extend([("funktion", "beamtenformulare")]);
    let res = admin.post_form("/nutzer/neu", &forged).await;
    res.assert_status(422);
    res.assert_contains(
        "setzt „Anzeige von Anspruchsberechtigten (bei Beamten inkl. Lebensläufen)“ voraus",
    );
    let mut forged = base.to_vec();
    forged.extend([("postfach", "beihilfe")]);
    let res = admin.post_form("/nutzer/neu", &forged).await;
    res.assert_status(422);
    res.assert_contains(
        "Gruppenpostfächer können nur zusammen mit der Postfachfunktionalität vergeben werden.",
    );
    // Unknown keys too.
    let mut forged = base.to_vec();
    forged.extend([("funktion", "alles")]);
    admin
        .post_form("/nutzer/neu", &forged)
        .await
        .assert_status(422);

    // Nothing was stored, no mail was sent.
    let overview = admin.get("/nutzer").await;
    overview.assert_contains("Keine Daten vorhanden");
    assert_eq!(server.mails_stored(), stored, "a refused form queued mail");

    // Without CSRF token: refused.
    let no_csrf: Vec<(&str, &str)> = base[1..].to_vec();
    admin
        .post_form("/nutzer/neu", &no_csrf)
        .await
        .assert_status(403);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn edit_lock_unlock_and_deactivate_a_user() {
    let smtp = SmtpServer::start().await;
    let (server, (org, user)) = start_with(Some(&smtp), |s| {
        let org = s.org("Blaugraben", "78970");
        let grants = Grants {
            mailboxes: vec![GroupMailbox::Beihilfe],
            functions: vec![PortalFunction::Postfach],
        };
        let user = s.user(org.org, "Max", "Mustermensch", grants, true);
        (org, user)
    })
    .await;
    let admin = admin_login(&server, &org).await;
    let stored = server.mails_stored();
    let details_path = format!("/nutzer/{}", user.id);

    let details = admin.get(&details_path).await;
    details.assert_status(200);
    for text in [
        "Nutzer:innen-Details",
        "Nutzer:innen-Daten",
        "Blaugraben",
        "Aktiv",
        &user.id,
        "max.mustermensch@musterstadt.example",
    ] {
        details.assert_contains(text);
    }
    assert!(
        !details.has_button("E-Mail für neues Passwort versenden"),
        "activated"
    );

    // Bearbeiten → Speichern: name, e-mail and grants.
    let edit_href = details.html().link_hrefs("Bearbeiten")[0].clone();
    let edit = admin.get(&edit_href).await;
    edit.assert_status(200);
    let form = edit.form_with_button("Speichern");
    assert!(form.is_checked("Beihilfe"));
    let saved = form
        .fill("Name", "Mustermann")
        .fill("E-Mail-Adresse", "max.neu@musterstadt.example")
        .uncheck("Beihilfe")
        .check("Beamtenversorgung")
        .check("Anzeige von Anspruchsberechtigten (bei Beamten inkl. Lebensläufen)")
        .submit(&admin)
        .await;
    saved.assert_redirect(&format!("{details_path}?hinweis=gespeichert"));
    let details = admin.follow(&saved).await;
    details.assert_contains("Die Änderungen wurden gespeichert.");
    details.assert_contains("Mustermann");
    details.assert_contains("max.neu@musterstadt.example");
    let overview = admin.get("/nutzer").await;
    assert_eq!(rows(&overview)[0][0], "Mustermann");
    assert_eq!(rows(&overview)[0][3], "Beamtenversorgung");
    // Same validation when editing; a forged grant is refused.
    let res = admin
        .get(&edit_href)
        .await
        .form_with_button("Speichern")
        .fill("Vorname", "")
        .submit(&admin)
        .await;
    res.assert_status(422);
    assert!(res.html().field_error("Vorname").is_some());
    let csrf = res
        .form_with_button("Speichern")
        .value_of("csrf")
        .expect("csrf");
    let res = admin
        .post_form(
            &edit_href,
            &[
                ("csrf", &csrf),
                ("vorname", "Max"),
                ("name", "Mustermann"),
                ("email", "max.neu@musterstadt.example"),
                ("postfach", "finanzierung"),
                ("funktion", "postfach"),
            ],
        )
        .await;
    res.assert_status(422);
    assert_eq!(rows(&admin.get("/nutzer").await)[0][3], "Beamtenversorgung");
    // The user was not notified of the change.
    assert_eq!(server.mails_stored(), stored, "no e-mail on changes");

    // Lock: the user's login is refused with the lock message.
    let (user_client, _) = login(&server, &user.id, PASSWORD, Some(&user.secret)).await;
    user_client.get("/").await.assert_status(200);
    let locked = admin
        .get(&details_path)
        .await
        .form_with_button("Nutzer:in temporär sperren")
        .submit(&admin)
        .await;
    locked.assert_redirect(&format!("{details_path}?hinweis=gesperrt"));
    let details = admin.follow(&locked).await;
    details.assert_contains("Gesperrt");
    assert!(details.has_button("Nutzer:in entsperren"));
    assert_eq!(rows(&admin.get("/nutzer?status=gesperrt").await).len(), 1);
    // The running session has ended.
    user_client.get("/").await.assert_redirect("/login");
    let refused = password_step(&server.client(), &user.id, PASSWORD).await;
    refused.assert_status(200);
    refused.assert_contains(LOCK_MESSAGE);

    // Unlock: login works again.
    let unlocked = details
        .form_with_button("Nutzer:in entsperren")
        .submit(&admin)
        .await;
    unlocked.assert_redirect(&format!("{details_path}?hinweis=entsperrt"));
    let (user_client, _) = login(&server, &user.id, PASSWORD, Some(&user.secret)).await;
    user_client
        .get("/")
        .await
        .assert_contains("Guten Tag, Max Mustermann!");

    // Deactivate: confirmation, then gone for good.
    let confirm = admin
        .get(&details_path)
        .await
        .form_with_button("Nutzer:in dauerhaft deaktivieren")
        .submit(&admin)
        .await;
    confirm.assert_status(200);
    confirm.assert_contains("nicht aufgehoben werden");
    confirm.assert_contains("Postfach und Nachrichten");
    let gone = confirm
        .form_with_button("Endgültig deaktivieren")
        .submit(&admin)
        .await;
    gone.assert_redirect("/nutzer?hinweis=deaktiviert");
    let overview = admin.follow(&gone).await;
    overview.assert_contains("Das Nutzer:innen-Konto wurde dauerhaft deaktiviert.");
    overview.assert_not_contains(&user.id);
    admin.get(&details_path).await.assert_status(404);
    user_client.get("/").await.assert_redirect("/login");
    let refused = password_step(&server.client(), &user.id, PASSWORD).await;
    refused.assert_contains("Die Anmeldung ist fehlgeschlagen.");

    // A new user gets another Nutzerkennung.
    let done = admin
        .get("/nutzer/neu")
        .await
        .form_with_button("Anlegen")
        .fill("Vorname", "Max")
        .fill("Name", "Mustermann")
        .fill("E-Mail-Adresse", "max.neu@musterstadt.example")
        .check("Ich bestätige, dass die Nutzungsbedingungen dem Beschäftigten bekannt sind und dass er/sie diese mit der Anlage des Zugangs akzeptiert.")
        .submit(&admin)
        .await;
    let done = admin.follow(&done).await;
    let new_id = done.text_of("#nutzerkennung");
    assert_ne!(new_id, user.id);

    let dir = server.shutdown().await;
    with_store(&dir, |store| {
        let id = Nutzerkennung::parse(&user.id).expect("id");
        store
            .read(|tx| {
                assert!(store::accounts::is_issued(tx, &id)?, "the id stays issued");
                assert!(store::accounts::get(tx, &id)?.is_none());
                Ok::<_, store::Error>(())
            })
            .expect("read");
        let log = audit_actions(store);
        for action in [
            "account.updated",
            "account.grants_changed",
            "account.locked",
            "account.unlocked",
            "account.deactivated",
        ] {
            assert!(
                log.iter()
                    .any(|(a, act, _)| a == &org.admin && act == action),
                "{action} missing in {log:?}"
            );
        }
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_organisations_administrator_gets_404_everywhere() {
    let (server, (a, b, user, own)) = start_with(None, |s| {
        let a = s.org("Blaugraben", "78970");
        let b = s.org("Mäuserast", "78971");
        let user = s.user(a.org, "Max", "Mustermensch", Grants::default(), false);
        let own = s.user(b.org, "Eigene", "Nutzerin", Grants::default(), false);
        (a, b, user, own)
    })
    .await;
    let admin_b = admin_login(&server, &b).await;
    // B's own pages work.
    admin_b
        .get(&format!("/nutzer/{}", own.id))
        .await
        .assert_status(200);
    let csrf = admin_b
        .get("/nutzer/neu")
        .await
        .form_with_button("Anlegen")
        .value_of("csrf")
        .expect("csrf");

    let id = &user.id;
    for path in [
        format!("/nutzer/{id}"),
        format!("/nutzer/{id}/bearbeiten"),
        format!("/nutzer/{id}/deaktivieren"),
        format!("/nutzer/{}", a.admin),
        "/nutzer/S00000000000".to_owned(),
        "/nutzer/kaputt".to_owned(),
        "/gruppenpostfaecher/finanzierung".to_owned(),
        "/gruppenpostfaecher/gibt-es-nicht".to_owned(),
    ] {
        admin_b.get(&path).await.assert_status(404);
    }
    for path in [
        format!("/nutzer/{id}/bearbeiten"),
        format!("/nutzer/{id}/sperren"),
        format!("/nutzer/{id}/entsperren"),
        format!("/nutzer/{id}/passwort-email"),
        format!("/nutzer/{id}/deaktivieren"),
        format!("/nutzer/{}/sperren", a.admin),
        format!("/nutzer/{}/deaktivieren", b.admin),
    ] {
        let res = admin_b
            .post_form(
                &path,
                &[
                    ("csrf", &csrf),
                    ("vorname", "X"),
                    ("name", "Y"),
                    ("email", "x@y.example"),
                ],
            )
            .await;
        assert_eq!(res.status, 404, "POST {path}: {}", res.status);
    }
    let list = admin_b.get("/nutzer?kennung=").await;
    list.assert_not_contains(id);
    admin_b
        .get("/gruppenpostfaecher")
        .await
        .assert_not_contains(id);
    // A's user is untouched.
    let dir = server.shutdown().await;
    with_store(&dir, |store| {
        let account = store
            .read(|tx| store::accounts::get(tx, &Nutzerkennung::parse(id).expect("id")))
            .expect("read")
            .expect("still there");
        assert!(!account.admin_locked);
        assert_eq!(account.first_name, "Max");
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn group_mailboxes_get_addresses_and_receipts_are_configured() {
    let (server, (org, user)) = start_with(None, |s| {
        let org = s.org("Blaugraben", "78970");
        let user = s.user(
            org.org,
            "Max",
            "Mustermensch",
            postfach_grants(&[GroupMailbox::Beihilfe, GroupMailbox::Administration]),
            false,
        );
        (org, user)
    })
    .await;
    let admin = admin_login(&server, &org).await;

    let overview = admin.get("/gruppenpostfaecher").await;
    overview.assert_status(200);
    overview.assert_contains("Übersicht: Gruppenpostfächer");
    overview.assert_contains("Sie können hier die Gruppenpostfächer Ihrer Organisation im Portal Meine Versorgung verwalten.");
    overview.assert_contains("⚠ Keine E-Mail-Adresse(n) hinterlegt.");
    overview.assert_not_contains("Finanzierung");
    overview.assert_contains(&format!("Mustermensch, Max {}", user.id));
    // The administrator belongs to Administration.
    overview.assert_contains(&format!("Blaugraben, Kim {}", org.admin));
    assert_eq!(
        overview.select_texts("th[scope=col]"),
        vec!["Gruppenpostfach", "E-Mail-Adresse(n)", "Nutzer:innen"]
    );

    let href = overview.html().link_hrefs("Beihilfe")[0].clone();
    assert_eq!(href, "/gruppenpostfaecher/beihilfe");
    let details = admin.get(&href).await;
    details.assert_contains("Gruppendetails");
    details.assert_contains("Gruppe: Beihilfe");
    details.assert_contains("Es sind keine E-Mail-Adressen für diese Gruppe hinterlegt.");

    // Bearbeiten: one field; "+ E-Mail-Adresse hinzufügen" adds another.
    let edit = admin.get(&details.html().link_hrefs("Bearbeiten")[0]).await;
    edit.assert_status(200);
    assert_eq!(
        edit.form_with_button("Speichern").labels(),
        vec!["E-Mail-Adresse"]
    );
    let more = edit
        .form_with_button("+ E-Mail-Adresse hinzufügen")
        .set("email_0", "beihilfe@blaugraben.example")
        .submit_with(&admin, "+ E-Mail-Adresse hinzufügen")
        .await;
    more.assert_status(200);
    let form = more.form_with_button("Speichern");
    assert_eq!(form.labels().len(), 2);
    assert_eq!(
        form.value_of("email_0").as_deref(),
        Some("beihilfe@blaugraben.example")
    );
    let more = form
        .set("email_1", "kaputt")
        .submit_with(&admin, "+ E-Mail-Adresse hinzufügen")
        .await;
    // An invalid address is refused with a message at its field.
    let bad = more
        .form_with_button("Speichern")
        .set("email_2", "")
        .submit(&admin)
        .await;
    bad.assert_status(422);
    bad.assert_contains("Bitte geben Sie eine gültige E-Mail-Adresse ein");
    assert_eq!(
        bad.html().select_attrs("#f-email_1", "aria-describedby"),
        vec!["f-email-hinweis f-email_1-fehler".to_owned()]
    );
    // Valid, with an empty field and a duplicate: both dropped.
    let saved = bad
        .form_with_button("Speichern")
        .set("email_1", "BEIHILFE@blaugraben.example")
        .submit_with(&admin, "+ E-Mail-Adresse hinzufügen")
        .await
        .form_with_button("Speichern")
        .set("email_2", "team@blaugraben.example")
        .submit(&admin)
        .await;
    saved.assert_redirect("/gruppenpostfaecher/beihilfe?hinweis=gespeichert");
    let details = admin.follow(&saved).await;
    details.assert_contains("beihilfe@blaugraben.example");
    details.assert_contains("team@blaugraben.example");
    let overview = admin.get("/gruppenpostfaecher").await;
    overview.assert_contains("team@blaugraben.example");
    // Abbrechen leads back to the details.
    let edit = admin.get("/gruppenpostfaecher/beihilfe/bearbeiten").await;
    assert_eq!(edit.form_with_button("Speichern").labels().len(), 2);
    assert_eq!(
        edit.html().link_hrefs("Abbrechen"),
        vec!["/gruppenpostfaecher/beihilfe".to_owned()]
    );

    // Postfach-Konfiguration.
    let config = admin.get("/postfach-konfiguration").await;
    config.assert_status(200);
    config.assert_contains("Die Quittungsnachrichten zu den aktuell vorhandenen Formularen sind dem Gruppenpostfach Beamtenversorgung zugeordnet.");
    let form = config.form_with_button("Speichern");
    assert!(form.is_checked("persönliches Postfach"));
    let saved = form.check("Gruppenpostfächer").submit(&admin).await;
    saved.assert_redirect("/postfach-konfiguration?hinweis=gespeichert");
    let config = admin.follow(&saved).await;
    config.assert_contains("Die Postfach-Konfiguration wurde gespeichert.");
    assert!(
        config
            .form_with_button("Speichern")
            .is_checked("Gruppenpostfächer")
    );

    // Mitgliederdaten for the administrator.
    let data = admin.get("/mitgliederdaten").await;
    data.assert_status(200);
    for text in [
        "Blaugraben",
        "78970",
        "178970",
        "Rathausplatz 1",
        "Beamtenversorgung, Zusatzversorgung",
    ] {
        data.assert_contains(text);
    }

    let dir = server.shutdown().await;
    with_store(&dir, |store| {
        let orgs = store
            .read(|tx| store::orgs::get(tx, org.org))
            .expect("read")
            .expect("org");
        assert_eq!(
            orgs.group_emails
                .get(&GroupMailbox::Beihilfe)
                .cloned()
                .unwrap_or_default(),
            vec![
                "beihilfe@blaugraben.example".to_owned(),
                "team@blaugraben.example".to_owned()
            ]
        );
        assert_eq!(orgs.receipt_target, ReceiptTarget::Group);
        let log = audit_actions(store);
        assert!(
            log.iter()
                .any(|(a, act, _)| a == &org.admin && act == "org.group_emails")
        );
        assert!(
            log.iter()
                .any(|(a, act, _)| a == &org.admin && act == "org.receipt_target")
        );
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn self_locks_and_grants_beyond_the_restrictions_are_shown() {
    let (server, (org, user)) = start_with(None, |s| {
        let org = s.org("Blaugraben", "78970");
        // Granted before the Kassen withdrew Finanzierung; locked by itself.
        let grants = postfach_grants(&[GroupMailbox::Finanzierung, GroupMailbox::Beihilfe]);
        let user = s.user_with(org.org, "Max", "Mustermensch", grants, true, |a| {
            a.locked_until = Some(Timestamp::now() + jiff::SignedDuration::from_mins(20));
        });
        (org, user)
    })
    .await;
    let admin = admin_login(&server, &org).await;

    let overview = admin.get("/nutzer").await;
    let status = rows(&overview)[0][4].clone();
    assert!(
        status.starts_with("Aktiv – Vorübergehend gesperrt bis "),
        "{status}"
    );
    // "Gesperrt" also finds self-locked accounts.
    assert_eq!(rows(&admin.get("/nutzer?status=gesperrt").await).len(), 1);

    let details = admin.get(&format!("/nutzer/{}", user.id)).await;
    details.assert_contains("Vorübergehend gesperrt bis ");
    details.assert_contains("Hat ein Nutzer sich durch die Fehleingabe seiner Anmeldedaten selbst gesperrt, können Sie das Nutzerkonto nicht entsperren. Eine Entsperrung erfolgt automatisch nach Ablauf der Sperrfrist.");
    assert!(!details.has_button("Nutzer:in entsperren"));
    details.assert_contains("Finanzierung (nicht mehr freigegeben)");

    // Saving with the withdrawn grant is refused; removing it works.
    let edit = admin.get(&format!("/nutzer/{}/bearbeiten", user.id)).await;
    let form = edit.form_with_button("Speichern");
    assert!(form.is_checked("Finanzierung (nicht mehr freigegeben)"));
    let refused = form.clone().submit(&admin).await;
    refused.assert_status(422);
    refused.assert_contains(
        "Das Gruppenpostfach Finanzierung ist für Ihre Organisation nicht freigegeben.",
    );
    let saved = form
        .uncheck("Finanzierung (nicht mehr freigegeben)")
        .submit(&admin)
        .await;
    saved.assert_redirect(&format!("/nutzer/{}", user.id));
    let details = admin.follow(&saved).await;
    details.assert_not_contains("nicht mehr freigegeben");
    assert_eq!(rows(&admin.get("/nutzer").await)[0][3], "Beihilfe");
}

/// Issue 10 (amplification): a form repeating grant fields thousands of
/// times answers quickly with a small page naming each problem once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thousands_of_repeated_grant_fields_cost_little() {
    let (server, org) = start_with(None, |s| s.org("Blaugraben", "78970")).await;
    let admin = admin_login(&server, &org).await;
    let form = admin
        .get("/nutzer/neu")
        .await
        .form_with_button("Anlegen")
        .fill("Vorname", "Max")
        .fill("Name", "Mustermensch")
        .fill("E-Mail-Adresse", "max@blaugraben.example");
    let mut pairs = form.pairs();
    for _ in 0..4_750 {
        pairs.push(("postfach".to_owned(), "finanzierung".to_owned()));
        pairs.push(("funktion".to_owned(), "unbekannt".to_owned()));
    }
    let started = std::time::Instant::now();
    let res = admin.post_pairs("/nutzer/neu", &pairs, &[]).await;
    let took = started.elapsed();
    res.assert_status(422);
    assert!(took < std::time::Duration::from_secs(2), "took {took:?}");
    assert!(res.body.len() < 200_000, "{} bytes", res.body.len());
    assert_eq!(
        res.body
            .matches(
                "Das Gruppenpostfach Finanzierung ist für Ihre Organisation nicht freigegeben."
            )
            .count(),
        1
    );
    assert_eq!(
        res.body
            .matches("Die gewählte Berechtigung ist für Ihre Organisation nicht freigegeben.")
            .count(),
        1
    );
}

/// Issue 10: grants beyond a tightened restriction stop working at once,
/// before anyone removes them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grants_beyond_the_restrictions_stop_working_at_once() {
    let (server, (org, user)) = start_with(None, |s| {
        let org = s.org("Blaugraben", "78970");
        // Granted before the Kassen withdrew Finanzierung.
        let grants = postfach_grants(&[GroupMailbox::Finanzierung, GroupMailbox::Beihilfe]);
        let user = s.user(org.org, "Max", "Mustermensch", grants, true);
        (org, user)
    })
    .await;
    let (client, _) = login(&server, &user.id, PASSWORD, Some(&user.secret)).await;
    let home = client.get("/").await;
    home.assert_status(200).assert_contains("Beihilfe");
    home.assert_not_contains("Finanzierung");
    // The administrator still sees the grant as "nicht mehr freigegeben".
    let admin = admin_login(&server, &org).await;
    admin
        .get(&format!("/nutzer/{}", user.id))
        .await
        .assert_contains("Finanzierung (nicht mehr freigegeben)");
}
