//! "Als PDF exportieren": a whole conversation (every message of the
//! Referenz that lies in a mailbox the reader may read) as one tagged
//! PDF/A-3a document for the e-file, with the attachments embedded as
//! associated files. The export is audited.
//!
//! The attachments are never held whole: krilla embeds a placeholder per
//! file and [`pdf_splice`] puts the blobs in its place while the response
//! is streamed, so memory does not grow with their size.
//!
//! Access uses [`access::message_in`] only: the message the export starts
//! from must lie in the requested mailbox (a foreign id is `NotFound`), and
//! the other messages of the conversation are included only where they lie
//! in one of the reader's mailboxes.

use std::collections::HashSet;
use std::sync::Mutex;

use jiff::Timestamp;

use super::Error;
use super::messages::{SYSTEM, access};
use super::pdf_splice::{self, SplicedPdf};
use super::pdfa::{self, Block, FileToEmbed};
use crate::domain::account::Account;
use crate::domain::audit::AuditEntry;
use crate::domain::message::{Attachment, Direction, Mailbox, Message};
use crate::domain::org::OrgId;
use crate::format::size;
use crate::store::{self, ReadAccess, Store, messages as repo};

/// Attachment bytes embedded per document at most; further attachments
/// are listed but not embedded (they stay downloadable one by one). Memory
/// does not depend on it (the files are streamed); it keeps the file well
/// below PDF/A's 2 GiB integer limit for offsets whatever the text, and
/// bounds the checksum pass before the first byte (every embedded blob is
/// read once for its MD5 before the document is written).
pub const MAX_EMBEDDED: u64 = 1024 * 1024 * 1024;

/// One export is built at a time: the checksum pass reads every embedded
/// blob (up to [`MAX_EMBEDDED`]), and parallel exports would take the
/// cores other requests need. Sending the finished documents runs in
/// parallel.
static BUILDING: Mutex<()> = Mutex::new(());

/// A finished export: the document streams from the blob store.
pub struct Export {
    pub file_name: String,
    pub pdf: SplicedPdf,
}

/// A message of the conversation as the reader sees it.
struct Seen {
    message: Message,
    direction: Direction,
    /// The other side, seen from the mailbox it lies in.
    counterpart: String,
}

/// The messages of `referenz` that lie in one of `readable` (the mailbox
/// `first` preferred for the direction), oldest first.
fn conversation(
    tx: &impl ReadAccess,
    referenz: &str,
    first: &Mailbox,
    readable: &[Mailbox],
) -> Result<Vec<Seen>, Error> {
    let order: Vec<&Mailbox> = std::iter::once(first)
        .chain(readable.iter().filter(|m| *m != first))
        .collect();
    let mut out = Vec::new();
    for id in repo::conversation(tx, referenz)? {
        for mb in &order {
            match access::message_in(tx, mb, id) {
                Ok((message, entry)) => {
                    let counterpart = access::counterpart(tx, &message, mb)?;
                    out.push(Seen {
                        message,
                        direction: entry.direction,
                        counterpart,
                    });
                    break;
                }
                Err(Error::NotFound) => {}
                Err(e) => return Err(e),
            }
        }
    }
    out.sort_by_key(|s| (s.message.created_at, s.message.id));
    Ok(out)
}

/// The organisation a mailbox key belongs to.
fn org_of(tx: &impl ReadAccess, key: &str) -> Result<Option<OrgId>, Error> {
    Ok(match Mailbox::from_key(key) {
        Some(Mailbox::Group(org, _)) => Some(org),
        Some(Mailbox::Personal(id)) => store::accounts::get(tx, &id)?.and_then(|a| a.org()),
        _ => None,
    })
}

/// "Name (Mitgliedsnummer)" of the member organisation of the conversation.
fn mitglied(tx: &impl ReadAccess, seen: &[Seen]) -> Result<String, Error> {
    for s in seen {
        for key in [&s.message.from, &s.message.to] {
            if let Some(org) = org_of(tx, key)?
                && let Some(o) = store::orgs::get(tx, org)?
            {
                return Ok(format!("{} ({})", o.name, o.number));
            }
        }
    }
    Ok("–".to_owned())
}

fn author(tx: &impl ReadAccess, m: &Message) -> Result<String, Error> {
    Ok(match &m.author {
        Some(id) => match store::accounts::get(tx, id)? {
            Some(a) => format!("{} ({})", a.full_name(), id.as_str()),
            None => id.as_str().to_owned(),
        },
        None if m.from == SYSTEM => "Versorgungskasse (Systemnachricht)".to_owned(),
        None => "–".to_owned(),
    })
}

/// An attachment to embed: where its bytes lie and how it is named.
struct Planned {
    blob: u64,
    name: String,
    mime: String,
    description: String,
}

/// The document as it is laid out: its blocks and the attachments to
/// embed (at most [`MAX_EMBEDDED`] bytes, names made unique).
#[derive(Default)]
struct Document {
    blocks: Vec<Block>,
    planned: Vec<Planned>,
    names: HashSet<String>,
    embedded: u64,
}

