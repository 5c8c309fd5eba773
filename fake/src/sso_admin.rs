/*!
sso-admin (`X-Amz-Target: SWBExternalService.*`, protocol.md §10.1): the instance, permission
sets, where they are provisioned, and account assignments.
*/

use serde_json::{Value, json};

use crate::directory::{Assignment, Directory};
use crate::errors::{ApiError, Service};
use crate::handler::Ctx;
use crate::http::{Request, Response};
use crate::json11::{self, Members, account_id, body, listing, one_of, optional, page, required};
use crate::state::State;

const S: Service = Service::SsoAdmin;
/// sso-admin's `MaxResults` bound.
const MAX: usize = 100;
const PROVISIONING: &[&str] = &[
    "LATEST_PERMISSION_SET_PROVISIONED",
    "LATEST_PERMISSION_SET_NOT_PROVISIONED",
];

/// The request's `InstanceArn`, which must be the instance's.
fn instance<'a>(m: &'a Members, d: &Directory) -> Result<&'a str, ApiError> {
    let arn = required(m, "InstanceArn", S)?;
    if arn == d.instance_arn {
        Ok(arn)
    } else {
        Err(ApiError::resource_not_found(format!(
            "Instance {arn} does not exist"
        )))
    }
}

/// The request's `PermissionSetArn`, which must exist.
fn permission_set<'a>(m: &'a Members, d: &Directory) -> Result<&'a str, ApiError> {
    let arn = required(m, "PermissionSetArn", S)?;
    if !arn.starts_with("arn:") {
        return Err(json11::invalid(
            S,
            format!("PermissionSetArn {arn:?} is not an ARN"),
        ));
    }
    match d.permission_set(arn) {
        Some(_) => Ok(arn),
        None => Err(ApiError::resource_not_found(format!(
            "PermissionSet {arn} does not exist"
        ))),
    }
}

fn assignment_json(a: &Assignment) -> Value {
    json!({
        "AccountId": a.account_id,
        "PermissionSetArn": a.permission_set_arn,
        "PrincipalType": a.principal_type.as_str(),
        "PrincipalId": a.principal_id,
    })
}

/// `ListInstances`.
pub(crate) fn list_instances(
    st: &mut State,
    cx: &Ctx,
    req: &Request,
) -> Result<Response, ApiError> {
    let m = body(cx, req, S, &["RegionScope"])?;
    let d = &cx.org.directory;
    let all = vec![json!({
        "InstanceArn": d.instance_arn,
        "IdentityStoreId": d.identity_store_id,
        "OwnerAccountId": d.owner_account_id,
        "Name": "fake",
        "Status": "ACTIVE",
        "CreatedDate": 1.7e9,
        "PrimaryRegion": d.region,
    })];
    let (items, next) = page(st, &m, S, ("ListInstances", String::new()), &all, MAX)?;
    Ok(listing("Instances", items, next))
}

/// `ListPermissionSets`.
pub(crate) fn list_permission_sets(
    st: &mut State,
    cx: &Ctx,
    req: &Request,
) -> Result<Response, ApiError> {
    let m = body(cx, req, S, &["InstanceArn"])?;
    let d = &cx.org.directory;
    instance(&m, d)?;
    let arns: Vec<Value> = d.permission_sets.iter().map(|p| json!(p.arn)).collect();
    let (items, next) = page(st, &m, S, ("ListPermissionSets", String::new()), &arns, MAX)?;
    Ok(listing("PermissionSets", items, next))
}

/// `DescribePermissionSet`.
pub(crate) fn describe_permission_set(
    _: &mut State,
    cx: &Ctx,
    req: &Request,
) -> Result<Response, ApiError> {
    let m = body(cx, req, S, &["InstanceArn", "PermissionSetArn"])?;
    let d = &cx.org.directory;
    instance(&m, d)?;
    let arn = permission_set(&m, d)?;
    let p = d
        .permission_set(arn)
        .ok_or_else(|| ApiError::resource_not_found("gone"))?;
    Ok(Response::json11(
        200,
        &json!({"PermissionSet": {
            "Name": p.name,
            "PermissionSetArn": p.arn,
            "Description": p.description,
            "CreatedDate": 1.7e9,
            "SessionDuration": "PT8H",
        }}),
    ))
}

