//! Tests of the mailbox page queries (`list`).

mod tests {
    #![allow(clippy::unwrap_used)]
    use super::super::*;
    use crate::app::messages::{NewMessage, store_message};
    use crate::domain::message::{self, Marks};
    use crate::domain::org::Bereich;
    use crate::store::Store;

    /// A Betreff word in more messages than the budget shows the newest
    /// ones and says that the count is a lower bound.
    #[test]
    fn a_betreff_count_past_its_budget_is_a_lower_bound() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let me = Mailbox::Group(1, crate::domain::org::GroupMailbox::Administration);
        let now = jiff::Timestamp::from_second(1_780_000_000).unwrap();
        let ids: Vec<u64> = store
            .write(|tx| {
                let mut ids = Vec::new();
                for i in 0..30u64 {
                    let m = store_message(
                        tx,
                        NewMessage {
                            from: Some(me.clone()),
                            to: Mailbox::Kassen(Bereich::Beihilfe),
                            referenz: None,
                            subject: format!("Frist {i}"),
                            text: "x".into(),
                            bereich: Bereich::Beihilfe,
                            thema: message::themen(Bereich::Beihilfe)[0].into(),
                            author: None,
                            attachments: vec![],
                        },
                        now,
                    )?;
                    ids.push(m.id);
                }
                Ok::<_, crate::store::Error>(ids)
            })
            .unwrap();
        let filter = Filter {
            subject: "Frist".into(),
            ..Filter::default()
        };
        let key = store
            .read(|tx| repo::id_of(tx, &me.key()))
            .unwrap()
            .unwrap();
        let capped = store
            .read(|tx| subject_page_within(tx, key, &filter, PageAt::First, 25))
            .unwrap();
        assert!(capped.at_least);
        assert_eq!(capped.total, 25);
        let newest: Vec<u64> = ids.iter().rev().take(PAGE_SIZE).copied().collect();
        let shown: Vec<u64> = capped.rows.iter().map(|r| r.message.id).collect();
        assert_eq!(shown, newest);
        let whole = store
            .read(|tx| subject_page_within(tx, key, &filter, PageAt::First, 100))
            .unwrap();
        assert!(!whole.at_least);
        assert_eq!(whole.total, 30);
    }

    /// Every filter answered from the indexes agrees with a brute-force
    /// check of every message, page by page, forwards and backwards.
    #[test]
    fn indexed_filters_agree_with_brute_force() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let me = Mailbox::Group(1, crate::domain::org::GroupMailbox::Administration);
        let now = jiff::Timestamp::from_second(1_780_000_000).unwrap();
        store
            .write(|tx| {
                for i in 0..75u64 {
                    let b = Bereich::ALL[(i % 3) as usize];
                    let themen = message::themen(b);
                    let thema = themen[(i as usize / 3) % themen.len()];
                    let (from, to) = if i % 4 == 0 {
                        (Some(Mailbox::Kassen(b)), me.clone())
                    } else {
                        (Some(me.clone()), Mailbox::Kassen(b))
                    };
                    let m = store_message(
                        tx,
                        NewMessage {
                            from,
                            to,
                            referenz: (i % 5 == 1).then(|| "2026-000001".to_owned()),
                            subject: format!(
                                "Betreff {i} {}",
                                if i % 7 == 0 { "Frist" } else { "" }
                            ),
                            text: "x".into(),
                            bereich: b,
                            thema: thema.into(),
                            author: None,
                            attachments: vec![],
                        },
                        now,
                    )?;
                    let key = me.key();
                    let mut e = repo::entry(tx, &key, m.id)?.unwrap();
                    e.marks = Marks {
                        unread: i % 3 == 1,
                        important: i % 6 == 2,
                        archived: i % 5 == 3,
                    };
                    repo::set_entry(tx, &key, m.id, e)?;
                }
                Ok::<_, crate::store::Error>(())
            })
            .unwrap();
        let filters = [
            Filter::default(),
            Filter {
                folders: vec![Folder::Eingehend],
                ..Filter::default()
            },
            Filter {
                folders: vec![Folder::Archiviert],
                ..Filter::default()
            },
            Filter {
                folders: Folder::ALL.to_vec(),
                ..Filter::default()
            },
            Filter {
                important: true,
                ..Filter::default()
            },
            Filter {
                read: Some(false),
                ..Filter::default()
            },
            Filter {
                read: Some(true),
                bereich: Some(Bereich::Beihilfe),
                ..Filter::default()
            },
            Filter {
                thema: "Allgemeine Anfrage".into(),
                ..Filter::default()
            },
            Filter {
                thema: "Abrechnung".into(),
                folders: Folder::ALL.to_vec(),
                ..Filter::default()
            },
            Filter {
                subject: "frist".into(),
                ..Filter::default()
            },
            Filter {
                referenz: "2026-000001".into(),
                ..Filter::default()
            },
            // Betreff with the entry bits decided on the facet leaves.
            Filter {
                subject: "frist".into(),
                important: true,
                folders: Folder::ALL.to_vec(),
                ..Filter::default()
            },
            Filter {
                subject: "betreff".into(),
                read: Some(true),
                bereich: Some(Bereich::Beihilfe),
                ..Filter::default()
            },
            Filter {
                subject: "betreff".into(),
                read: Some(false),
                folders: Folder::ALL.to_vec(),
                ..Filter::default()
            },
            Filter {
                subject: "betreff".into(),
                thema: "Abrechnung".into(),
                folders: Folder::ALL.to_vec(),
                ..Filter::default()
            },
        ];
        for f in filters {
            // Brute force over every entry of the mailbox.
            let mut expected: Vec<u64> = store
                .read(|tx| {
                    let mut out = Vec::new();
                    for id in repo::ids_from(tx, 0, 1000)? {
                        let Some(e) = repo::entry(tx, &me.key(), id)? else {
                            continue;
                        };
                        let m = repo::header(tx, id)?.unwrap();
                        let relaxed = Filter {
                            folders: Folder::ALL.to_vec(),
                            ..f.clone()
                        };
                        let g = if f.referenz.is_empty() { &f } else { &relaxed };
                        if g.matches_entry(&e)
                            && g.matches_message(&m)
                            && (f.referenz.is_empty() || m.referenz == f.referenz)
                        {
                            out.push(id);
                        }
                    }
                    Ok::<_, crate::store::Error>(out)
                })
                .unwrap();
            expected.reverse();
            let mut seen = Vec::new();
            let mut at = PageAt::First;
            loop {
                let p = page(&store, &me, &f, at).unwrap();
                assert_eq!(p.total, expected.len(), "{f:?}");
                seen.extend(p.rows.iter().map(|r| r.message.id));
                match p.rows.last() {
                    Some(r) if seen.len() < p.total => at = PageAt::After(p.page + 1, r.message.id),
                    _ => break,
                }
            }
            assert_eq!(seen, expected, "{f:?}");
            if expected.len() > PAGE_SIZE {
                let last = page(&store, &me, &f, PageAt::Last).unwrap();
                let on_last = expected.len() - (expected.len() - 1) / PAGE_SIZE * PAGE_SIZE;
                assert_eq!(last.rows.len(), on_last, "{f:?}");
                let first_of_last = last.rows[0].message.id;
                let before = page(
                    &store,
                    &me,
                    &f,
                    PageAt::Before(last.page - 1, first_of_last),
                )
                .unwrap();
                let ids: Vec<u64> = before.rows.iter().map(|r| r.message.id).collect();
                let end = expected.len() - on_last;
                assert_eq!(ids, expected[end - PAGE_SIZE..end].to_vec(), "{f:?}");
            }
        }
    }
}

