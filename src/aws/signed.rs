/*!
The SigV4-signed client of the AWS APIs behind `admin` (protocol.md §9.5–9.6,
§10): JSON 1.1 for sso-admin, identitystore and organizations (with pagination
through empty pages), and the query protocol with XML answers that `aws::sts`
uses.

Every call goes through [`Http::send_signed`], which signs each attempt anew so
that a retry after a backoff carries a fresh `X-Amz-Date`; the retry policy
itself stays in `http.rs`. Authentication failures are turned into one line that
names the cause and where the credentials came from.
*/

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::aws::endpoint::{Configured, Service, authority, endpoint};
use crate::error::{ApiError, Error, Result};
use crate::http::{Http, Request};
use crate::sigv4;
use crate::util::clock;
use crate::util::credentials::Credentials;
use crate::util::encoding::percent_encode;
use crate::util::env::Env;
use crate::util::log;
use crate::util::paging::Pages;
use crate::util::secret::Secret;

/// The signed APIs, with their wire details (protocol.md §1.1, §9.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Api {
    /// sso-admin (`SWBExternalService`, signing name `sso`).
    SsoAdmin,
    /// identitystore (`AWSIdentityStore`).
    IdentityStore,
    /// organizations (`AWSOrganizationsV20161128`, global endpoint).
    Organizations,
    /// STS (query protocol).
    Sts,
}

impl Api {
    fn service(self) -> Service {
        match self {
            Api::SsoAdmin => Service::SsoAdmin,
            Api::IdentityStore => Service::IdentityStore,
            Api::Organizations => Service::Organizations,
            Api::Sts => Service::Sts,
        }
    }

    /// The SigV4 signing name.
    pub fn signing_name(self) -> &'static str {
        match self {
            Api::SsoAdmin => "sso",
            Api::IdentityStore => "identitystore",
            Api::Organizations => "organizations",
            Api::Sts => "sts",
        }
    }

    fn target_prefix(self) -> &'static str {
        match self {
            Api::SsoAdmin => "SWBExternalService",
            Api::IdentityStore => "AWSIdentityStore",
            Api::Organizations => "AWSOrganizationsV20161128",
            Api::Sts => "",
        }
    }

    /// The largest `MaxResults` the API takes (protocol.md §1.6).
    pub fn max_page(self) -> u32 {
        match self {
            Api::Organizations => 20,
            _ => 100,
        }
    }
}

/// A SigV4-signing client for one set of credentials in one region.
pub struct SignedClient<'a> {
    http: &'a Http,
    env: &'a Env,
    creds: &'a Credentials,
    /// Where the credentials came from, e.g. "credentials from profile 'p'
    /// (credentials file)": the tail of every authentication error.
    origin: String,
    region: String,
    /// The profile's configured endpoint URLs (`[services]`, `endpoint_url`).
    configured: &'a Configured,
}

