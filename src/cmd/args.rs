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

/// `help session`: the session options, which every command takes.
pub const SESSION_HELP: &str = "\
Session options (any command): which Identity Center instance to use.
  --sso-session NAME   an [sso-session NAME] of the config file
  --profile P          the session of profile P: its sso_session, or its legacy
                       sso_start_url and sso_region (default: AWS_PROFILE)
  --start-url URL      an Identity Center start URL, no config needed (with
                       --sso-session NAME, the session gets that name)
  --sso-region R       the region of the --start-url's Identity Center (may be
                       left out: the portal URL, or where the start URL
                       redirects to, names it)

The first of these that names a session is used:
  1. --start-url URL [--sso-region R]
  2. --sso-session NAME
  3. --profile P, or AWS_PROFILE
  4. AWS_DEFAULT_SSO_START_URL [with AWS_DEFAULT_SSO_REGION]
  5. the only [sso-session] in the config file
Names of profiles and sessions are completed by the shell completion
('sso-config help completion').

Examples:
  sso-config roles --sso-session corp
  sso-config login --start-url https://d-1234567890.awsapps.com/start --sso-region us-east-1
  AWS_PROFILE=prod.Admin sso-config check
";

/// `help role`: the role options of `credential-process`, `export`, `exec`,
/// `console` and `check` (their usage says `[ROLE OPTIONS]`).
pub const ROLE_HELP: &str = "\
Role options (credential-process, export, exec, console, check): which account
and role, by a profile or by a session and ids. On a terminal, with none of
them (and no AWS_PROFILE), export, exec, console and credential-process --login
show the session's accounts and roles to pick from (type to filter, arrows,
Enter; Esc cancels with exit 130); --no-input turns that off.
  --profile P            a profile with sso_account_id and sso_role_name
                         (default: AWS_PROFILE)
  --account-id ID        the account, with a session ('sso-config help session')
  --role-name NAME       the role, with --account-id
  --region R             region for the consumers (default: the profile's)
  --expiry-window SECS   reuse cached credentials until this long before expiry
                         (default 900)
  --login                log in when no token is usable, even without a
                         terminal (credential-process logs in only with it)
  --device-code          log in with the device-code flow
  --pkce                 log in with the authorization-code flow and PKCE
  --callback-port N      fixed loopback port for the PKCE redirect

Examples:
  sso-config export --profile prod.Admin
  sso-config credential-process --sso-session corp --account-id 111122223333 --role-name ReadOnly
";

/// Flags every command takes, before or after the command word.
#[derive(Debug, Default)]
pub struct Global {
    /// `--debug`.
    pub debug: bool,
    /// `--no-browser`.
    pub no_browser: bool,
    /// `--no-input`: never prompt (no picker, no login prompt).
    pub no_input: bool,
    /// Session selection.
    pub session: SessionFlags,
}

impl Global {
    /// Takes a global or session flag; `Ok(false)` when `name` is not one.
    pub fn accept(&mut self, name: &str, p: &mut Parser) -> Result<bool> {
        match name {
            "debug" => self.debug = true,
            "no-browser" => self.no_browser = true,
            "no-input" => self.no_input = true,
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

/// The usage error for a word nobody takes. An unknown flag is
/// [`Error::UnknownFlag`]: `cmd::parse`, which knows the command, adds the
/// closest flag of that command.
pub fn unexpected(tok: Tok) -> Error {
    let msg = match tok {
        Tok::Flag(name) if name.starts_with('-') => return Error::UnknownFlag(name),
        Tok::Flag(name) => return Error::UnknownFlag(format!("--{name}")),
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
