//! Issue 20, the messaging points of the Kassen' and members' day: who
//! wrote a message, the reply quoting it, counters and limits as the user
//! sees them, unread counts, the deletion period, shared read status, the
//! clerk's recipient choice, Postfach-Konfiguration only where it applies,
//! notification e-mails without content, the Gruppendetails rows and the
//! Kassen home queues.

use meine_versorgung::domain::account::{Grants, Role};
use meine_versorgung::domain::org::{Bereich, GroupMailbox, PortalFunction};
use meine_versorgung::store::{self, Store};

use crate::messaging::{PDF, send, subjects, write};
use crate::support::accounts::{TestAccount, organisation, password_hash, seed_active, signed_in};
use crate::support::{Client, Page, SmtpServer, TIMEOUT, TestServer};

const NOTIFY: &str = "verwaltung@blaugraben.example";

struct World {
    server: TestServer,
    smtp: SmtpServer,
    /// Administrator of Blaugraben (every function and mailbox).
    admin: TestAccount,
    /// Nutzer:in of Blaugraben with the group mailbox Beihilfe.
    user: TestAccount,
    /// Administrator of Mäuserast: no Beamtenformulare; mailboxes
    /// Administration and Beihilfe only.
    admin_m: TestAccount,
    /// Administrator of Lindenhain: Beamtenformulare, but the group mailbox
    /// Beamtenversorgung is not enabled.
    admin_l: TestAccount,
    /// Kassen-Sachbearbeitung Beihilfe.
    clerk: TestAccount,
}

async fn world() -> World {
    let smtp = SmtpServer::start().await;
    let mut builder = TestServer::builder().smtp(&smtp);
    let config = builder.config();
    let hash = password_hash();
    let store = Store::open(&config.data_dir).expect("open store");
    let people = store
        .write(|tx| {
            let mut a = organisation("Blaugraben", "78970");
            a.id = store::next_id(tx, "org")?;
            a.group_emails
                .insert(GroupMailbox::Administration, vec![NOTIFY.to_owned()]);
            store::orgs::put(tx, &a)?;
            let mut m = organisation("Mäuserast", "78971");
            m.id = store::next_id(tx, "org")?;
            m.enabled_mailboxes = vec![GroupMailbox::Administration, GroupMailbox::Beihilfe];
            m.enabled_functions = vec![
                PortalFunction::Postfach,
                PortalFunction::AnspruchsberechtigteAnzeigen,
            ];
            store::orgs::put(tx, &m)?;
            let mut l = organisation("Lindenhain", "78972");
            l.id = store::next_id(tx, "org")?;
            l.enabled_mailboxes = vec![GroupMailbox::Administration];
            store::orgs::put(tx, &l)?;
            let seed = |role: Role, first: &str, last: &str, email: &str| {
                seed_active(tx, role, (first, last, email), &hash)
            };
            Ok::<_, store::Error>([
                seed(
                    Role::OrgAdmin { org: a.id },
                    "Kim",
                    "Mustermensch",
                    "kim@blaugraben.example",
                )?,
                seed(
                    Role::OrgUser {
                        org: a.id,
                        grants: Grants {
                            mailboxes: vec![GroupMailbox::Beihilfe],
                            functions: vec![PortalFunction::Postfach],
                        },
                    },
                    "Max",
                    "Mustermensch",
                    "max@blaugraben.example",
                )?,
                seed(
                    Role::OrgAdmin { org: m.id },
                    "Mia",
                    "Mausgrau",
                    "mia@maeuserast.example",
                )?,
                seed(
                    Role::OrgAdmin { org: l.id },
                    "Lena",
                    "Linde",
                    "lena@lindenhain.example",
                )?,
                seed(
                    Role::Kassen {
                        portal_admin: false,
                        sachbearbeitung: vec![Bereich::Beihilfe],
                    },
                    "Bernd",
                    "Beihilfer",
                    "bernd@kasse.example",
                )?,
            ])
        })
        .expect("seed");
    drop(store);
    let [admin, user, admin_m, admin_l, clerk] = people;
    World {
        server: builder.start().await,
        smtp,
        admin,
        user,
        admin_m,
        admin_l,
        clerk,
    }
}

/// The texts of the options of the select `css`.
fn options(page: &Page, css: &str) -> Vec<String> {
    page.select_texts(&format!("{css} option"))
}

