/*!
`check`: diagnose the session, its token and, for a profile or an account and
role, that access; as text or JSON, with the verdict as exit code (0 all well,
3 login needed, 1 otherwise).

With `--json`, stdout is one JSON object whatever happens, so a script can
always parse it: the report, or, when the check cannot be made (config error,
unknown profile, network), `{"ok": false, "status": …, "error": …}`. Stderr
and the exit code are what they are without `--json`: a failure is still the
one error line there.
*/

use crate::app::check::{self, Failure, Report};
use crate::app::context::Ctx;
use crate::app::role::{self, RoleFlags};
use crate::app::session::{self, SessionFlags};
use crate::cmd::args::{self, Global, Parser};
use crate::cmd::output;
use crate::error::{Error, Result};
use crate::store::config::Config;

/// `check` help.
pub const USAGE: &str = "\
Usage: sso-config check [ROLE OPTIONS] [--json]

Shows the resolved session and where it came from, the token's state, and whether
the named access (--profile, or --account-id and --role-name) exists. Exit 0 all
well, 3 login needed, 1 otherwise.

Options:
  --json    print the report as JSON

Role options: 'sso-config help role'.

Examples:
  sso-config check
  sso-config check --profile prod.Admin --json
";

/// `check` flags.
#[derive(Debug)]
pub struct Args {
    /// The role to check, if any.
    pub role: RoleFlags,
    /// `--json`.
    pub json: bool,
}

/// Parses `check`'s flags; `None` when help was asked for.
pub fn parse(p: &mut Parser, global: &mut Global) -> Result<Option<Args>> {
    let mut role = RoleFlags::default();
    let mut json = false;
    let take = |name: &str, p: &mut Parser| {
        if name == "json" {
            json = true;
            return Ok(true);
        }
        args::role_flag(name, p, &mut role)
    };
    let done = args::flags(p, global, take)?;
    Ok(done.then_some(Args { role, json }))
}

/// `check`: the report (or the failure) on stdout, the verdict as exit code.
pub fn run(ctx: &Ctx, sel: &SessionFlags, a: Args) -> Result<()> {
    let outcome = report(ctx, sel, &a.role);
    let text = match (&outcome, a.json) {
        (Ok(r), false) => render(r),
        (Ok(r), true) => json(r),
        (Err(e), true) => json(&Failure::new(e)),
        (Err(_), false) => String::new(),
    };
    output::write_stdout(text.as_bytes())?;
    match outcome?.exit_code() {
        0 => Ok(()),
        code => Err(Error::Exit(code)),
    }
}

/// A role is checked when one is named: `--account-id`/`--role-name`, or
/// `--profile` (whose session is then the one checked); else only the
/// session and its token.
fn report(ctx: &Ctx, sel: &SessionFlags, flags: &RoleFlags) -> Result<Report> {
    let cfg = Config::load(&ctx.paths.config)?;
    let named = flags.account_id.is_some() || flags.role_name.is_some() || sel.profile.is_some();
    let target = if named {
        Some(role::resolve(ctx, &cfg, sel, flags)?)
    } else {
        None
    };
    let session = match &target {
        Some(t) => t.session.clone(),
        None => session::resolve_session(ctx, &cfg, sel)?,
    };
    check::check(ctx, &cfg, &session, target.as_ref())
}

fn json(value: &impl serde::Serialize) -> String {
    serde_json::to_string_pretty(value).unwrap_or_default() + "\n"
}

fn render(r: &Report) -> String {
    let mut out = format!(
        "session:  {} ({})\nportal:   {} in {}\n",
        r.session, r.source, r.start_url, r.region
    );
    let t = &r.token;
    let refresh = if t.refreshable {
        "refreshable"
    } else {
        "not refreshable"
    };
    match t.status {
        "missing" => out.push_str("token:    none cached\n"),
        status => out.push_str(&format!(
            "token:    {status}, expires {}, {refresh}\n",
            t.expires_at.as_deref().unwrap_or("?")
        )),
    }
    if let Some(cmd) = &t.login_command {
        out.push_str(&format!("login:    run: {cmd}\n"));
    }
    if let Some(a) = &r.access {
        let verdict = if a.ok {
            "ok".to_string()
        } else {
            a.error.clone().unwrap_or_default()
        };
        out.push_str(&format!(
            "access:   {} in {}: {verdict}\n",
            a.role_name, a.account_id
        ));
    }
    out.push_str(if r.ok {
        "status:   ok\n"
    } else {
        "status:   problem\n"
    });
    out
}
