//! Route paths, defined once.

pub const HOME: &str = "/";
pub const LOGIN: &str = "/login";
pub const LOGIN_TAN: &str = "/login/tan";
pub const LOGIN_TOTP_SETUP: &str = "/login/authenticator";
pub const LOGIN_CANCEL: &str = "/login/abbrechen";
pub const LOGOUT: &str = "/abmelden";
pub const KEEP_ALIVE: &str = "/sitzung/verlaengern";
pub const SETUP: &str = "/setup";
pub const FORGOT_PASSWORD: &str = "/passwort-vergessen";
pub const SET_PASSWORD: &str = crate::app::links::SET_PASSWORD_PATH;
pub const RETRIEVE_ID: &str = crate::app::links::RETRIEVE_ID_PATH;
pub const SETTINGS: &str = "/einstellungen";
pub const CHANGE_PASSWORD: &str = "/einstellungen/passwort";
pub const ORG_DATA: &str = "/mitgliederdaten";
pub const HEALTH: &str = "/healthz";
pub const READY: &str = "/readyz";
pub const METRICS: &str = "/metrics";
