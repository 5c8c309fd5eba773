/*!
HTTP for every AWS call: one lazily built ureq agent, one retry policy
(protocol.md §1.5), one decoder of error answers (§1.4), and the `--debug` log
with secrets redacted. Where requests go is `aws::endpoint`'s business; how
fast they go is the governor's.

The agent (and with it all TLS state) is only built when the first request is
about to be sent, so commands answered from a cache never pay for it.
*/

use std::fmt;
use std::io::Read;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use crate::aws::endpoint::authority;
use crate::aws::redact;
use crate::error::{ApiError, Error, Result};
use crate::util::clock::{Clock, SystemClock};
use crate::util::env::Env;
use crate::util::governor::{DEFAULT_CAP, Governor, Outcome};
use crate::util::text::shorten;
use crate::util::{log, rand, xml};

/// One request, described as plain data. Its `Debug` redacts as the debug log
/// does: headers and bodies may carry tokens.
#[derive(Clone)]
pub struct Request {
    /// The AWS operation name, for errors and the debug log.
    pub op: &'static str,
    /// `GET` or `POST`.
    pub method: &'static str,
    /// The full URL including the query string.
    pub url: String,
    /// Extra headers.
    pub headers: Vec<(String, String)>,
    /// The body for POST (`None` for GET).
    pub body: Option<Vec<u8>>,
}

impl Request {
    /// A GET request.
    pub fn get(op: &'static str, url: String) -> Request {
        Request {
            op,
            method: "GET",
            url,
            headers: Vec::new(),
            body: None,
        }
    }

    /// A POST request with a body.
    pub fn post(op: &'static str, url: String, body: Vec<u8>) -> Request {
        Request {
            op,
            method: "POST",
            url,
            headers: Vec::new(),
            body: Some(body),
        }
    }

    /// Adds a header.
    pub fn header(mut self, name: &str, value: impl Into<String>) -> Request {
        self.headers.push((name.to_string(), value.into()));
        self
    }
}

impl fmt::Debug for Request {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(k, v)| (k.as_str(), redact::header_value(k, v)))
            .collect();
        f.debug_struct("Request")
            .field("op", &self.op)
            .field("method", &self.method)
            .field("url", &redact::url(&self.url))
            .field("headers", &headers)
            .field("body", &self.body.as_deref().map(redact::body))
            .finish()
    }
}

/// A successful (2xx) answer.
#[derive(Debug)]
pub struct Response {
    /// The body bytes.
    pub body: Vec<u8>,
}

/// What [`Http::get_location`] got: the status and the `Location` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The HTTP status.
    pub status: u16,
    /// The `Location` header, when there is one.
    pub location: Option<String>,
}

/// Settings of the HTTP client, taken from the environment.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Total attempts per request, including the first.
    pub max_attempts: u32,
    /// Extra PEM CA certificates (`AWS_CA_BUNDLE`, `SSL_CERT_FILE`).
    pub ca_bundle: Option<std::path::PathBuf>,
}

/// Our default number of attempts at 5xx and connection errors: more than
/// botocore's 3, because a listing of a thousand calls meets a few of them.
/// Throttling uses up no attempts (the governor paces the retry; see
/// [`THROTTLE_PATIENCE`]).
pub const DEFAULT_MAX_ATTEMPTS: u32 = 5;

impl Settings {
    /// Reads `AWS_MAX_ATTEMPTS`, `AWS_CA_BUNDLE` and `SSL_CERT_FILE`.
    pub fn from_env(env: &Env) -> Settings {
        let max_attempts = env
            .get("AWS_MAX_ATTEMPTS")
            .and_then(|v| v.trim().parse::<u32>().ok())
            .filter(|n| *n >= 1)
            .unwrap_or(DEFAULT_MAX_ATTEMPTS);
        Settings {
            max_attempts,
            ca_bundle: env
                .first(&["AWS_CA_BUNDLE", "SSL_CERT_FILE"])
                .map(|p| env.expand_path(p)),
        }
    }
}

/// Turns a request into the one to send, before each attempt (SigV4 signing).
pub type Prepare<'a> = dyn Fn(&Request) -> Result<Request> + 'a;

