/*!
SSO OIDC (protocol.md §2): RegisterClient, StartDeviceAuthorization, CreateToken, the
browser-facing `/authorize` of the PKCE flow, and the device verification page.
*/

use serde_json::{Map, Value, json};

use crate::codec::{self, sha256_b64url};
use crate::errors::ApiError;
use crate::handler::Ctx;
use crate::http::{Request, Response};
use crate::ids;
use crate::input::{self, json_object, optional_str, required_str, str_list};
use crate::settings::{AuthorizeMode, DeviceApproval, Hostile};
use crate::state::{
    ACCOUNT_ACCESS_SCOPE, AUTHORIZATION_CODE_GRANT, AuthCode, CLIENT_LIFETIME_SECS, Client,
    DEVICE_CODE_GRANT, DeviceGrant, REFRESH_TOKEN_GRANT, State, Tokens,
};

/// Device codes live this long (AWS: 600 s, protocol.md §2.2).
const DEVICE_CODE_TTL: u64 = 600;
/// Authorization codes live this long.
const AUTH_CODE_TTL: u64 = 600;
/// User codes use consonants only (no accidental words, no 0/O confusion); 16 letters so
/// that a random byte maps onto them uniformly.
const USER_CODE_LETTERS: &[u8; 16] = b"BCDFGHJKLMNPQRST";

/// Parses a loopback redirect URI `http://127.0.0.1[:port]/path` (also `localhost`) into
/// host, port and path.
fn parse_loopback_uri(uri: &str) -> Option<(&str, Option<u16>, &str)> {
    let rest = uri.strip_prefix("http://")?;
    let slash = rest.find('/')?;
    let (authority, path) = rest.split_at(slash);
    let (host, port) = match authority.rsplit_once(':') {
        Some((host, port)) => (host, Some(port.parse::<u16>().ok().filter(|p| *p != 0)?)),
        None => (authority, None),
    };
    matches!(host, "127.0.0.1" | "localhost").then_some((host, port, path))
}

/// Whether the `redirect_uri` of an authorization request matches a registered one. The
/// CLI registers `http://127.0.0.1/oauth/callback` without a port and then listens on an
/// ephemeral one (RFC 8252 §7.3 loopback port flexibility).
fn redirect_is_registered(client: &Client, requested: &str) -> bool {
    let Some((host, Some(port), path)) = parse_loopback_uri(requested) else {
        return false;
    };
    host == "127.0.0.1"
        && path == "/oauth/callback"
        && client.redirect_uris.iter().any(|registered| {
            parse_loopback_uri(registered)
                .is_some_and(|(h, p, rp)| h == host && rp == path && p.is_none_or(|p| p == port))
        })
}

const REGISTER_MEMBERS: &[&str] = &[
    "clientName",
    "clientType",
    "scopes",
    "redirectUris",
    "grantTypes",
    "issuerUrl",
    "entitledApplicationArn",
];

/// `POST /client/register`.
pub(crate) fn register_client(
    st: &mut State,
    cx: &Ctx,
    req: &Request,
) -> Result<Response, ApiError> {
    let body = json_object(req, REGISTER_MEMBERS)?;
    required_str(&body, "clientName")?;
    if required_str(&body, "clientType")? != "public" {
        return Err(ApiError::invalid_request("clientType must be \"public\""));
    }
    let scopes = str_list(&body, "scopes")?;
    let grant_types = str_list(&body, "grantTypes")?;
    let redirect_uris = str_list(&body, "redirectUris")?;
    let issuer_url = optional_str(&body, "issuerUrl")?;
    optional_str(&body, "entitledApplicationArn")?;

    let known = [
        DEVICE_CODE_GRANT,
        AUTHORIZATION_CODE_GRANT,
        REFRESH_TOKEN_GRANT,
    ];
    if let Some(unknown) = grant_types.iter().find(|g| !known.contains(&g.as_str())) {
        let msg = format!("Unsupported grant type {unknown:?}");
        return Err(ApiError::unsupported_grant_type(&msg));
    }
    if grant_types.iter().any(|g| g == AUTHORIZATION_CODE_GRANT) {
        check_pkce_registration(cx, &redirect_uris, issuer_url)?;
    }

    let secret = ids::token("csec-");
    let secret_expires_at = cx.now + CLIENT_LIFETIME_SECS;
    let client_id = st.add_client(Client {
        secret: secret.clone(),
        secret_expires_at,
        issues_refresh_tokens: scopes.iter().any(|s| s == ACCOUNT_ACCESS_SCOPE),
        scopes,
        grant_types,
        redirect_uris,
    });
    let expires_at = st
        .settings
        .hostile(|h| match h {
            Hostile::ClientSecretExpiresAt(v) => Some(v.clone()),
            _ => None,
        })
        .unwrap_or_else(|| json!(secret_expires_at));
    Ok(Response::json(
        200,
        &json!({
            "clientId": client_id,
            "clientSecret": secret,
            "clientIdIssuedAt": cx.now,
            "clientSecretExpiresAt": expires_at,
        }),
    ))
}

