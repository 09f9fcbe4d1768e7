//! The migration 6 → 7 on a store written the way version 6 wrote it: the
//! v6 writers below are frozen copies of version 6's `store::messages`
//! (`insert`, `set_entry`, `index_subject`).
#![allow(clippy::unwrap_used)]

use redb::Database;

use super::*;
use crate::store::{Store, counters, messages as repo, search_index};

/// Version 6's search terms: lower-case words of at least two characters.
fn v6_terms(text: &str) -> Vec<String> {
    let mut out: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 2)
        .map(|w| w.to_lowercase().chars().take(64).collect())
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Version 6's entry bits: marks, direction, Bereich position, Thema
/// position (1-based, in version 6's list).
fn v6_pack(marks: u8, outgoing: bool, bereich_pos: u8, thema_pos: u8) -> u16 {
    u16::from(marks)
        | (u16::from(outgoing) << 3)
        | (u16::from(bereich_pos) << 4)
        | (u16::from(thema_pos & 7) << 6)
}

/// Version 6's facets of an entry.
fn v6_facets(marks: u8, outgoing: bool, b: u8, t: u8) -> Vec<u8> {
    let folder = if marks & 4 != 0 {
        2
    } else if outgoing {
        1
    } else {
        0
    };
    let mut f = vec![folder, 16 + folder * 4 + b];
    if t > 0 {
        f.push(64 + folder * 32 + b * 8 + t);
    }
    if marks & 2 != 0 {
        f.push(3);
    }
    if marks & 1 != 0 {
        f.push(4);
    }
    f
}

/// Version 6's `set_entry` (for a new entry).
fn v6_set_entry(tx: &WriteTx, key: &str, id: u64, marks: u8, outgoing: bool, b: u8, t: u8) {
    let mut index = tx.open_table(tables::LEGACY_MAILBOX_INDEX).unwrap();
    for f in v6_facets(marks, outgoing, b, t) {
        index.insert((key, f, id), ()).unwrap();
        counters::add(tx, &format!("msg.{key}.{f}"), 1).unwrap();
    }
    let folder = v6_facets(marks, outgoing, b, t)[0];
    counters::add(
        tx,
        &format!(
            "msg.{key}.s.{folder}.{}.{}.{b}.{t}",
            (marks >> 1) & 1,
            marks & 1
        ),
        1,
    )
    .unwrap();
    tx.open_table(tables::LEGACY_MAILBOX_ENTRIES)
        .unwrap()
        .insert((key, id), v6_pack(marks, outgoing, b, t))
        .unwrap();
}

/// Version 6's `insert` and `index_subject` of a message from a group
/// mailbox to a Kassenpostfach (or from the system).
#[allow(clippy::too_many_arguments)]
fn v6_message(
    tx: &WriteTx,
    id: u64,
    from: &str,
    to: &str,
    subject: &str,
    text: &str,
    bereich: (&str, u8),
    thema: (&str, u8),
    attachment: Option<&str>,
) {
    let referenz = format!("2026-{id:06}");
    let attachments: Vec<serde_json::Value> = attachment
        .map(|n| serde_json::json!({"blob": 100 + id, "name": n, "mime": "application/pdf", "len": 5}))
        .into_iter()
        .collect();
    let json = serde_json::json!({
        "id": id,
        "referenz": referenz,
        "subject": subject,
        "text": text,
        "bereich": bereich.0,
        "thema": thema.0,
        "created_at": jiff::Timestamp::from_second(1_780_000_000 + id as i64).unwrap(),
        "from": from,
        "to": to,
        "author": null,
        "attachments": attachments,
    });
    tx.open_table(tables::LEGACY_MESSAGES)
        .unwrap()
        .insert(id, serde_json::to_vec(&json).unwrap().as_slice())
        .unwrap();
    tx.open_table(tables::MESSAGES_BY_REF)
        .unwrap()
        .insert((referenz.as_str(), id), ())
        .unwrap();
    let mut terms = v6_terms(subject);
    terms.extend(v6_terms(text));
    terms.push(referenz.clone());
    let mut t = tx.open_table(tables::LEGACY_MESSAGE_TERMS).unwrap();
    for term in &terms {
        t.insert((term.as_str(), id), ()).unwrap();
    }
    drop(t);
    let mut words = tx.open_table(tables::LEGACY_MAILBOX_SUBJECT_TERMS).unwrap();
    for w in v6_terms(subject) {
        if from != "system" {
            words.insert((from, w.as_str(), id), ()).unwrap();
        }
        words.insert((to, w.as_str(), id), ()).unwrap();
    }
    drop(words);
    if from != "system" {
        v6_set_entry(tx, from, id, 0, true, bereich.1, thema.1);
    }
    v6_set_entry(tx, to, id, 1, false, bereich.1, thema.1);
}

