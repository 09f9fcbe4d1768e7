//! The targets of issues 12 and 13, each with its verdict.

use super::report::{Report, Row, mb};

fn verdict(ok: bool) -> &'static str {
    if ok { "ok  " } else { "MISS" }
}

pub fn print(r: &Report) {
    let mailbox: Vec<&Row> = r.results.iter().filter(|x| x.kind == "mailbox").collect();
    if mailbox.is_empty() {
        return;
    }
    println!("targets of issues 12/13:");
    let worst = mailbox
        .iter()
        .max_by(|a, b| a.ratio_to_baseline.total_cmp(&b.ratio_to_baseline));
    if let Some(w) = worst {
        println!(
            "  {} mailbox page and filters: CPU ≤ 25× baseline (worst {:.1}×: {} at {})",
            verdict(w.ratio_to_baseline <= 25.0),
            w.ratio_to_baseline,
            w.name,
            w.size
        );
    }
    // p99 at the largest size up to 100k.
    let at = mailbox
        .iter()
        .map(|x| x.size)
        .filter(|s| *s <= 100_000)
        .max()
        .unwrap_or(0);
    if let Some(w) = mailbox
        .iter()
        .filter(|x| x.size == at)
        .max_by(|a, b| a.p99_ms.total_cmp(&b.p99_ms))
    {
        println!(
            "  {} mailbox p99 ≤ 10 ms at {at} (worst {:.2} ms: {})",
            verdict(w.p99_ms <= 10.0),
            w.p99_ms,
            w.name
        );
    }
    let mut names: Vec<&str> = mailbox.iter().map(|x| x.name.as_str()).collect();
    names.dedup();
    let mut worst_growth: Option<(f64, &str, u64, u64)> = None;
    for name in names {
        let rows: Vec<&&Row> = mailbox.iter().filter(|x| x.name == name).collect();
        if let (Some(small), Some(large)) = (
            rows.iter().min_by_key(|x| x.size),
            rows.iter().max_by_key(|x| x.size),
        ) && small.size != large.size
            && small.cpu_us_per_req > 0.0
        {
            let g = large.cpu_us_per_req / small.cpu_us_per_req;
            if worst_growth.is_none_or(|w| g > w.0) {
                worst_growth = Some((g, name, small.size, large.size));
            }
        }
    }
    if let Some((g, name, small, large)) = worst_growth {
        println!(
            "  {} mailbox {large} within 2× of {small} (worst CPU growth {g:.1}×: {name})",
            verdict(g <= 2.0)
        );
    }
    if let Some(s) = r
        .results
        .iter()
        .filter(|x| x.kind == "search")
        .max_by_key(|x| x.size)
    {
        println!(
            "  {} search p99 ≤ 50 ms at {} ({:.2} ms)",
            verdict(s.p99_ms <= 50.0),
            s.size,
            s.p99_ms
        );
    }
    let t = &r.transfers;
    if let Some(c) = t.concurrent.iter().max_by_key(|c| c.added_kb_per_transfer) {
        println!(
            "  {} concurrent 10 MB transfers add ≤ 2 MB RSS each (worst {:.2} MB: {} × {})",
            verdict(mb(c.added_kb_per_transfer) <= 2.0),
            mb(c.added_kb_per_transfer),
            c.transfers,
            c.kind
        );
    }
    println!(
        "  {} download throughput ≥ 30 % of the loopback baseline ({:.0} %)",
        verdict(t.throughput_ratio >= 0.3),
        t.throughput_ratio * 100.0
    );
    if let Some(s) = r.storage.iter().max_by(|a, b| a.ratio.total_cmp(&b.ratio)) {
        println!(
            "  {} store ≤ 2× payload (worst {:.2}× at {} messages)",
            verdict(s.ratio <= 2.0),
            s.ratio,
            s.messages
        );
    }
    if let Some(s) = r
        .storage
        .iter()
        .max_by(|a, b| a.live_ratio.total_cmp(&b.live_ratio))
    {
        println!(
            "  {} live pages ≤ 1.5× payload (worst {:.2}× at {} messages)",
            verdict(s.live_ratio <= 1.5),
            s.live_ratio,
            s.messages
        );
    }
}
