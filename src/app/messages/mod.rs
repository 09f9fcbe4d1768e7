//! Messaging (handbook §8): delivering messages into mailboxes with their
//! notifications, the mailbox pages, the message view, marks, the
//! Kassenpostfach, the search over messages and retention.

pub mod access;
pub mod compose;
pub mod filter;
pub mod list;
pub mod marks;
pub mod retention;

use jiff::Timestamp;

use crate::domain::ids::Nutzerkennung;
use crate::domain::message::{self, Attachment, Direction, Mailbox, Marks, Message};
use crate::domain::org::{Bereich, GroupMailbox, OrgId};
use crate::mail::{Mailer, templates};
use crate::store::{self, WriteTx, blobs, messages as repo};

/// A mailbox of a member organisation that receives messages from the
/// Kassen or the system.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MailboxRef {
    Personal(Nutzerkennung),
    Group(OrgId, GroupMailbox),
}

impl MailboxRef {
    pub fn mailbox(&self) -> Mailbox {
        match self {
            MailboxRef::Personal(id) => Mailbox::Personal(id.clone()),
            MailboxRef::Group(org, g) => Mailbox::Group(*org, *g),
        }
    }
}

/// A message from the Kassen/the system, e.g. a form receipt.
pub struct SystemMessage<'a> {
    pub subject: &'a str,
    pub text: &'a str,
    pub bereich: Bereich,
    pub thema: &'a str,
    /// (file name, MIME type, bytes)
    pub attachment: Option<(&'a str, &'a str, &'a [u8])>,
    /// A Referenz handed out beforehand with [`new_referenz`] (a form
    /// report names it in its PDF); `None` hands out a new one.
    pub referenz: Option<&'a str>,
}

/// Delivers a message from the Kassen/the system into `to` as incoming (new
/// Referenz), with its notifications queued; returns the Referenz. Call
/// `mailer.wake()` after the commit.
pub fn deliver_system_message(
    tx: &WriteTx,
    mailer: &Mailer,
    public_url: &str,
    to: &MailboxRef,
    msg: &SystemMessage<'_>,
    now: Timestamp,
) -> Result<String, store::Error> {
    let mut attachments = Vec::new();
    if let Some((name, mime, bytes)) = msg.attachment {
        attachments.push(Attachment {
            blob: blobs::put(tx, bytes)?,
            name: message::sanitize_file_name(name),
            mime: mime.to_owned(),
            len: bytes.len() as u64,
        });
    }
    let m = post(
        tx,
        mailer,
        public_url,
        NewMessage {
            from: None,
            to: to.mailbox(),
            referenz: msg.referenz.map(str::to_owned),
            subject: msg.subject.to_owned(),
            text: msg.text.to_owned(),
            bereich: msg.bereich,
            thema: msg.thema.to_owned(),
            author: None,
            attachments,
        },
        now,
    )?;
    Ok(m.referenz)
}

/// A message about to be stored; its attachments are already blobs in the
/// same transaction.
pub struct NewMessage {
    /// The sender's mailbox (`None` for a system message).
    pub from: Option<Mailbox>,
    pub to: Mailbox,
    /// The conversation's Referenz for a reply; `None` starts a new one.
    pub referenz: Option<String>,
    pub subject: String,
    pub text: String,
    pub bereich: Bereich,
    pub thema: String,
    pub author: Option<Nutzerkennung>,
    pub attachments: Vec<Attachment>,
}

/// The `from` of a system message.
pub const SYSTEM: &str = message::SYSTEM_SENDER;

/// Stores a message in the sender's mailbox (outgoing, read) and the
/// recipient's (incoming, unread), with its conversation link and search
/// terms, and queues the notifications of a group mailbox — all in `tx`.
pub fn post(
    tx: &WriteTx,
    mailer: &Mailer,
    public_url: &str,
    n: NewMessage,
    now: Timestamp,
) -> Result<Message, store::Error> {
    let to = n.to.clone();
    let m = store_message(tx, n, now)?;
    if let Mailbox::Group(org, g) = to {
        notify(tx, mailer, public_url, org, g, now)?;
    }
    Ok(m)
}

/// Hands out the next Referenz of a new conversation ("2026-000014").
pub fn new_referenz(tx: &WriteTx, now: Timestamp) -> Result<String, store::Error> {
    let seq = store::next_id(tx, "referenz")?;
    let year = now
        .to_zoned_datetime(
            jiff::tz::TimeZone::get("Europe/Berlin").unwrap_or(jiff::tz::TimeZone::UTC),
        )
        .year();
    Ok(message::referenz(year, seq))
}

