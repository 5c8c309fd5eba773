/*!
Everything the fake remembers: test settings (their type is in settings.rs), client
registrations, pending device and authorization-code grants, live tokens, page cursors,
issued credentials, and the record of requests ([`Recorded`], public through the crate root).
One `Mutex<State>` guards it all; handlers are short, so contention is no issue.
*/

use std::collections::{HashMap, HashSet};

use crate::errors::ApiError;
use crate::faults::Faults;
use crate::ids;
use crate::settings::Settings;

/// Lifetime of a client registration (AWS: about 90 days, protocol.md §2.1).
pub(crate) const CLIENT_LIFETIME_SECS: u64 = 90 * 24 * 3600;
/// Scope whose presence at registration makes CreateToken return refresh tokens.
pub(crate) const ACCOUNT_ACCESS_SCOPE: &str = "sso:account:access";
/// The three grant types RegisterClient and CreateToken know.
pub(crate) const DEVICE_CODE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";
pub(crate) const AUTHORIZATION_CODE_GRANT: &str = "authorization_code";
pub(crate) const REFRESH_TOKEN_GRANT: &str = "refresh_token";

/// A RegisterClient result.
#[derive(Debug, Clone)]
pub(crate) struct Client {
    pub secret: String,
    pub secret_expires_at: u64,
    pub scopes: Vec<String>,
    pub grant_types: Vec<String>,
    pub redirect_uris: Vec<String>,
    /// Registered with `sso:account:access` (or made by `issue_token`).
    pub issues_refresh_tokens: bool,
}

impl Client {
    /// Whether CreateToken may use `grant` for this client. Device-flow clients register
    /// without `grantTypes` and may then use the device and refresh grants; the
    /// authorization-code grant must always be registered explicitly.
    pub fn allows_grant(&self, grant: &str) -> bool {
        self.grant_types.iter().any(|g| g == grant)
            || (self.grant_types.is_empty() && grant != AUTHORIZATION_CODE_GRANT)
    }
}

/// A StartDeviceAuthorization awaiting CreateToken.
#[derive(Debug)]
pub(crate) struct DeviceGrant {
    pub client_id: String,
    pub expires_at: u64,
    /// CreateToken attempts so far (for [`crate::DeviceApproval::AfterPolls`]).
    pub polls: u32,
}

/// A code issued by `/authorize`, awaiting CreateToken.
#[derive(Debug)]
pub(crate) struct AuthCode {
    pub client_id: String,
    pub redirect_uri: String,
    pub code_challenge: String,
    pub expires_at: u64,
}

/// A live access token. `session` ties it to the sign-in that produced it, which Logout ends.
#[derive(Debug)]
pub(crate) struct AccessToken {
    pub session: u64,
    pub expires_at: u64,
}

/// A live refresh token.
#[derive(Debug)]
pub(crate) struct RefreshToken {
    pub client_id: String,
    pub session: u64,
}

/// What a portal page token continues.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Listing {
    Accounts,
    Roles {
        account_id: String,
    },
    /// A JSON 1.1 listing: the operation and its parameters (a token is only good for the
    /// same listing).
    Admin {
        op: &'static str,
        key: String,
    },
}

/// Where the next page starts; `empty_served` records that the empty page inserted before
/// it (when empty pages are on) has been sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Position {
    pub offset: usize,
    pub empty_served: bool,
}

/// What a `nextToken` the fake issued stands for.
#[derive(Debug, Clone)]
pub(crate) struct Cursor {
    pub listing: Listing,
    pub position: Position,
}

/// Role credentials GetRoleCredentials or AssumeRole handed out; the federation endpoint
/// accepts only these, and the signed services accept them as well as the test keys.
#[derive(Debug)]
pub(crate) struct IssuedCredentials {
    pub secret_access_key: String,
    pub session_token: String,
    pub expires_at_ms: u64,
    /// The account and role they act in.
    pub account_id: String,
    pub role_name: String,
}

/// Tokens of one successful CreateToken.
#[derive(Debug)]
pub(crate) struct Tokens {
    pub access_token: String,
    pub refresh_token: Option<String>,
    pub expires_in: u64,
}

/// A request as the fake received it.
#[derive(Clone, Debug)]
pub struct Recorded {
    /// `GET`, `POST`, …
    pub method: String,
    /// Path without the query.
    pub path: String,
    /// Decoded query pairs in order.
    pub query: Vec<(String, String)>,
    /// Headers with lower-case names, in order.
    pub headers: Vec<(String, String)>,
    /// The body (lossily decoded as UTF-8).
    pub body: String,
    /// The AWS operation it was routed to (`CreateToken`, `ListAccounts`, …), or
    /// `UnknownOperation`.
    pub op: String,
}