/// A client that will use `/authorize` needs loopback redirect URIs and the start URL as
/// issuer.
fn check_pkce_registration(
    cx: &Ctx,
    redirect_uris: &[String],
    issuer_url: Option<&str>,
) -> Result<(), ApiError> {
    if redirect_uris.is_empty() {
        let msg = "redirectUris is required for the authorization_code grant";
        return Err(ApiError::invalid_request(msg));
    }
    if let Some(bad) = redirect_uris
        .iter()
        .find(|u| parse_loopback_uri(u).is_none())
    {
        let msg = format!("Redirect URI {bad:?} is not an http loopback URI");
        return Err(ApiError::invalid_redirect_uri(&msg));
    }
    match issuer_url {
        None => Err(ApiError::invalid_request(
            "issuerUrl is required for the authorization_code grant",
        )),
        Some(url) if url != cx.org.start_url => Err(ApiError::invalid_request(format!(
            "issuerUrl {url:?} is not this instance's start URL"
        ))),
        Some(_) => Ok(()),
    }
}

const DEVICE_MEMBERS: &[&str] = &["clientId", "clientSecret", "startUrl"];

/// `POST /device_authorization`.
pub(crate) fn start_device_authorization(
    st: &mut State,
    cx: &Ctx,
    req: &Request,
) -> Result<Response, ApiError> {
    let body = json_object(req, DEVICE_MEMBERS)?;
    let client_id = required_str(&body, "clientId")?;
    let client_secret = required_str(&body, "clientSecret")?;
    let start_url = required_str(&body, "startUrl")?;
    let client = st.authenticate(client_id, client_secret, cx.now)?;
    if !client.allows_grant(DEVICE_CODE_GRANT) {
        let msg = "Client is not registered for the device_code grant";
        return Err(ApiError::unauthorized_client(msg));
    }
    if start_url != cx.org.start_url {
        return Err(ApiError::invalid_request(format!(
            "startUrl {start_url:?} is not this instance's start URL"
        )));
    }
    let device_code = ids::token("dc-");
    let letters = ids::random_chars(USER_CODE_LETTERS, 8);
    let user_code = format!("{}-{}", &letters[..4], &letters[4..]);
    let grant = DeviceGrant {
        client_id: client_id.to_string(),
        expires_at: cx.now + DEVICE_CODE_TTL,
        polls: 0,
    };
    st.devices.insert(device_code.clone(), grant);
    let verification_uri = format!("{}/device", cx.base_url);
    let complete = format!("{verification_uri}?user_code={user_code}");
    let mut out = json!({
        "deviceCode": device_code,
        "userCode": user_code,
        "verificationUri": verification_uri,
        "verificationUriComplete": complete,
        "expiresIn": DEVICE_CODE_TTL,
        "interval": st.settings.device_interval,
    });
    for h in &st.settings.hostile {
        match h {
            Hostile::DeviceExpiresIn(v) => out["expiresIn"] = v.clone(),
            Hostile::DeviceInterval(v) => out["interval"] = v.clone(),
            Hostile::UserCode(code) => out["userCode"] = json!(code),
            Hostile::VerificationUri(uri) => {
                out["verificationUri"] = json!(uri);
                out["verificationUriComplete"] = json!(uri);
            }
            _ => {}
        }
    }
    Ok(Response::json(200, &out))
}

