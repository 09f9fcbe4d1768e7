//! "Schreiben" and "Antworten": validating a message, and storing it with
//! its staged attachments in one write transaction (the upload was staged
//! before, so no write transaction waits on the network).

use std::io::Read;
use std::path::PathBuf;

use jiff::Timestamp;

use super::{MailboxRef, NewMessage};
use crate::app::sessions::{self, SessionActivity};
use crate::app::{Check, Error};
use crate::config::SecurityConfig;
use crate::domain::ids::Nutzerkennung;
use crate::domain::message::{self, Attachment, Mailbox, Message};
use crate::domain::org::Bereich;
use crate::mail::Mailer;
use crate::store::{self, Store, blobs};

/// What the form holds, as typed.
#[derive(Debug, Clone, Default)]
pub struct Draft {
    pub subject: String,
    /// Bereich key.
    pub bereich: String,
    pub thema: String,
    pub text: String,
    /// Kassen only, for a new conversation: organisation id, group mailbox
    /// key, or a Nutzerkennung for a personal mailbox.
    pub org: String,
    pub group: String,
    pub user: String,
}

/// An attachment already read from the request into a temp file, its type
/// checked.
#[derive(Debug, Clone)]
pub struct Staged {
    pub name: String,
    pub mime: &'static str,
    pub path: PathBuf,
    pub len: u64,
}

/// Checks Betreff, Bereich, Thema and Text of a new message; returns the
/// Bereich. The receipts' Thema "Quittung" is the system's only.
pub fn validate(d: &Draft, check: &mut Check) -> Option<Bereich> {
    let bereich = validate_reply(d, check);
    if bereich.is_some() && d.thema == message::RECEIPT_THEMA {
        check.fail(
            "thema",
            "Das Thema „Quittung“ ist Quittungsnachrichten des Systems vorbehalten. Bitte wählen Sie ein anderes Thema aus.",
        );
    }
    bereich
}

/// Checks a reply, which keeps its conversation's Bereich and Thema (also
/// "Quittung", when answering a receipt); returns the Bereich.
pub fn validate_reply(d: &Draft, check: &mut Check) -> Option<Bereich> {
    check.required("betreff", &d.subject, "einen Betreff");
    let bereich = Bereich::from_key(&d.bereich);
    match bereich {
        None => check.fail("bereich", "Bitte wählen Sie einen Bereich aus."),
        Some(b) if !message::is_thema(b, &d.thema) => check.fail(
            "thema",
            format!("Bitte wählen Sie ein Thema des Bereichs {} aus.", b.label()),
        ),
        Some(_) => {}
    }
    let text = d.text.trim();
    if text.is_empty() {
        check.fail("text", "Bitte geben Sie einen Text ein.");
    } else if message::text_len(&d.text) > message::MAX_TEXT {
        check.fail(
            "text",
            format!(
                "Der Text darf höchstens {} Zeichen lang sein.",
                message::MAX_TEXT
            ),
        );
    } else if d
        .text
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        check.fail("text", "Der Text enthält unzulässige Steuerzeichen.");
    }
    bereich
}

/// The recipient a Kassen clerk of `bereich` chose for a new conversation:
/// a group mailbox or a Nutzer:in of an organisation registered in that
/// Bereich (SPEC §2: "organisations in their Bereich(e)"). The form offers
/// only those; a crafted request naming another is refused the same way.
pub fn kassen_recipient(
    store: &Store,
    bereich: Bereich,
    d: &Draft,
    check: &mut Check,
) -> Option<MailboxRef> {
    let not_registered = |check: &mut Check, field: &'static str| {
        check.fail(
            field,
            format!(
                "Das Mitglied ist im Geschäftsbereich {} nicht bei der Kasse gemeldet.",
                bereich.label()
            ),
        );
    };
    if !d.user.trim().is_empty() {
        let target = Nutzerkennung::parse(&d.user).and_then(|id| {
            store
                .read(|tx| {
                    let Some(a) = store::accounts::get(tx, &id)? else {
                        return Ok(None);
                    };
                    let org = match a.org() {
                        Some(o) => store::orgs::get(tx, o)?,
                        None => None,
                    };
                    Ok::<_, store::Error>(Some((a, org)))
                })
                .ok()
                .flatten()
        });
        return match target {
            Some((a, Some(org))) if a.grants().is_some() => {
                if org.bereiche.contains(&bereich) {
                    Some(MailboxRef::Personal(a.id))
                } else {
                    not_registered(check, "nutzer");
                    None
                }
            }
            _ => {
                check.fail(
                    "nutzer",
                    "Zu dieser Nutzerkennung gibt es keine Nutzer:in eines Mitglieds.",
                );
                None
            }
        };
    }
    let org = d
        .org
        .parse::<u64>()
        .ok()
        .and_then(|id| store.read(|tx| store::orgs::get(tx, id)).ok().flatten());
    let Some(org) = org else {
        check.fail("mitglied", "Bitte wählen Sie ein Mitglied aus.");
        return None;
    };
    if !org.bereiche.contains(&bereich) {
        not_registered(check, "mitglied");
        return None;
    }
    match crate::domain::org::GroupMailbox::from_key(&d.group) {
        Some(g) if org.enabled_mailboxes.contains(&g) => Some(MailboxRef::Group(org.id, g)),
        _ => {
            check.fail(
                "gruppenpostfach",
                "Bitte wählen Sie ein für das Mitglied freigegebenes Gruppenpostfach aus.",
            );
            None
        }
    }
}

