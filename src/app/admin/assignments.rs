/*!
`admin assignments`: every assignment (principal × permission set × account),
filtered, optionally with names, in a deterministic order.

The APIs answer one account × permission set at a time, so the listing picks
the cheapest path (each step's calls run concurrently on a bounded pool):

- filtered by principal: ListAccountAssignmentsForPrincipal, one listing per
  principal (with its account filter when one account is targeted);
- otherwise the permission-set × account pairs that can hold assignments are
  found first — per permission set with ListAccountsForProvisionedPermissionSet,
  or, when fewer accounts than permission sets are targeted, per account with
  ListPermissionSetsProvisionedToAccount — and only those pairs get a
  ListAccountAssignments listing;
- `--names`: a Describe call per distinct principal or account while there are
  fewer than a page of them, else one listing of all (ListUsers/ListGroups,
  ListAccounts); names already seen (OU listings, permission-set name
  resolution) are reused.

Progress is counted in accounts over the ListAccountAssignments listings, the
step that grows with the organization: an account is done when every one of
its pairs is listed, and the pairs are listed account by account so the count
moves steadily. The principal path (a listing per principal, pages of unknown
number) reports nothing.
*/

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};

use super::instance::{Scope, scope};
use super::lookup::all_permission_sets;
use super::table::Table;

use crate::aws::admin::{Admin, Assignment, PrincipalType};
use crate::aws::signed::Api;
use crate::error::{Error, Result};
use crate::portal::is_account_id;
use crate::util::pool;

/// `admin assignments` filters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AssignmentFilters {
    /// `--principal`.
    pub principals: Vec<PrincipalFilter>,
    /// `--permission-set NAME|ARN`.
    pub permission_sets: Vec<String>,
    /// `--target ACCOUNT_ID|OU_ID`.
    pub targets: Vec<String>,
    /// `--ou-recursive`.
    pub ou_recursive: bool,
    /// `--names`.
    pub names: bool,
}

/// One `--principal` value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrincipalFilter {
    /// `user:NAME` (the `UserName`).
    User(String),
    /// `group:NAME` (the `DisplayName`).
    Group(String),
    /// A user or group id.
    Id(String),
}

impl PrincipalFilter {
    /// Parses `user:NAME`, `group:NAME` or an id.
    pub fn parse(v: &str) -> Result<PrincipalFilter> {
        let empty = || Error::Usage(format!("--principal: '{v}' has an empty name"));
        if let Some(name) = v.strip_prefix("user:") {
            return (!name.is_empty())
                .then(|| PrincipalFilter::User(name.to_string()))
                .ok_or_else(empty);
        }
        if let Some(name) = v.strip_prefix("group:") {
            return (!name.is_empty())
                .then(|| PrincipalFilter::Group(name.to_string()))
                .ok_or_else(empty);
        }
        if v.is_empty() || v.contains(char::is_whitespace) {
            return Err(Error::Usage(format!(
                "--principal: '{v}' is not user:NAME, group:NAME or a principal id"
            )));
        }
        Ok(PrincipalFilter::Id(v.to_string()))
    }
}

