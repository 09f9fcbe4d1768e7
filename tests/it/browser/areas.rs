//! The accessibility audit (axe-core, WCAG 2.1 A/AA) and the 320 px reflow
//! check of messaging and functional use, on the demo data: mailboxes,
//! messages, Schreiben and Antworten, the Kassenpostfach, entitled persons,
//! forms, Datenimport and Formularmeldungen.

use meine_versorgung::app::demo::{DEMO_PASSWORD, DEMO_TOTP_SECRET};
use meine_versorgung::domain::totp;

use crate::support::DataDir;
use crate::support::accounts::unix_now;
use crate::support::browser::{self, Audit, Browser};

/// Signs an active demo account in through the real pages.
pub async fn demo_sign_in(b: &Browser, id: &str) {
    demo_sign_in_again(b, id, 0).await;
}

/// Signs a demo account in with the code of the time step `steps_ahead`
/// steps from now: a second sign-in of the same account within one step
/// needs the next step's code (a used code is refused, the one of the next
/// step is still accepted).
pub async fn demo_sign_in_again(b: &Browser, id: &str, steps_ahead: u64) {
    b.login_password(id, DEMO_PASSWORD).await;
    assert_eq!(
        b.path().await,
        "/login/tan",
        "{id}: after the password step"
    );
    let code = totp::code_at(DEMO_TOTP_SECRET, unix_now() + 30 * steps_ahead).expect("code");
    b.submit_tan(&code).await;
    assert_eq!(b.path().await, "/", "{id}: after the TAN");
}

/// The `href` of the first element matching `css`, if any.
pub async fn first_href(b: &Browser, css: &str) -> Option<String> {
    let script = format!(
        "const a = document.querySelector({css:?}); return a ? a.getAttribute('href') : null;"
    );
    b.js(&script, vec![]).await.as_str().map(str::to_owned)
}

