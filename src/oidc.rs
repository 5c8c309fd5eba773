/*!
SSO OIDC (protocol.md §2): RegisterClient, StartDeviceAuthorization and
CreateToken over raw JSON, and the two interactive flows built on them — the
device-code flow (§2.4) and the authorization-code flow with PKCE through a
loopback redirect (§2.5).

The device-code poll loop is protocol, not retry, so it lives here and not in
the HTTP layer.
*/

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::encoding::{base64url, parse_query, percent_encode, sha256};
use crate::error::{Error, Result};
use crate::http::{Http, Request};

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
    pub client_secret: String,
    /// Epoch seconds when the registration expires.
    pub client_secret_expires_at: i64,
}

/// StartDeviceAuthorization output.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeviceAuthorization {
    /// The code CreateToken polls with.
    pub device_code: String,
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
    pub client_secret: &'a str,
    /// The grant.
    pub grant_type: &'a str,
    /// Device grant.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device_code: Option<&'a str>,
    /// Authorization-code grant.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<&'a str>,
    /// Authorization-code grant: the exact redirect URI used in `/authorize`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redirect_uri: Option<&'a str>,
    /// Authorization-code grant: the PKCE verifier.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code_verifier: Option<&'a str>,
    /// Refresh grant.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<&'a str>,
}

/// CreateToken output.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenResponse {
    /// The bearer token.
    pub access_token: String,
    /// Lifetime in seconds.
    pub expires_in: i64,
    /// Present when the client has scopes; may rotate on refresh.
    #[serde(default)]
    pub refresh_token: Option<String>,
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
        let body = serde_json::to_vec(input)
            .map_err(|e| Error::Failed(format!("{op}: cannot encode request: {e}")))?;
        let req = Request::post(op, format!("{}{path}", self.base), body)
            .header("Content-Type", "application/json");
        let resp = self.http.send(&req)?;
        serde_json::from_slice(&resp.body)
            .map_err(|e| Error::Failed(format!("{op}: unexpected answer: {e}")))
    }

    /// RegisterClient.
    pub fn register(&self, input: &RegisterClient) -> Result<ClientRegistration> {
        self.call("RegisterClient", "/client/register", input)
    }

    /// StartDeviceAuthorization.
    pub fn start_device_authorization(
        &self,
        client_id: &str,
        client_secret: &str,
        start_url: &str,
    ) -> Result<DeviceAuthorization> {
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Input<'b> {
            client_id: &'b str,
            client_secret: &'b str,
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
        client_secret: &str,
        refresh_token: &str,
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
    client_secret: &str,
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
                    return Err(Error::Failed(
                        "the device authorization expired before it was approved; run the login again".into(),
                    ));
                }
                "access_denied" => {
                    return Err(Error::Failed("the login was denied in the browser".into()));
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
            return Err(Error::Failed(
                "the device authorization expired before it was approved; run the login again"
                    .into(),
            ));
        }
        std::thread::sleep(Duration::from_secs(interval));
    }
}

/// A PKCE verifier and its S256 challenge (RFC 7636).
pub struct Pkce {
    /// 64 characters from the unreserved set.
    pub verifier: String,
    /// base64url(SHA-256(verifier)) without padding.
    pub challenge: String,
}

impl Pkce {
    /// A fresh random pair.
    pub fn generate() -> Result<Pkce> {
        const CHARSET: &[u8] =
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~";
        let bytes = crate::rand::secure_bytes::<64>()
            .ok_or_else(|| Error::Failed("the system random generator failed".into()))?;
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
            verifier,
            challenge,
        }
    }
}

/// A random UUIDv4 string for `state`.
pub fn random_state() -> Result<String> {
    let mut b = crate::rand::secure_bytes::<16>()
        .ok_or_else(|| Error::Failed("the system random generator failed".into()))?;
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = crate::encoding::hex(&b);
    Ok(format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    ))
}

/// The loopback listener that receives the browser's redirect.
pub struct Callback {
    listener: TcpListener,
    /// `http://127.0.0.1:PORT/oauth/callback`.
    pub redirect_uri: String,
}

impl Callback {
    /// Binds 127.0.0.1 on `port` (0 = a random free port).
    pub fn bind(port: u16) -> Result<Callback> {
        let listener = TcpListener::bind(("127.0.0.1", port)).map_err(|e| {
            Error::Failed(format!(
                "cannot listen on 127.0.0.1:{port} for the login redirect: {e}"
            ))
        })?;
        let port = listener
            .local_addr()
            .map_err(|e| Error::Failed(format!("cannot read the callback port: {e}")))?
            .port();
        Ok(Callback {
            listener,
            redirect_uri: format!("http://127.0.0.1:{port}/oauth/callback"),
        })
    }

    /// Waits (at most `limit`) for `GET /oauth/callback`, answers the browser with
    /// a small page, and returns the authorization code once `state` matches.
    pub fn wait_for_code(self, state: &str, limit: Duration) -> Result<String> {
        let (tx, rx) = mpsc::channel();
        let listener = self.listener;
        // A thread accepts so the wait can have a deadline; it ends with the
        // process when the deadline passes.
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                if let Some(query) = read_callback(stream.try_clone().ok(), &stream) {
                    let _ = tx.send((query, stream));
                    return;
                }
            }
        });
        let (query, mut stream) = rx.recv_timeout(limit).map_err(|_| {
            Error::Failed(
                "no answer from the browser within 10 minutes; run the login again".into(),
            )
        })?;
        let params = parse_query(&query);
        let get = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        let outcome = if let Some(err) = get("error") {
            let desc = get("error_description").unwrap_or("");
            Err(Error::Failed(
                format!("the login was refused: {err} {desc}")
                    .trim_end()
                    .to_string(),
            ))
        } else if get("state") != Some(state) {
            Err(Error::Failed(
                "the login redirect carried a wrong state; it was not started by this login, so it was rejected".into(),
            ))
        } else {
            get("code")
                .map(str::to_string)
                .ok_or_else(|| Error::Failed("the login redirect carried no code".into()))
        };
        let page = match &outcome {
            Ok(_) => page(
                "Login complete",
                "sso-config is logged in. You can close this tab.",
            ),
            Err(_) => page(
                "Login failed",
                "sso-config did not complete the login. See the terminal.",
            ),
        };
        let status = if outcome.is_ok() {
            "200 OK"
        } else {
            "400 Bad Request"
        };
        let _ = write!(
            stream,
            "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{page}",
            page.len()
        );
        let _ = stream.flush();
        outcome
    }
}

/// Reads one request; returns the query of `GET /oauth/callback`, answering
/// anything else (a favicon request, say) with 404.
fn read_callback(reader: Option<TcpStream>, stream: &TcpStream) -> Option<String> {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let mut reader = BufReader::new(reader?);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut headers = String::new();
    while reader.read_line(&mut headers).ok()? > 2 {
        headers.clear();
    }
    let target = line.split_whitespace().nth(1).unwrap_or("");
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    if line.starts_with("GET ") && path == "/oauth/callback" {
        return Some(query.to_string());
    }
    let mut s = stream;
    let _ =
        s.write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    None
}

fn page(title: &str, text: &str) -> String {
    format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>{title}</title></head>\
         <body style=\"font-family:sans-serif;margin:3em\"><h1>{title}</h1><p>{text}</p></body></html>"
    )
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
        assert_eq!(p.verifier.len(), 64);
        assert!(
            p.verifier
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
            debug: false,
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
