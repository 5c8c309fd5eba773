/*!
The crate-wide error type and the one place that maps errors to exit codes.

Every failure a user can see ends up here as one variant carrying enough context
for a single clear line on stderr (what failed, then what to do). Secrets are
never stored in an error: API messages come from the service, and file errors
name paths, not contents.

Text in an error may come from a server (messages, codes) or from names on
disk, so `Display` writes it through `util::text::escape_control`: whatever
reaches the terminal is one line with no control characters in it.

This module is a leaf: of the crate it imports only that escaping function,
so every layer can use it.
*/

use std::fmt;
use std::io;
use std::path::PathBuf;

use crate::util::text::escape_control;

/// Exit codes of the command-line contract (cli.md, "Exit codes").
pub const EXIT_RUNTIME: u8 = 1;
/// Bad usage or configuration.
pub const EXIT_USAGE: u8 = 2;
/// A login is needed.
pub const EXIT_LOGIN: u8 = 3;

/// Everything that can make a command fail.
#[derive(Debug)]
pub enum Error {
    /// Bad flags or arguments (exit 2).
    Usage(String),
    /// A flag the command does not take, as typed (`--regon`, `-x`); exit 2.
    /// The command-line parser turns it into a `Usage` error naming the
    /// closest flag of that command.
    UnknownFlag(String),
    /// A configuration problem: unknown profile or session, a missing key (exit 2).
    Config(String),
    /// A config or credentials file that cannot be read as INI or cannot take an
    /// edit (exit 2).
    ConfigFile {
        /// The file.
        path: PathBuf,
        /// The 1-based line, when the problem is on one.
        line: Option<usize>,
        /// What is wrong.
        msg: String,
    },
    /// No usable token: the user has to log in (exit 3).
    LoginRequired {
        /// Why the token is unusable, e.g. "no cached token" or "token expired".
        reason: String,
        /// The command line that fixes it.
        command: String,
    },
    /// An interactive login did not complete: denied, expired, a bad redirect.
    Login(String),
    /// Access was refused: no such role assignment, or AWS credentials that the
    /// service rejects, that have expired, or that cannot sign a request.
    Access(String),
    /// Things the user named that the service does not have.
    NotFound(String),
    /// A program this tool runs (a `credential_process`, `exec`'s command, a
    /// browser) could not start or failed.
    Program(String),
    /// An AWS API answered with an error.
    Api(ApiError),
    /// An AWS API answered with success, but not in the shape its API promises.
    Unexpected {
        /// The operation, e.g. `ListAccounts`.
        op: &'static str,
        /// What was wrong with the answer.
        detail: String,
    },
    /// The service kept throttling one request for longer than we wait
    /// (`http::THROTTLE_PATIENCE`).
    Throttled {
        /// The operation, e.g. `ListAccountRoles`.
        op: &'static str,
        /// How long the request was retried.
        waited: std::time::Duration,
        /// How many of its attempts were throttled.
        attempts: u32,
        /// The error code of the last throttling answer.
        code: String,
    },
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
            Error::Usage(_)
            | Error::UnknownFlag(_)
            | Error::Config(_)
            | Error::ConfigFile { .. } => EXIT_USAGE,
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

    /// A problem with a config or credentials file, not tied to one line.
    pub fn config_file(path: impl Into<PathBuf>, msg: impl fmt::Display) -> Error {
        Error::ConfigFile {
            path: path.into(),
            line: None,
            msg: msg.to_string(),
        }
    }

    /// A success answer of `op` that does not decode as the API promises; the one
    /// way such answers are reported.
    pub fn unexpected(op: &'static str, detail: impl fmt::Display) -> Error {
        Error::Unexpected {
            op,
            detail: detail.to_string(),
        }
    }

    /// True when this is a broken pipe on output (e.g. `sso-config | head`), which is
    /// not a failure.
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, Error::Io { source, .. } if source.kind() == io::ErrorKind::BrokenPipe)
    }
}

impl From<lexopt::Error> for Error {
    /// Every command-line problem lexopt finds is a usage error.
    fn from(e: lexopt::Error) -> Error {
        Error::Usage(e.to_string())
    }
}

impl fmt::Display for Error {
    /// One line with every control character escaped (see the module doc).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&escape_control(&Unescaped(self).to_string()))
    }
}

