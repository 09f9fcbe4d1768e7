//! Throttles per key (a client address, a Nutzerkennung), well above normal
//! use: failed logins, submissions of the feedback and support forms,
//! "Passwort vergessen" requests.
//!
//! A slot is *reserved* atomically before the work it guards
//! ([`Throttle::try_reserve`]), so parallel requests cannot all pass a check
//! made before any of them is recorded. Work that turns out not to count
//! (a correct password) gives its slot back ([`Reservation::release`]).
//!
//! Events are kept as timestamps of the portal's clock, so a window passes
//! when the clock moves (tests move it instead of waiting).

use std::collections::{HashMap, VecDeque};
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};

use crate::clock::Clock;

/// Keys remembered at most; beyond it, expired entries are dropped first
/// and, failing that, new keys are not tracked.
const MAX_KEYS: usize = 100_000;

pub struct Throttle<K> {
    limit: u32,
    window: SignedDuration,
    clock: Clock,
    events: Mutex<HashMap<K, VecDeque<Timestamp>>>,
}

/// Throttle by client address.
pub type AddressThrottle = Throttle<IpAddr>;

/// A slot taken by [`Throttle::try_reserve`]; counts unless released.
#[must_use]
pub struct Reservation<K> {
    key: Option<K>,
    at: Timestamp,
}

impl<K: Eq + Hash + Clone> Throttle<K> {
    /// At most `limit` events per key within `window` of `clock`.
    pub fn new(limit: u32, window: Duration, clock: Clock) -> Self {
        Self {
            limit,
            window: SignedDuration::try_from(window).unwrap_or(SignedDuration::MAX),
            clock,
            events: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one slot for `key` when fewer than the limit were taken in the
    /// window; `None` when the limit is reached. Check and record happen
    /// under one lock. Without a key (unknown client) nothing is limited.
    pub fn try_reserve(&self, key: Option<K>) -> Option<Reservation<K>> {
        let now = self.clock.now();
        let Some(key) = key else {
            return Some(Reservation { key: None, at: now });
        };
        let Ok(mut map) = self.events.lock() else {
            return Some(Reservation { key: None, at: now });
        };
        if map.len() >= MAX_KEYS && !map.contains_key(&key) {
            let window = self.window;
            map.retain(|_, q| {
                prune(q, now, window);
                !q.is_empty()
            });
            if map.len() >= MAX_KEYS {
                return Some(Reservation { key: None, at: now });
            }
        }
        let q = map.entry(key.clone()).or_default();
        prune(q, now, self.window);
        if q.len() >= self.limit as usize {
            return None;
        }
        q.push_back(now);
        Some(Reservation {
            key: Some(key),
            at: now,
        })
    }

    /// Whether `key` has reached the limit in the window (without taking a slot).
    pub fn is_blocked(&self, key: Option<K>) -> bool {
        let Some(key) = key else { return false };
        let now = self.clock.now();
        let Ok(mut map) = self.events.lock() else {
            return false;
        };
        match map.get_mut(&key) {
            Some(q) => {
                prune(q, now, self.window);
                q.len() >= self.limit as usize
            }
            None => false,
        }
    }

    /// Records one event of `key` unconditionally (a failed TAN).
    pub fn record_failure(&self, key: Option<K>) {
        let now = self.clock.now();
        let Some(key) = key else { return };
        let Ok(mut map) = self.events.lock() else {
            return;
        };
        if map.len() >= MAX_KEYS && !map.contains_key(&key) {
            return;
        }
        let q = map.entry(key).or_default();
        prune(q, now, self.window);
        q.push_back(now);
    }

    /// Gives a reserved slot back (the work did not count).
    pub fn release(&self, reservation: Reservation<K>) {
        let Some(key) = reservation.key else { return };
        let Ok(mut map) = self.events.lock() else {
            return;
        };
        if let Some(q) = map.get_mut(&key)
            && let Some(i) = q.iter().rposition(|t| *t == reservation.at)
        {
            q.remove(i);
        }
    }
}

fn prune(q: &mut VecDeque<Timestamp>, now: Timestamp, window: SignedDuration) {
    while q.front().is_some_and(|t| now.duration_since(*t) > window) {
        q.pop_front();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_after_the_limit_only() {
        let t = AddressThrottle::new(3, Duration::from_secs(60), Clock::system());
        let ip = Some(IpAddr::from([127, 0, 0, 1]));
        for _ in 0..2 {
            t.record_failure(ip);
        }
        assert!(!t.is_blocked(ip));
        t.record_failure(ip);
        assert!(t.is_blocked(ip));
        assert!(!t.is_blocked(Some(IpAddr::from([127, 0, 0, 2]))));
    }

    #[test]
    fn parallel_reservations_never_exceed_the_limit() {
        let t = std::sync::Arc::new(AddressThrottle::new(
            30,
            Duration::from_secs(60),
            Clock::system(),
        ));
        let ip = Some(IpAddr::from([127, 0, 0, 1]));
        let handles: Vec<_> = (0..60)
            .map(|_| {
                let t = t.clone();
                std::thread::spawn(move || t.try_reserve(ip).is_some())
            })
            .collect();
        let passed = handles
            .into_iter()
            .map(|h| h.join().unwrap_or(false))
            .filter(|ok| *ok)
            .count();
        assert_eq!(passed, 30);
    }

    #[test]
    fn a_released_slot_is_free_again() {
        let t = AddressThrottle::new(1, Duration::from_secs(60), Clock::system());
        let ip = Some(IpAddr::from([127, 0, 0, 1]));
        let r = t.try_reserve(ip);
        assert!(t.try_reserve(ip).is_none());
        if let Some(r) = r {
            t.release(r);
        }
        assert!(t.try_reserve(ip).is_some());
    }

    #[test]
    fn the_window_passes_with_the_clock() {
        let clock = Clock::manual(Timestamp::UNIX_EPOCH);
        let t = AddressThrottle::new(1, Duration::from_secs(60), clock.clone());
        let ip = Some(IpAddr::from([127, 0, 0, 1]));
        t.record_failure(ip);
        assert!(t.is_blocked(ip));
        clock.advance(Duration::from_secs(60));
        assert!(t.is_blocked(ip), "still within the window");
        clock.advance(Duration::from_millis(1));
        assert!(!t.is_blocked(ip), "the window has passed");
    }
}
