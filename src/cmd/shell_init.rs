/*!
`shell-init`: a shell function, `sso-assume`, that switches the AWS role of the
current shell; and the hidden `__assume` it runs.

A program cannot change its parent shell's variables, so the function runs
`sso-config __assume SHELL ARGS…`, which prints shell code, and the shell
evaluates that code with a builtin (`eval` in bash and zsh, `source` in fish,
`Invoke-Expression` in PowerShell). The secrets thus travel from sso-config
to the shell through a pipe only: never in a process's arguments, never in a
file. The function evaluates nothing unless `__assume` succeeded, and
`__assume` prints nothing unless it succeeded, so an error (one line on
stderr) leaves every variable as it was.

The function runs this binary by the path it was generated from (the same
path `generate --style credential-process` writes), quoted for its shell, so
neither `PATH` nor an alias or function named `sso-config` changes what
runs; the startup-file line regenerates the function at each shell start,
so a moved binary is picked up by the next shell.

What the generated code sets and unsets, and how `--unset` puts the user's
own values back, is decided by `app::assume`; this file turns its changes
into code, each value quoted by the one quoting function of its shell
(`util::shell::quote` for bash and zsh, `export`'s for fish and PowerShell).
*/

use crate::app::assume::{self, Action, CREDENTIAL_VARS, Changes, REGION_VARS, Want};
use crate::app::context::Ctx;
use crate::app::profiles::{self, Invocation};
use crate::app::role::{self, RoleFlags};
use crate::app::session::{self, SessionFlags};
use crate::app::token::LoginPolicy;
use crate::cmd::args::{self, Global, Parser, Tok};
use crate::cmd::export::{self, fish_quote, powershell_quote};
use crate::cmd::help::{self, global_flags};
use crate::cmd::output;
use crate::cmd::picker;
use crate::error::{Error, Result};
use crate::store::config::Config;
use crate::util::secret::Secret;
use crate::util::{shell, suggest, text};

/// `shell-init` help; `sso-assume --help` prints it too.
pub const USAGE: &str = "\
Usage: sso-config shell-init bash|zsh|fish|powershell [--name NAME]

Prints a shell function, sso-assume, that switches the AWS role of the
current shell. Load it from the shell's startup file:
  bash, in ~/.bashrc:        eval \"$(sso-config shell-init bash)\"
  zsh, in ~/.zshrc:          eval \"$(sso-config shell-init zsh)\"
  fish, in config.fish:      sso-config shell-init fish | source
  PowerShell, in $PROFILE:   sso-config shell-init powershell | Out-String | Invoke-Expression
The function runs this binary by the path it was generated from.

Options:
  --name NAME   name the function NAME instead of sso-assume

The function:
  sso-assume PROFILE            sets AWS_PROFILE to PROFILE, and AWS_REGION and
                                AWS_DEFAULT_REGION to its region
  sso-assume --export PROFILE   sets the role's credentials instead:
                                AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
                                AWS_SESSION_TOKEN, AWS_CREDENTIAL_EXPIRATION and
                                the region, and unsets AWS_PROFILE (cached and
                                refreshed as for credential-process; logs in on
                                a terminal when needed)
  sso-assume [--export]         asks which role, on a terminal; a role no
                                profile names is exported
  sso-assume --unset            puts back every variable sso-assume changed
Each also sets SSO_CONFIG_PROFILE (the profile, or ACCOUNT_ID/ROLE) for
prompts, and unsets what would override its choice: the credential variables
for a profile, AWS_PROFILE for credentials. The first change of a variable
saves your own value, which --unset puts back; a variable you change yourself
is yours again and left alone. The role options of 'sso-config help role' work
too, e.g. sso-assume --export --account-id ID --role-name NAME. Secrets reach
the shell through a pipe, never a command's arguments or a file.

Examples:
  eval \"$(sso-config shell-init bash)\"
  sso-config shell-init fish --name assume | source
";

/// The shells `shell-init` writes for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shell {
    /// bash (3.2 and later).
    Bash,
    /// zsh.
    Zsh,
    /// fish (3.0 and later).
    Fish,
    /// PowerShell (pwsh, Windows PowerShell).
    Pwsh,
}

