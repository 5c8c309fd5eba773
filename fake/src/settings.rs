/*!
What a test can change through [`crate::Fake`]'s setters: the [`Settings`] the handlers read
under the state lock, and the public enums among them, [`DeviceApproval`] and
[`AuthorizeMode`] (re-exported by the crate root). They live here rather than in lib.rs so
that the state and the OIDC handler can use them without importing the crate root, which
imports the state and, through the server and router, every handler.
*/

use std::time::Duration;

/// How the user answers a device authorization (what CreateToken with the device grant
/// returns).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum DeviceApproval {
    /// The first CreateToken after StartDeviceAuthorization succeeds.
    #[default]
    Immediate,
    /// The first `n` CreateToken calls of a device code get `authorization_pending`, then
    /// one succeeds.
    AfterPolls(u32),
    /// CreateToken gets `access_denied`.
    Deny,
    /// CreateToken gets `expired_token`.
    Expire,
}

/// What `/authorize` redirects back with.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum AuthorizeMode {
    /// `?code=…&state=…` with the request's state.
    #[default]
    Approve,
    /// A valid code but a different `state` (a forged callback the client must refuse).
    WrongState,
    /// `?error=<this>&error_description=…&state=…`.
    Error(String),
}

/// Knobs a test turns through [`crate::Fake`].
#[derive(Debug)]
pub(crate) struct Settings {
    pub latency: Duration,
    pub device_approval: DeviceApproval,
    pub device_interval: u32,
    pub authorize_mode: AuthorizeMode,
    pub token_ttl: u64,
    pub role_credentials_ttl: u64,
    pub rotate_refresh_tokens: bool,
    pub page_size: usize,
    pub empty_pages: bool,
    pub hostile_secrets: bool,
    /// Seconds added to the real clock when checking `X-Amz-Date`.
    pub clock_skew: i64,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            latency: Duration::ZERO,
            device_approval: DeviceApproval::Immediate,
            device_interval: 1,
            authorize_mode: AuthorizeMode::Approve,
            token_ttl: 3600,
            role_credentials_ttl: 3600,
            rotate_refresh_tokens: true,
            page_size: 100,
            empty_pages: false,
            hostile_secrets: false,
            clock_skew: 0,
        }
    }
}
