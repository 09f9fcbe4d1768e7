//! The encoding of one block of postings (see the module docs of
//! `store::postings` for the format). Decoding never panics: a malformed
//! block is [`Error::Corrupt`].

use super::{BLOCK_SIZE, Posting, TABLE_NAME};
use crate::store::Error;

/// Tags stored once for the whole block.
const TAGS_UNIFORM: u8 = 0;
/// One tag byte per posting.
const TAGS_EACH: u8 = 1;
/// Runs of equal tags: `(run length u8, tag u8)` pairs.
const TAGS_RUNS: u8 = 2;
/// A palette of at most 16 distinct tags (`k: u8`, the `k` tags), then
/// each posting's palette index in 1, 2 or 4 bits (the fewest that hold
/// `k - 1`), packed from the low bits of each byte up.
const TAGS_PALETTE: u8 = 3;

fn corrupt(detail: impl Into<String>) -> Error {
    Error::Corrupt {
        table: TABLE_NAME,
        detail: detail.into(),
    }
}

/// Appends `v` as an unsigned LEB128 varint.
pub(super) fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// Reads a LEB128 varint at `*pos`, advancing it.
pub(super) fn get_varint(bytes: &[u8], pos: &mut usize) -> Result<u64, Error> {
    let mut v: u64 = 0;
    let mut shift = 0u32;
    loop {
        let Some(&b) = bytes.get(*pos) else {
            return Err(corrupt("block ends inside a varint"));
        };
        *pos += 1;
        if shift == 63 && b > 1 {
            return Err(corrupt("varint overflows u64"));
        }
        v |= u64::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            return Ok(v);
        }
        shift += 7;
        if shift > 63 {
            return Err(corrupt("varint too long"));
        }
    }
}

/// Encodes 1 to [`BLOCK_SIZE`] postings with strictly ascending ids. The
/// first id is not stored: it is the block's key. Callers guarantee the
/// preconditions (checked in debug builds).
pub fn encode_block(postings: &[Posting]) -> Vec<u8> {
    debug_assert!(!postings.is_empty() && postings.len() <= BLOCK_SIZE);
    debug_assert!(postings.windows(2).all(|w| w[0].id < w[1].id));
    let n = postings.len();
    let mut out = Vec::with_capacity(2 + n * 3);
    out.push(n as u8);
    let runs = tag_runs(postings);
    let palette = tag_palette(postings);
    let runs_len = runs.len() * 2;
    let palette_len = palette.as_ref().map_or(usize::MAX, |(tags, bits)| {
        1 + tags.len() + (n * bits).div_ceil(8)
    });
    if runs.len() == 1 {
        out.push(TAGS_UNIFORM);
        out.push(postings[0].tag);
    } else if runs_len <= palette_len && runs_len < n {
        out.push(TAGS_RUNS);
        for (len, tag) in runs {
            out.push(len);
            out.push(tag);
        }
    } else if let Some((tags, bits)) = palette.filter(|_| palette_len < n) {
        out.push(TAGS_PALETTE);
        out.push(tags.len() as u8);
        out.extend_from_slice(&tags);
        let mut packed = vec![0u8; (n * bits).div_ceil(8)];
        for (i, p) in postings.iter().enumerate() {
            let index = tags.iter().position(|&t| t == p.tag).unwrap_or(0) as u8;
            let bit = i * bits;
            packed[bit / 8] |= index << (bit % 8);
        }
        out.extend_from_slice(&packed);
    } else {
        out.push(TAGS_EACH);
        out.extend(postings.iter().map(|p| p.tag));
    }
    for w in postings.windows(2) {
        put_varint(&mut out, w[1].id - w[0].id);
    }
    out
}

/// Runs of equal tags as (length, tag); a run is at most 128 long.
fn tag_runs(postings: &[Posting]) -> Vec<(u8, u8)> {
    let mut runs: Vec<(u8, u8)> = Vec::new();
    for p in postings {
        match runs.last_mut() {
            Some((len, tag)) if *tag == p.tag && usize::from(*len) < BLOCK_SIZE => *len += 1,
            _ => runs.push((1, p.tag)),
        }
    }
    runs
}

