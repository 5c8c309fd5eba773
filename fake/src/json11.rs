/*!
What the JSON 1.1 services (sso-admin, identitystore, organizations) share: the request body
(`Content-Type: application/x-amz-json-1.1`, modelled members only, no `null`s), string and
enum members, the permission check, and pagination with `MaxResults`/`NextToken` — tokens
are opaque, bound to one listing, and empty pages that still carry a token are served when a
test asks for them (protocol.md §1.6).
*/

use serde_json::{Map, Value, json};

use crate::errors::{ApiError, Service};
use crate::handler::Ctx;
use crate::http::{Request, Response};
use crate::input;
use crate::portal::{cycling_token, new_page_token, page_token_cycle, paginate};
use crate::state::{Cursor, Listing, Position, State};

/// The request's members, checked against `modelled`.
pub(crate) type Members = Map<String, Value>;

/// The service's "bad input" error.
pub(crate) fn invalid(service: Service, msg: impl AsRef<str>) -> ApiError {
    match service {
        Service::Organizations => ApiError::invalid_input(msg),
        _ => ApiError::validation(msg),
    }
}

/// The body of a JSON 1.1 request, after the caller may use the admin APIs.
pub(crate) fn body(
    cx: &Ctx,
    req: &Request,
    service: Service,
    modelled: &[&str],
) -> Result<Members, ApiError> {
    if !cx.caller.as_ref().is_some_and(|c| c.is_admin()) {
        return Err(ApiError::not_authorized(
            "User is not authorized to perform this action (fake: the test key has no admin permissions)",
        ));
    }
    let mut all = modelled.to_vec();
    all.extend(["MaxResults", "NextToken"]);
    input::json_object_of(req, &all, "application/x-amz-json-1.1")
        .map_err(|e| invalid(service, e.message))
}

/// A required string member.
pub(crate) fn required<'a>(
    m: &'a Members,
    name: &str,
    service: Service,
) -> Result<&'a str, ApiError> {
    input::required_str(m, name).map_err(|e| invalid(service, e.message))
}

/// An optional string member.
pub(crate) fn optional<'a>(
    m: &'a Members,
    name: &str,
    service: Service,
) -> Result<Option<&'a str>, ApiError> {
    input::optional_str(m, name).map_err(|e| invalid(service, e.message))
}

/// A required member that must be one of `allowed`.
pub(crate) fn one_of<'a>(
    m: &'a Members,
    name: &str,
    allowed: &[&str],
    service: Service,
) -> Result<&'a str, ApiError> {
    let v = required(m, name, service)?;
    if allowed.contains(&v) {
        Ok(v)
    } else {
        Err(invalid(
            service,
            format!("{name} must be one of {allowed:?}, got {v:?}"),
        ))
    }
}

/// A 12-digit account id member.
pub(crate) fn account_id<'a>(
    m: &'a Members,
    name: &str,
    service: Service,
) -> Result<&'a str, ApiError> {
    let v = required(m, name, service)?;
    if v.len() == 12 && v.bytes().all(|b| b.is_ascii_digit()) {
        Ok(v)
    } else {
        Err(invalid(
            service,
            format!("{name} must be 12 digits, got {v:?}"),
        ))
    }
}

/// One page of `items`, the whole listing being identified by `op` and `key`: checks
/// `MaxResults` (1..=`max`) and `NextToken`, and returns the page's items and the token of
/// the next page.
pub(crate) fn page<T: Clone>(
    st: &mut State,
    m: &Members,
    service: Service,
    listing: (&'static str, String),
    items: &[T],
    max: usize,
) -> Result<(Vec<T>, Option<String>), ApiError> {
    let size = match m.get("MaxResults") {
        None => max,
        Some(v) => match v.as_u64() {
            Some(n) if (1..=max as u64).contains(&n) => n as usize,
            _ => {
                return Err(invalid(
                    service,
                    format!("MaxResults must be an integer from 1 to {max}, got {v}"),
                ));
            }
        },
    };
    let size = size.min(st.settings.page_size.max(1));
    if let Some(n) = page_token_cycle(st) {
        let (range, _) = paginate(items.len(), Position::default(), size, false);
        let given = optional(m, "NextToken", service)?;
        return Ok((items[range].to_vec(), Some(cycling_token(n, given))));
    }
    let listing = Listing::Admin {
        op: listing.0,
        key: listing.1,
    };
    let at = match optional(m, "NextToken", service)? {
        None => Position::default(),
        Some(token) => match st.cursors.get(token) {
            Some(c) if c.listing == listing => c.position,
            _ => {
                let msg = "The NextToken is not valid for this listing";
                return Err(match service {
                    Service::Organizations => {
                        ApiError::invalid_input(format!("INVALID_NEXT_TOKEN: {msg}"))
                    }
                    _ => ApiError::validation(msg),
                });
            }
        },
    };
    let (range, next) = paginate(items.len(), at, size, st.settings.empty_pages);
    let token = next.map(|position| {
        let token = new_page_token();
        st.cursors
            .insert(token.clone(), Cursor { listing, position });
        token
    });
    Ok((items[range].to_vec(), token))
}

/// `{items_key: items, "NextToken": token}`; the token is left out on the last page, as
/// the services do.
pub(crate) fn listing(items_key: &str, items: Vec<Value>, next: Option<String>) -> Response {
    let mut body = json!({ items_key: items });
    if let Some(t) = next {
        body["NextToken"] = Value::String(t);
    }
    Response::json11(200, &body)
}
