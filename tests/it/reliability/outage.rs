//! Mail outage: the SMTP server is down while mails are queued.
//! - 20 mails queued during the outage: the requests stay fast, the mails
//!   survive a SIGKILL of the binary and are delivered exactly once (by
//!   Message-ID) when the server returns;
//! - an e-mail TAN whose validity ended during the outage is dropped, never
//!   delivered late.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use meine_versorgung::domain::account::SecondFactor;

use crate::reliability::crash::{
    Wanted, creation_pairs, message_id, seed_admin, seed_admin_with, smtp_env,
};
use crate::support::accounts::{password_step, sign_in};
use crate::support::binary::Binary;
use crate::support::{Client, DataDir, SmtpPort, SmtpServer, TIMEOUT, TestServer, wait_for};

/// Generous bound for one form request of the load (the delivery runs in
/// the background; nothing waits for SMTP).
const FAST: Duration = Duration::from_secs(2);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_mails_queued_during_an_outage_survive_a_kill_and_arrive_once() {
    let dir = tempfile::Builder::new()
        .prefix("mv-outage-")
        .tempdir()
        .unwrap();
    let (admin, _) = seed_admin(dir.path());
    let port = SmtpPort::reserve();
    let env = smtp_env(port.port());
    let bin = Binary::start(dir.path(), &env);
    let browser = Client::new(&bin.base());
    sign_in(&browser, &admin).await;

    let mut slowest = Duration::ZERO;
    let mut wanted = Vec::new();
    for n in 0..20 {
        let w = Wanted::nth(n);
        let pairs = creation_pairs(&browser, &w).await.expect("form");
        let started = Instant::now();
        let (status, location) = browser
            .try_post_pairs("/nutzer/neu", &pairs)
            .await
            .expect("answer");
        slowest = slowest.max(started.elapsed());
        assert_eq!(status, 303, "creating {w:?}: {location:?}");
        wanted.push(w);
    }
    assert!(
        slowest < FAST,
        "a request took {slowest:?} while the SMTP server was down"
    );
    // A page that reads stays fast too.
    let started = Instant::now();
    browser.get("/nutzer").await.assert_status(200);
    assert!(started.elapsed() < FAST);

    // SIGKILL during the outage, restart, then the SMTP server comes back.
    let bin = tokio::task::block_in_place(|| bin.kill_and_restart());
    let smtp = SmtpServer::start_on(port).await;
    wait_for("the 20 mails after the outage", TIMEOUT * 2, || {
        let missing = wanted
            .iter()
            .filter(|w| smtp.mails_to(&w.email).is_empty())
            .count();
        async move { (missing == 0).then_some(()) }
    })
    .await;
    // A further retry round (1 s) sends nothing again.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let mut ids: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut deliveries = 0;
    for m in smtp.mails() {
        for to in &m.envelope_to {
            deliveries += 1;
            ids.entry(to.clone())
                .or_default()
                .insert(message_id(&m.raw));
        }
    }
    for w in &wanted {
        assert_eq!(ids.get(&w.email).map(BTreeSet::len), Some(1), "{}", w.email);
    }
    assert_eq!(deliveries, 20, "each mail exactly once");
    eprintln!(
        "mail outage: 20 mails queued while SMTP was down (slowest request {slowest:?}), \
         survived a SIGKILL, {deliveries} delivered once the server returned"
    );
    bin.kill();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_email_tan_past_its_validity_is_not_sent_late() {
    let dir = DataDir::new();
    let (admin, _) = seed_admin_with(dir.path(), SecondFactor::EmailTan);
    let port = SmtpPort::reserve();
    let server = TestServer::builder()
        .data_dir(&dir)
        .smtp_port(port.port())
        .env("MV_MAIL__RETRY_INITIAL", "1s")
        .env("MV_MAIL__RETRY_MAX", "1s")
        .start()
        .await;
    let client = server.client();
    // The password step queues the TAN; the SMTP server is down.
    password_step(&client, &admin.id, &admin.password)
        .await
        .assert_redirect("/login/tan");
    // The first delivery attempt fails against the closed port; none is in
    // flight while the clock jumps.
    server.first_attempts_made().await;
    // The TAN's ten minutes pass during the outage.
    server.advance_clock(Duration::from_secs(11 * 60));
    // A later mail without a deadline: once it arrives, the worker has dealt
    // with the TAN before it (the queue is worked in order).
    let page = client.get("/passwort-vergessen").await;
    page.form_with_button("Passwort zurücksetzen")
        .fill("Nutzerkennung", &admin.id)
        .submit(&client)
        .await
        .assert_redirect("/passwort-vergessen?gesendet=1");
    let smtp = SmtpServer::start_on(port).await;
    smtp.wait_for_mail(&admin.email, "Passwort", TIMEOUT).await;
    // Nothing is queued any more: the TAN was decided about.
    server.mail_queue_drained().await;
    let tans: Vec<_> = smtp
        .mails_to(&admin.email)
        .into_iter()
        .filter(|m| m.subject.contains("TAN"))
        .collect();
    assert!(tans.is_empty(), "an expired TAN was delivered late");
}
