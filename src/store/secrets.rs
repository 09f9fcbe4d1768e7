//! Server secrets and the first-run setup token.

use rand::RngCore;
use redb::ReadableTable;

use super::{Error, ReadAccess, WriteTx, tables};

const CSRF_KEY: &str = "csrf_key";
const SETUP_TOKEN_HASH: &str = "setup_token_hash";

/// The key that binds CSRF tokens to sessions; created on first use.
/// The stored CSRF key, if there is one yet.
pub fn existing_csrf_key(tx: &impl ReadAccess) -> Result<Option<Vec<u8>>, Error> {
    Ok(tx
        .open(tables::SECRETS)?
        .get(CSRF_KEY)?
        .map(|v| v.value().to_vec()))
}

/// The CSRF key, created on first use.
pub fn csrf_key(tx: &WriteTx) -> Result<Vec<u8>, Error> {
    let mut table = tx.open_table(tables::SECRETS)?;
    if let Some(v) = table.get(CSRF_KEY)? {
        return Ok(v.value().to_vec());
    }
    let mut key = vec![0u8; 32];
    rand::rng().fill_bytes(&mut key);
    table.insert(CSRF_KEY, key.as_slice())?;
    Ok(key)
}

pub fn set_setup_token_hash(tx: &WriteTx, hash: &str) -> Result<(), Error> {
    tx.open_table(tables::SECRETS)?
        .insert(SETUP_TOKEN_HASH, hash.as_bytes())?;
    Ok(())
}

pub fn setup_token_hash(tx: &impl ReadAccess) -> Result<Option<String>, Error> {
    let table = tx.open(tables::SECRETS)?;
    Ok(table
        .get(SETUP_TOKEN_HASH)?
        .map(|v| String::from_utf8_lossy(v.value()).into_owned()))
}

pub fn clear_setup_token(tx: &WriteTx) -> Result<(), Error> {
    tx.open_table(tables::SECRETS)?.remove(SETUP_TOKEN_HASH)?;
    Ok(())
}
