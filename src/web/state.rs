//! Shared state of the web layer.

use std::net::SocketAddr;
use std::ops::Deref;
use std::sync::Arc;

use crate::app::links::LinkSettings;
use crate::app::passwords::PasswordHasher;
use crate::clock::Clock;
use crate::config::Config;
use crate::mail::Mailer;
use crate::metrics::Metrics;
use crate::store::Store;
pub use crate::web::throttle::{AddressThrottle, Throttle};

#[derive(Clone)]
pub struct AppState(Arc<Inner>);

/// The two limits of "Passwort vergessen".
pub struct ResetThrottles {
    pub by_address: AddressThrottle,
    /// Keyed by the Nutzerkennung as typed (normalised), known or not.
    pub by_account: Throttle<String>,
    /// Requests whose work after the answer is done (tests wait on it to
    /// know that a request sent no mail).
    pub answered_and_done: std::sync::atomic::AtomicU64,
}

impl ResetThrottles {
    pub fn new(sec: &crate::config::SecurityConfig, clock: &Clock) -> Self {
        Self {
            by_address: AddressThrottle::new(
                sec.reset_address_limit,
                sec.reset_window,
                clock.clone(),
            ),
            by_account: Throttle::new(sec.reset_limit, sec.reset_window, clock.clone()),
            answered_and_done: Default::default(),
        }
    }
}

pub struct Inner {
    pub config: Config,
    pub store: Store,
    pub mailer: Mailer,
    /// Base of links in e-mails, without trailing slash.
    pub public_url: String,
    pub local_addr: SocketAddr,
    pub csrf_key: Vec<u8>,
    pub passwords: PasswordHasher,
    pub metrics: Arc<Metrics>,
    /// Cookies get `Secure` when the portal is reached over https.
    pub secure_cookies: bool,
    pub throttle: AddressThrottle,
    /// Submissions of the feedback and support forms per client address.
    pub submissions: AddressThrottle,
    /// "Passwort vergessen" requests per client address and per Nutzerkennung.
    pub resets: ResetThrottles,
    pub clock: Clock,
    /// Session activity not yet persisted (see `app::sessions`).
    pub activity: crate::app::sessions::SessionActivity,
    /// Searches per session (by session key hash), see `web::help`.
    pub searches: Throttle<String>,
    /// Uploads running now per account and per client address.
    pub uploads: crate::web::upload::UploadLimits,
    /// When the hourly account rules last ran (see `jobs::account_reviews`).
    pub account_jobs: crate::jobs::AccountJobs,
}

impl AppState {
    pub fn new(inner: Inner) -> Self {
        Self(Arc::new(inner))
    }

    /// The current time, from the portal's clock.
    pub fn now(&self) -> jiff::Timestamp {
        self.clock.now()
    }

    pub fn links(&self) -> LinkSettings {
        LinkSettings {
            public_url: self.public_url.clone(),
            validity: self.config.security.link_validity,
        }
    }

    /// Runs a short store read where the request runs, without handing it
    /// to the blocking pool. Use it only for reads that take microseconds
    /// (a page's indexed lookups): a hand-off to the pool and back costs
    /// two thread switches, about half of such a page's CPU. Writes (they
    /// wait for the disk), password hashing, scans and streams go through
    /// [`AppState::blocking`].
    pub fn inline<T, E>(&self, f: impl FnOnce(&AppState) -> Result<T, E>) -> Result<T, E> {
        f(self)
    }

    /// Runs blocking work (store writes, password hashing, long reads) off
    /// the async threads.
    pub async fn blocking<T, E>(
        &self,
        f: impl FnOnce(&AppState) -> Result<T, E> + Send + 'static,
    ) -> Result<T, E>
    where
        T: Send + 'static,
        E: Send + 'static + From<crate::app::Error>,
    {
        let me = self.clone();
        // Log lines of the blocking work keep the request's span (its id).
        let span = tracing::Span::current();
        match tokio::task::spawn_blocking(move || span.in_scope(|| f(&me))).await {
            Ok(r) => r,
            Err(e) => Err(E::from(crate::app::Error::Internal(format!(
                "blocking task failed: {e}"
            )))),
        }
    }
}

impl AppState {
    /// Runs a use case off the async threads. Input problems come back as
    /// `Ok(Err(errors))`, so the handler can show the form again with the
    /// messages next to the fields; every other failure is an `AppError`.
    pub async fn attempt<T: Send + 'static>(
        &self,
        f: impl FnOnce(&AppState) -> Result<T, crate::app::Error> + Send + 'static,
    ) -> Result<Result<T, crate::app::FieldErrors>, crate::web::error::AppError> {
        match self
            .blocking(move |st| Ok::<_, crate::web::error::AppError>(f(st)))
            .await?
        {
            Ok(value) => Ok(Ok(value)),
            Err(crate::app::Error::Invalid(errors)) => Ok(Err(errors)),
            Err(e) => Err(e.into()),
        }
    }
}

impl crate::jobs::Context for AppState {
    fn store(&self) -> &Store {
        &self.store
    }
    fn config(&self) -> &Config {
        &self.config
    }
    fn mailer(&self) -> &Mailer {
        &self.mailer
    }
    fn clock(&self) -> &Clock {
        &self.clock
    }
    fn activity(&self) -> &crate::app::sessions::SessionActivity {
        &self.activity
    }
    fn account_jobs(&self) -> &crate::jobs::AccountJobs {
        &self.account_jobs
    }
}

impl Deref for AppState {
    type Target = Inner;

    fn deref(&self) -> &Inner {
        &self.0
    }
}
