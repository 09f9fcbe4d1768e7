//! The portal started in-process on port 0 with its own temporary data
//! directory.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use meine_versorgung::clock::Clock;
use meine_versorgung::config::{self, Loaded};
use meine_versorgung::server::StartError;
use meine_versorgung::{Config, ServeOptions, ServerHandle};
use tempfile::TempDir;

use super::client::Client;
use super::smtp::SmtpServer;

/// A temporary data directory, shared by the servers that use it (restart
/// tests start a second server on the same directory). Deleted when the last
/// clone is dropped.
#[derive(Clone)]
pub struct DataDir(Arc<TempDir>);

impl DataDir {
    #[track_caller]
    pub fn new() -> DataDir {
        match tempfile::Builder::new().prefix("mv-it-").tempdir() {
            Ok(dir) => DataDir(Arc::new(dir)),
            Err(e) => panic!("cannot create a temporary data directory: {e}"),
        }
    }

    pub fn path(&self) -> &Path {
        self.0.path()
    }

    pub fn join(&self, name: &str) -> PathBuf {
        self.0.path().join(name)
    }
}

impl Default for DataDir {
    fn default() -> Self {
        DataDir::new()
    }
}

/// Configures a [`TestServer`] before it starts.
pub struct TestServerBuilder {
    env: Vec<(String, String)>,
    data_dir: Option<DataDir>,
    clock: Clock,
}

impl TestServerBuilder {
    /// Runs the portal on `clock`, e.g. a manual one (`Clock::manual`) that
    /// stands still until the test moves it; the background jobs sleep on it.
    pub fn clock(mut self, clock: &Clock) -> Self {
        self.clock = clock.clone();
        self
    }

    /// Sets (or overrides) one `MV_…` environment variable.
    pub fn env(mut self, key: &str, value: impl Into<String>) -> Self {
        let value = value.into();
        self.env.retain(|(k, _)| k != key);
        self.env.push((key.to_owned(), value));
        self
    }

    /// Delivers mail through `smtp` (plain SMTP, no TLS) instead of the outbox.
    pub fn smtp(self, smtp: &SmtpServer) -> Self {
        self.smtp_port(smtp.port())
    }

    /// Delivers mail by SMTP to `127.0.0.1:port`, whether or not anything
    /// listens there yet.
    pub fn smtp_port(self, port: u16) -> Self {
        self.env("MV_MAIL__TRANSPORT", "smtp")
            .env("MV_MAIL__SMTP__HOST", "127.0.0.1")
            .env("MV_MAIL__SMTP__PORT", port.to_string())
            .env("MV_MAIL__SMTP__SECURITY", "none")
            .env("MV_MAIL__SMTP__TIMEOUT", "5s")
    }

    /// Uses an existing data directory (e.g. of a server that was shut down).
    pub fn data_dir(mut self, dir: &DataDir) -> Self {
        self.data_dir = Some(dir.clone());
        self
    }

    /// The configuration the server would start with.
    #[track_caller]
    pub fn config(&mut self) -> Config {
        let dir = self.data_dir.get_or_insert_with(DataDir::new).clone();
        match self.load(&dir) {
            Ok(loaded) => loaded.config,
            Err(e) => panic!("test configuration is invalid: {e}"),
        }
    }

    fn load(&self, dir: &DataDir) -> Result<Loaded, config::ConfigError> {
        // An explicit empty file keeps the tests independent of a
        // `config/meine-versorgung.toml` in the working directory.
        let file = dir.join("test-config.toml");
        if let Err(e) = std::fs::write(&file, "") {
            panic!("cannot write {}: {e}", file.display());
        }
        let mut env = vec![
            (
                "MV_DATA_DIR".to_owned(),
                dir.path().to_string_lossy().into_owned(),
            ),
            ("MV_HTTP__ADDR".to_owned(), "127.0.0.1:0".to_owned()),
            ("MV_ARGON2__MEMORY_KIB".to_owned(), "1024".to_owned()),
            ("MV_ARGON2__ITERATIONS".to_owned(), "1".to_owned()),
        ];
        for (k, v) in &self.env {
            env.retain(|(existing, _)| existing != k);
            env.push((k.clone(), v.clone()));
        }
        config::load_from(Some(&file), env)
    }

