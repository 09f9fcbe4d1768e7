//! `serve --demo`: the handbook's fictional organisations and people.

use meine_versorgung::ServeOptions;
use meine_versorgung::app::demo::DEMO_PASSWORD;
use meine_versorgung::domain::account::Role;
use meine_versorgung::store::{self, Store};

use crate::support::login::{password_step, submit_totp};
use crate::support::{Client, DataDir, TestServer};

/// Signs a demo account in; demo accounts set up their authenticator first.
async fn demo_login(client: &Client, id: &str) {
    let res = password_step(client, id, DEMO_PASSWORD).await;
    res.assert_redirect("/login/authenticator");
    let setup = client.follow(&res).await;
    let secret = setup.text_of("#totp-secret").replace(' ', "");
    submit_totp(client, &setup, &secret).await;
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
    demo_login(&k, &kassen).await;
    k.get("/kassen/mitglieder")
        .await
        .assert_contains("Blaugraben")
        .assert_contains("Mäuserast");
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
    demo_login(&a, &admin).await;
    a.get("/")
        .await
        .assert_contains("Guten Tag, Kim Mustermensch!");
    a.get("/nutzer").await.assert_contains("1 - 20 von 22");
    handle.shutdown().await;
}
