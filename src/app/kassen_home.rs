//! The figures of the Kassen home page, from stored counters.

use super::Error;
use crate::config::Config;
use crate::domain::forms::ReportStatus;
use crate::domain::message::Mailbox;
use crate::domain::org::Bereich;
use crate::store::{self, Store};

/// The work waiting for a Kassen account: unread messages per Kassenpostfach
/// and Formularmeldungen per status (stored counters, no scans).
pub struct Queues {
    /// (Bereich, unread messages, whether the account serves it and may
    /// open the Kassenpostfach).
    pub unread: Vec<(Bereich, u64, bool)>,
    /// Per status, when the account may read the Formularmeldungen.
    pub reports: Option<Vec<(ReportStatus, u64)>>,
}

/// The queues of an account that serves `serves` (its Sachbearbeitung);
/// a Portaladministration sees every Bereich's count, linked only where it
/// serves it.
pub fn queues(
    store: &Store,
    serves: &[Bereich],
    portal_admin: bool,
    reads_reports: bool,
) -> Result<Queues, Error> {
    let mut unread = Vec::new();
    for b in Bereich::ALL {
        let own = serves.contains(&b);
        if own || portal_admin {
            let n = super::messages::unread_count(store, &Mailbox::Kassen(b))?;
            unread.push((b, n, own));
        }
    }
    let reports = if reads_reports {
        let counts = store.read(|tx| {
            ReportStatus::ALL
                .into_iter()
                .map(|s| Ok((s, store::reports::count(tx, Some(s))?)))
                .collect::<Result<Vec<_>, store::Error>>()
        })?;
        Some(counts)
    } else {
        None
    };
    Ok(Queues { unread, reports })
}

pub struct Overview {
    pub orgs: u64,
    pub admins: u64,
    pub staff: u64,
    pub mail_queued: u64,
    pub mail_failed: u64,
    /// When the newest backup was taken.
    pub last_backup: Option<jiff::Timestamp>,
    /// The newest backup's file name, when its time is unknown.
    pub last_backup_name: Option<String>,
}

pub fn overview(store: &Store, config: &Config) -> Result<Overview, Error> {
    let newest = crate::backup::list(config).into_iter().next();
    store.read(|tx| {
        use store::accounts::{Kind, count_kind};
        let mails = store::mail_queue::counts(tx)?;
        Ok(Overview {
            orgs: store::orgs::count(tx)?,
            admins: count_kind(tx, Kind::Admin)?,
            staff: count_kind(tx, Kind::Kassen)?,
            mail_queued: mails.queued,
            mail_failed: mails.failed,
            last_backup: newest.as_ref().and_then(|f| f.created),
            last_backup_name: newest.map(|f| f.name),
        })
    })
}
