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

/// Index of accounts by organisation, kind and name:
/// `(org id or 0 for Kassen, kind, sort key)` → summary. The kind is
/// [`ACCOUNT_KIND_KASSEN`], [`ACCOUNT_KIND_ADMIN`] or [`ACCOUNT_KIND_USER`];
/// the sort key is `lower(Name) 0x1F lower(Vorname) 0x1F Nutzerkennung`, so
/// a range scan lists an organisation's Nutzer:innen in the overview's order
/// and a Name prefix is a range. The summary `(status code, group mailbox
/// bits, portal function bits, self-lock end in unix seconds or 0)` lets the
/// overview's filters run on the index without decoding accounts; status
/// and bits are the pinned codes of `store::codes` (`Status::code`, bit
/// `GroupMailbox::code`, bit `PortalFunction::code`). Kept in step by
/// `store::accounts`. Added in schema version 4.
pub const ACCOUNTS_BY_ORG: TableDefinition<AccountIndexKey, AccountSummary> =
    TableDefinition::new("accounts_by_org");

/// Key of [`ACCOUNTS_BY_ORG`]: organisation, kind, sort key.
pub type AccountIndexKey<'a> = (u64, u8, &'a str);
/// Value of [`ACCOUNTS_BY_ORG`]: status code, group mailbox bits, portal
/// function bits, self-lock end.
pub type AccountSummary = (u8, u16, u8, i64);

pub const ACCOUNT_KIND_KASSEN: u8 = 0;
pub const ACCOUNT_KIND_ADMIN: u8 = 1;
pub const ACCOUNT_KIND_USER: u8 = 2;

/// Stored counters by name (see `store::counters`), e.g.
/// `accounts.kind.1` (administrators) or `accounts.org.7.2` (Nutzer:innen of
/// organisation 7). Added in schema version 4.
pub const COUNTERS: TableDefinition<&str, u64> = TableDefinition::new("counters");

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

/// Index of the audit log by organisation: `(org id, sequence number)`, for
/// an administrator's Protokoll and the Kassen' filter by Mitglied. Added in
/// schema version 4.
pub const AUDIT_BY_ORG: TableDefinition<(u64, u64), ()> = TableDefinition::new("audit_by_org");

/// Index of the audit log by person: `(Nutzerkennung or "System", sequence
/// number)` for the actor and, separately, the target of each entry
/// ([`AUDIT_BY_ACTOR`], [`AUDIT_BY_TARGET`]). Added in schema version 4.
pub const AUDIT_BY_ACTOR: TableDefinition<(&str, u64), ()> = TableDefinition::new("audit_by_actor");
pub const AUDIT_BY_TARGET: TableDefinition<(&str, u64), ()> =
    TableDefinition::new("audit_by_target");

/// Index of the audit log by action code: `(action, sequence number)`.
/// Added in schema version 4.
pub const AUDIT_BY_ACTION: TableDefinition<(&str, u64), ()> =
    TableDefinition::new("audit_by_action");

/// The audit log's hash chain (docs/audit-chain.md) by name → JSON:
/// `head` (`domain::audit::Anchor` of the newest entry), `checkpoint` (the
/// hash of the newest entry deleted by retention, or where chaining began)
/// and `verified` (`domain::audit::Verification`, the last run of the
/// housekeeping job). Created lazily — at open, by chaining a store written
/// before the chain — without a schema version of its own.
pub const AUDIT_CHAIN: TableDefinition<&str, &[u8]> = TableDefinition::new("audit_chain");

/// Daily anchors of the audit chain by sequence number →
/// `domain::audit::Anchor` (JSON); anchors before a retention cut are
/// removed with it. Created lazily like [`AUDIT_CHAIN`].
pub const AUDIT_ANCHORS: TableDefinition<u64, &[u8]> = TableDefinition::new("audit_anchors");

/// Sessions by SHA-256 hex of the cookie value → `domain::session::Session` (JSON).
pub const SESSIONS: TableDefinition<&str, &[u8]> = TableDefinition::new("sessions");

/// Index of sessions by account: `(Nutzerkennung, session key hash)`. Added
/// in schema version 4.
pub const SESSIONS_BY_ACCOUNT: TableDefinition<(&str, &str), ()> =
    TableDefinition::new("sessions_by_account");

