//! Domain rules. Nothing here knows HTTP or the database.

pub mod account;
pub mod audit;
pub mod email;
pub mod forms;
pub mod help;
pub mod ids;
pub mod link;
pub mod mail;
pub mod message;
pub mod org;
pub mod password;
pub mod permissions;
pub mod person_csv;
pub mod persons;
pub mod search_text;
pub mod secret;
pub mod session;
pub mod totp;

pub use jiff::Timestamp;

/// Rows per page of every paged list (handbook: "Elemente pro Seite: 20").
pub const PAGE_SIZE: usize = 20;
