//! Schema versions. Opening refuses a store written by a newer version and
//! migrates an older one step by step, one write transaction per step.

use redb::{Database, ReadableDatabase};

use super::{Error, tables};

/// The schema version this build writes.
pub const SCHEMA_VERSION: u64 = 4;

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
    match from {
        1 => index_pending_mail(&tx)?,
        2 => create_help_tables(&tx)?,
        3 => build_indexes(&tx)?,
        other => {
            return Err(Error::Corrupt {
                table: "meta",
                detail: format!("no migration from schema version {other}"),
            });
        }
    }
    tx.open_table(tables::META)?.insert(VERSION_KEY, from + 1)?;
    tx.commit()?;
    tracing::info!(from, to = from + 1, "store migrated");
    Ok(())
}

/// 1 → 2: the index of pending mails.
fn index_pending_mail(tx: &redb::WriteTransaction) -> Result<(), Error> {
    use redb::ReadableTable;
    let mail = tx.open_table(tables::MAIL_QUEUE)?;
    let mut pending = tx.open_table(tables::MAIL_PENDING)?;
    for entry in mail.iter()? {
        let (id, bytes) = entry?;
        let m: crate::domain::mail::OutgoingMail =
            super::codec::decode("mail_queue", bytes.value())?;
        if m.state == crate::domain::mail::MailState::Queued {
            pending.insert(id.value(), ())?;
        }
    }
    Ok(())
}

/// 2 → 3: the FAQ and the feedback and support inbox.
fn create_help_tables(tx: &redb::WriteTransaction) -> Result<(), Error> {
    tx.open_table(tables::FAQ)?;
    tx.open_table(tables::FEEDBACK)?;
    Ok(())
}

