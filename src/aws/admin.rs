/*!
Typed calls to sso-admin, identitystore and organizations (protocol.md §10)
over the signed client:
request members and the few answer fields `admin` uses. "Not found" answers
become `None` where a caller reports unknown names rather than failing.
*/

use serde::Deserialize;
use serde_json::{Value, json};

use crate::aws::signed::{Api, SignedClient};
use crate::error::{Error, Result};

/// An Identity Center instance (ListInstances).
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct Instance {
    /// `arn:aws:sso:::instance/ssoins-…`.
    pub instance_arn: String,
    /// `d-…`, the identity store of the instance.
    #[serde(default)]
    pub identity_store_id: String,
    /// The account that owns the instance.
    #[serde(default)]
    pub owner_account_id: String,
    /// The instance's name, if it has one.
    #[serde(default)]
    pub name: String,
    /// `ACTIVE`, …
    #[serde(default)]
    pub status: String,
}

/// One account assignment.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "PascalCase")]
pub struct Assignment {
    /// The account.
    pub account_id: String,
    /// The permission set.
    pub permission_set_arn: String,
    /// `USER` or `GROUP`.
    pub principal_type: String,
    /// The identity-store id of the user or group.
    pub principal_id: String,
}

/// A permission set's description (DescribePermissionSet).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PermissionSet {
    /// Its ARN.
    pub permission_set_arn: String,
    /// Its name (unique within the instance).
    #[serde(default)]
    pub name: String,
}

/// A user of the identity store.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct User {
    /// Its id.
    pub user_id: String,
    /// `UserName`, the sign-in name.
    #[serde(default)]
    pub user_name: String,
}

/// A group of the identity store.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Group {
    /// Its id.
    pub group_id: String,
    /// `DisplayName`, the group's name.
    #[serde(default)]
    pub display_name: String,
}

/// An account of the organization.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct OrgAccount {
    /// 12-digit id.
    pub id: String,
    /// Its name (not unique).
    #[serde(default)]
    pub name: String,
}

/// An organizational unit.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct OrgUnit {
    /// `ou-…`.
    pub id: String,
}

/// `USER` or `GROUP`, as the APIs spell principal types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PrincipalType {
    /// A user.
    User,
    /// A group.
    Group,
}

impl PrincipalType {
    /// The wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            PrincipalType::User => "USER",
            PrincipalType::Group => "GROUP",
        }
    }

    /// Parses the wire spelling.
    pub fn parse(s: &str) -> Option<PrincipalType> {
        match s {
            "USER" => Some(PrincipalType::User),
            "GROUP" => Some(PrincipalType::Group),
            _ => None,
        }
    }
}

/// The admin APIs for one set of credentials.
pub struct Admin<'a> {
    aws: &'a SignedClient<'a>,
}

/// True for the "no such thing" errors of the three services.
fn is_not_found(e: &Error) -> bool {
    matches!(e, Error::Api(api) if matches!(api.code.as_str(),
        "ResourceNotFoundException"
            | "AccountNotFoundException"
            | "ParentNotFoundException"
            | "OrganizationalUnitNotFoundException"
            | "ChildNotFoundException"))
}

/// `Ok(None)` for a not-found answer.
fn found<T>(r: Result<T>) -> Result<Option<T>> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(e) if is_not_found(&e) => Ok(None),
        Err(e) => Err(e),
    }
}

fn field<T: for<'de> Deserialize<'de>>(v: Value, name: &str, op: &'static str) -> Result<T> {
    serde_json::from_value(v.get(name).cloned().unwrap_or(Value::Null))
        .map_err(|e| Error::unexpected(op, e))
}

