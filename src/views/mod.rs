//! Views: pure functions from data to markup. They never touch the store.

pub mod access;
pub mod components;
pub mod errors;
pub mod forms;
pub mod help;
pub mod info;
pub mod kassen;
pub mod layout;
pub mod messages;
pub mod org;
pub mod persons;
pub mod recertification;
pub mod setup;
pub mod users;

pub use layout::{NavItem, Page, UserMenu, page};
