//! Member organisations.

use redb::ReadableTable;

use super::{Error, ReadAccess, WriteTx, codec, tables};
use crate::domain::org::{OrgId, Organisation};

const TABLE: &str = "orgs";

pub fn get(tx: &impl ReadAccess, id: OrgId) -> Result<Option<Organisation>, Error> {
    let table = tx.open(tables::ORGS)?;
    match table.get(id)? {
        Some(v) => Ok(Some(codec::decode(TABLE, v.value())?)),
        None => Ok(None),
    }
}

pub fn by_number(tx: &impl ReadAccess, number: &str) -> Result<Option<OrgId>, Error> {
    Ok(tx
        .open(tables::ORG_NUMBERS)?
        .get(number.trim())?
        .map(|v| v.value()))
}

/// Inserts or updates an organisation and keeps the number index in step.
pub fn put(tx: &WriteTx, org: &Organisation) -> Result<(), Error> {
    let previous = get(tx, org.id)?;
    {
        let mut numbers = tx.open_table(tables::ORG_NUMBERS)?;
        if let Some(prev) = &previous
            && prev.number != org.number
        {
            numbers.remove(prev.number.as_str())?;
        }
        numbers.insert(org.number.as_str(), org.id)?;
    }
    let bytes = codec::encode(TABLE, org)?;
    tx.open_table(tables::ORGS)?
        .insert(org.id, bytes.as_slice())?;
    // The accounts' status in the index depends on the organisation's second
    // factor (an account on E-Mail-TAN needs no authenticator).
    if previous.is_some_and(|p| p.second_factor != org.second_factor) {
        super::accounts::refresh_org_index(tx, org)?;
    }
    Ok(())
}

/// Number of organisations (a length, not a scan).
pub fn count(tx: &impl ReadAccess) -> Result<u64, Error> {
    use redb::ReadableTableMetadata;
    Ok(tx.open(tables::ORGS)?.len()?)
}

pub fn all(tx: &impl ReadAccess) -> Result<Vec<Organisation>, Error> {
    let table = tx.open(tables::ORGS)?;
    let mut out = Vec::new();
    for entry in table.iter()? {
        let (_, v) = entry?;
        out.push(codec::decode(TABLE, v.value())?);
    }
    Ok(out)
}
