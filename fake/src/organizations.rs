/*!
organizations (`X-Amz-Target: AWSOrganizationsV20161128.*`, protocol.md §10.3): accounts,
the root and the OU tree. Pages hold at most 20 items.
*/

use serde_json::{Value, json};

use crate::directory::{Directory, OrgAccount, OrgUnit};
use crate::errors::{ApiError, Service};
use crate::handler::Ctx;
use crate::http::{Request, Response};
use crate::json11::{Members, account_id, body, listing, one_of, page, required};
use crate::state::State;

const S: Service = Service::Organizations;
/// organizations' `MaxResults` bound (protocol.md §1.6).
const MAX: usize = 20;
const ORG_ID: &str = "o-fake0123ab";

fn account_json(d: &Directory, a: &OrgAccount) -> Value {
    json!({
        "Id": a.id,
        "Arn": format!("arn:aws:organizations::{}:account/{ORG_ID}/{}", d.owner_account_id, a.id),
        "Email": a.email,
        "Name": a.name,
        "Status": "ACTIVE",
        "State": "ACTIVE",
        "JoinedMethod": "CREATED",
        "JoinedTimestamp": 1.7e9,
    })
}

fn ou_json(d: &Directory, o: &OrgUnit) -> Value {
    json!({
        "Id": o.id,
        "Arn": format!("arn:aws:organizations::{}:ou/{ORG_ID}/{}", d.owner_account_id, o.id),
        "Name": o.name,
    })
}

/// The request's `ParentId`, which must be the root or an OU.
fn parent<'a>(m: &'a Members, d: &Directory) -> Result<&'a str, ApiError> {
    let id = required(m, "ParentId", S)?;
    if d.is_parent(id) {
        Ok(id)
    } else {
        Err(ApiError::org_not_found(
            "ParentNotFoundException",
            "We can't find a root or OU with the ParentId that you specified.",
        ))
    }
}

/// `ListAccounts`.
pub(crate) fn list_accounts(st: &mut State, cx: &Ctx, req: &Request) -> Result<Response, ApiError> {
    let m = body(cx, req, S, &[])?;
    let d = &cx.org.directory;
    let all: Vec<Value> = d.accounts.iter().map(|a| account_json(d, a)).collect();
    let (items, next) = page(st, &m, S, ("ListAccounts", String::new()), &all, MAX)?;
    Ok(listing("Accounts", items, next))
}

/// `DescribeAccount`.
pub(crate) fn describe_account(
    _: &mut State,
    cx: &Ctx,
    req: &Request,
) -> Result<Response, ApiError> {
    let m = body(cx, req, S, &["AccountId"])?;
    let d = &cx.org.directory;
    let a = d.account(account_id(&m, "AccountId", S)?).ok_or_else(|| {
        ApiError::org_not_found(
            "AccountNotFoundException",
            "You specified an account that doesn't exist.",
        )
    })?;
    Ok(Response::json11(
        200,
        &json!({"Account": account_json(d, a)}),
    ))
}

/// `ListRoots`.
pub(crate) fn list_roots(st: &mut State, cx: &Ctx, req: &Request) -> Result<Response, ApiError> {
    let m = body(cx, req, S, &[])?;
    let d = &cx.org.directory;
    let roots = vec![json!({
        "Id": d.root_id,
        "Arn": format!("arn:aws:organizations::{}:root/{ORG_ID}/{}", d.owner_account_id, d.root_id),
        "Name": "Root",
        "PolicyTypes": [],
    })];
    let (items, next) = page(st, &m, S, ("ListRoots", String::new()), &roots, MAX)?;
    Ok(listing("Roots", items, next))
}

/// `ListChildren`.
pub(crate) fn list_children(st: &mut State, cx: &Ctx, req: &Request) -> Result<Response, ApiError> {
    let m = body(cx, req, S, &["ParentId", "ChildType"])?;
    let d = &cx.org.directory;
    let p = parent(&m, d)?;
    let kind = one_of(&m, "ChildType", &["ACCOUNT", "ORGANIZATIONAL_UNIT"], S)?;
    let children: Vec<Value> = if kind == "ACCOUNT" {
        let ids = d
            .accounts
            .iter()
            .filter(|a| a.parent_id == p)
            .map(|a| &a.id);
        ids.map(|id| json!({"Id": id, "Type": kind})).collect()
    } else {
        let ids = d.ous.iter().filter(|o| o.parent_id == p).map(|o| &o.id);
        ids.map(|id| json!({"Id": id, "Type": kind})).collect()
    };
    let (items, next) = page(
        st,
        &m,
        S,
        ("ListChildren", format!("{p} {kind}")),
        &children,
        MAX,
    )?;
    Ok(listing("Children", items, next))
}

/// `ListAccountsForParent`: the direct child accounts.
pub(crate) fn accounts_for_parent(
    st: &mut State,
    cx: &Ctx,
    req: &Request,
) -> Result<Response, ApiError> {
    let m = body(cx, req, S, &["ParentId"])?;
    let d = &cx.org.directory;
    let p = parent(&m, d)?;
    let all: Vec<Value> = d
        .accounts
        .iter()
        .filter(|a| a.parent_id == p)
        .map(|a| account_json(d, a))
        .collect();
    let (items, next) = page(
        st,
        &m,
        S,
        ("ListAccountsForParent", p.to_string()),
        &all,
        MAX,
    )?;
    Ok(listing("Accounts", items, next))
}

/// `ListOrganizationalUnitsForParent`: the direct child OUs.
pub(crate) fn ous_for_parent(
    st: &mut State,
    cx: &Ctx,
    req: &Request,
) -> Result<Response, ApiError> {
    let m = body(cx, req, S, &["ParentId"])?;
    let d = &cx.org.directory;
    let p = parent(&m, d)?;
    let all: Vec<Value> = d
        .ous
        .iter()
        .filter(|o| o.parent_id == p)
        .map(|o| ou_json(d, o))
        .collect();
    let key = ("ListOrganizationalUnitsForParent", p.to_string());
    let (items, next) = page(st, &m, S, key, &all, MAX)?;
    Ok(listing("OrganizationalUnits", items, next))
}

/// `DescribeOrganizationalUnit`.
pub(crate) fn describe_ou(_: &mut State, cx: &Ctx, req: &Request) -> Result<Response, ApiError> {
    let m = body(cx, req, S, &["OrganizationalUnitId"])?;
    let d = &cx.org.directory;
    let o = d
        .ou(required(&m, "OrganizationalUnitId", S)?)
        .ok_or_else(|| {
            ApiError::org_not_found(
                "OrganizationalUnitNotFoundException",
                "We can't find an OU with the OrganizationalUnitId that you specified.",
            )
        })?;
    Ok(Response::json11(
        200,
        &json!({"OrganizationalUnit": ou_json(d, o)}),
    ))
}
