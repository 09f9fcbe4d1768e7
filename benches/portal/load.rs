//! The load generator: a fixed number of concurrent clients over loopback,
//! bounded in time and request count, and the login flow of a real user.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use meine_versorgung::domain::totp;

use super::child::Server;
use super::seed::{Login, PASSWORD};

/// A client with its own cookie jar (one browser).
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(64)
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap_or_default()
}

/// How hard and how long to drive one scenario.
#[derive(Debug, Clone, Copy)]
pub struct Load {
    pub concurrency: usize,
    pub warmup: Duration,
    pub duration: Duration,
    pub max_requests: usize,
}

/// What one scenario measured.
#[derive(Debug, Clone, Default)]
pub struct Measured {
    pub requests: usize,
    pub errors: usize,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub rps: f64,
    pub cpu_us_per_req: f64,
    /// The server's context switches per request (all threads).
    pub switches_per_req: f64,
}

/// Drives `GET url` with `load.concurrency` clients sharing `client`
/// (its session), after a warm-up; counts the server's CPU time from
/// `/proc` over the measured part only.
pub async fn drive(server: &Server, client: &reqwest::Client, url: &str, load: Load) -> Measured {
    drive_urls(server, client, vec![url.to_owned()], load).await
}

/// Like [`drive`], each request taking the next of `urls` in turn
/// (warm-up included, so the measured part goes on where it stopped).
pub async fn drive_urls(
    server: &Server,
    client: &reqwest::Client,
    urls: Vec<String>,
    load: Load,
) -> Measured {
    let next = Arc::new(AtomicUsize::new(0));
    let urls = Arc::new(urls);
    let client = client.clone();
    drive_with(server, load, move || {
        let i = next.fetch_add(1, Ordering::Relaxed);
        let url = urls[i % urls.len()].clone();
        let client = client.clone();
        async move { get_ok(&client, &url).await }
    })
    .await
}

/// `GET url` answered 200 with the whole body read.
pub async fn get_ok(client: &reqwest::Client, url: &str) -> bool {
    match client.get(url).send().await {
        Ok(res) => {
            let status = res.status();
            res.bytes().await.is_ok() && status == reqwest::StatusCode::OK
        }
        Err(_) => false,
    }
}

/// Drives the requests `request` makes (true = success) with
/// `load.concurrency` tasks, after a warm-up; the server's CPU time is
/// counted over the measured part only.
pub async fn drive_with<F, Fut>(server: &Server, load: Load, request: F) -> Measured
where
    F: Fn() -> Fut + Clone + Send + Sync + 'static,
    Fut: std::future::Future<Output = bool> + Send,
{
    // Warm-up: fills caches and the connection pool, not measured.
    let _ = run(
        request.clone(),
        load.concurrency,
        load.warmup,
        load.max_requests / 10 + 1,
    )
    .await;
    let cpu_before = server.cpu();
    let switches_before = server.context_switches();
    let started = Instant::now();
    let (mut latencies, errors) =
        run(request, load.concurrency, load.duration, load.max_requests).await;
    let elapsed = started.elapsed();
    let cpu = server.cpu().saturating_sub(cpu_before);
    let switches = server.context_switches().saturating_sub(switches_before);
    let mut m = summarize(&mut latencies, errors, elapsed, cpu);
    m.switches_per_req = switches as f64 / (m.requests + m.errors).max(1) as f64;
    m
}

pub fn summarize(
    latencies: &mut [Duration],
    errors: usize,
    elapsed: Duration,
    cpu: Duration,
) -> Measured {
    latencies.sort_unstable();
    let n = latencies.len();
    let pct = |p: f64| -> f64 {
        if n == 0 {
            return 0.0;
        }
        let i = ((n as f64 * p).ceil() as usize).clamp(1, n) - 1;
        latencies[i].as_secs_f64() * 1000.0
    };
    let total = n + errors;
    Measured {
        requests: n,
        errors,
        p50_ms: pct(0.50),
        p99_ms: pct(0.99),
        rps: n as f64 / elapsed.as_secs_f64().max(1e-9),
        cpu_us_per_req: if total == 0 {
            0.0
        } else {
            cpu.as_secs_f64() * 1e6 / total as f64
        },
        switches_per_req: 0.0,
    }
}