    /// Starts the server; `Err` is what `meine_versorgung::start` returned.
    pub async fn try_start(mut self) -> Result<TestServer, StartError> {
        super::init_logging();
        let dir = self.data_dir.get_or_insert_with(DataDir::new).clone();
        let config = match self.load(&dir) {
            Ok(loaded) => loaded.config,
            Err(e) => panic!("test configuration is invalid: {e}"),
        };
        let opts = ServeOptions {
            clock: self.clock.clone(),
            ..Default::default()
        };
        let handle = meine_versorgung::start(config, opts).await?;
        Ok(TestServer::new(handle, dir))
    }

    /// Starts the server and panics if it does not start.
    pub async fn start(self) -> TestServer {
        match self.try_start().await {
            Ok(server) => server,
            Err(e) => panic!("the portal did not start: {e}"),
        }
    }
}

/// A running portal.
pub struct TestServer {
    handle: Option<ServerHandle>,
    dir: DataDir,
    pub local_addr: SocketAddr,
    /// The `/metrics` listener (`MV_HTTP__METRICS_ADDR`), when configured.
    pub metrics_addr: Option<SocketAddr>,
    /// The redirect-to-https listener (`MV_TLS__REDIRECT_ADDR`), when configured.
    pub redirect_addr: Option<SocketAddr>,
    pub public_url: String,
    pub setup_token: Option<String>,
}

impl TestServer {
    pub fn builder() -> TestServerBuilder {
        TestServerBuilder {
            env: Vec::new(),
            data_dir: None,
            clock: Clock::system(),
        }
    }

    /// A server with the default test configuration (outbox transport).
    pub async fn start() -> TestServer {
        Self::builder().start().await
    }

    fn new(handle: ServerHandle, dir: DataDir) -> TestServer {
        TestServer {
            local_addr: handle.local_addr,
            metrics_addr: handle.metrics_addr,
            redirect_addr: handle.redirect_addr,
            public_url: handle.public_url.clone(),
            setup_token: handle.setup_token.clone(),
            handle: Some(handle),
            dir,
        }
    }

    /// The absolute URL of `path` (`/login` → `http://127.0.0.1:PORT/login`).
    pub fn url(&self, path: &str) -> String {
        if path.starts_with("http://") || path.starts_with("https://") {
            path.to_owned()
        } else {
            format!("http://{}{}", self.local_addr, path)
        }
    }

    /// A fresh browser-like client (own cookies, no redirects followed).
    pub fn client(&self) -> Client {
        Client::new(&format!("http://{}", self.local_addr))
    }

    pub fn data_dir(&self) -> &DataDir {
        &self.dir
    }

    /// Writes the session activity the server remembers in memory now.
    #[track_caller]
    pub fn persist_session_activity(&self) -> usize {
        match self.handle.as_ref().map(|h| h.persist_session_activity()) {
            Some(Ok(n)) => n,
            Some(Err(e)) => panic!("persisting session activity failed: {e}"),
            None => panic!("the server was shut down"),
        }
    }

    /// How many e-mails the store holds (queued, sent or given up),
    /// counted when queued: equal before and after an action means it
    /// queued none, without waiting for deliveries.
    #[track_caller]
    pub fn mails_stored(&self) -> u64 {
        match self.handle.as_ref().map(|h| h.mails_stored()) {
            Some(Ok(n)) => n,
            Some(Err(e)) => panic!("cannot count the mails: {e}"),
            None => panic!("the server was shut down"),
        }
    }

    /// The store's mails per state (queued, sent, given up).
    #[track_caller]
    pub fn mail_counts(&self) -> meine_versorgung::domain::mail::MailCounts {
        match self.handle.as_ref().map(|h| h.mail_counts()) {
            Some(Ok(c)) => c,
            Some(Err(e)) => panic!("cannot count the mails: {e}"),
            None => panic!("the server was shut down"),
        }
    }

