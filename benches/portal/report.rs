//! The result: a table on stdout and `target/bench/report.json`.

use std::path::Path;

use serde::Serialize;

use super::load::Measured;
use super::seed::BytesPerRecord;

#[derive(Debug, Serialize, Default)]
pub struct Baseline {
    pub cpu_us_per_req: f64,
    pub rps: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub switches_per_req: f64,
}

#[derive(Debug, Serialize)]
pub struct Row {
    pub name: String,
    /// Which targets apply: "page" (issue 9), "mailbox", "search",
    /// "persons" or "other" (none).
    pub kind: String,
    pub size: u64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub rps: f64,
    pub cpu_us_per_req: f64,
    /// The server's context switches per request (thread hand-offs).
    pub switches_per_req: f64,
    pub ratio_to_baseline: f64,
    pub requests: usize,
    pub errors: usize,
}

#[derive(Debug, Serialize, Default)]
pub struct Rss {
    pub idle: u64,
    pub after_seed: u64,
    pub under_load: u64,
    /// Right before the storm, after the quiet phase of the storm page.
    pub before_storm: u64,
    pub during_storm: u64,
    pub after_storm: u64,
    /// 15 s after the storm (full mode), when idle worker threads have
    /// ended and given their memory back.
    pub settled: u64,
}

#[derive(Debug, Serialize, Default)]
pub struct Storm {
    pub clients: usize,
    pub page: String,
    pub page_p99_ms_without: f64,
    pub page_p99_ms_with: f64,
    pub ratio: f64,
    pub logins: usize,
    pub failed_logins: usize,
    pub logins_per_s: f64,
}

#[derive(Debug, Serialize, Default)]
pub struct Bytes {
    pub account: f64,
    pub audit_entry: f64,
    pub mail: f64,
    pub file_size: u64,
    pub records: u64,
}

impl From<(&BytesPerRecord, u64, u64)> for Bytes {
    fn from((b, file_size, records): (&BytesPerRecord, u64, u64)) -> Self {
        Self {
            account: b.account,
            audit_entry: b.audit_entry,
            mail: b.mail,
            file_size,
            records,
        }
    }
}

/// Store size against the payload of one seeded mailbox.
#[derive(Debug, Serialize, Default)]
pub struct Storage {
    pub messages: usize,
    pub attachments: usize,
    /// Betreff, Text and attachment bytes.
    pub payload_bytes: u64,
    /// Growth of the disk space the database file occupies (`st_blocks ×
    /// 512`) while seeding them.
    pub store_bytes: u64,
    pub ratio: f64,
    /// Growth of the pages in use (redb's allocated pages × page size).
    pub live_bytes: u64,
    pub live_ratio: f64,
    pub seed_seconds: f64,
}

/// Start times of the whole seeded messaging store.
#[derive(Debug, Serialize, Default)]
pub struct StoreStarts {
    pub messages: usize,
    /// Until `/healthz` answers, after a clean stop (SIGTERM).
    pub clean_ms: f64,
    /// Until `/healthz` answers, after the previous process was killed
    /// (SIGKILL) while idle.
    pub after_kill_ms: f64,
    /// Killed right after durable commits, without and with
    /// `store.quick_repair`.
    pub after_writes: Vec<RepairMode>,
}

/// A start after SIGKILL that followed durable commits (messages sent into
/// the largest mailbox), and what those commits cost.
#[derive(Debug, Serialize, Default)]
pub struct RepairMode {
    pub quick_repair: bool,
    /// Sending one message (one durable commit), sequentially.
    pub send_p50_ms: f64,
    pub send_p90_ms: f64,
    /// Until `/healthz` answers after the kill (includes redb's repair).
    pub after_kill_ms: f64,
}

/// RSS while `transfers` 10 MB uploads or downloads run at once.
#[derive(Debug, Serialize, Default)]
pub struct Concurrent {
    pub kind: String,
    pub transfers: usize,
    pub rss_before_kb: u64,
    pub rss_peak_kb: u64,
    pub added_kb_per_transfer: u64,
    pub errors: usize,
}

#[derive(Debug, Serialize, Default)]
pub struct Transfers {
    /// Median of single 10 MB uploads (a message with one attachment).
    pub upload_ms: f64,
    pub download_ms: f64,
    pub download_mb_s: f64,
    /// The hello-world's 10 MB body over the same loopback.
    pub baseline_mb_s: f64,
    pub throughput_ratio: f64,
    pub concurrent: Vec<Concurrent>,
}

/// One run of the CLI `import-persons`.
#[derive(Debug, Serialize, Default)]
pub struct Import {
    pub rows: usize,
    pub dry_run: bool,
    pub ms: f64,
    pub peak_rss_kb: u64,
    pub ok: bool,
    pub output: String,
}

#[derive(Debug, Serialize, Default)]
pub struct Report {
    pub mode: String,
    pub binary: String,
    /// Extra environment of the portal process (`--env`).
    pub env: Vec<String>,
    pub machine: String,
    pub baseline: Baseline,
    pub results: Vec<Row>,
    pub rss_kb: Rss,
    pub cold_start_ms: f64,
    pub cold_start_empty_ms: f64,
    pub storm: Storm,
    pub bytes_per_record: Bytes,
    pub storage: Vec<Storage>,
    pub store_starts: StoreStarts,
    pub transfers: Transfers,
    pub imports: Vec<Import>,
}

