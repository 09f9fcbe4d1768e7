//! Backup and restore (issue 6): online backups through the admin socket,
//! restore into a fresh directory, refusal of bad backups.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use meine_versorgung::store::backup::{Summary, file_digests, inspect};
use meine_versorgung::store::{DB_FILE, Store};

use crate::support::login::{PASSWORD, first_kassen_admin, login};
use meine_versorgung::clock::Clock;

use crate::support::{Client, DataDir, SmtpServer, TIMEOUT, TestServer, wait_for};

fn bin() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_meine-versorgung"));
    // Keep the developer's environment out of the child's configuration.
    for (key, _) in std::env::vars() {
        if key.starts_with("MV_") {
            cmd.env_remove(key);
        }
    }
    cmd
}

/// Runs `meine-versorgung <args>` on `data_dir`; returns (success, stdout+stderr).
fn cli(data_dir: &Path, args: &[&str]) -> (bool, String) {
    let out = bin()
        .args(args)
        .env("MV_DATA_DIR", data_dir)
        .output()
        .expect("run binary");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

fn count(summary: &Summary, table: &str) -> u64 {
    summary
        .tables
        .iter()
        .find(|(t, _)| *t == table)
        .map(|(_, n)| *n)
        .expect("table")
}

async fn create_org(client: &Client, i: usize) {
    let page = client.get("/kassen/mitglieder/neu").await;
    let res = page
        .form_with_button("Anlegen")
        .fill("Name", &format!("Gemeinde {i:02}"))
        .fill("Mitgliedsnummer", &format!("{}", 70000 + i))
        .fill("Abrechnungsnummer", "100000")
        .fill("Anschrift", "Marktplatz 1")
        .submit(client)
        .await;
    res.assert_redirect("/kassen/mitglieder/");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backup_while_writes_run_then_restore_into_a_fresh_directory() {
    let smtp = SmtpServer::start().await;
    let server = TestServer::builder().smtp(&smtp).start().await;
    let (kasse, kasse_id, secret) = first_kassen_admin(&server, &smtp).await;
    let dir = server.data_dir().path().to_owned();
    let backups = DataDir::new();

    // A write load runs while backups are taken through the running server.
    let load = {
        let client = kasse.clone();
        tokio::spawn(async move {
            for i in 0..30 {
                create_org(&client, i).await;
            }
        })
    };
    let mut during = Vec::new();
    for n in 0..3 {
        let out = backups.join(&format!("during-{n}.redb"));
        let d = dir.clone();
        let o = out.clone();
        let (ok, text) = tokio::task::spawn_blocking(move || {
            cli(&d, &["backup", "--out", o.to_str().expect("path")])
        })
        .await
        .expect("cli");
        assert!(ok, "{text}");
        assert!(
            text.contains("running server"),
            "went through the admin socket: {text}"
        );
        during.push(out);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    load.await.expect("load");

    // Every backup taken under load is a consistent snapshot.
    for file in &during {
        let s = inspect(file).expect("readable backup");
        assert_eq!(
            count(&s, "ORGS"),
            count(&s, "ORG_NUMBERS"),
            "index and records agree in {}",
            file.display()
        );
    }

    let last = backups.join("final.redb");
    let (ok, text) = cli(&dir, &["backup", "--out", last.to_str().expect("path")]);
    assert!(ok, "{text}");
    let summary = inspect(&last).expect("final backup");
    assert_eq!(count(&summary, "ORGS"), 30);

    // Restore into a fresh directory and run a server on it.
    let fresh = DataDir::new();
    let (ok, text) = cli(
        fresh.path(),
        &["restore", "--from", last.to_str().expect("path")],
    );
    assert!(ok, "{text}");
    assert!(text.contains("restored"), "{text}");
    let restored = inspect(&fresh.join(DB_FILE)).expect("restored store");
    assert_eq!(
        restored.tables, summary.tables,
        "every table restored completely"
    );
    assert_eq!(
        file_digests(&last).expect("backup digests"),
        file_digests(&fresh.join(DB_FILE)).expect("restored digests"),
        "every record of the restored store is byte-identical to the backup"
    );

    let second = TestServer::builder()
        .smtp(&smtp)
        .data_dir(&fresh)
        .start()
        .await;
    let (client, _) = login(&second, &kasse_id, PASSWORD, Some(&secret)).await;
    let list = client.get("/kassen/mitglieder").await;
    list.assert_contains("1 - 20 von 30")
        .assert_contains("Gemeinde 00");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restore_refuses_bad_backups_and_leaves_the_store_alone() {
    let server = TestServer::start().await;
    let dir = server.shutdown().await;
    let db = dir.join(DB_FILE);
    let before = std::fs::read(&db).expect("store");
    let work = DataDir::new();

    // Random bytes.
    let corrupt = work.join("corrupt.redb");
    std::fs::write(
        &corrupt,
        b"this is not a database at all, just some bytes".repeat(200),
    )
    .expect("write");
    let (ok, text) = cli(
        dir.path(),
        &["restore", "--from", corrupt.to_str().expect("path")],
    );
    assert!(!ok, "{text}");
    assert!(text.contains("restore refused"), "{text}");
    assert_eq!(
        std::fs::read(&db).expect("store"),
        before,
        "store untouched"
    );

    // A backup written by a newer version.
    let newer_dir = DataDir::new();
    let (ok, text) = cli(
        dir.path(),
        &[
            "backup",
            "--out",
            newer_dir.join(DB_FILE).to_str().expect("path"),
        ],
    );
    assert!(ok, "{text}");
    Store::open(newer_dir.path())
        .expect("open copy")
        .force_schema_version(99)
        .expect("force");
    let (ok, text) = cli(
        dir.path(),
        &[
            "restore",
            "--from",
            newer_dir.join(DB_FILE).to_str().expect("path"),
        ],
    );
    assert!(!ok, "{text}");
    assert!(text.contains("schema version 99"), "{text}");
    assert_eq!(
        std::fs::read(&db).expect("store"),
        before,
        "store untouched"
    );

    // A missing file.
    let (ok, text) = cli(
        dir.path(),
        &[
            "restore",
            "--from",
            work.join("missing.redb").to_str().expect("path"),
        ],
    );
    assert!(!ok, "{text}");
    assert_eq!(
        std::fs::read(&db).expect("store"),
        before,
        "store untouched"
    );

    // While a server runs on the directory, restore is refused.
    let good = work.join("good.redb");
    let (ok, text) = cli(
        dir.path(),
        &["backup", "--out", good.to_str().expect("path")],
    );
    assert!(ok, "{text}");
    let running = TestServer::builder().data_dir(&dir).start().await;
    let (ok, text) = cli(
        dir.path(),
        &["restore", "--from", good.to_str().expect("path")],
    );
    assert!(!ok, "{text}");
    assert!(text.contains("in use"), "{text}");
    running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kassen_take_a_backup_in_the_browser_and_scheduled_ones_are_kept() {
    let smtp = SmtpServer::start().await;
    // A clock that moves only when the test moves it: the schedule runs
    // exactly when the test says.
    let clock = Clock::manual(jiff::Timestamp::now());
    let server = TestServer::builder()
        .smtp(&smtp)
        .clock(&clock)
        .env("MV_BACKUP__SCHEDULE", "1h")
        .env("MV_BACKUP__KEEP", "2")
        .start()
        .await;
    let (kasse, _, _) = first_kassen_admin(&server, &smtp).await;
    let page = kasse.get("/kassen/datensicherung").await;
    page.assert_status(200).assert_contains("Datensicherung");
    let res = page
        .form_with_button("Sicherung jetzt erstellen")
        .submit(&kasse)
        .await;
    res.assert_redirect("/kassen/datensicherung");
    let done = kasse.follow(&res).await;
    done.assert_contains("Die Sicherung wurde erstellt und geprüft.")
        .assert_contains("meine-versorgung-");
    kasse.get("/").await.assert_contains("Datensicherung");
    kasse
        .get("/kassen/protokoll?aktion=backup.created")
        .await
        .assert_contains("backup.created");

    // Each hour of the clock a scheduled backup; only the newest two are kept.
    let backups = server.data_dir().join("backups");
    let names = || -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(&backups)
            .expect("backups")
            .filter_map(Result::ok)
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".redb"))
            .collect();
        names.sort();
        names
    };
    let mut scheduled = Vec::new();
    for _ in 0..3 {
        clock.advance(Duration::from_secs(3600));
        let name = format!(
            "meine-versorgung-{}.redb",
            clock.now().strftime("%Y%m%dT%H%M%SZ")
        );
        wait_for("the scheduled backup", TIMEOUT, || {
            let names = names();
            let name = name.clone();
            async move { names.contains(&name).then_some(()) }
        })
        .await;
        scheduled.push(name);
    }
    // The oldest beyond two go once the newest is written.
    let kept = scheduled[1..].to_vec();
    wait_for("the two newest backups only", TIMEOUT, || {
        let names = names();
        let kept = kept.clone();
        async move { (names == kept).then_some(()) }
    })
    .await;
    for name in kept {
        inspect(&backups.join(&name)).expect("every kept backup is readable");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backup_of_a_stopped_store_works_without_a_server() {
    let server = TestServer::start().await;
    let dir = server.shutdown().await;
    let out = DataDir::new().join("offline.redb");
    let (ok, text) = cli(
        dir.path(),
        &["backup", "--out", out.to_str().expect("path")],
    );
    assert!(ok, "{text}");
    assert!(text.contains("backup written to"), "{text}");
    inspect(&out).expect("readable");
}
