/*!
The profiles `generate` writes: one per account × role (× region), named by
the naming rules, with the keys of the chosen style; rendered as config text,
or merged into the config file between `# BEGIN sso-config SESSION` and
`# END sso-config SESSION`, keeping every byte outside that block.
*/

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::app::listing::AccountRoles;
use crate::app::naming::{self, Entry, Filters, Named, NamingOptions, RegionRule};
use crate::app::session::{self, Session};
use crate::error::{Error, Result};
use crate::ini::{self, Document, Header, Rendered, SectionKind};
use crate::store::config::{self, Config};
use crate::store::paths::Paths;
use crate::store::{config_copy, fsutil};
use crate::util::env::Env;
use crate::util::{log, shell, text};

/// The profile styles of `generate`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Style {
    /// `sso_session` + account + role.
    #[default]
    Sso,
    /// `sso_start_url` + `sso_region` in each profile.
    Legacy,
    /// `credential_process = <this binary> credential-process …`.
    CredentialProcess,
}

/// What the profiles look like: `generate`'s naming, filter and content flags.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProfileOptions {
    /// `--region` values in order.
    pub regions: Vec<String>,
    /// `--name`.
    pub template: Option<String>,
    /// `--lower`.
    pub lower: bool,
    /// `--strip-prefix`.
    pub strip_prefixes: Vec<String>,
    /// `--role-alias ROLE=ALIAS`.
    pub role_aliases: Vec<(String, String)>,
    /// `--include-account`, `--exclude-account`, `--exclude-role`.
    pub filters: Filters,
    /// `--region-rule GLOB=REGION`.
    pub region_rules: Vec<RegionRule>,
    /// `--set KEY=VALUE`.
    pub set: Vec<(String, String)>,
    /// `--style`.
    pub style: Style,
}

/// One profile to write: its name and its keys in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    /// The profile name.
    pub name: String,
    /// `key = value` lines in order.
    pub keys: Vec<(String, String)>,
}

/// Names and fills the profiles of `listing` (the accounts the filters kept),
/// sorted, collisions resolved with a warning each. `env` gives the fallback
/// region (`AWS_REGION`, `AWS_DEFAULT_REGION`, else the session's), which must
/// look like a region: it is written into every profile.
pub fn build(
    env: &Env,
    session: &Session,
    opts: &ProfileOptions,
    listing: &[AccountRoles],
) -> Result<Vec<Profile>> {
    let fallback = fallback_region(env, session)?;
    let program = match opts.style {
        Style::CredentialProcess => self_path()?,
        _ => String::new(),
    };
    let mut entries = Vec::new();
    for ar in listing {
        let acct = &ar.account;
        let regions = naming::regions_for(
            &acct.account_id,
            &acct.account_name,
            &opts.region_rules,
            &opts.regions,
            &fallback,
        );
        for role in ar.roles.iter().filter(|r| opts.filters.keep_role(r)) {
            entries.extend(Entry::for_regions(
                &acct.account_id,
                &acct.account_name,
                role,
                &regions,
            ));
        }
    }
    let mut distinct = opts.regions.clone();
    distinct.sort();
    distinct.dedup();
    let naming = NamingOptions {
        template: opts.template.clone(),
        lower: opts.lower,
        strip_prefixes: opts.strip_prefixes.clone(),
        role_aliases: opts.role_aliases.clone(),
        session: session.name.clone(),
        multi_region: distinct.len() > 1,
    };
    let (named, warnings) = naming::name_all(&naming, entries);
    for w in warnings {
        log::warn(format_args!("{w}"));
    }
    Ok(named
        .into_iter()
        .map(|n| profile_for(session, opts, &program, &n))
        .collect())
}

