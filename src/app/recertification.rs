//! Access review (Rezertifizierung, issue 22 §2): every
//! `security.recertification_months` an organisation's administrator
//! confirms each Nutzer:in's group-mailbox and portal-function grants.
//!
//! A Nutzer:in's review is due `months` after the last confirmation (or
//! after the account was created); a month counts as 365/12 days. The
//! reminder e-mails of an organisation are remembered in stored counters
//! (`recert.reminded.<org>`, `recert.reminded2.<org>`: unix seconds), so
//! each goes out once per due period; they are cleared when nothing is
//! overdue any more.

use crate::domain::permissions::{self, AdministerOrg};
use jiff::{SignedDuration, Timestamp};

use super::{Actor, Error};
use crate::config::SecurityConfig;
use crate::domain::account::{Account, Role};
use crate::domain::audit::AuditEntry;
use crate::domain::org::OrgId;
use crate::mail::{Mailer, templates};
use crate::store::accounts::Kind;
use crate::store::{self, ReadAccess, Store, WriteTx};

/// The period as a duration (0 months: the review is off).
pub fn period(months: u32) -> SignedDuration {
    SignedDuration::from_hours(i64::from(months) * 365 * 24 / 12)
}

/// When the Nutzer:in's review is due.
pub fn due_at(a: &Account, months: u32) -> Timestamp {
    let from = a.recertified_at.unwrap_or(a.created_at);
    from.checked_add(period(months)).unwrap_or(Timestamp::MAX)
}

/// One row of the review page.
pub struct Row {
    pub account: Account,
    pub due_at: Timestamp,
    pub overdue: bool,
}

/// The access review of the administrator's organisation: its
/// Nutzer:innen with their review state, overdue first, then by Name.
pub fn review(
    store: &Store,
    proof: &AdministerOrg,
    months: u32,
    now: Timestamp,
) -> Result<Vec<Row>, Error> {
    rows(store, proof.org_id(), months, now)
}

/// [`review`] of any organisation (the Kassen' summary).
fn rows(store: &Store, org: OrgId, months: u32, now: Timestamp) -> Result<Vec<Row>, Error> {
    let users = store.read(|tx| store::accounts::all_of(tx, org, Kind::User))?;
    let mut rows: Vec<Row> = users
        .into_iter()
        .map(|a| {
            let due_at = due_at(&a, months);
            Row {
                overdue: months > 0 && due_at <= now,
                due_at,
                account: a,
            }
        })
        .collect();
    rows.sort_by_key(|r| !r.overdue);
    Ok(rows)
}

fn overdue_key(org: OrgId) -> String {
    format!("recert.overdue.{org}")
}

/// How many Nutzer:innen of `org` were overdue at the last count (for the
/// home banner; a stored counter, so the home decodes no account).
pub fn overdue_count(tx: &impl ReadAccess, org: OrgId, months: u32) -> Result<usize, Error> {
    if months == 0 {
        return Ok(0);
    }
    Ok(store::counters::get(tx, &overdue_key(org))? as usize)
}

/// Counts the overdue Nutzer:innen of `org` and stores the number; run by
/// the hourly job and after every confirmation.
fn refresh_overdue(tx: &WriteTx, org: OrgId, months: u32, now: Timestamp) -> Result<(), Error> {
    let n = store::accounts::all_of(tx, org, Kind::User)?
        .iter()
        .filter(|a| months > 0 && due_at(a, months) <= now)
        .count() as i64;
    let key = overdue_key(org);
    let old = store::counters::get(tx, &key)? as i64;
    store::counters::add(tx, &key, n - old)?;
    Ok(())
}

