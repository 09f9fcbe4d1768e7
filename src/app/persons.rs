//! Entitled persons of an organisation: the filtered, keyset-paged list,
//! the details and the change of contact data (audited with old and new
//! values, so the Kassen see it in their Protokoll).
//!
//! Each use case takes the proof of its capability (`ReadPersons`,
//! `EditPersons`, `SubmitForms` of `domain::permissions`) and works on the
//! organisation the proof was checked for: no caller can name another.

use jiff::Timestamp;

use super::{Actor, Error};
use crate::domain::audit::AuditEntry;
use crate::domain::permissions::{EditPersons, ReadPersons, SubmitForms};
use crate::domain::persons::{self, Art, Contact, Person};
use crate::store::{self, Store};

/// The list's filter ("Name", "Personalnummer", "Art").
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Beginning of the Name (case-insensitive).
    pub name: String,
    /// Beginning of the Personalnummer.
    pub personalnummer: String,
    pub art: Option<Art>,
}

impl Filter {
    pub fn is_empty(&self) -> bool {
        self.name.trim().is_empty() && self.personalnummer.trim().is_empty() && self.art.is_none()
    }
}

/// How many persons match: exact, or "more than" at the counting cap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Total {
    pub count: u64,
    /// The count stopped early (at [`COUNT_CAP`] or its read budget), so
    /// `count` is a lower bound.
    pub more: bool,
}

/// One page of the list.
pub struct ListPage {
    pub persons: Vec<Person>,
    /// Where the next page starts, if there is one.
    pub next: Option<String>,
    /// Total matching persons: from the stored counters without a Name or
    /// Personalnummer filter, otherwise counted on the index (bounded).
    pub total: Total,
}

/// Records a Personalnummer-filtered page may read at most (the Name and
/// Art filters then skip records).
const SCAN_BUDGET: usize = 5_000;

/// Most matches counted for a filtered total (beyond it the page says
/// "mindestens 10000").
pub const COUNT_CAP: u64 = 10_000;

/// Records the count of a Personalnummer-filtered list reads at most.
const COUNT_BUDGET: usize = 50_000;

/// The page after `after` (from a previous page) of the organisation's
/// persons matching `filter`: in name order, or in Personalnummer order
/// when a Personalnummer prefix is given.
pub fn list(
    store: &Store,
    proof: &ReadPersons,
    filter: &Filter,
    after: Option<&str>,
) -> Result<ListPage, Error> {
    let org = proof.org_id();
    let per_page = crate::domain::PAGE_SIZE;
    let prefix = filter.name.trim().to_lowercase();
    let pnr = filter.personalnummer.trim();
    store.read(|tx| {
        if !pnr.is_empty() {
            let keep = |p: &Person| {
                filter.art.is_none_or(|a| a == p.art) && p.name.to_lowercase().starts_with(&prefix)
            };
            let (persons, next) =
                store::persons::scan_numbers(tx, org, pnr, after, per_page, SCAN_BUDGET, &keep)?;
            // A full page may be the last one: only offer "next" when more exist.
            let next = match next {
                Some(n) => {
                    let (probe, more) = store::persons::scan_numbers(
                        tx,
                        org,
                        pnr,
                        Some(&n),
                        1,
                        SCAN_BUDGET,
                        &keep,
                    )?;
                    (!probe.is_empty() || more.is_some()).then_some(n)
                }
                None => None,
            };
            let (count, more) = store::persons::scan_numbers(
                tx,
                org,
                pnr,
                None,
                usize::try_from(COUNT_CAP).unwrap_or(usize::MAX),
                COUNT_BUDGET,
                &keep,
            )
            .map(|(found, more)| (found.len() as u64, more.is_some()))?;
            return Ok(ListPage {
                persons,
                next,
                total: Total { count, more },
            });
        }
        let scan = store::persons::scan(tx, org, &prefix, filter.art, after, per_page)?;
        let mut persons = Vec::with_capacity(scan.keys.len());
        for key in &scan.keys {
            if let Some(p) = store::persons::get(tx, org, store::persons::personalnummer_of(key))? {
                persons.push(p);
            }
        }
        let total = if prefix.is_empty() {
            Total {
                count: store::persons::count(tx, org, filter.art)?,
                more: false,
            }
        } else {
            let (count, more) =
                store::persons::count_prefix(tx, org, &prefix, filter.art, COUNT_CAP)?;
            Total { count, more }
        };
        let next = match scan.next {
            Some(n) => {
                let probe = store::persons::scan(tx, org, &prefix, filter.art, Some(&n), 1)?;
                (!probe.keys.is_empty()).then_some(n)
            }
            None => None,
        };
        Ok(ListPage {
            persons,
            next,
            total,
        })
    })
}

