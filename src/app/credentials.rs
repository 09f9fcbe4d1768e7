//! Passwords and Nutzerkennung retrieval through e-mailed links, password
//! reset and change.

use jiff::Timestamp;

use super::links::{self, LinkSettings};
use super::passwords::PasswordHasher;
use super::{Error, FieldErrors};
use crate::config::SecurityConfig;
use crate::domain::account::{Account, Role};
use crate::domain::audit::AuditEntry;
use crate::domain::ids::Nutzerkennung;
use crate::domain::link::{Link, LinkKind};
use crate::domain::{password, secret};
use crate::mail::Mailer;
use crate::store::{self, ReadAccess, Store, WriteTx};

/// Earlier passwords remembered per account to refuse reuse.
const HISTORY_LEN: usize = 24;

/// The link behind `token` when it is of `kind` and still valid.
fn valid_link(
    tx: &impl ReadAccess,
    token: &str,
    kind: LinkKind,
    now: Timestamp,
) -> Result<Option<Link>, store::Error> {
    Ok(store::links::get(tx, &secret::token_hash(token))?
        .filter(|l| l.kind == kind && l.expires_at > now))
}

pub fn link_is_valid(
    store: &Store,
    token: &str,
    kind: LinkKind,
    now: Timestamp,
) -> Result<bool, Error> {
    Ok(store.read(|tx| valid_link(tx, token, kind, now))?.is_some())
}

/// Checks a new password and its confirmation against the rules and the
/// account's history. Runs argon2 once per remembered password.
fn check_new_password(
    passwords: &PasswordHasher,
    sec: &SecurityConfig,
    account: &Account,
    new: &str,
    confirm: &str,
) -> FieldErrors {
    let mut errors: FieldErrors = Vec::new();
    let context = [
        account.first_name.as_str(),
        account.last_name.as_str(),
        account.email.as_str(),
        account.id.as_str(),
    ];
    for msg in password::check(new, &context, sec.min_password_strength) {
        errors.push(("neues_passwort", msg));
    }
    if new != confirm {
        errors.push((
            "neues_passwort_bestaetigen",
            "Die Passwörter stimmen nicht überein.".to_owned(),
        ));
    }
    if errors.is_empty() {
        let mut used: Vec<String> = account.password_history.clone();
        used.extend(account.password_hash.clone());
        if passwords.matches_any_blocking(new, &used) {
            errors.push(("neues_passwort", "Dieses Passwort wurde für Ihr Nutzerkonto bereits verwendet. Bitte wählen Sie ein neues Passwort.".to_owned()));
        }
    }
    errors
}

/// Stores `hash` as the account's password, keeps the old one in the
/// history, voids every outstanding link and ends every session. A
/// self-lock stays: it ends only when the Sperrfrist runs out (handbook §5).
fn store_password(tx: &WriteTx, account: &mut Account, hash: String) -> Result<(), store::Error> {
    if let Some(old) = account.password_hash.replace(hash) {
        account.password_history.push(old);
        let excess = account.password_history.len().saturating_sub(HISTORY_LEN);
        account.password_history.drain(..excess);
    }
    account.failed_logins = 0;
    store::accounts::put(tx, account)?;
    store::links::delete_for(tx, &account.id, None)?;
    store::sessions::delete_for_account(tx, &account.id)
}

pub enum SetPasswordOutcome {
    Done { retrieve_mail: bool },
    LinkInvalid,
}

