//! In a real browser (headless Chromium through chromedriver): the
//! inactivity warning of assets/session.js, keyboard use of the login page
//! and the accessibility audit (axe-core, WCAG 2.1 A/AA) of the portal's
//! pages — with the character counters checked on every audited page.
//!
//! Without Chromium/chromedriver/axe-core these tests print a note and pass,
//! unless `CI` is set (then they fail); `tests/run` installs the tools.

/// The accessibility audit of messaging and functional use.
pub mod areas;
/// Handbook §6–8 in the browser.
mod conversation;
/// Daily use (issue 20) in the browser.
mod daily;

use std::time::{Duration, Instant};

use fantoccini::key::Key;
use meine_versorgung::domain::totp;
use serde_json::json;

use crate::support::accounts::*;
use crate::support::browser::{self, Audit, Browser};
use crate::support::*;

const IDLE_TITLE: &str = "Inaktivität festgestellt";
const IDLE_TEXT: &str = "Sie wurden aufgrund von Inaktivität abgemeldet. Bitte melden Sie sich erneut an, um das Portal wieder zu benutzen.";
const WARNING_TITLE: &str = "Ihre Sitzung läuft bald ab";
const WARNING_TEXT: &str = "Um Ihre Sitzung aktiv zu halten, genügt eine Aktion wie ein Klick, eine Mausbewegung oder eine Tastatureingabe. Wenn keine Aktivität erfolgt, werden Sie automatisch abgemeldet und ungespeicherte Eingaben gehen möglicherweise verloren.";

/// Whether the session warning dialog is shown.
const DIALOG_SHOWN: &str = "const d = document.getElementById('sitzung-warnung');\
     return !!d && !d.hidden && getComputedStyle(d).display !== 'none';";
const DIALOG_HIDDEN: &str = "const d = document.getElementById('sitzung-warnung');\
     return !!d && (d.hidden || getComputedStyle(d).display === 'none');";

fn base(server: &TestServer) -> String {
    format!("http://{}", server.local_addr)
}

/// Password step and TOTP through the real pages, typed; ends on home.
async fn browser_sign_in(b: &Browser, person: &TestAccount) {
    b.login_password(&person.id, &person.password).await;
    assert_eq!(b.path().await, "/login/tan", "after the password step");
    let code = person.next_code().await;
    b.submit_tan(&code).await;
    assert_eq!(b.path().await, "/", "after the TAN");
}

