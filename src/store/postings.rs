//! Block-encoded posting lists and a term dictionary for the message search
//! (issue 18): the codec and the table-agnostic algorithms. The tables
//! themselves are declared by their user in `store/tables.rs`; the
//! functions here take them as opened redb tables.
//!
//! # Tables to declare
//!
//! ```text
//! /// Search term dictionary: term → (term id, document count).
//! /// The key "" holds (last term id handed out, 0).
//! pub const SEARCH_TERMS: TableDefinition<&str, postings::DictValue> =
//!     TableDefinition::new("search_terms");
//! /// Posting lists: (term id, smallest message id of the block) →
//! /// block of up to 128 postings (see store::postings).
//! pub const SEARCH_POSTINGS: TableDefinition<postings::PostingKey, postings::PostingValue> =
//!     TableDefinition::new("search_postings");
//! /// Optional: postings not yet merged into blocks, (message id, term) → tag.
//! pub const SEARCH_PENDING: TableDefinition<postings::PendingKey, postings::PendingValue> =
//!     TableDefinition::new("search_pending");
//! ```
//!
//! Several indexes can share one pair of tables by namespacing the term
//! strings (e.g. `"s<mailbox id>\u{1f}<term>"` for per-mailbox Betreff
//! postings): prefix expansion then stays inside a namespace, and each
//! namespaced term gets its own id and list. Term ids are never reused.
//!
//! # Block format
//!
//! A list is the ascending sequence of its postings `(message id, tag)`,
//! cut into blocks of at most [`BLOCK_SIZE`]; each block is stored under
//! `(term id, its smallest id)`. The value is
//! `n: u8` (1..=128), a tag mode byte, the tags, then `n - 1` LEB128 varint
//! deltas between consecutive ids (the first id is the key). Tag modes:
//! `0` one tag for all, `1` one byte per posting, `2` runs of
//! `(length u8, tag u8)`, `3` a palette of ≤ 16 tags (`k: u8`, the `k`
//! tags) and per posting a 1-, 2- or 4-bit index — the encoder picks the
//! shortest.
//!
//! Newest first is a reverse walk: the block holding ids ≤ x is
//! `range((term, 0)..=(term, x)).next_back()`, one B-tree descent, and a
//! block stays cached while the walk moves through it.
//!
//! Writes: a new (largest) id goes into the last block until it has 128
//! postings, then begins a new one, so lists grow in full blocks (the same
//! for an id older than all); an id in the middle of a full block splits
//! it; a removal rewrites its block, deletes it when emptied, and merges a
//! block left with fewer than [`MERGE_BELOW`] postings into its
//! predecessor when both fit.
//!
//! # The pending path (optional)
//!
//! Indexing a message directly rewrites one block and one dictionary entry
//! per term — ~140 terms lie in ~140 different leaves, about as many pages
//! copied per commit as today's index. For sending, [`index_pending`]
//! writes `(message id, term) → tag` into the pending table instead: keys
//! ascend with the message id, so a message touches one or two leaves. A
//! background job calls [`merge_pending`] in its own transaction (e.g.
//! every few seconds or when [`pending_len`] passes a few thousand), which
//! moves a batch into the blocks — each block leaf is then written once per
//! batch, not once per message. Search reads both: [`pending_postings`]
//! scans the (small) pending table once per query for the words' prefixes,
//! and [`TermSource::with_pending`] adds the result to each word's OR. A
//! deletion calls [`unindex_document`] and [`unindex_pending`]. The
//! dictionary counts cover merged postings only (they are estimates).
//!
//! # Size (measured by `tests::bytes_per_posting`)
//!
//! * 100,000 postings (2,000 messages × 50 distinct terms, Zipf over 5,000
//!   terms, each message one of 4 tags): blocks 1.66 B per posting, with
//!   the 12-byte keys 2.29 B (redb's stored bytes); on redb pages 3.69 B
//!   per posting when written message by message (one transaction per 100
//!   messages; leaves partly filled), 2.58 B when written in key order with
//!   [`blocks`] (a migration). The file (uncompacted) 1.1 MB resp. 0.28 MB.
//! * 2,500,000 postings (50,000 messages × 50 terms, Zipf over 100,000
//!   terms; `bytes_per_posting_at_scale`, ignored by default): blocks 1.87 B
//!   per posting, 2.39 B with keys (rare terms: one short block each).
//!
//! Random tags from 4 values cost 2 bits per posting (palette mode); one
//! tag per block costs nothing. For comparison, today's `MESSAGE_TERMS`
//! costs about 48 B per posting.
//!
//! # API
//!
//! Types: [`Posting`] `{ id: u64, tag: u8 }`; [`TermInfo`]
//! `{ id: u32, docs: u32 }`; [`PostingKey`] = `(u32, u64)`;
//! [`PostingValue`] = `&[u8]`; [`DictValue`] = `(u32, u32)`.
//!
//! Dictionary (`&str → (id, count)`):
//! * [`lookup`]`(dict, term) -> Result<Option<TermInfo>>` — exactly a term.
//! * [`expand`]`(dict, prefix, max_terms) -> Result<Expansion>` — the
//!   terms beginning with `prefix`, in term order; `Expansion { terms,
//!   complete }`, `complete == false` when more than `max_terms` exist (then
//!   the caller reports "zu allgemein" rather than searching inexactly).
//! * [`expand_all`]`(dict, prefixes, max_terms)` — several prefixes into one
//!   OR (a query word's `QueryWord::prefixes()`), `max_terms` in all.
//! * [`intern`]`(dict, term) -> Result<u32>` — id of a term, created with
//!   count 0 when missing.
//!
//! Writing (in the caller's write transaction):
//! * [`index_document`]`(dict, postings, id, tag, terms)` — interns each
//!   term, adds `(id, tag)` to its list, counts the document once per term.
//! * [`unindex_document`]`(dict, postings, id, terms)` — the reverse; terms
//!   whose count reaches 0 leave the dictionary. Pass the same terms as
//!   when indexing (recompute them from the stored message).
//! * [`insert`]`(postings, term_id, posting) -> Result<bool>` and
//!   [`remove`]`(postings, term_id, id) -> Result<Option<u8>>` — one
//!   posting, without the dictionary's counts.
//! * [`index_pending`]`(pending, id, tag, terms)`,
//!   [`unindex_pending`]`(pending, id) -> Result<usize>`,
//!   [`merge_pending`]`(dict, postings, pending, max_entries) ->
//!   Result<usize>` (moved; 0 = none pending), [`pending_len`]`(pending)` —
//!   the pending path above.
//! * [`blocks`]`(&[Posting]) -> Vec<(u64, Vec<u8>)>` — a whole list as full
//!   blocks, for a migration writing in key order.
//! * [`encode_block`] / [`decode_block`]`(first_id, bytes)` — the codec.
//! * [`list`]`(postings, term_id) -> Result<Vec<Posting>>` — a whole list
//!   (tests, checks).
//!
//! Reading (works in read and write transactions):
//! * [`TermSource::new`]`(&postings, &[TermInfo], TagSet) -> TermSource` —
//!   an OR of term lists (one query word's expansion); postings whose tag
//!   is not in the [`TagSet`] (`TagSet::ALL`, `TagSet::of(&[..])`) are
//!   skipped; one unit of work per block read.
//!   `.with_pending(Vec<Posting>)` adds one word's pending postings from
//!   [`pending_postings`]`(pending, &[prefixes per word], TagSet) ->
//!   Result<Vec<Vec<Posting>>>`.
//! * [`Source`] — the trait of an AND operand:
//!   `seek(&mut self, x, &mut Work) -> Result<Seek>` answers
//!   `Seek::Found(greatest posting ≤ x)`, `Seek::End` (none), or — only
//!   when [`Work::spent`] — `Seek::Below(y)` ("nothing in (y, x], stopped
//!   there"); `estimate()` orders the join. Ready-made: [`SeekFn`]`::new(
//!   estimate, |x| -> Result<Option<Posting>>)` wraps a closure (e.g. a
//!   reverse range over one mailbox's entries; one unit per call, answers
//!   cached), [`Ids`]`::new(Vec<Posting>)` in memory (a conversation),
//!   [`Union`]`::new(Vec<Box<dyn Source>>)` an OR (all readable
//!   mailboxes).
//! * [`evaluate`]`(&mut [&mut dyn Source], &Request, accept) -> Result<Page>`
//!   — the AND, newest first. `Request { below: Option<u64>, limit: usize,
//!   budget: u64 }`; `accept(Posting) -> Result<bool>` is called once per
//!   candidate (e.g. the access check; one unit of work each; the posting
//!   carries the tag of `sources[0]`). `Page { hits: Vec<Posting>, next:
//!   Option<u64>, end: End, work: u64 }`: `hits` are exactly the accepted
//!   matches in `[next.unwrap_or(0), below)`, newest first; pass `next` as
//!   the next request's `below`; `end` is `Exhausted` (no more; `next ==
//!   None`), `Limit` (`limit` hits and at least one more exists) or `Budget`
//!   (stopped by the budget; the hits so far, possibly none; go on from
//!   `next`). Each call advances by at least one id. No sources: nothing.
//!   A count bounded at N is `evaluate` with `limit = N`: `End::Limit`
//!   means "mehr als N Treffer".
//!
//! A search, sketched (`dict`, `postings` opened tables; `readable` the
//! caller's mailbox sources):
//!
//! ```text
//! let words = search_text::query(q);              // empty: nothing to search
//! let mut expansions = Vec::new();
//! for w in &words {
//!     let e = postings::expand_all(&dict, &w.prefixes(), 1000)?;
//!     if !e.complete { /* "Suchbegriff zu allgemein" */ }
//!     expansions.push(e);
//! }
//! let prefixes: Vec<Vec<String>> = words.iter().map(|w| w.prefixes()).collect();
//! let pending = postings::pending_postings(&pending_table, &prefixes, TagSet::ALL)?;
//! let mut terms: Vec<TermSource<_>> = expansions.iter().zip(pending)
//!     .map(|(e, p)| TermSource::new(&postings, &e.terms, TagSet::ALL).with_pending(p))
//!     .collect();
//! let mut boxes = Union::new(readable);           // optional AND operand
//! let mut ops: Vec<&mut dyn Source> = terms.iter_mut().map(|s| s as _).collect();
//! ops.push(&mut boxes);
//! let page = postings::evaluate(&mut ops,
//!     &Request { below: cursor, limit: 50, budget: 5_000 },
//!     |p| may_read(p.id, p.tag))?;
//! // page.hits newest first; page.next → "weitere Treffer" link.
//! ```
//!
//! The tests `with_search_text::index_and_rule_agree`,
//! `with_search_text::pending_and_merged_postings_are_both_found` and
//! `terms_and_mailboxes_equal_brute_force` run exactly this.

