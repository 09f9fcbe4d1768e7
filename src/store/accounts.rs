//! Accounts, their index by organisation and name, and the register of
//! issued Nutzerkennungen.

use std::ops::ControlFlow;

use redb::ReadableTable;

use super::tables::{ACCOUNT_KIND_ADMIN, ACCOUNT_KIND_KASSEN, ACCOUNT_KIND_USER};
use super::{Error, ReadAccess, WriteTx, codec, codes, counters, tables};
use crate::domain::account::{Account, Role, Status};
use crate::domain::ids::Nutzerkennung;
use crate::domain::org::{GroupMailbox, OrgId, Organisation, PortalFunction};

const TABLE: &str = "accounts";

/// The three kinds of accounts, as the index separates them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Kassen,
    Admin,
    User,
}

impl Kind {
    pub(super) fn code(self) -> u8 {
        match self {
            Kind::Kassen => ACCOUNT_KIND_KASSEN,
            Kind::Admin => ACCOUNT_KIND_ADMIN,
            Kind::User => ACCOUNT_KIND_USER,
        }
    }

    pub fn of(role: &Role) -> Kind {
        match role {
            Role::Kassen { .. } => Kind::Kassen,
            Role::OrgAdmin { .. } => Kind::Admin,
            Role::OrgUser { .. } => Kind::User,
        }
    }
}

/// One entry of the index: what the overviews show and filter on, without
/// decoding the account. Stored as (status code, mailbox set, function
/// set, end of the self-lock in seconds or 0), by the codes of
/// `store::codes`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Lower-case Name.
    pub last_name: String,
    /// Lower-case Vorname.
    pub first_name: String,
    pub id: String,
    pub status: Status,
    pub mailboxes: Vec<GroupMailbox>,
    pub functions: Vec<PortalFunction>,
    /// End of a self-lock (it may lie in the past).
    pub locked_until: Option<jiff::Timestamp>,
}

const SEP: char = '\u{1f}';

/// The index's sort key: Name, Vorname (both lower-case), Nutzerkennung.
pub fn sort_key(a: &Account) -> String {
    format!(
        "{}{SEP}{}{SEP}{}",
        a.last_name.to_lowercase(),
        a.first_name.to_lowercase(),
        a.id
    )
}

fn summary(a: &Account, org: Option<&Organisation>) -> (u8, u16, u8, i64) {
    let (mailboxes, functions) = match a.grants() {
        Some(g) => (
            codes::mailbox_set(&g.mailboxes),
            codes::function_set(&g.functions),
        ),
        None => (0, 0),
    };
    (
        a.status_in(org).code(),
        mailboxes,
        functions,
        a.locked_until.map(|t| t.as_second()).unwrap_or(0),
    )
}

fn entry(key: &str, value: (u8, u16, u8, i64)) -> Entry {
    let mut parts = key.splitn(3, SEP);
    let last_name = parts.next().unwrap_or("").to_owned();
    let first_name = parts.next().unwrap_or("").to_owned();
    let id = parts.next().unwrap_or("").to_owned();
    let (status, mailboxes, functions, locked) = value;
    Entry {
        last_name,
        first_name,
        id,
        status: Status::from_code(status).unwrap_or(Status::Angelegt),
        mailboxes: codes::mailboxes_of(mailboxes),
        functions: codes::functions_of(functions),
        locked_until: (locked != 0)
            .then(|| jiff::Timestamp::from_second(locked).ok())
            .flatten(),
    }
}

fn index_org(a: &Account) -> u64 {
    a.org().unwrap_or(0)
}

fn counter_kind(kind: Kind) -> String {
    format!("accounts.kind.{}", kind.code())
}

fn counter_org(org: u64, kind: Kind) -> String {
    format!("accounts.org.{org}.{}", kind.code())
}

pub fn get(tx: &impl ReadAccess, id: &Nutzerkennung) -> Result<Option<Account>, Error> {
    get_str(tx, id.as_str())
}

fn get_str(tx: &impl ReadAccess, id: &str) -> Result<Option<Account>, Error> {
    let table = tx.open(tables::ACCOUNTS)?;
    match table.get(id)? {
        Some(v) => Ok(Some(codec::decode(TABLE, v.value())?)),
        None => Ok(None),
    }
}

