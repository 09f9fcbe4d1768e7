//! The background worker that drains the mail queue with retry and back-off.

use std::sync::Arc;
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use tokio::sync::watch;

use super::Mailer;
use super::handover::{Attempt, HandoverMark};
use super::transport::Transport;
use crate::config::MailConfig;
use crate::domain::mail::{MailState, OutgoingMail};
use crate::store::{self, Store};

/// The error shown in the Postausgang for a mail dropped past its validity.
pub const EXPIRED: &str = "Nicht versendet: Die Gültigkeit war abgelaufen.";

/// How long the worker sleeps when nothing is due (it wakes earlier on new mail).
const IDLE_POLL: Duration = Duration::from_secs(60);
/// How soon an outcome that could not be recorded is tried again.
const RECORD_RETRY: Duration = Duration::from_secs(5);

pub struct Worker {
    pub store: Store,
    pub mailer: Mailer,
    pub transport: Arc<Transport>,
    pub config: MailConfig,
    pub metrics: Arc<crate::metrics::Metrics>,
    pub clock: crate::clock::Clock,
    pub handover: HandoverMark,
    /// The attempt a previous process marked as handed over (see
    /// `handover`): if its outcome is not recorded, it is not repeated.
    pub interrupted: Option<Attempt>,
    /// Outcomes the store refused to record (e.g. the disk below its
    /// reserve), by mail id. Only the record is retried: a mail in here is
    /// never sent again (issue 19: a delivered mail went out every minute
    /// while the disk was full). Lost at a restart, where the hand-over
    /// mark still keeps the last delivered one from going out twice.
    pub unrecorded: std::sync::Mutex<std::collections::BTreeMap<u64, OutgoingMail>>,
}

