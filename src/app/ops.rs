//! Readiness for operators: read-only checks.

use jiff::{SignedDuration, Timestamp};

use super::Error;
use crate::domain::mail::OutgoingMail;
use crate::store::{self, Store};

/// A queued e-mail whose next attempt is overdue by more than this means the
/// delivery worker is stuck.
pub const MAIL_QUEUE_STUCK_AFTER: SignedDuration = SignedDuration::from_secs(15 * 60);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Readiness {
    Ready,
    StoreNotWritable,
    MailQueueStuck,
}

/// Ready when the store can take a write (checked without committing) and
/// the mail queue moves.
pub fn readiness(store: &Store, now: Timestamp) -> Readiness {
    if store.check_writable().is_err() {
        return Readiness::StoreNotWritable;
    }
    match store.read(|tx| Ok::<_, Error>(store::mail_queue::pending(tx)?)) {
        Err(_) => Readiness::StoreNotWritable,
        Ok(pending) if mail_queue_stuck(&pending, now) => Readiness::MailQueueStuck,
        Ok(_) => Readiness::Ready,
    }
}

/// Whether a queued e-mail should have been attempted more than
/// [`MAIL_QUEUE_STUCK_AFTER`] ago.
pub fn mail_queue_stuck(pending: &[OutgoingMail], now: Timestamp) -> bool {
    pending
        .iter()
        .map(|m| m.next_attempt_at)
        .min()
        .is_some_and(|due| now.duration_since(due) > MAIL_QUEUE_STUCK_AFTER)
}
#[cfg(test)]
mod tests {
    use super::*;

    fn queued(due: Timestamp) -> OutgoingMail {
        OutgoingMail {
            id: 1,
            to: "a@example.org".to_owned(),
            subject: String::new(),
            text: String::new(),
            confidential: false,
            state: crate::domain::mail::MailState::Queued,
            attempts: 0,
            created_at: due,
            next_attempt_at: due,
            sent_at: None,
            last_error: None,
            live_body: false,
            body_removed: false,
            valid_until: None,
            unconfirmed: false,
        }
    }

    #[test]
    fn a_queue_is_stuck_only_when_a_mail_is_long_overdue() {
        let now = Timestamp::from_second(1_700_000_000).unwrap();
        assert!(!mail_queue_stuck(&[], now));
        let recent = now - SignedDuration::from_secs(60);
        assert!(!mail_queue_stuck(&[queued(recent)], now));
        let later = now + SignedDuration::from_secs(3600);
        assert!(!mail_queue_stuck(&[queued(later)], now));
        let old = now - SignedDuration::from_secs(16 * 60);
        assert!(mail_queue_stuck(&[queued(later), queued(old)], now));
    }
}
