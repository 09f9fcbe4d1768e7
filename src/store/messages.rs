//! Message records (schema 7): a header per message with everything a
//! list row or search hit shows, the Text apart and compressed, the
//! conversations by Referenz and the search terms — all kept in step in
//! one transaction. The mailboxes a message lies in are in
//! `store::mailboxes` (re-exported here).

use std::io::{Read, Write};

use jiff::Timestamp;
use redb::ReadableTable;
use serde::{Deserialize, Serialize};

pub use super::mailboxes::*;
use super::{Error, ReadAccess, WriteTx, blobs, codec, tables};
use crate::domain::ids::Nutzerkennung;
use crate::domain::message::{Attachment, Message, MessageHeader};
use crate::domain::org::{Bereich, OrgId};

const HEADERS: &str = "message_headers";
const TEXTS: &str = "message_texts";

/// A header as stored: short field names, mailboxes by their compact id,
/// the Bereich by its code.
#[derive(Serialize, Deserialize)]
pub(super) struct StoredHeader {
    #[serde(rename = "r")]
    pub referenz: String,
    #[serde(rename = "s")]
    pub subject: String,
    #[serde(rename = "b")]
    pub bereich: u8,
    #[serde(rename = "t")]
    pub thema: String,
    #[serde(rename = "c")]
    pub created_at: Timestamp,
    #[serde(rename = "f")]
    pub from: MailboxId,
    #[serde(rename = "o")]
    pub to: MailboxId,
    #[serde(rename = "a", default, skip_serializing_if = "Option::is_none")]
    pub author: Option<Nutzerkennung>,
    #[serde(rename = "n", default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<Attachment>,
    #[serde(rename = "m", default, skip_serializing_if = "Option::is_none")]
    pub org: Option<OrgId>,
    #[serde(rename = "x", default)]
    pub excerpt: String,
}

/// Compresses a Text (raw deflate; a Text of 10,000 characters is
/// compressed in well under a millisecond).
pub(super) fn compress(text: &str) -> Result<Vec<u8>, Error> {
    let mut enc = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::new(6));
    enc.write_all(text.as_bytes())
        .and_then(|()| enc.finish())
        .map_err(|e| Error::Corrupt {
            table: TEXTS,
            detail: e.to_string(),
        })
}

/// Most bytes a stored Text decompresses to (10,000 characters of at most
/// four bytes); a record beyond is corrupt.
const MAX_TEXT_BYTES: u64 = 4 * crate::domain::message::MAX_TEXT as u64 + 4;

fn decompress(bytes: &[u8]) -> Result<String, Error> {
    let mut out = String::new();
    flate2::read::DeflateDecoder::new(bytes)
        .take(MAX_TEXT_BYTES)
        .read_to_string(&mut out)
        .map_err(|e| Error::Corrupt {
            table: TEXTS,
            detail: e.to_string(),
        })?;
    Ok(out)
}

pub fn next_id(tx: &WriteTx) -> Result<u64, Error> {
    super::next_id(tx, "message")
}

/// Stores a new message: header, Text, conversation and search entries
/// (the mailbox entries are added with [`set_entry`]). `org` is the
/// member organisation of the conversation.
pub fn insert(tx: &WriteTx, m: &Message, org: Option<OrgId>) -> Result<(), Error> {
    let h = MessageHeader::of(m, org);
    let stored = StoredHeader {
        referenz: h.referenz,
        subject: h.subject,
        bereich: h.bereich.code(),
        thema: h.thema,
        created_at: h.created_at,
        from: id_or_create(tx, &h.from)?,
        to: id_or_create(tx, &h.to)?,
        author: h.author,
        attachments: h.attachments,
        org: h.org,
        excerpt: h.excerpt,
    };
    tx.open_table(tables::MESSAGE_HEADERS)?
        .insert(m.id, codec::encode(HEADERS, &stored)?.as_slice())?;
    tx.open_table(tables::MESSAGE_TEXTS)?
        .insert(m.id, compress(&m.text)?.as_slice())?;
    tx.open_table(tables::MESSAGES_BY_REF)?
        .insert((m.referenz.as_str(), m.id), ())?;
    super::search_index::index_message(tx, m)
}

/// Headers read through tables opened once per snapshot (a page reads
/// dozens: opening a table per read cost more than the read), with the
/// mailbox keys they name remembered.
pub struct Reader<'a, R: ReadAccess + 'a> {
    headers: R::Table<'a, u64, &'static [u8]>,
    keys: R::Table<'a, u32, &'static str>,
    cache: std::cell::RefCell<Vec<(MailboxId, String)>>,
}

impl<'a, R: ReadAccess> Reader<'a, R> {
    pub fn new(tx: &'a R) -> Result<Self, Error> {
        Ok(Self {
            headers: tx.open(tables::MESSAGE_HEADERS)?,
            keys: tx.open(tables::MAILBOX_KEYS)?,
            cache: std::cell::RefCell::new(Vec::new()),
        })
    }

