/*!
`generate` (the bare command): print an AWS config fragment with a profile for
every account and role, or merge it into the config file (`--write`), showing
the change first with `--dry-run`.
*/

use std::path::PathBuf;

use crate::app::context::Ctx;
use crate::app::listing;
use crate::app::naming::{self, RegionRule};
use crate::app::profiles::{self, Invocation, ProfileOptions, Style};
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
use crate::util::{clock, diff, log, shell, text};

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
    /// Whether any flag of `profiles` was given (else `--write` uses the
    /// recorded ones).
    pub given: bool,
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
    if profile_flag(name, p, &mut a.profiles)? {
        a.given = true;
        return Ok(true);
    }
    match name {
        "write" => a.write = Some(args::optional_path(p)?),
        "dry-run" => a.dry_run = true,
        _ => return args::login_flag(name, p, &mut a.login),
    }
    Ok(true)
}

/// Takes one flag of what the profiles look like: the flags `--write`
/// records (and reads back with [`parse_recorded`]).
fn profile_flag(name: &str, p: &mut Parser, o: &mut ProfileOptions) -> Result<bool> {
    match name {
        "region" => {
            let region = args::value(p)?;
            session::check_region("--region", &region)?;
            o.regions.push(region);
        }
        "name" => {
            let template = args::value(p)?;
            naming::validate_template(&template)
                .map_err(|e| Error::Usage(format!("--name: {e}")))?;
            o.template = Some(template);
        }
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
        _ => return Ok(false),
    }
    Ok(true)
}

/// The profile flags as a person would type them, for the managed block's
/// BEGIN line: defaults left out, repeated flags in their order, each value
/// a bare word when it is plain (letters, digits, `-_.,:/=@+%`) and quoted by
/// the one shell quoting otherwise, so [`parse_recorded`] (and a shell)
/// read back the same flags. A value with a control character cannot be
/// recorded (the line would break): the INI writer refuses it.
pub fn record(o: &ProfileOptions) -> String {
    let plain = |v: &str| {
        !v.is_empty()
            && v.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.,:/=@+%".contains(c))
    };
    let mut words: Vec<String> = Vec::new();
    let mut push = |flag: &str, value: Option<&str>| {
        words.push(format!("--{flag}"));
        if let Some(v) = value {
            words.push(if plain(v) {
                v.to_string()
            } else {
                shell::quote(v)
            });
        }
    };
    match o.style {
        Style::Sso => {}
        Style::Legacy => push("style", Some("legacy")),
        Style::CredentialProcess => push("style", Some("credential-process")),
    }
    for r in &o.regions {
        push("region", Some(r));
    }
    for r in &o.region_rules {
        push("region-rule", Some(&format!("{}={}", r.glob, r.region)));
    }
    if let Some(t) = &o.template {
        push("name", Some(t));
    }
    if o.lower {
        push("lower", None);
    }
    for v in &o.strip_prefixes {
        push("strip-prefix", Some(v));
    }
    for (role, alias) in &o.role_aliases {
        push("role-alias", Some(&format!("{role}={alias}")));
    }
    let f = &o.filters;
    for (flag, values) in [
        ("include-account", &f.include_accounts),
        ("exclude-account", &f.exclude_accounts),
        ("exclude-role", &f.exclude_roles),
    ] {
        for v in values {
            push(flag, Some(v));
        }
    }
    for (k, v) in &o.set {
        push("set", Some(&format!("{k}={v}")));
    }
    words.join(" ")
}

/// Reads flags [`record`] wrote (or a person edited): only the profile
/// flags, each checked as on the command line. The error says why, for a
/// message that names the line.
pub fn parse_recorded(text: &str) -> std::result::Result<ProfileOptions, String> {
    let words = shell::split(text).map_err(|e| e.to_string())?;
    let mut p = Parser::from_args(words);
    let mut o = ProfileOptions::default();
    while let Some(tok) = args::next(&mut p).map_err(|e| e.to_string())? {
        let taken = match &tok {
            args::Tok::Flag(name) => {
                profile_flag(name, &mut p, &mut o).map_err(|e| e.to_string())?
            }
            _ => false,
        };
        if !taken {
            let word = match tok {
                args::Tok::Flag(name) if !name.starts_with('-') => format!("--{name}"),
                args::Tok::Flag(name) => name,
                args::Tok::Value(v) => v.to_string_lossy().into_owned(),
                args::Tok::Help => "--help".into(),
                args::Tok::Version => "--version".into(),
            };
            return Err(format!("'{word}' is not a flag that shapes the profiles"));
        }
    }
    Ok(o)
}

