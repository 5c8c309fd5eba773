/*!
Profile naming for `generate`: which accounts and roles are kept, which regions
each account gets, what each profile is called, and in which order the
profiles come out.

Everything here is pure: no environment, files or network. The caller resolves
the fallback region (`AWS_REGION` / `AWS_DEFAULT_REGION` / the session's
`sso_region`) and passes it in.

The pipeline, as settled in `spec/cli.md` ("Settled details" → "Profile names"):

1. [`Filters`] drop accounts and roles.
2. [`regions_for`] picks the regions of each account; [`Entry::for_regions`]
   makes one [`Entry`] per account × role × region.
3. [`name_all`] sorts the entries, names each one with [`profile_name`]
   (template fill → [`sanitize`] → `--lower`) and makes the names unique.

"Letter" and "digit" mean ASCII letters and digits. The AWS SDK for Rust, like
the reference Java implementation it follows, ignores any profile whose name is
not `[A-Za-z0-9_\-/.%@:+]+` (smithy-rs:
`aws/rust-runtime/aws-config/src/profile/parser/normalize.rs`,
`validate_identifier`), and botocore decodes the config file with the locale's
encoding, so a non-ASCII name would be dropped or misread by some consumers.
*/

use std::collections::{HashMap, HashSet};
use std::fmt;

use crate::util::text;

/// The `--name` template used when none is given. With several `--region`
/// values, `.{region}` is appended to it (as to any template without
/// `{region}`).
pub const DEFAULT_TEMPLATE: &str = "{account_name}.{role_name}";

/// One account × role × region to be named (input to naming).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The 12-digit account id.
    pub account_id: String,
    /// The account name exactly as the portal returns it (before any
    /// `--strip-prefix`): sorting and filters use this form.
    pub account_name: String,
    /// The role (permission set) name as the portal returns it.
    pub role_name: String,
    /// The profile's region; `None` only when no region is known at all.
    pub region: Option<String>,
    /// Position of `region` in the list [`regions_for`] returned for this
    /// account, so profiles of one role sort in the order the regions were
    /// given rather than alphabetically. 0 when there is a single region.
    pub region_index: usize,
}

impl Entry {
    /// One entry per region of `regions` (in that order, with its index), or a
    /// single entry without a region when `regions` is empty — so an account
    /// is never dropped for lack of a region.
    pub fn for_regions(
        account_id: &str,
        account_name: &str,
        role_name: &str,
        regions: &[String],
    ) -> Vec<Entry> {
        let make = |region: Option<String>, region_index: usize| Entry {
            account_id: account_id.to_string(),
            account_name: account_name.to_string(),
            role_name: role_name.to_string(),
            region,
            region_index,
        };
        if regions.is_empty() {
            return vec![make(None, 0)];
        }
        regions
            .iter()
            .enumerate()
            .map(|(i, r)| make(Some(r.clone()), i))
            .collect()
    }
}

/// How profile names are built (the naming flags of `generate`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NamingOptions {
    /// `--name TEMPLATE`; `None` means [`DEFAULT_TEMPLATE`]. Check it with
    /// [`validate_template`] first: naming never fails, and the pieces of an
    /// invalid template are used as literal text.
    pub template: Option<String>,
    /// `--lower`: lower-case the final name (after sanitizing).
    pub lower: bool,
    /// `--strip-prefix` values, in the order given. Only the first one that
    /// is a prefix of the account name is removed (exact, case-sensitive).
    /// An empty prefix, or one equal to the whole account name, never
    /// matches, so an account name never vanishes.
    pub strip_prefixes: Vec<String>,
    /// `--role-alias ROLE=ALIAS` pairs, in the order given. ROLE matches the
    /// role name ignoring ASCII case (IAM role names are unique regardless of
    /// case, so this is never ambiguous); the first matching pair wins. An
    /// empty ALIAS drops `{role_name}` plus ONE adjacent separator (`.`, `-`,
    /// `_`, `/`, `:`) of the template text: the one right before it, or, when
    /// it starts the name, the one right after it.
    pub role_aliases: Vec<(String, String)>,
    /// The session name, for `{session}`.
    pub session: String,
    /// Several `--region` values were given (count distinct values): a
    /// template without `{region}` gets `.{region}` appended.
    pub multi_region: bool,
}

/// `--include-account`, `--exclude-account` and `--exclude-role` globs
/// (see [`glob_match`]: `*`, `?`, case-insensitive, whole string).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filters {
    /// When non-empty, only accounts whose name or id matches one of these
    /// are kept.
    pub include_accounts: Vec<String>,
    /// Accounts whose name or id matches one of these are dropped, even when
    /// an include glob matches them too.
    pub exclude_accounts: Vec<String>,
    /// Roles whose name matches one of these are dropped.
    pub exclude_roles: Vec<String>,
}

impl Filters {
    /// Whether the account survives the filters. `name` is the account name
    /// as the portal returns it (before `--strip-prefix`), so filters do not
    /// change meaning when a prefix is stripped.
    pub fn keep_account(&self, id: &str, name: &str) -> bool {
        let hit = |g: &String| glob_match(g, name) || glob_match(g, id);
        if self.exclude_accounts.iter().any(hit) {
            return false;
        }
        self.include_accounts.is_empty() || self.include_accounts.iter().any(hit)
    }

    /// Whether the role survives `--exclude-role`.
    pub fn keep_role(&self, role: &str) -> bool {
        !self.exclude_roles.iter().any(|g| glob_match(g, role))
    }
}

