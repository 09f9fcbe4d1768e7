//! The audit log's hash chain (docs/audit-chain.md): every entry carries the
//! SHA-256 of its canonical form and the previous entry's hash. The head,
//! the checkpoint left at a retention cut, the daily anchors and the last
//! verification result live in `tables::AUDIT_CHAIN` and
//! `tables::AUDIT_ANCHORS`, created lazily (stores written before the
//! chain are chained once at open by [`chain_existing`]).

use std::collections::BTreeMap;

use redb::ReadableTable;

use super::{Error, ReadAccess, WriteTx, codec, tables};
use crate::domain::audit::{
    Anchor, AuditEntry, Break, ChainLink, GENESIS, Verification, chain_hash,
};

const HEAD: &str = "head";
const CHECKPOINT: &str = "checkpoint";
const VERIFIED: &str = "verified";

/// `None` for a table that does not exist yet (a store from before the
/// chain, opened read-only).
fn missing_is_none<T>(r: Result<T, Error>) -> Result<Option<T>, Error> {
    match r {
        Ok(t) => Ok(Some(t)),
        Err(Error::Db(super::DbError(redb::Error::TableDoesNotExist(_)))) => Ok(None),
        Err(e) => Err(e),
    }
}

fn get_value<T: serde::de::DeserializeOwned>(
    tx: &impl ReadAccess,
    key: &str,
) -> Result<Option<T>, Error> {
    let Some(table) = missing_is_none(tx.open(tables::AUDIT_CHAIN))? else {
        return Ok(None);
    };
    match table.get(key)? {
        Some(v) => Ok(Some(codec::decode("audit_chain", v.value())?)),
        None => Ok(None),
    }
}

fn put_value<T: serde::Serialize>(tx: &WriteTx, key: &str, v: &T) -> Result<(), Error> {
    let bytes = codec::encode("audit_chain", v)?;
    tx.open_table(tables::AUDIT_CHAIN)?
        .insert(key, bytes.as_slice())?;
    Ok(())
}

/// The chain head: the last entry's number and hash.
pub fn head(tx: &impl ReadAccess) -> Result<Option<Anchor>, Error> {
    get_value(tx, HEAD)
}

/// The checkpoint left at the last retention cut (the hash of the newest
/// deleted entry), or where chaining began on an older store.
pub fn checkpoint(tx: &impl ReadAccess) -> Result<Option<Anchor>, Error> {
    get_value(tx, CHECKPOINT)
}

/// The result of the last verification run by the housekeeping job.
pub fn last_verification(tx: &impl ReadAccess) -> Result<Option<Verification>, Error> {
    get_value(tx, VERIFIED)
}

pub fn set_last_verification(tx: &WriteTx, v: &Verification) -> Result<(), Error> {
    put_value(tx, VERIFIED, v)
}

/// The daily anchors, oldest first.
pub fn anchors(tx: &impl ReadAccess) -> Result<Vec<Anchor>, Error> {
    let Some(table) = missing_is_none(tx.open(tables::AUDIT_ANCHORS))? else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for item in table.iter()? {
        let (_, v) = item?;
        out.push(codec::decode("audit_anchors", v.value())?);
    }
    Ok(out)
}

/// Records `anchor` as a daily anchor.
pub fn add_anchor(tx: &WriteTx, anchor: &Anchor) -> Result<(), Error> {
    let id = super::next_id(tx, "audit_anchor")?;
    let bytes = codec::encode("audit_anchors", anchor)?;
    tx.open_table(tables::AUDIT_ANCHORS)?
        .insert(id, bytes.as_slice())?;
    Ok(())
}

/// The hash the next entry chains to, chaining the existing entries first
/// when the store has no head yet.
pub(super) fn prev_for_append(tx: &WriteTx, now: jiff::Timestamp) -> Result<String, Error> {
    if let Some(h) = head(tx)? {
        return Ok(h.hash);
    }
    chain_existing(tx, now)?;
    Ok(head(tx)?.map_or_else(|| GENESIS.to_owned(), |h| h.hash))
}