/// Stores a message in both mailboxes without notifications (see [`post`];
/// the demo data uses it directly).
pub fn store_message(tx: &WriteTx, n: NewMessage, now: Timestamp) -> Result<Message, store::Error> {
    let referenz = match n.referenz {
        Some(r) => r,
        None => new_referenz(tx, now)?,
    };
    let m = Message {
        id: repo::next_id(tx)?,
        referenz,
        subject: n.subject,
        text: n.text,
        bereich: n.bereich,
        thema: n.thema,
        created_at: now,
        from: n
            .from
            .as_ref()
            .map_or_else(|| SYSTEM.to_owned(), Mailbox::key),
        to: n.to.key(),
        author: n.author,
        attachments: n.attachments,
    };
    let org = member_org(tx, n.from.as_ref())?.or(member_org(tx, Some(&n.to))?);
    repo::insert(tx, &m, org)?;
    if n.from.is_some() {
        repo::index_subject(tx, &m.from, m.id, &m.subject)?;
        repo::set_entry(
            tx,
            &m.from,
            m.id,
            repo::Entry::new(Marks::default(), Direction::Outgoing, m.bereich, &m.thema),
        )?;
    }
    repo::set_entry(
        tx,
        &m.to,
        m.id,
        repo::Entry::new(
            Marks {
                unread: true,
                ..Marks::default()
            },
            Direction::Incoming,
            m.bereich,
            &m.thema,
        ),
    )?;
    repo::index_subject(tx, &m.to, m.id, &m.subject)?;
    if let Some(org) = org {
        repo::index_member(tx, &m.to, org, m.id)?;
        if n.from.is_some() {
            repo::index_member(tx, &m.from, org, m.id)?;
        }
    }
    Ok(m)
}

/// The member organisation a mailbox belongs to (none for the Kassen and
/// the system): the Mitglied of a conversation.
fn member_org(tx: &WriteTx, mb: Option<&Mailbox>) -> Result<Option<OrgId>, store::Error> {
    Ok(match mb {
        Some(Mailbox::Group(org, _)) => Some(*org),
        Some(Mailbox::Personal(id)) => store::accounts::get(tx, id)?.and_then(|a| a.org()),
        _ => None,
    })
}

/// The unread messages of `mailbox`, from its stored counter (no scan):
/// for the mailbox tabs and the Kassen home.
pub fn unread_count(store: &store::Store, mailbox: &Mailbox) -> Result<u64, crate::app::Error> {
    Ok(store.read(|tx| repo::unread(tx, &mailbox.key()))?)
}

/// One e-mail per notification address of the group mailbox, naming the
/// organisation and the mailbox (never Betreff or Text: the mail leaves the
/// portal unencrypted) and linking to the portal.
fn notify(
    tx: &WriteTx,
    mailer: &Mailer,
    public_url: &str,
    org: OrgId,
    g: GroupMailbox,
    now: Timestamp,
) -> Result<(), store::Error> {
    let Some(o) = store::orgs::get(tx, org)? else {
        return Ok(());
    };
    let url = format!("{}/", public_url.trim_end_matches('/'));
    let organisation = format!("{} ({})", o.name, o.number);
    for addr in o.group_emails.get(&g).into_iter().flatten() {
        mailer.enqueue(
            tx,
            addr,
            templates::mailbox_notification(&organisation, g.label(), &url),
            now,
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::domain::org::tests::org;
    use crate::store::Store;

    fn mailer(dir: &std::path::Path) -> Mailer {
        let key = crate::mail::seal::SealKey::load_or_create(dir).unwrap();
        Mailer::new("portal@example.org", std::sync::Arc::new(key))
    }

    #[test]
    fn a_system_message_arrives_unread_with_notifications() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let mut o = org(Bereich::ALL.to_vec());
        o.group_emails.insert(
            GroupMailbox::Beamtenversorgung,
            vec!["a@example.org".into(), "b@example.org".into()],
        );
        store.write(|tx| store::orgs::put(tx, &o)).unwrap();
        let mailer = mailer(dir.path());
        let now = Timestamp::from_second(1_780_000_000).unwrap();
        let to = MailboxRef::Group(o.id, GroupMailbox::Beamtenversorgung);
        let msg = SystemMessage {
            subject: "Quittung: Beurlaubung ohne Dienstbezüge",
            text: "Ihre Meldung ist eingegangen.",
            bereich: Bereich::Beamtenversorgung,
            thema: "Quittung",
            attachment: Some(("quittung.pdf", "application/pdf", b"%PDF-1.7 ...")),
            referenz: None,
        };
        let (r1, r2) = store
            .write(|tx| {
                let a = deliver_system_message(tx, &mailer, "http://portal", &to, &msg, now)?;
                let b = deliver_system_message(tx, &mailer, "http://portal", &to, &msg, now)?;
                Ok::<_, store::Error>((a, b))
            })
            .unwrap();
        assert_eq!(r1, "2026-000001");
        assert_eq!(r2, "2026-000002");
        let key = to.mailbox().key();
        store
            .read(|tx| {
                let mb = repo::id_of(tx, &key)?.unwrap();
                assert_eq!(repo::count(tx, mb, repo::FACET_INBOX)?, 2);
                assert_eq!(repo::count(tx, mb, repo::FACET_UNREAD)?, 2);
                assert_eq!(repo::unread(tx, &key)?, 2);
                let mut ids = Vec::new();
                repo::walk(tx, mb, &[repo::FACET_INBOX], true, None, |id, _| {
                    ids.push(id);
                    Ok(true)
                })?;
                assert_eq!(ids.len(), 2);
                let m = repo::get(tx, ids[0])?.unwrap();
                assert_eq!(m.referenz, r2);
                assert_eq!(m.attachments.len(), 1);
                assert_eq!(
                    blobs::read_all(tx, m.attachments[0].blob)?.unwrap(),
                    b"%PDF-1.7 ..."
                );
                let mails = crate::store::mail_queue::pending(tx)?.len();
                assert_eq!(mails, 4, "two addresses × two messages");
                Ok::<_, store::Error>(())
            })
            .unwrap();
    }
}