impl Document {
    /// Title and the lines about the whole conversation.
    fn header(
        tx: &impl ReadAccess,
        start: &Message,
        seen: &[Seen],
        reader: &Account,
        now: Timestamp,
    ) -> Result<(String, Document), Error> {
        let title = format!("Unterhaltung {} – {}", start.referenz, start.subject);
        let blocks = vec![
            Block::H1(title.clone()),
            Block::P(format!("Referenz: {}", start.referenz)),
            Block::P(format!("Betreff: {}", start.subject)),
            Block::P(format!("Mitglied: {}", mitglied(tx, seen)?)),
            Block::P(format!(
                "Exportiert am {} von {} ({})",
                crate::format::datetime(now),
                reader.full_name(),
                reader.id.as_str()
            )),
        ];
        Ok((
            title,
            Document {
                blocks,
                ..Default::default()
            },
        ))
    }

    /// Message number `n + 1` with its attachments.
    fn message(&mut self, tx: &impl ReadAccess, n: usize, s: &Seen) -> Result<(), Error> {
        let m = &s.message;
        let when = crate::format::datetime(m.created_at);
        let (dir, side) = match s.direction {
            Direction::Incoming => ("Eingang", "Von"),
            Direction::Outgoing => ("Ausgang", "An"),
        };
        let blocks = &mut self.blocks;
        blocks.push(Block::Gap);
        blocks.push(Block::H2(format!("Nachricht {} vom {when}", n + 1)));
        blocks.push(Block::P(format!("Richtung: {dir}")));
        blocks.push(Block::P(format!("{side}: {}", s.counterpart)));
        blocks.push(Block::P(format!("Verfasst von: {}", author(tx, m)?)));
        blocks.push(Block::P(format!(
            "Bereich/Thema: {} / {}",
            m.bereich.label(),
            m.thema
        )));
        blocks.push(Block::P(format!("Betreff: {}", m.subject)));
        blocks.push(Block::P(m.text.clone()));
        for a in &m.attachments {
            self.attachment(n, a, &when);
        }
        Ok(())
    }

    /// An attachment's line; embedded while the size bound allows.
    fn attachment(&mut self, n: usize, a: &Attachment, when: &str) {
        let fits = self.embedded.saturating_add(a.len) <= MAX_EMBEDDED;
        let mut name = a.name.clone();
        if !self.names.insert(name.clone()) {
            name = format!("Nachricht-{}_{}", n + 1, a.name);
            self.names.insert(name.clone());
        }
        let note = if fits {
            self.embedded += a.len;
            self.planned.push(Planned {
                blob: a.blob,
                name: name.clone(),
                mime: a.mime.clone(),
                description: format!("Anhang der Nachricht {} vom {when}", n + 1),
            });
            format!("eingebettet als „{name}“")
        } else {
            "nicht eingebettet (Größengrenze des Exports), einzeln herunterladen".to_owned()
        };
        self.blocks.push(Block::P(format!(
            "Anhang: {} ({}), {note}",
            a.name,
            size(a.len)
        )));
    }
}

/// The member organisation of the conversation, for the Protokoll.
fn conversation_org(tx: &impl ReadAccess, seen: &[Seen]) -> Option<OrgId> {
    seen.iter()
        .find_map(|s| org_of(tx, &s.message.from).ok().flatten())
        .or(seen
            .iter()
            .find_map(|s| org_of(tx, &s.message.to).ok().flatten()))
}

/// Exports the conversation of message `id` in mailbox `mb` for `reader`
/// (whose readable mailboxes are `readable`) and audits it.
pub fn export(
    store: &Store,
    readable: &[Mailbox],
    mb: &Mailbox,
    id: u64,
    reader: &Account,
    client: Option<String>,
    now: Timestamp,
) -> Result<Export, Error> {
    if !readable.contains(mb) {
        return Err(Error::NotFound);
    }
    let building = BUILDING.lock().unwrap_or_else(|p| p.into_inner());
    let (referenz, pdf, org) = store.read(|tx| {
        let (start, _) = access::message_in(tx, mb, id)?;
        let seen = conversation(tx, &start.referenz, mb, readable)?;
        let (title, mut doc) = Document::header(tx, &start, &seen, reader, now)?;
        for (n, s) in seen.iter().enumerate() {
            doc.message(tx, n, s)?;
        }
        // krilla embeds a short placeholder per file; the blobs are read
        // here once for their length and MD5, and again chunk by chunk
        // when the response is streamed (pdf_splice).
        let nonce: [u8; 16] = rand::random();
        let mut stored = Vec::new();
        let mut files = Vec::new();
        for (i, p) in doc.planned.into_iter().enumerate() {
            let file = pdf_splice::checksum(tx, p.blob)?
                .ok_or_else(|| Error::Internal(format!("attachment blob {} missing", p.blob)))?;
            let token = pdf_splice::placeholder(&nonce, i);
            files.push(Ok(FileToEmbed {
                name: p.name,
                mime: p.mime,
                description: p.description,
                data: token.clone(),
            }));
            stored.push((token, file));
        }
        let pdf = pdfa::render(&title, &doc.blocks, files.into_iter(), now)?;
        let pdf = SplicedPdf::new(pdf, stored)?;
        Ok::<_, Error>((start.referenz, pdf, conversation_org(tx, &seen)))
    })?;
    drop(building);
    store.write(|tx| {
        store::audit::append(
            tx,
            &AuditEntry::new(
                now,
                reader.id.as_str(),
                "messages.exported",
                format!("Unterhaltung {referenz} als PDF exportiert"),
            )
            .target(&referenz)
            .org(org)
            .client(client),
        )
    })?;
    Ok(Export {
        file_name: format!("Unterhaltung-{referenz}.pdf"),
        pdf,
    })
}
