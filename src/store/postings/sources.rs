//! The operands of a query: sources of postings that seek backwards
//! (newest first), with the work they do counted against a budget.

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

/// The work done by one evaluation, and whether sources may pause.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Work {
    used: u64,
    pause_at: u64,
}

impl Work {
    /// Work that never runs out (sources never pause).
    pub fn unlimited() -> Work {
        Work {
            used: 0,
            pause_at: u64::MAX,
        }
    }

    /// Work that runs out after `budget` units.
    pub fn budget(budget: u64) -> Work {
        Work {
            used: 0,
            pause_at: budget,
        }
    }

    pub(super) fn set_budget(&mut self, budget: u64) {
        self.pause_at = budget;
    }

    /// Counts `n` units (blocks or entries read, candidates checked).
    pub fn add(&mut self, n: u64) {
        self.used = self.used.saturating_add(n);
    }

    pub fn used(&self) -> u64 {
        self.used
    }

    /// Whether the budget is used up: a source may then answer
    /// [`Seek::Below`] instead of reading on.
    pub fn spent(&self) -> bool {
        self.used >= self.pause_at
    }
}

/// The answer of [`Source::seek`]`(x)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seek {
    /// The posting with the greatest id ≤ x.
    Found(Posting),
    /// Nothing in `(y, x]`; below `y` not looked at (the budget is spent).
    /// Only when [`Work::spent`]; `y ≤ x`.
    Below(u64),
    /// No posting ≤ x.
    End,
}

/// One operand of the AND: an ordered source of postings that can seek
/// backwards. Implemented by [`TermSource`] (term lists), [`SeekFn`] (a
/// closure, e.g. over mailbox entries), [`Ids`] (in memory) and [`Union`].
pub trait Source {
    /// The posting with the greatest id ≤ `x` ([`Seek::Found`]), or
    /// [`Seek::End`] when there is none; when `work` is spent it may stop
    /// early with [`Seek::Below`]. Adds the work done to `work`. Between
    /// calls `x` does not increase (a source may start over when it does).
    fn seek(&mut self, x: u64, work: &mut Work) -> Result<Seek, Error>;

    /// Estimated number of postings; the join seeks the sparsest first.
    fn estimate(&self) -> u64;
}

impl<S: Source + ?Sized> Source for Box<S> {
    fn seek(&mut self, x: u64, work: &mut Work) -> Result<Seek, Error> {
        (**self).seek(x, work)
    }

    fn estimate(&self) -> u64 {
        (**self).estimate()
    }
}

/// The union of several sources: a max-heap of their answers.
struct Merge<S> {
    sources: Vec<S>,
    /// `(key, found, tag, source)`: a found posting's id, or the bound of
    /// a paused source; at equal keys a found posting is on top.
    heap: BinaryHeap<(u64, bool, u8, usize)>,
    last: Option<u64>,
}

impl<S: Source> Merge<S> {
    fn new(sources: Vec<S>) -> Self {
        Merge {
            sources,
            heap: BinaryHeap::new(),
            last: None,
        }
    }

    fn push(&mut self, i: usize, answer: Seek) {
        match answer {
            Seek::Found(p) => self.heap.push((p.id, true, p.tag, i)),
            Seek::Below(y) => self.heap.push((y, false, 0, i)),
            Seek::End => {}
        }
    }

    fn seek(&mut self, x: u64, work: &mut Work) -> Result<Seek, Error> {
        if self.last.is_none_or(|l| x > l) {
            self.heap.clear();
            for i in 0..self.sources.len() {
                let answer = self.sources[i].seek(x, work)?;
                self.push(i, answer);
            }
        }
        self.last = Some(x);
        loop {
            let Some(&(key, found, tag, i)) = self.heap.peek() else {
                return Ok(Seek::End);
            };
            if found && key <= x {
                return Ok(Seek::Found(Posting { id: key, tag }));
            }
            if work.spent() {
                // Every source has nothing in (min(key, x), x].
                return Ok(Seek::Below(key.min(x)));
            }
            self.heap.pop();
            let answer = self.sources[i].seek(key.min(x), work)?;
            self.push(i, answer);
        }
    }
}

/// The union (OR) of several term lists of one postings table, e.g. a query
/// word's prefix expansion, with postings whose tag is not in a [`TagSet`]
/// left out (never seen by the join). Each block read counts one unit of
/// work.
pub struct TermSource<'t, T> {
    merge: Merge<Part<'t, T>>,
    estimate: u64,
}

/// A part of a [`TermSource`]: one term's blocks, or postings in memory
/// (the pending ones).
enum Part<'t, T> {
    Blocks(TermCursor<'t, T>),
    Memory(Ids),
}

impl<T: ReadableTable<PostingKey, PostingValue>> Source for Part<'_, T> {
    fn seek(&mut self, x: u64, work: &mut Work) -> Result<Seek, Error> {
        match self {
            Part::Blocks(c) => c.seek(x, work),
            Part::Memory(m) => m.seek(x, work),
        }
    }

    fn estimate(&self) -> u64 {
        0
    }
}

