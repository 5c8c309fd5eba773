/*!
HTTP for every AWS call: endpoint resolution per partition (protocol.md §1.1)
with the `AWS_ENDPOINT_URL_*` overrides (§1.2), one lazily built ureq agent,
one retry policy (§1.5), one decoder of error answers (§1.4), and the `--debug`
log with secrets redacted.

The agent (and with it all TLS state) is only built when the first request is
about to be sent, so commands answered from a cache never pay for it.
*/

use std::io::Read;
use std::sync::OnceLock;
use std::time::Duration;

use crate::env::Env;
use crate::error::{ApiError, Error, Result};
use crate::governor::{DEFAULT_CAP, Governor, Outcome};

/// The services this tool talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    /// SSO OIDC: client registration and tokens.
    SsoOidc,
    /// The Identity Center portal: accounts, roles, role credentials.
    Portal,
    /// sso-admin (SigV4).
    SsoAdmin,
    /// identitystore (SigV4).
    IdentityStore,
    /// organizations (SigV4, global endpoint).
    Organizations,
    /// STS (SigV4, query protocol).
    Sts,
}

impl Service {
    /// The `AWS_ENDPOINT_URL_<NAME>` variable of this service.
    pub fn env_var(self) -> &'static str {
        match self {
            Service::SsoOidc => "AWS_ENDPOINT_URL_SSO_OIDC",
            Service::Portal => "AWS_ENDPOINT_URL_SSO",
            Service::SsoAdmin => "AWS_ENDPOINT_URL_SSO_ADMIN",
            Service::IdentityStore => "AWS_ENDPOINT_URL_IDENTITYSTORE",
            Service::Organizations => "AWS_ENDPOINT_URL_ORGANIZATIONS",
            Service::Sts => "AWS_ENDPOINT_URL_STS",
        }
    }

    /// The key of this service in a `[services NAME]` config section.
    pub fn config_key(self) -> &'static str {
        match self {
            Service::SsoOidc => "sso_oidc",
            Service::Portal => "sso",
            Service::SsoAdmin => "sso_admin",
            Service::IdentityStore => "identitystore",
            Service::Organizations => "organizations",
            Service::Sts => "sts",
        }
    }

    fn host_prefix(self) -> &'static str {
        match self {
            Service::SsoOidc => "oidc",
            Service::Portal => "portal.sso",
            Service::SsoAdmin => "sso",
            Service::IdentityStore => "identitystore",
            Service::Organizations => "organizations",
            Service::Sts => "sts",
        }
    }
}

/// An AWS partition: where its hosts live (protocol.md §1.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Partition {
    /// `aws`, `aws-cn`, `aws-us-gov`, …
    pub name: &'static str,
    /// DNS suffix of regional endpoints.
    pub dns_suffix: &'static str,
    /// The region global services (organizations) are signed for.
    pub global_region: &'static str,
}

/// The partition a region belongs to; unknown regions fall back to `aws`.
pub fn partition(region: &str) -> Partition {
    let p = |name, dns_suffix, global_region| Partition {
        name,
        dns_suffix,
        global_region,
    };
    let region_like = |prefix: &str| {
        region.strip_prefix(prefix).is_some_and(|rest| {
            let mut parts = rest.split('-');
            let (Some(_), Some(num), None) = (parts.next(), parts.next(), parts.next()) else {
                return false;
            };
            !num.is_empty() && num.bytes().all(|b| b.is_ascii_digit())
        })
    };
    if region_like("cn-") {
        p("aws-cn", "amazonaws.com.cn", "cn-northwest-1")
    } else if region_like("us-gov-") {
        p("aws-us-gov", "amazonaws.com", "us-gov-west-1")
    } else if region_like("eusc-de-") {
        p("aws-eusc", "amazonaws.eu", "eusc-de-east-1")
    } else if region_like("us-isob-") {
        p("aws-iso-b", "sc2s.sgov.gov", "us-isob-east-1")
    } else if region_like("us-isof-") {
        p("aws-iso-f", "csp.hci.ic.gov", "us-isof-south-1")
    } else if region_like("eu-isoe-") {
        p("aws-iso-e", "cloud.adc-e.uk", "eu-isoe-west-1")
    } else if region_like("us-iso-") {
        p("aws-iso", "c2s.ic.gov", "us-iso-east-1")
    } else {
        p("aws", "amazonaws.com", "us-east-1")
    }
}

