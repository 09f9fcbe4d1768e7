//! The Protokoll's hash chain (docs/audit-chain.md): `audit verify` (the
//! real binary) on untouched, tampered and retention-cut stores, the chain
//! state on the Kassen Protokoll page, the hash columns of the CSV export
//! and the documented Python verifier.

use std::path::Path;
use std::process::Command;

use jiff::{SignedDuration, Timestamp};
use meine_versorgung::domain::audit::AuditEntry;
use meine_versorgung::store::{self, Store, codec};

use crate::support::accounts::{signed_in, start_with_kassen_and_admin};
use crate::support::{Mail, TIMEOUT, TestServer, outbox_files, wait_for};

/// Runs `meine-versorgung audit verify` with `args`; (exit code, stdout).
fn verify(args: &[&str]) -> (i32, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_meine-versorgung"));
    cmd.args(["audit", "verify"]).args(args);
    for (k, _) in std::env::vars() {
        if k.starts_with("MV_") {
            cmd.env_remove(k);
        }
    }
    let out = cmd.output().expect("run the binary");
    (
        out.status.code().unwrap_or(-1),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

fn verify_dir(dir: &Path) -> (i32, String) {
    verify(&["--store", dir.to_str().expect("utf-8 path")])
}

/// A data directory with a store holding six entries.
fn seeded(dir: &Path) {
    let store = Store::open(dir).expect("open store");
    store
        .write(|tx| {
            for i in 1..=6 {
                let e = AuditEntry::new(Timestamp::now(), "System", "test.entry", format!("E{i}"))
                    .target("=SUMME(A1)")
                    .org(Some(7))
                    .client(Some("192.0.2.1".into()));
                store::audit::append(tx, &e)?;
            }
            Ok::<_, store::Error>(())
        })
        .expect("seed");
}

/// A copy of the store in `from`, changed through the store layer by `tamper`.
fn tampered(
    from: &Path,
    tamper: impl FnOnce(&store::WriteTx) -> Result<(), store::Error>,
) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::copy(from.join(store::DB_FILE), dir.path().join(store::DB_FILE)).expect("copy");
    let s = Store::open(dir.path()).expect("open copy");
    s.write(tamper).expect("tamper");
    drop(s);
    dir
}

fn raw(tx: &store::WriteTx, id: u64) -> Result<Vec<u8>, store::Error> {
    Ok(store::audit::raw_entry(tx, id)?.unwrap_or_default())
}

#[test]
fn audit_verify_names_the_altered_deleted_or_reordered_entry() {
    let dir = tempfile::tempdir().expect("tempdir");
    seeded(dir.path());
    let (code, out) = verify_dir(dir.path());
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("6 entries verified, head entry 6 hash "),
        "{out}"
    );

    // Altered: the description of entry 3.
    let altered = tampered(dir.path(), |tx| {
        let mut e: AuditEntry = codec::decode("audit", &raw(tx, 3)?)?;
        e.detail = "harmlos".into();
        let bytes = codec::encode("audit", &e)?;
        store::audit::tamper_entry(tx, 3, Some(&bytes))?;
        Ok(())
    });
    let (code, out) = verify_dir(altered.path());
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("BROKEN at entry 3"), "{out}");

    // Deleted: entry 4, and (separately) the newest entry.
    let deleted = tampered(dir.path(), |tx| {
        store::audit::tamper_entry(tx, 4, None)?;
        Ok(())
    });
    let (code, out) = verify_dir(deleted.path());
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("BROKEN at entry 4"), "{out}");
    let newest = tampered(dir.path(), |tx| {
        store::audit::tamper_entry(tx, 6, None)?;
        Ok(())
    });
    let (code, out) = verify_dir(newest.path());
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("BROKEN at entry 6"), "{out}");

    // Reordered: entries 2 and 3 swapped.
    let reordered = tampered(dir.path(), |tx| {
        let (two, three) = (raw(tx, 2)?, raw(tx, 3)?);
        store::audit::tamper_entry(tx, 2, Some(&three))?;
        store::audit::tamper_entry(tx, 3, Some(&two))?;
        Ok(())
    });
    let (code, out) = verify_dir(reordered.path());
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("BROKEN at entry 2"), "{out}");

    // Usage and I/O errors.
    let missing = dir.path().join("nichts.redb");
    assert_eq!(verify(&["--store", missing.to_str().unwrap()]).0, 2);
    assert_eq!(
        verify(&["--store", dir.path().to_str().unwrap(), "--from", "gestern"]).0,
        2
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retention_keeps_the_chain_verifiable_and_the_page_and_csv_show_it() {
    let mut builder = TestServer::builder().env("MV_RETENTION__AUDIT_DAYS", "30");
    let config = builder.config();
    let now = Timestamp::now();
    {
        let store = Store::open(&config.data_dir).expect("open store");
        store
            .write(|tx| {
                for i in 0..20 {
                    let at = if i < 15 {
                        now - SignedDuration::from_hours(40 * 24)
                    } else {
                        now
                    };
                    let e = AuditEntry::new(at, "System", "test.entry", format!("'Eintrag {i:02}"));
                    store::audit::append(tx, &e)?;
                }
                Ok::<_, store::Error>(())
            })
            .expect("seed audit");
    }
    let (server, kassen, _) = start_with_kassen_and_admin(builder).await;
    let k = signed_in(&server, &kassen).await;
    k.get("/kassen/protokoll")
        .await
        .assert_contains("Die Hash-Kette des Protokolls wurde noch nicht geprüft");

    assert_eq!(server.run_housekeeping().audit, 15);
    let page = k.get("/kassen/protokoll").await;
    page.assert_status(200);
    let text = page.text();
    assert!(text.contains("Protokoll unverändert seit"), "{text}");
    assert!(text.contains("Einträge geprüft"), "{text}");

    let csv = k.get("/kassen/protokoll.csv").await;
    csv.assert_status(200);
    let header = csv.body.lines().next().unwrap_or_default().to_owned();
    assert!(
        header.ends_with(";Nr;Zeitpunkt (UTC);Aktionscode;Mitglied-ID;Hash;Vorheriger Hash"),
        "{header}"
    );
    let row = csv
        .body
        .lines()
        .find(|l| l.contains("Eintrag 19"))
        .expect("a row of entry 19")
        .to_owned();
    let cells: Vec<&str> = row.split(';').collect();
    assert_eq!(cells.len(), 13, "{row}");
    assert_eq!(cells[11].len(), 64, "{row}");
    assert_eq!(cells[12].len(), 64, "{row}");
    python_verifies(&csv.body);

    let data_dir = server.shutdown().await;
    let (code, out) = verify_dir(data_dir.path());
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("audit chain intact"), "{out}");
    let (code, out) = verify(&[
        "--store",
        data_dir.path().to_str().unwrap(),
        "--from",
        &now.strftime("%Y-%m-%d").to_string(),
    ]);
    assert_eq!(code, 0, "{out}");
}

