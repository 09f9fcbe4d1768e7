//! Configuration: built-in defaults ← TOML file ← `MV_` environment variables.
//!
//! Every key is declared once, in the structs below; their `Default` values are
//! the built-in defaults and are documented in `config/meine-versorgung.toml`.

use std::collections::BTreeSet;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::Duration;

use figment::Figment;
use figment::providers::{Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

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

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HttpConfig {
    pub addr: SocketAddr,
    /// Reverse proxies whose `X-Forwarded-For` header is believed.
    pub trusted_proxies: Vec<IpAddr>,
    /// Separate plain-HTTP listener for `/metrics`; unset: `/metrics` answers
    /// only loopback clients on the main port.
    pub metrics_addr: Option<SocketAddr>,
    /// Longest wait for a complete request header — on a new connection and
    /// between the requests of a kept-alive one; then the connection is
    /// closed (slow clients, idle keep-alive connections).
    #[serde(with = "duration_text")]
    pub header_timeout: Duration,
    /// Open connections at most per listener (plain HTTP or TLS); further
    /// connections wait until one closes.
    pub max_connections: usize,
    /// Open connections at most from one client address (per listener), so
    /// that one client cannot take every slot of `max_connections`; a
    /// connection beyond it is closed at once. Trusted proxies are exempt.
    pub max_connections_per_address: usize,
    /// Longest time for the whole body of an upload form (Schreiben,
    /// Antworten, Datenimport); then 408 and the staged files are removed.
    #[serde(with = "duration_text")]
    pub upload_timeout: Duration,
    /// Uploads running at the same time per account.
    pub max_uploads_per_account: usize,
    /// Uploads running at the same time per client address.
    pub max_uploads_per_address: usize,
}

impl Default for HttpConfig {
    fn default() -> Self {
        Self {
            addr: SocketAddr::from(([127, 0, 0, 1], 8080)),
            trusted_proxies: Vec::new(),
            metrics_addr: None,
            header_timeout: Duration::from_secs(15),
            max_connections: 1024,
            max_connections_per_address: 64,
            // 10 MB at about 300 kbit/s.
            upload_timeout: Duration::from_secs(300),
            max_uploads_per_account: 2,
            max_uploads_per_address: 8,
        }
    }
}

/// TLS served by the portal itself (see `crate::tls`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TlsConfig {
    /// PEM certificate chain; requires `key`.
    pub cert: Option<PathBuf>,
    /// PEM private key (PKCS#8, PKCS#1 or SEC1); requires `cert`.
    pub key: Option<PathBuf>,
    /// Generate a self-signed certificate in `<data_dir>/tls/` and use it.
    pub self_signed: bool,
    /// Plain-HTTP listener that redirects every request to https.
    pub redirect_addr: Option<SocketAddr>,
}

