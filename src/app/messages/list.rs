//! The mailbox page: filters (quick filters and the filter menu) answered
//! from the facet index with keyset paging. The driving index is the most
//! selective facet the filter names; the rest is checked on the covering
//! entry, and only Betreff and Thema need the message itself (bounded by a
//! scan budget).

use crate::app::Error;
use crate::domain::PAGE_SIZE;
use crate::domain::message::{Mailbox, Message};
use crate::domain::message_search::terms;
use crate::store::messages::{self as repo, Entry, FACET_INBOX, FACET_OUTBOX};

pub use super::filter::{Filter, Folder};
use crate::store::{ReadAccess, Store};

/// Most messages decoded for one page (a Betreff filter of only one-letter
/// words is checked on the messages themselves).
pub const SCAN_BUDGET: usize = 5_000;

/// Which page to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageAt {
    First,
    /// Page `n`, right after the page that ended with this message id.
    After(usize, u64),
    /// Page `n`, right before the page that began with this message id.
    Before(usize, u64),
    Last,
}

/// One row of the mailbox page.
#[derive(Debug, Clone)]
pub struct Row {
    pub message: Message,
    pub entry: Entry,
}

#[derive(Debug, Clone)]
pub struct MailboxPage {
    pub rows: Vec<Row>,
    /// Matching messages in all.
    pub total: usize,
    /// The page shown (1-based).
    pub page: usize,
}

/// One page of `mailbox` under `filter`, newest first.
pub fn page(
    store: &Store,
    mailbox: &Mailbox,
    filter: &Filter,
    at: PageAt,
) -> Result<MailboxPage, Error> {
    store.read(|tx| page_in(tx, mailbox, filter, at))
}

fn page_in(
    tx: &impl ReadAccess,
    mailbox: &Mailbox,
    filter: &Filter,
    at: PageAt,
) -> Result<MailboxPage, Error> {
    let key = mailbox.key();
    if !filter.referenz.trim().is_empty() {
        return conversation_page(tx, &key, filter, at);
    }
    if !terms(&filter.subject).is_empty() {
        return subject_page(tx, &key, filter, at);
    }
    let total = total(tx, &key, filter)?;
    let last_page = total.div_ceil(PAGE_SIZE).max(1);
    let facets = filter.driving();
    let (newest_first, bound, want, page) = match at {
        PageAt::First => (true, None, PAGE_SIZE, 1),
        PageAt::After(n, id) => (true, Some(id), PAGE_SIZE, n.clamp(1, last_page)),
        PageAt::Before(n, id) => (false, Some(id), PAGE_SIZE, n.clamp(1, last_page)),
        PageAt::Last => {
            let on_last = total - (last_page - 1) * PAGE_SIZE;
            (false, None, on_last.max(1), last_page)
        }
    };
    let mut rows = Vec::new();
    let mut decoded = 0usize;
    let read = repo::Reader::new(tx)?;
    repo::walk(tx, &key, &facets, newest_first, bound, |id| {
        let Some(e) = read.entry(&key, id)? else {
            return Ok(true);
        };
        if !filter.matches_entry(&e) {
            return Ok(true);
        }
        decoded += 1;
        let Some(m) = read.message(id)? else {
            return Ok(true);
        };
        if filter.matches_message(&m) {
            rows.push(Row {
                message: m,
                entry: e,
            });
        }
        Ok(rows.len() < want && decoded < SCAN_BUDGET)
    })?;
    if !newest_first {
        rows.reverse();
    }
    Ok(MailboxPage { rows, total, page })
}

/// The number of matching messages: the signature counters for every
/// filter on the covering entry; with a Betreff filter, a walk of the
/// driving index (bounded by [`SCAN_BUDGET`] decoded messages).
fn total(tx: &impl ReadAccess, key: &str, filter: &Filter) -> Result<usize, Error> {
    if !filter.important && filter.read.is_none() && !filter.needs_message() {
        // Folders, Bereich and Thema only: the driving facets are disjoint
        // and hold exactly the matching entries — their counters add up
        // (a few point reads instead of the signature scan).
        let mut n = 0;
        for f in filter.driving() {
            n += repo::count(tx, key, f)?;
        }
        return Ok(n as usize);
    }
    if !filter.needs_message() {
        return Ok(repo::count_matching(tx, key, |e| filter.matches_entry(e))? as usize);
    }
    let mut n = 0usize;
    let mut decoded = 0usize;
    let read = repo::Reader::new(tx)?;
    repo::walk(tx, key, &filter.driving(), true, None, |id| {
        let Some(e) = read.entry(key, id)? else {
            return Ok(true);
        };
        if filter.matches_entry(&e) {
            decoded += 1;
            if read
                .message(id)?
                .is_some_and(|m| filter.matches_message(&m))
            {
                n += 1;
            }
        }
        Ok(decoded < SCAN_BUDGET)
    })?;
    Ok(n)
}

/// Most Betreff index entries read for one page.
pub const SUBJECT_BUDGET: usize = 20_000;

