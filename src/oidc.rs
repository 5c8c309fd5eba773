/*!
SSO OIDC (protocol.md §2): RegisterClient, StartDeviceAuthorization and
CreateToken over raw JSON, the device-code flow built on them (§2.4), and the
pieces of the authorization-code flow with PKCE (§2.5): the verifier, the
`state` and the `/authorize` URL. The loopback listener that receives the
redirect is `aws::loopback`.

The device-code poll loop is protocol, not retry, so it lives here and not in
the HTTP layer. Every token, secret, code and verifier is a [`Secret`].

The service's numbers (`expiresIn`, `interval`, `clientSecretExpiresAt`) are
read as any JSON number and bounded before they meet time arithmetic, and the
verification URL is checked before anyone is asked to open it: a broken or
hostile answer ends the login with one line, never a panic, a sleep of years
or a `file://` in the browser.
*/

use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::error::{Error, Result};
use crate::http::{Http, Request};
use crate::util::clock;
use crate::util::encoding::{base64url, hex, percent_encode, sha256};
use crate::util::rand;
use crate::util::secret::Secret;
use crate::util::text::shorten;
use crate::util::url;

/// The default scope: it makes the service issue refresh tokens.
pub const DEFAULT_SCOPE: &str = "sso:account:access";
const DEVICE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

/// A client of the OIDC service at one endpoint.
pub struct Oidc<'a> {
    http: &'a Http,
    base: String,
}

/// RegisterClient input.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RegisterClient {
    /// `botocore-client-<session>`, as the AWS CLI names it.
    pub client_name: String,
    /// Always `public`.
    pub client_type: &'static str,
    /// Requested scopes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scopes: Option<Vec<String>>,
    /// PKCE only: `authorization_code`, `refresh_token`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grant_types: Option<Vec<String>>,
    /// PKCE only: the loopback redirect without a port.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redirect_uris: Option<Vec<String>>,
    /// PKCE only: the start URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issuer_url: Option<String>,
}

/// RegisterClient output.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClientRegistration {
    /// Client id.
    pub client_id: String,
    /// Client secret.
    pub client_secret: Secret,
    /// Epoch seconds when the registration expires (any JSON number; see
    /// [`ClientRegistration::expires_at`]).
    pub client_secret_expires_at: f64,
}

/// How long a registration lives at AWS: 90 days. The time we assume when the
/// service's `clientSecretExpiresAt` is not a time we can hold.
pub const REGISTRATION_LIFETIME: Duration = Duration::from_secs(90 * 24 * 3600);

impl ClientRegistration {
    /// When the registration expires: `clientSecretExpiresAt` when it is a time
    /// in the years 1–9999, else [`REGISTRATION_LIFETIME`] from `now`. A wrong
    /// guess costs nothing worse than one more registration: a registration
    /// the service no longer knows is replaced at the next login.
    pub fn expires_at(&self, now: OffsetDateTime) -> OffsetDateTime {
        clock::from_epoch_number(self.client_secret_expires_at, 1.0)
            .or_else(|| clock::checked_after(now, REGISTRATION_LIFETIME))
            .unwrap_or(now)
    }
}

/// StartDeviceAuthorization output.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeviceAuthorization {
    /// The code CreateToken polls with.
    pub device_code: Secret,
    /// The code the user confirms.
    pub user_code: String,
    /// Where the user goes.
    pub verification_uri: String,
    /// The same with the code filled in.
    #[serde(default)]
    pub verification_uri_complete: Option<String>,
    /// Seconds until the codes expire (any JSON number).
    #[serde(default = "default_expires_in")]
    pub expires_in: f64,
    /// Poll interval in seconds (any JSON number).
    #[serde(default)]
    pub interval: Option<f64>,
}

fn default_expires_in() -> f64 {
    600.0
}

/// The longest we wait for a device authorization, whatever its `expiresIn`
/// says: AWS's device codes live 10 minutes; an hour is plenty for a person.
pub const MAX_DEVICE_WAIT: Duration = Duration::from_secs(3600);
/// The poll interval when the service names none (RFC 8628 §3.2).
const DEFAULT_INTERVAL: Duration = Duration::from_secs(5);
/// Bounds of the poll interval: never busier than once a second, never so
/// slow that an approval waits more than a minute to be noticed. The wait is
/// also cut at the device code's expiry.
const MIN_INTERVAL: Duration = Duration::from_secs(1);
const MAX_INTERVAL: Duration = Duration::from_secs(60);

