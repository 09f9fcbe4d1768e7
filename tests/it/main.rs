#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The integration tests: one binary, each test with its own server on port
//! 0, its own data directory and, where mail matters, its own SMTP server.

mod support;

mod access;
mod audit_chain;
mod backup;
mod backup_secrets;
mod browser;
mod clients;
mod config;
mod daily_use;
mod demo;
mod dormancy;
mod forms;
mod foundation;
mod handbook;
mod harness;
mod help;
mod hostile;
mod kassen;
mod mail;
mod matrix;
mod messaging;
mod operations;
mod persons;
mod property;
mod recertification;
mod reliability;
mod security;
mod setup;
mod uploads;
mod users;
