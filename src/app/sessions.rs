//! Loading sessions on every request, and their activity.
//!
//! Reading a page must not write to the store (redb has one writer; a page
//! view would wait behind every large commit). So a request only records
//! its session's activity in memory ([`SessionActivity`]); the jobs persist
//! it in batches. The idle timeout stays exact because it is checked
//! against the newer of the stored and the remembered activity. A batch
//! only updates sessions that still exist, so a session that was ended in
//! the meantime (logout, password change, lock, authenticator reset) can
//! never be brought back by a late write.

use std::collections::HashMap;
use std::sync::Mutex;

use jiff::Timestamp;

use super::Error;
use crate::config::SecurityConfig;
use crate::domain::account::Account;
use crate::domain::session::{Session, Stage};
use crate::store::{self, ReadAccess, Store};

/// Sessions remembered at most before a batch is written early; bounds the
/// memory of the activity map.
const MAX_REMEMBERED: usize = 50_000;

/// The latest activity per session (by key hash) not yet in the store.
#[derive(Default)]
pub struct SessionActivity {
    seen: Mutex<HashMap<String, Timestamp>>,
}

impl SessionActivity {
    /// Remembers activity of a session; returns true when the map is full
    /// and should be persisted now.
    pub fn touch(&self, key_hash: &str, now: Timestamp) -> bool {
        let Ok(mut map) = self.seen.lock() else {
            return false;
        };
        match map.get_mut(key_hash) {
            Some(t) if *t >= now => {}
            Some(t) => *t = now,
            None => {
                map.insert(key_hash.to_owned(), now);
            }
        }
        map.len() >= MAX_REMEMBERED
    }

    fn remembered(&self, key_hash: &str) -> Option<Timestamp> {
        self.seen.lock().ok()?.get(key_hash).copied()
    }

    fn forget(&self, key_hash: &str) {
        if let Ok(mut map) = self.seen.lock() {
            map.remove(key_hash);
        }
    }

    /// Writes the remembered activity to the store in one transaction (not
    /// forced to disk: losing it in a crash only shortens idle sessions).
    /// Returns how many sessions were updated.
    pub fn persist(&self, store: &Store) -> Result<usize, Error> {
        let batch: Vec<(String, Timestamp)> = match self.seen.lock() {
            Ok(mut map) => map.drain().collect(),
            Err(_) => return Ok(0),
        };
        if batch.is_empty() {
            return Ok(0);
        }
        let result = store.write_relaxed(|tx| {
            let mut n = 0;
            for (hash, at) in &batch {
                if store::sessions::record_activity(tx, hash, *at)? {
                    n += 1;
                }
            }
            Ok::<_, Error>(n)
        });
        if result.is_err() {
            // Keep the activity for the next attempt.
            for (hash, at) in batch {
                self.touch(&hash, at);
            }
        }
        result
    }
}

/// Inside the write transaction of a change made for the session
/// `key_hash` (an upload's commit may come minutes after the request
/// began): the session still exists, is fully signed in, neither idle nor
/// past its lifetime at `now` (counting activity kept in memory), and its
/// account exists and is not locked. Returns the account as it is now;
/// `SessionEnded` otherwise.
pub fn still_live(
    tx: &impl ReadAccess,
    activity: &SessionActivity,
    sec: &SecurityConfig,
    key_hash: &str,
    now: Timestamp,
) -> Result<Account, Error> {
    let Some(mut session) = store::sessions::get(tx, key_hash)? else {
        return Err(Error::SessionEnded);
    };
    if let Some(seen) = activity.remembered(key_hash) {
        session.last_seen = session.last_seen.max(seen);
    }
    if session.stage != Stage::Full || !session.is_live(now, sec.session_idle, sec.session_lifetime)
    {
        return Err(Error::SessionEnded);
    }
    store::accounts::get(tx, &session.account)?
        .filter(|a| !a.admin_locked)
        .ok_or(Error::SessionEnded)
}

/// A session to check again inside a write transaction (see
/// [`still_live`]).
pub struct Recheck<'a> {
    pub key_hash: &'a str,
    pub activity: &'a SessionActivity,
    pub security: &'a SecurityConfig,
}

