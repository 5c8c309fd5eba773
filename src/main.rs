/*!
sso-config: AWS IAM Identity Center from the terminal.

`main` parses the command line into plain data, builds the context once
(environment, paths, HTTP client), dispatches, and reports an error as one
line on stderr with the contract's exit code.
*/

// Some protocol pieces (SigV4 services, credentials-file edits, role-credential
// times) are built ahead of the commands that use them.
#![allow(dead_code)]

mod admin;
mod auth;
mod aws;
mod cache;
mod cli;
mod clock;
mod commands;
mod config;
mod context;
mod creds;
mod diff;
mod encoding;
mod env;
mod error;
mod fsutil;
mod generate;
mod http;
mod ini;
mod naming;
mod oidc;
mod output;
mod pool;
mod portal;
mod rand;
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
    let cfg = Config::load(&ctx.paths.config)?;
    let session = || config::resolve_session(&cfg, &global.session, &ctx.env);
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
        Command::Admin(args) => admin::run(&ctx, &cfg, global.session.profile.as_deref(), &args),
    }
}
