//! Migration 3 → 4: the indexes and stored counters of accounts, sessions,
//! links, the audit log and the feedback inbox, and the state index and
//! counters of the mail queue. Written with this step's own encoders of
//! version 4 (below, frozen: they must not follow later changes of the
//! repository modules). The records are read with today's domain types
//! (JSON by field name; fields added later have defaults); the codes used
//! are pinned by golden tests, and spelled out here again.

use redb::ReadableTable;

use super::{Error, WriteTx, codec, tables};
use crate::domain::account::{Account, Role, Status};
use crate::domain::audit::AuditEntry;
use crate::domain::help::{FeedbackEntry, FeedbackKind};
use crate::domain::link::Link;
use crate::domain::mail::{MailState, OutgoingMail};
use crate::domain::org::{GroupMailbox, Organisation, PortalFunction};
use crate::domain::session::Session;

/// Every index and counter of version 4.
pub(super) fn build_indexes(tx: &WriteTx) -> Result<(), Error> {
    accounts(tx)?;
    sessions(tx)?;
    links(tx)?;
    audit(tx)?;
    feedback(tx)
}

/// Adds `delta` to the stored counter `name` (removed at zero).
fn add(tx: &WriteTx, name: &str, delta: i64) -> Result<(), Error> {
    let mut table = tx.open_table(tables::COUNTERS)?;
    let current = table.get(name)?.map(|v| v.value()).unwrap_or(0);
    let next = current.saturating_add_signed(delta);
    if next == 0 {
        table.remove(name)?;
    } else {
        table.insert(name, next)?;
    }
    Ok(())
}

/// Every record of a table with a `u64` or `&str` key, decoded.
macro_rules! records {
    ($tx:expr, $table:ident, $name:literal, $t:ty) => {{
        let table = $tx.open_table(tables::$table)?;
        let mut out: Vec<(_, $t)> = Vec::new();
        for item in table.iter()? {
            let (k, v) = item?;
            out.push((k.value().to_owned(), codec::decode($name, v.value())?));
        }
        out
    }};
}

fn status_code(s: Status) -> u8 {
    match s {
        Status::Angelegt => 0,
        Status::TotpAusstehend => 1,
        Status::Aktiv => 2,
        Status::Gesperrt => 3,
        Status::GesperrtInaktiv => 4,
    }
}

fn mailbox_bit(m: GroupMailbox) -> u16 {
    1 << match m {
        GroupMailbox::Beihilfe => 0,
        GroupMailbox::Beamtenversorgung => 1,
        GroupMailbox::Finanzierung => 2,
        GroupMailbox::MitgliederRecht => 3,
        GroupMailbox::Geschaeftsleitung => 4,
        GroupMailbox::Zusatzversorgung => 5,
        GroupMailbox::Administration => 6,
    }
}

fn function_bit(f: PortalFunction) -> u8 {
    1 << match f {
        PortalFunction::Postfach => 0,
        PortalFunction::AnspruchsberechtigteAnzeigen => 1,
        PortalFunction::PersonendatenBearbeiten => 2,
        PortalFunction::Beamtenformulare => 3,
    }
}

/// The account kind's code: Kassen 0, administrator 1, user 2.
fn kind_code(role: &Role) -> u8 {
    match role {
        Role::Kassen { .. } => 0,
        Role::OrgAdmin { .. } => 1,
        Role::OrgUser { .. } => 2,
    }
}

/// Key of the account index of version 4: organisation (0 for the
/// Kassen), kind, lower(Name) 0x1F lower(Vorname) 0x1F Nutzerkennung.
type AccountKey = (u64, u8, String);
/// Value of the account index of version 4: status, mailbox bits,
/// function bits, end of the self-lock in seconds (0 = none).
type AccountSummary = (u8, u16, u8, i64);

/// The account index entry of version 4.
pub(super) fn account_entry(
    a: &Account,
    org: Option<&Organisation>,
) -> (AccountKey, AccountSummary) {
    let key = format!(
        "{}\u{1f}{}\u{1f}{}",
        a.last_name.to_lowercase(),
        a.first_name.to_lowercase(),
        a.id
    );
    let (mailboxes, functions) = match a.grants() {
        Some(g) => (
            g.mailboxes.iter().fold(0, |acc, m| acc | mailbox_bit(*m)),
            g.functions.iter().fold(0, |acc, f| acc | function_bit(*f)),
        ),
        None => (0, 0),
    };
    (
        (a.org().unwrap_or(0), kind_code(&a.role), key),
        (
            status_code(a.status_in(org)),
            mailboxes,
            functions,
            a.locked_until.map(|t| t.as_second()).unwrap_or(0),
        ),
    )
}

