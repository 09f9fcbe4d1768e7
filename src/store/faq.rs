//! FAQ entries.

use redb::ReadableTable;

use super::{Error, ReadAccess, WriteTx, codec, tables};
use crate::domain::help::FaqEntry;

const TABLE: &str = "faq";

pub fn next_id(tx: &WriteTx) -> Result<u64, Error> {
    super::next_id(tx, "faq")
}

pub fn get(tx: &impl ReadAccess, id: u64) -> Result<Option<FaqEntry>, Error> {
    let table = tx.open(tables::FAQ)?;
    match table.get(id)? {
        Some(v) => Ok(Some(codec::decode(TABLE, v.value())?)),
        None => Ok(None),
    }
}

pub fn put(tx: &WriteTx, entry: &FaqEntry) -> Result<(), Error> {
    let bytes = codec::encode(TABLE, entry)?;
    tx.open_table(tables::FAQ)?
        .insert(entry.id, bytes.as_slice())?;
    Ok(())
}

pub fn delete(tx: &WriteTx, id: u64) -> Result<(), Error> {
    tx.open_table(tables::FAQ)?.remove(id)?;
    Ok(())
}

/// Every entry in the order of the FAQ page.
pub fn all_in_order(tx: &impl ReadAccess) -> Result<Vec<FaqEntry>, Error> {
    let table = tx.open(tables::FAQ)?;
    let mut out: Vec<FaqEntry> = Vec::new();
    for entry in table.iter()? {
        let (_, v) = entry?;
        out.push(codec::decode(TABLE, v.value())?);
    }
    out.sort_by_key(|e| (e.position, e.id));
    Ok(out)
}
