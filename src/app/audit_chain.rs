//! The Protokoll's hash chain as a use case: the daily anchor and
//! verification run of the housekeeping job (with the anchor e-mail), the
//! state shown on the Kassen Protokoll page, and `audit verify` on a store
//! file or backup.

use std::path::Path;

use jiff::Timestamp;
use jiff::civil::Date;

use super::Error;
use crate::config::Config;
use crate::domain::audit::{Anchor, Verification};
use crate::format::berlin;
use crate::mail::{Mailer, templates};
use crate::store::{self, Store, audit_chain};

/// Once per day (Europe/Berlin): verifies the whole chain, stores the
/// result, records the verified head as the daily anchor and, with
/// `audit.anchor_email`, queues the anchor e-mail — in one transaction.
/// Returns the verification when it ran.
pub fn daily(
    store: &Store,
    config: &Config,
    mailer: &Mailer,
    now: Timestamp,
) -> Result<Option<Verification>, Error> {
    let tz = berlin();
    let today = now.to_zoned_datetime(tz.clone()).date();
    let previous = store.read(audit_chain::last_verification)?;
    if previous
        .as_ref()
        .is_some_and(|p| p.at.to_zoned_datetime(tz.clone()).date() == today)
    {
        return Ok(None);
    }
    let mut result = store.read(|tx| audit_chain::verify(tx, 1, now))?;
    if result.broken.is_none() {
        result.intact_since = previous
            .as_ref()
            .filter(|p| p.broken.is_none())
            .and_then(|p| p.intact_since)
            .or(Some(now));
    } else if let Some(b) = &result.broken {
        tracing::error!(entry = b.seq, reason = %b.reason, "the audit chain does not verify");
    }
    let mailed = store.write(|tx| {
        audit_chain::set_last_verification(tx, &result)?;
        let Some(head) = result.head.as_ref().filter(|_| result.broken.is_none()) else {
            return Ok::<_, Error>(false);
        };
        let anchor = Anchor {
            at: now,
            seq: head.seq,
            hash: head.hash.clone(),
        };
        audit_chain::add_anchor(tx, &anchor)?;
        if let Some(to) = &config.audit.anchor_email {
            let day = today.strftime("%d.%m.%Y").to_string();
            let t = templates::audit_anchor(&day, anchor.seq, &anchor.hash, result.entries);
            mailer.enqueue(tx, to, t, now)?;
            return Ok(true);
        }
        Ok(false)
    })?;
    if mailed {
        mailer.wake();
    }
    Ok(Some(result))
}

/// The result of the last verification run, for the Protokoll page.
pub fn status(store: &Store) -> Result<Option<Verification>, Error> {
    Ok(store.read(audit_chain::last_verification)?)
}

/// Checks the chain of the store file at `path` (a backup, or the store of
/// a stopped server), opened read-only: nothing is written. `from` starts
/// at the first entry of that day (Europe/Berlin).
pub fn verify_file(path: &Path, from: Option<Date>) -> Result<Verification, String> {
    let from = match from {
        Some(d) => Some(
            d.to_zoned_datetime(berlin())
                .map_err(|e| format!("--from: {e}"))?
                .timestamp(),
        ),
        None => None,
    };
    // The outer error is the opening's, the inner one the verification's.
    let verified = store::read_file(path, |tx| {
        Ok((|| {
            let start = match from {
                Some(at) => store::audit::first_id_at_or_after(tx, at)?,
                None => 1,
            };
            audit_chain::verify(tx, start, Timestamp::now())
        })())
    })
    .map_err(|e| match e {
        store::Error::AlreadyOpen(_) => format!(
            "{} is in use by a running server; verify a backup instead (meine-versorgung backup --out FILE)",
            path.display()
        ),
        e => format!("cannot open {}: {e}", path.display()),
    })?;
    verified.map_err(|e| e.to_string())
}
