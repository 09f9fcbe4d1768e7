//! Reliability: the real binary killed under a write load, the mail outage,
//! the disk running full.

pub mod crash;
pub mod crash_writes;
pub mod disk_full;
mod outage;
