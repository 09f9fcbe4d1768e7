//! The mailboxes messages lie in (schema 7): compact mailbox ids, each
//! message's entry per mailbox (marks, direction, Bereich, Thema), the
//! facet index the mailbox pages and filters page through (each index
//! entry carries the entry bits), the stored counters (unread counts
//! included), the per-mailbox Betreff words and who opened a shared
//! message first — kept in step in one transaction.
//!
//! Every stored number is an explicit code (`Bereich::code`,
//! `message::thema_code`, `Direction::code`, `Marks::bits`, the `FACET_*`
//! constants), never a position in a display list; the golden tests pin
//! them.

use redb::ReadableTable;

use super::{Error, ReadAccess, WriteTx, counters, tables};
use crate::domain::message::{self, Direction, FirstOpened, Marks};
use crate::domain::org::Bereich;

/// A compact mailbox id (see `tables::MAILBOX_IDS`).
pub type MailboxId = u32;

/// The mailbox id of the system as a sender (no mailbox).
pub const SYSTEM_ID: MailboxId = 0;

/// Facets of `tables::MAILBOX_FACETS`: the folders (Eingang, Ausgang,
/// Archiv — each entry is in exactly one), wichtig, ungelesen, and the
/// folder combined with the Bereich and with Bereich and Thema, so that
/// every filter of the mailbox page has an index to walk. Stored codes.
pub const FACET_INBOX: u16 = 0;
pub const FACET_OUTBOX: u16 = 1;
pub const FACET_ARCHIVE: u16 = 2;
pub const FACET_IMPORTANT: u16 = 3;
pub const FACET_UNREAD: u16 = 4;

/// Facet of a folder and a Bereich (its code).
pub fn facet_bereich(folder: u16, bereich: u8) -> u16 {
    0x10 + folder * 4 + u16::from(bereich)
}

/// Facet of a folder, a Bereich and a Thema (their codes).
pub fn facet_thema(folder: u16, bereich: u8, thema: u8) -> u16 {
    0x1000 + (folder << 8) + (u16::from(bereich) << 5) + u16::from(thema)
}

/// One message in one mailbox: its marks, direction, Bereich and Thema,
/// packed into the covering value of `tables::MAILBOX_ENTRIES` and of
/// each of its facet index entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    pub marks: Marks,
    pub direction: Direction,
    pub bereich: Bereich,
    /// The Thema's code (`message::thema_code`); 0 when unknown.
    pub thema: u8,
}

// Bits of a packed entry: marks 0–2, direction 3, Bereich 4–5, Thema 6–10.
const BEREICH_SHIFT: u16 = 4;
const THEMA_SHIFT: u16 = 6;
const _: () = assert!(message::MAX_THEMA_CODE < 32, "the Thema has 5 bits");
const _: () = assert!(super::codes::BEREICH_BITS == 2, "the Bereich has bits 4–5");

impl Entry {
    pub fn new(marks: Marks, direction: Direction, bereich: Bereich, thema: &str) -> Self {
        Self {
            marks,
            direction,
            bereich,
            thema: message::thema_code(thema),
        }
    }

    pub fn pack(self) -> u16 {
        u16::from(self.marks.bits())
            | (u16::from(self.direction.code()) << 3)
            | (u16::from(self.bereich.code() & 3) << BEREICH_SHIFT)
            | (u16::from(self.thema & 31) << THEMA_SHIFT)
    }

    pub fn unpack(v: u16) -> Self {
        Self {
            marks: Marks::from_bits((v & 7) as u8),
            direction: Direction::from_code(((v >> 3) & 1) as u8),
            bereich: Bereich::from_code(((v >> BEREICH_SHIFT) & 3) as u8)
                .unwrap_or(Bereich::Beamtenversorgung),
            thema: ((v >> THEMA_SHIFT) & 31) as u8,
        }
    }

