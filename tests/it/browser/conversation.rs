//! Handbook §6–8 in the browser, end to end: an organisation's
//! administrator writes to the fund with an attachment (Thema narrowed to the
//! chosen Bereich by the page's script), the fund's clerk of that Bereich
//! finds it in the Kassenpostfach, downloads the attachment and answers with
//! one, and the answer arrives in the organisation's mailbox as Eingehend
//! with the same Referenz.

use serde_json::json;

use crate::browser::areas::{demo_sign_in, demo_sign_in_again, first_href};
use crate::messaging::{PDF, PNG};
use crate::support::DataDir;
use crate::support::browser::{self, Browser};

const SUBJECT: &str = "Beitragsliste März aus dem Browser";

/// (status, content type, length in bytes) of a GET of `href` by the page.
async fn download(b: &Browser, href: &str) -> (u64, String, u64) {
    let v = b
        .js(
            r#"
            const x = new XMLHttpRequest();
            x.open('GET', arguments[0], false);
            x.overrideMimeType('text/plain; charset=x-user-defined');
            x.send();
            return [x.status, x.getResponseHeader('content-type') || '', x.responseText.length];
            "#,
            vec![json!(href)],
        )
        .await;
    (
        v[0].as_u64().unwrap_or(0),
        v[1].as_str().unwrap_or("").to_owned(),
        v[2].as_u64().unwrap_or(0),
    )
}

/// The enabled option groups of the select labelled `label`.
async fn enabled_groups(b: &Browser, label: &str) -> Vec<String> {
    let id = b.id_for_label(label).await;
    let v = b
        .js(
            "return Array.from(document.getElementById(arguments[0]).querySelectorAll('optgroup'))
                .filter((g) => !g.disabled).map((g) => g.label);",
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

/// The Referenz shown on a message page.
async fn shown_referenz(b: &Browser) -> String {
    let v = b
        .js(
            "const dt = Array.from(document.querySelectorAll('dl.facts dt'))
                .find((d) => d.textContent.trim() === 'Referenz');
             return dt ? dt.nextElementSibling.textContent.trim() : null;",
            vec![],
        )
        .await;
    v.as_str()
        .expect("a Referenz on the message page")
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_organisation_and_the_fund_hold_a_conversation_with_attachments() {
    let Some(tools) = browser::tools(
        "an_organisation_and_the_fund_hold_a_conversation_with_attachments",
        false,
    ) else {
        return;
    };
    let dir = DataDir::new();
    let files = tempfile::tempdir().expect("temp dir");
    let pdf = files.path().join("Beitragsliste März.pdf");
    std::fs::write(&pdf, PDF).expect("pdf");
    let png = files.path().join("Bescheid.png");
    std::fs::write(&png, PNG).expect("png");

    let handle = crate::support::server::start_demo(&dir).await;
    let b = Browser::start(&tools, &format!("http://{}", handle.local_addr)).await;

    // The organisation's administrator writes from the group mailbox
    // Administration.
    demo_sign_in(&b, "X20177120281").await;
    b.goto("/postfach/administration/schreiben").await;
    b.type_into("Betreff", SUBJECT).await;
    b.select("Bereich", "Beihilfe").await;
    assert_eq!(
        enabled_groups(&b, "Thema").await,
        ["Beihilfe"],
        "Thema offers only the chosen Bereich's list"
    );
    b.select("Thema", "Abrechnung").await;
    b.type_into(
        "Text",
        "Sehr geehrte Damen und Herren,\nanbei die Beitragsliste.",
    )
    .await;
    b.attach("Anhang hinzufügen", &pdf).await;
    b.press("Senden").await;
    let text = b.text().await;
    assert!(text.contains("Ihre Nachricht wurde gesendet."), "{text}");
    assert!(text.contains("Beitragsliste_Maerz.pdf"), "{text}");
    let referenz = shown_referenz(&b).await;
    b.logout().await;

    // The clerk of the Bereich Beihilfe finds it in the Kassenpostfach.
    demo_sign_in(&b, "K20000000002").await;
    b.goto("/postfach/kasse-beihilfe").await;
    let find_subject = format!(
        "const a = Array.from(document.querySelectorAll('table.messages tbody a'))
            .find((a) => a.textContent.includes({SUBJECT:?}));
         return a ? a.getAttribute('href') : null;"
    );
    let message = b.js(&find_subject, vec![]).await;
    let message = message
        .as_str()
        .expect("the message in the Kassenpostfach Beihilfe")
        .to_owned();
    b.goto(&message).await;
    assert_eq!(shown_referenz(&b).await, referenz);
    let attachment = first_href(&b, "ul.attachments a")
        .await
        .expect("the attachment's link");
    let (status, mime, len) = download(&b, &attachment).await;
    assert_eq!(
        (status, mime.as_str(), len),
        (200, "application/pdf", PDF.len() as u64)
    );

    // The clerk answers with an attachment.
    b.goto(&format!("{message}/antworten")).await;
    b.type_into("Text", "Vielen Dank, anbei unser Bescheid.")
        .await;
    b.attach("Anhang hinzufügen", &png).await;
    b.press("Senden").await;
    let text = b.text().await;
    assert!(text.contains("Ihre Nachricht wurde gesendet."), "{text}");
    assert_eq!(
        shown_referenz(&b).await,
        referenz,
        "the answer keeps the Referenz"
    );
    b.logout().await;

    // The answer arrives in the organisation's mailbox as Eingehend.
    // Signed in before, maybe within the same TOTP step.
    demo_sign_in_again(&b, "X20177120281", 1).await;
    b.goto(&format!(
        "/postfach/administration?postfach=eingehend&referenz={referenz}"
    ))
    .await;
    let answer = first_href(&b, "table.messages tbody a")
        .await
        .expect("the answer among the incoming messages of the conversation");
    b.goto(&answer).await;
    let text = b.text().await;
    assert!(
        text.contains("Vielen Dank, anbei unser Bescheid."),
        "{text}"
    );
    assert!(text.contains("Bescheid.png"), "{text}");
    let attachment = first_href(&b, "ul.attachments a")
        .await
        .expect("the answer's attachment");
    let (status, mime, len) = download(&b, &attachment).await;
    assert_eq!(
        (status, mime.as_str(), len),
        (200, "image/png", PNG.len() as u64)
    );

    b.close().await;
    handle.shutdown().await;
}
