/*!
Routing by method and path (and, for `POST /`, by `X-Amz-Target`), then the common steps
around every handler: record the request, count hits, apply injected faults, render errors
in the owning service's shape, stamp `x-amzn-RequestId`.
*/

use std::time::Instant;

use crate::errors::{self, ApiError, Service};
use crate::http::{Request, Response};
use crate::server::Shared;
use crate::state::State;
use crate::{Org, Recorded, federation, ids, oidc, portal};

/// What a handler may read besides the state.
pub(crate) struct Ctx<'a> {
    pub org: &'a Org,
    /// `http://127.0.0.1:PORT`, for URLs the fake hands out (device verification page).
    pub base_url: &'a str,
    /// Epoch seconds when the request arrived.
    pub now: u64,
}

/// An operation's implementation. It runs under the state lock.
pub(crate) type Handler = fn(&mut State, &Ctx, &Request) -> Result<Response, ApiError>;

/// Where a request goes: the AWS operation name (for hit counts and faults), the service
/// (for error shapes) and the handler.
#[derive(Clone, Copy)]
pub(crate) struct Route {
    pub op: &'static str,
    pub service: Service,
    pub handler: Handler,
}

/// Op name of requests that match no route.
const UNKNOWN: &str = "UnknownOperation";

/// JSON 1.1 operations (`POST /` with `X-Amz-Target: {prefix}.{Op}`): sso-admin,
/// identitystore and organizations will be added here, each with its own `Service` for the
/// json-1.1 error shape (protocol.md §9.5).
const TARGETS: &[(&str, Route)] = &[];

fn unknown_path(_: &mut State, _: &Ctx, req: &Request) -> Result<Response, ApiError> {
    let msg = format!("No operation at {}", req.path);
    Err(ApiError::unknown_operation(404, &msg))
}

fn method_not_allowed(_: &mut State, _: &Ctx, req: &Request) -> Result<Response, ApiError> {
    let msg = format!("{} is not supported on {}", req.method, req.path);
    Err(ApiError::unknown_operation(405, &msg))
}

fn unknown_target(_: &mut State, _: &Ctx, req: &Request) -> Result<Response, ApiError> {
    let target = req.header("x-amz-target").unwrap_or("");
    let msg = format!("Unknown X-Amz-Target {target:?}");
    Err(ApiError::unknown_operation(400, &msg))
}

fn fallback(handler: Handler) -> Route {
    Route {
        op: UNKNOWN,
        service: Service::Web,
        handler,
    }
}

/// The route for `method` on a path that exists; 405 for any other method.
fn only(
    req: &Request,
    method: &str,
    op: &'static str,
    service: Service,
    handler: Handler,
) -> Route {
    if req.method == method {
        Route {
            op,
            service,
            handler,
        }
    } else {
        fallback(method_not_allowed)
    }
}

/// Picks the route of `req`.
pub(crate) fn route(req: &Request) -> Route {
    use Service::{Federation, Oidc, Portal, Web};
    match req.path.as_str() {
        "/client/register" => only(req, "POST", "RegisterClient", Oidc, oidc::register_client),
        "/device_authorization" => only(
            req,
            "POST",
            "StartDeviceAuthorization",
            Oidc,
            oidc::start_device_authorization,
        ),
        "/token" => only(req, "POST", "CreateToken", Oidc, oidc::create_token),
        "/authorize" => only(req, "GET", "Authorize", Oidc, oidc::authorize),
        "/device" => only(req, "GET", "DeviceVerification", Web, oidc::device_page),
        "/assignment/accounts" => only(req, "GET", "ListAccounts", Portal, portal::list_accounts),
        "/assignment/roles" => only(req, "GET", "ListAccountRoles", Portal, portal::list_roles),
        "/federation/credentials" => only(
            req,
            "GET",
            "GetRoleCredentials",
            Portal,
            portal::get_role_credentials,
        ),
        "/logout" => only(req, "POST", "Logout", Portal, portal::logout),
        "/federation" if matches!(req.method.as_str(), "GET" | "POST") => Route {
            op: federation::op_name(req),
            service: Federation,
            handler: federation::handle,
        },
        "/federation" => fallback(method_not_allowed),
        "/" if req.method == "POST" && req.header("x-amz-target").is_some() => {
            let target = req.header("x-amz-target").unwrap_or("");
            TARGETS
                .iter()
                .find(|(t, _)| *t == target)
                .map_or(fallback(unknown_target), |(_, r)| *r)
        }
        _ => Route {
            service: Web,
            ..fallback(unknown_path)
        },
    }
}

/// Hit-count and fault labels of a request, most specific first: CreateToken is also
/// counted per grant (`CreateToken:refresh_token`), using the text after the grant type's
/// last `:`.
fn labels(route: &Route, req: &Request) -> Vec<String> {
    let mut labels = Vec::with_capacity(2);
    if route.op == "CreateToken"
        && let Some(grant) = oidc::grant_type_of(req)
    {
        let short = grant.rsplit(':').next().unwrap_or(&grant);
        labels.push(format!("CreateToken:{short}"));
    }
    labels.push(route.op.to_string());
    labels
}

/// The counter suffix of an injected status: `429`, `5xx`, or the status itself.
fn fault_class(status: u16) -> String {
    match status {
        500..=599 => "5xx".to_string(),
        s => s.to_string(),
    }
}

fn record(req: &Request, op: &str) -> Recorded {
    Recorded {
        method: req.method.clone(),
        path: req.path.clone(),
        query: req.query.clone(),
        headers: req.headers.clone(),
        body: String::from_utf8_lossy(&req.body).into_owned(),
        op: op.to_string(),
    }
}

/// Answers one request (the latency injection happens in the caller, outside the lock).
pub(crate) fn dispatch(shared: &Shared, req: &Request) -> Response {
    let route = route(req);
    let labels = labels(&route, req);
    let mut st = shared.lock();
    st.requests.push(record(req, route.op));
    for label in &labels {
        st.count(label);
    }
    let mut response = match st.faults.take(&labels, Instant::now()) {
        Some(status) => {
            for label in &labels {
                st.count(&format!("{label}:{}", fault_class(status)));
            }
            errors::fault(route.service, status)
        }
        None => {
            let cx = Ctx {
                org: &shared.org,
                base_url: &shared.base_url,
                now: ids::now(),
            };
            (route.handler)(&mut st, &cx, req).unwrap_or_else(|e| errors::render(route.service, &e))
        }
    };
    drop(st);
    response
        .headers
        .push(("x-amzn-RequestId".to_string(), ids::request_id()));
    response
}