/// Stores an account and keeps its index entry and the counters in step.
pub fn put(tx: &WriteTx, account: &Account) -> Result<(), Error> {
    let old = get(tx, &account.id)?;
    if let Some(old) = &old {
        unindex(tx, old)?;
    }
    let bytes = codec::encode(TABLE, account)?;
    tx.open_table(tables::ACCOUNTS)?
        .insert(account.id.as_str(), bytes.as_slice())?;
    let kind = Kind::of(&account.role);
    let org = index_org(account);
    let organisation = match account.org() {
        Some(id) => super::orgs::get(tx, id)?,
        None => None,
    };
    tx.open_table(tables::ACCOUNTS_BY_ORG)?.insert(
        (org, kind.code(), sort_key(account).as_str()),
        summary(account, organisation.as_ref()),
    )?;
    counters::add(tx, &counter_kind(kind), 1)?;
    counters::add(tx, &counter_org(org, kind), 1)?;
    Ok(())
}

fn unindex(tx: &WriteTx, old: &Account) -> Result<(), Error> {
    let kind = Kind::of(&old.role);
    let org = index_org(old);
    tx.open_table(tables::ACCOUNTS_BY_ORG)?
        .remove((org, kind.code(), sort_key(old).as_str()))?;
    counters::add(tx, &counter_kind(kind), -1)?;
    counters::add(tx, &counter_org(org, kind), -1)?;
    Ok(())
}

/// Removes an account for good; its Nutzerkennung stays issued.
pub fn delete(tx: &WriteTx, id: &Nutzerkennung) -> Result<(), Error> {
    if let Some(old) = get(tx, id)? {
        unindex(tx, &old)?;
    }
    tx.open_table(tables::ACCOUNTS)?.remove(id.as_str())?;
    Ok(())
}

/// Issues a Nutzerkennung that was never issued before.
pub fn issue_id(tx: &WriteTx, role: &Role, now: jiff::Timestamp) -> Result<Nutzerkennung, Error> {
    let mut issued = tx.open_table(tables::ISSUED_IDS)?;
    let mut rng = rand::rng();
    loop {
        let candidate = Nutzerkennung::random(role.id_prefix(), &mut rng);
        if issued.get(candidate.as_str())?.is_none() {
            issued.insert(candidate.as_str(), now.as_second())?;
            return Ok(candidate);
        }
    }
}

/// Issues the given Nutzerkennung (the documented ids of the demo data set);
/// false when it was issued before.
pub fn issue_fixed(tx: &WriteTx, id: &Nutzerkennung, now: jiff::Timestamp) -> Result<bool, Error> {
    let mut issued = tx.open_table(tables::ISSUED_IDS)?;
    if issued.get(id.as_str())?.is_some() {
        return Ok(false);
    }
    issued.insert(id.as_str(), now.as_second())?;
    Ok(true)
}

pub fn is_issued(tx: &impl ReadAccess, id: &Nutzerkennung) -> Result<bool, Error> {
    Ok(tx.open(tables::ISSUED_IDS)?.get(id.as_str())?.is_some())
}

/// Where a scan of the index starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum From {
    /// At the first entry whose sort key starts with this (lower-case) Name
    /// prefix ("" = the first entry).
    NamePrefix(String),
    /// Right after the entry of this account (keyset paging forward).
    After(String),
}

/// Visits the index entries of one organisation's accounts of `kind` in
/// the overview's order (Name, Vorname), from `from` to the end of the
/// Name prefix (or of the organisation), until `visit` breaks. Kassen
/// accounts are organisation 0. Only index keys are read, no account.
pub fn scan(
    tx: &impl ReadAccess,
    org: u64,
    kind: Kind,
    prefix: &str,
    from: &From,
    mut visit: impl FnMut(Entry) -> ControlFlow<()>,
) -> Result<(), Error> {
    let table = tx.open(tables::ACCOUNTS_BY_ORG)?;
    let k = kind.code();
    let start = match from {
        From::NamePrefix(p) => p.clone(),
        From::After(key) => format!("{key}\u{0}"),
    };
    // Everything that starts with the prefix sorts before prefix + U+10FFFF.
    let end = format!("{prefix}\u{10FFFF}");
    for item in table.range((org, k, start.as_str())..(org, k, end.as_str()))? {
        let (key, value) = item?;
        let (_, _, sort) = key.value();
        if visit(entry(sort, value.value())).is_break() {
            break;
        }
    }
    Ok(())
}