/// The clerk's Schreiben page with `org` chosen through "Mitglied wählen"
/// (the way without script).
async fn choose_member(clerk: &Client, org: &str) -> Page {
    let page = clerk.get("/postfach/kasse-beihilfe/schreiben").await;
    let chosen = page
        .form_with_button("Mitglied wählen")
        .select("Mitglied", org)
        .submit(clerk)
        .await;
    chosen.assert_status(200);
    chosen
}

#[tokio::test]
async fn the_view_names_the_author_the_reply_quotes_and_notifications_say_no_content() {
    let w = world().await;
    let admin = signed_in(&w.server, &w.admin).await;
    let sent = write(
        &admin,
        "administration",
        "Frage zur Abrechnung",
        "Beihilfe",
        "Abrechnung",
        "Guten Tag,\n\nwie rechnen wir den Zuschuss ab?",
        &[],
    )
    .await;
    let own = format!("Kim Mustermensch ({})", w.admin.id);
    sent.assert_contains("Verfasst von");
    sent.assert_contains(&own);

    // The clerk sees who wrote it and answers; the reply page shows the
    // message being answered.
    let clerk = signed_in(&w.server, &w.clerk).await;
    let kp = clerk.get("/postfach/kasse-beihilfe").await;
    let link = kp.html().link_hrefs("Frage zur Abrechnung")[0].clone();
    clerk.get(&link).await.assert_contains(&own);
    let reply = clerk.get(&format!("{link}/antworten")).await;
    reply.assert_status(200);
    let quoted = reply.text_of(".quoted-message");
    for part in [
        "Frage zur Abrechnung",
        "wie rechnen wir den Zuschuss ab?",
        own.as_str(),
        "Datum",
    ] {
        assert!(quoted.contains(part), "{part:?} in {quoted:?}");
    }
    send(
        &clerk,
        &reply,
        &[("Text", "Vertrauliche Antwort zum Zuschuss.")],
        &[],
    )
    .await
    .assert_redirect("/postfach/kasse-beihilfe/nachricht/");

    // The organisation sees the Kasse, not the clerk's name; the Kassen
    // see both.
    let inbox = admin
        .get("/postfach/administration?postfach=eingehend")
        .await;
    let href = inbox.html().link_hrefs("AW: Frage zur Abrechnung")[0].clone();
    let view = admin.get(&href).await;
    view.assert_contains("Versorgungskasse, Sachbearbeitung Beihilfe");
    view.assert_not_contains("Beihilfer");
    let kassen_view = clerk
        .get("/postfach/kasse-beihilfe?postfach=ausgehend")
        .await;
    let href = kassen_view.html().link_hrefs("AW: Frage zur Abrechnung")[0].clone();
    clerk.get(&href).await.assert_contains(&format!(
        "Versorgungskasse, Sachbearbeitung Beihilfe: Bernd Beihilfer ({})",
        w.clerk.id
    ));

    // The notification names the organisation and the mailbox only.
    let mail = w
        .smtp
        .wait_for_mail(NOTIFY, "Neue Nachricht im Gruppenpostfach", TIMEOUT)
        .await;
    assert!(mail.text.contains("Blaugraben (78970)"), "{}", mail.text);
    assert!(mail.text.contains("Administration"), "{}", mail.text);
    for secret in ["Frage zur Abrechnung", "Vertrauliche", "Zuschuss"] {
        assert!(!mail.text.contains(secret), "{}", mail.text);
        assert!(!mail.subject.contains(secret), "{}", mail.subject);
        let raw = String::from_utf8_lossy(&mail.raw);
        assert!(!raw.contains(secret), "{raw}");
    }
}