/// Single-use e-mail links by SHA-256 hex of the token → `domain::link::Link` (JSON).
pub const LINKS: TableDefinition<&str, &[u8]> = TableDefinition::new("links");

/// Index of links by account: `(Nutzerkennung, token hash)`. Added in
/// schema version 4.
pub const LINKS_BY_ACCOUNT: TableDefinition<(&str, &str), ()> =
    TableDefinition::new("links_by_account");

/// Index of links by expiry: `(expiry in unix seconds, token hash)`, so the
/// housekeeping job finds expired links without reading the others. Added in
/// schema version 4.
pub const LINKS_BY_EXPIRY: TableDefinition<(i64, &str), ()> =
    TableDefinition::new("links_by_expiry");

/// FAQ entries by id → `domain::help::FaqEntry` (JSON); the order of the
/// FAQ page is the entries' `position`. Added in schema version 3.
pub const FAQ: TableDefinition<u64, &[u8]> = TableDefinition::new("faq");

/// Feedback and support messages by id (ascending = oldest first) →
/// `domain::help::FeedbackEntry` (JSON). Added in schema version 3.
pub const FEEDBACK: TableDefinition<u64, &[u8]> = TableDefinition::new("feedback");

/// Index of the feedback and support inbox: `(kind, done, id)`, kind 0 =
/// Feedback, 1 = Support. Added in schema version 4.
pub const FEEDBACK_BY_STATE: TableDefinition<(u8, u8, u64), ()> =
    TableDefinition::new("feedback_by_state");

/// Binary data by blob id → total length in bytes (see `store::blobs`).
/// Added in schema version 4.
pub const BLOBS: TableDefinition<u64, u64> = TableDefinition::new("blobs");

/// The bytes of each blob: `(blob id, chunk number)` → at most 1 MiB of raw
/// bytes. Added in schema version 4.
pub const BLOB_CHUNKS: TableDefinition<(u64, u32), &[u8]> = TableDefinition::new("blob_chunks");

/// Legacy (schema versions 5–6): messages by id → the whole
/// `domain::message::Message` as JSON. Replaced by [`MESSAGE_HEADERS`] and
/// [`MESSAGE_TEXTS`]; read and deleted by the migration to version 7.
pub const LEGACY_MESSAGES: TableDefinition<u64, &[u8]> = TableDefinition::new("messages");

/// Legacy (schema versions 5–6): `(mailbox key, message id)` → entry bits
/// with Bereich and Thema as positions. Replaced by [`MAILBOX_ENTRIES`].
pub const LEGACY_MAILBOX_ENTRIES: TableDefinition<(&str, u64), u16> =
    TableDefinition::new("mailbox_entries");

/// Legacy (schema versions 5–6): `(mailbox key, facet, message id)`.
/// Replaced by [`MAILBOX_FACETS`].
pub const LEGACY_MAILBOX_INDEX: TableDefinition<(&str, u8, u64), ()> =
    TableDefinition::new("mailbox_index");

/// Legacy (schema versions 5–6): `(mailbox key, Betreff word, message
/// id)`. Replaced by [`MAILBOX_SUBJECT_WORDS`].
pub const LEGACY_MAILBOX_SUBJECT_TERMS: TableDefinition<(&str, &str, u64), ()> =
    TableDefinition::new("mailbox_subject_terms");

/// Mailbox key (`domain::message::Mailbox::key`) → compact mailbox id
/// (from 1; 0 stands for the system as a sender). Index keys name a
/// mailbox by this id. Added in schema version 7.
pub const MAILBOX_IDS: TableDefinition<&str, u32> = TableDefinition::new("mailbox_ids");

/// Compact mailbox id → mailbox key (the reverse of [`MAILBOX_IDS`]).
/// Version 7.
pub const MAILBOX_KEYS: TableDefinition<u32, &str> = TableDefinition::new("mailbox_keys");

