//! The test harness: the portal in-process, a real SMTP server, a
//! browser-like client and form helpers.

pub mod accounts;
pub mod binary;
pub mod browser;
pub mod client;
pub mod html;
pub mod login;
pub mod mail;
pub mod persons;
pub mod server;
pub mod smtp;

use std::future::Future;
use std::path::Path;
use std::sync::Once;
use std::time::Duration;

pub use client::{Client, Page};
pub use html::Form;
pub use mail::Mail;
pub use server::{DataDir, TestServer, TestServerBuilder, store_in_use};
pub use smtp::{SmtpPort, SmtpServer};

/// The longest any test waits for something to happen.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// Whether the tests run in CI (CI services set `CI`): there a test that
/// cannot run on the machine fails instead of passing without checking.
pub fn in_ci() -> bool {
    std::env::var_os("CI").is_some_and(|v| !v.is_empty())
}

/// A test that cannot run here (a tool or a privilege is missing): fails
/// with `CI` set; otherwise prints "SKIPPED" and why, and the caller
/// returns.
#[track_caller]
pub fn cannot_run(test: &str, why: &str) {
    if in_ci() {
        panic!("{test} cannot run in CI: {why}");
    }
    eprintln!("{test}: SKIPPED — {why}");
}

/// Log output of the portal during tests: set `TEST_LOG=debug` (or any
/// tracing filter) to see it.
pub fn init_logging() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        if let Ok(filter) = std::env::var("TEST_LOG") {
            let _ = tracing_subscriber::fmt()
                .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
                .with_test_writer()
                .try_init();
        }
    });
}

/// Polls `check` every 20 ms until it returns `Some`, at most `timeout`.
#[track_caller]
pub fn wait_for<'a, T, F, Fut>(
    what: &'a str,
    timeout: Duration,
    mut check: F,
) -> impl Future<Output = T> + 'a
where
    F: FnMut() -> Fut + 'a,
    Fut: Future<Output = Option<T>> + 'a,
    T: 'a,
{
    let caller = std::panic::Location::caller();
    async move {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            if let Some(v) = check().await {
                return v;
            }
            if tokio::time::Instant::now() >= deadline {
                panic!("{caller}: timed out after {timeout:?} waiting for {what}");
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// The `.eml` files in `<data_dir>/outbox`, sorted by name.
pub fn outbox_files(data_dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(data_dir.join("outbox"))
        .map(|rd| {
            rd.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "eml"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

/// A person entered in the first-run setup.
pub struct Person<'a> {
    pub first_name: &'a str,
    pub last_name: &'a str,
    pub email: &'a str,
}

pub const FIRST_ADMIN: Person<'static> = Person {
    first_name: "Kim",
    last_name: "Kassenwart",
    email: "kim.kassenwart@kasse.example",
};

/// Runs the first-run setup through the web form and returns the new
/// Nutzerkennung.
pub async fn run_setup(server: &TestServer, client: &Client, person: &Person<'_>) -> String {
    let page = client
        .get(&format!("/setup?token={}", server.setup_token()))
        .await;
    page.assert_status(200);
    let done = page
        .form_with_button("Anlegen")
        .fill("Vorname", person.first_name)
        .fill("Name", person.last_name)
        .fill("E-Mail-Adresse", person.email)
        .submit(client)
        .await;
    done.assert_redirect("/setup/fertig");
    let done = client.follow(&done).await;
    done.assert_status(200);
    let id = done.text_of("#nutzerkennung");
    assert_nutzerkennung(&id);
    id
}

/// A Nutzerkennung: `K` (Kassen), `X` (Administrator:in) or `S` (Nutzer:in)
/// and 11 digits.
#[track_caller]
pub fn assert_nutzerkennung(id: &str) {
    let mut chars = id.chars();
    let first = chars.next();
    let digits: String = chars.collect();
    assert!(
        matches!(first, Some('K' | 'X' | 'S'))
            && digits.len() == 11
            && digits.chars().all(|c| c.is_ascii_digit()),
        "{id:?} is not a Nutzerkennung (K/X/S + 11 digits)"
    );
}

/// Whether something accepts TCP connections at `addr`.
pub async fn accepts_connections(addr: std::net::SocketAddr) -> bool {
    matches!(
        tokio::time::timeout(
            Duration::from_millis(500),
            tokio::net::TcpStream::connect(addr)
        )
        .await,
        Ok(Ok(_))
    )
}