impl Recorded {
    /// The first value of header `name` (lower-case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// The fake's memory (see the module doc).
#[derive(Debug, Default)]
pub(crate) struct State {
    pub settings: Settings,
    pub faults: Faults,
    pub clients: HashMap<String, Client>,
    pub devices: HashMap<String, DeviceGrant>,
    pub codes: HashMap<String, AuthCode>,
    pub access_tokens: HashMap<String, AccessToken>,
    pub refresh_tokens: HashMap<String, RefreshToken>,
    pub cursors: HashMap<String, Cursor>,
    pub credentials: HashMap<String, IssuedCredentials>,
    pub signin_tokens: HashSet<String>,
    pub hits: HashMap<String, usize>,
    pub requests: Vec<Recorded>,
    next_session: u64,
}

impl State {
    /// Stores a registration and returns its client id.
    pub fn add_client(&mut self, client: Client) -> String {
        let id = ids::token("cid-");
        self.clients.insert(id.clone(), client);
        id
    }

    /// The client `id` if `secret` is its current secret.
    pub fn authenticate(&self, id: &str, secret: &str, now: u64) -> Result<&Client, ApiError> {
        match self.clients.get(id) {
            Some(c) if c.secret == secret && now < c.secret_expires_at => Ok(c),
            Some(c) if c.secret == secret => {
                Err(ApiError::invalid_client("Client registration has expired"))
            }
            _ => Err(ApiError::invalid_client("Invalid client credentials")),
        }
    }

    /// Starts a new sign-in session (a device or authorization-code login).
    pub fn new_session(&mut self) -> u64 {
        self.next_session += 1;
        self.next_session
    }

    /// Issues an access token, and a refresh token if `with_refresh`, in `session`.
    pub fn issue_tokens(
        &mut self,
        client_id: &str,
        session: u64,
        with_refresh: bool,
        now: u64,
    ) -> Tokens {
        let expires_in = self.settings.token_ttl;
        let access_token = ids::token("aoa");
        let token = AccessToken {
            session,
            expires_at: now.saturating_add(expires_in),
        };
        self.access_tokens.insert(access_token.clone(), token);
        let refresh_token = with_refresh.then(|| {
            let refresh = ids::token("aor");
            let client_id = client_id.to_string();
            let record = RefreshToken { client_id, session };
            self.refresh_tokens.insert(refresh.clone(), record);
            refresh
        });
        Tokens {
            access_token,
            refresh_token,
            expires_in,
        }
    }

    /// The session of a live access token; otherwise the portal's 401.
    pub fn session_of(&self, access_token: &str, now: u64) -> Result<u64, ApiError> {
        match self.access_tokens.get(access_token) {
            Some(t) if now < t.expires_at => Ok(t.session),
            _ => Err(ApiError::unauthorized()),
        }
    }

    /// Ends a session: its access and refresh tokens stop working.
    pub fn logout(&mut self, session: u64) {
        self.access_tokens.retain(|_, t| t.session != session);
        self.refresh_tokens.retain(|_, t| t.session != session);
    }

    /// Adds one to the hit counter `label`.
    pub fn count(&mut self, label: &str) {
        *self.hits.entry(label.to_string()).or_default() += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(grants: &[&str]) -> Client {
        Client {
            secret: "s".to_string(),
            secret_expires_at: 100,
            scopes: Vec::new(),
            grant_types: grants.iter().map(|g| g.to_string()).collect(),
            redirect_uris: Vec::new(),
            issues_refresh_tokens: false,
        }
    }

    #[test]
    fn grant_rules() {
        let device = client(&[]);
        assert!(device.allows_grant(DEVICE_CODE_GRANT));
        assert!(device.allows_grant(REFRESH_TOKEN_GRANT));
        assert!(!device.allows_grant(AUTHORIZATION_CODE_GRANT));
        let pkce = client(&[AUTHORIZATION_CODE_GRANT, REFRESH_TOKEN_GRANT]);
        assert!(pkce.allows_grant(AUTHORIZATION_CODE_GRANT));
        assert!(!pkce.allows_grant(DEVICE_CODE_GRANT));
    }

    #[test]
    fn authenticate_and_logout() {
        let mut st = State::default();
        let id = st.add_client(client(&[]));
        assert!(st.authenticate(&id, "s", 10).is_ok());
        assert_eq!(st.authenticate(&id, "x", 10).unwrap_err().status, 401);
        assert_eq!(st.authenticate(&id, "s", 100).unwrap_err().status, 401);

        let session = st.new_session();
        let tokens = st.issue_tokens(&id, session, true, 10);
        assert_eq!(st.session_of(&tokens.access_token, 10).unwrap(), session);
        assert!(st.session_of(&tokens.access_token, 10 + 3600).is_err());
        st.logout(session);
        assert!(st.session_of(&tokens.access_token, 10).is_err());
        assert!(st.refresh_tokens.is_empty());
    }
}