fn accounts(tx: &WriteTx) -> Result<(), Error> {
    let accounts = records!(tx, ACCOUNTS, "accounts", Account);
    for (_, a) in &accounts {
        let org: Option<Organisation> = match a.org() {
            Some(id) => match tx.open_table(tables::ORGS)?.get(id)? {
                Some(v) => Some(codec::decode("orgs", v.value())?),
                None => None,
            },
            None => None,
        };
        let ((org_id, kind, key), value) = account_entry(a, org.as_ref());
        tx.open_table(tables::ACCOUNTS_BY_ORG)?
            .insert((org_id, kind, key.as_str()), value)?;
        add(tx, &format!("accounts.kind.{kind}"), 1)?;
        add(tx, &format!("accounts.org.{org_id}.{kind}"), 1)?;
    }
    Ok(())
}

/// Sessions by (Nutzerkennung, key hash); a session that does not decode
/// is left out of the index.
fn sessions(tx: &WriteTx) -> Result<(), Error> {
    let mut pairs = Vec::new();
    {
        let table = tx.open_table(tables::SESSIONS)?;
        for item in table.iter()? {
            let (k, v) = item?;
            if let Ok(s) = codec::decode::<Session>("sessions", v.value()) {
                pairs.push((s.account.to_string(), k.value().to_owned()));
            }
        }
    }
    let mut index = tx.open_table(tables::SESSIONS_BY_ACCOUNT)?;
    for (account, hash) in &pairs {
        index.insert((account.as_str(), hash.as_str()), ())?;
    }
    Ok(())
}

/// Links by (Nutzerkennung, token hash) and by (expiry in seconds, hash).
fn links(tx: &WriteTx) -> Result<(), Error> {
    let links = records!(tx, LINKS, "links", Link);
    let mut by_account = tx.open_table(tables::LINKS_BY_ACCOUNT)?;
    let mut by_expiry = tx.open_table(tables::LINKS_BY_EXPIRY)?;
    for (hash, link) in &links {
        by_account.insert((link.account.as_str(), hash.as_str()), ())?;
        by_expiry.insert((link.expires_at.as_second(), hash.as_str()), ())?;
    }
    Ok(())
}

/// The audit log by organisation, actor, target and action, and its
/// counters (`audit.all`, `audit.org.<id>`).
fn audit(tx: &WriteTx) -> Result<(), Error> {
    let entries = records!(tx, AUDIT, "audit", AuditEntry);
    for (id, e) in &entries {
        let id = *id;
        if let Some(org) = e.org {
            tx.open_table(tables::AUDIT_BY_ORG)?.insert((org, id), ())?;
            add(tx, &format!("audit.org.{org}"), 1)?;
        }
        tx.open_table(tables::AUDIT_BY_ACTOR)?
            .insert((e.actor.as_str(), id), ())?;
        if let Some(target) = &e.target {
            tx.open_table(tables::AUDIT_BY_TARGET)?
                .insert((target.as_str(), id), ())?;
        }
        tx.open_table(tables::AUDIT_BY_ACTION)?
            .insert((e.action.as_str(), id), ())?;
        add(tx, "audit.all", 1)?;
    }
    Ok(())
}

/// The feedback inbox by (kind, done, id) and its counters
/// (`feedback.<kind>.<done>`); kinds: Feedback 0, Support 1.
fn feedback(tx: &WriteTx) -> Result<(), Error> {
    let entries = records!(tx, FEEDBACK, "feedback", FeedbackEntry);
    for (_, e) in &entries {
        let kind: u8 = match e.kind {
            FeedbackKind::Feedback => 0,
            FeedbackKind::Support => 1,
        };
        let done = u8::from(e.done);
        tx.open_table(tables::FEEDBACK_BY_STATE)?
            .insert((kind, done, e.id), ())?;
        add(tx, &format!("feedback.{kind}.{done}"), 1)?;
    }
    Ok(())
}

/// Stores a mail's record of version 4 (without the raw MIME) with its
/// state index entry and the state's count (`mail.count.<state key>` in
/// `meta`); the mail is not yet in the index.
pub(super) fn put_mail(tx: &WriteTx, mail: &OutgoingMail) -> Result<(), Error> {
    let (code, key) = match mail.state {
        MailState::Queued => (0u8, "warteschlange"),
        MailState::Sent => (1, "versendet"),
        MailState::Failed => (2, "fehlgeschlagen"),
    };
    tx.open_table(tables::MAIL_QUEUE)?
        .insert(mail.id, codec::encode("mail_queue", mail)?.as_slice())?;
    tx.open_table(tables::MAIL_BY_STATE)?
        .insert((code, mail.id), ())?;
    let name = format!("mail.count.{key}");
    let mut meta = tx.open_table(tables::META)?;
    let n = meta.get(name.as_str())?.map(|v| v.value()).unwrap_or(0);
    meta.insert(name.as_str(), n + 1)?;
    Ok(())
}
