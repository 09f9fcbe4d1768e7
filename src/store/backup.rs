//! Consistent copies of the whole store: taken from a read transaction
//! (so the server keeps running), verified, and restored only after the
//! copy passed an integrity check and a schema-version check.

use std::path::{Path, PathBuf};

use redb::{Database, ReadableDatabase, ReadableTable, ReadableTableMetadata};

use super::{Error, Store, migrate, tables};

/// What a backup file holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    pub schema: u64,
    /// Records per table.
    pub tables: Vec<(&'static str, u64)>,
    pub bytes: u64,
}

impl Summary {
    pub fn records(&self) -> u64 {
        self.tables.iter().map(|(_, n)| n).sum()
    }
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error::Io {
        path: path.to_owned(),
        source,
    }
}

/// `None` for a table the store does not have: tables created lazily (the
/// audit chain's) are missing in stores and backups written before them.
fn lazy<T>(r: Result<T, redb::TableError>) -> Result<Option<T>, Error> {
    match r {
        Ok(t) => Ok(Some(t)),
        Err(redb::TableError::TableDoesNotExist(_)) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

fn tmp_path(path: &Path) -> PathBuf {
    let mut name = path
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(".tmp");
    path.with_file_name(name)
}

impl Store {
    /// Writes a consistent copy of the store to `out` (atomically: a
    /// temporary file renamed at the end) and verifies it.
    pub fn backup_to(&self, out: &Path) -> Result<Summary, Error> {
        copy_snapshot(&self.db.begin_read()?, out)
    }
}

/// Backs up the store of a stopped server, opened read-only so that the
/// source file is not changed.
pub fn backup_offline(data_dir: &Path, out: &Path) -> Result<Summary, Error> {
    let path = data_dir.join(super::DB_FILE);
    if !path.exists() {
        return Err(Error::Io {
            path,
            source: std::io::Error::new(
                std::io::ErrorKind::NotFound,
                "no store in the data directory",
            ),
        });
    }
    let db = match redb::ReadOnlyDatabase::open(&path) {
        Ok(db) => db,
        Err(redb::DatabaseError::DatabaseAlreadyOpen) => {
            return Err(Error::AlreadyOpen(data_dir.to_owned()));
        }
        Err(e) => return Err(e.into()),
    };
    if let Some(found) = migrate::stored_version(&db)?.filter(|v| *v > migrate::SCHEMA_VERSION) {
        return Err(Error::SchemaTooNew {
            found,
            supported: migrate::SCHEMA_VERSION,
        });
    }
    copy_snapshot(&db.begin_read()?, out)
}

/// Records copied per write transaction of the copy.
const COPY_BATCH_RECORDS: usize = 10_000;
/// Bytes copied per write transaction of the copy: bounds the memory of a
/// backup of a large store (blobs are up to 1 MiB per record).
const COPY_BATCH_BYTES: usize = 32 * 1024 * 1024;

/// Tables a backup leaves empty: the sessions (with a pending sign-in's
/// E-Mail-TAN hash and authenticator secret being set up). A restored
/// backup signs everybody out, which is what a restore should do anyway.
const LEFT_OUT: &[&str] = &["SESSIONS", "SESSIONS_BY_ACCOUNT"];

/// Copies every table of the snapshot `src` (but [`LEFT_OUT`]) into a new
/// file at `out`, in batches of small transactions, and checks in one pass
/// over both that the copy holds exactly the same records.
fn copy_snapshot(src: &redb::ReadTransaction, out: &Path) -> Result<Summary, Error> {
    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(io(dir))?;
    }
    let tmp = tmp_path(out);
    let _ = std::fs::remove_file(&tmp);
    {
        let dst_db = Database::create(&tmp)?;
        macro_rules! copy {
            ($t:ident) => {
                'table: {
                    if LEFT_OUT.contains(&stringify!($t)) {
                        let dst = dst_db.begin_write()?;
                        dst.open_table(tables::$t)?;
                        dst.commit()?;
                        break 'table;
                    }
                    let Some(from) = lazy(src.open_table(tables::$t))? else {
                        break 'table;
                    };
                    let mut iter = from.iter()?;
                    loop {
                        let mut dst = dst_db.begin_write()?;
                        dst.set_durability(redb::Durability::None)?;
                        let mut finished = false;
                        {
                            let mut to = dst.open_table(tables::$t)?;
                            let (mut records, mut bytes) = (0usize, 0usize);
                            loop {
                                let Some(entry) = iter.next() else {
                                    finished = true;
                                    break;
                                };
                                let (k, v) = entry?;
                                bytes += redb_value_bytes(&tables::$t, &v).len();
                                to.insert(k.value(), v.value())?;
                                records += 1;
                                if records >= COPY_BATCH_RECORDS || bytes >= COPY_BATCH_BYTES {
                                    break;
                                }
                            }
                        }
                        dst.commit()?;
                        if finished {
                            break;
                        }
                    }
                }
            };
        }
        tables::for_each_table!(copy);
        // One durable commit makes every batch durable.
        super::begin_write(&dst_db)?.commit()?;
    }
    let verified = {
        let db = redb::ReadOnlyDatabase::open(&tmp)?;
        same_records(src, &db.begin_read()?)
    };
    if let Err(detail) = verified? {
        let _ = std::fs::remove_file(&tmp);
        return Err(Error::Corrupt {
            table: "backup",
            detail: format!("the copy does not match the store: {detail}"),
        });
    }
    crate::modes::owner_only(&tmp).map_err(io(&tmp))?;
    sync_file(&tmp)?;
    std::fs::rename(&tmp, out).map_err(io(out))?;
    inspect(out)
}

