//! Configuration: defaults ← TOML file ← `MV_` variables, and clear errors
//! naming the key; the same through the real binary's `check-config`.

use std::path::Path;
use std::process::{Command, Output};
use std::time::Duration;

use meine_versorgung::config::{self, ConfigError, Loaded, MailTransport};

fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn write_toml(dir: &Path, text: &str) -> std::path::PathBuf {
    let path = dir.join("meine-versorgung.toml");
    if let Err(e) = std::fs::write(&path, text) {
        panic!("cannot write {}: {e}", path.display());
    }
    path
}

/// Loads with `file`, or — for `None` — an empty file, so a
/// `config/meine-versorgung.toml` in the working directory plays no part.
fn load_from(file: Option<&Path>, pairs: &[(&str, &str)]) -> Result<Loaded, ConfigError> {
    match file {
        Some(f) => config::load_from(Some(f), env(pairs)),
        None => {
            let dir = tempfile::tempdir().unwrap();
            let empty = write_toml(dir.path(), "");
            config::load_from(Some(&empty), env(pairs))
        }
    }
}

#[track_caller]
fn load_ok(file: Option<&Path>, pairs: &[(&str, &str)]) -> Loaded {
    match load_from(file, pairs) {
        Ok(l) => l,
        Err(e) => panic!("configuration should load, got: {e}"),
    }
}

#[track_caller]
fn load_err(file: Option<&Path>, pairs: &[(&str, &str)]) -> ConfigError {
    match load_from(file, pairs) {
        Ok(l) => panic!("configuration should be refused, got {:?}", l.config),
        Err(e) => e,
    }
}

#[test]
fn defaults_then_file_then_environment() {
    let dir = tempfile::tempdir().unwrap();
    let empty = write_toml(dir.path(), "");
    let defaults = load_ok(Some(&empty), &[]).config;
    assert_eq!(defaults.security.session_idle, Duration::from_secs(600));
    assert_eq!(defaults.security.lockout_threshold, 5);
    assert_eq!(defaults.mail.transport, MailTransport::Outbox);
    assert_eq!(defaults.retention.message_days, 730);

    let file = write_toml(
        dir.path(),
        r#"
data_dir = "/var/lib/mv-from-file"

[security]
session_idle = "20m"
lockout_threshold = 7

[mail]
transport = "smtp"

[mail.smtp]
host = "mail.from-file.example"
"#,
    );
    let from_file = load_ok(Some(&file), &[]).config;
    assert_eq!(from_file.security.session_idle, Duration::from_secs(1200));
    assert_eq!(from_file.security.lockout_threshold, 7);
    assert_eq!(from_file.mail.transport, MailTransport::Smtp);
    assert_eq!(from_file.mail.smtp.host, "mail.from-file.example");
    assert_eq!(
        from_file.data_dir,
        std::path::PathBuf::from("/var/lib/mv-from-file")
    );
    // Keys not in the file keep their defaults.
    assert_eq!(from_file.security.link_validity, Duration::from_secs(3600));

    let layered = load_ok(
        Some(&file),
        &[
            ("MV_SECURITY__SESSION_IDLE", "30s"),
            ("MV_SECURITY__SESSION_WARNING", "10s"),
            ("MV_HTTP__ADDR", "127.0.0.1:0"),
            ("MV_DATA_DIR", "/tmp/mv-from-env"),
            ("PATH", "/usr/bin"),
        ],
    )
    .config;
    assert_eq!(layered.security.session_idle, Duration::from_secs(30));
    assert_eq!(layered.security.session_warning, Duration::from_secs(10));
    assert_eq!(layered.http.addr.port(), 0);
    assert_eq!(
        layered.data_dir,
        std::path::PathBuf::from("/tmp/mv-from-env")
    );
    // The file still wins over the defaults where the environment is silent.
    assert_eq!(layered.security.lockout_threshold, 7);
    assert_eq!(layered.mail.smtp.host, "mail.from-file.example");
}

#[test]
fn a_value_of_the_wrong_type_names_the_key() {
    let err = load_err(None, &[("MV_SECURITY__LOCKOUT_THRESHOLD", "abc")]);
    let text = err.to_string();
    assert!(
        text.contains("security.lockout_threshold"),
        "error does not name the key: {text}"
    );
    assert!(!text.contains('\n'), "error is not one line: {text:?}");
}

