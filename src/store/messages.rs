//! Messages, the mailboxes they lie in (with per-mailbox marks), the facet
//! index the mailbox pages and filters page through, conversations by
//! Referenz and the search terms — all kept in step in one transaction.

use redb::{ReadableTable, WriteTransaction};

use super::{Error, ReadAccess, blobs, codec, counters, tables};
use crate::domain::message::{Direction, Marks, Message};
use crate::domain::org::Bereich;

const TABLE: &str = "messages";

/// Facets of [`tables::MAILBOX_INDEX`].
pub const FACET_INBOX: u8 = 0;
pub const FACET_OUTBOX: u8 = 1;
pub const FACET_ARCHIVE: u8 = 2;
pub const FACET_IMPORTANT: u8 = 3;
pub const FACET_UNREAD: u8 = 4;

/// One message in one mailbox: its marks, direction and Bereich, packed
/// into the covering value of [`tables::MAILBOX_ENTRIES`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    pub marks: Marks,
    pub direction: Direction,
    pub bereich: Bereich,
}

impl Entry {
    pub fn pack(self) -> u16 {
        let dir = u16::from(self.direction == Direction::Outgoing) << 3;
        let b = Bereich::ALL
            .iter()
            .position(|x| *x == self.bereich)
            .unwrap_or(0) as u16;
        u16::from(self.marks.bits()) | dir | (b << 4)
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
        }
    }

    /// The facets this entry is listed under.
    pub fn facets(self) -> Vec<u8> {
        let mut f = Vec::with_capacity(3);
        f.push(if self.marks.archived {
            FACET_ARCHIVE
        } else if self.direction == Direction::Incoming {
            FACET_INBOX
        } else {
            FACET_OUTBOX
        });
        if self.marks.important {
            f.push(FACET_IMPORTANT);
        }
        if self.marks.unread {
            f.push(FACET_UNREAD);
        }
        f
    }
}

fn counter(mailbox: &str, facet: u8) -> String {
    format!("msg.{mailbox}.{facet}")
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
    }
    for f in e.facets() {
        index.insert((mailbox, f, id), ())?;
        counters::add(tx, &counter(mailbox, f), 1)?;
    }
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

/// Message ids with a term starting with `prefix`, at most `limit` of
/// them (the caller checks permissions and the other terms).
pub fn ids_with_term_prefix(
    tx: &impl ReadAccess,
    prefix: &str,
    limit: usize,
) -> Result<Vec<u64>, Error> {
    let t = tx.open(tables::MESSAGE_TERMS)?;
    let mut out = Vec::new();
    for item in t.range((prefix, 0)..)? {
        let (k, _) = item?;
        let (term, id) = k.value();
        if !term.starts_with(prefix) {
            break;
        }
        out.push(id);
        if out.len() >= limit {
            break;
        }
    }
    Ok(out)
}

/// Deletes a message with its entries, attachments, conversation link and
/// search terms.
pub fn delete(tx: &WriteTransaction, m: &Message) -> Result<(), Error> {
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
mod tests {
    use super::*;

    #[test]
    fn entries_pack_and_list_under_their_facets() {
        let e = Entry {
            marks: Marks {
                unread: true,
                important: true,
                archived: false,
            },
            direction: Direction::Incoming,
            bereich: Bereich::Zusatzversorgung,
        };
        assert_eq!(Entry::unpack(e.pack()), e);
        assert_eq!(e.facets(), vec![FACET_INBOX, FACET_IMPORTANT, FACET_UNREAD]);
    }
}
