//! Migration 6 → 7: the message store v2. Reads the version-6 message
//! tables with its own decoders (below, frozen: they must not follow later
//! changes of `store::messages`) and writes each new table in key order:
//! mailbox ids (handed out in key order, so every table keyed by mailbox
//! stays in order), headers and compressed Texts, entries, facets with
//! their entry bits, Betreff words and counters; then drops the old
//! tables. The caller compacts the file afterwards. Logs one line per
//! 10 % of the messages.
//!
//! It writes with its own encoders of version 7 (module [`v7`] below, also
//! frozen), never through `store::messages` or `store::mailboxes`, so the
//! step stays the same when the repository code moves on. It uses only
//! codes pinned by golden tests (`Bereich::code`, `message::thema_code`).
//! The search index is derived data: it is built with today's
//! `search_index::BulkIndex`, so a later change of the index's format
//! must rebuild it in its own step (from the messages, not from the old
//! index).

use std::collections::BTreeMap;

use redb::{ReadableTable, ReadableTableMetadata};
use serde::Deserialize;

use super::mailboxes::MailboxId;
use super::{Error, WriteTx, codec, tables};
use crate::domain::message::{Attachment, thema_code};
use crate::domain::org::Bereich;
use v7::Entry;

/// A message as version 6 stored it (JSON).
#[derive(Deserialize)]
struct V6Message {
    id: u64,
    referenz: String,
    subject: String,
    text: String,
    /// The Bereich's variant name.
    bereich: String,
    thema: String,
    created_at: jiff::Timestamp,
    from: String,
    to: String,
    #[serde(default)]
    author: Option<crate::domain::ids::Nutzerkennung>,
    #[serde(default)]
    attachments: Vec<V6Attachment>,
}

#[derive(Deserialize)]
struct V6Attachment {
    blob: u64,
    name: String,
    mime: String,
    len: u64,
}

/// Version 6's Bereich positions (index in its `Bereich::ALL`), by name.
const V6_BEREICHE: [&str; 3] = ["Beamtenversorgung", "Beihilfe", "Zusatzversorgung"];

/// Version 6's Themen per Bereich position; an entry stored the 1-based
/// position of its Thema here.
const V6_THEMEN: [&[&str]; 3] = [
    &[
        "Allgemeine Anfrage",
        "Versorgungsauskunft",
        "Dienstzeiten und Lebenslauf",
        "Meldungen und Formulare",
        "Quittung",
    ],
    &[
        "Allgemeine Anfrage",
        "Beihilfeanträge",
        "Abrechnung",
        "Quittung",
    ],
    &[
        "Allgemeine Anfrage",
        "Anmeldung und Abmeldung",
        "Entgeltmeldungen",
        "Umlagen und Beiträge",
        "Quittung",
    ],
];

fn v6_bereich(name: &str) -> Option<Bereich> {
    match name {
        "Beamtenversorgung" => Some(Bereich::Beamtenversorgung),
        "Beihilfe" => Some(Bereich::Beihilfe),
        "Zusatzversorgung" => Some(Bereich::Zusatzversorgung),
        _ => None,
    }
}

/// A version-6 entry (marks 0–2, direction 3, Bereich position 4–5,
/// Thema position 6–8) as a version-7 entry.
fn v6_entry(v: u16) -> Entry {
    let pos = usize::from((v >> 4) & 3);
    let bereich = V6_BEREICHE
        .get(pos)
        .and_then(|n| v6_bereich(n))
        .unwrap_or(Bereich::Beamtenversorgung);
    let thema = usize::from((v >> 6) & 7)
        .checked_sub(1)
        .and_then(|i| V6_THEMEN.get(pos)?.get(i).copied())
        .unwrap_or("");
    Entry {
        marks: (v & 7) as u8,
        outgoing: v & 8 != 0,
        bereich: bereich.code(),
        thema: thema_code(thema),
    }
}

/// The member organisation of a version-6 mailbox key.
fn member_org(tx: &WriteTx, key: &str) -> Result<Option<u64>, Error> {
    if let Some(rest) = key.strip_prefix("g:") {
        return Ok(rest.split(':').next().and_then(|o| o.parse().ok()));
    }
    if let Some(id) = key.strip_prefix("p:")
        && let Some(id) = crate::domain::ids::Nutzerkennung::parse(id)
    {
        let accounts = tx.open_table(tables::ACCOUNTS)?;
        let Some(bytes) = accounts.get(id.as_str())? else {
            return Ok(None);
        };
        let account: crate::domain::account::Account = codec::decode("accounts", bytes.value())?;
        return Ok(account.org());
    }
    Ok(None)
}

