/*!
The crate-wide error type and the one place that maps errors to exit codes.

Every failure a user can see ends up here as one variant carrying enough context
for a single clear line on stderr (what failed, then what to do). Secrets are
never stored in an error: API messages come from the service, and file errors
name paths, not contents.
*/

use std::fmt;
use std::io;
use std::path::PathBuf;

/// Exit codes of the command-line contract (cli.md, "Exit codes").
pub const EXIT_RUNTIME: u8 = 1;
pub const EXIT_USAGE: u8 = 2;
pub const EXIT_LOGIN: u8 = 3;

/// Everything that can make a command fail.
#[derive(Debug)]
pub enum Error {
    /// Bad flags or arguments (exit 2).
    Usage(String),
    /// A configuration problem: unparsable file, unknown profile or session (exit 2).
    Config(String),
    /// No usable token: the user has to log in (exit 3).
    LoginRequired {
        /// Why the token is unusable, e.g. "no cached token" or "token expired".
        reason: String,
        /// The command line that fixes it.
        command: String,
    },
    /// An AWS API answered with an error.
    Api(ApiError),
    /// The request never got an HTTP answer (DNS, connect, TLS, timeout).
    Net {
        /// The operation, e.g. `ListAccounts`.
        op: &'static str,
        /// The host that was contacted.
        host: String,
        /// What went wrong.
        msg: String,
    },
    /// A file-system operation failed.
    Io {
        /// What we were doing, e.g. "write" or "create directory".
        action: &'static str,
        /// The path it was done to.
        path: PathBuf,
        /// The cause.
        source: io::Error,
    },
    /// Any other runtime failure with a ready-made message (exit 1).
    Failed(String),
    /// Exit with this code, the reason already reported (`check`, `exec`).
    Exit(u8),
}

/// A non-2xx answer from an AWS service, decoded the way botocore does (protocol.md §1.4).
#[derive(Debug, Clone)]
pub struct ApiError {
    /// The operation that failed.
    pub op: &'static str,
    /// HTTP status code.
    pub status: u16,
    /// Normalised error code, e.g. `UnauthorizedException` (or the status as text).
    pub code: String,
    /// OAuth `error` field of SSO OIDC answers, e.g. `authorization_pending`.
    pub oauth_error: Option<String>,
    /// The service's message, if any.
    pub message: String,
    /// `x-amzn-RequestId`, for support cases.
    pub request_id: Option<String>,
}

impl ApiError {
    /// The OIDC `error` field when present, else the error code: OIDC errors are
    /// classified by `error` first (protocol.md §2.6).
    pub fn kind(&self) -> &str {
        self.oauth_error.as_deref().unwrap_or(&self.code)
    }
}

impl Error {
    /// The exit code the contract assigns to this error.
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Usage(_) | Error::Config(_) => EXIT_USAGE,
            Error::LoginRequired { .. } => EXIT_LOGIN,
            Error::Exit(code) => *code,
            _ => EXIT_RUNTIME,
        }
    }

    /// Builds an `Io` error; the single way file errors get their context.
    pub fn io(action: &'static str, path: impl Into<PathBuf>, source: io::Error) -> Error {
        Error::Io {
            action,
            path: path.into(),
            source,
        }
    }

    /// True when this is a broken pipe on output (e.g. `sso-config | head`), which is
    /// not a failure.
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, Error::Io { source, .. } if source.kind() == io::ErrorKind::BrokenPipe)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Usage(msg) | Error::Config(msg) | Error::Failed(msg) => f.write_str(msg),
            Error::Exit(code) => write!(f, "exit status {code}"),
            Error::LoginRequired { reason, command } => write!(f, "{reason}; run: {command}"),
            Error::Api(e) => e.fmt(f),
            Error::Net { op, host, msg } => write!(f, "{op}: cannot reach {host}: {msg}"),
            Error::Io {
                action,
                path,
                source,
            } => write!(f, "cannot {action} {}: {source}", path.display()),
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} failed: {} (HTTP {})",
            self.op,
            self.kind(),
            self.status
        )?;
        if !self.message.is_empty() {
            write!(f, ": {}", self.message)?;
        }
        if let Some(id) = &self.request_id {
            write!(f, " [request id {id}]")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// Shorthand used across the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
