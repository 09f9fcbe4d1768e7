//! The messaging and persons scenarios (issues 12 and 13): mailbox pages
//! and every filter at each mailbox size, a second page, opening messages,
//! the search, sending, 10 MB uploads and downloads (single and
//! concurrent, with the server's RSS), the persons list and the CSV import
//! through the CLI.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use meine_versorgung::domain::org::Bereich;

use super::child::{BULK_BYTES, BULK_PATH, Server};
use super::load::{self, Load};
use super::msg_seed::{self, MailboxSeed, MsgSeeded};
use super::report::{self, Report};
use super::{Options, RssSampler, corpus, step};

/// Sizes of this part of a run.
pub struct Sizes {
    pub mailboxes: Vec<usize>,
    pub persons: Vec<usize>,
    pub import_rows: usize,
    /// Concurrent 10 MB transfers whose RSS is measured.
    pub concurrent: Vec<usize>,
    /// Single 10 MB transfers timed (the median is reported).
    pub transfers: usize,
}

pub fn sizes(quick: bool) -> Sizes {
    if quick {
        Sizes {
            mailboxes: vec![1_000],
            persons: vec![1_000],
            import_rows: 1_000,
            concurrent: vec![4],
            transfers: 1,
        }
    } else {
        Sizes {
            // Issue 18: the figures at 1k and at 1M side by side (the 1M
            // store needs about 4 GB of disk; seeded once into the cache).
            mailboxes: vec![1_000, 1_000_000],
            persons: vec![10_000, 100_000],
            import_rows: 10_000,
            concurrent: vec![4, 8],
            transfers: 5,
        }
    }
}

const SLUG: &str = "administration";

fn query(pairs: &[(&str, &str)]) -> String {
    serde_urlencoded::to_string(pairs).unwrap_or_default()
}

/// The mailbox page's filters as URL queries: quick filters, then the
/// filter menu.
fn filters(seed: &MailboxSeed) -> Vec<(&'static str, String)> {
    let beihilfe = Bereich::Beihilfe.key();
    let betreff = corpus::word(40);
    vec![
        ("mailbox", String::new()),
        ("mb_wichtig", query(&[("wichtig", "1")])),
        ("mb_eingang", query(&[("postfach", "eingehend")])),
        ("mb_ausgang", query(&[("postfach", "ausgehend")])),
        ("mb_archiv", query(&[("postfach", "archiviert")])),
        (
            "mb_alle_ordner",
            query(&[
                ("postfach", "archiviert"),
                ("postfach", "ausgehend"),
                ("postfach", "eingehend"),
            ]),
        ),
        ("mb_betreff", query(&[("betreff", &betreff)])),
        ("mb_ungelesen", query(&[("lesestatus", "ungelesen")])),
        ("mb_gelesen", query(&[("lesestatus", "gelesen")])),
        ("mb_referenz", query(&[("referenz", &seed.referenz)])),
        ("mb_bereich", query(&[("bereich", beihilfe)])),
        ("mb_thema", query(&[("thema", "Abrechnung")])),
        (
            "mb_kombiniert",
            query(&[
                ("bereich", beihilfe),
                ("thema", "Abrechnung"),
                ("lesestatus", "gelesen"),
                ("wichtig", "1"),
            ]),
        ),
    ]
}

