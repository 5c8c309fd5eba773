/*!
The administrator's view of the organisation, served by the fake's sso-admin, identitystore
and organizations APIs: the Identity Center instance, the identity store's users and groups,
permission sets, the OU tree with nested OUs, and account assignments (to users and to
groups). Tests read it as ground truth through the query methods at the bottom.
*/

use crate::account::Account;

/// `USER` or `GROUP`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PrincipalType {
    /// A user of the identity store.
    User,
    /// A group of the identity store.
    Group,
}

impl PrincipalType {
    /// The wire spelling, `USER` or `GROUP`.
    pub fn as_str(self) -> &'static str {
        match self {
            PrincipalType::User => "USER",
            PrincipalType::Group => "GROUP",
        }
    }
}

/// A user of the identity store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    /// `UserId`.
    pub id: String,
    /// `UserName`, the sign-in name (unique).
    pub user_name: String,
    /// `DisplayName`.
    pub display_name: String,
    /// Primary e-mail address.
    pub email: String,
}

/// A group of the identity store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Group {
    /// `GroupId`.
    pub id: String,
    /// `DisplayName` (unique).
    pub display_name: String,
    /// Member user ids.
    pub members: Vec<String>,
}

/// A permission set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PermissionSet {
    /// `arn:aws:sso:::permissionSet/ssoins-…/ps-…`.
    pub arn: String,
    /// Name, unique within the instance.
    pub name: String,
    /// Description.
    pub description: String,
}

/// An organizational unit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrgUnit {
    /// `ou-…`.
    pub id: String,
    /// Name.
    pub name: String,
    /// The root or OU it sits in.
    pub parent_id: String,
}

/// An account as organizations describes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrgAccount {
    /// 12-digit id.
    pub id: String,
    /// Name (not unique).
    pub name: String,
    /// Root e-mail address.
    pub email: String,
    /// The root or OU it sits in.
    pub parent_id: String,
}

/// One account assignment: a principal may use a permission set in an account.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Assignment {
    /// The account.
    pub account_id: String,
    /// The permission set.
    pub permission_set_arn: String,
    /// User or group.
    pub principal_type: PrincipalType,
    /// Its id.
    pub principal_id: String,
}

/// The administrator's view (see the module doc).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Directory {
    /// The Identity Center home region, where sso-admin, identitystore and STS are signed
    /// for. The sample uses `eu-west-1`, unlike the portal region and organizations'
    /// `us-east-1`, so a client that signs with the wrong region is caught.
    pub region: String,
    /// The instance ARN.
    pub instance_arn: String,
    /// Its identity store id.
    pub identity_store_id: String,
    /// The management account.
    pub owner_account_id: String,
    /// The organization root (`r-…`).
    pub root_id: String,
    /// OUs, parents before children.
    pub ous: Vec<OrgUnit>,
    /// Every account of the organization, in ListAccounts order.
    pub accounts: Vec<OrgAccount>,
    /// Users in ListUsers order.
    pub users: Vec<User>,
    /// Groups in ListGroups order.
    pub groups: Vec<Group>,
    /// Permission sets in ListPermissionSets order.
    pub permission_sets: Vec<PermissionSet>,
    /// Assignments, in no particular order.
    pub assignments: Vec<Assignment>,
    /// `(permission_set_arn, account_id)` pairs the permission set is provisioned to: every
    /// pair with an assignment, plus some whose assignments were removed.
    pub provisioned: Vec<(String, String)>,
}

const INSTANCE_ID: &str = "ssoins-7223a1b2c3d4e5f6";
const STORE_ID: &str = "d-9067c3a1f2";

fn instance_arn() -> String {
    format!("arn:aws:sso:::instance/{INSTANCE_ID}")
}

fn permission_set(n: usize, name: &str) -> PermissionSet {
    PermissionSet {
        arn: format!("arn:aws:sso:::permissionSet/{INSTANCE_ID}/ps-{n:016x}"),
        name: name.to_string(),
        description: format!("{name} (fake)"),
    }
}

/// An identity-store id: the store's hex part, a dash, and a UUID.
fn principal_id(kind: u8, n: usize) -> String {
    format!("9067c3a1f2-{kind:x}{n:07x}-1b2c-4d3e-8f40-{n:012x}")
}

fn user(n: usize, user_name: &str, display_name: &str) -> User {
    User {
        id: principal_id(0xa, n),
        user_name: user_name.to_string(),
        display_name: display_name.to_string(),
        email: format!("{user_name}@example.com"),
    }
}

