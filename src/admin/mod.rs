/*!
`admin`: Identity Center administration over the SigV4-signed APIs
(cli.md, "`sso-config admin …`"). This module owns the command's arguments,
credential and instance selection, and the shared output rules; `lookup` and
`assignments` own their commands, `api` the typed API calls.
*/

mod api;
mod assignments;
mod lookup;

use crate::aws::Aws;
use crate::cli::Format;
use crate::config::Config;
use crate::context::Ctx;
use crate::creds;
use crate::error::{Error, Result};
use crate::output;

use api::{Admin, Instance};

/// `admin` flags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminArgs {
    /// `--region`.
    pub region: Option<String>,
    /// `--format`.
    pub format: Format,
    /// `--instance-arn`.
    pub instance_arn: Option<String>,
    /// What to do.
    pub action: AdminAction,
}

/// The `admin` subcommands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AdminAction {
    /// `admin lookup KIND [NAME…]`.
    Lookup {
        /// What to look up.
        kind: LookupKind,
        /// The names (none for `instance` and `identity-store`).
        names: Vec<String>,
    },
    /// `admin assignments`.
    Assignments(AssignmentFilters),
    /// `admin whoami`: STS GetCallerIdentity and where the credentials came from.
    Whoami,
}

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

/// True for a 12-digit account id.
pub fn is_account_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

/// True for an OU id (`ou-…`) or a root id (`r-…`), which a target may name.
pub fn is_parent_id(s: &str) -> bool {
    let rest = s.strip_prefix("ou-").or_else(|| s.strip_prefix("r-"));
    rest.is_some_and(|r| !r.is_empty() && r.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
}

/// Runs `admin`: resolves the region and credentials, then the subcommand.
pub fn run(ctx: &Ctx, cfg: &Config, profile: Option<&str>, args: &AdminArgs) -> Result<()> {
    let credentials_file = Config::load(&ctx.paths.credentials)?;
    if let Some(p) = profile {
        creds::require_profile(cfg, &credentials_file, p)?;
    }
    let profile_name = creds::effective_profile(profile, &ctx.env);
    let region = creds::region(args.region.as_deref(), &ctx.env, cfg, profile_name)?;
    let creds = creds::Resolver::new(ctx, cfg, &credentials_file, &region).resolve(profile)?;
    if ctx.debug {
        eprintln!("sso-config: debug: admin in {region} with {}", creds.source);
    }
    let aws = Aws::new(ctx, &creds, &region);
    let admin = Admin::new(&aws);
    match &args.action {
        AdminAction::Lookup { kind, names } => lookup::run(
            &admin,
            args.instance_arn.as_deref(),
            *kind,
            names,
            args.format,
        ),
        AdminAction::Assignments(filters) => {
            assignments::run(&admin, args.instance_arn.as_deref(), filters, args.format)
        }
        AdminAction::Whoami => whoami(&aws, args.format),
    }
}

/// `admin whoami`: who the credentials belong to, and where they came from.
fn whoami(aws: &Aws, format: Format) -> Result<()> {
    let me = aws.get_caller_identity()?;
    let source = aws.credentials().source.to_string();
    let source = source.strip_prefix("credentials from ").unwrap_or(&source);
    let row = vec![
        me.account,
        me.arn,
        me.user_id,
        source.to_string(),
        aws.region().to_string(),
    ];
    print(
        format,
        &["account", "arn", "user_id", "source", "region"],
        &[row],
    )
}

/// The instance a command works on, with its identity store.
pub struct Scope {
    /// The instance ARN.
    pub instance_arn: String,
    /// Its identity store id (empty when not needed and not fetched).
    pub identity_store_id: String,
}

/// Picks the instance: `--instance-arn` (ListInstances is skipped when the
/// identity store is not needed), else the only one in the region.
fn scope(admin: &Admin, arn: Option<&str>, need_store: bool) -> Result<Scope> {
    if let (Some(arn), false) = (arn, need_store) {
        return Ok(Scope {
            instance_arn: arn.to_string(),
            identity_store_id: String::new(),
        });
    }
    let instance = pick_instance(admin, arn)?;
    Ok(Scope {
        instance_arn: instance.instance_arn,
        identity_store_id: instance.identity_store_id,
    })
}

fn pick_instance(admin: &Admin, arn: Option<&str>) -> Result<Instance> {
    let mut all = admin.list_instances()?;
    let region = admin.aws().region();
    let listed = |all: &[Instance]| {
        all.iter()
            .map(|i| i.instance_arn.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    match arn {
        Some(arn) => match all.iter().position(|i| i.instance_arn == arn) {
            Some(i) => Ok(all.swap_remove(i)),
            None => Err(Error::Failed(format!(
                "no Identity Center instance {arn} in {region} (found: {})",
                if all.is_empty() {
                    "none".to_string()
                } else {
                    listed(&all)
                }
            ))),
        },
        None => match all.len() {
            0 => Err(Error::Failed(format!(
                "no Identity Center instance in {region}; use --region with the instance's home region"
            ))),
            1 => Ok(all.remove(0)),
            _ => Err(Error::Usage(format!(
                "several Identity Center instances in {region}: {}; choose one with --instance-arn",
                listed(&all)
            ))),
        },
    }
}

/// Prints rows; JSON objects are keyed by the column names (cli.md, Output shapes).
fn print(format: Format, columns: &[&str], rows: &[Vec<String>]) -> Result<()> {
    let text = output::render(format, columns, columns, rows);
    output::write_stdout(text.as_bytes())
}

/// The error for names that were not found, after the known ones were printed.
fn unknown(what: &[String]) -> Result<()> {
    if what.is_empty() {
        return Ok(());
    }
    Err(Error::Failed(format!("not found: {}", what.join(", "))))
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
