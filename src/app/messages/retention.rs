//! Retention (handbook §8.4): messages older than `retention.message_days`
//! are deleted with their attachments and index entries, except those
//! archived or marked important in any of their mailboxes; in small
//! transactions, audited as counts.

use jiff::Timestamp;

use crate::app::Error;
use crate::store::{Store, messages as repo};

/// Messages looked at per write transaction.
const BATCH: usize = 200;

/// Deletes expired messages; returns how many were deleted.
pub fn purge(store: &Store, days: u32, now: Timestamp) -> Result<u64, Error> {
    let cutoff = now - jiff::SignedDuration::from_hours(24 * i64::from(days));
    let mut from = 0u64;
    let mut deleted = 0u64;
    loop {
        let (done, next, n) = store.write(|tx| {
            let ids = repo::ids_from(tx, from, BATCH)?;
            let mut n = 0u64;
            let mut next = from;
            let mut done = ids.len() < BATCH;
            for id in ids {
                next = id + 1;
                let Some(m) = repo::get(tx, id)? else {
                    continue;
                };
                if m.created_at >= cutoff {
                    // Ids ascend with time: everything after is younger.
                    done = true;
                    break;
                }
                let kept = [&m.from, &m.to].into_iter().any(|mb| {
                    repo::entry(tx, mb, id)
                        .ok()
                        .flatten()
                        .is_some_and(|e| e.marks.archived || e.marks.important)
                });
                if !kept {
                    repo::delete(tx, &m)?;
                    n += 1;
                }
            }
            Ok::<_, Error>((done, next, n))
        })?;
        deleted += n;
        from = next;
        if done {
            return Ok(deleted);
        }
    }
}