/// The HTTP client: one agent for the whole process, built on first use, and
/// one governor pacing every request by the service's answers.
pub struct Http {
    settings: Settings,
    agent: OnceLock<std::result::Result<ureq::Agent, String>>,
    clock: Arc<dyn Clock>,
    governor: Governor,
}

impl Http {
    /// A client; nothing is built until the first request.
    pub fn new(settings: Settings) -> Http {
        Http::with_clock(settings, Arc::new(SystemClock))
    }

    /// A client whose backoff and pacing wait on `clock`.
    pub fn with_clock(settings: Settings, clock: Arc<dyn Clock>) -> Http {
        Http {
            settings,
            agent: OnceLock::new(),
            governor: Governor::new(DEFAULT_CAP, clock.clone()),
            clock,
        }
    }

    /// Most requests this client keeps in flight; callers size thread pools by it.
    pub fn max_in_flight(&self) -> usize {
        DEFAULT_CAP
    }

    fn agent(&self) -> Result<&ureq::Agent> {
        self.agent
            .get_or_init(|| build_agent(&self.settings))
            .as_ref()
            .map_err(|msg| Error::Config(msg.clone()))
    }

    /// Sends `req`, retrying throttling at the governor's pace and 5xx and
    /// connection errors with full-jitter backoff; a non-2xx answer becomes
    /// `Error::Api`.
    pub fn send(&self, req: &Request) -> Result<Response> {
        self.send_prepared(req, None)
    }

    /// Like [`Http::send`], but `prepare` turns `req` into the request to send
    /// before every attempt: SigV4 signs each attempt anew, because a retry
    /// after a long backoff must carry a fresh `X-Amz-Date`. An error from
    /// `prepare` ends the request without a retry.
    pub fn send_signed(&self, req: &Request, prepare: &Prepare) -> Result<Response> {
        self.send_prepared(req, Some(prepare))
    }

    fn send_prepared(&self, req: &Request, prepare: Option<&Prepare>) -> Result<Response> {
        // Signed once the governor lets the request go, so that its
        // X-Amz-Date is as fresh as it can be.
        let attempt = || match prepare {
            None => self.send_once(req),
            Some(prepare) => prepare(req).and_then(|signed| self.send_once(&signed)),
        };
        with_retries(
            req.op,
            authority(&req.url),
            self.settings.max_attempts,
            &self.governor,
            &*self.clock,
            attempt,
        )
    }

    /// One GET of `url` whose answer is not read: its status and `Location`
    /// header. The agent follows no redirect, so a start page's redirect is
    /// seen as it is. One attempt (the caller turns a failure into advice),
    /// paced by the governor like every request.
    pub fn get_location(&self, op: &'static str, url: &str) -> Result<Location> {
        let agent = self.agent()?;
        let req = Request::get(op, url.to_string());
        log_request(&req);
        let host = authority(url);
        let permit = self.governor.acquire(host, op);
        let result = agent.get(url).call();
        permit.finish(Outcome::Done);
        let resp = result.map_err(|e| Error::Net {
            op,
            host: authority(url).to_string(),
            msg: e.to_string(),
        })?;
        let status = resp.status().as_u16();
        let location = resp
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        log::debug(format_args!(
            "< {status} ({op}) location: {}",
            location
                .as_deref()
                .map_or_else(|| "none".into(), redact::url)
        ));
        // The body is dropped unread; the connection is not reused.
        Ok(Location { status, location })
    }

