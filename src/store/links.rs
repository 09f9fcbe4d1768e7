//! Single-use e-mail links, keyed by the hash of the token.

use redb::{ReadableTable, WriteTransaction};

use super::{Error, ReadAccess, codec, tables};
use crate::domain::ids::Nutzerkennung;
use crate::domain::link::{Link, LinkKind};

const TABLE: &str = "links";

pub fn get(tx: &impl ReadAccess, token_hash: &str) -> Result<Option<Link>, Error> {
    let table = tx.open(tables::LINKS)?;
    match table.get(token_hash)? {
        Some(v) => Ok(Some(codec::decode(TABLE, v.value())?)),
        None => Ok(None),
    }
}

pub fn put(tx: &WriteTransaction, token_hash: &str, link: &Link) -> Result<(), Error> {
    let bytes = codec::encode(TABLE, link)?;
    tx.open_table(tables::LINKS)?
        .insert(token_hash, bytes.as_slice())?;
    Ok(())
}

pub fn delete(tx: &WriteTransaction, token_hash: &str) -> Result<(), Error> {
    tx.open_table(tables::LINKS)?.remove(token_hash)?;
    Ok(())
}

/// Voids every link of this kind for the account (a new link voids the old).
pub fn delete_for(
    tx: &WriteTransaction,
    account: &Nutzerkennung,
    kind: Option<LinkKind>,
) -> Result<(), Error> {
    let mut table = tx.open_table(tables::LINKS)?;
    let mut doomed = Vec::new();
    for entry in table.iter()? {
        let (k, v) = entry?;
        let link: Link = codec::decode(TABLE, v.value())?;
        if &link.account == account && kind.is_none_or(|kind| kind == link.kind) {
            doomed.push(k.value().to_owned());
        }
    }
    for key in doomed {
        table.remove(key.as_str())?;
    }
    Ok(())
}

/// Removes links expired before `now`.
pub fn purge_expired(tx: &WriteTransaction, now: jiff::Timestamp) -> Result<usize, Error> {
    let mut table = tx.open_table(tables::LINKS)?;
    let mut doomed = Vec::new();
    for entry in table.iter()? {
        let (k, v) = entry?;
        match codec::decode::<Link>(TABLE, v.value()) {
            Ok(l) if l.expires_at > now => {}
            _ => doomed.push(k.value().to_owned()),
        }
    }
    for key in &doomed {
        table.remove(key.as_str())?;
    }
    Ok(doomed.len())
}
