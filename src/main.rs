use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use meine_versorgung::{ServeOptions, config, server, telemetry};

/// mimalloc for both builds: musl's allocator costs ~3x the CPU per
/// request, glibc's keeps freed memory in per-thread arenas. Its retention
/// is tuned in [`tune_allocator`].
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_purge_delay` in the `mi_option_t` enum of the mimalloc v3
/// that `libmimalloc-sys` bundles (`mimalloc.h`): milliseconds before freed
/// memory goes back to the OS (default 1000).
const MI_OPTION_PURGE_DELAY: std::ffi::c_int = 15;

unsafe extern "C" {
    fn mi_option_set(option: std::ffi::c_int, value: std::ffi::c_long);
}

/// Purge delay set by [`tune_allocator`], in milliseconds.
const PURGE_DELAY_MS: std::ffi::c_long = 0;

/// Makes freed memory go back to the OS at once instead of after 1 s:
/// mimalloc runs delayed purges only when a later free happens, so on a
/// server that falls quiet after a burst (e.g. a login storm) RSS would
/// otherwise stay high. Purging works on whole free pages (64 KiB and
/// more), not on every free. `MIMALLOC_PURGE_DELAY` in the environment
/// overrides this, as for any mimalloc program.
fn tune_allocator() {
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_some() {
        return;
    }
    // SAFETY: a plain setter of mimalloc's option table, valid at any time.
    unsafe { mi_option_set(MI_OPTION_PURGE_DELAY, PURGE_DELAY_MS) };
}

#[derive(Parser)]
#[command(name = "meine-versorgung", version = concat!(env!("CARGO_PKG_VERSION"), " (", env!("MV_GIT_COMMIT"), ")"), about = "Portal „Meine Versorgung“")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the portal.
    Serve {
        /// Configuration file (default: config/meine-versorgung.toml if present).
        #[arg(long)]
        config: Option<PathBuf>,
        /// Load the demo data set into an empty data directory.
        #[arg(long)]
        demo: bool,
    },
    /// Print the effective configuration (secrets redacted) or the first problem.
    CheckConfig {
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Write a consistent copy of the whole store to FILE (also while the server runs).
    Backup {
        #[arg(long)]
        config: Option<PathBuf>,
        /// The backup file to write.
        #[arg(long)]
        out: PathBuf,
    },
    /// Import entitled persons or Lebensläufe from a CSV file (SPEC §10;
    /// the server must be stopped). All rows or none.
    ImportPersons {
        #[arg(long)]
        config: Option<PathBuf>,
        /// Mitgliedsnummer of the organisation.
        #[arg(long)]
        mitglied: String,
        /// Art der Datei: anspruchsberechtigte or lebenslaeufe.
        #[arg(long, default_value = "anspruchsberechtigte")]
        art: String,
        /// Probelauf: check every row, import nothing.
        #[arg(long)]
        probelauf: bool,
        /// Contact fields the organisation changed since the last import:
        /// behalten (keep the organisation's values) or uebernehmen (take
        /// the file's).
        #[arg(long, default_value = "behalten")]
        kontaktdaten: String,
        /// The CSV file.
        file: PathBuf,
    },
    /// Protokoll (audit log) tools.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Replace the store with a backup (the server must be stopped).
    Restore {
        #[arg(long)]
        config: Option<PathBuf>,
        /// The backup file to restore.
        #[arg(long)]
        from: PathBuf,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Check the Protokoll's hash chain (docs/audit-chain.md), read-only.
    /// Exit code 0: intact; 1: broken (the first broken entry is printed);
    /// 2: usage or I/O error.
    Verify {
        #[arg(long)]
        config: Option<PathBuf>,
        /// A store file (e.g. a backup) or a data directory; default: the
        /// configured data directory (the server must be stopped).
        #[arg(long)]
        store: Option<PathBuf>,
        /// Check from the first entry of this day (YYYY-MM-DD or DD.MM.YYYY),
        /// trusting the previous hash it names.
        #[arg(long)]
        from: Option<String>,
    },
}

/// `audit verify`: exit code 0 intact, 1 broken, 2 usage or I/O error.
fn audit_verify(config: Option<PathBuf>, store: Option<PathBuf>, from: Option<String>) -> ExitCode {
    let from = match from
        .as_deref()
        .map(meine_versorgung::app::credentials::parse_date)
    {
        None => None,
        Some(Some(d)) => Some(d),
        Some(None) => {
            eprintln!("--from must be a date (YYYY-MM-DD or DD.MM.YYYY)");
            return ExitCode::from(2);
        }
    };
    let path = match store {
        Some(p) if p.is_dir() => p.join(meine_versorgung::store::DB_FILE),
        Some(p) => p,
        None => match config::load(config.as_deref()) {
            Ok(l) => l.config.data_dir.join(meine_versorgung::store::DB_FILE),
            Err(e) => {
                eprintln!("{e}");
                return ExitCode::from(2);
            }
        },
    };
    if !path.is_file() {
        eprintln!("no store at {}", path.display());
        return ExitCode::from(2);
    }
    match meine_versorgung::app::audit_chain::verify_file(&path, from) {
        Ok(v) => match v.broken {
            Some(b) => {
                println!(
                    "audit chain BROKEN at entry {} ({} entries verified before it): {}",
                    b.seq, v.entries, b.reason
                );
                ExitCode::from(1)
            }
            None => {
                match v.head {
                    Some(h) => println!(
                        "audit chain intact: {} entries verified, head entry {} hash {}",
                        v.entries, h.seq, h.hash
                    ),
                    None => println!("audit chain intact: {} entries verified", v.entries),
                }
                ExitCode::SUCCESS
            }
        },
        Err(e) => {
            eprintln!("{e}");
            ExitCode::from(2)
        }
    }
}

fn main() -> ExitCode {
    tune_allocator();
    let cli = Cli::parse();
    match cli.command {
        Command::CheckConfig { config } => check_config(config),
        Command::Backup { config, out } => with_config(config, |cfg| backup(cfg, &out)),
        Command::ImportPersons {
            config,
            mitglied,
            art,
            probelauf,
            kontaktdaten,
            file,
        } => with_config(config, |cfg| {
            import_persons(cfg, &mitglied, &art, probelauf, &kontaktdaten, &file)
        }),
        Command::Audit {
            command:
                AuditCommand::Verify {
                    config,
                    store,
                    from,
                },
        } => audit_verify(config, store, from),
        Command::Restore { config, from } => with_config(config, |cfg| restore(cfg, &from)),
        Command::Serve { config, demo } => serve_command(config, demo),
    }
}

/// `check-config`: the effective configuration with secrets redacted, or
/// every problem (exit code 2).
fn check_config(config: Option<PathBuf>) -> ExitCode {
    match config::load(config.as_deref()) {
        Ok(loaded) => {
            for w in &loaded.warnings {
                eprintln!("warning: {w}");
            }
            if !preflight_ok(&loaded.config) {
                return ExitCode::from(2);
            }
            print!("{}", loaded.config.redacted_toml());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::from(2)
        }
    }
}

/// `backup --out FILE`: through the running server's admin socket, or from
/// the stopped store.
fn backup(cfg: &meine_versorgung::Config, out: &std::path::Path) -> Result<String, String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    runtime.block_on(meine_versorgung::backup::run_cli_backup(&cfg.data_dir, out))
}

/// `import-persons`: the Datenimport from the command line.
fn import_persons(
    cfg: &meine_versorgung::Config,
    mitglied: &str,
    art: &str,
    probelauf: bool,
    kontaktdaten: &str,
    file: &std::path::Path,
) -> Result<String, String> {
    use meine_versorgung::domain::persons::ContactPolicy;
    let policy = ContactPolicy::from_key(kontaktdaten).ok_or_else(|| {
        format!("--kontaktdaten must be behalten or uebernehmen, not {kontaktdaten}")
    })?;
    let kind = meine_versorgung::domain::person_csv::FileKind::from_key(art)
        .ok_or_else(|| format!("--art must be anspruchsberechtigte or lebenslaeufe, not {art}"))?;
    meine_versorgung::app::person_import::run_cli(
        &cfg.data_dir,
        mitglied,
        kind,
        file,
        probelauf,
        policy,
    )
}

/// `restore --from FILE` (server stopped).
fn restore(cfg: &meine_versorgung::Config, from: &std::path::Path) -> Result<String, String> {
    meine_versorgung::store::backup::restore(from, &cfg.data_dir)
        .map(|s| {
            // The hand-over mark names an attempt of the replaced store.
            let _ = std::fs::remove_file(cfg.data_dir.join(meine_versorgung::mail::handover::FILE));
            format!(
                "restored {} ({} records, schema version {}) into {}",
                from.display(),
                s.records(),
                s.schema,
                cfg.data_dir.display()
            )
        })
        .map_err(|e| format!("restore refused: {e}; the existing store was not changed"))
}

/// `serve`: configuration, telemetry, the preflight checks, then the server.
fn serve_command(config: Option<PathBuf>, demo: bool) -> ExitCode {
    let loaded = match config::load(config.as_deref()) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    telemetry::init(&loaded.config.log);
    for w in &loaded.warnings {
        tracing::warn!("{w}");
    }
    if !preflight_ok(&loaded.config) {
        return ExitCode::from(2);
    }
    serve(
        loaded.config,
        ServeOptions {
            demo,
            ..Default::default()
        },
    )
}

/// Loads the configuration and runs a one-shot command, printing its result.
fn with_config(
    file: Option<PathBuf>,
    run: impl FnOnce(&meine_versorgung::Config) -> Result<String, String>,
) -> ExitCode {
    let loaded = match config::load(file.as_deref()) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    for w in &loaded.warnings {
        eprintln!("warning: {w}");
    }
    match run(&loaded.config) {
        Ok(message) => {
            println!("{message}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}

/// Prints every problem `preflight` finds (`warning: …` for warnings);
/// false when one of them must stop start-up.
fn preflight_ok(config: &meine_versorgung::Config) -> bool {
    let report = meine_versorgung::preflight::check(config);
    for w in &report.warnings {
        eprintln!("warning: {w}");
    }
    for e in &report.errors {
        eprintln!("{e}");
    }
    report.is_ok()
}

fn serve(config: meine_versorgung::Config, opts: ServeOptions) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("cannot start runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async move {
        let handle = match server::start(config, opts).await {
            Ok(h) => h,
            Err(e) => {
                tracing::error!("{e}");
                eprintln!("{e}");
                return ExitCode::FAILURE;
            }
        };
        wait_for_signal().await;
        tracing::info!("shutting down");
        handle.shutdown().await;
        tracing::info!("stopped");
        ExitCode::SUCCESS
    })
}

async fn wait_for_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = ctrl_c => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = ctrl_c.await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}
