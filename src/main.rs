/*!
sso-config: AWS IAM Identity Center from the terminal.

`main` parses the command line into plain data, builds the context once
(environment, paths, HTTP client), runs the command, and reports an error as
one line on stderr with the contract's exit code. `docs/architecture.md` draws
the layers below it.
*/

mod app;
mod aws;
mod cmd;
mod error;
mod http;
mod ini;
mod oidc;
mod portal;
mod sigv4;
mod store;
mod util;

use std::process::ExitCode;

use app::context::Ctx;
use app::profiles::Invocation;
use cmd::Cli;
use error::{Error, Result};
use util::env::Env;
use util::log;

fn main() -> ExitCode {
    let mut args = std::env::args_os();
    let argv0 = args.next();
    let result = match cmd::parse(args) {
        Ok(cli) => run(cli, argv0),
        Err(e) => {
            // `sso-config --typo > ~/.aws/config`: the shell has emptied the
            // config before the parser found the typo.
            cmd::put_back_emptied_config(Env::from_process());
            Err(e)
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.is_broken_pipe() => ExitCode::SUCCESS,
        Err(Error::Exit(code)) => ExitCode::from(code),
        Err(e) => {
            eprintln!("sso-config: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}

fn run(cli: Cli, argv0: Option<std::ffi::OsString>) -> Result<()> {
    let (global, command) = match cli {
        Cli::Help(text) => return cmd::print(text),
        Cli::Version => return cmd::print(cmd::VERSION),
        Cli::Run(global, command) => (global, command),
    };
    log::set_debug(global.debug);
    let ctx = Ctx::new(Env::from_process(), global.no_browser, global.no_input)?;
    let program = Invocation::of_process(argv0);
    command.run(&ctx, &global, &program)
}
