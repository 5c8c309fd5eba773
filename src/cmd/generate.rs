/*!
`generate` (the bare command): print an AWS config fragment with a profile for
every account and role, or merge it into the config file (`--write`), showing
the change first with `--dry-run`.
*/

use std::path::PathBuf;

use crate::app::context::Ctx;
use crate::app::listing;
use crate::app::naming::{self, RegionRule};
use crate::app::profiles::{self, ProfileOptions, Style};
use crate::app::session::{self, SessionFlags};
use crate::app::token::LoginOptions;
use crate::cmd::args::{self, Global, Parser};
use crate::cmd::output;
use crate::error::{Error, Result};
use crate::portal::AccountInfo;
use crate::store::config::Config;
use crate::util::{diff, log};

/// `generate` help.
pub const USAGE: &str = "\
Usage: sso-config [generate] [OPTIONS]

Prints an AWS config fragment with a profile for every account and role (logs in
if needed; prompts go to stderr, so 'sso-config > file' works).

Options:
  --region R               region of the profiles (repeatable: one profile per region)
  --name TEMPLATE          profile name; {account_name} {account_id} {role_name} {region} {session}
                           (default {account_name}.{role_name})
  --lower                  lower-case names
  --strip-prefix STR       remove a prefix from account names (repeatable)
  --role-alias ROLE=ALIAS  use ALIAS for ROLE in names; empty ALIAS drops the role part
  --include-account GLOB   only these accounts (name or id; repeatable)
  --exclude-account GLOB   not these accounts (repeatable)
  --exclude-role GLOB      not these roles (repeatable)
  --region-rule GLOB=R     region R for accounts whose name or id matches GLOB
  --set KEY=VALUE          extra key in every profile (repeatable)
  --style sso|legacy|credential-process
  --write [FILE]           merge into the config file (managed block) instead of printing
  --dry-run                with --write: print the diff, change nothing
  --device-code, --pkce, --callback-port N   login flow if a login is needed
";

/// `generate` flags.
#[derive(Debug, Default)]
pub struct Args {
    /// What the profiles look like.
    pub profiles: ProfileOptions,
    /// `--write [FILE]`: `Some(None)` means the config file.
    pub write: Option<Option<PathBuf>>,
    /// `--dry-run`.
    pub dry_run: bool,
    /// Flow options for a login if needed.
    pub login: LoginOptions,
}

/// Parses `generate`'s flags; `first` is a flag already read by the top-level
/// parser (the bare command starts with it). `None` when help was asked for.
pub fn parse(p: &mut Parser, global: &mut Global, first: Option<&str>) -> Result<Option<Args>> {
    let mut a = Args::default();
    if let Some(name) = first
        && !flag(name, p, &mut a)?
    {
        return Err(args::unexpected(args::Tok::Flag(name.to_string())));
    }
    if !args::flags(p, global, |n, p| flag(n, p, &mut a))? {
        return Ok(None);
    }
    if a.dry_run && a.write.is_none() {
        return Err(Error::Usage(
            "--dry-run only makes sense with --write".into(),
        ));
    }
    Ok(Some(a))
}

/// Takes one `generate` flag.
fn flag(name: &str, p: &mut Parser, a: &mut Args) -> Result<bool> {
    let o = &mut a.profiles;
    match name {
        "region" => {
            let region = args::value(p)?;
            session::check_region("--region", &region)?;
            o.regions.push(region);
        }
        "name" => o.template = Some(args::value(p)?),
        "lower" => o.lower = true,
        "strip-prefix" => o.strip_prefixes.push(args::value(p)?),
        "role-alias" => o
            .role_aliases
            .push(args::kv(&args::value(p)?, "--role-alias")?),
        "include-account" => o.filters.include_accounts.push(args::value(p)?),
        "exclude-account" => o.filters.exclude_accounts.push(args::value(p)?),
        "exclude-role" => o.filters.exclude_roles.push(args::value(p)?),
        "region-rule" => {
            let (glob, region) = args::kv(&args::value(p)?, "--region-rule")?;
            session::check_region("--region-rule", &region)?;
            o.region_rules.push(RegionRule { glob, region });
        }
        "set" => {
            let (key, value) = args::kv(&args::value(p)?, "--set")?;
            o.set.push((profiles::check_set(&key, &value)?, value));
        }
        "style" => {
            o.style = match args::value(p)?.as_str() {
                "sso" => Style::Sso,
                "legacy" => Style::Legacy,
                "credential-process" => Style::CredentialProcess,
                other => {
                    return Err(Error::Usage(format!(
                        "--style: '{other}' is not one of sso, legacy, credential-process"
                    )));
                }
            }
        }
        "write" => a.write = Some(args::optional_path(p)?),
        "dry-run" => a.dry_run = true,
        _ => return args::login_flag(name, p, &mut a.login),
    }
    Ok(true)
}

/// `generate`.
pub fn run(ctx: &Ctx, sel: &SessionFlags, a: Args) -> Result<()> {
    let cfg = Config::load(&ctx.paths.config)?;
    let session = session::resolve_session(&cfg, sel, &ctx.env)?;
    // What is copied from the session into the output is checked before any network call.
    let opts = &a.profiles;
    profiles::check_inputs(&ctx.env, &session, opts.style)?;
    if let Some(t) = &opts.template {
        naming::validate_template(t).map_err(|e| Error::Usage(format!("--name: {e}")))?;
    }
    // Check the target file before any network work: a bad file must not cost a login.
    let target = match &a.write {
        Some(file) => Some(profiles::load_target(
            &cfg,
            file.as_deref(),
            &session,
            opts.style,
        )?),
        None => None,
    };
    let login = LoginOptions {
        start_url_key: opts.style == Style::Legacy,
        ..a.login.clone()
    };
    let want = |acct: &AccountInfo| {
        opts.filters
            .keep_account(&acct.account_id, &acct.account_name)
    };
    let listing = output::with_progress(|progress| {
        listing::accounts_and_roles(ctx, &cfg, &session, &login, &want, progress)
    })?;
    let built = profiles::build(&ctx.env, &session, opts, &listing)?;
    let Some(target) = target else {
        let text = profiles::render(&session, opts.style, true, &built)?;
        return output::write_stdout(text.as_str().as_bytes());
    };
    let merged = profiles::merge(&session, opts.style, target, built)?;
    if a.dry_run {
        let name = merged.path.display().to_string();
        output::write_stdout(diff::unified(&merged.original, &merged.text, &name).as_bytes())?;
        log::note(format_args!("dry run, nothing written: {}", merged.summary));
        return Ok(());
    }
    merged.write()?;
    log::note(format_args!(
        "{}: {}",
        merged.path.display(),
        merged.summary
    ));
    Ok(())
}
