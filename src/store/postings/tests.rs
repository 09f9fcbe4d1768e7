//! Unit and property tests of `store::postings`, on redb (a temp file, or
//! memory for the many property cases).
#![allow(clippy::unwrap_used)]

use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;
use redb::{Database, ReadableDatabase, ReadableTableMetadata, TableDefinition};

use super::block::{get_varint, put_varint};
use super::*;

const DICT: TableDefinition<&str, DictValue> = TableDefinition::new("t_terms");
const POSTINGS: TableDefinition<PostingKey, PostingValue> = TableDefinition::new("t_postings");

fn file_db() -> (tempfile::TempDir, Database) {
    let dir = tempfile::tempdir().unwrap();
    let db = Database::create(dir.path().join("t.redb")).unwrap();
    (dir, db)
}

fn memory_db() -> Database {
    Database::builder()
        .create_with_backend(redb::backends::InMemoryBackend::new())
        .unwrap()
}

fn p(id: u64, tag: u8) -> Posting {
    Posting { id, tag }
}

/// Keys and lengths of the blocks of one term.
fn block_shape(db: &Database, term: u32) -> Vec<(u64, usize)> {
    let tx = db.begin_read().unwrap();
    let t = tx.open_table(POSTINGS).unwrap();
    t.range((term, 0)..=(term, u64::MAX))
        .unwrap()
        .map(|r| {
            let (k, v) = r.unwrap();
            let first = k.value().1;
            (first, decode_block(first, v.value()).unwrap().len())
        })
        .collect()
}

fn insert_all(db: &Database, term: u32, ids: impl IntoIterator<Item = u64>) {
    let tx = db.begin_write().unwrap();
    {
        let mut t = tx.open_table(POSTINGS).unwrap();
        for id in ids {
            assert!(insert(&mut t, term, p(id, (id % 3) as u8)).unwrap());
        }
    }
    tx.commit().unwrap();
}

fn all_of(db: &Database, term: u32) -> Vec<u64> {
    let tx = db.begin_read().unwrap();
    let t = tx.open_table(POSTINGS).unwrap();
    list(&t, term).unwrap().iter().map(|p| p.id).collect()
}

#[test]
fn varints_round_trip() {
    for v in [
        0,
        1,
        127,
        128,
        300,
        u64::from(u32::MAX),
        u64::MAX - 1,
        u64::MAX,
    ] {
        let mut buf = Vec::new();
        put_varint(&mut buf, v);
        let mut pos = 0;
        assert_eq!(get_varint(&buf, &mut pos).unwrap(), v);
        assert_eq!(pos, buf.len());
    }
    let mut pos = 0;
    assert!(get_varint(&[0xff; 11], &mut pos).is_err());
    let mut pos = 0;
    assert!(get_varint(&[0x80], &mut pos).is_err());
}

#[test]
fn blocks_choose_the_shortest_tag_mode() {
    let uniform: Vec<Posting> = (1..=100).map(|i| p(i, 7)).collect();
    // n, mode, tag, 99 one-byte deltas.
    assert_eq!(encode_block(&uniform).len(), 3 + 99);
    let runs: Vec<Posting> = (1..=100).map(|i| p(i, u8::from(i > 50))).collect();
    assert_eq!(encode_block(&runs).len(), 2 + 4 + 99);
    let palette: Vec<Posting> = (1..=100).map(|i| p(i * 1000, (i % 2) as u8)).collect();
    assert_eq!(encode_block(&palette).len(), 2 + (1 + 2 + 13) + 99 * 2);
    let palette4: Vec<Posting> = (1..=100).map(|i| p(i, (i % 4 * 10) as u8)).collect();
    assert_eq!(encode_block(&palette4).len(), 2 + (1 + 4 + 25) + 99);
    let palette16: Vec<Posting> = (1..=100).map(|i| p(i, (i % 16) as u8)).collect();
    assert_eq!(encode_block(&palette16).len(), 2 + (1 + 16 + 50) + 99);
    let each: Vec<Posting> = (1..=100).map(|i| p(i, (i % 17) as u8)).collect();
    assert_eq!(encode_block(&each).len(), 2 + 100 + 99);
    for b in [uniform, runs, palette, palette4, palette16, each] {
        assert_eq!(decode_block(b[0].id, &encode_block(&b)).unwrap(), b);
    }
}

#[test]
fn corrupt_blocks_are_errors() {
    let good = encode_block(&[p(5, 1), p(9, 1)]);
    assert!(decode_block(5, &good).is_ok());
    for bad in [
        vec![],
        vec![0, 0, 0],
        vec![129, 0, 0],
        vec![2, 9, 0, 4],
        vec![2, 0, 1, 0],
        vec![2, 0, 1, 4, 4],
        vec![2, 2, 1, 1],
        vec![2, 2, 3, 1, 4],
        vec![2, 1, 1],
        vec![2, 3, 0, 0],
        vec![2, 3, 17, 1, 2, 3],
        vec![2, 3, 2, 7, 8],
        vec![3, 3, 3, 7, 8, 9, 0b11, 4, 4],
    ] {
        assert!(decode_block(5, &bad).is_err(), "{bad:?}");
    }
    // Overflow past u64::MAX.
    assert!(decode_block(u64::MAX, &good).is_err());
}

