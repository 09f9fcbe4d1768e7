//! Loading: built-in defaults ← TOML file ← `MV_` environment variables.

use std::collections::BTreeSet;
use std::path::Path;

use figment::Figment;
use figment::providers::{Format, Serialized, Toml};

use super::{Config, ConfigError, DEFAULT_CONFIG_FILE, ENV_PREFIX};

/// The result of loading: the configuration plus warnings to log once
/// telemetry is up (e.g. unknown `MV_` variables).
#[derive(Debug)]
pub struct Loaded {
    pub config: Config,
    pub warnings: Vec<String>,
}

/// Loads the configuration from defaults, the TOML file and the environment.
///
/// `file` is an explicitly given file (must exist); without it the default file
/// is read when present.
pub fn load(file: Option<&Path>) -> Result<Loaded, ConfigError> {
    load_from(file, std::env::vars())
}

/// Like [`load`], with the environment passed in (used by tests).
pub fn load_from(
    file: Option<&Path>,
    env: impl IntoIterator<Item = (String, String)>,
) -> Result<Loaded, ConfigError> {
    let mut figment = Figment::from(Serialized::defaults(Config::default()));
    match file {
        Some(path) => {
            if !path.is_file() {
                return Err(ConfigError::new(
                    "--config",
                    format!("file {} not found", path.display()),
                ));
            }
            figment = figment.merge(Toml::file_exact(path));
        }
        None => figment = figment.merge(Toml::file(DEFAULT_CONFIG_FILE)),
    }

    let known = known_keys();
    let text_keys = text_keys();
    let mut warnings = Vec::new();
    let mut env_pairs = Vec::new();
    for (name, value) in env {
        let Some(rest) = name.strip_prefix(ENV_PREFIX) else {
            continue;
        };
        let key = rest.to_ascii_lowercase().replace("__", ".");
        if known.contains(&key) {
            env_pairs.push((key, value));
        } else {
            warnings.push(format!(
                "ignoring unknown environment variable {name} (no configuration key {key})"
            ));
        }
    }
    for (key, value) in env_pairs {
        // Text keys take the raw text, so a password like "12345" stays a string.
        let value = if text_keys.contains(&key) {
            figment::value::Value::from(value)
        } else {
            env_value(&value)
        };
        figment = figment.merge(Serialized::global(&key, value));
    }

    let config: Config = figment.extract().map_err(from_figment)?;
    config.validate()?;
    Ok(Loaded { config, warnings })
}

/// Parses an environment value like figment's `Env` provider does: TOML
/// scalars and arrays are understood, anything else is a string.
fn env_value(raw: &str) -> figment::value::Value {
    use figment::value::Value;
    raw.parse::<Value>()
        .unwrap_or_else(|_| Value::from(raw.to_owned()))
}

fn from_figment(err: figment::Error) -> ConfigError {
    let key = if err.path.is_empty() {
        "(top level)".to_owned()
    } else {
        err.path.join(".")
    };
    let message = match &err.kind {
        figment::error::Kind::UnknownField(field, _) => {
            let full = if err.path.is_empty() {
                field.clone()
            } else {
                format!("{}.{}", err.path.join("."), field)
            };
            return ConfigError::new(&full, "unknown key");
        }
        kind => kind.to_string(),
    };
    ConfigError::new(&key, message)
}

/// Keys whose value is text (strings, durations, optional strings).
fn text_keys() -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    if let Ok(value) = serde_json::to_value(Config::default()) {
        leaves("", &value, &mut |key, v| {
            if v.is_string() || v.is_null() {
                out.insert(key.to_owned());
            }
        });
    }
    out
}

fn leaves(prefix: &str, value: &serde_json::Value, f: &mut dyn FnMut(&str, &serde_json::Value)) {
    match value {
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                let key = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                leaves(&key, v, f);
            }
        }
        other => f(prefix, other),
    }
}

/// Every leaf key of the configuration, dotted (`security.session_idle`).
pub fn known_keys() -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    if let Ok(value) = serde_json::to_value(Config::default()) {
        leaves("", &value, &mut |key, _| {
            out.insert(key.to_owned());
        });
    }
    out
}
