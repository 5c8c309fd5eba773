/*!
sso-config: AWS IAM Identity Center from the terminal.

`main` parses the command line into plain data, builds the context once
(environment, paths, HTTP client), dispatches, and reports an error as one
line on stderr with the contract's exit code.
*/

mod admin;
mod auth;
mod aws;
mod cache;
mod check;
mod cli;
mod clock;
mod commands;
mod completion;
mod config;
mod console;
mod context;
mod creds;
mod diff;
mod encoding;
mod env;
mod error;
mod export;
mod fsutil;
mod generate;
mod governor;
mod http;
mod ini;
mod naming;
mod oidc;
mod output;
mod pool;
mod portal;
mod rand;
mod role;
mod sigv4;

use std::process::ExitCode;

use cli::{Cli, Command};
use config::Config;
use context::Ctx;
use error::Result;

fn main() -> ExitCode {
    match cli::parse(std::env::args_os().skip(1)).and_then(run) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.is_broken_pipe() => ExitCode::SUCCESS,
        Err(error::Error::Exit(code)) => ExitCode::from(code),
        Err(e) => {
            eprintln!("sso-config: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}

fn run(cli: Cli) -> Result<()> {
    let (global, command) = match cli {
        Cli::Help(text) => return output::write_stdout(text.as_bytes()),
        Cli::Version => {
            let v = concat!("sso-config ", env!("CARGO_PKG_VERSION"), "\n");
            return output::write_stdout(v.as_bytes());
        }
        Cli::Run(global, command) => (global, command),
    };
    let ctx = Ctx::new(env::Env::from_process(), global.debug, global.no_browser);
    // The credential_process fast path answers from the role cache before the
    // config file is even read.
    if let Command::CredentialProcess(flags) = &*command
        && let Some(path) = role::fast_cache_path(&ctx, &global.session, flags)
        && let Some(creds) = role::cached(
            &path,
            flags.expiry_window.unwrap_or(role::DEFAULT_EXPIRY_WINDOW),
            ctx.debug,
        )
    {
        return output::write_stdout(export::process_json(&creds).as_bytes());
    }
    let cfg = Config::load(&ctx.paths.config)?;
    let session = || config::resolve_session(&cfg, &global.session, &ctx.env);
    let target = |flags: &role::RoleFlags| role::resolve(&ctx, &cfg, &global.session, flags);
    match *command {
        Command::Generate(args) => generate::run(&ctx, &cfg, &session()?, &args),
        Command::Login { login, force } => commands::login(&ctx, &cfg, &session()?, &login, force),
        Command::Logout { all } => {
            let resolved = match session() {
                Ok(s) => Some(s),
                Err(_) if all => None,
                Err(e) => return Err(e),
            };
            commands::logout(&ctx, resolved.as_ref(), all)
        }
        Command::Roles {
            format,
            account_ids,
            login,
        } => commands::roles(&ctx, &cfg, &session()?, format, &account_ids, &login),
        Command::CredentialProcess(flags) => {
            commands::credential_process(&ctx, &cfg, &target(&flags)?, &flags)
        }
        Command::Export {
            role,
            format,
            write_credentials,
        } => commands::export(
            &ctx,
            &cfg,
            &target(&role)?,
            &role,
            format,
            write_credentials,
        ),
        Command::Exec {
            role,
            program,
            args,
        } => commands::exec(&ctx, &cfg, &target(&role)?, &role, program, args),
        Command::Console {
            role,
            destination,
            print,
            duration,
        } => commands::console(
            &ctx,
            &cfg,
            &target(&role)?,
            &role,
            destination.as_deref(),
            print,
            duration,
        ),
        Command::Check { role, json } => {
            let named = role.account_id.is_some()
                || role.role_name.is_some()
                || global.session.profile.is_some();
            let t = if named { Some(target(&role)?) } else { None };
            let s = match &t {
                Some(t) => t.session.clone(),
                None => session()?,
            };
            match check::run(&ctx, &cfg, &s, t.as_ref(), json)? {
                0 => Ok(()),
                code => Err(error::Error::Exit(code)),
            }
        }
        Command::Completion(shell) => output::write_stdout(completion::script(&shell)?.as_bytes()),
        Command::Complete(what) => output::write_stdout(completion::names(&cfg, &what)?.as_bytes()),
        Command::Admin(args) => admin::run(&ctx, &cfg, global.session.profile.as_deref(), &args),
    }
}
