/*!
The commands: one file each, holding its `USAGE`, its argument struct, its
`parse` and its `run`. This module holds the top-level help, parses the first
words into a [`Cli`] and dispatches to the command.

Global flags are accepted anywhere: before the command word (`sso-config
--debug roles`) and among the command's own flags. The first word that is not
a global flag picks the command; a flag there starts the bare command,
`generate`. Parsing reads no environment, file or network.
*/

pub mod args;

mod admin;
mod check;
mod completion;
mod console;
mod credential_process;
mod exec;
mod export;
mod generate;
mod login;
mod logout;
mod output;
mod roles;

use std::ffi::OsString;

use crate::app::context::Ctx;
use crate::app::profiles::Invocation;
use crate::error::{Error, Result};
use crate::util::suggest;
use args::{Global, Parser, Tok};

pub use generate::put_back_emptied_config;

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

/// The commands, each with its parsed arguments.
#[derive(Debug)]
pub enum Command {
    /// `generate` (also the bare command).
    Generate(generate::Args),
    /// `login`.
    Login(login::Args),
    /// `logout`.
    Logout(logout::Args),
    /// `roles`.
    Roles(roles::Args),
    /// `credential-process`.
    CredentialProcess(credential_process::Args),
    /// `export` (alias `env`).
    Export(export::Args),
    /// `exec` (alias `run-as`).
    Exec(exec::Args),
    /// `console`.
    Console(console::Args),
    /// `check`.
    Check(check::Args),
    /// `completion SHELL` and the hidden `__complete profiles|sessions`.
    Completion(completion::Args),
    /// `admin lookup|assignments|whoami`.
    Admin(admin::Args),
}

impl Command {
    /// Runs the command; `program` is how this binary was started (the
    /// path `generate --style credential-process` writes).
    pub fn run(self, ctx: &Ctx, global: &Global, program: &Invocation) -> Result<()> {
        let sel = &global.session;
        match self {
            Command::Generate(a) => generate::run(ctx, sel, a, program),
            Command::Login(a) => login::run(ctx, sel, a),
            Command::Logout(a) => logout::run(ctx, sel, a),
            Command::Roles(a) => roles::run(ctx, sel, a),
            Command::CredentialProcess(a) => credential_process::run(ctx, sel, a),
            Command::Export(a) => export::run(ctx, sel, a),
            Command::Exec(a) => exec::run(ctx, sel, a),
            Command::Console(a) => console::run(ctx, sel, a),
            Command::Check(a) => check::run(ctx, sel, a),
            Command::Completion(a) => completion::run(ctx, a),
            Command::Admin(a) => admin::run(ctx, sel, a),
        }
    }
}

/// Prints `text` on stdout (help and version).
pub fn print(text: &str) -> Result<()> {
    output::write_stdout(text.as_bytes())
}

/// Parses the command line (without the program name).
pub fn parse(args: impl IntoIterator<Item = OsString>) -> Result<Cli> {
    let mut p = Parser::from_args(args);
    let mut global = Global::default();
    let (p, g) = (&mut p, &mut global);
    let word = loop {
        match args::next(p)? {
            None => break None,
            Some(Tok::Help) => return Ok(Cli::Help(USAGE)),
            Some(Tok::Version) => return Ok(Cli::Version),
            Some(Tok::Value(v)) => break Some(args::string(v)?),
            Some(Tok::Flag(name)) if g.accept(&name, p)? => {}
            // Any other flag before a command word is the bare `generate`'s.
            Some(Tok::Flag(name)) => {
                let parsed = generate::parse(p, g, Some(&name))?;
                return Ok(cli(global, generate::USAGE, parsed.map(Command::Generate)));
            }
        }
    };
    let (usage, command) = match word.as_deref() {
        None | Some("generate") => (
            generate::USAGE,
            generate::parse(p, g, None)?.map(Command::Generate),
        ),
        Some("help") => {
            return Ok(Cli::Help(match args::next(p)? {
                Some(Tok::Value(v)) => help_for(&args::string(v)?)?,
                _ => USAGE,
            }));
        }
        Some("login") => (login::USAGE, login::parse(p, g)?.map(Command::Login)),
        Some("logout") => (logout::USAGE, logout::parse(p, g)?.map(Command::Logout)),
        Some("roles") => (roles::USAGE, roles::parse(p, g)?.map(Command::Roles)),
        Some("credential-process") => (
            credential_process::USAGE,
            credential_process::parse(p, g)?.map(Command::CredentialProcess),
        ),
        Some("export" | "env") => (export::USAGE, export::parse(p, g)?.map(Command::Export)),
        Some("exec" | "run-as") => (exec::USAGE, exec::parse(p, g)?.map(Command::Exec)),
        Some("console") => (console::USAGE, console::parse(p, g)?.map(Command::Console)),
        Some("check") => (check::USAGE, check::parse(p, g)?.map(Command::Check)),
        Some(word @ ("completion" | "__complete")) => (
            completion::USAGE,
            Some(Command::Completion(completion::parse(
                p,
                word == "__complete",
            )?)),
        ),
        Some("admin") => (admin::USAGE, admin::parse(p, g)?.map(Command::Admin)),
        Some(other) => {
            return Err(Error::Usage(format!(
                "unknown command '{other}'{}; run 'sso-config --help' for the list",
                suggest::hint(other, COMMANDS, false)
            )));
        }
    };
    Ok(cli(global, usage, command))
}