/// An error's text as built from its parts, before escaping.
struct Unescaped<'a>(&'a Error);

impl fmt::Display for Unescaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Error::Usage(msg)
            | Error::Config(msg)
            | Error::Login(msg)
            | Error::Access(msg)
            | Error::NotFound(msg)
            | Error::Program(msg) => f.write_str(msg),
            Error::ConfigFile { path, line, msg } => match line {
                Some(line) => write!(f, "{}:{line}: {msg}", path.display()),
                None => write!(f, "{}: {msg}", path.display()),
            },
            Error::UnknownFlag(flag) => {
                write!(f, "unknown flag {flag}; run 'sso-config --help' for usage")
            }
            Error::Exit(code) => write!(f, "exit status {code}"),
            Error::LoginRequired { reason, command } => write!(f, "{reason}; run: {command}"),
            Error::Api(e) => write!(f, "{}", UnescapedApi(e)),
            Error::Unexpected { op, detail } => write!(f, "{op}: unexpected answer: {detail}"),
            Error::Net { op, host, msg } => write!(f, "{op}: cannot reach {host}: {msg}"),
            Error::Throttled {
                op,
                waited,
                attempts,
                code,
            } => write!(
                f,
                "{op} was still throttled ({}) after {attempts} tries in {} s, the longest we wait; \
                 its rate limit is being used up by other callers too: try again later",
                code,
                waited.as_secs()
            ),
            Error::Io {
                action,
                path,
                source,
            } => write!(f, "cannot {action} {}: {source}", path.display()),
        }
    }
}

impl fmt::Display for ApiError {
    /// One line with every control character escaped: the code, message and
    /// request id are the service's text.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&escape_control(&UnescapedApi(self).to_string()))
    }
}

struct UnescapedApi<'a>(&'a ApiError);

impl fmt::Display for UnescapedApi<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let e = self.0;
        write!(f, "{} failed: {} (HTTP {})", e.op, e.kind(), e.status)?;
        if !e.message.is_empty() {
            write!(f, ": {}", e.message)?;
        }
        if let Some(id) = &e.request_id {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_errors_name_the_file_and_line() {
        let e = Error::ConfigFile {
            path: PathBuf::from("/h/.aws/config"),
            line: Some(3),
            msg: "not ini".into(),
        };
        assert_eq!(e.to_string(), "/h/.aws/config:3: not ini");
        assert_eq!(e.exit_code(), EXIT_USAGE);
        let e = Error::config_file("/h/c", "a block marker is missing");
        assert_eq!(e.to_string(), "/h/c: a block marker is missing");
    }

    #[test]
    fn lexopt_errors_are_usage_errors() {
        let e = Error::from(lexopt::Error::MissingValue {
            option: Some("--region".into()),
        });
        assert_eq!(e.exit_code(), EXIT_USAGE);
        assert!(e.to_string().contains("--region"), "{e}");
    }

    #[test]
    fn server_text_is_shown_escaped_on_one_line() {
        let e = Error::Api(ApiError {
            op: "GetRoleCredentials",
            status: 404,
            code: "ResourceNotFoundException".into(),
            oauth_error: None,
            message: "No access\u{1b}[2J\nsso-config: fake line \u{202e}gnp.exe".into(),
            request_id: Some("r\r1".into()),
        });
        let text = e.to_string();
        assert_eq!(
            text,
            "GetRoleCredentials failed: ResourceNotFoundException (HTTP 404): No access\\u{1b}[2J\\nsso-config: fake line \\u{202e}gnp.exe [request id r\\r1]"
        );
        let Error::Api(api) = &e else { unreachable!() };
        assert_eq!(api.to_string(), text);
        let e = Error::unexpected("ListAccounts", "bad\u{9b}2J");
        assert_eq!(
            e.to_string(),
            "ListAccounts: unexpected answer: bad\\u{9b}2J"
        );
        let e = Error::Login("the login was refused: x\ny".into());
        assert_eq!(e.to_string(), "the login was refused: x\\ny");
    }

    #[test]
    fn unexpected_answers_name_the_operation() {
        let e = Error::unexpected("ListAccounts", "missing field `accountList`");
        assert_eq!(
            e.to_string(),
            "ListAccounts: unexpected answer: missing field `accountList`"
        );
        assert_eq!(e.exit_code(), EXIT_RUNTIME);
    }
}