impl TlsConfig {
    /// Whether the main listener speaks TLS.
    pub fn enabled(&self) -> bool {
        self.cert.is_some() || self.self_signed
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MailTransport {
    Outbox,
    Smtp,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpSecurity {
    None,
    Starttls,
    Tls,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MailConfig {
    pub transport: MailTransport,
    pub from: String,
    pub smtp: SmtpConfig,
    /// First delay before a failed delivery is retried; doubles per attempt.
    #[serde(with = "duration_text")]
    pub retry_initial: Duration,
    /// Longest delay between two delivery attempts.
    #[serde(with = "duration_text")]
    pub retry_max: Duration,
    /// Attempts after which a mail is given up and marked failed.
    pub max_attempts: u32,
}

impl Default for MailConfig {
    fn default() -> Self {
        Self {
            transport: MailTransport::Outbox,
            from: "Meine Versorgung <noreply@meineversorgung.invalid>".to_owned(),
            smtp: SmtpConfig::default(),
            retry_initial: Duration::from_secs(30),
            retry_max: Duration::from_secs(3600),
            max_attempts: 20,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    pub security: SmtpSecurity,
    pub username: Option<String>,
    pub password: Option<String>,
    #[serde(with = "duration_text")]
    pub timeout: Duration,
}

impl Default for SmtpConfig {
    fn default() -> Self {
        Self {
            host: "localhost".to_owned(),
            port: 25,
            security: SmtpSecurity::Starttls,
            username: None,
            password: None,
            timeout: Duration::from_secs(30),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SecurityConfig {
    #[serde(with = "duration_text")]
    pub session_idle: Duration,
    #[serde(with = "duration_text")]
    pub session_warning: Duration,
    #[serde(with = "duration_text")]
    pub session_lifetime: Duration,
    pub lockout_threshold: u32,
    #[serde(with = "duration_text")]
    pub lockout_duration: Duration,
    /// Failed logins per client address within `address_failure_window`.
    pub address_failure_limit: u32,
    #[serde(with = "duration_text")]
    pub address_failure_window: Duration,
    #[serde(with = "duration_text")]
    pub link_validity: Duration,
    #[serde(with = "duration_text")]
    pub email_tan_validity: Duration,
    pub min_password_strength: u8,
    /// "Passwort vergessen" requests per Nutzerkennung within `reset_window`
    /// (further requests are answered alike but send nothing).
    pub reset_limit: u32,
    /// "Passwort vergessen" requests per client address within `reset_window`.
    pub reset_address_limit: u32,
    #[serde(with = "duration_text")]
    pub reset_window: Duration,
    /// Searches ("/suche") one session may run per minute; more answer 429.
    pub search_limit: u32,
    /// An activated account without a login for this many days is locked
    /// as "Gesperrt (inaktiv)"; 0 turns the rule off.
    pub dormant_days: u32,
    /// How many days before that lock the advance e-mail goes out.
    pub dormant_notice_days: u32,
    /// Months between two access reviews (Rezertifizierung) per
    /// organisation; 0 turns the review off.
    pub recertification_months: u32,
    /// Days after the first reminder of a due review until the second.
    pub recertification_reminder_days: u32,
    /// Suspend the unconfirmed grants of an overdue review after
    /// `recertification_grace_days`.
    pub recertification_enforce: bool,
    pub recertification_grace_days: u32,
}

impl Default for SecurityConfig {
    fn default() -> Self {
        Self {
            session_idle: Duration::from_secs(10 * 60),
            session_warning: Duration::from_secs(60),
            session_lifetime: Duration::from_secs(12 * 3600),
            lockout_threshold: 5,
            lockout_duration: Duration::from_secs(30 * 60),
            address_failure_limit: 30,
            address_failure_window: Duration::from_secs(10 * 60),
            link_validity: Duration::from_secs(60 * 60),
            email_tan_validity: Duration::from_secs(10 * 60),
            min_password_strength: 3,
            reset_limit: 3,
            reset_address_limit: 10,
            reset_window: Duration::from_secs(60 * 60),
            search_limit: 30,
            dormant_days: 180,
            dormant_notice_days: 14,
            recertification_months: 12,
            recertification_reminder_days: 14,
            recertification_enforce: false,
            recertification_grace_days: 30,
        }
    }
}

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
pub struct Argon2Config {
    /// Memory per hash in KiB.
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
    /// Hashes computed at the same time; further logins wait.
    pub max_concurrent: usize,
}

impl Default for Argon2Config {
    fn default() -> Self {
        Self {
            memory_kib: 19456,
            iterations: 2,
            parallelism: 1,
            max_concurrent: 4,
        }
    }
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

/// Default of `store.quick_repair` (see docs/operations.md, "Crash
/// recovery", for the measurement behind it).
pub const DEFAULT_QUICK_REPAIR: bool = false;

/// Smallest accepted `store.cache_size` (1 MiB).
pub const MIN_CACHE_SIZE: u64 = 1024 * 1024;

impl Default for StoreConfig {
    fn default() -> Self {
        Self {
            cache_size: crate::store::DEFAULT_CACHE_SIZE,
            quick_repair: DEFAULT_QUICK_REPAIR,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Pretty,
    Json,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogConfig {
    pub format: LogFormat,
    /// A tracing filter such as `info` or `meine_versorgung=debug,info`.
    pub level: String,
}

impl Default for LogConfig {
    fn default() -> Self {
        Self {
            format: LogFormat::Pretty,
            level: "info".to_owned(),
        }
    }
}

/// The result of loading: the configuration plus warnings to log once
/// telemetry is up (e.g. unknown `MV_` variables).
#[derive(Debug)]
pub struct Loaded {
    pub config: Config,
    pub warnings: Vec<String>,
}

/// Loads the configuration from defaults, the TOML file and the environment.
///
/// `file` is an explicitly given file (must exist); without it the default file
/// is read when present.
pub fn load(file: Option<&Path>) -> Result<Loaded, ConfigError> {
    load_from(file, std::env::vars())
}

/// Like [`load`], with the environment passed in (used by tests).
pub fn load_from(
    file: Option<&Path>,
    env: impl IntoIterator<Item = (String, String)>,
) -> Result<Loaded, ConfigError> {
    let mut figment = Figment::from(Serialized::defaults(Config::default()));
    match file {
        Some(path) => {
            if !path.is_file() {
                return Err(ConfigError::new(
                    "--config",
                    format!("file {} not found", path.display()),
                ));
            }
            figment = figment.merge(Toml::file_exact(path));
        }
        None => figment = figment.merge(Toml::file(DEFAULT_CONFIG_FILE)),
    }

    let known = known_keys();
    let text_keys = text_keys();
    let mut warnings = Vec::new();
    let mut env_pairs = Vec::new();
    for (name, value) in env {
        let Some(rest) = name.strip_prefix(ENV_PREFIX) else {
            continue;
        };
        let key = rest.to_ascii_lowercase().replace("__", ".");
        if known.contains(&key) {
            env_pairs.push((key, value));
        } else {
            warnings.push(format!(
                "ignoring unknown environment variable {name} (no configuration key {key})"
            ));
        }
    }
    for (key, value) in env_pairs {
        // Text keys take the raw text, so a password like "12345" stays a string.
        let value = if text_keys.contains(&key) {
            figment::value::Value::from(value)
        } else {
            env_value(&value)
        };
        figment = figment.merge(Serialized::global(&key, value));
    }

    let config: Config = figment.extract().map_err(from_figment)?;
    config.validate()?;
    Ok(Loaded { config, warnings })
}

/// Parses an environment value like figment's `Env` provider does: TOML
/// scalars and arrays are understood, anything else is a string.
fn env_value(raw: &str) -> figment::value::Value {
    use figment::value::Value;
    raw.parse::<Value>()
        .unwrap_or_else(|_| Value::from(raw.to_owned()))
}

fn from_figment(err: figment::Error) -> ConfigError {
    let key = if err.path.is_empty() {
        "(top level)".to_owned()
    } else {
        err.path.join(".")
    };
    let message = match &err.kind {
        figment::error::Kind::UnknownField(field, _) => {
            let full = if err.path.is_empty() {
                field.clone()
            } else {
                format!("{}.{}", err.path.join("."), field)
            };
            return ConfigError::new(&full, "unknown key");
        }
        kind => kind.to_string(),
    };
    ConfigError::new(&key, message)
}

/// Keys whose value is text (strings, durations, optional strings).
fn text_keys() -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    if let Ok(value) = serde_json::to_value(Config::default()) {
        leaves("", &value, &mut |key, v| {
            if v.is_string() || v.is_null() {
                out.insert(key.to_owned());
            }
        });
    }
    out
}

fn leaves(prefix: &str, value: &serde_json::Value, f: &mut dyn FnMut(&str, &serde_json::Value)) {
    match value {
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                let key = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                leaves(&key, v, f);
            }
        }
        other => f(prefix, other),
    }
}

/// Every leaf key of the configuration, dotted (`security.session_idle`).
pub fn known_keys() -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    if let Ok(value) = serde_json::to_value(Config::default()) {
        leaves("", &value, &mut |key, _| {
            out.insert(key.to_owned());
        });
    }
    out
}

impl Config {
    /// Checks rules that types alone cannot express.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.data_dir.as_os_str().is_empty() {
            return Err(ConfigError::new("data_dir", "must not be empty"));
        }
        if let Some(url) = &self.public_url
            && !(url.starts_with("http://") || url.starts_with("https://"))
        {
            return Err(ConfigError::new(
                "public_url",
                "must start with http:// or https://",
            ));
        }
        self.validate_tls()?;
        if crate::domain::email::parse_mailbox(&self.mail.from).is_none() {
            return Err(ConfigError::new(
                "mail.from",
                "must be an e-mail address, optionally with a display name",
            ));
        }
        if self.mail.transport == MailTransport::Smtp && self.mail.smtp.host.trim().is_empty() {
            return Err(ConfigError::new("mail.smtp.host", "must not be empty"));
        }
        if self.mail.smtp.port == 0 && self.mail.transport == MailTransport::Smtp {
            return Err(ConfigError::new("mail.smtp.port", "must not be 0"));
        }
        if self.mail.smtp.password.is_some() && self.mail.smtp.username.is_none() {
            return Err(ConfigError::new(
                "mail.smtp.username",
                "must be set when mail.smtp.password is set",
            ));
        }
        if self.mail.max_attempts == 0 {
            return Err(ConfigError::new("mail.max_attempts", "must be at least 1"));
        }
        let s = &self.security;
        for (key, value) in [
            ("security.session_idle", s.session_idle),
            ("security.session_lifetime", s.session_lifetime),
            ("security.lockout_duration", s.lockout_duration),
            ("security.address_failure_window", s.address_failure_window),
            ("security.link_validity", s.link_validity),
            ("security.email_tan_validity", s.email_tan_validity),
            ("security.reset_window", s.reset_window),
            ("http.header_timeout", self.http.header_timeout),
            ("http.upload_timeout", self.http.upload_timeout),
            ("mail.smtp.timeout", self.mail.smtp.timeout),
            ("mail.retry_initial", self.mail.retry_initial),
        ] {
            if value.is_zero() {
                return Err(ConfigError::new(key, "must be longer than 0s"));
            }
        }
        if s.dormant_days > 0 && s.dormant_notice_days >= s.dormant_days {
            return Err(ConfigError::new(
                "security.dormant_notice_days",
                "must be smaller than security.dormant_days",
            ));
        }
        if s.session_warning >= s.session_idle {
            return Err(ConfigError::new(
                "security.session_warning",
                "must be shorter than security.session_idle",
            ));
        }
        if s.lockout_threshold == 0 {
            return Err(ConfigError::new(
                "security.lockout_threshold",
                "must be at least 1",
            ));
        }
        if s.address_failure_limit == 0 {
            return Err(ConfigError::new(
                "security.address_failure_limit",
                "must be at least 1",
            ));
        }
        for (key, value) in [
            ("security.reset_limit", s.reset_limit as usize),
            (
                "security.reset_address_limit",
                s.reset_address_limit as usize,
            ),
            ("security.search_limit", s.search_limit as usize),
            ("http.max_connections", self.http.max_connections),
            (
                "http.max_connections_per_address",
                self.http.max_connections_per_address,
            ),
            (
                "http.max_uploads_per_account",
                self.http.max_uploads_per_account,
            ),
            (
                "http.max_uploads_per_address",
                self.http.max_uploads_per_address,
            ),
            (
                "retention.mail_body_days",
                self.retention.mail_body_days as usize,
            ),
        ] {
            if value == 0 {
                return Err(ConfigError::new(key, "must be at least 1"));
            }
        }
        if s.min_password_strength > 4 {
            return Err(ConfigError::new(
                "security.min_password_strength",
                "must be between 0 and 4",
            ));
        }
        if self.retention.message_days == 0 {
            return Err(ConfigError::new(
                "retention.message_days",
                "must be at least 1",
            ));
        }
        if self.retention.audit_days == 0 {
            return Err(ConfigError::new(
                "retention.audit_days",
                "must be at least 1",
            ));
        }
        if let Some(to) = &self.audit.anchor_email
            && crate::domain::email::parse_address(to).is_none()
        {
            return Err(ConfigError::new(
                "audit.anchor_email",
                "must be an e-mail address (local@domain.tld)",
            ));
        }
        let a = &self.argon2;
        if a.memory_kib < 8 * a.parallelism.max(1) || a.iterations == 0 || a.parallelism == 0 {
            return Err(ConfigError::new(
                "argon2",
                "memory_kib, iterations and parallelism must form valid argon2 parameters",
            ));
        }
        if a.max_concurrent == 0 {
            return Err(ConfigError::new(
                "argon2.max_concurrent",
                "must be at least 1",
            ));
        }
        if !self.backup.schedule.trim().eq_ignore_ascii_case("off")
            && self.backup.interval().is_none()
        {
            return Err(ConfigError::new(
                "backup.schedule",
                "must be \"off\" or a duration like \"1d\" or \"6h\"",
            ));
        }
        if self.store.cache_size < MIN_CACHE_SIZE {
            return Err(ConfigError::new(
                "store.cache_size",
                format!("must be at least {MIN_CACHE_SIZE} bytes (1 MiB)"),
            ));
        }
        if self.backup.keep == 0 {
            return Err(ConfigError::new("backup.keep", "must be at least 1"));
        }
        if tracing_subscriber::EnvFilter::try_new(&self.log.level).is_err() {
            return Err(ConfigError::new("log.level", "is not a valid log filter"));
        }
        Ok(())
    }

    fn validate_tls(&self) -> Result<(), ConfigError> {
        let t = &self.tls;
        match (&t.cert, &t.key) {
            (Some(_), None) => {
                return Err(ConfigError::new("tls.key", "must be set with tls.cert"));
            }
            (None, Some(_)) => {
                return Err(ConfigError::new("tls.cert", "must be set with tls.key"));
            }
            (Some(_), Some(_)) if t.self_signed => {
                return Err(ConfigError::new(
                    "tls.self_signed",
                    "must be false when tls.cert and tls.key are set",
                ));
            }
            _ => {}
        }
        if t.redirect_addr.is_some() && !t.enabled() {
            return Err(ConfigError::new(
                "tls.redirect_addr",
                "needs TLS (tls.cert and tls.key, or tls.self_signed)",
            ));
        }
        if t.redirect_addr
            .is_some_and(|a| a == self.http.addr && a.port() != 0)
        {
            return Err(ConfigError::new(
                "tls.redirect_addr",
                "must differ from http.addr",
            ));
        }
        if self
            .http
            .metrics_addr
            .is_some_and(|a| a == self.http.addr && a.port() != 0)
        {
            return Err(ConfigError::new(
                "http.metrics_addr",
                "must differ from http.addr",
            ));
        }
        Ok(())
    }

    /// The configuration as TOML with secrets replaced by `***`.
    pub fn redacted_toml(&self) -> String {
        let mut copy = self.clone();
        if copy.mail.smtp.password.is_some() {
            copy.mail.smtp.password = Some("***".to_owned());
        }
        toml_text(&copy)
    }
}

fn toml_text(config: &Config) -> String {
    // figment's toml dependency is re-exported through its provider; a JSON
    // round trip keeps this free of another serializer.
    match serde_json::to_value(config) {
        Ok(value) => {
            let mut out = String::new();
            render_toml(&mut out, "", &value);
            out
        }
        Err(err) => format!("# cannot render configuration: {err}\n"),
    }
}

fn render_toml(out: &mut String, table: &str, value: &serde_json::Value) {
    let serde_json::Value::Object(map) = value else {
        return;
    };
    let mut nested = Vec::new();
    for (k, v) in map {
        match v {
            serde_json::Value::Object(_) => nested.push((k, v)),
            serde_json::Value::Null => out.push_str(&format!("# {k} is not set\n")),
            other => out.push_str(&format!("{k} = {other}\n")),
        }
    }
    for (k, v) in nested {
        let name = if table.is_empty() {
            k.clone()
        } else {
            format!("{table}.{k}")
        };
        out.push_str(&format!("\n[{name}]\n"));
        render_toml(out, &name, v);
    }
}

/// Durations as human text ("10m", "30s", "1h 30m").
pub mod duration_text {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(value: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&humantime::format_duration(*value).to_string())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        let text = String::deserialize(d)?;
        humantime::parse_duration(text.trim()).map_err(|e| {
            serde::de::Error::custom(format!(
                "\"{text}\" is not a duration like \"30s\", \"10m\" or \"1h\" ({e})"
            ))
        })
    }
}
