//! A delivered mail whose outcome could not be recorded (the disk below its
//! reserve) is not sent again (issue 19): the worker keeps the outcome and
//! retries only the record. On a real, filled tmpfs where the machine
//! allows mounting (else the test fails in CI and says "SKIPPED" elsewhere).

use std::time::Duration;

use crate::reliability::crash::{Wanted, creation_pairs, seed_admin};
use crate::reliability::disk_full::{free_bytes, mount_tmpfs};
use crate::support::accounts::{SET_PASSWORD_SUBJECT, count_mails, sign_in};
use crate::support::{DataDir, SmtpPort, SmtpServer, TestServer, wait_for};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mail_delivered_while_the_disk_is_full_is_not_sent_again() {
    let dir = DataDir::new();
    let Some(_mounted) = mount_tmpfs(dir.path(), 32, "mail record") else {
        return;
    };
    let (admin, _) = seed_admin(dir.path());
    // No SMTP server yet: the first attempt fails (and is recorded).
    let port = SmtpPort::reserve();
    let server = TestServer::builder()
        .data_dir(&dir)
        .smtp_port(port.port())
        .env("MV_MIN_FREE_SPACE_MB", "4")
        .env("MV_MAIL__RETRY_INITIAL", "1s")
        .env("MV_MAIL__RETRY_MAX", "1s")
        .start()
        .await;
    let browser = server.client();
    sign_in(&browser, &admin).await;
    let create = |n: usize| {
        let browser = browser.clone();
        async move {
            let w = Wanted::nth(n);
            let pairs = creation_pairs(&browser, &w).await.expect("form");
            let res = browser.post_pairs("/nutzer/neu", &pairs, &[]).await;
            res.assert_redirect("/nutzer/S");
            w
        }
    };
    let first = create(1).await;
    server.first_attempts_made().await;

    // The disk drops below the reserve; then the SMTP server comes back and
    // the mail is delivered, but its outcome cannot be recorded.
    let filler = dir.join("filler");
    let fill = free_bytes(dir.path()).saturating_sub(2 * 1024 * 1024);
    std::fs::write(&filler, vec![0u8; fill as usize]).expect("fill the disk");
    let smtp = SmtpServer::start_on(port).await;
    wait_for("the first delivery", Duration::from_secs(10), || async {
        (count_mails(&smtp, &first.email, SET_PASSWORD_SUBJECT) > 0).then_some(())
    })
    .await;

    // Space returns; a new mail wakes the worker. The first one is recorded
    // now, not sent a second time.
    std::fs::remove_file(&filler).expect("free the disk");
    let second = create(2).await;
    wait_for("the second mail", Duration::from_secs(10), || async {
        (count_mails(&smtp, &second.email, SET_PASSWORD_SUBJECT) > 0).then_some(())
    })
    .await;
    // Nothing is queued any more: nothing more can go out.
    server.mail_queue_drained().await;
    assert_eq!(
        count_mails(&smtp, &first.email, SET_PASSWORD_SUBJECT),
        1,
        "the mail delivered while the disk was full went out again"
    );
    server.shutdown().await;
}
