//! The measured servers as child processes: the portal's release binary and
//! the hello-world baseline (this benchmark binary run with `--hello-server`),
//! with their CPU time and RSS read from `/proc`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// A running server process.
pub struct Server {
    child: Child,
    pub pid: u32,
    pub addr: SocketAddr,
    /// Process start → first `/healthz` answered with 200.
    pub cold_start: Duration,
}

/// How long a start may take: after a crash without `store.quick_repair`,
/// redb rebuilds its allocator state from the whole file (minutes at 1M).
const START_TIMEOUT: Duration = Duration::from_secs(1200);

/// Log line prefix both servers print once they accept connections.
const LISTENING: &str = "listening on http://";

impl Server {
    /// Starts the portal `binary` on `data_dir` (port 0, production argon2).
    pub fn portal(
        binary: &Path,
        env: &[(String, String)],
        data_dir: &Path,
    ) -> Result<Server, String> {
        let mut cmd = Command::new(binary);
        // The run's own configuration only, whatever the caller's shell has.
        for (key, _) in std::env::vars() {
            if key.starts_with("MV_") {
                cmd.env_remove(&key);
            }
        }
        cmd.arg("serve")
            .current_dir(data_dir)
            .env("MV_DATA_DIR", data_dir)
            .env("MV_HTTP__ADDR", "127.0.0.1:0")
            // Only the start-up line; no per-request logging cost.
            .env("MV_LOG__LEVEL", "warn,meine_versorgung::server=info")
            .env("MV_LOG__FORMAT", "pretty")
            // Sessions must outlive a long run; argon2 keeps its defaults.
            .env("MV_SECURITY__SESSION_IDLE", "6h")
            .env("MV_BACKUP__SCHEDULE", "off")
            // The load generator is one address standing for many clients:
            // the per-address and per-account caps (issue 19) do not apply.
            .env("MV_HTTP__MAX_CONNECTIONS_PER_ADDRESS", "100000")
            .env("MV_HTTP__MAX_UPLOADS_PER_ADDRESS", "100000")
            .env("MV_HTTP__MAX_UPLOADS_PER_ACCOUNT", "100000")
            .env("MV_SECURITY__SEARCH_LIMIT", "100000000")
            .env("NO_COLOR", "1")
            .envs(env.iter().map(|(k, v)| (k, v)));
        Self::start(cmd, "/healthz")
    }

    /// Starts the hello-world baseline (this executable, `--hello-server`).
    pub fn hello() -> Result<Server, String> {
        let exe = std::env::current_exe().map_err(|e| e.to_string())?;
        let mut cmd = Command::new(exe);
        cmd.arg("--hello-server");
        Self::start(cmd, "/")
    }

    fn start(mut cmd: Command, probe: &str) -> Result<Server, String> {
        cmd.stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let started = Instant::now();
        let mut child = cmd
            .spawn()
            .map_err(|e| format!("cannot start server: {e}"))?;
        let pid = child.id();
        let stderr = child.stderr.take().ok_or("no stderr")?;
        let (tx, rx) = mpsc::channel::<Result<SocketAddr, String>>();
        // Drains stderr for the whole life of the process (a full pipe
        // would block the server) and reports the bound address once.
        std::thread::spawn(move || {
            let mut tx = Some(tx);
            let mut tail = Vec::new();
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(pos) = line.find(LISTENING) {
                    let rest = &line[pos + LISTENING.len()..];
                    let addr: String = rest
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || ".:[]".contains(*c))
                        .collect();
                    if let Some(tx) = tx.take() {
                        let _ = tx.send(addr.parse().map_err(|e| format!("{addr}: {e}")));
                    }
                } else if tx.is_some() {
                    tail.push(line);
                }
            }
            if let Some(tx) = tx.take() {
                let _ = tx.send(Err(format!("server exited: {}", tail.join("\n"))));
            }
        });
        let addr = rx
            .recv_timeout(START_TIMEOUT)
            .map_err(|_| format!("server did not start within {START_TIMEOUT:?}"))??;
        loop {
            if get_status(addr, probe) == Some(200) {
                break;
            }
            if started.elapsed() > START_TIMEOUT {
                return Err(format!("{probe} never answered 200"));
            }
            std::thread::sleep(Duration::from_micros(200));
        }
        let cold_start = started.elapsed();
        Ok(Server {
            child,
            pid,
            addr,
            cold_start,
        })
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// CPU time (user + system) the process has used so far.
    pub fn cpu(&self) -> Duration {
        cpu_time(self.pid).unwrap_or_default()
    }

    /// Context switches (voluntary and involuntary) of all its threads so
    /// far: each hand-off of work to another thread costs at least two.
    pub fn context_switches(&self) -> u64 {
        context_switches(self.pid)
    }

    /// Resident set size in KiB.
    pub fn rss_kb(&self) -> u64 {
        rss_kb(self.pid).unwrap_or(0)
    }

    /// Stops the server with SIGTERM (a clean shutdown closes the store
    /// properly, so the next start needs no repair).
    pub fn stop(mut self) -> Result<(), String> {
        // SAFETY: sends a signal to our own child process.
        unsafe {
            libc::kill(self.pid as libc::pid_t, libc::SIGTERM);
        }
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            match self.child.try_wait() {
                Ok(Some(_)) => return Ok(()),
                Ok(None) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(5))
                }
                _ => {
                    let _ = self.child.kill();
                    let _ = self.child.wait();
                    return Err("server did not stop within 30 s".to_owned());
                }
            }
        }
    }
}