/// Compares two snapshots table by table, record by record, in one pass
/// over both; `Ok(Err(table))` names the first table that differs.
fn same_records(
    a: &redb::ReadTransaction,
    b: &redb::ReadTransaction,
) -> Result<Result<(), &'static str>, Error> {
    macro_rules! compare {
        ($t:ident) => {
            'table: {
                if LEFT_OUT.contains(&stringify!($t)) {
                    break 'table;
                }
                let (ta, tb) = match (
                    lazy(a.open_table(tables::$t))?,
                    lazy(b.open_table(tables::$t))?,
                ) {
                    (Some(ta), Some(tb)) => (ta, tb),
                    (None, None) => break 'table,
                    _ => return Ok(Err(stringify!($t))),
                };
                let mut ia = ta.iter()?;
                let mut ib = tb.iter()?;
                loop {
                    match (ia.next(), ib.next()) {
                        (None, None) => break,
                        (Some(x), Some(y)) => {
                            let (ka, va) = x?;
                            let (kb, vb) = y?;
                            if redb_bytes(&tables::$t, &ka) != redb_bytes(&tables::$t, &kb)
                                || redb_value_bytes(&tables::$t, &va)
                                    != redb_value_bytes(&tables::$t, &vb)
                            {
                                return Ok(Err(stringify!($t)));
                            }
                        }
                        _ => return Ok(Err(stringify!($t))),
                    }
                }
            }
        };
    }
    tables::for_each_table!(compare);
    Ok(Ok(()))
}

/// Per table: the number of records and a SHA-256 over every key and value
/// in order. Two stores with equal digests hold byte-identical records.
fn digests(tx: &redb::ReadTransaction) -> Result<Vec<(&'static str, u64, String)>, Error> {
    use sha2::{Digest, Sha256};
    let mut out = Vec::new();
    macro_rules! digest {
        ($t:ident) => {
            'table: {
                let Some(table) = lazy(tx.open_table(tables::$t))? else {
                    break 'table;
                };
                let mut hash = Sha256::new();
                let mut n = 0u64;
                for entry in table.iter()? {
                    let (k, v) = entry?;
                    let key = redb_bytes(&tables::$t, &k);
                    let value = redb_value_bytes(&tables::$t, &v);
                    hash.update((key.len() as u64).to_le_bytes());
                    hash.update(&key);
                    hash.update((value.len() as u64).to_le_bytes());
                    hash.update(&value);
                    n += 1;
                }
                out.push((stringify!($t), n, hex::encode(hash.finalize())));
            }
        };
    }
    tables::for_each_table!(digest);
    Ok(out)
}