/// Where to send a service's requests and how to sign them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// `scheme://host[:port]` with no trailing slash.
    pub base: String,
    /// The region in the SigV4 credential scope.
    pub signing_region: String,
}

/// Resolves a service's endpoint for `region`: `AWS_ENDPOINT_URL_<SERVICE>`, then
/// `AWS_ENDPOINT_URL`, then `configured` (from the config file), then the
/// partition's default host. `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS` disables the
/// overrides. The signing region never changes with an override.
pub fn endpoint(
    service: Service,
    region: &str,
    env: &Env,
    configured: Option<&str>,
) -> Result<Endpoint> {
    let part = partition(region);
    let signing_region = if service == Service::Organizations {
        part.global_region
    } else {
        region
    };
    let overridden = if env.flag("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS") {
        None
    } else {
        env.get(service.env_var())
            .or_else(|| env.get("AWS_ENDPOINT_URL"))
            .or(configured)
    };
    let base = match overridden {
        Some(url) => validate_override(url)?,
        None => format!(
            "https://{}.{signing_region}.{}",
            service.host_prefix(),
            part.dns_suffix
        ),
    };
    Ok(Endpoint {
        base,
        signing_region: signing_region.to_string(),
    })
}

/// Accepts `https://…` anywhere and `http://…` only on loopback hosts: a token
/// must never travel in clear text over a network.
fn validate_override(url: &str) -> Result<String> {
    let url = url.trim().trim_end_matches('/');
    let bad = || Error::Config(format!("endpoint override '{url}' is not an http(s) URL"));
    let (scheme, rest) = url.split_once("://").ok_or_else(bad)?;
    let host = host_of(rest);
    if host.is_empty() {
        return Err(bad());
    }
    match scheme {
        "https" => Ok(url.to_string()),
        "http" if is_loopback(host) => Ok(url.to_string()),
        "http" => Err(Error::Config(format!(
            "endpoint override '{url}' uses http:// for a non-loopback host; use https://"
        ))),
        _ => Err(bad()),
    }
}

/// The host of `host[:port][/path]` (IPv6 literals keep their brackets).
fn host_of(authority_and_path: &str) -> &str {
    let authority = authority_and_path
        .split(['/', '?', '#'])
        .next()
        .unwrap_or("");
    if let Some(v6) = authority.strip_prefix('[') {
        return v6.split(']').next().unwrap_or("");
    }
    authority.split(':').next().unwrap_or("")
}

/// True for `localhost`, 127.0.0.0/8 and `::1`.
pub fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host == "::1"
        || host
            .parse::<std::net::Ipv4Addr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// The host part of an endpoint base URL, e.g. for the `Host` header SigV4 signs.
pub fn authority(base: &str) -> &str {
    base.split_once("://")
        .map_or(base, |(_, rest)| rest.split('/').next().unwrap_or(rest))
}

/// One request, described as plain data.
#[derive(Debug, Clone)]
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

/// A successful (2xx) answer.
#[derive(Debug)]
pub struct Response {
    /// The body bytes.
    pub body: Vec<u8>,
}

/// Settings of the HTTP client, taken from flags and the environment.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Log requests and responses (redacted) on stderr.
    pub debug: bool,
    /// Total attempts per request, including the first.
    pub max_attempts: u32,
    /// Extra PEM CA certificates (`AWS_CA_BUNDLE`, `SSL_CERT_FILE`).
    pub ca_bundle: Option<std::path::PathBuf>,
}