impl<'a> SignedClient<'a> {
    /// A client signing with `creds` for `region` (organizations always signs
    /// for its partition's global region); `origin` says where the credentials
    /// came from, for error messages.
    pub fn new(
        http: &'a Http,
        env: &'a Env,
        creds: &'a Credentials,
        origin: String,
        region: &str,
    ) -> SignedClient<'a> {
        SignedClient {
            http,
            env,
            creds,
            origin,
            region: region.to_string(),
            configured: &[],
        }
    }

    /// The same client, sending to the endpoints a profile configures
    /// (the environment's `AWS_ENDPOINT_URL_*` still win).
    pub fn with_configured(mut self, configured: &'a Configured) -> SignedClient<'a> {
        self.configured = configured;
        self
    }

    /// How many threads a pool of calls should use: the HTTP client's cap on
    /// requests in flight (its governor paces them below that).
    pub fn max_in_flight(&self) -> usize {
        self.http.max_in_flight()
    }

    /// The region in use.
    pub fn region(&self) -> &str {
        &self.region
    }

    /// One JSON 1.1 call; `body` must be a JSON object (`{}` without parameters).
    pub fn call(&self, api: Api, op: &'static str, body: &Value) -> Result<Value> {
        let target = format!("{}.{op}", api.target_prefix());
        let headers = [
            ("Content-Type", "application/x-amz-json-1.1"),
            ("X-Amz-Target", target.as_str()),
        ];
        let resp = self.send(api, op, &headers, body.to_string().into_bytes())?;
        let text = if resp.is_empty() { &b"{}"[..] } else { &resp };
        serde_json::from_slice(text).map_err(|e| Error::unexpected(op, e))
    }

    /// Every item of a paginated JSON 1.1 listing: `items` is the member that
    /// holds the page's items. Pages may be empty while a `NextToken` still
    /// comes back (organizations documents it), so only a missing token ends it.
    pub fn list<T: DeserializeOwned>(
        &self,
        api: Api,
        op: &'static str,
        params: Value,
        items: &str,
    ) -> Result<Vec<T>> {
        let mut body = match params {
            Value::Object(map) => map,
            _ => Map::new(),
        };
        body.insert("MaxResults".into(), Value::from(api.max_page()));
        let mut out = Vec::new();
        let mut pages = Pages::new(op);
        loop {
            let page = self.call(api, op, &Value::Object(body.clone()))?;
            if let Some(list) = page.get(items) {
                let list: Vec<T> =
                    serde_json::from_value(list.clone()).map_err(|e| Error::unexpected(op, e))?;
                out.extend(list);
            }
            // A service that hands back a token it already gave would loop
            // forever; the guard stops that with an error.
            let token = page.get("NextToken").and_then(Value::as_str);
            match pages.next(token.map(str::to_string))? {
                Some(t) => {
                    body.insert("NextToken".into(), Value::from(t));
                }
                None => return Ok(out),
            }
        }
    }

    /// One query-protocol (STS) call; returns the XML answer.
    pub fn query(&self, op: &'static str, params: &[(&str, &str)]) -> Result<String> {
        let mut body = format!("Action={op}&Version=2011-06-15");
        for (k, v) in params {
            body.push_str(&format!("&{k}={}", percent_encode(v)));
        }
        let headers = [(
            "Content-Type",
            "application/x-www-form-urlencoded; charset=utf-8",
        )];
        let resp = self.send(Api::Sts, op, &headers, body.into_bytes())?;
        String::from_utf8(resp).map_err(|_| Error::unexpected(op, "not UTF-8"))
    }

    fn send(
        &self,
        api: Api,
        op: &'static str,
        headers: &[(&str, &str)],
        body: Vec<u8>,
    ) -> Result<Vec<u8>> {
        let ep = endpoint(api.service(), &self.region, self.env, self.configured)?;
        // Endpoint bases never end in `/`; a path in an override is kept, and
        // both protocols post to the base's path plus `/`.
        let url = format!("{}/", normalise_base(&ep.base));
        let host = authority(&url).to_string();
        let path = url
            .split_once("://")
            .and_then(|(_, rest)| rest.find('/').map(|i| rest[i..].to_string()))
            .unwrap_or_else(|| "/".to_string());
        let mut req = Request::post(op, url, body);
        for (k, v) in headers {
            req = req.header(k, *v);
        }
        let sign = |r: &Request| -> Result<Request> {
            let unsigned = sigv4::Request {
                method: r.method,
                host: &host,
                path: &path,
                query: "",
                headers: r.headers.clone(),
                body: r.body.as_deref().unwrap_or_default(),
            };
            let params = sigv4::SigningParams {
                access_key_id: &self.creds.access_key_id,
                secret_access_key: self.creds.secret_access_key.expose(),
                session_token: self.creds.session_token.as_ref().map(Secret::expose),
                region: &ep.signing_region,
                service: api.signing_name(),
                time: clock::now(),
                settings: sigv4::SigningSettings::default(),
            };
            let out = sigv4::sign(&unsigned, &params).map_err(|e| Error::Access(e.to_string()))?;
            log::debug(format_args!(
                "{op} canonical request:\n{}",
                out.canonical_request.redacted()
            ));
            let mut signed = r.clone();
            for (name, value) in out.headers {
                signed = signed.header(name, value);
            }
            Ok(signed)
        };
        self.http
            .send_signed(&req, &sign)
            .map(|r| r.body)
            .map_err(|e| explain(e, self.creds, &self.origin))
    }
}

/// Lower-cases the host and drops a default port, so the `Host` we sign is the
/// one the HTTP client sends.
fn normalise_base(base: &str) -> String {
    let Some((scheme, rest)) = base.split_once("://") else {
        return base.to_string();
    };
    let (auth, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let default_port = if scheme == "https" { ":443" } else { ":80" };
    let auth = auth.strip_suffix(default_port).unwrap_or(auth);
    format!("{scheme}://{}{path}", auth.to_ascii_lowercase())
}

/// Why a signed call was refused, when it is the credentials' fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthProblem {
    /// The access key id (or its session token) is not known.
    UnknownKey,
    /// The signature does not match: a wrong secret key.
    BadSignature,
    /// The signature is for another region or service than the endpoint's.
    WrongScope,
    /// The request time is more than 15 minutes off the service's clock.
    ClockSkew,
    /// The session token has expired.
    Expired,
    /// The credentials are fine but lack the permission.
    AccessDenied,
    /// The Authorization header is missing or malformed.
    Malformed,
}