/// A Betreff filter: the ids from the mailbox's Betreff word index (the
/// longest word as a prefix), checked on the covering entries (and, with
/// several words, on the messages), then paged by keyset.
fn subject_page(
    tx: &impl ReadAccess,
    key: &str,
    filter: &Filter,
    at: PageAt,
) -> Result<MailboxPage, Error> {
    let words = terms(&filter.subject);
    // The most selective word drives: a short probe of each word's range.
    const PROBE: usize = 256;
    let mut driver = (usize::MAX, String::new());
    for w in &words {
        let n = repo::ids_with_subject_prefix(tx, key, w, PROBE)?.len();
        if n < driver.0 {
            driver = (n, w.clone());
        }
    }
    let driver = driver.1;
    let mut ids = repo::ids_with_subject_prefix(tx, key, &driver, SUBJECT_BUDGET)?;
    ids.sort_unstable_by(|a, b| b.cmp(a));
    ids.dedup();
    let mut matched = Vec::new();
    let read = repo::Reader::new(tx)?;
    for id in ids {
        let Some(e) = read.entry(key, id)? else {
            continue;
        };
        if !filter.matches_entry(&e) {
            continue;
        }
        if words.len() > 1
            && !read
                .message(id)?
                .is_some_and(|m| filter.matches_message(&m))
        {
            continue;
        }
        matched.push((id, e));
    }
    let total = matched.len();
    let last_page = total.div_ceil(PAGE_SIZE).max(1);
    let (page, shown): (usize, Vec<(u64, Entry)>) = match at {
        PageAt::First => (1, matched.iter().take(PAGE_SIZE).copied().collect()),
        PageAt::After(n, bound) => (
            n.clamp(1, last_page),
            matched
                .iter()
                .filter(|(id, _)| *id < bound)
                .take(PAGE_SIZE)
                .copied()
                .collect(),
        ),
        PageAt::Before(n, bound) => {
            let newer: Vec<_> = matched
                .iter()
                .filter(|(id, _)| *id > bound)
                .copied()
                .collect();
            let start = newer.len().saturating_sub(PAGE_SIZE);
            (n.clamp(1, last_page), newer[start..].to_vec())
        }
        PageAt::Last => {
            let start = (last_page - 1) * PAGE_SIZE;
            (last_page, matched.iter().skip(start).copied().collect())
        }
    };
    let mut rows = Vec::with_capacity(shown.len());
    for (id, entry) in shown {
        if let Some(message) = read.message(id)? {
            rows.push(Row { message, entry });
        }
    }
    Ok(MailboxPage { rows, total, page })
}

/// A Referenz filter shows the whole conversation (as far as it lies in
/// this mailbox), newest first, without the folder restriction.
fn conversation_page(
    tx: &impl ReadAccess,
    key: &str,
    filter: &Filter,
    at: PageAt,
) -> Result<MailboxPage, Error> {
    let referenz = filter.referenz.trim();
    let mut rows = Vec::new();
    for id in repo::conversation(tx, referenz)?.into_iter().rev() {
        let Some(e) = repo::entry(tx, key, id)? else {
            continue;
        };
        let relaxed = Filter {
            folders: Folder::ALL.to_vec(),
            ..filter.clone()
        };
        if !relaxed.matches_entry(&e) {
            continue;
        }
        if let Some(m) = repo::get(tx, id)?
            && relaxed.matches_message(&m)
        {
            rows.push(Row {
                message: m,
                entry: e,
            });
        }
    }
    let total = rows.len();
    let last_page = total.div_ceil(PAGE_SIZE).max(1);
    let page = match at {
        PageAt::First => 1,
        PageAt::After(n, _) | PageAt::Before(n, _) => n.clamp(1, last_page),
        PageAt::Last => last_page,
    };
    let rows = rows
        .into_iter()
        .skip((page - 1) * PAGE_SIZE)
        .take(PAGE_SIZE)
        .collect();
    Ok(MailboxPage { rows, total, page })
}

/// The newest messages of several mailboxes (home pages), newest first.
pub fn newest(
    store: &Store,
    mailboxes: &[Mailbox],
    incoming_only: bool,
    limit: usize,
) -> Result<Vec<(Mailbox, Row)>, Error> {
    store.read(|tx| {
        let mut all = Vec::new();
        for mb in mailboxes {
            let key = mb.key();
            let facets: &[u8] = if incoming_only {
                &[FACET_INBOX]
            } else {
                &[FACET_INBOX, FACET_OUTBOX]
            };
            let mut ids = Vec::new();
            repo::walk(tx, &key, facets, true, None, |id| {
                ids.push(id);
                Ok(ids.len() < limit)
            })?;
            for id in ids {
                if let (Some(e), Some(m)) = (repo::entry(tx, &key, id)?, repo::get(tx, id)?) {
                    all.push((
                        mb.clone(),
                        Row {
                            message: m,
                            entry: e,
                        },
                    ));
                }
            }
        }
        all.sort_by_key(|r| std::cmp::Reverse(r.1.message.id));
        all.truncate(limit);
        Ok(all)
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::app::messages::{NewMessage, store_message};
    use crate::domain::message::{self, Marks};
    use crate::domain::org::Bereich;
    use crate::store::Store;

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
                        let m = repo::get(tx, id)?.unwrap();
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
#[cfg(test)]
mod scale {
    #![allow(clippy::unwrap_used)]
    use super::*;
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