// ---------------------------------------------------------------------------
// The inactivity warning (SPEC §4, handbook §1.3)
// ---------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_inactivity_warning_keeps_the_session_or_ends_it() {
    let Some(tools) = browser::tools("the_inactivity_warning_keeps_the_session_or_ends_it", false)
    else {
        return;
    };
    let idle = 6.0;
    let warning = 3.0;
    let (server, person) = start_with_admin(
        TestServer::builder()
            .env("MV_SECURITY__SESSION_IDLE", "6s")
            .env("MV_SECURITY__SESSION_WARNING", "3s"),
    )
    .await;
    let b = Browser::start(&tools, &base(&server)).await;
    browser_sign_in(&b, &person).await;
    let loaded = Instant::now();
    assert!(
        b.text().await.contains("Guten Tag"),
        "home: {}",
        b.text().await
    );
    assert_eq!(
        b.js(DIALOG_HIDDEN, vec![]).await,
        json!(true),
        "no warning right after the page loaded"
    );

    // The warning appears `warning` seconds before the end, with the
    // button focused.
    let limit = Duration::from_secs_f64(idle - warning + 1.0);
    b.wait_js("the session warning", limit, DIALOG_SHOWN).await;
    let shown_after = loaded.elapsed();
    assert!(
        shown_after >= Duration::from_secs_f64(idle - warning - 1.0),
        "the warning came too early: {shown_after:?}"
    );
    assert_eq!(b.text_of("#sitzung-titel").await, WARNING_TITLE);
    assert_eq!(b.text_of("#sitzung-text").await, WARNING_TEXT);
    let focused = b
        .js(
            "const a = document.activeElement; return [a.id, a.textContent.trim()];",
            vec![],
        )
        .await;
    assert_eq!(
        focused,
        json!(["sitzung-verlaengern", "Ich bin noch hier"]),
        "\"Ich bin noch hier\" has the focus"
    );

    // "Ich bin noch hier" hides the dialog and keeps the session.
    b.button("Ich bin noch hier")
        .await
        .click()
        .await
        .expect("click");
    b.wait_js(
        "the warning to close",
        Duration::from_secs(3),
        DIALOG_HIDDEN,
    )
    .await;
    assert_eq!(b.path().await, "/", "no navigation for the keep-alive");

    // Past the original end of the session: still signed in.
    let past_end = Duration::from_secs_f64(idle + 1.0);
    tokio::time::sleep(past_end.saturating_sub(loaded.elapsed())).await;
    b.goto("/einstellungen").await;
    assert_eq!(b.path().await, "/einstellungen", "still signed in");
    let text = b.text().await;
    assert!(text.contains("Passwort ändern"), "settings page: {text}");
    let navigated = Instant::now();

    // Now nothing happens: the page ends on the login page with the notice.
    b.wait_js(
        "the login page with the inactivity notice",
        Duration::from_secs_f64(idle + 5.0),
        "return location.pathname === '/login' \
         && !!document.getElementById('inaktiv-titel');",
    )
    .await;
    let ended_after = navigated.elapsed();
    assert!(
        ended_after >= Duration::from_secs_f64(idle),
        "logged out before the idle time: {ended_after:?}"
    );
    let text = b.text().await;
    assert!(text.contains(IDLE_TITLE), "{text}");
    assert!(text.contains(IDLE_TEXT), "{text}");
    assert!(
        !text.contains(WARNING_TITLE),
        "no session warning on the login page"
    );
    // The session is really gone.
    b.goto("/einstellungen").await;
    assert_eq!(b.path().await, "/login");
    b.close().await;
}

// ---------------------------------------------------------------------------
// Keyboard
// ---------------------------------------------------------------------------

/// Describes the focused element and whether its focus is visible.
const FOCUSED: &str = r#"
    const a = document.activeElement;
    if (!a || a === document.body) { return null; }
    const s = getComputedStyle(a);
    const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0;
    const shadow = s.boxShadow && s.boxShadow !== 'none';
    const r = a.getBoundingClientRect();
    return {
        id: a.id,
        tag: a.tagName.toLowerCase(),
        text: (a.textContent || '').trim(),
        visible_focus: outline || !!shadow,
        on_screen: r.width > 0 && r.height > 0 && r.bottom > 0 && r.right > 0,
    };
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_login_page_works_with_the_keyboard() {
    let Some(tools) = browser::tools("the_login_page_works_with_the_keyboard", false) else {
        return;
    };
    let server = TestServer::start().await;
    let b = Browser::start(&tools, &base(&server)).await;
    b.goto("/login").await;

    // From the top of the page.
    b.js(
        "document.activeElement && document.activeElement.blur();",
        vec![],
    )
    .await;
    let mut stops = Vec::new();
    for _ in 0..20 {
        b.key(Key::Tab).await;
        let f = b.js(FOCUSED, vec![]).await;
        assert!(!f.is_null(), "Tab left the page after {stops:?}");
        let name = if f["id"].as_str().is_some_and(|id| !id.is_empty()) {
            format!("#{}", f["id"].as_str().unwrap_or_default())
        } else {
            format!(
                "{} {:?}",
                f["tag"].as_str().unwrap_or_default(),
                f["text"].as_str().unwrap_or_default()
            )
        };
        assert_eq!(
            f["visible_focus"],
            json!(true),
            "{name} shows no focus indicator"
        );
        assert_eq!(f["on_screen"], json!(true), "{name} is focused off screen");
        let done = f["text"] == json!("Anmelden") && f["tag"] == json!("button");
        stops.push(name);
        if done {
            break;
        }
    }
    let pos = |want: &str| {
        stops
            .iter()
            .position(|s| s == want)
            .unwrap_or_else(|| panic!("{want} never focused: {stops:?}"))
    };
    assert_eq!(
        stops.first().map(String::as_str),
        Some("a \"Zum Inhalt springen\""),
        "the skip link comes first: {stops:?}"
    );
    let id_field = pos("#f-nutzerkennung");
    let password = pos("#f-passwort");
    let submit = pos("button \"Anmelden\"");
    assert!(
        id_field < password && password < submit,
        "Nutzerkennung, Passwort, Anmelden in this order: {stops:?}"
    );

    // The skip link leads to the main content.
    b.goto("/login").await;
    b.key(Key::Tab).await;
    b.key(Key::Enter).await;
    b.wait_js(
        "the focus on the main content",
        Duration::from_secs(3),
        "return document.activeElement && document.activeElement.id === 'inhalt';",
    )
    .await;
    b.close().await;
}

