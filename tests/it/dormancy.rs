//! Dormant accounts (issue 22 §3): an account without a login for
//! `security.dormant_days` is warned, then locked as "Gesperrt (inaktiv)"
//! by the housekeeping job; its administrator sees it in the overview and
//! unlocks it as any lock.

use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use meine_versorgung::domain::account::{Grants, Role};
use meine_versorgung::domain::ids::Nutzerkennung;
use meine_versorgung::domain::org::{GroupMailbox, PortalFunction};
use meine_versorgung::store::{self, Store};

use crate::support::accounts::*;
use crate::support::*;

const NOTICE: &str = "Nutzerkonto wird wegen Inaktivität gesperrt";
const LOCKED: &str = "Nutzerkonto wegen Inaktivität gesperrt";
const DAY: Duration = Duration::from_secs(24 * 3600);

/// An organisation with an administrator who logged in just now and a
/// Nutzer:in whose last login lies `user_age_days` back.
async fn start(smtp: &SmtpServer, user_age_days: i64) -> (TestServer, TestAccount, TestAccount) {
    let mut builder = TestServer::builder()
        .smtp(smtp)
        .env("MV_SECURITY__DORMANT_DAYS", "30")
        .env("MV_SECURITY__DORMANT_NOTICE_DAYS", "5")
        // The administrator's session survives the moved clock.
        .env("MV_SECURITY__SESSION_IDLE", "1000h")
        .env("MV_SECURITY__SESSION_LIFETIME", "1000h");
    let config = builder.config();
    let hash = password_hash();
    let (admin, user) = Store::open(&config.data_dir)
        .expect("store")
        .write(|tx| {
            let mut org = organisation("Blaugraben", "78970");
            org.id = store::next_id(tx, "org")?;
            store::orgs::put(tx, &org)?;
            let admin = seed_active(
                tx,
                Role::OrgAdmin { org: org.id },
                ("Kim", "Mustermensch", "kim@blaugraben.example"),
                &hash,
            )?;
            let user = seed_active(
                tx,
                Role::OrgUser {
                    org: org.id,
                    grants: Grants {
                        mailboxes: vec![GroupMailbox::Beihilfe],
                        functions: vec![PortalFunction::Postfach],
                    },
                },
                ("Max", "Schläfer", "max@blaugraben.example"),
                &hash,
            )?;
            let now = Timestamp::now();
            for (who, age) in [(&admin, 0), (&user, user_age_days)] {
                let id = Nutzerkennung::parse(&who.id).expect("id");
                let mut a = store::accounts::get(tx, &id)?.expect("seeded");
                let then = now - SignedDuration::from_hours(24 * age);
                a.activated_at = Some(then);
                a.last_login_at = Some(then);
                store::accounts::put(tx, &a)?;
            }
            Ok::<_, store::Error>((admin, user))
        })
        .expect("seed");
    (builder.start().await, admin, user)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unused_account_is_warned_then_locked_and_the_administrator_unlocks_it() {
    let smtp = SmtpServer::start().await;
    let (server, admin, user) = start(&smtp, 26).await;
    // Signed in before the clock moves (the authenticator runs on real time).
    let kim = signed_in(&server, &admin).await;

    // 26 of 30 days: the advance notice, to the account and its administrator.
    server.run_housekeeping();
    let to_user = nth_mail(&smtp, &user.email, NOTICE, 1).await;
    assert!(
        to_user.text.contains("Melden Sie sich einfach an"),
        "{}",
        to_user.text
    );
    let to_admin = nth_mail(&smtp, &admin.email, NOTICE, 1).await;
    assert!(to_admin.text.contains(&user.id), "{}", to_admin.text);
    // Each mail once: later runs send nothing more.
    let stored = server.mails_stored();
    server.advance_clock(Duration::from_secs(2 * 3600));
    server.run_housekeeping();
    assert_eq!(server.mails_stored(), stored, "a later run queued mail");
    assert_eq!(count_mails(&smtp, &user.email, NOTICE), 1);
    assert_eq!(count_mails(&smtp, &admin.email, NOTICE), 1);

    let overview = kim.get("/nutzer").await;
    overview.assert_contains("Letzte Anmeldung");
    overview.assert_contains("Aktiv");

    // Past 30 days: locked, both told, the lock audited.
    server.advance_clock(5 * DAY);
    server.run_housekeeping();
    nth_mail(&smtp, &user.email, LOCKED, 1).await;
    let to_admin = nth_mail(&smtp, &admin.email, LOCKED, 1).await;
    assert!(
        to_admin.text.contains("Gesperrt (inaktiv)"),
        "{}",
        to_admin.text
    );
    let stored = server.mails_stored();
    server.advance_clock(Duration::from_secs(2 * 3600));
    server.run_housekeeping();
    assert_eq!(server.mails_stored(), stored, "a later run queued mail");
    assert_eq!(count_mails(&smtp, &user.email, LOCKED), 1);

    let refused = password_step(&server.client(), &user.id, PASSWORD).await;
    refused.assert_contains(CREDENTIALS_REFUSED);

    // The overview filters by it; "Gesperrt" includes it.
    let filtered = kim.get("/nutzer?status=gesperrt-inaktiv").await;
    filtered.assert_status(200);
    filtered.assert_contains(&user.id);
    filtered.assert_contains("Gesperrt (inaktiv)");
    kim.get("/nutzer?status=gesperrt")
        .await
        .assert_contains(&user.id);
    kim.get("/nutzer?status=aktiv")
        .await
        .assert_not_contains(&user.id);

    // Unlocked as any lock; the next run does not lock it again.
    let details_path = format!("/nutzer/{}", user.id);
    let details = kim.get(&details_path).await;
    details.assert_contains("Gesperrt (inaktiv)");
    let unlocked = details
        .form_with_button("Nutzer:in entsperren")
        .submit(&kim)
        .await;
    unlocked.assert_redirect(&format!("{details_path}?hinweis=entsperrt"));
    server.advance_clock(Duration::from_secs(2 * 3600));
    server.run_housekeeping();
    kim.get(&details_path)
        .await
        .assert_not_contains("Gesperrt (inaktiv)");
    kim.get("/nutzer?status=aktiv")
        .await
        .assert_contains(&user.id);

    let dir = server.shutdown().await;
    let store = Store::open(dir.path()).expect("store");
    let log = store.read(store::audit::all_newest_first).expect("audit");
    assert!(
        log.iter().any(|(_, e)| e.action == "account.dormant_locked"
            && e.actor == "System"
            && e.target.as_deref() == Some(user.id.as_str())),
        "the lock is audited"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_login_resets_the_period_and_zero_days_turns_the_rule_off() {
    let smtp = SmtpServer::start().await;
    let (server, _admin, user) = start(&smtp, 10).await;
    // The login is recorded …
    signed_in(&server, &user).await;
    // … so 25 days later (35 since the seeded login) nothing happens yet.
    let stored = server.mails_stored();
    server.advance_clock(20 * DAY);
    server.run_housekeeping();
    assert_eq!(server.mails_stored(), stored, "the run queued mail");
    assert_eq!(count_mails(&smtp, &user.email, NOTICE), 0);
    assert_eq!(count_mails(&smtp, &user.email, LOCKED), 0);
    server.shutdown().await;

    let smtp = SmtpServer::start().await;
    let mut builder = TestServer::builder()
        .smtp(&smtp)
        .env("MV_SECURITY__DORMANT_DAYS", "0");
    let config = builder.config();
    let hash = password_hash();
    let old = Store::open(&config.data_dir)
        .expect("store")
        .write(|tx| {
            let mut org = organisation("Mäuserast", "78971");
            org.id = store::next_id(tx, "org")?;
            store::orgs::put(tx, &org)?;
            let old = seed_active(
                tx,
                Role::OrgAdmin { org: org.id },
                ("Mia", "Mausgrau", "mia@maeuserast.example"),
                &hash,
            )?;
            let id = Nutzerkennung::parse(&old.id).expect("id");
            let mut a = store::accounts::get(tx, &id)?.expect("seeded");
            a.last_login_at = Some(Timestamp::now() - SignedDuration::from_hours(24 * 400));
            store::accounts::put(tx, &a)?;
            Ok::<_, store::Error>(old)
        })
        .expect("seed");
    let server = builder.start().await;
    let stored = server.mails_stored();
    server.run_housekeeping();
    assert_eq!(server.mails_stored(), stored, "the run queued mail");
    assert!(smtp.mails_to(&old.email).is_empty());
    signed_in(&server, &old).await;
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_last_kassen_portal_administration_is_never_locked() {
    let smtp = SmtpServer::start().await;
    let mut builder = TestServer::builder()
        .smtp(&smtp)
        .env("MV_SECURITY__DORMANT_DAYS", "30")
        .env("MV_SECURITY__DORMANT_NOTICE_DAYS", "5");
    let config = builder.config();
    let hash = password_hash();
    let erika = Store::open(&config.data_dir)
        .expect("store")
        .write(|tx| {
            let erika = seed_active(
                tx,
                Role::Kassen {
                    portal_admin: true,
                    sachbearbeitung: Vec::new(),
                },
                ("Erika", "Kassenfrau", "erika@kassen.example"),
                &hash,
            )?;
            let id = Nutzerkennung::parse(&erika.id).expect("id");
            let mut a = store::accounts::get(tx, &id)?.expect("seeded");
            let then = Timestamp::now() - SignedDuration::from_hours(24 * 40);
            a.activated_at = Some(then);
            a.last_login_at = Some(then);
            store::accounts::put(tx, &a)?;
            Ok::<_, store::Error>(erika)
        })
        .expect("seed");
    let server = builder.start().await;
    server.run_housekeeping();
    nth_mail(&smtp, &erika.email, NOTICE, 1).await;
    signed_in(&server, &erika).await;
    assert_eq!(count_mails(&smtp, &erika.email, LOCKED), 0);
    server.shutdown().await;
}
