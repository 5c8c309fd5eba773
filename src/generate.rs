/*!
`generate` (the bare command): fetch every account and role, name the
profiles, and print an AWS config fragment — or merge it into the config file
between `# BEGIN sso-config SESSION` / `# END sso-config SESSION`, keeping every
byte outside that block.
*/

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::auth;
use crate::cli::{GenerateArgs, Style};
use crate::config::{Config, Session};
use crate::context::Ctx;
use crate::error::{Error, Result};
use crate::http::Service;
use crate::ini::{Document, SectionKind};
use crate::naming::{self, Entry, Filters, Named, NamingOptions, RegionRule};
use crate::portal::{AccountInfo, AccountRoles, Portal};
use crate::{fsutil, output};

/// One profile to write: its name and its keys in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    /// The profile name.
    pub name: String,
    /// `key = value` lines in order.
    pub keys: Vec<(String, String)>,
}

/// Runs `generate`.
pub fn run(ctx: &Ctx, cfg: &Config, session: &Session, args: &GenerateArgs) -> Result<()> {
    if let Some(t) = &args.template {
        naming::validate_template(t).map_err(|e| Error::Usage(format!("--name: {e}")))?;
    }
    // Check the target file before any network work: a bad file must not cost a login.
    let target = match &args.write {
        Some(file) => Some(load_target(cfg, file.as_deref(), session, args.style)?),
        None => None,
    };
    let mut login = args.login.clone();
    login.start_url_key = args.style == Style::Legacy;
    let filters = filters(args);
    let want = |a: &AccountInfo| filters.keep_account(&a.account_id, &a.account_name);
    let listing = fetch(ctx, cfg, session, &login, &want)?;
    let profiles = build_profiles(ctx, session, args, &filters, &listing);
    match target {
        None => {
            let text = render(session, args.style, true, &profiles);
            output::write_stdout(text.as_bytes())
        }
        Some(target) => write_block(session, args, target, profiles),
    }
}

/// Every account the user can access (that `want` keeps) with its roles.
pub fn fetch(
    ctx: &Ctx,
    cfg: &Config,
    session: &Session,
    login: &auth::LoginOptions,
    want: &(dyn Fn(&AccountInfo) -> bool + Sync),
) -> Result<Vec<AccountRoles>> {
    let token = auth::valid_token(ctx, cfg, session, Some(login))?;
    let ep = session.endpoint(Service::Portal, &ctx.env)?;
    let portal = Portal::new(&ctx.http, &ep.base, &token.access_token);
    let progress = |done: usize, listed: usize| {
        if ctx.stderr_tty {
            eprint!("\rsso-config: fetched roles of {done}/{listed} accounts");
        }
    };
    let listing = portal.list_accounts_and_roles(want, &progress);
    if ctx.stderr_tty {
        eprint!("\r\x1b[K");
    }
    listing.map_err(|e| login_hint(e, session))
}

/// A 401 from the portal means the token was revoked: say how to log in again.
pub fn login_hint(e: Error, session: &Session) -> Error {
    match e {
        Error::Api(api) if api.code == "UnauthorizedException" => Error::LoginRequired {
            reason: format!(
                "the portal rejected the token of session '{}'",
                session.name
            ),
            command: format!("{} --force", session.login_command()),
        },
        other => other,
    }
}

fn filters(args: &GenerateArgs) -> Filters {
    Filters {
        include_accounts: args.include_accounts.clone(),
        exclude_accounts: args.exclude_accounts.clone(),
        exclude_roles: args.exclude_roles.clone(),
    }
}

/// Names and fills the profiles, sorted, collisions resolved (warnings on stderr).
fn build_profiles(
    ctx: &Ctx,
    session: &Session,
    args: &GenerateArgs,
    filters: &Filters,
    listing: &[AccountRoles],
) -> Vec<Profile> {
    let rules: Vec<RegionRule> = args
        .region_rules
        .iter()
        .map(|(glob, region)| RegionRule {
            glob: glob.clone(),
            region: region.clone(),
        })
        .collect();
    let fallback = ctx
        .env
        .first(&["AWS_REGION", "AWS_DEFAULT_REGION"])
        .unwrap_or(&session.region)
        .to_string();
    let mut entries = Vec::new();
    for ar in listing {
        // The listing holds only the accounts the filters keep.
        let acct = &ar.account;
        let regions = naming::regions_for(
            &acct.account_id,
            &acct.account_name,
            &rules,
            &args.regions,
            &fallback,
        );
        for role in ar.roles.iter().filter(|r| filters.keep_role(r)) {
            entries.extend(Entry::for_regions(
                &acct.account_id,
                &acct.account_name,
                role,
                &regions,
            ));
        }
    }
    let mut distinct = args.regions.clone();
    distinct.sort();
    distinct.dedup();
    let opts = NamingOptions {
        template: args.template.clone(),
        lower: args.lower,
        strip_prefixes: args.strip_prefixes.clone(),
        role_aliases: args.role_aliases.clone(),
        session: session.name.clone(),
        multi_region: distinct.len() > 1,
    };
    let (named, warnings) = naming::name_all(&opts, entries);
    for w in warnings {
        eprintln!("sso-config: warning: {w}");
    }
    named
        .into_iter()
        .map(|n| profile_for(session, args, &n))
        .collect()
}

