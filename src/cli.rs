/*!
Command-line parsing into plain data (no environment, files or network here).

Global flags are accepted anywhere; the first positional word picks the
command, and the same parser continues with that command's flags, as lexopt's
`cargo` example does.
*/

use std::ffi::OsString;
use std::path::PathBuf;

use crate::admin::{AdminAction, AdminArgs, AssignmentFilters, LookupKind, PrincipalFilter};
use crate::auth::{Flow, LoginOptions};
use crate::config::SessionFlags;
use crate::error::Error;
use crate::export::ExportFormat;
use crate::role::RoleFlags;

/// What the user asked for.
#[derive(Debug)]
pub enum Cli {
    /// Print this help text on stdout and exit 0.
    Help(&'static str),
    /// Print the version.
    Version,
    /// Run a command.
    Run(Global, Box<Command>),
}

/// Flags every command takes.
#[derive(Debug, Default)]
pub struct Global {
    /// `--debug`.
    pub debug: bool,
    /// `--no-browser`.
    pub no_browser: bool,
    /// Session selection.
    pub session: SessionFlags,
}

/// The commands.
// Built once per process: the size difference between variants costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum Command {
    /// `generate` (also the bare command).
    Generate(GenerateArgs),
    /// `login`.
    Login {
        /// Flow options.
        login: LoginOptions,
        /// `--force`.
        force: bool,
    },
    /// `logout`.
    Logout {
        /// `--all`.
        all: bool,
    },
    /// `credential-process`.
    CredentialProcess(RoleFlags),
    /// `export` (alias `env`).
    Export {
        /// Role selection.
        role: RoleFlags,
        /// `--format`.
        format: ExportFormat,
        /// `--write-credentials [NAME]`: `Some(None)` means the profile name.
        write_credentials: Option<Option<String>>,
    },
    /// `exec` (alias `run-as`).
    Exec {
        /// Role selection.
        role: RoleFlags,
        /// The program to run.
        program: OsString,
        /// Its arguments, as given.
        args: Vec<OsString>,
    },
    /// `console`.
    Console {
        /// Role selection.
        role: RoleFlags,
        /// `--destination URL-or-path`.
        destination: Option<String>,
        /// `--print`.
        print: bool,
        /// `--duration SECONDS`.
        duration: Option<u32>,
    },
    /// `check`.
    Check {
        /// Optional role to check.
        role: RoleFlags,
        /// `--json`.
        json: bool,
    },
    /// `completion SHELL`.
    Completion(String),
    /// Hidden `__complete profiles|sessions`, used by the completion scripts.
    Complete(String),
    /// `roles`.
    Roles {
        /// Output format.
        format: Format,
        /// `--account-id` filters.
        account_ids: Vec<String>,
        /// Flow options for a login if needed.
        login: LoginOptions,
    },
    /// `admin lookup|assignments|whoami`.
    Admin(AdminArgs),
}

/// Output formats of listing commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Aligned columns.
    Table,
    /// A JSON array.
    Json,
    /// Comma-separated values with a header.
    Csv,
}

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

/// `generate` flags.
#[derive(Debug, Default)]
pub struct GenerateArgs {
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
    /// `--include-account`.
    pub include_accounts: Vec<String>,
    /// `--exclude-account`.
    pub exclude_accounts: Vec<String>,
    /// `--exclude-role`.
    pub exclude_roles: Vec<String>,
    /// `--region-rule GLOB=REGION`.
    pub region_rules: Vec<(String, String)>,
    /// `--set KEY=VALUE`.
    pub set: Vec<(String, String)>,
    /// `--style`.
    pub style: Style,
    /// `--write [FILE]`: `Some(None)` means the config file.
    pub write: Option<Option<PathBuf>>,
    /// `--dry-run`.
    pub dry_run: bool,
    /// Flow options for a login if needed.
    pub login: LoginOptions,
}

/// The top-level help.
pub const USAGE: &str = "\
sso-config: AWS IAM Identity Center from the terminal

Usage: sso-config [COMMAND] [OPTIONS]

Commands:
  generate     print (or --write) a profile for every account and role [default]
  login        log in and share the token with the AWS CLI and SDKs
  logout       log out and remove cached tokens and role credentials
  roles        list accounts and roles
  credential-process   credentials for a profile's credential_process
  export       credentials as shell variables, JSON or into the credentials file (alias: env)
  exec         run a command with a role's credentials (alias: run-as)
  console      open the AWS console as a role
  check        diagnose the session, token and access
  completion   print a bash, zsh or fish completion script
  admin        Identity Center administration: lookup, assignments (SigV4)
  help CMD     help for one command

