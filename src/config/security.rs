//! The `security` and `argon2` sections: sessions, throttles, account
//! reviews and password hashing.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::duration_text;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SecurityConfig {
    #[serde(with = "duration_text")]
    pub session_idle: Duration,
    #[serde(with = "duration_text")]
    pub session_warning: Duration,
    #[serde(with = "duration_text")]
    pub session_lifetime: Duration,
    pub lockout_threshold: u32,
    #[serde(with = "duration_text")]
    pub lockout_duration: Duration,
    /// Failed logins per client address within `address_failure_window`.
    pub address_failure_limit: u32,
    #[serde(with = "duration_text")]
    pub address_failure_window: Duration,
    #[serde(with = "duration_text")]
    pub link_validity: Duration,
    #[serde(with = "duration_text")]
    pub email_tan_validity: Duration,
    pub min_password_strength: u8,
    /// "Passwort vergessen" requests per Nutzerkennung within `reset_window`
    /// (further requests are answered alike but send nothing).
    pub reset_limit: u32,
    /// "Passwort vergessen" requests per client address within `reset_window`.
    pub reset_address_limit: u32,
    #[serde(with = "duration_text")]
    pub reset_window: Duration,
    /// Searches ("/suche") one session may run per minute; more answer 429.
    pub search_limit: u32,
    /// An activated account without a login for this many days is locked
    /// as "Gesperrt (inaktiv)"; 0 turns the rule off.
    pub dormant_days: u32,
    /// How many days before that lock the advance e-mail goes out.
    pub dormant_notice_days: u32,
    /// Months between two access reviews (Rezertifizierung) per
    /// organisation; 0 turns the review off.
    pub recertification_months: u32,
    /// Days after the first reminder of a due review until the second.
    pub recertification_reminder_days: u32,
    /// Suspend the unconfirmed grants of an overdue review after
    /// `recertification_grace_days`.
    pub recertification_enforce: bool,
    pub recertification_grace_days: u32,
}

impl Default for SecurityConfig {
    fn default() -> Self {
        Self {
            session_idle: Duration::from_secs(10 * 60),
            session_warning: Duration::from_secs(60),
            session_lifetime: Duration::from_secs(12 * 3600),
            lockout_threshold: 5,
            lockout_duration: Duration::from_secs(30 * 60),
            address_failure_limit: 30,
            address_failure_window: Duration::from_secs(10 * 60),
            link_validity: Duration::from_secs(60 * 60),
            email_tan_validity: Duration::from_secs(10 * 60),
            min_password_strength: 3,
            reset_limit: 3,
            reset_address_limit: 10,
            reset_window: Duration::from_secs(60 * 60),
            search_limit: 30,
            dormant_days: 180,
            dormant_notice_days: 14,
            recertification_months: 12,
            recertification_reminder_days: 14,
            recertification_enforce: false,
            recertification_grace_days: 30,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Argon2Config {
    /// Memory per hash in KiB.
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
    /// Hashes computed at the same time; further logins wait.
    pub max_concurrent: usize,
}

impl Default for Argon2Config {
    fn default() -> Self {
        Self {
            memory_kib: 19456,
            iterations: 2,
            parallelism: 1,
            max_concurrent: 4,
        }
    }
}
