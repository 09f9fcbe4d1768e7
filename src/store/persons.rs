//! Entitled persons, indexed per organisation by name (with the Art in the
//! index value), with stored counters per organisation and Art.

use redb::{ReadableTable, WriteTransaction};

use super::{Error, ReadAccess, codec, counters, tables};
use crate::domain::org::OrgId;
use crate::domain::persons::{Art, Person};

const TABLE: &str = "persons";
const SEP: char = '\u{1f}';

/// The index's sort key: Name, Vorname (lower-case), Personalnummer.
pub fn sort_key(p: &Person) -> String {
    format!(
        "{}{SEP}{}{SEP}{}",
        p.name.to_lowercase(),
        p.vorname.to_lowercase(),
        p.personalnummer
    )
}

/// The Personalnummer at the end of a sort key.
pub fn personalnummer_of(key: &str) -> &str {
    key.rsplit(SEP).next().unwrap_or("")
}

fn counter_org(org: OrgId) -> String {
    format!("persons.org.{org}")
}

fn counter_art(org: OrgId, art: Art) -> String {
    format!("persons.org.{org}.art.{}", art.code())
}

pub fn get(
    tx: &impl ReadAccess,
    org: OrgId,
    personalnummer: &str,
) -> Result<Option<Person>, Error> {
    let table = tx.open(tables::PERSONS)?;
    match table.get((org, personalnummer))? {
        Some(v) => Ok(Some(codec::decode(TABLE, v.value())?)),
        None => Ok(None),
    }
}

/// Stores a person and keeps the index and counters in step.
pub fn put(tx: &WriteTransaction, person: &Person) -> Result<(), Error> {
    let old = get(tx, person.org, &person.personalnummer)?;
    let mut index = tx.open_table(tables::PERSONS_BY_NAME)?;
    if let Some(old) = &old {
        index.remove((old.org, sort_key(old).as_str()))?;
        counters::add(tx, &counter_art(old.org, old.art), -1)?;
    } else {
        counters::add(tx, &counter_org(person.org), 1)?;
    }
    index.insert((person.org, sort_key(person).as_str()), person.art.code())?;
    counters::add(tx, &counter_art(person.org, person.art), 1)?;
    let bytes = codec::encode(TABLE, person)?;
    tx.open_table(tables::PERSONS)?.insert(
        (person.org, person.personalnummer.as_str()),
        bytes.as_slice(),
    )?;
    Ok(())
}

/// Number of persons of an organisation, of one Art or all (stored counters).
pub fn count(tx: &impl ReadAccess, org: OrgId, art: Option<Art>) -> Result<u64, Error> {
    match art {
        Some(a) => counters::get(tx, &counter_art(org, a)),
        None => counters::get(tx, &counter_org(org)),
    }
}

/// What a scan of the name index found.
pub struct Scan {
    /// Sort keys of the matching entries (at most the limit).
    pub keys: Vec<String>,
    /// Where the next page starts (exclusive), when there may be more.
    pub next: Option<String>,
}

/// Scans the name index of `org` in name order, starting after `after`,
/// for keys beginning with `prefix` (lower-case Name prefix) and, when
/// given, of Art `art`; stops after `limit` matches or `budget` index
/// entries (then `next` continues where it stopped).
pub fn scan(
    tx: &impl ReadAccess,
    org: OrgId,
    prefix: &str,
    art: Option<Art>,
    after: Option<&str>,
    limit: usize,
    budget: usize,
) -> Result<Scan, Error> {
    let index = tx.open(tables::PERSONS_BY_NAME)?;
    let start = match after {
        Some(a) if a >= prefix => a.to_owned(),
        _ => prefix.to_owned(),
    };
    let mut keys = Vec::new();
    let mut seen = 0usize;
    let mut last: Option<String> = None;
    for item in index.range((org, start.as_str())..(org + 1, ""))? {
        let (k, v) = item?;
        let (o, key) = k.value();
        if o != org || !key.starts_with(prefix) {
            return Ok(Scan { keys, next: None });
        }
        if after == Some(key) {
            continue;
        }
        if keys.len() == limit || seen == budget {
            return Ok(Scan { keys, next: last });
        }
        seen += 1;
        last = Some(key.to_owned());
        if art.is_none_or(|a| a.code() == v.value()) {
            keys.push(key.to_owned());
        }
    }
    Ok(Scan { keys, next: None })
}

/// Every Personalnummer of `org` in name order, of Art `art` when given,
/// at most `limit` (the select of the Beamtenformulare).
pub fn list(
    tx: &impl ReadAccess,
    org: OrgId,
    art: Option<Art>,
    limit: usize,
) -> Result<Vec<Person>, Error> {
    let scan = scan(tx, org, "", art, None, limit, usize::MAX)?;
    let mut out = Vec::with_capacity(scan.keys.len());
    for key in &scan.keys {
        if let Some(p) = get(tx, org, personalnummer_of(key))? {
            out.push(p);
        }
    }
    Ok(out)
}
