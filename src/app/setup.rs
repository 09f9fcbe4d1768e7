//! First start: the setup token and the first Kassen account.

use std::path::Path;

use jiff::Timestamp;

use super::accounts::{self, NewAccount};
use super::links::LinkSettings;
use super::{Actor, Check, Error};
use crate::domain::account::{Account, Role};
use crate::domain::org::Bereich;
use crate::domain::secret;
use crate::mail::Mailer;
use crate::store::{self, Store};

/// File in the data directory holding the one-time setup token.
pub const TOKEN_FILE: &str = "setup-token";

/// On a store without accounts, creates a fresh setup token, writes it to
/// `<data_dir>/setup-token` and returns it. Returns `None` once set up.
pub fn prepare_token(store: &Store, data_dir: &Path) -> Result<Option<String>, Error> {
    let set_up = store.read(|tx| Ok::<_, Error>(store::accounts::count(tx)? > 0))?;
    let token = if set_up { None } else { new_token(store)? };
    let path = data_dir.join(TOKEN_FILE);
    match &token {
        Some(t) => write_private(&path, t)
            .map_err(|e| Error::Internal(format!("cannot write {}: {e}", path.display())))?,
        None => {
            let _ = std::fs::remove_file(&path);
        }
    }
    Ok(token)
}

/// Stores the hash of a new setup token, unless an account appeared.
fn new_token(store: &Store) -> Result<Option<String>, Error> {
    store.write(|tx| {
        if store::accounts::count(tx)? > 0 {
            return Ok::<_, Error>(None);
        }
        let token = secret::new_token();
        store::secrets::set_setup_token_hash(tx, &secret::token_hash(&token))?;
        Ok(Some(token))
    })
}

fn write_private(path: &Path, content: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path)?;
    f.write_all(content.as_bytes())?;
    f.write_all(b"\n")
}

/// Whether `token` is the current setup token.
pub fn token_valid(store: &Store, token: &str) -> Result<bool, Error> {
    let stored = store.read(|tx| Ok::<_, Error>(store::secrets::setup_token_hash(tx)?))?;
    Ok(stored.is_some_and(|h| {
        secret::constant_time_eq(h.as_bytes(), secret::token_hash(token).as_bytes())
    }))
}

pub struct FirstAccount {
    pub first_name: String,
    pub last_name: String,
    pub email: String,
}

/// Creates the first Kassen account (Portaladministration and
/// Sachbearbeitung for every Bereich), queues its set-password e-mail and
/// voids the token — all in one transaction.
#[allow(clippy::too_many_arguments)]
pub fn create_first_account(
    store: &Store,
    data_dir: &Path,
    mailer: &Mailer,
    links: &LinkSettings,
    token: &str,
    input: &FirstAccount,
    client: Option<String>,
    now: Timestamp,
) -> Result<Account, Error> {
    let mut check = Check::default();
    let (first_name, last_name, email) =
        check.person(&input.first_name, &input.last_name, &input.email);
    check.finish()?;

    let account = store.write(|tx| {
        let stored = store::secrets::setup_token_hash(tx)?;
        let valid = stored.is_some_and(|h| {
            secret::constant_time_eq(h.as_bytes(), secret::token_hash(token).as_bytes())
        });
        if !valid || store::accounts::count(tx)? > 0 {
            return Err(Error::NotFound);
        }
        let role = Role::Kassen {
            portal_admin: true,
            sachbearbeitung: Bereich::ALL.to_vec(),
        };
        store::secrets::clear_setup_token(tx)?;
        let actor = Actor {
            id: "Einrichtung".to_owned(),
            client,
        };
        let new = NewAccount {
            first_name,
            last_name,
            email,
            birth_date: None,
            role,
        };
        Ok(accounts::create(tx, mailer, links, new, &actor, now)?)
    })?;
    mailer.wake();
    let _ = std::fs::remove_file(data_dir.join(TOKEN_FILE));
    Ok(account)
}
