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
    /// The entry's link in the hash chain (see [`chain_hash`]); set by the
    /// store when the entry is appended, absent only in entries written
    /// before the chain existed and not yet chained.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chain: Option<ChainLink>,
}

/// An entry's place in the tamper-evident chain: the hash of the entry
/// before it and its own hash (both SHA-256, lower-case hex).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainLink {
    pub prev: String,
    pub hash: String,
}

/// The `prev` of the first entry of a chain: 64 zeros.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Version tag at the start of the canonical form.
pub const CANONICAL_TAG: &[u8] = b"mv-audit-v1\n";

/// The entry's time in the canonical form: UTC, RFC 3339 with exactly nine
/// fractional digits (`2026-12-07T22:51:30.123456789Z`).
pub fn canonical_time(at: Timestamp) -> String {
    format!(
        "{}.{:09}Z",
        at.strftime("%Y-%m-%dT%H:%M:%S"),
        at.subsec_nanosecond()
    )
}

/// The canonical form of entry `seq` chained after `prev` (docs/audit-chain.md):
/// the tag `mv-audit-v1\n`, then nine fields, each as its UTF-8 length in
/// decimal, `:`, the bytes and `\n`: sequence number, time, actor, action
/// code, target, organisation id, client address, description, previous
/// hash. An absent optional field is the empty string.
pub fn canonical(seq: u64, e: &AuditEntry, prev: &str) -> Vec<u8> {
    let org = e.org.map(|o| o.to_string()).unwrap_or_default();
    let fields: [&str; 9] = [
        &seq.to_string(),
        &canonical_time(e.at),
        &e.actor,
        &e.action,
        e.target.as_deref().unwrap_or(""),
        &org,
        e.client.as_deref().unwrap_or(""),
        &e.detail,
        prev,
    ];
    let mut out = CANONICAL_TAG.to_vec();
    for f in fields {
        out.extend_from_slice(f.len().to_string().as_bytes());
        out.push(b':');
        out.extend_from_slice(f.as_bytes());
        out.push(b'\n');
    }
    out
}

/// A recorded chain position: the hash of entry `seq` (the chain head, a
/// daily anchor, or the checkpoint left at a retention cut).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Anchor {
    pub at: Timestamp,
    pub seq: u64,
    pub hash: String,
}

/// Why a chain does not verify, naming the entry (its sequence number).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Break {
    pub seq: u64,
    pub reason: String,
}

/// The result of checking the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verification {
    pub at: Timestamp,
    /// Entries whose hash was recomputed.
    pub entries: u64,
    /// The last entry checked.
    pub head: Option<Anchor>,
    pub broken: Option<Break>,
    /// Since when the chain has verified without a break: the time of the
    /// first run of an unbroken series (kept from the previous result).
    #[serde(default)]
    pub intact_since: Option<Timestamp>,
}

/// SHA-256 (lower-case hex) of the canonical form of entry `seq` after `prev`.
pub fn chain_hash(seq: u64, e: &AuditEntry, prev: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(canonical(seq, e, prev)))
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
            chain: None,
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

/// Every action code the portal writes, with its German label for the
/// Protokoll (page and CSV).
pub const ACTIONS: &[(&str, &str)] = &[
    ("account.created", "Nutzer:in angelegt"),
    ("account.updated", "Nutzerdaten geändert"),
    ("account.grants_set", "Berechtigungen vergeben"),
    ("account.grants_changed", "Berechtigungen geändert"),
    ("account.roles", "Rollen geändert"),
    ("account.locked", "Nutzer:in gesperrt"),
    ("account.unlocked", "Nutzer:in entsperrt"),
    (
        "account.dormant_locked",
        "Nutzerkonto wegen Inaktivität gesperrt",
    ),
    ("grants.recertified", "Berechtigungen bestätigt"),
    ("grants.suspended", "Berechtigungen ausgesetzt"),
    (
        "account.self_locked",
        "Nach Fehlversuchen vorübergehend gesperrt",
    ),
    ("account.deactivated", "Nutzer:in dauerhaft deaktiviert"),
    (
        "account.password_mail_resent",
        "E-Mail für neues Passwort versendet",
    ),
    ("account.second_factor", "Zweiter Faktor umgestellt"),
    ("account.totp_reset", "Authenticator zurückgesetzt"),
    ("login.ok", "Anmeldung erfolgreich"),
    ("login.failed", "Anmeldung fehlgeschlagen"),
    (
        "login.refused_locked",
        "Anmeldeversuch während einer Sperre",
    ),
    ("login.unknown", "Anmeldung mit unbekannter Nutzerkennung"),
    ("login.code_reused", "Bereits verwendeter Code abgelehnt"),
    ("logout", "Abgemeldet"),
    ("totp.setup", "Authenticator eingerichtet"),
    ("password.set", "Passwort festgelegt"),
    (
        "password.reset_requested",
        "Zurücksetzen des Passwortes angefordert",
    ),
    ("password.changed", "Passwort geändert"),
    ("id.retrieved", "Nutzerkennung abgerufen"),
    (
        "id.retrieve_failed",
        "Abruf der Nutzerkennung fehlgeschlagen",
    ),
    ("org.created", "Mitglied angelegt"),
    ("org.updated", "Mitglied geändert"),
    ("org.receipt_target", "Postfach-Konfiguration geändert"),
    (
        "org.group_emails",
        "E-Mail-Adressen eines Gruppenpostfachs geändert",
    ),
    (
        "grants.restricted",
        "Berechtigungen an Funktionseinschränkungen angepasst",
    ),
    ("faq.created", "FAQ-Eintrag angelegt"),
    ("faq.updated", "FAQ-Eintrag geändert"),
    ("faq.deleted", "FAQ-Eintrag gelöscht"),
    ("faq.moved", "FAQ-Eintrag verschoben"),
    ("feedback.done", "Rückmeldung erledigt"),
    ("feedback.reopened", "Rückmeldung wieder geöffnet"),
    ("person.contact_changed", "Kontaktdaten geändert"),
    ("person.imported", "Anspruchsberechtigte importiert"),
    ("person.import_changed", "Daten durch Datenimport geändert"),
    ("person.periods_imported", "Lebensläufe importiert"),
    ("report.submitted", "Formular abgesandt"),
    (
        "report.status_changed",
        "Status einer Formularmeldung geändert",
    ),
    ("backup.created", "Datensicherung erstellt"),
    ("backup.failed", "Datensicherung fehlgeschlagen"),
    ("demo.loaded", "Demodaten geladen"),
    ("mail.viewed", "E-Mail im Postausgang angesehen"),
    (
        "audit.retention",
        "Protokolleinträge nach Ablauf der Aufbewahrungsfrist gelöscht",
    ),
    ("messages.exported", "Unterhaltung als PDF exportiert"),
    (
        "messages.retention",
        "Nachrichten nach Ablauf der Löschfrist gelöscht",
    ),
];

