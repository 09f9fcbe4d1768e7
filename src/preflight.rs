//! Checks of a loaded configuration against the machine: files, directories
//! and names that the configuration points to. Run by `check-config` and at
//! the start of `serve`; errors stop start-up, warnings do not.

use std::net::ToSocketAddrs;
use std::path::Path;

use crate::config::{Config, ConfigError, MailTransport};

/// Every problem found, not just the first.
#[derive(Debug, Default)]
pub struct Report {
    pub errors: Vec<ConfigError>,
    /// Problems that do not stop start-up (printed as `warning: …`).
    pub warnings: Vec<String>,
}

impl Report {
    pub fn is_ok(&self) -> bool {
        self.errors.is_empty()
    }
}

pub fn check(config: &Config) -> Report {
    let mut report = Report::default();
    if let Err(e) = crate::tls::check(config) {
        report.errors.push(e);
    }
    if let Err(e) = check_data_dir(&config.data_dir) {
        report.errors.push(e);
    }
    if config.mail.transport == MailTransport::Smtp {
        let smtp = &config.mail.smtp;
        match (smtp.host.as_str(), smtp.port).to_socket_addrs() {
            Ok(addrs) if !addrs.as_slice().is_empty() => {}
            Ok(_) => report.warnings.push(format!(
                "mail.smtp.host: \"{}\" resolves to no address",
                smtp.host
            )),
            Err(e) => report.warnings.push(format!(
                "mail.smtp.host: cannot resolve \"{}\": {e}",
                smtp.host
            )),
        }
    }
    report
}

/// The data directory exists and is writable, or can be created.
fn check_data_dir(dir: &Path) -> Result<(), ConfigError> {
    let fail = |m: String| ConfigError::new("data_dir", m);
    if dir.exists() {
        if !dir.is_dir() {
            return Err(fail(format!("{} is not a directory", dir.display())));
        }
        return probe(dir).map_err(|e| fail(format!("{} is not writable: {e}", dir.display())));
    }
    // The nearest existing ancestor must be a writable directory.
    let mut ancestor = dir.parent();
    while let Some(a) = ancestor {
        let a = if a.as_os_str().is_empty() {
            Path::new(".")
        } else {
            a
        };
        if a.exists() {
            if !a.is_dir() {
                return Err(fail(format!(
                    "cannot create {}: {} is not a directory",
                    dir.display(),
                    a.display()
                )));
            }
            return probe(a).map_err(|e| {
                fail(format!(
                    "cannot create {}: {} is not writable: {e}",
                    dir.display(),
                    a.display()
                ))
            });
        }
        ancestor = a.parent();
    }
    Err(fail(format!("cannot create {}", dir.display())))
}

/// Creates and removes a file in `dir`.
fn probe(dir: &Path) -> std::io::Result<()> {
    let path = dir.join(format!(".mv-preflight-{}", std::process::id()));
    std::fs::File::create(&path)?;
    std::fs::remove_file(&path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_every_problem() {
        let base = std::env::temp_dir().join(format!("mv-preflight-{}", std::process::id()));
        std::fs::create_dir_all(&base).unwrap();
        let file = base.join("plain-file");
        std::fs::write(&file, b"x").unwrap();
        let mut config = Config {
            data_dir: file.join("data"),
            ..Default::default()
        };
        config.tls.cert = Some(base.join("missing-cert.pem"));
        config.tls.key = Some(base.join("missing-key.pem"));
        config.mail.transport = MailTransport::Smtp;
        config.mail.smtp.host = "no-such-host.invalid".to_owned();
        let report = check(&config);
        let _ = std::fs::remove_dir_all(&base);
        let keys: Vec<&str> = report.errors.iter().map(|e| e.key.as_str()).collect();
        assert_eq!(keys, ["tls.cert", "data_dir"], "{report:?}");
        assert_eq!(report.warnings.len(), 1, "{report:?}");
        assert!(report.warnings[0].starts_with("mail.smtp.host"));
    }
}
