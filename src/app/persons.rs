//! Entitled persons of an organisation: the filtered, keyset-paged list,
//! the details and the change of contact data (audited with old and new
//! values, so the Kassen see it in their Protokoll).

use jiff::Timestamp;

use super::{Actor, Error};
use crate::domain::audit::AuditEntry;
use crate::domain::org::OrgId;
use crate::domain::persons::{self, Art, Contact, Person};
use crate::store::{self, Store};

/// The list's filter ("Name", "Personalnummer", "Art").
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Beginning of the Name (case-insensitive).
    pub name: String,
    /// Exact Personalnummer.
    pub personalnummer: String,
    pub art: Option<Art>,
}

impl Filter {
    pub fn is_empty(&self) -> bool {
        self.name.trim().is_empty() && self.personalnummer.trim().is_empty() && self.art.is_none()
    }
}

/// One page of the list.
pub struct ListPage {
    pub persons: Vec<Person>,
    /// Where the next page starts, if there is one.
    pub next: Option<String>,
    /// Total matching persons when a stored counter knows it (no Name or
    /// Personalnummer filter).
    pub total: Option<u64>,
}

/// Index entries a page may read at most (the Art filter skips entries).
const SCAN_BUDGET: usize = 5_000;

/// The page after `after` (a sort key from a previous page) of `org`'s
/// persons matching `filter`, in name order.
pub fn list(
    store: &Store,
    org: OrgId,
    filter: &Filter,
    after: Option<&str>,
) -> Result<ListPage, Error> {
    let per_page = crate::domain::PAGE_SIZE;
    store.read(|tx| {
        let pnr = filter.personalnummer.trim();
        if !pnr.is_empty() {
            let found = store::persons::get(tx, org, pnr)?.filter(|p| {
                filter.art.is_none_or(|a| a == p.art)
                    && p.name
                        .to_lowercase()
                        .starts_with(&filter.name.trim().to_lowercase())
            });
            let total = Some(u64::from(found.is_some()));
            return Ok(ListPage {
                persons: found.into_iter().collect(),
                next: None,
                total,
            });
        }
        let prefix = filter.name.trim().to_lowercase();
        let scan =
            store::persons::scan(tx, org, &prefix, filter.art, after, per_page, SCAN_BUDGET)?;
        let mut persons = Vec::with_capacity(scan.keys.len());
        for key in &scan.keys {
            if let Some(p) = store::persons::get(tx, org, store::persons::personalnummer_of(key))? {
                persons.push(p);
            }
        }
        let total = if prefix.is_empty() {
            Some(store::persons::count(tx, org, filter.art)?)
        } else {
            None
        };
        // A full page may be the last one: only offer "next" when more exist.
        let next = match scan.next {
            Some(n) => {
                let probe =
                    store::persons::scan(tx, org, &prefix, filter.art, Some(&n), 1, SCAN_BUDGET)?;
                (!probe.keys.is_empty() || probe.next.is_some()).then_some(n)
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

/// A person of `org` (else `NotFound`).
pub fn get(store: &Store, org: OrgId, personalnummer: &str) -> Result<Person, Error> {
    store
        .read(|tx| store::persons::get(tx, org, personalnummer))?
        .ok_or(Error::NotFound)
}

/// Persons of Art `art` for a select, in name order, at most `limit`.
pub fn choices(store: &Store, org: OrgId, art: Art, limit: usize) -> Result<Vec<Person>, Error> {
    Ok(store.read(|tx| store::persons::list(tx, org, Some(art), limit))?)
}

/// "Personen- und Kontaktdaten bearbeiten": validates and stores the
/// contact data; every changed value goes to the audit log with old and new
/// value. Returns the number of changed fields.
pub fn update_contact(
    store: &Store,
    org: OrgId,
    personalnummer: &str,
    input: &Contact,
    actor: &Actor,
    now: Timestamp,
) -> Result<usize, Error> {
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