#[tokio::test]
async fn line_breaks_count_once_betreff_shows_its_limit_and_quittung_is_the_systems() {
    let w = world().await;
    let admin = signed_in(&w.server, &w.admin).await;
    let page = admin.get("/postfach/administration/schreiben").await;
    // Betreff: maxlength and counter, like Text.
    assert_eq!(page.html().select_attrs("#f-betreff", "maxlength"), ["200"]);
    assert_eq!(page.text_of("#f-betreff-zaehler"), "0 / 200");
    assert_eq!(page.text_of("#f-text-zaehler"), "0 / 10000");
    // "Quittung" is no Thema to choose here (the filter still has it).
    let themen = options(&page, "#f-thema");
    assert!(themen.contains(&"Abrechnung".to_owned()), "{themen:?}");
    assert!(!themen.contains(&"Quittung".to_owned()), "{themen:?}");
    let list = admin.get("/postfach/administration").await;
    assert!(options(&list, "#f-thema").contains(&"Quittung".to_owned()));

    // 100 lines of 99 characters, each ended by CRLF: 10,000 characters as
    // the counter shows them — accepted.
    fn fields(text: &str) -> [(&str, &str); 4] {
        [
            ("Betreff", "Lange Liste"),
            ("Bereich", "Beihilfe"),
            ("Thema", "Abrechnung"),
            ("Text", text),
        ]
    }
    let line = "x".repeat(99);
    let full: String = (0..100).map(|_| format!("{line}\r\n")).collect();
    let res = send(&admin, &page, &fields(&full), &[]).await;
    res.assert_redirect("/postfach/administration/nachricht/");
    // One more character is refused; the chosen attachment is named.
    let over = format!("{full}y");
    let res = send(
        &admin,
        &page,
        &fields(&over),
        &[("Beleg.pdf", PDF.to_vec())],
    )
    .await;
    res.assert_status(422);
    assert!(
        res.html()
            .field_error("Text")
            .is_some_and(|e| e.contains("höchstens 10000 Zeichen")),
        "{}",
        res.text()
    );
    res.assert_contains(
        "Bitte wählen Sie eventuelle Anhänge erneut aus. Nicht übernommen: Beleg.pdf.",
    );
    assert_eq!(res.text_of("#f-text-zaehler"), "10001 / 10000");

    // The Betreff's limit holds on the server too (a crafted request
    // ignores maxlength): 201 characters are refused, nothing is stored.
    let long = "B".repeat(201);
    let res = send(
        &admin,
        &page,
        &[
            ("Betreff", long.as_str()),
            ("Bereich", "Beihilfe"),
            ("Thema", "Abrechnung"),
            ("Text", "Kurz."),
        ],
        &[],
    )
    .await;
    res.assert_status(422);
    assert!(
        res.html()
            .field_error("Betreff")
            .is_some_and(|e| e.contains("höchstens 200 Zeichen")),
        "{}",
        res.text()
    );
    let sent = admin
        .get("/postfach/administration?postfach=ausgehend")
        .await;
    assert!(!sent.text().contains(&long));

    // "Quittung" sent anyway is refused at the field.
    let mut mp = reqwest::multipart::Form::new();
    for (k, v) in page
        .form_with_button("Senden")
        .fill("Betreff", "Falsche Quittung")
        .fill("Bereich", "Beihilfe")
        .fill("Text", "x")
        .pairs()
    {
        let v = if k == "thema" {
            "Quittung".to_owned()
        } else {
            v
        };
        mp = mp.text(k, v);
    }
    let res = admin
        .post_multipart("/postfach/administration/schreiben", mp)
        .await;
    res.assert_status(422);
    assert!(
        res.html()
            .field_error("Thema")
            .is_some_and(|e| e.contains("Quittungsnachrichten des Systems vorbehalten")),
        "{}",
        res.text()
    );
    let sent = admin
        .get("/postfach/administration?postfach=ausgehend")
        .await;
    assert_eq!(subjects(&sent), ["Lange Liste"]);
}

