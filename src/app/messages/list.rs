//! The mailbox page: filters (quick filters and the filter menu) answered
//! from the facet index with keyset paging. The driving index is the most
//! selective facet the filter names; the rest is checked on the covering
//! entry, and only Betreff and Thema need the message itself (bounded by a
//! scan budget).

use crate::app::Error;
use crate::domain::PAGE_SIZE;
use crate::domain::message::{Mailbox, MessageHeader};
use crate::store::messages::{self as repo, Entry, FACET_INBOX, FACET_OUTBOX, MailboxId};

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

/// One row of the mailbox page: the message's header (never its Text)
/// and its entry in the mailbox.
#[derive(Debug, Clone)]
pub struct Row {
    pub message: MessageHeader,
    pub entry: Entry,
}

#[derive(Debug, Clone)]
pub struct MailboxPage {
    pub rows: Vec<Row>,
    /// Matching messages in all (at least this many when `at_least`).
    pub total: usize,
    /// The count stopped at its budget: there may be more matches than
    /// `total` (a Betreff word in tens of thousands of messages).
    pub at_least: bool,
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
    let Some(key) = repo::id_of(tx, &mailbox.key())? else {
        // The mailbox never received a message.
        return Ok(MailboxPage {
            rows: Vec::new(),
            total: 0,
            at_least: false,
            page: 1,
        });
    };
    let key = &key;
    if !filter.referenz.trim().is_empty() {
        return conversation_page(tx, *key, filter, at);
    }
    if !crate::domain::search_text::query(&filter.subject).is_empty() || filter.mitglied.is_some() {
        return subject_page(tx, *key, filter, at);
    }
    let (total, at_least) = total(tx, *key, filter)?;
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
    repo::walk(tx, *key, &facets, newest_first, bound, |id, e| {
        if !filter.matches_entry(&e) {
            return Ok(true);
        }
        decoded += 1;
        let Some(m) = read.header(id)? else {
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
    Ok(MailboxPage {
        rows,
        total,
        at_least,
        page,
    })
}

/// The number of matching messages: the signature counters for every
/// filter on the covering entry; with a Betreff filter, a walk of the
/// driving index (bounded by [`SCAN_BUDGET`] decoded messages; true when
/// the budget ended the count, which is then a lower bound).
fn total(tx: &impl ReadAccess, key: MailboxId, filter: &Filter) -> Result<(usize, bool), Error> {
    if !filter.important && filter.read.is_none() && !filter.needs_message() {
        // Folders, Bereich and Thema only: the driving facets are disjoint
        // and hold exactly the matching entries — their counters add up
        // (a few point reads instead of the signature scan).
        let mut n = 0;
        for f in filter.driving() {
            n += repo::count(tx, key, f)?;
        }
        return Ok((n as usize, false));
    }
    if !filter.needs_message() {
        let n = repo::count_matching(tx, key, |e| filter.matches_entry(e))?;
        return Ok((n as usize, false));
    }
    let mut n = 0usize;
    let mut decoded = 0usize;
    let read = repo::Reader::new(tx)?;
    repo::walk(tx, key, &filter.driving(), true, None, |id, e| {
        if filter.matches_entry(&e) {
            decoded += 1;
            if read.header(id)?.is_some_and(|m| filter.matches_message(&m)) {
                n += 1;
            }
        }
        Ok(decoded < SCAN_BUDGET)
    })?;
    Ok((n, decoded >= SCAN_BUDGET))
}

/// Betreff matches counted for one page (ten pages, as the search counts
/// 200 hits); beyond, the count says "mindestens" and "Nächste Seite"
/// goes on. At 1,000 (with an entry lookup per match, before the facet
/// source checked the entry bits) the filter cost 134× the baseline at
/// 100k messages.
pub const SUBJECT_COUNT: usize = 200;
/// Work (index blocks and entries read) of one Betreff evaluation.
const SUBJECT_WORK: u64 = 200_000;

/// A Betreff or Mitglied filter: the mailbox's Betreff postings (German
/// search semantics: case, umlauts, word beginnings, compound parts),
/// every word ANDed, joined with the Kassenpostfach's Mitglied index and
/// the facets the rest of the filter names, checked on the covering
/// entries — exact, newest first, never a Text decoded.
fn subject_page(
    tx: &impl ReadAccess,
    key: MailboxId,
    filter: &Filter,
    at: PageAt,
) -> Result<MailboxPage, Error> {
    subject_page_within(tx, key, filter, at, SUBJECT_COUNT)
}

/// [`subject_page`] counting at most `count` matches.
fn subject_page_within(
    tx: &impl ReadAccess,
    key: MailboxId,
    filter: &Filter,
    at: PageAt,
    count: usize,
) -> Result<MailboxPage, Error> {
    use crate::store::search_index::{self, FacetSource, MemberSource};
    let words = crate::domain::search_text::query(&filter.subject);
    let facets = filter.driving();
    let keep = |e: Entry| filter.matches_entry(&e);
    let run = |below: Option<u64>, limit: usize| {
        let mut scope = FacetSource::new(tx, key, facets.clone())?.keeping(&keep);
        let mut member = match filter.mitglied {
            Some(org) => Some(MemberSource::new(tx, key, org)?),
            None => None,
        };
        let mut scopes: Vec<&mut dyn crate::store::postings::Source> = vec![&mut scope];
        if let Some(m) = member.as_mut() {
            scopes.push(m);
        }
        search_index::subject_within(
            tx,
            key,
            &words,
            &mut scopes,
            below,
            limit,
            SUBJECT_WORK,
            // The facet source admits only matching entries.
            |_| Ok(true),
        )
    };
    let all = run(None, count)?;
    let matched = &all.ids;
    let total = matched.len();
    let at_least = all.more;
    let last_page = total.div_ceil(PAGE_SIZE).max(1);
    let oldest = matched.last().copied().unwrap_or(0);
    let (page, shown): (usize, Vec<u64>) = match at {
        PageAt::First => (1, matched.iter().take(PAGE_SIZE).copied().collect()),
        PageAt::After(n, bound) if at_least && bound <= oldest => {
            (n.max(1), run(Some(bound), PAGE_SIZE)?.ids)
        }
        PageAt::After(n, bound) => (
            n.clamp(1, last_page),
            matched
                .iter()
                .filter(|id| **id < bound)
                .take(PAGE_SIZE)
                .copied()
                .collect(),
        ),
        PageAt::Before(n, bound) => {
            // Beyond the counted matches: the first n pages again.
            let ids = if at_least && bound <= oldest {
                run(None, n.saturating_mul(PAGE_SIZE))?.ids
            } else {
                matched.clone()
            };
            let newer: Vec<u64> = ids.iter().filter(|id| **id > bound).copied().collect();
            let start = newer.len().saturating_sub(PAGE_SIZE);
            (n.max(1), newer[start..].to_vec())
        }
        PageAt::Last => {
            let start = (last_page - 1) * PAGE_SIZE;
            (last_page, matched.iter().skip(start).copied().collect())
        }
    };
    let read = repo::Reader::new(tx)?;
    let mut rows = Vec::with_capacity(shown.len());
    for id in shown {
        if let (Some(message), Some(entry)) = (read.header(id)?, repo::entry_in(tx, key, id)?) {
            rows.push(Row { message, entry });
        }
    }
    Ok(MailboxPage {
        rows,
        total,
        at_least,
        page,
    })
}

/// Most messages of matching conversations a Referenz filter looks at
/// (a short beginning such as "2026" names every conversation of a year).
pub const REFERENZ_BUDGET: usize = 5_000;

/// A Referenz filter shows the conversations whose Referenz is the one
/// typed or begins with it (as far as they lie in this mailbox), newest
/// first, without the folder restriction.
fn conversation_page(
    tx: &impl ReadAccess,
    key: MailboxId,
    filter: &Filter,
    at: PageAt,
) -> Result<MailboxPage, Error> {
    let referenz = filter.referenz.trim();
    let mut rows = Vec::new();
    let read = repo::Reader::new(tx)?;
    let (mut ids, at_least) = repo::conversations_with_prefix(tx, referenz, REFERENZ_BUDGET)?;
    ids.sort_unstable_by(|a, b| b.cmp(a));
    for id in ids {
        let Some(e) = repo::entry_in(tx, key, id)? else {
            continue;
        };
        let relaxed = Filter {
            folders: Folder::ALL.to_vec(),
            ..filter.clone()
        };
        if !relaxed.matches_entry(&e) {
            continue;
        }
        if let Some(m) = read.header(id)?
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
    Ok(MailboxPage {
        rows,
        total,
        at_least,
        page,
    })
}

/// The Mitglieder of a Kassenpostfach's Bereich as (organisation id,
/// "Name (Mitgliedsnummer)"), for its Mitglied column and filter; `None`
/// for other mailboxes.
pub fn members(store: &Store, mailbox: &Mailbox) -> Result<Option<Vec<(u64, String)>>, Error> {
    let Mailbox::Kassen(b) = mailbox else {
        return Ok(None);
    };
    let orgs = store.read(crate::store::orgs::all)?;
    Ok(Some(
        orgs.into_iter()
            .filter(|o| o.bereiche.contains(b))
            .map(|o| (o.id, format!("{} ({})", o.name, o.number)))
            .collect(),
    ))
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
        let read = repo::Reader::new(tx)?;
        for mb in mailboxes {
            let Some(key) = repo::id_of(tx, &mb.key())? else {
                continue;
            };
            let facets: &[u16] = if incoming_only {
                &[FACET_INBOX]
            } else {
                &[FACET_INBOX, FACET_OUTBOX]
            };
            let mut ids = Vec::new();
            repo::walk(tx, key, facets, true, None, |id, e| {
                ids.push((id, e));
                Ok(ids.len() < limit)
            })?;
            for (id, e) in ids {
                if let Some(m) = read.header(id)? {
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
#[path = "list_tests.rs"]
mod list_tests;
