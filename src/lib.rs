//! Meine Versorgung: the portal of a municipal pension and benefit fund for
//! its member organisations, as one binary.
//!
//! Layers: `web` (HTTP) → `app` (use cases) → `domain` (rules) and `store`
//! (redb); `views` render markup; `mail` delivers e-mail.

pub mod app;
pub mod assets;
pub mod backup;
pub mod clock;
pub mod config;
pub mod domain;
pub mod format;
pub mod jobs;
pub mod listen;
pub mod mail;
pub mod metrics;
pub mod modes;
pub mod paths;
pub mod preflight;
pub mod server;
pub mod store;
pub mod telemetry;
pub mod tls;
pub mod views;
pub mod web;

pub use config::Config;
pub use server::{ServeOptions, ServerHandle, start};
