/*!
`exec` (alias `run-as`): run a command with a role's credentials in its
environment.
*/

use std::ffi::OsString;

use crate::app::context::Ctx;
use crate::app::role::{self, RoleFlags};
use crate::app::session::SessionFlags;
use crate::app::token::LoginPolicy;
use crate::cmd::args::{self, Global, Parser, Tok};
use crate::cmd::{export, picker};
use crate::error::{Error, Result};

/// `exec` help.
pub const USAGE: &str = "\
Usage: sso-config exec [ROLE OPTIONS] [--] COMMAND [ARGS...]

Runs COMMAND with the role's credentials in its environment (AWS_ACCESS_KEY_ID,
AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, and AWS_REGION when known; AWS_PROFILE
removed); its exit status is ours. The alias 'sso-config run-as' is the same
command.

Role options: 'sso-config help role'.

Examples:
  sso-config exec --profile prod.Admin -- aws s3 ls
  sso-config exec --sso-session corp --account-id 111122223333 --role-name ReadOnly -- terraform plan
";

/// `exec` flags and the command to run.
#[derive(Debug)]
pub struct Args {
    /// Role selection.
    pub role: RoleFlags,
    /// The program to run.
    pub program: OsString,
    /// Its arguments, as given.
    pub args: Vec<OsString>,
}

/// Flags until the first positional word (or after `--`), which is the
/// program; everything after it is passed on untouched. `None` when help was
/// asked for.
pub fn parse(p: &mut Parser, global: &mut Global) -> Result<Option<Args>> {
    let mut role = RoleFlags::default();
    let program = loop {
        match args::next(p)? {
            None => {
                return Err(Error::Usage(
                    "exec needs a command to run: sso-config exec --profile P -- CMD".into(),
                ));
            }
            Some(Tok::Help) => return Ok(None),
            Some(Tok::Value(v)) => break v,
            Some(Tok::Flag(name)) => {
                if !args::role_flag(&name, p, &mut role)? && !global.accept(&name, p)? {
                    return Err(args::unexpected(Tok::Flag(name)));
                }
            }
            Some(other) => return Err(args::unexpected(other)),
        }
    };
    let args: Vec<OsString> = p.raw_args()?.collect();
    Ok(Some(Args {
        role,
        program,
        args,
    }))
}

/// `exec`: the child gets the credentials through its environment only (never
/// its arguments); on Unix this process becomes the child, so its exit status
/// and signals are the child's own.
pub fn run(ctx: &Ctx, sel: &SessionFlags, mut a: Args) -> Result<()> {
    let mut sel = sel.clone();
    picker::fill(ctx, &mut sel, &mut a.role)?;
    let (target, creds) =
        role::target_and_credentials(ctx, &sel, &a.role, LoginPolicy::OnTerminal)?;
    let mut cmd = std::process::Command::new(&a.program);
    cmd.args(&a.args)
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_DEFAULT_PROFILE");
    for (k, v) in export::variables(&creds, target.region.as_deref()) {
        cmd.env(k, v);
    }
    let name = a.program.to_string_lossy().into_owned();
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        let e = cmd.exec();
        Err(Error::Program(format!("cannot run '{name}': {e}")))
    }
    #[cfg(not(unix))]
    {
        let status = cmd
            .status()
            .map_err(|e| Error::Program(format!("cannot run '{name}': {e}")))?;
        match status.code() {
            Some(0) => Ok(()),
            Some(code) => Err(Error::Exit(u8::try_from(code).unwrap_or(1))),
            None => Err(Error::Exit(1)),
        }
    }
}
