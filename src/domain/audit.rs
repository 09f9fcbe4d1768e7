//! Audit log entries: who did what to whom, when, from where.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::org::OrgId;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub at: Timestamp,
    /// Nutzerkennung of the actor, or "System" / "Einrichtung" for actions without one.
    pub actor: String,
    /// Machine-readable action, e.g. `account.created`.
    pub action: String,
    /// Nutzerkennung, organisation number or other identifier of the object.
    pub target: Option<String>,
    /// The organisation the action concerns, for per-organisation views.
    pub org: Option<OrgId>,
    /// Client address as seen by the server (after trusted proxies).
    pub client: Option<String>,
    /// Short German description shown in the log.
    pub detail: String,
}

impl AuditEntry {
    pub fn new(
        at: Timestamp,
        actor: impl Into<String>,
        action: &str,
        detail: impl Into<String>,
    ) -> Self {
        Self {
            at,
            actor: actor.into(),
            action: action.to_owned(),
            target: None,
            org: None,
            client: None,
            detail: detail.into(),
        }
    }

    pub fn target(mut self, target: impl ToString) -> Self {
        self.target = Some(target.to_string());
        self
    }

    pub fn org(mut self, org: Option<OrgId>) -> Self {
        self.org = org;
        self
    }

    pub fn client(mut self, client: Option<String>) -> Self {
        self.client = client;
        self
    }
}
