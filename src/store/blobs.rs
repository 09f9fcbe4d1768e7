//! Binary data (attachments, generated documents): stored as raw bytes in
//! chunks of at most [`CHUNK_SIZE`], never through the JSON codec, and read
//! back chunk by chunk so memory does not grow with the size of a file.

use redb::{ReadableTable, WriteTransaction};

use super::{Error, ReadAccess, tables};

/// Largest chunk stored in one record: just under 1 MiB, because redb
/// stores a large value on pages of a power-of-two size, and a value of
/// exactly 1 MiB plus its page header would take 2 MiB.
pub const CHUNK_SIZE: usize = 1024 * 1024 - 4096;

/// Writes one blob in chunks inside a write transaction. Nothing is
/// visible before the transaction commits; dropping the transaction
/// without commit leaves nothing behind.
pub struct BlobWriter<'t> {
    tx: &'t WriteTransaction,
    id: u64,
    buffer: Vec<u8>,
    chunks: u32,
    len: u64,
}

impl<'t> BlobWriter<'t> {
    pub fn new(tx: &'t WriteTransaction) -> Result<Self, Error> {
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
        if self.buffer.is_empty() {
            return Ok(());
        }
        self.tx
            .open_table(tables::BLOB_CHUNKS)?
            .insert((self.id, self.chunks), self.buffer.as_slice())?;
        self.len += self.buffer.len() as u64;
        self.chunks += 1;
        self.buffer.clear();
        Ok(())
    }

    /// Stores the last chunk and the blob's length; returns (id, length).
    pub fn finish(mut self) -> Result<(u64, u64), Error> {
        self.flush()?;
        self.tx
            .open_table(tables::BLOBS)?
            .insert(self.id, self.len)?;
        Ok((self.id, self.len))
    }
}

/// Stores `data` as a new blob; returns its id.
pub fn put(tx: &WriteTransaction, data: &[u8]) -> Result<u64, Error> {
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

pub fn delete(tx: &WriteTransaction, id: u64) -> Result<(), Error> {
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
        assert_eq!(chunks, 11);
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
}
