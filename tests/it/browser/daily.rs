//! Issue 20 in the browser: the counters count as the server does (a line
//! break once), the clerk's "Gruppenpostfach" follows the chosen Mitglied at
//! once, and the Kassen home shows the demo data's queues.

use serde_json::json;

use crate::browser::areas::{demo_sign_in, demo_sign_in_again, first_href};
use crate::support::DataDir;
use crate::support::browser::{self, Audit, Browser};

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
    let gone = b
        .js(
            "return document.querySelector('.choose-org') === null;",
            vec![],
        )
        .await;
    assert_eq!(gone, json!(true), "the button is removed");
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

/// The pages among `paths` wider than a 320 px window (the window is
/// narrowed and widened again).
async fn too_wide(b: &Browser, paths: &[String]) -> Vec<String> {
    b.wd.set_window_size(320, 800).await.expect("narrow window");
    let mut wide = Vec::new();
    for path in paths {
        b.goto(path).await;
        if let Some(found) = b.horizontal_overflow().await {
            wide.push(format!("{path}: {found}"));
        }
    }
    b.wd.set_window_size(1280, 900).await.expect("wide window");
    wide
}

/// The pages issue 20 changed, audited (axe-core) and checked at 320 px:
/// the Kassen homes with their queues, the clerk's Schreiben with a chosen
/// Mitglied and with errors, Antworten with the quoted message, a message
/// with its author, Gruppendetails → Bearbeiten with two rows, the
/// Postfach-Konfiguration and the FAQ with the deletion period.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pages_of_issue_20_pass_the_accessibility_audit() {
    let Some(tools) = browser::tools("the_pages_of_issue_20_pass_the_accessibility_audit", true)
    else {
        return;
    };
    let dir = DataDir::new();
    let handle = crate::support::server::start_demo(&dir).await;
    let b = Browser::start(&tools, &format!("http://{}", handle.local_addr)).await;
    let mut audit = Audit::default();
    let mut wide = Vec::new();

    demo_sign_in(&b, "K20000000002").await;
    audit.visit(&b, "/", "clerk home with queues").await;
    b.goto("/postfach/kasse-beamtenversorgung/schreiben").await;
    b.select("Mitglied", "Mäuserast (78971)").await;
    audit.page(&b, "clerk Schreiben, Mitglied chosen").await;
    b.no_validate().await;
    b.press("Senden").await;
    audit.page(&b, "clerk Schreiben with errors").await;
    b.goto("/postfach/kasse-beamtenversorgung").await;
    let message = first_href(&b, "table.messages tbody a")
        .await
        .expect("a message in the Kassenpostfach");
    audit.visit(&b, &message, "message with its author").await;
    let reply = format!("{message}/antworten");
    audit
        .visit(&b, &reply, "Antworten with the quoted message")
        .await;
    wide.extend(too_wide(&b, &["/".to_owned(), message, reply]).await);
    b.logout().await;

    demo_sign_in(&b, "K20000000001").await;
    audit.visit(&b, "/", "Kassen administrator home").await;
    b.logout().await;

    demo_sign_in_again(&b, "X20177120281", 0).await;
    let edit = "/gruppenpostfaecher/administration/bearbeiten";
    b.goto(edit).await;
    b.press("+ E-Mail-Adresse hinzufügen").await;
    audit.page(&b, "Gruppendetails bearbeiten, two rows").await;
    audit
        .visit(&b, "/postfach-konfiguration", "Postfach-Konfiguration")
        .await;
    audit
        .visit(&b, "/postfach/administration", "mailbox with notes")
        .await;
    audit
        .visit(&b, "/faq", "FAQ with the deletion period")
        .await;
    let paths = [
        edit.to_owned(),
        "/postfach/administration".to_owned(),
        "/faq".to_owned(),
    ];
    wide.extend(too_wide(&b, &paths).await);
    b.close().await;
    handle.shutdown().await;
    audit.assert_clean();
    assert!(
        wide.is_empty(),
        "pages wider than a 320 px window: {wide:#?}"
    );
}
