//! The figures of the Kassen home page, from stored counters.

use super::Error;
use crate::config::Config;
use crate::store::{self, Store};

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
