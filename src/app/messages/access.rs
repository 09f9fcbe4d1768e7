//! Who may read which mailbox and message, decided on the server for every
//! request. The rule of which mailboxes an account reads is
//! `domain::permissions::readable_mailboxes` (one place, also behind the
//! `ReadMailboxes` guard and the navigation); this module applies it to
//! messages, inside write transactions too.

use crate::app::Error;
use crate::domain::account::{Account, Role};
use crate::domain::message::{Mailbox, Message};
use crate::domain::permissions;
use crate::store::{self, ReadAccess, Store, messages as repo};

/// Inside the write transaction of Schreiben or Antworten: `account` (as
/// it is now) still reads `mailbox` under its organisation's current
/// functions and restrictions and its current grants, and a reply's
/// message `reply_to` still lies in that mailbox. `NotFound` otherwise.
pub fn still_reads(
    tx: &impl ReadAccess,
    account: &Account,
    mailbox: &Mailbox,
    reply_to: Option<u64>,
) -> Result<(), Error> {
    let org = match account.org() {
        Some(id) => store::orgs::get(tx, id)?,
        None => None,
    };
    if !permissions::readable_mailboxes(account, org.as_ref()).contains(mailbox) {
        return Err(Error::NotFound);
    }
    if let Some(id) = reply_to {
        message_in(tx, mailbox, id)?;
    }
    Ok(())
}

/// The mailboxes of `account`, loading its organisation.
pub fn mailboxes_of(store: &Store, account: &Account) -> Result<Vec<Mailbox>, Error> {
    let org = match account.org() {
        Some(id) => store.read(|tx| store::orgs::get(tx, id))?,
        None => None,
    };
    Ok(permissions::readable_mailboxes(account, org.as_ref()))
}

/// The part of a URL naming a mailbox of the signed-in person:
/// `persoenlich`, a group mailbox's key, or `kasse-<bereich>`.
pub fn slug(m: &Mailbox) -> String {
    match m {
        Mailbox::Personal(_) => "persoenlich".to_owned(),
        Mailbox::Group(_, g) => g.key().to_owned(),
        Mailbox::Kassen(b) => format!("kasse-{}", b.key()),
    }
}

/// The mailbox `slug` names among `readable`; `NotFound` otherwise.
pub fn resolve(readable: &[Mailbox], slug_text: &str) -> Result<Mailbox, Error> {
    readable
        .iter()
        .find(|m| slug(m) == slug_text)
        .cloned()
        .ok_or(Error::NotFound)
}

/// The message `id` as it lies in `mailbox`; `NotFound` when it does not
/// lie there (another mailbox's id answers 404).
pub fn message_in(
    tx: &impl ReadAccess,
    mailbox: &Mailbox,
    id: u64,
) -> Result<(Message, repo::Entry), Error> {
    let key = mailbox.key();
    let entry = repo::entry(tx, &key, id)?.ok_or(Error::NotFound)?;
    let m = repo::get(tx, id)?.ok_or(Error::NotFound)?;
    Ok((m, entry))
}

/// The display name of the other side of a message, seen from `mailbox`.
pub fn counterpart(tx: &impl ReadAccess, m: &Message, mailbox: &Mailbox) -> Result<String, Error> {
    let other = if m.to == mailbox.key() {
        &m.from
    } else {
        &m.to
    };
    if other == super::SYSTEM {
        return Ok("Versorgungskasse (Systemnachricht)".to_owned());
    }
    Ok(match Mailbox::from_key(other) {
        Some(Mailbox::Kassen(b)) => format!("Versorgungskasse, Bereich {}", b.label()),
        Some(Mailbox::Group(org, g)) => {
            let name = store::orgs::get(tx, org)?
                .map(|o| format!("{} ({})", o.name, o.number))
                .unwrap_or_default();
            format!("{name}, Gruppenpostfach {}", g.label())
        }
        Some(Mailbox::Personal(id)) => match store::accounts::get(tx, &id)? {
            Some(a) => format!("{} ({})", a.full_name(), id.as_str()),
            None => id.as_str().to_owned(),
        },
        None => String::new(),
    })
}

/// Who wrote `m`, as shown to readers of `viewer`: a person of an
/// organisation by name and Nutzerkennung; a Kassen clerk as
/// "Versorgungskasse, Sachbearbeitung <Bereich>" (the Kassen themselves
/// also see the clerk's name); a receipt as the system's message.
pub fn author_label(tx: &impl ReadAccess, m: &Message, viewer: &Mailbox) -> Result<String, Error> {
    let Some(id) = &m.author else {
        // Messages stored before authors were recorded have none.
        return Ok(match Mailbox::from_key(&m.from) {
            Some(Mailbox::Kassen(b)) => format!("Versorgungskasse, Sachbearbeitung {}", b.label()),
            Some(_) => "nicht erfasst".to_owned(),
            None => "Versorgungskasse (Systemnachricht)".to_owned(),
        });
    };
    let account = store::accounts::get(tx, id)?;
    let named = match &account {
        Some(a) => format!("{} ({})", a.full_name(), id.as_str()),
        None => id.as_str().to_owned(),
    };
    let clerk = match &account {
        Some(a) => matches!(a.role, Role::Kassen { .. }),
        None => Mailbox::from_key(&m.from).is_some_and(|f| matches!(f, Mailbox::Kassen(_))),
    };
    if !clerk {
        return Ok(named);
    }
    let kasse = format!("Versorgungskasse, Sachbearbeitung {}", m.bereich.label());
    Ok(if matches!(viewer, Mailbox::Kassen(_)) {
        format!("{kasse}: {named}")
    } else {
        kasse
    })
}

/// Where `account` reads the first message of the conversation `referenz`
/// (a form's Quittungsnachricht): the mailbox and the message id, when it
/// lies in one of the account's mailboxes.
pub fn find_readable(
    store: &Store,
    account: &Account,
    referenz: &str,
) -> Result<Option<(Mailbox, u64)>, Error> {
    let readable = mailboxes_of(store, account)?;
    Ok(store.read(|tx| {
        for id in repo::conversation(tx, referenz)? {
            for mb in &readable {
                if repo::entry(tx, &mb.key(), id)?.is_some() {
                    return Ok::<_, store::Error>(Some((mb.clone(), id)));
                }
            }
        }
        Ok(None)
    })?)
}