    /// Waits until every queued mail has had at least one delivery attempt
    /// (with the SMTP server down: the first attempt failed).
    #[track_caller]
    pub fn first_attempts_made(&self) -> impl std::future::Future<Output = ()> + '_ {
        super::wait_for("the first delivery attempts", super::TIMEOUT, move || {
            let tried = match self.handle.as_ref().map(|h| h.queued_mails()) {
                Some(Ok(mails)) => !mails.is_empty() && mails.iter().all(|m| m.attempts >= 1),
                Some(Err(e)) => panic!("cannot read the mail queue: {e}"),
                None => panic!("the server was shut down"),
            };
            async move { tried.then_some(()) }
        })
    }

    /// Waits until no mail is queued any more (each delivered or given up).
    #[track_caller]
    pub fn mail_queue_drained(&self) -> impl std::future::Future<Output = ()> + '_ {
        super::wait_for("the mail queue to drain", super::TIMEOUT, move || {
            let queued = self.mail_counts().queued;
            async move { (queued == 0).then_some(()) }
        })
    }

    /// How many "Passwort vergessen" requests have finished their work
    /// after the answer (it runs after the answer, so that known and
    /// unknown Nutzerkennungen take the same time).
    pub fn reset_requests_done(&self) -> u64 {
        self.handle.as_ref().map_or(0, |h| h.reset_requests_done())
    }

    /// Waits until `n` "Passwort vergessen" requests in all have finished
    /// their work after the answer.
    #[track_caller]
    pub fn wait_reset_requests_done(&self, n: u64) -> impl std::future::Future<Output = ()> + '_ {
        super::wait_for("the Passwort-vergessen work", super::TIMEOUT, move || {
            let done = self.handle.as_ref().map_or(0, |h| h.reset_requests_done());
            async move { (done >= n).then_some(()) }
        })
    }

    /// How many times the housekeeping job ran by itself.
    pub fn housekeeping_runs(&self) -> u64 {
        self.handle.as_ref().map_or(0, |h| h.housekeeping_runs())
    }

    /// The server's clock (moved by `advance_clock`, or set when manual).
    #[track_caller]
    pub fn clock(&self) -> &Clock {
        match &self.handle {
            Some(h) => h.clock(),
            None => panic!("the server was shut down"),
        }
    }

    /// Runs the housekeeping job now.
    #[track_caller]
    pub fn run_housekeeping(&self) -> meine_versorgung::app::housekeeping::Removed {
        match self.handle.as_ref().map(|h| h.run_housekeeping()) {
            Some(Ok(r)) => r,
            Some(Err(e)) => panic!("housekeeping failed: {e}"),
            None => panic!("the server was shut down"),
        }
    }

    /// Moves the server's clock forward: durations (idle timeout, link
    /// validity, Sperrfrist) pass without sleeping.
    #[track_caller]
    pub fn advance_clock(&self, by: std::time::Duration) {
        match &self.handle {
            Some(h) => h.clock().advance(by),
            None => panic!("the server was shut down"),
        }
    }

    /// The setup token, panicking when the server did not create one.
    #[track_caller]
    pub fn setup_token(&self) -> &str {
        match &self.setup_token {
            Some(t) => t,
            None => panic!("the server did not create a setup token"),
        }
    }

    /// Stops the server and waits for it; returns the data directory so a
    /// new server can be started on it.
    ///
    /// `ServerHandle::shutdown` can return while the last connection task
    /// still holds the store open (see `shutdown_releases_the_data_directory`);
    /// this waits (≤ 5 s) until the database file is free again.
    pub async fn shutdown(mut self) -> DataDir {
        if let Some(handle) = self.handle.take() {
            handle.shutdown().await;
        }
        wait_until_store_closed(&self.dir).await;
        self.dir.clone()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(handle) = self.handle.take() {
            // Tell the tasks to stop; the test runtime ends them anyway.
            let _ = handle.trigger().send(true);
        }
    }
}

/// Whether a process (this one included) holds the store of `dir` open.
/// Probes with a read-only open, which never modifies the file.
pub fn store_in_use(dir: &DataDir) -> bool {
    let path = dir.join(meine_versorgung::store::DB_FILE);
    meine_versorgung::store::in_use(&path)
}

async fn wait_until_store_closed(dir: &DataDir) {
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(5);
    while store_in_use(dir) {
        if tokio::time::Instant::now() >= deadline {
            panic!(
                "the store in {} is still open 5 s after shutdown",
                dir.path().display()
            );
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
}

/// Starts the portal with `--demo` on `dir` (the demo organisations and
/// people, see the README) and returns its handle.
pub async fn start_demo(dir: &DataDir) -> meine_versorgung::ServerHandle {
    let config = TestServer::builder().data_dir(dir).config();
    meine_versorgung::start(
        config,
        meine_versorgung::ServeOptions {
            demo: true,
            ..Default::default()
        },
    )
    .await
    .expect("start with --demo")
}
