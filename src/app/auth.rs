//! Login in two steps, sessions, TANs and the authenticator set-up.

use jiff::{SignedDuration, Timestamp};
use rand::Rng;

use super::Error;
use super::passwords::PasswordHasher;
use crate::config::SecurityConfig;
use crate::domain::account::{Account, SecondFactor};
use crate::domain::audit::AuditEntry;
use crate::domain::ids::Nutzerkennung;
use crate::domain::secret;
use crate::domain::session::{EmailTan, Session, Stage};
use crate::domain::totp;
use crate::mail::{Mailer, templates};
use crate::store::{self, Store, WriteTx};

/// Why a login step did not succeed. The texts never reveal whether a
/// Nutzerkennung exists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Wrong Nutzerkennung or password (or an account not yet activated).
    Credentials,
    /// Self-locked after too many failures, until this instant.
    SelfLocked(Timestamp),
    /// Locked by an administrator.
    AdminLocked,
    /// Wrong or expired TAN; the session goes on.
    Tan,
}

/// What comes after a successful password check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Next {
    Tan { by_email: bool },
    TotpSetup,
}

pub struct LoginStarted {
    /// The new session's cookie value.
    pub token: String,
    pub next: Next,
}

fn span(d: std::time::Duration) -> SignedDuration {
    SignedDuration::try_from(d).unwrap_or(SignedDuration::MAX)
}

fn audit(tx: &WriteTx, entry: AuditEntry) -> Result<(), store::Error> {
    store::audit::append(tx, &entry).map(|_| ())
}

/// Counts a failed login (password or TAN, or the old password in
/// "Passwort ändern") and audits it; returns whether this failure
/// self-locked the account.
pub(crate) fn record_failure(
    tx: &WriteTx,
    account: &mut Account,
    detail: &str,
    sec: &SecurityConfig,
    client: &Option<String>,
    now: Timestamp,
) -> Result<bool, store::Error> {
    let locked = account.register_failure(now, sec.lockout_threshold, sec.lockout_duration);
    store::accounts::put(tx, account)?;
    let entry = |actor: &str, action: &str, detail: &str| {
        AuditEntry::new(now, actor, action, detail)
            .target(&account.id)
            .org(account.org())
            .client(client.clone())
    };
    audit(tx, entry(account.id.as_str(), "login.failed", detail))?;
    if locked {
        audit(
            tx,
            entry(
                "System",
                "account.self_locked",
                "Nutzerkonto nach zu vielen Fehlversuchen vorübergehend gesperrt",
            ),
        )?;
    }
    Ok(locked)
}

/// Creates a session for `account` and stores it under a fresh token.
fn new_session(
    tx: &WriteTx,
    account: &Account,
    stage: Stage,
    now: Timestamp,
) -> Result<(String, Session), store::Error> {
    let token = secret::new_token();
    let session = Session {
        account: account.id.clone(),
        stage,
        created_at: now,
        last_seen: now,
        email_tan: None,
    };
    store::sessions::put(tx, &secret::token_hash(&token), &session)?;
    Ok((token, session))
}

/// Removes the account's sessions that have not completed the login.
fn drop_pending_sessions(tx: &WriteTx, account: &Nutzerkennung) -> Result<(), store::Error> {
    store::sessions::delete_for_account_where(tx, account, |s| s.stage != Stage::Full).map(|_| ())
}