/// Logs progress in steps of 10 %.
struct Progress {
    total: u64,
    done: u64,
    logged: u64,
}

impl Progress {
    fn tick(&mut self) {
        self.done += 1;
        let tenth = self.done * 10 / self.total.max(1);
        if tenth > self.logged {
            self.logged = tenth;
            tracing::info!(
                percent = tenth * 10,
                messages = self.done,
                total = self.total,
                "migrating the message store to schema 7"
            );
        }
    }
}

/// 6 → 7 in `tx`.
pub(super) fn migrate(tx: &WriteTx) -> Result<(), Error> {
    let total = tx.open_table(tables::LEGACY_MESSAGES)?.len()?;
    tracing::info!(
        messages = total,
        "migrating the message store to schema 7 (this can take minutes for large stores)"
    );
    let ids = mailbox_ids(tx)?;
    let mb = |key: &str| -> Result<MailboxId, Error> {
        ids.get(key).copied().ok_or_else(|| Error::Corrupt {
            table: "mailbox_entries",
            detail: format!("no mailbox {key}"),
        })
    };
    // Headers and Texts, in id order.
    {
        let old = tx.open_table(tables::LEGACY_MESSAGES)?;
        let mut headers = tx.open_table(tables::MESSAGE_HEADERS)?;
        let mut texts = tx.open_table(tables::MESSAGE_TEXTS)?;
        let mut index = super::search_index::BulkIndex::default();
        let mut members: Vec<(MailboxId, u64, u64)> = Vec::new();
        let mut progress = Progress {
            total,
            done: 0,
            logged: 0,
        };
        for item in old.iter()? {
            let (_, v) = item?;
            let m: V6Message = codec::decode("messages", v.value())?;
            let bereich = v6_bereich(&m.bereich).ok_or_else(|| Error::Corrupt {
                table: "messages",
                detail: format!("Bereich {}", m.bereich),
            })?;
            let org = match member_org(tx, &m.from)? {
                Some(o) => Some(o),
                None => member_org(tx, &m.to)?,
            };
            let from = if m.from == crate::domain::message::SYSTEM_SENDER {
                v7::SYSTEM_ID
            } else {
                mb(&m.from)?
            };
            let attachments: Vec<Attachment> = m
                .attachments
                .into_iter()
                .map(|a| Attachment {
                    blob: a.blob,
                    name: a.name,
                    mime: a.mime,
                    len: a.len,
                })
                .collect();
            let to = mb(&m.to)?;
            // The search index of version 7, built from the message itself
            // (the fields the index reads).
            let message = crate::domain::message::Message {
                id: m.id,
                referenz: m.referenz.clone(),
                subject: m.subject.clone(),
                text: m.text.clone(),
                bereich,
                thema: String::new(),
                created_at: m.created_at,
                from: String::new(),
                to: String::new(),
                author: None,
                attachments: attachments.clone(),
            };
            index.add_message(&message);
            if from != v7::SYSTEM_ID {
                index.add_subject(from, m.id, &m.subject);
            }
            index.add_subject(to, m.id, &m.subject);
            if let Some(org) = org {
                for (key, id) in [(&m.from, from), (&m.to, to)] {
                    if key.starts_with("k:") {
                        members.push((id, org, m.id));
                    }
                }
            }
            index.flush_if_full(tx)?;
            let h = v7::Header {
                referenz: m.referenz,
                subject: m.subject,
                bereich: bereich.code(),
                thema: m.thema,
                created_at: m.created_at,
                from,
                to,
                author: m.author,
                attachments,
                org,
                excerpt: crate::domain::message::excerpt(
                    &m.text,
                    crate::domain::message::EXCERPT_CHARS,
                ),
            };
            headers.insert(m.id, codec::encode("message_headers", &h)?.as_slice())?;
            texts.insert(m.id, v7::compress(&m.text)?.as_slice())?;
            progress.tick();
        }
        index.flush(tx)?;
        members.sort_unstable();
        let mut table = tx.open_table(tables::MAILBOX_MEMBERS)?;
        for k in members {
            table.insert(k, ())?;
        }
    }
    entries_and_facets(tx, &ids)?;
    tx.open_table(tables::FIRST_OPENED)?;
    tx.delete_table(tables::LEGACY_MESSAGES)?;
    tx.delete_table(tables::LEGACY_MAILBOX_ENTRIES)?;
    tx.delete_table(tables::LEGACY_MAILBOX_INDEX)?;
    tx.delete_table(tables::LEGACY_MAILBOX_SUBJECT_TERMS)?;
    tx.delete_table(tables::LEGACY_MESSAGE_TERMS)?;
    tracing::info!("message store migrated to schema 7");
    Ok(())
}