    fn send_once(&self, req: &Request) -> Result<Response> {
        let agent = self.agent()?;
        log_request(req);
        let net_err = |e: ureq::Error| Error::Net {
            op: req.op,
            host: authority(&req.url).to_string(),
            msg: e.to_string(),
        };
        let result = match &req.body {
            None => {
                let mut b = agent.get(&req.url);
                for (k, v) in &req.headers {
                    b = b.header(k, v);
                }
                b.call()
            }
            Some(body) => {
                let mut b = agent.post(&req.url);
                for (k, v) in &req.headers {
                    b = b.header(k, v);
                }
                b.send(&body[..])
            }
        };
        let mut resp = result.map_err(net_err)?;
        let status = resp.status().as_u16();
        let header = |name: &str| {
            resp.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let error_type = header("x-amzn-errortype");
        let request_id = header("x-amzn-requestid");
        let declared = resp.body().content_length();
        let body =
            read_capped(resp.body_mut().as_reader(), declared, MAX_BODY).map_err(|e| match e {
                BodyError::TooLarge => Error::unexpected(
                    req.op,
                    format!(
                        "the answer is larger than {} MiB; refusing to read it",
                        MAX_BODY >> 20
                    ),
                ),
                BodyError::Read(e) => Error::Net {
                    op: req.op,
                    host: authority(&req.url).to_string(),
                    msg: format!("reading the answer: {e}"),
                },
            })?;
        log::debug(format_args!(
            "< {status} ({}) {}",
            req.op,
            redact::body(&body)
        ));
        if (200..300).contains(&status) {
            return Ok(Response { body });
        }
        Err(Error::Api(decode_error(
            req.op,
            status,
            error_type.as_deref(),
            request_id,
            &body,
        )))
    }
}

/// The most bytes of one answer we read: 10 MiB. The largest answers we get
/// are listing pages of at most 100 entries, a few tens of KiB; anything near
/// this is a broken or hostile server, and reading on would only fill memory.
pub const MAX_BODY: u64 = 10 * 1024 * 1024;

/// Why a body was not read.
#[derive(Debug)]
enum BodyError {
    /// More than the cap, by the `Content-Length` or by the bytes that came.
    TooLarge,
    /// The connection failed while reading.
    Read(std::io::Error),
}

/// Reads a body of at most `max` bytes. A `Content-Length` above `max` is
/// refused before reading anything, and the buffer grows with the bytes that
/// actually arrive, never from the declared length; a body without a length
/// (chunked, close-delimited) is cut at `max + 1` bytes and refused.
fn read_capped(
    reader: impl Read,
    declared: Option<u64>,
    max: u64,
) -> std::result::Result<Vec<u8>, BodyError> {
    if declared.is_some_and(|n| n > max) {
        return Err(BodyError::TooLarge);
    }
    let mut body = Vec::new();
    reader
        .take(max.saturating_add(1))
        .read_to_end(&mut body)
        .map_err(BodyError::Read)?;
    if body.len() as u64 > max {
        return Err(BodyError::TooLarge);
    }
    Ok(body)
}

/// How long one request may keep being throttled before we give up: far
/// longer than any real limit makes a request wait for its turn (32 requests
/// queued at one per second wait half a minute), short enough that a limit
/// used up by someone else ends in an error rather than a hang.
pub const THROTTLE_PATIENCE: Duration = Duration::from_secs(300);

/// The one retry policy: every attempt goes through the governor, which paces
/// it. A throttled attempt goes straight back to the governor, which gives it
/// the next turn at the rate it has learnt; throttling uses up no attempts,
/// only time, up to [`THROTTLE_PATIENCE`]. 5xx and connection errors are
/// retried with full-jitter backoff until `max_attempts` of them have come in
/// a row. Waits happen on `clock`, so tests run on virtual time.
fn with_retries(
    op: &'static str,
    host: &str,
    max_attempts: u32,
    governor: &Governor,
    clock: &dyn Clock,
    mut attempt_once: impl FnMut() -> Result<Response>,
) -> Result<Response> {
    let started = clock.now();
    let mut attempt = 1;
    let mut throttled = 0u32;
    loop {
        let permit = governor.acquire(host, op);
        let result = attempt_once();
        let refused = matches!(&result, Err(Error::Api(e)) if is_throttling(e));
        permit.finish(if refused {
            Outcome::Throttled
        } else {
            Outcome::Done
        });
        if refused {
            throttled += 1;
            let waited = clock.now().saturating_duration_since(started);
            if waited >= THROTTLE_PATIENCE {
                let Err(Error::Api(last)) = result else {
                    return result;
                };
                return Err(Error::Throttled {
                    op,
                    waited,
                    attempts: throttled,
                    code: last.kind().to_string(),
                });
            }
            log::debug(format_args!(
                "{op} throttled ({throttled} so far), retrying at its turn"
            ));
            // The attempts count faults in a row: a request retried through
            // a long spell of throttling meets more 5xx draws, and it is only
            // failing when they come one after another.
            attempt = 1;
            continue;
        }
        let Some(base) = retry_base(&result) else {
            return result;
        };
        if attempt >= max_attempts {
            return result;
        }
        let delay = backoff(attempt, base);
        log::debug(format_args!(
            "{op} attempt {attempt} failed, retrying in {} ms",
            delay.as_millis()
        ));
        clock.sleep(delay);
        attempt += 1;
    }
}

fn log_request(req: &Request) {
    if !log::debug_enabled() {
        return;
    }
    log::debug(format_args!(
        "> {} {} ({})",
        req.method,
        redact::url(&req.url),
        req.op
    ));
    for (k, v) in &req.headers {
        log::debug(format_args!("> {k}: {}", redact::header_value(k, v)));
    }
    if let Some(body) = &req.body {
        log::debug(format_args!("> {}", redact::body(body)));
    }
}

fn build_agent(settings: &Settings) -> std::result::Result<ureq::Agent, String> {
    use ureq::tls::TlsConfig;
    let roots = match &settings.ca_bundle {
        Some(path) => roots_with_bundle(path)?,
        None => ureq::tls::RootCerts::new_with_certs(&builtin_roots()),
    };
    // ring, as rustls is built with; named here because ureq is built without
    // its own default provider and roots (see Cargo.toml).
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let tls = TlsConfig::builder()
        .root_certs(roots)
        .unversioned_rustls_crypto_provider(provider);
    let config = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .user_agent(concat!("sso-config/", env!("CARGO_PKG_VERSION")))
        .timeout_connect(Some(Duration::from_secs(10)))
        .timeout_recv_response(Some(Duration::from_secs(60)))
        .timeout_recv_body(Some(Duration::from_secs(60)))
        .max_redirects(0)
        .max_idle_connections_per_host(64)
        // ureq's 128 KiB default buffers, times one connection per request in
        // flight, would dominate our memory; AWS answers here are small.
        .input_buffer_size(16 * 1024)
        .output_buffer_size(16 * 1024)
        .proxy(ureq::Proxy::try_from_env())
        .tls_config(tls.build())
        .build();
    Ok(config.new_agent())
}

/// The built-in Mozilla roots, in certificate form (`webpki-root-certs`): the
/// form ureq can merge with a bundle's certificates. ureq's own roots (trust
/// anchors, which cannot be merged) are left out of the build, so the binary
/// carries one copy of the roots, not two.
fn builtin_roots() -> Vec<ureq::tls::Certificate<'static>> {
    webpki_root_certs::TLS_SERVER_ROOT_CERTS
        .iter()
        .map(|c| ureq::tls::Certificate::from_der(c.as_ref()).to_owned())
        .collect()
}

