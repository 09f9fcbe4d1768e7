//! Member organisations, managed by the Kassen-Portaladministration.

use crate::domain::permissions::AdministerPortal;
use jiff::Timestamp;

use super::{Actor, Check, Error};
use crate::domain::account::{Account, Grants, Role, SecondFactor};
use crate::domain::audit::AuditEntry;
use crate::domain::org::{
    Bereich, GroupMailbox, OrgId, Organisation, PortalFunction, ReceiptTarget,
};
use crate::domain::permissions;
use crate::store::{self, ReadAccess, Store};

/// The organisation form as entered.
#[derive(Debug, Clone, Default)]
pub struct OrgInput {
    pub name: String,
    pub number: String,
    pub billing_number: String,
    pub address: String,
    pub bereiche: Vec<Bereich>,
    pub mailboxes: Vec<GroupMailbox>,
    pub functions: Vec<PortalFunction>,
    /// "Zweiter Faktor" for every account of the organisation.
    pub second_factor: SecondFactor,
}

impl OrgInput {
    pub fn from_org(o: &Organisation) -> Self {
        OrgInput {
            name: o.name.clone(),
            number: o.number.clone(),
            billing_number: o.billing_number.clone(),
            address: o.address.clone(),
            bereiche: o.bereiche.clone(),
            mailboxes: o.enabled_mailboxes.clone(),
            functions: o.enabled_functions.clone(),
            second_factor: o.second_factor,
        }
    }
}

fn digits(check: &mut Check, field: &'static str, value: &str, label: &str) -> String {
    let v = value.trim();
    if v.is_empty() {
        check.fail(field, format!("Bitte geben Sie die {label} ein."));
    } else if v.len() > 12 || !v.bytes().all(|b| b.is_ascii_digit()) {
        check.fail(
            field,
            format!(
                "Die {label} darf nur aus Ziffern bestehen und höchstens 12 Ziffern lang sein."
            ),
        );
    }
    v.to_owned()
}

/// Validates the input; `own_id` is the organisation being edited.
fn validate(
    tx: &impl ReadAccess,
    input: &OrgInput,
    own_id: Option<OrgId>,
) -> Result<OrgInput, Error> {
    let mut check = Check::default();
    let name = check.required("name", &input.name, "einen Namen");
    let number = digits(
        &mut check,
        "mitgliedsnummer",
        &input.number,
        "Mitgliedsnummer",
    );
    let billing_number = digits(
        &mut check,
        "abrechnungsnummer",
        &input.billing_number,
        "Abrechnungsnummer",
    );
    let address = input.address.trim().to_owned();
    if address.is_empty() {
        check.fail("anschrift", "Bitte geben Sie die Anschrift ein.");
    } else if address.chars().count() > 500 {
        check.fail(
            "anschrift",
            "Die Anschrift darf höchstens 500 Zeichen lang sein.",
        );
    }
    if input.bereiche.is_empty() {
        check.fail(
            "bereiche",
            "Bitte wählen Sie mindestens einen Geschäftsbereich aus.",
        );
    }
    if !number.is_empty()
        && let Some(existing) = store::orgs::by_number(tx, &number)?
        && Some(existing) != own_id
    {
        check.fail(
            "mitgliedsnummer",
            "Diese Mitgliedsnummer ist bereits einem anderen Mitglied zugeordnet.",
        );
    }
    check.finish()?;
    Ok(OrgInput {
        name,
        number,
        billing_number,
        address,
        bereiche: Bereich::ALL
            .into_iter()
            .filter(|b| input.bereiche.contains(b))
            .collect(),
        mailboxes: GroupMailbox::ALL
            .into_iter()
            .filter(|m| input.mailboxes.contains(m))
            .collect(),
        functions: PortalFunction::ALL
            .into_iter()
            .filter(|f| input.functions.contains(f))
            .collect(),
        second_factor: input.second_factor,
    })
}

/// Audits an action on `org` by `actor`.
pub(crate) fn audit(
    tx: &store::WriteTx,
    actor: &Actor,
    org: &Organisation,
    action: &str,
    detail: String,
    now: Timestamp,
) -> Result<(), store::Error> {
    store::audit::append(
        tx,
        &AuditEntry::new(now, actor.id.as_str(), action, detail)
            .target(format!("Mitglied {}", org.number))
            .org(Some(org.id))
            .client(actor.client.clone()),
    )
    .map(|_| ())
}

