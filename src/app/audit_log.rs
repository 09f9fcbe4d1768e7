//! Browsing and exporting the audit log: newest first, in pages found
//! through the log's indexes with keyset (cursor) paging.

use crate::domain::permissions::{AdministerOrg, AdministerPortal};
use crate::format::berlin;
use jiff::civil::Date;

use super::Error;
use crate::domain::audit::{AuditEntry, action_label};
use crate::domain::org::{OrgId, Organisation};
use crate::store::audit::Source;
use crate::store::{self, ReadAccess, Store};

/// Entries per page of the Protokoll.
pub const PAGE_SIZE: usize = 20;
/// Entries a page request examines at most when filters other than the
/// indexed one must be checked entry by entry; the page then offers to
/// search on ("Weiter suchen") from where it stopped.
pub const SCAN_BUDGET: usize = 5_000;

#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Nutzerkennung (or "System") of the actor; exact.
    pub actor: String,
    /// Nutzerkennung, Mitgliedsnummer or other id of the object; exact.
    pub target: String,
    pub org: Option<OrgId>,
    /// An action code (e.g. `account.created`) or a word of the description.
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
}

/// Where a page starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Cursor {
    /// The newest entries.
    #[default]
    Newest,
    /// Entries older than this sequence number.
    Before(u64),
    /// Entries newer than this sequence number (the page before).
    After(u64),
}

/// One page of the log, newest first.
#[derive(Debug, Clone, Default)]
pub struct AuditPage {
    pub entries: Vec<AuditEntry>,
    /// Cursor of the next (older) page, if there may be one.
    pub older: Option<u64>,
    /// Cursor of the previous (newer) page, if there is one.
    pub newer: Option<u64>,
    /// The number of all entries in the view, when no filter is set.
    pub total: Option<u64>,
    /// The search stopped at the scan budget before the page was full.
    pub interrupted: bool,
}

/// Upper-case Nutzerkennungen, as stored; anything else as typed.
fn normalise_id(input: &str) -> String {
    let t = input.trim();
    if t.len() == 12 && t.chars().all(|c| c.is_ascii_alphanumeric()) {
        t.to_uppercase()
    } else {
        t.to_owned()
    }
}

/// An exact action code looks like `area.verb`; anything else is searched
/// as text.
fn is_action_code(s: &str) -> bool {
    s.contains('.') && !s.contains(' ')
}

/// The plan for a query: the index to walk, the id range, and the checks
/// that remain per entry.
struct Plan {
    source: Source,
    from_id: u64,
    below_id: u64,
    actor: Option<String>,
    target: Option<String>,
    org: Option<OrgId>,
    action_code: Option<String>,
    text: Option<String>,
    /// Every remaining check is implied by the index: no entry is skipped.
    exact: bool,
}

impl Plan {
    fn new(tx: &impl ReadAccess, f: &AuditFilter, scope: Option<OrgId>) -> Result<Plan, Error> {
        let actor = Some(normalise_id(&f.actor)).filter(|s| !s.is_empty());
        let target = Some(normalise_id(&f.target)).filter(|s| !s.is_empty());
        let action = f.action.trim();
        let action_code = is_action_code(action).then(|| action.to_owned());
        let text = (!action.is_empty() && action_code.is_none()).then(|| action.to_lowercase());
        let org = scope.or(f.org);
        let day_start = |d: Date| {
            d.to_zoned_datetime(berlin())
                .map(|z| z.timestamp())
                .map_err(|e| Error::Internal(format!("date: {e}")))
        };
        let from_id = match f.from {
            Some(d) => store::audit::first_id_at_or_after(tx, day_start(d)?)?,
            None => 0,
        };
        let below_id = match f.to.and_then(|d| d.tomorrow().ok()) {
            Some(d) => store::audit::first_id_at_or_after(tx, day_start(d)?)?,
            None => u64::MAX,
        };
        // The most selective index first; the rest is checked per entry.
        let source = if let Some(t) = &target {
            Source::Target(t.clone())
        } else if let Some(a) = &actor {
            Source::Actor(a.clone())
        } else if let Some(a) = &action_code {
            Source::Action(a.clone())
        } else if let Some(o) = org {
            Source::Org(o)
        } else {
            Source::All
        };
        let indexed = |s: &Source| std::mem::discriminant(s) == std::mem::discriminant(&source);
        let exact = text.is_none()
            && (target.is_none() || indexed(&Source::Target(String::new())))
            && (actor.is_none() || indexed(&Source::Actor(String::new())))
            && (action_code.is_none() || indexed(&Source::Action(String::new())))
            && (org.is_none() || indexed(&Source::Org(0)));
        Ok(Plan {
            source,
            from_id,
            below_id,
            actor,
            target,
            org,
            action_code,
            text,
            exact,
        })
    }