#[tokio::test]
async fn unread_counts_the_deletion_period_and_the_shared_read_status_are_shown() {
    let w = world().await;
    let clerk = signed_in(&w.server, &w.clerk).await;
    let chosen = choose_member(&clerk, "Blaugraben (78970)").await;
    send(
        &clerk,
        &chosen,
        &[
            ("Gruppenpostfach", "Beihilfe"),
            ("Betreff", "Neue Frist"),
            ("Thema", "Abrechnung"),
            ("Text", "Bitte beachten Sie die neue Frist."),
        ],
        &[],
    )
    .await
    .assert_redirect("/postfach/kasse-beihilfe/nachricht/");

    let user = signed_in(&w.server, &w.user).await;
    let index = user.get("/postfach").await;
    index.assert_status(200);
    let lines = index.select_texts("main ul.link-list li");
    assert!(
        lines.contains(
            &"Postfach: Persönliches Postfach – keine ungelesenen Nachrichten".to_owned()
        ),
        "{lines:?}"
    );
    assert!(
        lines.contains(&"Postfach: Beihilfe – 1 ungelesene Nachricht".to_owned()),
        "{lines:?}"
    );
    // The tabs carry the count; the group mailbox says read status is shared.
    let group = user.get("/postfach/beihilfe").await;
    let tabs = group.select_texts("nav.tabs li");
    assert!(
        tabs.contains(&"Beihilfe 1 (1 ungelesene Nachricht)".to_owned()),
        "{tabs:?}"
    );
    group.assert_contains("Öffnet jemand eine Nachricht, ist sie für alle gelesen");
    group.assert_contains(
        "Nachrichten werden nach 24 Monaten gelöscht, außer archivierte und wichtige.",
    );
    let personal = user.get("/postfach/persoenlich").await;
    personal.assert_not_contains("Öffnet jemand eine Nachricht");
    personal.assert_contains("Nachrichten werden nach 24 Monaten gelöscht");
    // Opening it empties the count.
    let href = group.html().link_hrefs("Neue Frist")[0].clone();
    user.get(&href).await.assert_status(200);
    let index = user.get("/postfach").await;
    assert!(
        index
            .select_texts("main ul.link-list li")
            .contains(&"Postfach: Beihilfe – keine ungelesenen Nachrichten".to_owned())
    );

    // The FAQ states the period, from the configuration.
    let faq = w.server.client().get("/faq").await;
    assert_eq!(
        faq.text_of("#loeschfrist p:first-of-type"),
        "Nachrichten werden nach 24 Monaten gelöscht, außer archivierte und wichtige."
    );
}

#[tokio::test]
async fn the_deletion_period_follows_the_configuration() {
    let server = TestServer::builder()
        .env("MV_RETENTION__MESSAGE_DAYS", "90")
        .start()
        .await;
    let faq = server.client().get("/faq").await;
    faq.assert_contains(
        "Nachrichten werden nach 90 Tagen gelöscht, außer archivierte und wichtige.",
    );
}

#[tokio::test]
async fn a_clerk_chooses_the_member_first_and_gets_only_its_enabled_mailboxes() {
    let w = world().await;
    let clerk = signed_in(&w.server, &w.clerk).await;
    let page = clerk.get("/postfach/kasse-beihilfe/schreiben").await;
    // Starts empty, offers nothing before a Mitglied is chosen.
    assert_eq!(options(&page, "#f-gruppenpostfach"), ["Bitte wählen"]);
    assert_eq!(
        page.form_with_button("Senden").value("Gruppenpostfach"),
        "Bitte wählen"
    );
    let chosen = choose_member(&clerk, "Mäuserast (78971)").await;
    assert_eq!(
        options(&chosen, "#f-gruppenpostfach"),
        ["Bitte wählen", "Beihilfe", "Administration"]
    );
    assert_eq!(
        chosen.form_with_button("Senden").value("Mitglied"),
        "Mäuserast (78971)"
    );
    // A mailbox the Mitglied has not enabled is refused even when forged.
    let mut mp = reqwest::multipart::Form::new();
    for (k, v) in chosen
        .form_with_button("Senden")
        .fill("Betreff", "x")
        .fill("Thema", "Abrechnung")
        .fill("Text", "x")
        .pairs()
    {
        let v = if k == "gruppenpostfach" {
            "zusatzversorgung".to_owned()
        } else {
            v
        };
        mp = mp.text(k, v);
    }
    let res = clerk
        .post_multipart("/postfach/kasse-beihilfe/schreiben", mp)
        .await;
    res.assert_status(422);
    assert!(res.html().field_error("Gruppenpostfach").is_some());
    // Without a choice: refused at the field.
    let res = send(
        &clerk,
        &chosen,
        &[("Betreff", "x"), ("Thema", "Abrechnung"), ("Text", "x")],
        &[],
    )
    .await;
    res.assert_status(422);
    assert!(res.html().field_error("Gruppenpostfach").is_some());
    // The script's data: each Mitglied's enabled mailboxes.
    assert!(
        page.html()
            .select_attrs("#f-mitglied option[data-postfaecher]", "data-postfaecher")
            .contains(&"beihilfe administration".to_owned())
    );
}

