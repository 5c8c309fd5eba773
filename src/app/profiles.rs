/*!
The profiles `generate` writes: one per account × role (× region), named by
the naming rules, with the keys of the chosen style; rendered as config text,
or merged into the config file between `# BEGIN sso-config SESSION` and
`# END sso-config SESSION`, keeping every byte outside that block.
*/

use std::collections::{BTreeMap, HashSet};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use crate::app::listing::AccountRoles;
use crate::app::naming::{self, Entry, Filters, Named, NamingOptions, RegionRule};
use crate::app::session::{self, Session};
use crate::error::{Error, Result};
use crate::ini::{self, Document, Header, Rendered, Section, SectionKind};
use crate::store::config::{self, Config};
use crate::store::paths::Paths;
use crate::store::token_cache::normalize_start_url;
use crate::store::{config_copy, fsutil};
use crate::util::env::{self, Env, ProcessLocation};
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
    program: &Invocation,
    listing: &[AccountRoles],
) -> Result<Vec<Profile>> {
    let fallback = fallback_region(env, session)?;
    let program = match opts.style {
        Style::CredentialProcess => self_path(program, env)?,
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

/// How this binary was started: `argv[0]` from `main`, and where the running
/// file and the working directory are. Those two are asked of the process
/// (`util::env::process_location`) only when a `credential_process` line
/// needs them, so no other command, the `credential-process` cache hit
/// above all, pays two system calls for them.
#[derive(Debug)]
pub struct Invocation {
    /// `argv[0]` as the user (or the shell) gave it.
    argv0: Option<OsString>,
    /// The file the kernel runs (symlinks resolved) and the working
    /// directory, to make a relative `argv[0]` absolute.
    location: OnceLock<ProcessLocation>,
}

impl Invocation {
    /// This process, started as `argv0`.
    pub fn of_process(argv0: Option<OsString>) -> Invocation {
        Invocation {
            argv0,
            location: OnceLock::new(),
        }
    }

    /// A given start, for tests.
    #[cfg(test)]
    pub fn fixed(
        argv0: Option<&str>,
        current_exe: Option<PathBuf>,
        cwd: Option<PathBuf>,
    ) -> Invocation {
        Invocation {
            argv0: argv0.map(OsString::from),
            location: OnceLock::from(ProcessLocation { current_exe, cwd }),
        }
    }

    fn location(&self) -> &ProcessLocation {
        self.location.get_or_init(env::process_location)
    }
}

/// The path a `credential_process` line names: the binary as the user
/// invoked it ([`invoked_path`]) when that is the running file, so that an
/// install symlink such as `/usr/local/bin/sso-config` stays in the config
/// and survives an upgrade that moves its target; else the running file
/// itself; `sso-config` (found on PATH) when neither is known.
fn program_path(inv: &Invocation, env: &Env) -> OsString {
    let exe = inv.location().current_exe.as_deref();
    match (invoked_path(inv, env.get("PATH")), exe) {
        (Some(p), Some(exe)) if same_file(&p, exe) => p.into_os_string(),
        (_, Some(exe)) => exe.as_os_str().to_os_string(),
        (_, None) => "sso-config".into(),
    }
}

/// `argv[0]` made absolute the way the shell found it: a word with a `/` is
/// a path (relative to the working directory), any other word the first
/// executable file of that name on `PATH` (an empty entry is the working
/// directory). `.` components are dropped; symlinks are kept, they are the
/// point.
fn invoked_path(inv: &Invocation, path_var: Option<&str>) -> Option<PathBuf> {
    use std::os::unix::ffi::OsStrExt;
    use std::os::unix::fs::PermissionsExt;
    let argv0 = Path::new(inv.argv0.as_deref()?);
    let absolute = |p: &Path| -> Option<PathBuf> {
        let p = match p.is_absolute() {
            true => p.to_path_buf(),
            false => inv.location().cwd.as_deref()?.join(p),
        };
        Some(p.components().collect())
    };
    if argv0.as_os_str().is_empty() {
        return None;
    }
    if argv0.as_os_str().as_bytes().contains(&b'/') {
        return absolute(argv0);
    }
    let executable = |p: &Path| {
        std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    };
    // Relative entries are relative to the working directory of the
    // invocation, so each candidate is made absolute before it is looked at.
    path_var?
        .split(':')
        .filter_map(|dir| absolute(&Path::new(if dir.is_empty() { "." } else { dir }).join(argv0)))
        .find(|p| executable(p))
}

/// Whether two paths name the same file (device and inode, links followed).
fn same_file(a: &Path, b: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(x), Ok(y)) => x.dev() == y.dev() && x.ino() == y.ino(),
        _ => false,
    }
}

