/*!
`admin lookup`: identifiers for names — instance ARNs, the identity store id,
user and group ids, permission-set ARNs, account ids. Rows follow the order of
the names given; unknown names are reported after the known ones are printed
(exit 1, cli.md Settled details).
*/

use std::collections::HashMap;

use super::instance::scope;
use super::table::Table;
use crate::aws::admin::{Admin, PrincipalType};
use crate::error::Result;
use crate::util::pool;

/// What `admin lookup` looks up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LookupKind {
    /// Instance ARNs.
    Instance,
    /// The identity store id.
    IdentityStore,
    /// User ids by `UserName`.
    User,
    /// Group ids by `DisplayName`.
    Group,
    /// Permission-set ARNs by name.
    PermissionSet,
    /// Account ids by name.
    Account,
}

impl LookupKind {
    /// Parses the command-line word.
    pub fn parse(word: &str) -> Option<LookupKind> {
        Some(match word {
            "instance" => LookupKind::Instance,
            "identity-store" => LookupKind::IdentityStore,
            "user" => LookupKind::User,
            "group" => LookupKind::Group,
            "permission-set" => LookupKind::PermissionSet,
            "account" => LookupKind::Account,
            _ => return None,
        })
    }

    /// Whether the kind takes names.
    pub fn takes_names(self) -> bool {
        !matches!(self, LookupKind::Instance | LookupKind::IdentityStore)
    }
}

/// Runs `admin lookup KIND NAME…`.
pub fn run(
    admin: &Admin,
    instance_arn: Option<&str>,
    kind: LookupKind,
    names: &[String],
) -> Result<Table> {
    let mut names: Vec<String> = names.to_vec();
    dedup_keep_order(&mut names);
    match kind {
        LookupKind::Instance => {
            let rows: Vec<Vec<String>> = admin
                .list_instances()?
                .into_iter()
                .filter(|i| instance_arn.is_none_or(|a| a == i.instance_arn))
                .map(|i| {
                    vec![
                        i.instance_arn,
                        i.identity_store_id,
                        i.owner_account_id,
                        i.name,
                        i.status,
                    ]
                })
                .collect();
            let columns = [
                "instance_arn",
                "identity_store_id",
                "owner_account_id",
                "name",
                "status",
            ];
            Ok(Table::new(&columns, rows))
        }
        LookupKind::IdentityStore => {
            let s = scope(admin, instance_arn, true)?;
            let rows = vec![vec![s.identity_store_id, s.instance_arn]];
            Ok(Table::new(&["identity_store_id", "instance_arn"], rows))
        }
        LookupKind::User | LookupKind::Group => {
            let s = scope(admin, instance_arn, true)?;
            let (principal, columns, what) = match kind {
                LookupKind::User => (PrincipalType::User, ["user_name", "user_id"], "user"),
                _ => (PrincipalType::Group, ["group_name", "group_id"], "group"),
            };
            let ids = pool::map(&names, admin.concurrency(), |n| {
                admin.principal_id(&s.identity_store_id, principal, n)
            })?;
            Ok(report(&columns, what, &names, |i| {
                ids[i].clone().into_iter().collect()
            }))
        }
        LookupKind::PermissionSet => {
            let s = scope(admin, instance_arn, false)?;
            let by_name: HashMap<String, String> = all_permission_sets(admin, &s.instance_arn)?
                .into_iter()
                .map(|(arn, name)| (name, arn))
                .collect();
            Ok(report(
                &["permission_set_name", "permission_set_arn"],
                "permission set",
                &names,
                |i| by_name.get(&names[i]).cloned().into_iter().collect(),
            ))
        }
        LookupKind::Account => {
            let mut by_name: HashMap<String, Vec<String>> = HashMap::new();
            for a in admin.list_accounts()? {
                by_name.entry(a.name).or_default().push(a.id);
            }
            for ids in by_name.values_mut() {
                ids.sort();
            }
            Ok(report(
                &["account_name", "account_id"],
                "account",
                &names,
                |i| by_name.get(&names[i]).cloned().unwrap_or_default(),
            ))
        }
    }
}

/// Every permission set as `(arn, name)`: ListPermissionSets, then one
/// DescribePermissionSet each (there is no call that lists names).
pub fn all_permission_sets(admin: &Admin, instance: &str) -> Result<Vec<(String, String)>> {
    let arns = admin.list_permission_sets(instance)?;
    let described = pool::map(&arns, admin.concurrency(), |arn| {
        admin.describe_permission_set(instance, arn)
    })?;
    Ok(described
        .into_iter()
        .flatten()
        .map(|ps| (ps.permission_set_arn, ps.name))
        .collect())
}

/// `name, id` rows for each name (`ids(i)` gives the ids of name `i`), and the
/// names without an id.
fn report(
    columns: &[&'static str],
    what: &str,
    names: &[String],
    ids: impl Fn(usize) -> Vec<String>,
) -> Table {
    let mut rows = Vec::new();
    let mut missing = Vec::new();
    for (i, name) in names.iter().enumerate() {
        let found = ids(i);
        if found.is_empty() {
            missing.push(format!("{what} '{name}'"));
        }
        rows.extend(found.into_iter().map(|id| vec![name.clone(), id]));
    }
    Table {
        missing,
        ..Table::new(columns, rows)
    }
}

fn dedup_keep_order(names: &mut Vec<String>) {
    let mut seen = std::collections::HashSet::new();
    names.retain(|n| seen.insert(n.clone()));
}
