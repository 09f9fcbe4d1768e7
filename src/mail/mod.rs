//! Outgoing e-mail: a durable queue in the store, a worker that delivers it
//! through SMTP or the file outbox, and the German templates.
//!
//! A mail is queued in the same write transaction as the change that causes
//! it, so a user action and its e-mail are stored together or not at all.

pub mod handover;
pub mod seal;
pub mod templates;
pub mod transport;
pub mod worker;

use std::sync::Arc;

use jiff::Timestamp;
use tokio::sync::Notify;

use crate::domain::mail::{MailState, OutgoingMail};
use crate::store::{self, WriteTx};
use seal::SealKey;
pub use templates::Template;

/// What the rest of the portal uses to send mail.
#[derive(Clone)]
pub struct Mailer {
    from_name: Option<String>,
    from_addr: String,
    wake: Arc<Notify>,
    key: Arc<SealKey>,
}

impl Mailer {
    /// The stored form of an E-Mail-TAN (see [`SealKey::tan_mac`]).
    pub fn tan_mac(&self, session_hash: &str, tan: &str) -> String {
        self.key.tan_mac(session_hash, tan)
    }

    /// Whether `code` is the E-Mail-TAN stored as `stored` for the session
    /// `session_hash`, in constant time. A value without the HMAC marker
    /// is a plain SHA-256 written before the HMAC (valid for minutes only).
    pub fn tan_matches(&self, session_hash: &str, stored: &str, code: &str) -> bool {
        let expected = if stored.starts_with(seal::TAN_MAC_PREFIX) {
            self.tan_mac(session_hash, code)
        } else {
            crate::domain::secret::token_hash(code)
        };
        crate::domain::secret::constant_time_eq(expected.as_bytes(), stored.as_bytes())
    }

    /// `key` seals the live form of mails with a link or TAN (see `seal`).
    pub fn new(from: &str, key: Arc<SealKey>) -> Self {
        let (from_name, from_addr) =
            crate::domain::email::parse_mailbox(from).unwrap_or((None, from.to_owned()));
        Self {
            from_name,
            from_addr,
            wake: Arc::new(Notify::new()),
            key,
        }
    }

    /// The deliverable form of a sealed message.
    pub fn open_sealed(&self, id: u64, sealed: &[u8]) -> Option<Vec<u8>> {
        self.key.open(id, sealed)
    }

    /// Queues `template` for `to` inside the caller's transaction. Call
    /// [`Mailer::wake`] after the commit so it goes out at once.
    pub fn enqueue(
        &self,
        tx: &WriteTx,
        to: &str,
        template: Template,
        now: Timestamp,
    ) -> Result<u64, store::Error> {
        let id = store::mail_queue::next_id(tx)?;
        let failed = |detail: String| store::Error::Corrupt {
            table: "mail_queue",
            detail,
        };
        // The stored copy never holds the live link or TAN; the deliverable
        // message exists only sealed, until delivery.
        let redacted = template.redacted();
        let raw = self
            .build(to, &redacted, now)
            .map_err(|e| failed(format!("cannot build message: {e}")))?;
        let sealed = match &template.secret {
            Some(_) => {
                let live = self
                    .build(to, &template, now)
                    .map_err(|e| failed(format!("cannot build message: {e}")))?;
                Some(self.key.seal(id, &live).map_err(failed)?)
            }
            None => None,
        };
        let mail = OutgoingMail {
            id,
            to: to.to_owned(),
            subject: redacted.subject.clone(),
            text: redacted.text.clone(),
            confidential: template.confidential,
            state: MailState::Queued,
            attempts: 0,
            created_at: now,
            next_attempt_at: now,
            sent_at: None,
            last_error: None,
            live_body: false,
            body_removed: false,
            valid_until: template
                .valid_for
                .and_then(|d| jiff::SignedDuration::try_from(d).ok())
                .and_then(|d| now.checked_add(d).ok()),
            unconfirmed: false,
        };
        store::mail_queue::insert(tx, &mail, &raw, sealed.as_deref())?;
        Ok(id)
    }

    /// Tells the worker that new mail is waiting.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    pub(crate) fn wake_signal(&self) -> Arc<Notify> {
        self.wake.clone()
    }

    pub fn from_addr(&self) -> &str {
        &self.from_addr
    }

    fn build(&self, to: &str, t: &Template, now: Timestamp) -> std::io::Result<Vec<u8>> {
        use mail_send::mail_builder::MessageBuilder;
        use mail_send::mail_builder::headers::address::Address;
        let from: Address<'_> = match &self.from_name {
            Some(name) => (name.as_str(), self.from_addr.as_str()).into(),
            None => self.from_addr.as_str().into(),
        };
        let builder: MessageBuilder<'_> = MessageBuilder::new()
            .from(from)
            .to(to)
            .subject(t.subject.as_str())
            .date(now.as_second())
            .text_body(t.text.as_str())
            .html_body(t.html.as_str());
        builder.write_to_vec()
    }
}
