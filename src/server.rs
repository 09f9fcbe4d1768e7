//! Start-up and shutdown: open the store, bind, serve, run background jobs.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::app::passwords::PasswordHasher;
use crate::clock::Clock;
use crate::config::{Config, ConfigError};
use crate::listen;
use crate::mail::{Mailer, transport::Transport, worker::Worker};
use crate::metrics::Metrics;
use crate::store::{self, Store};
use crate::web::{AppState, state::Inner, throttle::AddressThrottle};

/// Why the portal did not start: one variant per start-up step.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The store cannot be opened (in use, newer schema, a failed migration…).
    #[error(transparent)]
    Store(#[from] store::Error),
    /// `tls.cert` / `tls.key` unreadable or unsuitable (names the key).
    #[error(transparent)]
    Tls(#[from] ConfigError),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("cannot read bound address: {0}")]
    BoundAddress(std::io::Error),
    /// The argon2 parameters are refused by the hasher.
    #[error("{0}")]
    PasswordHasher(String),
    /// `<data_dir>/mail.key` cannot be read or created, or others may read it.
    #[error("cannot read or create {}: {source}", path.display())]
    SealKey {
        path: PathBuf,
        source: std::io::Error,
    },
    /// `<data_dir>/mail-handover` cannot be opened.
    #[error("cannot open {}: {source}", path.display())]
    HandoverMark {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("demo data: {0}")]
    Demo(crate::app::Error),
    #[error("first-run setup: {0}")]
    Setup(crate::app::Error),
    /// A start-up step run on the blocking pool panicked or was cancelled.
    #[error("start-up task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
}

/// Options of `serve` that are not configuration.
#[derive(Debug, Clone, Default)]
pub struct ServeOptions {
    /// Load the demo data set into an empty data directory.
    pub demo: bool,
    /// The clock every part of the portal reads; tests move it forward.
    pub clock: Clock,
}

/// A running portal.
pub struct ServerHandle {
    pub local_addr: SocketAddr,
    /// The bound address of `http.metrics_addr`, when set.
    pub metrics_addr: Option<SocketAddr>,
    /// The bound address of `tls.redirect_addr`, when set.
    pub redirect_addr: Option<SocketAddr>,
    pub public_url: String,
    /// The first-run setup token, when one was created.
    pub setup_token: Option<String>,
    shutdown: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
    store: Store,
    clock: Clock,
    /// The application state, for the operations below; dropped at shutdown.
    state: Option<AppState>,
}

impl ServerHandle {
    /// Stops accepting connections, lets running requests finish and waits
    /// for the background jobs.
    pub async fn shutdown(mut self) {
        self.state = None;
        let _ = self.shutdown.send(true);
        for t in self.tasks {
            let _ = t.await;
        }
        // Connection tasks and blocking jobs may still hold the state for a
        // moment; the data directory is free only once they let go.
        if !self
            .store
            .wait_until_last(std::time::Duration::from_secs(10))
            .await
        {
            tracing::warn!("store still in use after shutdown");
        }
    }

    /// Waits until the server stops by itself (it does not, unless it fails).
    pub async fn wait(mut self) {
        if let Some(first) = self.tasks.first_mut() {
            let _ = first.await;
        }
    }

    /// Writes the remembered session activity now (the jobs do it every few
    /// seconds); returns how many sessions were updated.
    pub fn persist_session_activity(&self) -> Result<usize, crate::app::Error> {
        match &self.state {
            Some(st) => st.activity.persist(&st.store),
            None => Ok(0),
        }
    }

    /// How many e-mails the store holds (queued, sent or given up): a mail
    /// is counted as soon as its transaction commits, before delivery, so
    /// tests can tell exactly that an action queued none.
    pub fn mails_stored(&self) -> Result<u64, crate::app::Error> {
        match &self.state {
            Some(st) => {
                let c = crate::app::outbox::counts(&st.store)?;
                Ok(c.queued + c.sent + c.failed)
            }
            None => Ok(0),
        }
    }

    /// The store's mails per state (queued, sent, given up): tests wait
    /// for "the queue is drained" on it.
    pub fn mail_counts(&self) -> Result<crate::domain::mail::MailCounts, crate::app::Error> {
        match &self.state {
            Some(st) => crate::app::outbox::counts(&st.store),
            None => Ok(Default::default()),
        }
    }

    /// The mails still queued, with their attempts so far (tests wait for
    /// "the first attempt failed" on it).
    pub fn queued_mails(
        &self,
    ) -> Result<Vec<crate::domain::mail::OutgoingMail>, crate::app::Error> {
        match &self.state {
            Some(st) => Ok(st.store.read(store::mail_queue::pending)?),
            None => Ok(Vec::new()),
        }
    }

    /// How many times the housekeeping job ran by itself (it runs every
    /// minute of the portal's clock; tests move the clock and wait on it).
    pub fn housekeeping_runs(&self) -> u64 {
        self.state
            .as_ref()
            .map_or(0, |st| st.account_jobs.housekeeping_runs())
    }

    /// How many "Passwort vergessen" requests have finished their work
    /// after the answer (link and mail, or nothing for an unknown
    /// Nutzerkennung).
    pub fn reset_requests_done(&self) -> u64 {
        self.state.as_ref().map_or(0, |st| {
            st.resets
                .answered_and_done
                .load(std::sync::atomic::Ordering::SeqCst)
        })
    }

    /// Runs the housekeeping job now (it runs every minute by itself),
    /// with the day's audit chain anchor and verification when due.
    pub fn run_housekeeping(&self) -> Result<crate::app::housekeeping::Removed, crate::app::Error> {
        match &self.state {
            Some(st) => {
                let removed = crate::app::housekeeping::run(&st.store, &st.config, st.now())?;
                crate::app::audit_chain::daily(&st.store, &st.config, &st.mailer, st.now())?;
                crate::jobs::account_reviews(st)?;
                Ok(removed)
            }
            None => Ok(Default::default()),
        }
    }

    /// The server's clock (tests move it forward).
    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// A receiver that other parts (e.g. signal handling) can use.
    pub fn trigger(&self) -> watch::Sender<bool> {
        self.shutdown.clone()
    }
}

/// Starts the portal: opens the store, binds every listener, loads the demo
/// data or prepares the first-run setup, and spawns the HTTP listeners, the
/// mail worker, the backup schedule, the admin socket and the jobs. Each
/// step below fails with its own [`StartError`] variant.
pub async fn start(config: Config, opts: ServeOptions) -> Result<ServerHandle, StartError> {
    let store = open_store(&config).await?;
    crate::tls::install_default_provider();
    let tls = tls_config(&config).await?;
    let scheme = if tls.is_some() { "https" } else { "http" };
    let bound = Bound::bind(&config).await?;
    let local_addr = bound.main.1;
    let public_url = public_url(&config, scheme, local_addr);

    // Read first: a start that finds the key commits nothing (cold start).
    let csrf_key = match store.read(store::secrets::existing_csrf_key)? {
        Some(key) => key,
        None => store.write(store::secrets::csrf_key)?,
    };
    let passwords = PasswordHasher::new(&config.argon2).map_err(StartError::PasswordHasher)?;
    let mailer = mailer(&config)?;
    let metrics = Arc::new(Metrics::default());

    load_demo(opts.demo, &store, &passwords, &mailer, &public_url).await?;
    let setup_token = prepare_setup(&store, &config, &public_url).await?;

    let (shutdown_tx, shutdown_rx) = watch::channel(false);
    let worker = mail_worker(&config, &store, &mailer, &metrics, &opts.clock, &public_url)?;

    let state = AppState::new(Inner {
        throttle: AddressThrottle::new(
            config.security.address_failure_limit,
            config.security.address_failure_window,
            opts.clock.clone(),
        ),
        resets: crate::web::state::ResetThrottles::new(&config.security, &opts.clock),
        submissions: AddressThrottle::new(
            crate::web::help::SUBMISSION_LIMIT,
            crate::web::help::SUBMISSION_WINDOW,
            opts.clock.clone(),
        ),
        uploads: crate::web::upload::UploadLimits::new(&config.http),
        searches: crate::web::state::Throttle::new(
            config.security.search_limit,
            crate::web::help::SEARCH_WINDOW,
            opts.clock.clone(),
        ),
        config,
        store: store.clone(),
        mailer,
        public_url: public_url.clone(),
        local_addr,
        csrf_key,
        passwords,
        metrics,
        secure_cookies: public_url.starts_with("https://"),
        clock: opts.clock.clone(),
        activity: Default::default(),
        account_jobs: Default::default(),
    });

    let (tasks, metrics_addr, redirect_addr) =
        spawn_tasks(&state, bound, tls, worker, opts.clock.clone(), shutdown_rx);
    tracing::info!("listening on {scheme}://{local_addr}");
    Ok(ServerHandle {
        local_addr,
        metrics_addr,
        redirect_addr,
        public_url,
        setup_token,
        shutdown: shutdown_tx,
        tasks,
        store,
        clock: opts.clock,
        state: Some(state),
    })
}

/// Runs `f` on the blocking pool (file and store work at start-up).
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, StartError> {
    Ok(tokio::task::spawn_blocking(f).await?)
}

/// Opens (and migrates) the store and sets its free-space reserve and
/// repair mode.
async fn open_store(config: &Config) -> Result<Store, StartError> {
    let dir = config.data_dir.clone();
    let cache_size = config.store.cache_size;
    let store = blocking(move || Store::open_with(&dir, cache_size)).await??;
    store.set_reserve(config.min_free_space_mb.saturating_mul(1024 * 1024));
    store.set_quick_repair(config.store.quick_repair);
    Ok(store)
}

/// The TLS configuration of the main listener; `None`: plain HTTP.
async fn tls_config(config: &Config) -> Result<Option<Arc<rustls::ServerConfig>>, StartError> {
    let cfg = config.clone();
    Ok(blocking(move || crate::tls::server_config(&cfg)).await??)
}

/// The listeners of `http.addr`, `http.metrics_addr` and
/// `tls.redirect_addr`, each with the address actually bound.
struct Bound {
    main: (TcpListener, SocketAddr),
    metrics: Option<(TcpListener, SocketAddr)>,
    redirect: Option<(TcpListener, SocketAddr)>,
}

impl Bound {
    async fn bind(config: &Config) -> Result<Bound, StartError> {
        let main = bind(config.http.addr).await?;
        let metrics = match config.http.metrics_addr {
            Some(addr) => Some(bind(addr).await?),
            None => None,
        };
        let redirect = match config.tls.redirect_addr {
            Some(addr) => Some(bind(addr).await?),
            None => None,
        };
        Ok(Bound {
            main,
            metrics,
            redirect,
        })
    }
}

/// The base of every link: `public_url`, or the scheme and bound address.
fn public_url(config: &Config, scheme: &str, local_addr: SocketAddr) -> String {
    config
        .public_url
        .clone()
        .unwrap_or_else(|| format!("{scheme}://{local_addr}"))
        .trim_end_matches('/')
        .to_owned()
}

/// The mailer with the key that seals queued e-mails (`<data_dir>/mail.key`).
fn mailer(config: &Config) -> Result<Mailer, StartError> {
    let seal_key =
        crate::mail::seal::SealKey::load_or_create(&config.data_dir).map_err(|source| {
            StartError::SealKey {
                path: config.data_dir.join(crate::mail::seal::KEY_FILE),
                source,
            }
        })?;
    Ok(Mailer::new(&config.mail.from, Arc::new(seal_key)))
}

/// With `--demo`, loads the demo data into an empty store; without it,
/// prints the logins again when the store holds the demo data.
async fn load_demo(
    demo: bool,
    store: &Store,
    passwords: &PasswordHasher,
    mailer: &Mailer,
    public_url: &str,
) -> Result<(), StartError> {
    if demo {
        let s = store.clone();
        let pw = passwords.clone();
        blocking(move || crate::app::demo::load(&s, &pw))
            .await?
            .map_err(StartError::Demo)?;
        let (s, m, url) = (store.clone(), mailer.clone(), public_url.to_owned());
        blocking(move || crate::app::demo::persons::load(&s, &m, &url))
            .await?
            .map_err(StartError::Demo)?;
    } else {
        // A demo data directory started without `--demo`: the logins again.
        let s = store.clone();
        blocking(move || crate::app::demo::print_if_demo(&s))
            .await?
            .map_err(StartError::Demo)?;
    }
    Ok(())
}

/// On a store without accounts, creates the one-time setup token and logs
/// the setup URL; returns the token.
async fn prepare_setup(
    store: &Store,
    config: &Config,
    public_url: &str,
) -> Result<Option<String>, StartError> {
    let s = store.clone();
    let dir = config.data_dir.clone();
    let setup_token = blocking(move || crate::app::setup::prepare_token(&s, &dir))
        .await?
        .map_err(StartError::Setup)?;
    if let Some(token) = &setup_token {
        tracing::warn!(
            "first start: create the first Kassen account at {public_url}/setup?token={token} (token also in {})",
            config
                .data_dir
                .join(crate::app::setup::TOKEN_FILE)
                .display()
        );
    }
    Ok(setup_token)
}

/// The mail worker, with the hand-over mark that keeps an e-mail from going
/// out twice after a crash.
fn mail_worker(
    config: &Config,
    store: &Store,
    mailer: &Mailer,
    metrics: &Arc<Metrics>,
    clock: &Clock,
    public_url: &str,
) -> Result<Worker, StartError> {
    let helo = public_url
        .split("://")
        .nth(1)
        .and_then(|h| h.split([':', '/']).next())
        .unwrap_or("localhost")
        .to_owned();
    let (handover, interrupted) = crate::mail::handover::HandoverMark::open(&config.data_dir)
        .map_err(|source| StartError::HandoverMark {
            path: config.data_dir.join(crate::mail::handover::FILE),
            source,
        })?;
    Ok(Worker {
        store: store.clone(),
        mailer: mailer.clone(),
        transport: Arc::new(Transport::from_config(
            &config.mail,
            &config.data_dir,
            &helo,
        )),
        config: config.mail.clone(),
        metrics: metrics.clone(),
        clock: clock.clone(),
        handover,
        interrupted,
        unrecorded: Default::default(),
    })
}

/// Spawns the listeners, the mail worker, the backup schedule, the admin
/// socket and the jobs; returns their tasks (the HTTP task first) and the
/// bound metrics and redirect addresses.
fn spawn_tasks(
    state: &AppState,
    bound: Bound,
    tls: Option<Arc<rustls::ServerConfig>>,
    worker: Worker,
    clock: crate::clock::Clock,
    shutdown_rx: watch::Receiver<bool>,
) -> (Vec<JoinHandle<()>>, Option<SocketAddr>, Option<SocketAddr>) {
    let (http, metrics_addr, redirect_addr) = listen::spawn_all(
        state,
        listen::Listeners {
            main: bound.main.0,
            tls,
            metrics: bound.metrics,
            redirect: bound.redirect,
        },
        &shutdown_rx,
    );
    let mail = tokio::spawn(worker.run(shutdown_rx.clone()));
    let backups = tokio::spawn(crate::backup::schedule(
        state.store.clone(),
        state.config.clone(),
        clock,
        shutdown_rx.clone(),
    ));
    #[cfg(unix)]
    let admin_socket = tokio::spawn(crate::backup::serve_socket(
        state.store.clone(),
        state.config.data_dir.clone(),
        shutdown_rx.clone(),
    ));
    let jobs = tokio::spawn(crate::jobs::run(state.clone(), shutdown_rx));
    let tasks = vec![
        http,
        mail,
        jobs,
        backups,
        #[cfg(unix)]
        admin_socket,
    ];
    (tasks, metrics_addr, redirect_addr)
}

async fn bind(addr: SocketAddr) -> Result<(TcpListener, SocketAddr), StartError> {
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|source| StartError::Bind { addr, source })?;
    let local = listener.local_addr().map_err(StartError::BoundAddress)?;
    Ok((listener, local))
}
