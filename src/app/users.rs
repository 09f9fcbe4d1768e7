//! User administration by an organisation's administrator (handbook §3–5):
//! Nutzer:innen (`S` accounts) of the administrator's own organisation only.
//! Every function checks the organisation boundary itself; an account of
//! another organisation, or of another kind, is `Error::NotFound`.

use crate::domain::permissions::AdministerOrg;
use jiff::Timestamp;

use super::accounts::audit;
use super::accounts::{self, NewAccount};
use super::links::LinkSettings;
use super::{Actor, Check, Error};
use crate::domain::account::{Account, Grants, Role};
use crate::domain::ids::{IdPrefix, Nutzerkennung};
use crate::domain::org::{GroupMailbox, OrgId, Organisation, PortalFunction};
use crate::domain::permissions;
use crate::mail::Mailer;
use crate::store::{self, ReadAccess, Store};

pub use super::user_overview::{
    MailboxFilter, MailboxRow, PageAt, UserFilter, UserPage, list, mailbox_overview,
};

/// What the forms "Nutzer:in anlegen" and "Bearbeiten" send, unchecked.
#[derive(Debug, Clone, Default)]
pub struct UserInput {
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    /// Keys of the checked group mailboxes (`GroupMailbox::key`).
    pub mailboxes: Vec<String>,
    /// Keys of the checked portal functions (`PortalFunction::key`).
    pub functions: Vec<String>,
    /// "Ich bestätige, dass die Nutzungsbedingungen …" (creation only).
    pub terms_accepted: bool,
}

const TERMS_MISSING: &str =
    "Bitte bestätigen Sie, dass die Nutzungsbedingungen dem Beschäftigten bekannt sind.";

/// The grants named by the form keys; unknown keys are refused like
/// permissions the organisation has not enabled.
fn parse_grants(input: &UserInput, check: &mut Check) -> Grants {
    let mut grants = Grants::default();
    for key in &input.mailboxes {
        match GroupMailbox::from_key(key) {
            Some(m) if grants.mailboxes.contains(&m) => {}
            Some(m) => grants.mailboxes.push(m),
            None => check.fail(
                "postfaecher",
                "Das gewählte Gruppenpostfach ist für Ihre Organisation nicht freigegeben.",
            ),
        }
    }
    for key in &input.functions {
        match PortalFunction::from_key(key) {
            Some(f) if grants.functions.contains(&f) => {}
            Some(f) => grants.functions.push(f),
            None => check.fail(
                "funktionen",
                "Die gewählte Berechtigung ist für Ihre Organisation nicht freigegeben.",
            ),
        }
    }
    grants
}

/// Validated data of a Nutzer:in.
struct Checked {
    first_name: String,
    last_name: String,
    email: String,
    grants: Grants,
}

fn check_input(org: &Organisation, input: &UserInput, creating: bool) -> Result<Checked, Error> {
    let mut check = Check::default();
    let (first_name, last_name, email) =
        check.person(&input.first_name, &input.last_name, &input.email);
    let requested = parse_grants(input, &mut check);
    let grants = match permissions::validate(org, &requested) {
        Ok(g) => g,
        Err(errors) => {
            // Several messages per group are shown together next to it.
            for field in ["postfaecher", "funktionen"] {
                let text: Vec<&str> = errors
                    .iter()
                    .filter(|(f, _)| *f == field)
                    .map(|(_, m)| m.as_str())
                    .collect();
                if !text.is_empty() {
                    check.fail(field, text.join(" "));
                }
            }
            Grants::default()
        }
    };
    if creating && !input.terms_accepted {
        check.fail("nutzungsbedingungen", TERMS_MISSING);
    }
    check.finish()?;
    Ok(Checked {
        first_name,
        last_name,
        email,
        grants,
    })
}

