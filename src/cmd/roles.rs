/*!
`roles`: every account × role the user can access, as a table, JSON or CSV.
*/

use crate::app::context::Ctx;
use crate::app::listing;
use crate::app::session::{self, SessionFlags};
use crate::app::token::LoginOptions;
use crate::cmd::args::{self, Global, Parser};
use crate::cmd::output::{self, Format};
use crate::error::Result;
use crate::portal::AccountInfo;
use crate::store::config::Config;

/// `roles` help.
pub const USAGE: &str = "\
Usage: sso-config roles [OPTIONS]

Lists the accounts and roles you can access (logs in if needed), with the
profile of the config file that names each, if one does. The listing is kept
for an hour (in ~/.aws/sso-config/listings, also read by completion and the
role picker); 'generate' always fetches it anew.

Options:
  --format table|json|csv   output format (default table)
  --account-id ID           only this account (repeatable)
  --refresh                 fetch the listing even when the kept one is recent
  --device-code             log in with the device-code flow (when a login is needed)
  --pkce                    log in with the authorization-code flow and PKCE
  --callback-port N         fixed loopback port for the PKCE redirect

Session options: 'sso-config help session'.

Examples:
  sso-config roles
  sso-config roles --sso-session corp --format csv
  sso-config roles --account-id 111122223333 --format json
  sso-config roles --refresh
";

/// `roles` flags.
#[derive(Debug)]
pub struct Args {
    /// Output format.
    pub format: Format,
    /// `--account-id` filters.
    pub account_ids: Vec<String>,
    /// `--refresh`: fetch even when the listing cache is recent.
    pub refresh: bool,
    /// Flow options for a login if needed.
    pub login: LoginOptions,
}

/// Parses `roles`'s flags; `None` when help was asked for.
pub fn parse(p: &mut Parser, global: &mut Global) -> Result<Option<Args>> {
    let mut format = Format::Table;
    let mut account_ids = Vec::new();
    let mut refresh = false;
    let mut login = LoginOptions::default();
    let take = |name: &str, p: &mut Parser| {
        match name {
            "format" => format = Format::parse(&args::value(p)?)?,
            "account-id" => account_ids.push(args::value(p)?),
            "refresh" => refresh = true,
            _ => return args::login_flag(name, p, &mut login),
        }
        Ok(true)
    };
    let done = args::flags(p, global, take)?;
    Ok(done.then_some(Args {
        format,
        account_ids,
        refresh,
        login,
    }))
}

/// `roles`: every account × role, sorted like `generate`.
pub fn run(ctx: &Ctx, sel: &SessionFlags, a: Args) -> Result<()> {
    let cfg = Config::load(&ctx.paths.config)?;
    let session = session::resolve_session(ctx, &cfg, sel)?;
    let want =
        |acct: &AccountInfo| a.account_ids.is_empty() || a.account_ids.contains(&acct.account_id);
    let listing = output::with_progress("roles", |progress| {
        listing::recent_accounts_and_roles(
            ctx, &cfg, &session, &a.login, &want, a.refresh, progress,
        )
    })?;
    let named = listing::role_profiles(&cfg, &session);
    let mut rows: Vec<Vec<String>> = Vec::new();
    for ar in listing {
        let acct = &ar.account;
        for role in &ar.roles {
            let key = (acct.account_id.clone(), role.clone());
            rows.push(vec![
                acct.account_id.clone(),
                acct.account_name.clone(),
                acct.email_address.clone(),
                role.clone(),
                named.get(&key).cloned().unwrap_or_default(),
            ]);
        }
    }
    rows.sort_by(|x, y| {
        (x[1].to_lowercase(), &x[0], &x[3]).cmp(&(y[1].to_lowercase(), &y[0], &y[3]))
    });
    let text = output::render(
        a.format,
        &[
            "account_id",
            "account_name",
            "email",
            "role_name",
            "profile",
        ],
        &[
            "accountId",
            "accountName",
            "emailAddress",
            "roleName",
            "profile",
        ],
        &rows,
    );
    output::write_stdout(text.as_bytes())
}
