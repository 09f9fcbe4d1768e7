//! Throttles per client address, well above normal use: failed logins, and
//! (a second instance) submissions of the feedback and support forms.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Addresses remembered at most; the oldest are forgotten first.
const MAX_ADDRESSES: usize = 100_000;

pub struct AddressThrottle {
    limit: u32,
    window: Duration,
    failures: Mutex<HashMap<IpAddr, VecDeque<Instant>>>,
}

impl AddressThrottle {
    pub fn new(limit: u32, window: Duration) -> Self {
        Self {
            limit,
            window,
            failures: Mutex::new(HashMap::new()),
        }
    }

    /// Whether `ip` has reached the limit of failures in the window.
    pub fn is_blocked(&self, ip: Option<IpAddr>) -> bool {
        let Some(ip) = ip else { return false };
        let now = Instant::now();
        let Ok(mut map) = self.failures.lock() else {
            return false;
        };
        match map.get_mut(&ip) {
            Some(q) => {
                prune(q, now, self.window);
                q.len() >= self.limit as usize
            }
            None => false,
        }
    }

    /// Records one event (a failed login, a submission) of `ip`.
    pub fn record_failure(&self, ip: Option<IpAddr>) {
        let Some(ip) = ip else { return };
        let now = Instant::now();
        let Ok(mut map) = self.failures.lock() else {
            return;
        };
        if map.len() >= MAX_ADDRESSES && !map.contains_key(&ip) {
            let window = self.window;
            map.retain(|_, q| {
                prune(q, now, window);
                !q.is_empty()
            });
            if map.len() >= MAX_ADDRESSES {
                return;
            }
        }
        let q = map.entry(ip).or_default();
        prune(q, now, self.window);
        q.push_back(now);
    }
}

fn prune(q: &mut VecDeque<Instant>, now: Instant, window: Duration) {
    while q.front().is_some_and(|t| now.duration_since(*t) > window) {
        q.pop_front();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_after_the_limit_only() {
        let t = AddressThrottle::new(3, Duration::from_secs(60));
        let ip = Some(IpAddr::from([127, 0, 0, 1]));
        for _ in 0..2 {
            t.record_failure(ip);
        }
        assert!(!t.is_blocked(ip));
        t.record_failure(ip);
        assert!(t.is_blocked(ip));
        assert!(!t.is_blocked(Some(IpAddr::from([127, 0, 0, 2]))));
    }
}
