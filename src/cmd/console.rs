/*!
`console`: open (or print) a federated sign-in URL for the AWS console as a
role.
*/

use crate::app::console;
use crate::app::context::Ctx;
use crate::app::role::{self, RoleFlags};
use crate::app::session::SessionFlags;
use crate::app::token::LoginPolicy;
use crate::cmd::args::{self, Global, Parser};
use crate::cmd::{output, picker};
use crate::error::{Error, Result};
use crate::util::log;

/// `console` help.
pub const USAGE: &str = "\
Usage: sso-config console [ROLE OPTIONS] [OPTIONS]

Opens the AWS console as the role (federated sign-in).

Options:
  --destination PATH   a console path such as /ec2/home opens in the role's region
                       (region=R is added unless the path has one); a full https://
                       URL is used as given
  --duration SECS      length of the console session, 900 to 43200 seconds
  --print              print the sign-in URL instead of opening a browser

Role options: 'sso-config help role'.

Examples:
  sso-config console --profile prod.Admin
  sso-config console --profile prod.Admin --destination /cloudwatch/home --print
";

/// `console` flags.
#[derive(Debug)]
pub struct Args {
    /// Role selection.
    pub role: RoleFlags,
    /// `--destination URL-or-path`.
    pub destination: Option<String>,
    /// `--print`.
    pub print: bool,
    /// `--duration SECONDS`.
    pub duration: Option<u32>,
}

/// Parses `console`'s flags; `None` when help was asked for.
pub fn parse(p: &mut Parser, global: &mut Global) -> Result<Option<Args>> {
    let mut role = RoleFlags::default();
    let (mut destination, mut print, mut duration) = (None, false, None);
    let take = |name: &str, p: &mut Parser| {
        match name {
            "destination" => destination = Some(args::value(p)?),
            "print" => print = true,
            "duration" => {
                let v = args::value(p)?;
                let secs = v
                    .parse::<u32>()
                    .ok()
                    .filter(|s| (900..=43200).contains(s))
                    .ok_or_else(|| {
                        Error::Usage(format!(
                            "--duration: '{v}' is not between 900 and 43200 seconds"
                        ))
                    })?;
                duration = Some(secs);
            }
            _ => return args::role_flag(name, p, &mut role),
        }
        Ok(true)
    };
    let done = args::flags(p, global, take)?;
    Ok(done.then_some(Args {
        role,
        destination,
        print,
        duration,
    }))
}

/// `console`: print or open the federated sign-in URL.
pub fn run(ctx: &Ctx, sel: &SessionFlags, mut a: Args) -> Result<()> {
    let mut sel = sel.clone();
    picker::fill(ctx, &mut sel, &mut a.role)?;
    let (target, creds) =
        role::target_and_credentials(ctx, &sel, &a.role, LoginPolicy::OnTerminal)?;
    let url = console::signin_url(ctx, &target, &creds, a.destination.as_deref(), a.duration)?;
    if a.print || ctx.no_browser {
        return output::write_stdout(format!("{url}\n").as_bytes());
    }
    webbrowser::open(&url)
        .map_err(|e| Error::Program(format!("could not open a browser ({e}); use --print")))?;
    log::note(format_args!(
        "opened the console as {} in account {}",
        target.role_name, target.account_id
    ));
    Ok(())
}