/// The built-in Mozilla roots plus the certificates of a PEM bundle.
fn roots_with_bundle(path: &std::path::Path) -> std::result::Result<ureq::tls::RootCerts, String> {
    use ureq::tls::{PemItem, RootCerts, parse_pem};
    let pem = std::fs::read(path)
        .map_err(|e| format!("cannot read CA bundle {}: {e}", path.display()))?;
    let mut certs = builtin_roots();
    let builtin = certs.len();
    for item in parse_pem(&pem) {
        if let Ok(PemItem::Certificate(c)) = item {
            certs.push(c);
        }
    }
    if certs.len() == builtin {
        return Err(format!(
            "CA bundle {} has no PEM certificate",
            path.display()
        ));
    }
    Ok(RootCerts::new_with_certs(&certs))
}

/// Decodes an error answer like botocore (protocol.md §1.4): the code from
/// `x-amzn-ErrorType`, else the body's `code`/`Code`/`__type`, else the status;
/// cut at `:` and after the last `#`.
pub fn decode_error(
    op: &'static str,
    status: u16,
    error_type: Option<&str>,
    request_id: Option<String>,
    body: &[u8],
) -> ApiError {
    let json: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
    let field = |names: &[&str]| {
        names
            .iter()
            .find_map(|n| json.get(*n).and_then(|v| v.as_str()))
            .map(str::to_string)
    };
    let raw = error_type
        .map(str::to_string)
        .or_else(|| field(&["code", "Code", "__type"]))
        .or_else(|| xml_tag(body, "Code"))
        .unwrap_or_else(|| status.to_string());
    // A code or message is quoted in one error line: a server cannot make it
    // longer than a line (it is escaped when shown, `error.rs`).
    let code = shorten(&normalise_code(&raw), MAX_ERROR_TEXT).into_owned();
    let oauth_error = field(&["error"]).map(|e| shorten(&e, MAX_ERROR_TEXT).into_owned());
    let message = field(&["message", "Message", "error_description"])
        .or_else(|| xml_tag(body, "Message"))
        .map(|m| shorten(&m, MAX_ERROR_TEXT).into_owned())
        .unwrap_or_default();
    ApiError {
        op,
        status,
        code,
        oauth_error,
        message,
        request_id: request_id.or_else(|| xml_tag(body, "RequestId")),
    }
}