impl<'a> Admin<'a> {
    /// The admin APIs over `aws`.
    pub fn new(aws: &'a SignedClient<'a>) -> Admin<'a> {
        Admin { aws }
    }

    /// The region the calls go to.
    pub fn region(&self) -> &str {
        self.aws.region()
    }

    /// Threads for a pool of these calls: the HTTP client's in-flight cap, so
    /// its governor (not the pool) decides how many run at once and slows
    /// down when the services throttle.
    pub fn concurrency(&self) -> usize {
        self.aws.max_in_flight()
    }

    /// sso-admin ListInstances.
    pub fn list_instances(&self) -> Result<Vec<Instance>> {
        self.aws
            .list(Api::SsoAdmin, "ListInstances", json!({}), "Instances")
    }

    /// sso-admin ListPermissionSets: every permission-set ARN.
    pub fn list_permission_sets(&self, instance: &str) -> Result<Vec<String>> {
        self.aws.list(
            Api::SsoAdmin,
            "ListPermissionSets",
            json!({"InstanceArn": instance}),
            "PermissionSets",
        )
    }

    /// sso-admin DescribePermissionSet; `None` when it does not exist.
    pub fn describe_permission_set(
        &self,
        instance: &str,
        arn: &str,
    ) -> Result<Option<PermissionSet>> {
        let op = "DescribePermissionSet";
        let body = json!({"InstanceArn": instance, "PermissionSetArn": arn});
        found(
            self.aws
                .call(Api::SsoAdmin, op, &body)
                .and_then(|v| field(v, "PermissionSet", op)),
        )
    }

    /// sso-admin ListAccountsForProvisionedPermissionSet: the accounts a
    /// permission set is provisioned to (the only ones that can hold
    /// assignments of it); `None` when the permission set does not exist.
    pub fn accounts_for_permission_set(
        &self,
        instance: &str,
        arn: &str,
    ) -> Result<Option<Vec<String>>> {
        found(self.aws.list(
            Api::SsoAdmin,
            "ListAccountsForProvisionedPermissionSet",
            json!({"InstanceArn": instance, "PermissionSetArn": arn}),
            "AccountIds",
        ))
    }

    /// sso-admin ListPermissionSetsProvisionedToAccount: the permission sets
    /// provisioned to one account.
    pub fn permission_sets_for_account(
        &self,
        instance: &str,
        account: &str,
    ) -> Result<Vec<String>> {
        self.aws.list(
            Api::SsoAdmin,
            "ListPermissionSetsProvisionedToAccount",
            json!({"InstanceArn": instance, "AccountId": account}),
            "PermissionSets",
        )
    }

    /// sso-admin ListAccountAssignments for one account × permission set.
    pub fn assignments(&self, instance: &str, account: &str, ps: &str) -> Result<Vec<Assignment>> {
        self.aws.list(
            Api::SsoAdmin,
            "ListAccountAssignments",
            json!({"InstanceArn": instance, "AccountId": account, "PermissionSetArn": ps}),
            "AccountAssignments",
        )
    }

    /// sso-admin ListAccountAssignmentsForPrincipal, optionally for one account.
    pub fn assignments_for_principal(
        &self,
        instance: &str,
        kind: PrincipalType,
        id: &str,
        account: Option<&str>,
    ) -> Result<Vec<Assignment>> {
        let mut body =
            json!({"InstanceArn": instance, "PrincipalId": id, "PrincipalType": kind.as_str()});
        if let Some(a) = account {
            body["Filter"] = json!({"AccountId": a});
        }
        self.aws.list(
            Api::SsoAdmin,
            "ListAccountAssignmentsForPrincipal",
            body,
            "AccountAssignments",
        )
    }

    /// identitystore GetUserId / GetGroupId by `userName` / `displayName`.
    pub fn principal_id(
        &self,
        store: &str,
        kind: PrincipalType,
        name: &str,
    ) -> Result<Option<String>> {
        let (op, path, id) = match kind {
            PrincipalType::User => ("GetUserId", "userName", "UserId"),
            PrincipalType::Group => ("GetGroupId", "displayName", "GroupId"),
        };
        let body = json!({
            "IdentityStoreId": store,
            "AlternateIdentifier": {"UniqueAttribute": {"AttributePath": path, "AttributeValue": name}},
        });
        found(
            self.aws
                .call(Api::IdentityStore, op, &body)
                .and_then(|v| field(v, id, op)),
        )
    }

    /// identitystore DescribeUser / DescribeGroup: the principal's name
    /// (`UserName` or `DisplayName`), `None` when no such principal exists.
    pub fn principal_name(
        &self,
        store: &str,
        kind: PrincipalType,
        id: &str,
    ) -> Result<Option<String>> {
        let r = match kind {
            PrincipalType::User => self
                .aws
                .call(
                    Api::IdentityStore,
                    "DescribeUser",
                    &json!({"IdentityStoreId": store, "UserId": id}),
                )
                .and_then(|v| serde_json::from_value::<User>(v).map_err(bad("DescribeUser")))
                .map(|u| u.user_name),
            PrincipalType::Group => self
                .aws
                .call(
                    Api::IdentityStore,
                    "DescribeGroup",
                    &json!({"IdentityStoreId": store, "GroupId": id}),
                )
                .and_then(|v| serde_json::from_value::<Group>(v).map_err(bad("DescribeGroup")))
                .map(|g| g.display_name),
        };
        found(r)
    }

    /// identitystore ListUsers / ListGroups: every principal's id and name.
    pub fn all_principal_names(
        &self,
        store: &str,
        kind: PrincipalType,
    ) -> Result<Vec<(String, String)>> {
        let body = json!({"IdentityStoreId": store});
        Ok(match kind {
            PrincipalType::User => self
                .aws
                .list::<User>(Api::IdentityStore, "ListUsers", body, "Users")?
                .into_iter()
                .map(|u| (u.user_id, u.user_name))
                .collect(),
            PrincipalType::Group => self
                .aws
                .list::<Group>(Api::IdentityStore, "ListGroups", body, "Groups")?
                .into_iter()
                .map(|g| (g.group_id, g.display_name))
                .collect(),
        })
    }

    /// organizations ListAccounts: every account of the organization.
    pub fn list_accounts(&self) -> Result<Vec<OrgAccount>> {
        self.aws
            .list(Api::Organizations, "ListAccounts", json!({}), "Accounts")
    }

    /// organizations DescribeAccount; `None` when not in the organization.
    pub fn describe_account(&self, id: &str) -> Result<Option<OrgAccount>> {
        let op = "DescribeAccount";
        found(
            self.aws
                .call(Api::Organizations, op, &json!({"AccountId": id}))
                .and_then(|v| field(v, "Account", op)),
        )
    }

    /// organizations ListAccountsForParent: the direct child accounts of a root
    /// or OU; `None` when the parent does not exist.
    pub fn accounts_for_parent(&self, parent: &str) -> Result<Option<Vec<OrgAccount>>> {
        found(self.aws.list(
            Api::Organizations,
            "ListAccountsForParent",
            json!({"ParentId": parent}),
            "Accounts",
        ))
    }

    /// organizations ListOrganizationalUnitsForParent: the direct child OUs.
    pub fn ous_for_parent(&self, parent: &str) -> Result<Option<Vec<OrgUnit>>> {
        found(self.aws.list(
            Api::Organizations,
            "ListOrganizationalUnitsForParent",
            json!({"ParentId": parent}),
            "OrganizationalUnits",
        ))
    }
}

fn bad(op: &'static str) -> impl Fn(serde_json::Error) -> Error {
    move |e| Error::unexpected(op, e)
}
