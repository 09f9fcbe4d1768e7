//! What a backup reveals of second factors (issue 19, medium finding): a
//! pending E-Mail-TAN is stored as an HMAC under a key derived from
//! `mail.key` (not as a SHA-256 that a million guesses reverse), and a
//! backup holds no sessions at all (neither pending TANs nor authenticator
//! secrets being set up).

use meine_versorgung::domain::secret;

use crate::support::accounts::*;
use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pending_email_tan_cannot_be_reversed_from_the_store_or_a_backup() {
    let smtp = SmtpServer::start().await;
    let (server, kassen, admin) =
        start_with_kassen_and_admin(TestServer::builder().smtp(&smtp)).await;
    let kasse = signed_in(&server, &kassen).await;
    switch_to_email_tan(&kasse, &admin).await;

    // A sign-in waits for its E-Mail-TAN.
    let client = server.client();
    let res = password_step(&client, &admin.id, &admin.password).await;
    res.assert_redirect("/login/tan");
    let tan_page = client.follow(&res).await;
    let tan = tan_in(&nth_mail(&smtp, &admin.email, TAN_SUBJECT, 1).await);
    let plain_hash = secret::token_hash(&tan);

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

    // Neither the store nor the backup holds the unsalted SHA-256 of the TAN.
    let db = server.data_dir().join("meine-versorgung.redb");
    for file in [&db, &backups[0]] {
        assert!(
            !file_contains(file, &plain_hash),
            "{} holds the TAN's SHA-256",
            file.display()
        );
    }
    // The backup holds no session at all.
    {
        let summary = meine_versorgung::store::backup::inspect(&backups[0]).expect("the backup");
        let records = |table: &str| {
            summary
                .tables
                .iter()
                .find(|(name, _)| *name == table)
                .map(|(_, n)| *n)
        };
        let (sessions, by_account) = (records("SESSIONS"), records("SESSIONS_BY_ACCOUNT"));
        assert_eq!(
            (sessions, by_account),
            (Some(0), Some(0)),
            "the backup holds sessions"
        );
    }

    // The TAN that arrived still signs in.
    submit_tan(&client, &tan_page, &tan)
        .await
        .assert_redirect("/");
}