/// The region of profiles no rule or `--region` gives one: `AWS_REGION`,
/// `AWS_DEFAULT_REGION`, else the session's. It is written into profiles, so
/// a value from the environment must look like a region.
fn fallback_region(env: &Env, session: &Session) -> Result<String> {
    let names = ["AWS_REGION", "AWS_DEFAULT_REGION"];
    let Some((name, region)) = names.iter().find_map(|n| env.get(n).map(|v| (*n, v))) else {
        return Ok(session.region.clone());
    };
    session::check_region_setting(name, region)?;
    Ok(region.to_string())
}

/// One profile's keys; `program` is this binary's path, quoted.
fn profile_for(session: &Session, opts: &ProfileOptions, program: &str, n: &Named) -> Profile {
    let e = &n.entry;
    let mut keys: Vec<(String, String)> = Vec::new();
    let mut push = |k: &str, v: &str| keys.push((k.to_string(), v.to_string()));
    match opts.style {
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
            push(
                "credential_process",
                &credential_process(program, session, e),
            );
        }
    }
    if let Some(region) = &e.region {
        push("region", region);
    }
    for (k, v) in &opts.set {
        keys.retain(|(existing, _)| existing != k);
        keys.push((k.clone(), v.clone()));
    }
    Profile {
        name: n.name.clone(),
        keys,
    }
}

/// The `credential_process` command line: every value quoted by the one
/// shell quoting (`sh -c` and botocore's `shlex.split` read the same words)
/// and glued to its flag with `=`, so that a value starting with `-` can only
/// ever be that flag's value.
fn credential_process(program: &str, session: &Session, e: &Entry) -> String {
    format!(
        "{program} credential-process --sso-session={} --account-id={} --role-name={}",
        shell::quote(&session.name),
        shell::quote(&e.account_id),
        shell::quote(&e.role_name)
    )
}

