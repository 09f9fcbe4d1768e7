//! Outgoing e-mails as queued for delivery and kept as the Postausgang.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum MailState {
    Queued,
    Sent,
    Failed,
}

impl MailState {
    pub const ALL: [MailState; 3] = [MailState::Queued, MailState::Sent, MailState::Failed];

    pub fn label(self) -> &'static str {
        match self {
            MailState::Queued => "In Warteschlange",
            MailState::Sent => "Versendet",
            MailState::Failed => "Fehlgeschlagen",
        }
    }

    /// Stable number of the state in index keys (never reorder).
    pub fn code(self) -> u8 {
        match self {
            MailState::Queued => 0,
            MailState::Sent => 1,
            MailState::Failed => 2,
        }
    }

    /// The key of the state in URLs and stored counters.
    pub fn key(self) -> &'static str {
        match self {
            MailState::Queued => "warteschlange",
            MailState::Sent => "versendet",
            MailState::Failed => "fehlgeschlagen",
        }
    }

    pub fn from_key(key: &str) -> Option<MailState> {
        MailState::ALL.into_iter().find(|s| s.key() == key)
    }
}

/// Metadata of one e-mail with exactly one recipient. The message itself
/// is stored apart (see `store::mail_queue`): the raw MIME with links and
/// TANs replaced by placeholders, and — until delivery — the deliverable
/// message sealed with a key kept outside the database.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutgoingMail {
    pub id: u64,
    pub to: String,
    pub subject: String,
    /// The plain-text body with links and TANs replaced by placeholders,
    /// shown in the Postausgang; empty once the body was removed.
    #[serde(default)]
    pub text: String,
    /// The message contains a link or TAN (its live form exists only sealed).
    pub confidential: bool,
    pub state: MailState,
    pub attempts: u32,
    pub created_at: Timestamp,
    pub next_attempt_at: Timestamp,
    pub sent_at: Option<Timestamp>,
    pub last_error: Option<String>,
    /// The stored raw message still holds a live link or TAN (mails queued
    /// before schema version 4); it is removed right after delivery.
    #[serde(default)]
    pub live_body: bool,
    /// The body was removed after `retention.mail_body_days`.
    #[serde(default)]
    pub body_removed: bool,
    /// After this moment the mail is useless (an e-mail TAN) and is dropped
    /// instead of delivered late.
    #[serde(default)]
    pub valid_until: Option<Timestamp>,
    /// Counted as sent because a restart interrupted the attempt after the
    /// hand-over point: never sent twice, but the server's acceptance was
    /// not confirmed.
    #[serde(default)]
    pub unconfirmed: bool,
}

/// Stored numbers of mails per state (the Kassen home shows them).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MailCounts {
    pub queued: u64,
    pub sent: u64,
    pub failed: u64,
}
