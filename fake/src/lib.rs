/*!
A strict, in-process fake of AWS IAM Identity Center for `sso-config`'s tests, demo and
benchmarks.

One HTTP/1.1 server on `127.0.0.1:0` hosts every service, routed by method and path: SSO
OIDC (`/client/register`, `/device_authorization`, `/token`, `/authorize`), the portal
(`/assignment/accounts`, `/assignment/roles`, `/federation/credentials`, `/logout`), console
federation (`/federation`), a start page that may redirect to an access portal (`/start`), and
on `POST /` the SigV4-signed admin services: sso-admin,
identitystore and organizations by `X-Amz-Target`, STS by its form body's `Action`. Point
`AWS_ENDPOINT_URL_SSO_OIDC`, `AWS_ENDPOINT_URL_SSO`, `AWS_ENDPOINT_URL_SSO_ADMIN`,
`AWS_ENDPOINT_URL_IDENTITYSTORE`, `AWS_ENDPOINT_URL_ORGANIZATIONS` and
`AWS_ENDPOINT_URL_STS` at [`Fake::url`].

It rejects what AWS rejects, in AWS's error shapes (protocol.md §1.4, §2.6, §3, §9), verifies
SigV4 signatures for real (see [`TestKey`] for the keys it knows; credentials it issued work
too), counts hits per operation, records requests, and injects latency, throttling (token
buckets with a rate and a burst), server errors (queued or random) and clock skew.

```no_run
use fake_idc::{Fake, Org};
let fake = Fake::start(Org::sample());
fake.fail_next("ListAccounts", 1, 429);
// ... run sso-config with AWS_ENDPOINT_URL_SSO=fake.url() ...
assert_eq!(fake.hits("ListAccounts:429"), 1);
```
*/

mod account;
pub mod client;
mod codec;
mod directory;
mod errors;
mod faults;
mod federation;
mod handler;
mod http;
mod identitystore;
mod ids;
mod input;
mod json11;
mod oidc;
mod org;
mod organizations;
mod portal;
pub mod proxy;
mod router;
mod server;
mod settings;
mod shared;
mod sigv4;
mod sso_admin;
mod start_page;
mod state;
mod sts;

use std::sync::{Arc, MutexGuard};
use std::time::{Duration, Instant};

pub use account::Account;
pub use codec::sha256_b64url;
pub use directory::{
    Assignment, Directory, Group, OrgAccount, OrgUnit, PermissionSet, PrincipalType, User,
};
pub use org::Org;
pub use settings::{AuthorizeMode, DeviceApproval, Hostile, StartPage};
pub use sigv4::{TestCredentials, TestKey};
pub use state::Recorded;

use server::Server;
use shared::Shared;
use state::{AUTHORIZATION_CODE_GRANT, CLIENT_LIFETIME_SECS, Client, REFRESH_TOKEN_GRANT, State};

/// Tokens made by [`Fake::issue_token`], for tests that write AWS-CLI-style cache files.
#[derive(Clone, Debug)]
pub struct IssuedToken {
    /// A live access token (valid for the token TTL).
    pub access_token: String,
    /// A live refresh token of `client_id`.
    pub refresh_token: String,
    /// The registration the tokens belong to.
    pub client_id: String,
    /// Its secret.
    pub client_secret: String,
    /// When the registration expires (epoch seconds).
    pub client_secret_expires_at: u64,
}

/// Role credentials the fake handed out (see [`Fake::issued_credentials`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IssuedRoleCredentials {
    /// The secret access key.
    pub secret_access_key: String,
    /// The session token.
    pub session_token: String,
    /// When they expire, in epoch milliseconds.
    pub expires_at_ms: u64,
    /// The account they act in.
    pub account_id: String,
    /// The role.
    pub role_name: String,
}

/// A running fake Identity Center. Dropping it stops the listener.
pub struct Fake {
    server: Server,
}

impl Fake {
    /// Binds `127.0.0.1:0` and serves `org` from background threads.
    ///
    /// # Panics
    /// If no loopback port can be bound, which leaves a test nothing to run against.
    pub fn start(org: Org) -> Fake {
        let server = server::start(org).expect("binding 127.0.0.1:0 works in a test environment");
        Fake { server }
    }

