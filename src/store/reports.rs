//! Submitted form reports with indexes by status and by organisation,
//! newest first with keyset paging (by id, which ascends with time).

use redb::ReadableTable;

use super::{Error, ReadAccess, WriteTx, codec, counters, tables};
use crate::domain::forms::{Report, ReportStatus};
use crate::domain::org::OrgId;

const TABLE: &str = "reports";

fn counter_status(s: ReportStatus) -> String {
    format!("reports.status.{}", s.code())
}

fn counter_org(org: OrgId) -> String {
    format!("reports.org.{org}")
}

fn counter_org_status(org: OrgId, s: ReportStatus) -> String {
    format!("reports.org.{org}.status.{}", s.code())
}

pub fn next_id(tx: &WriteTx) -> Result<u64, Error> {
    super::next_id(tx, "report")
}

pub fn get(tx: &impl ReadAccess, id: u64) -> Result<Option<Report>, Error> {
    match tx.open(tables::REPORTS)?.get(id)? {
        Some(v) => Ok(Some(codec::decode(TABLE, v.value())?)),
        None => Ok(None),
    }
}

/// Stores a report and keeps both indexes and the counters in step.
pub fn put(tx: &WriteTx, report: &Report) -> Result<(), Error> {
    let old = get(tx, report.id)?;
    let mut by_status = tx.open_table(tables::REPORTS_BY_STATUS)?;
    match &old {
        Some(old) => {
            by_status.remove((old.status.code(), old.id))?;
            counters::add(tx, &counter_status(old.status), -1)?;
            counters::add(tx, &counter_org_status(old.org, old.status), -1)?;
        }
        None => counters::add(tx, &counter_org(report.org), 1)?,
    }
    by_status.insert((report.status.code(), report.id), ())?;
    tx.open_table(tables::REPORTS_BY_ORG)?
        .insert((report.org, report.id), report.status.code())?;
    counters::add(tx, &counter_status(report.status), 1)?;
    counters::add(tx, &counter_org_status(report.org, report.status), 1)?;
    let bytes = codec::encode(TABLE, report)?;
    tx.open_table(tables::REPORTS)?
        .insert(report.id, bytes.as_slice())?;
    Ok(())
}

/// The report a submission token created, if it was used.
pub fn by_token(tx: &impl ReadAccess, token: &str) -> Result<Option<u64>, Error> {
    Ok(tx
        .open(tables::REPORT_TOKENS)?
        .get(token)?
        .map(|v| v.value()))
}

/// Records that `token` created report `id`.
pub fn remember_token(tx: &WriteTx, token: &str, id: u64) -> Result<(), Error> {
    tx.open_table(tables::REPORT_TOKENS)?.insert(token, id)?;
    Ok(())
}

/// Number of reports with `status` (all when `None`), from stored counters.
pub fn count(tx: &impl ReadAccess, status: Option<ReportStatus>) -> Result<u64, Error> {
    match status {
        Some(s) => counters::get(tx, &counter_status(s)),
        None => {
            let mut n = 0;
            for s in ReportStatus::ALL {
                n += counters::get(tx, &counter_status(s))?;
            }
            Ok(n)
        }
    }
}

/// Number of reports of `org`, with `status` when given (stored counters).
pub fn count_of_org(
    tx: &impl ReadAccess,
    org: OrgId,
    status: Option<ReportStatus>,
) -> Result<u64, Error> {
    match status {
        Some(s) => counters::get(tx, &counter_org_status(org, s)),
        None => counters::get(tx, &counter_org(org)),
    }
}

/// A page of reports, newest first, and the cursor of the next page.
pub struct Page {
    pub reports: Vec<Report>,
    pub next: Option<u64>,
}

fn collect(tx: &impl ReadAccess, ids: Vec<u64>, limit: usize) -> Result<Page, Error> {
    let next = (ids.len() > limit).then(|| ids[limit - 1]);
    let mut reports = Vec::with_capacity(limit);
    for id in ids.into_iter().take(limit) {
        if let Some(r) = get(tx, id)? {
            reports.push(r);
        }
    }
    Ok(Page { reports, next })
}

/// Reports with `status` (all when `None`) older than `before`.
pub fn page(
    tx: &impl ReadAccess,
    status: Option<ReportStatus>,
    before: Option<u64>,
    limit: usize,
) -> Result<Page, Error> {
    let before = before.unwrap_or(u64::MAX);
    let mut ids = Vec::with_capacity(limit + 1);
    match status {
        Some(s) => {
            let index = tx.open(tables::REPORTS_BY_STATUS)?;
            for item in index.range((s.code(), 0)..(s.code(), before))?.rev() {
                ids.push(item?.0.value().1);
                if ids.len() > limit {
                    break;
                }
            }
        }
        None => {
            let table = tx.open(tables::REPORTS)?;
            for item in table.range(0..before)?.rev() {
                ids.push(item?.0.value());
                if ids.len() > limit {
                    break;
                }
            }
        }
    }
    collect(tx, ids, limit)
}

/// Reports of one organisation (with `status` when given) older than
/// `before`; the status filter runs on the index value, so only the shown
/// reports are decoded.
pub fn page_of_org(
    tx: &impl ReadAccess,
    org: OrgId,
    status: Option<ReportStatus>,
    before: Option<u64>,
    limit: usize,
) -> Result<Page, Error> {
    let before = before.unwrap_or(u64::MAX);
    let index = tx.open(tables::REPORTS_BY_ORG)?;
    let mut ids = Vec::with_capacity(limit + 1);
    for item in index.range((org, 0)..(org, before))?.rev() {
        let (k, v) = item?;
        if status.is_none_or(|s| s.code() == v.value()) {
            ids.push(k.value().1);
        }
        if ids.len() > limit {
            break;
        }
    }
    collect(tx, ids, limit)
}
