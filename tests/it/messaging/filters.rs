//! Messaging: quick filters and the filter menu, marks, retention, search
//! and conversations started by the Kassen.

use std::time::Duration;

use crate::messaging::{PDF, message_id, rows, send, subjects, world, write};
use crate::support::accounts::signed_in;

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

#[tokio::test]
async fn quick_filters_the_filter_menu_and_marks() {
    let w = world(&[]).await;
    let admin = signed_in(&w.server, &w.admin_a).await;
    let clerk = signed_in(&w.server, &w.clerk_beihilfe).await;
    let first = write(
        &admin,
        "administration",
        "Beitragsabrechnung März",
        "Beihilfe",
        "Abrechnung",
        "Text eins",
        &[],
    )
    .await;
    write(
        &admin,
        "administration",
        "Entgeltmeldung 2025",
        "Zusatzversorgung",
        "Entgeltmeldungen",
        "Text zwei",
        &[],
    )
    .await;
    let first_id = message_id(&first.url);
    // The clerk answers the first one.
    let kp = clerk.get("/postfach/kasse-beihilfe").await;
    let link = kp.html().link_hrefs("Beitragsabrechnung März")[0].clone();
    let reply_page = clerk.get(&format!("{link}/antworten")).await;
    send(&clerk, &reply_page, &[("Text", "Antwort der Kasse")], &[])
        .await
        .assert_redirect("/postfach/");
    let base = "/postfach/administration";
    let all = admin.get(base).await;
    assert_eq!(subjects(&all).len(), 3);
    assert_eq!(
        subjects(&all)[0],
        "AW: Beitragsabrechnung März",
        "newest first"
    );
    all.assert_contains("1 - 3 von 3");
    all.assert_not_contains("Alle Filter löschen");
    // Quick filters.
    let only_in = admin.get(&format!("{base}?postfach=eingehend")).await;
    assert_eq!(subjects(&only_in), vec!["AW: Beitragsabrechnung März"]);
    only_in.assert_contains("Alle Filter löschen");
    let only_out = admin.get(&format!("{base}?postfach=ausgehend")).await;
    assert_eq!(
        sorted(subjects(&only_out)),
        vec!["Beitragsabrechnung März", "Entgeltmeldung 2025"]
    );
    assert!(subjects(&admin.get(&format!("{base}?wichtig=1")).await).is_empty());
    assert!(subjects(&admin.get(&format!("{base}?postfach=archiviert")).await).is_empty());
    // The quick filter links are there by the handbook's words.
    for q in [
        "als wichtig markiert",
        "nur Eingang",
        "nur Ausgang",
        "nur Archiv",
    ] {
        assert!(!all.html().link_hrefs(q).is_empty(), "quick filter {q}");
    }
    // Lesestatus: the reply is unread until opened.
    let unread = admin.get(&format!("{base}?lesestatus=ungelesen")).await;
    assert_eq!(subjects(&unread), vec!["AW: Beitragsabrechnung März"]);
    let reply_link = unread.html().link_hrefs("AW: Beitragsabrechnung März")[0].clone();
    admin.get(&reply_link).await.assert_status(200);
    assert!(subjects(&admin.get(&format!("{base}?lesestatus=ungelesen")).await).is_empty());
    assert_eq!(
        subjects(&admin.get(&format!("{base}?lesestatus=gelesen")).await).len(),
        3
    );
    // "Als ungelesen markieren".
    let view = admin.get(&reply_link).await;
    let res = view
        .form_with_button("Als ungelesen markieren")
        .submit(&admin)
        .await;
    res.assert_redirect(base);
    assert_eq!(
        subjects(&admin.get(&format!("{base}?lesestatus=ungelesen")).await).len(),
        1
    );
    // Betreff, Bereich, Thema through the filter menu.
    let menu = all
        .form_with_button("Filtern")
        .fill("Betreff", "entgelt")
        .submit(&admin)
        .await;
    assert_eq!(subjects(&menu), vec!["Entgeltmeldung 2025"]);
    menu.assert_contains("Alle Filter löschen");
    let by_bereich = admin.get(&format!("{base}?bereich=beihilfe")).await;
    assert_eq!(subjects(&by_bereich).len(), 2);
    let by_thema = admin.get(&format!("{base}?thema=Entgeltmeldungen")).await;
    assert_eq!(subjects(&by_thema), vec!["Entgeltmeldung 2025"]);
    // Referenz: the whole conversation.
    let referenz = rows(&only_in)[0].1.clone();
    let conv = admin.get(&format!("{base}?referenz={referenz}")).await;
    assert_eq!(
        sorted(subjects(&conv)),
        vec!["AW: Beitragsabrechnung März", "Beitragsabrechnung März"]
    );
    // Marks: wichtig and archiviert, and undo; per mailbox.
    let msg = format!("{base}/nachricht/{first_id}");
    let v = admin.get(&msg).await;
    v.form_with_button("Als wichtig markieren")
        .submit(&admin)
        .await
        .assert_redirect(&msg);
    let important = admin.get(&format!("{base}?wichtig=1")).await;
    assert_eq!(subjects(&important), vec!["Beitragsabrechnung März"]);
    important.assert_contains("wichtig");
    let v = admin.get(&msg).await;
    v.form_with_button("Archivieren")
        .submit(&admin)
        .await
        .assert_redirect(&msg);
    let default = admin.get(base).await;
    assert_eq!(
        subjects(&default).len(),
        2,
        "archived ones leave the default view"
    );
    // "als wichtig markiert" shows every important message, archived too.
    let important = admin.get(&format!("{base}?wichtig=1")).await;
    assert_eq!(subjects(&important), vec!["Beitragsabrechnung März"]);
    let quick = default.html().link_hrefs("als wichtig markiert")[0].clone();
    assert_eq!(
        subjects(&admin.get(&quick).await),
        vec!["Beitragsabrechnung März"]
    );
    let archive = admin.get(&format!("{base}?postfach=archiviert")).await;
    assert_eq!(subjects(&archive), vec!["Beitragsabrechnung März"]);
    let with_archive = admin
        .get(&format!(
            "{base}?postfach=archiviert&postfach=ausgehend&postfach=eingehend"
        ))
        .await;
    assert_eq!(subjects(&with_archive).len(), 3);
    // The clerk's marks are separate.
    let clerk_view = clerk
        .get("/postfach/kasse-beihilfe?postfach=archiviert")
        .await;
    assert!(subjects(&clerk_view).is_empty());
    assert!(subjects(&clerk.get("/postfach/kasse-beihilfe?wichtig=1").await).is_empty());
    // Undo.
    let v = admin.get(&msg).await;
    v.form_with_button("Archivierung aufheben")
        .submit(&admin)
        .await;
    let v = admin.get(&msg).await;
    v.form_with_button("Markierung „wichtig“ entfernen")
        .submit(&admin)
        .await;
    assert_eq!(subjects(&admin.get(base).await).len(), 3);
    assert!(subjects(&admin.get(&format!("{base}?wichtig=1")).await).is_empty());
    // A mark on a foreign message: 404.
    let other = signed_in(&w.server, &w.admin_b).await;
    let page = other.get("/postfach/administration").await;
    assert!(subjects(&page).is_empty());
}

