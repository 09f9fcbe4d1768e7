//! Binary data (attachments, generated documents): stored as raw bytes in
//! chunks of at most [`CHUNK_SIZE`], never through the JSON codec, and read
//! back chunk by chunk so memory does not grow with the size of a file.
//!
//! redb keeps a value larger than a page in a leaf of a power-of-two run
//! of 4 KiB pages. A chunk is therefore sized to fill such a run exactly
//! (2^k pages less [`LEAF_OVERHEAD`]): the full chunks take 1 MiB runs, and
//! the rest of a blob is split into descending power-of-two runs, so a
//! 200 kB attachment takes 128 + 64 + 8 KiB and a few bytes, not 256 KiB.

use redb::ReadableTable;

use super::{Error, ReadAccess, WriteTx, tables};

/// Bytes of a leaf page that a chunk cannot use: the page header, the
/// value's offset and the key, with room to spare.
pub const LEAF_OVERHEAD: usize = 64;

/// redb's page size.
const PAGE: usize = 4096;

/// Largest chunk stored in one record: a 1 MiB run less the leaf's
/// overhead (a value of exactly 1 MiB plus its page header would take
/// 2 MiB).
pub const CHUNK_SIZE: usize = 1024 * 1024 - LEAF_OVERHEAD;

/// The chunk sizes the rest of a blob is split into: the largest run of
/// 2^k pages (less the overhead) that the rest fills, then the next;
/// what remains below one page is the last, small chunk.
fn tail_sizes(mut rest: usize) -> Vec<usize> {
    let mut out = Vec::new();
    while rest > 0 {
        let mut run = PAGE;
        while run * 2 - LEAF_OVERHEAD <= rest && run * 2 <= CHUNK_SIZE + LEAF_OVERHEAD {
            run *= 2;
        }
        let size = if run - LEAF_OVERHEAD <= rest {
            run - LEAF_OVERHEAD
        } else {
            rest
        };
        out.push(size);
        rest -= size;
    }
    out
}

/// Writes one blob in chunks inside a write transaction. Nothing is
/// visible before the transaction commits; dropping the transaction
/// without commit leaves nothing behind.
pub struct BlobWriter<'t> {
    tx: &'t WriteTx,
    id: u64,
    buffer: Vec<u8>,
    chunks: u32,
    len: u64,
}

impl<'t> BlobWriter<'t> {
    pub fn new(tx: &'t WriteTx) -> Result<Self, Error> {
        Ok(Self {
            tx,
            id: super::next_id(tx, "blob")?,
            buffer: Vec::new(),
            chunks: 0,
            len: 0,
        })
    }

    pub fn id(&self) -> u64 {
        self.id
    }

