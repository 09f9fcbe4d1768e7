//! The message search and the Betreff and Referenz filters over HTTP
//! (issue 18): compound parts, umlauts both ways, Referenz exactly and by
//! its beginning, attachment file names, completeness past thousands of
//! candidates, bounded counts, and results only from readable mailboxes.

use jiff::Timestamp;
use meine_versorgung::app::messages::{NewMessage, store_message};
use meine_versorgung::domain::account::Role;
use meine_versorgung::domain::message::Mailbox;
use meine_versorgung::domain::org::{Bereich, GroupMailbox};
use meine_versorgung::store::{self, Store};

use crate::messaging::{PDF, subjects, world, write};
use crate::support::TestServer;
use crate::support::accounts::{organisation, password_hash, seed_active, signed_in};

/// The texts of the message hits of a search page.
fn hits(page: &crate::support::Page) -> Vec<String> {
    page.select_texts("#treffer-nachrichten + ul.search-hits li > a")
}

#[tokio::test]
async fn search_and_betreff_filter_follow_german_rules() {
    let w = world(&[]).await;
    let admin = signed_in(&w.server, &w.admin_a).await;
    let auskunft = write(
        &admin,
        "administration",
        "Versorgungsauskunft für Frau Muster",
        "Beihilfe",
        "Abrechnung",
        "Bitte um Auskunft.",
        &[("Bescheid_Zahnarzt.pdf", PDF.to_vec())],
    )
    .await;
    write(
        &admin,
        "administration",
        "Rückfrage zur Straße",
        "Beihilfe",
        "Abrechnung",
        "Die Anschrift hat sich geändert.",
        &[],
    )
    .await;
    write(
        &admin,
        "administration",
        "Rueckfrage ohne Umlaut",
        "Beihilfe",
        "Abrechnung",
        "Zweiter Text.",
        &[],
    )
    .await;
    // The Referenz as the message page shows it.
    let referenz = auskunft
        .select_texts("dl.facts dd")
        .into_iter()
        .find(|t| t.len() == 11 && t.chars().nth(4) == Some('-'))
        .expect("Referenz on the message page");
    let search = |q: &str| {
        let admin = &admin;
        let q = q.to_owned();
        async move {
            let page = admin
                .get(&format!(
                    "/suche?{}",
                    serde_urlencoded::to_string([("q", q.as_str())]).unwrap()
                ))
                .await;
            page.assert_status(200);
            let mut h = hits(&page);
            h.sort();
            h
        }
    };
    let auskunft_only = vec!["Versorgungsauskunft für Frau Muster".to_owned()];
    let both_rueckfragen = vec![
        "Rueckfrage ohne Umlaut".to_owned(),
        "Rückfrage zur Straße".to_owned(),
    ];
    // A word inside a compound.
    assert_eq!(search("auskunft").await, auskunft_only);
    assert_eq!(search("AUSKUNFT muster").await, auskunft_only);
    // Umlauts and ß both ways.
    assert_eq!(search("rueckfrage").await, both_rueckfragen);
    assert_eq!(search("Rückfrage").await, both_rueckfragen);
    assert_eq!(search("STRASSE").await, vec!["Rückfrage zur Straße"]);
    assert_eq!(search("strasse rückfr").await, vec!["Rückfrage zur Straße"]);
    // The Referenz exactly and by its beginning.
    assert_eq!(search(&referenz).await, auskunft_only);
    let beginning = &referenz[..9];
    assert_eq!(search(beginning).await.len(), 3, "{beginning}");
    // Attachment file names.
    assert_eq!(search("zahnarzt").await, auskunft_only);
    assert_eq!(search("bescheid zahnarzt").await, auskunft_only);
    // Nothing that does not hold every word.
    assert!(search("auskunft strasse").await.is_empty());

    // The Betreff filter of the mailbox, the same way.
    let filter = |q: &str| {
        let admin = &admin;
        let q = q.to_owned();
        async move {
            let page = admin
                .get(&format!(
                    "/postfach/administration?{}",
                    serde_urlencoded::to_string([("betreff", q.as_str())]).unwrap()
                ))
                .await;
            page.assert_status(200);
            let mut s = subjects(&page);
            s.sort();
            s
        }
    };
    assert_eq!(filter("auskunft").await, auskunft_only);
    assert_eq!(filter("rueckfrage").await, both_rueckfragen);
    assert_eq!(filter("RÜCKFRAGE").await, both_rueckfragen);
    assert_eq!(filter("straße").await, vec!["Rückfrage zur Straße"]);
    assert!(filter("zahnarzt").await.is_empty(), "Betreff only");
    // The Referenz filter, exactly and by its beginning.
    let by_ref = |r: String| {
        let admin = &admin;
        async move {
            let page = admin
                .get(&format!("/postfach/administration?referenz={r}"))
                .await;
            subjects(&page).len()
        }
    };
    assert_eq!(by_ref(referenz.clone()).await, 1);
    assert_eq!(by_ref(beginning.to_owned()).await, 3);
}