/// Whether `text` matches `pattern` as a whole. `*` matches any run of
/// characters (also none), `?` exactly one character; every other character
/// matches itself, ignoring case. There is no escape and no `[...]` class:
/// account and role names cannot usefully contain `*` or `?`. An empty
/// pattern matches only the empty string.
///
/// Greedy matching that remembers only the latest `*`: once a later `*`
/// matched, backing up to an earlier one can never help, so the worst case is
/// O(pattern × text) instead of the exponential blow-up of naive recursion.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().map(fold_case).collect();
    let t: Vec<char> = text.chars().map(fold_case).collect();
    let (mut pi, mut ti) = (0, 0);
    // (pattern index just after the last `*`, text index it was tried at)
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        match p.get(pi) {
            Some('*') => {
                pi += 1;
                star = Some((pi, ti));
            }
            Some(&c) if c == '?' || c == t[ti] => {
                pi += 1;
                ti += 1;
            }
            _ => match star {
                // Let the last `*` swallow one more character and retry.
                Some((sp, st)) => {
                    pi = sp;
                    ti = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

/// One-character case folding. Characters whose lower-case form is several
/// characters (e.g. `İ`) are compared as they are, which keeps `?` meaning
/// one character of the text as written.
fn fold_case(c: char) -> char {
    let mut lower = c.to_lowercase();
    match (lower.next(), lower.next()) {
        (Some(l), None) => l,
        _ => c,
    }
}

/// A `--region-rule GLOB=REGION`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegionRule {
    /// Matched (see [`glob_match`]) against the account name as the portal
    /// returns it, and against the account id.
    pub glob: String,
    /// The region every profile of a matching account gets.
    pub region: String,
}

/// Regions for one account: first rule whose glob matches the account name
/// (as the portal returns it) or id → that one region; else the `--region`
/// values in the order given, duplicates dropped (a repeated value would only
/// produce colliding profiles); else `fallback` (`AWS_REGION` /
/// `AWS_DEFAULT_REGION` / `sso_region`, resolved by the caller) as a single
/// region. An empty `fallback` gives an empty list, which
/// [`Entry::for_regions`] turns into one entry without a region.
pub fn regions_for(
    account_id: &str,
    account_name: &str,
    rules: &[RegionRule],
    regions: &[String],
    fallback: &str,
) -> Vec<String> {
    if let Some(rule) = rules
        .iter()
        .find(|r| glob_match(&r.glob, account_name) || glob_match(&r.glob, account_id))
    {
        return vec![rule.region.clone()];
    }
    if !regions.is_empty() {
        let mut out: Vec<String> = Vec::with_capacity(regions.len());
        for r in regions {
            if !out.contains(r) {
                out.push(r.clone());
            }
        }
        return out;
    }
    if fallback.is_empty() {
        return Vec::new();
    }
    vec![fallback.to_string()]
}

/// An invalid `--name` template or `KEY=VALUE` argument. Every variant is a
/// usage error (exit 2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NamingError {
    /// `{name}` is not one of the known placeholders.
    UnknownPlaceholder {
        /// The placeholder as written, braces included.
        placeholder: String,
    },
    /// A `{` without its `}`, or a `}` without its `{`. There is no escape
    /// for literal braces: they could only become `-` in a profile name.
    UnbalancedBrace {
        /// The brace, `{` or `}`.
        brace: char,
        /// 1-based character position of the brace in the template.
        position: usize,
        /// The whole template.
        template: String,
    },
    /// `--name ''`: every profile would be named after its account id.
    EmptyTemplate,
    /// A `--role-alias`, `--region-rule` or `--set` argument that is not
    /// `KEY=VALUE`.
    KeyValue {
        /// The flag, as typed (`--region-rule`).
        flag: String,
        /// The argument as given.
        arg: String,
        /// What is wrong with it.
        problem: KvProblem,
    },
}

/// What is wrong with a `KEY=VALUE` argument.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KvProblem {
    /// There is no `=`.
    NoEquals,
    /// Nothing (or only spaces) before the `=`.
    EmptyKey,
    /// Nothing after the `=`, for a flag that needs a value.
    EmptyValue,
}

impl fmt::Display for NamingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NamingError::UnknownPlaceholder { placeholder } => write!(
                f,
                "unknown placeholder '{placeholder}' in --name; use {}",
                PLACEHOLDER_LIST
            ),
            NamingError::UnbalancedBrace {
                brace,
                position,
                template,
            } => write!(
                f,
                "unbalanced '{brace}' at character {position} of --name '{template}'; \
                 braces only surround placeholders such as {{account_name}}"
            ),
            NamingError::EmptyTemplate => write!(
                f,
                "--name is empty; give a template such as '{DEFAULT_TEMPLATE}'"
            ),
            NamingError::KeyValue { flag, arg, problem } => {
                let form = kv_form(flag);
                let what = match problem {
                    KvProblem::NoEquals => "there is no '='",
                    KvProblem::EmptyKey => "the part before '=' is empty",
                    KvProblem::EmptyValue => "the part after '=' is empty",
                };
                write!(f, "{flag} expects {form}, got '{arg}': {what}")
            }
        }
    }
}

impl std::error::Error for NamingError {}

const PLACEHOLDER_LIST: &str = "{account_name}, {account_id}, {role_name}, {region} or {session}";

/// The usage form shown in errors for a `KEY=VALUE` flag.
fn kv_form(flag: &str) -> &'static str {
    match flag {
        "--role-alias" => "ROLE=ALIAS",
        "--region-rule" => "GLOB=REGION",
        _ => "KEY=VALUE",
    }
}

/// Splits `"A=B"` at the first `=` (so the value may contain `=`) and trims
/// spaces around both parts. `flag` is the flag as typed (`--role-alias`,
/// `--region-rule`, `--set`) and is named in the error.
///
/// The key may never be empty. The value may be empty except for
/// `--region-rule` (a region cannot be empty): `--role-alias ROLE=` drops the
/// role from names, and `--set cli_pager=` is how the AWS CLI's pager is
/// turned off.
pub fn parse_kv(arg: &str, flag: &str) -> Result<(String, String), NamingError> {
    let err = |problem| NamingError::KeyValue {
        flag: flag.to_string(),
        arg: arg.to_string(),
        problem,
    };
    let (key, value) = arg
        .split_once('=')
        .ok_or_else(|| err(KvProblem::NoEquals))?;
    let (key, value) = (key.trim(), value.trim());
    if key.is_empty() {
        return Err(err(KvProblem::EmptyKey));
    }
    if value.is_empty() && flag == "--region-rule" {
        return Err(err(KvProblem::EmptyValue));
    }
    Ok((key.to_string(), value.to_string()))
}

/// A template placeholder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    AccountName,
    AccountId,
    RoleName,
    Region,
    Session,
}

impl Field {
    fn from_name(name: &str) -> Option<Field> {
        Some(match name {
            "account_name" => Field::AccountName,
            "account_id" => Field::AccountId,
            "role_name" => Field::RoleName,
            "region" => Field::Region,
            "session" => Field::Session,
            _ => return None,
        })
    }
}

/// A parsed template: literal text and placeholders.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Text(String),
    Field(Field),
}

/// Parses leniently: whatever is invalid stays as literal text, and the first
/// problem is returned beside the pieces, so [`validate_template`] and
/// [`profile_name`] share one parser and naming never fails.
fn parse_template(template: &str) -> (Vec<Piece>, Option<NamingError>) {
    let mut pieces = Vec::new();
    let mut first_err = None;
    let mut text = String::new();
    let chars: Vec<char> = template.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '{' => {
                let close = chars[i + 1..]
                    .iter()
                    .position(|&c| c == '{' || c == '}')
                    .map(|off| i + 1 + off)
                    .filter(|&j| chars[j] == '}');
                match close {
                    Some(j) => {
                        let name: String = chars[i + 1..j].iter().collect();
                        match Field::from_name(&name) {
                            Some(field) => {
                                if !text.is_empty() {
                                    pieces.push(Piece::Text(std::mem::take(&mut text)));
                                }
                                pieces.push(Piece::Field(field));
                            }
                            None => {
                                let placeholder = format!("{{{name}}}");
                                text.push_str(&placeholder);
                                first_err
                                    .get_or_insert(NamingError::UnknownPlaceholder { placeholder });
                            }
                        }
                        i = j + 1;
                        continue;
                    }
                    None => {
                        first_err.get_or_insert(NamingError::UnbalancedBrace {
                            brace: '{',
                            position: i + 1,
                            template: template.to_string(),
                        });
                        text.push('{');
                    }
                }
            }
            '}' => {
                first_err.get_or_insert(NamingError::UnbalancedBrace {
                    brace: '}',
                    position: i + 1,
                    template: template.to_string(),
                });
                text.push('}');
            }
            c => text.push(c),
        }
        i += 1;
    }
    if !text.is_empty() {
        pieces.push(Piece::Text(text));
    }
    (pieces, first_err)
}