/// The profile options a run uses. With `--write` and none of the profile
/// flags, the ones recorded in the block's BEGIN line (said on stderr); a
/// recorded text that cannot be read is a configuration error naming its
/// line, as guessing would rewrite every profile. Flags given replace the
/// recorded ones, all of them (a note says so when they differ). What
/// `--write` will record must stay on its comment line: a value with a
/// control character is refused here, before any note or network call.
fn options(a: &Args, target: Option<&profiles::Target>) -> Result<ProfileOptions> {
    let Some(t) = target else {
        return Ok(a.profiles.clone());
    };
    let recorded = t.recorded();
    let opts = match recorded {
        Some((line, text)) if !a.given => {
            parse_recorded(text).map_err(|why| Error::ConfigFile {
                path: t.path().to_path_buf(),
                line: Some(line),
                msg: format!(
                    "the generate flags recorded on the managed block's first line cannot be read: {why}; give the flags again to replace them, or fix the line"
                ),
            })?
        }
        _ => a.profiles.clone(),
    };
    if let Some(c) = record(&opts).chars().find(|c| text::is_unsafe(*c)) {
        return Err(Error::Usage(format!(
            "--write records the generate flags on the block's first line, and a flag value has a control character (U+{:04X})",
            c as u32
        )));
    }
    if let Some((line, text)) = recorded {
        let path = t.path().display();
        if !a.given {
            log::note(format_args!(
                "using the flags recorded in {path} line {line}: {text}"
            ));
        } else if record(&opts) != text {
            log::note(format_args!(
                "the flags given replace those recorded in {path} line {line}: {text}"
            ));
        }
    }
    Ok(opts)
}

/// `generate`.
pub fn run(ctx: &Ctx, sel: &SessionFlags, a: Args, program: &Invocation) -> Result<()> {
    if a.write.is_none() && fsutil::stdout_is_emptied(&ctx.paths.config) {
        return into_emptied_config(ctx, sel, &a, program);
    }
    if let Some(file) = &a.write {
        // Before anything reads it: reading a FIFO would block.
        fsutil::write_target(file.as_deref().unwrap_or(&ctx.paths.config))?;
    }
    let cfg = Config::load(&ctx.paths.config)?;
    config_copy::remember(&ctx.paths, &cfg.path, &cfg.doc.to_text());
    let session = session::resolve_session(ctx, &cfg, sel)?;
    // Check the target file before any network work: a bad file must not cost a login.
    let target = match &a.write {
        Some(file) => Some(profiles::load_target(&cfg, file.as_deref(), &session)?),
        None => None,
    };
    let opts = options(&a, target.as_ref())?;
    let built = build(
        ctx,
        &cfg,
        &session,
        &opts,
        &a.login,
        program,
        target.as_ref(),
    )?;
    let Some(target) = target else {
        let text = profiles::render(&session, opts.style, true, &built)?;
        return output::write_stdout(text.as_str().as_bytes());
    };
    let note = record(&opts);
    if a.dry_run {
        let merged = profiles::merge(&session, opts.style, &note, target, built)?;
        let name = merged.path.display().to_string();
        output::write_stdout(diff::unified(&merged.original, &merged.text, &name).as_bytes())?;
        if let Some(all) = &merged.sweeping {
            log::warn(format_args!("this run would change {all}"));
        }
        log::note(format_args!("dry run, nothing written: {}", merged.summary));
        return Ok(());
    }
    let merged = profiles::write_merged(&ctx.paths, &session, opts.style, &note, target, built)?;
    if let Some(all) = &merged.sweeping {
        log::warn(format_args!("this run changed {all}"));
    }
    log::note(format_args!(
        "{}: {}",
        merged.path.display(),
        merged.summary
    ));
    Ok(())
}

/// Lists the accounts and roles (logging in if needed) and builds the
/// profiles. Everything that can be checked without the network is checked
/// first: what is copied from the session, and the `--write` target's
/// `[sso-session]`.
fn build(
    ctx: &Ctx,
    cfg: &Config,
    session: &Session,
    opts: &ProfileOptions,
    login: &LoginOptions,
    program: &Invocation,
    target: Option<&profiles::Target>,
) -> Result<Vec<profiles::Profile>> {
    profiles::check_inputs(&ctx.env, session, opts.style, program)?;
    if let Some(t) = target {
        t.check(session, opts.style)?;
    }
    let login = LoginOptions {
        start_url_key: opts.style == Style::Legacy,
        ..login.clone()
    };
    let want = |acct: &AccountInfo| {
        opts.filters
            .keep_account(&acct.account_id, &acct.account_name)
    };
    let listing = output::with_progress("roles", |progress| {
        listing::accounts_and_roles(ctx, cfg, session, &login, &want, progress)
    })?;
    profiles::build(&ctx.env, session, opts, program, &listing)
}

