//! The durable outbound mail queue, kept as the Postausgang after delivery.

use redb::{ReadableTable, WriteTransaction};

use super::{Error, ReadAccess, codec, tables};
use crate::domain::mail::{MailState, OutgoingMail};

const TABLE: &str = "mail_queue";

pub fn next_id(tx: &WriteTransaction) -> Result<u64, Error> {
    super::next_id(tx, "mail")
}

/// Stores a mail and keeps the index of pending mails in step.
pub fn put(tx: &WriteTransaction, mail: &OutgoingMail) -> Result<(), Error> {
    let bytes = codec::encode(TABLE, mail)?;
    tx.open_table(tables::MAIL_QUEUE)?
        .insert(mail.id, bytes.as_slice())?;
    let mut pending = tx.open_table(tables::MAIL_PENDING)?;
    if mail.state == MailState::Queued {
        pending.insert(mail.id, ())?;
    } else {
        pending.remove(mail.id)?;
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

/// Mails still waiting for delivery, oldest first.
pub fn pending(tx: &impl ReadAccess) -> Result<Vec<OutgoingMail>, Error> {
    let index = tx.open(tables::MAIL_PENDING)?;
    let mut out = Vec::new();
    for entry in index.iter()? {
        let (id, _) = entry?;
        if let Some(mail) = get(tx, id.value())? {
            out.push(mail);
        }
    }
    Ok(out)
}

/// Every mail, oldest first.
pub fn all(tx: &impl ReadAccess) -> Result<Vec<OutgoingMail>, Error> {
    let table = tx.open(tables::MAIL_QUEUE)?;
    let mut out = Vec::new();
    for entry in table.iter()? {
        let (_, v) = entry?;
        out.push(codec::decode(TABLE, v.value())?);
    }
    Ok(out)
}
