//! "Weitere Aktionen": marks per mailbox, and opening a message (marks it
//! read).

use crate::app::Error;
use crate::domain::message::Mailbox;
use crate::store::{Store, messages as repo};

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