    fn shared(&self) -> &Arc<Shared> {
        &self.server.shared
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.shared().lock()
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn url(&self) -> String {
        self.shared().base_url.clone()
    }

    /// `http://127.0.0.1:PORT/start`: a start URL on "a company's own domain", whose
    /// page answers as [`Fake::set_start_page`] says.
    pub fn start_page_url(&self) -> String {
        format!("{}/start", self.url())
    }

    /// What a GET of [`Fake::start_page_url`] answers (default: a page, no redirect).
    pub fn set_start_page(&self, page: StartPage) {
        self.state().settings.start_page = page;
    }

    /// The organisation being served.
    pub fn org(&self) -> &Org {
        &self.shared().org
    }

    /// How many requests reached `op` (faulted ones included). Besides AWS operation names
    /// there are `CreateToken:<grant>` (`device_code`, `authorization_code`,
    /// `refresh_token`), `<op>:429` and `<op>:5xx` for every injected fault (queued, random
    /// or rate-limited), `<op>:random` for the random ones and `<op>:limited` for the
    /// refusals of a rate limit, and
    /// `DeviceVerification`, `ConsoleLogin`, `UnknownOperation`. The signed services' ops
    /// carry their service: `sso-admin:ListInstances`, `identitystore:GetUserId`,
    /// `organizations:ListAccounts`, `sts:GetCallerIdentity`.
    pub fn hits(&self, op: &str) -> usize {
        self.state().hits.get(op).copied().unwrap_or(0)
    }

    /// Every request received so far, oldest first.
    pub fn requests(&self) -> Vec<Recorded> {
        self.state().requests.clone()
    }

    /// Delays every response by `d` (the connection thread sleeps before writing).
    pub fn set_latency(&self, d: Duration) {
        self.state().settings.latency = d;
    }

    /// The next `count` requests to `op` fail with `status`: 429 is TooManyRequestsException
    /// (sso-admin and identitystore: ThrottlingException with HTTP 400; STS: Throttling),
    /// 500 InternalServerException, 503 ServiceUnavailableException, in the service's shape;
    /// other 5xx come as a bare HTML gateway page. `op` may be a `CreateToken:<grant>` label.
    pub fn fail_next(&self, op: &str, count: usize, status: u16) {
        self.state().faults.fail_next(op, count, status);
    }

    /// Throttles `op` with a token bucket of `per_second` tokens that starts full and refills
    /// continuously; requests finding it empty get 429 TooManyRequestsException (sso-admin
    /// and identitystore: ThrottlingException). The same as
    /// `set_rate_limit_burst(op, per_second, per_second)`.
    pub fn set_rate_limit(&self, op: &str, per_second: u32) {
        self.set_rate_limit_burst(op, f64::from(per_second), per_second);
    }

    /// Throttles `op` with a token bucket that holds `burst` tokens (at least 1), starts
    /// full and refills at `per_second` tokens per second, replacing any earlier limit on
    /// `op`. Burst 1 is the strict bucket: requests pass only `1/per_second` apart (one
    /// arriving exactly on time passes). A refused request takes no token.
    ///
    /// # Panics
    /// If `per_second` is not a positive finite number: a test asked for nonsense.
    pub fn set_rate_limit_burst(&self, op: &str, per_second: f64, burst: u32) {
        assert!(
            per_second.is_finite() && per_second > 0.0,
            "rate limit of {op}: {per_second} per second"
        );
        self.state()
            .faults
            .set_rate_limit(op, per_second, burst, Instant::now());
    }

    /// Each request to `op` first draws: with probability `p429` it gets the service's
    /// throttling error (as [`Fake::fail_next`] with 429 renders it), with probability
    /// `p5xx` a 500 or 503 in the service's shape; otherwise it goes on to the rate limit, if
    /// any. Random faults take no token from a rate limit. Both 0 turns them off. The draws
    /// are seeded from the clock unless [`Fake::set_random_seed`] fixes them.
    ///
    /// # Panics
    /// If a probability is outside `[0, 1]` or they add up to more than 1.
    pub fn set_random_faults(&self, op: &str, p429: f64, p5xx: f64) {
        assert!(
            (0.0..=1.0).contains(&p429) && (0.0..=1.0).contains(&p5xx) && p429 + p5xx <= 1.0,
            "random faults of {op}: p429 {p429}, p5xx {p5xx}"
        );
        self.state().faults.set_random_faults(op, p429, p5xx);
    }

    /// Seeds the draws of [`Fake::set_random_faults`], so that a run can be repeated.
    pub fn set_random_seed(&self, seed: u64) {
        self.state().faults.set_seed(seed);
    }

    /// How the next device authorizations are answered (read at each CreateToken).
    pub fn set_device_approval(&self, a: DeviceApproval) {
        self.state().settings.device_approval = a;
    }

    /// The `interval` StartDeviceAuthorization returns (default 1 s).
    pub fn set_device_interval(&self, secs: u32) {
        self.state().settings.device_interval = secs;
    }

    /// What `/authorize` redirects with.
    pub fn set_authorize_mode(&self, m: AuthorizeMode) {
        self.state().settings.authorize_mode = m;
    }

    /// `expiresIn` of new access tokens (default 3600). The portal enforces it.
    pub fn set_token_ttl(&self, secs: u64) {
        self.state().settings.token_ttl = secs;
    }

    /// Lifetime of new role credentials (default 3600).
    pub fn set_role_credentials_ttl(&self, secs: u64) {
        self.state().settings.role_credentials_ttl = secs;
    }

    /// On (default): a refresh returns a new refresh token and the old one gets
    /// `invalid_grant`. Off: the response has no `refreshToken` and the old one stays valid.
    pub fn set_rotate_refresh_tokens(&self, on: bool) {
        self.state().settings.rotate_refresh_tokens = on;
    }

    /// Portal page size cap (default 100); a request's smaller `max_result` still wins.
    pub fn set_page_size(&self, n: usize) {
        self.state().settings.page_size = n;
    }

    /// Precede every non-empty portal page with an empty page that carries a `nextToken`.
    pub fn set_empty_pages(&self, on: bool) {
        self.state().settings.empty_pages = on;
    }

    /// Make new secret keys and session tokens contain `' $ " % \` \\` and spaces.
    pub fn set_hostile_secrets(&self, on: bool) {
        self.state().settings.hostile_secrets = on;
    }

    /// Turns on a broken or hostile answer (see [`Hostile`]); one of the same kind set
    /// earlier is replaced.
    pub fn set_hostile(&self, h: Hostile) {
        self.state().settings.set_hostile(h);
    }

    /// Back to AWS's answers: every [`Hostile`] setting off.
    pub fn clear_hostile(&self) {
        self.state().settings.hostile.clear();
    }

    /// Long-term administrator keys the signed services accept.
    pub fn admin_credentials() -> TestCredentials {
        TestKey::Admin.credentials()
    }

    /// One of the test keys the signed services know (see [`TestKey`]).
    pub fn test_credentials(key: TestKey) -> TestCredentials {
        key.credentials()
    }

    /// Moves the fake's clock by `secs` (negative: into the past) for the check of
    /// `X-Amz-Date`, so that a client appears to be off by `-secs`.
    pub fn set_clock_skew(&self, secs: i64) {
        self.state().settings.clock_skew = secs;
    }

    /// Registers a client (as the PKCE flow would, with `scopes`) and issues it a live access
    /// token and refresh token in a new session, without any HTTP traffic or hit counts.
    pub fn issue_token(&self, scopes: &[&str]) -> IssuedToken {
        let now = ids::now();
        let mut st = self.state();
        let client_secret = ids::token("csec-");
        let client_secret_expires_at = now + CLIENT_LIFETIME_SECS;
        let client_id = st.add_client(Client {
            secret: client_secret.clone(),
            secret_expires_at: client_secret_expires_at,
            scopes: scopes.iter().map(|s| s.to_string()).collect(),
            grant_types: vec![
                AUTHORIZATION_CODE_GRANT.to_string(),
                REFRESH_TOKEN_GRANT.to_string(),
            ],
            redirect_uris: vec!["http://127.0.0.1/oauth/callback".to_string()],
            issues_refresh_tokens: true,
        });
        let session = st.new_session();
        let tokens = st.issue_tokens(&client_id, session, true, now);
        IssuedToken {
            access_token: tokens.access_token,
            refresh_token: tokens.refresh_token.unwrap_or_default(),
            client_id,
            client_secret,
            client_secret_expires_at,
        }
    }

    /// The role credentials GetRoleCredentials or AssumeRole handed out with
    /// `access_key_id`, so a test can compare what a client shows with what it was given.
    pub fn issued_credentials(&self, access_key_id: &str) -> Option<IssuedRoleCredentials> {
        let st = self.state();
        let c = st.credentials.get(access_key_id)?;
        Some(IssuedRoleCredentials {
            secret_access_key: c.secret_access_key.clone(),
            session_token: c.session_token.clone(),
            expires_at_ms: c.expires_at_ms,
            account_id: c.account_id.clone(),
            role_name: c.role_name.clone(),
        })
    }

    /// Every access token issued so far stops working (401 at the portal); refresh tokens
    /// keep working.
    pub fn expire_access_tokens(&self) {
        self.state().access_tokens.clear();
    }

    /// Every client registration so far expires: its secret gets `invalid_client`, so a
    /// client has to register again.
    pub fn expire_clients(&self) {
        for client in self.state().clients.values_mut() {
            client.secret_expires_at = 0;
        }
    }
}

impl Drop for Fake {
    fn drop(&mut self) {
        self.server.stop();
    }
}
