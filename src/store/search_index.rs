//! The message search index (schema 7) on block-encoded postings
//! (`store::postings`) in [`tables::SEARCH_TERMS`] and
//! [`tables::SEARCH_POSTINGS`]:
//!
//! * the header search: each message under the terms of its Betreff,
//!   Referenz and attachment names (with compound parts, so "auskunft"
//!   finds "Versorgungsauskunft") and of its Text (whole words, searched by
//!   their beginning), tagged with the Bereich code;
//! * the Betreff filter: per mailbox, the Betreff's terms (with compound
//!   parts) in the namespace `s<mailbox id>` + U+001F.
//!
//! A query ANDs one source per query word (the OR of its prefix
//! expansion) with a source of the ids the asker may see (the readable
//! mailboxes, or the facets a mailbox filter names): the join is exact
//! and its cost follows the sparsest side. See `domain::search_text` for
//! the semantics.

use redb::{ReadableTable, WriteTransaction};

use super::mailboxes::{self, Entry, MailboxId};
use super::postings::{self, End, Posting, Request, Seek, Source, TagSet, TermSource, Work};
use super::{Error, ReadAccess, tables};
use crate::domain::message::Message;
use crate::domain::search_text::{self, QueryWord};

/// Most dictionary terms one query word expands to; a word with more
/// (one or two letters) is "zu allgemein" rather than searched inexactly.
pub const MAX_EXPANSION: usize = 2_000;

/// The namespace of a mailbox's Betreff terms.
fn subject_ns(mailbox: MailboxId) -> String {
    format!("s{mailbox}\u{1f}")
}

/// The header search's terms of a message (sorted, distinct).
pub fn message_terms(m: &Message) -> Vec<String> {
    let names: Vec<&str> = m.attachments.iter().map(|a| a.name.as_str()).collect();
    let mut t = search_text::index_terms(&m.subject, true);
    t.extend(search_text::index_terms(&m.referenz, true));
    t.extend(search_text::index_terms(&names.join(" "), true));
    t.extend(search_text::index_terms(&m.text, false));
    t.sort();
    t.dedup();
    t
}

/// Whether a message matches a query: the rule the index answers (the
/// reference for tests).
pub fn message_matches(query: &[QueryWord], m: &Message) -> bool {
    let names: Vec<&str> = m.attachments.iter().map(|a| a.name.as_str()).collect();
    search_text::matches(
        query,
        &[
            (&m.subject, true),
            (&m.referenz, true),
            (&names.join(" "), true),
            (&m.text, false),
        ],
    )
}

/// Indexes a new message for the header search.
pub fn index_message(tx: &WriteTransaction, m: &Message) -> Result<(), Error> {
    let mut dict = tx.open_table(tables::SEARCH_TERMS)?;
    let mut post = tx.open_table(tables::SEARCH_POSTINGS)?;
    let terms = message_terms(m);
    postings::index_document(
        &mut dict,
        &mut post,
        m.id,
        m.bereich.code(),
        terms.iter().map(String::as_str),
    )
}

/// Removes a message from the header search.
pub fn unindex_message(tx: &WriteTransaction, m: &Message) -> Result<(), Error> {
    let mut dict = tx.open_table(tables::SEARCH_TERMS)?;
    let mut post = tx.open_table(tables::SEARCH_POSTINGS)?;
    let terms = message_terms(m);
    postings::unindex_document(&mut dict, &mut post, m.id, terms.iter().map(String::as_str))
}

fn subject_terms(mailbox: MailboxId, subject: &str) -> Vec<String> {
    let ns = subject_ns(mailbox);
    search_text::subject_terms(subject)
        .into_iter()
        .map(|t| format!("{ns}{t}"))
        .collect()
}

/// Indexes the Betreff of message `id` in `mailbox` (Betreff filter).
pub fn index_subject(
    tx: &WriteTransaction,
    mailbox: MailboxId,
    id: u64,
    subject: &str,
) -> Result<(), Error> {
    let mut dict = tx.open_table(tables::SEARCH_TERMS)?;
    let mut post = tx.open_table(tables::SEARCH_POSTINGS)?;
    let terms = subject_terms(mailbox, subject);
    postings::index_document(
        &mut dict,
        &mut post,
        id,
        0,
        terms.iter().map(String::as_str),
    )
}

/// Removes the Betreff of message `id` from `mailbox`'s index.
pub fn unindex_subject(
    tx: &WriteTransaction,
    mailbox: MailboxId,
    id: u64,
    subject: &str,
) -> Result<(), Error> {
    let mut dict = tx.open_table(tables::SEARCH_TERMS)?;
    let mut post = tx.open_table(tables::SEARCH_POSTINGS)?;
    let terms = subject_terms(mailbox, subject);
    postings::unindex_document(&mut dict, &mut post, id, terms.iter().map(String::as_str))
}