// ---------------------------------------------------------------------------
// Accessibility audit (axe-core)
// ---------------------------------------------------------------------------

/// Shows the session warning dialog as the script would, for the audit.
async fn show_session_warning(b: &Browser) {
    b.js(
        "const d = document.getElementById('sitzung-warnung'); d.hidden = false;",
        vec![],
    )
    .await;
}

/// First-run setup, password, first login with the authenticator set-up and
/// the Kassen pages.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kassen_pages_pass_the_accessibility_audit() {
    let Some(tools) = browser::tools("kassen_pages_pass_the_accessibility_audit", true) else {
        return;
    };
    let smtp = SmtpServer::start().await;
    let server = TestServer::builder().smtp(&smtp).start().await;
    let b = Browser::start(&tools, &base(&server)).await;
    let mut audit = Audit::default();

    // First-run setup: empty form, with errors, result.
    b.goto(&format!("/setup?token={}", server.setup_token()))
        .await;
    audit.page(&b, "setup form").await;
    b.no_validate().await;
    b.type_into("E-Mail-Adresse", "keine-adresse").await;
    b.press("Anlegen").await;
    assert!(
        b.text().await.contains("E-Mail-Adresse"),
        "the form again with errors"
    );
    audit.page(&b, "setup form with errors").await;
    b.type_into("Vorname", FIRST_ADMIN.first_name).await;
    b.type_into("Name", FIRST_ADMIN.last_name).await;
    b.type_into("E-Mail-Adresse", FIRST_ADMIN.email).await;
    b.press("Anlegen").await;
    let id = b.text_of("#nutzerkennung").await;
    assert_nutzerkennung(&id);
    audit.page(&b, "setup done").await;

    // Password from the e-mailed link.
    let mail = nth_mail(&smtp, FIRST_ADMIN.email, SET_PASSWORD_SUBJECT, 1).await;
    b.goto(&mail.only_link()).await;
    audit.page(&b, "Passwort festlegen").await;
    b.type_into("Neues Passwort", PASSWORD).await;
    b.type_into("Neues Passwort bestätigen", PASSWORD).await;
    b.press("Passwort festlegen").await;
    assert!(b.text().await.contains("Passwort festgelegt"));
    audit.page(&b, "Passwort festgelegt").await;

    // First login: the authenticator set-up page.
    b.login_password(&id, PASSWORD).await;
    assert_eq!(b.path().await, "/login/authenticator");
    audit.page(&b, "authenticator set-up").await;
    let secret = b.text_of("#totp-secret").await.replace(' ', "");
    let now = unix_now();
    let code = totp::code_at(&secret, now).expect("code");
    b.submit_tan(&code).await;
    assert_eq!(b.path().await, "/", "signed in");
    let person = TestAccount::new(&id, PASSWORD, FIRST_ADMIN.email, &secret);
    person.used_step(step_of(now));

    audit.page(&b, "Kassen home").await;
    show_session_warning(&b).await;
    audit.page(&b, "Kassen home with the session warning").await;
    for (path, name) in [
        ("/kassen/mitglieder", "Mitglieder"),
        ("/kassen/mitglieder/neu", "Mitglied anlegen"),
    ] {
        audit.visit(&b, path, name).await;
    }
    b.no_validate().await;
    b.press("Anlegen").await;
    assert_eq!(b.path().await, "/kassen/mitglieder/neu");
    audit.page(&b, "Mitglied anlegen with errors").await;

    // An organisation and its administrator, created over HTTP.
    let kassen = signed_in(&server, &person).await;
    let org = kassen_create_org(&kassen, "Blaugraben", "78970").await;
    let admin = kassen_create_admin(
        &kassen,
        &org,
        &NewAdmin {
            first_name: "Kim",
            last_name: "Mustermensch",
            birth_date: "1980-05-17",
            email: "kim.mustermensch@blaugraben.example",
        },
    )
    .await;

    // FAQ entries, a feedback and a support message, over HTTP.
    for (question, answer) in [
        (
            "Ich habe mein Passwort vergessen. Was kann ich tun?",
            "Über die Schaltfläche „Passwort vergessen“ erhalten Sie eine E-Mail.\n\nDer Link ist begrenzt gültig.",
        ),
        (
            "Wer legt Nutzer:innen an?",
            "Die Administration Ihrer Organisation.",
        ),
    ] {
        let page = kassen.get("/kassen/faq/neu").await;
        page.form_with_button("Anlegen")
            .fill("Frage", question)
            .fill("Antwort", answer)
            .submit(&kassen)
            .await
            .assert_redirect("/kassen/faq");
    }
    let anon = server.client();
    for path in ["/feedback", "/support"] {
        anon.get(path)
            .await
            .form_with_button("Senden")
            .fill("Betreff", "Anmeldung")
            .fill("Text", "Zeile eins\nZeile zwei")
            .fill("E-Mail-Adresse", "kim@blaugraben.example")
            .submit(&anon)
            .await
            .assert_redirect(path);
    }

    for (path, name) in [
        ("/kassen/faq".to_owned(), "FAQ verwalten"),
        ("/kassen/faq/neu".to_owned(), "FAQ-Eintrag anlegen"),
        ("/kassen/faq/1".to_owned(), "FAQ-Eintrag bearbeiten"),
        ("/kassen/faq/1/loeschen".to_owned(), "FAQ-Eintrag löschen"),
        ("/kassen/rueckmeldungen".to_owned(), "Rückmeldungen"),
        (
            "/kassen/rueckmeldungen?art=support&status=neu".to_owned(),
            "Rückmeldungen filtered",
        ),
        ("/kassen/rueckmeldungen/2".to_owned(), "Rückmeldung details"),
        ("/faq".to_owned(), "FAQ signed in"),
        ("/suche?q=passwort".to_owned(), "search results"),
        ("/suche?q=gibtesnicht".to_owned(), "search without results"),
    ] {
        audit.visit(&b, &path, name).await;
        assert_ne!(b.path().await, "/login", "{name}: still signed in");
    }
    b.goto("/kassen/faq/1").await;
    b.no_validate().await;
    b.set_value("Frage", "").await;
    b.press("Speichern").await;
    assert!(b.text().await.contains("Bitte geben Sie eine Frage ein."));
    audit.page(&b, "FAQ-Eintrag bearbeiten with errors").await;

    for (path, name) in [
        (format!("/kassen/mitglieder/{org}"), "Mitglied details"),
        ("/kassen/administratoren".to_owned(), "Administratoren"),
        (
            format!("/kassen/administratoren/{admin}"),
            "Administrator details",
        ),
        (
            "/kassen/administratoren/neu".to_owned(),
            "Administrator anlegen",
        ),
        ("/kassen/personal".to_owned(), "Personal"),
        ("/kassen/protokoll".to_owned(), "Protokoll"),
        ("/kassen/postausgang".to_owned(), "Postausgang"),
        ("/kassen/datensicherung".to_owned(), "Datensicherung"),
        ("/einstellungen".to_owned(), "Einstellungen"),
        ("/einstellungen/passwort".to_owned(), "Passwort ändern"),
    ] {
        audit.visit(&b, &path, name).await;
        assert_ne!(b.path().await, "/login", "{name}: still signed in");
    }

    // Reflow (WCAG 1.4.10) at 320 CSS pixels.
    b.wd.set_window_size(320, 800).await.expect("narrow window");
    let mut too_wide = Vec::new();
    for path in [
        "/".to_owned(),
        "/kassen/mitglieder".to_owned(),
        format!("/kassen/mitglieder/{org}"),
        "/kassen/administratoren".to_owned(),
        format!("/kassen/administratoren/{admin}"),
        "/kassen/protokoll".to_owned(),
        "/kassen/postausgang".to_owned(),
        "/kassen/datensicherung".to_owned(),
        "/kassen/faq".to_owned(),
        "/kassen/faq/1".to_owned(),
        "/kassen/rueckmeldungen".to_owned(),
        "/kassen/rueckmeldungen/2".to_owned(),
        "/faq".to_owned(),
        "/suche?q=passwort".to_owned(),
    ] {
        b.goto(&path).await;
        if let Some(found) = b.horizontal_overflow().await {
            too_wide.push(format!("{path}: {found}"));
        }
    }
    b.close().await;
    audit.assert_clean();
    assert!(
        too_wide.is_empty(),
        "pages wider than a 320 px window: {too_wide:#?}"
    );
}

