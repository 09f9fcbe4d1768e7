//! Message store points of issue 20 over HTTP: who opened a message of a
//! shared mailbox first, and the Kassenpostfach's Mitglied column and
//! filter.

use crate::messaging::{subjects, world, write};
use crate::support::accounts::signed_in;

#[tokio::test]
async fn a_shared_mailbox_shows_who_opened_a_message_first() {
    let w = world(&[]).await;
    let admin = signed_in(&w.server, &w.admin_a).await;
    let sent = write(
        &admin,
        "administration",
        "Frage zur Abrechnung",
        "Beihilfe",
        "Abrechnung",
        "Bitte prüfen.",
        &[],
    )
    .await;
    // The sender's own copy names no first opening.
    sent.assert_not_contains("Zuerst geöffnet");
    let clerk = signed_in(&w.server, &w.clerk_beihilfe).await;
    let list = clerk.get("/postfach/kasse-beihilfe").await;
    let link = list.html().link_hrefs("Frage zur Abrechnung")[0].clone();
    let first = clerk.get(&link).await;
    first.assert_status(200);
    first.assert_contains("Zuerst geöffnet");
    first.assert_contains(&w.clerk_beihilfe.id);
    // Opening again keeps the first record.
    let again = clerk.get(&link).await;
    again.assert_contains("Zuerst geöffnet");
    again.assert_contains(&w.clerk_beihilfe.id);
}

#[tokio::test]
async fn the_kassenpostfach_shows_and_filters_the_mitglied() {
    let w = world(&[]).await;
    let a = signed_in(&w.server, &w.admin_a).await;
    let b = signed_in(&w.server, &w.admin_b).await;
    for (client, subject) in [(&a, "Antrag Blaugraben"), (&b, "Antrag Grünwald")] {
        write(
            client,
            "administration",
            subject,
            "Beihilfe",
            "Abrechnung",
            "Text.",
            &[],
        )
        .await;
    }
    let clerk = signed_in(&w.server, &w.clerk_beihilfe).await;
    let all = clerk.get("/postfach/kasse-beihilfe").await;
    let mitglied = all.select_texts("table.messages tbody tr td:nth-child(6)");
    assert_eq!(mitglied, vec!["Grünwald (12345)", "Blaugraben (78970)"]);
    let only_b = clerk
        .get(&format!("/postfach/kasse-beihilfe?mitglied={}", w.org_b))
        .await;
    assert_eq!(subjects(&only_b), vec!["Antrag Grünwald"]);
    only_b.assert_contains("1 - 1 von 1");
    let none = clerk
        .get(&format!(
            "/postfach/kasse-beihilfe?mitglied={}&betreff=blaugraben",
            w.org_b
        ))
        .await;
    assert!(subjects(&none).is_empty());
    // The filter menu offers the Mitglieder of the Bereich.
    let menu = all
        .form_with_button("Filtern")
        .fill("Mitglied", &w.org_b.to_string())
        .submit(&clerk)
        .await;
    assert_eq!(subjects(&menu), vec!["Antrag Grünwald"]);
}
