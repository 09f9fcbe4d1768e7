//! The audit log: append-only by sequence number (ascending = oldest
//! first), with indexes by organisation, actor, target and action, all kept
//! in the transaction of the change the entry describes.

use redb::ReadableTable;

use super::{Error, ReadAccess, WriteTx, audit_chain, codec, counters, tables};
use crate::domain::audit::{Anchor, AuditEntry, ChainLink, GENESIS, chain_hash};

const TABLE: &str = "audit";
const COUNT_ALL: &str = "audit.all";

fn count_org(org: u64) -> String {
    format!("audit.org.{org}")
}

fn index(tx: &WriteTx, id: u64, entry: &AuditEntry) -> Result<(), Error> {
    if let Some(org) = entry.org {
        tx.open_table(tables::AUDIT_BY_ORG)?.insert((org, id), ())?;
        counters::add(tx, &count_org(org), 1)?;
    }
    tx.open_table(tables::AUDIT_BY_ACTOR)?
        .insert((entry.actor.as_str(), id), ())?;
    if let Some(target) = &entry.target {
        tx.open_table(tables::AUDIT_BY_TARGET)?
            .insert((target.as_str(), id), ())?;
    }
    tx.open_table(tables::AUDIT_BY_ACTION)?
        .insert((entry.action.as_str(), id), ())?;
    counters::add(tx, COUNT_ALL, 1)
}

fn unindex(tx: &WriteTx, id: u64, entry: &AuditEntry) -> Result<(), Error> {
    if let Some(org) = entry.org {
        tx.open_table(tables::AUDIT_BY_ORG)?.remove((org, id))?;
        counters::add(tx, &count_org(org), -1)?;
    }
    tx.open_table(tables::AUDIT_BY_ACTOR)?
        .remove((entry.actor.as_str(), id))?;
    if let Some(target) = &entry.target {
        tx.open_table(tables::AUDIT_BY_TARGET)?
            .remove((target.as_str(), id))?;
    }
    tx.open_table(tables::AUDIT_BY_ACTION)?
        .remove((entry.action.as_str(), id))?;
    counters::add(tx, COUNT_ALL, -1)
}

/// Appends an entry in the transaction of the change it describes, linked
/// into the hash chain (see `audit_chain`) in the same transaction.
pub fn append(tx: &WriteTx, entry: &AuditEntry) -> Result<u64, Error> {
    let prev = audit_chain::prev_for_append(tx, entry.at)?;
    let id = super::next_id(tx, "audit")?;
    let hash = chain_hash(id, entry, &prev);
    let mut entry = entry.clone();
    entry.chain = Some(ChainLink {
        prev,
        hash: hash.clone(),
    });
    let bytes = codec::encode(TABLE, &entry)?;
    tx.open_table(tables::AUDIT)?.insert(id, bytes.as_slice())?;
    audit_chain::set_head(
        tx,
        &Anchor {
            at: entry.at,
            seq: id,
            hash,
        },
    )?;
    index(tx, id, &entry)?;
    Ok(id)
}

pub fn get(tx: &impl ReadAccess, id: u64) -> Result<Option<AuditEntry>, Error> {
    match tx.open(tables::AUDIT)?.get(id)? {
        Some(v) => Ok(Some(codec::decode(TABLE, v.value())?)),
        None => Ok(None),
    }
}

/// Number of entries (all, or of one organisation).
pub fn count(tx: &impl ReadAccess, org: Option<u64>) -> Result<u64, Error> {
    match org {
        Some(o) => counters::get(tx, &count_org(o)),
        None => counters::get(tx, COUNT_ALL),
    }
}

/// Which sequence of entry ids a scan walks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    All,
    Org(u64),
    Actor(String),
    Target(String),
    Action(String),
}

/// Visits entry ids from `source` within `from..below` (sequence numbers),
/// newest first or oldest first, until `visit` returns false. Reads only
/// index keys; the visitor decodes what it needs.
pub fn scan_ids(
    tx: &impl ReadAccess,
    source: &Source,
    from: u64,
    below: u64,
    newest_first: bool,
    mut visit: impl FnMut(u64) -> Result<bool, Error>,
) -> Result<(), Error> {
    macro_rules! walk {
        ($iter:expr, $id:expr) => {{
            let iter = $iter;
            let iter: Box<dyn Iterator<Item = _>> = if newest_first {
                Box::new(iter.rev())
            } else {
                Box::new(iter)
            };
            for item in iter {
                let (key, _) = item?;
                #[allow(clippy::redundant_closure_call)]
                let id = ($id)(key.value());
                if !visit(id)? {
                    break;
                }
            }
        }};
    }
    match source {
        Source::All => {
            let t = tx.open(tables::AUDIT)?;
            walk!(t.range(from..below)?, |k: u64| k);
        }
        Source::Org(o) => {
            let t = tx.open(tables::AUDIT_BY_ORG)?;
            walk!(t.range((*o, from)..(*o, below))?, |k: (u64, u64)| k.1);
        }
        Source::Actor(a) => {
            let t = tx.open(tables::AUDIT_BY_ACTOR)?;
            walk!(
                t.range((a.as_str(), from)..(a.as_str(), below))?,
                |k: (&str, u64)| k.1
            );
        }
        Source::Target(a) => {
            let t = tx.open(tables::AUDIT_BY_TARGET)?;
            walk!(
                t.range((a.as_str(), from)..(a.as_str(), below))?,
                |k: (&str, u64)| k.1
            );
        }
        Source::Action(a) => {
            let t = tx.open(tables::AUDIT_BY_ACTION)?;
            walk!(
                t.range((a.as_str(), from)..(a.as_str(), below))?,
                |k: (&str, u64)| k.1
            );
        }
    }
    Ok(())
}