/// Our default number of attempts: more than botocore's 3, because listing
/// hundreds of accounts meets throttling that three attempts do not ride out.
pub const DEFAULT_MAX_ATTEMPTS: u32 = 5;

impl Settings {
    /// Reads `AWS_MAX_ATTEMPTS`, `AWS_CA_BUNDLE` and `SSL_CERT_FILE`.
    pub fn from_env(env: &Env, debug: bool) -> Settings {
        let max_attempts = env
            .get("AWS_MAX_ATTEMPTS")
            .and_then(|v| v.trim().parse::<u32>().ok())
            .filter(|n| *n >= 1)
            .unwrap_or(DEFAULT_MAX_ATTEMPTS);
        Settings {
            debug,
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
    governor: Governor,
}

impl Http {
    /// A client; nothing is built until the first request.
    pub fn new(settings: Settings) -> Http {
        Http {
            settings,
            agent: OnceLock::new(),
            governor: Governor::new(DEFAULT_CAP),
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

    /// Sends `req`, retrying throttling, 5xx and connection errors with
    /// full-jitter backoff; a non-2xx answer becomes `Error::Api`.
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
        let mut attempt = 1;
        loop {
            let permit = self.governor.acquire();
            // Signed once the governor lets the request go, so that its
            // X-Amz-Date is as fresh as it can be.
            let result = match prepare {
                None => self.send_once(req),
                Some(prepare) => prepare(req).and_then(|signed| self.send_once(&signed)),
            };
            let throttled = matches!(&result, Err(Error::Api(e)) if is_throttling(e));
            permit.finish(if throttled {
                Outcome::Throttled
            } else {
                Outcome::Done
            });
            let Some(base) = retry_base(&result) else {
                return result;
            };
            if attempt >= self.settings.max_attempts {
                return result;
            }
            let delay = backoff(attempt, base);
            if self.settings.debug {
                eprintln!(
                    "sso-config: debug: {} attempt {attempt} failed, retrying in {} ms",
                    req.op,
                    delay.as_millis()
                );
            }
            std::thread::sleep(delay);
            attempt += 1;
        }
    }

    fn send_once(&self, req: &Request) -> Result<Response> {
        let agent = self.agent()?;
        if self.settings.debug {
            log_request(req);
        }
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
        let mut body = Vec::new();
        resp.body_mut()
            .as_reader()
            .read_to_end(&mut body)
            .map_err(|e| Error::Net {
                op: req.op,
                host: authority(&req.url).to_string(),
                msg: format!("reading the answer: {e}"),
            })?;
        if self.settings.debug {
            log_response(req.op, status, &body);
        }
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

fn build_agent(settings: &Settings) -> std::result::Result<ureq::Agent, String> {
    use ureq::tls::TlsConfig;
    let mut tls = TlsConfig::builder();
    if let Some(path) = &settings.ca_bundle {
        tls = tls.root_certs(roots_with_bundle(path)?);
    }
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

/// The built-in Mozilla roots plus the certificates of a PEM bundle. ureq keeps
/// its built-in roots as trust anchors that cannot be merged with extra
/// certificates, so the same roots come from `webpki-root-certs` in certificate form.
fn roots_with_bundle(path: &std::path::Path) -> std::result::Result<ureq::tls::RootCerts, String> {
    use ureq::tls::{Certificate, PemItem, RootCerts, parse_pem};
    let pem = std::fs::read(path)
        .map_err(|e| format!("cannot read CA bundle {}: {e}", path.display()))?;
    let mut certs: Vec<Certificate<'static>> = webpki_root_certs::TLS_SERVER_ROOT_CERTS
        .iter()
        .map(|c| Certificate::from_der(c.as_ref()).to_owned())
        .collect();
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
    let code = normalise_code(&raw);
    let oauth_error = field(&["error"]);
    let message = field(&["message", "Message", "error_description"])
        .or_else(|| xml_tag(body, "Message"))
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

fn normalise_code(raw: &str) -> String {
    let cut = raw.split(':').next().unwrap_or(raw);
    cut.rsplit('#').next().unwrap_or(cut).trim().to_string()
}

/// The text of the first `<tag>…</tag>` in an XML body (STS errors).
fn xml_tag(body: &[u8], tag: &str) -> Option<String> {
    let text = std::str::from_utf8(body).ok()?;
    let start = text.find(&format!("<{tag}>"))? + tag.len() + 2;
    let end = text[start..].find(&format!("</{tag}>"))? + start;
    Some(text[start..end].trim().to_string())
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

/// The backoff base for a retryable result, `None` when it must not be retried.
/// Throttling waits longer (1 s base) than other transient faults (50 ms), as
/// botocore's newer retry mode does.
fn retry_base(result: &Result<Response>) -> Option<Duration> {
    match result {
        Ok(_) => None,
        Err(Error::Net { .. }) => Some(Duration::from_millis(50)),
        Err(Error::Api(e)) if is_throttling(e) => Some(Duration::from_secs(1)),
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
    exp.min(cap).mul_f64(crate::rand::unit())
}

const SECRET_HEADERS: &[&str] = &[
    "x-amz-sso_bearer_token",
    "authorization",
    "x-amz-security-token",
];
const SECRET_FIELDS: &[&str] = &[
    "accessToken",
    "refreshToken",
    "clientSecret",
    "deviceCode",
    "code",
    "codeVerifier",
    "idToken",
    "secretAccessKey",
    "sessionToken",
    "SecretAccessKey",
    "SessionToken",
    "SigninToken",
    "Session",
];

fn log_request(req: &Request) {
    eprintln!(
        "sso-config: debug: > {} {} ({})",
        req.method,
        redact_url(&req.url),
        req.op
    );
    for (k, v) in &req.headers {
        let v = if SECRET_HEADERS.iter().any(|s| s.eq_ignore_ascii_case(k)) {
            "(redacted)"
        } else {
            v
        };
        eprintln!("sso-config: debug: > {k}: {v}");
    }
    if let Some(body) = &req.body {
        eprintln!("sso-config: debug: > {}", redact_body(body));
    }
}

fn log_response(op: &str, status: u16, body: &[u8]) {
    eprintln!("sso-config: debug: < {status} ({op}) {}", redact_body(body));
}

/// The URL with the values of secret query parameters replaced.
pub fn redact_url(url: &str) -> String {
    let Some((path, query)) = url.split_once('?') else {
        return url.to_string();
    };
    let parts: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((k, _)) if SECRET_FIELDS.contains(&k) => format!("{k}=(redacted)"),
            _ => pair.to_string(),
        })
        .collect();
    format!("{path}?{}", parts.join("&"))
}

/// A body for the log: JSON with secret fields replaced; anything else by size.
pub fn redact_body(body: &[u8]) -> String {
    if body.is_empty() {
        return String::new();
    }
    match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(mut v) => {
            redact_json(&mut v);
            v.to_string()
        }
        Err(_) => format!("({} bytes, not JSON)", body.len()),
    }
}

fn redact_json(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Object(map) => {
            for (k, val) in map.iter_mut() {
                if SECRET_FIELDS.contains(&k.as_str()) {
                    *val = serde_json::Value::String("(redacted)".into());
                } else {
                    redact_json(val);
                }
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(redact_json),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_per_partition() {
        let e = Env::default();
        let url = |s, r| endpoint(s, r, &e, None).unwrap();
        assert_eq!(
            url(Service::SsoOidc, "cn-north-1").base,
            "https://oidc.cn-north-1.amazonaws.com.cn"
        );
        assert_eq!(
            url(Service::Portal, "us-gov-west-1").base,
            "https://portal.sso.us-gov-west-1.amazonaws.com"
        );
        assert_eq!(
            url(Service::Portal, "eu-west-1").base,
            "https://portal.sso.eu-west-1.amazonaws.com"
        );
        let org = url(Service::Organizations, "cn-north-1");
        assert_eq!(
            org.base,
            "https://organizations.cn-northwest-1.amazonaws.com.cn"
        );
        assert_eq!(org.signing_region, "cn-northwest-1");
        let org = url(Service::Organizations, "us-gov-east-1");
        assert_eq!(
            org.base,
            "https://organizations.us-gov-west-1.amazonaws.com"
        );
        assert_eq!(
            url(Service::SsoAdmin, "eusc-de-east-1").base,
            "https://sso.eusc-de-east-1.amazonaws.eu"
        );
        assert_eq!(
            url(Service::Sts, "us-iso-east-1").base,
            "https://sts.us-iso-east-1.c2s.ic.gov"
        );
        assert_eq!(
            url(Service::Sts, "us-isob-east-1").base,
            "https://sts.us-isob-east-1.sc2s.sgov.gov"
        );
        assert_eq!(partition("mars-north-1").name, "aws");
        assert_eq!(partition("cn-northwest-1").name, "aws-cn");
    }

    #[test]
    fn overrides_win_and_keep_the_signing_region() {
        let e = Env::of(&[
            ("AWS_ENDPOINT_URL_SSO", "http://127.0.0.1:9/"),
            ("AWS_ENDPOINT_URL", "https://all.example.com"),
        ]);
        let p = endpoint(Service::Portal, "eu-west-1", &e, None).unwrap();
        assert_eq!(p.base, "http://127.0.0.1:9");
        let o = endpoint(Service::Organizations, "eu-west-1", &e, None).unwrap();
        assert_eq!(o.base, "https://all.example.com");
        assert_eq!(o.signing_region, "us-east-1");
        let cfg = endpoint(
            Service::Sts,
            "eu-west-1",
            &Env::default(),
            Some("https://c.example"),
        )
        .unwrap();
        assert_eq!(cfg.base, "https://c.example");
        let ignored = Env::of(&[
            ("AWS_ENDPOINT_URL", "https://all.example.com"),
            ("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true"),
        ]);
        let d = endpoint(Service::SsoOidc, "eu-west-1", &ignored, None).unwrap();
        assert_eq!(d.base, "https://oidc.eu-west-1.amazonaws.com");
    }

    #[test]
    fn plain_http_only_on_loopback() {
        for ok in [
            "http://localhost:1",
            "http://127.0.0.2",
            "http://[::1]:8080",
            "https://x.y",
        ] {
            assert!(validate_override(ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://10.0.0.1",
            "http://example.com",
            "ftp://x",
            "nonsense",
            "http://",
        ] {
            assert!(validate_override(bad).is_err(), "{bad}");
        }
    }

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
        assert_eq!(
            retry_base(&api(429, "TooManyRequestsException", None)),
            Some(Duration::from_secs(1))
        );
        assert_eq!(
            retry_base(&api(400, "ThrottlingException", None)),
            Some(Duration::from_secs(1))
        );
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
        let mut b64 = crate::encoding::base64url(der)
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

    #[test]
    fn debug_log_redacts_secrets() {
        let body = br#"{"clientId":"c","clientSecret":"S3CRET","nested":{"accessToken":"T0KEN"}}"#;
        let logged = redact_body(body);
        assert!(
            !logged.contains("S3CRET") && !logged.contains("T0KEN"),
            "{logged}"
        );
        assert!(logged.contains("\"clientId\":\"c\""));
        let url = redact_url("https://x/federation?Action=getSigninToken&Session=%7Bsecret%7D");
        assert_eq!(
            url,
            "https://x/federation?Action=getSigninToken&Session=(redacted)"
        );
    }
}