#[tokio::test]
async fn postfach_konfiguration_only_with_beamtenformulare_and_group_only_with_beamtenversorgung() {
    let w = world().await;
    // Without the Beamtenformulare function: neither in the navigation nor
    // reachable.
    let mia = signed_in(&w.server, &w.admin_m).await;
    let home = mia.get("/").await;
    assert!(
        !home
            .select_texts("nav a")
            .contains(&"Postfach-Konfiguration".to_owned())
    );
    mia.get("/postfach-konfiguration").await.assert_status(404);
    let token = crate::persons::csrf_of(&home);
    mia.post_form(
        "/postfach-konfiguration",
        &[("csrf", token.as_str()), ("quittungen", "gruppe")],
    )
    .await
    .assert_status(404);

    // With it but without the group mailbox Beamtenversorgung:
    // "Gruppenpostfächer" cannot be chosen, and is refused when sent.
    let lena = signed_in(&w.server, &w.admin_l).await;
    let home = lena.get("/").await;
    assert!(
        home.select_texts("nav a")
            .contains(&"Postfach-Konfiguration".to_owned())
    );
    let config = lena.get("/postfach-konfiguration").await;
    config.assert_status(200);
    assert_eq!(
        config
            .html()
            .select_attrs("#f-quittungen-gruppe[disabled]", "value"),
        ["gruppe"]
    );
    config.assert_contains("Das Gruppenpostfach Beamtenversorgung, in das die Quittungsnachrichten eingehen, ist für Ihre Organisation nicht freigegeben.");
    let token = crate::persons::csrf_of(&config);
    let res = lena
        .post_form(
            "/postfach-konfiguration",
            &[("csrf", token.as_str()), ("quittungen", "gruppe")],
        )
        .await;
    res.assert_status(422);
    res.assert_contains("Die Postfach-Konfiguration wurde nicht gespeichert.");
    let again = lena.get("/postfach-konfiguration").await;
    assert!(
        again
            .form_with_button("Speichern")
            .is_checked("persönliches Postfach")
    );
    // Blaugraben (everything enabled) keeps the page.
    let kim = signed_in(&w.server, &w.admin).await;
    kim.get("/postfach-konfiguration").await.assert_status(200);
}

#[tokio::test]
async fn gruppendetails_rows_can_be_removed_and_no_field_claims_to_be_required() {
    let w = world().await;
    let kim = signed_in(&w.server, &w.admin).await;
    let edit = kim
        .get("/gruppenpostfaecher/administration/bearbeiten")
        .await;
    edit.assert_status(200);
    // Empty is allowed: no star, no "Pflichtfelder" note, a hint instead.
    assert!(edit.select_texts("main label .req").is_empty());
    edit.assert_not_contains("Pflichtfelder");
    edit.assert_contains("Alle Felder sind optional.");
    let two = edit
        .form_with_button("+ E-Mail-Adresse hinzufügen")
        .submit_with(&kim, "+ E-Mail-Adresse hinzufügen")
        .await
        .form_with_button("Speichern")
        .set("email_1", "zweite@blaugraben.example")
        .submit_with(&kim, "Entfernen (E-Mail-Adresse 1)")
        .await;
    two.assert_status(200);
    let form = two.form_with_button("Speichern");
    assert_eq!(form.labels().len(), 1);
    assert_eq!(
        form.value_of("email_0").as_deref(),
        Some("zweite@blaugraben.example")
    );
    let saved = form.submit(&kim).await;
    saved.assert_redirect("/gruppenpostfaecher/administration?hinweis=gespeichert");
    let details = kim.follow(&saved).await;
    details.assert_contains("zweite@blaugraben.example");
    details.assert_not_contains(NOTIFY);
    // Removing the last one leaves one empty field; saving clears them.
    let edit = kim
        .get("/gruppenpostfaecher/administration/bearbeiten")
        .await;
    let empty = edit
        .form_with_button("Speichern")
        .submit_with(&kim, "Entfernen (E-Mail-Adresse 1)")
        .await;
    let form = empty.form_with_button("Speichern");
    assert_eq!(form.value_of("email_0").as_deref(), Some(""));
    let saved = form.submit(&kim).await;
    saved.assert_redirect("/gruppenpostfaecher/administration?hinweis=gespeichert");
    kim.follow(&saved)
        .await
        .assert_contains("Es sind keine E-Mail-Adressen für diese Gruppe hinterlegt.");
}

