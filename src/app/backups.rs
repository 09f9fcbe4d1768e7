//! Taking a backup from the Kassen UI, audited.

use crate::domain::permissions::AdministerPortal;
use jiff::Timestamp;

use super::{Actor, Error};
use crate::config::Config;
use crate::domain::audit::AuditEntry;
use crate::store::{self, Store};

/// Takes a backup into `backup.dir` now and audits the outcome; returns
/// whether it succeeded (the cause of a failure goes to the server log and
/// the audit entry).
pub fn create_now(
    store: &Store,
    _proof: &AdministerPortal,
    config: &Config,
    actor: &Actor,
    now: Timestamp,
) -> Result<bool, Error> {
    let result = crate::backup::create_scheduled(store, config, now);
    let (action, detail) = match &result {
        Ok((path, summary)) => (
            "backup.created",
            format!(
                "Datensicherung erstellt: {} ({})",
                path.display(),
                crate::domain::counted(summary.records(), "Datensatz", "Datensätze")
            ),
        ),
        Err(e) => {
            tracing::error!(error = %e, "backup failed");
            (
                "backup.failed",
                format!("Datensicherung fehlgeschlagen: {e}"),
            )
        }
    };
    store.write(|tx| {
        store::audit::append(
            tx,
            &AuditEntry::new(now, actor.id.as_str(), action, detail).client(actor.client.clone()),
        )
    })?;
    Ok(result.is_ok())
}
