//! Message store points of issue 20 over HTTP: who opened a message of a
//! shared mailbox first, and the Kassenpostfach's Mitglied column and
//! filter.

use crate::messaging::{world, write};
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
