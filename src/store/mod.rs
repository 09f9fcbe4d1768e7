//! The embedded database: one redb file in the data directory.
//!
//! `Store` opens the file (refusing a second process and a newer schema),
//! and hands out transactions. The typed functions in the submodules take a
//! transaction, so one user action is composed of several of them and
//! committed once.

pub mod accounts;
pub mod audit;
pub mod audit_chain;
pub mod backup;
pub mod blobs;
pub mod codec;
mod codes;
pub mod counters;
pub mod faq;
pub mod feedback;
pub mod links;
pub mod mail_queue;
pub mod mailboxes;
pub mod messages;
mod migrate;
mod migrate_v4;
mod migrate_v7;
pub mod orgs;
pub mod persons;
pub mod postings;
pub mod reports;
pub mod search_index;
pub mod secrets;
pub mod sessions;
mod tables;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use redb::{Database, Durability, ReadableDatabase};

/// A read transaction: one consistent snapshot of the store. Owned by the
/// store (code outside `store` never names a type of the database engine),
/// so a second backend stays a change inside this module.
pub struct ReadTx(redb::ReadTransaction);

/// One write transaction: everything written through it is committed at
/// once or not at all (see [`Store::write`]). Owned by the store like
/// [`ReadTx`].
pub struct WriteTx(redb::WriteTransaction);

impl ReadTx {
    /// Opens a table of this snapshot (see [`tables`]).
    #[cfg(test)]
    pub(in crate::store) fn open_table<K: redb::Key + 'static, V: redb::Value + 'static>(
        &self,
        def: redb::TableDefinition<K, V>,
    ) -> Result<redb::ReadOnlyTable<K, V>, redb::TableError> {
        self.0.open_table(def)
    }
}

impl WriteTx {
    /// Opens (creating it when missing) a table for writing.
    #[inline]
    pub(in crate::store) fn open_table<'t, K: redb::Key + 'static, V: redb::Value + 'static>(
        &'t self,
        def: redb::TableDefinition<K, V>,
    ) -> Result<redb::Table<'t, K, V>, redb::TableError> {
        self.0.open_table(def)
    }

    /// Drops a table with everything in it (migrations).
    pub(in crate::store) fn delete_table<K: redb::Key + 'static, V: redb::Value + 'static>(
        &self,
        def: redb::TableDefinition<K, V>,
    ) -> Result<bool, redb::TableError> {
        self.0.delete_table(def)
    }

    /// Commits everything written through this transaction.
    pub(in crate::store) fn commit(self) -> Result<(), Error> {
        Ok(self.0.commit()?)
    }
}

/// File name of the database inside the data directory.
pub const DB_FILE: &str = "meine-versorgung.redb";