/// `GET /device`: the page `verificationUriComplete` points at. Approval itself is decided
/// by [`DeviceApproval`], so the page only has to exist for a stand-in browser.
pub(crate) fn device_page(_: &mut State, _: &Ctx, req: &Request) -> Result<Response, ApiError> {
    let params = input::params(req, &["user_code"], &[])?;
    let code = params.get("user_code").unwrap_or("(none)");
    let code: String = code.chars().filter(char::is_ascii_alphanumeric).collect();
    let page = format!("<html><body><h1>Authorize request</h1><p>Code {code}</p></body></html>");
    Ok(Response::html(200, &page))
}

/// The `grantType` of a CreateToken body, if it has one (for per-grant hit counts).
pub(crate) fn grant_type_of(req: &Request) -> Option<String> {
    let body: Value = serde_json::from_slice(&req.body).ok()?;
    body.get("grantType")?.as_str().map(str::to_string)
}

const TOKEN_MEMBERS: &[&str] = &[
    "clientId",
    "clientSecret",
    "grantType",
    "deviceCode",
    "code",
    "refreshToken",
    "scope",
    "redirectUri",
    "codeVerifier",
];

/// `POST /token`.
pub(crate) fn create_token(st: &mut State, cx: &Ctx, req: &Request) -> Result<Response, ApiError> {
    let body = json_object(req, TOKEN_MEMBERS)?;
    let client_id = required_str(&body, "clientId")?;
    let client_secret = required_str(&body, "clientSecret")?;
    let grant = required_str(&body, "grantType")?;
    // Modelled, and ignored by the service (protocol.md §2.3).
    str_list(&body, "scope")?;
    let client = st.authenticate(client_id, client_secret, cx.now)?;
    let with_refresh = client.issues_refresh_tokens;
    let known = [
        DEVICE_CODE_GRANT,
        AUTHORIZATION_CODE_GRANT,
        REFRESH_TOKEN_GRANT,
    ];
    if !known.contains(&grant) {
        let msg = format!("Unsupported grant type {grant:?}");
        return Err(ApiError::unsupported_grant_type(&msg));
    }
    if !client.allows_grant(grant) {
        let msg = format!("Client is not registered for the {grant} grant");
        return Err(ApiError::unauthorized_client(&msg));
    }
    let tokens = match grant {
        DEVICE_CODE_GRANT => device_code_grant(st, cx, &body, client_id, with_refresh)?,
        AUTHORIZATION_CODE_GRANT => {
            authorization_code_grant(st, cx, &body, client_id, with_refresh)?
        }
        _ => refresh_token_grant(st, cx, &body, client_id)?,
    };
    let expires_in = st
        .settings
        .hostile(|h| match h {
            Hostile::TokenExpiresIn(v) => Some(v.clone()),
            _ => None,
        })
        .unwrap_or_else(|| json!(tokens.expires_in));
    let mut out = json!({
        "accessToken": tokens.access_token,
        "tokenType": "Bearer",
        "expiresIn": expires_in,
    });
    if let Some(refresh) = tokens.refresh_token {
        out["refreshToken"] = Value::String(refresh);
    }
    Ok(Response::json(200, &out))
}

fn device_code_grant(
    st: &mut State,
    cx: &Ctx,
    body: &Map<String, Value>,
    client_id: &str,
    with_refresh: bool,
) -> Result<Tokens, ApiError> {
    let device_code = required_str(body, "deviceCode")?;
    let approval = st.settings.device_approval.clone();
    let grant = st
        .devices
        .get_mut(device_code)
        .filter(|g| g.client_id == client_id)
        .ok_or_else(|| ApiError::invalid_grant("Invalid device code"))?;
    if cx.now >= grant.expires_at {
        return Err(ApiError::expired_token("Device code has expired"));
    }
    grant.polls += 1;
    match approval {
        DeviceApproval::Immediate => {}
        DeviceApproval::AfterPolls(n) if grant.polls > n => {}
        DeviceApproval::AfterPolls(_) => return Err(ApiError::authorization_pending()),
        DeviceApproval::Deny => {
            return Err(ApiError::access_denied("The user denied the authorization"));
        }
        DeviceApproval::Expire => return Err(ApiError::expired_token("Device code has expired")),
    }
    // A device code yields tokens once.
    st.devices.remove(device_code);
    let session = st.new_session();
    Ok(st.issue_tokens(client_id, session, with_refresh, cx.now))
}

