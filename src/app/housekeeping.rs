//! The housekeeping job's work: ended sessions, expired links and old audit
//! entries are deleted in small transactions. Finding what to delete only
//! reads; a write transaction is opened only when something goes.

use std::time::Duration;

use jiff::{SignedDuration, Timestamp};

use super::Error;
use crate::config::Config;
use crate::store::{self, Store};

/// Records deleted per write transaction.
pub const BATCH: usize = 500;

/// How long an ended session is remembered for the idle notice
/// ("Inaktivität festgestellt" instead of a plain login page).
pub const EXPIRED_SESSION_GRACE: Duration = Duration::from_secs(24 * 3600);

/// What one run removed.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Removed {
    pub sessions: usize,
    pub links: usize,
    pub audit: usize,
    /// Bodies of old delivered mails (the metadata stays).
    pub mail_bodies: usize,
    /// Messages past `retention.message_days` (with their attachments).
    pub messages: usize,
}

impl Removed {
    pub fn total(&self) -> usize {
        self.sessions + self.links + self.audit + self.mail_bodies + self.messages
    }
}

pub fn run(store: &Store, config: &Config, now: Timestamp) -> Result<Removed, Error> {
    let mut removed = Removed {
        sessions: purge_sessions(store, config, now)?,
        links: purge_links(store, now)?,
        audit: purge_audit(store, config, now)?,
        mail_bodies: purge_mail_bodies(store, config, now)?,
        ..Removed::default()
    };
    removed.messages =
        super::messages::retention::purge(store, config.retention.message_days, now)?;
    remove_stale_uploads(&config.data_dir.join("tmp"));
    if removed.messages > 0 {
        record_retention(
            store,
            now,
            "messages.retention",
            format!(
                "{} älter als {} gelöscht",
                crate::domain::counted(removed.messages as u64, "Nachricht", "Nachrichten"),
                crate::domain::counted(config.retention.message_days, "Tag", "Tage")
            ),
        )?;
    }
    if removed.audit > 0 {
        // The deletion itself is recorded, as a count.
        record_retention(
            store,
            now,
            "audit.retention",
            format!(
                "{} älter als {} gelöscht",
                crate::domain::counted(
                    removed.audit as u64,
                    "Protokolleintrag",
                    "Protokolleinträge"
                ),
                crate::domain::counted(config.retention.audit_days, "Tag", "Tage")
            ),
        )?;
    }
    Ok(removed)
}

/// Ended sessions (a grace period after their end), in batches.
fn purge_sessions(store: &Store, config: &Config, now: Timestamp) -> Result<usize, Error> {
    let sec = &config.security;
    let idle = sec.session_idle + EXPIRED_SESSION_GRACE;
    let lifetime = sec.session_lifetime + EXPIRED_SESSION_GRACE;
    let sessions =
        store.read(|tx| store::sessions::find_expired(tx, |s| !s.is_live(now, idle, lifetime)))?;
    for chunk in sessions.chunks(BATCH) {
        store.write(|tx| {
            for hash in chunk {
                store::sessions::delete(tx, hash)?;
            }
            Ok::<_, Error>(())
        })?;
    }
    Ok(sessions.len())
}

/// Expired links, in batches.
fn purge_links(store: &Store, now: Timestamp) -> Result<usize, Error> {
    let mut removed = 0;
    loop {
        let links = store.read(|tx| store::links::find_expired(tx, now, BATCH))?;
        if links.is_empty() {
            break;
        }
        store.write(|tx| {
            for hash in &links {
                store::links::delete(tx, hash)?;
            }
            Ok::<_, Error>(())
        })?;
        removed += links.len();
        if links.len() < BATCH {
            break;
        }
    }
    Ok(removed)
}

/// Protokoll entries older than `retention.audit_days`, in batches.
fn purge_audit(store: &Store, config: &Config, now: Timestamp) -> Result<usize, Error> {
    let keep = SignedDuration::from_hours(24 * i64::from(config.retention.audit_days));
    let before = now.checked_sub(keep).unwrap_or(Timestamp::MIN);
    let mut removed = 0;
    while store.read(|tx| store::audit::has_older_than(tx, before))? {
        let n = store.write(|tx| store::audit::purge_older_than(tx, before, BATCH))?;
        removed += n;
        if n < BATCH {
            break;
        }
    }
    Ok(removed)
}

/// Bodies of delivered e-mails older than `retention.mail_body_days`.
fn purge_mail_bodies(store: &Store, config: &Config, now: Timestamp) -> Result<usize, Error> {
    let mut removed = 0;
    loop {
        let n = super::outbox::purge_old_mail_bodies(
            store,
            now,
            config.retention.mail_body_days,
            BATCH,
        )?;
        removed += n;
        if n < BATCH {
            break;
        }
    }
    Ok(removed)
}

/// Records a retention deletion in the Protokoll (actor "System").
fn record_retention(
    store: &Store,
    now: Timestamp,
    action: &str,
    detail: String,
) -> Result<(), Error> {
    store.write(|tx| {
        store::audit::append(
            tx,
            &crate::domain::audit::AuditEntry::new(now, "System", action, detail),
        )
    })?;
    Ok(())
}

/// Staged uploads (`<data_dir>/tmp/upload-*`) are removed by the request
/// that made them; this removes what a crash left behind (older than an
/// hour, so no upload in progress is touched).
fn remove_stale_uploads(dir: &std::path::Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let stale = entry.file_name().to_string_lossy().starts_with("upload-")
            && entry
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.elapsed().ok())
                .is_some_and(|age| age > Duration::from_secs(3600));
        if stale && let Err(e) = std::fs::remove_file(entry.path()) {
            tracing::warn!(path = %entry.path().display(), error = %e, "cannot remove a stale upload");
        }
    }
}
