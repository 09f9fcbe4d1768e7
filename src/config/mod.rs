//! Configuration: built-in defaults ← TOML file ← `MV_` environment variables.
//!
//! Every key is declared once, in the structs below; their `Default` values are
//! the built-in defaults and are documented in `config/meine-versorgung.toml`.
//!
//! One file per concern: the sections (`http`, `mail`, `security`,
//! `storage`, `log`), loading (`load`), validation (`validate`), the
//! redacted rendering (`render`) and the duration format (`duration_text`).

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

pub mod duration_text;
mod http;
mod load;
mod log;
mod mail;
mod render;
mod security;
mod storage;
mod validate;

pub use self::http::{HttpConfig, TlsConfig};
pub use self::load::{Loaded, known_keys, load, load_from};
pub use self::log::{LogConfig, LogFormat};
pub use self::mail::{MailConfig, MailTransport, SmtpConfig, SmtpSecurity};
pub use self::security::{Argon2Config, SecurityConfig};
pub use self::storage::{
    AuditConfig, BackupConfig, DEFAULT_CACHE_SIZE, DEFAULT_QUICK_REPAIR, MIN_CACHE_SIZE,
    RetentionConfig, StoreConfig,
};

/// Prefix of the environment variables that override configuration keys.
pub const ENV_PREFIX: &str = "MV_";
/// Configuration file read when `--config` is not given and the file exists.
pub const DEFAULT_CONFIG_FILE: &str = "config/meine-versorgung.toml";

/// A configuration problem, always naming the offending key.
#[derive(Debug, thiserror::Error)]
#[error("invalid configuration: {key}: {message}")]
pub struct ConfigError {
    pub key: String,
    pub message: String,
}

impl ConfigError {
    pub fn new(key: &str, message: impl Into<String>) -> Self {
        Self {
            key: key.to_owned(),
            message: message.into(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Directory holding the database, the outbox and the setup token.
    pub data_dir: PathBuf,
    /// Base of every link in e-mails; default `http://` + the bound address.
    pub public_url: Option<String>,
    pub http: HttpConfig,
    pub tls: TlsConfig,
    pub mail: MailConfig,
    pub security: SecurityConfig,
    pub retention: RetentionConfig,
    pub audit: AuditConfig,
    pub argon2: Argon2Config,
    pub log: LogConfig,
    pub backup: BackupConfig,
    pub store: StoreConfig,
    /// Writes are refused (German error page, nothing stored) while less
    /// than this many MiB are free on the data directory's file system;
    /// reads go on. 0 switches the check off.
    pub min_free_space_mb: u64,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            data_dir: PathBuf::from("data"),
            public_url: None,
            http: HttpConfig::default(),
            tls: TlsConfig::default(),
            mail: MailConfig::default(),
            security: SecurityConfig::default(),
            retention: RetentionConfig::default(),
            audit: AuditConfig::default(),
            argon2: Argon2Config::default(),
            log: LogConfig::default(),
            backup: BackupConfig::default(),
            store: StoreConfig::default(),
            min_free_space_mb: 64,
        }
    }
}
