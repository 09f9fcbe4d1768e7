//! Schema versions. Opening refuses a store written by a newer version and
//! migrates an older one step by step, one write transaction per step.
//!
//! A step carries its own encoding (here, `migrate_v4`, `migrate_v7`): it
//! never writes through the repository modules, whose encoding follows the
//! current schema, so an old step stays what it was when it was written.

use redb::{Database, ReadableDatabase};

use super::{Error, tables};

/// The schema version this build writes.
pub const SCHEMA_VERSION: u64 = 7;

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

/// Brings the store to [`SCHEMA_VERSION`]. After the message store's
/// rewrite (6 → 7) the file is compacted, so that the old tables' pages
/// are returned to the file system.
pub fn migrate(db: &mut Database) -> Result<(), Error> {
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
            if v <= 6 && SCHEMA_VERSION >= 7 {
                tracing::info!("compacting the store after the migration");
                db.compact().map_err(|e| Error::Corrupt {
                    table: "compaction",
                    detail: e.to_string(),
                })?;
                tracing::info!("store compacted");
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
        3 => {
            super::migrate_v4::build_indexes(&tx)?;
            mail_storage_v4(&tx)?;
        }
        4 => create_message_tables(&tx)?,
        5 => create_person_tables(&tx)?,
        6 => super::migrate_v7::migrate(&tx)?,
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
fn index_pending_mail(tx: &super::WriteTx) -> Result<(), Error> {
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
fn create_help_tables(tx: &super::WriteTx) -> Result<(), Error> {
    tx.open_table(tables::FAQ)?;
    tx.open_table(tables::FEEDBACK)?;
    Ok(())
}

/// 4 → 5: the messaging tables (of version 5; see `migrate_v7`).
fn create_message_tables(tx: &super::WriteTx) -> Result<(), Error> {
    tx.open_table(tables::LEGACY_MESSAGES)?;
    tx.open_table(tables::LEGACY_MAILBOX_ENTRIES)?;
    tx.open_table(tables::LEGACY_MAILBOX_INDEX)?;
    tx.open_table(tables::MESSAGES_BY_REF)?;
    tx.open_table(tables::LEGACY_MESSAGE_TERMS)?;
    tx.open_table(tables::LEGACY_MAILBOX_SUBJECT_TERMS)?;
    Ok(())
}

/// 5 → 6: entitled persons and form reports (new, empty tables).
fn create_person_tables(tx: &super::WriteTx) -> Result<(), Error> {
    tx.open_table(tables::PERSONS)?;
    tx.open_table(tables::PERSONS_BY_NAME)?;
    tx.open_table(tables::REPORTS)?;
    tx.open_table(tables::REPORTS_BY_STATUS)?;
    tx.open_table(tables::REPORTS_BY_ORG)?;
    Ok(())
}

/// A mail as stored up to schema version 3: the raw MIME inside the JSON
/// record (as an array of numbers), live links and TANs included.
#[derive(serde::Deserialize)]
struct LegacyMail {
    #[serde(flatten)]
    mail: crate::domain::mail::OutgoingMail,
    #[serde(default)]
    raw: Vec<u8>,
}

/// 3 → 4: the mail queue's new storage. The raw MIME moves to its own
/// table as bytes; the state index and counters replace the pending index.
/// Live links and TANs leave the store: a delivered or given-up mail with
/// one loses its body (text and raw MIME); a still queued one keeps it only
/// until delivery (`live_body`), its text is cleared at once.
fn mail_storage_v4(tx: &super::WriteTx) -> Result<(), Error> {
    use redb::ReadableTable;
    let mut legacy = Vec::new();
    {
        let table = tx.open_table(tables::MAIL_QUEUE)?;
        for entry in table.iter()? {
            let (_, bytes) = entry?;
            legacy.push(super::codec::decode::<LegacyMail>(
                "mail_queue",
                bytes.value(),
            )?);
        }
    }
    tx.open_table(tables::MAIL_BY_STATE)?;
    tx.open_table(tables::MAIL_SEALED)?;
    for LegacyMail { mut mail, raw } in legacy {
        let mut keep_raw = true;
        if mail.confidential {
            mail.text.clear();
            if mail.state == crate::domain::mail::MailState::Queued {
                mail.live_body = true;
            } else {
                mail.body_removed = true;
                keep_raw = false;
            }
        }
        if keep_raw && !raw.is_empty() {
            tx.open_table(tables::MAIL_RAW)?
                .insert(mail.id, raw.as_slice())?;
        }
        // Rewrites the record without `raw` and fills index and counters.
        super::migrate_v4::put_mail(tx, &mail)?;
    }
    tx.delete_table(tables::MAIL_PENDING)?;
    Ok(())
}

/// Creates the tables that are not part of a schema version when missing
/// (see `tables`), and fills the Art index of entitled persons from the
/// name index (whose value is the Art), all in one write transaction.
/// Runs at every open after [`migrate`]; does nothing when both exist.
pub fn ensure_open_tables(db: &Database) -> Result<(), Error> {
    use redb::ReadableTable;
    let exists = |e: Result<(), redb::TableError>| match e {
        Ok(()) => Ok(true),
        Err(redb::TableError::TableDoesNotExist(_)) => Ok(false),
        Err(e) => Err(Error::from(e)),
    };
    let (art, tokens) = {
        let tx = db.begin_read()?;
        (
            exists(tx.open_table(tables::PERSONS_BY_ART).map(drop))?,
            exists(tx.open_table(tables::REPORT_TOKENS).map(drop))?,
        )
    };
    if art && tokens {
        return Ok(());
    }
    let tx = super::begin_write(db)?;
    tx.open_table(tables::REPORT_TOKENS)?;
    if !art {
        let by_name = tx.open_table(tables::PERSONS_BY_NAME)?;
        let mut by_art = tx.open_table(tables::PERSONS_BY_ART)?;
        let mut n = 0u64;
        for entry in by_name.iter()? {
            let (k, v) = entry?;
            let (org, key) = k.value();
            by_art.insert((org, v.value(), key), ())?;
            n += 1;
        }
        tracing::info!(persons = n, "index of persons by Art built");
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

#[cfg(test)]
mod tests {
    use redb::{Database, ReadableDatabase, ReadableTable, ReadableTableMetadata};

    use super::*;
    use crate::domain::mail::MailState;

    /// A mail record as versions 1–3 stored it (raw MIME as numbers).
    fn legacy_mail(id: u64, state: MailState, confidential: bool, raw: &str) -> Vec<u8> {
        serde_json::to_vec(&serde_json::json!({
            "id": id,
            "to": "a@b.de",
            "subject": "s",
            "raw": raw.as_bytes(),
            "text": raw,
            "confidential": confidential,
            "state": state,
            "attempts": 0,
            "created_at": jiff::Timestamp::UNIX_EPOCH,
            "next_attempt_at": jiff::Timestamp::UNIX_EPOCH,
            "sent_at": null,
            "last_error": null,
        }))
        .unwrap()
    }

    fn store_at(
        version: u64,
        mails: &[(u64, MailState, bool, &str)],
    ) -> (tempfile::TempDir, Database) {
        let dir = tempfile::tempdir().unwrap();
        let db = Database::create(dir.path().join("old.redb")).unwrap();
        {
            let tx = db.begin_write().unwrap();
            {
                let mut q = tx.open_table(tables::MAIL_QUEUE).unwrap();
                for (id, state, confidential, raw) in mails {
                    q.insert(*id, legacy_mail(*id, *state, *confidential, raw).as_slice())
                        .unwrap();
                }
                if version >= 2 {
                    let mut pending = tx.open_table(tables::MAIL_PENDING).unwrap();
                    for (id, state, _, _) in mails {
                        if *state == MailState::Queued {
                            pending.insert(*id, ()).unwrap();
                        }
                    }
                }
                if version >= 3 {
                    tx.open_table(tables::FAQ).unwrap();
                    tx.open_table(tables::FEEDBACK).unwrap();
                }
                tx.open_table(tables::META)
                    .unwrap()
                    .insert(VERSION_KEY, version)
                    .unwrap();
            }
            tx.commit().unwrap();
        }
        (dir, db)
    }

    /// A version-1 store is migrated step by step to the current version;
    /// its queued mail ends up in the state index.
    #[test]
    fn version_1_is_migrated_to_the_current_version() {
        let (_dir, mut db) = store_at(
            1,
            &[
                (1, MailState::Sent, false, "a"),
                (2, MailState::Queued, false, "b"),
                (3, MailState::Failed, false, "c"),
            ],
        );
        migrate(&mut db).unwrap();
        assert_eq!(stored_version(&db).unwrap(), Some(SCHEMA_VERSION));
        let tx = crate::store::ReadTx(db.begin_read().unwrap());
        let pending = crate::store::mail_queue::pending(&tx).unwrap();
        assert_eq!(pending.iter().map(|m| m.id).collect::<Vec<_>>(), vec![2]);
        tx.open_table(tables::FAQ).unwrap();
        tx.open_table(tables::FEEDBACK).unwrap();
    }

    /// A version-4 store gets the (empty) messaging tables.
    #[test]
    fn version_4_gets_the_message_tables() {
        let (_dir, mut db) = store_at(4, &[]);
        migrate(&mut db).unwrap();
        assert_eq!(stored_version(&db).unwrap(), Some(SCHEMA_VERSION));
        let tx = db.begin_read().unwrap();
        assert_eq!(
            tx.open_table(tables::MESSAGE_HEADERS)
                .unwrap()
                .len()
                .unwrap(),
            0
        );
        assert_eq!(
            tx.open_table(tables::MAILBOX_FACETS)
                .unwrap()
                .len()
                .unwrap(),
            0
        );
        assert_eq!(
            tx.open_table(tables::SEARCH_POSTINGS)
                .unwrap()
                .len()
                .unwrap(),
            0
        );
    }

    /// A version-5 store gets the (empty) tables of persons and reports.
    #[test]
    fn version_5_gets_the_person_tables() {
        let (_dir, mut db) = store_at(5, &[]);
        migrate(&mut db).unwrap();
        let tx = db.begin_read().unwrap();
        assert_eq!(tx.open_table(tables::PERSONS).unwrap().len().unwrap(), 0);
        assert_eq!(tx.open_table(tables::REPORTS).unwrap().len().unwrap(), 0);
        assert_eq!(stored_version(&db).unwrap(), Some(SCHEMA_VERSION));
    }

    /// A store without the Art index of persons (written before it existed,
    /// or restored from a backup) gets it filled at its next open.
    #[test]
    fn the_art_index_is_built_at_open_when_missing() {
        use crate::domain::persons::{Art, Contact, Person};
        let dir = tempfile::tempdir().unwrap();
        let person = |pnr: &str, name: &str, art| Person {
            org: 1,
            personalnummer: pnr.into(),
            art,
            name: name.into(),
            vorname: "V".into(),
            geburtsdatum: jiff::civil::Date::new(1970, 1, 1).unwrap(),
            contact: Contact::default(),
            bereich: None,
            lebenslauf: Vec::new(),
            contact_changed: None,
            imported_contact: None,
        };
        {
            let store = crate::store::Store::open(dir.path()).unwrap();
            store
                .write(|tx| {
                    crate::store::persons::put(tx, &person("1", "Alpha", Art::Beamter))?;
                    crate::store::persons::put(tx, &person("2", "Beta", Art::Hinterbliebener))?;
                    crate::store::persons::put(tx, &person("3", "Gamma", Art::Beamter))
                })
                .unwrap();
        }
        {
            let db = Database::create(dir.path().join(crate::store::DB_FILE)).unwrap();
            let tx = db.begin_write().unwrap();
            tx.delete_table(tables::PERSONS_BY_ART).unwrap();
            tx.delete_table(tables::REPORT_TOKENS).unwrap();
            tx.commit().unwrap();
        }
        let store = crate::store::Store::open(dir.path()).unwrap();
        let scan = store
            .read(|tx| crate::store::persons::scan(tx, 1, "", Some(Art::Beamter), None, 10))
            .unwrap();
        let pnrs: Vec<_> = scan
            .keys
            .iter()
            .map(|k| crate::store::persons::personalnummer_of(k).to_owned())
            .collect();
        assert_eq!(pnrs, vec!["1", "3"]);
    }

    /// A version-2 store gets the (empty) FAQ and feedback tables.
    #[test]
    fn version_2_gets_the_help_tables() {
        let (_dir, mut db) = store_at(2, &[]);
        migrate(&mut db).unwrap();
        assert_eq!(stored_version(&db).unwrap(), Some(SCHEMA_VERSION));
        let tx = db.begin_read().unwrap();
        assert_eq!(tx.open_table(tables::FAQ).unwrap().len().unwrap(), 0);
        assert_eq!(tx.open_table(tables::FEEDBACK).unwrap().len().unwrap(), 0);
    }

    /// A version-3 store gets the indexes and counters of its accounts,
    /// sessions, links and audit entries.
    #[test]
    fn version_3_gets_the_indexes() {
        use crate::domain::account::{Account, Grants, Role, Status};
        use crate::domain::audit::AuditEntry;
        use crate::domain::ids::Nutzerkennung;
        use crate::domain::org::{GroupMailbox, PortalFunction};
        use crate::domain::session::{Session, Stage};
        use crate::store::accounts::{Kind, count_in_org};

        let dir = tempfile::tempdir().unwrap();
        let mut db = Database::create(dir.path().join("v3.redb")).unwrap();
        let id = Nutzerkennung::parse("S20106542291").unwrap();
        let now = jiff::Timestamp::from_second(1_700_000_000).unwrap();
        {
            let tx = db.begin_write().unwrap();
            {
                let user = Account::new(
                    id.clone(),
                    Role::OrgUser {
                        org: 7,
                        grants: Grants {
                            mailboxes: vec![
                                GroupMailbox::Administration,
                                GroupMailbox::Finanzierung,
                            ],
                            functions: vec![PortalFunction::Postfach],
                        },
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
        migrate(&mut db).unwrap();
        assert_eq!(stored_version(&db).unwrap(), Some(SCHEMA_VERSION));
        let tx = crate::store::ReadTx(db.begin_read().unwrap());
        assert_eq!(count_in_org(&tx, 7, Kind::User).unwrap(), 1);
        // Today's reader understands the index entry the step wrote.
        let mut entries = Vec::new();
        crate::store::accounts::scan(
            &tx,
            7,
            Kind::User,
            "",
            &crate::store::accounts::From::NamePrefix(String::new()),
            |e| {
                entries.push(e);
                std::ops::ControlFlow::Continue(())
            },
        )
        .unwrap();
        assert_eq!(entries.len(), 1);
        let e = &entries[0];
        assert_eq!(
            (e.last_name.as_str(), e.first_name.as_str(), e.id.as_str()),
            ("mustermensch", "max", id.as_str())
        );
        assert_eq!(e.status, Status::Angelegt);
        assert_eq!(
            e.mailboxes,
            [GroupMailbox::Finanzierung, GroupMailbox::Administration]
        );
        assert_eq!(e.functions, [PortalFunction::Postfach]);
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

    /// 3 → 4: raw MIME becomes bytes in its own table, index and counters
    /// are filled, and live links leave the store (a queued one stays only
    /// until delivery).
    #[test]
    fn version_3_mail_gets_its_new_storage_without_live_links() {
        let (_dir, mut db) = store_at(
            3,
            &[
                (1, MailState::Sent, false, "plain"),
                (2, MailState::Sent, true, "token=SENT"),
                (3, MailState::Queued, true, "token=QUEUED"),
                (4, MailState::Failed, false, "failed"),
            ],
        );
        migrate(&mut db).unwrap();
        assert_eq!(stored_version(&db).unwrap(), Some(SCHEMA_VERSION));
        let tx = crate::store::ReadTx(db.begin_read().unwrap());
        let q = crate::store::mail_queue::get(&tx, 1).unwrap().unwrap();
        assert_eq!(q.text, "plain");
        assert_eq!(
            crate::store::mail_queue::raw(&tx, 1).unwrap().as_deref(),
            Some(&b"plain"[..])
        );
        let sent = crate::store::mail_queue::get(&tx, 2).unwrap().unwrap();
        assert!(sent.body_removed && sent.text.is_empty());
        assert_eq!(crate::store::mail_queue::raw(&tx, 2).unwrap(), None);
        let queued = crate::store::mail_queue::get(&tx, 3).unwrap().unwrap();
        assert!(queued.live_body && queued.text.is_empty());
        assert!(crate::store::mail_queue::raw(&tx, 3).unwrap().is_some());
        // No record holds the MIME as JSON any more.
        let table = tx.open_table(tables::MAIL_QUEUE).unwrap();
        for entry in table.iter().unwrap() {
            let (_, v) = entry.unwrap();
            let json: serde_json::Value = serde_json::from_slice(v.value()).unwrap();
            assert!(json.get("raw").is_none(), "{json}");
        }
        let counts = crate::store::mail_queue::counts(&tx).unwrap();
        assert_eq!((counts.queued, counts.sent, counts.failed), (1, 2, 1));
        let failed =
            crate::store::mail_queue::page(&tx, Some(MailState::Failed), None, 10).unwrap();
        assert_eq!(failed.iter().map(|m| m.id).collect::<Vec<_>>(), vec![4]);
        assert!(matches!(
            tx.open_table(tables::MAIL_PENDING),
            Err(redb::TableError::TableDoesNotExist(_))
        ));
    }
}