/// Sends requests until `duration` passed or `max` were sent; returns the
/// latencies of the successful ones and the number of failures.
async fn run<F, Fut>(
    request: F,
    concurrency: usize,
    duration: Duration,
    max: usize,
) -> (Vec<Duration>, usize)
where
    F: Fn() -> Fut + Clone + Send + Sync + 'static,
    Fut: std::future::Future<Output = bool> + Send,
{
    let deadline = Instant::now() + duration;
    let sent = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let request = request.clone();
        let sent = sent.clone();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut errors = 0;
            while Instant::now() < deadline && sent.fetch_add(1, Ordering::Relaxed) < max {
                let t = Instant::now();
                if request().await {
                    latencies.push(t.elapsed());
                } else {
                    errors += 1;
                }
            }
            (latencies, errors)
        }));
    }
    let mut all = Vec::new();
    let mut errors = 0;
    for t in tasks {
        if let Ok((l, e)) = t.await {
            all.extend(l);
            errors += e;
        }
    }
    (all, errors)
}

/// The value of the hidden form field `name` in `html`.
pub fn hidden(html: &str, name: &str) -> Option<String> {
    let at = html.find(&format!("name=\"{name}\""))?;
    let start = html[..at].rfind('<')?;
    let end = at + html[at..].find('>')?;
    let tag = &html[start..end];
    let v = tag.find("value=\"")? + "value=\"".len();
    let len = tag[v..].find('"')?;
    Some(tag[v..v + len].to_owned())
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

pub async fn page(client: &reqwest::Client, url: &str) -> Result<String, String> {
    let res = client.get(url).send().await.map_err(|e| e.to_string())?;
    res.text().await.map_err(|e| e.to_string())
}

/// Signs `login` in like a person at the server `base` (`http://host:port`):
/// login page, password, TAN from the authenticator (computed here).
/// Returns the client holding the session.
pub async fn sign_in(base: &str, login: &Login) -> Result<reqwest::Client, String> {
    let client = client();
    let url = |p: &str| format!("{base}{p}");
    let form = page(&client, &url("/login")).await?;
    let csrf = hidden(&form, "csrf").ok_or("no csrf field on /login")?;
    let res = client
        .post(url("/login"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("nutzerkennung", login.id.as_str()),
            ("passwort", PASSWORD),
        ])
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let to = location(&res);
    if to != "/login/tan" {
        return Err(format!(
            "password step of {} went to {to:?} ({})",
            login.id,
            res.status()
        ));
    }
    // A code is valid once: an account signed in within the same 30 s
    // step (an earlier scenario) waits for the next step.
    for attempt in 0..2 {
        let form = page(&client, &url("/login/tan")).await?;
        let csrf = hidden(&form, "csrf").ok_or("no csrf field on /login/tan")?;
        let code = totp::code_at(&login.secret, unix_now()).ok_or("bad totp secret")?;
        let res = client
            .post(url("/login/tan"))
            .form(&[("csrf", csrf.as_str()), ("tan", code.as_str())])
            .send()
            .await
            .map_err(|e| e.to_string())?;
        if location(&res) == "/" {
            return Ok(client);
        }
        let body = res.text().await.unwrap_or_default();
        if attempt > 0 || !body.contains("bereits verwendet") {
            break;
        }
        let into_step = unix_now() % 30;
        tokio::time::sleep(std::time::Duration::from_secs(31 - into_step)).await;
    }
    Err(format!("TAN step of {} refused", login.id))
}

pub fn location(res: &reqwest::Response) -> String {
    res.headers()
        .get(reqwest::header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// `clients` people logging in at once, each login with a fresh account
/// from `accounts`, until `stop` is set or the accounts run out. Returns
/// the completed and the failed logins.
pub async fn login_storm(
    base: &str,
    accounts: &[Login],
    clients: usize,
    stop: Arc<AtomicBool>,
) -> (usize, usize) {
    let next = Arc::new(AtomicUsize::new(0));
    let accounts = Arc::new(accounts.to_vec());
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let (next, accounts, stop) = (next.clone(), accounts.clone(), stop.clone());
        let base = base.to_owned();
        tasks.push(tokio::spawn(async move {
            let (mut ok, mut failed) = (0, 0);
            while !stop.load(Ordering::Relaxed) {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(login) = accounts.get(i) else { break };
                match sign_in(&base, login).await {
                    Ok(_) => ok += 1,
                    Err(_) => failed += 1,
                }
            }
            (ok, failed)
        }));
    }
    let (mut ok, mut failed) = (0, 0);
    for t in tasks {
        if let Ok((o, f)) = t.await {
            ok += o;
            failed += f;
        }
    }
    (ok, failed)
}
