#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The integration tests: one binary, each test with its own server on port
//! 0, its own data directory and, where mail matters, its own SMTP server.

mod support;

mod access;
mod backup;
mod browser;
mod browser_areas;
mod browser_conversation;
mod clients;
mod config;
mod crash;
mod crash_writes;
mod demo;
mod disk_full;
mod dormancy;
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
mod mail;
mod matrix;
mod messaging;
mod messaging_filters;
mod operations;
mod outage;
mod persons;
mod property;
mod recertification;
mod security;
mod setup;
mod users;
