//! The Postausgang: pages of the mail queue, one mail (audited), the
//! figures of the Kassen home, and the removal of old mail bodies.

use crate::domain::permissions::AdministerPortal;
use jiff::{SignedDuration, Timestamp};

use super::{Actor, Error};
use crate::domain::audit::AuditEntry;
use crate::domain::mail::{MailCounts, MailState, OutgoingMail};
use crate::store::{self, Store};

/// Mails per Postausgang page.
pub const PAGE_SIZE: usize = 50;

/// One page of the Postausgang, newest first.
pub struct OutboxPage {
    pub mails: Vec<OutgoingMail>,
    /// Cursor of the next (older) page, when there is one.
    pub older: Option<u64>,
}

/// The mails older than `before` (the newest when `None`), of `state` or all.
pub fn page(
    store: &Store,
    _proof: &AdministerPortal,
    state: Option<MailState>,
    before: Option<u64>,
) -> Result<OutboxPage, Error> {
    let mut mails = store.read(|tx| store::mail_queue::page(tx, state, before, PAGE_SIZE + 1))?;
    let older = if mails.len() > PAGE_SIZE {
        mails.truncate(PAGE_SIZE);
        mails.last().map(|m| m.id)
    } else {
        None
    };
    Ok(OutboxPage { mails, older })
}

/// One mail for the Postausgang; the view is audited. The text never holds
/// a live link or TAN (they are stored only sealed, see `mail::seal`).
pub fn view(
    store: &Store,
    _proof: &AdministerPortal,
    actor: &Actor,
    id: u64,
    now: Timestamp,
) -> Result<OutgoingMail, Error> {
    store.write(|tx| {
        let mail = store::mail_queue::get(tx, id)?.ok_or(Error::NotFound)?;
        store::audit::append(
            tx,
            &AuditEntry::new(
                now,
                &actor.id,
                "mail.viewed",
                format!(
                    "E-Mail im Postausgang angesehen: „{}“ an {}",
                    mail.subject, mail.to
                ),
            )
            .client(actor.client.clone()),
        )?;
        Ok(mail)
    })
}

/// The stored number of mails per state.
pub fn counts(store: &Store) -> Result<MailCounts, Error> {
    Ok(store.read(store::mail_queue::counts)?)
}

/// Removes the bodies (raw MIME, text) of up to `batch` delivered or
/// given-up mails older than `retention_days`, keeping recipient, subject,
/// time and state. Commits only when there is something to remove; the
/// housekeeping job calls it repeatedly until it returns 0.
pub fn purge_old_mail_bodies(
    store: &Store,
    now: Timestamp,
    retention_days: u32,
    batch: usize,
) -> Result<usize, Error> {
    let cutoff = now
        .checked_sub(SignedDuration::from_hours(24 * i64::from(retention_days)))
        .unwrap_or(Timestamp::MIN);
    if store
        .read(|tx| store::mail_queue::purge_candidates(tx, cutoff, 1))?
        .is_empty()
    {
        return Ok(0);
    }
    Ok(store.write(|tx| store::mail_queue::purge_bodies(tx, cutoff, batch))?)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::mail::{Mailer, seal::SealKey, templates};

    #[test]
    fn old_delivered_bodies_go_in_batches_and_the_metadata_stays() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let key = Arc::new(SealKey::load_or_create(dir.path()).unwrap());
        let mailer = Mailer::new("portal@kasse.example", key);
        let t0 = Timestamp::from_second(1_700_000_000).unwrap();
        let day = SignedDuration::from_hours(24);
        store
            .write(|tx| {
                for i in 0..5i32 {
                    let t = templates::support_notification("Kim", "http://x/1");
                    let id = mailer.enqueue(tx, "a@b.de", t, t0 + day * i)?;
                    let mut m = store::mail_queue::get(tx, id)?.unwrap();
                    // The last one is still queued.
                    if i < 4 {
                        m.state = MailState::Sent;
                        store::mail_queue::put(tx, &m)?;
                    }
                }
                Ok::<_, store::Error>(())
            })
            .unwrap();
        // 30 days after the fourth mail: the first four are older than 30 days,
        // the fifth (queued) stays whatever its age.
        let now = t0 + day * 34;
        assert_eq!(purge_old_mail_bodies(&store, now, 30, 3).unwrap(), 3);
        assert_eq!(purge_old_mail_bodies(&store, now, 30, 3).unwrap(), 1);
        assert_eq!(purge_old_mail_bodies(&store, now, 30, 3).unwrap(), 0);
        store
            .read(|tx| {
                for id in 1..=4 {
                    let m = store::mail_queue::get(tx, id)?.unwrap();
                    assert!(m.body_removed && m.text.is_empty() && m.subject.contains("Support"));
                    assert_eq!(store::mail_queue::raw(tx, id)?, None);
                }
                assert!(store::mail_queue::raw(tx, 5)?.is_some());
                Ok::<_, store::Error>(())
            })
            .unwrap();
        assert_eq!(counts(&store).unwrap().sent, 4);
    }
}