/// The Nutzer:in `id` of organisation `org`, or `NotFound` for anything
/// else (unknown id, other organisation, administrators, Kassen staff).
pub fn load(tx: &impl ReadAccess, org: OrgId, id: &str) -> Result<Account, Error> {
    let id = Nutzerkennung::parse(id).ok_or(Error::NotFound)?;
    if id.prefix() != IdPrefix::S {
        return Err(Error::NotFound);
    }
    let account = store::accounts::get(tx, &id)?.ok_or(Error::NotFound)?;
    match &account.role {
        Role::OrgUser { org: o, .. } if *o == org => Ok(account),
        _ => Err(Error::NotFound),
    }
}

/// [`load`] in its own read transaction.
pub fn get(store: &Store, proof: &AdministerOrg, id: &str) -> Result<Account, Error> {
    let org = proof.org_id();
    store.read(|tx| load(tx, org, id))
}

fn load_org(tx: &impl ReadAccess, org: OrgId) -> Result<Organisation, Error> {
    store::orgs::get(tx, org)?.ok_or(Error::NotFound)
}

/// "Nutzer:in anlegen": creates the account, queues its set-password
/// e-mail and audits it, in one transaction. The caller wakes the mailer.
pub fn create(
    store: &Store,
    mailer: &Mailer,
    links: &LinkSettings,
    proof: &AdministerOrg,
    input: &UserInput,
    actor: &Actor,
    now: Timestamp,
) -> Result<Account, Error> {
    let org = proof.org_id();
    store.write(|tx| {
        // The organisation's restrictions as of this transaction.
        let organisation = load_org(tx, org)?;
        let c = check_input(&organisation, input, true)?;
        let detail = grants_text(&c.grants);
        let account = accounts::create(
            tx,
            mailer,
            links,
            NewAccount {
                first_name: c.first_name,
                last_name: c.last_name,
                email: c.email,
                birth_date: None,
                role: Role::OrgUser {
                    org,
                    grants: c.grants,
                },
            },
            actor,
            now,
        )?;
        audit(
            tx,
            actor,
            &account,
            "account.grants_set",
            format!("Berechtigungen vergeben: {detail}"),
            now,
        )?;
        Ok(account)
    })
}

/// "Bearbeiten" → "Speichern": name, e-mail address and grants. The
/// Nutzer:in is not notified.
pub fn update(
    store: &Store,
    proof: &AdministerOrg,
    id: &str,
    input: &UserInput,
    actor: &Actor,
    now: Timestamp,
) -> Result<Account, Error> {
    let org = proof.org_id();
    store.write(|tx| {
        let organisation = load_org(tx, org)?;
        let mut account = load(tx, org, id)?;
        let c = check_input(&organisation, input, false)?;
        accounts::update_profile(
            tx,
            &mut account,
            c.first_name,
            c.last_name,
            c.email,
            actor,
            now,
        )?;
        let before = account.grants().cloned().unwrap_or_default();
        // Saved by the administrator: grants suspended by the access
        // review are no longer waiting to be restored.
        if account.suspended_grants.take().is_some() {
            store::accounts::put(tx, &account)?;
        }
        if before != c.grants {
            let detail = format!(
                "Berechtigungen geändert: {} → {}",
                grants_text(&before),
                grants_text(&c.grants)
            );
            account.role = Role::OrgUser {
                org,
                grants: c.grants,
            };
            store::accounts::put(tx, &account)?;
            audit(tx, actor, &account, "account.grants_changed", detail, now)?;
        }
        Ok(account)
    })
}

/// "Nutzer:in temporär sperren" / "Nutzer:in entsperren".
pub fn set_lock(
    store: &Store,
    proof: &AdministerOrg,
    id: &str,
    locked: bool,
    actor: &Actor,
    now: Timestamp,
) -> Result<Account, Error> {
    let org = proof.org_id();
    store.write(|tx| {
        let mut account = load(tx, org, id)?;
        if account.admin_locked != locked {
            accounts::set_admin_lock(tx, &mut account, locked, actor, now)?;
        }
        Ok(account)
    })
}