/// Like [`scan`], backwards from the end (or from right before `before`).
pub fn scan_back(
    tx: &impl ReadAccess,
    org: u64,
    kind: Kind,
    prefix: &str,
    before: Option<&str>,
    mut visit: impl FnMut(Entry) -> ControlFlow<()>,
) -> Result<(), Error> {
    let table = tx.open(tables::ACCOUNTS_BY_ORG)?;
    let k = kind.code();
    let end = match before {
        Some(key) => key.to_owned(),
        None => format!("{prefix}\u{10FFFF}"),
    };
    for item in table.range((org, k, prefix)..(org, k, end.as_str()))?.rev() {
        let (key, value) = item?;
        let (_, _, sort) = key.value();
        if visit(entry(sort, value.value())).is_break() {
            break;
        }
    }
    Ok(())
}

/// The accounts of these index entries, in the same order.
pub fn load(tx: &impl ReadAccess, entries: &[Entry]) -> Result<Vec<Account>, Error> {
    let mut out = Vec::with_capacity(entries.len());
    for e in entries {
        if let Some(a) = get_str(tx, &e.id)? {
            out.push(a);
        }
    }
    Ok(out)
}

/// Every account of `kind` in organisation `org` (0 = Kassen), by Name.
/// Decodes them all: for the small groups (administrators, Kassen staff)
/// and for actions that must touch every account of an organisation.
pub fn all_of(tx: &impl ReadAccess, org: u64, kind: Kind) -> Result<Vec<Account>, Error> {
    let mut entries = Vec::new();
    scan(tx, org, kind, "", &From::NamePrefix(String::new()), |e| {
        entries.push(e);
        ControlFlow::Continue(())
    })?;
    load(tx, &entries)
}

/// The accounts (administrators and users) of one organisation.
pub fn of_org(tx: &impl ReadAccess, org: OrgId) -> Result<Vec<Account>, Error> {
    let mut out = all_of(tx, org, Kind::Admin)?;
    out.extend(all_of(tx, org, Kind::User)?);
    Ok(out)
}

/// Every administrator of every organisation, by organisation and Name.
/// Walks the organisations' administrator ranges (administrators are few).
pub fn all_admins(tx: &impl ReadAccess) -> Result<Vec<Account>, Error> {
    let orgs = tx.open(tables::ORGS)?;
    let mut out = Vec::new();
    for item in orgs.iter()? {
        let (org, _) = item?;
        out.extend(all_of(tx, org.value(), Kind::Admin)?);
    }
    Ok(out)
}

/// Number of accounts of `kind` (in all organisations).
pub fn count_kind(tx: &impl ReadAccess, kind: Kind) -> Result<u64, Error> {
    counters::get(tx, &counter_kind(kind))
}

/// Number of accounts of `kind` in organisation `org`.
pub fn count_in_org(tx: &impl ReadAccess, org: u64, kind: Kind) -> Result<u64, Error> {
    counters::get(tx, &counter_org(org, kind))
}

/// Number of accounts of every kind.
pub fn count(tx: &impl ReadAccess) -> Result<u64, Error> {
    let mut n = 0;
    for kind in [Kind::Kassen, Kind::Admin, Kind::User] {
        n += count_kind(tx, kind)?;
    }
    Ok(n)
}

/// Rewrites the index summaries of every account of `org` (its second
/// factor changed, and with it the accounts' status).
pub fn refresh_org_index(tx: &WriteTx, org: &Organisation) -> Result<(), Error> {
    for kind in [Kind::Admin, Kind::User] {
        for a in all_of(tx, org.id, kind)? {
            tx.open_table(tables::ACCOUNTS_BY_ORG)?.insert(
                (org.id, kind.code(), sort_key(&a).as_str()),
                summary(&a, Some(org)),
            )?;
        }
    }
    Ok(())
}

/// Every account, in Nutzerkennung order: a whole-table read for tools and
/// tests, never for a page.
pub fn all(tx: &impl ReadAccess) -> Result<Vec<Account>, Error> {
    let table = tx.open(tables::ACCOUNTS)?;
    let mut out = Vec::new();
    for entry in table.iter()? {
        let (_, v) = entry?;
        out.push(codec::decode(TABLE, v.value())?);
    }
    Ok(out)
}

/// Visits every account in Nutzerkennung order without collecting them,
/// for background jobs that look at each account once.
pub fn for_each(
    tx: &impl ReadAccess,
    mut visit: impl FnMut(Account) -> Result<(), Error>,
) -> Result<(), Error> {
    let table = tx.open(tables::ACCOUNTS)?;
    for entry in table.iter()? {
        let (_, v) = entry?;
        visit(codec::decode(TABLE, v.value())?)?;
    }
    Ok(())
}