    /// The Thema's name, if known.
    pub fn thema_name(self) -> Option<&'static str> {
        message::thema_of_code(self.thema)
    }

    /// The folder facet: Archiv, Eingang or Ausgang.
    pub fn folder(self) -> u16 {
        if self.marks.archived {
            FACET_ARCHIVE
        } else if self.direction == Direction::Incoming {
            FACET_INBOX
        } else {
            FACET_OUTBOX
        }
    }

    /// The facets this entry is listed under.
    pub fn facets(self) -> Vec<u16> {
        let folder = self.folder();
        let b = self.bereich.code();
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
    pub(super) fn signature(self, mailbox: MailboxId) -> String {
        format!(
            "msg.{mailbox}.s.{}.{}.{}.{}.{}",
            self.folder(),
            u8::from(self.marks.important),
            u8::from(self.marks.unread),
            self.bereich.code(),
            self.thema
        )
    }

    fn from_signature(rest: &str) -> Option<Entry> {
        let mut it = rest.split('.').map(|p| p.parse::<u16>().ok());
        let (folder, imp, unread, b, thema) = (
            it.next()??,
            it.next()??,
            it.next()??,
            it.next()??,
            it.next()??,
        );
        let bereich = Bereich::from_code(u8::try_from(b).ok()?)?;
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
            thema: u8::try_from(thema).ok()?,
        })
    }
}

/// The name of the counter of `mailbox`'s entries under `facet`.
pub(super) fn counter(mailbox: MailboxId, facet: u16) -> String {
    format!("msg.{mailbox}.{facet}")
}

/// The id of the mailbox `key`, if it ever received a message.
pub fn id_of(tx: &impl ReadAccess, key: &str) -> Result<Option<MailboxId>, Error> {
    if key == crate::domain::message::SYSTEM_SENDER {
        return Ok(Some(SYSTEM_ID));
    }
    Ok(tx.open(tables::MAILBOX_IDS)?.get(key)?.map(|v| v.value()))
}

/// The id of the mailbox `key`, handing out the next one if it has none.
pub fn id_or_create(tx: &WriteTx, key: &str) -> Result<MailboxId, Error> {
    if let Some(id) = id_of(tx, key)? {
        return Ok(id);
    }
    let next = super::next_id(tx, "mailbox")?;
    let id = MailboxId::try_from(next).map_err(|_| Error::Corrupt {
        table: "mailbox_ids",
        detail: "more than 2^32 mailboxes".into(),
    })?;
    tx.open_table(tables::MAILBOX_IDS)?.insert(key, id)?;
    tx.open_table(tables::MAILBOX_KEYS)?.insert(id, key)?;
    Ok(id)
}

/// The key of the mailbox `id` (the system's for [`SYSTEM_ID`]).
pub fn key_of(tx: &impl ReadAccess, id: MailboxId) -> Result<Option<String>, Error> {
    if id == SYSTEM_ID {
        return Ok(Some(crate::domain::message::SYSTEM_SENDER.to_owned()));
    }
    Ok(tx
        .open(tables::MAILBOX_KEYS)?
        .get(id)?
        .map(|v| v.value().to_owned()))
}