#[test]
fn appending_fills_blocks_to_128() {
    let (_dir, db) = file_db();
    insert_all(&db, 7, 1..=300);
    assert_eq!(block_shape(&db, 7), vec![(1, 128), (129, 128), (257, 44)]);
    // One by one, in separate transactions, the same.
    for id in 301..=340 {
        insert_all(&db, 7, [id]);
    }
    assert_eq!(block_shape(&db, 7), vec![(1, 128), (129, 128), (257, 84)]);
    // Oldest first works as well as newest first.
    insert_all(&db, 8, (1..=300).rev());
    assert_eq!(block_shape(&db, 8), vec![(1, 44), (45, 128), (173, 128)]);
    assert_eq!(all_of(&db, 8), (1..=300).collect::<Vec<_>>());
    // Other terms are untouched.
    assert_eq!(all_of(&db, 6), Vec::<u64>::new());
    assert_eq!(all_of(&db, 7), (1..=340).collect::<Vec<_>>());
}

#[test]
fn inserting_into_a_full_block_splits_it() {
    let (_dir, db) = file_db();
    insert_all(&db, 1, (0..256).map(|i| i * 2 + 10));
    assert_eq!(block_shape(&db, 1), vec![(10, 128), (266, 128)]);
    insert_all(&db, 1, [11]);
    assert_eq!(block_shape(&db, 1), vec![(10, 64), (136, 65), (266, 128)]);
    insert_all(&db, 1, [265]);
    assert_eq!(block_shape(&db, 1), vec![(10, 64), (136, 66), (266, 128)]);
    // Before the first block: a new block only when that one is full.
    insert_all(&db, 1, [3]);
    assert_eq!(block_shape(&db, 1)[0], (3, 65));
    let mut want: Vec<u64> = (0..256).map(|i| i * 2 + 10).collect();
    want.extend([11, 265, 3]);
    want.sort();
    assert_eq!(all_of(&db, 1), want);
}

#[test]
fn inserting_twice_updates_the_tag() {
    let (_dir, db) = file_db();
    let tx = db.begin_write().unwrap();
    {
        let mut t = tx.open_table(POSTINGS).unwrap();
        assert!(insert(&mut t, 1, p(5, 1)).unwrap());
        assert!(!insert(&mut t, 1, p(5, 2)).unwrap());
        assert_eq!(list(&t, 1).unwrap(), vec![p(5, 2)]);
    }
    tx.commit().unwrap();
}

#[test]
fn removing_shrinks_and_drops_blocks() {
    let (_dir, db) = file_db();
    insert_all(&db, 2, 1..=300);
    let tx = db.begin_write().unwrap();
    {
        let mut t = tx.open_table(POSTINGS).unwrap();
        assert_eq!(remove(&mut t, 2, 129).unwrap(), Some((129 % 3) as u8));
        assert_eq!(remove(&mut t, 2, 129).unwrap(), None);
        assert_eq!(remove(&mut t, 2, 1000).unwrap(), None);
        assert_eq!(remove(&mut t, 3, 5).unwrap(), None);
        for id in 257..=300 {
            assert!(remove(&mut t, 2, id).unwrap().is_some());
        }
        assert!(remove(&mut t, 2, 200).unwrap().is_some());
    }
    tx.commit().unwrap();
    assert_eq!(block_shape(&db, 2), vec![(1, 128), (130, 126)]);
    let want: Vec<u64> = (1..=256).filter(|&i| i != 129 && i != 200).collect();
    assert_eq!(all_of(&db, 2), want);
}

#[test]
fn bulk_blocks_are_full_and_decode() {
    let ps: Vec<Posting> = (0..300u64).rev().map(|i| p(i * 3, 1)).collect();
    let bs = blocks(&ps);
    assert_eq!(bs.len(), 3);
    assert_eq!(bs[0].0, 0);
    let back: Vec<Posting> = bs
        .iter()
        .flat_map(|(k, b)| decode_block(*k, b).unwrap())
        .collect();
    let mut want = ps.clone();
    want.sort();
    assert_eq!(back, want);
}

#[test]
fn the_dictionary_counts_documents_and_expands_prefixes() {
    let (_dir, db) = file_db();
    let tx = db.begin_write().unwrap();
    {
        let mut d = tx.open_table(DICT).unwrap();
        let mut t = tx.open_table(POSTINGS).unwrap();
        index_document(&mut d, &mut t, 1, 0, ["frist", "fristen", "zins"]).unwrap();
        index_document(&mut d, &mut t, 2, 0, ["frist", "frist", "~rist"]).unwrap();
        index_document(&mut d, &mut t, 2, 0, ["frist"]).unwrap();
        assert_eq!(
            lookup(&d, "frist").unwrap(),
            Some(TermInfo { id: 1, docs: 2 })
        );
        assert_eq!(
            lookup(&d, "fristen").unwrap(),
            Some(TermInfo { id: 2, docs: 1 })
        );
        assert_eq!(
            lookup(&d, "~rist").unwrap(),
            Some(TermInfo { id: 4, docs: 1 })
        );
        assert_eq!(lookup(&d, "").unwrap(), None);
        let e = expand(&d, "fri", 10).unwrap();
        assert_eq!(e.terms.iter().map(|t| t.id).collect::<Vec<_>>(), vec![1, 2]);
        assert!(e.complete);
        assert_eq!(e.docs(), 3);
        let e = expand(&d, "fri", 1).unwrap();
        assert_eq!(e.terms.len(), 1);
        assert!(!e.complete);
        let e = expand(&d, "frist", 1).unwrap();
        assert!(!e.complete, "frist and fristen");
        assert!(expand(&d, "x", 10).unwrap().terms.is_empty());
        assert!(expand(&d, "", 10).unwrap().terms.is_empty());
        let e = expand_all(&d, &["zins".into(), "~ri".into()], 10).unwrap();
        assert_eq!(e.terms.iter().map(|t| t.id).collect::<Vec<_>>(), vec![3, 4]);
        assert!(
            !expand_all(&d, &["zins".into(), "~ri".into()], 1)
                .unwrap()
                .complete
        );

        unindex_document(&mut d, &mut t, 1, ["frist", "fristen", "zins", "nie"]).unwrap();
        assert_eq!(
            lookup(&d, "frist").unwrap(),
            Some(TermInfo { id: 1, docs: 1 })
        );
        assert_eq!(lookup(&d, "fristen").unwrap(), None);
        assert_eq!(list(&t, 2).unwrap(), vec![]);
        // Ids are not reused.
        assert_eq!(intern(&mut d, "fristen").unwrap(), 5);
        assert!(intern(&mut d, "").is_err());
    }
    tx.commit().unwrap();
}

