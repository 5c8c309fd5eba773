/*!
`login`: log in to a session and share the token with the AWS CLI and SDKs.
*/

use crate::app::context::Ctx;
use crate::app::profiles;
use crate::app::session::{self, Session, SessionFlags};
use crate::app::token::{self, LoginOptions, LoginPolicy};
use crate::cmd::args::{self, Global, Parser};
use crate::error::{Error, Result};
use crate::store::config::Config;
use crate::store::config_copy;
use crate::store::token_cache::Token;
use crate::util::log;

/// `login` help.
pub const USAGE: &str = "\
Usage: sso-config login [OPTIONS]

Logs in and writes the token to the AWS CLI v2 cache (~/.aws/sso/cache), where
the AWS CLI and the SDKs find it. A valid cached token is kept unless --force.

With --start-url URL [--sso-region R] for a session the config file does not have,
its [sso-session NAME] (start URL, region, scopes) is added to the config, so
later commands find it without the flags. NAME is --sso-session, else the start
URL's first host label. A session of that name with another start URL or region
is an error, and nothing is written. A session from AWS_DEFAULT_SSO_START_URL is
not written: the variable already names it every time.

With --all, logs in to every [sso-session] of the config that has no valid
token (one that can be refreshed without a prompt counts as valid), one after
another, one prompt each. A session that fails is reported and the others go
on; the exit code is then that of the first failure.

Options:
  --all                every [sso-session] of the config, one after another
  --force              log in even when a valid token is cached
  --device-code        use the device-code flow
  --pkce               use the authorization-code flow with PKCE
  --callback-port N    fixed loopback port for the PKCE redirect
  --no-browser         do not open a browser; print the URL and code

Session options: 'sso-config help session'.

Examples:
  sso-config login --start-url https://mycorp.awsapps.com/start --sso-region eu-west-1
  sso-config login --sso-session corp --device-code --no-browser
  sso-config login --profile prod.Admin --force
  sso-config login --all --device-code
";

/// `login` flags.
#[derive(Debug)]
pub struct Args {
    /// Flow options.
    pub login: LoginOptions,
    /// `--force`.
    pub force: bool,
    /// `--all`.
    pub all: bool,
}

/// Parses `login`'s flags; `None` when help was asked for.
pub fn parse(p: &mut Parser, global: &mut Global) -> Result<Option<Args>> {
    let mut login = LoginOptions::default();
    let (mut force, mut all) = (false, false);
    let take = |name: &str, p: &mut Parser| match name {
        "force" => {
            force = true;
            Ok(true)
        }
        "all" => {
            all = true;
            Ok(true)
        }
        _ => args::login_flag(name, p, &mut login),
    };
    let done = args::flags(p, global, take)?;
    Ok(done.then_some(Args { login, force, all }))
}

/// `login`: no prompt while a cached token is valid or refreshable, unless
/// `--force`.
pub fn run(ctx: &Ctx, sel: &SessionFlags, a: Args) -> Result<()> {
    if a.all {
        return run_all(ctx, sel, &a);
    }
    let cfg = Config::load(&ctx.paths.config)?;
    // What `sso-config > ~/.aws/config` restores if the shell empties the file.
    config_copy::remember(&ctx.paths, &cfg.path, &cfg.doc.to_text());
    let session = session::resolve_session(ctx, &cfg, sel)?;
    // The flags name a session for the config: checked before the login (a
    // conflicting one must not cost a login, nor get this token's file),
    // written after it succeeds.
    let add = sel.start_url.is_some() && !profiles::session_in_config(&cfg, &session)?;
    if add {
        profiles::check_session(&session)?;
    }
    let token = if a.force {
        token::login(ctx, &cfg, &session, &a.login)?
    } else {
        token::valid_token(ctx, &cfg, &session, LoginPolicy::Always, &a.login)?
    };
    logged_in(&session, &token);
    if add && profiles::add_session(&ctx.paths, &cfg.path, &session)? {
        log::note(format_args!(
            "added [sso-session {}] to {}",
            session.name,
            cfg.path.display()
        ));
    }
    Ok(())
}

/// `login --all`: each `[sso-session]` of the config in file order, logged in
/// unless it has a valid token; a failure is reported and the rest go on.
fn run_all(ctx: &Ctx, sel: &SessionFlags, a: &Args) -> Result<()> {
    if sel.start_url.is_some()
        || sel.sso_region.is_some()
        || sel.sso_session.is_some()
        || sel.profile.is_some()
    {
        return Err(Error::Usage(
            "login --all logs in to every [sso-session] of the config; \
             it takes no --sso-session, --start-url, --sso-region or --profile"
                .into(),
        ));
    }
    let cfg = Config::load(&ctx.paths.config)?;
    config_copy::remember(&ctx.paths, &cfg.path, &cfg.doc.to_text());
    let names = cfg.doc.sso_sessions();
    if names.is_empty() {
        return Err(Error::Config(format!(
            "{} has no [sso-session]; log in once with --start-url URL --sso-region REGION",
            cfg.path.display()
        )));
    }
    let mut first_failure = None;
    for name in names {
        let flags = SessionFlags {
            sso_session: Some(name.to_string()),
            ..SessionFlags::default()
        };
        let outcome = session::resolve_session(ctx, &cfg, &flags).and_then(|session| {
            let token = if a.force {
                token::login(ctx, &cfg, &session, &a.login)
            } else {
                token::valid_token(ctx, &cfg, &session, LoginPolicy::Always, &a.login)
            };
            token.map(|t| (session, t))
        });
        match outcome {
            Ok((session, t)) => logged_in(&session, &t),
            Err(e) => {
                log::warn(format_args!("session '{name}': {e}"));
                first_failure.get_or_insert(e.exit_code());
            }
        }
    }
    match first_failure {
        Some(code) => Err(Error::Exit(code)),
        None => Ok(()),
    }
}

/// The note that a session is logged in, and until when.
fn logged_in(session: &Session, token: &Token) {
    log::note(format_args!(
        "logged in to session '{}' ({}) until {}",
        session.name,
        session.start_url,
        token::expiry_text(token)
    ));
}