/// Checks a `--name` template: every `{…}` must be a known placeholder
/// (case-sensitive: `{account_name}`, `{account_id}`, `{role_name}`,
/// `{region}`, `{session}`), braces must pair up, and the template must not
/// be empty. The error names the first problem.
pub fn validate_template(t: &str) -> Result<(), NamingError> {
    if t.is_empty() {
        return Err(NamingError::EmptyTemplate);
    }
    match parse_template(t).1 {
        Some(err) => Err(err),
        None => Ok(()),
    }
}

/// Characters that `--role-alias ROLE=` removes next to `{role_name}`.
fn is_separator(c: char) -> bool {
    matches!(c, '.' | '-' | '_' | '/' | ':')
}

/// The template of a naming run, parsed once: the default when none was
/// given, plus `.{region}` with several regions.
struct Template {
    pieces: Vec<Piece>,
}

impl Template {
    fn new(opts: &NamingOptions) -> Template {
        let source = opts.template.as_deref().unwrap_or(DEFAULT_TEMPLATE);
        let mut pieces = parse_template(source).0;
        if opts.multi_region && !pieces.contains(&Piece::Field(Field::Region)) {
            pieces.push(Piece::Text(".".to_string()));
            pieces.push(Piece::Field(Field::Region));
        }
        Template { pieces }
    }

    /// The pieces with every `{role_name}` removed, each with one separator:
    /// the one ending the text before it, or — when nothing is before it —
    /// the one starting the text after it. Works on the template text, not
    /// on filled values, so an account name ending in `.` is never cut.
    fn without_role(&self) -> Vec<Piece> {
        let mut out: Vec<Piece> = Vec::with_capacity(self.pieces.len());
        let mut eat_next_separator = false;
        for piece in &self.pieces {
            match piece {
                Piece::Field(Field::RoleName) => {
                    let at_start = out
                        .iter()
                        .all(|p| matches!(p, Piece::Text(s) if s.is_empty()));
                    if let Some(Piece::Text(prev)) = out.last_mut()
                        && prev.ends_with(is_separator)
                    {
                        prev.pop();
                    } else if at_start {
                        eat_next_separator = true;
                    }
                }
                Piece::Text(s) => {
                    let mut s = s.as_str();
                    if eat_next_separator && s.starts_with(is_separator) {
                        s = &s[1..];
                    }
                    eat_next_separator = false;
                    out.push(Piece::Text(s.to_string()));
                }
                other => {
                    eat_next_separator = false;
                    out.push(other.clone());
                }
            }
        }
        out
    }

    fn name(&self, opts: &NamingOptions, e: &Entry) -> String {
        let alias = opts
            .role_aliases
            .iter()
            .find(|(role, _)| role.eq_ignore_ascii_case(&e.role_name))
            .map(|(_, alias)| alias.as_str());
        let dropped;
        let pieces = if alias == Some("") {
            dropped = self.without_role();
            &dropped
        } else {
            &self.pieces
        };
        let mut filled = String::new();
        for piece in pieces {
            match piece {
                Piece::Text(s) => filled.push_str(s),
                Piece::Field(Field::AccountName) => filled.push_str(&account_name_part(opts, e)),
                Piece::Field(Field::AccountId) => filled.push_str(&e.account_id),
                Piece::Field(Field::RoleName) => filled.push_str(alias.unwrap_or(&e.role_name)),
                Piece::Field(Field::Region) => filled.push_str(e.region.as_deref().unwrap_or("")),
                Piece::Field(Field::Session) => filled.push_str(&opts.session),
            }
        }
        let name = finish(opts, &filled);
        if !name.is_empty() {
            return name;
        }
        // A name cannot be empty (`[profile ]` is no profile); the account id
        // is the one value that is always there and always valid.
        let id = finish(opts, &e.account_id);
        if id.is_empty() {
            "profile".to_string()
        } else {
            id
        }
    }
}

/// `{account_name}`: the name with the first matching `--strip-prefix`
/// removed. A name with no ASCII letter or digit (e.g. written only in
/// another script) would sanitize to nothing, so the account id stands in
/// for it, which keeps such accounts apart without collisions.
fn account_name_part(opts: &NamingOptions, e: &Entry) -> String {
    let name = e.account_name.as_str();
    let stripped = opts
        .strip_prefixes
        .iter()
        .find(|p| !p.is_empty() && name.len() > p.len() && name.starts_with(p.as_str()))
        .map_or(name, |p| &name[p.len()..]);
    if stripped.chars().any(|c| c.is_ascii_alphanumeric()) {
        stripped.to_string()
    } else {
        e.account_id.clone()
    }
}

/// Sanitizing, then `--lower`.
fn finish(opts: &NamingOptions, s: &str) -> String {
    let mut out = sanitize(s);
    if opts.lower {
        out.make_ascii_lowercase();
    }
    out
}

/// Makes text safe as a profile name: every character that is not an ASCII
/// letter or digit, `.`, `_`, `-`, `@` or `+` becomes `-` (quotes, `#`, `;`,
/// `[`, `]`, `=`, `/`, whitespace and non-ASCII included); runs of `-`
/// collapse to one; a `-` at either end or next to `.`, `_`, `@` or `+` is
/// dropped (cli.md, "Profile names"). The result may be empty.
pub fn sanitize(s: &str) -> String {
    let is_separator = |c: char| matches!(c, '.' | '_' | '@' | '+');
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        // The one name rule (`util::text`), which the INI writer checks again.
        let c = if text::is_name_char(c) { c } else { '-' };
        // Skipping a `-` at the start trims it; skipping one after a `-`
        // collapses the run; skipping one after a separator drops it there.
        if c == '-' && (out.is_empty() || out.ends_with(['-', '.', '_', '@', '+'])) {
            continue;
        }
        if is_separator(c) && out.ends_with('-') {
            out.pop();
        }
        out.push(c);
    }
    if out.ends_with('-') {
        out.pop();
    }
    out
}

#[cfg(test)]
/// The final profile name of one entry, before collisions are resolved:
/// template fill → [`sanitize`] → `--lower`.
///
/// - `{account_name}` is the account name with the first matching
///   `--strip-prefix` removed; when it has no ASCII letter or digit, the
///   account id is used instead.
/// - `{role_name}` is the role's alias when one is set (an empty alias drops
///   the placeholder and one separator, see [`NamingOptions::role_aliases`]).
/// - `{region}` is empty for an entry without a region.
/// - A name that ends up empty becomes the (sanitized) account id, or
///   `profile` if even that is empty.
pub fn profile_name(opts: &NamingOptions, e: &Entry) -> String {
    Template::new(opts).name(opts, e)
}