    fn matches(&self, e: &AuditEntry) -> bool {
        self.actor.as_ref().is_none_or(|a| &e.actor == a)
            && self
                .target
                .as_ref()
                .is_none_or(|t| e.target.as_ref() == Some(t))
            && self.org.is_none_or(|o| e.org == Some(o))
            && self.action_code.as_ref().is_none_or(|a| &e.action == a)
            && self.text.as_ref().is_none_or(|t| {
                e.action.to_lowercase().contains(t)
                    || action_label(&e.action).to_lowercase().contains(t)
                    || e.detail.to_lowercase().contains(t)
            })
    }
}

/// Who reads the Protokoll: the Kassen-Portaladministration all of it, an
/// organisation's administrator:in the own organisation's entries.
pub trait AuditViewer {
    /// The one organisation whose entries the viewer sees; `None`: all.
    fn scope(&self) -> Option<OrgId>;
}

impl AuditViewer for AdministerPortal {
    fn scope(&self) -> Option<OrgId> {
        None
    }
}

impl AuditViewer for AdministerOrg {
    fn scope(&self) -> Option<OrgId> {
        Some(self.org_id())
    }
}

/// One page of entries matching `filter` that the viewer may see.
pub fn page(
    store: &Store,
    viewer: &impl AuditViewer,
    filter: &AuditFilter,
    cursor: Cursor,
) -> Result<AuditPage, Error> {
    let scope = viewer.scope();
    store.read(|tx| {
        let plan = Plan::new(tx, filter, scope)?;
        let (from, below, newest_first) = match cursor {
            Cursor::Newest => (plan.from_id, plan.below_id, true),
            Cursor::Before(id) => (plan.from_id, plan.below_id.min(id), true),
            Cursor::After(id) => (plan.from_id.max(id.saturating_add(1)), plan.below_id, false),
        };
        let mut found: Vec<(u64, AuditEntry)> = Vec::new();
        let mut examined = 0usize;
        let mut last_examined = None;
        let mut more = false;
        store::audit::scan_ids(tx, &plan.source, from, below, newest_first, |id| {
            if found.len() == PAGE_SIZE {
                more = true;
                return Ok(false);
            }
            if examined >= SCAN_BUDGET {
                more = true;
                return Ok(false);
            }
            examined += 1;
            last_examined = Some(id);
            if let Some(e) = store::audit::get(tx, id)?
                && plan.matches(&e)
            {
                found.push((id, e));
            }
            Ok(true)
        })?;
        let interrupted = more && found.len() < PAGE_SIZE;
        if !newest_first {
            found.reverse();
        }
        let first = found.first().map(|(id, _)| *id);
        let last = found.last().map(|(id, _)| *id);
        let (older, newer) = if newest_first {
            let older = if more {
                if interrupted { last_examined } else { last }
            } else {
                None
            };
            let newer = match cursor {
                Cursor::Newest => None,
                _ => first.or(Some(below.saturating_sub(1))),
            };
            (older, newer)
        } else {
            // Walking towards newer entries: `more` means newer ones remain.
            let newer = if more { first } else { None };
            let older = last.or(Some(from));
            (older, newer)
        };
        let total = if filter.from.is_none() && filter.to.is_none() && plan.exact {
            match &plan.source {
                Source::All => Some(store::audit::count(tx, None)?),
                Source::Org(o) => Some(store::audit::count(tx, Some(*o))?),
                _ => None,
            }
        } else {
            None
        };
        Ok(AuditPage {
            entries: found.into_iter().map(|(_, e)| e).collect(),
            older,
            newer,
            total,
            interrupted,
        })
    })
}

