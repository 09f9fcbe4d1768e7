//! Server-side sessions, keyed by the hash of the cookie value, with an
//! index by account.

use redb::ReadableTable;

use super::{Error, ReadAccess, WriteTx, codec, tables};
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

pub fn put(tx: &WriteTx, key_hash: &str, session: &Session) -> Result<(), Error> {
    let bytes = codec::encode(TABLE, session)?;
    tx.open_table(tables::SESSIONS)?
        .insert(key_hash, bytes.as_slice())?;
    tx.open_table(tables::SESSIONS_BY_ACCOUNT)?
        .insert((session.account.as_str(), key_hash), ())?;
    Ok(())
}

pub fn delete(tx: &WriteTx, key_hash: &str) -> Result<(), Error> {
    let account = {
        let mut table = tx.open_table(tables::SESSIONS)?;
        let removed = table.remove(key_hash)?;
        // A record that no longer decodes keeps its index entry until the
        // account's sessions are ended; it does not fail the delete.
        removed.and_then(|bytes| {
            codec::decode::<Session>(TABLE, bytes.value())
                .ok()
                .map(|s| s.account)
        })
    };
    if let Some(account) = account {
        tx.open_table(tables::SESSIONS_BY_ACCOUNT)?
            .remove((account.as_str(), key_hash))?;
    }
    Ok(())
}

/// The key hashes and sessions of one account.
pub fn of_account(
    tx: &impl ReadAccess,
    account: &Nutzerkennung,
) -> Result<Vec<(String, Session)>, Error> {
    let index = tx.open(tables::SESSIONS_BY_ACCOUNT)?;
    let mut out = Vec::new();
    let id = account.as_str();
    for item in index.range((id, "")..=(id, "\u{10FFFF}"))? {
        let (key, _) = item?;
        let (_, hash) = key.value();
        if let Some(s) = get(tx, hash)? {
            out.push((hash.to_owned(), s));
        }
    }
    Ok(out)
}

/// Ends the sessions of an account for which `doomed` says so.
pub fn delete_for_account_where(
    tx: &WriteTx,
    account: &Nutzerkennung,
    doomed: impl Fn(&Session) -> bool,
) -> Result<usize, Error> {
    let mut n = 0;
    for (hash, s) in of_account(tx, account)? {
        if doomed(&s) {
            delete(tx, &hash)?;
            n += 1;
        }
    }
    // Index entries whose session is gone (already deleted) are dropped too.
    let stale: Vec<String> = {
        let index = tx.open_table(tables::SESSIONS_BY_ACCOUNT)?;
        let sessions = tx.open_table(tables::SESSIONS)?;
        let id = account.as_str();
        let mut stale = Vec::new();
        for item in index.range((id, "")..=(id, "\u{10FFFF}"))? {
            let (key, _) = item?;
            let (_, hash) = key.value();
            if sessions.get(hash)?.is_none() {
                stale.push(hash.to_owned());
            }
        }
        stale
    };
    let mut index = tx.open_table(tables::SESSIONS_BY_ACCOUNT)?;
    for hash in stale {
        index.remove((account.as_str(), hash.as_str()))?;
    }
    Ok(n)
}

/// Ends every session of an account (password change, lock, deactivation).
pub fn delete_for_account(tx: &WriteTx, account: &Nutzerkennung) -> Result<(), Error> {
    delete_for_account_where(tx, account, |_| true).map(|_| ())
}

/// The key hashes of the sessions for which `expired` says so (and of
/// records that no longer decode). Reads only; the caller deletes them in a
/// write transaction when there are any.
pub fn find_expired(
    tx: &impl ReadAccess,
    expired: impl Fn(&Session) -> bool,
) -> Result<Vec<String>, Error> {
    let table = tx.open(tables::SESSIONS)?;
    let mut doomed = Vec::new();
    for entry in table.iter()? {
        let (k, v) = entry?;
        match codec::decode::<Session>(TABLE, v.value()) {
            Ok(s) if !expired(&s) => {}
            _ => doomed.push(k.value().to_owned()),
        }
    }
    Ok(doomed)
}

/// Sets `last_seen` of a session that still exists (never creates one: a
/// session ended in the meantime stays ended). Returns whether it existed.
pub fn record_activity(
    tx: &WriteTx,
    key_hash: &str,
    last_seen: jiff::Timestamp,
) -> Result<bool, Error> {
    let Some(mut s) = get(tx, key_hash)? else {
        return Ok(false);
    };
    if last_seen > s.last_seen {
        s.last_seen = last_seen;
        let bytes = codec::encode(TABLE, &s)?;
        tx.open_table(tables::SESSIONS)?
            .insert(key_hash, bytes.as_slice())?;
    }
    Ok(true)
}