/// The most characters of a service's error code or message we quote.
const MAX_ERROR_TEXT: usize = 500;

fn normalise_code(raw: &str) -> String {
    let cut = raw.split(':').next().unwrap_or(raw);
    cut.rsplit('#').next().unwrap_or(cut).trim().to_string()
}

/// The text of the first `<tag>…</tag>` in an XML body (STS errors).
fn xml_tag(body: &[u8], tag: &str) -> Option<String> {
    xml::text(std::str::from_utf8(body).ok()?, tag)
}

const THROTTLING_CODES: &[&str] = &[
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "TooManyRequestsException",
    "ProvisionedThroughputExceededException",
    "TransactionInProgressException",
    "RequestLimitExceeded",
    "BandwidthLimitExceeded",
    "LimitExceededException",
    "RequestThrottled",
    "SlowDown",
    "PriorRequestNotComplete",
    "EC2ThrottledException",
];

const TRANSIENT_CODES: &[&str] = &[
    "RequestTimeout",
    "RequestTimeoutException",
    "PriorRequestNotComplete",
    "InternalServerException",
    "InternalFailure",
    "ServiceUnavailable",
    "ServiceUnavailableException",
];

/// True when the service asked us to slow down.
pub fn is_throttling(e: &ApiError) -> bool {
    THROTTLING_CODES.contains(&e.code.as_str())
        || (e.status == 429 && e.oauth_error.is_none())
        || e.oauth_error.as_deref() == Some("slow_down") && e.op != "CreateToken"
}

/// The backoff base for a retryable result other than throttling (which the
/// governor paces), `None` when it must not be retried.
fn retry_base(result: &Result<Response>) -> Option<Duration> {
    match result {
        Ok(_) => None,
        Err(Error::Net { .. }) => Some(Duration::from_millis(50)),
        Err(Error::Api(e)) if is_throttling(e) => None,
        Err(Error::Api(e))
            if matches!(e.status, 500 | 502 | 503 | 504)
                || TRANSIENT_CODES.contains(&e.code.as_str())
                || e.oauth_error.as_deref() == Some("server_error") =>
        {
            Some(Duration::from_millis(50))
        }
        Err(_) => None,
    }
}

