/*!
What a service handler is: the signature every operation implements ([`Handler`]) and the
per-request context it gets besides the state ([`Ctx`]). The handlers (oidc, portal,
federation, sts and the JSON 1.1 services) import this module, never the router; the router
imports them to build its routing table and fills in a `Ctx` for each request. Keeping the
contract here is what keeps that dependency one-way.
*/

use crate::errors::ApiError;
use crate::http::{Request, Response};
use crate::org::Org;
use crate::sigv4::Caller;
use crate::state::State;

/// What a handler may read besides the state.
pub(crate) struct Ctx<'a> {
    pub org: &'a Org,
    /// `http://127.0.0.1:PORT`, for URLs the fake hands out (device verification page).
    pub base_url: &'a str,
    /// Epoch seconds when the request arrived.
    pub now: u64,
    /// Who signed the request, for the SigV4-signed services (verified before the handler
    /// runs); `None` elsewhere.
    pub caller: Option<Caller>,
}

/// An operation's implementation. It runs under the state lock.
pub(crate) type Handler = fn(&mut State, &Ctx, &Request) -> Result<Response, ApiError>;