/// Message headers by id (ascending = oldest first): everything a list
/// row or search hit shows (Referenz, Betreff, time, mailboxes, author,
/// Bereich, Thema, attachment names and sizes, Mitglied, an excerpt) as
/// compact JSON (see `store::messages`), without the Text. Version 7.
pub const MESSAGE_HEADERS: TableDefinition<u64, &[u8]> = TableDefinition::new("message_headers");

/// The Text of each message by id, deflate-compressed on its own, read
/// only by the message view. Version 7.
pub const MESSAGE_TEXTS: TableDefinition<u64, &[u8]> = TableDefinition::new("message_texts");

/// The messages of each mailbox: `(mailbox id, message id)` → entry bits
/// (see `store::mailboxes::Entry`: marks, direction, Bereich and Thema
/// codes). Version 7.
pub const MAILBOX_ENTRIES: TableDefinition<(u32, u64), u16> = TableDefinition::new("mailbox_marks");

/// Index of each mailbox by facet: `(mailbox id, facet, message id)` →
/// entry bits, facet one of `store::mailboxes::FACET_*` (Eingang, Ausgang,
/// Archiv, wichtig, ungelesen, folder × Bereich, folder × Bereich ×
/// Thema). Ids ascend with time, so a reverse range is newest first; the
/// entry bits in the value let a combined filter run on adjacent leaves.
/// Version 7.
pub const MAILBOX_FACETS: TableDefinition<(u32, u16, u64), u16> =
    TableDefinition::new("mailbox_facets");

/// The messages of each Kassenpostfach by Mitglied: `(mailbox id,
/// organisation, message id)`, for the Kassenpostfach's Mitglied filter.
/// Version 7.
pub const MAILBOX_MEMBERS: TableDefinition<(u32, u64, u64), ()> =
    TableDefinition::new("mailbox_members");

/// Who opened a message of a shared (group or Kassen) mailbox first:
/// `(mailbox id, message id)` → (Nutzerkennung, unix seconds). Version 7.
pub const FIRST_OPENED: TableDefinition<(u32, u64), (&str, i64)> =
    TableDefinition::new("first_opened");

/// The messages of a conversation: `(Referenz, message id)`. Version 5.
pub const MESSAGES_BY_REF: TableDefinition<(&str, u64), ()> =
    TableDefinition::new("messages_by_ref");

/// Legacy (schema versions 5–6): inverted index `(term, message id)`.
/// Replaced by [`SEARCH_TERMS`] and [`SEARCH_POSTINGS`].
pub const LEGACY_MESSAGE_TERMS: TableDefinition<(&str, u64), ()> =
    TableDefinition::new("message_terms");

/// Search term dictionary: term → (term id, document count); the key ""
/// holds (last term id handed out, 0). Terms of the header search are
/// plain (`domain::search_text::index_terms`); a mailbox's Betreff terms
/// are prefixed `s<mailbox id>` U+001F (see `store::search_index`).
/// Version 7.
pub const SEARCH_TERMS: TableDefinition<&str, crate::store::postings::DictValue> =
    TableDefinition::new("search_terms");

/// Posting lists: (term id, smallest message id of the block) → a block
/// of up to 128 postings, delta + varint encoded with a tag per posting
/// (the Bereich code in the header search; see `store::postings`).
/// Version 7.
pub const SEARCH_POSTINGS: TableDefinition<
    crate::store::postings::PostingKey,
    crate::store::postings::PostingValue,
> = TableDefinition::new("search_postings");

/// Entitled persons by `(organisation, Personalnummer)` →
/// `domain::persons::Person` (JSON, Lebenslauf included). Added in schema
/// version 6.
pub const PERSONS: TableDefinition<(u64, &str), &[u8]> = TableDefinition::new("persons");

/// Index of entitled persons by organisation and name: `(organisation,
/// lower(Name) 0x1F lower(Vorname) 0x1F Personalnummer)` → Art code, so the
/// list pages in name order, a Name prefix is a range and the Art filter
/// runs on the index. Counters `persons.org.<org>` and
/// `persons.org.<org>.art.<code>`. Added in schema version 6.
pub const PERSONS_BY_NAME: TableDefinition<(u64, &str), u8> =
    TableDefinition::new("persons_by_name");