#[test]
fn a_bad_duration_names_the_key() {
    let err = load_err(None, &[("MV_SECURITY__SESSION_IDLE", "zehn Minuten")]);
    assert!(
        err.to_string().contains("security.session_idle"),
        "error does not name the key: {err}"
    );
}

#[test]
fn an_out_of_range_value_names_the_key() {
    let err = load_err(None, &[("MV_SECURITY__MIN_PASSWORD_STRENGTH", "9")]);
    assert!(
        err.to_string().contains("security.min_password_strength"),
        "error does not name the key: {err}"
    );
}

#[test]
fn an_unknown_key_in_the_file_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let file = write_toml(dir.path(), "[security]\nlockout_treshold = 3\n");
    let err = load_err(Some(&file), &[]);
    assert!(
        err.to_string().contains("security.lockout_treshold"),
        "error does not name the unknown key: {err}"
    );
}

#[test]
fn a_missing_explicit_file_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let err = load_err(Some(&dir.path().join("fehlt.toml")), &[]);
    assert!(err.to_string().contains("fehlt.toml"), "{err}");
}

#[test]
fn an_unknown_environment_variable_is_a_warning_not_an_error() {
    let loaded = load_ok(None, &[("MV_FOO", "1"), ("MV_SECURITY__BAR", "2")]);
    assert!(
        loaded.warnings.iter().any(|w| w.contains("MV_FOO")),
        "no warning about MV_FOO: {:?}",
        loaded.warnings
    );
    assert!(
        loaded
            .warnings
            .iter()
            .any(|w| w.contains("MV_SECURITY__BAR")),
        "no warning about MV_SECURITY__BAR: {:?}",
        loaded.warnings
    );
}

// --- the real binary -------------------------------------------------------

/// Runs `meine-versorgung <args>` in an empty directory with only the given
/// `MV_` variables.
fn run_binary(args: &[&str], pairs: &[(&str, &str)]) -> Output {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_meine-versorgung"));
    cmd.args(args).current_dir(dir.path());
    for (k, _) in std::env::vars() {
        if k.starts_with("MV_") {
            cmd.env_remove(k);
        }
    }
    for (k, v) in pairs {
        cmd.env(k, v);
    }
    match cmd.output() {
        Ok(o) => o,
        Err(e) => panic!("cannot run the binary: {e}"),
    }
}

#[test]
fn check_config_reports_a_bad_variable_in_one_line() {
    let out = run_binary(
        &["check-config"],
        &[("MV_SECURITY__LOCKOUT_THRESHOLD", "abc")],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "check-config succeeded: {stderr}");
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(
        lines.len(),
        1,
        "expected one line on stderr, got {stderr:?}"
    );
    assert!(
        lines[0].contains("security.lockout_threshold"),
        "stderr does not name the key: {stderr:?}"
    );
}

#[test]
fn check_config_redacts_the_smtp_password() {
    let out = run_binary(
        &["check-config"],
        &[
            ("MV_MAIL__SMTP__PASSWORD", "geheim"),
            ("MV_MAIL__SMTP__USERNAME", "u"),
        ],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "check-config failed: {stderr}");
    assert!(
        stdout.contains("***"),
        "password not shown as ***: {stdout}"
    );
    assert!(
        !stdout.contains("geheim") && !stderr.contains("geheim"),
        "the password leaks: {stdout}{stderr}"
    );
    assert!(stdout.contains("lockout_threshold"), "{stdout}");
}

#[test]
fn serve_with_invalid_configuration_stops_with_the_key() {
    let out = run_binary(
        &["serve"],
        &[
            ("MV_SECURITY__MIN_PASSWORD_STRENGTH", "9"),
            ("MV_HTTP__ADDR", "127.0.0.1:0"),
        ],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("security.min_password_strength"),
        "stderr does not name the key: {stderr}"
    );
}

#[test]
fn the_store_cache_size_defaults_to_16_mib_and_refuses_less_than_1_mib() {
    let defaults = load_ok(None, &[]).config;
    assert_eq!(defaults.store.cache_size, 16 * 1024 * 1024);
    let set = load_ok(None, &[("MV_STORE__CACHE_SIZE", "67108864")]).config;
    assert_eq!(set.store.cache_size, 64 * 1024 * 1024);
    let err = load_err(None, &[("MV_STORE__CACHE_SIZE", "4096")]);
    assert_eq!(err.key, "store.cache_size");
    assert!(err.to_string().contains("1 MiB"), "{err}");
}
