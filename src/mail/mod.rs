//! Outgoing e-mail: a durable queue in the store, a worker that delivers it
//! through SMTP or the file outbox, and the German templates.
//!
//! A mail is queued in the same write transaction as the change that causes
//! it, so a user action and its e-mail are stored together or not at all.

pub mod templates;
pub mod transport;
pub mod worker;

use std::sync::Arc;

use jiff::Timestamp;
use tokio::sync::Notify;

use crate::domain::mail::{MailState, OutgoingMail};
use crate::store::{self, WriteTx};
pub use templates::Template;

/// What the rest of the portal uses to send mail.
#[derive(Clone)]
pub struct Mailer {
    from_name: Option<String>,
    from_addr: String,
    wake: Arc<Notify>,
}

impl Mailer {
    pub fn new(from: &str) -> Self {
        let (from_name, from_addr) =
            crate::domain::email::parse_mailbox(from).unwrap_or((None, from.to_owned()));
        Self {
            from_name,
            from_addr,
            wake: Arc::new(Notify::new()),
        }
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
        let raw = self
            .build(to, &template, now)
            .map_err(|e| store::Error::Corrupt {
                table: "mail_queue",
                detail: format!("cannot build message: {e}"),
            })?;
        let mail = OutgoingMail {
            id,
            to: to.to_owned(),
            subject: template.subject.clone(),
            raw,
            text: template.text.clone(),
            confidential: template.confidential,
            state: MailState::Queued,
            attempts: 0,
            created_at: now,
            next_attempt_at: now,
            sent_at: None,
            last_error: None,
        };
        store::mail_queue::put(tx, &mail)?;
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
