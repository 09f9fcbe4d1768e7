//! Kassen-Sachbearbeitung starts conversations only with organisations
//! registered in its Bereich (SPEC §2): the form offers only those, and a
//! crafted request naming another organisation or one of its Nutzer:innen
//! is refused on the server with a German message, storing nothing.

use crate::messaging::PDF;
use crate::support::accounts::signed_in;
use crate::support::persons::start;
use crate::support::{Client, Page, TestServer};

/// Posts the Schreiben form of `page` with `fields` set by name (as a
/// crafted request could) and one PDF attachment.
async fn post(client: &Client, page: &Page, fields: &[(&str, &str)]) -> Page {
    let form = page.form_with_button("Senden");
    let mut mp = reqwest::multipart::Form::new();
    for (k, v) in form.pairs() {
        let v = match fields.iter().find(|(name, _)| *name == k) {
            Some((_, value)) => value.to_string(),
            None => v,
        };
        mp = mp.text(k, v);
    }
    mp = mp.part(
        "anhang",
        reqwest::multipart::Part::bytes(PDF.to_vec()).file_name("Hinweis.pdf"),
    );
    client.post_multipart(&form.target(), mp).await
}

#[tokio::test]
async fn a_clerk_cannot_write_to_an_organisation_outside_its_bereich() {
    let (server, people): (TestServer, _) = start(TestServer::builder(), |_, _| Vec::new()).await;
    // The Portaladministration registers Lindenhain (B) in Beamtenversorgung only.
    let kassen = signed_in(&server, &people.kassen).await;
    let edit = kassen
        .get(&format!("/kassen/mitglieder/{}", people.org_b))
        .await;
    edit.assert_status(200);
    edit.form_with_button("Speichern")
        .uncheck_in("Geschäftsbereiche", "Beihilfe")
        .uncheck_in("Geschäftsbereiche", "Zusatzversorgung")
        .submit(&kassen)
        .await
        .assert_redirect(&format!(
            "/kassen/mitglieder/{}?hinweis=gespeichert",
            people.org_b
        ));

    let clerk = signed_in(&server, &people.sb_bh).await;
    let page = clerk.get("/postfach/kasse-beihilfe/schreiben").await;
    page.assert_status(200);
    // The form does not offer Lindenhain …
    page.assert_not_contains("Lindenhain");
    let common = [
        ("thema", "Allgemeine Anfrage"),
        ("text", "Bitte beachten Sie die neue Frist."),
    ];
    // … and a request naming its group mailbox is refused.
    let org_b = people.org_b.to_string();
    let mut fields = vec![
        ("betreff", "Fremdbereich-Gruppe"),
        ("mitglied", org_b.as_str()),
        ("gruppenpostfach", "beamtenversorgung"),
    ];
    fields.extend(common);
    let res = post(&clerk, &page, &fields).await;
    res.assert_status(422);
    assert_eq!(
        res.html().field_error("Mitglied").as_deref(),
        Some("Das Mitglied ist im Geschäftsbereich Beihilfe nicht bei der Kasse gemeldet.")
    );
    // So is one naming a Nutzer:in of Lindenhain.
    let mut fields = vec![
        ("betreff", "Fremdbereich-Person"),
        ("nutzer", people.other.id.as_str()),
    ];
    fields.extend(common);
    let res = post(&clerk, &page, &fields).await;
    res.assert_status(422);
    assert_eq!(
        res.html().field_error("Nutzerkennung").as_deref(),
        Some("Das Mitglied ist im Geschäftsbereich Beihilfe nicht bei der Kasse gemeldet.")
    );
    // Nothing was stored: not in the Kassenpostfach, not at Lindenhain.
    let sent = clerk.get("/postfach/kasse-beihilfe").await;
    sent.assert_not_contains("Fremdbereich");
    let other = signed_in(&server, &people.other).await;
    for mailbox in ["persoenlich", "beamtenversorgung"] {
        other
            .get(&format!("/postfach/{mailbox}"))
            .await
            .assert_not_contains("Fremdbereich");
    }
    // Within its Bereich the clerk still writes to a Nutzer:in of Blaugraben.
    let mut fields = vec![
        ("betreff", "Eigenbereich-Person"),
        ("nutzer", people.full.id.as_str()),
    ];
    fields.extend(common);
    post(&clerk, &page, &fields)
        .await
        .assert_redirect("/postfach/kasse-beihilfe/nachricht/");
    let full = signed_in(&server, &people.full).await;
    full.get("/postfach/persoenlich")
        .await
        .assert_contains("Eigenbereich-Person");
}
