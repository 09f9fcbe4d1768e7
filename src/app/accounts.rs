//! Account operations shared by the Kassen (for administrators and staff)
//! and by organisation administrators (for their users). The callers check
//! that the actor may touch the account; these functions do the change,
//! its side effects and its audit entry inside the caller's transaction.

use jiff::Timestamp;

use super::links::{self, LinkSettings};
use super::{Actor, Error};
use crate::domain::account::{Account, Date, Role, SecondFactor, effective_second_factor};
use crate::domain::audit::AuditEntry;
use crate::domain::org::Organisation;
use crate::mail::Mailer;
use crate::store::{self, ReadAccess, WriteTx};

/// The second factor `account` uses at login: its organisation's setting
/// unless the Kassen chose otherwise (`account::effective_second_factor`).
pub fn second_factor_of(
    tx: &impl ReadAccess,
    account: &Account,
) -> Result<SecondFactor, store::Error> {
    let org = match account.org() {
        Some(o) => store::orgs::get(tx, o)?,
        None => None,
    };
    Ok(effective_second_factor(account, org.as_ref()))
}

/// Data of a new account.
pub struct NewAccount {
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub birth_date: Option<Date>,
    pub role: Role,
}

/// Audits an action on `account` by `actor`.
pub(crate) fn audit(
    tx: &WriteTx,
    actor: &Actor,
    account: &Account,
    action: &str,
    detail: String,
    now: Timestamp,
) -> Result<(), store::Error> {
    store::audit::append(
        tx,
        &AuditEntry::new(now, actor.id.as_str(), action, detail)
            .target(&account.id)
            .org(account.org())
            .client(actor.client.clone()),
    )
    .map(|_| ())
}

/// Creates the account with a fresh Nutzerkennung and queues its
/// "Passwort festlegen" e-mail.
pub fn create(
    tx: &WriteTx,
    mailer: &Mailer,
    settings: &LinkSettings,
    new: NewAccount,
    actor: &Actor,
    now: Timestamp,
) -> Result<Account, store::Error> {
    let id = store::accounts::issue_id(tx, &new.role, now)?;
    let account = Account::new(
        id,
        new.role,
        new.first_name,
        new.last_name,
        new.email,
        new.birth_date,
        now,
    );
    store::accounts::put(tx, &account)?;
    links::send_set_password(tx, mailer, &account, settings, now, false)?;
    audit(
        tx,
        actor,
        &account,
        "account.created",
        format!("Nutzerkonto für {} angelegt", account.full_name()),
        now,
    )?;
    Ok(account)
}

/// Changes name and e-mail address (users are not notified).
pub fn update_profile(
    tx: &WriteTx,
    account: &mut Account,
    first_name: String,
    last_name: String,
    email: String,
    actor: &Actor,
    now: Timestamp,
) -> Result<(), store::Error> {
    let mut changes = Vec::new();
    if account.first_name != first_name || account.last_name != last_name {
        changes.push(format!(
            "Name: {} → {first_name} {last_name}",
            account.full_name()
        ));
    }
    if account.email != email {
        changes.push(format!("E-Mail-Adresse: {} → {email}", account.email));
    }
    account.first_name = first_name;
    account.last_name = last_name;
    account.email = email;
    store::accounts::put(tx, account)?;
    if !changes.is_empty() {
        audit(
            tx,
            actor,
            account,
            "account.updated",
            changes.join("; "),
            now,
        )?;
    }
    Ok(())
}

/// Locks ("Gesperrt") or unlocks an account. Locking ends its sessions.
/// A self-lock after failed logins is not touched: it ends by itself.
pub fn set_admin_lock(
    tx: &WriteTx,
    account: &mut Account,
    locked: bool,
    actor: &Actor,
    now: Timestamp,
) -> Result<(), store::Error> {
    account.admin_locked = locked;
    if !locked {
        // An unlock starts a new period of the dormant-account rule.
        account.dormancy = crate::domain::account::Dormancy {
            since: Some(now),
            ..Default::default()
        };
    }
    store::accounts::put(tx, account)?;
    if locked {
        store::sessions::delete_for_account(tx, &account.id)?;
        audit(
            tx,
            actor,
            account,
            "account.locked",
            format!("Nutzerkonto von {} gesperrt", account.full_name()),
            now,
        )
    } else {
        audit(
            tx,
            actor,
            account,
            "account.unlocked",
            format!("Nutzerkonto von {} entsperrt", account.full_name()),
            now,
        )
    }
}

/// Sends a new "Passwort festlegen" e-mail to an account not yet activated;
/// the earlier link stops working.
pub fn resend_set_password(
    tx: &WriteTx,
    mailer: &Mailer,
    settings: &LinkSettings,
    account: &Account,
    actor: &Actor,
    now: Timestamp,
) -> Result<(), Error> {
    if !account.is_activation_pending() {
        return Err(Error::Invalid(vec![(
            "konto",
            "Das Nutzerkonto ist bereits aktiviert.".to_owned(),
        )]));
    }
    links::send_set_password(tx, mailer, account, settings, now, false)?;
    audit(
        tx,
        actor,
        account,
        "account.password_mail_resent",
        format!("E-Mail für neues Passwort an {} versendet", account.email),
        now,
    )?;
    Ok(())
}

/// Deactivates an account for good: the account, its sessions and links
/// are deleted; its Nutzerkennung stays issued and is never reused.
pub fn deactivate(
    tx: &WriteTx,
    account: &Account,
    actor: &Actor,
    now: Timestamp,
) -> Result<(), store::Error> {
    store::sessions::delete_for_account(tx, &account.id)?;
    store::links::delete_for(tx, &account.id, None)?;
    store::accounts::delete(tx, &account.id)?;
    audit(
        tx,
        actor,
        account,
        "account.deactivated",
        format!(
            "Nutzerkonto von {} dauerhaft deaktiviert",
            account.full_name()
        ),
        now,
    )
}

/// Switches the second factor of one account between authenticator app and
/// e-mail TAN (the Kassen's override of the organisation's setting `org`).
pub fn set_second_factor(
    tx: &WriteTx,
    account: &mut Account,
    factor: SecondFactor,
    org: Option<&Organisation>,
    actor: &Actor,
    now: Timestamp,
) -> Result<(), store::Error> {
    account.choose_second_factor(factor, org);
    store::accounts::put(tx, account)?;
    let detail = match factor {
        SecondFactor::EmailTan => "Zweiter Faktor auf E-Mail-TAN umgestellt",
        SecondFactor::Totp => "Zweiter Faktor auf Authenticator-App umgestellt",
    };
    audit(
        tx,
        actor,
        account,
        "account.second_factor",
        detail.to_owned(),
        now,
    )
}

/// Forgets the authenticator; the person sets it up again at the next login.
pub fn reset_authenticator(
    tx: &WriteTx,
    account: &mut Account,
    actor: &Actor,
    now: Timestamp,
) -> Result<(), store::Error> {
    account.totp_secret = None;
    account.totp_last_step = None;
    store::accounts::put(tx, account)?;
    store::sessions::delete_for_account(tx, &account.id)?;
    audit(
        tx,
        actor,
        account,
        "account.totp_reset",
        "Authenticator zurückgesetzt".to_owned(),
        now,
    )
}
