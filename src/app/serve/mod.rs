/*!
The container credential endpoint (`serve`, `exec --serve`): what the AWS
SDKs read when `AWS_CONTAINER_CREDENTIALS_FULL_URI` names a URL and
`AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE` (or `_TOKEN`) the token to send in
`Authorization`. botocore's `ContainerProvider` reads `AccessKeyId`,
`SecretAccessKey`, `Token` and `Expiration` (and `AccountId` when present),
and gives up after about 2 s; so answers come from memory.

- One listener on a loopback address, a fixed set of worker threads fed by
  the accepting thread through a bounded queue (a full queue is answered 503
  at once), each request's head read within `util::httpd`'s limits.
- Every request but `GET /health` must carry the token (compared as SHA-256
  digests, in constant time); `/` answers the role the command named,
  `/role/ACCOUNT_ID/ROLE_NAME` any role of the session, both ids checked
  against AWS's formats before anything else.
- Credentials come from `role::credentials` (the AWS CLI's role cache, its
  cross-process lock, the token refresh) and are kept in memory per role. A
  refresher thread renews each role served once before fewer than the expiry
  window's seconds are left, so a request waits on the network only the first
  time its role is asked for (the named role is fetched at start-up) or when
  renewing failed until the credentials ran out.
*/

use std::collections::HashMap;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::fd::{AsFd, BorrowedFd};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use serde_json::json;
use time::OffsetDateTime;

use crate::app::context::Ctx;
use crate::app::role::{self, DEFAULT_EXPIRY_WINDOW, RoleFlags, RoleTarget};
use crate::app::session::{self, Session, SessionFlags};
use crate::app::token::LoginPolicy;
use crate::error::{Error, Result};
use crate::store::config::Config;
use crate::store::fsutil;
use crate::util::credentials::Credentials;
use crate::util::httpd::{self, Limits, ReadError, Request, Response};
use crate::util::secret::Secret;
use crate::util::{encoding, log, pool, rand, signal};

mod answers;
mod roles;

use answers::{Key, container_json, error, error_for, route};

/// Threads answering requests. Answers from memory take microseconds; more
/// threads matter while first requests for new roles wait on AWS, or while
/// clients that send nothing hold some until the deadline below.
const WORKERS: usize = 16;

/// Connections accepted but not yet taken by a worker; beyond this the
/// accepting thread answers 503 itself.
const QUEUE: usize = 64;

/// What a request may take (see `util::httpd`): an SDK's GET is a few hundred
/// bytes, sent at once, and the SDKs themselves give up after about 2 s.
const LIMITS: Limits = Limits {
    max_head: 8 * 1024,
    max_headers: 64,
    deadline: Duration::from_secs(2),
};

/// How long writing an answer may take.
const WRITE_TIMEOUT: Duration = Duration::from_secs(5);

/// One role being served.
struct Slot {
    target: RoleTarget,
    /// Held while fetching: requests that find no usable credentials and the
    /// refresher take turns, so one role is fetched once at a time.
    fetching: Mutex<()>,
    state: Mutex<SlotState>,
}

#[derive(Default)]
struct SlotState {
    creds: Option<Credentials>,
    /// When the refresher renews these credentials.
    renew_at: Option<OffsetDateTime>,
    /// Renewals failed in a row.
    failures: u32,
    /// The "already inside the expiry window" warning was given.
    warned_short: bool,
}

/// What the refresher waits on.
#[derive(Default)]
struct Control {
    stop: bool,
    /// Bumped whenever a role's renewal time is set, so a refresher about to
    /// sleep knows to look again.
    changes: u64,
}

/// A bound endpoint: the listener, the token, the roles served so far.
pub struct Endpoint<'a> {
    ctx: &'a Ctx,
    cfg: Config,
    session: Session,
    root: Option<RoleTarget>,
    /// The flags every fetch after start-up uses: never a login.
    flags: RoleFlags,
    window: i64,
    roles: Mutex<HashMap<Key, Arc<Slot>>>,
    listener: TcpListener,
    addr: SocketAddr,
    token: Secret,
    token_digest: Vec<u8>,
    /// Notes for renewals and failed requests (`serve`), or only the
    /// `--debug` log (`exec --serve`, whose terminal is its command's).
    announce: bool,
    control: Mutex<Control>,
    wake: Condvar,
}

/// Whether `addr` is one `serve` may listen on: 127.0.0.0/8 or ::1.
fn is_loopback(addr: &SocketAddr) -> bool {
    addr.ip().is_loopback()
}