/// Step 1: Nutzerkennung and password. `old_session` is the hash of the
/// cookie the browser brought, ended in any case.
#[allow(clippy::too_many_arguments)]
pub fn login_password(
    store: &Store,
    passwords: &PasswordHasher,
    mailer: &Mailer,
    sec: &SecurityConfig,
    id_input: &str,
    password: &str,
    old_session: Option<String>,
    client: Option<String>,
    now: Timestamp,
) -> Result<Result<LoginStarted, Refusal>, Error> {
    let id = Nutzerkennung::parse(id_input);
    let account = match &id {
        Some(id) => store.read(|tx| store::accounts::get(tx, id))?,
        None => None,
    };
    let password_ok = passwords.verify_or_dummy(
        password,
        account.as_ref().and_then(|a| a.password_hash.as_deref()),
    );

    let result = store.write(|tx| {
        if let Some(old) = &old_session {
            store::sessions::delete(tx, old)?;
        }
        // An unknown Nutzerkennung is audited too: the answer then costs the
        // same durable write as a counted failure of a known one, so the
        // time to answer does not tell whether an account exists. The
        // input itself is not stored (it may be a mistyped password).
        let unknown = |tx: &WriteTx| {
            audit(
                tx,
                AuditEntry::new(
                    now,
                    "Unbekannt",
                    "login.unknown",
                    "Anmeldung mit unbekannter Nutzerkennung fehlgeschlagen",
                )
                .client(client.clone()),
            )
        };
        let Some(id) = &id else {
            unknown(tx)?;
            return Ok::<_, Error>(Err(Refusal::Credentials));
        };
        // Re-read inside the transaction: another login may have counted a failure.
        let Some(mut account) = store::accounts::get(tx, id)? else {
            unknown(tx)?;
            return Ok(Err(Refusal::Credentials));
        };
        if account.self_locked_until(now).is_some() || account.admin_locked {
            audit_locked_attempt(tx, &account, &client, now)?;
            return Ok(Err(Refusal::Credentials));
        }
        if !password_ok {
            record_failure(
                tx,
                &mut account,
                "Anmeldung fehlgeschlagen: falsches Passwort",
                sec,
                &client,
                now,
            )?;
            return Ok(Err(Refusal::Credentials));
        }
        let started = start_second_factor(tx, mailer, sec, &account, now)?;
        // A correct password ends a run of failures only with the second factor.
        Ok(Ok(started))
    })?;
    if matches!(
        result,
        Ok(LoginStarted {
            next: Next::Tan { by_email: true },
            ..
        })
    ) {
        mailer.wake();
    }
    Ok(result)
}

/// A password attempt on a locked account. While an account is locked,
/// every password gets the generic answer after the same argon2 work, so
/// the lock cannot be used to test passwords. Attempts are audited, but
/// neither counted nor do they extend the Sperrfrist (SPEC §13).
fn audit_locked_attempt(
    tx: &WriteTx,
    account: &Account,
    client: &Option<String>,
    now: Timestamp,
) -> Result<(), store::Error> {
    let detail = if account.admin_locked {
        "Anmeldeversuch während einer Sperre durch die Administration"
    } else {
        "Anmeldeversuch während der Sperrfrist"
    };
    audit(
        tx,
        AuditEntry::new(now, account.id.as_str(), "login.refused_locked", detail)
            .target(&account.id)
            .org(account.org())
            .client(client.clone()),
    )
}

/// After a correct password: a new session waiting for the second factor
/// (setting up the authenticator, or a TAN; an e-mail TAN is queued here).
fn start_second_factor(
    tx: &WriteTx,
    mailer: &Mailer,
    sec: &SecurityConfig,
    account: &Account,
    now: Timestamp,
) -> Result<LoginStarted, Error> {
    drop_pending_sessions(tx, &account.id)?;
    let factor = super::accounts::second_factor_of(tx, account)?;
    let (stage, next) = if account.needs_totp_setup(factor) {
        (
            Stage::TotpSetup {
                secret: totp::new_secret(),
            },
            Next::TotpSetup,
        )
    } else {
        (
            Stage::AwaitingTan,
            Next::Tan {
                by_email: factor == SecondFactor::EmailTan,
            },
        )
    };
    let (token, mut session) = new_session(tx, account, stage, now)?;
    if next == (Next::Tan { by_email: true }) {
        let tan = format!("{:06}", rand::rng().random_range(0..1_000_000u32));
        session.email_tan = Some(EmailTan {
            hash: mailer.tan_mac(&secret::token_hash(&token), &tan),
            expires_at: now
                .checked_add(span(sec.email_tan_validity))
                .unwrap_or(Timestamp::MAX),
        });
        store::sessions::put(tx, &secret::token_hash(&token), &session)?;
        let minutes = sec.email_tan_validity.as_secs().div_ceil(60);
        mailer.enqueue(
            tx,
            &account.email,
            templates::email_tan(&account.full_name(), &tan, minutes),
            now,
        )?;
    }
    Ok(LoginStarted { token, next })
}