/// "Bestätigen": confirms the grants of one Nutzer:in (`Some(id)`) or of
/// all Nutzer:innen of `org` (`None`). The administrator is re-checked in
/// the transaction; an id outside the organisation is `NotFound`.
pub fn confirm(
    store: &Store,
    months: u32,
    proof: &AdministerOrg,
    id: Option<&str>,
    actor: &Actor,
    now: Timestamp,
) -> Result<usize, Error> {
    let org = proof.org_id();
    store.write(|tx| {
        let admin = crate::domain::ids::Nutzerkennung::parse(&actor.id)
            .map(|i| store::accounts::get(tx, &i))
            .transpose()?
            .flatten();
        // The administrator as they are now, with the organisation as it is now.
        let current_org = store::orgs::get(tx, org)?;
        let allowed = admin.is_some_and(|a| {
            permissions::may_administer_org(&a, current_org.as_ref()) && !a.admin_locked
        });
        if !allowed {
            return Err(Error::NotFound);
        }
        let targets: Vec<Account> = match id {
            Some(id) => {
                let a = crate::domain::ids::Nutzerkennung::parse(id)
                    .map(|i| store::accounts::get(tx, &i))
                    .transpose()?
                    .flatten()
                    .filter(|a| matches!(a.role, Role::OrgUser { org: o, .. } if o == org))
                    .ok_or(Error::NotFound)?;
                vec![a]
            }
            None => store::accounts::all_of(tx, org, Kind::User)?,
        };
        for mut a in targets.clone() {
            a.recertified_at = Some(now);
            if let Some(grants) = a.suspended_grants.take() {
                a.role = Role::OrgUser { org, grants };
            }
            store::accounts::put(tx, &a)?;
            let grants = a.grants().cloned().unwrap_or_default();
            let text = |v: Vec<&str>| if v.is_empty() { "keine".to_owned() } else { v.join(", ") };
            store::audit::append(
                tx,
                &AuditEntry::new(
                    now,
                    actor.id.as_str(),
                    "grants.recertified",
                    format!(
                        "Berechtigungen von {} bestätigt (Gruppenpostfächer: {}; Portalfunktionen: {})",
                        a.full_name(),
                        text(grants.mailboxes.iter().map(|m| m.label()).collect()),
                        text(grants.functions.iter().map(|f| f.label()).collect()),
                    ),
                )
                .target(&a.id)
                .org(Some(org))
                .client(actor.client.clone()),
            )?;
        }
        refresh_overdue(tx, org, months, now)?;
        Ok(targets.len())
    })
}

/// The reminder e-mails: when a review of an organisation is due, and
/// again `recertification_reminder_days` later (at most hourly).
pub fn remind(
    store: &Store,
    mailer: &Mailer,
    sec: &SecurityConfig,
    now: Timestamp,
) -> Result<usize, Error> {
    let months = sec.recertification_months;
    if months == 0 {
        return Ok(0);
    }
    let now_s = now.as_second().max(0);
    let orgs: Vec<OrgId> = store
        .read(|tx| Ok::<_, Error>(store::orgs::all(tx)?.into_iter().map(|o| o.id).collect()))?;
    let mut sent = 0;
    for org in orgs {
        // Only a change opens a write transaction.
        if !store.read(|tx| has_work(tx, org, sec, now))? {
            continue;
        }
        sent += store.write(|tx| {
            refresh_overdue(tx, org, months, now)?;
            if sec.recertification_enforce {
                suspend_overdue(tx, org, sec, now)?;
            }
            let first_key = format!("recert.reminded.{org}");
            let second_key = format!("recert.reminded2.{org}");
            let first = store::counters::get(tx, &first_key)? as i64;
            let second = store::counters::get(tx, &second_key)? as i64;
            let users = store::accounts::all_of(tx, org, Kind::User)?;
            let earliest = users.iter().map(|a| due_at(a, months)).min();
            let Some(due) = earliest.filter(|d| *d <= now) else {
                // Nothing overdue: the next due period reminds afresh.
                store::counters::add(tx, &first_key, -first)?;
                store::counters::add(tx, &second_key, -second)?;
                return Ok::<_, Error>(0);
            };
            let again =
                SignedDuration::from_hours(24 * i64::from(sec.recertification_reminder_days));
            let send_second = first != 0 && second == 0 && now_s >= first + again.as_secs();
            if first != 0 && !send_second {
                return Ok(0);
            }
            let mut n = 0;
            for admin in store::accounts::all_of(tx, org, Kind::Admin)?
                .iter()
                .filter(|a| !a.admin_locked && a.password_hash.is_some())
            {
                mailer.enqueue(
                    tx,
                    &admin.email,
                    templates::recertification_due(&admin.full_name(), due, send_second),
                    now,
                )?;
                n += 1;
            }
            let key = if send_second { &second_key } else { &first_key };
            store::counters::add(tx, key, now_s)?;
            Ok(n)
        })?;
    }
    if sent > 0 {
        mailer.wake();
    }
    Ok(sent)
}

