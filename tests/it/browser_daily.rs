//! Issue 20 in the browser: the counters count as the server does (a line
//! break once), the clerk's "Gruppenpostfach" follows the chosen Mitglied at
//! once, and the Kassen home shows the demo data's queues.

use serde_json::json;

use crate::browser_areas::demo_sign_in;
use crate::support::DataDir;
use crate::support::browser::{self, Browser};

/// The option texts of the select `#id`.
async fn option_texts(b: &Browser, id: &str) -> Vec<String> {
    let v = b
        .js(
            "return Array.from(document.getElementById(arguments[0]).options).map((o) => o.text);",
            vec![json!(id)],
        )
        .await;
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clerk_sees_the_queues_and_writes_to_a_member_s_enabled_mailbox() {
    let Some(tools) = browser::tools(
        "a_clerk_sees_the_queues_and_writes_to_a_member_s_enabled_mailbox",
        false,
    ) else {
        return;
    };
    let dir = DataDir::new();
    let handle = crate::support::server::start_demo(&dir).await;
    let b = Browser::start(&tools, &format!("http://{}", handle.local_addr)).await;

    // Bernd Beihilfer (Beihilfe and Beamtenversorgung): the demo's queues.
    demo_sign_in(&b, "K20000000002").await;
    b.goto("/").await;
    let home = b.text().await;
    assert!(home.contains("Ihre Aufgaben"), "{home}");
    assert!(
        home.contains("Kassenpostfach Beihilfe: 1 ungelesene Nachricht"),
        "{home}"
    );
    assert!(
        home.contains("Kassenpostfach Beamtenversorgung: 3 ungelesene Nachrichten"),
        "{home}"
    );
    assert!(home.contains("Formularmeldungen"), "{home}");

    b.goto("/postfach/kasse-beamtenversorgung/schreiben").await;
    // With script the "Mitglied wählen" step is not needed.
    let hidden = b
        .js(
            "return document.querySelector('.choose-org').hidden;",
            vec![],
        )
        .await;
    assert_eq!(hidden, json!(true));
    assert_eq!(
        option_texts(&b, "f-gruppenpostfach").await,
        ["Bitte wählen"]
    );
    b.select("Mitglied", "Mäuserast (78971)").await;
    assert_eq!(
        option_texts(&b, "f-gruppenpostfach").await,
        ["Bitte wählen", "Beamtenversorgung", "Administration"]
    );
    b.select("Mitglied", "Blaugraben (78970)").await;
    assert_eq!(option_texts(&b, "f-gruppenpostfach").await.len(), 8);
    b.select("Mitglied", "Mäuserast (78971)").await;
    b.select("Gruppenpostfach", "Administration").await;

    // The counters: Betreff like Text; a line break counts once.
    b.type_into("Betreff", "Hallo").await;
    assert_eq!(b.text_of("#f-betreff-zaehler").await, "5 / 200");
    b.type_into("Text", "ab\ncd").await;
    assert_eq!(b.text_of("#f-text-zaehler").await, "5 / 10000");
    b.select("Thema", "Allgemeine Anfrage").await;
    b.press("Senden").await;
    let text = b.text().await;
    assert!(text.contains("Ihre Nachricht wurde gesendet."), "{text}");
    assert!(
        text.contains("Versorgungskasse, Sachbearbeitung Beamtenversorgung: Bernd Beihilfer"),
        "{text}"
    );
    b.close().await;
    handle.shutdown().await;
}
