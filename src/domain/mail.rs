//! Outgoing e-mails as queued for delivery.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum MailState {
    Queued,
    Sent,
    Failed,
}

impl MailState {
    pub fn label(self) -> &'static str {
        match self {
            MailState::Queued => "In Warteschlange",
            MailState::Sent => "Versendet",
            MailState::Failed => "Fehlgeschlagen",
        }
    }
}

/// One e-mail with exactly one recipient.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutgoingMail {
    pub id: u64,
    pub to: String,
    pub subject: String,
    /// The complete RFC 5322 message.
    pub raw: Vec<u8>,
    /// The plain-text body, shown in the Postausgang.
    #[serde(default)]
    pub text: String,
    /// The message contains a link or TAN; only Portaladministration may read it.
    pub confidential: bool,
    pub state: MailState,
    pub attempts: u32,
    pub created_at: Timestamp,
    pub next_attempt_at: Timestamp,
    pub sent_at: Option<Timestamp>,
    pub last_error: Option<String>,
}
