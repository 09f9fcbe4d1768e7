//! Slow and many clients.
//! - Slow-header and slow-body connections do not starve normal users: with
//!   every connection slot taken by clients trickling a form body, a normal
//!   page still comes (the body timeout frees the slots); with many slow
//!   clients next to the normal ones, normal pages keep coming (the latency
//!   figures are printed, not asserted).
//! - Many concurrent sessions: every answer is 200 and shows the session's
//!   own account and no other's.
//!
//! Sizes: `MV_SLOW_CLIENTS` (default 100) and `MV_SESSIONS` (default 60);
//! `tests/reliability-heavy` runs 500 and 1,000 and prints the figures.

use std::time::{Duration, Instant};

use jiff::Timestamp;
use meine_versorgung::domain::account::{Account, Grants, Role};
use meine_versorgung::domain::secret;
use meine_versorgung::domain::session::{Session, Stage};
use meine_versorgung::store::{self, Store};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::support::accounts::organisation;
use crate::support::{DataDir, TIMEOUT, TestServer};

fn env_or(key: &str, default: usize) -> usize {
    std::env::var(key)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A connection that sent a form POST header and a few bytes of its body.
async fn slow_body(server: &TestServer) -> TcpStream {
    let mut s = TcpStream::connect(server.local_addr)
        .await
        .expect("connect");
    let head = format!(
        "POST /feedback HTTP/1.1\r\nHost: {}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100000\r\n\r\ncsrf=",
        server.local_addr
    );
    s.write_all(head.as_bytes()).await.expect("write");
    s
}

/// A connection that sent half a request header.
async fn slow_header(server: &TestServer) -> TcpStream {
    let mut s = TcpStream::connect(server.local_addr)
        .await
        .expect("connect");
    s.write_all(b"GET /login HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        .await
        .expect("write");
    s
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_trickling_a_body_into_every_slot_do_not_starve_a_normal_user() {
    let server = TestServer::builder()
        .env("MV_HTTP__MAX_CONNECTIONS", "8")
        .env("MV_HTTP__HEADER_TIMEOUT", "1s")
        .start()
        .await;
    let mut held = Vec::new();
    for _ in 0..8 {
        held.push(slow_body(&server).await);
    }
    // Every slot is taken; the normal request waits until the body timeout
    // ends the trickling ones (without it, it would wait for ever).
    let started = Instant::now();
    let page = tokio::time::timeout(TIMEOUT, server.client().get("/login"))
        .await
        .expect("a normal user starved behind slow bodies");
    page.assert_status(200);
    assert!(started.elapsed() < TIMEOUT);
    // The slow clients were answered 408 (or cut off), not left hanging.
    for mut s in held {
        let mut buf = Vec::new();
        let read = tokio::time::timeout(TIMEOUT, s.read_to_end(&mut buf)).await;
        assert!(read.is_ok(), "a slow-body connection is still open");
        let text = String::from_utf8_lossy(&buf);
        assert!(
            text.is_empty() || text.starts_with("HTTP/1.1 408"),
            "slow body answered: {text}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_slow_clients_leave_normal_pages_coming() {
    let n = env_or("MV_SLOW_CLIENTS", 100);
    // One address stands for many clients here: no per-address cap.
    let server = TestServer::builder()
        .env("MV_HTTP__HEADER_TIMEOUT", "2s")
        .env("MV_HTTP__MAX_CONNECTIONS_PER_ADDRESS", "100000")
        .start()
        .await;
    let mut held = Vec::new();
    for i in 0..n {
        held.push(if i % 2 == 0 {
            slow_header(&server).await
        } else {
            slow_body(&server).await
        });
    }
    let client = server.client();
    let mut took = Vec::new();
    for _ in 0..100 {
        let started = Instant::now();
        client.get("/login").await.assert_status(200);
        took.push(started.elapsed());
    }
    took.sort();
    let p50 = took[took.len() / 2];
    let p99 = took[took.len() * 99 / 100];
    eprintln!(
        "slow clients: {n} slow connections held ({} slow headers, {} slow bodies); \
         100 normal pages, p50 {p50:?}, p99 {p99:?}",
        n.div_ceil(2),
        n / 2
    );
    assert!(
        p99 < Duration::from_secs(2),
        "normal pages stalled: p99 {p99:?}"
    );
    drop(held);
}

/// Seeds `n` Nutzer:innen with a signed-in session each; returns
/// (Nutzerkennung, session cookie) pairs.
fn seed_sessions(dir: &DataDir, n: usize) -> Vec<(String, String)> {
    let store = Store::open(dir.path()).expect("store");
    let now = Timestamp::now();
    store
        .write(|tx| {
            let mut org = organisation("Blaugraben", "78970");
            org.id = store::next_id(tx, "org")?;
            store::orgs::put(tx, &org)?;
            let mut out = Vec::new();
            for i in 0..n {
                let role = Role::OrgUser {
                    org: org.id,
                    grants: Grants::default(),
                };
                let id = store::accounts::issue_id(tx, &role, now)?;
                let mut a = Account::new(
                    id.clone(),
                    role,
                    "Sam".to_owned(),
                    format!("Sitzung-{i:04}"),
                    format!("sitzung{i}@blaugraben.example"),
                    None,
                    now,
                );
                a.activated_at = Some(now);
                store::accounts::put(tx, &a)?;
                let token = secret::new_token();
                store::sessions::put(
                    tx,
                    &secret::token_hash(&token),
                    &Session {
                        account: id.clone(),
                        stage: Stage::Full,
                        created_at: now,
                        last_seen: now,
                        email_tan: None,
                    },
                )?;
                out.push((id.to_string(), format!("mv_session={token}")));
            }
            Ok::<_, store::Error>(out)
        })
        .expect("seed")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_concurrent_sessions_each_see_only_their_own_account() {
    let n = env_or("MV_SESSIONS", 60);
    let dir = DataDir::new();
    let sessions = seed_sessions(&dir, n);
    // One address stands for many clients here: no per-address cap.
    let server = TestServer::builder()
        .data_dir(&dir)
        .env("MV_HTTP__MAX_CONNECTIONS_PER_ADDRESS", "100000")
        .start()
        .await;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(0)
        .build()
        .expect("client");
    let started = Instant::now();
    let tasks: Vec<_> = sessions
        .iter()
        .cloned()
        .map(|(id, cookie)| {
            let http = http.clone();
            let url = server.url("/einstellungen");
            tokio::spawn(async move {
                let mut bodies = Vec::new();
                for _ in 0..3 {
                    let res = http
                        .get(&url)
                        .header("Cookie", &cookie)
                        .send()
                        .await
                        .map_err(|e| format!("{id}: {e}"))?;
                    let status = res.status().as_u16();
                    let body = res.text().await.map_err(|e| e.to_string())?;
                    if status != 200 {
                        return Err(format!("{id}: status {status}"));
                    }
                    bodies.push(body);
                }
                Ok::<_, String>((id, bodies))
            })
        })
        .collect();
    let mut requests = 0;
    for t in tasks {
        let (id, bodies) = t.await.expect("task").unwrap_or_else(|e| panic!("{e}"));
        for body in bodies {
            requests += 1;
            assert!(body.contains(&id), "{id} does not see its own account");
            for (other, _) in &sessions {
                assert!(
                    other == &id || !body.contains(other.as_str()),
                    "{id} sees {other}"
                );
            }
        }
    }
    eprintln!(
        "many sessions: {n} concurrent sessions, {requests} requests in {:?}, \
         no error, no data of another session",
        started.elapsed()
    );
}