const SHELLS: [(&str, Shell); 4] = [
    ("bash", Shell::Bash),
    ("zsh", Shell::Zsh),
    ("fish", Shell::Fish),
    ("powershell", Shell::Pwsh),
];

impl Shell {
    fn parse(word: &str) -> Result<Shell> {
        SHELLS
            .iter()
            .find(|(name, _)| *name == word)
            .map(|(_, s)| *s)
            .ok_or_else(|| {
                Error::Usage(format!(
                    "unknown shell '{word}'{}; use bash, zsh, fish or powershell",
                    suggest::hint(word, SHELLS.map(|(n, _)| n), false)
                ))
            })
    }

    fn name(self) -> &'static str {
        SHELLS
            .iter()
            .find(|(_, s)| *s == self)
            .map_or("", |(n, _)| n)
    }

    /// `v` as one word of this shell, read back as exactly `v`.
    fn quote(self, v: &str) -> String {
        match self {
            Shell::Bash | Shell::Zsh => shell::quote(v),
            Shell::Fish => fish_quote(v),
            Shell::Pwsh => powershell_quote(v),
        }
    }
}

/// `shell-init` arguments.
#[derive(Debug)]
pub struct Args {
    /// The shell.
    pub shell: Shell,
    /// `--name`: the function's name.
    pub name: String,
}

/// The function's default name.
const DEFAULT_NAME: &str = "sso-assume";

/// Parses `shell-init SHELL [--name NAME]`; `None` for `--help`.
pub fn parse(p: &mut Parser) -> Result<Option<Args>> {
    let mut shell = None;
    let mut name = DEFAULT_NAME.to_string();
    while let Some(tok) = args::next(p)? {
        match tok {
            Tok::Help => return Ok(None),
            Tok::Flag(f) if f == "name" => {
                name = args::value(p)?;
                check_name(&name)?;
            }
            Tok::Value(v) if shell.is_none() => shell = Some(Shell::parse(&args::string(v)?)?),
            other => return Err(args::unexpected(other)),
        }
    }
    let shell = shell.ok_or_else(|| {
        Error::Usage("shell-init needs a shell: bash, zsh, fish or powershell".into())
    })?;
    Ok(Some(Args { shell, name }))
}

/// Words no function may be named: keywords of the four shells, and the
/// commands the generated functions run (a function named `eval` would call
/// itself). Compared without case, as PowerShell does.
const RESERVED: &[&str] = &[
    "if",
    "then",
    "else",
    "elif",
    "fi",
    "case",
    "esac",
    "for",
    "select",
    "while",
    "until",
    "do",
    "done",
    "in",
    "function",
    "time",
    "coproc",
    "repeat",
    "foreach",
    "end",
    "begin",
    "and",
    "or",
    "not",
    "switch",
    "return",
    "break",
    "continue",
    "exit",
    "filter",
    "param",
    "trap",
    "try",
    "catch",
    "finally",
    "throw",
    "eval",
    "command",
    "builtin",
    "local",
    "export",
    "unset",
    "typeset",
    "declare",
    "set",
    "source",
    "string",
    "printf",
    "test",
    "true",
    "false",
    "write-output",
    "invoke-expression",
    "iex",
    "sso-config",
];

/// `--name`: a name bash, zsh, fish and PowerShell all take for a function,
/// and which the generated code can be written around without quoting:
/// ASCII letters, digits, `_` and `-`, starting with a letter or `_`.
fn check_name(name: &str) -> Result<()> {
    let mut chars = name.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    let rest_ok = chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if !first_ok || !rest_ok || name.len() > 64 {
        return Err(Error::Usage(format!(
            "--name {}: not a function name; use ASCII letters, digits, _ and - (first a letter or _), at most 64",
            text::shown(name)
        )));
    }
    if RESERVED.iter().any(|r| r.eq_ignore_ascii_case(name)) {
        return Err(Error::Usage(format!(
            "--name {name}: a shell keyword or a command the function runs; choose another name"
        )));
    }
    Ok(())
}

/// `shell-init`: prints the function.
pub fn run(ctx: &Ctx, a: Args, program: &Invocation) -> Result<()> {
    let path = profiles::command_path(program, &ctx.env, "shell-init", "no shell function")?;
    output::write_stdout(script(a.shell, &a.name, &path).as_bytes())
}