/// A brute-force model of documents: id → (tag, terms).
type Model = BTreeMap<u64, (u8, BTreeSet<u32>)>;

/// Writes the model through `insert` (each document's terms).
fn load(db: &Database, model: &Model) {
    let tx = db.begin_write().unwrap();
    {
        let mut t = tx.open_table(POSTINGS).unwrap();
        for (&id, (tag, terms)) in model {
            for &term in terms {
                insert(&mut t, term, p(id, *tag)).unwrap();
            }
        }
    }
    tx.commit().unwrap();
}

/// The expected result: ids (newest first) with every clause met, the tag
/// in the set, and accepted.
fn brute(
    model: &Model,
    clauses: &[Vec<u32>],
    tags: TagSet,
    accept: impl Fn(u64) -> bool,
) -> Vec<u64> {
    if clauses.is_empty() {
        return Vec::new();
    }
    model
        .iter()
        .rev()
        .filter(|(id, (tag, terms))| {
            tags.contains(*tag)
                && accept(**id)
                && clauses.iter().all(|c| c.iter().any(|t| terms.contains(t)))
        })
        .map(|(id, _)| *id)
        .collect()
}

/// Pages through the whole result with the given limit and budget; checks
/// the page invariants on the way and returns the concatenated hits.
fn page_through(
    db: &Database,
    clauses: &[Vec<u32>],
    tags: TagSet,
    limit: usize,
    budget: u64,
    accept: impl Fn(u64) -> bool,
) -> Vec<u64> {
    let tx = db.begin_read().unwrap();
    let t = tx.open_table(POSTINGS).unwrap();
    let mut out = Vec::new();
    let mut below = None;
    for _ in 0..100_000 {
        let infos: Vec<Vec<TermInfo>> = clauses
            .iter()
            .map(|c| c.iter().map(|&id| TermInfo { id, docs: 1 }).collect())
            .collect();
        let mut sources: Vec<TermSource<'_, _>> =
            infos.iter().map(|i| TermSource::new(&t, i, tags)).collect();
        let mut refs: Vec<&mut dyn Source> =
            sources.iter_mut().map(|s| s as &mut dyn Source).collect();
        let request = Request {
            below,
            limit,
            budget,
        };
        let page = evaluate(&mut refs, &request, |p| Ok(accept(p.id))).unwrap();
        assert!(page.hits.len() <= limit.max(1));
        assert!(page.hits.windows(2).all(|w| w[0].id > w[1].id));
        if let (Some(b), Some(h)) = (below, page.hits.first()) {
            assert!(h.id < b);
        }
        match page.end {
            End::Exhausted => assert_eq!(page.next, None),
            End::Limit => assert_eq!(page.hits.len(), limit.max(1)),
            End::Budget => {}
        }
        if let Some(n) = page.next {
            assert!(below.is_none_or(|b| n < b), "progress");
            assert!(page.hits.iter().all(|h| h.id >= n));
        }
        out.extend(page.hits.iter().map(|h| h.id));
        match page.next {
            None => return out,
            Some(n) => below = Some(n),
        }
    }
    panic!("paging did not end");
}

#[test]
fn evaluation_pages_newest_first_and_stops_on_budget() {
    let (_dir, db) = file_db();
    let mut model = Model::new();
    for id in 1..=5000u64 {
        let mut terms = BTreeSet::from([1]);
        if id % 2 == 0 {
            terms.insert(2);
        }
        if id % 7 == 0 {
            terms.insert(3);
        }
        if id == 3 || id == 4001 {
            terms.insert(4);
        }
        model.insert(id, ((id % 4) as u8, terms));
    }
    load(&db, &model);
    // Two words that meet only in old messages: found past thousands.
    let clauses = vec![vec![4], vec![1]];
    let want = brute(&model, &clauses, TagSet::ALL, |_| true);
    assert_eq!(want, vec![4001, 3]);
    assert_eq!(
        page_through(&db, &clauses, TagSet::ALL, 50, 1000, |_| true),
        want
    );
    for (limit, budget) in [(1, 0), (3, 1), (20, 5), (50, 10_000)] {
        let clauses = vec![vec![2], vec![3, 4]];
        let tags = TagSet::of(&[0, 1]);
        let accept = |id: u64| !id.is_multiple_of(5);
        let want = brute(&model, &clauses, tags, accept);
        assert!(want.len() > 100);
        assert_eq!(
            page_through(&db, &clauses, tags, limit, budget, accept),
            want
        );
    }
    // A first page: limit, with a next page; a budget page.
    let tx = db.begin_read().unwrap();
    let t = tx.open_table(POSTINGS).unwrap();
    let one = [TermInfo { id: 1, docs: 5000 }];
    let mut s = TermSource::new(&t, &one, TagSet::ALL);
    let page = evaluate(
        &mut [&mut s],
        &Request {
            below: None,
            limit: 3,
            budget: 100,
        },
        |_| Ok(true),
    )
    .unwrap();
    assert_eq!(page.hits, vec![p(5000, 0), p(4999, 3), p(4998, 2)]);
    assert_eq!((page.end, page.next), (End::Limit, Some(4998)));
    let mut s = TermSource::new(&t, &one, TagSet::ALL);
    let page = evaluate(
        &mut [&mut s],
        &Request {
            below: Some(4998),
            limit: 10_000,
            budget: 100,
        },
        |_| Ok(true),
    )
    .unwrap();
    assert_eq!(page.end, End::Budget);
    let n = page.next.unwrap();
    assert_eq!(page.hits.len() as u64, 4998 - n);
    // No sources, an exhausted start: nothing.
    let page = evaluate(
        &mut [],
        &Request {
            below: None,
            limit: 5,
            budget: 5,
        },
        |_| Ok(true),
    )
    .unwrap();
    assert_eq!((page.hits.len(), page.end), (0, End::Exhausted));
    let mut s = TermSource::new(&t, &one, TagSet::ALL);
    let page = evaluate(
        &mut [&mut s],
        &Request {
            below: Some(1),
            limit: 5,
            budget: 5,
        },
        |_| Ok(true),
    )
    .unwrap();
    assert_eq!(page.hits, vec![]);
    // An unknown term: no hits.
    let none = [TermInfo { id: 99, docs: 0 }];
    let mut a = TermSource::new(&t, &one, TagSet::ALL);
    let mut b = TermSource::new(&t, &none, TagSet::ALL);
    let page = evaluate(
        &mut [&mut a, &mut b],
        &Request {
            below: None,
            limit: 5,
            budget: 5,
        },
        |_| Ok(true),
    )
    .unwrap();
    assert_eq!((page.hits.len(), page.end), (0, End::Exhausted));
}

