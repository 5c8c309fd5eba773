/*!
Every account the user can access, with its roles: ListAccounts pages stream
into the worker pool, which lists each account's roles while later pages are
still arriving. The HTTP client's governor decides how many requests are in
flight; accounts the caller does not want cost no ListAccountRoles call.

This is also where the service's answers are checked, once for every command
that lists (generate, roles): an account or role that does not have AWS's own
form (a 12-digit id, an IAM role name, no control characters) is left out with
one warning naming it, and the command goes on with the rest.

A complete listing (no account left out by the caller's filter) is kept in the
listing cache (`store::listing_cache`); `roles`, completion and the picker
answer from it while it is younger than an hour ([`recent_accounts_and_roles`]).
A cached listing is checked like an answer, and any entry that fails makes the
whole file a miss: it is fetched again rather than half used.
*/

use std::collections::HashMap;
use std::time::Duration;

use std::sync::atomic::{AtomicUsize, Ordering};

use crate::app::context::Ctx;
use crate::app::session::Session;
use crate::app::token::{self, LoginOptions, LoginPolicy};
use crate::aws::endpoint::Service;
use crate::error::Result;
use crate::ini::Section;
use crate::portal::{self, AccountInfo, Portal};
use crate::store::config::{self, Config};
use crate::store::listing_cache::{self, Listing};
use crate::store::token_cache::normalize_start_url;
use crate::util::{clock, log, pool, text};

/// One account with its roles.
#[derive(Debug, Clone)]
pub struct AccountRoles {
    /// The account.
    pub account: AccountInfo,
    /// Role names as the portal returned them.
    pub roles: Vec<String>,
}

