//! Messages, the mailboxes they lie in (with per-mailbox marks), the facet
//! index the mailbox pages and filters page through, conversations by
//! Referenz and the search terms — all kept in step in one transaction.

use redb::{ReadableTable, WriteTransaction};

use super::{Error, ReadAccess, blobs, codec, counters, tables};
use crate::domain::message::{Direction, Marks, Message};
use crate::domain::org::Bereich;

const TABLE: &str = "messages";

/// Facets of [`tables::MAILBOX_INDEX`]: the folders (Eingang, Ausgang,
/// Archiv — each entry is in exactly one), wichtig, ungelesen, and the
/// folder combined with the Bereich and with Bereich and Thema, so that
/// every filter of the mailbox page has an index to walk.
pub const FACET_INBOX: u8 = 0;
pub const FACET_OUTBOX: u8 = 1;
pub const FACET_ARCHIVE: u8 = 2;
pub const FACET_IMPORTANT: u8 = 3;
pub const FACET_UNREAD: u8 = 4;

/// Facet of a folder and a Bereich (index in `Bereich::ALL`).
pub fn facet_bereich(folder: u8, bereich: u8) -> u8 {
    16 + folder * 4 + bereich
}

/// Facet of a folder, a Bereich and a Thema (1-based index in the
/// Bereich's Themen).
pub fn facet_thema(folder: u8, bereich: u8, thema: u8) -> u8 {
    64 + folder * 32 + bereich * 8 + thema
}

/// One message in one mailbox: its marks, direction, Bereich and Thema,
/// packed into the covering value of [`tables::MAILBOX_ENTRIES`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    pub marks: Marks,
    pub direction: Direction,
    pub bereich: Bereich,
    /// 1-based index of the Thema in `message::themen(bereich)`; 0 when
    /// unknown.
    pub thema: u8,
}

impl Entry {
    pub fn new(marks: Marks, direction: Direction, bereich: Bereich, thema: &str) -> Self {
        Self {
            marks,
            direction,
            bereich,
            thema: crate::domain::message::themen(bereich)
                .iter()
                .position(|t| *t == thema)
                .map_or(0, |i| (i + 1).min(7) as u8),
        }
    }

    fn bereich_index(self) -> u8 {
        Bereich::ALL
            .iter()
            .position(|x| *x == self.bereich)
            .unwrap_or(0) as u8
    }

    pub fn pack(self) -> u16 {
        let dir = u16::from(self.direction == Direction::Outgoing) << 3;
        u16::from(self.marks.bits())
            | dir
            | (u16::from(self.bereich_index()) << 4)
            | (u16::from(self.thema & 7) << 6)
    }

    pub fn unpack(v: u16) -> Self {
        Self {
            marks: Marks::from_bits((v & 7) as u8),
            direction: if v & 8 != 0 {
                Direction::Outgoing
            } else {
                Direction::Incoming
            },
            bereich: Bereich::ALL
                .get(usize::from((v >> 4) & 3))
                .copied()
                .unwrap_or(Bereich::Beamtenversorgung),
            thema: ((v >> 6) & 7) as u8,
        }
    }

