/*!
Routing by method and path (and, for `POST /`, by `X-Amz-Target`), then the common steps
around every handler: record the request, count hits, apply injected faults, render errors
in the owning service's shape, stamp `x-amzn-RequestId`.
*/

use std::time::Instant;

use crate::errors::{self, ApiError, Service};
use crate::faults::{Cause, Fault};
use crate::handler::{Ctx, Handler};
use crate::http::{Request, Response};
use crate::settings::Hostile;
use crate::shared::Shared;
use crate::sigv4::{self, Caller};
use crate::state::{Recorded, State};
use crate::{
    federation, identitystore, ids, oidc, organizations, portal, sso_admin, start_page, sts,
};

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

const fn r(op: &'static str, service: Service, handler: Handler) -> Route {
    Route {
        op,
        service,
        handler,
    }
}

/// JSON 1.1 operations (`POST /` with `X-Amz-Target: {prefix}.{Op}`, protocol.md §9.5).
/// Their hit-count labels carry the service (`sso-admin:`, `identitystore:`,
/// `organizations:`), since organizations' ListAccounts shares its name with the portal's.
const TARGETS: &[(&str, Route)] = {
    use Service::{IdentityStore as Ids, Organizations as Org, SsoAdmin as Sso};
    &[
        (
            "SWBExternalService.ListInstances",
            r("sso-admin:ListInstances", Sso, sso_admin::list_instances),
        ),
        (
            "SWBExternalService.ListPermissionSets",
            r(
                "sso-admin:ListPermissionSets",
                Sso,
                sso_admin::list_permission_sets,
            ),
        ),
        (
            "SWBExternalService.DescribePermissionSet",
            r(
                "sso-admin:DescribePermissionSet",
                Sso,
                sso_admin::describe_permission_set,
            ),
        ),
        (
            "SWBExternalService.ListAccountsForProvisionedPermissionSet",
            r(
                "sso-admin:ListAccountsForProvisionedPermissionSet",
                Sso,
                sso_admin::accounts_for_permission_set,
            ),
        ),
        (
            "SWBExternalService.ListPermissionSetsProvisionedToAccount",
            r(
                "sso-admin:ListPermissionSetsProvisionedToAccount",
                Sso,
                sso_admin::permission_sets_for_account,
            ),
        ),
        (
            "SWBExternalService.ListAccountAssignments",
            r(
                "sso-admin:ListAccountAssignments",
                Sso,
                sso_admin::list_account_assignments,
            ),
        ),
        (
            "SWBExternalService.ListAccountAssignmentsForPrincipal",
            r(
                "sso-admin:ListAccountAssignmentsForPrincipal",
                Sso,
                sso_admin::assignments_for_principal,
            ),
        ),
        (
            "AWSIdentityStore.GetUserId",
            r("identitystore:GetUserId", Ids, identitystore::get_user_id),
        ),
        (
            "AWSIdentityStore.GetGroupId",
            r("identitystore:GetGroupId", Ids, identitystore::get_group_id),
        ),
        (
            "AWSIdentityStore.DescribeUser",
            r(
                "identitystore:DescribeUser",
                Ids,
                identitystore::describe_user,
            ),
        ),
        (
            "AWSIdentityStore.DescribeGroup",
            r(
                "identitystore:DescribeGroup",
                Ids,
                identitystore::describe_group,
            ),
        ),
        (
            "AWSIdentityStore.ListUsers",
            r("identitystore:ListUsers", Ids, identitystore::list_users),
        ),
        (
            "AWSIdentityStore.ListGroups",
            r("identitystore:ListGroups", Ids, identitystore::list_groups),
        ),
        (
            "AWSOrganizationsV20161128.ListAccounts",
            r(
                "organizations:ListAccounts",
                Org,
                organizations::list_accounts,
            ),
        ),
        (
            "AWSOrganizationsV20161128.DescribeAccount",
            r(
                "organizations:DescribeAccount",
                Org,
                organizations::describe_account,
            ),
        ),
        (
            "AWSOrganizationsV20161128.ListRoots",
            r("organizations:ListRoots", Org, organizations::list_roots),
        ),
        (
            "AWSOrganizationsV20161128.ListChildren",
            r(
                "organizations:ListChildren",
                Org,
                organizations::list_children,
            ),
        ),
        (
            "AWSOrganizationsV20161128.ListAccountsForParent",
            r(
                "organizations:ListAccountsForParent",
                Org,
                organizations::accounts_for_parent,
            ),
        ),
        (
            "AWSOrganizationsV20161128.ListOrganizationalUnitsForParent",
            r(
                "organizations:ListOrganizationalUnitsForParent",
                Org,
                organizations::ous_for_parent,
            ),
        ),
        (
            "AWSOrganizationsV20161128.DescribeOrganizationalUnit",
            r(
                "organizations:DescribeOrganizationalUnit",
                Org,
                organizations::describe_ou,
            ),
        ),
    ]
};

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
        "/start" => only(req, "GET", "StartPage", Web, start_page::start_page),
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
        "/" if sts::is_sts(req) => Route {
            op: sts::op_name(req),
            service: Service::Sts,
            handler: sts::handle,
        },
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

