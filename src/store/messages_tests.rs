//! Unit tests of `store::messages` (kept apart: the module is long enough).
#![allow(clippy::unwrap_used)]

use super::*;
use crate::domain::message::{Direction, Marks};

/// The join finds a small mailbox's messages under the postings of a
/// large one, newest first, and nothing of other mailboxes.
#[test]
fn joining_a_term_with_mailboxes_follows_the_sparser_side() {
    let dir = tempfile::tempdir().unwrap();
    let store = crate::store::Store::open(dir.path()).unwrap();
    let e = Entry::new(Marks::default(), Direction::Incoming, Bereich::Beihilfe, "");
    let (small, large) = store
        .write(|tx| {
            let mut terms = tx.open_table(tables::MESSAGE_TERMS)?;
            for id in 1..=3000u64 {
                terms.insert(("frist", id), ())?;
                terms.insert(("fristen", id), ())?;
            }
            drop(terms);
            for id in 1..=3000u64 {
                let mb = if id % 1000 == 7 { "small" } else { "large" };
                set_entry(tx, mb, id, e)?;
            }
            Ok::<_, Error>((id_of(tx, "small")?.unwrap(), id_of(tx, "large")?.unwrap()))
        })
        .unwrap();
    let (found, seeks_ok) = store
        .read(|tx| {
            let mut found = Vec::new();
            join_term(tx, "frist", &[small], 20, |id, i| {
                found.push((id, i));
                Ok(true)
            })?;
            let mut all = 0;
            join_term(tx, "frist", &[large], 10_000, |_, _| {
                all += 1;
                Ok(true)
            })?;
            Ok::<_, Error>((found, all))
        })
        .unwrap();
    assert_eq!(found, vec![(2007, 0), (1007, 0), (7, 0)]);
    assert_eq!(seeks_ok, 2997);
    let terms = store
        .read(|tx| {
            let a = next_term(tx, "fri", None)?;
            let b = next_term(tx, "fri", a.as_deref())?;
            let c = next_term(tx, "fri", b.as_deref())?;
            Ok::<_, Error>((a, b, c))
        })
        .unwrap();
    assert_eq!(
        terms,
        (Some("frist".to_owned()), Some("fristen".to_owned()), None)
    );
}

/// A message is stored as a header and a compressed Text; the header
/// alone carries what a row shows, and the whole message comes back.
#[test]
fn headers_and_compressed_texts_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let store = crate::store::Store::open(dir.path()).unwrap();
    let text = "Sehr geehrte Damen und Herren, ".repeat(200);
    let m = Message {
        id: 1,
        referenz: "2026-000001".into(),
        subject: "Rückfrage".into(),
        text: text.clone(),
        bereich: Bereich::Zusatzversorgung,
        thema: "Entgeltmeldungen".into(),
        created_at: Timestamp::from_second(1_780_000_000).unwrap(),
        from: "g:3:zusatzversorgung".into(),
        to: "k:zusatzversorgung".into(),
        author: None,
        attachments: vec![Attachment {
            blob: 9,
            name: "Meldung.pdf".into(),
            mime: "application/pdf".into(),
            len: 1234,
        }],
    };
    store.write(|tx| insert(tx, &m, Some(3))).unwrap();
    let (h, back, stored) = store
        .read(|tx| {
            let stored = tx
                .open_table(tables::MESSAGE_TEXTS)?
                .get(1)?
                .map(|v| v.value().len())
                .unwrap();
            Ok::<_, Error>((header(tx, 1)?.unwrap(), get(tx, 1)?.unwrap(), stored))
        })
        .unwrap();
    assert_eq!(back, m);
    assert_eq!(h.org, Some(3));
    assert_eq!(h.from, "g:3:zusatzversorgung");
    assert_eq!(h.attachments[0].name, "Meldung.pdf");
    assert!(h.excerpt.starts_with("Sehr geehrte") && h.excerpt.ends_with('…'));
    assert!(
        stored * 10 < text.len(),
        "{stored} bytes for {}",
        text.len()
    );
    store.write(|tx| delete(tx, 1)).unwrap();
    assert_eq!(store.read(|tx| get(tx, 1)).unwrap(), None);
}