#[test]
fn accept_errors_are_passed_on() {
    let db = memory_db();
    let model = Model::from([(1, (0, BTreeSet::from([1])))]);
    load(&db, &model);
    let tx = db.begin_read().unwrap();
    let t = tx.open_table(POSTINGS).unwrap();
    let one = [TermInfo { id: 1, docs: 1 }];
    let mut s = TermSource::new(&t, &one, TagSet::ALL);
    let r = evaluate(
        &mut [&mut s],
        &Request {
            below: None,
            limit: 5,
            budget: 5,
        },
        |_| {
            Err(crate::store::Error::Corrupt {
                table: "x",
                detail: "y".into(),
            })
        },
    );
    assert!(r.is_err());
}

/// Figures for the module docs: 100,000 postings (2,000 messages × 50
/// distinct terms, Zipf over 5,000 terms, tags from 4 values), written
/// message by message as the product would, and in bulk as a migration
/// would. Prints encoded bytes and redb's stored and allocated bytes per
/// posting; `--nocapture` shows them.
#[test]
fn bytes_per_posting() {
    use rand::{Rng, SeedableRng};
    let mut rng = rand::rngs::StdRng::seed_from_u64(18);
    let vocab = 5000usize;
    // Zipf weights 1/rank via the inverse of the harmonic cumulative sum.
    let weights: Vec<f64> = (1..=vocab).map(|r| 1.0 / r as f64).collect();
    let total: f64 = weights.iter().sum();
    let mut cumulative = Vec::with_capacity(vocab);
    let mut acc = 0.0;
    for w in &weights {
        acc += w / total;
        cumulative.push(acc);
    }
    let mut docs: Vec<(u64, u8, Vec<String>)> = Vec::new();
    let mut postings = 0usize;
    for id in 1..=2000u64 {
        let mut terms = BTreeSet::new();
        while terms.len() < 50 {
            let u: f64 = rng.random();
            let rank = cumulative.partition_point(|&c| c < u).min(vocab - 1);
            terms.insert(format!("term{rank:05}"));
        }
        postings += terms.len();
        docs.push((id, rng.random_range(0..4u8), terms.into_iter().collect()));
    }
    assert_eq!(postings, 100_000);

    // Message by message, one transaction per 100 messages.
    let (dir, db) = file_db();
    for chunk in docs.chunks(100) {
        let tx = db.begin_write().unwrap();
        {
            let mut d = tx.open_table(DICT).unwrap();
            let mut t = tx.open_table(POSTINGS).unwrap();
            for (id, tag, terms) in chunk {
                index_document(&mut d, &mut t, *id, *tag, terms.iter().map(String::as_str))
                    .unwrap();
            }
        }
        tx.commit().unwrap();
    }
    let figures = |db: &Database| {
        let tx = db.begin_read().unwrap();
        let t = tx.open_table(POSTINGS).unwrap();
        let s = t.stats().unwrap();
        let mut encoded = 0usize;
        let mut blocks = 0usize;
        for r in t.range::<PostingKey>(..).unwrap() {
            let (_, v) = r.unwrap();
            encoded += v.value().len();
            blocks += 1;
        }
        let dict_bytes = match tx.open_table(DICT) {
            Ok(d) => {
                let d = d.stats().unwrap();
                (d.leaf_pages() + d.branch_pages()) * 4096
            }
            Err(_) => 0,
        };
        (
            encoded as f64 / postings as f64,
            (encoded + blocks * 12) as f64 / postings as f64,
            s.stored_bytes() as f64 / postings as f64,
            (s.leaf_pages() + s.branch_pages()) as f64 * 4096.0 / postings as f64,
            blocks,
            dict_bytes,
        )
    };
    let incremental = figures(&db);
    let file_incremental = std::fs::metadata(dir.path().join("t.redb")).unwrap().len();

    // Bulk: every list as full blocks, written in key order.
    let (dir2, db2) = file_db();
    let mut lists: BTreeMap<u32, Vec<Posting>> = BTreeMap::new();
    {
        let tx = db.begin_read().unwrap();
        let d = tx.open_table(DICT).unwrap();
        for (id, tag, terms) in &docs {
            for term in terms {
                let info = lookup(&d, term).unwrap().unwrap();
                lists.entry(info.id).or_default().push(p(*id, *tag));
            }
        }
    }
    let tx = db2.begin_write().unwrap();
    {
        let mut t = tx.open_table(POSTINGS).unwrap();
        for (term, ps) in &lists {
            for (first, bytes) in blocks(ps) {
                t.insert((*term, first), bytes.as_slice()).unwrap();
            }
        }
    }
    tx.commit().unwrap();
    let bulk = figures(&db2);
    let file_bulk = std::fs::metadata(dir2.path().join("t.redb")).unwrap().len();
    println!(
        "incremental: encoded {:.2} B/posting, with keys {:.2}, redb stored {:.2}, \
         pages {:.2} B/posting; {} blocks; dictionary {} B; file {} B",
        incremental.0,
        incremental.1,
        incremental.2,
        incremental.3,
        incremental.4,
        incremental.5,
        file_incremental
    );
    println!(
        "bulk: encoded {:.2} B/posting, with keys {:.2}, redb stored {:.2}, \
         pages {:.2} B/posting; {} blocks; file {} B",
        bulk.0, bulk.1, bulk.2, bulk.3, bulk.4, file_bulk
    );
    // The bounds the docs quote.
    assert!(incremental.0 < 3.0 && bulk.0 < 3.0);
    assert!(incremental.3 < 8.0 && bulk.3 < 6.0);
}