/// Hands out mailbox ids in key order (so the new tables keyed by mailbox
/// id keep the old tables' order) and writes both directions.
fn mailbox_ids(tx: &WriteTx) -> Result<BTreeMap<String, MailboxId>, Error> {
    let mut keys = std::collections::BTreeSet::new();
    {
        let entries = tx.open_table(tables::LEGACY_MAILBOX_ENTRIES)?;
        let mut next: Option<String> = None;
        loop {
            let mut range = match &next {
                None => entries.iter()?,
                Some(k) => entries.range((k.as_str(), 0)..)?,
            };
            let Some(item) = range.next() else { break };
            let key = item?.0.value().0.to_owned();
            // The next key: skip past every entry of this one.
            keys.insert(key.clone());
            let mut after = key;
            after.push('\u{0}');
            next = Some(after);
        }
        // Messages whose sender side has no entry (none but the system's).
        let old = tx.open_table(tables::LEGACY_MESSAGES)?;
        for item in old.iter()? {
            let (_, v) = item?;
            let m: V6Message = codec::decode("messages", v.value())?;
            for k in [m.from, m.to] {
                if k != crate::domain::message::SYSTEM_SENDER {
                    keys.insert(k);
                }
            }
        }
    }
    let mut ids = BTreeMap::new();
    let mut by_key = tx.open_table(tables::MAILBOX_IDS)?;
    let mut by_id = tx.open_table(tables::MAILBOX_KEYS)?;
    for (i, key) in keys.into_iter().enumerate() {
        let id = MailboxId::try_from(i + 1).map_err(|_| Error::Corrupt {
            table: "mailbox_ids",
            detail: "more than 2^32 mailboxes".into(),
        })?;
        by_key.insert(key.as_str(), id)?;
        by_id.insert(id, key.as_str())?;
        ids.insert(key, id);
    }
    tx.open_table(tables::META)?
        .insert("seq.mailbox", ids.len() as u64)?;
    Ok(ids)
}

/// Entries, facets (per mailbox, sorted) and the counters, from the old
/// entries; the old message counters are replaced.
fn entries_and_facets(tx: &WriteTx, ids: &BTreeMap<String, MailboxId>) -> Result<(), Error> {
    let mut counters: BTreeMap<String, u64> = BTreeMap::new();
    {
        let old = tx.open_table(tables::LEGACY_MAILBOX_ENTRIES)?;
        let mut entries = tx.open_table(tables::MAILBOX_ENTRIES)?;
        let mut facets = tx.open_table(tables::MAILBOX_FACETS)?;
        let mut current: Option<MailboxId> = None;
        let mut pending: Vec<(u16, u64, u16)> = Vec::new();
        let mut flush = |pending: &mut Vec<(u16, u64, u16)>, mb: MailboxId| {
            pending.sort_unstable();
            for (f, id, bits) in pending.drain(..) {
                facets.insert((mb, f, id), bits)?;
            }
            Ok::<_, Error>(())
        };
        for item in old.iter()? {
            let (k, v) = item?;
            let (key, id) = k.value();
            let mb = *ids.get(key).ok_or_else(|| Error::Corrupt {
                table: "mailbox_entries",
                detail: format!("no mailbox {key}"),
            })?;
            if current != Some(mb) {
                if let Some(prev) = current {
                    flush(&mut pending, prev)?;
                }
                current = Some(mb);
            }
            let e = v6_entry(v.value());
            let bits = e.pack();
            entries.insert((mb, id), bits)?;
            for f in e.facets() {
                pending.push((f, id, bits));
                *counters.entry(v7::counter(mb, f)).or_default() += 1;
            }
            *counters.entry(e.signature(mb)).or_default() += 1;
        }
        if let Some(prev) = current {
            flush(&mut pending, prev)?;
        }
    }
    let mut table = tx.open_table(tables::COUNTERS)?;
    let old: Vec<String> = table
        .range("msg."..)?
        .map(|item| item.map(|(k, _)| k.value().to_owned()))
        .take_while(|k| k.as_ref().map_or(true, |k| k.starts_with("msg.")))
        .collect::<Result<_, _>>()?;
    for k in old {
        table.remove(k.as_str())?;
    }
    for (k, n) in counters {
        table.insert(k.as_str(), n)?;
    }
    Ok(())
}

