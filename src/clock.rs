//! The portal's clock. Every part that needs "now" asks the clock in the
//! application state, so tests can move time forward instead of sleeping.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use jiff::{SignedDuration, Timestamp};

/// The system time plus an offset that only tests change. Cheap to clone;
/// clones share the offset.
#[derive(Clone, Debug, Default)]
pub struct Clock {
    offset_ms: Arc<AtomicI64>,
}

impl Clock {
    /// The real time.
    pub fn system() -> Self {
        Self::default()
    }

    pub fn now(&self) -> Timestamp {
        let offset = SignedDuration::from_millis(self.offset_ms.load(Ordering::Relaxed));
        let real = Timestamp::now();
        real.checked_add(offset).unwrap_or(real)
    }

    /// Moves this clock (and its clones) forward by `by` (tests).
    pub fn advance(&self, by: std::time::Duration) {
        let ms = i64::try_from(by.as_millis()).unwrap_or(i64::MAX);
        self.offset_ms.fetch_add(ms, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advancing_moves_every_clone() {
        let clock = Clock::system();
        let copy = clock.clone();
        let before = copy.now();
        clock.advance(std::time::Duration::from_secs(3600));
        let after = copy.now();
        assert!(after.duration_since(before) >= SignedDuration::from_secs(3600));
    }
}
