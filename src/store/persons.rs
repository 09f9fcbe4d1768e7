//! Entitled persons, indexed per organisation by name (with the Art in the
//! index value) and by Art and name, with stored counters per organisation
//! and Art; the Personalnummer prefix runs on the records' own key.

use redb::ReadableTable;

use super::{Error, ReadAccess, WriteTx, codec, counters, tables};
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

/// Stores a person and keeps both indexes and the counters in step.
pub fn put(tx: &WriteTx, person: &Person) -> Result<(), Error> {
    let old = get(tx, person.org, &person.personalnummer)?;
    let mut index = tx.open_table(tables::PERSONS_BY_NAME)?;
    let mut by_art = tx.open_table(tables::PERSONS_BY_ART)?;
    if let Some(old) = &old {
        index.remove((old.org, sort_key(old).as_str()))?;
        by_art.remove((old.org, old.art.code(), sort_key(old).as_str()))?;
        counters::add(tx, &counter_art(old.org, old.art), -1)?;
    } else {
        counters::add(tx, &counter_org(person.org), 1)?;
    }
    let key = sort_key(person);
    index.insert((person.org, key.as_str()), person.art.code())?;
    by_art.insert((person.org, person.art.code(), key.as_str()), ())?;
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

/// What a scan of an index found.
pub struct Scan {
    /// Sort keys of the matching entries (at most the limit).
    pub keys: Vec<String>,
    /// Where the next page starts (exclusive), when there may be more.
    pub next: Option<String>,
}

/// Scans `org`'s persons in name order, starting after `after`, for sort
/// keys beginning with `prefix` (lower-case Name prefix), of Art `art` when
/// given (then on the Art index, so every entry read matches); stops after
/// `limit` matches.
pub fn scan(
    tx: &impl ReadAccess,
    org: OrgId,
    prefix: &str,
    art: Option<Art>,
    after: Option<&str>,
    limit: usize,
) -> Result<Scan, Error> {
    let start = match after {
        Some(a) if a >= prefix => a.to_owned(),
        _ => prefix.to_owned(),
    };
    let mut keys = Vec::new();
    let mut take = |key: &str| -> Option<Scan> {
        if !key.starts_with(prefix) {
            return Some(Scan {
                keys: std::mem::take(&mut keys),
                next: None,
            });
        }
        if after == Some(key) {
            return None;
        }
        if keys.len() == limit {
            let next = keys.last().cloned();
            return Some(Scan {
                keys: std::mem::take(&mut keys),
                next,
            });
        }
        keys.push(key.to_owned());
        None
    };
    match art {
        Some(a) => {
            let index = tx.open(tables::PERSONS_BY_ART)?;
            for item in index.range((org, a.code(), start.as_str())..(org, a.code() + 1, ""))? {
                let (k, _) = item?;
                if let Some(done) = take(k.value().2) {
                    return Ok(done);
                }
            }
        }
        None => {
            let index = tx.open(tables::PERSONS_BY_NAME)?;
            for item in index.range((org, start.as_str())..(org + 1, ""))? {
                let (k, _) = item?;
                if let Some(done) = take(k.value().1) {
                    return Ok(done);
                }
            }
        }
    }
    Ok(Scan { keys, next: None })
}

/// Number of `org`'s persons whose sort key begins with `prefix` (of Art
/// `art` when given), counted on the index up to `cap`: `(count, more)`,
/// `more` when the count stopped at the cap.
pub fn count_prefix(
    tx: &impl ReadAccess,
    org: OrgId,
    prefix: &str,
    art: Option<Art>,
    cap: u64,
) -> Result<(u64, bool), Error> {
    let mut n = 0u64;
    let mut count = |key: &str| -> Option<(u64, bool)> {
        if !key.starts_with(prefix) {
            return Some((n, false));
        }
        if n == cap {
            return Some((n, true));
        }
        n += 1;
        None
    };
    match art {
        Some(a) => {
            let index = tx.open(tables::PERSONS_BY_ART)?;
            for item in index.range((org, a.code(), prefix)..(org, a.code() + 1, ""))? {
                if let Some(done) = count(item?.0.value().2) {
                    return Ok(done);
                }
            }
        }
        None => {
            let index = tx.open(tables::PERSONS_BY_NAME)?;
            for item in index.range((org, prefix)..(org + 1, ""))? {
                if let Some(done) = count(item?.0.value().1) {
                    return Ok(done);
                }
            }
        }
    }
    Ok((n, false))
}

/// `org`'s persons whose Personalnummer begins with `prefix` and that
/// `keep` accepts, in Personalnummer order after `after`: at most `limit`,
/// reading at most `budget` records. Returns the persons and where the next
/// page starts (a Personalnummer), when there may be more.
pub fn scan_numbers(
    tx: &impl ReadAccess,
    org: OrgId,
    prefix: &str,
    after: Option<&str>,
    limit: usize,
    budget: usize,
    keep: &dyn Fn(&Person) -> bool,
) -> Result<(Vec<Person>, Option<String>), Error> {
    let table = tx.open(tables::PERSONS)?;
    let start = match after {
        Some(a) if a >= prefix => a,
        _ => prefix,
    };
    let mut out = Vec::new();
    let mut seen = 0usize;
    let mut last: Option<String> = None;
    for item in table.range((org, start)..(org + 1, ""))? {
        let (k, v) = item?;
        let (o, pnr) = k.value();
        if o != org || !pnr.starts_with(prefix) {
            break;
        }
        if after == Some(pnr) {
            continue;
        }
        if out.len() == limit || seen == budget {
            return Ok((out, last));
        }
        seen += 1;
        last = Some(pnr.to_owned());
        let p: Person = codec::decode(TABLE, v.value())?;
        if keep(&p) {
            out.push(p);
        }
    }
    Ok((out, None))
}

/// Every Personalnummer of `org` in name order, of Art `art` when given,
/// at most `limit` (the select of the Beamtenformulare).
pub fn list(
    tx: &impl ReadAccess,
    org: OrgId,
    art: Option<Art>,
    limit: usize,
) -> Result<Vec<Person>, Error> {
    let scan = scan(tx, org, "", art, None, limit)?;
    let mut out = Vec::with_capacity(scan.keys.len());
    for key in &scan.keys {
        if let Some(p) = get(tx, org, personalnummer_of(key))? {
            out.push(p);
        }
    }
    Ok(out)
}