/// A named profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Named {
    /// The final, unique profile name.
    pub name: String,
    /// What it was named from.
    pub entry: Entry,
}

/// Sorts the entries, names them, and makes the names unique. Returns the
/// profiles in output order and one warning per collided name (plain
/// sentences without a prefix; the caller adds `sso-config: warning: `).
///
/// Order: account name ignoring case (as the portal returns it, not
/// stripped), then account id, then role name (byte order), then
/// `region_index`; region and account name as written break any remaining
/// tie, so the order never depends on the input order.
///
/// Collisions are found on final names (after `--lower`, compared exactly)
/// and resolved in up to three rounds. Each round looks at all names and
/// treats every name shared by 2+ profiles the same way, so the result does
/// not depend on the input order:
///
/// 1. every profile of a shared name gets `-<account_id>` appended (the
///    settled rule; this is the only round that runs unless one account has
///    several profiles with the same name, or a suffixed name happens to equal
///    another profile's name);
/// 2. names still shared get `-<role_name>` appended (the original role
///    name, not its alias: e.g. a template without `{role_name}`, or two roles
///    aliased alike);
/// 3. names still shared get `-1`, `-2`, … in output order, skipping any
///    number whose name is already taken.
///
/// Suffixes are sanitized and follow `--lower` like the rest of the name.
pub fn name_all(opts: &NamingOptions, entries: Vec<Entry>) -> (Vec<Named>, Vec<String>) {
    let mut entries = entries;
    entries.sort_by_cached_key(|e| {
        (
            e.account_name.to_lowercase(),
            e.account_id.clone(),
            e.role_name.clone(),
            e.region_index,
            e.region.clone(),
            e.account_name.clone(),
        )
    });
    let template = Template::new(opts);
    let mut names: Vec<String> = entries.iter().map(|e| template.name(opts, e)).collect();
    // (name shared before a round, indices of the profiles that shared it)
    let mut collided: Vec<(String, Vec<usize>)> = Vec::new();

    for round in 1..=3 {
        let groups = shared_names(&names);
        if groups.is_empty() {
            break;
        }
        let mut taken: HashSet<String> = HashSet::new();
        if round == 3 {
            let in_groups: HashSet<usize> = groups.iter().flatten().copied().collect();
            taken = (0..names.len())
                .filter(|i| !in_groups.contains(i))
                .map(|i| names[i].clone())
                .collect();
        }
        for group in groups {
            collided.push((names[group[0]].clone(), group.clone()));
            let mut n = 1usize;
            for &i in &group {
                let e = &entries[i];
                names[i] = match round {
                    1 => append(opts, &names[i], &e.account_id),
                    2 => append(opts, &names[i], &e.role_name),
                    _ => loop {
                        let candidate = append(opts, &names[i], &n.to_string());
                        n += 1;
                        if taken.insert(candidate.clone()) {
                            break candidate;
                        }
                    },
                };
            }
        }
    }

    let warnings = collided
        .iter()
        .map(|(name, group)| collision_warning(name, group, &entries, &names))
        .collect();
    let named = entries
        .into_iter()
        .zip(names)
        .map(|(entry, name)| Named { name, entry })
        .collect();
    (named, warnings)
}

/// Indices of profiles sharing a name, one group per shared name, groups and
/// indices in output order.
fn shared_names(names: &[String]) -> Vec<Vec<usize>> {
    let mut by_name: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, n) in names.iter().enumerate() {
        by_name.entry(n.as_str()).or_default().push(i);
    }
    let mut groups: Vec<Vec<usize>> = by_name.into_values().filter(|g| g.len() > 1).collect();
    groups.sort_by_key(|g| g[0]);
    groups
}

/// `name-suffix`, with the suffix sanitized and lowered like a name. Names
/// never end with `-` and a sanitized suffix never starts with one, so no
/// `--` appears.
fn append(opts: &NamingOptions, name: &str, suffix: &str) -> String {
    let suffix = finish(opts, suffix);
    if suffix.is_empty() {
        return name.to_string();
    }
    format!("{name}-{suffix}")
}

