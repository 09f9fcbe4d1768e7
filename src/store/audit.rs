//! The audit log: append-only.

use redb::{ReadableTable, WriteTransaction};

use super::{Error, ReadAccess, codec, tables};
use crate::domain::audit::AuditEntry;

const TABLE: &str = "audit";

/// Appends an entry in the transaction of the change it describes.
pub fn append(tx: &WriteTransaction, entry: &AuditEntry) -> Result<u64, Error> {
    let id = super::next_id(tx, "audit")?;
    let bytes = codec::encode(TABLE, entry)?;
    tx.open_table(tables::AUDIT)?.insert(id, bytes.as_slice())?;
    Ok(id)
}

/// Every entry, newest first.
pub fn all_newest_first(tx: &impl ReadAccess) -> Result<Vec<(u64, AuditEntry)>, Error> {
    let table = tx.open(tables::AUDIT)?;
    let mut out = Vec::new();
    for entry in table.iter()?.rev() {
        let (k, v) = entry?;
        out.push((k.value(), codec::decode(TABLE, v.value())?));
    }
    Ok(out)
}
