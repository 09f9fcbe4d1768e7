//! Server-side sessions.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::ids::Nutzerkennung;

/// How far the login has come.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Stage {
    /// Password checked; the TAN (TOTP or e-mail) is still missing.
    AwaitingTan,
    /// Password checked; the authenticator is being set up with this secret.
    TotpSetup { secret: String },
    /// Fully authenticated.
    Full,
}

/// An e-mail TAN sent for this login attempt (stored hashed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailTan {
    pub hash: String,
    pub expires_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    pub account: Nutzerkennung,
    pub stage: Stage,
    pub created_at: Timestamp,
    pub last_seen: Timestamp,
    pub email_tan: Option<EmailTan>,
}

impl Session {
    /// Whether the session is still valid at `now`.
    pub fn is_live(
        &self,
        now: Timestamp,
        idle: std::time::Duration,
        lifetime: std::time::Duration,
    ) -> bool {
        !self.idle_expired(now, idle) && now < end(self.created_at, lifetime)
    }

    /// Whether the session ended through inactivity (as opposed to its
    /// absolute lifetime).
    pub fn idle_expired(&self, now: Timestamp, idle: std::time::Duration) -> bool {
        now >= end(self.last_seen, idle)
    }
}

fn end(since: Timestamp, span: std::time::Duration) -> Timestamp {
    jiff::SignedDuration::try_from(span)
        .ok()
        .and_then(|s| since.checked_add(s).ok())
        .unwrap_or(Timestamp::MAX)
}
