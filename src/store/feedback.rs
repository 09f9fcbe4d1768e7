//! The feedback and support inbox, with an index by kind and state so the
//! inbox pages newest first without reading every message.

use redb::ReadableTable;

use super::{Error, ReadAccess, WriteTx, codec, counters, tables};
use crate::domain::help::{FeedbackEntry, FeedbackKind};

const TABLE: &str = "feedback";

pub(super) fn kind_code(k: FeedbackKind) -> u8 {
    match k {
        FeedbackKind::Feedback => 0,
        FeedbackKind::Support => 1,
    }
}

fn counter(kind: FeedbackKind, done: bool) -> String {
    format!("feedback.{}.{}", kind_code(kind), u8::from(done))
}

pub fn next_id(tx: &WriteTx) -> Result<u64, Error> {
    super::next_id(tx, "feedback")
}

pub fn get(tx: &impl ReadAccess, id: u64) -> Result<Option<FeedbackEntry>, Error> {
    let table = tx.open(tables::FEEDBACK)?;
    match table.get(id)? {
        Some(v) => Ok(Some(codec::decode(TABLE, v.value())?)),
        None => Ok(None),
    }
}

fn index(tx: &WriteTx, e: &FeedbackEntry, delta: i64) -> Result<(), Error> {
    let key = (kind_code(e.kind), u8::from(e.done), e.id);
    let mut t = tx.open_table(tables::FEEDBACK_BY_STATE)?;
    if delta > 0 {
        t.insert(key, ())?;
    } else {
        t.remove(key)?;
    }
    counters::add(tx, &counter(e.kind, e.done), delta)
}

pub fn put(tx: &WriteTx, entry: &FeedbackEntry) -> Result<(), Error> {
    if let Some(old) = get(tx, entry.id)? {
        index(tx, &old, -1)?;
    }
    let bytes = codec::encode(TABLE, entry)?;
    tx.open_table(tables::FEEDBACK)?
        .insert(entry.id, bytes.as_slice())?;
    index(tx, entry, 1)
}

/// Number of messages of this kind and state (a stored counter).
pub fn count(tx: &impl ReadAccess, kind: FeedbackKind, done: bool) -> Result<u64, Error> {
    counters::get(tx, &counter(kind, done))
}

/// Up to `limit` messages of the given kinds and states, newest first,
/// after skipping `skip`; merges the index ranges of the combinations, so
/// only index keys are read and only the shown messages are decoded.
pub fn page(
    tx: &impl ReadAccess,
    kinds: &[FeedbackKind],
    states: &[bool],
    skip: usize,
    limit: usize,
) -> Result<Vec<FeedbackEntry>, Error> {
    let index = tx.open(tables::FEEDBACK_BY_STATE)?;
    let mut ranges = Vec::new();
    for k in kinds {
        for d in states {
            let (k, d) = (kind_code(*k), u8::from(*d));
            ranges.push(index.range((k, d, 0)..=(k, d, u64::MAX))?.rev().peekable());
        }
    }
    let mut ids = Vec::new();
    let mut skip = skip;
    while ids.len() < limit {
        // The newest head among the ranges.
        let mut best: Option<(usize, u64)> = None;
        for (i, r) in ranges.iter_mut().enumerate() {
            if let Some(Ok((key, _))) = r.peek() {
                let id = key.value().2;
                if best.is_none_or(|(_, b)| id > b) {
                    best = Some((i, id));
                }
            } else if let Some(Err(_)) = r.peek()
                && let Some(Err(e)) = r.next()
            {
                return Err(e.into());
            }
        }
        let Some((i, id)) = best else { break };
        ranges[i].next();
        if skip > 0 {
            skip -= 1;
        } else {
            ids.push(id);
        }
    }
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(e) = get(tx, id)? {
            out.push(e);
        }
    }
    Ok(out)
}