/// Whether the table region named `label` is focusable and scrolls
/// sideways (its table is wider than the region).
pub async fn region_scrolls(b: &Browser, label: &str) -> bool {
    let script = format!(
        "const r = document.querySelector('[role=region][aria-label={label:?}]'); \
         return !!r && r.tabIndex === 0 && r.scrollWidth > r.clientWidth;"
    );
    b.js(&script, vec![]).await.as_bool().unwrap_or(false)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messaging_and_functional_pages_pass_the_accessibility_audit() {
    let Some(tools) = browser::tools(
        "messaging_and_functional_pages_pass_the_accessibility_audit",
        true,
    ) else {
        return;
    };
    let dir = DataDir::new();
    let handle = crate::support::server::start_demo(&dir).await;
    let b = Browser::start(&tools, &format!("http://{}", handle.local_addr)).await;
    let mut audit = Audit::default();
    let mut wide = Vec::new();

    // A Nutzer:in with every function: personal mailbox, persons, forms.
    demo_sign_in(&b, "S20106542291").await;
    audit.page(&b, "user home with newest messages").await;
    audit.visit(&b, "/postfach", "Postfach").await;
    // The index of the user's mailboxes (or the only one, directly).
    let mut mailbox = b.path().await;
    if mailbox == "/postfach" {
        mailbox = first_href(&b, "main a[href^='/postfach/']")
            .await
            .expect("a mailbox link");
        audit
            .visit(&b, &mailbox, "Postfach: Persönliches Postfach")
            .await;
    }
    assert!(mailbox.starts_with("/postfach/"), "{mailbox}");
    let message = first_href(&b, "table.messages tbody a").await;
    let message = message.expect("a message in the demo mailbox");
    for (path, name) in [
        (format!("{mailbox}?wichtig=1"), "Postfach, quick filter"),
        (
            format!("{mailbox}?postfach=archiviert&postfach=eingehend"),
            "Postfach, filter menu",
        ),
        (message.clone(), "message"),
        (format!("{message}/antworten"), "Antworten"),
        (format!("{mailbox}/schreiben"), "Schreiben"),
        ("/suche?q=Quittung".to_owned(), "search with messages"),
        ("/anspruchsberechtigte".to_owned(), "Anspruchsberechtigte"),
        ("/formulare".to_owned(), "Formulare"),
    ] {
        audit.visit(&b, &path, name).await;
        assert_ne!(b.path().await, "/login", "{name}: still signed in");
    }
    // Schreiben refused: the messages next to the fields.
    b.goto(&format!("{mailbox}/schreiben")).await;
    b.no_validate().await;
    b.press("Senden").await;
    audit.page(&b, "Schreiben with errors").await;
    // A civil servant, so that the details show the Lebenslauf table.
    b.goto("/anspruchsberechtigte?art=beamter").await;
    let person = first_href(&b, "main table tbody a")
        .await
        .expect("a person");
    audit.visit(&b, &person, "Anspruchsberechtigte:r").await;
    audit
        .visit(
            &b,
            &format!("{person}/bearbeiten"),
            "Kontaktdaten bearbeiten",
        )
        .await;
    b.goto("/formulare").await;
    let form = first_href(&b, "main a[href^='/formulare/']")
        .await
        .expect("a form");
    audit.visit(&b, &form, "Formular").await;
    b.wd.set_window_size(320, 800).await.expect("narrow window");
    // Issue 20, point 21: the Lebenslauf scrolls at 320 px; its region is
    // reachable with the keyboard and named (axe scrollable-region-focusable).
    audit
        .visit(&b, &person, "Anspruchsberechtigte:r at 320 px")
        .await;
    assert!(
        region_scrolls(&b, "Lebenslauf").await,
        "the Lebenslauf scrolls at 320 px in a focusable region"
    );
    for path in [
        mailbox.clone(),
        message.clone(),
        format!("{mailbox}/schreiben"),
        "/anspruchsberechtigte".to_owned(),
        person.clone(),
        form.clone(),
    ] {
        b.goto(&path).await;
        if let Some(found) = b.horizontal_overflow().await {
            wide.push(format!("{path}: {found}"));
        }
    }
    b.wd.set_window_size(1280, 900).await.expect("wide window");
    b.logout().await;

    // An administrator: the group mailbox Administration.
    demo_sign_in(&b, "X20177120281").await;
    audit
        .page(&b, "administrator home with Eingang Gruppenpostfächer")
        .await;
    audit
        .visit(&b, "/postfach/administration", "Postfach: Administration")
        .await;
    b.logout().await;

    // The Kassen: Kassenpostfach, Datenimport, Formularmeldungen.
    demo_sign_in(&b, "K20000000001").await;
    audit.visit(&b, "/postfach", "Kassenpostfach").await;
    let mut kassen_mailbox = b.path().await;
    if kassen_mailbox == "/postfach" {
        kassen_mailbox = first_href(&b, "main a[href^='/postfach/']")
            .await
            .expect("a Kassenpostfach link");
        audit
            .visit(&b, &kassen_mailbox, "Kassenpostfach of a Bereich")
            .await;
    }
    audit
        .visit(
            &b,
            &format!("{kassen_mailbox}/schreiben"),
            "Kassenpostfach Schreiben",
        )
        .await;
    audit.visit(&b, "/kassen/datenimport", "Datenimport").await;
    // Issue 20, points 1 and 20: the demo file as Excel saves it, in a
    // Probelauf: converted, one conflict listed, the form keeps its choices.
    b.select("Mitglied", "Blaugraben (78970)").await;
    b.select("Art der Datei", "Anspruchsberechtigte").await;
    b.attach(
        "CSV-Datei",
        std::path::Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/demo/anspruchsberechtigte-blaugraben-windows-1252.csv"
        )),
    )
    .await;
    b.press("Probelauf").await;
    let text = b.text().await;
    for expected in [
        "Datei war in Windows-1252 kodiert und wurde umgewandelt",
        "1 Abweichung in Kontaktdaten: Werte der Organisation behalten.",
        "Am Markt 9",
    ] {
        assert!(text.contains(expected), "{expected:?} in {text}");
    }
    let kept = b
        .js(
            "return [document.getElementById('f-mitglied').selectedOptions[0].text, \
             document.getElementById('f-kontaktdaten-behalten').checked];",
            vec![],
        )
        .await;
    assert_eq!(kept, serde_json::json!(["Blaugraben (78970)", true]));
    audit
        .page(&b, "Datenimport, Probelauf with a conflict")
        .await;
    audit
        .visit(&b, "/kassen/formularmeldungen", "Formularmeldungen")
        .await;
    if let Some(report) = first_href(&b, "main table tbody a").await {
        audit.visit(&b, &report, "Formularmeldung").await;
    }
    // The Protokoll at desktop width and at 320 px, where its table scrolls.
    audit.visit(&b, "/kassen/protokoll", "Protokoll").await;
    b.wd.set_window_size(320, 800).await.expect("narrow window");
    audit
        .visit(&b, "/kassen/protokoll", "Protokoll at 320 px")
        .await;
    assert!(
        region_scrolls(&b, "Protokoll").await,
        "the Protokoll scrolls at 320 px in a focusable region"
    );
    b.close().await;
    handle.shutdown().await;
    audit.assert_clean();
    assert!(
        wide.is_empty(),
        "pages wider than a 320 px window: {wide:#?}"
    );
}
