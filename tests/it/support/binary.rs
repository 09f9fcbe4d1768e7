//! The real binary as a child process on a data directory: started on port
//! 0 (the address is read from its `listening on` log line), killed with
//! SIGKILL, restarted.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;

use super::TIMEOUT;

/// A running `meine-versorgung serve`.
pub struct Binary {
    child: Child,
    pub addr: SocketAddr,
    data_dir: PathBuf,
    env: Vec<(String, String)>,
}

impl Binary {
    /// Starts the binary on `data_dir` with the test defaults (cheap
    /// argon2, JSON log) and the extra `MV_…` variables in `env`.
    pub fn start(data_dir: &Path, env: &[(&str, String)]) -> Binary {
        let env: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect();
        Self::spawn(data_dir.to_path_buf(), env)
    }

    fn spawn(data_dir: PathBuf, env: Vec<(String, String)>) -> Binary {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_meine-versorgung"));
        cmd.arg("serve")
            .current_dir(&data_dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        for (k, _) in std::env::vars() {
            if k.starts_with("MV_") || k == "RUST_LOG" {
                cmd.env_remove(k);
            }
        }
        cmd.env("MV_DATA_DIR", &data_dir)
            .env("MV_HTTP__ADDR", "127.0.0.1:0")
            .env("MV_LOG__FORMAT", "json")
            .env("MV_ARGON2__MEMORY_KIB", "1024")
            .env("MV_ARGON2__ITERATIONS", "1");
        for (k, v) in &env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("start the binary");
        let stderr = child.stderr.take().expect("stderr");
        let (tx, rx) = mpsc::channel::<String>();
        // Drains stderr for the whole life of the child (a full pipe would
        // block it); only the lines before `listening on` are looked at.
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let mut lines = Vec::new();
        let addr = loop {
            let Ok(line) = rx.recv_timeout(TIMEOUT) else {
                let _ = child.kill();
                let _ = child.wait();
                panic!("the binary printed no `listening on` line: {lines:#?}");
            };
            let found = line
                .split("listening on http://")
                .nth(1)
                .and_then(|rest| rest.split('"').next())
                .and_then(|a| a.parse::<SocketAddr>().ok());
            lines.push(line);
            if let Some(addr) = found {
                break addr;
            }
        };
        Binary {
            child,
            addr,
            data_dir,
            env,
        }
    }

    pub fn base(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// SIGKILL: no shutdown, no flush — as a power cut is for the process.
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Kills the binary and starts it again on the same data directory.
    pub fn kill_and_restart(self) -> Binary {
        let (dir, env) = (self.data_dir.clone(), self.env.clone());
        self.kill();
        Self::spawn(dir, env)
    }
}

impl Drop for Binary {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