impl Server {
    /// Kills the server with SIGKILL (no shutdown: the next start finds
    /// the store as after a crash).
    pub fn kill(mut self) -> Result<(), String> {
        self.child
            .kill()
            .map_err(|e| format!("cannot kill server: {e}"))?;
        self.child
            .wait()
            .map(|_| ())
            .map_err(|e| format!("cannot reap server: {e}"))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// A minimal blocking `GET` (used where a client library would add noise:
/// the cold-start probe); returns the status code.
pub fn get_status(addr: SocketAddr, path: &str) -> Option<u16> {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(2)).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .ok()?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).ok()?;
    std::str::from_utf8(&head[9..12]).ok()?.parse().ok()
}

fn clock_ticks_per_second() -> u64 {
    // SAFETY: sysconf has no preconditions.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if ticks > 0 { ticks as u64 } else { 100 }
}

/// utime + stime of `pid` from `/proc/<pid>/stat`.
pub fn cpu_time(pid: u32) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name (which may contain spaces) in parentheses.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the whole line (1-based),
    // i.e. 11 and 12 after the state field.
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    let ticks = clock_ticks_per_second();
    Some(Duration::from_micros((utime + stime) * 1_000_000 / ticks))
}

/// The sum of `voluntary_ctxt_switches` and `nonvoluntary_ctxt_switches`
/// over the threads of `pid` (threads that ended are not counted).
pub fn context_switches(pid: u32) -> u64 {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return 0;
    };
    tasks
        .flatten()
        .filter_map(|t| std::fs::read_to_string(t.path().join("status")).ok())
        .flat_map(|status| {
            status
                .lines()
                .filter(|l| l.contains("ctxt_switches:"))
                .filter_map(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
                .collect::<Vec<_>>()
        })
        .sum()
}

/// VmRSS of `pid` in KiB.
pub fn rss_kb(pid: u32) -> Option<u64> {
    status_kb(pid, "VmRSS:")
}

/// A KiB field of `/proc/<pid>/status`.
fn status_kb(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
}

/// The hello-world baseline server: hyper, HTTP/1.1, one fixed answer.
pub fn run_hello_server() -> std::process::ExitCode {
    use hyper::server::conn::http1;
    use hyper::service::service_fn;
    use hyper_util::rt::TokioIo;

    let Ok(runtime) = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    else {
        return std::process::ExitCode::FAILURE;
    };
    runtime.block_on(async {
        let Ok(listener) = tokio::net::TcpListener::bind("127.0.0.1:0").await else {
            return std::process::ExitCode::FAILURE;
        };
        let Ok(addr) = listener.local_addr() else {
            return std::process::ExitCode::FAILURE;
        };
        eprintln!("{LISTENING}{addr}");
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            tokio::spawn(async move {
                let service = service_fn(|req: hyper::Request<hyper::body::Incoming>| async move {
                    let body = if req.uri().path() == BULK_PATH {
                        axum::body::Body::from(bulk().clone())
                    } else {
                        axum::body::Body::from("Hello, world!".to_owned())
                    };
                    Ok::<_, std::convert::Infallible>(hyper::Response::new(body))
                });
                let _ = http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    })
}

/// The hello-world's bulk route: [`BULK_BYTES`] in one body, for the
/// loopback bandwidth the portal's downloads are compared with.
pub const BULK_PATH: &str = "/10mb";
/// Size of a bulk transfer (upload, download, baseline): 10 MB.
pub const BULK_BYTES: usize = 10_000_000;

fn bulk() -> &'static axum::body::Bytes {
    static BULK: std::sync::OnceLock<axum::body::Bytes> = std::sync::OnceLock::new();
    BULK.get_or_init(|| axum::body::Bytes::from(vec![b'x'; BULK_BYTES]))
}

/// Runs `cmd` to its end; returns its exit status, wall time, peak RSS in
/// KiB and its output (stdout, then the last line of stderr).
pub fn run_measured(
    mut cmd: Command,
) -> Result<(std::process::ExitStatus, Duration, u64, String), String> {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let started = Instant::now();
    let mut child = cmd.spawn().map_err(|e| format!("cannot start: {e}"))?;
    let pid = child.id();
    let read_all = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut text = String::new();
            if let Some(mut p) = pipe {
                let _ = p.read_to_string(&mut text);
            }
            text
        })
    };
    let out = read_all(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let err = read_all(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    // Peak RSS: VmHWM of the process, polled until it ends (`ru_maxrss`
    // would report the benchmark's own RSS: the child was spawned with
    // vfork semantics and the kernel keeps the pre-exec high-water mark).
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let poller = {
        let done = done.clone();
        std::thread::spawn(move || {
            let mut peak = 0u64;
            while !done.load(std::sync::atomic::Ordering::Relaxed) {
                if let Some(kb) = status_kb(pid, "VmHWM:") {
                    peak = peak.max(kb);
                }
                std::thread::sleep(Duration::from_millis(2));
            }
            peak
        })
    };
    let status = child.wait().map_err(|e| e.to_string())?;
    let elapsed = started.elapsed();
    done.store(true, std::sync::atomic::Ordering::Relaxed);
    let peak = poller.join().unwrap_or(0);
    let mut text = out.join().unwrap_or_default();
    let err = err.join().unwrap_or_default();
    // The progress line rewrites itself with \r: keep its end only.
    text.push_str(err.rsplit('\r').next().unwrap_or(""));
    Ok((status, elapsed, peak, text))
}
