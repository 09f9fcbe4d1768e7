//! Adding and removing postings, block by block.

use redb::{ReadableTable, Table};

use super::block::{decode_block, encode_block};
use super::dict::{adjust_count, intern};
use super::{BLOCK_SIZE, DictValue, Posting, PostingKey, PostingValue};
use crate::store::Error;

type Postings<'t> = Table<'t, PostingKey, PostingValue>;

/// The block of `term` that holds (or would hold) `id`: the one with the
/// greatest key ≤ `id`, else the term's first block. Returns its key and
/// postings.
fn block_for(
    table: &Postings<'_>,
    term: u32,
    id: u64,
) -> Result<Option<(u64, Vec<Posting>)>, Error> {
    let found = match table.range((term, 0)..=(term, id))?.next_back() {
        Some(item) => Some(item?),
        None => match table.range((term, id)..=(term, u64::MAX))?.next() {
            Some(item) => Some(item?),
            None => None,
        },
    };
    match found {
        Some((k, v)) => {
            let first = k.value().1;
            Ok(Some((first, decode_block(first, v.value())?)))
        }
        None => Ok(None),
    }
}

/// Whether `term` has a block with a key greater than `key`.
fn has_later_block(table: &Postings<'_>, term: u32, key: u64) -> Result<bool, Error> {
    if key == u64::MAX {
        return Ok(false);
    }
    Ok(table
        .range((term, key + 1)..=(term, u64::MAX))?
        .next()
        .is_some())
}

/// Writes `postings` (ascending, 1..=BLOCK_SIZE) as one block under its
/// first id.
fn put(table: &mut Postings<'_>, term: u32, postings: &[Posting]) -> Result<(), Error> {
    let bytes = encode_block(postings);
    table.insert((term, postings[0].id), bytes.as_slice())?;
    Ok(())
}

/// Adds a posting to the list of `term`. Returns whether it is new; an
/// existing posting of the same id gets the new tag.
///
/// A newer id than all goes to the last block until that has
/// [`BLOCK_SIZE`] postings, then starts a new block (likewise an older id
/// than all at the front); an id in the middle of a full block splits it in
/// two halves.
pub fn insert(table: &mut Postings<'_>, term: u32, p: Posting) -> Result<bool, Error> {
    let Some((key, mut block)) = block_for(table, term, p.id)? else {
        put(table, term, &[p])?;
        return Ok(true);
    };
    let at = block.partition_point(|q| q.id < p.id);
    if let Some(q) = block.get_mut(at)
        && q.id == p.id
    {
        if q.tag != p.tag {
            q.tag = p.tag;
            put(table, term, &block)?;
        }
        return Ok(false);
    }
    if block.len() < BLOCK_SIZE {
        block.insert(at, p);
        if at == 0 {
            // The key (the smallest id) changes.
            table.remove((term, key))?;
        }
        put(table, term, &block)?;
        return Ok(true);
    }
    // A full block.
    if (at == block.len() && !has_later_block(table, term, key)?) || at == 0 {
        // Appending past the newest, or before the oldest: a new block.
        put(table, term, &[p])?;
        return Ok(true);
    }
    block.insert(at, p);
    table.remove((term, key))?;
    let (low, high) = block.split_at(block.len() / 2);
    put(table, term, low)?;
    put(table, term, high)?;
    Ok(true)
}

/// Removes the posting `id` from the list of `term`; returns its tag when
/// it was there. An emptied block is removed; a block left with fewer than
/// [`MERGE_BELOW`] postings is merged into the block before it when both
/// fit into one, so deletions do not leave a list of near-empty blocks.
pub fn remove(table: &mut Postings<'_>, term: u32, id: u64) -> Result<Option<u8>, Error> {
    let Some((key, mut block)) = block_for(table, term, id)? else {
        return Ok(None);
    };
    let Ok(at) = block.binary_search_by_key(&id, |q| q.id) else {
        return Ok(None);
    };
    let tag = block.remove(at).tag;
    if at == 0 || block.is_empty() {
        table.remove((term, key))?;
    }
    if block.is_empty() {
        return Ok(Some(tag));
    }
    if block.len() < MERGE_BELOW
        && let Some((prev_key, mut prev)) = previous_block(table, term, key)?
        && prev.len() + block.len() <= BLOCK_SIZE
    {
        if at != 0 {
            table.remove((term, key))?;
        }
        prev.extend_from_slice(&block);
        debug_assert_eq!(prev[0].id, prev_key);
        put(table, term, &prev)?;
        return Ok(Some(tag));
    }
    put(table, term, &block)?;
    Ok(Some(tag))
}

/// A block shrunk below this many postings is merged into its predecessor
/// when they fit into one block.
pub const MERGE_BELOW: usize = BLOCK_SIZE / 4;

/// The block of `term` before the one keyed `key`.
fn previous_block(
    table: &Postings<'_>,
    term: u32,
    key: u64,
) -> Result<Option<(u64, Vec<Posting>)>, Error> {
    if key == 0 {
        return Ok(None);
    }
    match table.range((term, 0)..=(term, key - 1))?.next_back() {
        Some(item) => {
            let (k, v) = item?;
            let first = k.value().1;
            Ok(Some((first, decode_block(first, v.value())?)))
        }
        None => Ok(None),
    }
}

/// Indexes a document: for each distinct term (string), interns it in the
/// dictionary and adds the posting `(id, tag)` to its list; the term's
/// document count grows when the posting is new. Terms may repeat.
pub fn index_document<'s>(
    dict: &mut Table<'_, &'static str, DictValue>,
    postings: &mut Postings<'_>,
    id: u64,
    tag: u8,
    terms: impl IntoIterator<Item = &'s str>,
) -> Result<(), Error> {
    for term in terms {
        let term_id = intern(dict, term)?;
        if insert(postings, term_id, Posting { id, tag })? {
            adjust_count(dict, term, 1)?;
        }
    }
    Ok(())
}

/// Undoes [`index_document`]: removes the posting `id` from each term's
/// list; a term whose count reaches 0 leaves the dictionary. Terms not in
/// the dictionary are skipped.
pub fn unindex_document<'s>(
    dict: &mut Table<'_, &'static str, DictValue>,
    postings: &mut Postings<'_>,
    id: u64,
    terms: impl IntoIterator<Item = &'s str>,
) -> Result<(), Error> {
    for term in terms {
        let Some(term_id) = dict.get(term)?.map(|v| v.value().0) else {
            continue;
        };
        if remove(postings, term_id, id)?.is_some() {
            adjust_count(dict, term, -1)?;
        }
    }
    Ok(())
}

/// Bulk building (a migration writing in key order): the blocks of one
/// complete list, as `(key, encoded block)` in key order. `postings` may
/// come in any order; of several postings with one id the first is kept.
/// Every block is full except the last.
pub fn blocks(postings: &[Posting]) -> Vec<(u64, Vec<u8>)> {
    let mut clean = postings.to_vec();
    clean.sort_by_key(|p| p.id);
    clean.dedup_by_key(|p| p.id);
    clean
        .chunks(BLOCK_SIZE)
        .map(|c| (c[0].id, encode_block(c)))
        .collect()
}
