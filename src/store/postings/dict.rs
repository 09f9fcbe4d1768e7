//! The term dictionary: term string → `(term id, document count)`.

use redb::{ReadableTable, Table};

use super::{DictValue, NEXT_ID_KEY, TermInfo};
use crate::store::Error;

/// Name used in corruption errors of the dictionary.
const DICT_NAME: &str = "search_terms";

/// The id and count of exactly `term`, if it is in the dictionary.
pub fn lookup(
    dict: &impl ReadableTable<&'static str, DictValue>,
    term: &str,
) -> Result<Option<TermInfo>, Error> {
    if term.is_empty() {
        return Ok(None);
    }
    Ok(dict.get(term)?.map(|v| {
        let (id, docs) = v.value();
        TermInfo { id, docs }
    }))
}

/// The terms beginning with a prefix, in term order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expansion {
    /// The first (at most `max_terms`) terms beginning with the prefix.
    pub terms: Vec<TermInfo>,
    /// False when more than `max_terms` terms begin with the prefix: then
    /// `terms` is not all of them, and a search over it is not exact — the
    /// caller says so ("Suchbegriff zu allgemein") instead of searching.
    pub complete: bool,
}

impl Expansion {
    /// Sum of the document counts (an estimate of the OR's postings).
    pub fn docs(&self) -> u64 {
        self.terms.iter().map(|t| u64::from(t.docs)).sum()
    }
}

/// The terms beginning with `prefix`, at most `max_terms` of them (reading
/// at most `max_terms + 1` dictionary entries). An empty prefix matches
/// nothing (and is complete).
pub fn expand(
    dict: &impl ReadableTable<&'static str, DictValue>,
    prefix: &str,
    max_terms: usize,
) -> Result<Expansion, Error> {
    let mut terms = Vec::new();
    if prefix.is_empty() {
        return Ok(Expansion {
            terms,
            complete: true,
        });
    }
    for item in dict.range(prefix..)? {
        let (k, v) = item?;
        if !k.value().starts_with(prefix) {
            break;
        }
        if terms.len() == max_terms {
            return Ok(Expansion {
                terms,
                complete: false,
            });
        }
        let (id, docs) = v.value();
        terms.push(TermInfo { id, docs });
    }
    Ok(Expansion {
        terms,
        complete: true,
    })
}

/// Several prefixes expanded into one OR (e.g. a query word's word and
/// suffix prefixes), at most `max_terms` terms in all.
pub fn expand_all(
    dict: &impl ReadableTable<&'static str, DictValue>,
    prefixes: &[String],
    max_terms: usize,
) -> Result<Expansion, Error> {
    let mut out = Expansion {
        terms: Vec::new(),
        complete: true,
    };
    for p in prefixes {
        let e = expand(dict, p, max_terms - out.terms.len().min(max_terms))?;
        out.terms.extend(e.terms);
        if !e.complete {
            out.complete = false;
            break;
        }
    }
    Ok(out)
}

/// The id of `term`, created (with a count of 0) when missing. Ids start at
/// 1 and are never reused.
pub fn intern(dict: &mut Table<'_, &'static str, DictValue>, term: &str) -> Result<u32, Error> {
    if term.is_empty() {
        return Err(Error::Corrupt {
            table: DICT_NAME,
            detail: "empty search term".into(),
        });
    }
    if let Some(v) = dict.get(term)? {
        return Ok(v.value().0);
    }
    let last = dict.get(NEXT_ID_KEY)?.map(|v| v.value().0).unwrap_or(0);
    let id = last.checked_add(1).ok_or_else(|| Error::Corrupt {
        table: DICT_NAME,
        detail: "term ids exhausted".into(),
    })?;
    dict.insert(NEXT_ID_KEY, (id, 0))?;
    dict.insert(term, (id, 0))?;
    Ok(id)
}

/// Adds `delta` (±1) to the document count of `term`; removes the term
/// when its count reaches 0. A missing term is left alone.
pub(super) fn adjust_count(
    dict: &mut Table<'_, &'static str, DictValue>,
    term: &str,
    delta: i64,
) -> Result<(), Error> {
    let Some((id, docs)) = dict.get(term)?.map(|v| v.value()) else {
        return Ok(());
    };
    let docs = (i64::from(docs) + delta).clamp(0, i64::from(u32::MAX)) as u32;
    if docs == 0 {
        dict.remove(term)?;
    } else {
        dict.insert(term, (id, docs))?;
    }
    Ok(())
}
