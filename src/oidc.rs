/*!
SSO OIDC (protocol.md §2): RegisterClient, StartDeviceAuthorization and
CreateToken over raw JSON, the device-code flow built on them (§2.4), and the
pieces of the authorization-code flow with PKCE (§2.5): the verifier, the
`state` and the `/authorize` URL. The loopback listener that receives the
redirect is `aws::loopback`.

The device-code poll loop is protocol, not retry, so it lives here and not in
the HTTP layer. Every token, secret, code and verifier is a [`Secret`].
*/

use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::http::{Http, Request};
use crate::util::encoding::{base64url, hex, percent_encode, sha256};
use crate::util::rand;
use crate::util::secret::Secret;

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
    /// Epoch seconds when the registration expires.
    pub client_secret_expires_at: i64,
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
    /// Seconds until the codes expire.
    #[serde(default = "default_expires_in")]
    pub expires_in: u64,
    /// Poll interval in seconds.
    #[serde(default)]
    pub interval: Option<u64>,
}

fn default_expires_in() -> u64 {
    600
}

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
    /// Lifetime in seconds.
    pub expires_in: i64,
    /// Present when the client has scopes; may rotate on refresh.
    #[serde(default)]
    pub refresh_token: Option<Secret>,
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
    let auth = oidc.start_device_authorization(client_id, client_secret, start_url)?;
    let mut interval = auth.interval.unwrap_or(5);
    let deadline = Instant::now() + Duration::from_secs(auth.expires_in);
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
                "slow_down" => interval += 5,
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
            let url = auth
                .verification_uri_complete
                .as_deref()
                .unwrap_or(&auth.verification_uri);
            prompt.show(url, Some(&auth.user_code));
            shown = true;
        }
        if Instant::now() >= deadline {
            return Err(Error::Login(
                "the device authorization expired before it was approved; run the login again"
                    .into(),
            ));
        }
        std::thread::sleep(Duration::from_secs(interval));
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
