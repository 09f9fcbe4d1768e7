//! Unit tests of `store::messages` (kept apart: the module is long enough).
#![allow(clippy::unwrap_used)]

use super::*;

/// A Betreff word with more matches than the limit yields the newest.
#[test]
fn subject_prefixes_yield_the_newest_ids() {
    let dir = tempfile::tempdir().unwrap();
    let store = crate::store::Store::open(dir.path()).unwrap();
    store
        .write(|tx| {
            let mut t = tx.open_table(tables::MAILBOX_SUBJECT_TERMS)?;
            for id in 1..=100u64 {
                t.insert(("mb", "frist", id), ())?;
                if id % 10 == 5 {
                    t.insert(("mb", "fristen", id), ())?;
                }
                t.insert(("mc", "frist", id + 1000), ())?;
                t.insert(("mb", "zins", id), ())?;
            }
            Ok::<_, Error>(())
        })
        .unwrap();
    let ids = store
        .read(|tx| ids_with_subject_prefix(tx, "mb", "fri", 5))
        .unwrap();
    assert_eq!(ids, vec![100, 99, 98, 97, 96]);
    let ids = store
        .read(|tx| ids_with_subject_prefix(tx, "mb", "fristen", 50))
        .unwrap();
    assert_eq!(ids, vec![95, 85, 75, 65, 55, 45, 35, 25, 15, 5]);
}

/// The join finds a small mailbox's messages under the postings of a
/// large one, newest first, and nothing of other mailboxes.
#[test]
fn joining_a_term_with_mailboxes_follows_the_sparser_side() {
    let dir = tempfile::tempdir().unwrap();
    let store = crate::store::Store::open(dir.path()).unwrap();
    let e = Entry::new(Marks::default(), Direction::Incoming, Bereich::Beihilfe, "");
    store
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
            Ok::<_, Error>(())
        })
        .unwrap();
    let (found, seeks_ok) = store
        .read(|tx| {
            let mut found = Vec::new();
            join_term(tx, "frist", &["small".to_owned()], 20, |id, i| {
                found.push((id, i));
                Ok(true)
            })?;
            let mut all = 0;
            join_term(tx, "frist", &["large".to_owned()], 10_000, |_, _| {
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

#[test]
fn entries_pack_and_list_under_their_facets() {
    let e = Entry::new(
        Marks {
            unread: true,
            important: true,
            archived: false,
        },
        Direction::Incoming,
        Bereich::Zusatzversorgung,
        "Entgeltmeldungen",
    );
    assert_eq!(Entry::unpack(e.pack()), e);
    assert_eq!(e.thema_name(), Some("Entgeltmeldungen"));
    assert_eq!(
        e.facets(),
        vec![
            FACET_INBOX,
            facet_bereich(FACET_INBOX, 2),
            facet_thema(FACET_INBOX, 2, 3),
            FACET_IMPORTANT,
            FACET_UNREAD
        ]
    );
    let sig = e.signature("g:1:beihilfe");
    let back = Entry::from_signature(&sig["msg.g:1:beihilfe.s.".len()..]).unwrap();
    assert_eq!(back, e);
}
