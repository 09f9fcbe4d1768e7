//! The pending postings: a cheap write path for sending. A new message's
//! terms go into a small table keyed by message id first, so one message
//! touches one or two leaves instead of one block (and one dictionary
//! entry) per term; a background job merges them into the blocks in
//! batches, and search reads them too, so nothing is missed meanwhile.

use std::collections::BTreeMap;

use redb::{ReadableTable, Table};

use super::dict::{adjust_count, intern};
use super::write::insert;
use super::{PendingValue, Posting, PostingKey, PostingValue, TagSet};
use crate::store::Error;

type Pending<'t> = Table<'t, (u64, &'static str), PendingValue>;

/// Indexes a document into the pending table: `(id, term) → tag` per term
/// (the dictionary and the blocks are untouched until [`merge_pending`]).
pub fn index_pending<'s>(
    pending: &mut Pending<'_>,
    id: u64,
    tag: u8,
    terms: impl IntoIterator<Item = &'s str>,
) -> Result<(), Error> {
    for term in terms {
        if !term.is_empty() {
            pending.insert((id, term), tag)?;
        }
    }
    Ok(())
}

/// Removes every pending posting of document `id`; returns how many. To
/// delete a message call this and [`super::unindex_document`].
pub fn unindex_pending(pending: &mut Pending<'_>, id: u64) -> Result<usize, Error> {
    let mut terms: Vec<String> = Vec::new();
    let upper = id.checked_add(1);
    let range = match upper {
        Some(u) => pending.range((id, "")..(u, ""))?,
        None => pending.range((id, "")..)?,
    };
    for item in range {
        let (k, _) = item?;
        terms.push(k.value().1.to_owned());
    }
    for t in &terms {
        pending.remove((id, t.as_str()))?;
    }
    Ok(terms.len())
}

/// Moves the oldest pending postings (at most `max_entries`) into the
/// blocks: terms are interned, postings appended, document counts raised.
/// Returns how many were moved (0: nothing pending). Run it in the
/// background in its own write transaction; any batch size is consistent,
/// as search reads both.
pub fn merge_pending(
    dict: &mut Table<'_, &'static str, super::DictValue>,
    postings: &mut Table<'_, PostingKey, PostingValue>,
    pending: &mut Pending<'_>,
    max_entries: usize,
) -> Result<usize, Error> {
    let mut batch: Vec<(u64, String, u8)> = Vec::new();
    for item in pending.range::<(u64, &str)>(..)? {
        if batch.len() >= max_entries {
            break;
        }
        let (k, v) = item?;
        let (id, term) = k.value();
        batch.push((id, term.to_owned(), v.value()));
    }
    let mut by_term: BTreeMap<&str, Vec<Posting>> = BTreeMap::new();
    for (id, term, tag) in &batch {
        by_term
            .entry(term.as_str())
            .or_default()
            .push(Posting { id: *id, tag: *tag });
    }
    for (term, ps) in by_term {
        let term_id = intern(dict, term)?;
        let mut added = 0i64;
        for p in ps {
            if insert(postings, term_id, p)? {
                added += 1;
            }
        }
        adjust_count(dict, term, added)?;
    }
    for (id, term, _) in &batch {
        pending.remove((*id, term.as_str()))?;
    }
    Ok(batch.len())
}

/// The number of pending postings.
pub fn pending_len(
    pending: &impl ReadableTable<(u64, &'static str), PendingValue>,
) -> Result<u64, Error> {
    Ok(pending.len()?)
}

/// For each query word (given by its dictionary prefixes, as for
/// `expand_all`), the pending postings of a term beginning with one of
/// them and a tag in `tags`. Reads the whole pending table (kept small by
/// [`merge_pending`]); pass each list to [`super::TermSource::with_pending`].
pub fn pending_postings(
    pending: &impl ReadableTable<(u64, &'static str), PendingValue>,
    words: &[Vec<String>],
    tags: TagSet,
) -> Result<Vec<Vec<Posting>>, Error> {
    let mut out: Vec<Vec<Posting>> = vec![Vec::new(); words.len()];
    for item in pending.range::<(u64, &str)>(..)? {
        let (k, v) = item?;
        let (id, term) = k.value();
        let tag = v.value();
        if !tags.contains(tag) {
            continue;
        }
        for (w, prefixes) in words.iter().enumerate() {
            if prefixes
                .iter()
                .any(|p| !p.is_empty() && term.starts_with(p.as_str()))
                && out[w].last().is_none_or(|q| q.id != id)
            {
                out[w].push(Posting { id, tag });
            }
        }
    }
    Ok(out)
}
