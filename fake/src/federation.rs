/*!
The console federation endpoint (protocol.md §8.2): `Action=getSigninToken` turns role
credentials the fake issued into a sign-in token, and `Action=login` accepts that token.
Both come as a GET query or as a POST form, like the real endpoint.
*/

use serde_json::{Value, json};

use crate::codec;
use crate::errors::ApiError;
use crate::handler::Ctx;
use crate::http::Request;
use crate::http::Response;
use crate::ids;
use crate::input::check_pairs;
use crate::state::State;

/// Allowed `SessionDuration`, in seconds.
const SESSION_DURATION: std::ops::RangeInclusive<u64> = 900..=43200;

/// The request's parameters: the query of a GET, the form body of a POST.
fn pairs(req: &Request) -> Result<Vec<(String, String)>, ApiError> {
    if req.method != "POST" {
        return match &req.query_error {
            Some(e) => Err(ApiError::invalid_request(e)),
            None => Ok(req.query.clone()),
        };
    }
    let content_type = req.header("content-type").unwrap_or("");
    if !content_type.starts_with("application/x-www-form-urlencoded") {
        let msg = "a POST must be application/x-www-form-urlencoded";
        return Err(ApiError::invalid_request(msg));
    }
    let body = std::str::from_utf8(&req.body)
        .map_err(|_| ApiError::invalid_request("form body is not UTF-8"))?;
    codec::parse_query(body).map_err(ApiError::invalid_request)
}

/// Op name for hit counts: `GetSigninToken`, `ConsoleLogin`, or `Federation` for anything
/// else (which the handler rejects).
pub(crate) fn op_name(req: &Request) -> &'static str {
    let pairs = pairs(req).unwrap_or_default();
    let action = pairs
        .iter()
        .find(|(n, _)| n == "Action")
        .map(|(_, v)| v.as_str());
    match action {
        Some("getSigninToken") => "GetSigninToken",
        Some("login") => "ConsoleLogin",
        _ => "Federation",
    }
}

/// `GET|POST /federation`.
pub(crate) fn handle(st: &mut State, cx: &Ctx, req: &Request) -> Result<Response, ApiError> {
    let pairs = pairs(req)?;
    match op_name(req) {
        "GetSigninToken" => get_signin_token(st, cx, &pairs),
        "ConsoleLogin" => login(st, &pairs),
        _ => Err(ApiError::invalid_request("Unknown or missing Action")),
    }
}

fn get_signin_token(
    st: &mut State,
    cx: &Ctx,
    pairs: &[(String, String)],
) -> Result<Response, ApiError> {
    let allowed = ["Action", "SessionDuration", "Session"];
    let p = check_pairs(pairs, &allowed, &["Action", "Session"])?;
    if let Some(duration) = p.get("SessionDuration") {
        let ok = duration
            .parse::<u64>()
            .is_ok_and(|d| SESSION_DURATION.contains(&d));
        if !ok {
            return Err(ApiError::invalid_request(format!(
                "SessionDuration must be 900 to 43200, got {duration:?}"
            )));
        }
    }
    let invalid =
        |why: &str| ApiError::invalid_request(format!("Invalid credentials parameter: {why}"));
    let session: Value =
        serde_json::from_str(p.required("Session")).map_err(|_| invalid("Session is not JSON"))?;
    let field = |name: &str| session.get(name).and_then(Value::as_str);
    let (Some(id), Some(key), Some(token)) = (
        field("sessionId"),
        field("sessionKey"),
        field("sessionToken"),
    ) else {
        return Err(invalid("need sessionId, sessionKey and sessionToken"));
    };
    if session.as_object().is_some_and(|o| o.len() != 3) {
        return Err(invalid("unexpected members in Session"));
    }
    let issued = st
        .credentials
        .get(id)
        .filter(|c| c.secret_access_key == key && c.session_token == token)
        .ok_or_else(|| invalid("credentials were not issued by this Identity Center"))?;
    if cx.now.saturating_mul(1000) >= issued.expires_at_ms {
        return Err(invalid("credentials have expired"));
    }
    let signin_token = ids::token("fedtok-");
    st.signin_tokens.insert(signin_token.clone());
    Ok(Response::json(200, &json!({"SigninToken": signin_token})))
}

fn login(st: &mut State, pairs: &[(String, String)]) -> Result<Response, ApiError> {
    let allowed = ["Action", "Issuer", "Destination", "SigninToken"];
    let required = ["Action", "Destination", "SigninToken"];
    let p = check_pairs(pairs, &allowed, &required)?;
    if !st.signin_tokens.contains(p.required("SigninToken")) {
        return Err(ApiError::invalid_request("Invalid SigninToken"));
    }
    // The real endpoint redirects to Destination; a page keeps a stand-in browser on loopback.
    Ok(Response::html(
        200,
        "<html><body><h1>AWS Management Console (fake)</h1></body></html>",
    ))
}