/// True for an OU id (`ou-…`) or a root id (`r-…`), which a target may name.
pub fn is_parent_id(s: &str) -> bool {
    let rest = s.strip_prefix("ou-").or_else(|| s.strip_prefix("r-"));
    rest.is_some_and(|r| !r.is_empty() && r.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
}

/// The csv columns, which are also the JSON keys (cli.md).
pub const COLUMNS: [&str; 9] = [
    "instance_arn",
    "principal_type",
    "principal_id",
    "principal_name",
    "permission_set_arn",
    "permission_set_name",
    "target_type",
    "target_id",
    "target_name",
];

/// Names learnt along the way, for `--names`.
#[derive(Default)]
struct Names {
    permission_sets: HashMap<String, String>,
    principals: HashMap<(PrincipalType, String), String>,
    accounts: HashMap<String, String>,
}

/// Runs `admin assignments`, calling `progress(done, total)` as the accounts'
/// assignments are listed.
pub fn run(
    admin: &Admin,
    instance_arn: Option<&str>,
    f: &AssignmentFilters,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<Table> {
    let need_store = !f.principals.is_empty() || f.names;
    let s = scope(admin, instance_arn, need_store)?;
    let mut names = Names::default();
    let mut missing = Vec::new();

    let ps_filter = permission_set_filter(admin, &s, &f.permission_sets, &mut names, &mut missing)?;
    let targets = if f.targets.is_empty() {
        None
    } else {
        Some(expand_targets(
            admin,
            &f.targets,
            f.ou_recursive,
            &mut names,
            &mut missing,
        )?)
    };
    let principals = if f.principals.is_empty() {
        None
    } else {
        Some(resolve_principals(
            admin,
            &s,
            &f.principals,
            &mut names,
            &mut missing,
        )?)
    };

    let mut found = match &principals {
        Some(list) => by_principal(admin, &s, list, targets.as_ref())?,
        None => by_pairs(
            admin,
            &s,
            ps_filter.as_ref(),
            targets.as_ref(),
            &mut missing,
            progress,
        )?,
    };
    found.retain(|a| {
        ps_filter
            .as_ref()
            .is_none_or(|p| p.contains(&a.permission_set_arn))
            && targets.as_ref().is_none_or(|t| t.contains(&a.account_id))
    });
    found.sort();
    found.dedup();
    if f.names {
        resolve_names(admin, &s, &found, &mut names)?;
    }

    let mut rows: Vec<Vec<String>> = found
        .into_iter()
        .map(|a| {
            let kind = PrincipalType::parse(&a.principal_type);
            let name = |m: &HashMap<String, String>, k: &str| {
                if f.names {
                    m.get(k).cloned().unwrap_or_default()
                } else {
                    String::new()
                }
            };
            let principal_name = match (f.names, kind) {
                (true, Some(k)) => names
                    .principals
                    .get(&(k, a.principal_id.clone()))
                    .cloned()
                    .unwrap_or_default(),
                _ => String::new(),
            };
            vec![
                s.instance_arn.clone(),
                a.principal_type.clone(),
                a.principal_id.clone(),
                principal_name,
                a.permission_set_arn.clone(),
                name(&names.permission_sets, &a.permission_set_arn),
                "AWS_ACCOUNT".to_string(),
                a.account_id.clone(),
                name(&names.accounts, &a.account_id),
            ]
        })
        .collect();
    // Account, then permission set, then principal; names first (case-blind)
    // so the table reads well, ids break ties so the order never depends on
    // the order the service answered in.
    rows.sort_by(|x, y| {
        let key = |r: &Vec<String>| {
            (
                r[8].to_lowercase(),
                r[7].clone(),
                r[5].to_lowercase(),
                r[4].clone(),
                r[1].clone(),
                r[3].to_lowercase(),
                r[2].clone(),
            )
        };
        key(x).cmp(&key(y))
    });
    Ok(Table {
        missing,
        ..Table::new(&COLUMNS, rows)
    })
}

/// The permission-set ARNs `--permission-set` names (ARNs as given, names
/// resolved through every permission set's description); `None` without the flag.
fn permission_set_filter(
    admin: &Admin,
    s: &Scope,
    wanted: &[String],
    names: &mut Names,
    missing: &mut Vec<String>,
) -> Result<Option<BTreeSet<String>>> {
    if wanted.is_empty() {
        return Ok(None);
    }
    let mut set = BTreeSet::new();
    let (arns, by_name): (Vec<&String>, Vec<&String>) =
        wanted.iter().partition(|w| w.starts_with("arn:"));
    set.extend(arns.into_iter().cloned());
    if !by_name.is_empty() {
        let all = all_permission_sets(admin, &s.instance_arn)?;
        for (arn, name) in &all {
            names.permission_sets.insert(arn.clone(), name.clone());
        }
        for n in by_name {
            match all.iter().find(|(_, name)| name == n) {
                Some((arn, _)) => {
                    set.insert(arn.clone());
                }
                None => missing.push(format!("permission set '{n}'")),
            }
        }
    }
    Ok(Some(set))
}

/// The accounts `--target` names: account ids as given, OUs (and roots)
/// expanded to their direct child accounts, or every account below them with
/// `--ou-recursive`. Each level of the tree is listed concurrently.
fn expand_targets(
    admin: &Admin,
    targets: &[String],
    recursive: bool,
    names: &mut Names,
    missing: &mut Vec<String>,
) -> Result<BTreeSet<String>> {
    let mut accounts = BTreeSet::new();
    let mut level: Vec<String> = Vec::new();
    for t in targets {
        if is_account_id(t) {
            accounts.insert(t.clone());
        } else if !level.contains(t) {
            level.push(t.clone());
        }
    }
    let mut seen: HashSet<String> = level.iter().cloned().collect();
    while !level.is_empty() {
        let listed = pool::map(&level, admin.concurrency(), |parent| {
            let Some(children) = admin.accounts_for_parent(parent)? else {
                return Ok(None);
            };
            let ous = if recursive {
                admin.ous_for_parent(parent)?.unwrap_or_default()
            } else {
                Vec::new()
            };
            Ok(Some((children, ous)))
        })?;
        let mut next = Vec::new();
        for (parent, result) in level.iter().zip(listed) {
            let Some((children, ous)) = result else {
                // Only a target the user gave can be missing: nested OUs come
                // from the service's own answers.
                missing.push(format!("target '{parent}'"));
                continue;
            };
            for a in children {
                names.accounts.insert(a.id.clone(), a.name);
                accounts.insert(a.id);
            }
            for ou in ous {
                if seen.insert(ou.id.clone()) {
                    next.push(ou.id);
                }
            }
        }
        level = next;
    }
    Ok(accounts)
}

/// Resolves `--principal` values to `(type, id)`: names through GetUserId /
/// GetGroupId, bare ids through DescribeUser and then DescribeGroup (whose
/// answers also give the names `--names` prints).
fn resolve_principals(
    admin: &Admin,
    s: &Scope,
    wanted: &[PrincipalFilter],
    names: &mut Names,
    missing: &mut Vec<String>,
) -> Result<Vec<(PrincipalType, String)>> {
    let store = &s.identity_store_id;
    let resolved = pool::map(wanted, admin.concurrency(), |p| {
        Ok(match p {
            PrincipalFilter::User(n) => admin
                .principal_id(store, PrincipalType::User, n)?
                .map(|id| (PrincipalType::User, id, n.clone())),
            PrincipalFilter::Group(n) => admin
                .principal_id(store, PrincipalType::Group, n)?
                .map(|id| (PrincipalType::Group, id, n.clone())),
            PrincipalFilter::Id(id) => {
                match admin.principal_name(store, PrincipalType::User, id)? {
                    Some(n) => Some((PrincipalType::User, id.clone(), n)),
                    None => admin
                        .principal_name(store, PrincipalType::Group, id)?
                        .map(|n| (PrincipalType::Group, id.clone(), n)),
                }
            }
        })
    })?;
    let mut out = Vec::new();
    for (p, r) in wanted.iter().zip(resolved) {
        match r {
            Some((kind, id, name)) => {
                // Only a Describe answer gives the stored spelling; a name typed
                // in a filter may differ in case from it.
                if matches!(p, PrincipalFilter::Id(_)) {
                    names.principals.insert((kind, id.clone()), name);
                }
                if !out.contains(&(kind, id.clone())) {
                    out.push((kind, id));
                }
            }
            None => missing.push(match p {
                PrincipalFilter::User(n) => format!("user '{n}'"),
                PrincipalFilter::Group(n) => format!("group '{n}'"),
                PrincipalFilter::Id(id) => format!("principal '{id}'"),
            }),
        }
    }
    Ok(out)
}

/// One ListAccountAssignmentsForPrincipal listing per principal.
fn by_principal(
    admin: &Admin,
    s: &Scope,
    principals: &[(PrincipalType, String)],
    targets: Option<&BTreeSet<String>>,
) -> Result<Vec<Assignment>> {
    let one_account = targets.filter(|t| t.len() == 1).and_then(|t| t.first());
    let lists = pool::map(principals, admin.concurrency(), |(kind, id)| {
        admin.assignments_for_principal(&s.instance_arn, *kind, id, one_account.map(String::as_str))
    })?;
    Ok(lists.into_iter().flatten().collect())
}

/// The permission-set × account pairs that can hold assignments, then one
/// ListAccountAssignments listing per pair; `progress` counts the accounts
/// whose pairs are all listed.
fn by_pairs(
    admin: &Admin,
    s: &Scope,
    ps_filter: Option<&BTreeSet<String>>,
    targets: Option<&BTreeSet<String>>,
    missing: &mut Vec<String>,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<Vec<Assignment>> {
    let inst = &s.instance_arn;
    if targets.is_some_and(BTreeSet::is_empty) || ps_filter.is_some_and(BTreeSet::is_empty) {
        return Ok(Vec::new());
    }
    let permission_sets: Vec<String> = match ps_filter {
        Some(p) => p.iter().cloned().collect(),
        None if targets.is_some() => Vec::new(),
        None => admin.list_permission_sets(inst)?,
    };
    let per_account = match targets {
        Some(t) => ps_filter.is_none() || t.len() < permission_sets.len(),
        None => false,
    };
    // (account, permission set): ordered by account, so accounts are
    // finished one after another rather than all at the end.
    let mut pairs: BTreeSet<(String, String)> = BTreeSet::new();
    if let (true, Some(t)) = (per_account, targets) {
        let accounts: Vec<String> = t.iter().cloned().collect();
        let lists = pool::map(&accounts, admin.concurrency(), |a| {
            admin.permission_sets_for_account(inst, a)
        })?;
        for (a, list) in accounts.iter().zip(lists) {
            for ps in list {
                if ps_filter.is_none_or(|p| p.contains(&ps)) {
                    pairs.insert((a.clone(), ps));
                }
            }
        }
    } else {
        let lists = pool::map(&permission_sets, admin.concurrency(), |ps| {
            admin.accounts_for_permission_set(inst, ps)
        })?;
        for (ps, list) in permission_sets.iter().zip(lists) {
            let Some(list) = list else {
                missing.push(format!("permission set '{ps}'"));
                continue;
            };
            for a in list {
                if targets.is_none_or(|t| t.contains(&a)) {
                    pairs.insert((a, ps.clone()));
                }
            }
        }
    }
    let pairs: Vec<(String, String)> = pairs.into_iter().collect();
    let mut left: HashMap<&str, AtomicUsize> = HashMap::new();
    for (a, _) in &pairs {
        *left.entry(a.as_str()).or_default().get_mut() += 1;
    }
    let total = left.len();
    let done = AtomicUsize::new(0);
    if total > 0 {
        progress(0, total);
    }
    let lists = pool::map(&pairs, admin.concurrency(), |(a, ps)| {
        let list = admin.assignments(inst, a, ps)?;
        let last = left
            .get(a.as_str())
            .is_some_and(|n| n.fetch_sub(1, Ordering::Relaxed) == 1);
        if last {
            progress(done.fetch_add(1, Ordering::Relaxed) + 1, total);
        }
        Ok(list)
    })?;
    Ok(lists.into_iter().flatten().collect())
}

/// Below this many unknown names of a kind, Describe each (concurrently);
/// from here on one listing of all of them is cheaper. One page of the listing.
fn describe_limit(api: Api) -> usize {
    api.max_page() as usize
}

/// Fills in the names of every principal, permission set and account of `found`.
fn resolve_names(admin: &Admin, s: &Scope, found: &[Assignment], names: &mut Names) -> Result<()> {
    let store = &s.identity_store_id;
    let mut ps: Vec<String> = found.iter().map(|a| a.permission_set_arn.clone()).collect();
    ps.sort();
    ps.dedup();
    ps.retain(|arn| !names.permission_sets.contains_key(arn));
    let described = pool::map(&ps, admin.concurrency(), |arn| {
        admin.describe_permission_set(&s.instance_arn, arn)
    })?;
    for d in described.into_iter().flatten() {
        names.permission_sets.insert(d.permission_set_arn, d.name);
    }

    for kind in [PrincipalType::User, PrincipalType::Group] {
        let mut ids: Vec<String> = found
            .iter()
            .filter(|a| PrincipalType::parse(&a.principal_type) == Some(kind))
            .map(|a| a.principal_id.clone())
            .filter(|id| !names.principals.contains_key(&(kind, id.clone())))
            .collect();
        ids.sort();
        ids.dedup();
        if ids.is_empty() {
            continue;
        }
        if ids.len() < describe_limit(Api::IdentityStore) {
            let got = pool::map(&ids, admin.concurrency(), |id| {
                admin.principal_name(store, kind, id)
            })?;
            for (id, name) in ids.into_iter().zip(got) {
                if let Some(name) = name {
                    names.principals.insert((kind, id), name);
                }
            }
        } else {
            for (id, name) in admin.all_principal_names(store, kind)? {
                names.principals.insert((kind, id), name);
            }
        }
    }

    let mut accounts: Vec<String> = found
        .iter()
        .map(|a| a.account_id.clone())
        .filter(|id| !names.accounts.contains_key(id))
        .collect();
    accounts.sort();
    accounts.dedup();
    if accounts.is_empty() {
        return Ok(());
    }
    if accounts.len() < describe_limit(Api::Organizations) {
        let got = pool::map(&accounts, admin.concurrency(), |id| {
            admin.describe_account(id)
        })?;
        for a in got.into_iter().flatten() {
            names.accounts.insert(a.id, a.name);
        }
    } else {
        for a in admin.list_accounts()? {
            names.accounts.insert(a.id, a.name);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn principal_filters() {
        assert_eq!(
            PrincipalFilter::parse("user:alice").unwrap(),
            PrincipalFilter::User("alice".into())
        );
        assert_eq!(
            PrincipalFilter::parse("group:Data Team").unwrap(),
            PrincipalFilter::Group("Data Team".into())
        );
        assert_eq!(
            PrincipalFilter::parse("906744a1-2b3c").unwrap(),
            PrincipalFilter::Id("906744a1-2b3c".into())
        );
        for bad in ["user:", "group:", "", "a b"] {
            assert_eq!(PrincipalFilter::parse(bad).unwrap_err().exit_code(), 2);
        }
    }

    #[test]
    fn target_ids() {
        assert!(is_account_id("111122223333"));
        assert!(!is_account_id("11112222333"));
        assert!(is_parent_id("ou-ab12-cdef3456") && is_parent_id("r-ab12"));
        assert!(!is_parent_id("ou-") && !is_parent_id("prod"));
    }
}