impl Report {
    pub fn push(&mut self, name: &str, size: u64, m: &Measured) {
        self.push_kind(name, size, "page", m);
    }

    pub fn push_kind(&mut self, name: &str, size: u64, kind: &str, m: &Measured) {
        let ratio = if self.baseline.cpu_us_per_req > 0.0 {
            m.cpu_us_per_req / self.baseline.cpu_us_per_req
        } else {
            0.0
        };
        let row = Row {
            name: name.to_owned(),
            kind: kind.to_owned(),
            size,
            p50_ms: round(m.p50_ms, 3),
            p99_ms: round(m.p99_ms, 3),
            rps: round(m.rps, 1),
            cpu_us_per_req: round(m.cpu_us_per_req, 1),
            switches_per_req: round(m.switches_per_req, 2),
            ratio_to_baseline: round(ratio, 2),
            requests: m.requests,
            errors: m.errors,
        };
        println!("{}", format_row(&row));
        self.results.push(row);
    }

    pub fn print(&self) {
        println!();
        println!("== Meine Versorgung portal benchmark ({}) ==", self.mode);
        println!("binary:  {}", self.binary);
        if !self.env.is_empty() {
            println!("env:     {}", self.env.join(" "));
        }
        println!("machine: {}", self.machine);
        println!(
            "baseline (hyper hello-world): {:.1} µs CPU/req, {:.0} req/s, p50 {:.3} ms, p99 {:.3} ms, {:.2} context switches/req",
            self.baseline.cpu_us_per_req,
            self.baseline.rps,
            self.baseline.p50_ms,
            self.baseline.p99_ms,
            self.baseline.switches_per_req
        );
        println!("{}", header());
        for row in &self.results {
            println!("{}", format_row(row));
        }
        let s = &self.storm;
        if !s.page.is_empty() {
            println!(
                "login storm ({} clients, page {}): p99 {:.2} ms without, {:.2} ms with ({:.1}×); {} logins ({:.1}/s), {} failed",
                s.clients,
                s.page,
                s.page_p99_ms_without,
                s.page_p99_ms_with,
                s.ratio,
                s.logins,
                s.logins_per_s,
                s.failed_logins
            );
        }
        let r = &self.rss_kb;
        println!(
            "RSS (MB): idle {:.1}, after seeding {:.1}, under load {:.1}, before storm {:.1}, during storm {:.1}, after storm {:.1}",
            mb(r.idle),
            mb(r.after_seed),
            mb(r.under_load),
            mb(r.before_storm),
            mb(r.during_storm),
            mb(r.after_storm)
        );
        if r.settled > 0 {
            println!("RSS 15 s after the storm: {:.1} MB", mb(r.settled));
        }
        println!(
            "cold start: {:.1} ms with the seeded store, {:.1} ms with an empty one",
            self.cold_start_ms, self.cold_start_empty_ms
        );
        let b = &self.bytes_per_record;
        println!(
            "bytes on disk per record: account {:.0}, audit entry {:.0}, mail {:.0} (file {:.1} MB, {} records)",
            b.account,
            b.audit_entry,
            b.mail,
            b.file_size as f64 / 1e6,
            b.records
        );
        self.print_messaging();
        if self.results.iter().any(|r| r.kind == "page") {
            self.print_targets();
        }
        super::targets::print(self);
    }

    fn print_messaging(&self) {
        for s in &self.storage {
            println!(
                "store: {} messages ({} attachments): {:.1} MB payload, store +{:.1} MB on disk ({:.2}×), +{:.1} MB live pages ({:.2}×), seeded in {:.0} s",
                s.messages,
                s.attachments,
                s.payload_bytes as f64 / 1e6,
                s.store_bytes as f64 / 1e6,
                s.ratio,
                s.live_bytes as f64 / 1e6,
                s.live_ratio,
                s.seed_seconds
            );
        }
        let st = &self.store_starts;
        if st.messages > 0 {
            println!(
                "start of the messaging store ({} messages): {:.0} ms after a clean stop, {:.0} ms after SIGKILL",
                st.messages, st.clean_ms, st.after_kill_ms
            );
            for r in &st.after_writes {
                println!(
                    "  killed after sending (quick_repair {}): send p50 {:.1} ms, p90 {:.1} ms; next start {:.0} ms",
                    r.quick_repair, r.send_p50_ms, r.send_p90_ms, r.after_kill_ms
                );
            }
        }
        let t = &self.transfers;
        println!(
            "10 MB: upload {:.0} ms, download {:.0} ms = {:.0} MB/s (baseline {:.0} MB/s, {:.0} %)",
            t.upload_ms,
            t.download_ms,
            t.download_mb_s,
            t.baseline_mb_s,
            t.throughput_ratio * 100.0
        );
        for c in &t.concurrent {
            println!(
                "  {} × {}: RSS {:.1} → {:.1} MB, +{:.2} MB per transfer",
                c.transfers,
                c.kind,
                mb(c.rss_before_kb),
                mb(c.rss_peak_kb),
                mb(c.added_kb_per_transfer)
            );
        }
        for i in &self.imports {
            println!(
                "import {} rows{}: {:.0} ms, peak RSS {:.1} MB ({})",
                i.rows,
                if i.dry_run { " (Probelauf)" } else { "" },
                i.ms,
                mb(i.peak_rss_kb),
                i.output.lines().last().unwrap_or("")
            );
        }
    }

