/*!
`serve`: the container credential endpoint (`app::serve`) in the foreground,
until SIGINT or SIGTERM.
*/

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;

use crate::app::context::Ctx;
use crate::app::role::RoleFlags;
use crate::app::serve::Endpoint;
use crate::app::session::SessionFlags;
use crate::cmd::args::{self, Global, Parser};
use crate::cmd::export::{self, ExportFormat};
use crate::cmd::output;
use crate::error::{Error, Result};
use crate::util::{log, signal};

/// `serve` help.
pub const USAGE: &str = "\
Usage: sso-config serve [ROLE OPTIONS] [OPTIONS]

Serves role credentials to the AWS SDKs and CLI over HTTP on a loopback address,
as the container credential provider (AWS_CONTAINER_CREDENTIALS_FULL_URI with
AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE) they already read. '/' answers the role of
--profile (or --account-id and --role-name); /role/ACCOUNT_ID/ROLE_NAME answers
any role of the session. Answers come from memory: each role is renewed before
its expiry window, through the same role cache and token refresh as
credential-process. A random token, written to a 0600 file, must be sent in the
Authorization header; GET /health answers without it. Runs until SIGINT or
SIGTERM, then removes the token file.

Options:
  --listen ADDR:PORT      listen here: 127.0.0.0/8 or [::1] only (default
                          127.0.0.1 on a free port)
  --port N                listen on 127.0.0.1:N
  --token-file PATH       write the token here (default: a file under
                          ~/.aws/sso-config/serve/)
  --print-env             print the variables that point an SDK here, then serve
  --format env|env-no-export|fish|powershell|windows-cmd|dotenv
                          the format of --print-env (default env: export lines for sh)

Role options: 'sso-config help role'.

A container reaches a loopback address only when it runs on the host's network
(Docker's host network mode); see the README.

Examples:
  sso-config serve --profile prod.Admin --print-env
  sso-config serve --sso-session corp --port 9911 --token-file /run/user/1000/sso-token
";

/// `serve` flags.
#[derive(Debug)]
pub struct Args {
    /// Role selection (optional: without it only `/role/…` answers).
    pub role: RoleFlags,
    /// Where to listen.
    pub listen: SocketAddr,
    /// `--token-file`.
    pub token_file: Option<PathBuf>,
    /// `--print-env`.
    pub print_env: bool,
    /// `--format`.
    pub format: ExportFormat,
}

/// Parses `serve`'s flags; `None` when help was asked for.
pub fn parse(p: &mut Parser, global: &mut Global) -> Result<Option<Args>> {
    let mut role = RoleFlags::default();
    let mut listen: Option<SocketAddr> = None;
    let mut port: Option<u16> = None;
    let mut token_file = None;
    let mut print_env = false;
    let mut format: Option<ExportFormat> = None;
    let take = |name: &str, p: &mut Parser| {
        match name {
            "listen" => {
                let v = args::value(p)?;
                let addr: SocketAddr = v.parse().map_err(|_| {
                    Error::Usage(format!(
                        "--listen: '{v}' is not ADDR:PORT with an IP address, e.g. 127.0.0.1:9911 or [::1]:9911"
                    ))
                })?;
                // Whether it is loopback is the endpoint's to check.
                listen = Some(addr);
            }
            "port" => {
                let v = args::value(p)?;
                port =
                    Some(v.parse::<u16>().map_err(|_| {
                        Error::Usage(format!("--port: '{v}' is not a port number"))
                    })?);
            }
            "token-file" => token_file = Some(PathBuf::from(args::value(p)?)),
            "print-env" => print_env = true,
            "format" => {
                let v = args::value(p)?;
                format = Some(
                    ExportFormat::parse(&v)
                        .filter(|f| !matches!(f, ExportFormat::Json | ExportFormat::Process))
                        .ok_or_else(|| {
                            Error::Usage(format!(
                                "--format: '{v}' is not one of env, env-no-export, fish, powershell, windows-cmd, dotenv"
                            ))
                        })?,
                );
            }
            _ => return args::role_flag(name, p, &mut role),
        }
        Ok(true)
    };
    if !args::flags(p, global, take)? {
        return Ok(None);
    }
    let listen = match (listen, port) {
        (Some(_), Some(_)) => {
            return Err(Error::Usage(
                "--listen and --port both say where to listen; give one".into(),
            ));
        }
        (Some(addr), None) => addr,
        (None, port) => SocketAddr::from((Ipv4Addr::LOCALHOST, port.unwrap_or(0))),
    };
    if format.is_some() && !print_env {
        return Err(Error::Usage(
            "--format is the format of --print-env; give both".into(),
        ));
    }
    if token_file
        .as_ref()
        .is_some_and(|p| p.as_os_str().is_empty())
    {
        return Err(Error::Usage("--token-file: the path is empty".into()));
    }
    Ok(Some(Args {
        role,
        listen,
        token_file,
        print_env,
        format: format.unwrap_or_default(),
    }))
}

/// `serve`: bind, fetch the named role, write the token file, print the
/// variables (`--print-env`), say where it listens, then serve until SIGINT
/// or SIGTERM; the token file is removed on the way out, error or not.
pub fn run(ctx: &Ctx, sel: &SessionFlags, a: Args) -> Result<()> {
    let endpoint = Endpoint::start(ctx, sel, &a.role, a.listen, true)?;
    // Caught once the start-up (and any login in it, which Ctrl-C must be
    // able to cancel) is over, before the token file exists: from here a
    // signal stops the endpoint cleanly, even before it begins serving.
    let signals = signal::catch(&[signal::SIGINT, signal::SIGTERM])
        .map_err(|e| Error::Program(format!("cannot catch SIGINT and SIGTERM: {e}")))?;
    let token_file = a.token_file.map(|p| std::path::absolute(&p).unwrap_or(p));
    let token_file = endpoint.write_token_file(token_file)?;
    let url = endpoint.url();
    if a.print_env {
        let vars = [
            ("AWS_CONTAINER_CREDENTIALS_FULL_URI", url.clone()),
            (
                "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
                token_file.path().to_string_lossy().into_owned(),
            ),
        ];
        output::write_stdout(export::render_variables(a.format, &vars)?.as_bytes())?;
    }
    let what = match endpoint.root() {
        Some(t) => format!(
            "{}/{} at {url}, any role at {url}role/ACCOUNT_ID/ROLE_NAME",
            t.account_id, t.role_name
        ),
        None => format!("the roles of the session at {url}role/ACCOUNT_ID/ROLE_NAME"),
    };
    log::note(format_args!(
        "serving {what} (token in {}); stop with Ctrl-C",
        token_file.path().display()
    ));
    endpoint.serve(signals.fd())?;
    drop(token_file);
    log::note(format_args!("stopped"));
    Ok(())
}
