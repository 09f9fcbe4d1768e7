//! Outgoing e-mail: the outbox transport, and the durable queue that retries
//! while the SMTP server is down and survives a restart.

/// A delivered mail whose outcome could not be recorded is not sent again.
mod record;

use crate::support::*;

const SUBJECT: &str = "Meine Versorgung: Passwort festlegen";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_outbox_transport_writes_rfc5322_files() {
    let server = TestServer::start().await;
    let client = server.client();
    run_setup(&server, &client, &FIRST_ADMIN).await;

    let dir = server.data_dir().clone();
    let files = wait_for("an .eml file in the outbox", TIMEOUT, || {
        let files = outbox_files(dir.path());
        async move { (!files.is_empty()).then_some(files) }
    })
    .await;
    assert_eq!(files.len(), 1, "one e-mail, one file: {files:?}");
    let mail = Mail::read(&files[0]);
    assert!(mail.parsed, "the file is no RFC 5322 message");
    assert_eq!(mail.subject, SUBJECT);
    mail.assert_single_recipient(FIRST_ADMIN.email);
    assert!(!mail.from.is_empty(), "the message has no From");
    let raw = String::from_utf8_lossy(&mail.raw);
    for header in ["Date:", "Message-ID:", "MIME-Version:"] {
        assert!(
            raw.to_ascii_lowercase()
                .contains(&header.to_ascii_lowercase()),
            "header {header} missing:\n{raw}"
        );
    }
    mail.link_starting_with(&format!("{}/passwort-festlegen?token=", server.public_url));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mail_queued_while_smtp_is_down_is_delivered_once_it_is_up() {
    let port = SmtpPort::reserve();
    let server = TestServer::builder()
        .smtp_port(port.port())
        .env("MV_MAIL__RETRY_INITIAL", "1s")
        .env("MV_MAIL__RETRY_MAX", "1s")
        .start()
        .await;
    let client = server.client();
    run_setup(&server, &client, &FIRST_ADMIN).await;

    server.first_attempts_made().await;
    let smtp = SmtpServer::start_on(port).await;
    let mail = smtp
        .wait_for_mail(FIRST_ADMIN.email, SUBJECT, TIMEOUT)
        .await;
    mail.assert_single_recipient(FIRST_ADMIN.email);
    mail.link_starting_with(&format!("{}/passwort-festlegen?token=", server.public_url));

    // Nothing is queued any more, so nothing more can go out.
    server.mail_queue_drained().await;
    assert_eq!(
        smtp.mails().len(),
        1,
        "the mail was delivered more than once"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_queued_mail_survives_a_restart() {
    let port = SmtpPort::reserve();
    let server = TestServer::builder()
        .smtp_port(port.port())
        .env("MV_MAIL__RETRY_INITIAL", "1s")
        .env("MV_MAIL__RETRY_MAX", "1s")
        .start()
        .await;
    let client = server.client();
    run_setup(&server, &client, &FIRST_ADMIN).await;
    server.first_attempts_made().await;
    let dir = tokio::time::timeout(TIMEOUT, server.shutdown())
        .await
        .expect("shutdown within the timeout");

    let smtp = SmtpServer::start_on(port).await;
    let restarted = TestServer::builder()
        .data_dir(&dir)
        .smtp(&smtp)
        .env("MV_MAIL__RETRY_INITIAL", "1s")
        .env("MV_MAIL__RETRY_MAX", "1s")
        .start()
        .await;
    let mail = smtp
        .wait_for_mail(FIRST_ADMIN.email, SUBJECT, TIMEOUT)
        .await;
    mail.assert_single_recipient(FIRST_ADMIN.email);
    // Links use the public URL of the server that queued the mail; that is
    // all the portal can know when it renders the mail.
    assert!(
        mail.links()
            .iter()
            .any(|l| l.contains("/passwort-festlegen?token=")),
        "no set-password link: {:?}",
        mail.links()
    );
    restarted.mail_queue_drained().await;
    assert_eq!(smtp.mails().len(), 1, "delivered more than once");
    restarted.shutdown().await;
}

/// A restart after the worker's hand-over mark (the process died between
/// the mark and the recorded outcome) does not send the mail again: the
/// server may hold it already. It counts as sent, marked unconfirmed. (That
/// a mark whose attempt's outcome was recorded blocks nothing is shown by
/// `crash`: every kill leaves such a mark, and every mail arrives.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mail_handed_over_before_a_crash_is_not_sent_again() {
    use meine_versorgung::domain::mail::MailState;
    use meine_versorgung::mail::handover::{Attempt, HandoverMark};
    use meine_versorgung::store::{self, Store};

    let port = SmtpPort::reserve();
    let server = TestServer::builder()
        .smtp_port(port.port())
        .env("MV_MAIL__RETRY_INITIAL", "1s")
        .env("MV_MAIL__RETRY_MAX", "1s")
        .start()
        .await;
    let client = server.client();
    run_setup(&server, &client, &FIRST_ADMIN).await;
    let dir = tokio::time::timeout(TIMEOUT, server.shutdown())
        .await
        .expect("shutdown within the timeout");

    // The queued mail, and a mark as the dying process would have left it.
    let queued = {
        let store = Store::open(dir.path()).expect("store");
        store.read(store::mail_queue::pending).expect("queue")
    };
    assert_eq!(queued.len(), 1, "one queued mail");
    let mail = &queued[0];
    let (mark, _) = HandoverMark::open(dir.path()).expect("mark file");
    mark.mark(Attempt {
        mail: mail.id,
        attempts_before: mail.attempts,
    })
    .expect("mark");
    drop(mark);

    // Restarted: the worker's first round decides about the marked mail.
    let smtp = SmtpServer::start_on(port).await;
    let restarted = TestServer::builder()
        .data_dir(&dir)
        .smtp(&smtp)
        .start()
        .await;
    restarted.mail_queue_drained().await;
    let dir = restarted.shutdown().await;
    let store = Store::open(dir.path()).expect("store");
    let stored = store
        .read(|tx| store::mail_queue::get(tx, mail.id))
        .expect("mail")
        .expect("the marked mail");
    assert_eq!(stored.state, MailState::Sent);
    assert!(stored.unconfirmed, "not marked unconfirmed: {stored:?}");
    assert!(smtp.mails().is_empty(), "the mail went out again");
}