    /// The Thema's name, if known.
    pub fn thema_name(self) -> Option<&'static str> {
        let i = usize::from(self.thema).checked_sub(1)?;
        crate::domain::message::themen(self.bereich).get(i).copied()
    }

    /// The folder facet: Archiv, Eingang or Ausgang.
    pub fn folder(self) -> u8 {
        if self.marks.archived {
            FACET_ARCHIVE
        } else if self.direction == Direction::Incoming {
            FACET_INBOX
        } else {
            FACET_OUTBOX
        }
    }

    /// The facets this entry is listed under.
    pub fn facets(self) -> Vec<u8> {
        let folder = self.folder();
        let b = self.bereich_index();
        let mut f = Vec::with_capacity(5);
        f.push(folder);
        f.push(facet_bereich(folder, b));
        if self.thema > 0 {
            f.push(facet_thema(folder, b, self.thema));
        }
        if self.marks.important {
            f.push(FACET_IMPORTANT);
        }
        if self.marks.unread {
            f.push(FACET_UNREAD);
        }
        f
    }

    /// The name of the counter of entries with the same folder, marks,
    /// Bereich and Thema (see [`count_matching`]).
    fn signature(self, mailbox: &str) -> String {
        format!(
            "msg.{mailbox}.s.{}.{}.{}.{}.{}",
            self.folder(),
            u8::from(self.marks.important),
            u8::from(self.marks.unread),
            self.bereich_index(),
            self.thema
        )
    }

    fn from_signature(rest: &str) -> Option<Entry> {
        let mut it = rest.split('.').map(|p| p.parse::<u8>().ok());
        let (folder, imp, unread, b, thema) = (
            it.next()??,
            it.next()??,
            it.next()??,
            it.next()??,
            it.next()??,
        );
        let bereich = *Bereich::ALL.get(usize::from(b))?;
        Some(Entry {
            marks: Marks {
                unread: unread == 1,
                important: imp == 1,
                archived: folder == FACET_ARCHIVE,
            },
            direction: if folder == FACET_INBOX {
                Direction::Incoming
            } else {
                Direction::Outgoing
            },
            bereich,
            thema,
        })
    }
}

fn counter(mailbox: &str, facet: u8) -> String {
    format!("msg.{mailbox}.{facet}")
}

/// The number of entries of `mailbox` that `matches` accepts, summed over
/// the stored counters of each (folder, marks, Bereich, Thema) signature —
/// a few hundred counters at most, whatever the size of the mailbox.
/// (For an archived entry the direction is not part of the signature;
/// `matches` must not depend on it there.)
pub fn count_matching(
    tx: &impl ReadAccess,
    mailbox: &str,
    matches: impl Fn(&Entry) -> bool,
) -> Result<u64, Error> {
    let prefix = format!("msg.{mailbox}.s.");
    let mut n = 0;
    counters::scan_prefix(tx, &prefix, |name, value| {
        if let Some(e) = Entry::from_signature(&name[prefix.len()..])
            && matches(&e)
        {
            n += value;
        }
    })?;
    Ok(n)
}

pub fn next_id(tx: &WriteTransaction) -> Result<u64, Error> {
    super::next_id(tx, "message")
}

pub fn get(tx: &impl ReadAccess, id: u64) -> Result<Option<Message>, Error> {
    match tx.open(tables::MESSAGES)?.get(id)? {
        Some(v) => Ok(Some(codec::decode(TABLE, v.value())?)),
        None => Ok(None),
    }
}

/// Stores a new message with its conversation and search entries (the
/// mailbox entries are added with [`set_entry`]).
pub fn insert(tx: &WriteTransaction, m: &Message) -> Result<(), Error> {
    let bytes = codec::encode(TABLE, m)?;
    tx.open_table(tables::MESSAGES)?
        .insert(m.id, bytes.as_slice())?;
    tx.open_table(tables::MESSAGES_BY_REF)?
        .insert((m.referenz.as_str(), m.id), ())?;
    let mut terms = tx.open_table(tables::MESSAGE_TERMS)?;
    for t in terms_of(m) {
        terms.insert((t.as_str(), m.id), ())?;
    }
    Ok(())
}

/// The distinct search terms of a message (Betreff, Text, Referenz).
pub fn terms_of(m: &Message) -> Vec<String> {
    let mut t = crate::domain::message_search::terms(&m.subject);
    t.extend(crate::domain::message_search::terms(&m.text));
    t.push(m.referenz.to_lowercase());
    t.sort();
    t.dedup();
    t
}

/// Entries and messages read through tables opened once per snapshot (a
/// page reads dozens: opening a table per read cost more than the read).
pub struct Reader<'a, R: ReadAccess + 'a> {
    entries: R::Table<'a, (&'static str, u64), u16>,
    messages: R::Table<'a, u64, &'static [u8]>,
}

impl<'a, R: ReadAccess> Reader<'a, R> {
    pub fn new(tx: &'a R) -> Result<Self, Error> {
        Ok(Self {
            entries: tx.open(tables::MAILBOX_ENTRIES)?,
            messages: tx.open(tables::MESSAGES)?,
        })
    }