/// The function `name` for `shell`, running the binary at `path`. Every
/// shell's version: hands the record (`assume::RECORD_VAR`, a shell
/// variable) to `__assume` in its environment only; keeps `__assume`'s output
/// in a local variable; returns `__assume`'s status unless it is 0; then
/// evaluates the output with a builtin.
fn script(shell: Shell, name: &str, path: &str) -> String {
    let bin = shell.quote(path);
    let record = assume::RECORD_VAR;
    let sh = shell.name();
    let head = format!(
        "# sso-config shell integration for {sh}: {name} PROFILE, {name} --export PROFILE,\n# {name} --unset ('sso-config help shell-init').\n"
    );
    let body = match shell {
        Shell::Bash | Shell::Zsh => format!(
            "function {name} {{
    local _sso_config_code
    _sso_config_code=$({record}=\"${{{record}-}}\" command {bin} __assume {sh} \"$@\") || return
    eval \"$_sso_config_code\"
}}
"
        ),
        Shell::Fish => format!(
            "function {name} --description 'Switch the AWS role of this shell (sso-config)'
    set -lx {record} ${record}
    set -l code (command {bin} __assume fish $argv)
    or return
    string join \\n -- $code | source
end
"
        ),
        Shell::Pwsh => format!(
            "function global:{name} {{
    $Env:{record} = $global:{record}
    $ok = $false
    try {{
        $code = & {bin} __assume powershell @args
        $ok = $LASTEXITCODE -eq 0
    }} finally {{
        $Env:{record} = $null
    }}
    if ($ok -and $code) {{ Invoke-Expression ($code -join \"`n\") }}
}}
"
        ),
    };
    head + &body
}

/// Hidden `__assume SHELL [--export] [--unset] [PROFILE] [ROLE OPTIONS]`: the
/// function's arguments.
#[derive(Debug)]
pub struct Assume {
    /// The shell to write code for.
    pub shell: Shell,
    /// `--export`.
    pub export: bool,
    /// `--unset`.
    pub unset: bool,
    /// `--help`: code that prints the help.
    pub help: bool,
    /// Role selection (`--account-id`, `--role-name`, `--region`, login flags).
    pub role: RoleFlags,
}

/// The flags the function takes: its own, the role options and the session
/// and global options (the help of `shell-init` may mention these).
pub fn function_flags() -> Vec<&'static str> {
    let mut flags = vec!["--export", "--unset"];
    let texts = [args::ROLE_HELP, args::SESSION_HELP];
    let listed = texts.into_iter().flat_map(|t| help::option_lines(t, &[]));
    let globals = global_flags().into_iter().filter(|f| !f.before_command());
    flags.extend(listed.chain(globals).map(|f| f.name));
    flags
}

/// Parses `__assume`'s arguments; the profile, given as a word or as
/// `--profile`, goes into the session flags of `global`.
pub fn parse_assume(p: &mut Parser, global: &mut Global) -> Result<Assume> {
    let shell = match args::next(p)? {
        Some(Tok::Value(v)) => Shell::parse(&args::string(v)?)?,
        _ => return Err(Error::Usage("__assume needs a shell first".into())),
    };
    let mut a = Assume {
        shell,
        export: false,
        unset: false,
        help: false,
        role: RoleFlags::default(),
    };
    let mut profile = None;
    while let Some(tok) = args::next(p)? {
        match tok {
            Tok::Help => a.help = true,
            Tok::Flag(f) if f == "export" => a.export = true,
            Tok::Flag(f) if f == "unset" => a.unset = true,
            Tok::Flag(f) => {
                if !args::role_flag(&f, p, &mut a.role)? && !global.accept(&f, p)? {
                    return Err(args::unexpected(Tok::Flag(f)));
                }
            }
            Tok::Value(v) if profile.is_none() => profile = Some(args::string(v)?),
            other => return Err(args::unexpected(other)),
        }
    }
    let sel = &mut global.session;
    match (profile, &sel.profile) {
        (Some(p), Some(q)) if &p != q => {
            return Err(Error::Usage(format!(
                "two profiles: '{p}' and --profile {q}"
            )));
        }
        (Some(p), _) => sel.profile = Some(p),
        (None, _) => {}
    }
    let named = sel.profile.is_some() || a.role.account_id.is_some() || a.role.role_name.is_some();
    if a.unset && (a.export || named) {
        return Err(Error::Usage(
            "--unset takes no profile, role or --export".into(),
        ));
    }
    Ok(a)
}