fn profile_for(session: &Session, args: &GenerateArgs, n: &Named) -> Profile {
    let e = &n.entry;
    let mut keys: Vec<(String, String)> = Vec::new();
    let mut push = |k: &str, v: &str| keys.push((k.to_string(), v.to_string()));
    match args.style {
        Style::Sso => {
            push("sso_session", &session.name);
            push("sso_account_id", &e.account_id);
            push("sso_role_name", &e.role_name);
        }
        Style::Legacy => {
            push("sso_start_url", &session.start_url);
            push("sso_region", &session.region);
            push("sso_account_id", &e.account_id);
            push("sso_role_name", &e.role_name);
        }
        Style::CredentialProcess => {
            let command = format!(
                "{} credential-process --sso-session {} --account-id {} --role-name {}",
                self_path(),
                session.name,
                e.account_id,
                e.role_name
            );
            push("credential_process", &command);
        }
    }
    if let Some(region) = &e.region {
        push("region", region);
    }
    for (k, v) in &args.set {
        keys.retain(|(existing, _)| existing != k);
        keys.push((k.clone(), v.clone()));
    }
    Profile {
        name: n.name.clone(),
        keys,
    }
}

/// The absolute path of the running binary, as a `credential_process` word.
fn self_path() -> String {
    let path = std::env::current_exe()
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_else(|_| "sso-config".to_string());
    command_word(&path)
}

/// A word for a command line botocore splits shell-style: double-quoted (with
/// `\` and `"` escaped) when it has spaces or quotes, else as it is.
fn command_word(word: &str) -> String {
    if word.contains([' ', '\t', '"', '\'']) {
        format!("\"{}\"", word.replace('\\', "\\\\").replace('"', "\\\""))
    } else {
        word.to_string()
    }
}

/// The `[sso-session]` section's keys.
fn session_keys(session: &Session) -> Vec<(String, String)> {
    let scopes = session.registration_scopes().join(",");
    vec![
        ("sso_start_url".to_string(), session.start_url.clone()),
        ("sso_region".to_string(), session.region.clone()),
        ("sso_registration_scopes".to_string(), scopes),
    ]
}

/// The config text: the session section (unless `legacy` or already in the
/// file) and one section per profile, separated by blank lines.
pub fn render(session: &Session, style: Style, with_session: bool, profiles: &[Profile]) -> String {
    let mut out = String::new();
    let mut section = |header: &str, keys: &[(String, String)]| {
        if !out.is_empty() {
            out.push('\n');
        }
        let _ = writeln!(out, "[{header}]");
        for (k, v) in keys {
            let _ = writeln!(out, "{k} = {v}");
        }
    };
    if with_session && style != Style::Legacy {
        section(
            &format!("sso-session {}", session.name),
            &session_keys(session),
        );
    }
    for p in profiles {
        section(&format!("profile {}", p.name), &p.keys);
    }
    out
}

/// The file `--write` edits, parsed.
struct Target {
    path: PathBuf,
    doc: Document,
    original: String,
    mode: Option<u32>,
    /// Lines of the existing managed block.
    block: Option<std::ops::Range<usize>>,
    /// An identical `[sso-session]` exists outside the block: do not write another.
    reuse_session: bool,
}

fn load_target(
    cfg: &Config,
    file: Option<&Path>,
    session: &Session,
    style: Style,
) -> Result<Target> {
    let loaded;
    let cfg = match file {
        Some(p) if p != cfg.path => {
            loaded = Config::load(p)?;
            &loaded
        }
        _ => cfg,
    };
    let (begin, end) = markers(session);
    let block = cfg
        .doc
        .block_range(&begin, &end)
        .map_err(|e| Error::Config(format!("{}: {e}", cfg.path.display())))?;
    let mut reuse_session = false;
    for s in cfg.doc.sections() {
        let outside = block.as_ref().is_none_or(|r| !r.contains(&s.span.start));
        if !outside
            || style == Style::Legacy
            || s.kind != SectionKind::SsoSession(session.name.clone())
        {
            continue;
        }
        let same = s.own("sso_start_url") == Some(session.start_url.as_str())
            && s.own("sso_region") == Some(session.region.as_str());
        if !same {
            return Err(Error::Config(format!(
                "{}:{}: [sso-session {}] already exists with a different start URL or region; rename it or use --sso-session with another name",
                cfg.path.display(),
                s.line,
                session.name
            )));
        }
        reuse_session = true;
    }
    Ok(Target {
        path: cfg.path.clone(),
        original: cfg.doc.to_text(),
        doc: cfg.doc.clone(),
        mode: fsutil::existing_mode(&cfg.path),
        block,
        reuse_session,
    })
}