/// The anonymous pages, the TAN page and an organisation administrator's
/// pages.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn public_and_administrator_pages_pass_the_accessibility_audit() {
    let Some(tools) = browser::tools(
        "public_and_administrator_pages_pass_the_accessibility_audit",
        true,
    ) else {
        return;
    };
    let (server, person) = start_with_admin(TestServer::builder()).await;
    let b = Browser::start(&tools, &base(&server)).await;
    let mut audit = Audit::default();

    for (path, name) in [
        ("/login", "login"),
        ("/login?inaktiv=1", "login after inactivity"),
        ("/passwort-vergessen", "Passwort vergessen"),
        ("/impressum", "Impressum"),
        ("/datenschutz", "Datenschutz"),
        ("/barrierefreiheit", "Barrierefreiheit"),
        ("/nutzungsbedingungen", "Nutzungsbedingungen"),
        ("/registrieren", "Registrieren"),
        ("/nutzerkennung-vergessen", "Nutzerkennung vergessen"),
        ("/faq", "FAQ without entries"),
        ("/support", "Support"),
        ("/feedback", "Feedback"),
        ("/gibt-es-nicht", "404"),
    ] {
        audit.visit(&b, path, name).await;
    }
    // The feedback form with errors, then sent.
    b.goto("/feedback").await;
    b.no_validate().await;
    b.type_into("E-Mail-Adresse", "keine-adresse").await;
    b.press("Senden").await;
    assert!(
        b.text()
            .await
            .contains("Bitte geben Sie einen Betreff ein."),
        "{}",
        b.text().await
    );
    audit.page(&b, "Feedback with errors").await;
    b.type_into("Betreff", "Lob").await;
    b.type_into("Text", "Alles gut.").await;
    b.set_value("E-Mail-Adresse", "").await;
    b.press("Senden").await;
    assert_eq!(b.path().await, "/feedback/danke");
    audit.page(&b, "Vielen Dank").await;
    let text = b.text().await;
    assert!(!text.is_empty(), "the 404 page has content");

    // A refused login shows an error.
    b.login_password(&person.id, "Falsches-Passwort!123").await;
    assert_eq!(b.path().await, "/login");
    audit.page(&b, "login with an error").await;

    // Password step, then the TAN page.
    b.login_password(&person.id, &person.password).await;
    assert_eq!(b.path().await, "/login/tan");
    audit.page(&b, "TAN").await;
    let code = person.next_code().await;
    b.submit_tan(&code).await;
    assert_eq!(b.path().await, "/");
    audit.page(&b, "administrator home").await;

    for (path, name) in [
        ("/nutzer", "Nutzer:in verwalten"),
        ("/nutzer/neu", "Nutzer:in anlegen"),
    ] {
        audit.visit(&b, path, name).await;
    }
    b.no_validate().await;
    b.type_into("E-Mail-Adresse", "keine-adresse").await;
    b.press("Anlegen").await;
    assert_eq!(b.path().await, "/nutzer/neu");
    assert!(
        b.text()
            .await
            .contains("Bitte geben Sie einen Vornamen ein.")
    );
    audit.page(&b, "Nutzer:in anlegen with errors").await;

    // A user, created through the form.
    b.type_into("Vorname", "Max").await;
    b.type_into("Name", "Mustermensch").await;
    b.type_into("E-Mail-Adresse", "max.mustermensch@blaugraben.example")
        .await;
    b.check("Postfachfunktionalität").await;
    b.check("Ich bestätige, dass die Nutzungsbedingungen dem Beschäftigten bekannt sind und dass er/sie diese mit der Anlage des Zugangs akzeptiert.").await;
    b.press("Anlegen").await;
    assert!(
        b.text().await.contains("ANLAGE ERFOLGREICH"),
        "{}",
        b.text().await
    );
    audit.page(&b, "Nutzer:in angelegt").await;
    let user = b.text_of("#nutzerkennung").await;

    for (path, name) in [
        (format!("/nutzer/{user}"), "Nutzer:innen-Details"),
        (format!("/nutzer/{user}/bearbeiten"), "Nutzer:in bearbeiten"),
        ("/nutzer".to_owned(), "Nutzer:in verwalten with a user"),
        (
            "/nutzer/berechtigungen-pruefen".to_owned(),
            "Berechtigungen überprüfen",
        ),
        ("/gruppenpostfaecher".to_owned(), "Gruppenpostfächer"),
        (
            "/postfach-konfiguration".to_owned(),
            "Postfach-Konfiguration",
        ),
        ("/mitgliederdaten".to_owned(), "Mitgliederdaten"),
        ("/einstellungen".to_owned(), "Einstellungen"),
        ("/einstellungen/passwort".to_owned(), "Passwort ändern"),
        ("/protokoll".to_owned(), "Protokoll der Organisation"),
        ("/suche?q=passwort".to_owned(), "search without FAQ"),
        ("/suche?q=".to_owned(), "search without a term"),
        ("/support".to_owned(), "Support signed in"),
    ] {
        audit.visit(&b, &path, name).await;
        assert_ne!(b.path().await, "/login", "{name}: still signed in");
    }
    // The user menu opens with the keyboard.
    b.goto("/").await;
    b.js(
        "document.querySelector('.user-menu summary').focus();",
        vec![],
    )
    .await;
    b.key(Key::Enter).await;
    assert_eq!(
        b.js("return document.querySelector('.user-menu').open;", vec![])
            .await,
        json!(true),
        "Enter opens the user menu"
    );
    audit.page(&b, "home with the user menu open").await;

    // Reflow (WCAG 1.4.10): at 320 CSS pixels nothing needs horizontal
    // scrolling of the page (wide tables scroll in their own box).
    b.wd.set_window_size(320, 800).await.expect("narrow window");
    let mut too_wide = Vec::new();
    let details = format!("/nutzer/{user}");
    for path in [
        "/",
        "/nutzer",
        "/nutzer/neu",
        &details,
        "/einstellungen/passwort",
        "LOGOUT",
        "/login",
        "/login?inaktiv=1",
        "/impressum",
        "/feedback",
        "/faq",
    ] {
        if path == "LOGOUT" {
            b.logout().await;
            continue;
        }
        b.goto(path).await;
        if let Some(found) = b.horizontal_overflow().await {
            too_wide.push(format!("{path}: {found}"));
        }
    }
    b.close().await;
    audit.assert_clean();
    assert!(
        too_wide.is_empty(),
        "pages wider than a 320 px window: {too_wide:#?}"
    );
}
