//! The portal benchmark of issue 9: `cargo bench --bench portal [-- OPTIONS]`.
//!
//! Seeds a store through the crate's store layer, starts the release binary
//! of this crate as a child process on it (port 0, production argon2) and a
//! hyper hello-world as the baseline, signs real sessions in and drives
//! both over loopback. Prints a table and writes `target/bench/report.json`.
//! Then the messaging and persons part of issues 12 and 13
//! (`portal/messaging.rs`) on a second store (`portal/msg_seed.rs`).
//!
//! Options:
//!   --quick          small sizes, a few seconds per scenario (CI)
//!   --binary PATH    measure this portal binary (e.g. the static musl build)
//!                    instead of the one cargo built with the benchmark
//!   --out PATH       where to write the JSON report
//!                    (default: target/bench/report.json)
//!   --env KEY=VALUE  extra environment of the portal process, e.g.
//!                    MV_STORE__CACHE_SIZE=16777216 or MIMALLOC_PURGE_DELAY=100
//!                    (repeatable; argon2 always keeps its defaults)
//!   --fresh          seed the messaging store again instead of reusing
//!                    the one cached under target/bench/cache/ (full mode)
//!   --messaging-only only the messaging and persons scenarios
//!   --starts-only    only the store starts (clean, after SIGKILL idle and
//!                    after writes, with and without store.quick_repair)
//!                    on the messaging store; implies --messaging-only
//!   --mailboxes LIST / --persons LIST
//!                    other sizes, e.g. --mailboxes 1000,100000

#[path = "portal/child.rs"]
mod child;
#[path = "portal/corpus.rs"]
mod corpus;
#[path = "portal/load.rs"]
mod load;
#[path = "portal/messaging.rs"]
mod messaging;
#[path = "portal/msg_seed.rs"]
mod msg_seed;
#[path = "portal/report.rs"]
mod report;
#[path = "portal/seed.rs"]
mod seed;
#[path = "portal/targets.rs"]
mod targets;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use child::Server;
use load::Load;
use report::Report;

struct Options {
    quick: bool,
    binary: PathBuf,
    out: PathBuf,
    env: Vec<(String, String)>,
    fresh: bool,
    /// Only the messaging and persons part (issues 12, 13).
    messaging_only: bool,
    starts_only: bool,
    /// Overrides of the mailbox and persons sizes.
    mailboxes: Option<Vec<usize>>,
    persons: Option<Vec<usize>>,
}

fn sizes_arg(v: Option<String>) -> Result<Option<Vec<usize>>, String> {
    let v = v.ok_or("a size list needs a value, e.g. 1000,10000")?;
    v.split(',')
        .map(|s| s.trim().parse().map_err(|_| format!("not a size: {s}")))
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

fn options() -> Result<Options, String> {
    let mut opts = Options {
        quick: false,
        binary: PathBuf::from(env!("CARGO_BIN_EXE_meine-versorgung")),
        out: Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench/report.json"),
        env: Vec::new(),
        fresh: false,
        messaging_only: false,
        starts_only: false,
        mailboxes: None,
        persons: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--quick" => opts.quick = true,
            "--fresh" => opts.fresh = true,
            "--messaging-only" => opts.messaging_only = true,
            "--starts-only" => {
                opts.messaging_only = true;
                opts.starts_only = true;
            }
            "--mailboxes" => opts.mailboxes = sizes_arg(args.next())?,
            "--persons" => opts.persons = sizes_arg(args.next())?,
            "--binary" => opts.binary = args.next().ok_or("--binary needs a path")?.into(),
            "--out" => opts.out = args.next().ok_or("--out needs a path")?.into(),
            "--env" => {
                let pair = args.next().ok_or("--env needs KEY=VALUE")?;
                let (k, v) = pair.split_once('=').ok_or("--env needs KEY=VALUE")?;
                if k.starts_with("MV_ARGON2") {
                    return Err("the benchmark measures the production argon2 parameters".into());
                }
                opts.env.push((k.to_owned(), v.to_owned()));
            }
            // Added by `cargo bench` to every benchmark binary.
            "--bench" => {}
            other => return Err(format!("unknown option {other}")),
        }
    }
    // The portal runs in its data directory: a relative path must not
    // change its meaning.
    opts.binary = std::fs::canonicalize(&opts.binary)
        .map_err(|e| format!("binary {}: {e}", opts.binary.display()))?;
    Ok(opts)
}

