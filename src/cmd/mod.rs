/*!
The commands: one file each, holding its `USAGE`, its argument struct, its
`parse` and its `run`. This module holds [`COMMANDS`], the table of every
command's words and help text (which `help`, the man page, the completion
scripts and the "did you mean" for flags read; see `help`), parses the first
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
mod help;
mod login;
mod logout;
mod man;
mod output;
mod picker;
mod roles;
mod serve;
mod shell_init;

use std::ffi::OsString;

use crate::app::context::Ctx;
use crate::app::profiles::Invocation;
use crate::error::{Error, Result};
use crate::util::suggest;
use args::{Global, Parser, Tok};
use help::CommandDoc;

pub use generate::put_back_emptied_config;

/// The top-level help (see `help::OVERVIEW`).
pub use help::OVERVIEW as USAGE;

/// `--version`: the version, and the commit, date and target of the build
/// (see build.rs).
pub const VERSION: &str = concat!(
    "sso-config ",
    env!("CARGO_PKG_VERSION"),
    " (",
    env!("SSO_CONFIG_COMMIT"),
    " ",
    env!("SSO_CONFIG_DATE"),
    ", ",
    env!("SSO_CONFIG_TARGET"),
    ")\n"
);

/// Every command, in the order of the top-level help: its words (name, then
/// aliases) and its help text. `help`, the man page, completion and the
/// "did you mean" hints read this table.
pub const COMMANDS: [CommandDoc; 14] = [
    doc(&["generate"], generate::USAGE),
    doc(&["login"], login::USAGE),
    doc(&["logout"], logout::USAGE),
    doc(&["roles"], roles::USAGE),
    doc(&["credential-process"], credential_process::USAGE),
    doc(&["export", "env"], export::USAGE),
    doc(&["exec", "run-as"], exec::USAGE),
    doc(&["serve"], serve::USAGE),
    doc(&["console"], console::USAGE),
    doc(&["check"], check::USAGE),
    doc(&["admin"], admin::USAGE),
    doc(&["completion"], completion::USAGE),
    doc(&["shell-init"], shell_init::USAGE),
    doc(&["help"], help::USAGE),
];

const fn doc(words: &'static [&'static str], usage: &'static str) -> CommandDoc {
    CommandDoc { words, usage }
}

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
    /// `serve`.
    Serve(serve::Args),
    /// `console`.
    Console(console::Args),
    /// `check`.
    Check(check::Args),
    /// `completion SHELL` and the hidden `__complete profiles|sessions`.
    Completion(completion::Args),
    /// `admin lookup|assignments|whoami`.
    Admin(admin::Args),
    /// `shell-init SHELL`.
    ShellInit(shell_init::Args),
    /// Hidden `__assume SHELL …`: the code the shell function evaluates.
    Assume(shell_init::Assume),
    /// Hidden `__man`: the man page, rendered from the help texts.
    Man,
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
            Command::Serve(a) => serve::run(ctx, sel, a),
            Command::Console(a) => console::run(ctx, sel, a),
            Command::Check(a) => check::run(ctx, sel, a),
            Command::Completion(a) => completion::run(ctx, sel, a, &COMMANDS),
            Command::Admin(a) => admin::run(ctx, sel, a),
            Command::ShellInit(a) => shell_init::run(ctx, a, program),
            Command::Assume(a) => shell_init::assume(ctx, sel, a),
            Command::Man => print(&man::page(&COMMANDS)),
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
                let parsed = generate::parse(p, g, Some(&name)).map_err(flag_hint("generate"))?;
                return Ok(cli(global, generate::USAGE, parsed.map(Command::Generate)));
            }
        }
    };
    let name = word.as_deref().unwrap_or("generate");
    let parsed = match name {
        "generate" => generate::parse(p, g, None).map(|a| a.map(Command::Generate)),
        "help" => return help(p),
        "login" => login::parse(p, g).map(|a| a.map(Command::Login)),
        "logout" => logout::parse(p, g).map(|a| a.map(Command::Logout)),
        "roles" => roles::parse(p, g).map(|a| a.map(Command::Roles)),
        "credential-process" => {
            credential_process::parse(p, g).map(|a| a.map(Command::CredentialProcess))
        }
        "export" | "env" => export::parse(p, g).map(|a| a.map(Command::Export)),
        "exec" | "run-as" => exec::parse(p, g).map(|a| a.map(Command::Exec)),
        "serve" => serve::parse(p, g).map(|a| a.map(Command::Serve)),
        "console" => console::parse(p, g).map(|a| a.map(Command::Console)),
        "check" => check::parse(p, g).map(|a| a.map(Command::Check)),
        "completion" | "__complete" => {
            // A TAB never asks anything, nor logs in.
            g.no_input |= name == "__complete";
            completion::parse(p, name == "__complete", g).map(|a| a.map(Command::Completion))
        }
        "admin" => admin::parse(p, g).map(|a| a.map(Command::Admin)),
        "shell-init" => shell_init::parse(p).map(|a| a.map(Command::ShellInit)),
        // Hidden: what the shell function of `shell-init` runs.
        "__assume" => shell_init::parse_assume(p, g).map(|a| Some(Command::Assume(a))),
        // Hidden: the man page, for `make man`.
        "__man" => args::flags(p, g, |_, _| Ok(false)).map(|done| done.then_some(Command::Man)),
        other => {
            let words = COMMANDS.iter().flat_map(|c| c.words.iter().copied());
            return Err(Error::Usage(format!(
                "unknown command '{other}'{}; run 'sso-config --help' for the list",
                suggest::hint(other, words, false)
            )));
        }
    };
    let command = parsed.map_err(flag_hint(name))?;
    let usage = match name {
        "__complete" | "__man" => USAGE,
        "__assume" => shell_init::USAGE,
        _ => help_for(name)?,
    };
    Ok(cli(global, usage, command))
}

/// Turns an unknown flag of command `name` into a usage error with the
/// closest flag that command takes, if one is close.
fn flag_hint(name: &str) -> impl FnOnce(Error) -> Error + '_ {
    move |e| match e {
        Error::UnknownFlag(flag) => {
            // The shell function's flags are the hidden `__assume`'s.
            let known: Vec<&str> = match name {
                "__assume" => shell_init::function_flags(),
                _ => COMMANDS
                    .iter()
                    .find(|c| c.words.contains(&name))
                    .map(CommandDoc::flags)
                    .unwrap_or_default()
                    .iter()
                    .map(|f| f.name)
                    .collect(),
            };
            let hint = if flag.starts_with("--") {
                suggest::hint(&flag, known, false)
            } else {
                String::new()
            };
            let cmd = match name {
                "__complete" => "completion",
                "__assume" => "shell-init",
                other => other,
            };
            Error::Usage(format!(
                "unknown flag {flag}{hint}; run 'sso-config help {cmd}' for its options"
            ))
        }
        e => e,
    }
}

/// `help [COMMAND|TOPIC]`.
fn help(p: &mut Parser) -> Result<Cli> {
    let text = match args::next(p)? {
        None => USAGE,
        Some(Tok::Help) => help::USAGE,
        Some(Tok::Value(v)) => help_for(&args::string(v)?)?,
        Some(other) => return Err(args::unexpected(other)),
    };
    if let Some(extra) = args::next(p)? {
        return Err(args::unexpected(extra));
    }
    Ok(Cli::Help(text))
}

/// `help WORD`: a command's or a topic's help text.
fn help_for(word: &str) -> Result<&'static str> {
    if let Some(c) = COMMANDS.iter().find(|c| c.words.contains(&word)) {
        return Ok(c.usage);
    }
    if let Some((_, text)) = help::TOPICS.iter().find(|(name, _)| *name == word) {
        return Ok(text);
    }
    let words = COMMANDS
        .iter()
        .flat_map(|c| c.words.iter().copied())
        .chain(help::TOPICS.iter().map(|(name, _)| *name));
    Err(Error::Usage(format!(
        "no help for '{word}'{}; run 'sso-config help' for the commands and topics",
        suggest::hint(word, words, false)
    )))
}

/// The command to run, or its help when its parser met `-h`.
fn cli(global: Global, usage: &'static str, command: Option<Command>) -> Cli {
    match command {
        Some(c) => Cli::Run(global, Box::new(c)),
        None => Cli::Help(usage),
    }
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
                serve,
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
        assert!(!serve);
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
        let (g, Command::Login(login::Args { login, force, .. })) = command(&[
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