/// A schema-6 store with messages is migrated: headers and Texts apart,
/// mailbox ids, entries with stable codes, facets and counters rebuilt,
/// the old tables gone, and the mailbox pages show the same as before.
#[test]
fn a_version_6_message_store_is_migrated() {
    let dir = tempfile::tempdir().unwrap();
    {
        let db = Database::create(dir.path().join(crate::store::DB_FILE)).unwrap();
        let tx = crate::store::WriteTx(db.begin_write().unwrap());
        tx.open_table(tables::ACCOUNTS).unwrap();
        let group = "g:3:zusatzversorgung";
        let kasse = "k:zusatzversorgung";
        for id in 1..=30u64 {
            v6_message(
                &tx,
                id,
                group,
                kasse,
                &format!("Entgeltmeldung {id}"),
                &"Sehr geehrte Damen und Herren ".repeat(20),
                ("Zusatzversorgung", 2),
                ("Entgeltmeldungen", 3),
                (id == 7).then_some("Meldung_Mai.pdf"),
            );
        }
        v6_message(
            &tx,
            31,
            "system",
            "g:3:beihilfe",
            "Quittung",
            "Ihre Meldung ist eingegangen.",
            ("Beihilfe", 1),
            ("Quittung", 4),
            None,
        );
        // An entry marked important and archived in the Kassenpostfach.
        {
            tx.open_table(tables::LEGACY_MAILBOX_ENTRIES)
                .unwrap()
                .insert((kasse, 5), v6_pack(6, false, 2, 3))
                .unwrap();
        }
        tx.open_table(tables::META)
            .unwrap()
            .insert("schema_version", 6)
            .unwrap();
        tx.commit().unwrap();
    }
    let store = Store::open(dir.path()).unwrap();
    store
        .read(|tx| {
            assert_eq!(stored_version_of(tx), Some(7));
            for gone in [
                "messages",
                "mailbox_entries",
                "mailbox_index",
                "mailbox_subject_terms",
                "message_terms",
            ] {
                let def: redb::TableDefinition<u64, u64> = redb::TableDefinition::new(gone);
                assert!(
                    matches!(
                        tx.open_table(def),
                        Err(redb::TableError::TableDoesNotExist(_))
                    ),
                    "{gone}"
                );
            }
            let m = repo::get(tx, 7)?.unwrap();
            assert_eq!(m.subject, "Entgeltmeldung 7");
            assert!(m.text.starts_with("Sehr geehrte"));
            assert_eq!(m.bereich, Bereich::Zusatzversorgung);
            assert_eq!(m.attachments[0].name, "Meldung_Mai.pdf");
            let h = repo::header(tx, 7)?.unwrap();
            assert_eq!((h.org, h.from.as_str()), (Some(3), "g:3:zusatzversorgung"));
            assert_eq!(repo::header(tx, 31)?.unwrap().from, "system");
            let kasse = repo::id_of(tx, "k:zusatzversorgung")?.unwrap();
            let group = repo::id_of(tx, "g:3:zusatzversorgung")?.unwrap();
            // Ids were handed out in key order.
            assert!(repo::id_of(tx, "g:3:beihilfe")?.unwrap() < group && group < kasse);
            let e = repo::entry_in(tx, kasse, 5)?.unwrap();
            assert!(e.marks.important && e.marks.archived && !e.marks.unread);
            assert_eq!(e.thema_name(), Some("Entgeltmeldungen"));
            assert_eq!(repo::count(tx, kasse, repo::FACET_INBOX)?, 29);
            assert_eq!(repo::count(tx, kasse, repo::FACET_ARCHIVE)?, 1);
            assert_eq!(repo::count(tx, kasse, repo::FACET_IMPORTANT)?, 1);
            assert_eq!(repo::unread(tx, "k:zusatzversorgung")?, 29);
            assert_eq!(repo::unread(tx, "g:3:beihilfe")?, 1);
            assert_eq!(repo::count(tx, group, repo::FACET_OUTBOX)?, 30);
            let thema = repo::facet_thema(repo::FACET_INBOX, Bereich::Zusatzversorgung.code(), 9);
            assert_eq!(repo::count(tx, kasse, thema)?, 29);
            let mut newest = Vec::new();
            repo::walk(tx, kasse, &[thema], true, None, |id, e| {
                newest.push((id, e.thema));
                Ok(newest.len() < 3)
            })?;
            assert_eq!(newest, vec![(30, 9), (29, 9), (28, 9)]);
            // The Betreff postings of the group mailbox, with compound parts.
            let words = crate::domain::search_text::query("meldung");
            let mut scope = search_index::FacetSource::new(tx, group, vec![repo::FACET_OUTBOX])?;
            let found =
                search_index::subject(tx, group, &words, &mut scope, None, 2, 10_000, |_| {
                    Ok(true)
                })?;
            assert_eq!((found.ids, found.more), (vec![30, 29], true));
            // The header search: attachment names, the Text, the Referenz.
            let search = |q: &str| {
                let words = crate::domain::search_text::query(q);
                let mut scope = search_index::MailboxSource::new(tx, vec![kasse])?;
                search_index::search(
                    tx,
                    &words,
                    &mut scope,
                    crate::store::postings::TagSet::ALL,
                    None,
                    50,
                    10_000,
                    |_| Ok(true),
                )
                .map(|f| f.ids)
            };
            assert_eq!(search("mai meldung")?, vec![7]);
            assert_eq!(search("2026-000007")?, vec![7]);
            assert_eq!(search("herren geehrte")?.len(), 30);
            // The Kassenpostfach's Mitglied index.
            let mut scope = search_index::FacetSource::new(tx, kasse, vec![repo::FACET_INBOX])?;
            let mut member = search_index::MemberSource::new(tx, kasse, 3)?;
            let found = search_index::subject_within(
                tx,
                kasse,
                &[],
                &mut [&mut scope, &mut member],
                None,
                100,
                10_000,
                |_| Ok(true),
            )?;
            assert_eq!(found.ids.len(), 29);
            // No counter under the old mailbox keys is left.
            let mut old = 0;
            counters::scan_prefix(tx, "msg.g:", |_, _| old += 1)?;
            counters::scan_prefix(tx, "msg.k:", |_, _| old += 1)?;
            assert_eq!(old, 0);
            Ok::<_, Error>(())
        })
        .unwrap();
}

