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
use std::sync::mpsc::{self, SyncSender, TrySendError};
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
use crate::util::{clock, encoding, log, rand, signal};

/// Threads answering requests. Answers from memory take microseconds; more
/// threads only matter while first requests for new roles wait on AWS.
const WORKERS: usize = 8;

/// Connections accepted but not yet taken by a worker; beyond this the
/// accepting thread answers 503 itself.
const QUEUE: usize = 64;

/// What a request may take (see `util::httpd`): an SDK's GET is a few hundred
/// bytes, sent at once.
const LIMITS: Limits = Limits {
    max_head: 8 * 1024,
    max_headers: 64,
    deadline: Duration::from_secs(5),
};

/// How long writing an answer may take.
const WRITE_TIMEOUT: Duration = Duration::from_secs(5);

/// How long before the expiry window begins a role is renewed (or half the
/// time until then, when that is shorter).
const LEAD: time::Duration = time::Duration::seconds(60);

/// The least time between two renewals of one role.
const MIN_GAP: time::Duration = time::Duration::seconds(1);

/// When credentials arrive already inside the expiry window (it is longer
/// than the role's session), how often they are renewed anyway.
const SHORT_RENEWAL: time::Duration = time::Duration::seconds(60);

/// The refresher looks at the clock at least this often: a suspended laptop
/// wakes up with its timers behind the wall clock.
const MAX_SLEEP: Duration = Duration::from_secs(60);