/// Runs the Python script of docs/audit-chain.md on `csv`, when python3 is
/// installed.
fn python_verifies(csv: &str) {
    let doc = include_str!("../../docs/audit-chain.md");
    let script = doc
        .split("```python\n")
        .nth(1)
        .and_then(|s| s.split("```").next())
        .expect("the script in the doc");
    let dir = tempfile::tempdir().expect("tempdir");
    let (py, file) = (
        dir.path().join("verify.py"),
        dir.path().join("protokoll.csv"),
    );
    std::fs::write(&py, script).expect("write script");
    std::fs::write(&file, csv).expect("write csv");
    let out = match Command::new("python3").arg(&py).arg(&file).output() {
        Ok(o) => o,
        Err(_) => return, // python3 not installed
    };
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("entries verified"));
    // A changed description fails the script.
    std::fs::write(&file, csv.replace("Eintrag 19", "Eintrag 91")).expect("write csv");
    let out = Command::new("python3")
        .arg(&py)
        .arg(&file)
        .output()
        .expect("python3");
    assert!(!out.status.success(), "the script accepted a changed entry");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("content does not match its hash"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_daily_anchor_is_e_mailed_to_the_configured_address() {
    let (server, kassen, _) = start_with_kassen_and_admin(
        TestServer::builder().env("MV_AUDIT__ANCHOR_EMAIL", "revision@kasse.example"),
    )
    .await;
    // The login is the first Protokoll entry (an empty chain has no anchor).
    signed_in(&server, &kassen).await;
    server.run_housekeeping();
    let dir = server.data_dir().path().to_owned();
    let mail = wait_for("the anchor mail in the outbox", TIMEOUT, || {
        let found = outbox_files(&dir)
            .iter()
            .map(|p| Mail::read(p))
            .find(|m| m.subject.contains("Tagesanker des Protokolls"));
        async move { found }
    })
    .await;
    assert_eq!(mail.to, ["revision@kasse.example"]);
    assert!(mail.text.contains("Hash (SHA-256)"), "{}", mail.text);
    // Once a day: a second run sends nothing more.
    server.run_housekeeping();
    let anchors = outbox_files(&dir)
        .iter()
        .filter(|p| Mail::read(p).subject.contains("Tagesanker"))
        .count();
    assert_eq!(anchors, 1);
}

#[test]
fn a_store_written_before_the_chain_is_chained_once_at_open() {
    let dir = tempfile::tempdir().expect("tempdir");
    seeded(dir.path());
    // Make it look like an old store: no links, no chain tables' head.
    {
        let s = Store::open(dir.path()).expect("open");
        s.write(|tx| {
            for id in 1..=6 {
                let mut e: AuditEntry = codec::decode("audit", &raw(tx, id)?)?;
                e.chain = None;
                let bytes = codec::encode("audit", &e)?;
                store::audit::tamper_entry(tx, id, Some(&bytes))?;
            }
            store::audit_chain::forget_chain(tx)
        })
        .expect("strip the chain");
    }
    let (code, out) = verify_dir(dir.path());
    assert_eq!(code, 1, "an unchained store does not verify: {out}");
    drop(Store::open(dir.path()).expect("reopen"));
    let (code, out) = verify_dir(dir.path());
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("6 entries verified"), "{out}");
}
