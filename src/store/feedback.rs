//! The feedback and support inbox.

use redb::{ReadableTable, WriteTransaction};

use super::{Error, ReadAccess, codec, tables};
use crate::domain::help::FeedbackEntry;

const TABLE: &str = "feedback";

pub fn next_id(tx: &WriteTransaction) -> Result<u64, Error> {
    super::next_id(tx, "feedback")
}

pub fn get(tx: &impl ReadAccess, id: u64) -> Result<Option<FeedbackEntry>, Error> {
    let table = tx.open(tables::FEEDBACK)?;
    match table.get(id)? {
        Some(v) => Ok(Some(codec::decode(TABLE, v.value())?)),
        None => Ok(None),
    }
}

pub fn put(tx: &WriteTransaction, entry: &FeedbackEntry) -> Result<(), Error> {
    let bytes = codec::encode(TABLE, entry)?;
    tx.open_table(tables::FEEDBACK)?
        .insert(entry.id, bytes.as_slice())?;
    Ok(())
}

/// Every message, newest first.
pub fn all_newest_first(tx: &impl ReadAccess) -> Result<Vec<FeedbackEntry>, Error> {
    let table = tx.open(tables::FEEDBACK)?;
    let mut out = Vec::new();
    for entry in table.iter()?.rev() {
        let (_, v) = entry?;
        out.push(codec::decode(TABLE, v.value())?);
    }
    Ok(out)
}