/// The distinct tags (at most 16, in order of appearance) and the bits per
/// index (1, 2 or 4); `None` for more than 16 distinct tags.
fn tag_palette(postings: &[Posting]) -> Option<(Vec<u8>, usize)> {
    let mut tags: Vec<u8> = Vec::new();
    for p in postings {
        if !tags.contains(&p.tag) {
            if tags.len() == 16 {
                return None;
            }
            tags.push(p.tag);
        }
    }
    let bits = match tags.len() {
        0..=2 => 1,
        3..=4 => 2,
        _ => 4,
    };
    Some((tags, bits))
}

/// Decodes a block whose key (smallest id) is `first`.
pub fn decode_block(first: u64, bytes: &[u8]) -> Result<Vec<Posting>, Error> {
    let (&n, rest) = bytes.split_first().ok_or_else(|| corrupt("empty block"))?;
    let n = usize::from(n);
    if n == 0 || n > BLOCK_SIZE {
        return Err(corrupt(format!("block of {n} postings")));
    }
    let (&mode, rest) = rest
        .split_first()
        .ok_or_else(|| corrupt("block without tags"))?;
    let mut tags: Vec<u8> = Vec::with_capacity(n);
    let mut pos = 0usize;
    match mode {
        TAGS_UNIFORM => {
            let t = *rest.first().ok_or_else(|| corrupt("block without tag"))?;
            tags.resize(n, t);
            pos = 1;
        }
        TAGS_EACH => {
            let t = rest
                .get(..n)
                .ok_or_else(|| corrupt("block ends inside tags"))?;
            tags.extend_from_slice(t);
            pos = n;
        }
        TAGS_RUNS => {
            while tags.len() < n {
                let (Some(&len), Some(&t)) = (rest.get(pos), rest.get(pos + 1)) else {
                    return Err(corrupt("block ends inside tag runs"));
                };
                pos += 2;
                if len == 0 || tags.len() + usize::from(len) > n {
                    return Err(corrupt("tag runs do not add up"));
                }
                tags.resize(tags.len() + usize::from(len), t);
            }
        }
        TAGS_PALETTE => {
            let k = usize::from(
                *rest
                    .first()
                    .ok_or_else(|| corrupt("block without palette"))?,
            );
            let palette = rest
                .get(1..1 + k)
                .filter(|_| (1..=16).contains(&k))
                .ok_or_else(|| corrupt("bad tag palette"))?;
            let bits = match k {
                0..=2 => 1,
                3..=4 => 2,
                _ => 4,
            };
            pos = 1 + k;
            let packed = rest
                .get(pos..pos + (n * bits).div_ceil(8))
                .ok_or_else(|| corrupt("block ends inside packed tags"))?;
            let mask = (1u8 << bits) - 1;
            for i in 0..n {
                let bit = i * bits;
                let index = usize::from((packed[bit / 8] >> (bit % 8)) & mask);
                tags.push(
                    *palette
                        .get(index)
                        .ok_or_else(|| corrupt("tag index outside the palette"))?,
                );
            }
            pos += packed.len();
        }
        m => return Err(corrupt(format!("unknown tag mode {m}"))),
    }
    let mut out = Vec::with_capacity(n);
    let mut id = first;
    for (i, tag) in tags.into_iter().enumerate() {
        if i > 0 {
            let delta = get_varint(rest, &mut pos)?;
            if delta == 0 {
                return Err(corrupt("ids not ascending"));
            }
            id = id
                .checked_add(delta)
                .ok_or_else(|| corrupt("id overflows u64"))?;
        }
        out.push(Posting { id, tag });
    }
    if pos != rest.len() {
        return Err(corrupt("trailing bytes after block"));
    }
    Ok(out)
}