/// `sso-config > ~/.aws/config`: stdout is the config file, which the shell
/// emptied before we started. Stdout sits at offset 0 of that empty file, so
/// printing the whole merged text is writing the file. What is printed is
/// what `--write` would have left: the content last seen (our private copy)
/// with the session's block merged in; without a copy, the block alone, a
/// complete config for the session the flags or environment name.
fn into_emptied_config(
    ctx: &Ctx,
    sel: &SessionFlags,
    a: &Args,
    program: &Invocation,
) -> Result<()> {
    let path = &ctx.paths.config;
    let Some(copy) = config_copy::restore(&ctx.paths, path) else {
        let cfg = Config::from_text(path, "")?;
        // The flags and environment first, else the session of the last login.
        let session = session::resolve_session(ctx, &cfg, sel)
            .or_else(|e| session::remembered_session(&ctx.paths, sel).map_err(|_| e));
        let (text, session) = session.and_then(|s| merged_text(ctx, &cfg, s, a, program)).map_err(|e| match e {
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
        let session = session::resolve_session(ctx, &cfg, sel)?;
        merged_text(ctx, &cfg, session, a, program)
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
fn merged_text(
    ctx: &Ctx,
    cfg: &Config,
    session: Session,
    a: &Args,
    program: &Invocation,
) -> Result<(String, Session)> {
    let target = profiles::load_target(cfg, None, &session)?;
    let opts = options(a, Some(&target))?;
    let built = build(ctx, cfg, &session, &opts, &a.login, program, Some(&target))?;
    let merged = profiles::merge(&session, opts.style, &record(&opts), target, built)?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::naming::Filters;

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn recorded_flags_read_back_as_given() {
        let o = ProfileOptions {
            regions: strings(&["eu-west-1", "us-east-2"]),
            template: Some("{account_name} '{role_name}'".into()),
            lower: true,
            strip_prefixes: strings(&["it's #1; $x `y` \\", "", "-dash"]),
            role_aliases: vec![("Admin".into(), "".into()), ("R=O".into(), "ro".into())],
            filters: Filters {
                include_accounts: strings(&["*prod*", "Ünïcode"]),
                exclude_accounts: strings(&["--write"]),
                exclude_roles: strings(&["a b"]),
            },
            region_rules: vec![RegionRule {
                glob: "prod?".into(),
                region: "eu-central-1".into(),
            }],
            set: vec![("output".into(), "json".into()), ("k".into(), "".into())],
            style: Style::CredentialProcess,
        };
        let text = record(&o);
        assert!(
            text.starts_with("--style credential-process --region eu-west-1 --region us-east-2 --region-rule 'prod?=eu-central-1' --name '{account_name} '\\''{role_name}'\\''' --lower"),
            "{text}"
        );
        let mut back = parse_recorded(&text).unwrap();
        // `--role-alias R=O=ro` reads as role `R`: the first `=` splits, as on the command line.
        assert_eq!(back.role_aliases[1], ("R".into(), "O=ro".into()));
        back.role_aliases[1] = ("R=O".into(), "ro".into());
        assert_eq!(back, o);
        assert_eq!(record(&ProfileOptions::default()), "");
        assert_eq!(parse_recorded("").unwrap(), ProfileOptions::default());
    }

    #[test]
    fn recorded_text_other_than_profile_flags_is_refused() {
        for (text, why) in [
            ("--regoin x", "'--regoin' is not a flag"),
            ("--write", "'--write' is not a flag"),
            ("--dry-run", "'--dry-run' is not a flag"),
            ("--profile p", "'--profile' is not a flag"),
            ("-h", "'--help'"),
            ("--help", "'--help'"),
            ("eu-west-1", "'eu-west-1' is not a flag"),
            ("--region 'x", "unterminated single quote"),
            ("--region EU", "not a region"),
            ("--region", "missing argument"),
            ("--name '{acount}'", "--name"),
            ("--style fancy", "--style"),
            ("--set 'a b=c'", "--set"),
        ] {
            let err = parse_recorded(text).unwrap_err();
            assert!(err.contains(why), "{text:?}: {err}");
        }
    }
}