/// The outcome of step 2.
pub enum TanOutcome {
    /// Fully signed in; the session got a new token.
    SignedIn { token: String },
    /// Wrong TAN, try again.
    Retry,
    /// A TOTP code already used; not counted, wait for the next one.
    Reused,
    /// The account is (now) locked; the session was ended.
    Locked(Refusal),
}

/// Step 2: the TAN (from the app, or from the e-mail), or the first code
/// while setting up the authenticator.
pub fn confirm_tan(
    store: &Store,
    mailer: &Mailer,
    sec: &SecurityConfig,
    session_hash: &str,
    code: &str,
    client: Option<String>,
    now: Timestamp,
) -> Result<TanOutcome, Error> {
    store.write(|tx| {
        let Some(session) = store::sessions::get(tx, session_hash)? else {
            return Ok(TanOutcome::Locked(Refusal::Credentials));
        };
        let Some(mut account) = store::accounts::get(tx, &session.account)? else {
            store::sessions::delete(tx, session_hash)?;
            return Ok(TanOutcome::Locked(Refusal::Credentials));
        };
        let attempt = Attempt {
            session_hash,
            client: &client,
            now,
        };
        if let Some(refusal) = refuse_if_locked(tx, &account, &attempt)? {
            return Ok(TanOutcome::Locked(refusal));
        }
        match check_code(tx, mailer, &session, &mut account, code, &attempt)? {
            Code::Accepted => {}
            Code::Reused => return Ok(TanOutcome::Reused),
            Code::AlreadySignedIn => return Ok(TanOutcome::Retry),
            Code::Wrong => {
                let locked = record_failure(
                    tx,
                    &mut account,
                    "Anmeldung fehlgeschlagen: falsche TAN",
                    sec,
                    &client,
                    now,
                )?;
                if locked {
                    store::sessions::delete(tx, session_hash)?;
                    return Ok(TanOutcome::Locked(Refusal::SelfLocked(
                        account.locked_until.unwrap_or(now),
                    )));
                }
                return Ok(TanOutcome::Retry);
            }
        }
        let token = sign_in(tx, &mut account, &session, &attempt)?;
        Ok(TanOutcome::SignedIn { token })
    })
}

/// One TAN attempt: the session it is made in, the client and the time.
struct Attempt<'a> {
    session_hash: &'a str,
    client: &'a Option<String>,
    now: Timestamp,
}

/// What the code of a TAN attempt is.
enum Code {
    Accepted,
    Wrong,
    /// A TOTP code already used (audited, not counted as a failure).
    Reused,
    /// The session has already completed the login.
    AlreadySignedIn,
}

/// Locked meanwhile (by a parallel attempt or the administration): the
/// session ends and the attempt is audited, not counted. Whoever got here
/// passed the password, so the lock may be named.
fn refuse_if_locked(
    tx: &WriteTx,
    account: &Account,
    attempt: &Attempt,
) -> Result<Option<Refusal>, Error> {
    let now = attempt.now;
    let refusal = match account.self_locked_until(now) {
        Some(until) => Some(Refusal::SelfLocked(until)),
        None => account.admin_locked.then_some(Refusal::AdminLocked),
    };
    if refusal.is_some() {
        store::sessions::delete(tx, attempt.session_hash)?;
        audit(
            tx,
            AuditEntry::new(
                now,
                account.id.as_str(),
                "login.refused_locked",
                "TAN-Eingabe während einer Sperre",
            )
            .target(&account.id)
            .org(account.org())
            .client(attempt.client.clone()),
        )?;
    }
    Ok(refusal)
}

