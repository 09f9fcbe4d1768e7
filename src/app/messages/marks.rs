//! "Weitere Aktionen": marks per mailbox, and opening a message (marks it
//! read).

use jiff::Timestamp;

use crate::app::Error;
use crate::domain::ids::Nutzerkennung;
use crate::domain::message::{Direction, FirstOpened, Mailbox};
use crate::store::{self, Store, messages as repo};

/// One action of "Weitere Aktionen".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MarkAction {
    Unread,
    Important(bool),
    Archived(bool),
    Read,
}

impl MarkAction {
    pub fn from_key(k: &str) -> Option<Self> {
        Some(match k {
            "ungelesen" => MarkAction::Unread,
            "wichtig" => MarkAction::Important(true),
            "nicht-wichtig" => MarkAction::Important(false),
            "archivieren" => MarkAction::Archived(true),
            "dearchivieren" => MarkAction::Archived(false),
            _ => return None,
        })
    }
}

/// Applies `action` to the message `id` in `mailbox` (only there); a
/// message that does not lie in the mailbox is `NotFound`. Writes nothing
/// when the mark is already so.
pub fn apply(store: &Store, mailbox: &Mailbox, id: u64, action: MarkAction) -> Result<(), Error> {
    let key = mailbox.key();
    let current = store
        .read(|tx| repo::entry(tx, &key, id))?
        .ok_or(Error::NotFound)?;
    let mut next = current;
    match action {
        MarkAction::Unread => next.marks.unread = true,
        MarkAction::Read => next.marks.unread = false,
        MarkAction::Important(v) => next.marks.important = v,
        MarkAction::Archived(v) => next.marks.archived = v,
    }
    if next == current {
        return Ok(());
    }
    store.write(|tx| {
        // Re-read inside the write: another request may have changed it.
        let Some(mut e) = repo::entry(tx, &key, id)? else {
            return Err(Error::NotFound);
        };
        match action {
            MarkAction::Unread => e.marks.unread = true,
            MarkAction::Read => e.marks.unread = false,
            MarkAction::Important(v) => e.marks.important = v,
            MarkAction::Archived(v) => e.marks.archived = v,
        }
        repo::set_entry(tx, &key, id, e)?;
        Ok(())
    })
}

/// Who opened a message of a shared mailbox first: the record and the
/// person's display name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opened {
    pub name: String,
    pub at: Timestamp,
}

/// Opening the message `id` in `mailbox` by `who`: marks it read (in this
/// mailbox only) and, in a shared (group or Kassen) mailbox, records who
/// opened the incoming message first — one write, and only when something
/// changes. Returns the first opening, if recorded.
pub fn open(
    store: &Store,
    mailbox: &Mailbox,
    id: u64,
    who: &Nutzerkennung,
    now: Timestamp,
) -> Result<Option<Opened>, Error> {
    if let Some(opened) = open_without_writing(store, mailbox, id)? {
        return Ok(opened);
    }
    let key = mailbox.key();
    let shared = is_shared(mailbox);
    let first = store.write(|tx| {
        // Read again inside the write: another request may have changed it.
        let Some(mut e) = repo::entry(tx, &key, id)? else {
            return Err(Error::NotFound);
        };
        if e.marks.unread {
            e.marks.unread = false;
            repo::set_entry(tx, &key, id, e)?;
        }
        let first = repo::first_opened(tx, &key, id)?;
        if first.is_none() && shared && e.direction == Direction::Incoming {
            let opening = FirstOpened {
                by: who.clone(),
                at: now,
            };
            repo::record_first_opened(tx, &key, id, &opening)?;
            return Ok(Some(opening));
        }
        Ok(first)
    })?;
    named(store, first.filter(|_| shared))
}

/// [`open`] when opening changes nothing (the message is read and its
/// first opening recorded, or not to be recorded): the first opening, read
/// without a write. `None` when opening must write.
pub fn open_without_writing(
    store: &Store,
    mailbox: &Mailbox,
    id: u64,
) -> Result<Option<Option<Opened>>, Error> {
    let key = mailbox.key();
    let shared = is_shared(mailbox);
    let (entry, first) = store.read(|tx| {
        Ok::<_, Error>((
            repo::entry(tx, &key, id)?,
            repo::first_opened(tx, &key, id)?,
        ))
    })?;
    let entry = entry.ok_or(Error::NotFound)?;
    let record = shared && entry.direction == Direction::Incoming && first.is_none();
    if entry.marks.unread || record {
        return Ok(None);
    }
    named(store, first.filter(|_| shared)).map(Some)
}

/// Group and Kassen mailboxes: read status and first opening are shared.
fn is_shared(mailbox: &Mailbox) -> bool {
    !matches!(mailbox, Mailbox::Personal(_))
}

/// The first opening with the opener's display name.
fn named(store: &Store, first: Option<FirstOpened>) -> Result<Option<Opened>, Error> {
    let Some(first) = first else {
        return Ok(None);
    };
    let name = store
        .read(|tx| store::accounts::get(tx, &first.by))?
        .map_or_else(
            || first.by.as_str().to_owned(),
            |a| format!("{} ({})", a.full_name(), first.by.as_str()),
        );
    Ok(Some(Opened { name, at: first.at }))
}
