//! The durable outbound mail queue, kept as the Postausgang after delivery.
//!
//! Four tables (see `tables`): the metadata by id, an index by (state, id),
//! the raw MIME as bytes (redacted: links and TANs replaced), and the sealed
//! deliverable message of mails with a secret until delivery. The number of
//! mails per state is kept in `meta` (`mail.count.<state>`), so pages show
//! figures without reading the queue.

use jiff::Timestamp;
use redb::ReadableTable;

use super::{Error, ReadAccess, WriteTx, codec, tables};
use crate::domain::mail::{MailCounts, MailState, OutgoingMail};

const TABLE: &str = "mail_queue";

pub fn next_id(tx: &WriteTx) -> Result<u64, Error> {
    super::next_id(tx, "mail")
}

fn count_key(state: MailState) -> String {
    format!("mail.count.{}", state.key())
}

fn add_count(tx: &WriteTx, state: MailState, delta: i64) -> Result<(), Error> {
    let key = count_key(state);
    let mut meta = tx.open_table(tables::META)?;
    let now = meta.get(key.as_str())?.map(|v| v.value()).unwrap_or(0);
    meta.insert(key.as_str(), now.saturating_add_signed(delta))?;
    Ok(())
}

/// Stores a new mail: its metadata, its redacted raw MIME and, for a mail
/// with a link or TAN, the sealed deliverable message.
pub fn insert(
    tx: &WriteTx,
    mail: &OutgoingMail,
    raw: &[u8],
    sealed: Option<&[u8]>,
) -> Result<(), Error> {
    put(tx, mail)?;
    tx.open_table(tables::MAIL_RAW)?.insert(mail.id, raw)?;
    if let Some(sealed) = sealed {
        tx.open_table(tables::MAIL_SEALED)?
            .insert(mail.id, sealed)?;
    }
    Ok(())
}

/// Stores a mail's metadata and keeps the state index and the counters in step.
pub fn put(tx: &WriteTx, mail: &OutgoingMail) -> Result<(), Error> {
    let bytes = codec::encode(TABLE, mail)?;
    let old = tx
        .open_table(tables::MAIL_QUEUE)?
        .insert(mail.id, bytes.as_slice())?
        .map(|v| codec::decode::<OutgoingMail>(TABLE, v.value()))
        .transpose()?;
    let old_state = old.map(|m| m.state);
    if old_state != Some(mail.state) {
        let mut index = tx.open_table(tables::MAIL_BY_STATE)?;
        if let Some(s) = old_state {
            index.remove((s.code(), mail.id))?;
            add_count(tx, s, -1)?;
        }
        index.insert((mail.state.code(), mail.id), ())?;
        add_count(tx, mail.state, 1)?;
    }
    Ok(())
}

pub fn get(tx: &impl ReadAccess, id: u64) -> Result<Option<OutgoingMail>, Error> {
    let table = tx.open(tables::MAIL_QUEUE)?;
    match table.get(id)? {
        Some(v) => Ok(Some(codec::decode(TABLE, v.value())?)),
        None => Ok(None),
    }
}

/// The stored (redacted) raw MIME of a mail.
pub fn raw(tx: &impl ReadAccess, id: u64) -> Result<Option<Vec<u8>>, Error> {
    Ok(tx
        .open(tables::MAIL_RAW)?
        .get(id)?
        .map(|v| v.value().to_vec()))
}

/// The sealed deliverable message of a mail with a link or TAN.
pub fn sealed(tx: &impl ReadAccess, id: u64) -> Result<Option<Vec<u8>>, Error> {
    Ok(tx
        .open(tables::MAIL_SEALED)?
        .get(id)?
        .map(|v| v.value().to_vec()))
}

/// Drops the sealed message (after delivery or when the mail is given up).
pub fn drop_sealed(tx: &WriteTx, id: u64) -> Result<(), Error> {
    tx.open_table(tables::MAIL_SEALED)?.remove(id)?;
    Ok(())
}

