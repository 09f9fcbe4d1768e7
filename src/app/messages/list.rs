//! The mailbox page: filters (quick filters and the filter menu) answered
//! from the facet index with keyset paging. The driving index is the most
//! selective facet the filter names; the rest is checked on the covering
//! entry, and only Betreff and Thema need the message itself (bounded by a
//! scan budget).

use crate::app::Error;
use crate::domain::PAGE_SIZE;
use crate::domain::message;
use crate::domain::message::{Mailbox, Message};
use crate::domain::message_search::terms;
use crate::domain::org::Bereich;
use crate::store::messages::{self as repo, Entry, FACET_ARCHIVE, FACET_IMPORTANT, FACET_INBOX};
use crate::store::messages::{FACET_OUTBOX, FACET_UNREAD, facet_bereich, facet_thema};
use crate::store::{ReadAccess, Store};

/// Most messages decoded to answer one page with a Betreff or Thema filter.
pub const SCAN_BUDGET: usize = 5_000;

/// The folders of the "Postfach" multi-select.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Folder {
    Archiviert,
    Ausgehend,
    Eingehend,
}

impl Folder {
    pub const ALL: [Folder; 3] = [Folder::Archiviert, Folder::Ausgehend, Folder::Eingehend];

    pub fn label(self) -> &'static str {
        match self {
            Folder::Archiviert => "Archiviert",
            Folder::Ausgehend => "Ausgehend",
            Folder::Eingehend => "Eingehend",
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            Folder::Archiviert => "archiviert",
            Folder::Ausgehend => "ausgehend",
            Folder::Eingehend => "eingehend",
        }
    }

    pub fn from_key(k: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.key() == k)
    }

    fn facet(self) -> u8 {
        match self {
            Folder::Archiviert => FACET_ARCHIVE,
            Folder::Ausgehend => FACET_OUTBOX,
            Folder::Eingehend => FACET_INBOX,
        }
    }
}

/// Every filter of the mailbox page; lives in the URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filter {
    /// "Postfach": the folders shown (default Ausgehend + Eingehend).
    pub folders: Vec<Folder>,
    /// "als wichtig markiert".
    pub important: bool,
    /// "Lesestatus": `Some(false)` = ungelesen, `Some(true)` = gelesen.
    pub read: Option<bool>,
    pub subject: String,
    pub referenz: String,
    pub bereich: Option<Bereich>,
    pub thema: String,
}

impl Default for Filter {
    fn default() -> Self {
        Self {
            folders: vec![Folder::Ausgehend, Folder::Eingehend],
            important: false,
            read: None,
            subject: String::new(),
            referenz: String::new(),
            bereich: None,
            thema: String::new(),
        }
    }
}

impl Filter {
    /// Whether anything differs from the default (the mark on "Filter").
    pub fn is_active(&self) -> bool {
        *self != Filter::default()
    }

    fn matches_entry(&self, e: &Entry) -> bool {
        let folder = match e.folder() {
            FACET_ARCHIVE => Folder::Archiviert,
            FACET_INBOX => Folder::Eingehend,
            _ => Folder::Ausgehend,
        };
        self.folders.contains(&folder)
            && (!self.important || e.marks.important)
            && self.read.is_none_or(|r| r != e.marks.unread)
            && self.bereich.is_none_or(|b| b == e.bereich)
            && (self.thema.is_empty() || e.thema_name() == Some(self.thema.as_str()))
    }

    fn needs_message(&self) -> bool {
        !self.subject.trim().is_empty()
    }

    /// Betreff: every word typed begins a word of the Betreff
    /// (case-insensitive), as the per-mailbox word index answers it.
    fn matches_message(&self, m: &Message) -> bool {
        let wanted = terms(&self.subject);
        if wanted.is_empty() {
            let s = self.subject.trim().to_lowercase();
            return s.is_empty() || m.subject.to_lowercase().contains(&s);
        }
        let words = terms(&m.subject);
        wanted
            .iter()
            .all(|w| words.iter().any(|x| x.starts_with(w.as_str())))
    }