/// `__assume`: the code that makes the shell's variables what `a` asks.
pub fn assume(ctx: &Ctx, sel: &SessionFlags, a: Assume) -> Result<()> {
    let code = if a.help {
        help_code(a.shell)
    } else {
        let want = wants(ctx, sel, &a)?;
        code(a.shell, &assume::plan(&ctx.env, &want), &ctx.env)
    };
    output::write_stdout(code.as_bytes())
}

/// What to want of each variable: nothing for `--unset` (everything is the
/// user's again); else a profile's or a role's variables. Without a profile
/// or role the picker asks; `AWS_PROFILE` is never taken for an answer.
fn wants(ctx: &Ctx, sel: &SessionFlags, a: &Assume) -> Result<Vec<(&'static str, Want)>> {
    if a.unset {
        return Ok(Vec::new());
    }
    let mut sel = sel.clone();
    let mut role = a.role.clone();
    let by_ids = |r: &RoleFlags| r.account_id.is_some() || r.role_name.is_some();
    if sel.profile.is_none() && !by_ids(&role) {
        picker::ask(ctx, &mut sel, &mut role)?;
    }
    let cfg = Config::load(&ctx.paths.config)?;
    if by_ids(&role) {
        let label = format!(
            "{}/{}",
            role.account_id.as_deref().unwrap_or_default(),
            role.role_name.as_deref().unwrap_or_default()
        );
        check_shown(&label, "--account-id/--role-name")?;
        return credential_wants(ctx, &cfg, &sel, &role, label);
    }
    let Some(profile) = sel.profile.clone() else {
        return Err(role::no_role_named());
    };
    check_profile(ctx, &cfg, &profile)?;
    if a.export {
        return credential_wants(ctx, &cfg, &sel, &role, profile);
    }
    let region = match &role.region {
        Some(r) => Some(r.clone()),
        None => cfg.profile_value(&profile, "region").map(str::to_string),
    };
    check_region(&cfg, &profile, region.as_deref())?;
    let mut want = vec![
        ("AWS_PROFILE", set(&profile)),
        (assume::PROMPT_VAR, set(&profile)),
    ];
    want.extend(CREDENTIAL_VARS.map(|n| (n, Want::Absent)));
    if let Some(r) = &region {
        want.extend(REGION_VARS.map(|n| (n, set(r))));
    }
    Ok(want)
}