/// The absolute path of the running binary, quoted as the first word of a
/// `credential_process` line. A path that is not UTF-8 or holds a control
/// character (a newline would end the INI value) cannot be written.
fn self_path() -> Result<String> {
    let path = std::env::current_exe()
        .map(|p| p.into_os_string())
        .unwrap_or_else(|_| "sso-config".into());
    let refuse = |why: &str| {
        Error::Config(format!(
            "--style credential-process: the path of this binary {} {why}, so no credential_process line can name it; move the binary",
            text::shown(&path.to_string_lossy())
        ))
    };
    let path = path.to_str().ok_or_else(|| refuse("is not valid UTF-8"))?;
    if text::first_control(path).is_some() {
        return Err(refuse("has a control character"));
    }
    Ok(shell::quote(path))
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

/// Checks, before any network call, what [`build`] and [`render`] will copy
/// from elsewhere into the config: the session's name (a section name and the
/// block markers), start URL, region and scopes, which come from flags, the
/// environment or the user's own config file (where a value may span
/// continuation lines or hold an escape character); the fallback region from
/// the environment; and for `credential-process` the path of this binary.
pub fn check_inputs(env: &Env, session: &Session, style: Style) -> Result<()> {
    let bad = |what: &str, why: &dyn std::fmt::Display| {
        Error::Config(format!(
            "cannot write the {what} of the session ({}): {why}",
            session.source
        ))
    };
    if !text::is_name(&session.name) {
        let why = format!(
            "{} is not a valid name; {}",
            text::shown(&session.name),
            text::NAME_RULE
        );
        return Err(bad("name", &why));
    }
    for (key, value) in session_keys(session) {
        ini::check_value(&value).map_err(|p| bad(&key, &p))?;
    }
    if let Some(why) = session::region_problem(&session.region) {
        return Err(bad("sso_region", &why));
    }
    fallback_region(env, session)?;
    if style == Style::CredentialProcess {
        self_path()?;
    }
    Ok(())
}

/// Checks a `--set KEY=VALUE` for the INI writer and returns the key
/// lower-cased, as botocore and the Rust SDK read it anyway (the JavaScript
/// SDK does not lower-case, so only the lower-case form means the same to
/// all).
pub fn check_set(key: &str, value: &str) -> Result<String> {
    let key = key.to_ascii_lowercase();
    let usage = |why: String| Error::Usage(format!("--set {}: {why}", text::shown(&key)));
    ini::check_key(&key).map_err(|_| {
        usage("not a valid key; use only ASCII letters, digits and _ - .".to_string())
    })?;
    ini::check_value(value).map_err(|p| usage(format!("the value cannot be written: {p}")))?;
    Ok(key)
}

/// The config text: the session section (unless `legacy` or already in the
/// file) and one section per profile, separated by blank lines; every name,
/// key and value checked by the INI writer.
pub fn render(
    session: &Session,
    style: Style,
    with_session: bool,
    profiles: &[Profile],
) -> Result<Rendered> {
    let session_keys = session_keys(session);
    let mut sections: Vec<(Header<'_>, &[(String, String)])> = Vec::new();
    if with_session && style != Style::Legacy {
        sections.push((Header::SsoSession(&session.name), &session_keys));
    }
    for p in profiles {
        sections.push((Header::Profile(&p.name), &p.keys));
    }
    ini::render(&sections).map_err(|e| Error::Config(e.to_string()))
}

/// The file `--write` edits, parsed. Loaded before any network call: a bad
/// file must not cost a login.
pub struct Target {
    path: PathBuf,
    doc: Document,
    original: String,
    /// Lines of the existing managed block.
    block: Option<std::ops::Range<usize>>,
    /// An identical `[sso-session]` exists outside the block: do not write another.
    reuse_session: bool,
}

/// Reads `file` (the config file when `None`) and checks that the session's
/// block can be written into it. A file that is not a regular one (a FIFO, a
/// directory, a link to one) is refused before it is read.
pub fn load_target(
    cfg: &Config,
    file: Option<&Path>,
    session: &Session,
    style: Style,
) -> Result<Target> {
    fsutil::write_target(file.unwrap_or(&cfg.path))?;
    let loaded;
    let cfg = match file {
        Some(p) if p != cfg.path => {
            loaded = Config::load(p)?;
            &loaded
        }
        _ => cfg,
    };
    target_of(cfg, session, style)
}

/// The target for the file `cfg` was read from.
fn target_of(cfg: &Config, session: &Session, style: Style) -> Result<Target> {
    let (begin, end) = markers(session);
    let block = cfg
        .doc
        .block_range(&begin, &end)
        .map_err(|e| Error::config_file(&cfg.path, e))?;
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
            return Err(Error::ConfigFile {
                path: cfg.path.clone(),
                line: Some(s.line),
                msg: format!(
                    "[sso-session {}] already exists with a different start URL or region; rename it or use --sso-session with another name",
                    session.name
                ),
            });
        }
        reuse_session = true;
    }
    Ok(Target {
        path: cfg.path.clone(),
        original: cfg.doc.to_text(),
        doc: cfg.doc.clone(),
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

/// The config file with the session's block replaced, ready to write.
pub struct Merged {
    /// The file.
    pub path: PathBuf,
    /// Its text before.
    pub original: String,
    /// Its text after.
    pub text: String,
    /// "N added, M removed, K changed, U unchanged".
    pub summary: String,
}

/// Puts `profiles` into the session's block of `t`. A profile whose name a
/// section outside the block already has is skipped with a warning: what the
/// user wrote wins.
pub fn merge(
    session: &Session,
    style: Style,
    mut t: Target,
    profiles: Vec<Profile>,
) -> Result<Merged> {
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
                log::warn(format_args!(
                    "skipped profile '{}': a section of that name already exists outside the managed block",
                    p.name
                ));
            }
            !mine
        })
        .collect();
    let body = render(session, style, !t.reuse_session, &kept)?;
    t.doc
        .replace_block(&begin, &end, &body)
        .map_err(|e| Error::config_file(&t.path, e))?;
    Ok(Merged {
        text: t.doc.to_text(),
        summary: summarize(&old_profiles, &kept),
        path: t.path,
        original: t.original,
    })
}

