//! First start: the setup token, the first Kassen account and its
//! set-password e-mail.

use crate::support::*;

const SUBJECT: &str = "Meine Versorgung: Passwort festlegen";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn first_start_creates_the_first_account_and_mails_the_link() {
    let smtp = SmtpServer::start().await;
    let server = TestServer::builder().smtp(&smtp).start().await;

    // The token is in the data directory and in the handle.
    let token = server.setup_token().to_owned();
    let token_file = server.data_dir().join("setup-token");
    let on_disk = std::fs::read_to_string(&token_file).expect("setup-token file");
    assert_eq!(on_disk.trim(), token);

    let client = server.client();
    let form_page = client.get(&format!("/setup?token={token}")).await;
    form_page.assert_status(200);
    let done = form_page
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
    assert!(id.starts_with('K'), "Kassen accounts start with K: {id}");
    assert_nutzerkennung(&id);
    done.assert_contains(&id);

    let mail = smtp
        .wait_for_mail("kim.kassenwart@kasse.example", SUBJECT, TIMEOUT)
        .await;
    mail.assert_single_recipient("kim.kassenwart@kasse.example");
    assert_eq!(mail.subject, SUBJECT);
    let link = mail.link_starting_with(&format!("{}/passwort-festlegen?token=", server.public_url));
    assert!(
        server.public_url.starts_with("http://127.0.0.1:"),
        "public_url defaults to the bound address: {}",
        server.public_url
    );
    assert_eq!(
        server.public_url,
        format!("http://{}", server.local_addr),
        "public_url must carry the real port"
    );
    // The link opens the set-password page.
    let set_pw = client.get(&link).await;
    set_pw.assert_status(200);
    set_pw.assert_contains("Neues Passwort");

    // The setup token is used up.
    assert!(!token_file.exists(), "setup-token file still exists");
    client
        .get(&format!("/setup?token={token}"))
        .await
        .assert_status(404);
    let again = form_page
        .form_with_button("Anlegen")
        .fill("Vorname", "Mallory")
        .fill("Name", "Zweitkonto")
        .fill("E-Mail-Adresse", "mallory@evil.example")
        .submit(&client)
        .await;
    again.assert_status(404);
    again.assert_not_contains("id=\"nutzerkennung\"");
    assert_eq!(server.mails_stored(), 1, "a second account was created");
    server.mail_queue_drained().await;
    assert_eq!(smtp.mails().len(), 1, "exactly one e-mail was sent");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_after_setup_creates_no_new_token() {
    let server = TestServer::start().await;
    let client = server.client();
    run_setup(&server, &client, &FIRST_ADMIN).await;
    let dir = server.shutdown().await;

    let again = TestServer::builder().data_dir(&dir).start().await;
    assert!(
        again.setup_token.is_none(),
        "a set-up portal has no setup token"
    );
    assert!(!dir.join("setup-token").exists());
    again.client().get("/setup?token=").await.assert_status(404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_input_is_shown_next_to_the_field_and_creates_nothing() {
    let smtp = SmtpServer::start().await;
    let server = TestServer::builder().smtp(&smtp).start().await;
    let client = server.client();
    let token = server.setup_token().to_owned();

    let page = client
        .get(&format!("/setup?token={token}"))
        .await
        .form_with_button("Anlegen")
        .fill("Vorname", "")
        .fill("Name", "Kassenwart")
        .fill("E-Mail-Adresse", "kein-at-zeichen")
        .submit(&client)
        .await;
    assert!(
        matches!(page.status, 200 | 400 | 422),
        "invalid input re-renders the form, got {}",
        page.status
    );
    let html = page.html();
    let vorname_error = html.field_error("Vorname");
    let email_error = html.field_error("E-Mail-Adresse");
    assert!(
        vorname_error
            .as_deref()
            .is_some_and(|e| e.contains("Vorname")),
        "no German message at Vorname: {vorname_error:?}"
    );
    assert!(
        email_error
            .as_deref()
            .is_some_and(|e| e.contains("E-Mail-Adresse")),
        "no German message at E-Mail-Adresse: {email_error:?}"
    );
    assert_eq!(html.field_error("Name"), None, "Name was fine");

    // Typed values are kept.
    let form = page.form_with_button("Anlegen");
    assert_eq!(form.value("Name"), "Kassenwart");
    assert_eq!(form.value("E-Mail-Adresse"), "kein-at-zeichen");

    // Nothing was created: the token still works and no mail went out.
    client
        .get(&format!("/setup?token={token}"))
        .await
        .assert_status(200);
    assert!(server.data_dir().join("setup-token").exists());

    // Correcting the input in the re-rendered form succeeds.
    let done = form
        .fill("Vorname", "Kim")
        .fill("E-Mail-Adresse", "kim@kasse.example")
        .submit(&client)
        .await;
    let done = client.follow(&done).await;
    done.assert_status(200);
    assert_nutzerkennung(&done.text_of("#nutzerkennung"));
    smtp.wait_for_mail("kim@kasse.example", SUBJECT, TIMEOUT)
        .await;
    assert_eq!(
        smtp.mails().len(),
        1,
        "only the corrected attempt sent mail"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn setup_without_or_with_a_wrong_token_is_not_found() {
    let server = TestServer::start().await;
    let client = server.client();
    client.get("/setup").await.assert_status(404);
    client.get("/setup?token=").await.assert_status(404);
    client
        .get("/setup?token=falsch0123456789")
        .await
        .assert_status(404);

    // A POST with a wrong token (but a valid CSRF token) creates nothing.
    let form = client
        .get(&format!("/setup?token={}", server.setup_token()))
        .await
        .form_with_button("Anlegen");
    form.set("token", "falsch")
        .fill("Vorname", "Kim")
        .fill("Name", "Kassenwart")
        .fill("E-Mail-Adresse", "kim@kasse.example")
        .submit(&client)
        .await
        .assert_status(404);
    client
        .get(&format!("/setup?token={}", server.setup_token()))
        .await
        .assert_status(200);
}
