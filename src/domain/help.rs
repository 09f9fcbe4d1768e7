//! Help features: FAQ entries and the feedback and support inbox.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::org::OrgId;

/// One entry of "FAQ – Häufig gestellte Fragen".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FaqEntry {
    pub id: u64,
    pub question: String,
    pub answer: String,
    /// Place in the list (ascending); ties are broken by id.
    pub position: u64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl FaqEntry {
    /// The anchor of the entry on the FAQ page (`/faq#faq-<id>`).
    pub fn anchor(&self) -> String {
        format!("faq-{}", self.id)
    }
}

/// Which form a message came through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum FeedbackKind {
    Feedback,
    Support,
}

impl FeedbackKind {
    pub const ALL: [FeedbackKind; 2] = [FeedbackKind::Feedback, FeedbackKind::Support];

    pub fn label(self) -> &'static str {
        match self {
            FeedbackKind::Feedback => "Feedback",
            FeedbackKind::Support => "Support",
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            FeedbackKind::Feedback => "feedback",
            FeedbackKind::Support => "support",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.key() == key)
    }
}

/// A message sent through the feedback or support form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedbackEntry {
    pub id: u64,
    pub kind: FeedbackKind,
    pub subject: String,
    pub text: String,
    /// Contact address given in the form, if any.
    pub email: Option<String>,
    /// Nutzerkennung of the sender, when signed in.
    pub account: Option<String>,
    /// Organisation of the sender, when signed in as one of its accounts.
    pub org: Option<OrgId>,
    pub created_at: Timestamp,
    /// Marked "erledigt" by the Portaladministration.
    pub done: bool,
}

/// Longest text of a feedback or support message, in characters.
pub const MAX_TEXT: usize = 10_000;
