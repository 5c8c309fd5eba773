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
use crate::app::session::{self, Session, SessionFlags};
use crate::app::token::LoginOptions;
use crate::cmd::args::{self, Global, Parser};
use crate::cmd::output;
use crate::error::{Error, Result};
use crate::portal::AccountInfo;
use crate::store::config::Config;
use crate::store::paths::Paths;
use crate::store::{config_copy, fsutil};
use crate::util::env::Env;
use crate::util::{clock, diff, log};

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
                           how the profiles get credentials (default sso)
  --write [FILE]           merge into the config file (managed block) instead of printing
  --dry-run                with --write: print the diff, change nothing
  --device-code            log in with the device-code flow (when a login is needed)
  --pkce                   log in with the authorization-code flow and PKCE
  --callback-port N        fixed loopback port for the PKCE redirect

--write records the flags above (--region to --style) in the block's first line,
'# BEGIN sso-config SESSION --region eu-west-1 ...'. A later --write (or --dry-run)
without any of them uses the recorded ones and says so; with any of them, the flags
given replace all the recorded ones (they are not merged).

Session options: 'sso-config help session'.

Examples:
  sso-config --write
  sso-config --sso-session corp --region eu-west-1 --lower --write --dry-run
  sso-config --name '{account_name}-{role_name}' --exclude-role 'AWSReadOnly*'
  sso-config --style credential-process --region us-east-1 > profiles.ini
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
    if a.write.is_none() && fsutil::stdout_is_emptied(&ctx.paths.config) {
        return into_emptied_config(ctx, sel, &a);
    }
    if let Some(file) = &a.write {
        // Before anything reads it: reading a FIFO would block.
        fsutil::write_target(file.as_deref().unwrap_or(&ctx.paths.config))?;
    }
    let cfg = Config::load(&ctx.paths.config)?;
    config_copy::remember(&ctx.paths, &cfg.path, &cfg.doc.to_text());
    let session = session::resolve_session(&cfg, sel, &ctx.env)?;
    let opts = &a.profiles;
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
    let built = build(ctx, &cfg, &session, &a)?;
    let Some(target) = target else {
        let text = profiles::render(&session, opts.style, true, &built)?;
        return output::write_stdout(text.as_str().as_bytes());
    };
    if a.dry_run {
        let merged = profiles::merge(&session, opts.style, target, built)?;
        let name = merged.path.display().to_string();
        output::write_stdout(diff::unified(&merged.original, &merged.text, &name).as_bytes())?;
        log::note(format_args!("dry run, nothing written: {}", merged.summary));
        return Ok(());
    }
    let merged = profiles::write_merged(&ctx.paths, &session, opts.style, target, built)?;
    log::note(format_args!(
        "{}: {}",
        merged.path.display(),
        merged.summary
    ));
    Ok(())
}

/// Lists the accounts and roles (logging in if needed) and builds the profiles.
fn build(ctx: &Ctx, cfg: &Config, session: &Session, a: &Args) -> Result<Vec<profiles::Profile>> {
    let opts = &a.profiles;
    // What is copied from the session into the output is checked before any network call.
    profiles::check_inputs(&ctx.env, session, opts.style)?;
    if let Some(t) = &opts.template {
        naming::validate_template(t).map_err(|e| Error::Usage(format!("--name: {e}")))?;
    }
    let login = LoginOptions {
        start_url_key: opts.style == Style::Legacy,
        ..a.login.clone()
    };
    let want = |acct: &AccountInfo| {
        opts.filters
            .keep_account(&acct.account_id, &acct.account_name)
    };
    let listing = output::with_progress(|progress| {
        listing::accounts_and_roles(ctx, cfg, session, &login, &want, progress)
    })?;
    profiles::build(&ctx.env, session, opts, &listing)
}