fn redb_bytes<K: redb::Key + 'static, V: redb::Value + 'static>(
    _def: &redb::TableDefinition<K, V>,
    guard: &redb::AccessGuard<'_, K>,
) -> Vec<u8> {
    K::as_bytes(&guard.value()).as_ref().to_vec()
}

fn redb_value_bytes<K: redb::Key + 'static, V: redb::Value + 'static>(
    _def: &redb::TableDefinition<K, V>,
    guard: &redb::AccessGuard<'_, V>,
) -> Vec<u8> {
    V::as_bytes(&guard.value()).as_ref().to_vec()
}

/// The digests of a store file (opened read-only).
pub fn file_digests(path: &Path) -> Result<Vec<(&'static str, u64, String)>, Error> {
    let db = redb::ReadOnlyDatabase::open(path)?;
    digests(&db.begin_read()?)
}

fn sync_file(path: &Path) -> Result<(), Error> {
    std::fs::File::open(path)
        .and_then(|f| f.sync_all())
        .map_err(io(path))
}

fn summarise_read(tx: &redb::ReadTransaction) -> Result<Vec<(&'static str, u64)>, Error> {
    let mut out = Vec::new();
    macro_rules! count {
        ($t:ident) => {
            'table: {
                let Some(t) = lazy(tx.open_table(tables::$t))? else {
                    break 'table;
                };
                out.push((stringify!($t), t.len()?));
            }
        };
    }
    tables::for_each_table!(count);
    Ok(out)
}

/// Opens a backup read-only and describes it; refuses a newer schema.
pub fn inspect(path: &Path) -> Result<Summary, Error> {
    let bytes = std::fs::metadata(path).map_err(io(path))?.len();
    let db = redb::ReadOnlyDatabase::open(path)?;
    let schema = migrate::stored_version(&db)?.ok_or(Error::Corrupt {
        table: "meta",
        detail: "no schema version: not a backup of this portal".to_owned(),
    })?;
    if schema > migrate::SCHEMA_VERSION {
        return Err(Error::SchemaTooNew {
            found: schema,
            supported: migrate::SCHEMA_VERSION,
        });
    }
    let tx = db.begin_read()?;
    let tables = summarise_read(&tx)?;
    Ok(Summary {
        schema,
        tables,
        bytes,
    })
}

/// Replaces the store in `data_dir` with the backup `from`. The server must
/// be stopped. Nothing is replaced unless the backup passes every check.
pub fn restore(from: &Path, data_dir: &Path) -> Result<Summary, Error> {
    // Schema and readability first, on the original, read-only.
    inspect(from)?;
    let target = data_dir.join(super::DB_FILE);
    // Refuses while a server holds the store (a read-only probe changes nothing).
    if target.exists()
        && let Err(redb::DatabaseError::DatabaseAlreadyOpen) = redb::ReadOnlyDatabase::open(&target)
    {
        return Err(Error::AlreadyOpen(data_dir.to_owned()));
    }
    std::fs::create_dir_all(data_dir).map_err(io(data_dir))?;
    let staged = data_dir.join(format!("{}.restore", super::DB_FILE));
    let _ = std::fs::remove_file(&staged);
    std::fs::copy(from, &staged).map_err(io(&staged))?;
    let checked = (|| {
        let mut db = Database::open(&staged)?;
        if !db.check_integrity()? {
            return Err(Error::Corrupt {
                table: "backup",
                detail: "integrity check failed".to_owned(),
            });
        }
        drop(db);
        let summary = inspect(&staged)?;
        sync_file(&staged)?;
        Ok(summary)
    })();
    match checked {
        Ok(summary) => {
            std::fs::rename(&staged, &target).map_err(io(&target))?;
            Ok(summary)
        }
        Err(e) => {
            let _ = std::fs::remove_file(&staged);
            Err(e)
        }
    }
}
