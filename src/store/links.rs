//! Single-use e-mail links, keyed by the hash of the token, with indexes by
//! account and by expiry.

use redb::ReadableTable;

use super::{Error, ReadAccess, WriteTx, codec, tables};
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

pub fn put(tx: &WriteTx, token_hash: &str, link: &Link) -> Result<(), Error> {
    if let Some(old) = get(tx, token_hash)? {
        unindex(tx, token_hash, &old)?;
    }
    let bytes = codec::encode(TABLE, link)?;
    tx.open_table(tables::LINKS)?
        .insert(token_hash, bytes.as_slice())?;
    index(tx, token_hash, link)
}

fn index(tx: &WriteTx, token_hash: &str, link: &Link) -> Result<(), Error> {
    tx.open_table(tables::LINKS_BY_ACCOUNT)?
        .insert((link.account.as_str(), token_hash), ())?;
    tx.open_table(tables::LINKS_BY_EXPIRY)?
        .insert((link.expires_at.as_second(), token_hash), ())?;
    Ok(())
}

fn unindex(tx: &WriteTx, token_hash: &str, link: &Link) -> Result<(), Error> {
    tx.open_table(tables::LINKS_BY_ACCOUNT)?
        .remove((link.account.as_str(), token_hash))?;
    tx.open_table(tables::LINKS_BY_EXPIRY)?
        .remove((link.expires_at.as_second(), token_hash))?;
    Ok(())
}

pub fn delete(tx: &WriteTx, token_hash: &str) -> Result<(), Error> {
    if let Some(old) = get(tx, token_hash)? {
        unindex(tx, token_hash, &old)?;
    }
    tx.open_table(tables::LINKS)?.remove(token_hash)?;
    Ok(())
}

/// The outstanding links of an account, with their token hashes.
pub fn of_account(
    tx: &impl ReadAccess,
    account: &Nutzerkennung,
) -> Result<Vec<(String, Link)>, Error> {
    let index = tx.open(tables::LINKS_BY_ACCOUNT)?;
    let id = account.as_str();
    let mut out = Vec::new();
    for item in index.range((id, "")..=(id, "\u{10FFFF}"))? {
        let (key, _) = item?;
        let (_, hash) = key.value();
        if let Some(link) = get(tx, hash)? {
            out.push((hash.to_owned(), link));
        }
    }
    Ok(out)
}

/// Voids every link of this kind for the account (a new link voids the old).
pub fn delete_for(
    tx: &WriteTx,
    account: &Nutzerkennung,
    kind: Option<LinkKind>,
) -> Result<(), Error> {
    for (hash, link) in of_account(tx, account)? {
        if kind.is_none_or(|kind| kind == link.kind) {
            delete(tx, &hash)?;
        }
    }
    Ok(())
}

/// Token hashes of the links expired before `now`, at most `limit` (reads
/// only the expiry index).
pub fn find_expired(
    tx: &impl ReadAccess,
    now: jiff::Timestamp,
    limit: usize,
) -> Result<Vec<String>, Error> {
    let index = tx.open(tables::LINKS_BY_EXPIRY)?;
    let mut out = Vec::new();
    for item in index.range((i64::MIN, "")..(now.as_second(), ""))? {
        let (key, _) = item?;
        out.push(key.value().1.to_owned());
        if out.len() >= limit {
            break;
        }
    }
    Ok(out)
}