/// Checks the SigV4 signature of a request to a signed service: scoped to the Identity
/// Center home region, except organizations, which signs for its global region
/// (protocol.md §1.1). The fake's clock is the real one plus the test's skew.
fn verify(
    shared: &Shared,
    st: &State,
    route: &Route,
    req: &Request,
    now: u64,
) -> Result<Option<Caller>, ApiError> {
    let Some(service) = route.service.signing_name() else {
        return Ok(None);
    };
    let region = match route.service {
        Service::Organizations => "us-east-1",
        _ => shared.org.directory.region.as_str(),
    };
    let expected = sigv4::Expected {
        region,
        service,
        needs_target: route.service != Service::Sts,
    };
    let now = i64::try_from(now).unwrap_or(i64::MAX) + st.settings.clock_skew;
    sigv4::verify(st, req, &expected, now).map(Some)
}

/// Applies [`Hostile::OversizedBody`] (to successful JSON answers) and
/// [`Hostile::DeclaredLength`] (to every answer).
fn hostile_body(st: &State, response: &mut Response) {
    for h in &st.settings.hostile {
        match h {
            Hostile::OversizedBody(n) if (200..300).contains(&response.status) => {
                if let Ok(serde_json::Value::Object(mut body)) =
                    serde_json::from_slice::<serde_json::Value>(&response.body)
                {
                    body.insert("padding".into(), "x".repeat(*n).into());
                    response.body = serde_json::Value::Object(body).to_string().into_bytes();
                }
            }
            Hostile::DeclaredLength(n) => response.declared_length = Some(*n),
            _ => {}
        }
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
    let render = |st: &State, mut e: ApiError| {
        if let Some(msg) = st.settings.hostile(|h| match h {
            Hostile::ErrorMessage(m) => Some(m.clone()),
            _ => None,
        }) {
            e.message = msg;
        }
        errors::render(route.service, &e)
    };
    let mut response = match st.faults.take(&labels, Instant::now()) {
        Some(Fault { status, cause }) => {
            let kind = match cause {
                Cause::Queued => None,
                Cause::Random => Some("random"),
                Cause::Limited => Some("limited"),
            };
            for label in &labels {
                st.count(&format!("{label}:{}", fault_class(status)));
                if let Some(kind) = kind {
                    st.count(&format!("{label}:{kind}"));
                }
            }
            match errors::fault_error(route.service, status) {
                Some(e) => render(&st, e),
                None => errors::fault(route.service, status),
            }
        }
        None => {
            let now = ids::now();
            match verify(shared, &st, &route, req, now) {
                Err(e) => render(&st, e),
                Ok(caller) => {
                    let cx = Ctx {
                        org: &shared.org,
                        base_url: &shared.base_url,
                        now,
                        caller,
                    };
                    match (route.handler)(&mut st, &cx, req) {
                        Ok(response) => response,
                        Err(e) => render(&st, e),
                    }
                }
            }
        }
    };
    hostile_body(&st, &mut response);
    drop(st);
    response
        .headers
        .push(("x-amzn-RequestId".to_string(), ids::request_id()));
    response
}
