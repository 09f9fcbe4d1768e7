//! Single-use links sent by e-mail.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::ids::Nutzerkennung;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum LinkKind {
    /// "Passwort festlegen" (first password or reset).
    SetPassword,
    /// "Nutzerkennung abrufen" for administrators registered by the Kassen.
    RetrieveId,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Link {
    pub kind: LinkKind,
    pub account: Nutzerkennung,
    pub expires_at: Timestamp,
    /// Wrong entries still allowed (Nutzerkennung abrufen).
    pub tries_left: u8,
}

/// Tries allowed on the Nutzerkennung-abrufen page before the link is void.
pub const RETRIEVE_ID_TRIES: u8 = 5;
