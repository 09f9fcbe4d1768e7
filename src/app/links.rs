//! Issuing the single-use e-mail links (set password, retrieve Nutzerkennung).

use std::time::Duration;

use jiff::{SignedDuration, Timestamp};

use crate::domain::account::Account;
use crate::domain::link::{Link, LinkKind, RETRIEVE_ID_TRIES};
use crate::domain::secret;
use crate::mail::{Mailer, templates};
use crate::paths;
use crate::store::{self, WriteTx};

/// Where links point to and how long they live.
#[derive(Clone)]
pub struct LinkSettings {
    pub public_url: String,
    pub validity: Duration,
}

impl LinkSettings {
    fn expiry(&self, now: Timestamp) -> Timestamp {
        now.checked_add(
            SignedDuration::try_from(self.validity).unwrap_or(SignedDuration::from_hours(1)),
        )
        .unwrap_or(Timestamp::MAX)
    }

    fn minutes(&self) -> u64 {
        self.validity.as_secs().div_ceil(60)
    }
}

fn issue(
    tx: &WriteTx,
    account: &Account,
    kind: LinkKind,
    settings: &LinkSettings,
    now: Timestamp,
    void_older: bool,
) -> Result<String, store::Error> {
    if void_older {
        store::links::delete_for(tx, &account.id, Some(kind))?;
    }
    let token = secret::new_token();
    let link = Link {
        kind,
        account: account.id.clone(),
        expires_at: settings.expiry(now),
        tries_left: RETRIEVE_ID_TRIES,
    };
    store::links::put(tx, &secret::token_hash(&token), &link)?;
    let path = match kind {
        LinkKind::SetPassword => paths::SET_PASSWORD,
        LinkKind::RetrieveId => paths::RETRIEVE_ID,
    };
    Ok(format!("{}{path}?token={token}", settings.public_url))
}

/// Queues the "Passwort festlegen" e-mail with a fresh link; older links of
/// the same kind stop working.
pub fn send_set_password(
    tx: &WriteTx,
    mailer: &Mailer,
    account: &Account,
    settings: &LinkSettings,
    now: Timestamp,
    reset: bool,
) -> Result<(), store::Error> {
    let url = issue(tx, account, LinkKind::SetPassword, settings, now, true)?;
    let mail = set_password_mail(tx, account, &url, settings, now, reset)?;
    mailer.enqueue(tx, &account.email, mail, now)?;
    Ok(())
}

/// "Passwort vergessen": queues a "Passwort festlegen" e-mail with a fresh
/// link. For an activated account it replaces older reset links; for an
/// account whose activation is pending, the activation link stays valid,
/// so an anonymous request cannot void it (the number of requests is
/// limited by the caller).
pub fn send_reset(
    tx: &WriteTx,
    mailer: &Mailer,
    account: &Account,
    settings: &LinkSettings,
    now: Timestamp,
) -> Result<(), store::Error> {
    let reset = !account.is_activation_pending();
    let url = issue(tx, account, LinkKind::SetPassword, settings, now, reset)?;
    let mail = set_password_mail(tx, account, &url, settings, now, reset)?;
    mailer.enqueue(tx, &account.email, mail, now)?;
    Ok(())
}

/// The "Passwort festlegen" mail for `url`; remembers until when a pending
/// account can still be activated (for "Aktivierungslink abgelaufen").
fn set_password_mail(
    tx: &WriteTx,
    account: &Account,
    url: &str,
    settings: &LinkSettings,
    now: Timestamp,
    reset: bool,
) -> Result<templates::Template, store::Error> {
    if account.is_activation_pending()
        && let Some(mut stored) = store::accounts::get(tx, &account.id)?
    {
        stored.activation_expires_at = Some(settings.expiry(now));
        store::accounts::put(tx, &stored)?;
    }
    // Nutzer:innen were registered by their organisation's administrators,
    // everyone else by the Kassen.
    let contact = match account.role {
        crate::domain::account::Role::OrgUser { .. } => templates::Contact::Organisation,
        _ => templates::Contact::Kassen,
    };
    Ok(templates::set_password(
        &account.full_name(),
        url,
        settings.minutes(),
        reset,
        contact,
    ))
}

/// Queues the "Nutzerkennung abrufen" e-mail.
pub fn send_retrieve_id(
    tx: &WriteTx,
    mailer: &Mailer,
    account: &Account,
    settings: &LinkSettings,
    now: Timestamp,
) -> Result<(), store::Error> {
    let url = issue(tx, account, LinkKind::RetrieveId, settings, now, true)?;
    let mail = templates::retrieve_id(&account.full_name(), &url, settings.minutes());
    mailer.enqueue(tx, &account.email, mail, now)?;
    Ok(())
}
