//! Counted slots per key (an account, a client address): at most `limit`
//! held at once per key; a held slot is given back when its guard drops,
//! also when the request's future is cancelled. Used for the concurrent
//! uploads per account and per address and for the connections per client
//! address (issue 19: one client must not hold every upload or connection).

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex};

/// The slots of one kind, keyed by `K`.
pub struct Slots<K: Eq + Hash + Clone> {
    limit: usize,
    held: Mutex<HashMap<K, usize>>,
}

/// One held slot; dropping it gives it back.
pub struct Slot<K: Eq + Hash + Clone> {
    owner: Arc<Slots<K>>,
    key: K,
}

impl<K: Eq + Hash + Clone> Slots<K> {
    pub fn new(limit: usize) -> Arc<Self> {
        Arc::new(Self {
            limit,
            held: Mutex::new(HashMap::new()),
        })
    }

    /// A slot for `key`, or `None` when `key` holds `limit` already.
    pub fn try_take(self: &Arc<Self>, key: K) -> Option<Slot<K>> {
        let mut held = self.held.lock().ok()?;
        let n = held.entry(key.clone()).or_insert(0);
        if *n >= self.limit {
            return None;
        }
        *n += 1;
        Some(Slot {
            owner: self.clone(),
            key,
        })
    }

    /// Slots held for `key` now.
    pub fn held(&self, key: &K) -> usize {
        self.held
            .lock()
            .ok()
            .and_then(|h| h.get(key).copied())
            .unwrap_or(0)
    }
}

impl<K: Eq + Hash + Clone> Drop for Slot<K> {
    fn drop(&mut self) {
        if let Ok(mut held) = self.owner.held.lock()
            && let Some(n) = held.get_mut(&self.key)
        {
            *n = n.saturating_sub(1);
            if *n == 0 {
                held.remove(&self.key);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Slots;

    #[test]
    fn a_key_holds_at_most_the_limit_and_gets_slots_back_on_drop() {
        let slots = Slots::new(2);
        let a = slots.try_take("a").expect("first");
        let _b = slots.try_take("a").expect("second");
        assert!(slots.try_take("a").is_none());
        assert!(slots.try_take("b").is_some());
        drop(a);
        assert_eq!(slots.held(&"a"), 1);
        assert!(slots.try_take("a").is_some());
    }
}
