//! Accounts and the register of issued Nutzerkennungen.

use redb::{ReadableTable, ReadableTableMetadata, WriteTransaction};

use super::{Error, ReadAccess, codec, tables};
use crate::domain::account::{Account, Role};
use crate::domain::ids::Nutzerkennung;
use crate::domain::org::OrgId;

const TABLE: &str = "accounts";

pub fn get(tx: &impl ReadAccess, id: &Nutzerkennung) -> Result<Option<Account>, Error> {
    let table = tx.open(tables::ACCOUNTS)?;
    match table.get(id.as_str())? {
        Some(v) => Ok(Some(codec::decode(TABLE, v.value())?)),
        None => Ok(None),
    }
}

pub fn put(tx: &WriteTransaction, account: &Account) -> Result<(), Error> {
    let bytes = codec::encode(TABLE, account)?;
    tx.open_table(tables::ACCOUNTS)?
        .insert(account.id.as_str(), bytes.as_slice())?;
    Ok(())
}

/// Removes an account for good; its Nutzerkennung stays issued.
pub fn delete(tx: &WriteTransaction, id: &Nutzerkennung) -> Result<(), Error> {
    tx.open_table(tables::ACCOUNTS)?.remove(id.as_str())?;
    Ok(())
}

/// Issues a Nutzerkennung that was never issued before.
pub fn issue_id(
    tx: &WriteTransaction,
    role: &Role,
    now: jiff::Timestamp,
) -> Result<Nutzerkennung, Error> {
    let mut issued = tx.open_table(tables::ISSUED_IDS)?;
    let mut rng = rand::rng();
    loop {
        let candidate = Nutzerkennung::random(role.id_prefix(), &mut rng);
        if issued.get(candidate.as_str())?.is_none() {
            issued.insert(candidate.as_str(), now.as_second())?;
            return Ok(candidate);
        }
    }
}

/// Issues the given Nutzerkennung (the documented ids of the demo data set);
/// false when it was issued before.
pub fn issue_fixed(
    tx: &WriteTransaction,
    id: &Nutzerkennung,
    now: jiff::Timestamp,
) -> Result<bool, Error> {
    let mut issued = tx.open_table(tables::ISSUED_IDS)?;
    if issued.get(id.as_str())?.is_some() {
        return Ok(false);
    }
    issued.insert(id.as_str(), now.as_second())?;
    Ok(true)
}

pub fn is_issued(tx: &impl ReadAccess, id: &Nutzerkennung) -> Result<bool, Error> {
    Ok(tx.open(tables::ISSUED_IDS)?.get(id.as_str())?.is_some())
}

/// Every account, in Nutzerkennung order.
pub fn all(tx: &impl ReadAccess) -> Result<Vec<Account>, Error> {
    let table = tx.open(tables::ACCOUNTS)?;
    let mut out = Vec::new();
    for entry in table.iter()? {
        let (_, v) = entry?;
        out.push(codec::decode(TABLE, v.value())?);
    }
    Ok(out)
}

/// The accounts (administrators and users) of one organisation.
pub fn of_org(tx: &impl ReadAccess, org: OrgId) -> Result<Vec<Account>, Error> {
    Ok(all(tx)?
        .into_iter()
        .filter(|a| a.org() == Some(org))
        .collect())
}

pub fn count(tx: &impl ReadAccess) -> Result<u64, Error> {
    Ok(tx.open(tables::ACCOUNTS)?.len()?)
}
