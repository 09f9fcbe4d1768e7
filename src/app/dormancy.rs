//! Dormant accounts (issue 22 §3): an activated account without a login
//! for `security.dormant_days` is locked as "Gesperrt (inaktiv)". The
//! account and its administrator(s) are told `dormant_notice_days` before
//! and again at the lock; what went out is remembered on the account
//! (`Account::dormancy`), so each e-mail is sent once per period. A login
//! or an unlock starts a new period.
//!
//! Whose administrator: an organisation's administrators for its
//! Nutzer:innen, the Kassen-Portaladministration for administrators and
//! Kassen staff (they unlock these accounts today).

use jiff::{SignedDuration, Timestamp};

use super::Error;
use crate::config::SecurityConfig;
use crate::domain::account::{Account, Role};
use crate::domain::audit::AuditEntry;
use crate::domain::ids::Nutzerkennung;
use crate::mail::{Mailer, templates};
use crate::store::accounts::Kind;
use crate::store::{self, Store, WriteTx};

/// What one run did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub warned: usize,
    pub locked: usize,
}

enum Due {
    Warn(Timestamp),
    Lock,
}

fn days(n: u32) -> SignedDuration {
    SignedDuration::from_hours(24 * i64::from(n))
}

fn due(a: &Account, sec: &SecurityConfig, now: Timestamp) -> Option<Due> {
    if a.admin_locked || a.password_hash.is_none() {
        return None;
    }
    let reference = a.dormancy_reference()?;
    let lock_at = reference.checked_add(days(sec.dormant_days)).ok()?;
    if now >= lock_at {
        return Some(Due::Lock);
    }
    let warn_at = lock_at.checked_sub(days(sec.dormant_notice_days)).ok()?;
    let warned = a.dormancy.warned_at.is_some_and(|w| w >= reference);
    (now >= warn_at && !warned).then_some(Due::Warn(lock_at))
}

/// Checks every account and warns or locks (the caller runs it hourly).
pub fn run(
    store: &Store,
    mailer: &Mailer,
    sec: &SecurityConfig,
    now: Timestamp,
) -> Result<Outcome, Error> {
    let mut out = Outcome::default();
    if sec.dormant_days == 0 {
        return Ok(out);
    }
    // Finding candidates only reads; each change is its own transaction
    // that re-reads the account.
    let (unseen, candidates) = find(store, sec, now)?;
    start_counting(store, &unseen, now)?;
    for id in &candidates {
        match store.write(|tx| act(tx, mailer, sec, id, now))? {
            Acted::Warned => out.warned += 1,
            Acted::Locked => out.locked += 1,
            Acted::Nothing => {}
        }
    }
    if out.warned + out.locked > 0 {
        mailer.wake();
    }
    Ok(out)
}

/// The accounts activated before logins were recorded (counted from now
/// on), and the accounts due for a warning or the lock.
fn find(
    store: &Store,
    sec: &SecurityConfig,
    now: Timestamp,
) -> Result<(Vec<Nutzerkennung>, Vec<Nutzerkennung>), Error> {
    let mut candidates = Vec::new();
    let mut unseen = Vec::new();
    store.read(|tx| {
        store::accounts::for_each(tx, |a| {
            if a.activated_at.is_some()
                && a.last_login_at.is_none()
                && a.dormancy.since.is_none()
                && !a.admin_locked
            {
                // Activated before logins were recorded: count from now.
                unseen.push(a.id.clone());
            } else if due(&a, sec, now).is_some() {
                candidates.push(a.id.clone());
            }
            Ok(())
        })
    })?;
    Ok((unseen, candidates))
}

/// Starts the dormancy period of `unseen` accounts now, in batches.
fn start_counting(store: &Store, unseen: &[Nutzerkennung], now: Timestamp) -> Result<(), Error> {
    for chunk in unseen.chunks(super::housekeeping::BATCH) {
        store.write(|tx| {
            for id in chunk {
                if let Some(mut a) = store::accounts::get(tx, id)?
                    && a.last_login_at.is_none()
                    && a.dormancy.since.is_none()
                {
                    a.dormancy.since = Some(now);
                    store::accounts::put(tx, &a)?;
                }
            }
            Ok::<_, Error>(())
        })?;
    }
    Ok(())
}

