//! Access review (Rezertifizierung, issue 22 §2): a due review reminds the
//! administrator by e-mail and on the home page; "Bestätigen" per user or
//! for all is audited and clears the banner; foreign ids answer 404.

use std::time::Duration;

use meine_versorgung::domain::account::{Grants, Role};
use meine_versorgung::domain::org::{GroupMailbox, PortalFunction};
use meine_versorgung::store::{self, Store};

use crate::support::accounts::*;
use crate::support::*;

const DUE: &str = "Überprüfung der Berechtigungen fällig";
const DAY: Duration = Duration::from_secs(24 * 3600);
const REVIEW: &str = "/nutzer/berechtigungen-pruefen";

fn user_role(org: u64) -> Role {
    Role::OrgUser {
        org,
        grants: Grants {
            mailboxes: vec![GroupMailbox::Beihilfe],
            functions: vec![PortalFunction::Postfach],
        },
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_due_review_reminds_and_each_confirmation_is_audited() {
    let smtp = SmtpServer::start().await;
    let mut builder = TestServer::builder()
        .smtp(&smtp)
        .env("MV_SECURITY__RECERTIFICATION_MONTHS", "1")
        .env("MV_SECURITY__RECERTIFICATION_REMINDER_DAYS", "3")
        .env("MV_SECURITY__SESSION_IDLE", "1000h")
        .env("MV_SECURITY__SESSION_LIFETIME", "1000h");
    let config = builder.config();
    let hash = password_hash();
    let (admin, users, other, kassen, org_id) = Store::open(&config.data_dir)
        .expect("store")
        .write(|tx| {
            let mut org = organisation("Blaugraben", "78970");
            org.id = store::next_id(tx, "org")?;
            store::orgs::put(tx, &org)?;
            let mut other_org = organisation("Mäuserast", "78971");
            other_org.id = store::next_id(tx, "org")?;
            store::orgs::put(tx, &other_org)?;
            let admin = seed_active(
                tx,
                Role::OrgAdmin { org: org.id },
                ("Kim", "Mustermensch", "kim@blaugraben.example"),
                &hash,
            )?;
            let mut users = Vec::new();
            for (first, last) in [("Max", "Amsel"), ("Eva", "Buche")] {
                users.push(seed_active(
                    tx,
                    user_role(org.id),
                    (first, last, &format!("{first}@blaugraben.example")),
                    &hash,
                )?);
            }
            let other = seed_active(
                tx,
                user_role(other_org.id),
                ("Moritz", "Maus", "moritz@maeuserast.example"),
                &hash,
            )?;
            let kassen = seed_active(
                tx,
                Role::Kassen {
                    portal_admin: true,
                    sachbearbeitung: Vec::new(),
                },
                ("Erika", "Kassenfrau", "erika@kassen.example"),
                &hash,
            )?;
            Ok::<_, store::Error>((admin, users, other, kassen, org.id))
        })
        .expect("seed");
    let server = builder.start().await;
    let kim = signed_in(&server, &admin).await;
    let max = signed_in(&server, &users[0]).await;
    let erika = signed_in(&server, &kassen).await;
    let mitglied = format!("/kassen/mitglieder/{org_id}");
    let before = erika.get(&mitglied).await;
    before.assert_contains("Überprüfung der Berechtigungen");
    before.assert_contains("0 von 2 Nutzer:innen");

    // Not due yet: no banner, no mail; the page lists both with their grants.
    server.run_housekeeping();
    kim.get("/")
        .await
        .assert_not_contains("Berechtigungen überprüfen");
    let page = kim.get(REVIEW).await;
    page.assert_status(200);
    for text in [
        "Amsel, Max",
        "Buche, Eva",
        "Beihilfe",
        "Postfach",
        "ändert die Berechtigungen nicht",
    ] {
        page.assert_contains(text);
    }
    page.assert_not_contains(&other.id);

    // A month later: due — a reminder, a banner.
    server.advance_clock(31 * DAY);
    server.run_housekeeping();
    nth_mail(&smtp, &admin.email, DUE, 1).await;
    let home = kim.get("/").await;
    home.assert_contains("für 2 Nutzer:innen überfällig");
    assert_eq!(
        home.html().link_hrefs("Berechtigungen überprüfen"),
        vec![REVIEW.to_owned()]
    );
    // Once only, then again after the reminder days.
    let stored = server.mails_stored();
    server.advance_clock(DAY);
    server.run_housekeeping();
    assert_eq!(server.mails_stored(), stored, "a reminder went out again");
    assert_eq!(count_mails(&smtp, &admin.email, DUE), 1);
    server.advance_clock(3 * DAY);
    server.run_housekeeping();
    nth_mail(&smtp, &admin.email, DUE, 2).await;

    // The Kassen see per Mitglied what is overdue.
    let overdue = erika.get(&mitglied).await;
    overdue.assert_contains("2 von 2 Nutzer:innen");
    overdue.assert_contains("Amsel, Max");

    // "Bestätigen" for one user; a foreign id is 404.
    let page = kim.get(REVIEW).await;
    page.assert_contains("überfällig");
    let csrf = page
        .form_with_button("Alle bestätigen")
        .value_of("csrf")
        .expect("csrf");
    kim.post_form(
        &format!("{REVIEW}/bestaetigen"),
        &[("csrf", csrf.as_str()), ("kennung", other.id.as_str())],
    )
    .await
    .assert_status(404);
    let done = kim
        .post_form(
            &format!("{REVIEW}/bestaetigen"),
            &[("csrf", csrf.as_str()), ("kennung", users[0].id.as_str())],
        )
        .await;
    done.assert_redirect(&format!("{REVIEW}?hinweis=bestaetigt"));
    kim.follow(&done)
        .await
        .assert_contains("Die Berechtigungen wurden bestätigt.");
    kim.get("/")
        .await
        .assert_contains("für 1 Nutzer:innen überfällig");
    // Without the CSRF token nothing happens.
    kim.post_form(&format!("{REVIEW}/bestaetigen"), &[("alle", "1")])
        .await
        .assert_status(403);
    // "Alle bestätigen".
    let all = kim
        .get(REVIEW)
        .await
        .form_with_button("Alle bestätigen")
        .submit(&kim)
        .await;
    all.assert_redirect(&format!("{REVIEW}?hinweis=bestaetigt"));
    kim.get("/").await.assert_not_contains("überfällig");
    let after = erika.get(&mitglied).await;
    after.assert_contains("0 von 2 Nutzer:innen");
    after.assert_not_contains("Letzte Bestätigung</dt><dd>Noch nie");

    // Nutzer:innen cannot open the page nor confirm.
    assert_ne!(max.get(REVIEW).await.status, 200);

    let dir = server.shutdown().await;
    let store = Store::open(dir.path()).expect("store");
    let log = store.read(store::audit::all_newest_first).expect("audit");
    let confirmations: Vec<_> = log
        .iter()
        .filter(|(_, e)| e.action == "grants.recertified" && e.actor == admin.id)
        .collect();
    assert_eq!(confirmations.len(), 3, "one entry per confirmed user");
    assert!(
        confirmations
            .iter()
            .any(|(_, e)| e.detail.contains("Beihilfe"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn enforced_reviews_suspend_grants_after_the_grace_period_until_confirmed() {
    let mut builder = TestServer::builder()
        .env("MV_SECURITY__RECERTIFICATION_MONTHS", "1")
        .env("MV_SECURITY__RECERTIFICATION_ENFORCE", "true")
        .env("MV_SECURITY__RECERTIFICATION_GRACE_DAYS", "2")
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
                user_role(org.id),
                ("Max", "Amsel", "max@blaugraben.example"),
                &hash,
            )?;
            Ok::<_, store::Error>((admin, user))
        })
        .expect("seed");
    let server = builder.start().await;
    let kim = signed_in(&server, &admin).await;
    kim.get(REVIEW)
        .await
        .assert_contains("nicht innerhalb von 2 Tagen nach Fälligkeit bestätigt");
    let mailbox_of = |page: &Page| page.html().select_texts("main table tbody tr td")[3].clone();

    // Due, but within the grace period: nothing changes.
    server.advance_clock(31 * DAY);
    server.run_housekeeping();
    assert_eq!(mailbox_of(&kim.get("/nutzer").await), "Beihilfe");
    // Past it: suspended, audited, shown on the review page.
    server.advance_clock(3 * DAY);
    server.run_housekeeping();
    assert_eq!(mailbox_of(&kim.get("/nutzer").await), "");
    let page = kim.get(REVIEW).await;
    page.assert_contains("Berechtigungen ausgesetzt");
    page.assert_contains("Beihilfe");
    // "Bestätigen" restores them.
    let csrf = page
        .form_with_button("Alle bestätigen")
        .value_of("csrf")
        .expect("csrf");
    kim.post_form(
        &format!("{REVIEW}/bestaetigen"),
        &[("csrf", csrf.as_str()), ("kennung", user.id.as_str())],
    )
    .await
    .assert_redirect(&format!("{REVIEW}?hinweis=bestaetigt"));
    assert_eq!(mailbox_of(&kim.get("/nutzer").await), "Beihilfe");

    let dir = server.shutdown().await;
    let store = Store::open(dir.path()).expect("store");
    let log = store.read(store::audit::all_newest_first).expect("audit");
    assert!(
        log.iter().any(|(_, e)| e.action == "grants.suspended"
            && e.target.as_deref() == Some(user.id.as_str()))
    );
}