mod block;
mod dict;
mod pending;
mod query;
mod sources;
mod write;

#[cfg(test)]
mod tests;

pub use block::{decode_block, encode_block};
pub use dict::{Expansion, expand, expand_all, intern, lookup};
pub use pending::{index_pending, merge_pending, pending_len, pending_postings, unindex_pending};
pub use query::{End, Page, Request, evaluate};
pub use sources::{Ids, Seek, SeekFn, Source, TagSet, TermSource, Union, Work};
pub use write::{MERGE_BELOW, blocks, index_document, insert, remove, unindex_document};

use redb::ReadableTable;

use crate::store::Error;

/// Most postings in one block.
pub const BLOCK_SIZE: usize = 128;

/// Key of the postings table: (term id, smallest message id of the block).
pub type PostingKey = (u32, u64);
/// Value of the postings table: an encoded block.
pub type PostingValue = &'static [u8];
/// Value of the dictionary table: (term id, document count).
pub type DictValue = (u32, u32);
/// Key of the pending table: (message id, term); see [`index_pending`].
pub type PendingKey<'a> = (u64, &'a str);
/// Value of the pending table: the posting's tag.
pub type PendingValue = u8;

/// The dictionary key under which the last term id handed out is kept, as
/// `(id, 0)`. Never a term (terms are not empty).
pub const NEXT_ID_KEY: &str = "";

/// Table name in corruption errors of the postings.
pub(crate) const TABLE_NAME: &str = "search_postings";

/// One posting: a message id and its tag (a small code the writer chooses,
/// e.g. Bereich or mailbox kind, the same for all postings of a message, so
/// a reader can skip postings it may not read).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Posting {
    pub id: u64,
    pub tag: u8,
}

/// A dictionary entry: the term's id and the number of its postings (the
/// documents it occurs in).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TermInfo {
    pub id: u32,
    pub docs: u32,
}

/// The whole list of a term, ascending.
pub fn list(
    postings: &impl ReadableTable<PostingKey, PostingValue>,
    term: u32,
) -> Result<Vec<Posting>, Error> {
    let mut out = Vec::new();
    for item in postings.range((term, 0)..=(term, u64::MAX))? {
        let (k, v) = item?;
        out.extend(decode_block(k.value().1, v.value())?);
    }
    Ok(out)
}