/// `sso-config > ~/.aws/config`: stdout is the config file, which the shell
/// emptied before we started. Stdout sits at offset 0 of that empty file, so
/// printing the whole merged text is writing the file. What is printed is
/// what `--write` would have left: the content last seen (our private copy)
/// with the session's block merged in; without a copy, the block alone, a
/// complete config for the session the flags or environment name.
fn into_emptied_config(ctx: &Ctx, sel: &SessionFlags, a: &Args) -> Result<()> {
    let path = &ctx.paths.config;
    let Some(copy) = config_copy::restore(&ctx.paths, path) else {
        let cfg = Config::from_text(path, "")?;
        // The flags and environment first, else the session of the last login.
        let session = session::resolve_session(&cfg, sel, &ctx.env)
            .or_else(|e| session::remembered_session(&ctx.paths, sel).map_err(|_| e));
        let (text, session) = session.and_then(|s| merged_text(ctx, &cfg, s, a)).map_err(|e| match e {
            Error::Config(msg) => Error::Config(format!(
                "{msg} (stdout is {}, which the shell emptied, and there is no copy of it to restore)",
                path.display()
            )),
            e => e,
        })?;
        output::write_stdout(text.as_bytes())?;
        config_copy::remember(&ctx.paths, path, &text);
        log::warn(format_args!(
            "stdout is {}, which the shell emptied; there is no copy of its earlier content, so hand-written content could not be restored; wrote a complete config for session '{}' (next time use --write)",
            path.display(),
            session.name
        ));
        return Ok(());
    };
    let merged = Config::from_text(path, &copy.text).and_then(|cfg| {
        let session = session::resolve_session(&cfg, sel, &ctx.env)?;
        merged_text(ctx, &cfg, session, a)
    });
    match merged {
        Ok((text, _)) => {
            output::write_stdout(text.as_bytes())?;
            config_copy::remember(&ctx.paths, path, &text);
            log::warn(format_args!(
                "stdout is {}, which the shell emptied; restored it from the copy of {} and merged the generated block, as --write would",
                path.display(),
                copy_time(&copy)
            ));
            Ok(())
        }
        Err(e) => {
            // Nothing to merge, but what the shell emptied is put back.
            output::write_stdout(copy.text.as_bytes())?;
            log::warn(format_args!(
                "stdout is {}, which the shell emptied; restored it from the copy of {}, without a generated block",
                path.display(),
                copy_time(&copy)
            ));
            Err(e)
        }
    }
}

/// After a command line that could not be parsed: when stdout is the config
/// the shell emptied for it, puts back the copy as it was (nothing to merge).
pub fn put_back_emptied_config(env: Env) {
    let Ok(paths) = Paths::new(&env) else {
        return;
    };
    if !fsutil::stdout_is_emptied(&paths.config) {
        return;
    }
    let Some(copy) = config_copy::restore(&paths, &paths.config) else {
        return;
    };
    if output::write_stdout(copy.text.as_bytes()).is_ok() {
        log::warn(format_args!(
            "stdout is {}, which the shell emptied; restored it from the copy of {}",
            paths.config.display(),
            copy_time(&copy)
        ));
    }
}

/// The text `--write` would leave in the config `cfg`, and the session.
fn merged_text(ctx: &Ctx, cfg: &Config, session: Session, a: &Args) -> Result<(String, Session)> {
    let style = a.profiles.style;
    let target = profiles::load_target(cfg, None, &session, style)?;
    let built = build(ctx, cfg, &session, a)?;
    let merged = profiles::merge(&session, style, target, built)?;
    Ok((merged.text, session))
}

/// "2026-11-28 04:10 UTC (3 minutes old)".
fn copy_time(c: &config_copy::Copy) -> String {
    let seen = time::OffsetDateTime::from(c.seen);
    let stamp = clock::format(seen);
    let day_minute = stamp.get(..16).unwrap_or(&stamp).replacen('T', " ", 1);
    format!("{day_minute} UTC ({} old)", age_text(c.age()))
}

/// "less than a minute", "1 minute", "3 hours", "2 days".
fn age_text(age: std::time::Duration) -> String {
    let minutes = age.as_secs() / 60;
    let (n, unit) = match minutes {
        0 => return "less than a minute".to_string(),
        1..60 => (minutes, "minute"),
        60..1440 => (minutes / 60, "hour"),
        _ => (minutes / 1440, "day"),
    };
    format!("{n} {unit}{}", if n == 1 { "" } else { "s" })
}