/// The first `href` of `html` containing `needle`, unescaped.
fn link_with(html: &str, needle: &str) -> Option<String> {
    html.split("href=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .find(|h| h.contains(needle))
        .map(|h| h.replace("&amp;", "&"))
}

pub async fn run(opts: &Options, quick: bool, l: Load, report: &mut Report) -> Result<(), String> {
    let mut sizes = sizes(quick);
    if let Some(m) = &opts.mailboxes {
        sizes.mailboxes = m.clone();
    }
    if let Some(p) = &opts.persons {
        sizes.persons = p.clone();
    }
    step(&format!(
        "seeding mailboxes {:?} and persons {:?}",
        sizes.mailboxes, sizes.persons
    ));
    let fresh = tempfile::tempdir().map_err(|e| e.to_string())?;
    let cache = (!quick).then(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench/cache"));
    let started = Instant::now();
    let (data, seeded) = {
        let (cache, fresh) = (cache.clone(), fresh.path().to_owned());
        let (m, p, reseed) = (sizes.mailboxes.clone(), sizes.persons.clone(), opts.fresh);
        tokio::task::spawn_blocking(move || {
            msg_seed::prepare(cache.as_deref(), &fresh, &m, &p, reseed)
        })
        .await
        .map_err(|e| e.to_string())??
    };
    eprintln!("    ready in {:.1} s", started.elapsed().as_secs_f64());
    for m in &seeded.mailboxes {
        report.storage.push(report::Storage {
            messages: m.size,
            attachments: m.attachments,
            payload_bytes: m.payload_bytes,
            store_bytes: m.store_bytes,
            ratio: m.store_bytes as f64 / (m.payload_bytes.max(1)) as f64,
            live_bytes: m.live_bytes,
            live_ratio: m.live_bytes as f64 / (m.payload_bytes.max(1)) as f64,
            seed_seconds: m.seconds,
        });
    }

    if !opts.starts_only {
        let server = Server::portal(&opts.binary, &opts.env, &data)?;
        let result = measure(&server, &seeded, &sizes, l, report).await;
        server.stop()?;
        result?;
    }
    report.store_starts = starts(opts, &data, &seeded).await?;
    if opts.starts_only {
        return Ok(());
    }

    import(opts, sizes.import_rows, report).await
}

/// Messages sent one after the other to time a commit (each send is one
/// durable commit) before the kill.
const REPAIR_SENDS: usize = 40;

/// The start time of the seeded store after a clean stop, and after the
/// process was killed: idle, and right after durable commits (then redb
/// must rebuild its allocator state, unless `store.quick_repair` recorded
/// it with every commit — measured both ways, with the commit cost).
async fn starts(
    opts: &Options,
    data: &Path,
    seeded: &MsgSeeded,
) -> Result<report::StoreStarts, String> {
    step("start of the messaging store after a clean stop and after SIGKILL");
    let with = |quick: bool| {
        let mut env = opts.env.clone();
        env.push(("MV_STORE__QUICK_REPAIR".into(), quick.to_string()));
        env
    };
    let server = Server::portal(&opts.binary, &with(false), data)?;
    let clean = server.cold_start;
    server.kill()?;
    let server = Server::portal(&opts.binary, &with(false), data)?;
    let after_kill = server.cold_start;
    server.stop()?;
    let largest = seeded
        .mailboxes
        .iter()
        .max_by_key(|m| m.size)
        .ok_or("no mailbox seeded")?;
    let mut repairs = Vec::new();
    // One session for both rounds (it is stored, so it survives the kill;
    // the cookie jar does not tell ports apart).
    let mut session = None;
    for quick in [false, true] {
        let server = Server::portal(&opts.binary, &with(quick), data)?;
        let client = match session.take() {
            Some(client) => client,
            None => load::sign_in(&server.url(""), &largest.admin).await?,
        };
        let token = csrf(&server, &client).await?;
        let mut times = Vec::with_capacity(REPAIR_SENDS);
        for n in 0..REPAIR_SENDS {
            let started = Instant::now();
            post(&server, &client, &token, n, None)
                .await
                .ok_or("a message was not accepted")?;
            times.push(started.elapsed().as_secs_f64() * 1e3);
        }
        server.kill()?;
        let server = Server::portal(&opts.binary, &with(quick), data)?;
        let start = server.cold_start;
        server.stop()?;
        session = Some(client);
        times.sort_by(f64::total_cmp);
        let at = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
        repairs.push(report::RepairMode {
            quick_repair: quick,
            send_p50_ms: report::round(at(0.5), 2),
            send_p90_ms: report::round(at(0.9), 2),
            after_kill_ms: report::round(start.as_secs_f64() * 1e3, 1),
        });
    }
    Ok(report::StoreStarts {
        messages: seeded.mailboxes.iter().map(|m| m.size).sum(),
        clean_ms: report::round(clean.as_secs_f64() * 1e3, 1),
        after_kill_ms: report::round(after_kill.as_secs_f64() * 1e3, 1),
        after_writes: repairs,
    })
}

async fn measure(
    server: &Server,
    seeded: &MsgSeeded,
    sizes: &Sizes,
    l: Load,
    report: &mut Report,
) -> Result<(), String> {
    let base = server.url("");
    let mailbox = format!("/postfach/{SLUG}");
    let mut smallest = None;
    for seed in &seeded.mailboxes {
        step(&format!("mailbox of {} messages", seed.size));
        let size = seed.size as u64;
        let client = load::sign_in(&base, &seed.admin).await?;
        for (name, q) in filters(seed) {
            let url = if q.is_empty() {
                server.url(&mailbox)
            } else {
                server.url(&format!("{mailbox}?{q}"))
            };
            let m = load::drive(server, &client, &url, l).await;
            report.push_kind(name, size, "mailbox", &m);
        }
        let first = load::page(&client, &server.url(&mailbox)).await?;
        let next = link_with(&first, "nach=").ok_or("no second mailbox page")?;
        let m = load::drive(server, &client, &server.url(&next), l).await;
        report.push_kind("mb_seite_2", size, "mailbox", &m);

        let urls = seed
            .sample_ids
            .iter()
            .map(|id| server.url(&format!("{mailbox}/nachricht/{id}")))
            .collect();
        let m = load::drive_urls(server, &client, urls, l).await;
        report.push_kind("open_message", size, "other", &m);

        let urls = corpus::queries()
            .iter()
            .map(|q| server.url(&format!("/suche?{}", query(&[("q", q)]))))
            .collect();
        let m = load::drive_urls(server, &client, urls, l).await;
        report.push_kind("search", size, "search", &m);
        for (k, q) in corpus::queries().iter().enumerate() {
            let url = server.url(&format!("/suche?{}", query(&[("q", q)])));
            let m = load::drive(server, &client, &url, l).await;
            report.push_kind(&format!("search_q{}", k + 1), size, "search", &m);
        }
        // Exact search: the two words meet only in the oldest message.
        let url = server.url(&format!("/suche?{}", query(&[("q", msg_seed::RARE_QUERY)])));
        let hits = load::page(&client, &url).await?;
        if seed.rare_id != 0 && !hits.contains(&format!("/nachricht/{}", seed.rare_id)) {
            return Err(format!(
                "search for {:?} misses the oldest message {} of the mailbox of {}",
                msg_seed::RARE_QUERY,
                seed.rare_id,
                seed.size
            ));
        }
        let m = load::drive(server, &client, &url, l).await;
        report.push_kind("search_selten", size, "search", &m);
        if smallest.is_none() {
            smallest = Some(client);
        }
    }
    let client = smallest.ok_or("no mailbox seeded")?;
    send(server, &client, seeded, l, report).await?;
    transfers(server, &client, sizes, report).await?;

    for p in &seeded.persons {
        step(&format!("persons list of {}", p.size));
        let size = p.size as u64;
        let client = load::sign_in(&base, &p.user).await?;
        let list = "/anspruchsberechtigte";
        let cases = [
            ("persons_list", String::new()),
            ("persons_name", query(&[("name", msg_seed::FILTER_NAME)])),
            (
                "persons_pnr",
                query(&[("personalnummer", &p.personalnummer)]),
            ),
            ("persons_art", query(&[("art", "hinterbliebener")])),
        ];
        for (name, q) in cases {
            let url = server.url(&format!("{list}?{q}"));
            let m = load::drive(server, &client, &url, l).await;
            report.push_kind(name, size, "persons", &m);
        }
        let first = load::page(&client, &server.url(list)).await?;
        let next = link_with(&first, "nach=").ok_or("no second persons page")?;
        let m = load::drive(server, &client, &server.url(&next), l).await;
        report.push_kind("persons_seite_2", size, "persons", &m);
    }
    Ok(())
}

/// The compose form's CSRF token.
async fn csrf(server: &Server, client: &reqwest::Client) -> Result<String, String> {
    let form = load::page(client, &server.url(&format!("/postfach/{SLUG}/schreiben"))).await?;
    load::hidden(&form, "csrf").ok_or_else(|| "no csrf on the compose form".to_owned())
}

fn form(csrf: &str, n: usize, file: Option<Vec<u8>>) -> reqwest::multipart::Form {
    let mut f = reqwest::multipart::Form::new()
        .text("csrf", csrf.to_owned())
        .text("betreff", format!("Benchmark Nachricht {n}"))
        .text("bereich", Bereich::Beihilfe.key())
        .text("thema", "Abrechnung")
        .text(
            "text",
            "Sehr geehrte Damen und Herren, anbei die Unterlagen zur Prüfung.",
        );
    if let Some(bytes) = file {
        let part = reqwest::multipart::Part::bytes(bytes)
            .file_name("Unterlagen.pdf")
            .mime_str("application/pdf")
            .unwrap_or_else(|_| reqwest::multipart::Part::bytes(Vec::new()));
        f = f.part("anhang", part);
    }
    f
}

/// Posts a message; returns where the server sent the browser (the new
/// message) when it was accepted.
async fn post(
    server: &Server,
    client: &reqwest::Client,
    csrf: &str,
    n: usize,
    file: Option<Vec<u8>>,
) -> Option<String> {
    let res = client
        .post(server.url(&format!("/postfach/{SLUG}/schreiben")))
        .multipart(form(csrf, n, file))
        .send()
        .await
        .ok()?;
    let to = load::location(&res);
    let _ = res.bytes().await;
    to.contains("hinweis=gesendet").then_some(to)
}

async fn send(
    server: &Server,
    client: &reqwest::Client,
    seeded: &MsgSeeded,
    l: Load,
    report: &mut Report,
) -> Result<(), String> {
    step("sending");
    let token = csrf(server, client).await?;
    let size = seeded.mailboxes.first().map_or(0, |m| m.size) as u64;
    let counter = Arc::new(AtomicUsize::new(0));
    let addr = server.addr;
    let c = client.clone();
    let m = load::drive_with(server, l, move || {
        let (c, token, counter) = (c.clone(), token.clone(), counter.clone());
        async move {
            let n = counter.fetch_add(1, Ordering::Relaxed);
            let res = c
                .post(format!("http://{addr}/postfach/{SLUG}/schreiben"))
                .multipart(form(&token, n, None))
                .send()
                .await;
            match res {
                Ok(r) => {
                    let ok = load::location(&r).contains("hinweis=gesendet");
                    r.bytes().await.is_ok() && ok
                }
                Err(_) => false,
            }
        }
    })
    .await;
    report.push_kind("send", size, "other", &m);
    Ok(())
}

fn pdf(len: usize) -> Vec<u8> {
    let mut v = b"%PDF-1.7\n".to_vec();
    v.resize(len, b'x');
    v
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v.get(v.len() / 2).copied().unwrap_or_default()
}

async fn download(client: &reqwest::Client, url: &str) -> Option<Duration> {
    let t = Instant::now();
    let res = client.get(url).send().await.ok()?;
    if !res.status().is_success() {
        return None;
    }
    let bytes = res.bytes().await.ok()?;
    (bytes.len() == BULK_BYTES).then(|| t.elapsed())
}

async fn transfers(
    server: &Server,
    client: &reqwest::Client,
    sizes: &Sizes,
    report: &mut Report,
) -> Result<(), String> {
    step("10 MB uploads and downloads");
    let token = csrf(server, client).await?;
    let mut up = Vec::new();
    let mut message = None;
    for n in 0..sizes.transfers {
        let t = Instant::now();
        let to = post(server, client, &token, n, Some(pdf(BULK_BYTES)))
            .await
            .ok_or("the 10 MB upload was refused")?;
        up.push(t.elapsed());
        message = Some(to);
    }
    let message = message.ok_or("no upload")?;
    let path = message.split('?').next().unwrap_or_default();
    let url = server.url(&format!("{path}/anhang/1"));
    let mut down = Vec::new();
    for _ in 0..sizes.transfers {
        down.push(
            download(client, &url)
                .await
                .ok_or("the 10 MB download failed")?,
        );
    }
    let hello = Server::hello()?;
    let plain = reqwest::Client::new();
    let mut base = Vec::new();
    for _ in 0..sizes.transfers.max(3) {
        base.push(
            download(&plain, &hello.url(BULK_PATH))
                .await
                .ok_or("baseline download failed")?,
        );
    }
    hello.stop()?;
    let mb_s = |d: Duration| BULK_BYTES as f64 / 1e6 / d.as_secs_f64().max(1e-9);
    let t = &mut report.transfers;
    t.upload_ms = super::ms(median(up));
    let down = median(down);
    t.download_ms = super::ms(down);
    t.download_mb_s = report::round(mb_s(down), 1);
    t.baseline_mb_s = report::round(mb_s(median(base)), 1);
    t.throughput_ratio = report::round(t.download_mb_s / t.baseline_mb_s.max(1e-9), 3);

    for &n in &sizes.concurrent {
        for kind in ["upload", "download"] {
            tokio::time::sleep(Duration::from_millis(500)).await;
            let before = server.rss_kb();
            let sampler = RssSampler::every(server.pid, Duration::from_millis(5));
            let mut tasks = Vec::new();
            let rounds = 3;
            for i in 0..n {
                let (c, token, url) = (client.clone(), token.clone(), url.clone());
                let addr = server.addr;
                // Each client transfers `rounds` times in a row, so the
                // transfers overlap long enough for the RSS sampler.
                tasks.push(tokio::spawn(async move {
                    let mut failed = 0;
                    for r in 0..rounds {
                        let ok = if kind == "upload" {
                            let file = Some(pdf(BULK_BYTES));
                            let res = c
                                .post(format!("http://{addr}/postfach/{SLUG}/schreiben"))
                                .multipart(form(&token, 10_000 + i * rounds + r, file))
                                .send()
                                .await;
                            matches!(res, Ok(r) if load::location(&r).contains("hinweis=gesendet"))
                        } else {
                            download(&c, &url).await.is_some()
                        };
                        failed += usize::from(!ok);
                    }
                    failed
                }));
            }
            let mut errors = 0;
            for t in tasks {
                errors += t.await.unwrap_or(rounds);
            }
            let peak = sampler.stop().await.max(before);
            report.transfers.concurrent.push(report::Concurrent {
                kind: kind.to_owned(),
                transfers: n,
                rss_before_kb: before,
                rss_peak_kb: peak,
                added_kb_per_transfer: (peak - before) / n as u64,
                errors,
            });
        }
    }
    Ok(())
}

/// The CSV import through the CLI on a fresh store: a dry run, then the
/// import (time and peak RSS of the process).
async fn import(opts: &Options, rows: usize, report: &mut Report) -> Result<(), String> {
    step(&format!("import of {rows} rows (CLI)"));
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let number = {
        let store = meine_versorgung::store::Store::open(dir.path()).map_err(|e| e.to_string())?;
        store
            .write(|tx| super::seed::organisation(tx, 400))
            .map_err(|e| e.to_string())?;
        (80_000 + 400).to_string()
    };
    let file = dir.path().join("anspruchsberechtigte.csv");
    std::fs::write(&file, msg_seed::import_csv(rows)).map_err(|e| e.to_string())?;
    for dry_run in [true, false] {
        let mut cmd = std::process::Command::new(&opts.binary);
        for (key, _) in std::env::vars() {
            if key.starts_with("MV_") {
                cmd.env_remove(&key);
            }
        }
        cmd.arg("import-persons")
            .args(["--mitglied", &number])
            .current_dir(dir.path())
            .env("MV_DATA_DIR", dir.path())
            .envs(opts.env.iter().map(|(k, v)| (k, v)));
        if dry_run {
            cmd.arg("--probelauf");
        }
        cmd.arg(&file);
        let (status, took, peak, output) =
            tokio::task::spawn_blocking(move || super::child::run_measured(cmd))
                .await
                .map_err(|e| e.to_string())??;
        report.imports.push(report::Import {
            rows,
            dry_run,
            ms: super::ms(took),
            peak_rss_kb: peak,
            ok: status.success(),
            output: output.trim().to_owned(),
        });
    }
    Ok(())
}
