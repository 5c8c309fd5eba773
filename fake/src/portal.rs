/*!
The SSO portal (protocol.md §3): ListAccounts, ListAccountRoles, GetRoleCredentials and
Logout, authenticated by the `x-amz-sso_bearer_token` header.
*/

use std::ops::Range;

use serde_json::{Value, json};

use crate::codec::{self, STANDARD};
use crate::errors::ApiError;
use crate::handler::Ctx;
use crate::http::{Request, Response};
use crate::ids;
use crate::input::{self, Params};
use crate::settings::Hostile;
use crate::state::{Cursor, IssuedCredentials, Listing, Position, State};

/// AWS's bound on `max_result`.
const MAX_RESULT: usize = 100;
/// Access key ids are `ASIA` + 16 base32 characters, like STS session keys.
const KEY_ID_ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// The session of the request's bearer token, or 401.
fn session(st: &State, cx: &Ctx, req: &Request) -> Result<u64, ApiError> {
    let token = req
        .header("x-amz-sso_bearer_token")
        .ok_or_else(ApiError::unauthorized)?;
    st.session_of(token, cx.now)
}

/// The page size: the test's cap, lowered to the request's `max_result`.
fn page_size(p: &Params, cap: usize) -> Result<usize, ApiError> {
    let cap = cap.max(1);
    match p.get("max_result") {
        None => Ok(cap),
        Some(v) => match v.parse::<usize>() {
            Ok(n) if (1..=MAX_RESULT).contains(&n) => Ok(n.min(cap)),
            _ => Err(ApiError::invalid_request(format!(
                "max_result must be an integer from 1 to {MAX_RESULT}, got {v:?}"
            ))),
        },
    }
}

/// Where a listing resumes: the start, or the position behind a token the fake issued for
/// this same listing.
fn start_position(
    st: &State,
    token: Option<&str>,
    listing: &Listing,
) -> Result<Position, ApiError> {
    let Some(token) = token else {
        return Ok(Position::default());
    };
    match st.cursors.get(token) {
        Some(cursor) if cursor.listing == *listing => Ok(cursor.position),
        _ => Err(ApiError::invalid_request("Invalid next_token")),
    }
}

/// The items `[range]` of a `len`-item listing to send from `at`, and where the page after
/// starts (`None` on the last page). With `empty_pages`, every real page is preceded by an
/// empty one that still carries a token — legal, and a client that stops at the first empty
/// page then sees nothing at all (protocol.md §1.6).
pub(crate) fn paginate(
    len: usize,
    at: Position,
    page_size: usize,
    empty_pages: bool,
) -> (Range<usize>, Option<Position>) {
    if empty_pages && !at.empty_served && at.offset < len {
        let next = Position {
            offset: at.offset,
            empty_served: true,
        };
        return (at.offset..at.offset, Some(next));
    }
    let end = (at.offset + page_size).min(len);
    let next = (end < len).then_some(Position {
        offset: end,
        empty_served: false,
    });
    (at.offset.min(end)..end, next)
}

/// An opaque page token. It always contains `/`, `+` and `=`, so a client that forgets to
/// percent-encode it gets it back mangled (`+` decodes as a space) and is rejected.
pub(crate) fn new_page_token() -> String {
    let b = codec::base64(&ids::random_bytes::<18>(), STANDARD, false);
    format!("{}/{}+{}=", &b[..8], &b[8..16], &b[16..])
}

/// With [`Hostile::PageTokenCycle`] on, the number of tokens to cycle through.
pub(crate) fn page_token_cycle(st: &State) -> Option<usize> {
    st.settings.hostile(|h| match h {
        Hostile::PageTokenCycle(n) => Some((*n).max(1)),
        _ => None,
    })
}

/// The token a cycling listing sends after a request that came with `given`: `cycle/0+=`
/// first, then `cycle/1+=`, … modulo `n`, so the same few tokens come back for ever.
pub(crate) fn cycling_token(n: usize, given: Option<&str>) -> String {
    let next = given
        .and_then(|t| t.strip_prefix("cycle/"))
        .and_then(|t| t.strip_suffix("+="))
        .and_then(|i| i.parse::<usize>().ok())
        .map_or(0, |i| (i + 1) % n);
    format!("cycle/{next}+=")
}

/// Pages `len` items of `listing` for the request's parameters; returns the range to send
/// and the `nextToken` value (`null` on the last page, as the portal sends it).
fn page(
    st: &mut State,
    p: &Params,
    listing: Listing,
    len: usize,
) -> Result<(Range<usize>, Value), ApiError> {
    let size = page_size(p, st.settings.page_size)?;
    if let Some(n) = page_token_cycle(st) {
        let (range, _) = paginate(len, Position::default(), size, false);
        return Ok((range, Value::String(cycling_token(n, p.get("next_token")))));
    }
    let at = start_position(st, p.get("next_token"), &listing)?;
    let (range, next) = paginate(len, at, size, st.settings.empty_pages);
    let token = match next {
        None => Value::Null,
        Some(position) => {
            let token = new_page_token();
            let cursor = Cursor { listing, position };
            st.cursors.insert(token.clone(), cursor);
            Value::String(token)
        }
    };
    Ok((range, token))
}

/// `GET /assignment/accounts`.
pub(crate) fn list_accounts(st: &mut State, cx: &Ctx, req: &Request) -> Result<Response, ApiError> {
    let p = input::params(req, &["max_result", "next_token"], &[])?;
    session(st, cx, req)?;
    let accounts = &cx.org.accounts;
    let (range, next_token) = page(st, &p, Listing::Accounts, accounts.len())?;
    let list: Vec<Value> = accounts[range]
        .iter()
        .map(|a| json!({"accountId": a.id, "accountName": a.name, "emailAddress": a.email}))
        .collect();
    Ok(Response::json(
        200,
        &json!({"nextToken": next_token, "accountList": list}),
    ))
}

