//! Accounts the Kassen-Portaladministration manages: administrators of
//! member organisations (`X`) and Kassen staff (`K`).

use crate::domain::permissions::AdministerPortal;
use jiff::Timestamp;

use super::accounts::{self, NewAccount};
use super::links::LinkSettings;
use super::{Actor, Check, Error};
use crate::domain::account::{Account, Role, SecondFactor, Status};
use crate::domain::audit::AuditEntry;
use crate::domain::ids::{IdPrefix, Nutzerkennung};
use crate::domain::org::{Bereich, OrgId};
use crate::mail::Mailer;
use crate::store::{self, ReadAccess, Store, WriteTx};

/// The "Administrator:in anlegen" form as entered.
#[derive(Debug, Clone, Default)]
pub struct AdminInput {
    pub first_name: String,
    pub last_name: String,
    pub birth_date: String,
    pub email: String,
    pub org: String,
}

/// The "Kassenpersonal anlegen" form as entered.
#[derive(Debug, Clone, Default)]
pub struct StaffInput {
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub portal_admin: bool,
    pub bereiche: Vec<Bereich>,
}

/// An account the Kassen manage (`X` or `K`), or 404.
pub fn managed(tx: &impl ReadAccess, id: &str) -> Result<Account, Error> {
    let id = Nutzerkennung::parse(id).ok_or(Error::NotFound)?;
    if id.prefix() == IdPrefix::S {
        return Err(Error::NotFound);
    }
    store::accounts::get(tx, &id)?.ok_or(Error::NotFound)
}

/// [`managed`] in its own read transaction.
pub fn managed_account(
    store: &Store,
    _proof: &AdministerPortal,
    id: &str,
) -> Result<Account, Error> {
    store.read(|tx| managed(tx, id))
}

fn birth_date(
    check: &mut Check,
    value: &str,
    now: Timestamp,
) -> Option<crate::domain::account::Date> {
    if value.trim().is_empty() {
        check.fail("geburtsdatum", "Bitte geben Sie das Geburtsdatum ein.");
        return None;
    }
    let Some(date) = super::credentials::parse_date(value) else {
        check.fail(
            "geburtsdatum",
            "Bitte geben Sie das Geburtsdatum als TT.MM.JJJJ ein.",
        );
        return None;
    };
    let berlin = jiff::tz::TimeZone::get("Europe/Berlin").unwrap_or(jiff::tz::TimeZone::UTC);
    let today = now.to_zoned_datetime(berlin).date();
    if date > today {
        check.fail(
            "geburtsdatum",
            "Das Geburtsdatum darf nicht in der Zukunft liegen.",
        );
        return None;
    }
    if date.year() < 1900 {
        check.fail("geburtsdatum", "Bitte prüfen Sie das Geburtsdatum.");
        return None;
    }
    Some(date)
}

pub fn create_admin(
    store: &Store,
    _proof: &AdministerPortal,
    mailer: &Mailer,
    links: &LinkSettings,
    input: &AdminInput,
    actor: &Actor,
    now: Timestamp,
) -> Result<Account, Error> {
    let mut check = Check::default();
    let (first_name, last_name, email) =
        check.person(&input.first_name, &input.last_name, &input.email);
    let birth = birth_date(&mut check, &input.birth_date, now);
    let org: Option<OrgId> = input.org.trim().parse().ok();
    let account = store.write(|tx| {
        let org = match org {
            Some(id) if store::orgs::get(tx, id)?.is_some() => Some(id),
            _ => {
                check.fail("mitglied", "Bitte wählen Sie ein Mitglied aus.");
                None
            }
        };
        check.finish()?;
        let (Some(org), Some(birth)) = (org, birth) else {
            return Err(Error::Internal("validated input incomplete".to_owned()));
        };
        let new = NewAccount {
            first_name,
            last_name,
            email,
            birth_date: Some(birth),
            role: Role::OrgAdmin { org },
        };
        Ok(accounts::create(tx, mailer, links, new, actor, now)?)
    })?;
    mailer.wake();
    Ok(account)
}

fn staff_role(check: &mut Check, input: &StaffInput) -> Role {
    let bereiche: Vec<Bereich> = Bereich::ALL
        .into_iter()
        .filter(|b| input.bereiche.contains(b))
        .collect();
    if !input.portal_admin && bereiche.is_empty() {
        check.fail("rollen", "Bitte wählen Sie die Portaladministration und/oder mindestens einen Bereich der Sachbearbeitung aus.");
    }
    Role::Kassen {
        portal_admin: input.portal_admin,
        sachbearbeitung: bereiche,
    }
}

pub fn create_staff(
    store: &Store,
    _proof: &AdministerPortal,
    mailer: &Mailer,
    links: &LinkSettings,
    input: &StaffInput,
    actor: &Actor,
    now: Timestamp,
) -> Result<Account, Error> {
    let mut check = Check::default();
    let (first_name, last_name, email) =
        check.person(&input.first_name, &input.last_name, &input.email);
    let role = staff_role(&mut check, input);
    check.finish()?;
    let account = store.write(|tx| {
        let new = NewAccount {
            first_name,
            last_name,
            email,
            birth_date: None,
            role,
        };
        Ok::<_, Error>(accounts::create(tx, mailer, links, new, actor, now)?)
    })?;
    mailer.wake();
    Ok(account)
}

