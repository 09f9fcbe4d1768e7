//! Query evaluation: an AND of sources (each e.g. an OR of term lists),
//! newest first, as a leapfrog join over the blocks, with paging and a work
//! budget.

use std::collections::BinaryHeap;

use redb::ReadableTable;

use super::block::decode_block;
use super::{Posting, PostingKey, PostingValue, TermInfo};
use crate::store::Error;

/// A set of tags (a bit per value of the `u8` tag).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TagSet([u64; 4]);

impl TagSet {
    /// Every tag.
    pub const ALL: TagSet = TagSet([u64::MAX; 4]);
    /// No tag.
    pub const NONE: TagSet = TagSet([0; 4]);

    /// The set of the given tags.
    pub fn of(tags: &[u8]) -> TagSet {
        tags.iter().fold(TagSet::NONE, |s, &t| s.with(t))
    }

    /// This set with `tag` added.
    pub const fn with(mut self, tag: u8) -> TagSet {
        self.0[(tag >> 6) as usize] |= 1 << (tag & 63);
        self
    }

    pub const fn contains(&self, tag: u8) -> bool {
        self.0[(tag >> 6) as usize] & (1 << (tag & 63)) != 0
    }
}

/// One operand of the AND: an ordered source of postings that can seek
/// backwards. Implemented by [`TermSource`]; the store may add its own (e.g.
/// the entries of the readable mailboxes, so a small mailbox is not searched
/// through the postings of large ones).
pub trait Source {
    /// The posting with the greatest id ≤ `x`, or `None` when there is none.
    /// Within one [`evaluate`], `x` never increases from call to call.
    /// Adds the work done (blocks or entries read) to `work`.
    fn seek(&mut self, x: u64, work: &mut u64) -> Result<Option<Posting>, Error>;

    /// Estimated number of postings; the join seeks the sparsest first.
    fn estimate(&self) -> u64;
}

/// The union (OR) of several term lists of one postings table, e.g. a query
/// word's prefix expansion, with postings whose tag is not in a [`TagSet`]
/// left out (never seen by the join).
pub struct TermSource<'t, T> {
    table: &'t T,
    cursors: Vec<Cursor>,
    /// Heads of the cursors (greatest id ≤ the last `x`), largest on top.
    heap: BinaryHeap<(u64, u8, usize)>,
    tags: TagSet,
    estimate: u64,
    /// The last `x` sought; `None` before the first seek.
    last: Option<u64>,
}

/// Reading position in one term list: the block last read.
struct Cursor {
    term: u32,
    /// Key (smallest id) of `block`; the block is valid for every x with
    /// `first <= x <= ` the x it was loaded for (the next block's key is
    /// greater than that x).
    first: u64,
    block: Vec<Posting>,
    loaded: bool,
    exhausted: bool,
}

impl<'t, T: ReadableTable<PostingKey, PostingValue>> TermSource<'t, T> {
    /// The OR of `terms` (their ids; `docs` only for the estimate) in
    /// `table`, restricted to postings whose tag is in `tags`.
    pub fn new(table: &'t T, terms: &[TermInfo], tags: TagSet) -> Self {
        let mut ids: Vec<u32> = terms.iter().map(|t| t.id).collect();
        ids.sort_unstable();
        ids.dedup();
        TermSource {
            table,
            cursors: ids
                .into_iter()
                .map(|term| Cursor {
                    term,
                    first: 0,
                    block: Vec::new(),
                    loaded: false,
                    exhausted: false,
                })
                .collect(),
            heap: BinaryHeap::new(),
            tags,
            estimate: terms.iter().map(|t| u64::from(t.docs)).sum(),
            last: None,
        }
    }

    /// Seeks cursor `i` to the greatest posting ≤ `x` with a tag in the set.
    fn seek_cursor(&mut self, i: usize, x: u64, work: &mut u64) -> Result<Option<Posting>, Error> {
        let c = &mut self.cursors[i];
        let mut x = x;
        loop {
            if c.exhausted {
                return Ok(None);
            }
            if !c.loaded || x < c.first {
                *work += 1;
                let Some(item) = self.table.range((c.term, 0)..=(c.term, x))?.next_back() else {
                    c.exhausted = true;
                    return Ok(None);
                };
                let (k, v) = item?;
                c.first = k.value().1;
                c.block = decode_block(c.first, v.value())?;
                c.loaded = true;
            }
            let end = c.block.partition_point(|p| p.id <= x);
            if let Some(p) = c.block[..end]
                .iter()
                .rev()
                .find(|p| self.tags.contains(p.tag))
            {
                return Ok(Some(*p));
            }
            if c.first == 0 {
                c.exhausted = true;
                return Ok(None);
            }
            x = c.first - 1;
        }
    }
}