/// Version 7's encoding of what this step writes, frozen: a header, a
/// compressed Text, a mailbox entry with its facets and counters.
mod v7 {
    use std::io::Write;

    use serde::Serialize;

    use super::{Attachment, Error, MailboxId};

    /// A header as version 7 stores it (JSON, short field names).
    #[derive(Serialize)]
    pub struct Header {
        #[serde(rename = "r")]
        pub referenz: String,
        #[serde(rename = "s")]
        pub subject: String,
        #[serde(rename = "b")]
        pub bereich: u8,
        #[serde(rename = "t")]
        pub thema: String,
        #[serde(rename = "c")]
        pub created_at: jiff::Timestamp,
        #[serde(rename = "f")]
        pub from: MailboxId,
        #[serde(rename = "o")]
        pub to: MailboxId,
        #[serde(rename = "a", skip_serializing_if = "Option::is_none")]
        pub author: Option<crate::domain::ids::Nutzerkennung>,
        #[serde(rename = "n", skip_serializing_if = "Vec::is_empty")]
        pub attachments: Vec<Attachment>,
        #[serde(rename = "m", skip_serializing_if = "Option::is_none")]
        pub org: Option<u64>,
        #[serde(rename = "x")]
        pub excerpt: String,
    }

    /// A Text as version 7 stores it: raw deflate, level 6.
    pub fn compress(text: &str) -> Result<Vec<u8>, Error> {
        let mut enc = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::new(6));
        enc.write_all(text.as_bytes())
            .and_then(|()| enc.finish())
            .map_err(|e| Error::Corrupt {
                table: "message_texts",
                detail: e.to_string(),
            })
    }

    /// The mailbox id of the system as a sender.
    pub const SYSTEM_ID: MailboxId = 0;

    const FACET_INBOX: u16 = 0;
    const FACET_OUTBOX: u16 = 1;
    const FACET_ARCHIVE: u16 = 2;
    const FACET_IMPORTANT: u16 = 3;
    const FACET_UNREAD: u16 = 4;

    /// A mailbox entry: marks (bit 0 unread, 1 wichtig, 2 archiviert),
    /// direction, Bereich code and Thema code (0 = unknown).
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub struct Entry {
        pub marks: u8,
        pub outgoing: bool,
        pub bereich: u8,
        pub thema: u8,
    }

    impl Entry {
        /// Bits: marks 0–2, direction 3, Bereich 4–5, Thema 6–10.
        pub fn pack(self) -> u16 {
            u16::from(self.marks & 7)
                | (u16::from(self.outgoing) << 3)
                | (u16::from(self.bereich & 3) << 4)
                | (u16::from(self.thema & 31) << 6)
        }

        fn folder(self) -> u16 {
            if self.marks & 4 != 0 {
                FACET_ARCHIVE
            } else if self.outgoing {
                FACET_OUTBOX
            } else {
                FACET_INBOX
            }
        }

        /// The facets the entry is listed under: folder, folder × Bereich,
        /// folder × Bereich × Thema, wichtig, ungelesen.
        pub fn facets(self) -> Vec<u16> {
            let folder = self.folder();
            let b = u16::from(self.bereich);
            let mut f = vec![folder, 0x10 + folder * 4 + b];
            if self.thema > 0 {
                f.push(0x1000 + (folder << 8) + (b << 5) + u16::from(self.thema));
            }
            if self.marks & 2 != 0 {
                f.push(FACET_IMPORTANT);
            }
            if self.marks & 1 != 0 {
                f.push(FACET_UNREAD);
            }
            f
        }

        /// The counter of entries with the same folder, marks, Bereich
        /// and Thema.
        pub fn signature(self, mailbox: MailboxId) -> String {
            format!(
                "msg.{mailbox}.s.{}.{}.{}.{}.{}",
                self.folder(),
                (self.marks >> 1) & 1,
                self.marks & 1,
                self.bereich,
                self.thema
            )
        }
    }

    /// The counter of a mailbox's facet.
    pub fn counter(mailbox: MailboxId, facet: u16) -> String {
        format!("msg.{mailbox}.{facet}")
    }
}

#[cfg(test)]
#[path = "migrate_v7_tests.rs"]
mod tests;
