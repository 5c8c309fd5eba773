/*!
identitystore (`X-Amz-Target: AWSIdentityStore.*`, protocol.md §10.2): users and groups by
id, by unique attribute (GetUserId / GetGroupId) and as listings.
*/

use serde_json::{Value, json};

use crate::directory::{Directory, Group, User};
use crate::errors::{ApiError, Service};
use crate::handler::Ctx;
use crate::http::{Request, Response};
use crate::json11::{self, Members, body, listing, page, required};
use crate::state::State;

const S: Service = Service::IdentityStore;
/// identitystore's `MaxResults` bound.
const MAX: usize = 100;

fn store<'a>(m: &'a Members, d: &Directory) -> Result<&'a str, ApiError> {
    let id = required(m, "IdentityStoreId", S)?;
    if id == d.identity_store_id {
        Ok(id)
    } else {
        Err(ApiError::resource_not_found(format!(
            "IdentityStore {id} does not exist"
        )))
    }
}

fn user_json(d: &Directory, u: &User) -> Value {
    json!({
        "IdentityStoreId": d.identity_store_id,
        "UserId": u.id,
        "UserName": u.user_name,
        "DisplayName": u.display_name,
        "Emails": [{"Value": u.email, "Type": "work", "Primary": true}],
        "UserStatus": "ENABLED",
    })
}

fn group_json(d: &Directory, g: &Group) -> Value {
    json!({
        "IdentityStoreId": d.identity_store_id,
        "GroupId": g.id,
        "DisplayName": g.display_name,
    })
}

/// `AlternateIdentifier.UniqueAttribute` with a string value at `path`.
fn unique_attribute<'a>(m: &'a Members, paths: &[&str]) -> Result<(&'a str, &'a str), ApiError> {
    let bad = || {
        json11::invalid(
            S,
            "AlternateIdentifier must be {\"UniqueAttribute\": {\"AttributePath\": …, \"AttributeValue\": …}}",
        )
    };
    let alt = m
        .get("AlternateIdentifier")
        .and_then(Value::as_object)
        .ok_or_else(bad)?;
    if alt.len() != 1 {
        return Err(bad());
    }
    let ua = alt
        .get("UniqueAttribute")
        .and_then(Value::as_object)
        .ok_or_else(bad)?;
    let path = ua
        .get("AttributePath")
        .and_then(Value::as_str)
        .ok_or_else(bad)?;
    let value = ua
        .get("AttributeValue")
        .and_then(Value::as_str)
        .ok_or_else(bad)?;
    if ua.len() != 2 || !paths.contains(&path) {
        return Err(json11::invalid(
            S,
            format!("AttributePath {path:?} is not supported"),
        ));
    }
    Ok((path, value))
}

fn not_found(kind: &str) -> ApiError {
    ApiError::resource_not_found(format!("{kind} not found"))
}

/// `GetUserId` by `userName` or `emails.value`.
pub(crate) fn get_user_id(_: &mut State, cx: &Ctx, req: &Request) -> Result<Response, ApiError> {
    let m = body(cx, req, S, &["IdentityStoreId", "AlternateIdentifier"])?;
    let d = &cx.org.directory;
    store(&m, d)?;
    let (path, value) = unique_attribute(&m, &["userName", "emails.value"])?;
    let u = d
        .users
        .iter()
        .find(|u| {
            if path == "userName" {
                u.user_name == value
            } else {
                u.email == value
            }
        })
        .ok_or_else(|| not_found("USER"))?;
    Ok(Response::json11(
        200,
        &json!({"IdentityStoreId": d.identity_store_id, "UserId": u.id}),
    ))
}

/// `GetGroupId` by `displayName`.
pub(crate) fn get_group_id(_: &mut State, cx: &Ctx, req: &Request) -> Result<Response, ApiError> {
    let m = body(cx, req, S, &["IdentityStoreId", "AlternateIdentifier"])?;
    let d = &cx.org.directory;
    store(&m, d)?;
    let (_, value) = unique_attribute(&m, &["displayName"])?;
    let g = d.group_named(value).ok_or_else(|| not_found("GROUP"))?;
    Ok(Response::json11(
        200,
        &json!({"IdentityStoreId": d.identity_store_id, "GroupId": g.id}),
    ))
}

/// `DescribeUser`.
pub(crate) fn describe_user(_: &mut State, cx: &Ctx, req: &Request) -> Result<Response, ApiError> {
    let m = body(cx, req, S, &["IdentityStoreId", "UserId", "Extensions"])?;
    let d = &cx.org.directory;
    store(&m, d)?;
    let u = d
        .user(required(&m, "UserId", S)?)
        .ok_or_else(|| not_found("USER"))?;
    Ok(Response::json11(200, &user_json(d, u)))
}

/// `DescribeGroup`.
pub(crate) fn describe_group(_: &mut State, cx: &Ctx, req: &Request) -> Result<Response, ApiError> {
    let m = body(cx, req, S, &["IdentityStoreId", "GroupId"])?;
    let d = &cx.org.directory;
    store(&m, d)?;
    let g = d
        .group(required(&m, "GroupId", S)?)
        .ok_or_else(|| not_found("GROUP"))?;
    Ok(Response::json11(200, &group_json(d, g)))
}

/// `ListUsers`.
pub(crate) fn list_users(st: &mut State, cx: &Ctx, req: &Request) -> Result<Response, ApiError> {
    let m = body(cx, req, S, &["IdentityStoreId", "Extensions"])?;
    let d = &cx.org.directory;
    store(&m, d)?;
    let all: Vec<Value> = d.users.iter().map(|u| user_json(d, u)).collect();
    let (items, next) = page(st, &m, S, ("ListUsers", String::new()), &all, MAX)?;
    Ok(listing("Users", items, next))
}

/// `ListGroups`.
pub(crate) fn list_groups(st: &mut State, cx: &Ctx, req: &Request) -> Result<Response, ApiError> {
    let m = body(cx, req, S, &["IdentityStoreId"])?;
    let d = &cx.org.directory;
    store(&m, d)?;
    let all: Vec<Value> = d.groups.iter().map(|g| group_json(d, g)).collect();
    let (items, next) = page(st, &m, S, ("ListGroups", String::new()), &all, MAX)?;
    Ok(listing("Groups", items, next))
}