/// The number of entries of `mailbox` that `matches` accepts, summed over
/// the stored counters of each (folder, marks, Bereich, Thema) signature —
/// a few hundred counters at most, whatever the size of the mailbox.
/// (For an archived entry the direction is not part of the signature;
/// `matches` must not depend on it there.)
pub fn count_matching(
    tx: &impl ReadAccess,
    mailbox: MailboxId,
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

/// Number of entries of `mailbox` under `facet` (a stored counter).
pub fn count(tx: &impl ReadAccess, mailbox: MailboxId, facet: u16) -> Result<u64, Error> {
    counters::get(tx, &counter(mailbox, facet))
}

/// The unread messages of the mailbox `key` (a stored counter, no scan).
pub fn unread(tx: &impl ReadAccess, key: &str) -> Result<u64, Error> {
    match id_of(tx, key)? {
        Some(id) => count(tx, id, FACET_UNREAD),
        None => Ok(0),
    }
}

/// The message's entry in the mailbox `key`, if it lies there.
pub fn entry(tx: &impl ReadAccess, key: &str, id: u64) -> Result<Option<Entry>, Error> {
    let Some(mb) = id_of(tx, key)? else {
        return Ok(None);
    };
    entry_in(tx, mb, id)
}

/// The message's entry in `mailbox`, if it lies there.
pub fn entry_in(tx: &impl ReadAccess, mailbox: MailboxId, id: u64) -> Result<Option<Entry>, Error> {
    Ok(tx
        .open(tables::MAILBOX_ENTRIES)?
        .get((mailbox, id))?
        .map(|v| Entry::unpack(v.value())))
}

/// Adds or changes the message's entry in the mailbox `key`, keeping the
/// facet index and counters in step.
pub fn set_entry(tx: &WriteTx, key: &str, id: u64, e: Entry) -> Result<(), Error> {
    let mb = id_or_create(tx, key)?;
    let old = entry_in(tx, mb, id)?;
    let mut index = tx.open_table(tables::MAILBOX_FACETS)?;
    if let Some(old) = old {
        for f in old.facets() {
            index.remove((mb, f, id))?;
            counters::add(tx, &counter(mb, f), -1)?;
        }
        counters::add(tx, &old.signature(mb), -1)?;
    }
    let bits = e.pack();
    for f in e.facets() {
        index.insert((mb, f, id), bits)?;
        counters::add(tx, &counter(mb, f), 1)?;
    }
    counters::add(tx, &e.signature(mb), 1)?;
    tx.open_table(tables::MAILBOX_ENTRIES)?
        .insert((mb, id), bits)?;
    Ok(())
}

/// Whether the mailbox `key` is a Kassenpostfach (indexed by Mitglied).
fn is_kassen(key: &str) -> bool {
    key.starts_with("k:")
}

/// Lists message `id` of the member organisation `org` in the
/// Kassenpostfach `key` (for its Mitglied filter); other mailboxes are
/// left alone.
pub fn index_member(tx: &WriteTx, key: &str, org: u64, id: u64) -> Result<(), Error> {
    if !is_kassen(key) {
        return Ok(());
    }
    let mb = id_or_create(tx, key)?;
    tx.open_table(tables::MAILBOX_MEMBERS)?
        .insert((mb, org, id), ())?;
    Ok(())
}

/// Removes the message's entry from the mailbox `key` (with its facets,
/// counters, Betreff postings, Mitglied entry and first-opened record).
pub fn remove_entry(
    tx: &WriteTx,
    key: &str,
    id: u64,
    subject: &str,
    org: Option<u64>,
) -> Result<(), Error> {
    let Some(mb) = id_of(tx, key)? else {
        return Ok(());
    };
    if let Some(old) = entry_in(tx, mb, id)? {
        let mut index = tx.open_table(tables::MAILBOX_FACETS)?;
        for f in old.facets() {
            index.remove((mb, f, id))?;
            counters::add(tx, &counter(mb, f), -1)?;
        }
        counters::add(tx, &old.signature(mb), -1)?;
        tx.open_table(tables::MAILBOX_ENTRIES)?.remove((mb, id))?;
    }
    super::search_index::unindex_subject(tx, mb, id, subject)?;
    if let Some(org) = org {
        tx.open_table(tables::MAILBOX_MEMBERS)?
            .remove((mb, org, id))?;
    }
    tx.open_table(tables::FIRST_OPENED)?.remove((mb, id))?;
    Ok(())
}

/// Walks the entries of `mailbox` under any of `facets` (disjoint facets,
/// or one), merged in time order — newest first, or oldest first —
/// strictly beyond the keyset cursor `bound`, handing each id with its
/// entry (from the index value) to `visit` until it returns false.
pub fn walk(
    tx: &impl ReadAccess,
    mailbox: MailboxId,
    facets: &[u16],
    newest_first: bool,
    bound: Option<u64>,
    mut visit: impl FnMut(u64, Entry) -> Result<bool, Error>,
) -> Result<(), Error> {
    type Ids<'a> = std::iter::Peekable<Box<dyn Iterator<Item = Result<(u64, u16), Error>> + 'a>>;
    let index = tx.open(tables::MAILBOX_FACETS)?;
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
        let ids = r.map(|x| {
            x.map(|(k, v)| (k.value().2, v.value()))
                .map_err(Error::from)
        });
        let it: Box<dyn Iterator<Item = Result<(u64, u16), Error>>> = if newest_first {
            Box::new(ids.rev())
        } else {
            Box::new(ids)
        };
        heads.push(it.peekable());
    }
    loop {
        let mut best: Option<(usize, u64, u16)> = None;
        for (i, h) in heads.iter_mut().enumerate() {
            match h.peek() {
                Some(Ok((id, bits))) => {
                    let better = match best {
                        None => true,
                        Some((_, b, _)) => (newest_first && *id > b) || (!newest_first && *id < b),
                    };
                    if better {
                        best = Some((i, *id, *bits));
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
        let Some((i, id, bits)) = best else {
            return Ok(());
        };
        heads[i].next();
        if !visit(id, Entry::unpack(bits))? {
            return Ok(());
        }
    }
}

/// Indexes the message's Betreff in the mailbox `key` (for the Betreff
/// filter); called when the message is put into the mailbox.
pub fn index_subject(tx: &WriteTx, key: &str, id: u64, subject: &str) -> Result<(), Error> {
    let mb = id_or_create(tx, key)?;
    super::search_index::index_subject(tx, mb, id, subject)
}

/// Who opened the message first in the mailbox `key`, if recorded.
pub fn first_opened(
    tx: &impl ReadAccess,
    key: &str,
    id: u64,
) -> Result<Option<FirstOpened>, Error> {
    let Some(mb) = id_of(tx, key)? else {
        return Ok(None);
    };
    let t = tx.open(tables::FIRST_OPENED)?;
    let Some(v) = t.get((mb, id))? else {
        return Ok(None);
    };
    let (by, at) = v.value();
    Ok(
        match (
            crate::domain::ids::Nutzerkennung::parse(by),
            jiff::Timestamp::from_second(at),
        ) {
            (Some(by), Ok(at)) => Some(FirstOpened { by, at }),
            _ => None,
        },
    )
}

/// Records the first opening of the message in the mailbox `key`; keeps
/// an earlier record.
pub fn record_first_opened(
    tx: &WriteTx,
    key: &str,
    id: u64,
    first: &FirstOpened,
) -> Result<(), Error> {
    let mb = id_or_create(tx, key)?;
    let mut t = tx.open_table(tables::FIRST_OPENED)?;
    if t.get((mb, id))?.is_none() {
        t.insert((mb, id), (first.by.as_str(), first.at.as_second()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// The stored layout of an entry and its facets never changes.
    #[test]
    fn entries_pack_and_list_under_pinned_facets() {
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
        // Thema 9 (bits 6–10), Bereich 2 (4–5), incoming (3), marks 0b011.
        assert_eq!(e.pack(), (9 << 6) | (2 << 4) | 0b011);
        assert_eq!(Entry::unpack(e.pack()), e);
        assert_eq!(e.thema_name(), Some("Entgeltmeldungen"));
        assert_eq!(e.facets(), vec![0, 0x12, 0x1049, 3, 4]);
        assert_eq!(
            (
                FACET_INBOX,
                FACET_OUTBOX,
                FACET_ARCHIVE,
                FACET_IMPORTANT,
                FACET_UNREAD
            ),
            (0, 1, 2, 3, 4)
        );
        assert_eq!(facet_bereich(FACET_ARCHIVE, 1), 0x19);
        assert_eq!(facet_thema(FACET_OUTBOX, 2, 31), 0x115f);
        let sig = e.signature(7);
        assert_eq!(sig, "msg.7.s.0.1.1.2.9");
        let back = Entry::from_signature(&sig["msg.7.s.".len()..]).unwrap();
        assert_eq!(back, e);
    }
}