/// The ids in any of several mailboxes (the readable ones), as a join
/// operand: the greatest entry ≤ x of each mailbox.
pub struct MailboxSource<'a, R: ReadAccess + 'a> {
    entries: R::Table<'a, (u32, u64), u16>,
    mailboxes: Vec<MailboxId>,
    estimate: u64,
}

impl<'a, R: ReadAccess> MailboxSource<'a, R> {
    pub fn new(tx: &'a R, mailboxes: Vec<MailboxId>) -> Result<Self, Error> {
        let mut estimate = 0;
        for mb in &mailboxes {
            for f in [
                mailboxes::FACET_INBOX,
                mailboxes::FACET_OUTBOX,
                mailboxes::FACET_ARCHIVE,
            ] {
                estimate += mailboxes::count(tx, *mb, f)?;
            }
        }
        Ok(Self {
            entries: tx.open(tables::MAILBOX_ENTRIES)?,
            mailboxes,
            estimate,
        })
    }
}

impl<R: ReadAccess> Source for MailboxSource<'_, R> {
    fn seek(&mut self, x: u64, work: &mut Work) -> Result<Seek, Error> {
        let mut best: Option<u64> = None;
        for mb in &self.mailboxes {
            work.add(1);
            if let Some(item) = self.entries.range((*mb, 0)..=(*mb, x))?.next_back() {
                let id = item?.0.value().1;
                if best.is_none_or(|b| id > b) {
                    best = Some(id);
                }
            }
        }
        Ok(best.map_or(Seek::End, |id| Seek::Found(Posting { id, tag: 0 })))
    }

    fn estimate(&self) -> u64 {
        self.estimate
    }
}

/// The ids of one mailbox under any of several (disjoint) facets, as a
/// join operand (the folders and facets a mailbox filter names).
pub struct FacetSource<'a, R: ReadAccess + 'a> {
    index: R::Table<'a, (u32, u16, u64), u16>,
    mailbox: MailboxId,
    facets: Vec<u16>,
    estimate: u64,
    keep: Option<&'a dyn Fn(Entry) -> bool>,
}

impl<'a, R: ReadAccess> FacetSource<'a, R> {
    pub fn new(tx: &'a R, mailbox: MailboxId, facets: Vec<u16>) -> Result<Self, Error> {
        let mut estimate = 0;
        for f in &facets {
            estimate += mailboxes::count(tx, mailbox, *f)?;
        }
        Ok(Self {
            index: tx.open(tables::MAILBOX_FACETS)?,
            mailbox,
            facets,
            estimate,
            keep: None,
        })
    }

    /// Yields only the ids whose entry (the bits the facet index keeps
    /// beside each id) `keep` admits: a combined filter (wichtig,
    /// Lesestatus, Bereich, Thema) is decided on the facet leaves the
    /// source reads anyway, without a lookup per candidate.
    pub fn keeping(mut self, keep: &'a dyn Fn(Entry) -> bool) -> Self {
        self.keep = Some(keep);
        self
    }
}

impl<R: ReadAccess> Source for FacetSource<'_, R> {
    fn seek(&mut self, x: u64, work: &mut Work) -> Result<Seek, Error> {
        let mut best: Option<u64> = None;
        // The highest id below which a facet paused (budget spent):
        // nothing kept lies above it in that facet.
        let mut paused: Option<u64> = None;
        for f in &self.facets {
            let range = self
                .index
                .range((self.mailbox, *f, 0)..=(self.mailbox, *f, x))?
                .rev();
            for item in range {
                let (key, bits) = item?;
                let id = key.value().2;
                work.add(1);
                if best.is_some_and(|b| id <= b) {
                    break;
                }
                if self
                    .keep
                    .is_none_or(|keep| keep(Entry::unpack(bits.value())))
                {
                    best = Some(id);
                    break;
                }
                if work.spent() {
                    paused = Some(paused.map_or(id, |p| p.max(id)));
                    break;
                }
            }
        }
        Ok(match (best, paused) {
            (Some(b), Some(p)) if b < p => Seek::Below(p),
            (None, Some(p)) => Seek::Below(p),
            (Some(id), _) => Seek::Found(Posting { id, tag: 0 }),
            (None, None) => Seek::End,
        })
    }

    fn estimate(&self) -> u64 {
        self.estimate
    }
}

