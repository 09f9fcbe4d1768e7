//! Self-tests of the harness pieces that need no server.

use std::time::Duration;

use crate::support::html::normalize;
use crate::support::mail::extract_links;
use crate::support::*;

const PAGE: &str = r#"<!doctype html><html lang="de"><body>
<form method="post" action="/anlegen">
  <input type="hidden" name="csrf" value="tok">
  <div class="field"><label for="f-vorname">Vorname<span class="req">*</span></label>
    <input id="f-vorname" name="vorname" type="text" value="Alt">
    <p class="error">Bitte geben Sie einen Vornamen ein.</p></div>
  <fieldset><legend>Geschäftsbereiche</legend>
    <input type="checkbox" id="g-bv" name="bereich" value="bv"><label for="g-bv">Beihilfe</label>
  </fieldset>
  <fieldset><legend>Sachbearbeitung</legend>
    <input type="checkbox" id="s-bv" name="sb" value="bv" checked><label for="s-bv">Beihilfe</label>
  </fieldset>
  <label for="f-art">Art der Datei</label>
  <select id="f-art" name="art"><option value="a">Anspruchsberechtigte</option><option value="l">Lebensläufe</option></select>
  <label for="f-text">Text</label><textarea id="f-text" name="text">Hallo</textarea>
  <button type="submit">Anlegen</button>
  <button type="submit" name="aktion" value="probe" formaction="/probe">Probelauf</button>
</form></body></html>"#;

fn page() -> Page {
    Page {
        method: "GET",
        url: "http://127.0.0.1:1/seite".to_owned(),
        status: 200,
        headers: Default::default(),
        body: PAGE.to_owned(),
        location: None,
    }
}

fn pair(form: &Form, name: &str) -> Vec<String> {
    form.pairs()
        .into_iter()
        .filter(|(k, _)| k == name)
        .map(|(_, v)| v)
        .collect()
}

#[test]
fn forms_are_filled_by_label_and_keep_hidden_fields() {
    let form = page()
        .form_with_button("Anlegen")
        .fill("Vorname", "Kim")
        .check_in("Geschäftsbereiche", "Beihilfe")
        .uncheck_in("Sachbearbeitung", "Beihilfe")
        .select("Art der Datei", "Lebensläufe")
        .fill("Text", "Zeile 1\nZeile 2");
    assert_eq!(pair(&form, "csrf"), ["tok"]);
    assert_eq!(pair(&form, "vorname"), ["Kim"]);
    assert_eq!(pair(&form, "bereich"), ["bv"]);
    assert!(pair(&form, "sb").is_empty());
    assert_eq!(pair(&form, "art"), ["l"]);
    assert_eq!(pair(&form, "text"), ["Zeile 1\nZeile 2"]);
    assert!(pair(&form, "aktion").is_empty(), "Anlegen has no name");
    assert_eq!(form.target(), "http://127.0.0.1:1/anlegen");
    assert_eq!(form.value("Art der Datei"), "Lebensläufe");
}

#[test]
fn the_pressed_button_decides_target_and_value() {
    let form = page().form_with_button("Probelauf");
    assert_eq!(form.target(), "http://127.0.0.1:1/probe");
    assert_eq!(pair(&form, "aktion"), ["probe"]);
    let form = form.press("Anlegen");
    assert_eq!(form.target(), "http://127.0.0.1:1/anlegen");
}

#[test]
fn defaults_are_read_from_the_markup() {
    let form = page().form_with_button("Anlegen");
    assert_eq!(form.value("Vorname"), "Alt");
    assert_eq!(pair(&form, "art"), ["a"], "first option is the default");
    assert_eq!(pair(&form, "sb"), ["bv"], "checked stays checked");
    assert_eq!(pair(&form, "text"), ["Hallo"]);
    assert_eq!(
        page().html().field_error("Vorname").as_deref(),
        Some("Bitte geben Sie einen Vornamen ein.")
    );
    assert_eq!(page().html().lang().as_deref(), Some("de"));
}

#[test]
#[should_panic(expected = "labels present")]
fn an_unknown_label_lists_the_labels() {
    let _ = page().form_with_button("Anlegen").fill("Nachname", "x");
}

#[test]
#[should_panic(expected = "ambiguous")]
fn an_ambiguous_label_asks_for_the_fieldset() {
    let _ = page().form_with_button("Anlegen").check("Beihilfe");
}

#[test]
#[should_panic(expected = "no form with a button")]
fn an_unknown_button_is_reported() {
    let _ = page().form_with_button("Speichern");
}

#[test]
fn labels_lose_the_required_marker() {
    assert_eq!(normalize("  Vorname\n  * "), "Vorname");
    assert_eq!(normalize("E-Mail-Adresse*"), "E-Mail-Adresse");
}

#[test]
fn links_are_found_in_mail_text() {
    let text = "Bitte öffnen Sie http://127.0.0.1:8080/passwort-festlegen?token=abc.\n\
                Oder <https://example.org/x?a=1&b=2>, danach (http://h/y).";
    assert_eq!(
        extract_links(text),
        [
            "http://127.0.0.1:8080/passwort-festlegen?token=abc",
            "https://example.org/x?a=1&b=2",
            "http://h/y",
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_smtp_server_receives_over_real_smtp() {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

    let smtp = SmtpServer::start().await;
    let stream = tokio::net::TcpStream::connect(("127.0.0.1", smtp.port()))
        .await
        .unwrap();
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read).lines();
    let mut expect = async |code: &str| {
        let line = lines.next_line().await.unwrap().unwrap_or_default();
        assert!(line.starts_with(code), "expected {code}, got {line:?}");
        line
    };
    expect("220").await;
    for (cmd, code) in [
        ("HELO client.test\r\n", "250"),
        ("MAIL FROM:<a@example.org>\r\n", "250"),
        ("RCPT TO:<b@example.org>\r\n", "250"),
        ("DATA\r\n", "354"),
    ] {
        write.write_all(cmd.as_bytes()).await.unwrap();
        expect(code).await;
    }
    write
        .write_all(
            b"From: a@example.org\r\nTo: b@example.org\r\nSubject: Test\r\n\r\n\
              ..punkt http://x/y\r\n.\r\n",
        )
        .await
        .unwrap();
    expect("250").await;
    write.write_all(b"QUIT\r\n").await.unwrap();
    expect("221").await;

    let mail = smtp
        .wait_for_mail("b@example.org", "Test", Duration::from_secs(5))
        .await;
    mail.assert_single_recipient("b@example.org");
    assert_eq!(mail.envelope_to, ["b@example.org"]);
    assert!(
        mail.text.starts_with(".punkt"),
        "dot-unstuffing: {:?}",
        mail.text
    );
    assert_eq!(mail.links(), ["http://x/y"]);
}