/// CreateToken input, one shape for all three grants.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateToken<'a> {
    /// Client id.
    pub client_id: &'a str,
    /// Client secret.
    pub client_secret: &'a Secret,
    /// The grant.
    pub grant_type: &'a str,
    /// Device grant.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device_code: Option<&'a Secret>,
    /// Authorization-code grant.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<&'a Secret>,
    /// Authorization-code grant: the exact redirect URI used in `/authorize`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redirect_uri: Option<&'a str>,
    /// Authorization-code grant: the PKCE verifier.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code_verifier: Option<&'a Secret>,
    /// Refresh grant.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<&'a Secret>,
}

/// CreateToken output.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenResponse {
    /// The bearer token.
    pub access_token: Secret,
    /// Lifetime in seconds (any JSON number; see [`TokenResponse::expires_at`]).
    pub expires_in: f64,
    /// Present when the client has scopes; may rotate on refresh.
    #[serde(default)]
    pub refresh_token: Option<Secret>,
}

/// The longest an access token is taken to live: 90 days, Identity Center's
/// longest session. A longer `expiresIn` (`3e11`, `1e300`) is cut to it rather
/// than refused: using a token for less time than the service grants only
/// means refreshing it sooner, and the expiry written to the cache stays one
/// the AWS CLI and the SDKs can read.
pub const MAX_TOKEN_LIFETIME: Duration = Duration::from_secs(90 * 24 * 3600);

impl TokenResponse {
    /// When the token expires, counted from `now`: `expiresIn` whole seconds,
    /// at most [`MAX_TOKEN_LIFETIME`]. A lifetime under one second, negative or
    /// not a number is a broken answer.
    pub fn expires_at(&self, now: OffsetDateTime) -> Result<OffsetDateTime> {
        clock::lifetime(self.expires_in, MAX_TOKEN_LIFETIME)
            .filter(|d| !d.is_zero())
            .and_then(|d| clock::checked_after(now, d))
            .ok_or_else(|| {
                Error::unexpected(
                    "CreateToken",
                    format!(
                        "expiresIn {} is not a positive number of seconds",
                        self.expires_in
                    ),
                )
            })
    }
}

/// Checks a URL the service wants the user to open: `https://` (any host), or
/// `http://` on a loopback host, read strictly (`util::url`: no user name,
/// whitespace, control characters or backslashes). Anything else, a `file://`
/// or `javascript:` say, is refused with one line and never shown or opened.
pub fn check_browser_url(op: &'static str, url: &str) -> Result<()> {
    let refuse = |why: &str| {
        Error::unexpected(
            op,
            format!(
                "the service asked to open '{}', which is refused ({why}); only https:// URLs are opened",
                shorten(url, 200)
            ),
        )
    };
    let parsed = url::parse(url).map_err(refuse)?;
    if !parsed.is_secure_or_loopback() {
        return Err(refuse("not https://, nor http:// on a loopback host"));
    }
    Ok(())
}

impl<'a> Oidc<'a> {
    /// A client for the OIDC endpoint `base` (`scheme://host`).
    pub fn new(http: &'a Http, base: &str) -> Oidc<'a> {
        Oidc {
            http,
            base: base.to_string(),
        }
    }

    fn call<I: Serialize, O: for<'de> Deserialize<'de>>(
        &self,
        op: &'static str,
        path: &str,
        input: &I,
    ) -> Result<O> {
        // Plain structs of strings always serialise; an empty body would be
        // refused by the service, never sent silently wrong.
        let body = serde_json::to_vec(input).unwrap_or_default();
        let req = Request::post(op, format!("{}{path}", self.base), body)
            .header("Content-Type", "application/json");
        let resp = self.http.send(&req)?;
        serde_json::from_slice(&resp.body).map_err(|e| Error::unexpected(op, e))
    }

    /// RegisterClient.
    pub fn register(&self, input: &RegisterClient) -> Result<ClientRegistration> {
        self.call("RegisterClient", "/client/register", input)
    }

    /// StartDeviceAuthorization.
    pub fn start_device_authorization(
        &self,
        client_id: &str,
        client_secret: &Secret,
        start_url: &str,
    ) -> Result<DeviceAuthorization> {
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Input<'b> {
            client_id: &'b str,
            client_secret: &'b Secret,
            start_url: &'b str,
        }
        let input = Input {
            client_id,
            client_secret,
            start_url,
        };
        self.call("StartDeviceAuthorization", "/device_authorization", &input)
    }

    /// CreateToken.
    pub fn create_token(&self, input: &CreateToken) -> Result<TokenResponse> {
        self.call("CreateToken", "/token", input)
    }