/// The messages of one Mitglied in a Kassenpostfach, as a join operand.
pub struct MemberSource<'a, R: ReadAccess + 'a> {
    table: R::Table<'a, (u32, u64, u64), ()>,
    mailbox: MailboxId,
    org: u64,
}

impl<'a, R: ReadAccess> MemberSource<'a, R> {
    pub fn new(tx: &'a R, mailbox: MailboxId, org: u64) -> Result<Self, Error> {
        Ok(Self {
            table: tx.open(tables::MAILBOX_MEMBERS)?,
            mailbox,
            org,
        })
    }
}

impl<R: ReadAccess> Source for MemberSource<'_, R> {
    fn seek(&mut self, x: u64, work: &mut Work) -> Result<Seek, Error> {
        work.add(1);
        let (mb, org) = (self.mailbox, self.org);
        Ok(
            match self.table.range((mb, org, 0)..=(mb, org, x))?.next_back() {
                Some(item) => Seek::Found(Posting {
                    id: item?.0.value().2,
                    tag: 0,
                }),
                None => Seek::End,
            },
        )
    }

    fn estimate(&self) -> u64 {
        // Unknown without a counter: a Mitglied is usually the sparse side.
        0
    }
}

/// The result of a query evaluation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// Matching ids, newest first.
    pub ids: Vec<u64>,
    /// Where the next page starts (its `below`), if anything is left.
    pub next: Option<u64>,
    /// More matches than asked for exist (or the work budget ended the
    /// walk before deciding).
    pub more: bool,
    /// A query word expands to more terms than [`MAX_EXPANSION`]: nothing
    /// was searched ("zu allgemein").
    pub too_general: bool,
}

/// One term source per query word (in `namespace`), for [`evaluate`].
fn word_sources<'t, T: ReadableTable<postings::PostingKey, postings::PostingValue>>(
    dict: &impl ReadableTable<&'static str, postings::DictValue>,
    post: &'t T,
    words: &[QueryWord],
    namespace: &str,
    tags: TagSet,
) -> Result<Option<Vec<TermSource<'t, T>>>, Error> {
    let mut out = Vec::new();
    for w in words {
        let prefixes: Vec<String> = w
            .prefixes()
            .into_iter()
            .map(|p| format!("{namespace}{p}"))
            .collect();
        let e = postings::expand_all(dict, &prefixes, MAX_EXPANSION)?;
        if !e.complete {
            return Ok(None);
        }
        out.push(TermSource::new(post, &e.terms, tags));
    }
    Ok(Some(out))
}

/// The header search: messages matching every word of `words` among the
/// ids `scope` yields, newest first, below `below`, at most `limit`, each
/// admitted by `accept`. `tags` limits the Bereiche.
#[allow(clippy::too_many_arguments)]
pub fn search<R: ReadAccess>(
    tx: &R,
    words: &[QueryWord],
    scope: &mut dyn Source,
    tags: TagSet,
    below: Option<u64>,
    limit: usize,
    budget: u64,
    accept: impl FnMut(u64) -> Result<bool, Error>,
) -> Result<Found, Error> {
    evaluate(tx, words, "", scope, tags, below, limit, budget, accept)
}

/// The Betreff filter of `mailbox`: ids whose Betreff matches every word,
/// among those `scope` yields, newest first, each admitted by `accept`.
#[allow(clippy::too_many_arguments)]
pub fn subject<R: ReadAccess>(
    tx: &R,
    mailbox: MailboxId,
    words: &[QueryWord],
    scope: &mut dyn Source,
    below: Option<u64>,
    limit: usize,
    budget: u64,
    accept: impl FnMut(u64) -> Result<bool, Error>,
) -> Result<Found, Error> {
    subject_within(
        tx,
        mailbox,
        words,
        &mut [scope],
        below,
        limit,
        budget,
        accept,
    )
}

/// [`subject`] with several scopes ANDed (e.g. the filter's facets and a
/// Mitglied); with no words, the AND of the scopes alone.
#[allow(clippy::too_many_arguments)]
pub fn subject_within<R: ReadAccess>(
    tx: &R,
    mailbox: MailboxId,
    words: &[QueryWord],
    scopes: &mut [&mut dyn Source],
    below: Option<u64>,
    limit: usize,
    budget: u64,
    accept: impl FnMut(u64) -> Result<bool, Error>,
) -> Result<Found, Error> {
    evaluate_all(
        tx,
        words,
        &subject_ns(mailbox),
        scopes,
        TagSet::ALL,
        below,
        limit,
        budget,
        accept,
    )
}

