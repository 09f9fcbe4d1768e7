//! Delivery of one raw message: SMTP through mail-send, or an `.eml` file in
//! the outbox directory for air-gapped installs.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::time::Duration;

use mail_send::SmtpClient;
use mail_send::smtp::AssertReply;
use mail_send::smtp::message::Parameters;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};

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
    ///
    /// `handover` is called once, at the last moment before delivery becomes
    /// irrevocable: for SMTP after the whole message but its end-of-data
    /// marker was written (a connection dropped before that marker makes the
    /// server discard the message), for the outbox before the rename. It
    /// records, so that a crash of the process cannot lose it, that the
    /// message may now be out (see `mail::handover`); when it fails,
    /// nothing is handed over.
    pub async fn deliver<H, F>(
        &self,
        id: u64,
        from: &str,
        to: &str,
        raw: &[u8],
        handover: H,
    ) -> Result<(), String>
    where
        H: FnOnce() -> F,
        F: Future<Output = Result<(), String>>,
    {
        match self {
            Transport::Outbox { dir } => write_outbox(dir, id, raw, handover).await,
            Transport::Smtp(s) => send_smtp(s, from, to, raw, handover).await,
        }
    }

    /// Whether delivering a message again replaces the earlier copy instead
    /// of adding one (the outbox overwrites `<id>.eml`). A mail whose attempt
    /// was interrupted after the hand-over point is delivered again only
    /// then; over SMTP it counts as sent, so nobody gets it twice.
    pub fn redelivery_replaces(&self) -> bool {
        matches!(self, Transport::Outbox { .. })
    }
}

/// Writes `<dir>/<id>.eml` atomically (temporary file, then rename), so a
/// reader never sees half a message and a retry after a crash overwrites
/// the same file instead of adding a second copy.
async fn write_outbox<H, F>(dir: &Path, id: u64, raw: &[u8], handover: H) -> Result<(), String>
where
    H: FnOnce() -> F,
    F: Future<Output = Result<(), String>>,
{
    tokio::fs::create_dir_all(dir)
        .await
        .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let name = format!("{id:08}.eml");
    let tmp = dir.join(format!(".{name}.tmp"));
    let target = dir.join(&name);
    tokio::fs::write(&tmp, raw)
        .await
        .map_err(|e| format!("cannot write {}: {e}", tmp.display()))?;
    handover().await?;
    tokio::fs::rename(&tmp, &target)
        .await
        .map_err(|e| format!("cannot rename to {}: {e}", target.display()))
}

async fn send_smtp<H, F>(
    s: &SmtpSettings,
    from: &str,
    to: &str,
    raw: &[u8],
    handover: H,
) -> Result<(), String>
where
    H: FnOnce() -> F,
    F: Future<Output = Result<(), String>>,
{
    use mail_send::SmtpClientBuilder;

    let mut builder = SmtpClientBuilder::new(s.host.as_str(), s.port)
        .map_err(|e| format!("SMTP configuration: {e}"))?
        .implicit_tls(s.security == SmtpSecurity::Tls)
        .helo_host(s.helo.clone())
        .timeout(s.timeout);
    if let Some((user, pass)) = &s.credentials {
        builder = builder.credentials((user.as_str(), pass.as_str()));
    }
    let failed = |e: String| format!("SMTP {}:{}: {e}", s.host, s.port);
    let envelope = Envelope { from, to, raw };
    match s.security {
        SmtpSecurity::None => {
            let client = builder
                .connect_plain()
                .await
                .map_err(|e| failed(e.to_string()))?;
            transaction(client, &envelope, s.timeout, handover).await
        }
        SmtpSecurity::Starttls | SmtpSecurity::Tls => {
            let client = builder.connect().await.map_err(|e| failed(e.to_string()))?;
            transaction(client, &envelope, s.timeout, handover).await
        }
    }
    .map_err(failed)
}

struct Envelope<'a> {
    from: &'a str,
    to: &'a str,
    raw: &'a [u8],
}

/// One SMTP mail transaction on an open connection, with the hand-over
/// point right before the end-of-data marker (RFC 5321 §4.1.1.4: a server
/// takes responsibility for a message only once the marker arrived).
async fn transaction<T, H, F>(
    mut client: SmtpClient<T>,
    envelope: &Envelope<'_>,
    timeout: Duration,
    handover: H,
) -> Result<(), String>
where
    T: AsyncRead + AsyncWrite + Unpin,
    H: FnOnce() -> F,
    F: Future<Output = Result<(), String>>,
{
    let none = Parameters::default();
    let text = |e: mail_send::Error| e.to_string();
    client.mail_from(envelope.from, &none).await.map_err(text)?;
    client.rcpt_to(envelope.to, &none).await.map_err(text)?;
    client
        .cmd(b"DATA\r\n")
        .await
        .and_then(|r| r.assert_code(354))
        .map_err(text)?;
    let body = dot_stuffed(envelope.raw);
    within(timeout, async {
        client.stream.write_all(&body).await?;
        client.stream.flush().await
    })
    .await?;
    handover().await?;
    within(timeout, async {
        client.stream.write_all(b"\r\n.\r\n").await?;
        client.stream.flush().await
    })
    .await?;
    tokio::time::timeout(timeout, client.read())
        .await
        .map_err(|_| "no answer to the end of the message".to_owned())?
        .and_then(|r| r.into_positive_completion())
        .map_err(text)?;
    // Courtesy only: the message is accepted whatever QUIT answers.
    let _ = tokio::time::timeout(timeout, client.quit()).await;
    Ok(())
}

async fn within(
    timeout: Duration,
    io: impl Future<Output = std::io::Result<()>>,
) -> Result<(), String> {
    tokio::time::timeout(timeout, io)
        .await
        .map_err(|_| "timed out writing the message".to_owned())?
        .map_err(|e| format!("writing the message: {e}"))
}

/// The message body with SMTP's transparency applied: a dot that starts a
/// line is doubled (a CR or LF counts as a line start, as in mail-send).
fn dot_stuffed(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len() + raw.len() / 64);
    let mut line_start = true;
    for &byte in raw {
        if byte == b'.' && line_start {
            out.push(b'.');
        }
        out.push(byte);
        line_start = byte == b'\n' || byte == b'\r';
    }
    out
}

#[cfg(test)]
mod tests {
    use super::dot_stuffed;

    #[test]
    fn dots_that_start_a_line_are_doubled() {
        assert_eq!(
            dot_stuffed(b".a\r\n.\r\nb.c\r\n..d"),
            b"..a\r\n..\r\nb.c\r\n...d".to_vec()
        );
        assert_eq!(dot_stuffed(b"no dots\r\n"), b"no dots\r\n".to_vec());
    }
}