#[tokio::test]
async fn the_mailbox_pages_by_20_with_keyset_links() {
    let w = world(&[]).await;
    let admin = signed_in(&w.server, &w.admin_a).await;
    for i in 1..=23 {
        write(
            &admin,
            "administration",
            &format!("Nachricht {i:02}"),
            "Beihilfe",
            "Abrechnung",
            "x",
            &[],
        )
        .await;
    }
    let first = admin.get("/postfach/administration").await;
    first.assert_contains("1 - 20 von 23");
    assert_eq!(subjects(&first)[0], "Nachricht 23");
    let next = first
        .html()
        .select_attrs("a[aria-label='Nächste Seite']", "href")[0]
        .clone();
    let second = admin.get(&next).await;
    second.assert_contains("21 - 23 von 23");
    assert_eq!(
        subjects(&second),
        vec!["Nachricht 03", "Nachricht 02", "Nachricht 01"]
    );
    let prev = second
        .html()
        .select_attrs("a[aria-label='Vorherige Seite']", "href")[0]
        .clone();
    let back = admin.get(&prev).await;
    assert_eq!(subjects(&back), subjects(&first));
    let last = first
        .html()
        .select_attrs("a[aria-label='Letzte Seite']", "href")[0]
        .clone();
    assert_eq!(subjects(&admin.get(&last).await), subjects(&second));
}

#[tokio::test]
async fn retention_deletes_old_messages_but_keeps_archived_and_important_ones() {
    // Sessions outlive the two days the clock moves.
    let w = world(&[
        ("MV_RETENTION__MESSAGE_DAYS", "1"),
        ("MV_SECURITY__SESSION_IDLE", "72h"),
        ("MV_SECURITY__SESSION_LIFETIME", "72h"),
    ])
    .await;
    let clerk = signed_in(&w.server, &w.clerk_beihilfe).await;
    let admin = signed_in(&w.server, &w.admin_a).await;
    let mut ids = Vec::new();
    for s in ["Alt und weg", "Alt aber wichtig", "Alt aber archiviert"] {
        let v = write(
            &admin,
            "administration",
            s,
            "Beihilfe",
            "Abrechnung",
            "x",
            &[("a.pdf", PDF.to_vec())],
        )
        .await;
        ids.push(message_id(&v.url));
    }
    let msg = |id: &str| format!("/postfach/administration/nachricht/{id}");
    admin
        .get(&msg(&ids[1]))
        .await
        .form_with_button("Als wichtig markieren")
        .submit(&admin)
        .await;
    admin
        .get(&msg(&ids[2]))
        .await
        .form_with_button("Archivieren")
        .submit(&admin)
        .await;
    // Young messages stay.
    assert_eq!(w.server.run_housekeeping().messages, 0);
    w.server.advance_clock(Duration::from_secs(2 * 24 * 3600));
    let removed = w.server.run_housekeeping();
    assert_eq!(removed.messages, 1);
    // The clerk looks at the other side of the same messages (kept for the
    // marks of either side).
    let all = clerk.get("/postfach/kasse-beihilfe").await;
    assert_eq!(
        sorted(subjects(&all)),
        vec!["Alt aber archiviert", "Alt aber wichtig"]
    );
    let kept = all.html().link_hrefs("Alt aber wichtig")[0].clone();
    clerk
        .get(&format!("{kept}/anhang/1"))
        .await
        .assert_status(200);
    let gone = format!("/postfach/kasse-beihilfe/nachricht/{}", ids[0]);
    clerk.get(&gone).await.assert_status(404);
    clerk
        .get(&format!("{gone}/anhang/1"))
        .await
        .assert_status(404);
    let _ = msg;
}