#[allow(clippy::too_many_arguments)]
fn evaluate<R: ReadAccess>(
    tx: &R,
    words: &[QueryWord],
    namespace: &str,
    scope: &mut dyn Source,
    tags: TagSet,
    below: Option<u64>,
    limit: usize,
    budget: u64,
    accept: impl FnMut(u64) -> Result<bool, Error>,
) -> Result<Found, Error> {
    if words.is_empty() {
        return Ok(Found {
            ids: Vec::new(),
            next: None,
            more: false,
            too_general: false,
        });
    }
    evaluate_all(
        tx,
        words,
        namespace,
        &mut [scope],
        tags,
        below,
        limit,
        budget,
        accept,
    )
}

#[allow(clippy::too_many_arguments)]
fn evaluate_all<R: ReadAccess>(
    tx: &R,
    words: &[QueryWord],
    namespace: &str,
    scopes: &mut [&mut dyn Source],
    tags: TagSet,
    below: Option<u64>,
    limit: usize,
    budget: u64,
    mut accept: impl FnMut(u64) -> Result<bool, Error>,
) -> Result<Found, Error> {
    let nothing = |too_general| Found {
        ids: Vec::new(),
        next: None,
        more: false,
        too_general,
    };
    let dict = tx.open(tables::SEARCH_TERMS)?;
    let post = tx.open(tables::SEARCH_POSTINGS)?;
    let Some(mut sources) = word_sources(&dict, &post, words, namespace, tags)? else {
        return Ok(nothing(true));
    };
    let mut all: Vec<&mut dyn Source> = sources.iter_mut().map(|s| s as &mut dyn Source).collect();
    for s in scopes.iter_mut() {
        all.push(&mut **s);
    }
    let page = postings::evaluate(
        &mut all,
        &Request {
            below,
            limit,
            budget,
        },
        |p| accept(p.id),
    )?;
    Ok(Found {
        ids: page.hits.iter().map(|h| h.id).collect(),
        next: page.next,
        more: page.end != End::Exhausted,
        too_general: false,
    })
}

/// Bulk indexing in ascending message id order (the migration): postings
/// are collected per term and appended to each list's last block in full
/// blocks, the terms in key order, instead of one block rewrite per
/// posting.
#[derive(Default)]
pub struct BulkIndex {
    pending: std::collections::BTreeMap<String, Vec<Posting>>,
    postings: usize,
}

impl BulkIndex {
    /// Postings collected before [`BulkIndex::flush_if_full`] writes them.
    const BATCH: usize = 2_000_000;

    /// Adds the header search's terms of a message.
    pub fn add_message(&mut self, m: &Message) {
        for t in message_terms(m) {
            self.add(t, m.id, m.bereich.code());
        }
    }

    /// Adds the Betreff terms of message `id` in `mailbox`.
    pub fn add_subject(&mut self, mailbox: MailboxId, id: u64, subject: &str) {
        for t in subject_terms(mailbox, subject) {
            self.add(t, id, 0);
        }
    }

    fn add(&mut self, term: String, id: u64, tag: u8) {
        self.pending
            .entry(term)
            .or_default()
            .push(Posting { id, tag });
        self.postings += 1;
    }

    /// Writes the collected postings when the batch is full.
    pub fn flush_if_full(&mut self, tx: &WriteTransaction) -> Result<(), Error> {
        if self.postings >= Self::BATCH {
            self.flush(tx)?;
        }
        Ok(())
    }

    /// Writes the collected postings (ids must be greater than every id
    /// already in the lists).
    pub fn flush(&mut self, tx: &WriteTransaction) -> Result<(), Error> {
        let mut dict = tx.open_table(tables::SEARCH_TERMS)?;
        let mut post = tx.open_table(tables::SEARCH_POSTINGS)?;
        for (term, mut list) in std::mem::take(&mut self.pending) {
            let term_id = postings::intern(&mut dict, &term)?;
            let last = match post.range((term_id, 0)..=(term_id, u64::MAX))?.next_back() {
                Some(item) => {
                    let (k, v) = item?;
                    let first = k.value().1;
                    Some((first, postings::decode_block(first, v.value())?))
                }
                None => None,
            };
            let new = list.len();
            if let Some((first, block)) = last
                && block.len() < postings::BLOCK_SIZE
            {
                post.remove((term_id, first))?;
                let mut joined = block;
                joined.extend(list);
                list = joined;
            }
            for (first, bytes) in postings::blocks(&list) {
                post.insert((term_id, first), bytes.as_slice())?;
            }
            let docs = dict.get(term.as_str())?.map_or(0, |v| v.value().1);
            let docs = docs.saturating_add(u32::try_from(new).unwrap_or(u32::MAX));
            dict.insert(term.as_str(), (term_id, docs))?;
        }
        self.postings = 0;
        Ok(())
    }
}
