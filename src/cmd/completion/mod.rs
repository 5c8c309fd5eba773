/*!
`completion`: shell completion scripts for bash, zsh and fish, generated from
the help texts (see `help`): every command and alias, each command's own
flags (with their descriptions in zsh and fish), the values of flags whose
help lists them (`--format table|json|csv`, `--style …`), subcommands
(`admin lookup user`), and files for `--write`. Profile, session and region
names are asked from the binary at each TAB through the hidden
`sso-config __complete profiles|sessions|regions`, so they are never stale.

The three scripts read the words before the cursor the same way the parser
does: global and session flags may come before the command word, any other
flag there starts the bare `generate`, a flag's value is skipped (an
optional one, `--write [FILE]`, only when it does not start with `-`), and
`exec`'s COMMAND and what follows are completed as that command.

Account ids (`--account-id`) and role names (`--role-name`) come from the
session's listing cache (`app::listing`) through `sso-config __complete
accounts|roles [SESSION FLAGS]`, the scripts passing on the session flags
already on the line. A listing older than an hour is fetched again when a
token is at hand; a TAB never logs in or asks anything (`__complete` runs as
with `--no-input`), and if the fetch fails the older listing still completes.
*/

mod bash;
mod fish;
mod model;
mod zsh;

use crate::app::context::Ctx;
use crate::app::listing;
use crate::app::session::{self, SessionFlags};
use crate::app::token::LoginOptions;
use crate::aws::endpoint;
use crate::cmd::args::{self, Global, Parser};
use crate::cmd::help::CommandDoc;
use crate::cmd::output;
use crate::error::{Error, Result};
use crate::portal::AccountInfo;
use crate::store::config::Config;
use crate::store::listing_cache;
use model::Model;

/// `completion` help.
pub const USAGE: &str = "\
Usage: sso-config completion bash|zsh|fish

Prints a completion script for the shell. It completes the commands, their
flags, the values of --format, --style and --region, and profile and session
names (read from the config file at each TAB). 'make install' installs all
three; by hand:
  bash: sso-config completion bash > ~/.local/share/bash-completion/completions/sso-config
  zsh:  sso-config completion zsh > ~/.zfunc/_sso-config
        (with fpath=(~/.zfunc $fpath) before compinit in ~/.zshrc)
  fish: sso-config completion fish > ~/.config/fish/completions/sso-config.fish

Examples:
  source <(sso-config completion bash)
  sso-config completion zsh > \"${fpath[1]}/_sso-config\"
";

/// What to print.
#[derive(Debug)]
pub enum Args {
    /// `completion SHELL`: the script.
    Script(String),
    /// Hidden `__complete profiles|sessions|regions|accounts|roles`: names,
    /// one per line.
    Names(String),
}

/// Parses the one argument of `completion` (`hidden` false) or `__complete`
/// (which also takes the session flags of the line being completed); `None`
/// for `--help`.
pub fn parse(p: &mut Parser, hidden: bool, global: &mut Global) -> Result<Option<Args>> {
    let arg = match args::next(p)? {
        Some(args::Tok::Help) => return Ok(None),
        Some(args::Tok::Value(v)) => args::string(v)?,
        Some(other) => return Err(args::unexpected(other)),
        None if hidden => return Err(Error::Usage("__complete needs a list name".into())),
        None => {
            return Err(Error::Usage(
                "completion needs a shell: bash, zsh or fish".into(),
            ));
        }
    };
    loop {
        match args::next(p)? {
            Some(args::Tok::Help) => return Ok(None),
            Some(args::Tok::Flag(name)) if hidden && global.accept(&name, p)? => {}
            Some(extra) => return Err(args::unexpected(extra)),
            None => break,
        }
    }
    Ok(Some(if hidden {
        Args::Names(arg)
    } else {
        Args::Script(arg)
    }))
}

/// Prints the script or the names; `commands` are all of them (`cmd::COMMANDS`).
pub fn run(ctx: &Ctx, sel: &SessionFlags, a: Args, commands: &[CommandDoc]) -> Result<()> {
    let text = match a {
        Args::Script(shell) => script(&shell, commands)?,
        Args::Names(what) if what == "regions" => lines(regions()),
        Args::Names(what) if what == "accounts" || what == "roles" => {
            listed(ctx, sel, what == "roles")?
        }
        Args::Names(what) => names(&Config::load(&ctx.paths.config)?, &what)?,
    };
    output::write_stdout(text.as_bytes())
}

/// Account ids (or role names) of the session `sel` names, from its listing.
fn listed(ctx: &Ctx, sel: &SessionFlags, roles: bool) -> Result<String> {
    let cfg = Config::load(&ctx.paths.config)?;
    let session = session::resolve_session(ctx, &cfg, sel)?;
    let listing = match listing::cached(ctx, &session) {
        Some((l, age)) if age < listing_cache::FRESH_FOR => l,
        stale => {
            let all = |_: &AccountInfo| true;
            let login = LoginOptions::default();
            let fetched =
                listing::accounts_and_roles(ctx, &cfg, &session, &login, &all, &|_, _| {});
            match (fetched, stale) {
                (Ok(l), _) => l,
                (Err(_), Some((l, _))) => l,
                (Err(e), None) => return Err(e),
            }
        }
    };
    let mut names: Vec<&str> = if roles {
        listing
            .iter()
            .flat_map(|ar| ar.roles.iter().map(String::as_str))
            .collect()
    } else {
        listing
            .iter()
            .map(|ar| ar.account.account_id.as_str())
            .collect()
    };
    names.sort_unstable();
    names.dedup();
    Ok(lines(names))
}

/// The script for `shell`.
fn script(shell: &str, commands: &[CommandDoc]) -> Result<String> {
    let model = Model::new(commands);
    match shell {
        "bash" => Ok(bash::script(&model)),
        "zsh" => Ok(zsh::script(&model)),
        "fish" => Ok(fish::script(&model)),
        other => Err(Error::Usage(format!(
            "completion: '{other}' is not one of bash, zsh, fish"
        ))),
    }
}

/// Names for the hidden `__complete`, one per line.
fn names(cfg: &Config, what: &str) -> Result<String> {
    let mut names: Vec<&str> = match what {
        "profiles" => cfg.doc.profile_names(),
        "sessions" => cfg.doc.sso_sessions(),
        other => return Err(Error::Usage(format!("__complete: unknown list '{other}'"))),
    };
    names.sort_unstable();
    names.dedup();
    Ok(lines(names))
}

fn lines<'a>(words: impl IntoIterator<Item = &'a str>) -> String {
    words.into_iter().map(|w| format!("{w}\n")).collect()
}

/// The regions `--region` and `--sso-region` complete to.
fn regions() -> Vec<&'static str> {
    let mut all: Vec<&str> = endpoint::known_regions().collect();
    all.sort_unstable();
    all
}
