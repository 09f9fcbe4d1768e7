//! Signing in through the real pages: password step, TOTP (computed like an
//! authenticator app), set-password links from e-mails.

use meine_versorgung::domain::totp;

pub use super::accounts::{password_step, unix_now};
use super::{Client, FIRST_ADMIN, Mail, Page, SmtpServer, TIMEOUT, TestServer, run_setup};

/// The strong password the tests use.
pub const PASSWORD: &str = "Blau-Graben!Fluss7Wiese";

/// Submits a TOTP code on the TAN or set-up page, trying the current and
/// the next time steps (a code is accepted once only).
pub async fn submit_totp(client: &Client, page: &Page, secret: &str) -> Page {
    let mut form_page = page.clone();
    for offset in [0, 30, 60] {
        let code = totp::code_at(secret, unix_now() + offset).expect("code");
        let res = form_page
            .form_with_button("Bestätigen")
            .fill("TAN", &code)
            .submit(client)
            .await;
        if res.status == 303 && res.location.as_deref() == Some("/") {
            return res;
        }
        form_page = res;
    }
    panic!("TOTP login failed: {}", form_page.body);
}

/// A full login of an account whose authenticator is set up (`secret`), or
/// which sets it up now (`None`); returns the client and the secret.
pub async fn login(
    server: &TestServer,
    id: &str,
    password: &str,
    secret: Option<&str>,
) -> (Client, String) {
    let client = server.client();
    let res = password_step(&client, id, password).await;
    match secret {
        Some(secret) => {
            res.assert_redirect("/login/tan");
            let tan_page = client.follow(&res).await;
            submit_totp(&client, &tan_page, secret).await;
            (client, secret.to_owned())
        }
        None => {
            res.assert_redirect("/login/authenticator");
            let setup = client.follow(&res).await;
            let secret = setup.text_of("#totp-secret").replace(' ', "");
            submit_totp(&client, &setup, &secret).await;
            (client, secret)
        }
    }
}

/// The first link in `mail` that contains `path`, relative to the server.
pub fn link_in(mail: &Mail, path: &str) -> String {
    let link = mail
        .links()
        .into_iter()
        .find(|l| l.contains(path))
        .unwrap_or_else(|| {
            panic!(
                "no link to {path} in mail {:?}: {}",
                mail.subject, mail.text
            )
        });
    let start = link.find(path).expect("path in link");
    link[start..].to_owned()
}

/// Follows a "Passwort festlegen" mail and sets `password`.
pub async fn set_password_from(client: &Client, mail: &Mail, password: &str) -> Page {
    let page = client.get(&link_in(mail, "/passwort-festlegen")).await;
    page.assert_status(200);
    let done = page
        .form_with_button("Passwort festlegen")
        .fill("Neues Passwort", password)
        .fill("Neues Passwort bestätigen", password)
        .submit(client)
        .await;
    done.assert_redirect("/passwort-festgelegt");
    let done = client.follow(&done).await;
    done.assert_status(200)
        .assert_contains("Passwort festgelegt");
    done
}

/// The first Kassen account, fully set up: setup form, set-password mail,
/// first login with authenticator set-up. Returns (client, id, secret).
pub async fn first_kassen_admin(
    server: &TestServer,
    smtp: &SmtpServer,
) -> (Client, String, String) {
    let anon = server.client();
    let id = run_setup(server, &anon, &FIRST_ADMIN).await;
    let mail = smtp
        .wait_for_mail(FIRST_ADMIN.email, "Passwort festlegen", TIMEOUT)
        .await;
    set_password_from(&anon, &mail, PASSWORD).await;
    let (client, secret) = login(server, &id, PASSWORD, None).await;
    (client, id, secret)
}