/// Who sends, checked again inside the write transaction (the upload
/// before it may have taken minutes): the session `key_hash` still live,
/// its account still `author`, still reading the sending mailbox, and for
/// a reply the message `reply_to` still in it.
pub struct Sender<'a> {
    pub key_hash: &'a str,
    pub activity: &'a SessionActivity,
    pub security: &'a SecurityConfig,
    pub reply_to: Option<u64>,
}

impl Sender<'_> {
    fn recheck(
        &self,
        tx: &store::WriteTx,
        author: &Nutzerkennung,
        from: &Mailbox,
        now: Timestamp,
    ) -> Result<(), Error> {
        let account = sessions::still_live(tx, self.activity, self.security, self.key_hash, now)?;
        if account.id != *author {
            return Err(Error::SessionEnded);
        }
        super::access::still_reads(tx, &account, from, self.reply_to)
    }
}

/// Stores a message from `from` to `to` with the staged attachments and
/// queues its notifications; one write transaction, which first checks
/// `sender` again. Wakes the mailer.
#[allow(clippy::too_many_arguments)]
pub fn send(
    store: &Store,
    mailer: &Mailer,
    public_url: &str,
    sender: &Sender<'_>,
    from: &Mailbox,
    to: Mailbox,
    referenz: Option<String>,
    bereich: Bereich,
    d: &Draft,
    author: &Nutzerkennung,
    files: &[Staged],
    now: Timestamp,
) -> Result<Message, Error> {
    let m = store.write(|tx| {
        sender.recheck(tx, author, from, now)?;
        let mut attachments = Vec::new();
        for f in files {
            attachments.push(store_file(tx, f)?);
        }
        let m = super::post(
            tx,
            mailer,
            public_url,
            NewMessage {
                from: Some(from.clone()),
                to,
                referenz,
                subject: d.subject.trim().to_owned(),
                text: d.text.trim_end().replace("\r\n", "\n"),
                bereich,
                thema: d.thema.clone(),
                author: Some(author.clone()),
                attachments,
            },
            now,
        )?;
        Ok::<_, Error>(m)
    })?;
    mailer.wake();
    Ok(m)
}

/// Copies a staged file into a blob, chunk by chunk.
fn store_file(tx: &store::WriteTx, f: &Staged) -> Result<Attachment, Error> {
    let io =
        |e: std::io::Error| Error::Internal(format!("staged upload {}: {e}", f.path.display()));
    let mut file = std::fs::File::open(&f.path).map_err(io)?;
    let mut w = blobs::BlobWriter::new(tx)?;
    let mut buf = vec![0u8; 256 * 1024];
    loop {
        let n = file.read(&mut buf).map_err(io)?;
        if n == 0 {
            break;
        }
        w.write(&buf[..n])?;
    }
    let (blob, len) = w.finish()?;
    Ok(Attachment {
        blob,
        name: f.name.clone(),
        mime: f.mime.to_owned(),
        len,
    })
}

/// Where a reply to `m` (seen from `mailbox`) goes: the other side.
pub fn reply_target(m: &Message, mailbox: &Mailbox) -> Mailbox {
    let other = if m.to == mailbox.key() {
        &m.from
    } else {
        &m.to
    };
    Mailbox::from_key(other).unwrap_or(Mailbox::Kassen(m.bereich))
}