fn main() -> ExitCode {
    if std::env::args().nth(1).as_deref() == Some("--hello-server") {
        return child::run_hello_server();
    }
    let opts = match options() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("portal bench: {e}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("portal bench: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(&opts)) {
        Ok(report) => {
            report.print();
            match report.write(&opts.out) {
                Ok(()) => {
                    println!("report: {}", opts.out.display());
                    let failures = report.failures();
                    for f in &failures {
                        eprintln!("portal bench: scenario failed: {f}");
                    }
                    if failures.is_empty() {
                        ExitCode::SUCCESS
                    } else {
                        ExitCode::FAILURE
                    }
                }
                Err(e) => {
                    eprintln!("portal bench: {e}");
                    ExitCode::FAILURE
                }
            }
        }
        Err(e) => {
            eprintln!("portal bench failed: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Sizes and durations of a run.
struct Profile {
    plan: seed::Plan,
    load: Load,
    storm: Duration,
    cold_starts: usize,
}

fn profile(quick: bool) -> Profile {
    if quick {
        Profile {
            plan: seed::Plan {
                org_sizes: vec![100, 1_000],
                audit_entries: 5_000,
                mails: 500,
                storm_accounts: 200,
            },
            load: Load {
                concurrency: 4,
                warmup: Duration::from_millis(200),
                duration: Duration::from_millis(1_500),
                max_requests: 20_000,
            },
            storm: Duration::from_secs(3),
            cold_starts: 2,
        }
    } else {
        Profile {
            plan: seed::Plan {
                org_sizes: vec![100, 1_000, 10_000],
                audit_entries: 300_000,
                mails: 20_000,
                storm_accounts: 1_500,
            },
            load: Load {
                concurrency: 4,
                warmup: Duration::from_millis(500),
                duration: Duration::from_secs(5),
                max_requests: 200_000,
            },
            storm: Duration::from_secs(10),
            cold_starts: 5,
        }
    }
}

fn step(text: &str) {
    eprintln!("==> {text}");
}

async fn run(opts: &Options) -> Result<Report, String> {
    let p = profile(opts.quick);
    let mut report = Report {
        mode: if opts.quick { "quick" } else { "full" }.to_owned(),
        env: opts.env.iter().map(|(k, v)| format!("{k}={v}")).collect(),
        binary: opts.binary.display().to_string(),
        machine: machine(),
        ..Default::default()
    };

    step("baseline: hyper hello-world");
    let hello = Server::hello()?;
    let client = load::client();
    let base = load::drive(&hello, &client, &hello.url("/"), p.load).await;
    hello.stop()?;
    report.baseline = report::Baseline {
        cpu_us_per_req: base.cpu_us_per_req,
        rps: base.rps,
        p50_ms: base.p50_ms,
        p99_ms: base.p99_ms,
        switches_per_req: base.switches_per_req,
    };

    if opts.messaging_only {
        messaging::run(opts, opts.quick, p.load, &mut report).await?;
        return Ok(report);
    }

    step("idle: the portal on an empty data directory");
    let empty = tempfile::tempdir().map_err(|e| e.to_string())?;
    let server = Server::portal(&opts.binary, &opts.env, empty.path())?;
    report.cold_start_empty_ms = ms(server.cold_start);
    tokio::time::sleep(Duration::from_millis(500)).await;
    report.rss_kb.idle = server.rss_kb();
    server.stop()?;

    step(&format!("seeding {:?}", p.plan));
    let data = tempfile::tempdir().map_err(|e| e.to_string())?;
    let started = Instant::now();
    let seeded = {
        let (dir, plan) = (data.path().to_owned(), p.plan.clone());
        tokio::task::spawn_blocking(move || seed::seed(&dir, &plan))
            .await
            .map_err(|e| e.to_string())??
    };
    eprintln!("    seeded in {:.1} s", started.elapsed().as_secs_f64());
    report.bytes_per_record = (&seeded.bytes, seeded.file_size, seeded.records).into();

    step("cold start with the seeded store");
    let mut starts = Vec::new();
    for _ in 1..p.cold_starts {
        let s = Server::portal(&opts.binary, &opts.env, data.path())?;
        starts.push(s.cold_start);
        s.stop()?;
    }
    let server = Server::portal(&opts.binary, &opts.env, data.path())?;
    starts.push(server.cold_start);
    starts.sort();
    report.cold_start_ms = ms(starts[starts.len() / 2]);
    tokio::time::sleep(Duration::from_millis(300)).await;
    report.rss_kb.after_seed = server.rss_kb();

    step("signing in");
    let base_url = server.url("");
    let kassen = load::sign_in(&base_url, &seeded.kassen).await?;
    let mut admins = Vec::new();
    for org in &seeded.orgs {
        admins.push((org.clone(), load::sign_in(&base_url, &org.admin).await?));
    }

    let sampler = RssSampler::start(server.pid);
    println!("{}", report::header());
    let anon = load::client();
    let m = load::drive(&server, &anon, &server.url("/login"), p.load).await;
    report.push("login_page", 0, &m);
    for (org, client) in &admins {
        let size = org.size as u64;
        let m = load::drive(&server, client, &server.url("/nutzer"), p.load).await;
        report.push("users_list", size, &m);
        let url = server.url(&format!("/nutzer?name={}", seed::FILTER_LAST_NAME));
        let m = load::drive(&server, client, &url, p.load).await;
        report.push("users_filtered", size, &m);
        let url = server.url(&format!("/nutzer/{}", org.sample_user));
        let m = load::drive(&server, client, &url, p.load).await;
        report.push("user_details", size, &m);
    }
    let audit = p.plan.audit_entries as u64;
    let m = load::drive(&server, &kassen, &server.url("/kassen/protokoll"), p.load).await;
    report.push("audit_page", audit, &m);
    let m = load::drive(&server, &kassen, &server.url("/"), p.load).await;
    report.push("kassen_home", p.plan.mails as u64, &m);
    report.rss_kb.under_load = sampler.stop().await;

    step("login storm");
    let (org, client) = admins.first().ok_or("no organisation seeded")?;
    let page = "/nutzer";
    let storm_load = Load {
        duration: p.storm,
        ..p.load
    };
    let quiet = load::drive(&server, client, &server.url(page), storm_load).await;
    report.rss_kb.before_storm = server.rss_kb();
    let stop = Arc::new(AtomicBool::new(false));
    let sampler = RssSampler::start(server.pid);
    let storm_started = Instant::now();
    let storm = {
        let stop = stop.clone();
        let accounts = seeded.storm.clone();
        let base = server.url("");
        tokio::spawn(async move { storm_task(base, accounts, stop).await })
    };
    // Let the storm get going before measuring the page beside it.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let loud = load::drive(&server, client, &server.url(page), storm_load).await;
    stop.store(true, Ordering::Relaxed);
    let (logins, failed) = storm.await.map_err(|e| e.to_string())?;
    let storm_time = storm_started.elapsed();
    report.rss_kb.during_storm = sampler.stop().await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    report.rss_kb.after_storm = server.rss_kb();
    if !opts.quick {
        tokio::time::sleep(Duration::from_secs(13)).await;
        report.rss_kb.settled = server.rss_kb();
    }
    report.push(
        &format!("storm_quiet_{}", org.size),
        org.size as u64,
        &quiet,
    );
    // Not a page target: its CPU includes the argon2 work of the logins.
    report.push_kind(
        &format!("storm_during_{}", org.size),
        org.size as u64,
        "storm",
        &loud,
    );
    report.storm = report::Storm {
        clients: STORM_CLIENTS,
        page: format!("{page} ({} Nutzer:innen)", org.size),
        page_p99_ms_without: quiet.p99_ms,
        page_p99_ms_with: loud.p99_ms,
        ratio: if quiet.p99_ms > 0.0 {
            loud.p99_ms / quiet.p99_ms
        } else {
            0.0
        },
        logins,
        failed_logins: failed,
        logins_per_s: logins as f64 / storm_time.as_secs_f64(),
    };
    server.stop()?;

    messaging::run(opts, opts.quick, p.load, &mut report).await?;
    Ok(report)
}

/// People logging in at once during the storm.
const STORM_CLIENTS: usize = 4;

async fn storm_task(
    base: String,
    accounts: Vec<seed::Login>,
    stop: Arc<AtomicBool>,
) -> (usize, usize) {
    load::login_storm(&base, &accounts, STORM_CLIENTS, stop).await
}

/// Samples a process's RSS every 50 ms and keeps the highest value.
struct RssSampler {
    stop: Arc<AtomicBool>,
    peak: Arc<AtomicU64>,
    task: tokio::task::JoinHandle<()>,
}

impl RssSampler {
    fn start(pid: u32) -> Self {
        Self::every(pid, Duration::from_millis(50))
    }

    /// Samples every `interval` (short transfers need a finer grid).
    fn every(pid: u32, interval: Duration) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let peak = Arc::new(AtomicU64::new(0));
        let task = {
            let (stop, peak) = (stop.clone(), peak.clone());
            tokio::spawn(async move {
                while !stop.load(Ordering::Relaxed) {
                    if let Some(kb) = child::rss_kb(pid) {
                        peak.fetch_max(kb, Ordering::Relaxed);
                    }
                    tokio::time::sleep(interval).await;
                }
            })
        };
        Self { stop, peak, task }
    }

    async fn stop(self) -> u64 {
        self.stop.store(true, Ordering::Relaxed);
        let _ = self.task.await;
        self.peak.load(Ordering::Relaxed)
    }
}

fn ms(d: Duration) -> f64 {
    (d.as_secs_f64() * 1e4).round() / 10.0
}

/// CPU model and core count, for the report.
fn machine() -> String {
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find_map(|l| l.strip_prefix("model name"))
                .map(|v| v.trim_start_matches([' ', '\t', ':']).to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".to_owned());
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    format!("{model}, {cores} cores")
}