pub(super) fn set_head(tx: &WriteTx, anchor: &Anchor) -> Result<(), Error> {
    put_value(tx, HEAD, anchor)
}

/// Drops the chain's head and anchors, so that the store looks written
/// before the chain existed: only for tests of [`chain_existing`].
#[doc(hidden)]
pub fn forget_chain(tx: &WriteTx) -> Result<(), Error> {
    tx.delete_table(tables::AUDIT_CHAIN)?;
    tx.delete_table(tables::AUDIT_ANCHORS)?;
    Ok(())
}

/// Chains the entries of a store written before the chain existed, in the
/// caller's transaction: each entry gets its link, oldest first from
/// [`GENESIS`]; when older entries were already deleted, a checkpoint with
/// [`GENESIS`] marks where the chain begins. Does nothing when a head exists.
pub fn chain_existing(tx: &WriteTx, now: jiff::Timestamp) -> Result<u64, Error> {
    if head(tx)?.is_some() {
        return Ok(0);
    }
    // Both tables exist from now on (backups copy them).
    tx.open_table(tables::AUDIT_ANCHORS)?;
    let mut prev = GENESIS.to_owned();
    let mut first = None;
    let mut last = None;
    let mut n = 0u64;
    {
        let mut table = tx.open_table(tables::AUDIT)?;
        let ids: Vec<u64> = {
            let mut ids = Vec::new();
            for item in table.iter()? {
                ids.push(item?.0.value());
            }
            ids
        };
        for id in ids {
            let mut e: AuditEntry = match table.get(id)? {
                Some(v) => codec::decode("audit", v.value())?,
                None => continue,
            };
            let hash = chain_hash(id, &e, &prev);
            e.chain = Some(ChainLink {
                prev: std::mem::replace(&mut prev, hash.clone()),
                hash,
            });
            let bytes = codec::encode("audit", &e)?;
            table.insert(id, bytes.as_slice())?;
            first.get_or_insert(id);
            last = Some(id);
            n += 1;
        }
    }
    // Ids handed out so far (entries may all have been deleted).
    let issued = tx
        .open_table(tables::META)?
        .get("seq.audit")?
        .map(|v| v.value())
        .unwrap_or(0);
    let begin = first.map_or(issued, |f| f - 1);
    if begin > 0 {
        put_value(
            tx,
            CHECKPOINT,
            &Anchor {
                at: now,
                seq: begin,
                hash: GENESIS.to_owned(),
            },
        )?;
    }
    set_head(
        tx,
        &Anchor {
            at: now,
            seq: last.unwrap_or(begin),
            hash: prev,
        },
    )?;
    Ok(n)
}

/// Called by retention after deleting the entries up to `cut` (whose hash
/// is `hash`): leaves the checkpoint there and drops anchors that now point
/// before the remaining chain.
pub(super) fn cut(tx: &WriteTx, cut: u64, hash: &str, now: jiff::Timestamp) -> Result<(), Error> {
    put_value(
        tx,
        CHECKPOINT,
        &Anchor {
            at: now,
            seq: cut,
            hash: hash.to_owned(),
        },
    )?;
    let doomed: Vec<u64> = {
        let table = tx.open_table(tables::AUDIT_ANCHORS)?;
        let mut out = Vec::new();
        for item in table.iter()? {
            let (k, v) = item?;
            let a: Anchor = codec::decode("audit_anchors", v.value())?;
            if a.seq <= cut {
                out.push(k.value());
            }
        }
        out
    };
    let mut table = tx.open_table(tables::AUDIT_ANCHORS)?;
    for k in doomed {
        table.remove(k)?;
    }
    Ok(())
}

fn broken(seq: u64, reason: impl Into<String>) -> Break {
    Break {
        seq,
        reason: reason.into(),
    }
}

