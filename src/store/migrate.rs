//! Schema versions. Opening refuses a store written by a newer version and
//! migrates an older one step by step, one write transaction per step.

use redb::{Database, ReadableDatabase};

use super::{Error, tables};

/// The schema version this build writes.
pub const SCHEMA_VERSION: u64 = 1;

const VERSION_KEY: &str = "schema_version";

/// Reads the stored schema version (`None` for a new, empty store).
pub fn stored_version(db: &impl ReadableDatabase) -> Result<Option<u64>, Error> {
    let tx = db.begin_read()?;
    let table = match tx.open_table(tables::META) {
        Ok(t) => t,
        Err(redb::TableError::TableDoesNotExist(_)) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    Ok(table.get(VERSION_KEY)?.map(|v| v.value()))
}

/// Brings the store to [`SCHEMA_VERSION`].
pub fn migrate(db: &Database) -> Result<(), Error> {
    match stored_version(db)? {
        None => initialise(db),
        Some(v) if v > SCHEMA_VERSION => Err(Error::SchemaTooNew {
            found: v,
            supported: SCHEMA_VERSION,
        }),
        Some(v) => {
            for from in v..SCHEMA_VERSION {
                step(db, from)?;
            }
            Ok(())
        }
    }
}

/// Creates every table and records the current version.
fn initialise(db: &Database) -> Result<(), Error> {
    let tx = super::begin_write(db)?;
    {
        macro_rules! create {
            ($t:ident) => {
                tx.open_table(tables::$t)?;
            };
        }
        tables::for_each_table!(create);
        let mut meta = tx.open_table(tables::META)?;
        meta.insert(VERSION_KEY, SCHEMA_VERSION)?;
    }
    tx.commit()?;
    Ok(())
}

/// Migrates from version `from` to `from + 1` in one transaction.
fn step(db: &Database, from: u64) -> Result<(), Error> {
    let tx = super::begin_write(db)?;
    {
        // No migrations exist yet: version 1 is the first schema. A future
        // step rewrites its tables here before the version is bumped.
        let mut meta = tx.open_table(tables::META)?;
        meta.insert(VERSION_KEY, from + 1)?;
    }
    tx.commit()?;
    Ok(())
}

/// Sets the stored version (tests use it to simulate a newer store).
pub fn force_version(db: &Database, version: u64) -> Result<(), Error> {
    let tx = super::begin_write(db)?;
    {
        let mut meta = tx.open_table(tables::META)?;
        meta.insert(VERSION_KEY, version)?;
    }
    tx.commit()?;
    Ok(())
}
