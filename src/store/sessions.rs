//! Server-side sessions, keyed by the hash of the cookie value.

use redb::{ReadableTable, WriteTransaction};

use super::{Error, ReadAccess, codec, tables};
use crate::domain::ids::Nutzerkennung;
use crate::domain::session::Session;

const TABLE: &str = "sessions";

pub fn get(tx: &impl ReadAccess, key_hash: &str) -> Result<Option<Session>, Error> {
    let table = tx.open(tables::SESSIONS)?;
    match table.get(key_hash)? {
        Some(v) => Ok(Some(codec::decode(TABLE, v.value())?)),
        None => Ok(None),
    }
}

pub fn put(tx: &WriteTransaction, key_hash: &str, session: &Session) -> Result<(), Error> {
    let bytes = codec::encode(TABLE, session)?;
    tx.open_table(tables::SESSIONS)?
        .insert(key_hash, bytes.as_slice())?;
    Ok(())
}

pub fn delete(tx: &WriteTransaction, key_hash: &str) -> Result<(), Error> {
    tx.open_table(tables::SESSIONS)?.remove(key_hash)?;
    Ok(())
}

/// Ends every session of an account (password change, lock, deactivation).
pub fn delete_for_account(tx: &WriteTransaction, account: &Nutzerkennung) -> Result<(), Error> {
    let mut table = tx.open_table(tables::SESSIONS)?;
    let mut doomed = Vec::new();
    for entry in table.iter()? {
        let (k, v) = entry?;
        let session: Session = codec::decode(TABLE, v.value())?;
        if &session.account == account {
            doomed.push(k.value().to_owned());
        }
    }
    for key in doomed {
        table.remove(key.as_str())?;
    }
    Ok(())
}

/// Removes sessions for which `expired` says so; returns how many.
pub fn purge(tx: &WriteTransaction, expired: impl Fn(&Session) -> bool) -> Result<usize, Error> {
    let mut table = tx.open_table(tables::SESSIONS)?;
    let mut doomed = Vec::new();
    for entry in table.iter()? {
        let (k, v) = entry?;
        match codec::decode::<Session>(TABLE, v.value()) {
            Ok(s) if !expired(&s) => {}
            _ => doomed.push(k.value().to_owned()),
        }
    }
    for key in &doomed {
        table.remove(key.as_str())?;
    }
    Ok(doomed.len())
}