    pub fn write(&mut self, mut data: &[u8]) -> Result<(), Error> {
        while !data.is_empty() {
            let room = CHUNK_SIZE - self.buffer.len();
            let (now, rest) = data.split_at(room.min(data.len()));
            self.buffer.extend_from_slice(now);
            data = rest;
            if self.buffer.len() == CHUNK_SIZE {
                self.flush()?;
            }
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), Error> {
        let buffer = std::mem::take(&mut self.buffer);
        let mut table = self.tx.open_table(tables::BLOB_CHUNKS)?;
        let mut at = 0;
        for size in tail_sizes(buffer.len()) {
            table.insert((self.id, self.chunks), &buffer[at..at + size])?;
            at += size;
            self.chunks += 1;
        }
        self.len += buffer.len() as u64;
        self.buffer = buffer;
        self.buffer.clear();
        Ok(())
    }

    /// Stores the last chunks and the blob's length; returns (id, length).
    pub fn finish(mut self) -> Result<(u64, u64), Error> {
        self.flush()?;
        self.tx
            .open_table(tables::BLOBS)?
            .insert(self.id, self.len)?;
        Ok((self.id, self.len))
    }
}

/// Stores `data` as a new blob; returns its id.
pub fn put(tx: &WriteTx, data: &[u8]) -> Result<u64, Error> {
    let mut w = BlobWriter::new(tx)?;
    w.write(data)?;
    Ok(w.finish()?.0)
}

/// The length of a blob, `None` if there is none with this id.
pub fn len(tx: &impl ReadAccess, id: u64) -> Result<Option<u64>, Error> {
    Ok(tx.open(tables::BLOBS)?.get(id)?.map(|v| v.value()))
}

/// Hands the blob's chunks in order to `sink` until it returns false;
/// returns whether the blob exists.
pub fn read_chunks(
    tx: &impl ReadAccess,
    id: u64,
    mut sink: impl FnMut(&[u8]) -> bool,
) -> Result<bool, Error> {
    if len(tx, id)?.is_none() {
        return Ok(false);
    }
    let chunks = tx.open(tables::BLOB_CHUNKS)?;
    for item in chunks.range((id, 0)..=(id, u32::MAX))? {
        let (_, bytes) = item?;
        if !sink(bytes.value()) {
            break;
        }
    }
    Ok(true)
}

/// The whole blob in memory (small blobs only, e.g. a mail).
pub fn read_all(tx: &impl ReadAccess, id: u64) -> Result<Option<Vec<u8>>, Error> {
    let mut out = Vec::new();
    let found = read_chunks(tx, id, |c| {
        out.extend_from_slice(c);
        true
    })?;
    Ok(found.then_some(out))
}

pub fn delete(tx: &WriteTx, id: u64) -> Result<(), Error> {
    let mut chunks = tx.open_table(tables::BLOB_CHUNKS)?;
    let keys: Vec<(u64, u32)> = chunks
        .range((id, 0)..=(id, u32::MAX))?
        .map(|item| item.map(|(k, _)| k.value()))
        .collect::<Result<_, _>>()?;
    for key in keys {
        chunks.remove(key)?;
    }
    tx.open_table(tables::BLOBS)?.remove(id)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::store::Store;

    #[test]
    fn a_large_blob_is_chunked_and_read_back_unchanged() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let data: Vec<u8> = (0..(10 * CHUNK_SIZE + 12345))
            .map(|i| (i % 251) as u8)
            .collect();
        let id = store.write(|tx| put(tx, &data)).unwrap();
        let (chunks, largest, back) = store
            .read(|tx| {
                let mut n = 0;
                let mut largest = 0;
                let mut back = Vec::new();
                read_chunks(tx, id, |c| {
                    n += 1;
                    largest = largest.max(c.len());
                    back.extend_from_slice(c);
                    true
                })?;
                Ok::<_, Error>((n, largest, back))
            })
            .unwrap();
        // Ten full chunks, then 12345 bytes as 8 KiB + 4 KiB runs and a rest.
        assert_eq!(chunks, 13);
        assert!(largest <= CHUNK_SIZE);
        assert_eq!(back, data);
        assert_eq!(
            store.read(|tx| len(tx, id)).unwrap(),
            Some(data.len() as u64)
        );
        // Stored as bytes: the file holds about the payload (JSON would be 3-4x).
        assert!(
            store.file_size() < 2 * data.len() as u64,
            "{} bytes on disk",
            store.file_size()
        );
        store.write(|tx| delete(tx, id)).unwrap();
        assert_eq!(store.read(|tx| read_all(tx, id)).unwrap(), None);
    }

    #[test]
    fn the_rest_of_a_blob_fills_power_of_two_runs() {
        let o = LEAF_OVERHEAD;
        assert_eq!(
            tail_sizes(200 * 1024),
            vec![128 * 1024 - o, 64 * 1024 - o, 8 * 1024 - o, 3 * o]
        );
        assert_eq!(tail_sizes(100), vec![100]);
        assert_eq!(tail_sizes(CHUNK_SIZE), vec![CHUNK_SIZE]);
        assert_eq!(tail_sizes(CHUNK_SIZE + 1), vec![CHUNK_SIZE, 1]);
        assert!(tail_sizes(0).is_empty());
    }

    /// A 200 KiB attachment takes about 200 KiB of pages, not 256 KiB.
    #[test]
    fn a_200_kib_blob_wastes_no_power_of_two_run() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let pages = |store: &Store| {
            store
                .write(|tx| {
                    Ok::<_, Error>(tx.0.stats().map_err(redb::Error::from)?.allocated_pages())
                })
                .unwrap()
        };
        let growth = |store: &Store, f: &dyn Fn(&WriteTx) -> Result<(), Error>| {
            let before = pages(store);
            store.write(f).unwrap();
            pages(store).saturating_sub(before) * 4096
        };
        // The pages any small write costs (copied leaves and branches).
        // A few writes first, so that pages freed by the transactions of
        // the open (migrations, lazily created tables) are reused and no
        // longer shrink the count.
        for _ in 0..4 {
            growth(&store, &|tx| put(tx, b"x").map(drop));
        }
        let base = growth(&store, &|tx| put(tx, b"x").map(drop));
        let data = vec![7u8; 200 * 1024];
        let used = growth(&store, &|tx| put(tx, &data).map(drop)).saturating_sub(base);
        // One chunk, as before: a 256 KiB run.
        let single = growth(&store, &|tx| {
            tx.open_table(tables::BLOB_CHUNKS)?
                .insert((u64::MAX, 0), data.as_slice())?;
            Ok(())
        })
        .saturating_sub(base);
        assert!(
            used <= 208 * 1024 && single >= 248 * 1024,
            "{} KiB for 200 KiB (one chunk: {} KiB)",
            used / 1024,
            single / 1024
        );
    }
}