/// Changes name and e-mail address of an administrator or staff member,
/// and for staff their roles.
pub fn update(
    store: &Store,
    _proof: &AdministerPortal,
    id: &str,
    input: &StaffInput,
    actor: &Actor,
    now: Timestamp,
) -> Result<Account, Error> {
    let mut check = Check::default();
    let (first_name, last_name, email) =
        check.person(&input.first_name, &input.last_name, &input.email);
    store.write(|tx| {
        let mut account = managed(tx, id)?;
        let new_role = match account.role {
            Role::Kassen { .. } => Some(staff_role(&mut check, input)),
            _ => None,
        };
        if let Some(Role::Kassen {
            portal_admin: false,
            ..
        }) = &new_role
            && account.is_kassen_admin()
        {
            if account.id.as_str() == actor.id {
                check.fail(
                    "rollen",
                    "Sie können sich die Portaladministration nicht selbst entziehen.",
                );
            } else if active_portal_admins(tx)? <= 1 && account.status() == Status::Aktiv {
                check.fail(
                    "rollen",
                    "Mindestens eine aktive Portaladministration muss bestehen bleiben.",
                );
            }
        }
        check.finish()?;
        accounts::update_profile(tx, &mut account, first_name, last_name, email, actor, now)?;
        if let Some(role) = new_role
            && role != account.role
        {
            account.role = role;
            store::accounts::put(tx, &account)?;
            store::audit::append(
                tx,
                &AuditEntry::new(
                    now,
                    actor.id.as_str(),
                    "account.roles",
                    role_text(&account.role),
                )
                .target(&account.id)
                .client(actor.client.clone()),
            )?;
        }
        Ok(account)
    })
}

pub fn role_text(role: &Role) -> String {
    match role {
        Role::Kassen {
            portal_admin,
            sachbearbeitung,
        } => {
            let mut parts = Vec::new();
            if *portal_admin {
                parts.push("Portaladministration".to_owned());
            }
            if !sachbearbeitung.is_empty() {
                parts.push(format!(
                    "Sachbearbeitung ({})",
                    sachbearbeitung
                        .iter()
                        .map(|b| b.label())
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
            parts.join(", ")
        }
        Role::OrgAdmin { .. } => "Administrator:in".to_owned(),
        Role::OrgUser { .. } => "Nutzer:in".to_owned(),
    }
}

fn active_portal_admins(tx: &impl ReadAccess) -> Result<usize, store::Error> {
    Ok(
        store::accounts::all_of(tx, 0, store::accounts::Kind::Kassen)?
            .iter()
            .filter(|a| a.is_kassen_admin() && a.status() == Status::Aktiv)
            .count(),
    )
}

fn other_active_org_admins(tx: &impl ReadAccess, account: &Account) -> Result<usize, store::Error> {
    let Some(org) = account.org() else {
        return Ok(0);
    };
    let organisation = store::orgs::get(tx, org)?;
    Ok(
        store::accounts::all_of(tx, org, store::accounts::Kind::Admin)?
            .iter()
            .filter(|a| a.id != account.id && a.status_in(organisation.as_ref()) == Status::Aktiv)
            .count(),
    )
}

/// Actions on the details page of an administrator or staff member.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Lock,
    Unlock,
    ResendPassword,
    FactorEmail,
    FactorTotp,
    ResetAuthenticator,
    Deactivate,
}

impl Action {
    pub const ALL: [Action; 7] = [
        Action::Lock,
        Action::Unlock,
        Action::ResendPassword,
        Action::FactorEmail,
        Action::FactorTotp,
        Action::ResetAuthenticator,
        Action::Deactivate,
    ];

    /// The last path segment of the action's URL.
    pub fn key(self) -> &'static str {
        match self {
            Action::Lock => "sperren",
            Action::Unlock => "entsperren",
            Action::ResendPassword => "passwort-email",
            Action::FactorEmail => "zweiter-faktor-email",
            Action::FactorTotp => "zweiter-faktor-app",
            Action::ResetAuthenticator => "authenticator-zuruecksetzen",
            Action::Deactivate => "deaktivieren",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.key() == key)
    }

    /// The notice shown after the action.
    pub fn notice(self) -> &'static str {
        match self {
            Action::Lock => "Das Nutzerkonto wurde gesperrt.",
            Action::Unlock => "Das Nutzerkonto wurde entsperrt.",
            Action::ResendPassword => {
                "Die E-Mail zum Festlegen des Passwortes wurde erneut versendet."
            }
            Action::FactorEmail => "Der zweite Faktor wurde auf E-Mail-TAN umgestellt.",
            Action::FactorTotp => {
                "Der zweite Faktor wurde auf Authenticator-App umgestellt. Die Einrichtung erfolgt bei der nächsten Anmeldung, falls noch nicht geschehen."
            }
            Action::ResetAuthenticator => {
                "Der Authenticator wurde zurückgesetzt. Die Einrichtung erfolgt bei der nächsten Anmeldung."
            }
            Action::Deactivate => "Das Nutzerkonto wurde dauerhaft deaktiviert.",
        }
    }
}

