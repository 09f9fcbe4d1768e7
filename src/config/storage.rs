//! The sections about stored data: `retention`, `audit`, `backup` and `store`.

use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RetentionConfig {
    pub message_days: u32,
    /// Audit log entries older than this many days are deleted.
    pub audit_days: u32,
    /// Bodies of delivered e-mails are dropped after this many days; the
    /// Postausgang keeps recipient, subject, time and state.
    pub mail_body_days: u32,
}

impl Default for RetentionConfig {
    fn default() -> Self {
        Self {
            message_days: 730,
            audit_days: 730,
            mail_body_days: 30,
        }
    }
}

/// The Protokoll's hash chain (docs/audit-chain.md).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuditConfig {
    /// Where the daily anchor (the chain head) is e-mailed, so that a copy
    /// exists outside the machine; none by default.
    pub anchor_email: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BackupConfig {
    /// Directory of scheduled backups; default `<data_dir>/backups`.
    pub dir: Option<PathBuf>,
    /// Interval of scheduled backups ("1d", "6h") or "off".
    pub schedule: String,
    /// Scheduled backups kept; older ones are removed.
    pub keep: usize,
}

impl Default for BackupConfig {
    fn default() -> Self {
        Self {
            dir: None,
            schedule: "1d".to_owned(),
            keep: 7,
        }
    }
}

impl BackupConfig {
    /// The interval of scheduled backups, `None` when switched off.
    pub fn interval(&self) -> Option<Duration> {
        let s = self.schedule.trim();
        if s.eq_ignore_ascii_case("off") {
            return None;
        }
        humantime::parse_duration(s).ok().filter(|d| !d.is_zero())
    }
}

/// The embedded database.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StoreConfig {
    /// Bytes of memory redb may use to cache pages of the database file.
    pub cache_size: u64,
    /// Record redb's allocator state with every durable commit, so that a
    /// start after a crash needs no full repair of the file.
    pub quick_repair: bool,
}

/// Default page cache of redb (`store.cache_size`): 16 MiB instead of
/// redb's own 1 GiB, so memory stays modest as the store grows. Measured
/// with the portal benchmark: pages missing in it come from the OS page
/// cache at little CPU cost, while every MiB of it stays resident.
pub const DEFAULT_CACHE_SIZE: u64 = 16 * 1024 * 1024;

/// Default of `store.quick_repair` (see docs/operations.md, "Crash
/// recovery", for the measurement behind it).
pub const DEFAULT_QUICK_REPAIR: bool = true;

/// Smallest accepted `store.cache_size` (1 MiB).
pub const MIN_CACHE_SIZE: u64 = 1024 * 1024;

impl Default for StoreConfig {
    fn default() -> Self {
        Self {
            cache_size: DEFAULT_CACHE_SIZE,
            quick_repair: DEFAULT_QUICK_REPAIR,
        }
    }
}