/// Sets the password through a "Passwort festlegen" link (single use).
#[allow(clippy::too_many_arguments)]
pub fn set_password_with_link(
    store: &Store,
    passwords: &PasswordHasher,
    mailer: &Mailer,
    settings: &LinkSettings,
    sec: &SecurityConfig,
    token: &str,
    new: &str,
    confirm: &str,
    client: Option<String>,
    now: Timestamp,
) -> Result<SetPasswordOutcome, Error> {
    let found = store.read(|tx| {
        let Some(link) = valid_link(tx, token, LinkKind::SetPassword, now)? else {
            return Ok::<_, store::Error>(None);
        };
        store::accounts::get(tx, &link.account)
    })?;
    let Some(account) = found else {
        return Ok(SetPasswordOutcome::LinkInvalid);
    };
    let errors = check_new_password(passwords, sec, &account, new, confirm);
    if !errors.is_empty() {
        return Err(Error::Invalid(errors));
    }
    let hash = passwords.hash_blocking(new).map_err(Error::Internal)?;
    let outcome = store.write(|tx| {
        // The link is used up in the same transaction that sets the password.
        let Some(link) = valid_link(tx, token, LinkKind::SetPassword, now)? else {
            return Ok::<_, Error>(SetPasswordOutcome::LinkInvalid);
        };
        store::links::delete(tx, &secret::token_hash(token))?;
        let Some(mut account) = store::accounts::get(tx, &link.account)? else {
            return Ok(SetPasswordOutcome::LinkInvalid);
        };
        let first = account.password_hash.is_none();
        store_password(tx, &mut account, hash)?;
        // Administrators registered by the Kassen get the second e-mail.
        let retrieve_mail =
            first && matches!(account.role, Role::OrgAdmin { .. }) && account.birth_date.is_some();
        if retrieve_mail {
            links::send_retrieve_id(tx, mailer, &account, settings, now)?;
        }
        let detail = if first {
            "Passwort erstmalig festgelegt"
        } else {
            "Passwort über E-Mail-Link neu festgelegt"
        };
        store::audit::append(
            tx,
            &AuditEntry::new(now, account.id.as_str(), "password.set", detail)
                .target(&account.id)
                .org(account.org())
                .client(client),
        )?;
        Ok(SetPasswordOutcome::Done { retrieve_mail })
    })?;
    mailer.wake();
    Ok(outcome)
}

/// Input of the "Nutzerkennung abrufen" page.
pub struct RetrieveInput {
    pub first_name: String,
    pub last_name: String,
    pub birth_date: String,
    pub member_number: String,
}

pub enum RetrieveOutcome {
    Found(Nutzerkennung),
    Mismatch { tries_left: u8 },
    LinkInvalid,
}

/// Parses a date as `JJJJ-MM-TT` (date input) or `TT.MM.JJJJ`.
pub fn parse_date(input: &str) -> Option<jiff::civil::Date> {
    let s = input.trim();
    if let Ok(d) = s.parse::<jiff::civil::Date>() {
        return Some(d);
    }
    let mut parts = s.split('.');
    let (d, m, y) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    jiff::civil::Date::new(
        y.trim().parse().ok()?,
        m.trim().parse().ok()?,
        d.trim().parse().ok()?,
    )
    .ok()
}

fn same_text(a: &str, b: &str) -> bool {
    a.trim().to_lowercase() == b.trim().to_lowercase()
}

/// Shows the Nutzerkennung when every entry matches; a wrong entry costs
/// one of a few tries but does not use up the link.
pub fn retrieve_id(
    store: &Store,
    token: &str,
    input: &RetrieveInput,
    client: Option<String>,
    now: Timestamp,
) -> Result<RetrieveOutcome, Error> {
    let hash = secret::token_hash(token);
    store.write(|tx| {
        let Some(mut link) = valid_link(tx, token, LinkKind::RetrieveId, now)? else {
            return Ok(RetrieveOutcome::LinkInvalid);
        };
        let Some(account) = store::accounts::get(tx, &link.account)? else {
            store::links::delete(tx, &hash)?;
            return Ok(RetrieveOutcome::LinkInvalid);
        };
        let org_number = match account.org() {
            Some(org) => store::orgs::get(tx, org)?.map(|o| o.number),
            None => None,
        };
        let matches = same_text(&input.first_name, &account.first_name)
            && same_text(&input.last_name, &account.last_name)
            && parse_date(&input.birth_date).is_some_and(|d| Some(d) == account.birth_date)
            && org_number.is_some_and(|n| same_text(&n, &input.member_number));
        if matches {
            store::links::delete(tx, &hash)?;
            store::audit::append(
                tx,
                &AuditEntry::new(
                    now,
                    account.id.as_str(),
                    "id.retrieved",
                    "Nutzerkennung abgerufen",
                )
                .target(&account.id)
                .org(account.org())
                .client(client),
            )?;
            return Ok(RetrieveOutcome::Found(account.id));
        }
        link.tries_left = link.tries_left.saturating_sub(1);
        if link.tries_left == 0 {
            store::links::delete(tx, &hash)?;
        } else {
            store::links::put(tx, &hash, &link)?;
        }
        store::audit::append(
            tx,
            &AuditEntry::new(
                now,
                account.id.as_str(),
                "id.retrieve_failed",
                "Abruf der Nutzerkennung mit falschen Angaben",
            )
            .target(&account.id)
            .org(account.org())
            .client(client),
        )?;
        Ok(RetrieveOutcome::Mismatch {
            tries_left: link.tries_left,
        })
    })
}