    /// The message's entry in `mailbox`, if it lies there.
    pub fn entry(&self, mailbox: &str, id: u64) -> Result<Option<Entry>, Error> {
        Ok(self
            .entries
            .get((mailbox, id))?
            .map(|v| Entry::unpack(v.value())))
    }

    pub fn message(&self, id: u64) -> Result<Option<Message>, Error> {
        match self.messages.get(id)? {
            Some(v) => Ok(Some(codec::decode(TABLE, v.value())?)),
            None => Ok(None),
        }
    }
}

/// The message's entry in `mailbox`, if it lies there.
pub fn entry(tx: &impl ReadAccess, mailbox: &str, id: u64) -> Result<Option<Entry>, Error> {
    Ok(tx
        .open(tables::MAILBOX_ENTRIES)?
        .get((mailbox, id))?
        .map(|v| Entry::unpack(v.value())))
}

/// Adds or changes the message's entry in `mailbox`, keeping the facet
/// index and counters in step.
pub fn set_entry(tx: &WriteTransaction, mailbox: &str, id: u64, e: Entry) -> Result<(), Error> {
    let old = entry(tx, mailbox, id)?;
    let mut index = tx.open_table(tables::MAILBOX_INDEX)?;
    if let Some(old) = old {
        for f in old.facets() {
            index.remove((mailbox, f, id))?;
            counters::add(tx, &counter(mailbox, f), -1)?;
        }
        counters::add(tx, &old.signature(mailbox), -1)?;
    }
    for f in e.facets() {
        index.insert((mailbox, f, id), ())?;
        counters::add(tx, &counter(mailbox, f), 1)?;
    }
    counters::add(tx, &e.signature(mailbox), 1)?;
    tx.open_table(tables::MAILBOX_ENTRIES)?
        .insert((mailbox, id), e.pack())?;
    Ok(())
}

fn remove_entry(tx: &WriteTransaction, mailbox: &str, id: u64) -> Result<(), Error> {
    if let Some(old) = entry(tx, mailbox, id)? {
        let mut index = tx.open_table(tables::MAILBOX_INDEX)?;
        for f in old.facets() {
            index.remove((mailbox, f, id))?;
            counters::add(tx, &counter(mailbox, f), -1)?;
        }
        counters::add(tx, &old.signature(mailbox), -1)?;
        tx.open_table(tables::MAILBOX_ENTRIES)?
            .remove((mailbox, id))?;
    }
    Ok(())
}

/// Number of entries of `mailbox` under `facet` (a stored counter).
pub fn count(tx: &impl ReadAccess, mailbox: &str, facet: u8) -> Result<u64, Error> {
    counters::get(tx, &counter(mailbox, facet))
}

/// Message ids of `mailbox` under `facet`, newest first, strictly older
/// than `before` (keyset cursor), at most `limit`.
pub fn scan_facet(
    tx: &impl ReadAccess,
    mailbox: &str,
    facet: u8,
    before: u64,
    limit: usize,
) -> Result<Vec<u64>, Error> {
    let index = tx.open(tables::MAILBOX_INDEX)?;
    let mut out = Vec::new();
    if before == 0 {
        return Ok(out);
    }
    for item in index
        .range((mailbox, facet, 0)..=(mailbox, facet, before - 1))?
        .rev()
    {
        let (k, _) = item?;
        out.push(k.value().2);
        if out.len() >= limit {
            break;
        }
    }
    Ok(out)
}

