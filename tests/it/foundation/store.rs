//! The store foundations seen from outside: reads never write, session
//! activity kept in memory cannot bring back an ended session, the idle
//! timeout stays exact, the Protokoll pages by cursor and old entries
//! expire, the Nutzer:innen overview pages by keyset.

use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use meine_versorgung::domain::audit::AuditEntry;
use meine_versorgung::store::{self, Store};
use sha2::Digest;

use crate::support::TestServer;
use crate::support::accounts::{signed_in, start_with_admin, start_with_kassen_and_admin};

fn minutes(n: u64) -> Duration {
    Duration::from_secs(60 * n)
}

fn store_digest(server: &TestServer) -> String {
    let bytes = std::fs::read(server.data_dir().join(store::DB_FILE)).expect("read store file");
    hex::encode(sha2::Sha256::digest(&bytes))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleted_session_stays_dead() {
    let (server, kassen, admin) = start_with_kassen_and_admin(TestServer::builder()).await;
    let k = signed_in(&server, &kassen).await;
    let a = signed_in(&server, &admin).await;
    // Activity of the administrator's session, remembered in memory.
    a.get("/nutzer").await.assert_status(200);

    // The Kassen lock the administrator: every session of the account ends.
    let details_path = format!("/kassen/administratoren/{}", admin.id);
    let warn = k
        .get(&details_path)
        .await
        .form_with_button("Nutzer:in temporär sperren")
        .submit(&k)
        .await;
    warn.form_with_button("Trotzdem sperren")
        .submit(&k)
        .await
        .assert_redirect(&details_path);

    // The remembered activity is written after the session ended: it must
    // not bring the session back, neither now nor after the unlock.
    server.persist_session_activity();
    a.get("/nutzer").await.assert_redirect("/login");
    k.get(&details_path)
        .await
        .form_with_button("Nutzer:in entsperren")
        .submit(&k)
        .await
        .assert_redirect(&details_path);
    server.persist_session_activity();
    a.get("/nutzer").await.assert_redirect("/login");
    a.get("/")
        .await
        .assert_not_contains("Eingang Gruppenpostfächer");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_timeout_counts_activity_kept_in_memory() {
    let (server, admin) =
        start_with_admin(TestServer::builder().env("MV_SECURITY__SESSION_IDLE", "10m")).await;
    let a = signed_in(&server, &admin).await;
    server.advance_clock(minutes(6));
    a.get("/nutzer").await.assert_status(200);
    // 12 minutes after the login, 6 after the last request: still signed in,
    // although the activity was never written to the store.
    server.advance_clock(minutes(6));
    a.get("/nutzer").await.assert_status(200);
    // Persisted or not, 10 minutes without a request end the session.
    server.persist_session_activity();
    server.advance_clock(minutes(10) + Duration::from_secs(1));
    a.get("/nutzer").await.assert_redirect("/login?inaktiv=1");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readiness_and_page_views_do_not_write_the_store() {
    let (server, admin) = start_with_admin(TestServer::builder()).await;
    let a = signed_in(&server, &admin).await;
    server.persist_session_activity();
    let client = server.client();
    client.get("/readyz").await.assert_status(200);
    // The day's audit chain anchor and verification commit once a day.
    server.run_housekeeping();
    let before = store_digest(&server);
    for _ in 0..20 {
        client.get("/readyz").await.assert_status(200);
        a.get("/nutzer").await.assert_status(200);
    }
    assert_eq!(
        store_digest(&server),
        before,
        "/readyz or a page view changed the store file"
    );
    // Housekeeping with nothing to remove does not commit either.
    assert_eq!(server.run_housekeeping().total(), 0);
    assert_eq!(store_digest(&server), before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn protokoll_pages_by_cursor_and_old_entries_expire() {
    let mut builder = TestServer::builder().env("MV_RETENTION__AUDIT_DAYS", "30");
    let config = builder.config();
    let now = Timestamp::now();
    {
        let store = Store::open(&config.data_dir).expect("open store");
        store
            .write(|tx| {
                for i in 0..45 {
                    // 15 entries from 40 days ago, 30 from today.
                    let at = if i < 15 {
                        now - SignedDuration::from_hours(40 * 24)
                    } else {
                        now
                    };
                    let entry =
                        AuditEntry::new(at, "System", "test.entry", format!("Eintrag {i:02}"));
                    store::audit::append(tx, &entry)?;
                }
                Ok::<_, store::Error>(())
            })
            .expect("seed audit");
    }
    let (server, kassen, _) = start_with_kassen_and_admin(builder).await;
    let k = signed_in(&server, &kassen).await;

    let newest = k.get("/kassen/protokoll?aktion=test.entry").await;
    newest.assert_status(200);
    newest.assert_contains("Eintrag 44");
    newest.assert_contains("Eintrag 25");
    newest.assert_not_contains("Eintrag 24");
    let older = newest.html().link_hrefs("Ältere Einträge");
    assert_eq!(older.len(), 1, "a link to older entries");
    assert!(older[0].contains("vor="), "{}", older[0]);
    let page2 = k.get(&older[0]).await;
    page2.assert_contains("Eintrag 24");
    page2.assert_contains("Eintrag 05");
    page2.assert_not_contains("Eintrag 25");
    let page3 = k.get(&page2.html().link_hrefs("Ältere Einträge")[0]).await;
    page3.assert_contains("Eintrag 00");
    assert!(page3.html().link_hrefs("Ältere Einträge").is_empty());
    let back = k.get(&page3.html().link_hrefs("Neuere Einträge")[0]).await;
    back.assert_contains("Eintrag 24");
    back.assert_not_contains("Eintrag 25");

    // Retention: the 15 entries older than 30 days go, the rest stays, and
    // the deletion is logged as a count.
    let removed = server.run_housekeeping();
    assert_eq!(removed.audit, 15);
    let after = k.get("/kassen/protokoll?aktion=test.entry&vor=16").await;
    after.assert_contains("Keine Daten vorhanden");
    k.get("/kassen/protokoll?aktion=audit.retention")
        .await
        .assert_contains("15 Protokolleinträge älter als 30 Tage gelöscht");
    assert_eq!(server.run_housekeeping().audit, 0);
}

/// The background jobs sleep on the portal's clock: on a manual clock the
/// housekeeping runs when the clock passes its minute, and once for a jump
/// over many minutes (no catching up).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn housekeeping_runs_when_the_clock_moves_and_once_per_jump() {
    use meine_versorgung::clock::Clock;

    use crate::support::{TIMEOUT, wait_for};

    let clock = Clock::manual(Timestamp::now());
    let server = TestServer::builder().clock(&clock).start().await;
    // The clock stands still: the first minute has not passed.
    assert_eq!(server.housekeeping_runs(), 0);
    let runs = |n: u64| {
        let server = &server;
        wait_for("the housekeeping run", TIMEOUT, move || {
            let done = server.housekeeping_runs();
            async move { (done >= n).then_some(done) }
        })
    };
    server.clock().advance(Duration::from_secs(2 * 3600));
    assert_eq!(runs(1).await, 1);
    // The next run is due a minute after the last one.
    server.clock().advance(minutes(1));
    assert_eq!(runs(2).await, 2, "two hours at once ran more than once");
    server.shutdown().await;
}