/// "Passwort vergessen": sends a link when the account exists. The caller
/// answers the same either way.
pub fn request_reset(
    store: &Store,
    mailer: &Mailer,
    settings: &LinkSettings,
    id_input: &str,
    client: Option<String>,
    now: Timestamp,
) -> Result<(), Error> {
    let Some(id) = Nutzerkennung::parse(id_input) else {
        return Ok(());
    };
    let sent = store.write(|tx| {
        let Some(account) = store::accounts::get(tx, &id)? else {
            return Ok::<_, Error>(false);
        };
        links::send_reset(tx, mailer, &account, settings, now)?;
        store::audit::append(
            tx,
            &AuditEntry::new(
                now,
                account.id.as_str(),
                "password.reset_requested",
                "Zurücksetzen des Passwortes angefordert",
            )
            .target(&account.id)
            .org(account.org())
            .client(client),
        )?;
        Ok(true)
    })?;
    if sent {
        mailer.wake();
    }
    Ok(())
}

/// How "Passwort ändern" ended.
#[derive(Debug, PartialEq, Eq)]
pub enum ChangeOutcome {
    Changed,
    /// The wrong old password locked the account; its sessions are ended.
    Locked,
}

/// "Passwort ändern" in the settings; ends every session of the account.
/// A wrong old password counts like a failed login (lockout) and is audited.
#[allow(clippy::too_many_arguments)]
pub fn change_password(
    store: &Store,
    passwords: &PasswordHasher,
    sec: &SecurityConfig,
    id: &Nutzerkennung,
    old: &str,
    new: &str,
    confirm: &str,
    client: Option<String>,
    now: Timestamp,
) -> Result<ChangeOutcome, Error> {
    let account = store
        .read(|tx| store::accounts::get(tx, id))?
        .ok_or(Error::NotFound)?;
    if !passwords.verify_or_dummy(old, account.password_hash.as_deref()) {
        let locked = store.write(|tx| {
            let mut account = store::accounts::get(tx, id)?.ok_or(Error::NotFound)?;
            let locked = super::auth::record_failure(
                tx,
                &mut account,
                "Passwort ändern fehlgeschlagen: falsches altes Passwort",
                sec,
                &client,
                now,
            )?;
            if locked {
                store::sessions::delete_for_account(tx, id)?;
            }
            Ok::<_, Error>(locked)
        })?;
        if locked {
            return Ok(ChangeOutcome::Locked);
        }
        return Err(Error::Invalid(vec![(
            "altes_passwort",
            "Das alte Passwort ist nicht korrekt.".to_owned(),
        )]));
    }
    let errors = check_new_password(passwords, sec, &account, new, confirm);
    if !errors.is_empty() {
        return Err(Error::Invalid(errors));
    }
    let hash = passwords.hash_blocking(new).map_err(Error::Internal)?;
    store.write(|tx| {
        let mut account = store::accounts::get(tx, id)?.ok_or(Error::NotFound)?;
        store_password(tx, &mut account, hash)?;
        store::audit::append(
            tx,
            &AuditEntry::new(
                now,
                account.id.as_str(),
                "password.changed",
                "Passwort geändert",
            )
            .target(&account.id)
            .org(account.org())
            .client(client),
        )?;
        Ok(ChangeOutcome::Changed)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_in_both_notations() {
        let d = jiff::civil::Date::new(1980, 5, 17).ok();
        assert_eq!(parse_date("1980-05-17"), d);
        assert_eq!(parse_date("17.05.1980"), d);
        assert_eq!(parse_date("17.5.1980"), d);
        assert_eq!(parse_date("1980"), None);
    }
}