/// A person of the organisation, to edit (else `NotFound`).
pub fn get(store: &Store, proof: &EditPersons, personalnummer: &str) -> Result<Person, Error> {
    store
        .read(|tx| store::persons::get(tx, proof.org_id(), personalnummer))?
        .ok_or(Error::NotFound)
}

/// A person of the organisation with the name of whoever changed the
/// contact data last ("Max Mustermensch (S2010…)"; the Nutzerkennung alone
/// when the account cannot be found).
pub fn details(
    store: &Store,
    proof: &ReadPersons,
    personalnummer: &str,
) -> Result<(Person, Option<String>), Error> {
    store.read(|tx| {
        let person =
            store::persons::get(tx, proof.org_id(), personalnummer)?.ok_or(Error::NotFound)?;
        let by = match &person.contact_changed {
            None => None,
            Some((_, id)) => {
                let account = match crate::domain::ids::Nutzerkennung::parse(id) {
                    Some(k) => store::accounts::get(tx, &k)?,
                    None => None,
                };
                Some(account.map_or_else(|| id.clone(), |a| format!("{} ({id})", a.full_name())))
            }
        };
        Ok((person, by))
    })
}

/// Persons of Art `art` for a form's select, in name order, at most `limit`.
pub fn choices(
    store: &Store,
    proof: &SubmitForms,
    art: Art,
    limit: usize,
) -> Result<Vec<Person>, Error> {
    Ok(store.read(|tx| store::persons::list(tx, proof.org_id(), Some(art), limit))?)
}

/// "Kontaktdaten bearbeiten": validates and stores the
/// contact data; every changed value goes to the audit log with old and new
/// value. Returns the number of changed fields.
pub fn update_contact(
    store: &Store,
    proof: &EditPersons,
    personalnummer: &str,
    input: &Contact,
    actor: &Actor,
    now: Timestamp,
) -> Result<usize, Error> {
    let org = proof.org_id();
    let contact = persons::check_contact(input).map_err(Error::Invalid)?;
    store.write(|tx| {
        let mut person = store::persons::get(tx, org, personalnummer)?.ok_or(Error::NotFound)?;
        let changes = persons::contact_changes(&person.contact, &contact);
        if changes.is_empty() {
            return Ok(0);
        }
        let detail = changes
            .iter()
            .map(|(label, old, new)| format!("{label}: „{old}“ → „{new}“"))
            .collect::<Vec<_>>()
            .join("; ");
        person.contact = contact.clone();
        person.contact_changed = Some((now, actor.id.clone()));
        store::persons::put(tx, &person)?;
        store::audit::append(
            tx,
            &AuditEntry::new(
                now,
                actor.id.as_str(),
                "person.contact_changed",
                format!(
                    "Kontaktdaten von {} (Personalnummer {}) geändert: {detail}",
                    person.display_name(),
                    person.personalnummer
                ),
            )
            .target(format!("Personalnummer {}", person.personalnummer))
            .org(Some(org))
            .client(actor.client.clone()),
        )?;
        Ok(changes.len())
    })
}