/// `GET /assignment/roles`. An account that is not assigned to the user is a 404, like a
/// role that is not.
pub(crate) fn list_roles(st: &mut State, cx: &Ctx, req: &Request) -> Result<Response, ApiError> {
    let allowed = ["account_id", "max_result", "next_token"];
    let p = input::params(req, &allowed, &["account_id"])?;
    session(st, cx, req)?;
    let account_id = p.required("account_id");
    let account = cx.org.account(account_id).ok_or_else(ApiError::not_found)?;
    let listing = Listing::Roles {
        account_id: account_id.to_string(),
    };
    let (range, next_token) = page(st, &p, listing, account.roles.len())?;
    let list: Vec<Value> = account.roles[range]
        .iter()
        .map(|role| json!({"roleName": role, "accountId": account.id}))
        .collect();
    Ok(Response::json(
        200,
        &json!({"nextToken": next_token, "roleList": list}),
    ))
}

/// Secret and session token of new credentials. Hostile ones carry every character a shell,
/// printf, INI or JSON writer could mishandle.
pub(crate) fn new_secrets(hostile: bool) -> (String, String) {
    let secret = codec::base64(&ids::random_bytes::<30>(), STANDARD, false);
    let token = format!(
        "IQoJb3JpZ2luX2Vj{}",
        codec::base64(&ids::random_bytes::<120>(), STANDARD, true)
    );
    if hostile {
        (
            format!("{}'$HOME \"%s` \\{}", &secret[..12], &secret[12..30]),
            format!("{}' $(id) \"%n`\\ {}", &token[..40], &token[40..]),
        )
    } else {
        (secret, token)
    }
}

/// A fresh `ASIA…` key id, unused so far.
pub(crate) fn new_access_key_id(st: &State) -> String {
    loop {
        let id = format!("ASIA{}", ids::random_chars(KEY_ID_ALPHABET, 16));
        if !st.credentials.contains_key(&id) {
            return id;
        }
    }
}

/// `GET /federation/credentials`.
pub(crate) fn get_role_credentials(
    st: &mut State,
    cx: &Ctx,
    req: &Request,
) -> Result<Response, ApiError> {
    let p = input::params(
        req,
        &["account_id", "role_name"],
        &["account_id", "role_name"],
    )?;
    session(st, cx, req)?;
    let role = p.required("role_name");
    cx.org
        .account(p.required("account_id"))
        .filter(|a| a.roles.iter().any(|r| r == role))
        .ok_or_else(ApiError::not_found)?;
    let access_key_id = new_access_key_id(st);
    let (secret_access_key, session_token) = new_secrets(st.settings.hostile_secrets);
    let expires_at_ms = cx.now.saturating_add(st.settings.role_credentials_ttl) * 1000;
    let expiration = st
        .settings
        .hostile(|h| match h {
            Hostile::RoleExpiration(v) => Some(v.clone()),
            _ => None,
        })
        .unwrap_or_else(|| json!(expires_at_ms));
    let body = json!({"roleCredentials": {
        "accessKeyId": access_key_id,
        "secretAccessKey": secret_access_key,
        "sessionToken": session_token,
        "expiration": expiration,
    }});
    let issued = IssuedCredentials {
        secret_access_key,
        session_token,
        expires_at_ms,
        account_id: p.required("account_id").to_string(),
        role_name: role.to_string(),
    };
    st.credentials.insert(access_key_id, issued);
    Ok(Response::json(200, &body))
}

/// `POST /logout`: ends the sign-in session of the token (its refresh tokens too).
pub(crate) fn logout(st: &mut State, cx: &Ctx, req: &Request) -> Result<Response, ApiError> {
    input::params(req, &[], &[])?;
    let session = session(st, cx, req)?;
    st.logout(session);
    Ok(Response::empty(200))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Pages through a listing the way a correct client does, returning each page's size.
    fn walk(len: usize, size: usize, empty: bool) -> Vec<usize> {
        let mut at = Position::default();
        let mut pages = Vec::new();
        loop {
            let (range, next) = paginate(len, at, size, empty);
            pages.push(range.len());
            match next {
                Some(n) => at = n,
                None => return pages,
            }
        }
    }

    #[test]
    fn pagination() {
        assert_eq!(walk(7, 3, false), vec![3, 3, 1]);
        assert_eq!(walk(7, 3, true), vec![0, 3, 0, 3, 0, 1]);
        assert_eq!(walk(6, 3, false), vec![3, 3]);
        assert_eq!(walk(0, 3, true), vec![0]);
    }

    #[test]
    fn cycling_tokens_cycle() {
        assert_eq!(cycling_token(1, None), "cycle/0+=");
        assert_eq!(cycling_token(1, Some("cycle/0+=")), "cycle/0+=");
        assert_eq!(cycling_token(2, Some("cycle/0+=")), "cycle/1+=");
        assert_eq!(cycling_token(2, Some("cycle/1+=")), "cycle/0+=");
        assert_eq!(cycling_token(3, Some("other")), "cycle/0+=");
    }

    #[test]
    fn page_tokens_need_encoding() {
        let t = new_page_token();
        assert!(t.contains('/') && t.contains('+') && t.contains('='), "{t}");
    }

    #[test]
    fn hostile_secrets_are_hostile() {
        let (secret, token) = new_secrets(true);
        for c in ['\'', '$', '"', '%', '`', '\\', ' '] {
            assert!(secret.contains(c) && token.contains(c), "{c}");
        }
    }
}