fn ou(id: &str, name: &str, parent_id: &str) -> OrgUnit {
    OrgUnit {
        id: id.to_string(),
        name: name.to_string(),
        parent_id: parent_id.to_string(),
    }
}

impl Directory {
    /// The sample's admin view, for the accounts of [`crate::Org::sample`] plus a
    /// "Log Archive" account the portal user cannot see:
    ///
    /// ```text
    /// r-ab12
    /// ├── 111122223333 Management
    /// ├── ou-ab12-security1 Security: 678901234567 Security: Audit & Logs (Ü), 789012345678 Log Archive
    /// ├── ou-ab12-workload1 Workloads: 234567890123 Data Science
    /// │   └── ou-ab12-prodwork1 Production (no accounts of its own)
    /// │       └── ou-ab12-prodeu001 EU: 345678901234 prod/eu
    /// └── ou-ab12-sandbox01 Sandbox: 456789012345 Sandbox, 567890123456 Sandbox
    /// ```
    ///
    /// Users alice, bob, carol, dave, erin (no assignments); groups Admins, Developers,
    /// "Data Team", Auditors, "Empty Group" (no assignments); the permission sets of the
    /// sample's roles plus "Unused" (provisioned nowhere). SecurityAudit is still
    /// provisioned to Log Archive although its assignment is gone.
    pub fn sample(portal_accounts: &[Account]) -> Directory {
        let root = "r-ab12";
        let ous = vec![
            ou("ou-ab12-security1", "Security", root),
            ou("ou-ab12-workload1", "Workloads", root),
            ou("ou-ab12-prodwork1", "Production", "ou-ab12-workload1"),
            ou("ou-ab12-prodeu001", "EU", "ou-ab12-prodwork1"),
            ou("ou-ab12-sandbox01", "Sandbox", root),
        ];
        let parent_of = |id: &str| match id {
            "678901234567" | "789012345678" => "ou-ab12-security1",
            "234567890123" => "ou-ab12-workload1",
            "345678901234" => "ou-ab12-prodeu001",
            "456789012345" | "567890123456" => "ou-ab12-sandbox01",
            _ => root,
        };
        let mut accounts: Vec<OrgAccount> = portal_accounts
            .iter()
            .map(|a| OrgAccount {
                id: a.id.clone(),
                name: a.name.clone(),
                email: a.email.clone(),
                parent_id: parent_of(&a.id).to_string(),
            })
            .collect();
        accounts.push(OrgAccount {
            id: "789012345678".to_string(),
            name: "Log Archive".to_string(),
            email: "log-archive@example.com".to_string(),
            parent_id: parent_of("789012345678").to_string(),
        });
        let users = vec![
            user(1, "alice", "Alice Admin"),
            user(2, "bob", "Bob Builder"),
            user(3, "carol", "Carol Data"),
            user(4, "dave", "Dave Auditor"),
            user(5, "erin", "Erin Idle"),
        ];
        let uid = |name: &str| {
            users
                .iter()
                .find(|u| u.user_name == name)
                .map(|u| u.id.clone())
                .unwrap_or_default()
        };
        let group = |n: usize, name: &str, members: &[&str]| Group {
            id: principal_id(0xb, n),
            display_name: name.to_string(),
            members: members.iter().map(|m| uid(m)).collect(),
        };
        let groups = vec![
            group(1, "Admins", &["alice"]),
            group(2, "Developers", &["bob", "carol"]),
            group(3, "Data Team", &["carol"]),
            group(4, "Auditors", &["dave"]),
            group(5, "Empty Group", &[]),
        ];
        let ps_names = [
            "AdministratorAccess",
            "ReadOnlyAccess",
            "Billing",
            "PowerUserAccess",
            "DataScientist",
            "SecurityAudit",
            "Unused",
        ];
        let permission_sets: Vec<PermissionSet> = ps_names
            .iter()
            .enumerate()
            .map(|(i, n)| permission_set(0xa0 + i, n))
            .collect();
        let ps = |name: &str| {
            permission_sets
                .iter()
                .find(|p| p.name == name)
                .map(|p| p.arn.clone())
                .unwrap_or_default()
        };
        let gid = |name: &str| {
            groups
                .iter()
                .find(|g| g.display_name == name)
                .map(|g| g.id.clone())
                .unwrap_or_default()
        };
        let to_group = |account: &str, set: &str, g: &str| Assignment {
            account_id: account.to_string(),
            permission_set_arn: ps(set),
            principal_type: PrincipalType::Group,
            principal_id: gid(g),
        };
        let to_user = |account: &str, set: &str, u: &str| Assignment {
            account_id: account.to_string(),
            permission_set_arn: ps(set),
            principal_type: PrincipalType::User,
            principal_id: uid(u),
        };
        let assignments = vec![
            to_group("111122223333", "AdministratorAccess", "Admins"),
            to_user("111122223333", "Billing", "alice"),
            to_group("234567890123", "AdministratorAccess", "Admins"),
            to_group("234567890123", "ReadOnlyAccess", "Developers"),
            to_group("234567890123", "DataScientist", "Data Team"),
            to_user("234567890123", "DataScientist", "carol"),
            to_group("345678901234", "ReadOnlyAccess", "Developers"),
            to_user("345678901234", "PowerUserAccess", "bob"),
            to_group("456789012345", "AdministratorAccess", "Developers"),
            to_group("567890123456", "AdministratorAccess", "Developers"),
            to_user("567890123456", "ReadOnlyAccess", "dave"),
            to_group("678901234567", "ReadOnlyAccess", "Auditors"),
            to_group("678901234567", "SecurityAudit", "Auditors"),
            to_user("678901234567", "SecurityAudit", "dave"),
        ];
        let mut provisioned = provisioned_pairs(&assignments);
        provisioned.push((ps("SecurityAudit"), "789012345678".to_string()));
        Directory {
            region: "eu-west-1".to_string(),
            instance_arn: instance_arn(),
            identity_store_id: STORE_ID.to_string(),
            owner_account_id: "111122223333".to_string(),
            root_id: root.to_string(),
            ous,
            accounts,
            users,
            groups,
            permission_sets,
            assignments,
            provisioned,
        }
    }