impl Recheck<'_> {
    /// The session's account as it is now; `SessionEnded` when the session
    /// is no longer live.
    pub fn account(&self, tx: &impl ReadAccess, now: Timestamp) -> Result<Account, Error> {
        still_live(tx, self.activity, self.security, self.key_hash, now)
    }
}

/// A live session with its account.
pub struct Loaded {
    pub session: Session,
    pub account: Account,
    /// The account's organisation, read in the same snapshot as the
    /// session (`None` for the Kassen): what the capability checks of
    /// `domain::permissions` and the navigation decide on.
    pub org: Option<crate::domain::org::Organisation>,
}

/// What the cookie of a request leads to.
pub enum Lookup {
    Live(Box<Loaded>),
    /// No such session (never was, or ended and removed).
    None,
    /// The session ended now; `idle` tells whether through inactivity.
    Ended {
        idle: bool,
    },
}

/// Loads the session `key_hash` and counts the request as its activity.
/// An expired session (or one whose account is gone or locked) is ended.
pub fn load(
    store: &Store,
    activity: &SessionActivity,
    sec: &SecurityConfig,
    key_hash: &str,
    now: Timestamp,
) -> Result<Lookup, Error> {
    match examine(store, activity, sec, key_hash, now)? {
        Examined::Settled(lookup) => Ok(lookup),
        Examined::MustEnd { idle } => {
            // Rare (once per ended session): end it for good right away.
            store.write(|tx| store::sessions::delete(tx, key_hash))?;
            Ok(Lookup::Ended { idle })
        }
        Examined::MustPersist(loaded) => {
            activity.persist(store)?;
            Ok(Lookup::Live(loaded))
        }
    }
}

/// Like [`load`], but never writes: `None` when answering needs a write
/// (ending an expired session, or persisting a full activity map), so the
/// caller runs [`load`] where a write may wait for the disk. Almost every
/// request is answered here, with one read transaction.
pub fn load_without_writing(
    store: &Store,
    activity: &SessionActivity,
    sec: &SecurityConfig,
    key_hash: &str,
    now: Timestamp,
) -> Result<Option<Lookup>, Error> {
    Ok(match examine(store, activity, sec, key_hash, now)? {
        Examined::Settled(lookup) => Some(lookup),
        Examined::MustEnd { .. } | Examined::MustPersist(_) => None,
    })
}

/// What reading a session found, before any write.
enum Examined {
    Settled(Lookup),
    /// Expired or unusable: the session must be deleted.
    MustEnd {
        idle: bool,
    },
    /// Live, but the activity map is full and must be persisted.
    MustPersist(Box<Loaded>),
}

fn examine(
    store: &Store,
    activity: &SessionActivity,
    sec: &SecurityConfig,
    key_hash: &str,
    now: Timestamp,
) -> Result<Examined, Error> {
    let found = store.read(|tx| {
        let Some(session) = store::sessions::get(tx, key_hash)? else {
            return Ok::<_, store::Error>(None);
        };
        let account = store::accounts::get(tx, &session.account)?;
        let org = match account.as_ref().and_then(Account::org) {
            Some(id) => store::orgs::get(tx, id)?,
            None => None,
        };
        Ok(Some((session, account, org)))
    })?;
    let Some((mut session, account, org)) = found else {
        activity.forget(key_hash);
        return Ok(Examined::Settled(Lookup::None));
    };
    if let Some(seen) = activity.remembered(key_hash) {
        session.last_seen = session.last_seen.max(seen);
    }
    let live = session.is_live(now, sec.session_idle, sec.session_lifetime);
    let usable = account.as_ref().is_some_and(|a| !a.admin_locked);
    if !live || !usable {
        activity.forget(key_hash);
        let idle = session.stage == Stage::Full && session.idle_expired(now, sec.session_idle);
        return Ok(Examined::MustEnd { idle });
    }
    let Some(account) = account else {
        return Ok(Examined::Settled(Lookup::None));
    };
    let full = activity.touch(key_hash, now);
    session.last_seen = now;
    let loaded = Box::new(Loaded {
        session,
        account,
        org,
    });
    Ok(if full {
        Examined::MustPersist(loaded)
    } else {
        Examined::Settled(Lookup::Live(loaded))
    })
}