/// Every command word, for "did you mean …?".
const COMMANDS: [&str; 14] = [
    "generate",
    "login",
    "logout",
    "roles",
    "credential-process",
    "export",
    "env",
    "exec",
    "run-as",
    "console",
    "check",
    "completion",
    "admin",
    "help",
];

/// The command to run, or its help when its parser met `-h`.
fn cli(global: Global, usage: &'static str, command: Option<Command>) -> Cli {
    match command {
        Some(c) => Cli::Run(global, Box::new(c)),
        None => Cli::Help(usage),
    }
}

fn help_for(cmd: &str) -> Result<&'static str> {
    Ok(match cmd {
        "generate" => generate::USAGE,
        "login" => login::USAGE,
        "logout" => logout::USAGE,
        "roles" => roles::USAGE,
        "credential-process" => credential_process::USAGE,
        "export" | "env" => export::USAGE,
        "exec" | "run-as" => exec::USAGE,
        "console" => console::USAGE,
        "check" => check::USAGE,
        "completion" => completion::USAGE,
        "admin" => admin::USAGE,
        "session" => args::SESSION_HELP,
        "role" => args::ROLE_HELP,
        other => {
            return Err(Error::Usage(format!(
                "no help for unknown command '{other}'{}",
                suggest::hint(
                    other,
                    COMMANDS.iter().copied().chain(["session", "role"]),
                    false
                )
            )));
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::app::admin::Action;
    use crate::app::admin::assignments::PrincipalFilter;
    use crate::app::admin::lookup::LookupKind;
    use crate::app::role::RoleFlags;
    use crate::app::token::Flow;
    use crate::cmd::output::Format;
    use std::path::PathBuf;

    fn run(args: &[&str]) -> Result<Cli, Error> {
        parse(args.iter().map(OsString::from))
    }

    fn command(args: &[&str]) -> (Global, Command) {
        match run(args).unwrap() {
            Cli::Run(g, c) => (g, *c),
            other => panic!("{other:?}"),
        }
    }

    fn generate(args: &[&str]) -> (Global, generate::Args) {
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
        assert!(g.debug && a.profiles.lower);
        assert_eq!(a.profiles.regions, ["eu-west-1", "us-east-1"]);
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
            a.profiles.role_aliases,
            [("AdministratorAccess".to_string(), String::new())]
        );
        assert_eq!(a.profiles.set, [("output".to_string(), "json".to_string())]);
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
            Cli::Help(login::USAGE)
        ));
        assert!(matches!(
            run(&["roles", "-h"]).unwrap(),
            Cli::Help(roles::USAGE)
        ));
        assert!(matches!(run(&["-V"]).unwrap(), Cli::Version));
    }

    fn admin(args: &[&str]) -> admin::Args {
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
        assert_eq!(a.request.region.as_deref(), Some("eu-west-1"));
        assert_eq!(a.format, Format::Json);
        assert_eq!(
            a.request.action,
            Action::Lookup {
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
        let Action::Assignments(f) = a.request.action else {
            panic!()
        };
        assert!(f.ou_recursive && f.names);
        assert_eq!(f.principals, [PrincipalFilter::Group("Admins".into())]);
        let (g, _) = command(&["admin", "whoami", "--profile", "x"]);
        assert_eq!(g.session.profile.as_deref(), Some("x"));
        assert!(matches!(run(&["admin"]).unwrap(), Cli::Help(admin::USAGE)));
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
            Command::Exec(exec::Args {
                role,
                program,
                args,
            }),
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
        let (_, Command::Exec(exec::Args { program, args, .. })) =
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
            Command::Export(export::Args {
                format,
                write_credentials,
                role,
            }),
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
        assert_eq!(format, export::ExportFormat::Fish);
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
        let (g, Command::Login(login::Args { login, force })) = command(&[
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

    #[test]
    fn global_flags_anywhere() {
        let (g, c) = command(&["--debug", "roles"]);
        assert!(g.debug);
        assert!(matches!(c, Command::Roles(_)));
        for args in [
            &["--profile", "p", "check"][..],
            &["check", "--profile", "p"],
            &["--no-browser", "--profile", "p", "check", "--json"],
        ] {
            let (g, c) = command(args);
            assert_eq!(g.session.profile.as_deref(), Some("p"), "{args:?}");
            assert!(matches!(c, Command::Check(_)), "{args:?}");
        }
        let (g, c) = command(&["--sso-session", "corp"]);
        assert_eq!(g.session.sso_session.as_deref(), Some("corp"));
        assert!(matches!(c, Command::Generate(_)), "still the bare command");
        let (g, a) = generate(&["--profile", "p", "--lower", "--debug"]);
        assert!(g.debug && a.profiles.lower);
        assert_eq!(
            run(&["--region", "eu-west-1", "roles"])
                .unwrap_err()
                .exit_code(),
            2,
            "a generate flag starts the bare command"
        );
    }
}