impl<'a> Endpoint<'a> {
    /// Binds `listen` (a loopback address, else a usage error before
    /// anything else is done), makes the token, and fetches the named role, if any
    /// (logging in first when `flags` or a terminal allow, as `exec` does).
    /// Without a named role, only `/role/ACCOUNT_ID/ROLE_NAME` answers.
    pub fn start(
        ctx: &'a Ctx,
        sel: &SessionFlags,
        flags: &RoleFlags,
        listen: SocketAddr,
        announce: bool,
    ) -> Result<Endpoint<'a>> {
        if !is_loopback(&listen) {
            return Err(not_loopback(&listen));
        }
        let cfg = Config::load(&ctx.paths.config)?;
        let root = if names_role(ctx, &cfg, sel, flags) {
            Some(role::resolve(ctx, &cfg, sel, flags)?)
        } else {
            None
        };
        let session = match &root {
            Some(t) => t.session.clone(),
            None => session::resolve_session(ctx, &cfg, sel)?,
        };
        let shown = listen.to_string();
        let listener = TcpListener::bind(listen).map_err(|e| Error::io("listen on", &shown, e))?;
        let addr = listener
            .local_addr()
            .map_err(|e| Error::io("listen on", &shown, e))?;
        listener
            .set_nonblocking(true)
            .map_err(|e| Error::io("listen on", &shown, e))?;
        let token = new_token()?;
        let token_digest = encoding::sha256(token.expose().as_bytes());
        let window = flags.expiry_window.unwrap_or(DEFAULT_EXPIRY_WINDOW);
        let endpoint = Endpoint {
            ctx,
            cfg,
            session,
            root: root.clone(),
            flags: RoleFlags {
                login: false,
                expiry_window: Some(window),
                ..flags.clone()
            },
            window,
            roles: Mutex::new(HashMap::new()),
            listener,
            addr,
            token,
            token_digest,
            announce,
            control: Mutex::new(Control::default()),
            wake: Condvar::new(),
        };
        if let Some(target) = root {
            let creds =
                role::credentials(ctx, &endpoint.cfg, &target, flags, LoginPolicy::OnTerminal)?;
            let key = (target.account_id.clone(), target.role_name.clone());
            let slot = Arc::new(Slot::new(target));
            lock(&endpoint.roles).insert(key, Arc::clone(&slot));
            endpoint.keep(&slot, creds, "fetched");
        }
        Ok(endpoint)
    }

    /// `http://ADDR:PORT/`, the URL of the named role.
    pub fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// The token requests must send in `Authorization`.
    pub fn token(&self) -> &Secret {
        &self.token
    }

    /// The role served at `/`, if one was named.
    pub fn root(&self) -> Option<&RoleTarget> {
        self.root.as_ref()
    }

    /// Writes the token to `path` (default: a file named by the port in a
    /// 0700 folder of our own), mode 0600; the file goes when the returned
    /// guard is dropped.
    pub fn write_token_file(&self, path: Option<PathBuf>) -> Result<TokenFile> {
        let path = path.unwrap_or_else(|| {
            self.ctx
                .paths
                .state
                .join("serve")
                .join(format!("token-{}", self.port()))
        });
        fsutil::create_private_dir(&self.ctx.paths.state)?;
        fsutil::atomic_write(&path, self.token.expose().as_bytes(), fsutil::PRIVATE_FILE)?;
        Ok(TokenFile { path })
    }

    /// Serves until `stop` becomes readable (a signal pipe, or a pipe the
    /// caller writes to), then lets the workers and the refresher finish.
    pub fn serve(&self, stop: BorrowedFd<'_>) -> Result<()> {
        std::thread::scope(|s| {
            s.spawn(|| self.refresh_loop());
            let result = pool::drain(
                WORKERS,
                QUEUE,
                |emit| self.accept_loop(emit, stop),
                |stream: TcpStream| self.handle(&stream),
            );
            let mut control = lock(&self.control);
            control.stop = true;
            self.wake.notify_all();
            drop(control);
            result
        })
    }

    /// Accepts connections until `stop` is readable, handing each to the
    /// workers.
    fn accept_loop(
        &self,
        emit: &mut dyn FnMut(TcpStream) -> Option<TcpStream>,
        stop: BorrowedFd<'_>,
    ) -> Result<()> {
        let wait_error = |e| Error::io("listen on", self.addr.to_string(), e);
        loop {
            let ready =
                signal::readable(&[self.listener.as_fd(), stop], None).map_err(wait_error)?;
            if ready[1] {
                return Ok(());
            }
            loop {
                match self.listener.accept() {
                    Ok((stream, _)) => {
                        if stream.set_nonblocking(false).is_err() {
                            continue;
                        }
                        // Every worker busy and the queue full: refused at once.
                        if let Some(stream) = emit(stream) {
                            let busy = error(503, "Busy", "too many requests at once; try again");
                            let _ = busy.write_to(&stream, WRITE_TIMEOUT);
                        }
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
                    Err(e)
                        if matches!(
                            e.kind(),
                            std::io::ErrorKind::Interrupted | std::io::ErrorKind::ConnectionAborted
                        ) => {}
                    Err(e) => {
                        // Out of descriptors, say: give the workers a moment
                        // to close some rather than spin.
                        log::debug(format_args!("accept failed: {e}"));
                        signal::readable(&[stop], Some(Duration::from_millis(100)))
                            .map_err(wait_error)?;
                        break;
                    }
                }
            }
        }
    }

    /// Reads one request, answers it, closes.
    fn handle(&self, stream: &TcpStream) {
        let start = Instant::now();
        let (response, line, refused) = match httpd::read_request(stream, &LIMITS) {
            Ok(req) => (
                self.answer(&req),
                format!("{} {}", req.method, req.path()),
                false,
            ),
            Err(ReadError::Status(status)) => (
                error(status, "BadRequest", "not a request this endpoint reads"),
                "(malformed request)".to_string(),
                true,
            ),
            Err(ReadError::Gone) => return,
        };
        let _ = response.write_to(stream, WRITE_TIMEOUT);
        if refused {
            httpd::close_after_refusal(stream, 256 * 1024, LIMITS.deadline);
        }
        log::debug(format_args!(
            "serve: {line} -> {} in {:.2} ms",
            response.status,
            start.elapsed().as_secs_f64() * 1000.0
        ));
    }

    /// The answer to one request.
    fn answer(&self, req: &Request) -> Response {
        if req.path() == "/health" {
            return match req.method.as_str() {
                "GET" => Response::json(200, &json!({"Status": "ok"})),
                _ => error(405, "MethodNotAllowed", "only GET is answered"),
            };
        }
        if !self.authorized(req) {
            return error(
                401,
                "Unauthorized",
                "missing or wrong Authorization token (AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE or AWS_CONTAINER_AUTHORIZATION_TOKEN)",
            );
        }
        if req.method != "GET" {
            return error(405, "MethodNotAllowed", "only GET is answered");
        }
        let key = match route(req.path()) {
            Ok(Some(key)) => key,
            Ok(None) => match &self.root {
                Some(t) => (t.account_id.clone(), t.role_name.clone()),
                None => {
                    return error(
                        404,
                        "NotFound",
                        "no role is served at /: start serve with --profile P (or --account-id and --role-name), or ask for /role/ACCOUNT_ID/ROLE_NAME",
                    );
                }
            },
            Err(response) => return response,
        };
        match self.credentials(&key) {
            Ok(c) => Response::json(200, &container_json(&c, &key.0)),
            Err(e) => {
                let response = error_for(&e);
                self.say(format_args!(
                    "{}/{}: answered {}: {e}",
                    key.0, key.1, response.status
                ));
                response
            }
        }
    }

    /// The request's `Authorization` is the token: the digests are compared
    /// in constant time, so the time taken says nothing about the token.
    fn authorized(&self, req: &Request) -> bool {
        let Some(given) = req.header("authorization") else {
            return false;
        };
        let digest = encoding::sha256(given.as_bytes());
        same_bytes(&digest, &self.token_digest)
    }
}

