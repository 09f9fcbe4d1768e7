//! The portal's clock. Every part that needs "now" asks the clock in the
//! application state, and every background job waits on it
//! ([`Clock::sleep_until`]), so tests move time instead of sleeping.
//!
//! Two kinds: the system clock (real time, plus an offset that only tests
//! change) and a manual clock that stands still until a test sets or
//! advances it. A job sleeping until a moment wakes when that moment comes
//! in real time (system clock) or when the clock is moved there.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use tokio::sync::watch;

/// Cheap to clone; clones share the time.
#[derive(Clone, Debug)]
pub struct Clock {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    kind: Kind,
    /// Milliseconds: the offset to the real time (system clock) or the time
    /// since the Unix epoch (manual clock).
    ms: AtomicI64,
    /// Bumped on every move, so sleepers look at the time again.
    moved: watch::Sender<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    System,
    Manual,
}

impl Default for Clock {
    fn default() -> Self {
        Self::system()
    }
}

impl Clock {
    /// The real time.
    pub fn system() -> Self {
        Self::with(Kind::System, 0)
    }

    /// A clock standing at `at` until it is set or advanced (tests).
    pub fn manual(at: Timestamp) -> Self {
        Self::with(Kind::Manual, at.as_millisecond())
    }

    fn with(kind: Kind, ms: i64) -> Self {
        Self {
            inner: Arc::new(Inner {
                kind,
                ms: AtomicI64::new(ms),
                moved: watch::Sender::new(0),
            }),
        }
    }

    pub fn now(&self) -> Timestamp {
        let ms = self.inner.ms.load(Ordering::SeqCst);
        match self.inner.kind {
            Kind::System => {
                let real = Timestamp::now();
                real.checked_add(SignedDuration::from_millis(ms))
                    .unwrap_or(real)
            }
            Kind::Manual => Timestamp::from_millisecond(ms).unwrap_or(Timestamp::MAX),
        }
    }

    /// Moves this clock (and its clones) forward by `by` (tests); sleepers
    /// whose moment has come wake up.
    pub fn advance(&self, by: Duration) {
        let ms = i64::try_from(by.as_millis()).unwrap_or(i64::MAX);
        self.inner.ms.fetch_add(ms, Ordering::SeqCst);
        self.wake_sleepers();
    }

    /// Sets this clock (and its clones) to `at` (tests), forward or back.
    pub fn set(&self, at: Timestamp) {
        let ms = match self.inner.kind {
            Kind::System => at
                .as_millisecond()
                .saturating_sub(Timestamp::now().as_millisecond()),
            Kind::Manual => at.as_millisecond(),
        };
        self.inner.ms.store(ms, Ordering::SeqCst);
        self.wake_sleepers();
    }

    fn wake_sleepers(&self) {
        self.inner.moved.send_modify(|n| *n = n.wrapping_add(1));
    }

    /// Returns once the clock reads `deadline` or later: in real time, or
    /// as soon as a move of the clock reaches it.
    pub async fn sleep_until(&self, deadline: Timestamp) {
        loop {
            // Subscribed before reading the time: a move in between is seen.
            let mut moved = self.inner.moved.subscribe();
            let now = self.now();
            if now >= deadline {
                return;
            }
            match self.inner.kind {
                Kind::Manual => {
                    // The sender lives as long as this clock.
                    let _ = moved.changed().await;
                }
                Kind::System => {
                    let left =
                        Duration::try_from(deadline.duration_since(now)).unwrap_or(Duration::ZERO);
                    tokio::select! {
                        _ = moved.changed() => {}
                        _ = tokio::time::sleep(left) => {}
                    }
                }
            }
        }
    }

    /// [`Clock::sleep_until`] `by` from now.
    pub async fn sleep(&self, by: Duration) {
        let deadline = self.now().checked_add(by).unwrap_or(Timestamp::MAX);
        self.sleep_until(deadline).await;
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
        clock.advance(Duration::from_secs(3600));
        let after = copy.now();
        assert!(after.duration_since(before) >= SignedDuration::from_secs(3600));
    }

    #[test]
    fn a_manual_clock_stands_still_until_moved() {
        let start = Timestamp::from_second(1_800_000_000).unwrap_or(Timestamp::UNIX_EPOCH);
        let clock = Clock::manual(start);
        assert_eq!(clock.now(), start);
        std::thread::sleep(Duration::from_millis(5));
        assert_eq!(clock.now(), start);
        clock.advance(Duration::from_secs(90));
        assert_eq!(clock.now(), start + SignedDuration::from_secs(90));
        clock.set(start);
        assert_eq!(clock.clone().now(), start);
    }

    #[tokio::test]
    async fn a_sleeper_wakes_when_the_clock_reaches_its_moment() {
        let start = Timestamp::from_second(1_800_000_000).unwrap_or(Timestamp::UNIX_EPOCH);
        let clock = Clock::manual(start);
        let sleeper = {
            let clock = clock.clone();
            tokio::spawn(async move {
                clock.sleep(Duration::from_secs(60)).await;
                clock.now()
            })
        };
        tokio::task::yield_now().await;
        clock.advance(Duration::from_secs(30));
        tokio::task::yield_now().await;
        assert!(!sleeper.is_finished(), "woke before its moment");
        clock.advance(Duration::from_secs(30));
        let woke_at = tokio::time::timeout(Duration::from_secs(10), sleeper).await;
        assert!(
            matches!(woke_at, Ok(Ok(t)) if t == start + SignedDuration::from_secs(60)),
            "{woke_at:?}"
        );
    }

    #[tokio::test]
    async fn a_moved_system_clock_wakes_a_long_sleep() {
        let clock = Clock::system();
        let sleeper = {
            let clock = clock.clone();
            tokio::spawn(async move { clock.sleep(Duration::from_secs(3600)).await })
        };
        tokio::task::yield_now().await;
        clock.advance(Duration::from_secs(3600));
        let woke = tokio::time::timeout(Duration::from_secs(10), sleeper).await;
        assert!(matches!(woke, Ok(Ok(()))), "{woke:?}");
    }
}
