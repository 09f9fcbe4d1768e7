//! Retention (handbook §8.4): messages older than `retention.message_days`
//! are deleted with their attachments and index entries, except those
//! archived or marked important in any of their mailboxes. Finding them
//! only reads; each batch is deleted in its own small write transaction.

use jiff::Timestamp;

use crate::app::Error;
use crate::store::{ReadAccess, Store, messages as repo};

/// Messages deleted per write transaction.
const BATCH: usize = 100;
/// Messages looked at per read.
const SCAN: usize = 1000;

/// Deletes expired messages; returns how many were deleted.
pub fn purge(store: &Store, days: u32, now: Timestamp) -> Result<usize, Error> {
    let cutoff = now - jiff::SignedDuration::from_hours(24 * i64::from(days));
    let mut from = 0u64;
    let mut deleted = 0usize;
    loop {
        let (ids, next, done) = store.read(|tx| candidates(tx, from, cutoff))?;
        if !ids.is_empty() {
            store.write(|tx| {
                for id in &ids {
                    repo::delete(tx, *id)?;
                }
                Ok::<_, Error>(())
            })?;
            deleted += ids.len();
        }
        from = next;
        if done {
            return Ok(deleted);
        }
    }
}

/// Up to [`BATCH`] deletable ids from `from` on, where to go on, and
/// whether the scan reached messages younger than `cutoff` (ids ascend
/// with time) or the end.
fn candidates(
    tx: &impl ReadAccess,
    from: u64,
    cutoff: Timestamp,
) -> Result<(Vec<u64>, u64, bool), Error> {
    let ids = repo::ids_from(tx, from, SCAN)?;
    let read = repo::Reader::new(tx)?;
    let mut out = Vec::new();
    let mut next = from;
    let done = ids.len() < SCAN;
    for id in ids {
        let Some(m) = read.header(id)? else {
            next = id + 1;
            continue;
        };
        if m.created_at >= cutoff {
            return Ok((out, id, true));
        }
        next = id + 1;
        let mut kept = false;
        for mb in [&m.from, &m.to] {
            if repo::entry(tx, mb, id)?.is_some_and(|e| e.marks.archived || e.marks.important) {
                kept = true;
            }
        }
        if !kept {
            out.push(id);
            if out.len() == BATCH {
                return Ok((out, next, false));
            }
        }
    }
    Ok((out, next, done))
}