/// Writes every entry matching `filter` as CSV (`;`-separated, UTF-8 with
/// BOM for spreadsheet programs), newest first, in chunks to `sink`, from
/// one snapshot; stops when `sink` returns false (the client went away).
pub fn export_csv(
    store: &Store,
    viewer: &impl AuditViewer,
    filter: &AuditFilter,
    mut sink: impl FnMut(Vec<u8>) -> bool,
) -> Result<(), Error> {
    let scope = viewer.scope();
    const CHUNK: usize = 64 * 1024;
    let fail = |e: csv::Error| Error::Internal(format!("csv: {e}"));
    let writer = |bom: bool| {
        csv::WriterBuilder::new()
            .delimiter(b';')
            .from_writer(if bom {
                vec![0xEF, 0xBB, 0xBF]
            } else {
                Vec::new()
            })
    };
    let finish = |w: csv::Writer<Vec<u8>>| {
        w.into_inner().map_err(|e| store::Error::Corrupt {
            table: "audit",
            detail: format!("csv: {e}"),
        })
    };
    store.read(|tx| {
        let plan = Plan::new(tx, filter, scope)?;
        let orgs = store::orgs::all(tx)?;
        let mut w = writer(true);
        w.write_record(CSV_HEADER).map_err(fail)?;
        let mut open = true;
        let mut rows = 0usize;
        store::audit::scan_ids(tx, &plan.source, plan.from_id, plan.below_id, true, |id| {
            let Some(e) = store::audit::get(tx, id)? else {
                return Ok(true);
            };
            if !plan.matches(&e) {
                return Ok(true);
            }
            w.write_record(csv_row(id, &e, &orgs))
                .map_err(|e| store::Error::Corrupt {
                    table: "audit",
                    detail: format!("csv: {e}"),
                })?;
            rows += 1;
            if rows.is_multiple_of(256) && w.get_ref().len() >= CHUNK {
                let full = std::mem::replace(&mut w, writer(false));
                open = sink(finish(full)?);
            }
            Ok(open)
        })?;
        if open {
            sink(finish(w)?);
        }
        Ok(())
    })
}

const CSV_HEADER: [&str; 13] = [
    "Zeitpunkt",
    "Akteur",
    "Aktion",
    "Ziel",
    "Mitglied",
    "Adresse",
    "Beschreibung",
    "Nr",
    "Zeitpunkt (UTC)",
    "Aktionscode",
    "Mitglied-ID",
    "Hash",
    "Vorheriger Hash",
];

/// A row in the page's words: time in Europe/Berlin, the German action
/// label, the organisation's name; then the hash chain's canonical values
/// (docs/audit-chain.md): sequence number, UTC time, action code,
/// organisation id, the entry's hash and the previous one.
fn csv_row(id: u64, e: &AuditEntry, orgs: &[Organisation]) -> [String; 13] {
    let link = e.chain.as_ref();
    let row = [
        crate::format::datetime_seconds(e.at),
        e.actor.clone(),
        action_label(&e.action).to_owned(),
        e.target.clone().unwrap_or_default(),
        e.org
            .and_then(|o| orgs.iter().find(|x| x.id == o))
            .map(|o| o.name.clone())
            .unwrap_or_default(),
        e.client.clone().unwrap_or_default(),
        e.detail.clone(),
        id.to_string(),
        crate::domain::audit::canonical_time(e.at),
        e.action.clone(),
        e.org.map(|o| o.to_string()).unwrap_or_default(),
        link.map(|l| l.hash.clone()).unwrap_or_default(),
        link.map(|l| l.prev.clone()).unwrap_or_default(),
    ];
    row.map(csv_cell)
}

/// A cell that a spreadsheet shows as text: a value starting with `=`, `+`,
/// `-`, `@`, TAB or CR (a formula to Excel and LibreOffice, "CSV
/// injection") gets a leading apostrophe. Names and descriptions in the
/// Protokoll are typed by users, and the export is opened in spreadsheets.
/// A value starting with an apostrophe gets one too, so that removing one
/// leading apostrophe always restores the value (the chain's verifier does).
pub fn csv_cell(value: String) -> String {
    match value.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r' | '\'') => format!("'{value}"),
        _ => value,
    }
}

#[cfg(test)]
mod csv_tests {
    use super::csv_cell;

    #[test]
    fn formulas_are_exported_as_text() {
        for bad in [
            "=HYPERLINK(\"http://x\")",
            "+1",
            "-1+2",
            "@SUM(A1)",
            "\tx",
            "\rx",
            "'=x",
        ] {
            assert_eq!(csv_cell(bad.to_owned()), format!("'{bad}"));
        }
        for fine in [
            "30.11.2026 05:00:00",
            "K12345678901",
            "Kim Mustermensch",
            "",
        ] {
            assert_eq!(csv_cell(fine.to_owned()), fine);
        }
    }
}