/// Seeds, through the store layer, more than 4,000 messages of one
/// organisation where "kolibri" and "zeppelin" each occur in thousands but
/// meet only in the oldest; and a newer message with both in another
/// organisation.
#[tokio::test]
async fn a_rare_pair_of_words_is_found_past_thousands_of_candidates() {
    let mut builder = TestServer::builder();
    let config = builder.config();
    let hash = password_hash();
    let now = Timestamp::now();
    let (admin_a, admin_b, clerk, clerk_zv) = {
        let store = Store::open(&config.data_dir).expect("open store");
        let people = store
            .write(|tx| {
                let mut a = organisation("Blaugraben", "78970");
                a.id = store::next_id(tx, "org")?;
                store::orgs::put(tx, &a)?;
                let mut b = organisation("Grünwald", "12345");
                b.id = store::next_id(tx, "org")?;
                store::orgs::put(tx, &b)?;
                let admin_a = seed_active(
                    tx,
                    Role::OrgAdmin { org: a.id },
                    ("Kim", "A", "a@example.org"),
                    &hash,
                )?;
                let admin_b = seed_active(
                    tx,
                    Role::OrgAdmin { org: b.id },
                    ("Kim", "B", "b@example.org"),
                    &hash,
                )?;
                let clerk = seed_active(
                    tx,
                    Role::Kassen {
                        portal_admin: false,
                        sachbearbeitung: vec![Bereich::Beihilfe],
                    },
                    ("Kim", "K", "k@example.org"),
                    &hash,
                )?;
                let clerk_zv = seed_active(
                    tx,
                    Role::Kassen {
                        portal_admin: false,
                        sachbearbeitung: vec![Bereich::Zusatzversorgung],
                    },
                    ("Kim", "Z", "z@example.org"),
                    &hash,
                )?;
                Ok::<_, store::Error>((a.id, b.id, admin_a, admin_b, clerk, clerk_zv))
            })
            .expect("seed people");
        let (org_a, org_b) = (people.0, people.1);
        let message = |org: u64, subject: String, text: &str| NewMessage {
            from: Some(Mailbox::Group(org, GroupMailbox::Administration)),
            to: Mailbox::Kassen(Bereich::Beihilfe),
            referenz: None,
            subject,
            text: text.to_owned(),
            bereich: Bereich::Beihilfe,
            thema: "Abrechnung".to_owned(),
            author: None,
            attachments: Vec::new(),
        };
        store
            .write(|tx| {
                store_message(
                    tx,
                    message(org_a, "Der seltene Fall".into(), "Kolibri trifft Zeppelin."),
                    now,
                )
                .map(drop)
            })
            .expect("oldest");
        for batch in 0..3 {
            store
                .write(|tx| {
                    for i in 0..1_400 {
                        let n = batch * 1_400 + i;
                        let text = if n % 2 == 0 {
                            "Ein Kolibri im Garten."
                        } else {
                            "Ein Zeppelin am Himmel."
                        };
                        store_message(tx, message(org_a, format!("Nachricht {n}"), text), now)?;
                    }
                    Ok::<_, store::Error>(())
                })
                .expect("many");
        }
        store
            .write(|tx| {
                store_message(
                    tx,
                    message(org_b, "Fremder Fall".into(), "Kolibri und Zeppelin bei B."),
                    now,
                )
                .map(drop)
            })
            .expect("other organisation");
        (people.2, people.3, people.4, people.5)
    };
    let server = builder.start().await;
    let found = |person| {
        let server = &server;
        async move {
            let c = signed_in(server, person).await;
            let page = c.get("/suche?q=zeppelin+kolibri").await;
            page.assert_status(200);
            let mut h = hits(&page);
            h.sort();
            (h, page)
        }
    };
    let (a, _) = found(&admin_a).await;
    assert_eq!(a, vec!["Der seltene Fall"]);
    let (b, _) = found(&admin_b).await;
    assert_eq!(b, vec!["Fremder Fall"]);
    let (k, _) = found(&clerk).await;
    assert_eq!(k, vec!["Der seltene Fall", "Fremder Fall"]);
    let (z, _) = found(&clerk_zv).await;
    assert!(z.is_empty());
    // One word in thousands: a bounded count that says so, and paging
    // that goes on.
    let c = signed_in(&server, &admin_a).await;
    let page = c.get("/suche?q=kolibri").await;
    page.assert_contains("Mehr als 200 Treffer");
    assert_eq!(hits(&page).len(), 50);
    let more = page.html().link_hrefs("Weitere Treffer")[0].clone();
    let second = c.get(&more).await;
    assert_eq!(hits(&second).len(), 50);
    assert!(hits(&second).iter().all(|h| !hits(&page).contains(h)));
    // The Betreff filter counts exactly up to its bound.
    let filtered = c
        .get("/postfach/administration?betreff=nachricht+fall")
        .await;
    filtered.assert_contains("0 von 0");
    let one = c.get("/postfach/administration?betreff=seltene").await;
    assert_eq!(subjects(&one), vec!["Der seltene Fall"]);
    one.assert_contains("1 - 1 von 1");
}
