//! Rules of the configuration that types alone cannot express.

use super::{Config, ConfigError, MIN_CACHE_SIZE, MailTransport};

impl Config {
    /// Checks rules that types alone cannot express. The first broken rule
    /// is reported, naming its key.
    pub fn validate(&self) -> Result<(), ConfigError> {
        self.validate_location()?;
        self.validate_tls()?;
        self.validate_mail()?;
        self.validate_durations()?;
        self.validate_security()?;
        self.validate_limits()?;
        self.validate_retention_and_audit()?;
        self.validate_argon2()?;
        self.validate_backup_and_store()?;
        if tracing_subscriber::EnvFilter::try_new(&self.log.level).is_err() {
            return Err(ConfigError::new("log.level", "is not a valid log filter"));
        }
        Ok(())
    }

    /// `data_dir` and `public_url`.
    fn validate_location(&self) -> Result<(), ConfigError> {
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
        Ok(())
    }

    /// The `mail` section.
    fn validate_mail(&self) -> Result<(), ConfigError> {
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
        Ok(())
    }

    /// Durations that must be longer than zero.
    fn validate_durations(&self) -> Result<(), ConfigError> {
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
        Ok(())
    }

    /// Rules between `security` keys.
    fn validate_security(&self) -> Result<(), ConfigError> {
        let s = &self.security;
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
        if s.min_password_strength > 4 {
            return Err(ConfigError::new(
                "security.min_password_strength",
                "must be between 0 and 4",
            ));
        }
        Ok(())
    }

    /// Counts that must be at least 1.
    fn validate_limits(&self) -> Result<(), ConfigError> {
        let s = &self.security;
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
        Ok(())
    }

    /// The `retention` and `audit` sections.
    fn validate_retention_and_audit(&self) -> Result<(), ConfigError> {
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
        Ok(())
    }

    /// The argon2 parameters.
    fn validate_argon2(&self) -> Result<(), ConfigError> {
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
        Ok(())
    }

    /// The `backup` and `store` sections.
    fn validate_backup_and_store(&self) -> Result<(), ConfigError> {
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
}