/// The path of this binary ([`program_path`]), quoted as the first word of a
/// `credential_process` line.
fn self_path(inv: &Invocation, env: &Env) -> Result<String> {
    let path = command_path(
        inv,
        env,
        "--style credential-process",
        "no credential_process line",
    )?;
    Ok(shell::quote(&path))
}

/// The path of this binary ([`program_path`]) for a command line that runs
/// it later: a `credential_process` line, the shell function of `shell-init`.
/// A path that is not UTF-8 or holds a control character (a newline would end
/// an INI value or a shell command) cannot be written; the error starts with
/// `context` and says that `what` can name it.
pub fn command_path(inv: &Invocation, env: &Env, context: &str, what: &str) -> Result<String> {
    let path = program_path(inv, env);
    let refuse = |why: &str| {
        Error::Config(format!(
            "{context}: the path of this binary {} {why}, so {what} can name it; move the binary",
            text::shown(&path.to_string_lossy())
        ))
    };
    let path = path.to_str().ok_or_else(|| refuse("is not valid UTF-8"))?;
    if text::first_control(path).is_some() {
        return Err(refuse("has a control character"));
    }
    Ok(path.to_string())
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
pub fn check_inputs(
    env: &Env,
    session: &Session,
    style: Style,
    program: &Invocation,
) -> Result<()> {
    check_session(session)?;
    fallback_region(env, session)?;
    if style == Style::CredentialProcess {
        self_path(program, env)?;
    }
    Ok(())
}

/// Checks what an `[sso-session]` section of `session` would hold: its name
/// (also the block markers' and `sso_session =`), start URL, region, scopes.
pub fn check_session(session: &Session) -> Result<()> {
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
    /// The `[sso-session NAME]` outside the block, if any: `Ok` when its
    /// start URL and region are the session's, else `Err(line)`.
    outside: Option<std::result::Result<(), usize>>,
    /// The note on the block's BEGIN line (the recorded flags) and its line.
    recorded: Option<(usize, String)>,
}

impl Target {
    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The generate flags recorded in the block's BEGIN line, as written
    /// there, with that line's number; `None` when there are none.
    pub fn recorded(&self) -> Option<(usize, &str)> {
        let (line, note) = self.recorded.as_ref()?;
        (!note.is_empty()).then_some((*line, note.as_str()))
    }

    /// Refuses a `[sso-session]` of the session's name outside the block
    /// whose start URL or region differ (cli.md, "Settled details"); the
    /// `legacy` style writes no session section and does not mind.
    pub fn check(&self, session: &Session, style: Style) -> Result<()> {
        match self.outside {
            Some(Err(line)) if style != Style::Legacy => Err(conflict(&self.path, line, session)),
            _ => Ok(()),
        }
    }
}

/// Reads `file` (the config file when `None`) and checks that the session's
/// block can be written into it. A file that is not a regular one (a FIFO, a
/// directory, a link to one) is refused before it is read.
pub fn load_target(cfg: &Config, file: Option<&Path>, session: &Session) -> Result<Target> {
    fsutil::write_target(file.unwrap_or(&cfg.path))?;
    let loaded;
    let cfg = match file {
        Some(p) if p != cfg.path => {
            loaded = Config::load(p)?;
            &loaded
        }
        _ => cfg,
    };
    target_of(cfg, session)
}

/// The target for the file `cfg` was read from.
fn target_of(cfg: &Config, session: &Session) -> Result<Target> {
    let (begin, end) = config::block_markers(&session.name);
    let file_error = |e| Error::config_file(&cfg.path, e);
    let block = cfg.doc.block_range(&begin, &end).map_err(file_error)?;
    let recorded = cfg.doc.block_note(&begin, &end).map_err(file_error)?;
    let outside = cfg
        .doc
        .sections()
        .iter()
        .filter(|s| block.as_ref().is_none_or(|r| !r.contains(&s.span.start)))
        .find(|s| is_session_section(s, session))
        .map(|s| same_session(s, session).then_some(()).ok_or(s.line));
    Ok(Target {
        path: cfg.path.clone(),
        original: cfg.doc.to_text(),
        doc: cfg.doc.clone(),
        block,
        outside,
        recorded: recorded.map(|(line, note)| (line, note.to_string())),
    })
}

/// Whether `s` is `[sso-session NAME]` of the session's name.
fn is_session_section(s: &Section, session: &Session) -> bool {
    matches!(&s.kind, SectionKind::SsoSession(n) if *n == session.name)
}

/// Whether an `[sso-session]` section names the session's start URL (both
/// normalised, cli.md "Login") and region.
fn same_session(s: &Section, session: &Session) -> bool {
    let url = s.own("sso_start_url").map(normalize_start_url);
    url == Some(normalize_start_url(&session.start_url))
        && s.own("sso_region") == Some(session.region.as_str())
}

fn conflict(path: &Path, line: usize, session: &Session) -> Error {
    Error::ConfigFile {
        path: path.to_path_buf(),
        line: Some(line),
        msg: format!(
            "[sso-session {}] already exists with a different start URL or region than {} in {}; rename it or use --sso-session with another name",
            session.name, session.start_url, session.region
        ),
    }
}

/// `login --start-url … --sso-region …`: where the config stands on the
/// session. `Ok(true)` when an `[sso-session]` of its name has its start URL
/// and region, `Ok(false)` when there is none; one that differs is a
/// configuration error naming its line (nothing is written then).
pub fn session_in_config(cfg: &Config, session: &Session) -> Result<bool> {
    let found = cfg
        .doc
        .sections()
        .iter()
        .find(|s| is_session_section(s, session));
    match found {
        None => Ok(false),
        Some(s) if same_session(s, session) => Ok(true),
        Some(s) => Err(conflict(&cfg.path, s.line, session)),
    }
}

/// Appends `[sso-session NAME]` (start URL, region, scopes) to the config
/// file at `path` unless it is there: read afresh under the file's lock,
/// checked again ([`session_in_config`]), every other byte kept, written
/// atomically. `true` when it was added.
pub fn add_session(paths: &Paths, path: &Path, session: &Session) -> Result<bool> {
    let keys = session_keys(session);
    let added = config::edit(paths, path, None, |current| {
        if session_in_config(current, session)? {
            return Ok((current.doc.to_text(), None));
        }
        let body = ini::render(&[(Header::SsoSession(&session.name), &keys)])
            .map_err(|e| Error::Config(e.to_string()))?;
        let mut doc = current.doc.clone();
        doc.append(&body).map_err(|e| Error::config_file(path, e))?;
        let text = doc.to_text();
        Ok((text.clone(), Some(text)))
    })?;
    let Some(text) = added else {
        return Ok(false);
    };
    config_copy::remember_written(paths, path, &text);
    Ok(true)
}

/// The config file with the session's block replaced, ready to write.
pub struct Merged {
    /// The file.
    pub path: PathBuf,
    /// Its text before.
    pub original: String,
    /// Its text after.
    pub text: String,
    /// "N added, M removed, K changed, U unchanged", and the `[sso-session]`
    /// of the block when it is added, removed or changed.
    pub summary: String,
    /// When every profile the block had changes (or goes): "all 42
    /// profiles (region us-east-1 instead of eu-west-1?)".
    pub sweeping: Option<String>,
}

/// Puts `profiles` into the session's block of `t`, and `note` (the generate
/// flags, see `cmd::generate`) on its BEGIN line. A profile whose name a
/// section outside the block already has is skipped with a warning: what the
/// user wrote wins.
pub fn merge(
    session: &Session,
    style: Style,
    note: &str,
    mut t: Target,
    profiles: Vec<Profile>,
) -> Result<Merged> {
    t.check(session, style)?;
    let (begin, end) = config::block_markers(&session.name);
    let mut user_profiles = HashSet::new();
    let mut old_profiles = BTreeMap::new();
    let mut old_session = None;
    for s in t.doc.sections() {
        let inside = t.block.as_ref().is_some_and(|r| r.contains(&s.span.start));
        let keys = || -> Vec<(String, String)> {
            let pairs = s.entries.iter();
            pairs.map(|e| (e.key.clone(), e.value.clone())).collect()
        };
        match s.kind.profile_name() {
            Some(name) if inside => {
                old_profiles.insert(name.to_string(), keys());
            }
            Some(name) => {
                user_profiles.insert(name.to_string());
            }
            None if inside && is_session_section(s, session) => {
                old_session = Some(keys());
            }
            None => {}
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
    let with_session = t.outside.is_none() && style != Style::Legacy;
    let body = render(session, style, with_session, &kept)?;
    let file_error = |e| Error::config_file(&t.path, e);
    t.doc
        .replace_block(&begin, &end, &body)
        .map_err(file_error)?;
    t.doc
        .set_block_note(&begin, &end, note)
        .map_err(file_error)?;
    let new_session = with_session.then(|| session_keys(session));
    let mut summary = summarize(&old_profiles, &kept);
    if let Some(what) = session_change(old_session.as_deref(), new_session.as_deref()) {
        summary.push_str(&format!("; [sso-session {}] {what}", session.name));
    }
    Ok(Merged {
        text: t.doc.to_text(),
        summary,
        sweeping: sweeping(&old_profiles, &kept),
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
    note: &str,
    checked: Target,
    profiles: Vec<Profile>,
) -> Result<Merged> {
    let merged = config::edit(paths, &checked.path, None, |current| {
        let target = target_of(current, session)?;
        let merged = merge(session, style, note, target, profiles)?;
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
    let kept: HashSet<&str> = new.iter().map(|p| p.name.as_str()).collect();
    let removed = old
        .keys()
        .filter(|name| !kept.contains(name.as_str()))
        .count();
    format!("{added} added, {removed} removed, {changed} changed, {unchanged} unchanged")
}

/// What happens to the block's `[sso-session]`: "added", "removed",
/// "changed", or nothing.
fn session_change(old: Option<&[Keys]>, new: Option<&[Keys]>) -> Option<&'static str> {
    match (old, new) {
        (None, Some(_)) => Some("added"),
        (Some(_), None) => Some("removed"),
        (Some(o), Some(n)) if o != n => Some("changed"),
        _ => None,
    }
}

type Keys = (String, String);

/// When no profile of the block stays as it was (and it had two or more):
/// "all N profiles", with a guess at the cause when one key changes the same
/// way in every profile, the typical trap being a flag left out, e.g.
/// "(region us-east-1 instead of eu-west-1?)".
fn sweeping(old: &BTreeMap<String, Vec<Keys>>, new: &[Profile]) -> Option<String> {
    if old.len() < 2 || new.iter().any(|p| old.get(&p.name) == Some(&p.keys)) {
        return None;
    }
    let pairs: Vec<(&[Keys], &[Keys])> = new
        .iter()
        .filter_map(|p| Some((old.get(&p.name)?.as_slice(), p.keys.as_slice())))
        .collect();
    let hint = match pairs.first() {
        None if new.is_empty() => Some(" (none is left: check the filters?)".to_string()),
        None => Some(
            " (no profile keeps its name: another --name, --lower, --strip-prefix or --role-alias?)"
                .to_string(),
        ),
        Some(&(was0, now0)) => {
            let get = |keys: &[Keys], k: &str| {
                let found = keys.iter().find(|(key, _)| key == k);
                found.map(|(_, v)| v.clone())
            };
            let keys = was0.iter().chain(now0).map(|(k, _)| k.as_str());
            keys.filter_map(|k| {
                let (was, now) = (get(was0, k), get(now0, k));
                let same_everywhere = pairs
                    .iter()
                    .all(|(o, n)| get(o, k) == was && get(n, k) == now);
                let unset = || "unset".to_string();
                (was != now && same_everywhere).then(|| {
                    let (was, now) = (was.unwrap_or_else(unset), now.unwrap_or_else(unset));
                    format!(" ({k} {now} instead of {was}?)")
                })
            })
            .next()
        }
    };
    Some(format!(
        "all {} profiles{}",
        old.len(),
        hint.unwrap_or_default()
    ))
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
            check_inputs(
                &Env::of(env),
                s,
                Style::Sso,
                &Invocation::fixed(None, None, None),
            )
            .map_err(|e| e.to_string())
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

    fn profile(name: &str, region: &str) -> Profile {
        Profile {
            name: name.into(),
            keys: vec![
                ("sso_session".into(), "corp".into()),
                ("region".into(), region.into()),
            ],
        }
    }

    #[test]
    fn a_sweeping_change_is_named_with_its_likely_cause() {
        let old: BTreeMap<String, Vec<Keys>> = ["a", "b"]
            .iter()
            .map(|n| (n.to_string(), profile(n, "eu-west-1").keys))
            .collect();
        let moved = [profile("a", "us-east-1"), profile("b", "us-east-1")];
        assert_eq!(
            sweeping(&old, &moved).as_deref(),
            Some("all 2 profiles (region us-east-1 instead of eu-west-1?)")
        );
        let mixed = [profile("a", "us-east-1"), profile("b", "us-east-2")];
        assert_eq!(sweeping(&old, &mixed).as_deref(), Some("all 2 profiles"));
        let renamed = [profile("x", "eu-west-1"), profile("y", "eu-west-1")];
        assert!(
            sweeping(&old, &renamed)
                .unwrap()
                .contains("no profile keeps its name")
        );
        assert!(sweeping(&old, &[]).unwrap().contains("none is left"));
        let one_kept = [profile("a", "eu-west-1"), profile("b", "us-east-1")];
        assert_eq!(sweeping(&old, &one_kept), None);
        let single: BTreeMap<String, Vec<Keys>> =
            [("a".to_string(), profile("a", "eu-west-1").keys)].into();
        assert_eq!(sweeping(&single, &moved[..1]), None);
        assert_eq!(session_change(None, Some(&[])), Some("added"));
        assert_eq!(session_change(Some(&[]), None), Some("removed"));
        assert_eq!(session_change(Some(&[]), Some(&[])), None);
    }

    #[test]
    fn argv0_is_made_absolute_the_way_the_shell_found_it() {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("sso-config-argv0-{}", std::process::id()));
        let (plain, exec) = (dir.join("plain"), dir.join("exec"));
        for d in [&plain, &exec] {
            std::fs::create_dir_all(d).unwrap();
            std::fs::write(d.join("prog"), "").unwrap();
        }
        let mode = std::fs::Permissions::from_mode(0o755);
        std::fs::set_permissions(exec.join("prog"), mode).unwrap();
        let inv = |argv0: &str| Invocation::fixed(Some(argv0), None, Some(dir.clone()));
        let path = format!("{}::{}", plain.display(), exec.display());
        assert_eq!(
            invoked_path(&inv("prog"), Some(&path)),
            Some(exec.join("prog")),
            "the first executable on PATH"
        );
        assert_eq!(invoked_path(&inv("prog"), Some("")), None);
        assert_eq!(
            invoked_path(&inv("prog"), Some("exec")),
            Some(exec.join("prog"))
        );
        assert_eq!(
            invoked_path(&inv("exec/prog"), Some("")),
            Some(exec.join("prog"))
        );
        assert_eq!(
            invoked_path(&inv("./exec/./prog"), None),
            Some(dir.join("exec/prog"))
        );
        assert_eq!(
            invoked_path(&inv("/a/./b"), None),
            Some(PathBuf::from("/a/b"))
        );
        assert_eq!(invoked_path(&inv(""), Some(&path)), None);
        assert!(same_file(
            &exec.join("prog"),
            &dir.join("exec/../exec/prog")
        ));
        assert!(!same_file(&exec.join("prog"), &plain.join("prog")));
        let _ = std::fs::remove_dir_all(dir);
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
