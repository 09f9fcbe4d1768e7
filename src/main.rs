use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use meine_versorgung::{ServeOptions, config, server, telemetry};

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
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::CheckConfig { config } => match config::load(config.as_deref()) {
            Ok(loaded) => {
                for w in &loaded.warnings {
                    eprintln!("warning: {w}");
                }
                print!("{}", loaded.config.redacted_toml());
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("{e}");
                ExitCode::from(2)
            }
        },
        Command::Serve { config, demo } => {
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
            serve(loaded.config, ServeOptions { demo })
        }
    }
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
