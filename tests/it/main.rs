#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The integration tests: one binary, each test with its own server on port
//! 0, its own data directory and, where mail matters, its own SMTP server.

mod support;

mod access;
mod backup;
mod browser;
mod clients;
mod config;
mod crash;
mod demo;
mod disk_full;
mod foundation;
mod foundations;
mod handbook;
mod hardening;
mod harness;
mod help;
mod hostile;
mod kassen;
mod mail;
mod matrix;
mod operations;
mod outage;
mod property;
mod security;
mod setup;
mod users;