/// Strategy: a model of up to 300 documents over 8 terms, sparse ids.
fn model_strategy() -> impl Strategy<Value = Model> {
    prop::collection::btree_map(
        1u64..2000,
        (0u8..4, prop::collection::btree_set(0u32..8, 0..5)),
        0..300,
    )
}

fn clauses_strategy() -> impl Strategy<Value = Vec<Vec<u32>>> {
    prop::collection::vec(prop::collection::vec(0u32..9, 1..4), 0..4)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    /// Any block round-trips through the codec.
    #[test]
    fn blocks_round_trip(
        first in 0u64..u64::MAX / 2,
        deltas in prop::collection::vec(1u64..1_000_000, 0..128),
        tags in prop::collection::vec(prop::sample::select(vec![0u8, 1, 2, 3, 4, 7, 9, 200, 255]), 128),
        uniform in any::<bool>(),
    ) {
        let mut id = first;
        let tag = |i: usize| if uniform { tags[0] } else { tags[i] };
        let mut ps = vec![p(first, tag(0))];
        for (i, d) in deltas.iter().enumerate() {
            id += d;
            ps.push(p(id, tag(i + 1)));
        }
        prop_assert_eq!(decode_block(first, &encode_block(&ps)).unwrap(), ps);
    }

    /// Decoding random bytes never panics.
    #[test]
    fn decoding_garbage_does_not_panic(first in any::<u64>(), bytes in prop::collection::vec(any::<u8>(), 0..64)) {
        let _ = decode_block(first, &bytes);
    }

    /// The join equals brute force, across paging, limits and budgets, on
    /// lists built by random inserts and deletions.
    #[test]
    fn evaluation_equals_brute_force(
        mut model in model_strategy(),
        deletions in prop::collection::vec(1u64..2000, 0..60),
        clauses in clauses_strategy(),
        tag_bits in 1u8..16,
        limit in 0usize..30,
        budget in 0u64..40,
        refuse in 0u64..5,
    ) {
        let db = memory_db();
        load(&db, &model);
        // Delete some documents (posting by posting).
        let tx = db.begin_write().unwrap();
        {
            let mut t = tx.open_table(POSTINGS).unwrap();
            for id in deletions {
                if let Some((_, terms)) = model.remove(&id) {
                    for term in terms {
                        prop_assert!(remove(&mut t, term, id).unwrap().is_some());
                    }
                }
            }
        }
        tx.commit().unwrap();
        // Every list is exactly the model's.
        for term in 0..8u32 {
            let want: Vec<u64> = model.iter().filter(|(_, (_, ts))| ts.contains(&term)).map(|(id, _)| *id).collect();
            prop_assert_eq!(all_of(&db, term), want);
            for (_, n) in block_shape(&db, term) {
                prop_assert!((1..=BLOCK_SIZE).contains(&n));
            }
        }
        let tags = TagSet::of(&(0..4).filter(|b| tag_bits & (1 << b) != 0).collect::<Vec<_>>());
        let accept = |id: u64| refuse == 0 || !id.is_multiple_of(refuse + 1);
        let want = brute(&model, &clauses, tags, accept);
        prop_assert_eq!(page_through(&db, &clauses, tags, limit, budget, accept), want);
    }
}

/// End to end with `domain::search_text`: documents indexed by their terms,
/// queries expanded through the dictionary — the same result as the
/// brute-force rule on the texts.
mod with_search_text {
    use super::*;
    use crate::domain::search_text;

    const WORDS: &[&str] = &[
        "Versorgungsauskunft",
        "Auskunft",
        "Rückfrage",
        "rueckfrage",
        "Straße",
        "Beiträge",
        "Frist",
        "Fristen",
        "2026-000123",
        "2026-000124",
        "Zusatzversorgung",
        "Versorgungs-Auskunft",
        "ab",
    ];
    const QUERIES: &[&str] = &[
        "auskunft",
        "versorg",
        "rück",
        "frage",
        "strasse",
        "beitr",
        "frist",
        "2026-0001",
        "2026-000124",
        "sorgungsaus",
        "ab",
        "zz",
    ];