#[tokio::test]
async fn search_finds_only_readable_messages() {
    let w = world(&[]).await;
    let admin = signed_in(&w.server, &w.admin_a).await;
    write(
        &admin,
        "administration",
        "Frage zum Zahnersatz",
        "Beihilfe",
        "Beihilfeanträge",
        "Wie wird Implantatversorgung erstattet?",
        &[],
    )
    .await;
    let hits = admin.get("/suche?q=zahnersatz").await;
    hits.assert_contains("Frage zum Zahnersatz");
    let href = hits.html().link_hrefs("Frage zum Zahnersatz")[0].clone();
    admin.get(&href).await.assert_status(200);
    admin
        .get("/suche?q=implantat")
        .await
        .assert_contains("Frage zum Zahnersatz");
    let clerk = signed_in(&w.server, &w.clerk_beihilfe).await;
    clerk
        .get("/suche?q=Zahnersatz")
        .await
        .assert_contains("Frage zum Zahnersatz");
    for person in [&w.admin_b, &w.user_a, &w.clerk_zv] {
        let c = signed_in(&w.server, person).await;
        c.get("/suche?q=Zahnersatz")
            .await
            .assert_not_contains("Frage zum Zahnersatz");
    }
}

#[tokio::test]
async fn the_kassen_start_conversations_with_group_and_personal_mailboxes() {
    let w = world(&[]).await;
    let clerk = signed_in(&w.server, &w.clerk_beihilfe).await;
    let page = clerk.get("/postfach/kasse-beihilfe/schreiben").await;
    page.assert_status(200);
    // Without script: "Mitglied wählen" offers the Mitglied's mailboxes.
    let chosen = page
        .form_with_button("Mitglied wählen")
        .select("Mitglied", "Grünwald (12345)")
        .submit(&clerk)
        .await;
    chosen.assert_status(200);
    let res = send(
        &clerk,
        &chosen,
        &[
            ("Gruppenpostfach", "Administration"),
            ("Betreff", "Hinweis zur Abrechnung"),
            ("Thema", "Abrechnung"),
            ("Text", "Bitte beachten Sie die neue Frist."),
        ],
        &[("Hinweis.pdf", PDF.to_vec())],
    )
    .await;
    res.assert_redirect("/postfach/kasse-beihilfe/nachricht/");
    let admin_b = signed_in(&w.server, &w.admin_b).await;
    let inbox = admin_b
        .get("/postfach/administration?postfach=eingehend")
        .await;
    assert_eq!(subjects(&inbox), vec!["Hinweis zur Abrechnung"]);
    assert_eq!(rows(&inbox)[0].2, "Beihilfe");
    // The home page's "Eingang Gruppenpostfächer".
    admin_b
        .get("/")
        .await
        .assert_contains("Hinweis zur Abrechnung");
    // Into a user's personal mailbox.
    let res = send(
        &clerk,
        &page,
        &[
            ("Nutzerkennung", &w.user_a.id),
            ("Betreff", "Persönliche Nachricht"),
            ("Thema", "Allgemeine Anfrage"),
            ("Text", "Guten Tag."),
        ],
        &[],
    )
    .await;
    res.assert_redirect("/postfach/kasse-beihilfe/nachricht/");
    let user = signed_in(&w.server, &w.user_a).await;
    let home = user.get("/").await;
    home.assert_contains("Persönliche Nachricht");
    let personal = user.get("/postfach/persoenlich").await;
    personal.assert_contains("Postfach: Persönliches Postfach");
    assert_eq!(subjects(&personal), vec!["Persönliche Nachricht"]);
    // The user answers; it lands in the clerk's Kassenpostfach.
    let link = personal.html().link_hrefs("Persönliche Nachricht")[0].clone();
    let reply = user.get(&format!("{link}/antworten")).await;
    send(&user, &reply, &[("Text", "Danke!")], &[])
        .await
        .assert_redirect("/postfach/persoenlich/nachricht/");
    let kp = clerk
        .get("/postfach/kasse-beihilfe?postfach=eingehend")
        .await;
    assert_eq!(subjects(&kp), vec!["AW: Persönliche Nachricht"]);
    // A Nutzerkennung that is no member's user is refused.
    let bad = send(
        &clerk,
        &page,
        &[
            ("Nutzerkennung", "S00000000000"),
            ("Betreff", "x"),
            ("Thema", "Abrechnung"),
            ("Text", "x"),
        ],
        &[],
    )
    .await;
    bad.assert_status(422);
    let _ = w.org_b;
}