    /// CreateToken with the refresh grant.
    pub fn refresh(
        &self,
        client_id: &str,
        client_secret: &Secret,
        refresh_token: &Secret,
    ) -> Result<TokenResponse> {
        self.create_token(&CreateToken {
            client_id,
            client_secret,
            grant_type: "refresh_token",
            device_code: None,
            code: None,
            redirect_uri: None,
            code_verifier: None,
            refresh_token: Some(refresh_token),
        })
    }

    /// The `/authorize` URL the browser opens (§2.5 step 4; parameter names are
    /// exact, note `scopes`).
    pub fn authorize_url(
        &self,
        client_id: &str,
        redirect_uri: &str,
        state: &str,
        scopes: &[String],
        challenge: &str,
    ) -> String {
        format!(
            "{}/authorize?response_type=code&client_id={}&redirect_uri={}&state={}&code_challenge_method=S256&scopes={}&code_challenge={challenge}",
            self.base,
            percent_encode(client_id),
            percent_encode(redirect_uri),
            percent_encode(state),
            percent_encode(&scopes.join(" ")),
        )
    }
}

/// What the user is shown; the URL and code always go to stderr so the login can
/// be finished on another device.
pub trait Prompt {
    /// Shows the verification URL (and user code for the device flow) and opens a
    /// browser when allowed.
    fn show(&self, url: &str, user_code: Option<&str>);
}

/// The device-code flow after registration: returns the token.
pub fn device_flow(
    oidc: &Oidc,
    client_id: &str,
    client_secret: &Secret,
    start_url: &str,
    prompt: &dyn Prompt,
) -> Result<TokenResponse> {
    const OP: &str = "StartDeviceAuthorization";
    let auth = oidc.start_device_authorization(client_id, client_secret, start_url)?;
    let url = auth
        .verification_uri_complete
        .as_deref()
        .unwrap_or(&auth.verification_uri);
    check_browser_url(OP, url)?;
    let lifetime = clock::lifetime(auth.expires_in, MAX_DEVICE_WAIT).ok_or_else(|| {
        let msg = format!("expiresIn {} is not a number of seconds", auth.expires_in);
        Error::unexpected(OP, msg)
    })?;
    let mut interval = match auth.interval {
        None => DEFAULT_INTERVAL,
        Some(secs) => clock::lifetime(secs, MAX_INTERVAL).unwrap_or(MIN_INTERVAL),
    }
    .max(MIN_INTERVAL);
    let deadline = Instant::now() + lifetime;
    let input = CreateToken {
        client_id,
        client_secret,
        grant_type: DEVICE_GRANT,
        device_code: Some(&auth.device_code),
        code: None,
        redirect_uri: None,
        code_verifier: None,
        refresh_token: None,
    };
    let mut shown = false;
    loop {
        match oidc.create_token(&input) {
            Ok(token) => return Ok(token),
            Err(Error::Api(e)) => match e.kind() {
                "authorization_pending" => {}
                "slow_down" => interval = (interval + Duration::from_secs(5)).min(MAX_INTERVAL),
                "expired_token" => {
                    return Err(Error::Login(
                        "the device authorization expired before it was approved; run the login again".into(),
                    ));
                }
                "access_denied" => {
                    return Err(Error::Login("the login was denied in the browser".into()));
                }
                _ => return Err(Error::Api(e)),
            },
            Err(e) => return Err(e),
        }
        if !shown {
            prompt.show(url, Some(&auth.user_code));
            shown = true;
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(Error::Login(
                "the device authorization expired before it was approved; run the login again"
                    .into(),
            ));
        }
        std::thread::sleep(interval.min(left));
    }
}

/// A PKCE verifier and its S256 challenge (RFC 7636).
#[derive(Debug)]
pub struct Pkce {
    /// 64 characters from the unreserved set.
    pub verifier: Secret,
    /// base64url(SHA-256(verifier)) without padding.
    pub challenge: String,
}

impl Pkce {
    /// A fresh random pair.
    pub fn generate() -> Result<Pkce> {
        const CHARSET: &[u8] =
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~";
        let bytes = rand::secure_bytes::<64>()
            .ok_or_else(|| Error::Login("the system random generator failed".into()))?;
        let verifier: String = bytes
            .iter()
            .map(|b| CHARSET[usize::from(*b) % CHARSET.len()] as char)
            .collect();
        Ok(Pkce::from_verifier(verifier))
    }

    /// The pair for a given verifier.
    pub fn from_verifier(verifier: String) -> Pkce {
        let challenge = base64url(&sha256(verifier.as_bytes()));
        Pkce {
            verifier: Secret::new(verifier),
            challenge,
        }
    }
}