    fn texts() -> impl Strategy<Value = Vec<(String, String)>> {
        let text =
            prop::collection::vec(prop::sample::select(WORDS), 0..4).prop_map(|w| w.join(" "));
        prop::collection::vec((text.clone(), text), 1..60)
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

        #[test]
        fn index_and_rule_agree(
            docs in texts(),
            q in prop::collection::vec(prop::sample::select(QUERIES), 1..3),
            limit in 1usize..5,
        ) {
            let db = memory_db();
            // Betreff with compounds, Text without; one document per pair.
            let tx = db.begin_write().unwrap();
            {
                let mut d = tx.open_table(DICT).unwrap();
                let mut t = tx.open_table(POSTINGS).unwrap();
                for (i, (subject, text)) in docs.iter().enumerate() {
                    let mut terms = search_text::index_terms(subject, true);
                    terms.extend(search_text::index_terms(text, false));
                    index_document(&mut d, &mut t, i as u64 + 1, 0, terms.iter().map(String::as_str)).unwrap();
                }
            }
            tx.commit().unwrap();
            let query = search_text::query(&q.join(" "));
            let want: Vec<u64> = docs
                .iter()
                .enumerate()
                .rev()
                .filter(|(_, (s, t))| search_text::matches(&query, &[(s.as_str(), true), (t.as_str(), false)]))
                .map(|(i, _)| i as u64 + 1)
                .collect();
            let tx = db.begin_read().unwrap();
            let d = tx.open_table(DICT).unwrap();
            let t = tx.open_table(POSTINGS).unwrap();
            let expansions: Vec<Expansion> = query
                .iter()
                .map(|w| expand_all(&d, &w.prefixes(), 1000).unwrap())
                .collect();
            prop_assert!(expansions.iter().all(|e| e.complete));
            let mut got = Vec::new();
            let mut below = None;
            loop {
                let mut sources: Vec<TermSource<'_, _>> = expansions
                    .iter()
                    .map(|e| TermSource::new(&t, &e.terms, TagSet::ALL))
                    .collect();
                let mut refs: Vec<&mut dyn Source> = sources.iter_mut().map(|s| s as &mut dyn Source).collect();
                let page = evaluate(&mut refs, &Request { below, limit, budget: 3 }, |_| Ok(true)).unwrap();
                got.extend(page.hits.iter().map(|h| h.id));
                match page.next {
                    None => break,
                    n => below = n,
                }
            }
            prop_assert_eq!(got, want);
        }
    }

    const PENDING: TableDefinition<(u64, &str), PendingValue> = TableDefinition::new("t_pending");