/// Walks the ids of `mailbox` under any of `facets` (disjoint facets, or
/// one), merged in time order — newest first, or oldest first — strictly
/// beyond the keyset cursor `bound`, handing each to `visit` until it
/// returns false. Reads index keys only.
pub fn walk(
    tx: &impl ReadAccess,
    mailbox: &str,
    facets: &[u8],
    newest_first: bool,
    bound: Option<u64>,
    mut visit: impl FnMut(u64) -> Result<bool, Error>,
) -> Result<(), Error> {
    type Ids<'a> = std::iter::Peekable<Box<dyn Iterator<Item = Result<u64, Error>> + 'a>>;
    let index = tx.open(tables::MAILBOX_INDEX)?;
    let (lo, hi) = match (newest_first, bound) {
        (true, Some(c)) => (0, c.saturating_sub(1)),
        (false, Some(c)) => (c.saturating_add(1), u64::MAX),
        (_, None) => (0, u64::MAX),
    };
    if bound == Some(0) && newest_first || bound == Some(u64::MAX) && !newest_first {
        return Ok(());
    }
    let mut heads: Vec<Ids<'_>> = Vec::new();
    for &f in facets {
        let r = index.range((mailbox, f, lo)..=(mailbox, f, hi))?;
        let ids = r.map(|x| x.map(|(k, _)| k.value().2).map_err(Error::from));
        let it: Box<dyn Iterator<Item = Result<u64, Error>>> = if newest_first {
            Box::new(ids.rev())
        } else {
            Box::new(ids)
        };
        heads.push(it.peekable());
    }
    loop {
        let mut best: Option<(usize, u64)> = None;
        for (i, h) in heads.iter_mut().enumerate() {
            match h.peek() {
                Some(Ok(id)) => {
                    let better = match best {
                        None => true,
                        Some((_, b)) => (newest_first && *id > b) || (!newest_first && *id < b),
                    };
                    if better {
                        best = Some((i, *id));
                    }
                }
                Some(Err(_)) => {
                    if let Some(Err(e)) = h.next() {
                        return Err(e);
                    }
                }
                None => {}
            }
        }
        let Some((i, id)) = best else { return Ok(()) };
        heads[i].next();
        if !visit(id)? {
            return Ok(());
        }
    }
}

/// Message ids of a conversation, oldest first.
pub fn conversation(tx: &impl ReadAccess, referenz: &str) -> Result<Vec<u64>, Error> {
    let t = tx.open(tables::MESSAGES_BY_REF)?;
    let mut out = Vec::new();
    for item in t.range((referenz, 0)..=(referenz, u64::MAX))? {
        out.push(item?.0.value().1);
    }
    Ok(out)
}

/// The first distinct search term beginning with `prefix` that sorts
/// after `after` (or the first of all with `after = None`).
pub fn next_term(
    tx: &impl ReadAccess,
    prefix: &str,
    after: Option<&str>,
) -> Result<Option<String>, Error> {
    let t = tx.open(tables::MESSAGE_TERMS)?;
    let range = match after {
        Some(a) => t.range((a, u64::MAX)..)?,
        None => t.range((prefix, 0)..)?,
    };
    for item in range {
        let (k, _) = item?;
        let (term, _) = k.value();
        if Some(term) == after {
            continue;
        }
        return Ok(term.starts_with(prefix).then(|| term.to_owned()));
    }
    Ok(None)
}

/// The ids carrying exactly `term` that lie in one of `mailboxes`, newest
/// first, handed to `visit` (with the index of the mailbox) until it
/// returns false. A leapfrog join of the term's postings with the
/// mailboxes' entries by seeks: its cost follows the sparser side, so a
/// small mailbox is not searched through the postings of a large one.
/// At most `budget` seeks into the postings.
pub fn join_term(
    tx: &impl ReadAccess,
    term: &str,
    mailboxes: &[String],
    budget: usize,
    mut visit: impl FnMut(u64, usize) -> Result<bool, Error>,
) -> Result<(), Error> {
    let terms = tx.open(tables::MESSAGE_TERMS)?;
    let entries = tx.open(tables::MAILBOX_ENTRIES)?;
    // Inclusive upper bound of the next id to look at.
    let mut bound = u64::MAX;
    for _ in 0..budget {
        let Some(item) = terms.range((term, 0)..=(term, bound))?.next_back() else {
            return Ok(());
        };
        let posted = item?.0.value().1;
        let mut best: Option<(u64, usize)> = None;
        for (i, mb) in mailboxes.iter().enumerate() {
            if let Some(item) = entries
                .range((mb.as_str(), 0)..=(mb.as_str(), posted))?
                .next_back()
            {
                let id = item?.0.value().1;
                if best.is_none_or(|(b, _)| id > b) {
                    best = Some((id, i));
                }
            }
        }
        let Some((id, i)) = best else { return Ok(()) };
        if id == posted {
            if !visit(id, i)? || id == 0 {
                return Ok(());
            }
            bound = id - 1;
        } else {
            bound = id;
        }
    }
    Ok(())
}