/// The German label of an action code ("Berechtigungen geändert" for
/// `account.grants_changed`); an unknown code is shown as it is.
pub fn action_label(code: &str) -> &str {
    ACTIONS
        .iter()
        .find(|(c, _)| *c == code)
        .map_or(code, |(_, label)| label)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_canonical_form_is_length_prefixed_and_fixed() {
        let at: Timestamp = "2026-12-07T22:51:30.5Z".parse().unwrap();
        let e = AuditEntry::new(at, "K12345678901", "login.ok", "Grüße")
            .org(Some(7))
            .client(Some("::1".into()));
        let c = canonical(3, &e, GENESIS);
        let expected = format!(
            "mv-audit-v1\n1:3\n30:2026-12-07T22:51:30.500000000Z\n12:K12345678901\n8:login.ok\n0:\n1:7\n3:::1\n7:Grüße\n64:{GENESIS}\n"
        );
        assert_eq!(String::from_utf8(c).unwrap(), expected);
        assert_eq!(chain_hash(3, &e, GENESIS).len(), 64);
        assert_ne!(chain_hash(3, &e, GENESIS), chain_hash(4, &e, GENESIS));
    }

    /// String literals in `text` that look like action codes of the
    /// namespaces the audit log uses.
    fn codes_in(text: &str) -> Vec<String> {
        // Not "mail.": configuration keys ("mail.smtp.host") share it.
        const NAMESPACES: [&str; 14] = [
            "person.",
            "report.",
            "audit.",
            "account.",
            "login.",
            "totp.",
            "password.",
            "id.",
            "org.",
            "grants.",
            "faq.",
            "feedback.",
            "backup.",
            "demo.",
        ];
        text.split('"')
            .skip(1)
            .step_by(2)
            .filter(|s| {
                NAMESPACES.iter().any(|n| s.starts_with(n))
                    && s.len() < 40
                    && s.bytes()
                        .all(|b| b.is_ascii_lowercase() || b == b'.' || b == b'_')
            })
            .map(str::to_owned)
            .collect()
    }

    fn visit(dir: &std::path::Path, found: &mut Vec<(String, String)>) {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                visit(&path, found);
            } else if path.extension().is_some_and(|e| e == "rs")
                // Configuration keys share some prefixes ("backup.keep"),
                // stored counter names too ("audit.all").
                && !path.parent().is_some_and(|p| p.ends_with("src/config"))
                && !path.ends_with("audit.rs")
                && !path.ends_with("migrate_v4.rs")
            {
                let text = std::fs::read_to_string(&path).unwrap_or_default();
                for code in codes_in(&text) {
                    found.push((path.display().to_string(), code));
                }
            }
        }
    }

    #[test]
    fn every_action_code_in_the_sources_has_a_german_label() {
        let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut found = Vec::new();
        visit(&src, &mut found);
        assert!(found.iter().any(|(_, c)| c == "account.grants_changed"));
        let missing: Vec<_> = found
            .iter()
            .filter(|(_, code)| action_label(code) == code.as_str())
            .collect();
        assert!(
            missing.is_empty(),
            "action codes without label: {missing:?}"
        );
        assert_eq!(action_label("logout"), "Abgemeldet");
    }
}
