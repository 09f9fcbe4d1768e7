//! A real SMTP server on loopback (plain text, no TLS), built from the
//! `mailin` state machine, that keeps every message it receives.

use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use mailin::{Action, Handler, Response, SessionBuilder};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::sync::Notify;
use tokio::task::JoinHandle;

use super::mail::Mail;

#[derive(Default)]
struct Inbox {
    mails: Mutex<Vec<Mail>>,
    arrived: Notify,
}

impl Inbox {
    fn lock(&self) -> MutexGuard<'_, Vec<Mail>> {
        self.mails.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A loopback port held for an SMTP server that starts later: the socket
/// is bound (nobody else can take the port) but does not listen yet, so
/// connections are refused as by a server that is down.
/// [`SmtpServer::start_on`] turns this very socket into the listener; no
/// other process can take the port in between.
pub struct SmtpPort {
    socket: tokio::net::TcpSocket,
    port: u16,
}

impl SmtpPort {
    pub fn reserve() -> SmtpPort {
        let bound = tokio::net::TcpSocket::new_v4().and_then(|socket| {
            socket.bind(SocketAddr::from(([127, 0, 0, 1], 0)))?;
            let port = socket.local_addr()?.port();
            Ok(SmtpPort { socket, port })
        });
        match bound {
            Ok(reserved) => reserved,
            Err(e) => panic!("cannot reserve a port: {e}"),
        }
    }

    pub fn port(&self) -> u16 {
        self.port
    }
}

pub struct SmtpServer {
    addr: SocketAddr,
    inbox: Arc<Inbox>,
    task: JoinHandle<()>,
}

impl SmtpServer {
    /// Starts on a free port.
    pub async fn start() -> SmtpServer {
        Self::start_on(SmtpPort::reserve()).await
    }

    /// Starts listening on the reserved `port`.
    pub async fn start_on(port: SmtpPort) -> SmtpServer {
        let number = port.port;
        let listener = match port.socket.listen(128) {
            Ok(l) => l,
            Err(e) => panic!("SMTP test server cannot listen on port {number}: {e}"),
        };
        let addr = match listener.local_addr() {
            Ok(a) => a,
            Err(e) => panic!("SMTP test server has no address: {e}"),
        };
        let inbox = Arc::new(Inbox::default());
        let shared = inbox.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, peer)) = listener.accept().await else {
                    continue;
                };
                let inbox = shared.clone();
                tokio::spawn(async move {
                    let _ = serve_connection(stream, peer.ip(), inbox).await;
                });
            }
        });
        SmtpServer { addr, inbox, task }
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// Every message received so far, in order of arrival.
    pub fn mails(&self) -> Vec<Mail> {
        self.inbox.lock().clone()
    }

    /// The messages whose `To` contains `to`.
    pub fn mails_to(&self, to: &str) -> Vec<Mail> {
        self.mails().into_iter().filter(|m| m.is_to(to)).collect()
    }

    /// Waits until a message to `to` whose subject contains
    /// `subject_contains` has arrived, and returns the first such message.
    #[track_caller]
    pub fn wait_for_mail<'a>(
        &'a self,
        to: &'a str,
        subject_contains: &'a str,
        timeout: Duration,
    ) -> impl std::future::Future<Output = Mail> + 'a {
        let caller = std::panic::Location::caller();
        async move {
            let deadline = tokio::time::Instant::now() + timeout;
            loop {
                let notified = self.inbox.arrived.notified();
                let found = self
                    .inbox
                    .lock()
                    .iter()
                    .find(|m| m.is_to(to) && m.subject.contains(subject_contains))
                    .cloned();
                if let Some(mail) = found {
                    return mail;
                }
                if tokio::time::timeout_at(deadline, notified).await.is_err() {
                    let seen: Vec<String> = self
                        .mails()
                        .iter()
                        .map(|m| format!("To {:?}, Subject {:?}", m.to, m.subject))
                        .collect();
                    panic!(
                        "{caller}: no mail to {to} with subject containing {subject_contains:?} \
                         within {timeout:?}; received: {seen:#?}"
                    );
                }
            }
        }
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Collects one SMTP transaction at a time.
struct Collector {
    inbox: Arc<Inbox>,
    envelope_to: Vec<String>,
    data: Vec<u8>,
}

impl Handler for Collector {
    fn data_start(&mut self, _domain: &str, _from: &str, _is8bit: bool, to: &[String]) -> Response {
        self.envelope_to = to.to_vec();
        self.data.clear();
        mailin::response::OK
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.data.extend_from_slice(buf);
        Ok(())
    }

    fn data_end(&mut self) -> Response {
        let raw = std::mem::take(&mut self.data);
        let mut mail = Mail::parse(&raw);
        mail.envelope_to = std::mem::take(&mut self.envelope_to);
        self.inbox.lock().push(mail);
        self.inbox.arrived.notify_waiters();
        mailin::response::OK
    }
}

async fn serve_connection(
    stream: TcpStream,
    peer: IpAddr,
    inbox: Arc<Inbox>,
) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut read = BufReader::new(read);
    let handler = Collector {
        inbox,
        envelope_to: Vec::new(),
        data: Vec::new(),
    };
    let mut session = SessionBuilder::new("smtp.test.invalid").build(peer, handler);
    write.write_all(&session.greeting().buffer()?).await?;
    let mut line = Vec::new();
    loop {
        line.clear();
        if read.read_until(b'\n', &mut line).await? == 0 {
            return Ok(());
        }
        let response = session.process(&line);
        match response.action {
            Action::Reply => write.write_all(&response.buffer()?).await?,
            Action::Close | Action::UpgradeTls => {
                write.write_all(&response.buffer()?).await?;
                return Ok(());
            }
            Action::NoReply => {}
        }
    }
}