/// Checks the chain from entry `from` (1 = all; a later start trusts the
/// `prev` of the first entry checked). Reads one snapshot, entry by entry.
pub fn verify(
    tx: &impl ReadAccess,
    from: u64,
    now: jiff::Timestamp,
) -> Result<Verification, Error> {
    let mut result = Verification {
        at: now,
        entries: 0,
        head: None,
        broken: None,
        intact_since: None,
    };
    let recorded_head = head(tx)?;
    let checkpoint = checkpoint(tx)?;
    let anchors: BTreeMap<u64, String> =
        anchors(tx)?.into_iter().map(|a| (a.seq, a.hash)).collect();
    let table = tx.open(tables::AUDIT)?;
    let first_id = table.first()?.map(|(k, _)| k.value());
    let whole = first_id.is_none_or(|f| from <= f);
    // The hash the next entry must chain to, when known.
    let mut expected: Option<String> = None;
    let mut last: Option<u64> = None;
    if whole {
        let start = first_id.map_or(recorded_head.as_ref().map_or(0, |h| h.seq), |f| f - 1);
        if start == 0 {
            expected = Some(GENESIS.to_owned());
        } else {
            match &checkpoint {
                Some(c) if c.seq == start => expected = Some(c.hash.clone()),
                _ => {
                    result.broken = Some(broken(
                        start,
                        format!(
                            "Eintrag Nr. {start} fehlt: die Einträge davor wurden ohne Prüfpunkt gelöscht"
                        ),
                    ));
                    return Ok(result);
                }
            }
        }
        last = Some(start);
    }
    for item in table.range(from..)? {
        let (k, v) = item?;
        let id = k.value();
        if let Some(l) = last
            && id != l + 1
        {
            result.broken = Some(broken(l + 1, format!("Eintrag Nr. {} fehlt", l + 1)));
            return Ok(result);
        }
        let e: AuditEntry = match codec::decode("audit", v.value()) {
            Ok(e) => e,
            Err(_) => {
                result.broken = Some(broken(id, format!("Eintrag Nr. {id} ist unlesbar")));
                return Ok(result);
            }
        };
        let Some(link) = &e.chain else {
            result.broken = Some(broken(id, format!("Eintrag Nr. {id} hat keinen Hash")));
            return Ok(result);
        };
        if expected.as_ref().is_some_and(|x| *x != link.prev) {
            result.broken = Some(broken(
                id,
                format!(
                    "Eintrag Nr. {id}: der Vorgänger-Hash passt nicht (Eintrag davor gelöscht, verändert oder vertauscht)"
                ),
            ));
            return Ok(result);
        }
        if chain_hash(id, &e, &link.prev) != link.hash {
            result.broken = Some(broken(
                id,
                format!("Eintrag Nr. {id}: der Inhalt passt nicht zum Hash (verändert)"),
            ));
            return Ok(result);
        }
        if anchors.get(&id).is_some_and(|a| *a != link.hash) {
            result.broken = Some(broken(
                id,
                format!("Eintrag Nr. {id}: der Hash weicht vom Tagesanker ab"),
            ));
            return Ok(result);
        }
        expected = Some(link.hash.clone());
        last = Some(id);
        result.entries += 1;
        result.head = Some(Anchor {
            at: e.at,
            seq: id,
            hash: link.hash.clone(),
        });
    }
    if !whole && last.is_none() {
        return Ok(result);
    }
    match &recorded_head {
        None => {
            result.broken = Some(broken(
                0,
                "Der Kettenkopf fehlt (Protokoll nicht verkettet)",
            ));
        }
        Some(h) => {
            let end = last.unwrap_or(0);
            if h.seq > end {
                result.broken = Some(broken(end + 1, format!("Eintrag Nr. {} fehlt", end + 1)));
            } else if expected.as_ref().is_some_and(|x| *x != h.hash) || h.seq < end {
                result.broken = Some(broken(
                    end,
                    format!("Eintrag Nr. {end}: der Kettenkopf passt nicht"),
                ));
            }
        }
    }
    if result.broken.is_none()
        && let Some((seq, _)) = anchors.range(last.unwrap_or(0) + 1..).next()
    {
        result.broken = Some(broken(
            *seq,
            format!("Eintrag Nr. {seq} fehlt (ein Tagesanker verweist darauf)"),
        ));
    }
    Ok(result)
}