Session (any command): --profile P | --sso-session NAME | --start-url URL --sso-region R
Global: --debug, --no-browser, -h/--help, -V/--version

Run 'sso-config help COMMAND' for the options of a command.
";

const SESSION_HELP: &str = "\
Session selection (first match wins):
  --start-url URL --sso-region R [--sso-session NAME]
  --sso-session NAME           an [sso-session NAME] of the config file
  --profile P                  a profile's sso_session (or AWS_PROFILE)
  AWS_DEFAULT_SSO_START_URL + AWS_DEFAULT_SSO_REGION
  the only [sso-session] in the config file
";

/// `generate` help.
pub const GENERATE_USAGE: &str = "\
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

/// `login` help.
pub const LOGIN_USAGE: &str = "\
Usage: sso-config login [OPTIONS]

Logs in and writes the token to the AWS CLI v2 cache (~/.aws/sso/cache).

Options:
  --force              log in even when a valid token is cached
  --device-code        use the device-code flow
  --pkce               use the authorization-code flow with PKCE
  --callback-port N    fixed loopback port for the PKCE redirect
  --no-browser         do not open a browser; print the URL and code
";

/// `logout` help.
pub const LOGOUT_USAGE: &str = "\
Usage: sso-config logout [--all]

Ends the session, removes its cached token and the cached SSO role credentials.
  --all    every session with a cached token
";

/// `roles` help.
pub const ROLES_USAGE: &str = "\
Usage: sso-config roles [--format table|json|csv] [--account-id ID]...

Lists the accounts and roles you can access.
";

/// `admin` help.
pub const ADMIN_USAGE: &str = "\
Usage: sso-config admin lookup instance|identity-store [OPTIONS]
       sso-config admin lookup user|group|permission-set|account NAME... [OPTIONS]
       sso-config admin assignments [OPTIONS]
       sso-config admin whoami [OPTIONS]

Identity Center administration with SigV4-signed calls to sso-admin,
identitystore and organizations. Credentials: AWS_ACCESS_KEY_ID and
AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN), or --profile P (static keys,
credential_process, an Identity Center profile, or role_arn + source_profile).