fn stored_version_of(tx: &crate::store::ReadTx) -> Option<u64> {
    tx.open_table(tables::META)
        .unwrap()
        .get("schema_version")
        .unwrap()
        .map(|v| v.value())
}

/// How long the migration takes (run by hand: `cargo test --lib
/// migration_time -- --ignored --nocapture`; MIGRATION_MESSAGES sets the
/// number of messages, default 20,000).
#[test]
#[ignore]
fn migration_time() {
    let n: u64 = std::env::var("MIGRATION_MESSAGES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000);
    let dir = tempfile::tempdir().unwrap();
    {
        let db = Database::create(dir.path().join(crate::store::DB_FILE)).unwrap();
        for batch in 0..n.div_ceil(2_000) {
            let tx = crate::store::WriteTx(db.begin_write().unwrap());
            tx.open_table(tables::ACCOUNTS).unwrap();
            for id in batch * 2_000 + 1..=((batch + 1) * 2_000).min(n) {
                v6_message(
                    &tx,
                    id,
                    &format!("g:{}:beihilfe", id % 500),
                    "k:beihilfe",
                    &format!("Beihilfeantrag Nummer {id} zur Abrechnung"),
                    &"Sehr geehrte Damen und Herren, anbei die Unterlagen zur Abrechnung \
                      des Monats. Mit freundlichen Grüßen "
                        .repeat(6),
                    ("Beihilfe", 1),
                    ("Abrechnung", 3),
                    None,
                );
            }
            tx.open_table(tables::META)
                .unwrap()
                .insert("schema_version", 6)
                .unwrap();
            tx.commit().unwrap();
        }
    }
    let before = std::fs::metadata(dir.path().join(crate::store::DB_FILE))
        .unwrap()
        .len();
    let t = std::time::Instant::now();
    drop(Store::open(dir.path()).unwrap());
    let after = std::fs::metadata(dir.path().join(crate::store::DB_FILE))
        .unwrap()
        .len();
    println!(
        "{n} messages migrated in {:.1} s; file {} MB -> {} MB",
        t.elapsed().as_secs_f64(),
        before / 1_000_000,
        after / 1_000_000
    );
}

/// The step's frozen encoders write what schema 7's repository code reads
/// (checked while 7 is the current schema; a later schema has its own
/// step that moves the store on).
#[test]
fn the_frozen_encoders_write_what_schema_7_reads() {
    if crate::store::migrate::SCHEMA_VERSION != 7 {
        return;
    }
    for v in 0u16..512 {
        let frozen = v6_entry(v);
        let today = crate::store::mailboxes::Entry::unpack(frozen.pack());
        assert_eq!(today.pack(), frozen.pack(), "{v}");
        assert_eq!(today.facets(), frozen.facets(), "{v}");
        assert_eq!(today.signature(9), frozen.signature(9), "{v}");
        for f in frozen.facets() {
            assert_eq!(crate::store::mailboxes::counter(9, f), v7::counter(9, f));
        }
    }
    let at = jiff::Timestamp::from_second(1_700_000_000).unwrap();
    let attachment = Attachment {
        blob: 4,
        name: "a.pdf".into(),
        mime: "application/pdf".into(),
        len: 10,
    };
    for (author, attachments, org) in [
        (None, Vec::new(), None),
        (
            crate::domain::ids::Nutzerkennung::parse("S20106542291"),
            vec![attachment],
            Some(3),
        ),
    ] {
        let frozen = v7::Header {
            referenz: "2026-000001".into(),
            subject: "Betreff".into(),
            bereich: 1,
            thema: "Abrechnung".into(),
            created_at: at,
            from: 1,
            to: 2,
            author: author.clone(),
            attachments: attachments.clone(),
            org,
            excerpt: "Text".into(),
        };
        let today = crate::store::messages::StoredHeader {
            referenz: "2026-000001".into(),
            subject: "Betreff".into(),
            bereich: 1,
            thema: "Abrechnung".into(),
            created_at: at,
            from: 1,
            to: 2,
            author,
            attachments,
            org,
            excerpt: "Text".into(),
        };
        assert_eq!(
            serde_json::to_vec(&frozen).unwrap(),
            serde_json::to_vec(&today).unwrap()
        );
    }
    let text = "Sehr geehrte Damen und Herren, ".repeat(20);
    assert_eq!(
        v7::compress(&text).unwrap(),
        crate::store::messages::compress(&text).unwrap()
    );
}
