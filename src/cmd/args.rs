/*!
The flag groups several commands share, and the small parsing helpers every
command's parser uses: the global flags (accepted anywhere), session
selection, the login-flow flags and the role-selection flags.

A command's `parse` runs [`flags`] with its own `take` function; whatever it
does not take is offered to [`Global::accept`], and anything else is a usage
error. Parsing reads no environment, file or network.
*/

use std::ffi::OsString;
use std::path::PathBuf;

use crate::app::naming;
use crate::app::role::RoleFlags;
use crate::app::session::{self, SessionFlags};
use crate::app::token::{Flow, LoginOptions};
use crate::error::{Error, Result};

/// The command-line parser.
pub type Parser = lexopt::Parser;

/// `help session`.
pub const SESSION_HELP: &str = "\
Session selection (first match wins):
  --start-url URL [--sso-region R] [--sso-session NAME]
                               (no region: the portal URL, or where the
                               start URL redirects to, names it)
  --sso-session NAME           an [sso-session NAME] of the config file
  --profile P                  a profile's sso_session (or AWS_PROFILE)
  AWS_DEFAULT_SSO_START_URL [+ AWS_DEFAULT_SSO_REGION]
  the only [sso-session] in the config file
";

/// `help role`.
pub const ROLE_HELP: &str = "\
Role: --profile P (with sso_account_id and sso_role_name), or a session plus
      --account-id A --role-name R
  --region R             region for the consumers (default: the profile's)
  --expiry-window SECS   reuse cached credentials until this long before expiry (default 900)
  --login                allow an interactive login when no token is usable (else exit 3)
";

/// Flags every command takes, before or after the command word.
#[derive(Debug, Default)]
pub struct Global {
    /// `--debug`.
    pub debug: bool,
    /// `--no-browser`.
    pub no_browser: bool,
    /// Session selection.
    pub session: SessionFlags,
}

impl Global {
    /// Takes a global or session flag; `Ok(false)` when `name` is not one.
    pub fn accept(&mut self, name: &str, p: &mut Parser) -> Result<bool> {
        match name {
            "debug" => self.debug = true,
            "no-browser" => self.no_browser = true,
            "profile" => self.session.profile = Some(value(p)?),
            "sso-session" => self.session.sso_session = Some(value(p)?),
            "start-url" => self.session.start_url = Some(value(p)?),
            "sso-region" => self.session.sso_region = Some(value(p)?),
            _ => return Ok(false),
        }
        Ok(true)
    }
}

/// One command-line word, owned so that the parser can be borrowed again to
/// take the flag's value.
pub enum Tok {
    /// `-h` or `--help`.
    Help,
    /// `-V` or `--version`.
    Version,
    /// A long flag's name without dashes (a short one keeps its dash).
    Flag(String),
    /// A positional word.
    Value(OsString),
}

/// The next word, if any.
pub fn next(p: &mut Parser) -> Result<Option<Tok>> {
    use lexopt::Arg::{Long, Short, Value};
    Ok(p.next()?.map(|arg| match arg {
        Short('h') | Long("help") => Tok::Help,
        Short('V') | Long("version") => Tok::Version,
        Long(name) => Tok::Flag(name.to_string()),
        Short(c) => Tok::Flag(format!("-{c}")),
        Value(v) => Tok::Value(v),
    }))
}

/// The usage error for a word nobody takes.
pub fn unexpected(tok: Tok) -> Error {
    let msg = match tok {
        Tok::Flag(name) if name.starts_with('-') => format!("unknown flag {name}"),
        Tok::Flag(name) => format!("unknown flag --{name}"),
        Tok::Value(v) => format!("unexpected argument '{}'", v.to_string_lossy()),
        Tok::Help | Tok::Version => "unexpected flag".to_string(),
    };
    Error::Usage(format!("{msg}; run 'sso-config --help' for usage"))
}

/// A word as UTF-8.
pub fn string(v: OsString) -> Result<String> {
    v.into_string().map_err(|v| {
        Error::Usage(format!(
            "argument is not valid UTF-8: {}",
            v.to_string_lossy()
        ))
    })
}

/// The current flag's value.
pub fn value(p: &mut Parser) -> Result<String> {
    string(p.value()?)
}

/// Runs a command's flag loop: each flag goes to `take`, then to the global
/// flags; anything else is a usage error. `Ok(false)` means `-h` was given:
/// the caller answers with its help text.
pub fn flags(
    p: &mut Parser,
    global: &mut Global,
    mut take: impl FnMut(&str, &mut Parser) -> Result<bool>,
) -> Result<bool> {
    while let Some(tok) = next(p)? {
        match tok {
            Tok::Help => return Ok(false),
            Tok::Flag(name) => {
                if !take(&name, p)? && !global.accept(&name, p)? {
                    return Err(unexpected(Tok::Flag(name)));
                }
            }
            other => return Err(unexpected(other)),
        }
    }
    Ok(true)
}

/// An optional flag value: `--flag=VALUE`, or `--flag VALUE` when the next
/// word is not a flag (`--write [FILE]`, `--write-credentials [NAME]`).
pub fn optional_path(p: &mut Parser) -> Result<Option<PathBuf>> {
    if let Some(v) = p.optional_value() {
        return Ok(Some(PathBuf::from(v)));
    }
    let next = p
        .try_raw_args()
        .and_then(|mut raw| raw.next_if(|a| !a.to_string_lossy().starts_with('-')));
    Ok(next.map(PathBuf::from))
}

/// A `KEY=VALUE` flag value.
pub fn kv(arg: &str, flag: &str) -> Result<(String, String)> {
    naming::parse_kv(arg, flag).map_err(|e| Error::Usage(e.to_string()))
}

/// Takes a login-flow flag.
pub fn login_flag(name: &str, p: &mut Parser, l: &mut LoginOptions) -> Result<bool> {
    match name {
        "device-code" => l.flow = Flow::DeviceCode,
        "pkce" => l.flow = Flow::Pkce,
        "callback-port" => {
            let v = value(p)?;
            let port = v.parse::<u16>().map_err(|_| {
                Error::Usage(format!("--callback-port: '{v}' is not a port number"))
            })?;
            l.callback_port = Some(port);
        }
        _ => return Ok(false),
    }
    Ok(true)
}

/// Takes a role-selection flag (or a login-flow flag).
pub fn role_flag(name: &str, p: &mut Parser, r: &mut RoleFlags) -> Result<bool> {
    match name {
        "account-id" => r.account_id = Some(value(p)?),
        "role-name" => r.role_name = Some(value(p)?),
        "region" => {
            let region = value(p)?;
            session::check_region("--region", &region)?;
            r.region = Some(region);
        }
        "login" => r.login = true,
        "expiry-window" => {
            let v = value(p)?;
            let secs = v.parse::<i64>().ok().filter(|s| *s >= 0).ok_or_else(|| {
                Error::Usage(format!("--expiry-window: '{v}' is not a number of seconds"))
            })?;
            r.expiry_window = Some(secs);
        }
        _ => return login_flag(name, p, &mut r.login_options),
    }
    Ok(true)
}

/// A command whose only flags are the role selection.
pub fn role_flags(p: &mut Parser, global: &mut Global) -> Result<Option<RoleFlags>> {
    let mut role = RoleFlags::default();
    let done = flags(p, global, |n, p| role_flag(n, p, &mut role))?;
    Ok(done.then_some(role))
}