/// A random UUIDv4 string for `state`.
pub fn random_state() -> Result<String> {
    let mut b = rand::secure_bytes::<16>()
        .ok_or_else(|| Error::Login("the system random generator failed".into()))?;
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex(&b);
    Ok(format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkce_matches_rfc7636_appendix_b() {
        let p = Pkce::from_verifier("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk".into());
        assert_eq!(p.challenge, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
    }

    #[test]
    fn generated_pkce_is_well_formed() {
        let p = Pkce::generate().unwrap();
        assert_eq!(p.verifier.expose().len(), 64);
        assert!(
            p.verifier
                .expose()
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b))
        );
        assert_eq!(p.challenge.len(), 43);
    }

    #[test]
    fn state_is_a_uuid_v4() {
        let s = random_state().unwrap();
        assert_eq!(s.len(), 36);
        assert_eq!(&s[14..15], "4");
    }

    #[test]
    fn token_lifetimes_are_bounded() {
        let now = clock::from_epoch_secs(1_700_000_000).unwrap();
        let answer = |expires_in| TokenResponse {
            access_token: Secret::new("t"),
            expires_in,
            refresh_token: None,
        };
        let at = |x| answer(x).expires_at(now);
        assert_eq!(
            at(3600.0).unwrap(),
            clock::from_epoch_secs(1_700_003_600).unwrap()
        );
        let cap = clock::checked_after(now, MAX_TOKEN_LIFETIME).unwrap();
        for huge in [3e11, 1e300, f64::MAX] {
            assert_eq!(at(huge).unwrap(), cap, "{huge}");
        }
        for bad in [-5.0, 0.0, 0.5, f64::NAN] {
            let e = at(bad).unwrap_err();
            assert!(
                e.to_string()
                    .starts_with("CreateToken: unexpected answer: expiresIn"),
                "{e}"
            );
        }
        // At the end of time nothing overflows either.
        let late = clock::from_epoch_number(253402300000.0, 1.0).unwrap();
        assert!(answer(3600.0).expires_at(late).is_err());
    }

    #[test]
    fn registrations_expire_when_they_say_or_in_90_days() {
        let now = clock::from_epoch_secs(1_700_000_000).unwrap();
        let reg = |at| ClientRegistration {
            client_id: "c".into(),
            client_secret: Secret::new("s"),
            client_secret_expires_at: at,
        };
        assert_eq!(
            reg(1_707_776_000.0).expires_at(now),
            clock::from_epoch_secs(1_707_776_000).unwrap()
        );
        let default = clock::checked_after(now, REGISTRATION_LIFETIME).unwrap();
        for odd in [3e11, 1e300, -1e300] {
            assert_eq!(reg(odd).expires_at(now), default, "{odd}");
        }
    }

    #[test]
    fn only_https_or_loopback_urls_are_opened() {
        for ok in [
            "https://device.sso.us-east-1.amazonaws.com/?user_code=ABCD-EFGH",
            "http://127.0.0.1:4000/device?user_code=AB",
            "http://localhost/device",
        ] {
            assert!(
                check_browser_url("StartDeviceAuthorization", ok).is_ok(),
                "{ok}"
            );
        }
        for bad in [
            "file:///etc/passwd",
            "javascript:alert(1)",
            "http://example.com/device",
            "https://user@example.com/",
            "https://example.com\\@aws.amazon.com/",
            "https://device.sso.example.com/\u{1b}[2J",
            "https://a.example/ x",
            "smb://host/share",
            "",
        ] {
            let e = check_browser_url("StartDeviceAuthorization", bad).unwrap_err();
            assert_eq!(e.exit_code(), crate::error::EXIT_RUNTIME);
            assert!(!e.to_string().contains('\u{1b}'), "{e}");
        }
    }

    #[test]
    fn authorize_url_has_exact_parameters() {
        let http = Http::new(crate::http::Settings {
            max_attempts: 1,
            ca_bundle: None,
        });
        let o = Oidc::new(&http, "https://oidc.us-east-1.amazonaws.com");
        let url = o.authorize_url(
            "cid",
            "http://127.0.0.1:53421/oauth/callback",
            "st",
            &["sso:account:access".to_string()],
            "CH",
        );
        assert_eq!(
            url,
            "https://oidc.us-east-1.amazonaws.com/authorize?response_type=code&client_id=cid&redirect_uri=http%3A%2F%2F127.0.0.1%3A53421%2Foauth%2Fcallback&state=st&code_challenge_method=S256&scopes=sso%3Aaccount%3Aaccess&code_challenge=CH"
        );
    }
}