/// Indexes the words of the message's Betreff in `mailbox` (for the
/// Betreff filter); called when the message is put into the mailbox.
pub fn index_subject(tx: &WriteTransaction, mailbox: &str, m: &Message) -> Result<(), Error> {
    let mut t = tx.open_table(tables::MAILBOX_SUBJECT_TERMS)?;
    for term in crate::domain::message_search::terms(&m.subject) {
        t.insert((mailbox, term.as_str(), m.id), ())?;
    }
    Ok(())
}

fn unindex_subject(tx: &WriteTransaction, mailbox: &str, m: &Message) -> Result<(), Error> {
    let mut t = tx.open_table(tables::MAILBOX_SUBJECT_TERMS)?;
    for term in crate::domain::message_search::terms(&m.subject) {
        t.remove((mailbox, term.as_str(), m.id))?;
    }
    Ok(())
}

/// Most distinct Betreff words beginning with the typed word that a
/// Betreff filter looks at.
pub const MAX_SUBJECT_TERMS: usize = 32;

/// Ids of the messages in `mailbox` with a Betreff word starting with
/// `prefix`: the newest `limit` of them, newest first (each word's ids are
/// read from its newest end, so a mailbox with more matches than `limit`
/// still shows its newest ones).
pub fn ids_with_subject_prefix(
    tx: &impl ReadAccess,
    mailbox: &str,
    prefix: &str,
    limit: usize,
) -> Result<Vec<u64>, Error> {
    let t = tx.open(tables::MAILBOX_SUBJECT_TERMS)?;
    let mut out: Vec<u64> = Vec::new();
    let mut last: Option<String> = None;
    for _ in 0..MAX_SUBJECT_TERMS {
        let range = match &last {
            None => t.range((mailbox, prefix, 0)..)?,
            Some(a) => t.range((mailbox, a.as_str(), u64::MAX)..)?,
        };
        let mut next = None;
        for item in range {
            let (k, _) = item?;
            let (mb, term, _) = k.value();
            if last.as_deref() == Some(term) {
                continue;
            }
            if mb == mailbox && term.starts_with(prefix) {
                next = Some(term.to_owned());
            }
            break;
        }
        let Some(term) = next else { break };
        // Only ids newer than the current limit-th can still count.
        let floor = if out.len() >= limit {
            out.last().map_or(0, |x| x + 1)
        } else {
            0
        };
        for item in t
            .range((mailbox, term.as_str(), floor)..=(mailbox, term.as_str(), u64::MAX))?
            .rev()
            .take(limit)
        {
            out.push(item?.0.value().2);
        }
        out.sort_unstable_by(|a, b| b.cmp(a));
        out.dedup();
        out.truncate(limit);
        last = Some(term);
    }
    Ok(out)
}

/// Deletes a message with its entries, attachments, conversation link and
/// search terms.
pub fn delete(tx: &WriteTransaction, m: &Message) -> Result<(), Error> {
    unindex_subject(tx, &m.from, m)?;
    unindex_subject(tx, &m.to, m)?;
    remove_entry(tx, &m.from, m.id)?;
    remove_entry(tx, &m.to, m.id)?;
    for a in &m.attachments {
        blobs::delete(tx, a.blob)?;
    }
    tx.open_table(tables::MESSAGES_BY_REF)?
        .remove((m.referenz.as_str(), m.id))?;
    let mut terms = tx.open_table(tables::MESSAGE_TERMS)?;
    for t in terms_of(m) {
        terms.remove((t.as_str(), m.id))?;
    }
    tx.open_table(tables::MESSAGES)?.remove(m.id)?;
    Ok(())
}

/// Up to `limit` message ids starting at `from` (ascending = oldest first),
/// for the retention job.
pub fn ids_from(tx: &impl ReadAccess, from: u64, limit: usize) -> Result<Vec<u64>, Error> {
    let t = tx.open(tables::MESSAGES)?;
    let mut out = Vec::new();
    for item in t.range(from..)? {
        out.push(item?.0.value());
        if out.len() >= limit {
            break;
        }
    }
    Ok(out)
}

#[cfg(test)]
#[path = "messages_tests.rs"]
mod tests;