/// Submitted form reports (Formularmeldungen) by id →
/// `domain::forms::Report` (JSON; the PDF is a blob). Added in version 6.
pub const REPORTS: TableDefinition<u64, &[u8]> = TableDefinition::new("reports");

/// Index of reports by `(status code, id)` for the Kassen' list filtered by
/// status; counters `reports.status.<code>`. Added in schema version 6.
pub const REPORTS_BY_STATUS: TableDefinition<(u8, u64), ()> =
    TableDefinition::new("reports_by_status");

/// Index of reports by `(organisation, id)` → status code, for the
/// organisation's own list and the Kassen' filter by Mitglied (and status);
/// counters `reports.org.<org>` and `reports.org.<org>.status.<code>`.
/// Added in schema version 6.
pub const REPORTS_BY_ORG: TableDefinition<(u64, u64), u8> = TableDefinition::new("reports_by_org");

// Tables created when missing at every open, without a schema step
// (`migrate::ensure_open_tables`): a second branch adds schema version 7, so
// these two do not claim a version number of their own. Neither holds data
// that only lives there — the Art index is rebuilt from PERSONS_BY_NAME in
// one write transaction when it is missing, and the submission tokens only
// guard against a second "Absenden" — so they are not in
// `for_each_table!` (backups leave them out; a restored store rebuilds the
// index at its first open, and an older backup without them stays readable).

/// Index of entitled persons by organisation, Art and name: `(organisation,
/// Art code, lower(Name) 0x1F lower(Vorname) 0x1F Personalnummer)`, so the
/// Art filter (with or without a Name prefix) is a range. Kept in step by
/// `store::persons::put`; created and filled at open when missing.
pub const PERSONS_BY_ART: TableDefinition<(u64, u8, &str), ()> =
    TableDefinition::new("persons_by_art");

/// One-time submission tokens of the Beamtenformulare: token (random, from
/// the summary page) → id of the report it created, so a second "Absenden"
/// of the same page shows the first report instead of a second one. One
/// entry per report; created at open when missing.
pub const REPORT_TOKENS: TableDefinition<&str, u64> = TableDefinition::new("report_tokens");

/// Calls `$m!(NAME)` for every table, so that code handling all tables
/// (creation, backup) cannot forget one.
macro_rules! for_each_table {
    ($m:ident) => {
        $m!(META);
        $m!(SECRETS);
        $m!(ACCOUNTS);
        $m!(ACCOUNTS_BY_ORG);
        $m!(COUNTERS);
        $m!(ISSUED_IDS);
        $m!(ORGS);
        $m!(ORG_NUMBERS);
        $m!(MAIL_QUEUE);
        $m!(MAIL_BY_STATE);
        $m!(MAIL_RAW);
        $m!(MAIL_SEALED);
        $m!(AUDIT);
        $m!(AUDIT_BY_ORG);
        $m!(AUDIT_BY_ACTOR);
        $m!(AUDIT_BY_TARGET);
        $m!(AUDIT_BY_ACTION);
        $m!(AUDIT_CHAIN);
        $m!(AUDIT_ANCHORS);
        $m!(SESSIONS);
        $m!(SESSIONS_BY_ACCOUNT);
        $m!(LINKS);
        $m!(LINKS_BY_ACCOUNT);
        $m!(LINKS_BY_EXPIRY);
        $m!(FAQ);
        $m!(FEEDBACK);
        $m!(FEEDBACK_BY_STATE);
        $m!(BLOBS);
        $m!(BLOB_CHUNKS);
        $m!(MAILBOX_IDS);
        $m!(MAILBOX_KEYS);
        $m!(MESSAGE_HEADERS);
        $m!(MESSAGE_TEXTS);
        $m!(MAILBOX_ENTRIES);
        $m!(MAILBOX_FACETS);
        $m!(MAILBOX_MEMBERS);
        $m!(FIRST_OPENED);
        $m!(MESSAGES_BY_REF);
        $m!(SEARCH_TERMS);
        $m!(SEARCH_POSTINGS);
        $m!(PERSONS);
        $m!(PERSONS_BY_NAME);
        $m!(REPORTS);
        $m!(REPORTS_BY_STATUS);
        $m!(REPORTS_BY_ORG);
    };
}
pub(crate) use for_each_table;