/// Default page cache of redb; defined with the setting it defaults
/// (`config::storage`), so config needs nothing from the store.
pub use crate::config::DEFAULT_CACHE_SIZE;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("the data directory {0} is already in use by another running meine-versorgung process")]
    AlreadyOpen(PathBuf),
    #[error(
        "the store has schema version {found}, but this program supports at most {supported}; refusing to open it (downgrade?)"
    )]
    SchemaTooNew { found: u64, supported: u64 },
    #[error("corrupt record in table {table}: {detail}")]
    Corrupt { table: &'static str, detail: String },
    #[error("database error: {0}")]
    Db(#[source] DbError),
    #[error("i/o error on {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// Less than the reserve is free on the data directory's file system;
    /// the write was refused before it began.
    #[error("the data directory has only {free} bytes free (reserve: {reserve}); write refused")]
    StorageFull { free: u64, reserve: u64 },
}

impl Error {
    /// Whether the error means a full disk: the reserve check, or ENOSPC /
    /// EDQUOT from the file system (also as redb's "previous I/O error").
    pub fn is_storage_full(&self) -> bool {
        fn full(e: &std::io::Error) -> bool {
            matches!(
                e.kind(),
                std::io::ErrorKind::StorageFull | std::io::ErrorKind::QuotaExceeded
            )
        }
        match self {
            Error::StorageFull { .. } => true,
            Error::Io { source, .. } => full(source),
            Error::Db(DbError(redb::Error::Io(e))) => full(e),
            _ => false,
        }
    }
}

macro_rules! from_redb {
    ($($t:ty),*) => {$(
        impl From<$t> for Error {
            fn from(e: $t) -> Self {
                Error::Db(DbError(e.into()))
            }
        }
    )*};
}
from_redb!(
    redb::TransactionError,
    redb::TableError,
    redb::StorageError,
    redb::CommitError,
    redb::SetDurabilityError
);

impl From<redb::DatabaseError> for Error {
    fn from(e: redb::DatabaseError) -> Self {
        Error::Db(DbError(e.into()))
    }
}

impl From<redb::Error> for Error {
    fn from(e: redb::Error) -> Self {
        Error::Db(DbError(e))
    }
}

/// An error of the database engine, opaque outside the store (callers
/// tell only a full disk apart: [`Error::is_storage_full`]).
#[derive(Debug)]
pub struct DbError(redb::Error);

impl std::fmt::Display for DbError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for DbError {}

/// Handle to the open database; cheap to clone.
#[derive(Clone)]
pub struct Store {
    db: Arc<Database>,
    path: PathBuf,
    /// Bytes that must stay free on the file system for a write to begin
    /// (see [`Store::set_reserve`]).
    reserve: Arc<std::sync::atomic::AtomicU64>,
    /// Whether durable commits record redb's allocator state (see
    /// [`Store::set_quick_repair`]).
    quick_repair: Arc<std::sync::atomic::AtomicBool>,
}

impl Store {
    /// Opens (or creates) the store in `data_dir` with the default cache
    /// size and migrates it.
    pub fn open(data_dir: &Path) -> Result<Store, Error> {
        Self::open_with(data_dir, DEFAULT_CACHE_SIZE)
    }

    /// Opens (or creates) the store in `data_dir` with a page cache of
    /// `cache_size` bytes (`store.cache_size`) and migrates it.
    pub fn open_with(data_dir: &Path, cache_size: u64) -> Result<Store, Error> {
        std::fs::create_dir_all(data_dir).map_err(|source| Error::Io {
            path: data_dir.to_owned(),
            source,
        })?;
        let path = data_dir.join(DB_FILE);
        let existed = path.exists();
        if existed {
            refuse_newer_schema(&path, data_dir)?;
            crate::modes::warn_if_wide(&path);
        }
        let mut db = match Database::builder()
            .set_cache_size(usize::try_from(cache_size).unwrap_or(usize::MAX))
            .create(&path)
        {
            Ok(db) => db,
            Err(redb::DatabaseError::DatabaseAlreadyOpen) => {
                return Err(Error::AlreadyOpen(data_dir.to_owned()));
            }
            Err(e) => return Err(e.into()),
        };
        if !existed {
            crate::modes::owner_only(&path).map_err(|source| Error::Io {
                path: path.clone(),
                source,
            })?;
        }
        migrate::migrate(&mut db)?;
        migrate::ensure_open_tables(&db)?;
        chain_audit_log(&db)?;
        Ok(Store {
            db: Arc::new(db),
            path,
            // None until the server sets `min_free_space_mb`.
            reserve: Arc::new(std::sync::atomic::AtomicU64::new(0)),
            quick_repair: Arc::new(std::sync::atomic::AtomicBool::new(false)),
        })
    }

    /// Sets the free-space reserve. A write begins only while at least this
    /// much is free on the data directory's file system; otherwise it fails
    /// with [`Error::StorageFull`] before anything is written. So redb never
    /// meets ENOSPC in the middle of a commit (after an I/O error it refuses
    /// every further operation until reopened): reads go on while the disk
    /// is full, and writes work again as soon as space is freed.
    pub fn set_reserve(&self, bytes: u64) {
        self.reserve
            .store(bytes, std::sync::atomic::Ordering::Relaxed);
    }

    /// Sets `store.quick_repair`: every durable commit also records redb's
    /// allocator state, so a start after a crash loads it instead of
    /// walking every page of the file to rebuild it (seconds for a store of
    /// millions of messages); each commit pays for writing that state.
    pub fn set_quick_repair(&self, on: bool) {
        self.quick_repair
            .store(on, std::sync::atomic::Ordering::Relaxed);
    }

    /// [`Error::StorageFull`] when less than the reserve is free.
    fn check_space(&self) -> Result<(), Error> {
        self.check_room(0)
    }

    /// [`Error::StorageFull`] when less than the reserve plus `extra` bytes
    /// is free (e.g. before staging an upload of up to `extra` bytes
    /// outside the database). No check while the reserve is 0 (off).
    pub fn check_room(&self, extra: u64) -> Result<(), Error> {
        let reserve = self.reserve.load(std::sync::atomic::Ordering::Relaxed);
        if reserve == 0 {
            return Ok(());
        }
        let reserve = reserve.saturating_add(extra);
        let dir = self.path.parent().unwrap_or(&self.path);
        match rustix::fs::statvfs(dir) {
            Ok(st) => {
                let free = st.f_bavail.saturating_mul(st.f_frsize);
                if free < reserve {
                    Err(Error::StorageFull { free, reserve })
                } else {
                    Ok(())
                }
            }
            // Cannot tell: let redb try (it reports a real ENOSPC itself).
            Err(_) => Ok(()),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `f` in a read transaction (a consistent snapshot).
    pub fn read<T, E: From<Error>>(&self, f: impl FnOnce(&ReadTx) -> Result<T, E>) -> Result<T, E> {
        let tx = ReadTx(self.db.begin_read().map_err(Error::from)?);
        f(&tx)
    }

    /// Runs `f` in one write transaction and commits it durably when `f`
    /// succeeds; on error nothing is written.
    pub fn write<T, E: From<Error>>(
        &self,
        f: impl FnOnce(&WriteTx) -> Result<T, E>,
    ) -> Result<T, E> {
        self.check_space()?;
        let mut tx = begin_write(&self.db)?;
        tx.0.set_quick_repair(self.quick_repair.load(std::sync::atomic::Ordering::Relaxed));
        let value = f(&tx)?;
        tx.commit()?;
        Ok(value)
    }

    /// Waits (at most `timeout`) until this handle is the last one, so that
    /// dropping it closes the database file; returns whether it is.
    pub async fn wait_until_last(&self, timeout: std::time::Duration) -> bool {
        let deadline = std::time::Instant::now() + timeout;
        while Arc::strong_count(&self.db) > 1 {
            if std::time::Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        true
    }

    /// Whether the store can take writes, checked without writing: a write
    /// transaction can be begun (and is aborted) and the file is writable.
    pub fn check_writable(&self) -> Result<(), Error> {
        let tx = self.db.begin_write()?;
        tx.abort()?;
        std::fs::OpenOptions::new()
            .write(true)
            .open(&self.path)
            .map(drop)
            .map_err(|source| Error::Io {
                path: self.path.clone(),
                source,
            })
    }

    /// Bytes of the pages in use (allocated pages × page size): the part of
    /// the file that holds data, for the benchmark's growth figures.
    pub fn bytes_in_use(&self) -> Result<u64, Error> {
        let tx = self.db.begin_write()?;
        let s = tx.stats()?;
        let bytes = s.allocated_pages() * s.page_size() as u64;
        tx.abort()?;
        Ok(bytes)
    }

    /// Size of the database file in bytes.
    pub fn file_size(&self) -> u64 {
        std::fs::metadata(&self.path).map(|m| m.len()).unwrap_or(0)
    }

    /// Test support: overwrite the schema version.
    pub fn force_schema_version(&self, version: u64) -> Result<(), Error> {
        migrate::force_version(&self.db, version)
    }
}

/// Runs `f` in a read transaction of the store file at `path` (a backup,
/// or the store of a stopped server), opened read-only: nothing is written.
/// [`Error::AlreadyOpen`] (with `path`) while a running server holds it.
pub fn read_file<T>(path: &Path, f: impl FnOnce(&ReadTx) -> Result<T, Error>) -> Result<T, Error> {
    let db = match redb::ReadOnlyDatabase::open(path) {
        Ok(db) => db,
        Err(redb::DatabaseError::DatabaseAlreadyOpen) => {
            return Err(Error::AlreadyOpen(path.to_owned()));
        }
        Err(e) => return Err(e.into()),
    };
    f(&ReadTx(db.begin_read()?))
}

/// Whether a process (this one included) holds the store file at `path`
/// open. Probes with a read-only open, which never changes the file.
pub fn in_use(path: &Path) -> bool {
    matches!(
        redb::ReadOnlyDatabase::open(path),
        Err(redb::DatabaseError::DatabaseAlreadyOpen)
    )
}

/// The database engine's own consistency check of the store file at `path`
/// (of a stopped server); repairs it first when it was not closed cleanly.
/// True when the file is consistent.
pub fn check_integrity(path: &Path) -> Result<bool, Error> {
    let mut db = Database::open(path)?;
    Ok(db.check_integrity().map_err(redb::Error::from)?)
}

/// Space of one table: bytes of the pages it uses (stored, metadata and
/// fragmented) and bytes stored in them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableSize {
    /// The table's name in the file.
    pub name: String,
    pub pages: u64,
    pub stored: u64,
}

/// The space of every table of the schema (where the store's size goes;
/// the benchmark reports it).
pub fn table_sizes(tx: &ReadTx) -> Result<Vec<TableSize>, Error> {
    use redb::ReadableTableMetadata;
    let mut out = Vec::new();
    macro_rules! size {
        ($t:ident) => {
            match tx.0.open_table(tables::$t) {
                Ok(table) => {
                    let s = table.stats()?;
                    out.push(TableSize {
                        name: redb::TableHandle::name(&tables::$t).to_owned(),
                        pages: s.stored_bytes() + s.metadata_bytes() + s.fragmented_bytes(),
                        stored: s.stored_bytes(),
                    });
                }
                Err(redb::TableError::TableDoesNotExist(_)) => {}
                Err(e) => return Err(e.into()),
            }
        };
    }
    tables::for_each_table!(size);
    Ok(out)
}

/// Chains the audit entries of a store written before the hash chain
/// existed, once, in one write transaction; a read shows first whether the
/// head is there, so an already chained store is not written at open.
fn chain_audit_log(db: &Database) -> Result<(), Error> {
    let chained = audit_chain::head(&ReadTx(db.begin_read()?))?.is_some();
    if !chained {
        let tx = begin_write(db)?;
        let n = audit_chain::chain_existing(&tx, jiff::Timestamp::now())?;
        tx.commit()?;
        if n > 0 {
            tracing::info!(entries = n, "audit log chained");
        }
    }
    Ok(())
}

/// Checks the schema version through a read-only handle, so that a store
/// written by a newer version is refused without a single byte changed.
fn refuse_newer_schema(path: &Path, data_dir: &Path) -> Result<(), Error> {
    match redb::ReadOnlyDatabase::open(path) {
        Ok(ro) => match migrate::stored_version(&ro)? {
            Some(found) if found > migrate::SCHEMA_VERSION => Err(Error::SchemaTooNew {
                found,
                supported: migrate::SCHEMA_VERSION,
            }),
            _ => Ok(()),
        },
        Err(redb::DatabaseError::DatabaseAlreadyOpen) => {
            Err(Error::AlreadyOpen(data_dir.to_owned()))
        }
        // Anything else (e.g. a store that needs repair after a crash) is
        // left to the normal open, which repairs and then checks again.
        Err(_) => Ok(()),
    }
}

/// A write transaction with the strongest durability: acknowledged data is
/// on disk, and two-phase commit protects against torn writes.
pub(crate) fn begin_write(db: &Database) -> Result<WriteTx, Error> {
    let mut tx = db.begin_write()?;
    tx.set_durability(Durability::Immediate)?;
    tx.set_two_phase_commit(true);
    Ok(WriteTx(tx))
}

/// Hands out the next number of the sequence `name` (starting at 1).
pub fn next_id(tx: &WriteTx, name: &str) -> Result<u64, Error> {
    use redb::ReadableTable;
    let key = format!("seq.{name}");
    let mut meta = tx.open_table(tables::META)?;
    let next = meta.get(key.as_str())?.map(|v| v.value()).unwrap_or(0) + 1;
    meta.insert(key.as_str(), next)?;
    Ok(next)
}

/// Reading works the same in read and write transactions: repository
/// functions that only read take `&impl ReadAccess`, so one user action can
/// read and write in the same write transaction. Implemented by [`ReadTx`]
/// and [`WriteTx`] only; outside `store` it is a bound without methods
/// (the tables are opened through the sealed `access::Tables`).
pub trait ReadAccess: access::Tables {}

impl ReadAccess for ReadTx {}
impl ReadAccess for WriteTx {}

/// How the repository functions open tables; not nameable outside `store`.
mod access {
    use super::{Error, ReadTx, WriteTx};

    pub trait Tables {
        type Table<'a, K: redb::Key + 'static, V: redb::Value + 'static>: redb::ReadableTable<K, V>
        where
            Self: 'a;

        fn open<'a, K: redb::Key + 'static, V: redb::Value + 'static>(
            &'a self,
            def: redb::TableDefinition<K, V>,
        ) -> Result<Self::Table<'a, K, V>, Error>;
    }

    impl Tables for ReadTx {
        type Table<'a, K: redb::Key + 'static, V: redb::Value + 'static> =
            redb::ReadOnlyTable<K, V>;

        #[inline]
        fn open<'a, K: redb::Key + 'static, V: redb::Value + 'static>(
            &'a self,
            def: redb::TableDefinition<K, V>,
        ) -> Result<Self::Table<'a, K, V>, Error> {
            Ok(self.0.open_table(def)?)
        }
    }

    impl Tables for WriteTx {
        type Table<'a, K: redb::Key + 'static, V: redb::Value + 'static> = redb::Table<'a, K, V>;

        #[inline]
        fn open<'a, K: redb::Key + 'static, V: redb::Value + 'static>(
            &'a self,
            def: redb::TableDefinition<K, V>,
        ) -> Result<Self::Table<'a, K, V>, Error> {
            Ok(self.0.open_table(def)?)
        }
    }
}

impl Store {
    /// Like [`Store::write`], but without forcing the commit to disk: for
    /// bookkeeping whose loss in a crash is harmless (a session's last
    /// activity). The next durable commit persists it as well.
    pub fn write_relaxed<T, E: From<Error>>(
        &self,
        f: impl FnOnce(&WriteTx) -> Result<T, E>,
    ) -> Result<T, E> {
        self.check_space()?;
        let mut tx = self.db.begin_write().map_err(Error::from)?;
        tx.set_durability(Durability::None).map_err(Error::from)?;
        let tx = WriteTx(tx);
        let value = f(&tx)?;
        tx.commit()?;
        Ok(value)
    }
}
