/*!
Command-line parsing into plain data (no environment, files or network here).

Global flags are accepted anywhere; the first positional word picks the
command, and the same parser continues with that command's flags, as lexopt's
`cargo` example does.
*/

use std::ffi::OsString;
use std::path::PathBuf;

use lexopt::prelude::*;

use crate::auth::{Flow, LoginOptions};
use crate::config::SessionFlags;
use crate::error::Error;

/// What the user asked for.
#[derive(Debug)]
pub enum Cli {
    /// Print this help text on stdout and exit 0.
    Help(&'static str),
    /// Print the version.
    Version,
    /// Run a command.
    Run(Global, Command),
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
    /// `roles`.
    Roles {
        /// Output format.
        format: Format,
        /// `--account-id` filters.
        account_ids: Vec<String>,
        /// Flow options for a login if needed.
        login: LoginOptions,
    },
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

fn parse_inner(mut p: lexopt::Parser) -> Result<Cli, Parsed> {
    let mut global = Global::default();
    let mut command: Option<String> = None;
    while command.is_none() {
        let Some(arg) = p.next()? else { break };
        match arg {
            Short('h') | Long("help") => return Ok(Cli::Help(USAGE)),
            Short('V') | Long("version") => return Ok(Cli::Version),
            Value(v) => command = Some(string(v)?),
            arg => {
                // Flags before the command belong to the bare `generate`.
                let mut g = GenerateArgs::default();
                if !global_flag(&arg, &mut p, &mut global)? && !generate_flag(&arg, &mut p, &mut g)? {
                    return Err(arg.unexpected().into());
                }
                return finish_generate(p, global, g);
            }
        }
    }
    match command.as_deref() {
        None | Some("generate") => finish_generate(p, global, GenerateArgs::default()),
        Some("help") => {
            let topic = p.next()?;
            Ok(Cli::Help(match topic {
                Some(Value(v)) => help_for(&string(v)?)?,
                _ => USAGE,
            }))
        }
        Some("login") => parse_login(p, global),
        Some("logout") => parse_logout(p, global),
        Some("roles") => parse_roles(p, global),
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
        "session" => SESSION_HELP,
        other => return Err(Error::Usage(format!("no help for unknown command '{other}'"))),
    })
}

fn string(v: OsString) -> Result<String, Error> {
    v.into_string()
        .map_err(|v| Error::Usage(format!("argument is not valid UTF-8: {}", v.to_string_lossy())))
}

fn value(p: &mut lexopt::Parser) -> Result<String, Parsed> {
    Ok(string(p.value()?)?)
}

/// Takes global and session flags; `Ok(false)` when `arg` is not one.
fn global_flag(arg: &Arg, p: &mut lexopt::Parser, g: &mut Global) -> Result<bool, Parsed> {
    match arg {
        Long("debug") => g.debug = true,
        Long("no-browser") => g.no_browser = true,
        Long("profile") => g.session.profile = Some(value(p)?),
        Long("sso-session") => g.session.sso_session = Some(value(p)?),
        Long("start-url") => g.session.start_url = Some(value(p)?),
        Long("sso-region") => g.session.sso_region = Some(value(p)?),
        _ => return Ok(false),
    }
    Ok(true)
}

/// Takes login-flow flags.
fn login_flag(arg: &Arg, p: &mut lexopt::Parser, l: &mut LoginOptions) -> Result<bool, Parsed> {
    match arg {
        Long("device-code") => l.flow = Flow::DeviceCode,
        Long("pkce") => l.flow = Flow::Pkce,
        Long("callback-port") => {
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

/// Handles -h/--help inside a command.
fn is_help(arg: &Arg) -> bool {
    matches!(arg, Short('h') | Long("help"))
}

fn generate_flag(arg: &Arg, p: &mut lexopt::Parser, g: &mut GenerateArgs) -> Result<bool, Parsed> {
    match arg {
        Long("region") => g.regions.push(value(p)?),
        Long("name") => g.template = Some(value(p)?),
        Long("lower") => g.lower = true,
        Long("strip-prefix") => g.strip_prefixes.push(value(p)?),
        Long("role-alias") => g.role_aliases.push(key_value(&value(p)?, "--role-alias", true)?),
        Long("include-account") => g.include_accounts.push(value(p)?),
        Long("exclude-account") => g.exclude_accounts.push(value(p)?),
        Long("exclude-role") => g.exclude_roles.push(value(p)?),
        Long("region-rule") => g.region_rules.push(key_value(&value(p)?, "--region-rule", false)?),
        Long("set") => g.set.push(key_value(&value(p)?, "--set", true)?),
        Long("style") => {
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
        Long("write") => g.write = Some(optional_path(p)?),
        Long("dry-run") => g.dry_run = true,
        _ => return login_flag(arg, p, &mut g.login),
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

/// Splits `KEY=VALUE`; the key must not be empty, the value may be when allowed.
fn key_value(arg: &str, flag: &str, empty_value_ok: bool) -> Result<(String, String), Error> {
    match arg.split_once('=') {
        Some((k, v)) if !k.trim().is_empty() && (empty_value_ok || !v.trim().is_empty()) => {
            Ok((k.trim().to_string(), v.trim().to_string()))
        }
        _ => Err(Error::Usage(format!("{flag}: expected KEY=VALUE, got '{arg}'"))),
    }
}

fn finish_generate(mut p: lexopt::Parser, mut global: Global, mut g: GenerateArgs) -> Result<Cli, Parsed> {
    while let Some(arg) = p.next()? {
        if is_help(&arg) {
            return Ok(Cli::Help(GENERATE_USAGE));
        }
        if !global_flag(&arg, &mut p, &mut global)? && !generate_flag(&arg, &mut p, &mut g)? {
            return Err(arg.unexpected().into());
        }
    }
    if g.dry_run && g.write.is_none() {
        return Err(Error::Usage("--dry-run only makes sense with --write".into()).into());
    }
    Ok(Cli::Run(global, Command::Generate(g)))
}

fn parse_login(mut p: lexopt::Parser, mut global: Global) -> Result<Cli, Parsed> {
    let mut login = LoginOptions::default();
    let mut force = false;
    while let Some(arg) = p.next()? {
        if is_help(&arg) {
            return Ok(Cli::Help(LOGIN_USAGE));
        }
        if arg == Long("force") {
            force = true;
        } else if !global_flag(&arg, &mut p, &mut global)? && !login_flag(&arg, &mut p, &mut login)? {
            return Err(arg.unexpected().into());
        }
    }
    Ok(Cli::Run(global, Command::Login { login, force }))
}

fn parse_logout(mut p: lexopt::Parser, mut global: Global) -> Result<Cli, Parsed> {
    let mut all = false;
    while let Some(arg) = p.next()? {
        if is_help(&arg) {
            return Ok(Cli::Help(LOGOUT_USAGE));
        }
        if arg == Long("all") {
            all = true;
        } else if !global_flag(&arg, &mut p, &mut global)? {
            return Err(arg.unexpected().into());
        }
    }
    Ok(Cli::Run(global, Command::Logout { all }))
}

fn parse_roles(mut p: lexopt::Parser, mut global: Global) -> Result<Cli, Parsed> {
    let mut format = Format::Table;
    let mut account_ids = Vec::new();
    let mut login = LoginOptions::default();
    while let Some(arg) = p.next()? {
        if is_help(&arg) {
            return Ok(Cli::Help(ROLES_USAGE));
        }
        match arg {
            Long("format") => format = parse_format(&value(&mut p)?)?,
            Long("account-id") => account_ids.push(value(&mut p)?),
            ref a => {
                if !global_flag(a, &mut p, &mut global)? && !login_flag(a, &mut p, &mut login)? {
                    return Err(arg.unexpected().into());
                }
            }
        }
    }
    Ok(Cli::Run(
        global,
        Command::Roles {
            format,
            account_ids,
            login,
        },
    ))
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

    #[test]
    fn bare_command_is_generate_with_flags_anywhere() {
        let Cli::Run(g, Command::Generate(a)) =
            run(&["--region", "eu-west-1", "--debug", "--region", "us-east-1", "--lower"]).unwrap()
        else {
            panic!()
        };
        assert!(g.debug && a.lower);
        assert_eq!(a.regions, ["eu-west-1", "us-east-1"]);
        assert!(matches!(run(&[]).unwrap(), Cli::Run(_, Command::Generate(_))));
    }

    #[test]
    fn write_takes_an_optional_file() {
        let get = |args: &[&str]| match run(args).unwrap() {
            Cli::Run(_, Command::Generate(a)) => a.write,
            _ => panic!(),
        };
        assert_eq!(get(&["--write"]), Some(None));
        assert_eq!(get(&["--write", "--lower"]), Some(None));
        assert_eq!(get(&["generate", "--write", "f.ini"]), Some(Some(PathBuf::from("f.ini"))));
        assert_eq!(get(&["--write=g"]), Some(Some(PathBuf::from("g"))));
    }

    #[test]
    fn key_value_flags() {
        let Cli::Run(_, Command::Generate(a)) =
            run(&["--role-alias", "AdministratorAccess=", "--set", "output=json"]).unwrap()
        else {
            panic!()
        };
        assert_eq!(a.role_aliases, [("AdministratorAccess".to_string(), String::new())]);
        assert_eq!(a.set, [("output".to_string(), "json".to_string())]);
        for bad in [&["--set", "novalue"][..], &["--region-rule", "x="], &["--set", "=v"]] {
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
        assert!(matches!(run(&["help", "login"]).unwrap(), Cli::Help(LOGIN_USAGE)));
        assert!(matches!(run(&["roles", "-h"]).unwrap(), Cli::Help(ROLES_USAGE)));
        assert!(matches!(run(&["-V"]).unwrap(), Cli::Version));
    }

    #[test]
    fn login_flags() {
        let Cli::Run(g, Command::Login { login, force }) =
            run(&["login", "--force", "--pkce", "--callback-port", "8400", "--sso-session", "x"]).unwrap()
        else {
            panic!()
        };
        assert!(force);
        assert_eq!(login.flow, Flow::Pkce);
        assert_eq!(login.callback_port, Some(8400));
        assert_eq!(g.session.sso_session.as_deref(), Some("x"));
    }
}
