//! Every redb table of the portal, in one place.
//!
//! Values are JSON documents (see `codec`), so fields can be added with
//! `#[serde(default)]` without a migration; a migration step is needed only
//! when existing data must be rewritten.

use redb::TableDefinition;

/// Store-wide values: `schema_version` (u64) and sequence counters
/// (`seq.<name>` → last id handed out).
pub const META: TableDefinition<&str, u64> = TableDefinition::new("meta");

/// Secrets and one-off values by name: `csrf_key` (32 random bytes),
/// `setup_token_hash` (SHA-256 hex of the first-run token, removed once used).
pub const SECRETS: TableDefinition<&str, &[u8]> = TableDefinition::new("secrets");

/// Accounts by Nutzerkennung → `domain::account::Account` (JSON).
pub const ACCOUNTS: TableDefinition<&str, &[u8]> = TableDefinition::new("accounts");

/// Every Nutzerkennung ever issued → issue time (unix seconds). Never
/// shrinks, so a Nutzerkennung is never reused, not even after deactivation.
pub const ISSUED_IDS: TableDefinition<&str, i64> = TableDefinition::new("issued_ids");

/// Organisations by id → `domain::org::Organisation` (JSON).
pub const ORGS: TableDefinition<u64, &[u8]> = TableDefinition::new("orgs");

/// Mitgliedsnummer → organisation id; keeps the number unique.
pub const ORG_NUMBERS: TableDefinition<&str, u64> = TableDefinition::new("org_numbers");

/// Outgoing e-mails by id → `domain::mail::OutgoingMail` (JSON metadata
/// only since schema version 4), kept after delivery as the Postausgang.
/// Ids ascend with creation time, so id order is time order.
pub const MAIL_QUEUE: TableDefinition<u64, &[u8]> = TableDefinition::new("mail_queue");

/// Legacy (schema versions 2–3): ids of pending mails. Replaced by
/// MAIL_BY_STATE and deleted by the migration to version 4.
pub const MAIL_PENDING: TableDefinition<u64, ()> = TableDefinition::new("mail_pending");

/// Index of MAIL_QUEUE by (state code, id) — state, then time. The worker
/// reads the queued mails, the Postausgang filters by state. Version 4.
pub const MAIL_BY_STATE: TableDefinition<(u8, u64), ()> = TableDefinition::new("mail_by_state");

/// Raw MIME of each mail by id, as bytes, with links and TANs replaced by
/// placeholders; removed after `retention.mail_body_days`. Version 4.
pub const MAIL_RAW: TableDefinition<u64, &[u8]> = TableDefinition::new("mail_raw");

/// The deliverable raw MIME of mails with a link or TAN, sealed (AES-256-GCM,
/// nonce ‖ ciphertext) with the key in `<data_dir>/mail.key`, which is never
/// in the database or a backup; removed once the mail is delivered or given
/// up. Version 4.
pub const MAIL_SEALED: TableDefinition<u64, &[u8]> = TableDefinition::new("mail_sealed");

/// Audit log by sequence number → `domain::audit::AuditEntry` (JSON).
pub const AUDIT: TableDefinition<u64, &[u8]> = TableDefinition::new("audit");

/// Sessions by SHA-256 hex of the cookie value → `domain::session::Session` (JSON).
pub const SESSIONS: TableDefinition<&str, &[u8]> = TableDefinition::new("sessions");

/// Single-use e-mail links by SHA-256 hex of the token → `domain::link::Link` (JSON).
pub const LINKS: TableDefinition<&str, &[u8]> = TableDefinition::new("links");

/// FAQ entries by id → `domain::help::FaqEntry` (JSON); the order of the
/// FAQ page is the entries' `position`. Added in schema version 3.
pub const FAQ: TableDefinition<u64, &[u8]> = TableDefinition::new("faq");

/// Feedback and support messages by id (ascending = oldest first) →
/// `domain::help::FeedbackEntry` (JSON). Added in schema version 3.
pub const FEEDBACK: TableDefinition<u64, &[u8]> = TableDefinition::new("feedback");

/// Calls `$m!(NAME)` for every table, so that code handling all tables
/// (creation, backup) cannot forget one.
macro_rules! for_each_table {
    ($m:ident) => {
        $m!(META);
        $m!(SECRETS);
        $m!(ACCOUNTS);
        $m!(ISSUED_IDS);
        $m!(ORGS);
        $m!(ORG_NUMBERS);
        $m!(MAIL_QUEUE);
        $m!(MAIL_BY_STATE);
        $m!(MAIL_RAW);
        $m!(MAIL_SEALED);
        $m!(AUDIT);
        $m!(SESSIONS);
        $m!(LINKS);
        $m!(FAQ);
        $m!(FEEDBACK);
    };
}
pub(crate) use for_each_table;