/// RFC 7636 §4.1: 43–128 unreserved characters.
fn is_valid_verifier(v: &str) -> bool {
    (43..=128).contains(&v.len())
        && v.bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'.' | b'_' | b'~'))
}

fn authorization_code_grant(
    st: &mut State,
    cx: &Ctx,
    body: &Map<String, Value>,
    client_id: &str,
    with_refresh: bool,
) -> Result<Tokens, ApiError> {
    let code = required_str(body, "code")?;
    let redirect_uri = required_str(body, "redirectUri")?;
    let verifier = required_str(body, "codeVerifier")?;
    // Any redemption attempt spends the code, successful or not (RFC 6749 §4.1.2: codes are
    // single use; a failed guess must not leave it open for another).
    let issued = st
        .codes
        .remove(code)
        .filter(|c| c.client_id == client_id)
        .ok_or_else(|| ApiError::invalid_grant("Invalid authorization code"))?;
    if cx.now >= issued.expires_at {
        return Err(ApiError::expired_token("Authorization code has expired"));
    }
    if issued.redirect_uri != redirect_uri {
        let msg = "redirectUri does not match the authorization request";
        return Err(ApiError::invalid_grant(msg));
    }
    if !is_valid_verifier(verifier) || sha256_b64url(verifier) != issued.code_challenge {
        return Err(ApiError::invalid_grant(
            "Code verifier does not match the challenge",
        ));
    }
    let session = st.new_session();
    Ok(st.issue_tokens(client_id, session, with_refresh, cx.now))
}

fn refresh_token_grant(
    st: &mut State,
    cx: &Ctx,
    body: &Map<String, Value>,
    client_id: &str,
) -> Result<Tokens, ApiError> {
    let refresh_token = required_str(body, "refreshToken")?;
    let session = match st.refresh_tokens.get(refresh_token) {
        Some(t) if t.client_id == client_id => t.session,
        _ => return Err(ApiError::invalid_grant("Invalid refresh token")),
    };
    // With rotation the old token dies and a new one comes back; without it the response
    // has no refreshToken and the client must keep using the old one (protocol.md §2.3).
    let rotate = st.settings.rotate_refresh_tokens;
    if rotate {
        st.refresh_tokens.remove(refresh_token);
    }
    Ok(st.issue_tokens(client_id, session, rotate, cx.now))
}

const AUTHORIZE_PARAMS: &[&str] = &[
    "response_type",
    "client_id",
    "redirect_uri",
    "state",
    "code_challenge_method",
    "scopes",
    "code_challenge",
];