/// What [`act`] did to an account.
enum Acted {
    Warned,
    Locked,
    Nothing,
}

/// Re-reads account `id` in the transaction and warns or locks it when due.
fn act(
    tx: &WriteTx,
    mailer: &Mailer,
    sec: &SecurityConfig,
    id: &Nutzerkennung,
    now: Timestamp,
) -> Result<Acted, Error> {
    let Some(mut a) = store::accounts::get(tx, id)? else {
        return Ok(Acted::Nothing);
    };
    match due(&a, sec, now) {
        Some(Due::Warn(lock_at)) => {
            a.dormancy.warned_at = Some(now);
            store::accounts::put(tx, &a)?;
            notify(tx, mailer, &a, now, |name, about| {
                templates::dormant_notice(name, about, lock_at, sec.dormant_days)
            })?;
            Ok(Acted::Warned)
        }
        Some(Due::Lock) if a.is_kassen_admin() && !other_portal_admin(tx, &a)? => {
            // The last active Kassen-Portaladministration is never
            // locked (nobody could unlock it); it is told once.
            let warned = a
                .dormancy
                .warned_at
                .is_some_and(|w| a.dormancy_reference().is_some_and(|r| w >= r));
            if warned {
                return Ok(Acted::Nothing);
            }
            a.dormancy.warned_at = Some(now);
            store::accounts::put(tx, &a)?;
            notify(tx, mailer, &a, now, |name, about| {
                templates::dormant_notice(name, about, now, sec.dormant_days)
            })?;
            Ok(Acted::Warned)
        }
        Some(Due::Lock) => {
            lock(tx, mailer, sec, a, now)?;
            Ok(Acted::Locked)
        }
        None => Ok(Acted::Nothing),
    }
}

/// Locks `a` as "Gesperrt (inaktiv)", ends its sessions, audits the lock
/// and tells the account and its administrators.
fn lock(
    tx: &WriteTx,
    mailer: &Mailer,
    sec: &SecurityConfig,
    mut a: Account,
    now: Timestamp,
) -> Result<(), Error> {
    a.admin_locked = true;
    a.dormancy.locked = true;
    store::accounts::put(tx, &a)?;
    store::sessions::delete_for_account(tx, &a.id)?;
    store::audit::append(
        tx,
        &AuditEntry::new(
            now,
            "System",
            "account.dormant_locked",
            format!(
                "Nutzerkonto von {} wegen Inaktivität gesperrt ({} Tage ohne Anmeldung)",
                a.full_name(),
                sec.dormant_days
            ),
        )
        .target(&a.id)
        .org(a.org()),
    )?;
    notify(tx, mailer, &a, now, |name, about| {
        templates::dormant_locked(name, about, sec.dormant_days)
    })
}

/// Queues the mail for the account and for each of its administrators.
fn notify(
    tx: &WriteTx,
    mailer: &Mailer,
    a: &Account,
    now: Timestamp,
    template: impl Fn(&str, Option<(&str, &str)>) -> templates::Template,
) -> Result<(), Error> {
    mailer.enqueue(tx, &a.email, template(&a.full_name(), None), now)?;
    let admins: Vec<Account> = match &a.role {
        Role::OrgUser { org, .. } => store::accounts::all_of(tx, *org, Kind::Admin)?,
        Role::OrgAdmin { .. } | Role::Kassen { .. } => {
            store::accounts::all_of(tx, 0, Kind::Kassen)?
                .into_iter()
                .filter(|k| k.is_kassen_admin())
                .collect()
        }
    };
    let name = a.full_name();
    for admin in admins
        .iter()
        .filter(|x| x.id != a.id && !x.admin_locked && x.password_hash.is_some())
    {
        mailer.enqueue(
            tx,
            &admin.email,
            template(&admin.full_name(), Some((&name, a.id.as_str()))),
            now,
        )?;
    }
    Ok(())
}

/// Whether another active Kassen-Portaladministration account exists.
fn other_portal_admin(tx: &WriteTx, a: &Account) -> Result<bool, Error> {
    Ok(store::accounts::all_of(tx, 0, Kind::Kassen)?
        .iter()
        .any(|k| {
            k.id != a.id && k.is_kassen_admin() && !k.admin_locked && k.password_hash.is_some()
        }))
}