/// The smallest id of an entry written at or after `at` (ids grow with
/// time), by binary search over the ids: a few lookups, not a scan.
pub fn first_id_at_or_after(tx: &impl ReadAccess, at: jiff::Timestamp) -> Result<u64, Error> {
    let table = tx.open(tables::AUDIT)?;
    let first = match table.first()? {
        Some((k, _)) => k.value(),
        None => return Ok(1),
    };
    let last = match table.last()? {
        Some((k, _)) => k.value(),
        None => return Ok(1),
    };
    // Invariant: entries below `lo` are older than `at`; `hi` is at or after.
    let (mut lo, mut hi) = (first, last + 1);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        // The first existing entry at or after `mid` (retention may have
        // removed some).
        let found = table.range(mid..)?.next();
        match found {
            Some(item) => {
                let (k, v) = item?;
                let e: AuditEntry = codec::decode(TABLE, v.value())?;
                if e.at < at {
                    lo = k.value() + 1;
                } else {
                    hi = mid;
                }
            }
            None => hi = mid,
        }
    }
    Ok(lo)
}

/// Deletes up to `limit` of the oldest entries written before `before`, with
/// their index entries, and leaves the checkpoint at the cut so that the
/// remaining chain still verifies; returns how many.
pub fn purge_older_than(
    tx: &WriteTx,
    before: jiff::Timestamp,
    limit: usize,
) -> Result<usize, Error> {
    let doomed: Vec<(u64, AuditEntry)> = {
        let table = tx.open_table(tables::AUDIT)?;
        let mut out = Vec::new();
        for item in table.iter()? {
            let (k, v) = item?;
            let e: AuditEntry = codec::decode(TABLE, v.value())?;
            if e.at >= before || out.len() >= limit {
                break;
            }
            out.push((k.value(), e));
        }
        out
    };
    for (id, e) in &doomed {
        unindex(tx, *id, e)?;
        tx.open_table(tables::AUDIT)?.remove(*id)?;
    }
    if let Some((id, e)) = doomed.last() {
        let hash = e.chain.as_ref().map_or(GENESIS, |c| c.hash.as_str());
        audit_chain::cut(tx, *id, hash, e.at)?;
    }
    Ok(doomed.len())
}

/// Whether entries older than `before` exist (read only).
pub fn has_older_than(tx: &impl ReadAccess, before: jiff::Timestamp) -> Result<bool, Error> {
    let table = tx.open(tables::AUDIT)?;
    match table.first()? {
        Some((_, v)) => Ok(codec::decode::<AuditEntry>(TABLE, v.value())?.at < before),
        None => Ok(false),
    }
}

/// Every entry, newest first: a whole-table read for tools and tests, never
/// for a page.
pub fn all_newest_first(tx: &impl ReadAccess) -> Result<Vec<(u64, AuditEntry)>, Error> {
    let table = tx.open(tables::AUDIT)?;
    let mut out = Vec::new();
    for entry in table.iter()?.rev() {
        let (k, v) = entry?;
        out.push((k.value(), codec::decode(TABLE, v.value())?));
    }
    Ok(out)
}

/// The stored bytes of entry `id`, as they are: for tests that tamper with
/// the log and show that the chain check finds it.
#[doc(hidden)]
pub fn raw_entry(tx: &impl ReadAccess, id: u64) -> Result<Option<Vec<u8>>, Error> {
    Ok(tx.open(tables::AUDIT)?.get(id)?.map(|v| v.value().to_vec()))
}

/// Overwrites (`Some`) or removes (`None`) the stored bytes of entry `id`,
/// past the chain, the indexes and the counters. Never for the portal:
/// only for tests that show that the chain check finds such a change.
#[doc(hidden)]
pub fn tamper_entry(tx: &WriteTx, id: u64, bytes: Option<&[u8]>) -> Result<(), Error> {
    let mut table = tx.open_table(tables::AUDIT)?;
    match bytes {
        Some(b) => table.insert(id, b)?,
        None => table.remove(id)?,
    };
    Ok(())
}