/// A rough timing of the mailbox page at scale (debug build; run with
/// `cargo test --lib mailbox_page_at_scale -- --ignored --nocapture`).
mod scale {
    #![allow(clippy::unwrap_used)]
    use super::super::*;
    use crate::app::messages::{NewMessage, store_message};
    use crate::domain::org::{Bereich, GroupMailbox};
    use crate::store::Store;

    #[test]
    #[ignore]
    fn mailbox_page_at_scale() {
        let n: u64 = std::env::var("MV_SCALE")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(20_000);
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let me = Mailbox::Group(1, GroupMailbox::Administration);
        let now = jiff::Timestamp::from_second(1_780_000_000).unwrap();
        let started = std::time::Instant::now();
        for batch in 0..n.div_ceil(2000) {
            store
                .write(|tx| {
                    for i in batch * 2000..((batch + 1) * 2000).min(n) {
                        let b = Bereich::ALL[(i % 3) as usize];
                        let t = crate::domain::message::themen(b)[(i % 4) as usize];
                        store_message(
                            tx,
                            NewMessage {
                                from: Some(me.clone()),
                                to: Mailbox::Kassen(b),
                                referenz: None,
                                subject: format!("Abrechnung der Beiträge Nummer {i}"),
                                text: "Sehr geehrte Damen und Herren, anbei die Unterlagen zur Prüfung.".into(),
                                bereich: b,
                                thema: t.into(),
                                author: None,
                                attachments: vec![],
                            },
                            now,
                        )?;
                    }
                    Ok::<_, crate::store::Error>(())
                })
                .unwrap();
        }
        eprintln!("seeded {n} in {:?}", started.elapsed());
        let filters = [
            ("default", Filter::default()),
            (
                "wichtig",
                Filter {
                    important: true,
                    ..Filter::default()
                },
            ),
            (
                "bereich",
                Filter {
                    bereich: Some(Bereich::Beihilfe),
                    ..Filter::default()
                },
            ),
            (
                "thema",
                Filter {
                    thema: "Abrechnung".into(),
                    ..Filter::default()
                },
            ),
            (
                "betreff",
                Filter {
                    subject: "nummer 1999".into(),
                    ..Filter::default()
                },
            ),
            (
                "gelesen",
                Filter {
                    read: Some(true),
                    ..Filter::default()
                },
            ),
        ];
        for (name, f) in filters {
            let mut times = Vec::new();
            for _ in 0..50 {
                let t = std::time::Instant::now();
                let p = page(&store, &me, &f, PageAt::First).unwrap();
                times.push(t.elapsed());
                assert!(p.total > 0 || name == "wichtig");
            }
            times.sort();
            eprintln!("{name}: p50 {:?} p99 {:?}", times[25], times[49]);
        }
    }
}