/// `GET /authorize` (protocol.md §2.5): the browser leg of the PKCE flow. The user is
/// assumed to sign in and consent at once; [`AuthorizeMode`] picks what comes back.
pub(crate) fn authorize(st: &mut State, cx: &Ctx, req: &Request) -> Result<Response, ApiError> {
    let p = input::params(req, AUTHORIZE_PARAMS, AUTHORIZE_PARAMS)?;
    if p.required("response_type") != "code" {
        return Err(ApiError::invalid_request("response_type must be \"code\""));
    }
    if p.required("code_challenge_method") != "S256" {
        return Err(ApiError::invalid_request(
            "code_challenge_method must be S256",
        ));
    }
    let challenge = p.required("code_challenge");
    let url_safe = |c: u8| c.is_ascii_alphanumeric() || c == b'-' || c == b'_';
    if challenge.len() != 43 || !challenge.bytes().all(url_safe) {
        let msg = "code_challenge must be 43 base64url characters";
        return Err(ApiError::invalid_request(msg));
    }
    let state = p.required("state");
    if state.is_empty() {
        return Err(ApiError::invalid_request("state is empty"));
    }
    let client_id = p.required("client_id");
    let client = st
        .clients
        .get(client_id)
        .filter(|c| cx.now < c.secret_expires_at)
        .ok_or_else(|| ApiError::invalid_request("Unknown client_id"))?;
    if !client.allows_grant(AUTHORIZATION_CODE_GRANT) {
        let msg = "Client is not registered for the authorization_code grant";
        return Err(ApiError::unauthorized_client(msg));
    }
    let redirect_uri = p.required("redirect_uri");
    if !redirect_is_registered(client, redirect_uri) {
        return Err(ApiError::invalid_request(format!(
            "redirect_uri {redirect_uri:?} is not http://127.0.0.1:PORT/oauth/callback \
             or not registered"
        )));
    }
    let scopes = p.required("scopes");
    if let Some(bad) = scopes
        .split(' ')
        .find(|s| !client.scopes.iter().any(|c| c == s))
    {
        return Err(ApiError::invalid_scope(&format!(
            "Scope {bad:?} was not registered"
        )));
    }

    let query = match st.settings.authorize_mode.clone() {
        AuthorizeMode::Error(error) => codec::build_query(&[
            ("error", &error),
            (
                "error_description",
                &format!("Authorization failed: {error}"),
            ),
            ("state", state),
        ]),
        mode => {
            let code = ids::token("code-");
            let issued = AuthCode {
                client_id: client_id.to_string(),
                redirect_uri: redirect_uri.to_string(),
                code_challenge: challenge.to_string(),
                expires_at: cx.now + AUTH_CODE_TTL,
            };
            st.codes.insert(code.clone(), issued);
            let state = match mode {
                AuthorizeMode::WrongState => format!("{state}-forged"),
                _ => state.to_string(),
            };
            codec::build_query(&[("code", &code), ("state", &state)])
        }
    };
    Ok(Response::redirect(&format!("{redirect_uri}?{query}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_uris() {
        assert_eq!(
            parse_loopback_uri("http://127.0.0.1/oauth/callback"),
            Some(("127.0.0.1", None, "/oauth/callback"))
        );
        assert_eq!(
            parse_loopback_uri("http://127.0.0.1:4321/oauth/callback"),
            Some(("127.0.0.1", Some(4321), "/oauth/callback"))
        );
        assert_eq!(parse_loopback_uri("https://127.0.0.1/oauth/callback"), None);
        assert_eq!(
            parse_loopback_uri("http://example.com/oauth/callback"),
            None
        );
        assert_eq!(parse_loopback_uri("http://127.0.0.1:0/x"), None);
        assert_eq!(parse_loopback_uri("http://127.0.0.1"), None);
    }

    #[test]
    fn redirect_matching_ignores_the_port_only_when_unregistered() {
        let mut client = Client {
            secret: String::new(),
            secret_expires_at: 0,
            scopes: Vec::new(),
            grant_types: Vec::new(),
            redirect_uris: vec!["http://127.0.0.1/oauth/callback".to_string()],
            issues_refresh_tokens: false,
        };
        assert!(redirect_is_registered(
            &client,
            "http://127.0.0.1:5000/oauth/callback"
        ));
        assert!(!redirect_is_registered(
            &client,
            "http://127.0.0.1/oauth/callback"
        ));
        assert!(!redirect_is_registered(
            &client,
            "http://127.0.0.1:5000/other"
        ));
        assert!(!redirect_is_registered(
            &client,
            "http://localhost:5000/oauth/callback"
        ));
        client.redirect_uris = vec!["http://127.0.0.1:6000/oauth/callback".to_string()];
        assert!(!redirect_is_registered(
            &client,
            "http://127.0.0.1:5000/oauth/callback"
        ));
    }

    #[test]
    fn verifier_rules() {
        assert!(is_valid_verifier(&"a".repeat(43)));
        assert!(!is_valid_verifier(&"a".repeat(42)));
        assert!(!is_valid_verifier(&"a".repeat(129)));
        assert!(!is_valid_verifier(&format!("{}+", "a".repeat(43))));
    }
}