impl Worker {
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        let wake = self.mailer.wake_signal();
        loop {
            let next_due = match self.deliver_due().await {
                Ok(next) => next,
                Err(e) => {
                    tracing::error!(error = %e, "mail queue unavailable");
                    Some(self.clock.now() + SignedDuration::from_secs(5))
                }
            };
            // Sleeps on the portal's clock: a test that moves it past the
            // next attempt wakes the worker.
            let idle_until = self.clock.now()
                + SignedDuration::try_from(IDLE_POLL).unwrap_or(SignedDuration::from_secs(60));
            let wake_at = next_due.map_or(idle_until, |due| due.min(idle_until));
            tokio::select! {
                _ = shutdown.changed() => break,
                _ = wake.notified() => {}
                _ = self.clock.sleep_until(wake_at) => {}
            }
            if *shutdown.borrow() {
                break;
            }
        }
        tracing::debug!("mail worker stopped");
    }

    /// Records the outcomes that could not be recorded before; returns
    /// the ids of those still unrecorded.
    async fn record_unrecorded(&self) -> std::collections::BTreeSet<u64> {
        let waiting: Vec<OutgoingMail> = match self.unrecorded.lock() {
            Ok(map) => map.values().cloned().collect(),
            Err(_) => Vec::new(),
        };
        for mail in waiting {
            let id = mail.id;
            if self.store_outcome(mail).await.is_ok() {
                tracing::info!(mail_id = id, "mail outcome recorded after all");
                if let Ok(mut map) = self.unrecorded.lock() {
                    map.remove(&id);
                }
            }
        }
        match self.unrecorded.lock() {
            Ok(map) => map.keys().copied().collect(),
            Err(_) => Default::default(),
        }
    }

    /// Delivers every due mail; returns when the next one is due.
    async fn deliver_due(&self) -> Result<Option<Timestamp>, store::Error> {
        let unrecorded = self.record_unrecorded().await;
        let store = self.store.clone();
        let pending = tokio::task::spawn_blocking(move || store.read(store::mail_queue::pending))
            .await
            .map_err(|e| store::Error::Corrupt {
                table: "mail_queue",
                detail: e.to_string(),
            })??;
        self.metrics.set_mail_queue_depth(pending.len() as u64);
        let now = self.clock.now();
        let mut next_due: Option<Timestamp> = None;
        for mail in pending {
            if unrecorded.contains(&mail.id) {
                // Its outcome waits to be recorded: not sent again.
                continue;
            }
            if mail.next_attempt_at > now {
                next_due =
                    Some(next_due.map_or(mail.next_attempt_at, |n| n.min(mail.next_attempt_at)));
                continue;
            }
            let this_attempt = Attempt {
                mail: mail.id,
                attempts_before: mail.attempts,
            };
            if self.interrupted == Some(this_attempt) && !self.transport.redelivery_replaces() {
                // A restart cut the last attempt short after its hand-over
                // point: the server may hold the message already. Counted as
                // sent (never twice), marked unconfirmed for the Postausgang.
                self.count_as_sent_unconfirmed(mail).await;
                continue;
            }
            // Checked against the clock of this very attempt (the loop's
            // `now` may be a while old when many mails went before).
            if mail
                .valid_until
                .is_some_and(|until| until <= self.clock.now().max(now))
            {
                // A TAN past its validity is of no use and must not arrive
                // late (it would invite entering a dead code): dropped.
                self.expire(mail).await;
                continue;
            }
            let outcome = match self.message(mail.id).await {
                Ok(raw) => {
                    let handover = || async {
                        self.handover
                            .mark(this_attempt)
                            .map_err(|e| format!("cannot write the hand-over mark: {e}"))
                    };
                    self.transport
                        .deliver(mail.id, self.mailer.from_addr(), &mail.to, &raw, handover)
                        .await
                }
                Err(e) => Err(e),
            };
            let updated = self.record(mail, outcome).await;
            if let Some(retry_at) = updated
                .filter(|m| m.state == MailState::Queued)
                .map(|m| m.next_attempt_at)
            {
                next_due = Some(next_due.map_or(retry_at, |n| n.min(retry_at)));
            }
        }
        if self.unrecorded.lock().is_ok_and(|m| !m.is_empty()) {
            let retry_at = self.clock.now()
                + SignedDuration::try_from(RECORD_RETRY).unwrap_or(SignedDuration::from_secs(5));
            next_due = Some(next_due.map_or(retry_at, |n| n.min(retry_at)));
        }
        Ok(next_due)
    }

    /// The deliverable message: the sealed live form of a mail with a link
    /// or TAN, opened with the key, else the stored raw MIME.
    async fn message(&self, id: u64) -> Result<Vec<u8>, String> {
        let store = self.store.clone();
        let (sealed, raw) = tokio::task::spawn_blocking(move || {
            store.read(|tx| {
                Ok::<_, store::Error>((
                    store::mail_queue::sealed(tx, id)?,
                    store::mail_queue::raw(tx, id)?,
                ))
            })
        })
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())?;
        match (sealed, raw) {
            (Some(sealed), _) => self.mailer.open_sealed(id, &sealed).ok_or_else(|| {
                format!(
                    "cannot open the sealed message (is {} the key it was sealed with?)",
                    super::seal::KEY_FILE
                )
            }),
            (None, Some(raw)) => Ok(raw),
            (None, None) => Err("the message body is missing".to_owned()),
        }
    }

    /// Stores the outcome of one attempt.
    async fn record(
        &self,
        mut mail: OutgoingMail,
        outcome: Result<(), String>,
    ) -> Option<OutgoingMail> {
        let now = self.clock.now();
        mail.attempts += 1;
        match outcome {
            Ok(()) => {
                mail.state = MailState::Sent;
                mail.sent_at = Some(now);
                mail.last_error = None;
                self.metrics.mail_sent();
                tracing::info!(
                    mail_id = mail.id,
                    attempts = mail.attempts,
                    "mail delivered"
                );
            }
            Err(e) => {
                self.metrics.mail_failed();
                if mail.attempts >= self.config.max_attempts {
                    mail.state = MailState::Failed;
                    tracing::error!(mail_id = mail.id, error = %e, "mail given up");
                } else {
                    let delay = backoff(
                        self.config.retry_initial,
                        self.config.retry_max,
                        mail.attempts,
                    );
                    mail.next_attempt_at = now
                        + SignedDuration::try_from(delay)
                            .unwrap_or(SignedDuration::from_secs(3600));
                    tracing::warn!(mail_id = mail.id, error = %e, retry_in = ?delay, "mail delivery failed");
                }
                mail.last_error = Some(e);
            }
        }
        self.save(mail).await
    }

    /// Counts a mail as sent whose attempt a restart interrupted after the
    /// hand-over point; the server's answer is unknown.
    async fn count_as_sent_unconfirmed(&self, mut mail: OutgoingMail) {
        mail.state = MailState::Sent;
        mail.sent_at = Some(self.clock.now());
        mail.attempts += 1;
        mail.unconfirmed = true;
        self.metrics.mail_sent();
        tracing::warn!(
            mail_id = mail.id,
            "mail delivery interrupted by a restart after the hand-over; counted as sent, not resent"
        );
        self.save(mail).await;
    }

    /// Gives up a mail whose validity ended before it could be delivered.
    async fn expire(&self, mut mail: OutgoingMail) {
        mail.state = MailState::Failed;
        mail.last_error = Some(EXPIRED.to_owned());
        tracing::warn!(mail_id = mail.id, "mail expired before delivery, dropped");
        self.save(mail).await;
    }

    /// Stores the mail's new state; when the store refuses, the outcome is
    /// kept to be recorded later (and the mail is not sent again).
    async fn save(&self, mail: OutgoingMail) -> Option<OutgoingMail> {
        match self.store_outcome(mail.clone()).await {
            Ok(()) => Some(mail),
            Err(e) => {
                tracing::error!(mail_id = mail.id, error = %e, "cannot record mail delivery; kept to record later, not sent again");
                if let Ok(mut map) = self.unrecorded.lock() {
                    map.insert(mail.id, mail);
                }
                None
            }
        }
    }

    /// Writes the mail's new state; a mail no longer queued loses its live
    /// (sealed) form.
    async fn store_outcome(&self, mail: OutgoingMail) -> Result<(), store::Error> {
        let store = self.store.clone();
        let saved = mail;
        tokio::task::spawn_blocking(move || {
            store.write(|tx| {
                let mut saved = saved;
                if saved.state != MailState::Queued {
                    // Delivered or given up: the live link or TAN goes.
                    store::mail_queue::drop_sealed(tx, saved.id)?;
                    if saved.live_body {
                        return store::mail_queue::drop_body(tx, &mut saved);
                    }
                }
                store::mail_queue::put(tx, &saved)
            })
        })
        .await
        .unwrap_or_else(|e| {
            Err(store::Error::Corrupt {
                table: "mail_queue",
                detail: e.to_string(),
            })
        })
    }
}

/// Exponential back-off: `initial * 2^(attempt-1)`, at most `max`.
pub fn backoff(initial: Duration, max: Duration, attempt: u32) -> Duration {
    let factor = 2u32.saturating_pow(attempt.saturating_sub(1).min(20));
    initial.saturating_mul(factor).min(max)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_maximum() {
        let s = Duration::from_secs;
        assert_eq!(backoff(s(30), s(3600), 1), s(30));
        assert_eq!(backoff(s(30), s(3600), 2), s(60));
        assert_eq!(backoff(s(30), s(3600), 3), s(120));
        assert_eq!(backoff(s(30), s(3600), 30), s(3600));
    }
}
