//! The number of unread messages of a mailbox (mailbox tabs, "Postfächer",
//! the Kassen home). Kept in one small function so that the store's
//! counters can change underneath without touching its callers.

use crate::app::Error;
use crate::domain::message::Mailbox;
use crate::store::{Store, messages as repo};

/// Unread messages in `mailbox`, archived ones included (a stored counter
/// kept in step with the marks; no scan).
pub fn unread_count(store: &Store, mailbox: &Mailbox) -> Result<u64, Error> {
    let key = mailbox.key();
    Ok(store.read(|tx| repo::count(tx, &key, repo::FACET_UNREAD))?)
}
