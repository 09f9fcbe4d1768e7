//! Counters for `/metrics` in the Prometheus text format.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

/// Upper bounds of the request latency histogram, in seconds.
const BUCKETS: [f64; 10] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0];

#[derive(Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<(String, u16), u64>>,
    latency_buckets: [AtomicU64; BUCKETS.len()],
    latency_count: AtomicU64,
    latency_sum_micros: AtomicU64,
    logins_ok: AtomicU64,
    logins_failed: AtomicU64,
    mail_sent: AtomicU64,
    mail_failed: AtomicU64,
    mail_queue_depth: AtomicU64,
}

impl Metrics {
    pub fn record_request(&self, route: &str, status: u16, seconds: f64) {
        if let Ok(mut map) = self.requests.lock() {
            *map.entry((route.to_owned(), status)).or_default() += 1;
        }
        for (i, bound) in BUCKETS.iter().enumerate() {
            if seconds <= *bound {
                self.latency_buckets[i].fetch_add(1, Ordering::Relaxed);
            }
        }
        self.latency_count.fetch_add(1, Ordering::Relaxed);
        self.latency_sum_micros
            .fetch_add((seconds * 1e6) as u64, Ordering::Relaxed);
    }

    pub fn login_ok(&self) {
        self.logins_ok.fetch_add(1, Ordering::Relaxed);
    }

    pub fn login_failed(&self) {
        self.logins_failed.fetch_add(1, Ordering::Relaxed);
    }

    pub fn mail_sent(&self) {
        self.mail_sent.fetch_add(1, Ordering::Relaxed);
    }

    pub fn mail_failed(&self) {
        self.mail_failed.fetch_add(1, Ordering::Relaxed);
    }

    pub fn set_mail_queue_depth(&self, depth: u64) {
        self.mail_queue_depth.store(depth, Ordering::Relaxed);
    }

    /// The Prometheus exposition text; `store_bytes` is the database size.
    pub fn render(&self, store_bytes: u64) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "# HELP mv_http_requests_total HTTP requests by route and status."
        );
        let _ = writeln!(out, "# TYPE mv_http_requests_total counter");
        if let Ok(map) = self.requests.lock() {
            for ((route, status), n) in map.iter() {
                let _ = writeln!(
                    out,
                    "mv_http_requests_total{{route=\"{}\",status=\"{status}\"}} {n}",
                    route.replace('"', "'")
                );
            }
        }
        let _ = writeln!(
            out,
            "# HELP mv_http_request_duration_seconds Request latency."
        );
        let _ = writeln!(out, "# TYPE mv_http_request_duration_seconds histogram");
        for (i, bound) in BUCKETS.iter().enumerate() {
            let _ = writeln!(
                out,
                "mv_http_request_duration_seconds_bucket{{le=\"{bound}\"}} {}",
                self.latency_buckets[i].load(Ordering::Relaxed)
            );
        }
        let count = self.latency_count.load(Ordering::Relaxed);
        let _ = writeln!(
            out,
            "mv_http_request_duration_seconds_bucket{{le=\"+Inf\"}} {count}"
        );
        let _ = writeln!(
            out,
            "mv_http_request_duration_seconds_sum {}",
            self.latency_sum_micros.load(Ordering::Relaxed) as f64 / 1e6
        );
        let _ = writeln!(out, "mv_http_request_duration_seconds_count {count}");
        let counters = [
            ("mv_logins_total{result=\"ok\"}", &self.logins_ok),
            ("mv_logins_total{result=\"failed\"}", &self.logins_failed),
            ("mv_mail_sent_total", &self.mail_sent),
            ("mv_mail_failures_total", &self.mail_failed),
        ];
        let _ = writeln!(out, "# TYPE mv_logins_total counter");
        let _ = writeln!(out, "# TYPE mv_mail_sent_total counter");
        let _ = writeln!(out, "# TYPE mv_mail_failures_total counter");
        for (name, v) in counters {
            let _ = writeln!(out, "{name} {}", v.load(Ordering::Relaxed));
        }
        let _ = writeln!(out, "# TYPE mv_mail_queue_depth gauge");
        let _ = writeln!(
            out,
            "mv_mail_queue_depth {}",
            self.mail_queue_depth.load(Ordering::Relaxed)
        );
        let _ = writeln!(out, "# TYPE mv_store_bytes gauge");
        let _ = writeln!(out, "mv_store_bytes {store_bytes}");
        out
    }
}