fn collision_warning(name: &str, group: &[usize], entries: &[Entry], names: &[String]) -> String {
    let mut ids: Vec<&str> = Vec::new();
    for &i in group {
        if !ids.contains(&entries[i].account_id.as_str()) {
            ids.push(&entries[i].account_id);
        }
    }
    let accounts = if ids.len() == 1 {
        "account"
    } else {
        "accounts"
    };
    let finals: Vec<String> = group.iter().map(|&i| format!("'{}'", names[i])).collect();
    format!(
        "profile name '{name}' would be used by {} profiles ({accounts} {}); named {} instead",
        group.len(),
        ids.join(", "),
        finals.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: &str, name: &str, role: &str) -> Entry {
        Entry {
            account_id: id.to_string(),
            account_name: name.to_string(),
            role_name: role.to_string(),
            region: None,
            region_index: 0,
        }
    }

    fn opts() -> NamingOptions {
        NamingOptions {
            session: "corp".to_string(),
            ..NamingOptions::default()
        }
    }

    fn with_template(t: &str) -> NamingOptions {
        NamingOptions {
            template: Some(t.to_string()),
            ..opts()
        }
    }

    fn name_of(o: &NamingOptions, account_name: &str, role: &str) -> String {
        profile_name(o, &entry("111111111111", account_name, role))
    }

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    // ---- sanitizing ----

    #[test]
    fn sanitize_replaces_everything_botocore_misreads() {
        assert_eq!(sanitize("a\"b'c"), "a-b-c");
        assert_eq!(sanitize("a#b;c"), "a-b-c");
        assert_eq!(sanitize("a[b]c"), "a-b-c");
        assert_eq!(sanitize("a=b/c"), "a-b-c");
        assert_eq!(sanitize("a b\tc\nd\re"), "a-b-c-d-e");
        assert_eq!(sanitize("a\\b,c*d(e)"), "a-b-c-d-e");
        assert_eq!(
            sanitize("a\u{1b}]0;x\u{7}b\u{0}c\u{7f}d\u{85}e\u{2028}f\u{202e}g"),
            "a-0-x-b-c-d-e-f-g"
        );
        assert!(text::is_name(&sanitize(
            "Ops\r[profile evil]\ncredential_process = x"
        )));
    }

    #[test]
    fn sanitize_keeps_allowed_characters() {
        assert_eq!(sanitize("Ab9.x_y-z@w+v"), "Ab9.x_y-z@w+v");
    }

    #[test]
    fn sanitize_replaces_non_ascii_letters() {
        // The AWS SDKs ignore profiles whose name is not ASCII.
        assert_eq!(sanitize("Café Prod"), "Caf-Prod");
        assert_eq!(sanitize("Ünïcode"), "n-code");
        assert_eq!(sanitize("本番"), "");
        assert_eq!(sanitize("１２"), "");
    }

    #[test]
    fn sanitize_collapses_and_trims_dashes() {
        assert_eq!(sanitize("a  --  b"), "a-b");
        assert_eq!(sanitize("a---b"), "a-b");
        assert_eq!(sanitize("--a--"), "a");
        assert_eq!(sanitize(" [a] "), "a");
        assert_eq!(sanitize("-"), "");
        assert_eq!(sanitize(""), "");
        // Only `-` is trimmed.
        assert_eq!(sanitize(".a_"), ".a_");
        // A `-` next to `.`, `_`, `@` or `+` goes.
        assert_eq!(sanitize("Logs (x) .Admin"), "Logs-x.Admin");
        assert_eq!(sanitize("a -_- b+ -c@-d"), "a_b+c@d");
    }

    #[test]
    fn default_template_and_spaces() {
        assert_eq!(
            name_of(&opts(), "My Prod Account", "AdministratorAccess"),
            "My-Prod-Account.AdministratorAccess"
        );
        assert_eq!(
            name_of(&opts(), "team [eu] #1; =x", "ReadOnly"),
            "team-eu-1-x.ReadOnly"
        );
    }

    #[test]
    fn a_dash_next_to_the_templates_separator_goes() {
        // issue 10's example: the `)` becomes a `-` that would sit before
        // the template's `.`; it is dropped, not kept as "EU-.".
        assert_eq!(
            name_of(&opts(), "Security: Audit & Logs (EU)", "ReadOnlyAccess"),
            "Security-Audit-Logs-EU.ReadOnlyAccess"
        );
        let o = with_template("{account_name}_{role_name}@{region}+x");
        assert_eq!(name_of(&o, "(EU)", "(Admin)"), "EU_Admin@+x");
    }

    #[test]
    fn sanitizing_happens_after_filling() {
        // A separator from the template and one from a value collapse together.
        let o = with_template("{account_name}-{role_name}");
        assert_eq!(name_of(&o, "prod -", "- admin"), "prod-admin");
    }

    #[test]
    fn lower_applies_after_sanitizing() {
        let o = NamingOptions {
            lower: true,
            ..opts()
        };
        assert_eq!(name_of(&o, "My Prod", "ReadOnly"), "my-prod.readonly");
    }

    #[test]
    fn non_ascii_account_name_falls_back_to_account_id() {
        assert_eq!(name_of(&opts(), "本番", "Admin"), "111111111111.Admin");
        // Latin names with some accents keep their ASCII letters.
        assert_eq!(name_of(&opts(), "Produção", "Admin"), "Produ-o.Admin");
    }

    #[test]
    fn empty_name_falls_back_to_account_id() {
        let o = with_template("{session}");
        let e = entry("222222222222", "x", "r");
        let empty_session = NamingOptions {
            session: "///".to_string(),
            ..o
        };
        assert_eq!(profile_name(&empty_session, &e), "222222222222");
        let o = with_template("--");
        assert_eq!(profile_name(&o, &entry("", "x", "r")), "profile");
    }

    // ---- placeholders and templates ----

    #[test]
    fn every_placeholder_is_filled() {
        let o = with_template("{session}/{account_id}/{account_name}/{role_name}/{region}");
        let mut e = entry("123456789012", "Prod", "Admin");
        e.region = Some("eu-west-1".to_string());
        assert_eq!(
            profile_name(&o, &e),
            "corp-123456789012-Prod-Admin-eu-west-1"
        );
    }

    #[test]
    fn missing_region_fills_empty() {
        let o = with_template("{account_name}-{region}");
        assert_eq!(name_of(&o, "Prod", "Admin"), "Prod");
    }

    #[test]
    fn validate_template_accepts_known_placeholders() {
        assert_eq!(validate_template(DEFAULT_TEMPLATE), Ok(()));
        assert_eq!(
            validate_template("{session}:{account_id}:{account_name}:{role_name}:{region}"),
            Ok(())
        );
        assert_eq!(validate_template("plain"), Ok(()));
    }

    #[test]
    fn validate_template_rejects_unknown_placeholders() {
        let err = validate_template("{account_name}.{acount_id}").unwrap_err();
        assert_eq!(
            err,
            NamingError::UnknownPlaceholder {
                placeholder: "{acount_id}".to_string()
            }
        );
        let msg = err.to_string();
        assert!(msg.contains("'{acount_id}'"), "{msg}");
        assert!(msg.contains("{account_id}"), "{msg}");
        // Case matters, and `{}` is no placeholder.
        assert!(validate_template("{Account_Name}").is_err());
        assert!(validate_template("{}").is_err());
    }

    #[test]
    fn validate_template_rejects_unbalanced_braces() {
        assert_eq!(
            validate_template("ab{account_name"),
            Err(NamingError::UnbalancedBrace {
                brace: '{',
                position: 3,
                template: "ab{account_name".to_string()
            })
        );
        assert_eq!(
            validate_template("{role_name}}"),
            Err(NamingError::UnbalancedBrace {
                brace: '}',
                position: 12,
                template: "{role_name}}".to_string()
            })
        );
        assert!(validate_template("{{role_name}}").is_err());
        let msg = validate_template("x}").unwrap_err().to_string();
        assert!(msg.contains("'}'") && msg.contains("character 2"), "{msg}");
    }

    #[test]
    fn validate_template_rejects_empty() {
        assert_eq!(validate_template(""), Err(NamingError::EmptyTemplate));
    }

    #[test]
    fn invalid_template_is_used_literally() {
        let o = with_template("{nope}.{account_name}{");
        assert_eq!(name_of(&o, "Prod", "Admin"), "nope.Prod");
    }

    #[test]
    fn position_counts_characters_not_bytes() {
        let err = validate_template("é{").unwrap_err();
        assert!(matches!(
            err,
            NamingError::UnbalancedBrace { position: 2, .. }
        ));
    }

    // ---- strip prefix ----

    #[test]
    fn strip_prefix_is_exact_and_case_sensitive() {
        let o = NamingOptions {
            strip_prefixes: strings(&["acme-"]),
            ..opts()
        };
        assert_eq!(name_of(&o, "acme-prod", "R"), "prod.R");
        assert_eq!(name_of(&o, "ACME-prod", "R"), "ACME-prod.R");
        assert_eq!(name_of(&o, "x-acme-prod", "R"), "x-acme-prod.R");
    }

    #[test]
    fn strip_prefix_removes_only_the_first_match() {
        let o = NamingOptions {
            strip_prefixes: strings(&["acme-", "acme-corp-"]),
            ..opts()
        };
        assert_eq!(name_of(&o, "acme-corp-prod", "R"), "corp-prod.R");
        let o = NamingOptions {
            strip_prefixes: strings(&["acme-corp-", "acme-"]),
            ..opts()
        };
        assert_eq!(name_of(&o, "acme-corp-prod", "R"), "prod.R");
        // Not applied twice.
        let o = NamingOptions {
            strip_prefixes: strings(&["a-"]),
            ..opts()
        };
        assert_eq!(name_of(&o, "a-a-b", "R"), "a-b.R");
    }

    #[test]
    fn strip_prefix_never_empties_the_name() {
        let o = NamingOptions {
            strip_prefixes: strings(&["", "prod", "pr"]),
            ..opts()
        };
        // "" never matches; "prod" is the whole name so the next one is used.
        assert_eq!(name_of(&o, "prod", "R"), "od.R");
    }

    #[test]
    fn strip_prefix_only_touches_account_name() {
        let o = NamingOptions {
            template: Some("{session}.{account_name}.{role_name}".to_string()),
            strip_prefixes: strings(&["corp"]),
            ..opts()
        };
        assert_eq!(name_of(&o, "corpX", "corpRole"), "corp.X.corpRole");
    }

    // ---- role aliases ----

    fn aliases(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn role_alias_replaces_role_name() {
        let o = NamingOptions {
            role_aliases: aliases(&[("AdministratorAccess", "admin")]),
            ..opts()
        };
        assert_eq!(name_of(&o, "Prod", "AdministratorAccess"), "Prod.admin");
        assert_eq!(name_of(&o, "Prod", "administratoraccess"), "Prod.admin");
        assert_eq!(name_of(&o, "Prod", "ReadOnly"), "Prod.ReadOnly");
    }

    #[test]
    fn role_alias_first_match_wins() {
        let o = NamingOptions {
            role_aliases: aliases(&[("Admin", "one"), ("admin", "two")]),
            ..opts()
        };
        assert_eq!(name_of(&o, "Prod", "Admin"), "Prod.one");
    }

    #[test]
    fn empty_alias_drops_role_and_separator_before() {
        let o = NamingOptions {
            role_aliases: aliases(&[("Admin", "")]),
            ..opts()
        };
        assert_eq!(name_of(&o, "Prod", "Admin"), "Prod");
        for (t, want) in [
            ("{account_name}-{role_name}-x", "Prod-x"),
            ("{account_name}_{role_name}", "Prod"),
            ("{account_name}/{role_name}", "Prod"),
            ("{account_name}:{role_name}", "Prod"),
            // Only ONE separator goes.
            ("{account_name}..{role_name}", "Prod."),
            // No separator next to it: nothing else goes.
            ("{account_name}{role_name}", "Prod"),
            ("{account_name}+{role_name}", "Prod+"),
            // Separator before it wins over the one after it.
            (
                "{account_name}.{role_name}.{account_id}",
                "Prod.111111111111",
            ),
        ] {
            let o = NamingOptions {
                template: Some(t.to_string()),
                ..o.clone()
            };
            assert_eq!(name_of(&o, "Prod", "Admin"), want, "template {t}");
        }
    }

    #[test]
    fn empty_alias_at_start_drops_separator_after() {
        let o = NamingOptions {
            role_aliases: aliases(&[("Admin", "")]),
            template: Some("{role_name}.{account_name}".to_string()),
            ..opts()
        };
        assert_eq!(name_of(&o, "Prod", "Admin"), "Prod");
        let o = NamingOptions {
            template: Some("{role_name}..{account_name}".to_string()),
            ..o
        };
        assert_eq!(name_of(&o, "Prod", "Admin"), ".Prod");
    }

    #[test]
    fn empty_alias_works_on_template_not_values() {
        // The account name's own trailing dot is not a template separator.
        let o = NamingOptions {
            role_aliases: aliases(&[("Admin", "")]),
            template: Some("{account_name}{role_name}".to_string()),
            ..opts()
        };
        assert_eq!(name_of(&o, "Prod.", "Admin"), "Prod.");
    }

    #[test]
    fn empty_alias_with_multi_region_suffix() {
        let o = NamingOptions {
            role_aliases: aliases(&[("Admin", "")]),
            multi_region: true,
            ..opts()
        };
        let mut e = entry("111111111111", "Prod", "Admin");
        e.region = Some("us-east-1".to_string());
        assert_eq!(profile_name(&o, &e), "Prod.us-east-1");
    }

    // ---- regions ----

    #[test]
    fn multi_region_appends_region_when_template_lacks_it() {
        let o = NamingOptions {
            multi_region: true,
            ..opts()
        };
        let mut e = entry("111111111111", "Prod", "Admin");
        e.region = Some("eu-west-1".to_string());
        assert_eq!(profile_name(&o, &e), "Prod.Admin.eu-west-1");
        let o = NamingOptions {
            template: Some("{account_id}-{role_name}".to_string()),
            ..o
        };
        assert_eq!(profile_name(&o, &e), "111111111111-Admin.eu-west-1");
        let o = NamingOptions {
            template: Some("{region}-{account_name}".to_string()),
            ..o
        };
        assert_eq!(profile_name(&o, &e), "eu-west-1-Prod");
    }

    #[test]
    fn single_region_appends_nothing() {
        let mut e = entry("111111111111", "Prod", "Admin");
        e.region = Some("eu-west-1".to_string());
        assert_eq!(profile_name(&opts(), &e), "Prod.Admin");
    }

    fn rule(glob: &str, region: &str) -> RegionRule {
        RegionRule {
            glob: glob.to_string(),
            region: region.to_string(),
        }
    }

    #[test]
    fn region_rule_first_match_wins() {
        let rules = [rule("prod-*", "eu-west-1"), rule("*", "us-west-2")];
        let given = strings(&["us-east-1", "ap-south-1"]);
        assert_eq!(
            regions_for("1", "prod-web", &rules, &given, "x"),
            ["eu-west-1"]
        );
        assert_eq!(regions_for("1", "dev", &rules, &given, "x"), ["us-west-2"]);
    }

    #[test]
    fn region_rule_matches_name_case_insensitively_or_id() {
        let rules = [rule("PROD*", "eu-west-1"), rule("2222*", "eu-central-1")];
        assert_eq!(
            regions_for("111111111111", "prod-web", &rules, &[], "fb"),
            ["eu-west-1"]
        );
        assert_eq!(
            regions_for("222222222222", "dev", &rules, &[], "fb"),
            ["eu-central-1"]
        );
        // The name as the portal returns it: a stripped form is not used.
        assert_eq!(
            regions_for("333333333333", "acme-prod", &rules, &[], "fb"),
            ["fb"]
        );
    }

    #[test]
    fn regions_given_in_order_without_duplicates() {
        let given = strings(&["us-east-1", "eu-west-1", "us-east-1"]);
        assert_eq!(
            regions_for("1", "a", &[rule("b", "x")], &given, "fb"),
            ["us-east-1", "eu-west-1"]
        );
    }

    #[test]
    fn fallback_region() {
        assert_eq!(
            regions_for("1", "a", &[], &[], "eu-north-1"),
            ["eu-north-1"]
        );
        assert!(regions_for("1", "a", &[], &[], "").is_empty());
    }

    #[test]
    fn entries_for_regions_carry_their_index() {
        let v = Entry::for_regions("1", "a", "r", &strings(&["x", "y"]));
        assert_eq!(v.len(), 2);
        assert_eq!((v[1].region.as_deref(), v[1].region_index), (Some("y"), 1));
        let v = Entry::for_regions("1", "a", "r", &[]);
        assert_eq!(v, vec![entry("1", "a", "r")]);
    }

    // ---- globs ----

    #[test]
    fn glob_basics() {
        assert!(glob_match("prod", "prod"));
        assert!(glob_match("PROD", "prod"));
        assert!(glob_match("prod", "PrOd"));
        assert!(!glob_match("prod", "prod2"));
        assert!(!glob_match("prod", "xprod"));
        assert!(glob_match("pr?d", "prod"));
        assert!(!glob_match("pr?d", "prd"));
        assert!(!glob_match("pr?d", "prooD"));
        assert!(glob_match("*-prod", "web-prod"));
        assert!(glob_match("*prod*", "prod"));
        assert!(glob_match("a*b*c", "aXbYbZc"));
        assert!(!glob_match("a*b*c", "aXbYbZ"));
        assert!(glob_match("É*", "été"));
        // Other glob syntax is literal.
        assert!(glob_match("[a]", "[A]"));
        assert!(!glob_match("[a]", "a"));
    }

    #[test]
    fn glob_edge_cases() {
        assert!(glob_match("", ""));
        assert!(!glob_match("", "a"));
        assert!(glob_match("*", ""));
        assert!(glob_match("*", "anything at all"));
        assert!(glob_match("**", ""));
        assert!(glob_match("**", "abc"));
        assert!(glob_match("a**", "a"));
        assert!(glob_match("?*", "a"));
        assert!(!glob_match("?*", ""));
        assert!(!glob_match("?", ""));
        assert!(!glob_match("a", ""));
        assert!(glob_match("*a", "aaa"));
        assert!(!glob_match("*a", "aab"));
    }

    #[test]
    fn glob_long_inputs_are_fast() {
        let text = "a".repeat(20_000);
        let pattern = format!("{}b", "a*".repeat(200));
        let start = std::time::Instant::now();
        assert!(!glob_match(&pattern, &text));
        assert!(glob_match(&format!("{}a", "*a".repeat(200)), &text));
        assert!(glob_match(&"*".repeat(10_000), &text));
        // Exponential backtracking would take ages; this is ~milliseconds.
        assert!(start.elapsed() < std::time::Duration::from_secs(5));
    }

    // ---- filters ----

    #[test]
    fn filters_keep_everything_by_default() {
        let f = Filters::default();
        assert!(f.keep_account("1", "a"));
        assert!(f.keep_role("r"));
    }

    #[test]
    fn include_accounts_by_name_or_id() {
        let f = Filters {
            include_accounts: strings(&["PROD-*", "222222222222"]),
            ..Filters::default()
        };
        assert!(f.keep_account("111111111111", "prod-web"));
        assert!(f.keep_account("222222222222", "dev"));
        assert!(!f.keep_account("333333333333", "dev"));
    }

    #[test]
    fn exclude_wins_over_include() {
        let f = Filters {
            include_accounts: strings(&["prod-*"]),
            exclude_accounts: strings(&["*-legacy", "1111*"]),
            ..Filters::default()
        };
        assert!(!f.keep_account("999999999999", "Prod-Legacy"));
        assert!(!f.keep_account("111111111111", "prod-web"));
        assert!(f.keep_account("222222222222", "prod-web"));
    }

    #[test]
    fn exclude_roles_case_insensitive() {
        let f = Filters {
            exclude_roles: strings(&["*admin*", "Billing"]),
            ..Filters::default()
        };
        assert!(!f.keep_role("AdministratorAccess"));
        assert!(!f.keep_role("billing"));
        assert!(f.keep_role("ReadOnly"));
        assert!(f.keep_role("BillingRead"));
    }

    // ---- parse_kv ----

    #[test]
    fn parse_kv_splits_at_first_equals_and_trims() {
        assert_eq!(
            parse_kv("Admin=adm", "--role-alias"),
            Ok(("Admin".to_string(), "adm".to_string()))
        );
        assert_eq!(
            parse_kv(" a = b=c ", "--set"),
            Ok(("a".to_string(), "b=c".to_string()))
        );
    }

    #[test]
    fn parse_kv_empty_values() {
        assert_eq!(
            parse_kv("Admin=", "--role-alias"),
            Ok(("Admin".to_string(), String::new()))
        );
        assert_eq!(
            parse_kv("cli_pager=", "--set"),
            Ok(("cli_pager".to_string(), String::new()))
        );
        let err = parse_kv("prod*=", "--region-rule").unwrap_err();
        assert_eq!(
            err.to_string(),
            "--region-rule expects GLOB=REGION, got 'prod*=': the part after '=' is empty"
        );
    }

    #[test]
    fn parse_kv_errors_name_the_flag() {
        let err = parse_kv("Admin", "--role-alias").unwrap_err();
        assert_eq!(
            err.to_string(),
            "--role-alias expects ROLE=ALIAS, got 'Admin': there is no '='"
        );
        let err = parse_kv(" =json", "--set").unwrap_err();
        assert_eq!(
            err,
            NamingError::KeyValue {
                flag: "--set".to_string(),
                arg: " =json".to_string(),
                problem: KvProblem::EmptyKey
            }
        );
        assert_eq!(
            err.to_string(),
            "--set expects KEY=VALUE, got ' =json': the part before '=' is empty"
        );
        assert!(parse_kv("", "--region-rule").is_err());
    }

    // ---- ordering ----

    fn names(v: &[Named]) -> Vec<&str> {
        v.iter().map(|n| n.name.as_str()).collect()
    }

    #[test]
    fn order_is_name_ci_then_id_then_role_bytes_then_region_index() {
        let mut input = vec![
            entry("3", "beta", "b"),
            entry("2", "Alpha", "x"),
            entry("1", "alpha", "y"),
            entry("4", "ALPHA", "admin"),
            entry("4", "ALPHA", "ReadOnly"),
        ];
        let mut regions =
            Entry::for_regions("5", "gamma", "r", &strings(&["us-east-1", "af-south-1"]));
        input.append(&mut regions);
        let o = with_template("{account_id}.{role_name}-{region}");
        let (named, warnings) = name_all(&o, input);
        assert!(warnings.is_empty());
        assert_eq!(
            names(&named),
            [
                "1.y",
                "2.x",
                // Byte order: upper case before lower case.
                "4.ReadOnly",
                "4.admin",
                "3.b",
                // Region order as given, not alphabetical.
                "5.r-us-east-1",
                "5.r-af-south-1",
            ]
        );
    }

    #[test]
    fn order_uses_name_before_stripping() {
        let o = NamingOptions {
            strip_prefixes: strings(&["z-"]),
            ..opts()
        };
        let (named, _) = name_all(&o, vec![entry("1", "z-a", "r"), entry("2", "m", "r")]);
        assert_eq!(names(&named), ["m.r", "a.r"]);
    }

    // ---- collisions ----

    /// Deterministic shuffles of `v`: reversed, rotated, and a few
    /// pseudo-random permutations.
    fn shuffles(v: &[Entry]) -> Vec<Vec<Entry>> {
        let mut out = vec![v.to_vec()];
        let mut rev = v.to_vec();
        rev.reverse();
        out.push(rev);
        for k in 1..v.len() {
            let mut r = v.to_vec();
            r.rotate_left(k);
            out.push(r);
        }
        let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
        for _ in 0..10 {
            let mut r = v.to_vec();
            for i in (1..r.len()).rev() {
                seed = seed
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                let j = (seed >> 33) as usize % (i + 1);
                r.swap(i, j);
            }
            out.push(r);
        }
        out
    }

    fn assert_order_independent(o: &NamingOptions, input: &[Entry]) -> (Vec<Named>, Vec<String>) {
        let first = name_all(o, input.to_vec());
        for s in shuffles(input) {
            assert_eq!(name_all(o, s), first);
        }
        let mut seen = HashSet::new();
        for n in &first.0 {
            assert!(seen.insert(n.name.clone()), "duplicate {}", n.name);
        }
        first
    }

    #[test]
    fn collision_appends_account_id_to_every_one() {
        let input = [
            entry("222222222222", "Shared", "Admin"),
            entry("111111111111", "Shared", "Admin"),
            entry("111111111111", "Shared", "ReadOnly"),
            entry("333333333333", "Other", "Admin"),
        ];
        let (named, warnings) = assert_order_independent(&opts(), &input);
        assert_eq!(
            names(&named),
            [
                "Other.Admin",
                "Shared.Admin-111111111111",
                "Shared.ReadOnly",
                "Shared.Admin-222222222222",
            ]
        );
        assert_eq!(
            warnings,
            ["profile name 'Shared.Admin' would be used by 2 profiles \
              (accounts 111111111111, 222222222222); named \
              'Shared.Admin-111111111111', 'Shared.Admin-222222222222' instead"]
        );
    }

    #[test]
    fn collisions_are_found_on_final_names() {
        // Different raw names, same name after sanitizing and --lower.
        let o = NamingOptions {
            lower: true,
            ..opts()
        };
        let input = [
            entry("111111111111", "Prod EU", "Admin"),
            entry("222222222222", "prod/eu", "admin"),
        ];
        let (named, warnings) = assert_order_independent(&o, &input);
        assert_eq!(
            names(&named),
            ["prod-eu.admin-111111111111", "prod-eu.admin-222222222222"]
        );
        assert_eq!(warnings.len(), 1);
        // Without --lower the names differ, so nothing collides.
        let (named, warnings) = name_all(&opts(), input.to_vec());
        assert_eq!(names(&named), ["Prod-EU.Admin", "prod-eu.admin"]);
        assert!(warnings.is_empty());
    }

    #[test]
    fn same_account_collision_appends_role_name() {
        let o = with_template("{account_name}");
        let input = [
            entry("111111111111", "Prod", "ReadOnly"),
            entry("111111111111", "Prod", "Admin"),
            entry("222222222222", "Prod", "Admin"),
            entry("333333333333", "Dev", "Admin"),
        ];
        let (named, warnings) = assert_order_independent(&o, &input);
        assert_eq!(
            names(&named),
            [
                "Dev",
                "Prod-111111111111-Admin",
                "Prod-111111111111-ReadOnly",
                "Prod-222222222222",
            ]
        );
        assert_eq!(warnings.len(), 2);
        assert!(warnings[0].starts_with("profile name 'Prod' would be used by 3 profiles"));
        assert!(
            warnings[1]
                .contains("'Prod-111111111111' would be used by 2 profiles (account 111111111111)"),
            "{}",
            warnings[1]
        );
    }

    #[test]
    fn aliased_roles_collision_uses_original_role_names() {
        let o = NamingOptions {
            role_aliases: aliases(&[("AdministratorAccess", "admin"), ("PowerUser", "admin")]),
            lower: true,
            ..opts()
        };
        let input = [
            entry("111111111111", "Prod", "PowerUser"),
            entry("111111111111", "Prod", "AdministratorAccess"),
        ];
        let (named, _) = assert_order_independent(&o, &input);
        assert_eq!(
            names(&named),
            [
                "prod.admin-111111111111-administratoraccess",
                "prod.admin-111111111111-poweruser",
            ]
        );
    }

    #[test]
    fn identical_entries_get_numbers() {
        let input = [
            entry("111111111111", "Prod", "Admin"),
            entry("111111111111", "Prod", "Admin"),
            entry("111111111111", "Prod", "Admin"),
        ];
        let (named, warnings) = assert_order_independent(&opts(), &input);
        assert_eq!(
            names(&named),
            [
                "Prod.Admin-111111111111-Admin-1",
                "Prod.Admin-111111111111-Admin-2",
                "Prod.Admin-111111111111-Admin-3",
            ]
        );
        assert_eq!(warnings.len(), 3);
    }

    #[test]
    fn numbers_skip_taken_names() {
        let o = with_template("{role_name}");
        let input = [
            entry("1", "a", "x-1-x"),
            entry("1", "a", "x"),
            entry("1", "b", "x"),
            entry("1", "c", "x-1-x-1"),
        ];
        // "x" → "x-1" → "x-1-x" (taken by the first entry, so that one
        // collides too), and round 3 must skip "x-1-x-1".
        let (named, _) = assert_order_independent(&o, &input);
        let mut got: Vec<&str> = names(&named);
        got.sort();
        assert_eq!(got.len(), 4);
        assert!(got.contains(&"x-1-x-1"));
    }

    #[test]
    fn suffixed_name_equal_to_another_name_is_resolved() {
        let o = with_template("{account_name}");
        let input = [
            entry("111111111111", "prod", "r"),
            entry("222222222222", "prod", "r"),
            entry("999999999999", "prod-111111111111", "Admin"),
        ];
        let (named, warnings) = assert_order_independent(&o, &input);
        assert_eq!(
            names(&named),
            [
                "prod-111111111111-r",
                "prod-222222222222",
                "prod-111111111111-Admin",
            ]
        );
        assert_eq!(warnings.len(), 2);
    }

    #[test]
    fn multi_region_profiles_do_not_collide() {
        let o = NamingOptions {
            multi_region: true,
            ..opts()
        };
        let regions = strings(&["us-east-1", "eu-west-1"]);
        let mut input = Entry::for_regions("111111111111", "Prod", "Admin", &regions);
        input.extend(Entry::for_regions("222222222222", "Dev", "Admin", &regions));
        let (named, warnings) = assert_order_independent(&o, &input);
        assert!(warnings.is_empty());
        assert_eq!(
            names(&named),
            [
                "Dev.Admin.us-east-1",
                "Dev.Admin.eu-west-1",
                "Prod.Admin.us-east-1",
                "Prod.Admin.eu-west-1",
            ]
        );
    }

    #[test]
    fn no_entries() {
        assert_eq!(name_all(&opts(), Vec::new()), (Vec::new(), Vec::new()));
    }
}