impl<'t, T: ReadableTable<PostingKey, PostingValue>> TermSource<'t, T> {
    /// The OR of `terms` (their ids; `docs` only for the estimate) in
    /// `table`, restricted to postings whose tag is in `tags`.
    pub fn new(table: &'t T, terms: &[TermInfo], tags: TagSet) -> Self {
        let mut ids: Vec<u32> = terms.iter().map(|t| t.id).collect();
        ids.sort_unstable();
        ids.dedup();
        TermSource {
            merge: Merge::new(
                ids.into_iter()
                    .map(|term| {
                        Part::Blocks(TermCursor {
                            table,
                            term,
                            tags,
                            first: 0,
                            block: Vec::new(),
                            loaded: false,
                            exhausted: false,
                            last: None,
                        })
                    })
                    .collect(),
            ),
            estimate: terms.iter().map(|t| u64::from(t.docs)).sum(),
        }
    }

    /// This source with pending postings (see `pending_postings`, which
    /// already applied the tag set) added to the OR. Use before the first
    /// seek.
    pub fn with_pending(mut self, pending: Vec<Posting>) -> Self {
        if !pending.is_empty() {
            self.estimate += pending.len() as u64;
            self.merge.sources.push(Part::Memory(Ids::new(pending)));
        }
        self
    }
}

impl<T: ReadableTable<PostingKey, PostingValue>> Source for TermSource<'_, T> {
    fn seek(&mut self, x: u64, work: &mut Work) -> Result<Seek, Error> {
        self.merge.seek(x, work)
    }

    fn estimate(&self) -> u64 {
        self.estimate
    }
}

/// Reading position in one term list: the block last read.
struct TermCursor<'t, T> {
    table: &'t T,
    term: u32,
    tags: TagSet,
    /// Key (smallest id) of `block`. The block was loaded as the one with
    /// the greatest key ≤ some x' ≥ every later x, so it answers every x
    /// with `first <= x`.
    first: u64,
    block: Vec<Posting>,
    loaded: bool,
    exhausted: bool,
    last: Option<u64>,
}

impl<T: ReadableTable<PostingKey, PostingValue>> Source for TermCursor<'_, T> {
    fn seek(&mut self, x: u64, work: &mut Work) -> Result<Seek, Error> {
        if self.last.is_some_and(|l| x > l) {
            self.loaded = false;
            self.exhausted = false;
        }
        self.last = Some(x);
        let mut x = x;
        loop {
            if self.exhausted {
                return Ok(Seek::End);
            }
            if !self.loaded || x < self.first {
                if work.spent() {
                    return Ok(Seek::Below(x));
                }
                work.add(1);
                let Some(item) = self
                    .table
                    .range((self.term, 0)..=(self.term, x))?
                    .next_back()
                else {
                    self.exhausted = true;
                    return Ok(Seek::End);
                };
                let (k, v) = item?;
                self.first = k.value().1;
                self.block = decode_block(self.first, v.value())?;
                self.loaded = true;
            }
            let end = self.block.partition_point(|p| p.id <= x);
            if let Some(p) = self.block[..end]
                .iter()
                .rev()
                .find(|p| self.tags.contains(p.tag))
            {
                return Ok(Seek::Found(*p));
            }
            if self.first == 0 {
                self.exhausted = true;
                return Ok(Seek::End);
            }
            x = self.first - 1;
        }
    }

    fn estimate(&self) -> u64 {
        0
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
    fn seek(&mut self, x: u64, work: &mut Work) -> Result<Seek, Error> {
        if let Some((lx, answer)) = self.last {
            // The answer for lx is the greatest ≤ lx; for x ≤ lx it stays
            // the answer while it is ≤ x (or when there was none).
            if x <= lx && answer.is_none_or(|p| p.id <= x) {
                return Ok(answer.map_or(Seek::End, Seek::Found));
            }
        }
        if work.spent() {
            return Ok(Seek::Below(x));
        }
        work.add(1);
        let answer = (self.f)(x)?;
        self.last = Some((x, answer));
        Ok(answer.map_or(Seek::End, Seek::Found))
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
    fn seek(&mut self, x: u64, _work: &mut Work) -> Result<Seek, Error> {
        let end = self.postings.partition_point(|p| p.id <= x);
        Ok(end
            .checked_sub(1)
            .map_or(Seek::End, |i| Seek::Found(self.postings[i])))
    }

    fn estimate(&self) -> u64 {
        self.postings.len() as u64
    }
}

/// The union (OR) of several sources, e.g. the entries of each readable
/// mailbox: the greatest answer of any of them.
pub struct Union<'a> {
    merge: Merge<Box<dyn Source + 'a>>,
    estimate: u64,
}

impl<'a> Union<'a> {
    pub fn new(sources: Vec<Box<dyn Source + 'a>>) -> Self {
        let estimate = sources.iter().map(|s| s.estimate()).sum();
        Union {
            merge: Merge::new(sources),
            estimate,
        }
    }
}

impl Source for Union<'_> {
    fn seek(&mut self, x: u64, work: &mut Work) -> Result<Seek, Error> {
        self.merge.seek(x, work)
    }

    fn estimate(&self) -> u64 {
        self.estimate
    }
}
