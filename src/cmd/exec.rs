/*!
`exec` (alias `run-as`): run a command with a role's credentials in its
environment, or (`--serve`) with the URL and token of a credential endpoint
served by this process for as long as the command runs.
*/

use std::ffi::OsString;
use std::net::{Ipv4Addr, SocketAddr};
use std::process::{Command, ExitStatus};
use std::sync::atomic::{AtomicBool, Ordering};

use crate::app::context::Ctx;
use crate::app::role::{self, RoleFlags};
use crate::app::serve::Endpoint;
use crate::app::session::SessionFlags;
use crate::app::token::LoginPolicy;
use crate::cmd::args::{self, Global, Parser, Tok};
use crate::cmd::{export, picker};
use crate::error::{Error, Result};
use crate::util::signal;

/// `exec` help.
pub const USAGE: &str = "\
Usage: sso-config exec [ROLE OPTIONS] [--] COMMAND [ARGS...]

Runs COMMAND with the role's credentials in its environment (AWS_ACCESS_KEY_ID,
AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, and AWS_REGION when known; AWS_PROFILE
removed); its exit status is ours. The alias 'sso-config run-as' is the same
command.

Options:
  --serve    no keys in COMMAND's environment: serve the role on a random
             loopback port while COMMAND runs ('sso-config help serve') and
             give it AWS_CONTAINER_CREDENTIALS_FULL_URI and
             AWS_CONTAINER_AUTHORIZATION_TOKEN, so the SDKs fetch credentials
             that are renewed before they expire, however long COMMAND runs.
             Ctrl-C reaches COMMAND from the terminal; SIGTERM and SIGHUP sent
             to sso-config are passed on to it.

Role options: 'sso-config help role'.

Examples:
  sso-config exec --profile prod.Admin -- aws s3 ls
  sso-config exec --serve --profile prod.Admin -- terraform apply
  sso-config exec --sso-session corp --account-id 111122223333 --role-name ReadOnly -- terraform plan
";

/// `exec` flags and the command to run.
#[derive(Debug)]
pub struct Args {
    /// Role selection.
    pub role: RoleFlags,
    /// The program to run.
    pub program: OsString,
    /// Its arguments, as given.
    pub args: Vec<OsString>,
    /// `--serve`.
    pub serve: bool,
}

/// Flags until the first positional word (or after `--`), which is the
/// program; everything after it is passed on untouched. `None` when help was
/// asked for.
pub fn parse(p: &mut Parser, global: &mut Global) -> Result<Option<Args>> {
    let mut role = RoleFlags::default();
    let mut serve = false;
    let program = loop {
        match args::next(p)? {
            None => {
                return Err(Error::Usage(
                    "exec needs a command to run: sso-config exec --profile P -- CMD".into(),
                ));
            }
            Some(Tok::Help) => return Ok(None),
            Some(Tok::Value(v)) => break v,
            Some(Tok::Flag(name)) if name == "serve" => serve = true,
            Some(Tok::Flag(name)) => {
                if !args::role_flag(&name, p, &mut role)? && !global.accept(&name, p)? {
                    return Err(args::unexpected(Tok::Flag(name)));
                }
            }
            Some(other) => return Err(args::unexpected(other)),
        }
    };
    let args: Vec<OsString> = p.raw_args()?.collect();
    Ok(Some(Args {
        role,
        program,
        args,
        serve,
    }))
}

/// `exec`: the child gets the credentials through its environment only (never
/// its arguments); on Unix this process becomes the child, so its exit status
/// and signals are the child's own.
pub fn run(ctx: &Ctx, sel: &SessionFlags, mut a: Args) -> Result<()> {
    let mut sel = sel.clone();
    picker::fill(ctx, &mut sel, &mut a.role)?;
    if a.serve {
        return run_serving(ctx, &sel, &a);
    }
    let (target, creds) =
        role::target_and_credentials(ctx, &sel, &a.role, LoginPolicy::OnTerminal)?;
    let mut cmd = std::process::Command::new(&a.program);
    cmd.args(&a.args)
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_DEFAULT_PROFILE");
    for (k, v) in export::variables(&creds, target.region.as_deref()) {
        cmd.env(k, v);
    }
    let name = a.program.to_string_lossy().into_owned();
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        let e = cmd.exec();
        Err(Error::Program(format!("cannot run '{name}': {e}")))
    }
    #[cfg(not(unix))]
    {
        let status = cmd
            .status()
            .map_err(|e| Error::Program(format!("cannot run '{name}': {e}")))?;
        exit_with(status)
    }
}