/// An account × role, as the map of served roles keys it.
type Key = (String, String);

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
            endpoint.keep(&slot, creds, "serving");
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
        let (queue, connections) = mpsc::sync_channel::<TcpStream>(QUEUE);
        let connections = Mutex::new(connections);
        std::thread::scope(|s| {
            for _ in 0..WORKERS {
                s.spawn(|| {
                    loop {
                        // A statement of its own, so the queue's lock is
                        // released before the request is handled.
                        let next = lock(&connections).recv();
                        let Ok(stream) = next else { return };
                        self.handle(&stream);
                    }
                });
            }
            s.spawn(|| self.refresh_loop());
            let result = self.accept_loop(&queue, stop);
            drop(queue);
            let mut control = lock(&self.control);
            control.stop = true;
            self.wake.notify_all();
            drop(control);
            result
        })
    }

    /// Accepts connections until `stop` is readable, handing each to the
    /// workers.
    fn accept_loop(&self, queue: &SyncSender<TcpStream>, stop: BorrowedFd<'_>) -> Result<()> {
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
                        match queue.try_send(stream) {
                            Ok(()) => {}
                            Err(TrySendError::Full(stream)) => {
                                let busy =
                                    error(503, "Busy", "too many requests at once; try again");
                                let _ = busy.write_to(&stream, WRITE_TIMEOUT);
                            }
                            Err(TrySendError::Disconnected(_)) => return Ok(()),
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
        let (response, line) = match httpd::read_request(stream, &LIMITS) {
            Ok(req) => (self.answer(&req), format!("{} {}", req.method, req.path())),
            Err(ReadError::Status(status)) => (
                error(status, "BadRequest", "not a request this endpoint reads"),
                "(malformed request)".to_string(),
            ),
            Err(ReadError::Gone) => return,
        };
        let _ = response.write_to(stream, WRITE_TIMEOUT);
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

    /// The role's credentials: from memory while they have more than the
    /// expiry window left, else fetched (one fetch per role at a time).
    fn credentials(&self, key: &Key) -> Result<Credentials> {
        let slot = self.slot(key);
        if let Some(c) = slot.usable(self.window) {
            return Ok(c);
        }
        let _fetching = lock(&slot.fetching);
        if let Some(c) = slot.usable(self.window) {
            return Ok(c);
        }
        let first = lock(&slot.state).creds.is_none();
        match role::credentials(
            self.ctx,
            &self.cfg,
            &slot.target,
            &self.flags,
            LoginPolicy::Never,
        ) {
            Ok(c) => {
                self.keep(&slot, c.clone(), if first { "serving" } else { "renewed" });
                Ok(c)
            }
            Err(e) => {
                // A role that never answered is not kept (nor renewed).
                if first {
                    let mut roles = lock(&self.roles);
                    if roles.get(key).is_some_and(|s| Arc::ptr_eq(s, &slot)) {
                        roles.remove(key);
                    }
                }
                Err(e)
            }
        }
    }

    /// The slot of `key`, made when new.
    fn slot(&self, key: &Key) -> Arc<Slot> {
        let mut roles = lock(&self.roles);
        let slot = roles.entry(key.clone()).or_insert_with(|| {
            Arc::new(Slot::new(RoleTarget {
                session: self.session.clone(),
                account_id: key.0.clone(),
                role_name: key.1.clone(),
                region: None,
                profile: None,
            }))
        });
        Arc::clone(slot)
    }

    /// Keeps fresh credentials for `slot` and schedules their renewal.
    fn keep(&self, slot: &Slot, creds: Credentials, what: &str) {
        let now = clock::now();
        let (renew_at, short) = renewal_time(&creds, self.window, now);
        let until = creds.expiration.map(clock::format).unwrap_or_default();
        let mut state = lock(&slot.state);
        if short && !state.warned_short {
            log::warn(format_args!(
                "{}/{}: the credentials have less than the expiry window ({} s) left when fetched; they are renewed every minute (use a smaller --expiry-window)",
                slot.target.account_id, slot.target.role_name, self.window
            ));
            state.warned_short = true;
        }
        state.creds = Some(creds);
        state.renew_at = Some(renew_at);
        state.failures = 0;
        drop(state);
        self.say(format_args!(
            "{what} {}/{}: credentials until {until}",
            slot.target.account_id, slot.target.role_name
        ));
        self.changed();
    }

    /// Wakes the refresher to look at the renewal times again.
    fn changed(&self) {
        let mut control = lock(&self.control);
        control.changes = control.changes.wrapping_add(1);
        self.wake.notify_all();
    }

    /// A note when announcing, else a `--debug` line.
    fn say(&self, args: std::fmt::Arguments<'_>) {
        if self.announce {
            log::note(args);
        } else {
            log::debug(args);
        }
    }

    /// Renews every role whose time has come, then sleeps until the next one
    /// (or a change, or the stop).
    fn refresh_loop(&self) {
        loop {
            let seen = lock(&self.control).changes;
            let slots: Vec<Arc<Slot>> = lock(&self.roles).values().cloned().collect();
            let mut next: Option<OffsetDateTime> = None;
            for slot in &slots {
                if lock(&self.control).stop {
                    return;
                }
                let due = lock(&slot.state).renew_at;
                if due.is_some_and(|t| t <= clock::now()) {
                    self.renew(slot);
                }
                if let Some(t) = lock(&slot.state).renew_at {
                    next = Some(next.map_or(t, |n| n.min(t)));
                }
            }
            let sleep = next.map_or(MAX_SLEEP, |t| {
                Duration::try_from(t - clock::now())
                    .unwrap_or(Duration::ZERO)
                    .min(MAX_SLEEP)
            });
            let control = lock(&self.control);
            if control.stop {
                return;
            }
            if control.changes != seen || sleep.is_zero() {
                continue;
            }
            let (control, _) = self
                .wake
                .wait_timeout(control, sleep)
                .unwrap_or_else(PoisonError::into_inner);
            if control.stop {
                return;
            }
        }
    }

    /// One renewal: newer credentials from the role cache (another process
    /// may have fetched them) or from AWS, never the ones held now; on
    /// failure the held ones stay and the renewal is tried again later.
    fn renew(&self, slot: &Slot) {
        let _fetching = lock(&slot.fetching);
        let now = clock::now();
        let held = lock(&slot.state).creds.as_ref().and_then(|c| c.expiration);
        // A window one second longer than what the held credentials have
        // left makes them (and anything not newer) a miss in the role cache.
        let window = held.map_or(self.window, |exp| {
            self.window
                .max((exp - now).whole_seconds().saturating_add(1))
        });
        let flags = RoleFlags {
            expiry_window: Some(window),
            ..self.flags.clone()
        };
        match role::credentials(
            self.ctx,
            &self.cfg,
            &slot.target,
            &flags,
            LoginPolicy::Never,
        ) {
            Ok(c) => self.keep(slot, c, "renewed"),
            Err(e) => {
                let mut state = lock(&slot.state);
                state.failures = state.failures.saturating_add(1);
                let delay = retry_delay(state.failures);
                state.renew_at = Some(now + delay);
                drop(state);
                log::warn(format_args!(
                    "cannot renew the credentials of {}/{} (trying again in {} s): {e}",
                    slot.target.account_id,
                    slot.target.role_name,
                    delay.whole_seconds()
                ));
            }
        }
    }
}

impl Slot {
    fn new(target: RoleTarget) -> Slot {
        Slot {
            target,
            fetching: Mutex::new(()),
            state: Mutex::new(SlotState::default()),
        }
    }

    /// The held credentials while they have at least `window` seconds left
    /// (the role cache's rule: never hand out less).
    fn usable(&self, window: i64) -> Option<Credentials> {
        let state = lock(&self.state);
        let c = state.creds.as_ref()?;
        match c.expiration {
            Some(exp) if exp - clock::now() < time::Duration::seconds(window) => None,
            _ => Some(c.clone()),
        }
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

/// When held credentials are renewed: `LEAD` before they enter the expiry
/// window, or halfway there when that is sooner; at least `MIN_GAP` from now.
/// Credentials already inside the window are renewed after `SHORT_RENEWAL`
/// (the second value says so).
fn renewal_time(c: &Credentials, window: i64, now: OffsetDateTime) -> (OffsetDateTime, bool) {
    let Some(exp) = c.expiration else {
        return (now + time::Duration::hours(1), false);
    };
    let window_starts = exp - time::Duration::seconds(window);
    let servable = window_starts - now;
    if servable <= time::Duration::ZERO {
        return (now + SHORT_RENEWAL, true);
    }
    let lead = LEAD.min(servable / 2);
    ((window_starts - lead).max(now + MIN_GAP), false)
}

/// After `failures` failed renewals in a row: 5 s, 10 s, 20 s, … at most 5 min.
fn retry_delay(failures: u32) -> time::Duration {
    let secs = 5i64.saturating_mul(1 << failures.saturating_sub(1).min(6));
    time::Duration::seconds(secs.min(300))
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

/// Which role a path asks for: `Ok(None)` for `/`, `Ok(Some(key))` for a
/// well-formed `/role/ACCOUNT_ID/ROLE_NAME`, else the error answer (which
/// never repeats the path: it is whatever a client sent).
fn route(path: &str) -> std::result::Result<Option<Key>, Response> {
    if path == "/" {
        return Ok(None);
    }
    let not_found = || {
        error(
            404,
            "NotFound",
            "no such path: ask for / or /role/ACCOUNT_ID/ROLE_NAME",
        )
    };
    let Some((account, role)) = path
        .strip_prefix("/role/")
        .and_then(|rest| rest.split_once('/'))
    else {
        return Err(not_found());
    };
    if role.contains('/') {
        return Err(not_found());
    }
    let account = encoding::percent_decode(account, false);
    let role = encoding::percent_decode(role, false);
    if !is_account_id(&account) {
        return Err(error(
            400,
            "BadRequest",
            "the account id of /role/ACCOUNT_ID/ROLE_NAME must be 12 digits",
        ));
    }
    if !is_role_name(&role) {
        return Err(error(
            400,
            "BadRequest",
            "the role name of /role/ACCOUNT_ID/ROLE_NAME must be 1 to 64 of A-Z a-z 0-9 + = , . @ _ -",
        ));
    }
    Ok(Some((account, role)))
}

/// An AWS account id: 12 ASCII digits.
fn is_account_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

/// An IAM role name (a permission set's is one): 1 to 64 of `[\w+=,.@-]`.
fn is_role_name(s: &str) -> bool {
    (1..=64).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+=,.@_-".contains(&b))
}

/// The JSON the SDKs' container providers read.
fn container_json(c: &Credentials, account_id: &str) -> serde_json::Value {
    let mut m = serde_json::Map::new();
    m.insert("AccessKeyId".into(), c.access_key_id.clone().into());
    m.insert(
        "SecretAccessKey".into(),
        c.secret_access_key.expose().into(),
    );
    if let Some(token) = &c.session_token {
        m.insert("Token".into(), token.expose().into());
    }
    if let Some(t) = c.expiration {
        m.insert("Expiration".into(), clock::format(t).into());
    }
    m.insert("AccountId".into(), account_id.into());
    serde_json::Value::Object(m)
}

/// An error answer: the SDKs show its body ("Received non 200 response …
/// from container metadata: …"), so the message says what to do.
fn error(status: u16, code: &str, message: &str) -> Response {
    Response::json(
        status,
        &json!({"Code": code, "Message": format!("sso-config serve: {message}")}),
    )
}

/// The answer for a failed fetch: what went wrong, as the command line would
/// have said it.
fn error_for(e: &Error) -> Response {
    let (status, code) = match e {
        Error::LoginRequired { .. } => (503, "LoginRequired"),
        Error::Access(_) => (403, "AccessDenied"),
        Error::NotFound(_) => (404, "NotFound"),
        Error::Api(_) | Error::Net { .. } | Error::Throttled { .. } | Error::Unexpected { .. } => {
            (502, "UpstreamError")
        }
        _ => (500, "InternalError"),
    };
    error(status, code, &e.to_string())
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

    fn creds(expires_in: i64) -> Credentials {
        Credentials {
            access_key_id: "ASIA1".into(),
            secret_access_key: Secret::new("s"),
            session_token: Some(Secret::new("t")),
            expiration: Some(clock::now() + time::Duration::seconds(expires_in)),
        }
    }

    #[test]
    fn paths_are_checked_before_anything_else() {
        assert_eq!(route("/"), Ok(None));
        assert_eq!(
            route("/role/111122223333/Admin+x=1,a.b@c_d-e"),
            Ok(Some(("111122223333".into(), "Admin+x=1,a.b@c_d-e".into())))
        );
        assert_eq!(
            route("/role/111122223333/Read%40Only"),
            Ok(Some(("111122223333".into(), "Read@Only".into())))
        );
        for (path, status) in [
            ("/role/11112222333/R", 400),
            ("/role/1111222233334/R", 400),
            ("/role/11112222333x/R", 400),
            ("/role/111122223333/", 400),
            ("/role/111122223333/R%0a", 400),
            ("/role/111122223333/<script>", 400),
            (&format!("/role/111122223333/{}", "R".repeat(65)), 400),
            ("/role/111122223333/R/x", 404),
            ("/role/111122223333", 404),
            ("/credentials", 404),
        ] {
            let r = route(path).unwrap_err();
            assert_eq!(r.status, status, "{path}");
            let body = String::from_utf8(r.body).unwrap();
            assert!(!body.contains("script") && !body.contains("x/"), "{body}");
        }
    }

    #[test]
    fn renewal_comes_before_the_expiry_window() {
        let now = clock::now();
        // An hour's credentials, a 15-minute window: a minute before it.
        let (at, short) = renewal_time(&creds(3600), 900, now);
        assert!(!short);
        let ahead = (at - now).whole_seconds();
        assert!((2630..=2640).contains(&ahead), "{ahead}");
        // Four seconds before the window: halfway there.
        let (at, _) = renewal_time(&creds(5), 1, now);
        assert!((1..=2).contains(&(at - now).whole_seconds()));
        // Already inside the window: once a minute, with a warning.
        let (at, short) = renewal_time(&creds(600), 900, now);
        assert!(short);
        assert_eq!((at - now).whole_seconds(), 60);
        assert_eq!(retry_delay(1).whole_seconds(), 5);
        assert_eq!(retry_delay(3).whole_seconds(), 20);
        assert_eq!(retry_delay(40).whole_seconds(), 300);
    }

    #[test]
    fn the_answer_is_what_botocore_reads() {
        let v = container_json(&creds(3600), "111122223333");
        for key in ["AccessKeyId", "SecretAccessKey", "Token", "Expiration"] {
            assert!(v[key].is_string(), "{key}: {v}");
        }
        assert_eq!(v["AccountId"], "111122223333");
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