pub fn create(
    store: &Store,
    _proof: &AdministerPortal,
    input: &OrgInput,
    actor: &Actor,
    now: Timestamp,
) -> Result<Organisation, Error> {
    store.write(|tx| {
        let v = validate(tx, input, None)?;
        let org = Organisation {
            id: store::next_id(tx, "org")?,
            name: v.name,
            number: v.number,
            billing_number: v.billing_number,
            address: v.address,
            bereiche: v.bereiche,
            enabled_mailboxes: v.mailboxes,
            enabled_functions: v.functions,
            receipt_target: ReceiptTarget::Personal,
            group_emails: Default::default(),
            second_factor: v.second_factor,
        };
        store::orgs::put(tx, &org)?;
        audit(
            tx,
            actor,
            &org,
            "org.created",
            format!("Mitglied {} ({}) angelegt", org.name, org.number),
            now,
        )?;
        Ok(org)
    })
}

fn labels<T: Copy>(items: &[T], label: fn(T) -> &'static str) -> String {
    if items.is_empty() {
        "keine".to_owned()
    } else {
        items
            .iter()
            .map(|i| label(*i))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Saves the organisation. Tightened restrictions apply to new grants at
/// once; existing grants beyond them are reported on the details page.
pub fn update(
    store: &Store,
    _proof: &AdministerPortal,
    id: OrgId,
    input: &OrgInput,
    actor: &Actor,
    now: Timestamp,
) -> Result<Organisation, Error> {
    store.write(|tx| {
        let mut org = store::orgs::get(tx, id)?.ok_or(Error::NotFound)?;
        let v = validate(tx, input, Some(id))?;
        let mut changes = Vec::new();
        if org.name != v.name {
            changes.push(format!("Name: {} → {}", org.name, v.name));
        }
        if org.number != v.number {
            changes.push(format!("Mitgliedsnummer: {} → {}", org.number, v.number));
        }
        if org.billing_number != v.billing_number {
            changes.push(format!(
                "Abrechnungsnummer: {} → {}",
                org.billing_number, v.billing_number
            ));
        }
        if org.address != v.address {
            changes.push("Anschrift geändert".to_owned());
        }
        if org.bereiche != v.bereiche {
            changes.push(format!(
                "Geschäftsbereiche: {}",
                labels(&v.bereiche, Bereich::label)
            ));
        }
        if org.enabled_mailboxes != v.mailboxes {
            changes.push(format!(
                "Freigegebene Gruppenpostfächer: {}",
                labels(&v.mailboxes, GroupMailbox::label)
            ));
        }
        if org.enabled_functions != v.functions {
            changes.push(format!(
                "Freigegebene Portal-Funktionalitäten: {}",
                labels(&v.functions, PortalFunction::label)
            ));
        }
        let factor_changed = org.second_factor != v.second_factor;
        if factor_changed {
            changes.push(format!(
                "Zweiter Faktor: {} → {}",
                org.second_factor.label(),
                v.second_factor.label()
            ));
        }
        org.second_factor = v.second_factor;
        org.name = v.name;
        org.number = v.number;
        org.billing_number = v.billing_number;
        org.address = v.address;
        org.bereiche = v.bereiche;
        org.enabled_mailboxes = v.mailboxes;
        org.enabled_functions = v.functions;
        store::orgs::put(tx, &org)?;
        if factor_changed {
            // The status of the organisation's accounts depends on its
            // second factor ("TOTP-Einrichtung ausstehend"): store them
            // again so that anything kept alongside them stays in step.
            for a in store::accounts::of_org(tx, id)? {
                store::accounts::put(tx, &a)?;
            }
        }
        if !changes.is_empty() {
            audit(tx, actor, &org, "org.updated", changes.join("; "), now)?;
        }
        Ok(org)
    })
}

/// A user whose grants exceed the organisation's current restrictions.
pub struct Exceeding {
    pub id: String,
    pub name: String,
    pub grants: crate::domain::account::Grants,
}

pub fn exceeding_grants(
    tx: &impl ReadAccess,
    org: &Organisation,
) -> Result<Vec<Exceeding>, store::Error> {
    // The index carries every user's grants: only the users whose grants
    // exceed the restrictions are decoded.
    let mut over = Vec::new();
    store::accounts::scan(
        tx,
        org.id,
        store::accounts::Kind::User,
        "",
        &store::accounts::From::NamePrefix(String::new()),
        |e| {
            let grants = Grants {
                mailboxes: e.mailboxes.clone(),
                functions: e.functions.clone(),
            };
            let exceeding = permissions::exceeding(org, &grants);
            if !exceeding.is_empty() {
                over.push((e, exceeding));
            }
            std::ops::ControlFlow::Continue(())
        },
    )?;
    let entries: Vec<_> = over.iter().map(|(e, _)| e.clone()).collect();
    let accounts = store::accounts::load(tx, &entries)?;
    Ok(accounts
        .into_iter()
        .zip(over)
        .map(|(a, (_, grants))| Exceeding {
            id: a.id.to_string(),
            name: a.sort_name(),
            grants,
        })
        .collect())
}

/// Removes every grant beyond the restrictions (and what then lacks its
/// prerequisite) from the organisation's users; returns how many changed.
pub fn remove_exceeding_grants(
    store: &Store,
    _proof: &AdministerPortal,
    id: OrgId,
    actor: &Actor,
    now: Timestamp,
) -> Result<usize, Error> {
    store.write(|tx| {
        let org = store::orgs::get(tx, id)?.ok_or(Error::NotFound)?;
        let mut changed = 0;
        for mut a in store::accounts::all_of(tx, id, store::accounts::Kind::User)? {
            let Role::OrgUser { grants, .. } = &mut a.role else {
                continue;
            };
            let trimmed = permissions::within_restrictions(&org, grants);
            if trimmed != permissions::canonical(grants) {
                *grants = trimmed;
                store::accounts::put(tx, &a)?;
                store::audit::append(
                    tx,
                    &AuditEntry::new(
                        now,
                        actor.id.as_str(),
                        "grants.restricted",
                        "Berechtigungen an die Funktionseinschränkungen angepasst",
                    )
                    .target(&a.id)
                    .org(Some(id))
                    .client(actor.client.clone()),
                )?;
                changed += 1;
            }
        }
        Ok(changed)
    })
}

/// Organisations matching `query` (name or Mitgliedsnummer), by name.
pub fn search(store: &Store, query: &str) -> Result<Vec<Organisation>, Error> {
    let q = query.trim().to_lowercase();
    let mut orgs = store.read(store::orgs::all)?;
    orgs.retain(|o| {
        q.is_empty()
            || o.name.to_lowercase().contains(&q)
            || o.number.contains(&q)
            || o.billing_number.contains(&q)
    });
    orgs.sort_by_key(|o| o.name.to_lowercase());
    Ok(orgs)
}

/// Every organisation, by id.
pub fn all(store: &Store) -> Result<Vec<Organisation>, Error> {
    Ok(store.read(store::orgs::all)?)
}

/// One organisation, or `NotFound`.
pub fn get(store: &Store, id: OrgId) -> Result<Organisation, Error> {
    store
        .read(|tx| store::orgs::get(tx, id))?
        .ok_or(Error::NotFound)
}

/// A row of the Kassen' "Mitglieder" list.
pub struct OrgRow {
    pub org: Organisation,
    /// Number of administrators (from the stored counter).
    pub admins: u64,
}

/// Organisations matching `query` with their number of administrators.
pub fn list(store: &Store, _proof: &AdministerPortal, query: &str) -> Result<Vec<OrgRow>, Error> {
    let orgs = search(store, query)?;
    store.read(|tx| {
        orgs.into_iter()
            .map(|org| {
                let admins =
                    store::accounts::count_in_org(tx, org.id, store::accounts::Kind::Admin)?;
                Ok(OrgRow { org, admins })
            })
            .collect()
    })
}

/// What the Kassen see of one organisation: its data, its administrators
/// and the grants beyond its current restrictions.
pub struct OrgDetails {
    pub org: Organisation,
    pub admins: Vec<Account>,
    pub exceeding: Vec<Exceeding>,
}

pub fn details(store: &Store, _proof: &AdministerPortal, id: OrgId) -> Result<OrgDetails, Error> {
    store.read(|tx| {
        let org = store::orgs::get(tx, id)?.ok_or(Error::NotFound)?;
        let admins = store::accounts::all_of(tx, id, store::accounts::Kind::Admin)?;
        let exceeding = exceeding_grants(tx, &org)?;
        Ok(OrgDetails {
            org,
            admins,
            exceeding,
        })
    })
}