/// Variables that would make an SDK take other credentials before the
/// endpoint (or send it elsewhere): removed from the command's environment.
const SHADOWING: [&str; 9] = [
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
];

/// `exec --serve`: the endpoint on a random loopback port in this process,
/// COMMAND as a child with its URL and token (environment only, never
/// arguments); when COMMAND ends the endpoint stops and its status is ours.
/// This process cannot become the child as plain `exec` does: it serves.
fn run_serving(ctx: &Ctx, sel: &SessionFlags, a: &Args) -> Result<()> {
    let listen = SocketAddr::from((Ipv4Addr::LOCALHOST, 0));
    let endpoint = Endpoint::start(ctx, sel, &a.role, listen, false)?;
    // Caught after the start-up (Ctrl-C cancels a login in it) and before the
    // child starts: SIGINT (from the terminal, which sends it to the command
    // too) must not end the endpoint under the command; SIGTERM and SIGHUP,
    // sent to us alone, are passed on. A child gets the default actions back
    // at exec.
    let signals = signal::catch(&[signal::SIGINT, signal::SIGTERM, signal::SIGHUP])
        .map_err(|e| Error::Program(format!("cannot catch signals: {e}")))?;
    let Some(target) = endpoint.root() else {
        return Err(role::no_role_named());
    };
    let mut cmd = Command::new(&a.program);
    cmd.args(&a.args);
    for k in SHADOWING {
        cmd.env_remove(k);
    }
    cmd.env("AWS_CONTAINER_CREDENTIALS_FULL_URI", endpoint.url())
        .env(
            "AWS_CONTAINER_AUTHORIZATION_TOKEN",
            endpoint.token().expose(),
        );
    if let Some(r) = &target.region {
        cmd.env("AWS_REGION", r).env("AWS_DEFAULT_REGION", r);
    }
    let stop =
        signal::Pipe::new().map_err(|e| Error::Program(format!("cannot make a pipe: {e}")))?;
    let name = a.program.to_string_lossy().into_owned();
    let mut child = cmd
        .spawn()
        .map_err(|e| Error::Program(format!("cannot run '{name}': {e}")))?;
    let pid = libc::pid_t::try_from(child.id()).unwrap_or(0);
    static REAPED: AtomicBool = AtomicBool::new(false);
    // Passes SIGTERM and SIGHUP on until the child is reaped (after that its
    // pid may belong to another process). Never joined: it waits on the
    // signal pipe for as long as the process lives.
    std::thread::spawn(move || {
        while let Ok(sig) = signals.recv() {
            let sig = libc::c_int::from(sig);
            if (sig == signal::SIGTERM || sig == signal::SIGHUP)
                && pid > 0
                && !REAPED.load(Ordering::SeqCst)
            {
                // SAFETY: kill() with the pid of our own child.
                unsafe { libc::kill(pid, sig) };
            }
        }
    });
    let (served, status) = std::thread::scope(|s| {
        let server = s.spawn(|| endpoint.serve(stop.fd()));
        let status = child.wait();
        REAPED.store(true, Ordering::SeqCst);
        stop.wake(0);
        let served = server
            .join()
            .unwrap_or_else(|_| Err(Error::Program("the endpoint's thread panicked".into())));
        (served, status)
    });
    let status = status.map_err(|e| Error::Program(format!("cannot wait for '{name}': {e}")))?;
    served?;
    exit_with(status)
}

/// Ends with the command's exit status: its code, or 128 + the signal that
/// ended it, as a shell reports it.
fn exit_with(status: ExitStatus) -> Result<()> {
    #[cfg(unix)]
    let code = {
        use std::os::unix::process::ExitStatusExt;
        status.code().or_else(|| status.signal().map(|s| 128 + s))
    };
    #[cfg(not(unix))]
    let code = status.code();
    match code {
        Some(0) => Ok(()),
        Some(code) => Err(Error::Exit(u8::try_from(code).unwrap_or(1))),
        None => Err(Error::Exit(1)),
    }
}