pub enum Outcome {
    Done,
    /// A warning that must be confirmed first.
    Confirm(String),
}

/// Performs `action`; `confirmed` answers an earlier warning.
#[allow(clippy::too_many_arguments)]
pub fn act(
    store: &Store,
    _proof: &AdministerPortal,
    mailer: &Mailer,
    links: &LinkSettings,
    id: &str,
    action: Action,
    confirmed: bool,
    actor: &Actor,
    now: Timestamp,
) -> Result<Outcome, Error> {
    let outcome = store.write(|tx| {
        let mut account = managed(tx, id)?;
        if account.id.as_str() == actor.id && matches!(action, Action::Lock | Action::Deactivate) {
            return Err(Error::Invalid(vec![("konto", "Sie können Ihr eigenes Nutzerkonto nicht sperren oder deaktivieren.".to_owned())]));
        }
        if matches!(action, Action::Lock | Action::Deactivate) {
            if account.is_kassen_admin() && account.status() == Status::Aktiv && active_portal_admins(tx)? <= 1 {
                return Err(Error::Invalid(vec![("konto", "Die letzte aktive Portaladministration kann nicht gesperrt oder deaktiviert werden.".to_owned())]));
            }
            if matches!(account.role, Role::OrgAdmin { .. })
                && account.status_in(store::orgs::get(tx, account.org().unwrap_or_default())?.as_ref()) == Status::Aktiv
                && other_active_org_admins(tx, &account)? == 0
                && !confirmed
            {
                return Ok(Outcome::Confirm(format!(
                    "{} ist die letzte aktive Administrator:in dieses Mitglieds. Ohne aktive Administration kann das Mitglied keine Nutzer:innen verwalten.",
                    account.full_name()
                )));
            }
        }
        run(tx, mailer, links, &mut account, action, actor, now)?;
        Ok(Outcome::Done)
    })?;
    mailer.wake();
    Ok(outcome)
}

fn run(
    tx: &WriteTx,
    mailer: &Mailer,
    links: &LinkSettings,
    account: &mut Account,
    action: Action,
    actor: &Actor,
    now: Timestamp,
) -> Result<(), Error> {
    match action {
        Action::Lock => accounts::set_admin_lock(tx, account, true, actor, now)?,
        Action::Unlock => accounts::set_admin_lock(tx, account, false, actor, now)?,
        Action::ResendPassword => {
            accounts::resend_set_password(tx, mailer, links, account, actor, now)?
        }
        Action::FactorEmail | Action::FactorTotp => {
            let factor = if action == Action::FactorEmail {
                SecondFactor::EmailTan
            } else {
                SecondFactor::Totp
            };
            let org = match account.org() {
                Some(o) => store::orgs::get(tx, o)?,
                None => None,
            };
            accounts::set_second_factor(tx, account, factor, org.as_ref(), actor, now)?
        }
        Action::ResetAuthenticator => accounts::reset_authenticator(tx, account, actor, now)?,
        Action::Deactivate => accounts::deactivate(tx, account, actor, now)?,
    }
    Ok(())
}

/// Filter of the administrators' list (also to look up a forgotten Nutzerkennung).
#[derive(Debug, Clone, Default)]
pub struct AdminFilter {
    pub name: String,
    pub email: String,
    pub org: Option<OrgId>,
    pub id: String,
    pub status: Option<Status>,
}

pub fn list_admins(
    store: &Store,
    _proof: &AdministerPortal,
    f: &AdminFilter,
) -> Result<Vec<(Account, String)>, Error> {
    store.read(|tx| {
        let orgs = store::orgs::all(tx)?;
        let mut out = Vec::new();
        for a in store::accounts::all_admins(tx)? {
            let Role::OrgAdmin { org } = a.role else {
                continue;
            };
            if !matches_text(
                &f.name,
                &[&a.first_name, &a.last_name, &a.full_name(), &a.sort_name()],
            ) || !matches_text(&f.email, &[&a.email])
                || !matches_text(&f.id, &[a.id.as_str()])
                || f.org.is_some_and(|o| o != org)
                || f.status
                    .is_some_and(|s| s != a.status_in(orgs.iter().find(|o| o.id == org)))
            {
                continue;
            }
            let org_name = orgs
                .iter()
                .find(|o| o.id == org)
                .map(|o| format!("{} ({})", o.name, o.number))
                .unwrap_or_default();
            out.push((a, org_name));
        }
        out.sort_by_key(|(a, _)| (a.last_name.to_lowercase(), a.first_name.to_lowercase()));
        Ok(out)
    })
}

pub fn list_staff(store: &Store, _proof: &AdministerPortal) -> Result<Vec<Account>, Error> {
    Ok(store.read(|tx| store::accounts::all_of(tx, 0, store::accounts::Kind::Kassen))?)
}

fn matches_text(needle: &str, hay: &[&str]) -> bool {
    let n = needle.trim().to_lowercase();
    n.is_empty() || hay.iter().any(|h| h.to_lowercase().contains(&n))
}