impl AuthProblem {
    /// Classifies an API error by code and message (protocol.md §1.4).
    pub fn of(e: &ApiError) -> Option<AuthProblem> {
        // AWS words it "Signature expired: … is now earlier than …" for a clock
        // behind and "Signature not yet current: … is still later than …" ahead.
        if e.message.contains("Signature expired")
            || e.message.contains("Signature not yet current")
            || matches!(e.code.as_str(), "RequestExpired" | "RequestTimeTooSkewed")
        {
            return Some(AuthProblem::ClockSkew);
        }
        if e.message.contains("Credential should be scoped") {
            return Some(AuthProblem::WrongScope);
        }
        Some(match e.code.as_str() {
            "UnrecognizedClientException" | "InvalidClientTokenId" => AuthProblem::UnknownKey,
            "InvalidSignatureException" | "SignatureDoesNotMatch" => AuthProblem::BadSignature,
            "ExpiredToken" | "ExpiredTokenException" => AuthProblem::Expired,
            "AccessDeniedException" | "AccessDenied" => AuthProblem::AccessDenied,
            "IncompleteSignature"
            | "IncompleteSignatureException"
            | "MissingAuthenticationToken"
            | "MissingAuthenticationTokenException" => AuthProblem::Malformed,
            _ => return None,
        })
    }

    fn cause(self) -> &'static str {
        match self {
            AuthProblem::UnknownKey => {
                "AWS does not recognise the access key id (or its session token)"
            }
            AuthProblem::BadSignature => {
                "the request signature does not match: the secret access key is wrong"
            }
            AuthProblem::WrongScope => {
                "the request was signed for another region or service than the endpoint expects; check --region"
            }
            AuthProblem::ClockSkew => {
                "this machine's clock is more than 15 minutes off; fix the system time"
            }
            AuthProblem::Expired => "the credentials have expired",
            AuthProblem::AccessDenied => "access denied",
            AuthProblem::Malformed => "the request signature is malformed",
        }
    }
}

/// Turns an authentication failure into one line: the operation, the cause,
/// the service's code and message, and where the credentials came from.
fn explain(e: Error, creds: &Credentials, origin: &str) -> Error {
    let Error::Api(api) = &e else {
        return e;
    };
    let Some(problem) = AuthProblem::of(api) else {
        return e;
    };
    let message = api.message.split_whitespace().collect::<Vec<_>>().join(" ");
    let detail = if message.is_empty() {
        api.code.clone()
    } else {
        format!("{}: {message}", api.code)
    };
    Error::Access(format!(
        "{}: {} ({detail}); {origin} [access key {}]",
        api.op,
        problem.cause(),
        creds.access_key_id
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(code: &str, message: &str) -> ApiError {
        ApiError {
            op: "ListInstances",
            status: 400,
            code: code.into(),
            oauth_error: None,
            message: message.into(),
            request_id: None,
        }
    }

    #[test]
    fn classifies_auth_failures() {
        let of = |c, m| AuthProblem::of(&api(c, m));
        assert_eq!(
            of(
                "InvalidSignatureException",
                "Signature expired: 20240101T000000Z is now earlier than ..."
            ),
            Some(AuthProblem::ClockSkew)
        );
        assert_eq!(
            of(
                "SignatureDoesNotMatch",
                "The request signature we calculated does not match"
            ),
            Some(AuthProblem::BadSignature)
        );
        assert_eq!(
            of("InvalidClientTokenId", ""),
            Some(AuthProblem::UnknownKey)
        );
        assert_eq!(of("ExpiredToken", ""), Some(AuthProblem::Expired));
        let ahead = "Signature not yet current: 20240101T000000Z is still later than ...";
        assert_eq!(
            of("SignatureDoesNotMatch", ahead),
            Some(AuthProblem::ClockSkew)
        );
        let region = "Credential should be scoped to a valid region, not 'x'.";
        assert_eq!(
            of("InvalidSignatureException", region),
            Some(AuthProblem::WrongScope)
        );
        assert_eq!(
            of("AccessDeniedException", "no"),
            Some(AuthProblem::AccessDenied)
        );
        assert_eq!(of("ThrottlingException", ""), None);
        assert_eq!(of("ResourceNotFoundException", ""), None);
    }

    #[test]
    fn explains_in_one_line_without_secrets() {
        let creds = Credentials {
            access_key_id: "AKIDEXAMPLE".into(),
            secret_access_key: Secret::new("S3CRET"),
            session_token: Some(Secret::new("T0KEN")),
            expiration: None,
        };
        let e = explain(
            Error::Api(api("AccessDeniedException", "User: x is not\nauthorized")),
            &creds,
            "credentials from environment variables (AWS_ACCESS_KEY_ID)",
        );
        let text = e.to_string();
        assert_eq!(
            text,
            "ListInstances: access denied (AccessDeniedException: User: x is not authorized); credentials from environment variables (AWS_ACCESS_KEY_ID) [access key AKIDEXAMPLE]"
        );
        assert!(!text.contains("S3CRET") && !text.contains("T0KEN"));
    }

    #[test]
    fn base_urls_drop_default_ports() {
        assert_eq!(
            normalise_base("https://SSO.eu-west-1.amazonaws.com:443"),
            "https://sso.eu-west-1.amazonaws.com"
        );
        assert_eq!(
            normalise_base("http://127.0.0.1:8080/x"),
            "http://127.0.0.1:8080/x"
        );
    }
}