/// Checks the code against the session's stage: the first code of a new
/// authenticator, the e-mail TAN or the authenticator's code. An accepted
/// code is recorded on `account` (not yet stored).
fn check_code(
    tx: &WriteTx,
    mailer: &Mailer,
    session: &Session,
    account: &mut Account,
    code: &str,
    attempt: &Attempt,
) -> Result<Code, Error> {
    let now = attempt.now;
    let unix = u64::try_from(now.as_second()).unwrap_or(0);
    let accepted = match &session.stage {
        Stage::Full => return Ok(Code::AlreadySignedIn),
        Stage::TotpSetup { secret } => totp::verify(secret, code, unix, None).map(|step| {
            account.totp_secret = Some(secret.clone());
            account.totp_last_step = Some(step);
        }),
        Stage::AwaitingTan => match (
            super::accounts::second_factor_of(tx, account)?,
            &session.email_tan,
        ) {
            (SecondFactor::EmailTan, Some(tan)) => {
                let code = code.trim();
                (tan.expires_at > now && mailer.tan_matches(attempt.session_hash, &tan.hash, code))
                    .then_some(())
            }
            (SecondFactor::EmailTan, None) => None,
            (SecondFactor::Totp, _) => {
                let verdict = account
                    .totp_secret
                    .as_deref()
                    .map_or(totp::Verdict::Wrong, |s| {
                        totp::check(s, code, unix, account.totp_last_step)
                    });
                match verdict {
                    totp::Verdict::Accepted(step) => {
                        account.totp_last_step = Some(step);
                        Some(())
                    }
                    // A code already used is refused without counting
                    // as a failure (a second login within 30 s is no attack).
                    totp::Verdict::Reused => {
                        audit(
                            tx,
                            AuditEntry::new(
                                now,
                                account.id.as_str(),
                                "login.code_reused",
                                "Anmeldung mit einem bereits verwendeten Code abgelehnt",
                            )
                            .target(&account.id)
                            .org(account.org())
                            .client(attempt.client.clone()),
                        )?;
                        return Ok(Code::Reused);
                    }
                    totp::Verdict::Wrong => None,
                }
            }
        },
    };
    Ok(if accepted.is_some() {
        Code::Accepted
    } else {
        Code::Wrong
    })
}

/// The second factor was right: the account records the login, the
/// waiting session is replaced by a full one (new token), and the login is
/// audited. Returns the new session's token.
fn sign_in(
    tx: &WriteTx,
    account: &mut Account,
    session: &Session,
    attempt: &Attempt,
) -> Result<String, Error> {
    let now = attempt.now;
    let first_setup = matches!(session.stage, Stage::TotpSetup { .. });
    account.register_success();
    if account.activated_at.is_none() {
        account.activated_at = Some(now);
    }
    account.last_login_at = Some(now);
    account.dormancy.warned_at = None;
    store::accounts::put(tx, account)?;
    store::sessions::delete(tx, attempt.session_hash)?;
    let (token, _) = new_session(tx, account, Stage::Full, now)?;
    if first_setup {
        audit(
            tx,
            AuditEntry::new(
                now,
                account.id.as_str(),
                "totp.setup",
                "Authenticator-App eingerichtet",
            )
            .target(&account.id)
            .org(account.org())
            .client(attempt.client.clone()),
        )?;
    }
    audit(
        tx,
        AuditEntry::new(
            now,
            account.id.as_str(),
            "login.ok",
            "Anmeldung erfolgreich",
        )
        .target(&account.id)
        .org(account.org())
        .client(attempt.client.clone()),
    )?;
    Ok(token)
}

/// Ends a session (Abmelden, Abbrechen).
pub fn logout(
    store: &Store,
    session_hash: &str,
    client: Option<String>,
    now: Timestamp,
) -> Result<(), Error> {
    store.write(|tx| {
        if let Some(session) = store::sessions::get(tx, session_hash)? {
            store::sessions::delete(tx, session_hash)?;
            if session.stage == Stage::Full {
                audit(
                    tx,
                    AuditEntry::new(now, session.account.as_str(), "logout", "Abgemeldet")
                        .target(&session.account)
                        .client(client),
                )?;
            }
        }
        Ok(())
    })
}

/// The QR code and secret shown while the authenticator is set up.
pub fn totp_setup_material(account: &Account, secret: &str) -> (String, String) {
    let url = totp::url(secret, account.id.as_str()).unwrap_or_default();
    let svg = totp::qr_svg(&url).unwrap_or_default();
    (svg, secret.to_owned())
}