/// Full jitter: `rand[0,1) × min(base × 2^(attempt-1), 20 s)`.
pub fn backoff(attempt: u32, base: Duration) -> Duration {
    let cap = Duration::from_secs(20);
    let exp = base.saturating_mul(1u32 << attempt.saturating_sub(1).min(16));
    exp.min(cap).mul_f64(rand::unit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_error_shapes() {
        let e = decode_error(
            "ListAccounts",
            401,
            None,
            Some("rid".into()),
            br#"{"message":"Session token not found or invalid","__type":"com.amazonaws.switchboard.portal#UnauthorizedException"}"#,
        );
        assert_eq!(e.code, "UnauthorizedException");
        assert_eq!(e.message, "Session token not found or invalid");
        let e = decode_error(
            "CreateToken",
            400,
            Some("AuthorizationPendingException:http://internal.amazon.com/"),
            None,
            br#"{"error":"authorization_pending","error_description":"pending"}"#,
        );
        assert_eq!(e.code, "AuthorizationPendingException");
        assert_eq!(e.kind(), "authorization_pending");
        let e = decode_error("X", 503, None, None, b"");
        assert_eq!(e.code, "503");
        let long = format!("{{\"message\":\"{}\"}}", "m".repeat(100_000));
        let e = decode_error("X", 400, None, None, long.as_bytes());
        assert_eq!(e.message.chars().count(), MAX_ERROR_TEXT + 1, "cut, with …");
        let e = decode_error(
            "GetCallerIdentity",
            403,
            None,
            None,
            b"<ErrorResponse><Error><Type>Sender</Type><Code>InvalidClientTokenId</Code><Message>bad</Message></Error><RequestId>r1</RequestId></ErrorResponse>",
        );
        assert_eq!(
            (e.code.as_str(), e.message.as_str()),
            ("InvalidClientTokenId", "bad")
        );
        assert_eq!(e.request_id.as_deref(), Some("r1"));
    }

    #[test]
    fn retry_classification() {
        let api = |status, code: &str, oauth: Option<&str>| {
            Err(Error::Api(ApiError {
                op: "X",
                status,
                code: code.into(),
                oauth_error: oauth.map(str::to_string),
                message: String::new(),
                request_id: None,
            }))
        };
        // Throttling is the governor's to pace, not a backoff's.
        assert_eq!(
            retry_base(&api(429, "TooManyRequestsException", None)),
            None
        );
        assert_eq!(retry_base(&api(400, "ThrottlingException", None)), None);
        assert_eq!(
            retry_base(&api(503, "503", None)),
            Some(Duration::from_millis(50))
        );
        assert_eq!(retry_base(&api(401, "UnauthorizedException", None)), None);
        assert_eq!(
            retry_base(&api(400, "InvalidGrantException", Some("invalid_grant"))),
            None
        );
        assert_eq!(
            retry_base(&api(
                400,
                "AuthorizationPendingException",
                Some("authorization_pending")
            )),
            None
        );
    }

    fn throttled() -> Result<Response> {
        Err(Error::Api(ApiError {
            op: "ListAccountRoles",
            status: 429,
            code: "TooManyRequestsException".into(),
            oauth_error: None,
            message: String::new(),
            request_id: None,
        }))
    }

    fn unavailable() -> Result<Response> {
        Err(Error::Api(ApiError {
            op: "ListAccountRoles",
            status: 503,
            code: "ServiceUnavailableException".into(),
            oauth_error: None,
            message: String::new(),
            request_id: None,
        }))
    }

    fn ok() -> Result<Response> {
        Ok(Response {
            body: b"ok".to_vec(),
        })
    }

    #[test]
    fn throttling_uses_up_no_attempts_and_sleeps_no_backoff() {
        let clock = Arc::new(crate::util::clock::FakeClock::new());
        let governor = Governor::new(4, clock.clone());
        let mut calls = 0;
        // Twenty throttles in a row with two attempts allowed: only time counts.
        let result = with_retries("X", "h", 2, &governor, &*clock, || {
            calls += 1;
            if calls <= 20 { throttled() } else { ok() }
        });
        assert_eq!(result.unwrap().body, b"ok");
        assert_eq!(calls, 21);
        // The waits are the governor's turns, halving the rate while nothing
        // gets through down to one call in 5 s: about a minute, where twenty
        // full-jitter backoffs (1 s base, 20 s cap) wait 165 s on average.
        assert!(
            clock.elapsed() < Duration::from_secs(90),
            "{:?}",
            clock.elapsed()
        );
    }

    #[test]
    fn other_faults_back_off_and_stop_at_max_attempts() {
        let clock = Arc::new(crate::util::clock::FakeClock::new());
        let governor = Governor::new(4, clock.clone());
        let mut calls = 0;
        let result = with_retries("X", "h", 5, &governor, &*clock, || {
            calls += 1;
            if calls < 3 { unavailable() } else { ok() }
        });
        assert_eq!(result.unwrap().body, b"ok");
        assert_eq!(calls, 3);
        let mut calls = 0;
        let e = with_retries("X", "h", 4, &governor, &*clock, || {
            calls += 1;
            unavailable()
        });
        assert!(matches!(e, Err(Error::Api(_))));
        assert_eq!(calls, 4, "max attempts include the first");
        let mut calls = 0;
        let e = with_retries("X", "h", 4, &governor, &*clock, || {
            calls += 1;
            Err(Error::Usage("not retryable".into()))
        });
        assert!(e.is_err());
        assert_eq!(calls, 1);
    }

    #[test]
    fn server_errors_count_in_a_row_across_throttling() {
        let clock = Arc::new(crate::util::clock::FakeClock::new());
        let governor = Governor::new(4, clock.clone());
        let mut calls = 0;
        // Three 503s with three attempts allowed, a throttle between the
        // second and the third: not three in a row, so it goes on.
        let result = with_retries("X", "h", 3, &governor, &*clock, || {
            calls += 1;
            match calls {
                1 | 2 | 4 => unavailable(),
                3 => throttled(),
                _ => ok(),
            }
        });
        assert_eq!(result.unwrap().body, b"ok");
        assert_eq!(calls, 5);
    }

    #[test]
    fn endless_throttling_ends_after_the_patience_and_says_so() {
        let clock = Arc::new(crate::util::clock::FakeClock::new());
        let governor = Governor::new(4, clock.clone());
        let e =
            with_retries("ListAccountRoles", "h", 3, &governor, &*clock, throttled).unwrap_err();
        assert!(clock.elapsed() >= THROTTLE_PATIENCE);
        assert!(
            clock.elapsed() < THROTTLE_PATIENCE + Duration::from_secs(10),
            "{:?}",
            clock.elapsed()
        );
        let shown = e.to_string();
        assert!(
            shown.starts_with(
                "ListAccountRoles was still throttled (TooManyRequestsException) after "
            ),
            "{shown}"
        );
        assert!(shown.contains("in 30"), "{shown}");
        assert_eq!(e.exit_code(), 1);
    }

    #[test]
    fn debug_output_of_a_request_hides_its_secrets() {
        let req = Request::post(
            "CreateToken",
            "https://oidc.eu-west-1.amazonaws.com/token".into(),
            br#"{"clientId":"c","clientSecret":"S3CRET","refreshToken":"R3FRESH"}"#.to_vec(),
        )
        .header("x-amz-sso_bearer_token", "T0KEN")
        .header("Content-Type", "application/json");
        let shown = format!("{req:?}");
        for secret in ["S3CRET", "R3FRESH", "T0KEN"] {
            assert!(!shown.contains(secret), "{shown}");
        }
        assert!(shown.contains("application/json"), "{shown}");
    }

    #[test]
    fn bodies_are_capped() {
        let read = |body: &[u8], declared: Option<u64>| read_capped(body, declared, 8);
        assert_eq!(read(b"12345678", Some(8)).unwrap(), b"12345678");
        assert_eq!(read(b"1234", None).unwrap(), b"1234");
        assert!(matches!(read(b"123456789", None), Err(BodyError::TooLarge)));
        // A declared length over the cap is refused before a byte is read.
        assert!(matches!(read(b"", Some(1 << 40)), Err(BodyError::TooLarge)));
        assert!(matches!(
            read(b"1", Some(u64::MAX)),
            Err(BodyError::TooLarge)
        ));
    }

    #[test]
    fn backoff_is_capped_full_jitter() {
        for attempt in 1..40 {
            let d = backoff(attempt, Duration::from_secs(1));
            assert!(d <= Duration::from_secs(20));
            assert!(d <= Duration::from_secs(1) * (1 << (attempt - 1).min(16)));
        }
    }

    #[test]
    fn ca_bundle_adds_to_the_builtin_roots() {
        let dir = std::env::temp_dir().join(format!("sso-config-ca-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        // Any certificate in PEM form will do: take a built-in root.
        let der = webpki_root_certs::TLS_SERVER_ROOT_CERTS[0].as_ref();
        let mut b64 = crate::util::encoding::base64url(der)
            .replace('-', "+")
            .replace('_', "/");
        while !b64.len().is_multiple_of(4) {
            b64.push('=');
        }
        let lines: Vec<&str> = b64
            .as_bytes()
            .chunks(64)
            .map(|c| std::str::from_utf8(c).unwrap())
            .collect();
        let pem = dir.join("ca.pem");
        std::fs::write(
            &pem,
            format!(
                "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
                lines.join("\n")
            ),
        )
        .unwrap();
        let ureq::tls::RootCerts::Specific(certs) = roots_with_bundle(&pem).unwrap() else {
            panic!("not specific roots")
        };
        assert_eq!(
            certs.len(),
            webpki_root_certs::TLS_SERVER_ROOT_CERTS.len() + 1
        );
        std::fs::write(&pem, "not a certificate").unwrap();
        assert!(
            roots_with_bundle(&pem)
                .unwrap_err()
                .contains("no PEM certificate")
        );
        assert!(
            roots_with_bundle(&dir.join("missing.pem"))
                .unwrap_err()
                .contains("cannot read CA bundle")
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
