/*!
Every account the user can access, with its roles: ListAccounts pages stream
into the worker pool, which lists each account's roles while later pages are
still arriving. The HTTP client's governor decides how many requests are in
flight; accounts the caller does not want cost no ListAccountRoles call.

This is also where the service's answers are checked, once for every command
that lists (generate, roles): an account or role that does not have AWS's own
form (a 12-digit id, an IAM role name, no control characters) is left out with
one warning naming it, and the command goes on with the rest.
*/

use std::sync::atomic::{AtomicUsize, Ordering};

use crate::app::context::Ctx;
use crate::app::session::Session;
use crate::app::token::{self, LoginOptions, LoginPolicy};
use crate::aws::endpoint::Service;
use crate::error::Result;
use crate::portal::{self, AccountInfo, Portal};
use crate::store::config::Config;
use crate::util::{log, pool, text};

/// One account with its roles.
#[derive(Debug, Clone)]
pub struct AccountRoles {
    /// The account.
    pub account: AccountInfo,
    /// Role names as the portal returned them.
    pub roles: Vec<String>,
}

/// Every account `want` keeps, with its roles, in ListAccounts order; logs in
/// (with `login`) when no token is usable and stdin and stderr are terminals.
/// `progress(done, listed)` is called after each account.
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
    let produce = |emit: &mut dyn FnMut(AccountInfo) -> bool| {
        portal.each_account(|account| {
            listed.fetch_add(1, Ordering::Relaxed);
            if want(&account) && usable(&account) {
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
    pool::stream(ctx.http.max_in_flight(), produce, work)
        .map_err(|e| token::portal_rejected(e, session))
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