    /// The targets of issue 9, each with its verdict.
    fn print_targets(&self) {
        println!("targets:");
        let verdict = |ok: bool| if ok { "ok  " } else { "MISS" };
        let pages = || self.results.iter().filter(|r| r.kind == "page");
        let worst_ratio = pages().map(|r| r.ratio_to_baseline).fold(0.0, f64::max);
        println!(
            "  {} CPU/request ≤ 25× baseline (worst {:.1}×)",
            verdict(worst_ratio <= 25.0),
            worst_ratio
        );
        let worst_p99 = pages().map(|r| r.p99_ms).fold(0.0, f64::max);
        println!(
            "  {} p99 ≤ 10 ms (worst {:.2} ms)",
            verdict(worst_p99 <= 10.0),
            worst_p99
        );
        for name in ["users_list", "users_filtered", "user_details"] {
            let rows: Vec<&Row> = self.results.iter().filter(|r| r.name == name).collect();
            if let (Some(small), Some(large)) = (
                rows.iter().min_by_key(|r| r.size),
                rows.iter().max_by_key(|r| r.size),
            ) && small.size != large.size
                && small.cpu_us_per_req > 0.0
            {
                let growth = large.cpu_us_per_req / small.cpu_us_per_req;
                println!(
                    "  {} {name}: {} within 2× of {} (CPU {:.1}×)",
                    verdict(growth <= 2.0),
                    large.size,
                    small.size,
                    growth
                );
            }
        }
        println!(
            "  {} storm p99 ≤ 5× quiet p99 ({:.1}×)",
            verdict(self.storm.ratio <= 5.0),
            self.storm.ratio
        );
        println!(
            "  {} RSS idle ≤ 15 MB ({:.1} MB)",
            verdict(mb(self.rss_kb.idle) <= 15.0),
            mb(self.rss_kb.idle)
        );
        println!(
            "  {} RSS after storm ≤ 64 MB ({:.1} MB)",
            verdict(mb(self.rss_kb.after_storm) <= 64.0),
            mb(self.rss_kb.after_storm)
        );
        println!(
            "  {} cold start ≤ 50 ms ({:.1} ms)",
            verdict(self.cold_start_ms <= 50.0),
            self.cold_start_ms
        );
    }

    /// Scenarios that did not work (failed requests or logins, nothing
    /// measured): these fail the run, missed targets do not.
    pub fn failures(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .results
            .iter()
            .filter(|r| r.errors > 0 || r.requests == 0)
            .map(|r| {
                format!(
                    "{} ({}): {} errors, {} requests",
                    r.name, r.size, r.errors, r.requests
                )
            })
            .collect();
        for c in &self.transfers.concurrent {
            if c.errors > 0 {
                out.push(format!(
                    "{} concurrent {}s: {} failed",
                    c.transfers, c.kind, c.errors
                ));
            }
        }
        for i in &self.imports {
            if !i.ok {
                out.push(format!("import of {} rows: {}", i.rows, i.output));
            }
        }
        // (No storm in a --messaging-only run.)
        if !self.storm.page.is_empty() && (self.storm.failed_logins > 0 || self.storm.logins == 0) {
            out.push(format!(
                "login storm: {} logins, {} failed",
                self.storm.logins, self.storm.failed_logins
            ));
        }
        out
    }

    pub fn write(&self, path: &Path) -> Result<(), String> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
        }
        let json = serde_json::to_string_pretty(self).map_err(|e| e.to_string())?;
        std::fs::write(path, json + "\n").map_err(|e| format!("{}: {e}", path.display()))
    }
}

pub fn header() -> String {
    format!(
        "{:<16} {:>8} {:>9} {:>9} {:>9} {:>11} {:>8} {:>7} {:>7}",
        "scenario", "size", "p50 ms", "p99 ms", "req/s", "CPU µs/req", "×base", "cs/req", "errors"
    )
}

fn format_row(r: &Row) -> String {
    format!(
        "{:<16} {:>8} {:>9.3} {:>9.3} {:>9.0} {:>11.1} {:>8.1} {:>7.2} {:>7}",
        r.name,
        r.size,
        r.p50_ms,
        r.p99_ms,
        r.rps,
        r.cpu_us_per_req,
        r.ratio_to_baseline,
        r.switches_per_req,
        r.errors
    )
}

pub fn mb(kb: u64) -> f64 {
    kb as f64 / 1024.0
}

pub fn round(v: f64, digits: i32) -> f64 {
    let f = 10f64.powi(digits);
    (v * f).round() / f
}