/// The block markers for a session.
fn markers(session: &Session) -> (String, String) {
    (
        format!("# BEGIN sso-config {}", session.name),
        format!("# END sso-config {}", session.name),
    )
}

fn write_block(
    session: &Session,
    args: &GenerateArgs,
    mut t: Target,
    profiles: Vec<Profile>,
) -> Result<()> {
    let (begin, end) = markers(session);
    let mut user_profiles = Vec::new();
    let mut old_profiles = BTreeMap::new();
    for s in t.doc.sections() {
        let Some(name) = s.kind.profile_name() else {
            continue;
        };
        if t.block.as_ref().is_none_or(|r| !r.contains(&s.span.start)) {
            user_profiles.push(name.to_string());
        } else {
            let keys = s
                .entries
                .iter()
                .map(|e| (e.key.clone(), e.value.clone()))
                .collect();
            old_profiles.insert(name.to_string(), keys);
        }
    }
    let kept: Vec<Profile> = profiles
        .into_iter()
        .filter(|p| {
            let mine = user_profiles.contains(&p.name);
            if mine {
                eprintln!(
                    "sso-config: warning: skipped profile '{}': a section of that name already exists outside the managed block",
                    p.name
                );
            }
            !mine
        })
        .collect();
    let body = render(session, args.style, !t.reuse_session, &kept);
    t.doc
        .replace_block(&begin, &end, &body)
        .map_err(|e| Error::Config(format!("{}: {e}", t.path.display())))?;
    let text = t.doc.to_text();
    let summary = summarize(&old_profiles, &kept);
    if args.dry_run {
        let diff = crate::diff::unified(&t.original, &text, &t.path.display().to_string());
        output::write_stdout(diff.as_bytes())?;
        eprintln!("sso-config: dry run, nothing written: {summary}");
        return Ok(());
    }
    if text != t.original {
        fsutil::atomic_write(
            &t.path,
            text.as_bytes(),
            t.mode.unwrap_or(fsutil::PRIVATE_FILE),
        )?;
    }
    eprintln!("sso-config: {}: {summary}", t.path.display());
    Ok(())
}

/// "N added, M removed, K changed, U unchanged".
fn summarize(old: &BTreeMap<String, Vec<(String, String)>>, new: &[Profile]) -> String {
    let mut added = 0;
    let mut changed = 0;
    let mut unchanged = 0;
    for p in new {
        match old.get(&p.name) {
            None => added += 1,
            Some(keys) if *keys == p.keys => unchanged += 1,
            Some(_) => changed += 1,
        }
    }
    let removed = old
        .keys()
        .filter(|name| !new.iter().any(|p| &p.name == *name))
        .count();
    format!("{added} added, {removed} removed, {changed} changed, {unchanged} unchanged")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session() -> Session {
        Session {
            name: "corp".into(),
            start_url: "https://corp.awsapps.com/start".into(),
            region: "eu-west-1".into(),
            scopes: None,
            legacy: false,
            source: String::new(),
            selector: "--sso-session corp".into(),
            endpoints: Vec::new(),
        }
    }

    #[test]
    fn renders_session_then_profiles() {
        let p = Profile {
            name: "prod.Admin".into(),
            keys: vec![
                ("sso_session".into(), "corp".into()),
                ("region".into(), "eu-west-1".into()),
            ],
        };
        let text = render(&session(), Style::Sso, true, std::slice::from_ref(&p));
        assert_eq!(
            text,
            "[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = eu-west-1\nsso_registration_scopes = sso:account:access\n\n[profile prod.Admin]\nsso_session = corp\nregion = eu-west-1\n"
        );
        let legacy = render(&session(), Style::Legacy, true, &[p]);
        assert!(legacy.starts_with("[profile prod.Admin]\n"));
    }

    #[test]
    fn binary_paths_with_spaces_are_quoted() {
        assert_eq!(
            command_word("/usr/local/bin/sso-config"),
            "/usr/local/bin/sso-config"
        );
        assert_eq!(
            command_word("/Users/Jo Doe/bin/sso-config"),
            "\"/Users/Jo Doe/bin/sso-config\""
        );
        assert_eq!(
            command_word("/opt/it's/sso-config"),
            "\"/opt/it's/sso-config\""
        );
        assert_eq!(command_word("C:\\a b\\x\"y"), "\"C:\\\\a b\\\\x\\\"y\"");
    }

    #[test]
    fn summary_counts() {
        let mut old = BTreeMap::new();
        old.insert("a".to_string(), vec![("k".to_string(), "1".to_string())]);
        old.insert("b".to_string(), vec![]);
        old.insert("gone".to_string(), vec![]);
        let new = vec![
            Profile {
                name: "a".into(),
                keys: vec![("k".into(), "2".into())],
            },
            Profile {
                name: "b".into(),
                keys: vec![],
            },
            Profile {
                name: "c".into(),
                keys: vec![],
            },
        ];
        assert_eq!(
            summarize(&old, &new),
            "1 added, 1 removed, 1 changed, 1 unchanged"
        );
    }
}
