#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The integration tests: one binary, each test with its own server on port
//! 0, its own data directory and, where mail matters, its own SMTP server.

mod support;

mod access;
mod backup;
mod browser;
mod browser_areas;
mod config;
mod demo;
mod forms;
mod foundation;
mod foundations;
mod handbook;
mod hardening;
mod harness;
mod help;
mod kassen;
mod mail;
mod messaging;
mod messaging_filters;
mod operations;
mod persons;
mod security;
mod setup;
mod users;