/// The credential variables of the role `sel` and `role` name (`export`'s
/// variables, from the same role cache, lock and refresh), `AWS_PROFILE`
/// unset, and `label` for prompts.
fn credential_wants(
    ctx: &Ctx,
    cfg: &Config,
    sel: &SessionFlags,
    role: &RoleFlags,
    label: String,
) -> Result<Vec<(&'static str, Want)>> {
    let target = role::resolve(ctx, cfg, sel, role)?;
    if let Some(p) = &target.profile {
        check_region(cfg, p, target.region.as_deref())?;
    }
    let creds = role::credentials(ctx, cfg, &target, role, LoginPolicy::OnTerminal)?;
    let vars = export::variables(&creds, target.region.as_deref());
    let mut want: Vec<(&'static str, Want)> = vars
        .into_iter()
        .map(|(name, value)| (name, Want::Set(Secret::new(value))))
        .collect();
    for name in CREDENTIAL_VARS {
        if !want.iter().any(|(n, _)| *n == name) {
            want.push((name, Want::Absent));
        }
    }
    want.push(("AWS_PROFILE", Want::Absent));
    want.push((assume::PROMPT_VAR, Want::Set(Secret::new(label))));
    Ok(want)
}

fn set(v: &str) -> Want {
    Want::Set(Secret::new(v))
}

/// The profile must be one the SDKs would find: in the config file, or a
/// section of the credentials file. Its name becomes the prompt's text, so it
/// may hold no control character.
fn check_profile(ctx: &Ctx, cfg: &Config, profile: &str) -> Result<()> {
    let known = cfg.doc.profile(profile).is_some()
        || Config::load(&ctx.paths.credentials)?
            .doc
            .credentials_section(profile)
            .is_some();
    if !known {
        return Err(Error::Config(format!(
            "profile '{profile}' not found in {}{}",
            cfg.path.display(),
            suggest::hint(profile, cfg.doc.profile_names(), true)
        )));
    }
    check_shown(profile, "the profile name")
}

/// A region from the config (or `--region`) must look like one.
fn check_region(cfg: &Config, profile: &str, region: Option<&str>) -> Result<()> {
    match region.and_then(session::region_problem) {
        None => Ok(()),
        Some(why) => Err(Error::Config(format!(
            "profile '{profile}' in {}: region {why}",
            cfg.path.display()
        ))),
    }
}

/// Text shown in prompts must not drive the terminal.
fn check_shown(value: &str, what: &str) -> Result<()> {
    match value.chars().any(text::is_unsafe) {
        false => Ok(()),
        true => Err(Error::Config(format!(
            "{what} {} has a control character; it would be shown in prompts",
            text::shown(value)
        ))),
    }
}

/// The code for `changes`, one statement a line. `env` tells whether the
/// record variable is set now (erasing a missing variable fails in fish).
fn code(shell: Shell, changes: &Changes, env: &crate::util::env::Env) -> String {
    let mut out = String::new();
    for action in &changes.actions {
        let line = match action {
            Action::Set(name, value) => set_line(shell, name, value.expose(), true),
            Action::Unset(name) => unset_line(shell, name, true),
        };
        out.push_str(&line);
        out.push('\n');
    }
    let record = assume::RECORD_VAR;
    let line = match (&changes.record, env.get(record)) {
        (Some(new), Some(old)) if new == old => None,
        (Some(new), _) => Some(set_line(shell, record, new, false)),
        (None, Some(_)) => Some(unset_line(shell, record, false)),
        (None, None) => None,
    };
    if let Some(line) = line {
        out.push_str(&line);
        out.push('\n');
    }
    out
}

/// Sets `name` to `value`: an environment variable when `exported`, else a
/// global shell variable.
fn set_line(shell: Shell, name: &str, value: &str, exported: bool) -> String {
    let v = shell.quote(value);
    match (shell, exported) {
        (Shell::Bash | Shell::Zsh, true) => format!("export {name}={v}"),
        (Shell::Bash, false) => format!("{name}={v}"),
        // An assignment in a function would warn under WARN_CREATE_GLOBAL.
        (Shell::Zsh, false) => format!("typeset -g {name}={v}"),
        (Shell::Fish, true) => format!("set -gx {name} {v}"),
        (Shell::Fish, false) => format!("set -g {name} {v}"),
        (Shell::Pwsh, true) => format!("$Env:{name} = {v}"),
        (Shell::Pwsh, false) => format!("$global:{name} = {v}"),
    }
}

/// Unsets `name` (see [`set_line`]).
fn unset_line(shell: Shell, name: &str, exported: bool) -> String {
    match (shell, exported) {
        (Shell::Bash | Shell::Zsh, _) => format!("unset {name}"),
        // The global only: a universal variable of the same name stays.
        (Shell::Fish, _) => format!("set -e -g {name}"),
        (Shell::Pwsh, true) => format!("$Env:{name} = $null"),
        (Shell::Pwsh, false) => format!("$global:{name} = $null"),
    }
}

/// `sso-assume --help`: code that prints the help (what `__assume` prints is
/// evaluated, so the text itself cannot be).
fn help_code(shell: Shell) -> String {
    let text = shell.quote(USAGE.trim_end());
    match shell {
        Shell::Pwsh => format!("Write-Output {text}\n"),
        _ => format!("printf '%s\\n' {text}\n"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsString;

    fn parse_words(words: &[&str]) -> Result<(Global, Assume)> {
        let mut p = Parser::from_args(words.iter().map(OsString::from));
        let mut g = Global::default();
        let a = parse_assume(&mut p, &mut g)?;
        Ok((g, a))
    }

    #[test]
    fn names() {
        for ok in ["sso-assume", "assume", "_a1", "A-b_c"] {
            assert!(check_name(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "-x",
            "1a",
            "a b",
            "a;b",
            "a$(x)",
            "a'b",
            "é",
            "eval",
            "EVAL",
            "sso-config",
            "Invoke-Expression",
            "end",
            "a.b",
            "a/b",
        ] {
            assert_eq!(check_name(bad).unwrap_err().exit_code(), 2, "{bad}");
        }
        assert!(check_name(&"a".repeat(65)).is_err());
    }

    #[test]
    fn the_function_takes_exactly_the_flags_function_flags_lists() {
        for flag in function_flags() {
            if flag == "-h" || flag == "--help" {
                assert!(parse_words(&["bash", flag]).unwrap().1.help);
                continue;
            }
            // With a value when it takes one; refused values are fine.
            let r = parse_words(&["bash", flag, "1"]).or_else(|_| parse_words(&["bash", flag]));
            if let Err(e) = &r {
                let msg = e.to_string();
                assert!(!matches!(e, Error::UnknownFlag(_)), "{flag}: {msg}");
            }
        }
        // Flags of shell-init and other commands are not the function's.
        for other in ["--name", "--format", "--write"] {
            assert!(matches!(
                parse_words(&["bash", other, "x"]).unwrap_err(),
                Error::UnknownFlag(_)
            ));
        }
    }

    #[test]
    fn assume_arguments() {
        let (g, a) = parse_words(&["zsh", "--export", "prod", "--region", "eu-west-1"]).unwrap();
        assert_eq!(a.shell, Shell::Zsh);
        assert!(a.export && !a.unset);
        assert_eq!(g.session.profile.as_deref(), Some("prod"));
        assert_eq!(a.role.region.as_deref(), Some("eu-west-1"));
        let (g, _) = parse_words(&["fish", "--profile", "p", "p"]).unwrap();
        assert_eq!(g.session.profile.as_deref(), Some("p"));
        for bad in [
            &["bash", "a", "b"][..],
            &["bash", "a", "--profile", "b"],
            &["bash", "--unset", "p"],
            &["bash", "--unset", "--export"],
            &["tcsh", "p"],
            &[],
        ] {
            let e = parse_words(bad).unwrap_err();
            assert_eq!(e.exit_code(), 2, "{bad:?}: {e}");
        }
    }

    #[test]
    fn code_quotes_every_value_for_its_shell() {
        let hostile = "it's $(x) `y` \"z\" \\ \u{2019} ; #c\nnext";
        let changes = Changes {
            actions: vec![
                Action::Set("AWS_PROFILE", Secret::new(hostile)),
                Action::Unset("AWS_SESSION_TOKEN"),
            ],
            record: Some("{}".into()),
        };
        let env = crate::util::env::Env::default();
        let bash = code(Shell::Bash, &changes, &env);
        assert_eq!(
            bash,
            format!(
                "export AWS_PROFILE={}\nunset AWS_SESSION_TOKEN\n_SSO_CONFIG_ASSUMED='{{}}'\n",
                shell::quote(hostile)
            )
        );
        assert!(
            code(Shell::Zsh, &changes, &env).contains("\ntypeset -g _SSO_CONFIG_ASSUMED='{}'\n")
        );
        let fish = code(Shell::Fish, &changes, &env);
        assert!(fish.starts_with(&format!("set -gx AWS_PROFILE {}\n", fish_quote(hostile))));
        assert!(fish.contains("\nset -e -g AWS_SESSION_TOKEN\n"));
        let ps = code(Shell::Pwsh, &changes, &env);
        assert!(ps.starts_with(&format!(
            "$Env:AWS_PROFILE = {}\n",
            powershell_quote(hostile)
        )));
        assert!(
            ps.contains("\n$Env:AWS_SESSION_TOKEN = $null\n$global:_SSO_CONFIG_ASSUMED = '{}'\n")
        );
        // The record is left alone when it does not change, erased only when set.
        let same = Changes {
            actions: vec![],
            record: Some("{}".into()),
        };
        let with_record = crate::util::env::Env::of(&[("_SSO_CONFIG_ASSUMED", "{}")]);
        assert_eq!(code(Shell::Fish, &same, &with_record), "");
        let none = Changes {
            actions: vec![],
            record: None,
        };
        assert_eq!(code(Shell::Fish, &none, &env), "");
        assert_eq!(
            code(Shell::Fish, &none, &with_record),
            "set -e -g _SSO_CONFIG_ASSUMED\n"
        );
    }
}