    /// Documents go to the pending table; random merges move them into
    /// blocks; some are deleted (in either state). Search over blocks and
    /// pending equals the rule at every step.
    fn search_both(
        db: &Database,
        query: &[search_text::QueryWord],
        tags: TagSet,
        limit: usize,
    ) -> Vec<u64> {
        let tx = db.begin_read().unwrap();
        let d = tx.open_table(DICT).unwrap();
        let t = tx.open_table(POSTINGS).unwrap();
        let pend = tx.open_table(PENDING).unwrap();
        let words: Vec<Vec<String>> = query.iter().map(|w| w.prefixes()).collect();
        let expansions: Vec<Expansion> = words
            .iter()
            .map(|w| expand_all(&d, w, 1000).unwrap())
            .collect();
        let pending = pending_postings(&pend, &words, tags).unwrap();
        let mut got = Vec::new();
        let mut below = None;
        loop {
            let mut sources: Vec<TermSource<'_, _>> = expansions
                .iter()
                .zip(&pending)
                .map(|(e, p)| TermSource::new(&t, &e.terms, tags).with_pending(p.clone()))
                .collect();
            let mut refs: Vec<&mut dyn Source> =
                sources.iter_mut().map(|s| s as &mut dyn Source).collect();
            let page = evaluate(
                &mut refs,
                &Request {
                    below,
                    limit,
                    budget: 4,
                },
                |_| Ok(true),
            )
            .unwrap();
            got.extend(page.hits.iter().map(|h| h.id));
            match page.next {
                None => return got,
                n => below = n,
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

        #[test]
        fn pending_and_merged_postings_are_both_found(
            docs in texts(),
            q in prop::collection::vec(prop::sample::select(QUERIES), 1..3),
            merges in prop::collection::vec(0usize..40, 0..4),
            deletions in prop::collection::vec(1u64..60, 0..10),
            limit in 1usize..5,
        ) {
            let db = memory_db();
            let mut live: BTreeMap<u64, (String, String, u8)> = BTreeMap::new();
            for (i, (subject, text)) in docs.iter().enumerate() {
                live.insert(i as u64 + 1, (subject.clone(), text.clone(), (i % 3) as u8));
            }
            let terms_of = |s: &str, t: &str| {
                let mut terms = search_text::index_terms(s, true);
                terms.extend(search_text::index_terms(t, false));
                terms.sort();
                terms.dedup();
                terms
            };
            let tx = db.begin_write().unwrap();
            {
                let mut pend = tx.open_table(PENDING).unwrap();
                tx.open_table(DICT).unwrap();
                tx.open_table(POSTINGS).unwrap();
                for (id, (s, t, tag)) in &live {
                    index_pending(&mut pend, *id, *tag, terms_of(s, t).iter().map(String::as_str)).unwrap();
                }
            }
            tx.commit().unwrap();
            let query = search_text::query(&q.join(" "));
            let tags = TagSet::of(&[0, 2]);
            let check = |live: &BTreeMap<u64, (String, String, u8)>| {
                let want: Vec<u64> = live
                    .iter()
                    .rev()
                    .filter(|(_, (s, t, tag))| {
                        tags.contains(*tag) && search_text::matches(&query, &[(s.as_str(), true), (t.as_str(), false)])
                    })
                    .map(|(id, _)| *id)
                    .collect();
                assert_eq!(search_both(&db, &query, tags, limit), want);
            };
            check(&live);
            for (step, max) in merges.into_iter().enumerate() {
                let tx = db.begin_write().unwrap();
                {
                    let mut d = tx.open_table(DICT).unwrap();
                    let mut t = tx.open_table(POSTINGS).unwrap();
                    let mut pend = tx.open_table(PENDING).unwrap();
                    let before = pending_len(&pend).unwrap();
                    let moved = merge_pending(&mut d, &mut t, &mut pend, max).unwrap();
                    prop_assert_eq!(moved as u64, before.min(max as u64));
                    prop_assert_eq!(pending_len(&pend).unwrap(), before - moved as u64);
                    // Delete a document now and then, wherever its postings are.
                    if let Some(&id) = deletions.get(step)
                        && let Some((s, t_, _)) = live.remove(&id)
                    {
                        let terms = terms_of(&s, &t_);
                        unindex_document(&mut d, &mut t, id, terms.iter().map(String::as_str)).unwrap();
                        unindex_pending(&mut pend, id).unwrap();
                    }
                }
                tx.commit().unwrap();
                check(&live);
            }
            // Everything merged: the dictionary counts are the documents.
            let tx = db.begin_write().unwrap();
            {
                let mut d = tx.open_table(DICT).unwrap();
                let mut t = tx.open_table(POSTINGS).unwrap();
                let mut pend = tx.open_table(PENDING).unwrap();
                merge_pending(&mut d, &mut t, &mut pend, usize::MAX).unwrap();
                prop_assert_eq!(pending_len(&pend).unwrap(), 0);
                let mut counts: BTreeMap<String, u32> = BTreeMap::new();
                for (s, t_, _) in live.values() {
                    for term in terms_of(s, t_) {
                        *counts.entry(term).or_default() += 1;
                    }
                }
                for (term, n) in counts {
                    prop_assert_eq!(lookup(&d, &term).unwrap().map(|i| i.docs), Some(n));
                }
            }
            tx.commit().unwrap();
            check(&live);
        }
    }
}

#[test]
fn removing_merges_small_blocks_into_their_predecessor() {
    let (_dir, db) = file_db();
    insert_all(&db, 4, 1..=300);
    let tx = db.begin_write().unwrap();
    {
        let mut t = tx.open_table(POSTINGS).unwrap();
        for id in (2..=120).chain(130..=250) {
            assert!(remove(&mut t, 4, id).unwrap().is_some());
        }
    }
    tx.commit().unwrap();
    assert_eq!(block_shape(&db, 4), vec![(1, 16), (257, 44)]);
    let tx = db.begin_write().unwrap();
    {
        let mut t = tx.open_table(POSTINGS).unwrap();
        for id in 260..=290 {
            assert!(remove(&mut t, 4, id).unwrap().is_some());
        }
    }
    tx.commit().unwrap();
    assert_eq!(block_shape(&db, 4), vec![(1, 29)]);
    let want: Vec<u64> = [1]
        .into_iter()
        .chain(121..=129)
        .chain(251..=259)
        .chain(291..=300)
        .collect();
    assert_eq!(all_of(&db, 4), want);
}

#[test]
fn in_memory_sources_seek_backwards() {
    use Seek::{End, Found};
    let mut ids = Ids::new(vec![p(9, 1), p(3, 2), p(5, 0), p(5, 7)]);
    let mut work = Work::unlimited();
    assert_eq!(ids.seek(100, &mut work).unwrap(), Found(p(9, 1)));
    assert_eq!(ids.seek(8, &mut work).unwrap(), Found(p(5, 0)));
    assert_eq!(ids.seek(2, &mut work).unwrap(), End);
    assert_eq!((ids.estimate(), work.used()), (3, 0));
    let calls = std::cell::Cell::new(0);
    let set = [2u64, 4, 8];
    let mut f = SeekFn::new(3, |x| {
        calls.set(calls.get() + 1);
        Ok(set.iter().rev().find(|&&i| i <= x).map(|&id| p(id, 0)))
    });
    assert_eq!(f.seek(10, &mut work).unwrap(), Found(p(8, 0)));
    assert_eq!(f.seek(9, &mut work).unwrap(), Found(p(8, 0)));
    assert_eq!(f.seek(8, &mut work).unwrap(), Found(p(8, 0)));
    assert_eq!(calls.get(), 1, "cached");
    assert_eq!(f.seek(7, &mut work).unwrap(), Found(p(4, 0)));
    assert_eq!(f.seek(1, &mut work).unwrap(), End);
    assert_eq!(f.seek(0, &mut work).unwrap(), End);
    assert_eq!((calls.get(), work.used()), (3, 3));
    // A spent budget: a cached answer still comes, else a pause.
    let mut spent = Work::budget(0);
    let mut g = SeekFn::new(3, |x| {
        Ok(set.iter().rev().find(|&&i| i <= x).map(|&id| p(id, 0)))
    });
    assert_eq!(g.seek(5, &mut spent).unwrap(), Seek::Below(5));
    let mut u = Union::new(vec![
        Box::new(Ids::new(vec![p(1, 0), p(6, 0)])),
        Box::new(Ids::new(vec![p(4, 1)])),
    ]);
    let got: Vec<Seek> = [10, 5, 3, 0]
        .iter()
        .map(|&x| u.seek(x, &mut work).unwrap())
        .collect();
    assert_eq!(
        got,
        vec![Found(p(6, 0)), Found(p(4, 1)), Found(p(1, 0)), End]
    );
    assert_eq!(u.estimate(), 3);
}

/// With a tag filter that skips almost everything, the budget still
/// bounds each page (the term source pauses between blocks), and paging
/// finds every match.
#[test]
fn rejected_tags_do_not_outrun_the_budget() {
    let (_dir, db) = file_db();
    let model: Model = (1..=20_000u64)
        .map(|id| (id, (u8::from(id % 5000 == 0), BTreeSet::from([1]))))
        .collect();
    load(&db, &model);
    let tx = db.begin_read().unwrap();
    let t = tx.open_table(POSTINGS).unwrap();
    let one = [TermInfo {
        id: 1,
        docs: 20_000,
    }];
    let mut below = None;
    let mut got = Vec::new();
    let mut pages = 0;
    loop {
        let mut s = TermSource::new(&t, &one, TagSet::of(&[1]));
        let page = evaluate(
            &mut [&mut s],
            &Request {
                below,
                limit: 10,
                budget: 20,
            },
            |_| Ok(true),
        )
        .unwrap();
        assert!(page.work <= 22, "{}", page.work);
        pages += 1;
        got.extend(page.hits.iter().map(|h| h.id));
        match page.next {
            None => break,
            n => below = n,
        }
    }
    assert_eq!(got, vec![20_000, 15_000, 10_000, 5_000]);
    // 157 blocks, 20 per page.
    assert!((8..=10).contains(&pages), "{pages}");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Terms ANDed with the union of the readable mailboxes (closure
    /// sources over sets, as the store would over its mailbox entries)
    /// equal brute force across paging and budgets.
    #[test]
    fn terms_and_mailboxes_equal_brute_force(
        model in model_strategy(),
        mailbox_of in prop::collection::vec(0usize..4, 2000),
        readable in prop::collection::btree_set(0usize..4, 0..4),
        clauses in clauses_strategy(),
        limit in 1usize..20,
        budget in 0u64..30,
    ) {
        let db = memory_db();
        load(&db, &model);
        let mut mailboxes: Vec<BTreeSet<u64>> = vec![BTreeSet::new(); 4];
        for &id in model.keys() {
            mailboxes[mailbox_of[id as usize]].insert(id);
        }
        let want = brute(&model, &clauses, TagSet::ALL, |id| readable.contains(&mailbox_of[id as usize]));
        let tx = db.begin_read().unwrap();
        let t = tx.open_table(POSTINGS).unwrap();
        let infos: Vec<Vec<TermInfo>> = clauses
            .iter()
            .map(|c| c.iter().map(|&id| TermInfo { id, docs: 1 }).collect())
            .collect();
        let mut got = Vec::new();
        let mut below = None;
        loop {
            let mut terms: Vec<TermSource<'_, _>> =
                infos.iter().map(|i| TermSource::new(&t, i, TagSet::ALL)).collect();
            let mut union = Union::new(
                readable
                    .iter()
                    .map(|&m| {
                        let set = &mailboxes[m];
                        Box::new(SeekFn::new(set.len() as u64, move |x| {
                            Ok(set.range(..=x).next_back().map(|&id| p(id, 0)))
                        })) as Box<dyn Source>
                    })
                    .collect(),
            );
            let mut refs: Vec<&mut dyn Source> = terms.iter_mut().map(|s| s as &mut dyn Source).collect();
            if !clauses.is_empty() {
                refs.push(&mut union);
            }
            let page = evaluate(&mut refs, &Request { below, limit, budget }, |_| Ok(true)).unwrap();
            got.extend(page.hits.iter().map(|h| h.id));
            match page.next {
                None => break,
                n => below = n,
            }
        }
        prop_assert_eq!(got, want);
    }
}

/// The encoded size at a larger scale, without redb (ignored: takes a few
/// seconds; run with `cargo test --lib bytes_per_posting_at_scale --
/// --ignored --nocapture`): 50,000 messages × 50 distinct terms, Zipf over
/// 100,000 terms, tags from 4 values. Per posting: the encoded blocks, and
/// with 12 bytes of key per block.
#[test]
#[ignore]
fn bytes_per_posting_at_scale() {
    use rand::{Rng, SeedableRng};
    let mut rng = rand::rngs::StdRng::seed_from_u64(18);
    let vocab = 100_000usize;
    let total: f64 = (1..=vocab).map(|r| 1.0 / r as f64).sum();
    let mut cumulative = Vec::with_capacity(vocab);
    let mut acc = 0.0;
    for r in 1..=vocab {
        acc += 1.0 / r as f64 / total;
        cumulative.push(acc);
    }
    let mut lists: Vec<Vec<Posting>> = vec![Vec::new(); vocab];
    let mut postings = 0usize;
    for id in 1..=50_000u64 {
        let tag = rng.random_range(0..4u8);
        let mut terms = BTreeSet::new();
        while terms.len() < 50 {
            let u: f64 = rng.random();
            terms.insert(cumulative.partition_point(|&c| c < u).min(vocab - 1));
        }
        for t in terms {
            lists[t].push(p(id, tag));
            postings += 1;
        }
    }
    let mut encoded = 0usize;
    let mut nblocks = 0usize;
    for l in &lists {
        for (_, b) in blocks(l) {
            encoded += b.len();
            nblocks += 1;
        }
    }
    let terms = lists.iter().filter(|l| !l.is_empty()).count();
    println!(
        "{postings} postings, {terms} terms, {nblocks} blocks: encoded {:.2} B/posting, with keys {:.2}",
        encoded as f64 / postings as f64,
        (encoded + 12 * nblocks) as f64 / postings as f64
    );
}