/// `--write`: merges `profiles` into the file of `checked` and writes it,
/// holding the file's lock from the read to the write. The file is read again
/// under the lock, as another writer may have changed it since it was
/// checked; merging into that earlier reading would drop their change.
pub fn write_merged(
    paths: &Paths,
    session: &Session,
    style: Style,
    checked: Target,
    profiles: Vec<Profile>,
) -> Result<Merged> {
    let merged = config::edit(paths, &checked.path, None, |current| {
        let target = target_of(current, session, style)?;
        let merged = merge(session, style, target, profiles)?;
        Ok((merged.text.clone(), merged))
    })?;
    config_copy::remember_written(paths, &merged.path, &merged.text);
    Ok(merged)
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
            issuer: None,
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
        let text = render(&session(), Style::Sso, true, std::slice::from_ref(&p)).unwrap();
        assert_eq!(
            text.as_str(),
            "[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = eu-west-1\nsso_registration_scopes = sso:account:access\n\n[profile prod.Admin]\nsso_session = corp\nregion = eu-west-1\n"
        );
        let legacy = render(&session(), Style::Legacy, true, &[p]).unwrap();
        assert!(legacy.as_str().starts_with("[profile prod.Admin]\n"));
    }

    #[test]
    fn nothing_unchecked_is_rendered() {
        let profile = |name: &str, key: &str, value: &str| Profile {
            name: name.into(),
            keys: vec![(key.into(), value.into())],
        };
        for bad in [
            profile(
                "a",
                "sso_role_name",
                "Admin\n[profile evil]\ncredential_process = x",
            ),
            profile("a", "sso_role_name", "Admin\r[profile evil]"),
            profile("a", "k", "\u{1b}]0;title\u{7}"),
            profile("a", "k", "a\u{2028}b"),
            profile("a", "k", "v #comment"),
            profile("a", "K", "v"),
            profile("a", "a=b", "v"),
            profile("a b", "k", "v"),
            profile("a]\n[profile evil", "k", "v"),
            profile("a#b", "k", "v"),
        ] {
            let got = render(&session(), Style::Sso, false, std::slice::from_ref(&bad));
            assert_eq!(got.map_err(|e| e.exit_code()), Err(2), "{bad:?}");
        }
        let mut s = session();
        s.name = "a#b".into();
        assert!(render(&s, Style::Sso, true, &[]).is_err());
        let check = |s: &Session, env: &[(&str, &str)]| {
            check_inputs(&Env::of(env), s, Style::Sso).map_err(|e| e.to_string())
        };
        assert!(check(&s, &[]).is_err());
        let mut s = session();
        assert_eq!(check(&s, &[]), Ok(()));
        assert!(check(&s, &[("AWS_REGION", "eu-west-1\n[x]")]).is_err());
        assert!(check(&s, &[("AWS_DEFAULT_REGION", "EU")]).is_err());
        s.start_url = "https://x\n[profile evil]".into();
        assert!(check(&s, &[]).unwrap_err().contains("sso_start_url"));
        s.start_url = "https://corp.awsapps.com/start#/".into();
        assert_eq!(check(&s, &[]), Ok(()));
        s.region = "EU-west-1".into();
        assert!(check(&s, &[]).unwrap_err().contains("sso_region"));
    }

    #[test]
    fn credential_process_values_are_quoted_and_glued_to_their_flags() {
        let e = Entry {
            account_id: "111122223333".into(),
            account_name: "a".into(),
            role_name: "-Admin".into(),
            region: None,
            region_index: 0,
        };
        let line = credential_process("'/opt/my tools/sso-config'", &session(), &e);
        assert_eq!(
            line,
            "'/opt/my tools/sso-config' credential-process --sso-session='corp' --account-id='111122223333' --role-name='-Admin'"
        );
        assert_eq!(
            shell::split(&line).unwrap(),
            [
                "/opt/my tools/sso-config",
                "credential-process",
                "--sso-session=corp",
                "--account-id=111122223333",
                "--role-name=-Admin"
            ]
        );
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
