/*!
What a test can change through [`crate::Fake`]'s setters: the [`Settings`] the handlers read
under the state lock, and the public enums among them, [`DeviceApproval`],
[`AuthorizeMode`], [`Hostile`] and [`StartPage`] (re-exported by the crate root). They live here rather than in lib.rs so
that the state and the OIDC handler can use them without importing the crate root, which
imports the state and, through the server and router, every handler.
*/

use std::time::Duration;

use serde_json::Value;

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

/// A broken or hostile answer the fake gives instead of AWS's (see
/// [`crate::Fake::set_hostile`]): the numbers, URLs, tokens, messages and sizes a client must
/// survive without a panic, a hang, an opened `file://` or a raw escape sequence on the
/// terminal. Several can be on at once; setting one replaces an earlier one of the same kind.
#[derive(Clone, Debug, PartialEq)]
pub enum Hostile {
    /// CreateToken's `expiresIn` (every grant) is this JSON value, e.g. `3e11`, `1e300`, `-5`.
    /// The token itself lives for the token TTL as usual.
    TokenExpiresIn(Value),
    /// StartDeviceAuthorization's `expiresIn` is this JSON value.
    DeviceExpiresIn(Value),
    /// StartDeviceAuthorization's `interval` is this JSON value.
    DeviceInterval(Value),
    /// StartDeviceAuthorization's `verificationUri` and `verificationUriComplete` are this.
    VerificationUri(String),
    /// StartDeviceAuthorization's `userCode` is this.
    UserCode(String),
    /// RegisterClient's `clientSecretExpiresAt` is this JSON value.
    ClientSecretExpiresAt(Value),
    /// GetRoleCredentials' `expiration` (epoch milliseconds) is this JSON value.
    RoleExpiration(Value),
    /// Every paginated listing (portal and JSON 1.1 services) answers every request with its
    /// first page and a next token that cycles through this many values (1: the same token
    /// every time; 2: A, B, A, …), so a listing that follows tokens never ends.
    PageTokenCycle(usize),
    /// Every error answer (a handler's or an injected fault's, not a gateway page) carries
    /// this message (`error_description`, `message`, `Message`, STS `<Message>`), e.g. with
    /// ESC sequences or a newline.
    ErrorMessage(String),
    /// Every successful JSON answer gets a `padding` member of this many bytes.
    OversizedBody(usize),
    /// Every answer declares this `Content-Length`, sends its real (shorter) body and closes
    /// the connection.
    DeclaredLength(u64),
}

/// What a GET of the start page (`/start`, [`crate::Fake::start_page_url`]) answers.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum StartPage {
    /// `200` with an HTML page and no redirect, like a portal that serves its own page.
    #[default]
    Page,
    /// This status (301, 302, 303, 307, 308) with this `Location`, like a company's own
    /// domain pointing at its access portal (`https://ssoins-….portal.REGION.app.aws/`).
    Redirect(u16, String),
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
    /// Hostile answers in force, at most one of each kind.
    pub hostile: Vec<Hostile>,
    /// What `/start` answers.
    pub start_page: StartPage,
}

impl Settings {
    /// The first hostile setting `pick` recognises.
    pub fn hostile<T>(&self, pick: impl Fn(&Hostile) -> Option<T>) -> Option<T> {
        self.hostile.iter().find_map(pick)
    }

    /// Turns `h` on, replacing a setting of the same kind.
    pub fn set_hostile(&mut self, h: Hostile) {
        self.hostile
            .retain(|old| std::mem::discriminant(old) != std::mem::discriminant(&h));
        self.hostile.push(h);
    }
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
            hostile: Vec::new(),
            start_page: StartPage::Page,
        }
    }
}