    /// The facets to walk: the most selective index the filter names
    /// (disjoint facets, merged in time order); the rest is checked on
    /// the covering entry.
    fn driving(&self) -> Vec<u8> {
        if self.important {
            return vec![FACET_IMPORTANT];
        }
        if self.read == Some(false) {
            return vec![FACET_UNREAD];
        }
        let bereiche: Vec<(u8, Bereich)> = Bereich::ALL
            .into_iter()
            .enumerate()
            .filter(|(_, b)| self.bereich.is_none_or(|x| x == *b))
            .map(|(i, b)| (i as u8, b))
            .collect();
        let mut out = Vec::new();
        for f in &self.folders {
            let folder = f.facet();
            if !self.thema.is_empty() {
                for (bi, b) in &bereiche {
                    if let Some(t) = message::themen(*b).iter().position(|t| *t == self.thema) {
                        out.push(facet_thema(folder, *bi, (t + 1).min(7) as u8));
                    }
                }
            } else if self.bereich.is_some() {
                for (bi, _) in &bereiche {
                    out.push(facet_bereich(folder, *bi));
                }
            } else {
                out.push(folder);
            }
        }
        out
    }
}

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
    repo::walk(tx, &key, &facets, newest_first, bound, |id| {
        let Some(e) = repo::entry(tx, &key, id)? else {
            return Ok(true);
        };
        if !filter.matches_entry(&e) {
            return Ok(true);
        }
        decoded += 1;
        let Some(m) = repo::get(tx, id)? else {
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
    if !filter.needs_message() {
        return Ok(repo::count_matching(tx, key, |e| filter.matches_entry(e))? as usize);
    }
    let mut n = 0usize;
    let mut decoded = 0usize;
    repo::walk(tx, key, &filter.driving(), true, None, |id| {
        let Some(e) = repo::entry(tx, key, id)? else {
            return Ok(true);
        };
        if filter.matches_entry(&e) {
            decoded += 1;
            if repo::get(tx, id)?.is_some_and(|m| filter.matches_message(&m)) {
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
    let driver = words
        .iter()
        .max_by_key(|w| w.chars().count())
        .cloned()
        .unwrap_or_default();
    let mut ids = repo::ids_with_subject_prefix(tx, key, &driver, SUBJECT_BUDGET)?;
    ids.sort_unstable_by(|a, b| b.cmp(a));
    ids.dedup();
    let mut matched = Vec::new();
    for id in ids {
        let Some(e) = repo::entry(tx, key, id)? else {
            continue;
        };
        if !filter.matches_entry(&e) {
            continue;
        }
        if words.len() > 1 && !repo::get(tx, id)?.is_some_and(|m| filter.matches_message(&m)) {
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
        if let Some(message) = repo::get(tx, id)? {
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

impl Filter {
    /// The filter as URL query pairs (only what differs from the default).
    pub fn to_query(&self) -> Vec<(&'static str, String)> {
        let mut q = Vec::new();
        if self.folders != Filter::default().folders {
            for f in &self.folders {
                q.push(("postfach", f.key().to_owned()));
            }
            if self.folders.is_empty() {
                q.push(("postfach", "keins".to_owned()));
            }
        }
        if self.important {
            q.push(("wichtig", "1".to_owned()));
        }
        match self.read {
            Some(false) => q.push(("lesestatus", "ungelesen".to_owned())),
            Some(true) => q.push(("lesestatus", "gelesen".to_owned())),
            None => {}
        }
        for (k, v) in [
            ("betreff", &self.subject),
            ("referenz", &self.referenz),
            ("thema", &self.thema),
        ] {
            if !v.trim().is_empty() {
                q.push((k, v.trim().to_owned()));
            }
        }
        if let Some(b) = self.bereich {
            q.push(("bereich", b.key().to_owned()));
        }
        q
    }

    /// Reads the filter from URL query pairs; unknown values are ignored.
    pub fn from_query(pairs: &[(String, String)]) -> Filter {
        let mut f = Filter::default();
        let folders: Vec<&str> = pairs
            .iter()
            .filter(|(k, _)| k == "postfach")
            .map(|(_, v)| v.as_str())
            .collect();
        if !folders.is_empty() {
            f.folders = Folder::ALL
                .into_iter()
                .filter(|x| folders.contains(&x.key()))
                .collect();
        }
        let get = |name: &str| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.chars().take(200).collect::<String>())
                .unwrap_or_default()
        };
        f.important = get("wichtig") == "1";
        f.read = match get("lesestatus").as_str() {
            "ungelesen" => Some(false),
            "gelesen" => Some(true),
            _ => None,
        };
        f.subject = get("betreff").trim().to_owned();
        f.referenz = get("referenz").trim().to_owned();
        f.bereich = Bereich::from_key(&get("bereich"));
        let thema = get("thema");
        f.thema = if Bereich::ALL
            .into_iter()
            .any(|b| crate::domain::message::is_thema(b, &thema))
        {
            thema
        } else {
            String::new()
        };
        f
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::app::messages::{NewMessage, store_message};
    use crate::domain::message::Marks;
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

    #[test]
    fn filters_round_trip_through_the_url() {
        let f = Filter {
            folders: vec![Folder::Archiviert],
            important: true,
            read: Some(false),
            subject: "Beiträge".into(),
            referenz: "2026-000001".into(),
            bereich: Some(Bereich::Beihilfe),
            thema: "Abrechnung".into(),
        };
        let pairs: Vec<(String, String)> = f
            .to_query()
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect();
        assert_eq!(Filter::from_query(&pairs), f);
        assert!(Filter::from_query(&[]).to_query().is_empty());
        assert!(!Filter::default().is_active());
    }
}