/// Every account `want` keeps, with its roles, in ListAccounts order, fetched
/// from the service; logs in (with `login`) when no token is usable and stdin
/// and stderr are terminals. `progress(done, listed)` is called after each
/// account. When `want` kept every account, the listing cache is refreshed.
pub fn accounts_and_roles(
    ctx: &Ctx,
    cfg: &Config,
    session: &Session,
    login: &LoginOptions,
    want: &(dyn Fn(&AccountInfo) -> bool + Sync),
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<Vec<AccountRoles>> {
    let token = token::valid_token(ctx, cfg, session, LoginPolicy::OnTerminal, login)?;
    let ep = session.endpoint(Service::Portal, &ctx.env)?;
    let portal = Portal::new(&ctx.http, &ep.base, &token.access_token);
    let listed = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let unwanted = AtomicUsize::new(0);
    let produce = |emit: &mut dyn FnMut(AccountInfo) -> bool| {
        portal.each_account(|account| {
            listed.fetch_add(1, Ordering::Relaxed);
            if !want(&account) {
                unwanted.fetch_add(1, Ordering::Relaxed);
            } else if usable(&account) {
                return emit(account);
            }
            done.fetch_add(1, Ordering::Relaxed);
            true
        })
    };
    let work = |account: AccountInfo| {
        let mut roles = portal.list_account_roles(&account.account_id)?;
        roles.retain(|role| match portal::role_name_problem(role) {
            None => true,
            Some(why) => {
                log::warn(format_args!(
                    "left out role {} of account {} ({}): {why}",
                    text::shown(role),
                    account.account_id,
                    text::shown(&account.account_name)
                ));
                false
            }
        });
        let n = done.fetch_add(1, Ordering::Relaxed) + 1;
        progress(n, listed.load(Ordering::Relaxed));
        Ok(AccountRoles { account, roles })
    };
    let listing = pool::stream(ctx.http.max_in_flight(), produce, work)
        .map_err(|e| token::portal_rejected(e, session))?;
    if unwanted.load(Ordering::Relaxed) == 0 {
        remember(ctx, session, &listing);
    }
    Ok(listing)
}

/// Like [`accounts_and_roles`], but answered from the listing cache while it
/// is younger than an hour, unless `refresh`.
pub fn recent_accounts_and_roles(
    ctx: &Ctx,
    cfg: &Config,
    session: &Session,
    login: &LoginOptions,
    want: &(dyn Fn(&AccountInfo) -> bool + Sync),
    refresh: bool,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<Vec<AccountRoles>> {
    if !refresh
        && let Some((mut listing, age)) = cached(ctx, session)
        && age < listing_cache::FRESH_FOR
    {
        listing.retain(|ar| want(&ar.account));
        return Ok(listing);
    }
    accounts_and_roles(ctx, cfg, session, login, want, progress)
}

/// The session's cached listing and its age, when there is one and every
/// entry has AWS's form.
pub fn cached(ctx: &Ctx, session: &Session) -> Option<(Vec<AccountRoles>, Duration)> {
    let path = cache_path(ctx, session);
    let (listing, age) = listing_cache::load(&path, &session.start_url)?;
    let mut out = Vec::with_capacity(listing.accounts.len());
    for a in listing.accounts {
        let account = AccountInfo {
            account_id: a.account_id,
            account_name: a.account_name,
            email_address: a.email_address,
        };
        let bad_role = a
            .roles
            .iter()
            .any(|r| portal::role_name_problem(r).is_some());
        if account.problem().is_some() || bad_role {
            log::debug(format_args!(
                "ignoring the listing cache {}: an entry is not in AWS's form",
                path.display()
            ));
            return None;
        }
        out.push(AccountRoles {
            account,
            roles: a.roles,
        });
    }
    Some((out, age))
}

/// The listing-cache file of `session`.
pub fn cache_path(ctx: &Ctx, session: &Session) -> std::path::PathBuf {
    listing_cache::path(
        &ctx.paths,
        &session.name,
        &session.start_url,
        session.legacy,
    )
}

/// Forgets the cached listing of `session`, or of every session (`logout`).
pub fn forget(ctx: &Ctx, session: Option<&Session>) -> Result<()> {
    match session {
        Some(s) => listing_cache::remove(&cache_path(ctx, s)).map(drop),
        None => listing_cache::remove_all(&ctx.paths),
    }
}

/// Keeps a complete listing in the cache. A cache that cannot be written
/// costs only speed later, so that is a warning, not a failure.
fn remember(ctx: &Ctx, session: &Session, listing: &[AccountRoles]) {
    let file = Listing {
        start_url: session.start_url.clone(),
        fetched_at: clock::format(clock::now()),
        accounts: listing
            .iter()
            .map(|ar| listing_cache::Account {
                account_id: ar.account.account_id.clone(),
                account_name: ar.account.account_name.clone(),
                email_address: ar.account.email_address.clone(),
                roles: ar.roles.clone(),
            })
            .collect(),
    };
    if let Err(e) = listing_cache::store(&cache_path(ctx, session), &file) {
        log::warn(format_args!("could not keep the account listing: {e}"));
    }
}

/// Whether an account of the listing can be used; warns once when not. Its
/// id and name are shown escaped: they are what failed the check.
fn usable(account: &AccountInfo) -> bool {
    let Some(why) = account.problem() else {
        return true;
    };
    log::warn(format_args!(
        "left out account {} ({}): {why}",
        text::shown(&account.account_id),
        text::shown(&account.account_name)
    ));
    false
}

/// The profile of the config file that names each account × role of
/// `session` (keyed by account id and role name): one in the session's
/// generated block when there is one, else the first in file order. A
/// profile belongs to the session when its `sso_session` section, or its own
/// legacy `sso_start_url`, has the session's start URL.
pub fn role_profiles(cfg: &Config, session: &Session) -> HashMap<(String, String), String> {
    let (begin, end) = config::block_markers(&session.name);
    let block = cfg.doc.block_range(&begin, &end).ok().flatten();
    let url = normalize_start_url(&session.start_url);
    fn start_url_of<'a>(cfg: &'a Config, s: &'a Section) -> Option<&'a str> {
        match s.own("sso_session") {
            Some(name) => cfg.doc.sso_session(name)?.own("sso_start_url"),
            None => s.own("sso_start_url"),
        }
    }
    let mut out: HashMap<(String, String), (bool, String)> = HashMap::new();
    for s in cfg.doc.sections() {
        let (Some(name), Some(account), Some(role)) = (
            s.kind.profile_name(),
            s.own("sso_account_id"),
            s.own("sso_role_name"),
        ) else {
            continue;
        };
        if start_url_of(cfg, s).map(normalize_start_url) != Some(url) {
            continue;
        }
        let generated = block.as_ref().is_some_and(|r| r.contains(&s.span.start));
        let slot = out.entry((account.to_string(), role.to_string()));
        let entry = slot.or_insert_with(|| (generated, name.to_string()));
        if generated && !entry.0 {
            *entry = (true, name.to_string());
        }
    }
    out.into_iter().map(|(k, (_, name))| (k, name)).collect()
}
