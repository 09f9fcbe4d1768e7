//! Browsing and exporting the audit log.

use jiff::civil::Date;
use jiff::tz::TimeZone;

use super::Error;
use crate::domain::audit::{AuditEntry, action_label};
use crate::domain::org::OrgId;
use crate::domain::org::Organisation;
use crate::store::{self, Store};

#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub actor: String,
    pub target: String,
    pub org: Option<OrgId>,
    pub action: String,
    /// First and last day (Europe/Berlin), inclusive.
    pub from: Option<Date>,
    pub to: Option<Date>,
}

impl AuditFilter {
    pub fn is_active(&self) -> bool {
        !self.actor.is_empty()
            || !self.target.is_empty()
            || self.org.is_some()
            || !self.action.is_empty()
            || self.from.is_some()
            || self.to.is_some()
    }

    fn matches(&self, e: &AuditEntry) -> bool {
        let contains = |needle: &str, hay: &str| {
            needle.trim().is_empty() || hay.to_lowercase().contains(&needle.trim().to_lowercase())
        };
        let day = e.at.to_zoned_datetime(berlin()).date();
        contains(&self.actor, &e.actor)
            && contains(&self.target, e.target.as_deref().unwrap_or(""))
            && contains(
                &self.action,
                &format!("{} {} {}", e.action, action_label(&e.action), e.detail),
            )
            && self.org.is_none_or(|o| e.org == Some(o))
            && self.from.is_none_or(|f| day >= f)
            && self.to.is_none_or(|t| day <= t)
    }
}

fn berlin() -> TimeZone {
    TimeZone::get("Europe/Berlin").unwrap_or(TimeZone::UTC)
}

/// Entries matching `filter`, newest first; `scope` limits them to one
/// organisation (for its administrators).
pub fn search(
    store: &Store,
    filter: &AuditFilter,
    scope: Option<OrgId>,
) -> Result<Vec<AuditEntry>, Error> {
    let entries = store.read(store::audit::all_newest_first)?;
    Ok(entries
        .into_iter()
        .map(|(_, e)| e)
        .filter(|e| scope.is_none_or(|o| e.org == Some(o)))
        .filter(|e| filter.matches(e))
        .collect())
}

/// CSV export (`;`-separated, UTF-8 with BOM for spreadsheet programs),
/// in the page's words: German action labels, organisation names (from
/// `orgs`) and times in Europe/Berlin.
pub fn to_csv(entries: &[AuditEntry], orgs: &[Organisation]) -> Result<Vec<u8>, Error> {
    let mut w = csv::WriterBuilder::new()
        .delimiter(b';')
        .from_writer(vec![0xEF, 0xBB, 0xBF]);
    let fail = |e: csv::Error| Error::Internal(format!("csv: {e}"));
    w.write_record([
        "Zeitpunkt",
        "Akteur",
        "Aktion",
        "Ziel",
        "Mitglied",
        "Adresse",
        "Beschreibung",
    ])
    .map_err(fail)?;
    for e in entries {
        w.write_record([
            e.at.to_zoned_datetime(berlin())
                .strftime("%d.%m.%Y %H:%M:%S")
                .to_string(),
            e.actor.clone(),
            action_label(&e.action).to_owned(),
            e.target.clone().unwrap_or_default(),
            e.org
                .and_then(|o| orgs.iter().find(|x| x.id == o))
                .map(|o| o.name.clone())
                .unwrap_or_default(),
            e.client.clone().unwrap_or_default(),
            e.detail.clone(),
        ])
        .map_err(fail)?;
    }
    w.into_inner()
        .map_err(|e| Error::Internal(format!("csv: {e}")))
}