/// `ListAccountsForProvisionedPermissionSet`.
pub(crate) fn accounts_for_permission_set(
    st: &mut State,
    cx: &Ctx,
    req: &Request,
) -> Result<Response, ApiError> {
    let m = body(
        cx,
        req,
        S,
        &["InstanceArn", "PermissionSetArn", "ProvisioningStatus"],
    )?;
    let d = &cx.org.directory;
    instance(&m, d)?;
    if m.contains_key("ProvisioningStatus") {
        one_of(&m, "ProvisioningStatus", PROVISIONING, S)?;
    }
    let arn = permission_set(&m, d)?;
    let ids: Vec<Value> = d
        .accounts
        .iter()
        .filter(|a| d.is_provisioned(arn, &a.id))
        .map(|a| json!(a.id))
        .collect();
    let key = ("ListAccountsForProvisionedPermissionSet", arn.to_string());
    let (items, next) = page(st, &m, S, key, &ids, MAX)?;
    Ok(listing("AccountIds", items, next))
}

/// `ListPermissionSetsProvisionedToAccount`.
pub(crate) fn permission_sets_for_account(
    st: &mut State,
    cx: &Ctx,
    req: &Request,
) -> Result<Response, ApiError> {
    let m = body(
        cx,
        req,
        S,
        &["InstanceArn", "AccountId", "ProvisioningStatus"],
    )?;
    let d = &cx.org.directory;
    instance(&m, d)?;
    if m.contains_key("ProvisioningStatus") {
        one_of(&m, "ProvisioningStatus", PROVISIONING, S)?;
    }
    let account = account_id(&m, "AccountId", S)?;
    let arns: Vec<Value> = d
        .permission_sets
        .iter()
        .filter(|p| d.is_provisioned(&p.arn, account))
        .map(|p| json!(p.arn))
        .collect();
    let key = (
        "ListPermissionSetsProvisionedToAccount",
        account.to_string(),
    );
    let (items, next) = page(st, &m, S, key, &arns, MAX)?;
    Ok(listing("PermissionSets", items, next))
}

/// `ListAccountAssignments` for one account × permission set.
pub(crate) fn list_account_assignments(
    st: &mut State,
    cx: &Ctx,
    req: &Request,
) -> Result<Response, ApiError> {
    let m = body(
        cx,
        req,
        S,
        &["InstanceArn", "AccountId", "PermissionSetArn"],
    )?;
    let d = &cx.org.directory;
    instance(&m, d)?;
    let account = account_id(&m, "AccountId", S)?;
    let arn = permission_set(&m, d)?;
    let found: Vec<Value> = d
        .assignments
        .iter()
        .filter(|a| a.account_id == account && a.permission_set_arn == arn)
        .map(assignment_json)
        .collect();
    let key = ("ListAccountAssignments", format!("{account} {arn}"));
    let (items, next) = page(st, &m, S, key, &found, MAX)?;
    Ok(listing("AccountAssignments", items, next))
}

/// `ListAccountAssignmentsForPrincipal`.
pub(crate) fn assignments_for_principal(
    st: &mut State,
    cx: &Ctx,
    req: &Request,
) -> Result<Response, ApiError> {
    let m = body(
        cx,
        req,
        S,
        &["InstanceArn", "PrincipalId", "PrincipalType", "Filter"],
    )?;
    let d = &cx.org.directory;
    instance(&m, d)?;
    let id = required(&m, "PrincipalId", S)?;
    let kind = one_of(&m, "PrincipalType", &["USER", "GROUP"], S)?;
    let account = match m.get("Filter") {
        None => None,
        Some(Value::Object(f)) => {
            if f.keys().any(|k| k != "AccountId") {
                return Err(json11::invalid(S, "Filter takes only AccountId"));
            }
            optional(f, "AccountId", S)?
        }
        Some(_) => return Err(json11::invalid(S, "Filter must be an object")),
    };
    let found: Vec<Value> = d
        .assignments
        .iter()
        .filter(|a| a.principal_id == id && a.principal_type.as_str() == kind)
        .filter(|a| account.is_none_or(|acc| a.account_id == acc))
        .map(assignment_json)
        .collect();
    let key = (
        "ListAccountAssignmentsForPrincipal",
        format!("{kind} {id} {}", account.unwrap_or("")),
    );
    let (items, next) = page(st, &m, S, key, &found, MAX)?;
    Ok(listing("AccountAssignments", items, next))
}
