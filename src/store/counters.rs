//! Stored counters: the numbers a page shows ("1 - 20 von N", the Kassen
//! home's figures) are kept in step with the records in the same write
//! transaction, so no page counts by scanning.

use redb::ReadableTable;

use super::{Error, ReadAccess, WriteTx, tables};

pub fn get(tx: &impl ReadAccess, name: &str) -> Result<u64, Error> {
    Ok(tx
        .open(tables::COUNTERS)?
        .get(name)?
        .map(|v| v.value())
        .unwrap_or(0))
}

/// Adds `delta` (may be negative) to the counter `name`; never below zero.
pub fn add(tx: &WriteTx, name: &str, delta: i64) -> Result<(), Error> {
    let mut table = tx.open_table(tables::COUNTERS)?;
    let current = table.get(name)?.map(|v| v.value()).unwrap_or(0);
    let next = current.saturating_add_signed(delta);
    if next == 0 {
        table.remove(name)?;
    } else {
        table.insert(name, next)?;
    }
    Ok(())
}

/// Hands every counter whose name starts with `prefix` to `f`.
pub fn scan_prefix(
    tx: &impl ReadAccess,
    prefix: &str,
    mut f: impl FnMut(&str, u64),
) -> Result<(), Error> {
    let table = tx.open(tables::COUNTERS)?;
    for item in table.range(prefix..)? {
        let (k, v) = item?;
        let name = k.value();
        if !name.starts_with(prefix) {
            break;
        }
        f(name, v.value());
    }
    Ok(())
}
