#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The integration tests: one binary, each test with its own server on port
//! 0, its own data directory and, where mail matters, its own SMTP server.

mod support;

mod access;
mod backup;
mod backup_secrets;
mod browser;
mod browser_areas;
mod browser_conversation;
mod browser_daily;
mod clients;
mod config;
mod crash;
mod crash_writes;
mod daily_import;
mod daily_messages;
mod daily_use;
mod demo;
mod disk_full;
mod forms;
mod foundation;
mod foundations;
mod handbook;
mod hardening;
mod harness;
mod help;
mod hostile;
mod hostile_areas;
mod kassen;
mod kassen_messages;
mod low_findings;
mod mail;
mod mail_record;
mod matrix;
mod messaging;
mod messaging_filters;
mod operations;
mod outage;
mod persons;
mod property;
mod security;
mod setup;
mod upload_checks;
mod uploads;
mod users;