/// The Kassen homes show their queues, and "Absenden" leads to the receipt.
#[tokio::test]
async fn kassen_homes_show_their_queues_and_the_report_links_its_receipt() {
    use crate::support::persons::{self, beamter};
    let (server, people) = persons::start(TestServer::builder(), |a, _| {
        vec![beamter(a, "4711", "Muster", "Moritz")]
    })
    .await;
    let user = signed_in(&server, &people.full).await;
    // A message to the Kasse Beamtenversorgung, from the personal mailbox.
    write(
        &user,
        "persoenlich",
        "Rückfrage Dienstzeiten",
        "Beamtenversorgung",
        "Dienstzeiten und Lebenslauf",
        "Bitte prüfen Sie die Dienstzeiten.",
        &[],
    )
    .await;
    // A form: "Absenden" shows the report with a link to its receipt.
    let list = user.get("/formulare").await;
    let href = list.html().link_hrefs("Beurlaubung ohne Dienstbezüge")[0].clone();
    let summary = user
        .get(&href)
        .await
        .form_with_button("Weiter")
        .select("Anspruchsberechtigte:r", "Muster, Moritz (4711)")
        .fill("Von", "01.03.2024")
        .fill("Bis", "31.08.2024")
        .submit(&user)
        .await;
    let sent = summary.form_with_button("Absenden").submit(&user).await;
    let report = user.follow(&sent).await;
    report.assert_contains("Die Meldung wurde abgesandt.");
    let receipt = report.html().link_hrefs("Zur Quittungsnachricht");
    assert_eq!(receipt.len(), 1, "{}", report.text());
    assert!(receipt[0].starts_with("/postfach/persoenlich/nachricht/"));
    let message = user.get(&receipt[0]).await;
    message.assert_status(200);
    message.assert_contains("Quittung");
    message.assert_contains("Versorgungskasse (Systemnachricht)");

    // The clerk of Beamtenversorgung: one unread message, one report
    // "eingegangen", each linking to the filtered list.
    let clerk = signed_in(&server, &people.sb_bv).await;
    let home = clerk.get("/").await;
    let queue = home.select_texts("main ul.queue li");
    assert!(
        queue.contains(&"Kassenpostfach Beamtenversorgung: 1 ungelesene Nachricht".to_owned()),
        "{queue:?}"
    );
    assert!(
        queue.contains(&"eingegangen: 1 Meldung".to_owned()),
        "{queue:?}"
    );
    assert!(
        queue.contains(&"erledigt: keine Meldungen".to_owned()),
        "{queue:?}"
    );
    let unread = home.html().link_hrefs("Kassenpostfach Beamtenversorgung");
    assert_eq!(
        unread,
        [
            "/postfach/kasse-beamtenversorgung?postfach=eingehend&postfach=archiviert&lesestatus=ungelesen"
        ]
    );
    assert_eq!(
        subjects(&clerk.get(&unread[0]).await),
        ["Rückfrage Dienstzeiten"]
    );
    let reports = home.html().link_hrefs("eingegangen");
    assert_eq!(reports, ["/kassen/formularmeldungen?status=eingegangen"]);
    clerk
        .get(&reports[0])
        .await
        .assert_contains("Beurlaubung ohne Dienstbezüge");
    // The clerk of Beihilfe: its own queue only, no Formularmeldungen.
    let bh = signed_in(&server, &people.sb_bh).await;
    let queue = bh.get("/").await.select_texts("main ul.queue li");
    assert_eq!(
        queue,
        ["Kassenpostfach Beihilfe: keine ungelesenen Nachrichten"]
    );
    // The Portaladministration sees every Bereich and the reports.
    let kassen = signed_in(&server, &people.kassen).await;
    let home = kassen.get("/").await;
    let queue = home.select_texts("main ul.queue li");
    assert!(
        queue.contains(&"Kassenpostfach Beamtenversorgung: 1 ungelesene Nachricht".to_owned()),
        "{queue:?}"
    );
    assert!(
        queue.contains(&"eingegangen: 1 Meldung".to_owned()),
        "{queue:?}"
    );
    home.assert_contains("Nachrichten werden nach 24 Monaten gelöscht");
    kassen
        .get("/kassen/faq")
        .await
        .assert_contains("retention.message_days = 730");
}