    fn key(&self, id: MailboxId) -> Result<String, Error> {
        if id == SYSTEM_ID {
            return Ok(crate::domain::message::SYSTEM_SENDER.to_owned());
        }
        if let Some((_, k)) = self.cache.borrow().iter().find(|(i, _)| *i == id) {
            return Ok(k.clone());
        }
        let key = self
            .keys
            .get(id)?
            .map(|v| v.value().to_owned())
            .ok_or_else(|| Error::Corrupt {
                table: "mailbox_keys",
                detail: format!("no mailbox {id}"),
            })?;
        self.cache.borrow_mut().push((id, key.clone()));
        Ok(key)
    }

    /// The header of the message `id`.
    pub fn header(&self, id: u64) -> Result<Option<MessageHeader>, Error> {
        let Some(v) = self.headers.get(id)? else {
            return Ok(None);
        };
        let s: StoredHeader = codec::decode(HEADERS, v.value())?;
        Ok(Some(MessageHeader {
            id,
            referenz: s.referenz,
            subject: s.subject,
            bereich: Bereich::from_code(s.bereich).ok_or_else(|| Error::Corrupt {
                table: HEADERS,
                detail: format!("Bereich code {}", s.bereich),
            })?,
            thema: s.thema,
            created_at: s.created_at,
            from: self.key(s.from)?,
            to: self.key(s.to)?,
            author: s.author,
            attachments: s.attachments,
            org: s.org,
            excerpt: s.excerpt,
        }))
    }
}

/// The header of the message `id`.
pub fn header(tx: &impl ReadAccess, id: u64) -> Result<Option<MessageHeader>, Error> {
    Reader::new(tx)?.header(id)
}

/// The Text of the message `id` (decompressed).
pub fn text(tx: &impl ReadAccess, id: u64) -> Result<Option<String>, Error> {
    match tx.open(tables::MESSAGE_TEXTS)?.get(id)? {
        Some(v) => Ok(Some(decompress(v.value())?)),
        None => Ok(None),
    }
}

/// The whole message (header and Text): for the message view only.
pub fn get(tx: &impl ReadAccess, id: u64) -> Result<Option<Message>, Error> {
    let Some(h) = header(tx, id)? else {
        return Ok(None);
    };
    let text = text(tx, id)?.unwrap_or_default();
    Ok(Some(h.with_text(text)))
}

/// Message ids of a conversation, oldest first.
pub fn conversation(tx: &impl ReadAccess, referenz: &str) -> Result<Vec<u64>, Error> {
    let t = tx.open(tables::MESSAGES_BY_REF)?;
    let mut out = Vec::new();
    for item in t.range((referenz, 0)..=(referenz, u64::MAX))? {
        out.push(item?.0.value().1);
    }
    Ok(out)
}

/// Message ids of the conversations whose Referenz begins with `prefix`
/// (the Referenz exactly, or its beginning), newest Referenz first, at
/// most `limit`; true when more were left.
pub fn conversations_with_prefix(
    tx: &impl ReadAccess,
    prefix: &str,
    limit: usize,
) -> Result<(Vec<u64>, bool), Error> {
    let t = tx.open(tables::MESSAGES_BY_REF)?;
    let mut out = Vec::new();
    for item in t.range((prefix, 0)..)? {
        let (k, _) = item?;
        let (r, id) = k.value();
        if !r.starts_with(prefix) {
            break;
        }
        if out.len() >= limit {
            return Ok((out, true));
        }
        out.push(id);
    }
    Ok((out, false))
}

/// Deletes a message with its entries, attachments, conversation link and
/// search terms.
pub fn delete(tx: &WriteTx, id: u64) -> Result<(), Error> {
    let Some(h) = header(tx, id)? else {
        return Ok(());
    };
    let org = h.org;
    let m = h.with_text(text(tx, id)?.unwrap_or_default());
    remove_entry(tx, &m.from, m.id, &m.subject, org)?;
    remove_entry(tx, &m.to, m.id, &m.subject, org)?;
    for a in &m.attachments {
        blobs::delete(tx, a.blob)?;
    }
    tx.open_table(tables::MESSAGES_BY_REF)?
        .remove((m.referenz.as_str(), m.id))?;
    super::search_index::unindex_message(tx, &m)?;
    tx.open_table(tables::MESSAGE_HEADERS)?.remove(m.id)?;
    tx.open_table(tables::MESSAGE_TEXTS)?.remove(m.id)?;
    Ok(())
}

/// Up to `limit` message ids starting at `from` (ascending = oldest first),
/// for the retention job.
pub fn ids_from(tx: &impl ReadAccess, from: u64, limit: usize) -> Result<Vec<u64>, Error> {
    let t = tx.open(tables::MESSAGE_HEADERS)?;
    let mut out = Vec::new();
    for item in t.range(from..)? {
        out.push(item?.0.value());
        if out.len() >= limit {
            break;
        }
    }
    Ok(out)
}

#[cfg(test)]
#[path = "messages_tests.rs"]
mod tests;
