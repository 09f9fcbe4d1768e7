//! `serve --demo`: the handbook's fictional organisations and people.

use meine_versorgung::ServeOptions;
use meine_versorgung::app::demo::{self, DEMO_PASSWORD, DEMO_TOTP_SECRET, DemoState};
use meine_versorgung::domain::account::Role;
use meine_versorgung::store::{self, Store};

use crate::support::accounts::{submit_tan, tan_in};
use crate::support::login::{password_step, submit_totp};
use crate::support::{Client, DataDir, Mail, TIMEOUT, TestServer, outbox_files, wait_for};

/// Signs an active demo account in with the documented authenticator secret.
async fn demo_login_active(client: &Client, id: &str) {
    let res = password_step(client, id, DEMO_PASSWORD).await;
    res.assert_redirect("/login/tan");
    let tan_page = client.follow(&res).await;
    submit_totp(client, &tan_page, DEMO_TOTP_SECRET).await;
}

#[test]
fn the_readme_lists_every_demo_login() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).expect("README");
    for p in &demo::PEOPLE {
        assert!(readme.contains(p.id), "{} missing in the README", p.id);
    }
    assert!(readme.contains(DEMO_PASSWORD) && readme.contains(DEMO_TOTP_SECRET));
    let printed = demo::logins_text();
    for p in &demo::PEOPLE {
        assert!(printed.contains(p.id), "{} not printed", p.id);
    }
    for state in [
        DemoState::Angelegt,
        DemoState::TotpPending,
        DemoState::Aktiv,
        DemoState::Gesperrt,
        DemoState::SelfLocked,
        DemoState::EmailTan,
    ] {
        assert!(
            demo::PEOPLE.iter().any(|p| p.state == state),
            "no demo account in {state:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_accounts_in_every_status_behave_as_documented() {
    let dir = DataDir::new();
    let handle = crate::support::server::start_demo(&dir).await;
    let base = format!("http://{}", handle.local_addr);

    // Aktiv: the documented secret works at once.
    let admin = Client::new(&base);
    demo_login_active(&admin, "X20177120281").await;
    let overview = admin.get("/nutzer").await;
    overview.assert_contains("1 - 20 von 26");
    let page2 = admin.get("/nutzer?seite=2").await;
    let statuses = format!("{}{}", overview.text(), page2.text());
    for text in [
        "Angelegt (TOTP-Einrichtung ausstehend)",
        "Gesperrt",
        "Vorübergehend gesperrt bis",
        "Aktiv",
    ] {
        assert!(statuses.contains(text), "{text} missing in the overview");
    }

    // TOTP pending: sets up the authenticator at the first login.
    let tom = Client::new(&base);
    password_step(&tom, "S20100000101", DEMO_PASSWORD)
        .await
        .assert_redirect("/login/authenticator");
    // Angelegt, Gesperrt and self-locked cannot log in; a lock is not
    // revealed at the password step (SECURITY.md: no lockout oracle).
    for id in ["S20100000102", "S20100000103", "S20100000104"] {
        password_step(&Client::new(&base), id, DEMO_PASSWORD)
            .await
            .assert_contains("Die Anmeldung ist fehlgeschlagen")
            .assert_not_contains("gesperrt");
    }

    // Mäuserast: its administrator is offered only what is enabled.
    let mia = Client::new(&base);
    demo_login_active(&mia, "X20100000201").await;
    let form = mia.get("/nutzer/neu").await;
    form.assert_contains("Beamtenversorgung")
        .assert_not_contains("Geschäftsleitung")
        .assert_not_contains("Meldung von Änderungen an aktiven Beamten");

    // Lindenhain: E-Mail-TAN, the TAN arrives in the outbox.
    let lena = Client::new(&base);
    let res = password_step(&lena, "X20100000301", DEMO_PASSWORD).await;
    res.assert_redirect("/login/tan");
    let tan_page = lena.follow(&res).await;
    let mail = wait_for("the TAN mail in the outbox", TIMEOUT, || {
        let found = outbox_files(dir.path())
            .iter()
            .map(|p| Mail::read(p))
            .find(|m| m.subject.contains("Ihre TAN"));
        async move { found }
    })
    .await;
    submit_tan(&lena, &tan_page, &tan_in(&mail))
        .await
        .assert_redirect("/");
    handle.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_data_can_be_used_at_once() {
    let dir = DataDir::new();
    let config = TestServer::builder().data_dir(&dir).config();
    let handle = meine_versorgung::start(
        config.clone(),
        ServeOptions {
            demo: true,
            ..Default::default()
        },
    )
    .await
    .expect("start");
    assert!(
        handle.setup_token.is_none(),
        "a demo install needs no setup token"
    );
    let client = Client::new(&format!("http://{}", handle.local_addr));
    client.get("/login").await.assert_status(200);

    handle.shutdown().await;
    let accounts = Store::open(dir.path())
        .expect("store")
        .read(store::accounts::all)
        .expect("accounts");
    let id_of = |first: &str| {
        accounts
            .iter()
            .find(|a| a.first_name == first)
            .map(|a| a.id.to_string())
            .expect("demo account")
    };
    let kassen = id_of("Erika");
    let admin = id_of("Kim");
    assert_eq!(kassen, "K20000000001", "the documented Nutzerkennung");
    assert!(accounts.iter().any(|a| matches!(
        a.role,
        Role::Kassen {
            portal_admin: false,
            ..
        }
    )));

    let handle = meine_versorgung::start(
        config,
        ServeOptions {
            demo: true,
            ..Default::default()
        },
    )
    .await
    .expect("restart");
    let base = format!("http://{}", handle.local_addr);
    let k = Client::new(&base);
    demo_login_active(&k, &kassen).await;
    k.get("/kassen/mitglieder")
        .await
        .assert_contains("Blaugraben")
        .assert_contains("Mäuserast")
        .assert_contains("Lindenhain");
    // The demo FAQ, for everyone and in the search.
    Client::new(&base)
        .get("/faq")
        .await
        .assert_contains("Ich habe mein Passwort vergessen. Was kann ich tun?")
        .assert_contains("Werden Nachrichten automatisch gelöscht?");
    k.get("/suche?q=authenticator")
        .await
        .assert_contains("Ich habe keinen Zugriff mehr auf meine Authenticator-App. Was nun?");
    let a = Client::new(&base);
    demo_login_active(&a, &admin).await;
    a.get("/")
        .await
        .assert_contains("Guten Tag, Kim Mustermensch!");
    a.get("/nutzer").await.assert_contains("1 - 20 von 26");
    // Demo conversations: in the organisation's mailbox (with marks and
    // attachments) and in the Kassenpostfach.
    a.get("/")
        .await
        .assert_contains("AW: Rückfrage zur Versorgungsauskunft");
    a.get("/postfach/administration?wichtig=1")
        .await
        .assert_contains("AW: Rückfrage zur Versorgungsauskunft")
        .assert_contains("📎");
    a.get("/postfach/administration?postfach=archiviert")
        .await
        .assert_contains("Entgeltmeldungen 2025");
    k.get("/postfach/kasse-beamtenversorgung")
        .await
        .assert_contains("Rückfrage zur Versorgungsauskunft")
        .assert_contains("Zugang für neue Sachbearbeiterin");
    handle.shutdown().await;
}