/// The token file; removed when dropped (the endpoint has stopped, the token
/// is worth nothing).
#[derive(Debug)]
pub struct TokenFile {
    path: PathBuf,
}

impl TokenFile {
    /// Where it is.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for TokenFile {
    fn drop(&mut self) {
        let _ = fsutil::remove_if_exists(&self.path);
    }
}

/// Whether the role flags or the profile name a role for `/`: explicit
/// `--account-id`/`--role-name`, or a profile (the flag, or `AWS_PROFILE`
/// when no other session flag is given) with `sso_account_id` or
/// `sso_role_name`. Otherwise only the session is served.
fn names_role(ctx: &Ctx, cfg: &Config, sel: &SessionFlags, flags: &RoleFlags) -> bool {
    if flags.account_id.is_some() || flags.role_name.is_some() {
        return true;
    }
    let profile = sel.profile.clone().or_else(|| {
        (sel.sso_session.is_none() && sel.start_url.is_none())
            .then(|| ctx.env.get("AWS_PROFILE").map(str::to_string))
            .flatten()
    });
    profile.is_some_and(|p| {
        cfg.profile_value(&p, "sso_account_id").is_some()
            || cfg.profile_value(&p, "sso_role_name").is_some()
    })
}

/// The usage error for a `--listen` address that is not loopback.
fn not_loopback(addr: &SocketAddr) -> Error {
    Error::Usage(format!(
        "--listen: {} is not a loopback address; serve listens only on 127.0.0.0/8 or ::1 (a container reaches it on the host's network)",
        addr.ip()
    ))
}

/// 32 random bytes from the OS generator, as hex (a header value every SDK
/// sends as is).
fn new_token() -> Result<Secret> {
    let bytes = rand::secure_bytes::<32>().ok_or_else(|| {
        Error::Program("the system's random number generator failed; no token was made".into())
    })?;
    Ok(Secret::new(encoding::hex(&bytes)))
}

/// Equal slices, compared without an early exit.
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(diff) == 0
}

/// Locks a mutex, recovering the data if a thread panicked (every state kept
/// here is consistent at each unlock).
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_compared_whole() {
        assert!(same_bytes(b"abc", b"abc"));
        assert!(!same_bytes(b"abc", b"abd") && !same_bytes(b"abc", b"ab"));
    }

    #[test]
    fn only_loopback_addresses() {
        for ok in ["127.0.0.1:0", "127.1.2.3:80", "[::1]:0"] {
            assert!(is_loopback(&ok.parse().unwrap()), "{ok}");
        }
        for bad in ["0.0.0.0:0", "[::]:0", "10.0.0.1:0", "[::ffff:127.0.0.1]:0"] {
            assert!(!is_loopback(&bad.parse().unwrap()), "{bad}");
        }
    }
}