/// 3 → 4: indexes of accounts, sessions, links and the audit log, and the
/// stored counters.
fn build_indexes(tx: &redb::WriteTransaction) -> Result<(), Error> {
    super::accounts::reindex(tx)?;
    super::sessions::reindex(tx)?;
    super::links::reindex(tx)?;
    super::audit::reindex(tx)?;
    super::feedback::reindex(tx)?;
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

#[cfg(test)]
mod tests {
    use redb::{Database, ReadableDatabase, ReadableTableMetadata};

    use super::*;
    use crate::domain::mail::{MailState, OutgoingMail};

    fn mail(id: u64, state: MailState) -> OutgoingMail {
        OutgoingMail {
            id,
            to: "a@b.de".into(),
            subject: "s".into(),
            raw: Vec::new(),
            text: String::new(),
            confidential: false,
            state,
            attempts: 0,
            created_at: jiff::Timestamp::UNIX_EPOCH,
            next_attempt_at: jiff::Timestamp::UNIX_EPOCH,
            sent_at: None,
            last_error: None,
        }
    }

    /// A version-1 store (without the pending-mail index) is migrated step
    /// by step and its queued mails end up in the new index.
    #[test]
    fn version_1_gets_the_pending_mail_index() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v1.redb");
        let db = Database::create(&path).unwrap();
        {
            let tx = db.begin_write().unwrap();
            {
                let mut q = tx.open_table(tables::MAIL_QUEUE).unwrap();
                for m in [
                    mail(1, MailState::Sent),
                    mail(2, MailState::Queued),
                    mail(3, MailState::Failed),
                ] {
                    let bytes = serde_json::to_vec(&m).unwrap();
                    q.insert(m.id, bytes.as_slice()).unwrap();
                }
                tx.open_table(tables::META)
                    .unwrap()
                    .insert(VERSION_KEY, 1)
                    .unwrap();
            }
            tx.commit().unwrap();
        }
        migrate(&db).unwrap();
        assert_eq!(stored_version(&db).unwrap(), Some(SCHEMA_VERSION));
        let tx = db.begin_read().unwrap();
        let pending = tx.open_table(tables::MAIL_PENDING).unwrap();
        assert_eq!(pending.len().unwrap(), 1);
        assert!(pending.get(2).unwrap().is_some());
        // Step 2 → 3 created the help tables.
        tx.open_table(tables::FAQ).unwrap();
        tx.open_table(tables::FEEDBACK).unwrap();
    }

    /// A version-2 store gets the (empty) FAQ and feedback tables.
    #[test]
    fn version_2_gets_the_help_tables() {
        let dir = tempfile::tempdir().unwrap();
        let db = Database::create(dir.path().join("v2.redb")).unwrap();
        {
            let tx = db.begin_write().unwrap();
            tx.open_table(tables::META)
                .unwrap()
                .insert(VERSION_KEY, 2)
                .unwrap();
            tx.commit().unwrap();
        }
        migrate(&db).unwrap();
        assert_eq!(stored_version(&db).unwrap(), Some(SCHEMA_VERSION));
        let tx = db.begin_read().unwrap();
        assert_eq!(tx.open_table(tables::FAQ).unwrap().len().unwrap(), 0);
        assert_eq!(tx.open_table(tables::FEEDBACK).unwrap().len().unwrap(), 0);
    }

    /// A version-3 store gets the indexes and counters of its accounts,
    /// sessions, links and audit entries.
    #[test]
    fn version_3_gets_the_indexes() {
        use crate::domain::account::{Account, Role};
        use crate::domain::audit::AuditEntry;
        use crate::domain::ids::Nutzerkennung;
        use crate::domain::session::{Session, Stage};
        use crate::store::accounts::{Kind, count_in_org};

        let dir = tempfile::tempdir().unwrap();
        let db = Database::create(dir.path().join("v3.redb")).unwrap();
        let id = Nutzerkennung::parse("S20106542291").unwrap();
        let now = jiff::Timestamp::from_second(1_700_000_000).unwrap();
        {
            let tx = db.begin_write().unwrap();
            {
                let user = Account::new(
                    id.clone(),
                    Role::OrgUser {
                        org: 7,
                        grants: Default::default(),
                    },
                    "Max".into(),
                    "Mustermensch".into(),
                    "max@example.org".into(),
                    None,
                    now,
                );
                let bytes = serde_json::to_vec(&user).unwrap();
                tx.open_table(tables::ACCOUNTS)
                    .unwrap()
                    .insert(id.as_str(), bytes.as_slice())
                    .unwrap();
                let session = Session {
                    account: id.clone(),
                    stage: Stage::Full,
                    created_at: now,
                    last_seen: now,
                    email_tan: None,
                };
                let bytes = serde_json::to_vec(&session).unwrap();
                tx.open_table(tables::SESSIONS)
                    .unwrap()
                    .insert("hash", bytes.as_slice())
                    .unwrap();
                let entry = AuditEntry::new(now, "System", "account.created", "x")
                    .target(&id)
                    .org(Some(7));
                let bytes = serde_json::to_vec(&entry).unwrap();
                tx.open_table(tables::AUDIT)
                    .unwrap()
                    .insert(1, bytes.as_slice())
                    .unwrap();
                tx.open_table(tables::META)
                    .unwrap()
                    .insert(VERSION_KEY, 3)
                    .unwrap();
            }
            tx.commit().unwrap();
        }
        migrate(&db).unwrap();
        assert_eq!(stored_version(&db).unwrap(), Some(SCHEMA_VERSION));
        let tx = db.begin_read().unwrap();
        assert_eq!(count_in_org(&tx, 7, Kind::User).unwrap(), 1);
        assert_eq!(
            crate::store::sessions::of_account(&tx, &id).unwrap().len(),
            1
        );
        assert_eq!(crate::store::audit::count(&tx, Some(7)).unwrap(), 1);
        assert_eq!(
            tx.open_table(tables::AUDIT_BY_TARGET)
                .unwrap()
                .len()
                .unwrap(),
            1
        );
    }
}