impl<T: ReadableTable<PostingKey, PostingValue>> Source for TermSource<'_, T> {
    fn seek(&mut self, x: u64, work: &mut u64) -> Result<Option<Posting>, Error> {
        if self.last.is_none_or(|l| x > l) {
            // First seek (or a seek forwards, which the join never does):
            // every cursor from scratch.
            self.heap.clear();
            for i in 0..self.cursors.len() {
                let c = &mut self.cursors[i];
                c.loaded = false;
                c.exhausted = false;
                if let Some(p) = self.seek_cursor(i, x, work)? {
                    self.heap.push((p.id, p.tag, i));
                }
            }
        } else {
            while let Some(&(id, _, i)) = self.heap.peek() {
                if id <= x {
                    break;
                }
                self.heap.pop();
                if let Some(p) = self.seek_cursor(i, x, work)? {
                    self.heap.push((p.id, p.tag, i));
                }
            }
        }
        self.last = Some(x);
        Ok(self.heap.peek().map(|&(id, tag, _)| Posting { id, tag }))
    }

    fn estimate(&self) -> u64 {
        self.estimate
    }
}

/// A [`Source`] from a closure `seek(x) -> greatest posting ≤ x`, e.g. a
/// reverse range over a table keyed `(mailbox, message id)`. Each call of
/// the closure counts one unit of work; the last answer is reused while it
/// still is the answer (the join asks again with the same or a smaller x).
pub struct SeekFn<F> {
    f: F,
    estimate: u64,
    /// The last x asked and the answer.
    last: Option<(u64, Option<Posting>)>,
}

impl<F: FnMut(u64) -> Result<Option<Posting>, Error>> SeekFn<F> {
    pub fn new(estimate: u64, f: F) -> Self {
        SeekFn {
            f,
            estimate,
            last: None,
        }
    }
}

impl<F: FnMut(u64) -> Result<Option<Posting>, Error>> Source for SeekFn<F> {
    fn seek(&mut self, x: u64, work: &mut u64) -> Result<Option<Posting>, Error> {
        if let Some((lx, answer)) = self.last {
            // The answer for lx is the greatest ≤ lx; for x ≤ lx it stays
            // the answer while it is ≤ x (or when there was none).
            if x <= lx && answer.is_none_or(|p| p.id <= x) {
                return Ok(answer);
            }
        }
        *work += 1;
        let answer = (self.f)(x)?;
        self.last = Some((x, answer));
        Ok(answer)
    }

    fn estimate(&self) -> u64 {
        self.estimate
    }
}

/// A [`Source`] over postings in memory (any order; one per id is kept),
/// e.g. the messages of a conversation. Seeks cost no work.
pub struct Ids {
    postings: Vec<Posting>,
}

impl Ids {
    pub fn new(mut postings: Vec<Posting>) -> Self {
        postings.sort_by_key(|p| p.id);
        postings.dedup_by_key(|p| p.id);
        Ids { postings }
    }
}

impl Source for Ids {
    fn seek(&mut self, x: u64, _work: &mut u64) -> Result<Option<Posting>, Error> {
        let end = self.postings.partition_point(|p| p.id <= x);
        Ok(end.checked_sub(1).map(|i| self.postings[i]))
    }

    fn estimate(&self) -> u64 {
        self.postings.len() as u64
    }
}

/// The union (OR) of several sources, e.g. the entries of each readable
/// mailbox: the greatest answer of any of them.
pub struct Union<'a> {
    sources: Vec<Box<dyn Source + 'a>>,
    heap: BinaryHeap<(u64, u8, usize)>,
    last: Option<u64>,
}

impl<'a> Union<'a> {
    pub fn new(sources: Vec<Box<dyn Source + 'a>>) -> Self {
        Union {
            sources,
            heap: BinaryHeap::new(),
            last: None,
        }
    }
}