    /// A deterministic admin view for [`crate::Org::generated`]: accounts in OUs of ten
    /// (every second OU nested in the one before), one permission set per role name, one
    /// group per permission set assigned in every account, and user `user-001` assigned the
    /// first permission set in every third account.
    pub fn generated(portal_accounts: &[Account], roles: &[String]) -> Directory {
        let root = "r-gen0";
        let mut ous = Vec::new();
        let mut accounts = Vec::new();
        for (i, a) in portal_accounts.iter().enumerate() {
            let n = i / 10;
            let id = format!("ou-gen0-{n:08x}");
            if i % 10 == 0 {
                let parent = if n % 2 == 1 {
                    format!("ou-gen0-{:08x}", n - 1)
                } else {
                    root.to_string()
                };
                ous.push(ou(&id, &format!("OU {n}"), &parent));
            }
            accounts.push(OrgAccount {
                id: a.id.clone(),
                name: a.name.clone(),
                email: a.email.clone(),
                parent_id: id,
            });
        }
        let permission_sets: Vec<PermissionSet> = roles
            .iter()
            .enumerate()
            .map(|(i, r)| permission_set(i + 1, r))
            .collect();
        let users = vec![user(1, "user-001", "User One")];
        let groups: Vec<Group> = roles
            .iter()
            .enumerate()
            .map(|(i, r)| Group {
                id: principal_id(0xb, i + 1),
                display_name: format!("group-{r}"),
                members: Vec::new(),
            })
            .collect();
        let mut assignments = Vec::new();
        for (i, a) in accounts.iter().enumerate() {
            for (p, g) in permission_sets.iter().zip(&groups) {
                assignments.push(Assignment {
                    account_id: a.id.clone(),
                    permission_set_arn: p.arn.clone(),
                    principal_type: PrincipalType::Group,
                    principal_id: g.id.clone(),
                });
            }
            if let (0, Some(p)) = (i % 3, permission_sets.first()) {
                assignments.push(Assignment {
                    account_id: a.id.clone(),
                    permission_set_arn: p.arn.clone(),
                    principal_type: PrincipalType::User,
                    principal_id: users[0].id.clone(),
                });
            }
        }
        let provisioned = provisioned_pairs(&assignments);
        Directory {
            region: "eu-west-1".to_string(),
            instance_arn: instance_arn(),
            identity_store_id: STORE_ID.to_string(),
            owner_account_id: accounts.first().map(|a| a.id.clone()).unwrap_or_default(),
            root_id: root.to_string(),
            ous,
            accounts,
            users,
            groups,
            permission_sets,
            assignments,
            provisioned,
        }
    }