/// "E-Mail für neues Passwort versenden" (only while not activated).
pub fn resend_set_password(
    store: &Store,
    mailer: &Mailer,
    links: &LinkSettings,
    proof: &AdministerOrg,
    id: &str,
    actor: &Actor,
    now: Timestamp,
) -> Result<Account, Error> {
    let org = proof.org_id();
    store.write(|tx| {
        let account = load(tx, org, id)?;
        accounts::resend_set_password(tx, mailer, links, &account, actor, now)?;
        Ok(account)
    })
}

/// "Authenticator zurücksetzen": forgets the Nutzer:in's authenticator and
/// ends their sessions; they set up a new one at the next login.
pub fn reset_authenticator(
    store: &Store,
    proof: &AdministerOrg,
    id: &str,
    actor: &Actor,
    now: Timestamp,
) -> Result<Account, Error> {
    let org = proof.org_id();
    store.write(|tx| {
        let mut account = load(tx, org, id)?;
        accounts::reset_authenticator(tx, &mut account, actor, now)?;
        Ok(account)
    })
}

/// "Endgültig deaktivieren".
pub fn deactivate(
    store: &Store,
    proof: &AdministerOrg,
    id: &str,
    actor: &Actor,
    now: Timestamp,
) -> Result<Account, Error> {
    let org = proof.org_id();
    store.write(|tx| {
        let account = load(tx, org, id)?;
        accounts::deactivate(tx, &account, actor, now)?;
        Ok(account)
    })
}

/// "Beihilfe, Beamtenversorgung; Postfachfunktionalität, …" for the audit log.
fn grants_text(g: &Grants) -> String {
    let mailboxes: Vec<&str> = g.mailboxes.iter().map(|m| m.label()).collect();
    let functions: Vec<&str> = g.functions.iter().map(|f| f.label()).collect();
    let or_none = |v: Vec<&str>| {
        if v.is_empty() {
            "keine".to_owned()
        } else {
            v.join(", ")
        }
    };
    format!(
        "Gruppenpostfächer: {}; Portal-Funktionalitäten: {}",
        or_none(mailboxes),
        or_none(functions)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::org::{Bereich, ReceiptTarget};

    fn org() -> Organisation {
        Organisation {
            id: 7,
            name: "Blaugraben".into(),
            number: "78970".into(),
            billing_number: "102898".into(),
            address: String::new(),
            bereiche: Bereich::ALL.to_vec(),
            enabled_mailboxes: vec![GroupMailbox::Beihilfe],
            enabled_functions: vec![PortalFunction::Postfach],
            receipt_target: ReceiptTarget::Personal,
            group_emails: Default::default(),
            second_factor: Default::default(),
        }
    }

    fn input() -> UserInput {
        UserInput {
            first_name: " Max ".into(),
            last_name: "Mustermensch".into(),
            email: "max@musterstadt.de".into(),
            mailboxes: vec!["beihilfe".into()],
            functions: vec!["postfach".into()],
            terms_accepted: true,
        }
    }

    #[test]
    fn valid_input_is_trimmed_and_granted() {
        let c = check_input(&org(), &input(), true).expect("valid");
        assert_eq!(c.first_name, "Max");
        assert_eq!(c.grants.mailboxes, vec![GroupMailbox::Beihilfe]);
    }

    #[test]
    fn forged_and_missing_values_are_refused() {
        let mut i = input();
        i.first_name.clear();
        i.email = "kein-at".into();
        i.terms_accepted = false;
        i.mailboxes.push("finanzierung".into());
        i.functions.push("gibt-es-nicht".into());
        let Err(Error::Invalid(errors)) = check_input(&org(), &i, true) else {
            panic!("expected field errors");
        };
        let fields: Vec<&str> = errors.iter().map(|(f, _)| *f).collect();
        for f in [
            "vorname",
            "email",
            "postfaecher",
            "funktionen",
            "nutzungsbedingungen",
        ] {
            assert!(fields.contains(&f), "{f} missing in {fields:?}");
        }
        // The terms are confirmed only when creating.
        let mut edit = input();
        edit.terms_accepted = false;
        assert!(check_input(&org(), &edit, false).is_ok());
    }
}
