//! Disk full: the data directory on a small tmpfs (mounted by the test when
//! the machine allows it — root with CAP_SYS_ADMIN; otherwise the test fails
//! in CI and says "SKIPPED" elsewhere). Filled up, writes answer the German
//! "Speicherplatz erschöpft" page and store nothing, what was acknowledged
//! stays, reads keep working; when space returns, writes work again by
//! themselves (no restart).

use std::process::Command;

use crate::reliability::crash::{Wanted, creation_pairs, seed_admin};
use crate::support::accounts::sign_in;
use crate::support::{DataDir, TestServer, cannot_run};

/// Mounts a tmpfs of `mib` MiB on `dir` for `test`, unmounted when the
/// result is dropped. `None` where the machine does not allow it (after
/// `cannot_run`: a failure in CI).
#[track_caller]
pub fn mount_tmpfs(dir: &std::path::Path, mib: u64, test: &str) -> Option<Mounted> {
    let mounted = Command::new("mount")
        .args(["-t", "tmpfs", "-o", &format!("size={mib}m"), "tmpfs"])
        .arg(dir)
        .output()
        .is_ok_and(|o| o.status.success());
    if !mounted {
        cannot_run(test, "this machine does not allow mounting a tmpfs");
        return None;
    }
    let mounted = Mounted(dir.to_owned());
    // The checks below are only worth something on the small file system.
    assert!(
        free_bytes(dir) <= mib * 1024 * 1024,
        "{} is not the {mib} MiB tmpfs",
        dir.display()
    );
    Some(mounted)
}

fn umount(dir: &std::path::Path) {
    let _ = Command::new("umount").arg("-l").arg(dir).status();
}

/// Unmounts when dropped, also when the test fails.
pub struct Mounted(pub std::path::PathBuf);

impl Drop for Mounted {
    fn drop(&mut self) {
        umount(&self.0);
    }
}

pub fn free_bytes(dir: &std::path::Path) -> u64 {
    let st = rustix::fs::statvfs(dir).expect("statvfs");
    st.f_bavail * st.f_frsize
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_refuses_writes_in_german_keeps_reads_and_recovers_by_itself() {
    let dir = DataDir::new();
    let Some(_mounted) = mount_tmpfs(dir.path(), 24, "disk full") else {
        return;
    };
    let (admin, _) = seed_admin(dir.path());
    let server = TestServer::builder()
        .data_dir(&dir)
        .env("MV_MIN_FREE_SPACE_MB", "4")
        .start()
        .await;
    let browser = server.client();
    sign_in(&browser, &admin).await;

    let create = |n: usize| {
        let browser = browser.clone();
        async move {
            let w = Wanted::nth(n);
            let pairs = creation_pairs(&browser, &w).await.expect("form");
            let res = browser.post_pairs("/nutzer/neu", &pairs, &[]).await;
            (w, res)
        }
    };
    let (before, res) = create(1).await;
    res.assert_redirect("/nutzer/S");

    // Fill the file system until less than the reserve is free.
    let filler = dir.join("filler");
    let fill = free_bytes(dir.path()).saturating_sub(2 * 1024 * 1024);
    std::fs::write(&filler, vec![0u8; fill as usize]).expect("fill the disk");
    assert!(free_bytes(dir.path()) < 4 * 1024 * 1024);

    let (refused, res) = create(2).await;
    res.assert_status(507);
    res.assert_contains("Speicherplatz erschöpft");
    res.assert_contains("Es wurde nichts gespeichert.");
    // Reads keep working, with what was acknowledged before.
    let list = browser.get("/nutzer").await;
    list.assert_status(200);
    list.assert_contains(&before.last_name);
    list.assert_not_contains(&refused.last_name);
    browser.get("/faq").await.assert_status(200);

    // Space returns: the next write works, without a restart.
    std::fs::remove_file(&filler).expect("free the disk");
    let (after, res) = create(3).await;
    res.assert_redirect("/nutzer/S");
    let list = browser.get("/nutzer").await;
    list.assert_contains(&before.last_name);
    list.assert_contains(&after.last_name);
    list.assert_not_contains(&refused.last_name);
    server.shutdown().await;
}
