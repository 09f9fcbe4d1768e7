//! Query evaluation: an AND of sources (each e.g. an OR of term lists),
//! newest first, as a leapfrog join, with paging and a work budget.

use super::Posting;
use super::sources::{Seek, Source, Work};
use crate::store::Error;

/// What [`evaluate`] is asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Request {
    /// Only ids below this (exclusive): `None` for the first page, else the
    /// `next` of the previous page.
    pub below: Option<u64>,
    /// Most hits returned (0 counts as 1).
    pub limit: usize,
    /// Work after which the walk stops (blocks or entries read plus
    /// candidates passed to `accept`). Sources stop reading as soon as it
    /// is spent, so it is exceeded by little — except before the walk has
    /// advanced past its first step (e.g. the first seek of an OR of many
    /// terms reads a block of each): every call advances by at least one
    /// id, however small the budget.
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
    // Sources may pause only once the walk has advanced (see below).
    let mut work = Work::unlimited();
    let mut hits: Vec<Posting> = Vec::new();
    let done = |hits: Vec<Posting>, work: Work| Page {
        hits,
        next: None,
        end: End::Exhausted,
        work: work.used(),
    };
    let paused = |hits: Vec<Posting>, x: u64, work: Work| Page {
        hits,
        next: Some(x + 1),
        end: End::Budget,
        work: work.used(),
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
        // match), so `x + 1` is a valid `next` once x < start. Only then
        // may the budget stop the walk, so every call advances.
        if x < start {
            work.set_budget(request.budget);
            if work.spent() {
                return Ok(paused(hits, x, work));
            }
        }
        let mut agreed = true;
        let mut tag = 0u8;
        for &i in &order {
            match sources[i].seek(x, &mut work)? {
                Seek::End => return Ok(done(hits, work)),
                Seek::Below(y) => {
                    // Nothing in (y, x] in source i; the budget is spent.
                    let y = y.min(x);
                    if y >= start {
                        return Err(Error::Corrupt {
                            table: super::TABLE_NAME,
                            detail: "a search source paused before the walk advanced".into(),
                        });
                    }
                    return Ok(paused(hits, y, work));
                }
                Seek::Found(p) if p.id < x => {
                    // Nothing in (p.id, x] is in source i.
                    x = p.id;
                    agreed = false;
                    break;
                }
                Seek::Found(p) => {
                    if i == 0 {
                        tag = p.tag;
                    }
                }
            }
        }
        if !agreed {
            continue;
        }
        work.add(1);
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
                    work: work.used(),
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