impl Source for Union<'_> {
    fn seek(&mut self, x: u64, work: &mut u64) -> Result<Option<Posting>, Error> {
        if self.last.is_none_or(|l| x > l) {
            self.heap.clear();
            for (i, s) in self.sources.iter_mut().enumerate() {
                if let Some(p) = s.seek(x, work)? {
                    self.heap.push((p.id, p.tag, i));
                }
            }
        } else {
            while let Some(&(id, _, i)) = self.heap.peek() {
                if id <= x {
                    break;
                }
                self.heap.pop();
                if let Some(p) = self.sources[i].seek(x, work)? {
                    self.heap.push((p.id, p.tag, i));
                }
            }
        }
        self.last = Some(x);
        Ok(self.heap.peek().map(|&(id, tag, _)| Posting { id, tag }))
    }

    fn estimate(&self) -> u64 {
        self.sources.iter().map(|s| s.estimate()).sum()
    }
}

/// What [`evaluate`] is asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Request {
    /// Only ids below this (exclusive): `None` for the first page, else the
    /// `next` of the previous page.
    pub below: Option<u64>,
    /// Most hits returned (0 counts as 1).
    pub limit: usize,
    /// Work after which the walk stops (blocks read plus candidates passed
    /// to `accept`); checked between steps, so one step may exceed it
    /// (e.g. the first seek of an OR of many terms reads a block of each).
    /// Every call advances by at least one id, however small the budget.
    pub budget: u64,
}

/// Why a page ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    /// No further match: `next` is `None`.
    Exhausted,
    /// `limit` hits found and at least one more match exists below them.
    Limit,
    /// The budget ran out: `next` says where to go on; `hits` may be fewer
    /// than `limit` (even none).
    Budget,
}

/// One page of results.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    /// Accepted matches, newest (largest id) first, each with the tag of
    /// the first source's posting.
    pub hits: Vec<Posting>,
    /// Where the next page starts (its `below`); `None` when no match is
    /// left. Invariant: `hits` are exactly the accepted matches with ids in
    /// `[next.unwrap_or(0), below)`, so paging until `next` is `None`
    /// yields every match exactly once.
    pub next: Option<u64>,
    pub end: End,
    /// Work done (blocks read plus candidates passed to `accept`).
    pub work: u64,
}

/// The ids present in every source (an AND) that `accept` admits, newest
/// first, one page at a time.
///
/// A leapfrog join: the sparsest source proposes the greatest id ≤ x, each
/// other source seeks to it; a smaller answer becomes the new x, until all
/// agree (a candidate). Candidates go to `accept(posting)` (e.g. an access
/// check; the posting carries the tag of `sources[0]`); refused ones are
/// skipped. With no sources nothing matches.
pub fn evaluate(
    sources: &mut [&mut dyn Source],
    request: &Request,
    mut accept: impl FnMut(Posting) -> Result<bool, Error>,
) -> Result<Page, Error> {
    let limit = request.limit.max(1);
    let mut work = 0u64;
    let mut hits: Vec<Posting> = Vec::new();
    let done = |hits: Vec<Posting>, work| Page {
        hits,
        next: None,
        end: End::Exhausted,
        work,
    };
    if sources.is_empty() {
        return Ok(done(hits, work));
    }
    let mut x = match request.below {
        None => u64::MAX,
        Some(0) => return Ok(done(hits, work)),
        Some(b) => b - 1,
    };
    let start = x;
    // The sparsest source first (the tag is still taken from source 0).
    let mut order: Vec<usize> = (0..sources.len()).collect();
    order.sort_by_key(|&i| sources[i].estimate());
    loop {
        // Invariant: every id in (x, below) is decided (in `hits` or not a
        // match), so `x + 1` is a valid `next`.
        if work >= request.budget && x < start {
            return Ok(Page {
                hits,
                next: Some(x + 1),
                end: End::Budget,
                work,
            });
        }
        let mut agreed = true;
        let mut tag = 0u8;
        for &i in &order {
            let Some(p) = sources[i].seek(x, &mut work)? else {
                return Ok(done(hits, work));
            };
            if p.id < x {
                // Nothing in (p.id, x] is in source i.
                x = p.id;
                agreed = false;
                break;
            }
            if i == 0 {
                tag = p.tag;
            }
        }
        if !agreed {
            continue;
        }
        work += 1;
        let candidate = Posting { id: x, tag };
        if accept(candidate)? {
            if hits.len() == limit {
                // One more match than asked for: the page is full and
                // there is a next one, starting below the last hit.
                let next = hits.last().map(|h| h.id);
                return Ok(Page {
                    hits,
                    next,
                    end: End::Limit,
                    work,
                });
            }
            hits.push(candidate);
        }
        if x == 0 {
            return Ok(done(hits, work));
        }
        x -= 1;
    }
}