/// Removes the body of `mail` (raw MIME, text, sealed message), keeping
/// recipient, subject, times and state.
pub fn drop_body(tx: &WriteTx, mail: &mut OutgoingMail) -> Result<(), Error> {
    tx.open_table(tables::MAIL_RAW)?.remove(mail.id)?;
    drop_sealed(tx, mail.id)?;
    mail.text.clear();
    mail.live_body = false;
    mail.body_removed = true;
    put(tx, mail)
}

/// Mails still waiting for delivery, oldest first (from the state index).
pub fn pending(tx: &impl ReadAccess) -> Result<Vec<OutgoingMail>, Error> {
    let index = tx.open(tables::MAIL_BY_STATE)?;
    let code = MailState::Queued.code();
    let mut out = Vec::new();
    for entry in index.range((code, 0)..=(code, u64::MAX))? {
        let (key, _) = entry?;
        if let Some(mail) = get(tx, key.value().1)? {
            out.push(mail);
        }
    }
    Ok(out)
}

/// Up to `limit` mails older than the mail `before` (all when `None`),
/// newest first, of `state` or of every state. Reads no more records than
/// it returns.
pub fn page(
    tx: &impl ReadAccess,
    state: Option<MailState>,
    before: Option<u64>,
    limit: usize,
) -> Result<Vec<OutgoingMail>, Error> {
    let end = before.unwrap_or(u64::MAX);
    let mut out = Vec::new();
    match state {
        None => {
            let table = tx.open(tables::MAIL_QUEUE)?;
            for entry in table.range(..end)?.rev().take(limit) {
                let (_, v) = entry?;
                out.push(codec::decode(TABLE, v.value())?);
            }
        }
        Some(s) => {
            let index = tx.open(tables::MAIL_BY_STATE)?;
            for entry in index
                .range((s.code(), 0)..(s.code(), end))?
                .rev()
                .take(limit)
            {
                let (key, _) = entry?;
                if let Some(mail) = get(tx, key.value().1)? {
                    out.push(mail);
                }
            }
        }
    }
    Ok(out)
}

/// The stored number of mails per state.
pub fn counts(tx: &impl ReadAccess) -> Result<MailCounts, Error> {
    let meta = tx.open(tables::META)?;
    let get = |s: MailState| -> Result<u64, Error> {
        Ok(meta
            .get(count_key(s).as_str())?
            .map(|v| v.value())
            .unwrap_or(0))
    };
    Ok(MailCounts {
        queued: get(MailState::Queued)?,
        sent: get(MailState::Sent)?,
        failed: get(MailState::Failed)?,
    })
}

/// Ids of up to `batch` delivered or given-up mails created before
/// `cutoff` whose body is still stored, oldest first. Walks the raw-body
/// table, which holds only mails whose body is still there, so repeated
/// purges do not rescan removed ones.
pub fn purge_candidates(
    tx: &impl ReadAccess,
    cutoff: Timestamp,
    batch: usize,
) -> Result<Vec<u64>, Error> {
    let raw = tx.open(tables::MAIL_RAW)?;
    let mut out = Vec::new();
    for entry in raw.iter()? {
        if out.len() >= batch {
            break;
        }
        let (id, _) = entry?;
        let id = id.value();
        match get(tx, id)? {
            // Ids ascend with time: every later mail is newer.
            Some(mail) if mail.created_at >= cutoff => break,
            Some(mail) if mail.state == MailState::Queued => {}
            // Delivered or given up, or a body without metadata.
            _ => out.push(id),
        }
    }
    Ok(out)
}

/// Removes the bodies of up to `batch` delivered or given-up mails created
/// before `cutoff`, oldest first; returns how many.
pub fn purge_bodies(tx: &WriteTx, cutoff: Timestamp, batch: usize) -> Result<usize, Error> {
    let ids = purge_candidates(tx, cutoff, batch)?;
    for id in &ids {
        match get(tx, *id)? {
            Some(mut mail) => drop_body(tx, &mut mail)?,
            None => {
                tx.open_table(tables::MAIL_RAW)?.remove(*id)?;
            }
        }
    }
    Ok(ids.len())
}
