//! The mailbox page: filters (quick filters and the filter menu) answered
//! from the facet index with keyset paging. The driving index is the most
//! selective facet the filter names; the rest is checked on the covering
//! entry, and only Betreff and Thema need the message itself (bounded by a
//! scan budget).

use crate::app::Error;
use crate::domain::PAGE_SIZE;
use crate::domain::message::{Direction, Mailbox, Message};
use crate::domain::org::Bereich;
use crate::store::messages::{self as repo, Entry, FACET_ARCHIVE, FACET_IMPORTANT, FACET_INBOX};
use crate::store::messages::{FACET_OUTBOX, FACET_UNREAD};
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
        let folder = if e.marks.archived {
            Folder::Archiviert
        } else if e.direction == Direction::Incoming {
            Folder::Eingehend
        } else {
            Folder::Ausgehend
        };
        self.folders.contains(&folder)
            && (!self.important || e.marks.important)
            && self.read.is_none_or(|r| r != e.marks.unread)
            && self.bereich.is_none_or(|b| b == e.bereich)
    }

    fn needs_message(&self) -> bool {
        !self.subject.trim().is_empty() || !self.thema.is_empty()
    }

    fn matches_message(&self, m: &Message) -> bool {
        let s = self.subject.trim().to_lowercase();
        (s.is_empty() || m.subject.to_lowercase().contains(&s))
            && (self.thema.is_empty() || m.thema == self.thema)
    }

    /// The facets to walk: one selective facet, or the chosen folders.
    fn driving(&self) -> Vec<u8> {
        if self.important {
            vec![FACET_IMPORTANT]
        } else if self.read == Some(false) {
            vec![FACET_UNREAD]
        } else {
            self.folders.iter().map(|f| f.facet()).collect()
        }
    }

    /// Whether the folder counters alone answer the total.
    fn counted(&self) -> bool {
        !self.important
            && self.read.is_none()
            && self.bereich.is_none()
            && !self.needs_message()
            && self.referenz.trim().is_empty()
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

/// The number of matching messages: stored counters, or a walk of the
/// index checking the covering entries (and the budget for Betreff/Thema).
fn total(tx: &impl ReadAccess, key: &str, filter: &Filter) -> Result<usize, Error> {
    if filter.counted() {
        let mut n = 0;
        for f in &filter.folders {
            n += repo::count(tx, key, f.facet())?;
        }
        return Ok(n as usize);
    }
    let mut n = 0usize;
    let mut decoded = 0usize;
    repo::walk(tx, key, &filter.driving(), true, None, |id| {
        let Some(e) = repo::entry(tx, key, id)? else {
            return Ok(true);
        };
        if filter.matches_entry(&e) {
            if filter.needs_message() {
                decoded += 1;
                if repo::get(tx, id)?.is_some_and(|m| filter.matches_message(&m)) {
                    n += 1;
                }
            } else {
                n += 1;
            }
        }
        Ok(decoded < SCAN_BUDGET)
    })?;
    Ok(n)
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
    use super::*;

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