    /// The account with this id.
    pub fn account(&self, id: &str) -> Option<&OrgAccount> {
        self.accounts.iter().find(|a| a.id == id)
    }

    /// The OU with this id.
    pub fn ou(&self, id: &str) -> Option<&OrgUnit> {
        self.ous.iter().find(|o| o.id == id)
    }

    /// Whether `id` is the root or an OU.
    pub fn is_parent(&self, id: &str) -> bool {
        id == self.root_id || self.ou(id).is_some()
    }

    /// The permission set with this ARN.
    pub fn permission_set(&self, arn: &str) -> Option<&PermissionSet> {
        self.permission_sets.iter().find(|p| p.arn == arn)
    }

    /// The permission set with this name.
    pub fn permission_set_named(&self, name: &str) -> Option<&PermissionSet> {
        self.permission_sets.iter().find(|p| p.name == name)
    }

    /// The user with this id.
    pub fn user(&self, id: &str) -> Option<&User> {
        self.users.iter().find(|u| u.id == id)
    }

    /// The user with this `UserName`.
    pub fn user_named(&self, name: &str) -> Option<&User> {
        self.users.iter().find(|u| u.user_name == name)
    }

    /// The group with this id.
    pub fn group(&self, id: &str) -> Option<&Group> {
        self.groups.iter().find(|g| g.id == id)
    }

    /// The group with this `DisplayName`.
    pub fn group_named(&self, name: &str) -> Option<&Group> {
        self.groups.iter().find(|g| g.display_name == name)
    }

    /// The name the contract prints for a principal: `UserName` or `DisplayName`.
    pub fn principal_name(&self, kind: PrincipalType, id: &str) -> Option<&str> {
        match kind {
            PrincipalType::User => self.user(id).map(|u| u.user_name.as_str()),
            PrincipalType::Group => self.group(id).map(|g| g.display_name.as_str()),
        }
    }

    /// The ids of the accounts directly in `parent`, or anywhere below it with `recursive`.
    pub fn accounts_under(&self, parent: &str, recursive: bool) -> Vec<&str> {
        let mut parents = vec![parent.to_string()];
        if recursive {
            let mut i = 0;
            while i < parents.len() {
                let current = parents[i].clone();
                let children = self.ous.iter().filter(|o| o.parent_id == current);
                parents.extend(children.map(|o| o.id.clone()));
                i += 1;
            }
        }
        self.accounts
            .iter()
            .filter(|a| parents.contains(&a.parent_id))
            .map(|a| a.id.as_str())
            .collect()
    }

    /// Whether `permission_set_arn` is provisioned to `account_id`.
    pub fn is_provisioned(&self, permission_set_arn: &str, account_id: &str) -> bool {
        self.provisioned
            .iter()
            .any(|(p, a)| p == permission_set_arn && a == account_id)
    }
}

fn provisioned_pairs(assignments: &[Assignment]) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> = assignments
        .iter()
        .map(|a| (a.permission_set_arn.clone(), a.account_id.clone()))
        .collect();
    pairs.sort();
    pairs.dedup();
    pairs
}

#[cfg(test)]
mod tests {
    use crate::Org;

    #[test]
    fn sample_tree_and_assignments_are_consistent() {
        let d = Org::sample().directory;
        assert_eq!(
            d.accounts_under("ou-ab12-workload1", false),
            ["234567890123"]
        );
        assert_eq!(
            d.accounts_under("ou-ab12-workload1", true),
            ["234567890123", "345678901234"]
        );
        assert!(d.accounts_under("ou-ab12-prodwork1", false).is_empty());
        assert_eq!(d.accounts_under(&d.root_id, true).len(), d.accounts.len());
        for a in &d.assignments {
            assert!(d.account(&a.account_id).is_some());
            assert!(d.permission_set(&a.permission_set_arn).is_some());
            assert!(
                d.principal_name(a.principal_type, &a.principal_id)
                    .is_some()
            );
            assert!(d.is_provisioned(&a.permission_set_arn, &a.account_id));
        }
        for o in &d.ous {
            assert!(d.is_parent(&o.parent_id));
        }
    }

    #[test]
    fn generated_is_consistent() {
        let d = Org::generated(25, 3).directory;
        assert_eq!(d.accounts.len(), 25);
        assert_eq!(d.accounts_under(&d.root_id, true).len(), 25);
        assert_eq!(d.assignments.len(), 25 * 3 + 9);
        assert_eq!(d.ous[1].parent_id, d.ous[0].id);
    }
}
