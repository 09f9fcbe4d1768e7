//! Backups while the server runs: scheduled copies in the backup
//! directory, and the local admin socket through which `meine-versorgung
//! backup` asks a running server for a copy.

use std::path::{Path, PathBuf};
use std::time::Duration;

use jiff::Timestamp;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::sync::watch;

use crate::config::Config;
use crate::store::{self, Store, backup::Summary};

/// Name of the admin socket in the data directory.
pub const SOCKET: &str = "admin.sock";
/// Prefix and suffix of scheduled backup files.
const PREFIX: &str = "meine-versorgung-";
const SUFFIX: &str = ".redb";

/// A backup file in the backup directory.
#[derive(Debug, Clone)]
pub struct BackupFile {
    pub path: PathBuf,
    pub name: String,
    pub bytes: u64,
    pub created: Option<Timestamp>,
}

pub fn backup_dir(config: &Config) -> PathBuf {
    config
        .backup
        .dir
        .clone()
        .unwrap_or_else(|| config.data_dir.join("backups"))
}

/// The backups in the backup directory, newest first.
pub fn list(config: &Config) -> Vec<BackupFile> {
    let dir = backup_dir(config);
    let mut files: Vec<BackupFile> = std::fs::read_dir(&dir)
        .map(|rd| {
            rd.filter_map(Result::ok)
                .filter_map(|e| {
                    let name = e.file_name().to_string_lossy().into_owned();
                    if !(name.starts_with(PREFIX) && name.ends_with(SUFFIX)) {
                        return None;
                    }
                    let meta = e.metadata().ok()?;
                    let created = meta
                        .modified()
                        .ok()
                        .and_then(|t| Timestamp::try_from(t).ok());
                    Some(BackupFile {
                        path: e.path(),
                        name,
                        bytes: meta.len(),
                        created,
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    files.sort_by(|a, b| b.name.cmp(&a.name));
    files
}

/// Takes a backup into the backup directory and removes the oldest beyond
/// `backup.keep`.
pub fn create_scheduled(
    store: &Store,
    config: &Config,
    now: Timestamp,
) -> Result<(PathBuf, Summary), store::Error> {
    let name = format!("{PREFIX}{}{SUFFIX}", now.strftime("%Y%m%dT%H%M%SZ"));
    let path = backup_dir(config).join(name);
    let summary = store.backup_to(&path)?;
    for old in list(config).into_iter().skip(config.backup.keep.max(1)) {
        if let Err(e) = std::fs::remove_file(&old.path) {
            tracing::warn!(file = %old.path.display(), error = %e, "cannot remove old backup");
        }
    }
    Ok((path, summary))
}

/// Runs scheduled backups every `backup.schedule` of `clock` until shutdown.
/// The first is due `backup.schedule` after the call (not after the task
/// first runs, so a clock moved right after the start counts).
pub fn schedule(
    store: Store,
    config: Config,
    clock: crate::clock::Clock,
    shutdown: watch::Receiver<bool>,
) -> impl std::future::Future<Output = ()> + Send + 'static {
    let first = config
        .backup
        .interval()
        .map(|every| clock.now().checked_add(every).unwrap_or(Timestamp::MAX));
    scheduled_from(store, config, clock, shutdown, first)
}

async fn scheduled_from(
    store: Store,
    config: Config,
    clock: crate::clock::Clock,
    mut shutdown: watch::Receiver<bool>,
    first: Option<Timestamp>,
) {
    let (Some(every), Some(mut due)) = (config.backup.interval(), first) else {
        return;
    };
    loop {
        tokio::select! {
            _ = shutdown.wait_for(|stop| *stop) => break,
            _ = clock.sleep_until(due) => {}
        }
        let (s, c) = (store.clone(), config.clone());
        let now = clock.now();
        due = now.checked_add(every).unwrap_or(Timestamp::MAX);
        match tokio::task::spawn_blocking(move || create_scheduled(&s, &c, now)).await {
            Ok(Ok((path, summary))) => {
                tracing::info!(file = %path.display(), records = summary.records(), "scheduled backup written")
            }
            Ok(Err(e)) => tracing::error!(error = %e, "scheduled backup failed"),
            Err(e) => tracing::error!(error = %e, "scheduled backup task failed"),
        }
    }
}

/// Serves the admin socket: one line `backup <absolute path>` per
/// connection, answered with `ok <bytes> <records>` or `error <text>`.
/// Only the owner of the data directory can reach it (mode 0600).
#[cfg(unix)]
pub async fn serve_socket(store: Store, data_dir: PathBuf, mut shutdown: watch::Receiver<bool>) {
    use tokio::net::UnixListener;
    let path = data_dir.join(SOCKET);
    let _ = std::fs::remove_file(&path);
    let listener = match UnixListener::bind(&path) {
        Ok(l) => l,
        Err(e) => {
            tracing::warn!(socket = %path.display(), error = %e, "admin socket unavailable; online backups through the CLI are not possible");
            return;
        }
    };
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600));
    }
    loop {
        let stream = tokio::select! {
            _ = shutdown.wait_for(|stop| *stop) => break,
            accepted = listener.accept() => match accepted {
                Ok((s, _)) => s,
                Err(e) => {
                    tracing::warn!(error = %e, "admin socket accept failed");
                    continue;
                }
            },
        };
        let store = store.clone();
        tokio::spawn(async move {
            let (read, mut write) = stream.into_split();
            let mut line = String::new();
            // A line is short; a client cannot make the server buffer more.
            let mut reader = BufReader::new(tokio::io::AsyncReadExt::take(read, 4096));
            let answer =
                match tokio::time::timeout(Duration::from_secs(10), reader.read_line(&mut line))
                    .await
                {
                    Ok(Ok(_)) => handle_command(store, line.trim()).await,
                    _ => "error no command received".to_owned(),
                };
            let _ = write.write_all(format!("{answer}\n").as_bytes()).await;
        });
    }
    let _ = std::fs::remove_file(&path);
}

async fn handle_command(store: Store, line: &str) -> String {
    let Some(out) = line.strip_prefix("backup ") else {
        return "error unknown command".to_owned();
    };
    let out = PathBuf::from(out);
    if !out.is_absolute() {
        return "error the backup path must be absolute".to_owned();
    }
    match tokio::task::spawn_blocking(move || store.backup_to(&out)).await {
        Ok(Ok(summary)) => {
            tracing::info!(
                records = summary.records(),
                "backup written through the admin socket"
            );
            format!("ok {} {}", summary.bytes, summary.records())
        }
        Ok(Err(e)) => format!("error {e}"),
        Err(e) => format!("error {e}"),
    }
}

/// `meine-versorgung backup --out FILE`: through the running server's admin
/// socket, or directly when no server runs.
pub async fn run_cli_backup(data_dir: &Path, out: &Path) -> Result<String, String> {
    let out =
        std::path::absolute(out).map_err(|e| format!("invalid path {}: {e}", out.display()))?;
    #[cfg(unix)]
    {
        let socket = data_dir.join(SOCKET);
        if let Ok(stream) = tokio::net::UnixStream::connect(&socket).await {
            let (read, mut write) = stream.into_split();
            write
                .write_all(format!("backup {}\n", out.display()).as_bytes())
                .await
                .map_err(|e| format!("admin socket: {e}"))?;
            let mut answer = String::new();
            BufReader::new(read)
                .read_line(&mut answer)
                .await
                .map_err(|e| format!("admin socket: {e}"))?;
            let answer = answer.trim();
            return match answer.strip_prefix("ok ") {
                Some(rest) => Ok(format!(
                    "backup written by the running server to {} ({rest} bytes/records)",
                    out.display()
                )),
                None => Err(answer.strip_prefix("error ").unwrap_or(answer).to_owned()),
            };
        }
    }
    let dir = data_dir.to_owned();
    let target = out.clone();
    let summary = tokio::task::spawn_blocking(move || store::backup::backup_offline(&dir, &target))
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())?;
    Ok(format!(
        "backup written to {} ({} bytes, {} records)",
        out.display(),
        summary.bytes,
        summary.records()
    ))
}
