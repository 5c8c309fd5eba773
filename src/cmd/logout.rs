/*!
`logout`: end a session (or every cached one) and remove the cached tokens and
SSO role credentials.
*/

use crate::app::context::Ctx;
use crate::app::session::{self, SessionFlags};
use crate::app::{listing, token};
use crate::cmd::args::{self, Global, Parser};
use crate::error::Result;
use crate::store::config::Config;
use crate::util::log;

/// `logout` help.
pub const USAGE: &str = "\
Usage: sso-config logout [OPTIONS]

Ends the session, removes its cached token, its kept account listing and the
cached SSO role credentials. Not being logged in is not an error.

Options:
  --all    every session with a cached token

Session options: 'sso-config help session'.

Examples:
  sso-config logout
  sso-config logout --sso-session corp
  sso-config logout --all
";

/// `logout` flags.
#[derive(Debug)]
pub struct Args {
    /// `--all`.
    pub all: bool,
}

/// Parses `logout`'s flags; `None` when help was asked for.
pub fn parse(p: &mut Parser, global: &mut Global) -> Result<Option<Args>> {
    let mut all = false;
    let take = |name: &str, _: &mut Parser| {
        all |= name == "all";
        Ok(name == "all")
    };
    let done = args::flags(p, global, take)?;
    Ok(done.then_some(Args { all }))
}

/// `logout`: one session, or every cached token with `--all`; then the cached
/// SSO role credentials. Not being logged in is not an error, and with `--all`
/// neither is a config that names no session.
pub fn run(ctx: &Ctx, sel: &SessionFlags, a: Args) -> Result<()> {
    let cfg = Config::load(&ctx.paths.config)?;
    let session = match session::resolve_session(ctx, &cfg, sel) {
        Ok(s) => Some(s),
        Err(_) if a.all => None,
        Err(e) => return Err(e),
    };
    let found = match (a.all, &session) {
        (true, _) => token::logout_all(ctx)?,
        (false, Some(s)) => usize::from(token::logout_session(ctx, s)?),
        (false, None) => 0,
    };
    let creds = token::remove_role_credentials(ctx)?;
    listing::forget(ctx, session.as_ref().filter(|_| !a.all))?;
    if found == 0 {
        log::note(format_args!("not logged in; nothing to log out"));
        return Ok(());
    }
    let what = match &session {
        Some(s) if !a.all => format!("session '{}'", s.name),
        _ => format!("{found} session(s)"),
    };
    log::note(format_args!(
        "logged out of {what}; removed {creds} cached role credential(s)"
    ));
    Ok(())
}
