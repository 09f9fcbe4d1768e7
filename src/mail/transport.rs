//! Delivery of one raw message: SMTP through mail-send, or an `.eml` file in
//! the outbox directory for air-gapped installs.

use std::path::{Path, PathBuf};

use crate::config::{MailConfig, MailTransport, SmtpSecurity};

/// Name of the outbox directory inside the data directory.
pub const OUTBOX_DIR: &str = "outbox";

pub enum Transport {
    Outbox { dir: PathBuf },
    Smtp(Box<SmtpSettings>),
}

pub struct SmtpSettings {
    host: String,
    port: u16,
    security: SmtpSecurity,
    credentials: Option<(String, String)>,
    timeout: std::time::Duration,
    helo: String,
}

impl Transport {
    pub fn from_config(mail: &MailConfig, data_dir: &Path, helo: &str) -> Self {
        match mail.transport {
            MailTransport::Outbox => Transport::Outbox {
                dir: data_dir.join(OUTBOX_DIR),
            },
            MailTransport::Smtp => Transport::Smtp(Box::new(SmtpSettings {
                host: mail.smtp.host.clone(),
                port: mail.smtp.port,
                security: mail.smtp.security,
                credentials: mail
                    .smtp
                    .username
                    .clone()
                    .map(|u| (u, mail.smtp.password.clone().unwrap_or_default())),
                timeout: mail.smtp.timeout,
                helo: helo.to_owned(),
            })),
        }
    }

    /// Delivers `raw` from `from` to `to`. The error text is kept with the
    /// queued mail and shown in the Postausgang.
    pub async fn deliver(&self, id: u64, from: &str, to: &str, raw: &[u8]) -> Result<(), String> {
        match self {
            Transport::Outbox { dir } => write_outbox(dir, id, raw).await,
            Transport::Smtp(s) => send_smtp(s, from, to, raw).await,
        }
    }
}

/// Writes `<dir>/<id>.eml` atomically (temporary file, then rename), so a
/// reader never sees half a message and a retry after a crash overwrites
/// the same file instead of adding a second copy.
async fn write_outbox(dir: &Path, id: u64, raw: &[u8]) -> Result<(), String> {
    tokio::fs::create_dir_all(dir)
        .await
        .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let name = format!("{id:08}.eml");
    let tmp = dir.join(format!(".{name}.tmp"));
    let target = dir.join(&name);
    tokio::fs::write(&tmp, raw)
        .await
        .map_err(|e| format!("cannot write {}: {e}", tmp.display()))?;
    tokio::fs::rename(&tmp, &target)
        .await
        .map_err(|e| format!("cannot rename to {}: {e}", target.display()))
}

async fn send_smtp(s: &SmtpSettings, from: &str, to: &str, raw: &[u8]) -> Result<(), String> {
    use mail_send::SmtpClientBuilder;
    use mail_send::smtp::message::Message;

    let mut builder = SmtpClientBuilder::new(s.host.as_str(), s.port)
        .map_err(|e| format!("SMTP configuration: {e}"))?
        .implicit_tls(s.security == SmtpSecurity::Tls)
        .helo_host(s.helo.clone())
        .timeout(s.timeout);
    if let Some((user, pass)) = &s.credentials {
        builder = builder.credentials((user.as_str(), pass.as_str()));
    }
    let message = Message::new(from, [to], raw);
    let result = match s.security {
        SmtpSecurity::None => match builder.connect_plain().await {
            Ok(mut client) => client.send(message).await,
            Err(e) => Err(e),
        },
        SmtpSecurity::Starttls | SmtpSecurity::Tls => match builder.connect().await {
            Ok(mut client) => client.send(message).await,
            Err(e) => Err(e),
        },
    };
    result
        .map(|_| ())
        .map_err(|e| format!("SMTP {}:{}: {e}", s.host, s.port))
}