/// What the Kassen-Portaladministration sees of a Mitglied's review.
pub struct OrgSummary {
    /// The latest confirmation of any Nutzer:in.
    pub last_review: Option<Timestamp>,
    pub users: usize,
    /// Overdue Nutzer:innen, by Name.
    pub overdue: Vec<Account>,
}

pub fn summary(
    store: &Store,
    org: OrgId,
    months: u32,
    now: Timestamp,
) -> Result<OrgSummary, Error> {
    let rows = rows(store, org, months, now)?;
    Ok(OrgSummary {
        last_review: rows.iter().filter_map(|r| r.account.recertified_at).max(),
        users: rows.len(),
        overdue: rows
            .into_iter()
            .filter(|r| r.overdue)
            .map(|r| r.account)
            .collect(),
    })
}

/// With `security.recertification_enforce`: takes the grants of every
/// Nutzer:in of `org` whose review has been overdue for
/// `recertification_grace_days`, keeping them in `suspended_grants`.
fn suspend_overdue(
    tx: &WriteTx,
    org: OrgId,
    sec: &SecurityConfig,
    now: Timestamp,
) -> Result<(), Error> {
    let grace = SignedDuration::from_hours(24 * i64::from(sec.recertification_grace_days));
    for mut a in store::accounts::all_of(tx, org, Kind::User)? {
        let late = due_at(&a, sec.recertification_months)
            .checked_add(grace)
            .is_ok_and(|t| t <= now);
        let Some(grants) = a.grants().cloned() else {
            continue;
        };
        if !late || a.suspended_grants.is_some() || grants == Default::default() {
            continue;
        }
        a.suspended_grants = Some(grants);
        a.role = Role::OrgUser {
            org,
            grants: Default::default(),
        };
        store::accounts::put(tx, &a)?;
        store::audit::append(
            tx,
            &AuditEntry::new(
                now,
                "System",
                "grants.suspended",
                format!(
                    "Berechtigungen von {} ausgesetzt: Überprüfung seit mehr als {} Tagen überfällig",
                    a.full_name(),
                    sec.recertification_grace_days
                ),
            )
            .target(&a.id)
            .org(Some(org)),
        )?;
    }
    Ok(())
}

/// Whether [`remind`] would change anything for `org`: the stored overdue
/// count, a reminder to send or to forget, a grant to suspend.
fn has_work(
    tx: &impl ReadAccess,
    org: OrgId,
    sec: &SecurityConfig,
    now: Timestamp,
) -> Result<bool, Error> {
    let months = sec.recertification_months;
    let users = store::accounts::all_of(tx, org, Kind::User)?;
    let overdue = users.iter().filter(|a| due_at(a, months) <= now).count() as u64;
    if overdue != store::counters::get(tx, &overdue_key(org))? {
        return Ok(true);
    }
    let first = store::counters::get(tx, &format!("recert.reminded.{org}"))? as i64;
    let second = store::counters::get(tx, &format!("recert.reminded2.{org}"))? as i64;
    if overdue == 0 {
        return Ok(first != 0 || second != 0);
    }
    let again = 24 * 3600 * i64::from(sec.recertification_reminder_days);
    if first == 0 || (second == 0 && now.as_second() >= first + again) {
        return Ok(true);
    }
    if sec.recertification_enforce {
        let grace = SignedDuration::from_hours(24 * i64::from(sec.recertification_grace_days));
        return Ok(users.iter().any(|a| {
            a.suspended_grants.is_none()
                && a.grants().is_some_and(|g| *g != Default::default())
                && due_at(a, months).checked_add(grace).is_ok_and(|t| t <= now)
        }));
    }
    Ok(false)
}