Options:
  --profile P                 credentials (and region) of profile P (or AWS_PROFILE)
  --region R                  the Identity Center home region (else AWS_REGION,
                              AWS_DEFAULT_REGION, the profile's region)
  --instance-arn ARN          the instance, when the region has several
  --format table|csv|json     output format (default table)

assignments:
  --principal user:NAME|group:NAME|ID   only these principals (repeatable)
  --permission-set NAME|ARN             only these permission sets (repeatable)
  --target ACCOUNT_ID|OU_ID             only these accounts, or the accounts of an OU (repeatable)
  --ou-recursive                        OU targets include the accounts of nested OUs
  --names                               fill in principal, permission set and account names

Unknown names are listed on stderr after the known ones are printed (exit 1).
";

const ROLE_HELP: &str = "\
Role: --profile P (with sso_account_id and sso_role_name), or a session plus
      --account-id A --role-name R
  --region R             region for the consumers (default: the profile's)
  --expiry-window SECS   reuse cached credentials until this long before expiry (default 900)
  --login                allow an interactive login when no token is usable (else exit 3)
";

/// `credential-process` help.
pub const CREDENTIAL_PROCESS_USAGE: &str = "\
Usage: sso-config credential-process [ROLE OPTIONS]

Prints the credential_process JSON for a role. Credentials are cached in the AWS
CLI's role cache and reused; concurrent callers share one fetch. In ~/.aws/config:

  [profile app]
  credential_process = /usr/local/bin/sso-config credential-process --sso-session corp --account-id 111122223333 --role-name ReadOnly

Run 'sso-config help role' for the role options.
";

/// `export` help.
pub const EXPORT_USAGE: &str = "\
Usage: sso-config export [ROLE OPTIONS] [--format F] [--write-credentials [NAME]]

Formats: env (default), env-no-export, fish, powershell, windows-cmd, dotenv, json, process.
  eval \"$(sso-config export --profile prod.Admin)\"
  --write-credentials [NAME]   write section NAME (default: the profile) of the credentials file
";

/// `exec` help.
pub const EXEC_USAGE: &str = "\
Usage: sso-config exec [ROLE OPTIONS] [--] COMMAND [ARGS...]

Runs COMMAND with the role's credentials in its environment (AWS_PROFILE removed);
its exit status is ours.
";

/// `console` help.
pub const CONSOLE_USAGE: &str = "\
Usage: sso-config console [ROLE OPTIONS] [--destination URL-or-path] [--duration SECS] [--print]

Opens the AWS console as the role (federated sign-in); --print prints the URL instead.
";

/// `check` help.
pub const CHECK_USAGE: &str = "\
Usage: sso-config check [--profile P | --account-id A --role-name R] [--json]

Shows the resolved session and where it came from, the token's state, and whether
the named access exists. Exit 0 all well, 3 login needed, 1 otherwise.
";

/// Parses the command line (without the program name).
pub fn parse(args: impl IntoIterator<Item = OsString>) -> Result<Cli, Error> {
    parse_inner(lexopt::Parser::from_args(args)).map_err(|e| match e {
        Parsed::Err(e) => e,
        Parsed::Lexopt(e) => Error::Usage(e.to_string()),
    })
}

enum Parsed {
    Err(Error),
    Lexopt(lexopt::Error),
}

impl From<lexopt::Error> for Parsed {
    fn from(e: lexopt::Error) -> Parsed {
        Parsed::Lexopt(e)
    }
}

impl From<Error> for Parsed {
    fn from(e: Error) -> Parsed {
        Parsed::Err(e)
    }
}

/// One command-line word, owned so that the parser can be borrowed again to
/// take the flag's value.
enum Tok {
    Help,
    Version,
    /// A long flag's name without dashes (a short one keeps its dash).
    Flag(String),
    Value(OsString),
}

fn next(p: &mut lexopt::Parser) -> Result<Option<Tok>, Parsed> {
    use lexopt::Arg::{Long, Short, Value};
    Ok(p.next()?.map(|arg| match arg {
        Short('h') | Long("help") => Tok::Help,
        Short('V') | Long("version") => Tok::Version,
        Long(name) => Tok::Flag(name.to_string()),
        Short(c) => Tok::Flag(format!("-{c}")),
        Value(v) => Tok::Value(v),
    }))
}

fn unexpected(tok: Tok) -> Parsed {
    let msg = match tok {
        Tok::Flag(name) if name.starts_with('-') => format!("unknown flag {name}"),
        Tok::Flag(name) => format!("unknown flag --{name}"),
        Tok::Value(v) => format!("unexpected argument '{}'", v.to_string_lossy()),
        Tok::Help | Tok::Version => "unexpected flag".to_string(),
    };
    Error::Usage(format!("{msg}; run 'sso-config --help' for usage")).into()
}

fn parse_inner(mut p: lexopt::Parser) -> Result<Cli, Parsed> {
    let mut global = Global::default();
    let command = match next(&mut p)? {
        None => None,
        Some(Tok::Help) => return Ok(Cli::Help(USAGE)),
        Some(Tok::Version) => return Ok(Cli::Version),
        Some(Tok::Value(v)) => Some(string(v)?),
        Some(Tok::Flag(name)) => {
            // Flags before any command belong to the bare `generate`.
            let mut g = GenerateArgs::default();
            if !global_flag(&name, &mut p, &mut global)? && !generate_flag(&name, &mut p, &mut g)? {
                return Err(unexpected(Tok::Flag(name)));
            }
            return finish_generate(p, global, g);
        }
    };
    match command.as_deref() {
        None => finish_generate(p, global, GenerateArgs::default()),
        Some("generate") => finish_generate(p, global, GenerateArgs::default()),
        Some("help") => Ok(Cli::Help(match next(&mut p)? {
            Some(Tok::Value(v)) => help_for(&string(v)?)?,
            _ => USAGE,
        })),
        Some("login") => parse_login(p, global),
        Some("logout") => parse_logout(p, global),
        Some("roles") => parse_roles(p, global),
        Some("credential-process") => parse_credential_process(p, global),
        Some("export" | "env") => parse_export(p, global),
        Some("exec" | "run-as") => parse_exec(p, global),
        Some("console") => parse_console(p, global),
        Some("check") => parse_check(p, global),
        Some(word @ ("completion" | "__complete")) => {
            let Some(Tok::Value(v)) = next(&mut p)? else {
                return Err(Error::Usage(format!("{word} needs an argument")).into());
            };
            let arg = string(v)?;
            if let Some(extra) = next(&mut p)? {
                return Err(unexpected(extra));
            }
            Ok(Cli::Run(
                global,
                Box::new(if word == "completion" {
                    Command::Completion(arg)
                } else {
                    Command::Complete(arg)
                }),
            ))
        }
        Some("admin") => parse_admin(p, global),
        Some(other) => Err(Error::Usage(format!(
            "unknown command '{other}'; run 'sso-config --help' for the list"
        ))
        .into()),
    }
}

fn help_for(cmd: &str) -> Result<&'static str, Error> {
    Ok(match cmd {
        "generate" => GENERATE_USAGE,
        "login" => LOGIN_USAGE,
        "logout" => LOGOUT_USAGE,
        "roles" => ROLES_USAGE,
        "credential-process" => CREDENTIAL_PROCESS_USAGE,
        "export" | "env" => EXPORT_USAGE,
        "exec" | "run-as" => EXEC_USAGE,
        "console" => CONSOLE_USAGE,
        "check" => CHECK_USAGE,
        "completion" => "Usage: sso-config completion bash|zsh|fish\n",
        "admin" => ADMIN_USAGE,
        "session" => SESSION_HELP,
        "role" => ROLE_HELP,
        other => {
            return Err(Error::Usage(format!(
                "no help for unknown command '{other}'"
            )));
        }
    })
}

fn string(v: OsString) -> Result<String, Error> {
    v.into_string().map_err(|v| {
        Error::Usage(format!(
            "argument is not valid UTF-8: {}",
            v.to_string_lossy()
        ))
    })
}

fn value(p: &mut lexopt::Parser) -> Result<String, Parsed> {
    Ok(string(p.value()?)?)
}

/// Takes global and session flags; `Ok(false)` when `arg` is not one.
fn global_flag(name: &str, p: &mut lexopt::Parser, g: &mut Global) -> Result<bool, Parsed> {
    match name {
        "debug" => g.debug = true,
        "no-browser" => g.no_browser = true,
        "profile" => g.session.profile = Some(value(p)?),
        "sso-session" => g.session.sso_session = Some(value(p)?),
        "start-url" => g.session.start_url = Some(value(p)?),
        "sso-region" => g.session.sso_region = Some(value(p)?),
        _ => return Ok(false),
    }
    Ok(true)
}

/// Takes login-flow flags.
fn login_flag(name: &str, p: &mut lexopt::Parser, l: &mut LoginOptions) -> Result<bool, Parsed> {
    match name {
        "device-code" => l.flow = Flow::DeviceCode,
        "pkce" => l.flow = Flow::Pkce,
        "callback-port" => {
            let v = value(p)?;
            let port = v.parse::<u16>().map_err(|_| {
                Error::Usage(format!("--callback-port: '{v}' is not a port number"))
            })?;
            l.callback_port = Some(port);
        }
        _ => return Ok(false),
    }
    Ok(true)
}

fn generate_flag(name: &str, p: &mut lexopt::Parser, g: &mut GenerateArgs) -> Result<bool, Parsed> {
    match name {
        "region" => g.regions.push(value(p)?),
        "name" => g.template = Some(value(p)?),
        "lower" => g.lower = true,
        "strip-prefix" => g.strip_prefixes.push(value(p)?),
        "role-alias" => g.role_aliases.push(kv(&value(p)?, "--role-alias")?),
        "include-account" => g.include_accounts.push(value(p)?),
        "exclude-account" => g.exclude_accounts.push(value(p)?),
        "exclude-role" => g.exclude_roles.push(value(p)?),
        "region-rule" => g.region_rules.push(kv(&value(p)?, "--region-rule")?),
        "set" => g.set.push(kv(&value(p)?, "--set")?),
        "style" => {
            g.style = match value(p)?.as_str() {
                "sso" => Style::Sso,
                "legacy" => Style::Legacy,
                "credential-process" => Style::CredentialProcess,
                other => {
                    return Err(Error::Usage(format!(
                        "--style: '{other}' is not one of sso, legacy, credential-process"
                    ))
                    .into());
                }
            }
        }
        "write" => g.write = Some(optional_path(p)?),
        "dry-run" => g.dry_run = true,
        _ => return login_flag(name, p, &mut g.login),
    }
    Ok(true)
}

/// The optional value of `--write`: `--write=FILE`, or `--write FILE` when the
/// next word is not a flag.
fn optional_path(p: &mut lexopt::Parser) -> Result<Option<PathBuf>, Parsed> {
    if let Some(v) = p.optional_value() {
        return Ok(Some(PathBuf::from(v)));
    }
    let next = p
        .try_raw_args()
        .and_then(|mut raw| raw.next_if(|a| !a.to_string_lossy().starts_with('-')));
    Ok(next.map(PathBuf::from))
}

fn kv(arg: &str, flag: &str) -> Result<(String, String), Error> {
    crate::naming::parse_kv(arg, flag).map_err(|e| Error::Usage(e.to_string()))
}

/// Runs a command's flag loop: `-h` gives `help`; each flag goes to `take`
/// and then to the global flags; anything else is a usage error.
fn flags(
    p: &mut lexopt::Parser,
    global: &mut Global,
    help: &'static str,
    mut take: impl FnMut(&str, &mut lexopt::Parser) -> Result<bool, Parsed>,
) -> Result<Option<Cli>, Parsed> {
    while let Some(tok) = next(p)? {
        match tok {
            Tok::Help => return Ok(Some(Cli::Help(help))),
            Tok::Flag(name) => {
                if !take(&name, p)? && !global_flag(&name, p, global)? {
                    return Err(unexpected(Tok::Flag(name)));
                }
            }
            other => return Err(unexpected(other)),
        }
    }
    Ok(None)
}

fn finish_generate(
    mut p: lexopt::Parser,
    mut global: Global,
    mut g: GenerateArgs,
) -> Result<Cli, Parsed> {
    if let Some(help) = flags(&mut p, &mut global, GENERATE_USAGE, |n, p| {
        generate_flag(n, p, &mut g)
    })? {
        return Ok(help);
    }
    if g.dry_run && g.write.is_none() {
        return Err(Error::Usage("--dry-run only makes sense with --write".into()).into());
    }
    Ok(Cli::Run(global, Box::new(Command::Generate(g))))
}

fn parse_login(mut p: lexopt::Parser, mut global: Global) -> Result<Cli, Parsed> {
    let mut login = LoginOptions::default();
    let mut force = false;
    let take = |name: &str, p: &mut lexopt::Parser| {
        if name == "force" {
            force = true;
            return Ok(true);
        }
        login_flag(name, p, &mut login)
    };
    if let Some(help) = flags(&mut p, &mut global, LOGIN_USAGE, take)? {
        return Ok(help);
    }
    Ok(Cli::Run(global, Box::new(Command::Login { login, force })))
}

fn parse_logout(mut p: lexopt::Parser, mut global: Global) -> Result<Cli, Parsed> {
    let mut all = false;
    let take = |name: &str, _: &mut lexopt::Parser| {
        all |= name == "all";
        Ok(name == "all")
    };
    if let Some(help) = flags(&mut p, &mut global, LOGOUT_USAGE, take)? {
        return Ok(help);
    }
    Ok(Cli::Run(global, Box::new(Command::Logout { all })))
}

fn parse_roles(mut p: lexopt::Parser, mut global: Global) -> Result<Cli, Parsed> {
    let mut format = Format::Table;
    let mut account_ids = Vec::new();
    let mut login = LoginOptions::default();
    let take = |name: &str, p: &mut lexopt::Parser| {
        match name {
            "format" => format = parse_format(&value(p)?)?,
            "account-id" => account_ids.push(value(p)?),
            _ => return login_flag(name, p, &mut login),
        }
        Ok(true)
    };
    if let Some(help) = flags(&mut p, &mut global, ROLES_USAGE, take)? {
        return Ok(help);
    }
    Ok(Cli::Run(
        global,
        Box::new(Command::Roles {
            format,
            account_ids,
            login,
        }),
    ))
}

fn parse_admin(mut p: lexopt::Parser, mut global: Global) -> Result<Cli, Parsed> {
    let sub = match next(&mut p)? {
        Some(Tok::Help) | None => return Ok(Cli::Help(ADMIN_USAGE)),
        Some(Tok::Value(v)) => string(v)?,
        Some(other) => return Err(unexpected(other)),
    };
    let mut kind = None;
    if sub == "lookup" {
        kind = match next(&mut p)? {
            Some(Tok::Help) => return Ok(Cli::Help(ADMIN_USAGE)),
            Some(Tok::Value(v)) => {
                let word = string(v)?;
                Some(LookupKind::parse(&word).ok_or_else(|| {
                    Error::Usage(format!(
                        "admin lookup: '{word}' is not one of instance, identity-store, user, group, permission-set, account"
                    ))
                })?)
            }
            _ => {
                return Err(Error::Usage(
                    "admin lookup needs what to look up: instance, identity-store, user, group, permission-set or account".into(),
                )
                .into());
            }
        };
    } else if sub != "assignments" && sub != "whoami" {
        return Err(Error::Usage(format!(
            "unknown admin command '{sub}'; run 'sso-config help admin'"
        ))
        .into());
    }
    let mut args = AdminArgs {
        region: None,
        format: Format::Table,
        instance_arn: None,
        action: AdminAction::Whoami,
    };
    let mut filters = AssignmentFilters::default();
    let mut names = Vec::new();
    while let Some(tok) = next(&mut p)? {
        let name = match tok {
            Tok::Help => return Ok(Cli::Help(ADMIN_USAGE)),
            Tok::Value(v) if kind.is_some_and(LookupKind::takes_names) => {
                names.push(string(v)?);
                continue;
            }
            Tok::Flag(name) => name,
            other => return Err(unexpected(other)),
        };
        let filter_flag = matches!(
            name.as_str(),
            "principal" | "permission-set" | "target" | "ou-recursive" | "names"
        );
        if filter_flag && sub != "assignments" {
            return Err(Error::Usage(format!("--{name} is a flag of 'admin assignments'")).into());
        }
        match name.as_str() {
            "region" => args.region = Some(value(&mut p)?),
            "format" => args.format = parse_format(&value(&mut p)?)?,
            "instance-arn" => args.instance_arn = Some(value(&mut p)?),
            "principal" => filters
                .principals
                .push(PrincipalFilter::parse(&value(&mut p)?)?),
            "permission-set" => filters.permission_sets.push(value(&mut p)?),
            "target" => {
                let t = value(&mut p)?;
                if !crate::admin::is_account_id(&t) && !crate::admin::is_parent_id(&t) {
                    return Err(Error::Usage(format!(
                        "--target: '{t}' is not an account id (12 digits) or an OU id (ou-…)"
                    ))
                    .into());
                }
                filters.targets.push(t);
            }
            "ou-recursive" => filters.ou_recursive = true,
            "names" => filters.names = true,
            _ => {
                if !global_flag(&name, &mut p, &mut global)? {
                    return Err(unexpected(Tok::Flag(name)));
                }
            }
        }
    }
    args.action = match kind {
        Some(kind) if kind.takes_names() && names.is_empty() => {
            return Err(Error::Usage("admin lookup: give at least one NAME".into()).into());
        }
        Some(kind) => AdminAction::Lookup { kind, names },
        None if sub == "assignments" => AdminAction::Assignments(filters),
        None => AdminAction::Whoami,
    };
    Ok(Cli::Run(global, Box::new(Command::Admin(args))))
}

/// Takes role-selection flags.
fn role_flag(name: &str, p: &mut lexopt::Parser, r: &mut RoleFlags) -> Result<bool, Parsed> {
    match name {
        "account-id" => r.account_id = Some(value(p)?),
        "role-name" => r.role_name = Some(value(p)?),
        "region" => r.region = Some(value(p)?),
        "login" => r.login = true,
        "expiry-window" => {
            let v = value(p)?;
            let secs = v.parse::<i64>().ok().filter(|s| *s >= 0).ok_or_else(|| {
                Error::Usage(format!("--expiry-window: '{v}' is not a number of seconds"))
            })?;
            r.expiry_window = Some(secs);
        }
        _ => return login_flag(name, p, &mut r.login_options),
    }
    Ok(true)
}

fn parse_credential_process(mut p: lexopt::Parser, mut global: Global) -> Result<Cli, Parsed> {
    let mut role = RoleFlags::default();
    if let Some(help) = flags(&mut p, &mut global, CREDENTIAL_PROCESS_USAGE, |n, p| {
        role_flag(n, p, &mut role)
    })? {
        return Ok(help);
    }
    Ok(Cli::Run(global, Box::new(Command::CredentialProcess(role))))
}

fn parse_export(mut p: lexopt::Parser, mut global: Global) -> Result<Cli, Parsed> {
    let mut role = RoleFlags::default();
    let mut format = ExportFormat::default();
    let mut write_credentials = None;
    let take = |name: &str, p: &mut lexopt::Parser| {
        match name {
            "format" => {
                let v = value(p)?;
                format = ExportFormat::parse(&v).ok_or_else(|| {
                    Error::Usage(format!(
                        "--format: '{v}' is not one of env, env-no-export, fish, powershell, windows-cmd, dotenv, json, process"
                    ))
                })?;
            }
            "write-credentials" => {
                write_credentials =
                    Some(optional_path(p)?.map(|p| p.to_string_lossy().into_owned()));
            }
            _ => return role_flag(name, p, &mut role),
        }
        Ok(true)
    };
    if let Some(help) = flags(&mut p, &mut global, EXPORT_USAGE, take)? {
        return Ok(help);
    }
    Ok(Cli::Run(
        global,
        Box::new(Command::Export {
            role,
            format,
            write_credentials,
        }),
    ))
}

/// `exec`: flags until the first positional word (or after `--`), which is the
/// program; everything after it is passed on untouched.
fn parse_exec(mut p: lexopt::Parser, mut global: Global) -> Result<Cli, Parsed> {
    let mut role = RoleFlags::default();
    let program = loop {
        match next(&mut p)? {
            None => {
                return Err(Error::Usage(
                    "exec needs a command to run: sso-config exec --profile P -- CMD".into(),
                )
                .into());
            }
            Some(Tok::Help) => return Ok(Cli::Help(EXEC_USAGE)),
            Some(Tok::Value(v)) => break v,
            Some(Tok::Flag(name)) => {
                if !role_flag(&name, &mut p, &mut role)?
                    && !global_flag(&name, &mut p, &mut global)?
                {
                    return Err(unexpected(Tok::Flag(name)));
                }
            }
            Some(other) => return Err(unexpected(other)),
        }
    };
    let args: Vec<OsString> = p.raw_args()?.collect();
    Ok(Cli::Run(
        global,
        Box::new(Command::Exec {
            role,
            program,
            args,
        }),
    ))
}

fn parse_console(mut p: lexopt::Parser, mut global: Global) -> Result<Cli, Parsed> {
    let mut role = RoleFlags::default();
    let (mut destination, mut print, mut duration) = (None, false, None);
    let take = |name: &str, p: &mut lexopt::Parser| {
        match name {
            "destination" => destination = Some(value(p)?),
            "print" => print = true,
            "duration" => {
                let v = value(p)?;
                let secs = v
                    .parse::<u32>()
                    .ok()
                    .filter(|s| (900..=43200).contains(s))
                    .ok_or_else(|| {
                        Error::Usage(format!(
                            "--duration: '{v}' is not between 900 and 43200 seconds"
                        ))
                    })?;
                duration = Some(secs);
            }
            _ => return role_flag(name, p, &mut role),
        }
        Ok(true)
    };
    if let Some(help) = flags(&mut p, &mut global, CONSOLE_USAGE, take)? {
        return Ok(help);
    }
    Ok(Cli::Run(
        global,
        Box::new(Command::Console {
            role,
            destination,
            print,
            duration,
        }),
    ))
}

fn parse_check(mut p: lexopt::Parser, mut global: Global) -> Result<Cli, Parsed> {
    let mut role = RoleFlags::default();
    let mut json = false;
    let take = |name: &str, p: &mut lexopt::Parser| {
        if name == "json" {
            json = true;
            return Ok(true);
        }
        role_flag(name, p, &mut role)
    };
    if let Some(help) = flags(&mut p, &mut global, CHECK_USAGE, take)? {
        return Ok(help);
    }
    Ok(Cli::Run(global, Box::new(Command::Check { role, json })))
}

fn parse_format(v: &str) -> Result<Format, Error> {
    match v {
        "table" => Ok(Format::Table),
        "json" => Ok(Format::Json),
        "csv" => Ok(Format::Csv),
        other => Err(Error::Usage(format!(
            "--format: '{other}' is not one of table, json, csv"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(args: &[&str]) -> Result<Cli, Error> {
        parse(args.iter().map(OsString::from))
    }

    fn command(args: &[&str]) -> (Global, Command) {
        match run(args).unwrap() {
            Cli::Run(g, c) => (g, *c),
            other => panic!("{other:?}"),
        }
    }

    fn generate(args: &[&str]) -> (Global, GenerateArgs) {
        match command(args) {
            (g, Command::Generate(a)) => (g, a),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn bare_command_is_generate_with_flags_anywhere() {
        let (g, a) = generate(&[
            "--region",
            "eu-west-1",
            "--debug",
            "--region",
            "us-east-1",
            "--lower",
        ]);
        assert!(g.debug && a.lower);
        assert_eq!(a.regions, ["eu-west-1", "us-east-1"]);
        assert!(matches!(command(&[]).1, Command::Generate(_)));
    }

    #[test]
    fn write_takes_an_optional_file() {
        let get = |args: &[&str]| generate(args).1.write;
        assert_eq!(get(&["--write"]), Some(None));
        assert_eq!(get(&["--write", "--lower"]), Some(None));
        assert_eq!(
            get(&["generate", "--write", "f.ini"]),
            Some(Some(PathBuf::from("f.ini")))
        );
        assert_eq!(get(&["--write=g"]), Some(Some(PathBuf::from("g"))));
    }

    #[test]
    fn key_value_flags() {
        let (_, a) = generate(&[
            "--role-alias",
            "AdministratorAccess=",
            "--set",
            "output=json",
        ]);
        assert_eq!(
            a.role_aliases,
            [("AdministratorAccess".to_string(), String::new())]
        );
        assert_eq!(a.set, [("output".to_string(), "json".to_string())]);
        for bad in [
            &["--set", "novalue"][..],
            &["--region-rule", "x="],
            &["--set", "=v"],
        ] {
            assert_eq!(run(bad).unwrap_err().exit_code(), 2);
        }
    }

    #[test]
    fn bad_input_is_a_usage_error() {
        for bad in [
            &["--frobnicate"][..],
            &["frobnicate"],
            &["login", "--callback-port", "x"],
            &["roles", "--format", "yaml"],
            &["--style", "nope"],
            &["--dry-run"],
            &["--region"],
        ] {
            let e = run(bad).unwrap_err();
            assert_eq!(e.exit_code(), 2, "{bad:?}: {e}");
        }
    }

    #[test]
    fn help_and_version() {
        assert!(matches!(run(&["--help"]).unwrap(), Cli::Help(USAGE)));
        assert!(matches!(
            run(&["help", "login"]).unwrap(),
            Cli::Help(LOGIN_USAGE)
        ));
        assert!(matches!(
            run(&["roles", "-h"]).unwrap(),
            Cli::Help(ROLES_USAGE)
        ));
        assert!(matches!(run(&["-V"]).unwrap(), Cli::Version));
    }

    fn admin(args: &[&str]) -> AdminArgs {
        match command(args) {
            (_, Command::Admin(a)) => a,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn admin_commands() {
        let a = admin(&[
            "admin",
            "lookup",
            "user",
            "alice",
            "--region",
            "eu-west-1",
            "bob",
            "--format",
            "json",
        ]);
        assert_eq!(a.region.as_deref(), Some("eu-west-1"));
        assert_eq!(a.format, Format::Json);
        assert_eq!(
            a.action,
            AdminAction::Lookup {
                kind: LookupKind::User,
                names: vec!["alice".into(), "bob".into()]
            }
        );
        let a = admin(&[
            "admin",
            "assignments",
            "--principal",
            "group:Admins",
            "--target",
            "ou-ab12-cdef3456",
            "--ou-recursive",
            "--names",
            "--profile",
            "x",
        ]);
        let AdminAction::Assignments(f) = a.action else {
            panic!()
        };
        assert!(f.ou_recursive && f.names);
        assert_eq!(f.principals, [PrincipalFilter::Group("Admins".into())]);
        let (g, _) = command(&["admin", "whoami", "--profile", "x"]);
        assert_eq!(g.session.profile.as_deref(), Some("x"));
        assert!(matches!(run(&["admin"]).unwrap(), Cli::Help(ADMIN_USAGE)));
        for bad in [
            &["admin", "lookup"][..],
            &["admin", "lookup", "user"],
            &["admin", "lookup", "planet", "x"],
            &["admin", "lookup", "instance", "extra"],
            &["admin", "assignments", "--target", "prod"],
            &["admin", "lookup", "user", "a", "--names"],
            &["admin", "frob"],
            &["admin", "assignments", "--principal", "user:"],
        ] {
            assert_eq!(run(bad).unwrap_err().exit_code(), 2, "{bad:?}");
        }
    }

    #[test]
    fn exec_takes_the_rest_verbatim() {
        let (
            g,
            Command::Exec {
                role,
                program,
                args,
            },
        ) = command(&[
            "exec",
            "--profile",
            "p",
            "--",
            "aws",
            "--profile",
            "x",
            "s3",
            "ls",
        ])
        else {
            panic!()
        };
        assert_eq!(g.session.profile.as_deref(), Some("p"));
        assert_eq!(role, RoleFlags::default());
        assert_eq!(program, "aws");
        assert_eq!(args, ["--profile", "x", "s3", "ls"]);
        let (_, Command::Exec { program, args, .. }) =
            command(&["run-as", "--account-id", "1", "--role-name", "R", "env"])
        else {
            panic!()
        };
        assert_eq!(
            (program.as_os_str(), args.len()),
            (std::ffi::OsStr::new("env"), 0)
        );
        assert_eq!(run(&["exec", "--profile", "p"]).unwrap_err().exit_code(), 2);
    }

    #[test]
    fn export_and_credential_process_flags() {
        let (
            _,
            Command::Export {
                format,
                write_credentials,
                role,
            },
        ) = command(&[
            "env",
            "--format",
            "fish",
            "--write-credentials",
            "--expiry-window",
            "60",
        ])
        else {
            panic!()
        };
        assert_eq!(format, ExportFormat::Fish);
        assert_eq!(write_credentials, Some(None));
        assert_eq!(role.expiry_window, Some(60));
        let (_, Command::CredentialProcess(r)) = command(&[
            "credential-process",
            "--sso-session",
            "s",
            "--account-id",
            "1",
            "--role-name",
            "R",
            "--login",
        ]) else {
            panic!()
        };
        assert!(r.login);
        for bad in [
            &["export", "--format", "yaml"][..],
            &["console", "--duration", "5"],
            &["credential-process", "--expiry-window", "-1"],
        ] {
            assert_eq!(run(bad).unwrap_err().exit_code(), 2, "{bad:?}");
        }
    }

    #[test]
    fn login_flags() {
        let (g, Command::Login { login, force }) = command(&[
            "login",
            "--force",
            "--pkce",
            "--callback-port",
            "8400",
            "--sso-session",
            "x",
        ]) else {
            panic!()
        };
        assert!(force);
        assert_eq!(login.flow, Flow::Pkce);
        assert_eq!(login.callback_port, Some(8400));
        assert_eq!(g.session.sso_session.as_deref(), Some("x"));
    }
}
