/*!
`admin lookup|assignments|whoami`: Identity Center administration over the
SigV4-signed APIs, printed as a table, CSV or JSON.
*/

use crate::app::admin::assignments::{AssignmentFilters, PrincipalFilter, is_parent_id};
use crate::app::admin::lookup::LookupKind;
use crate::app::admin::{self, Action, Request};
use crate::app::context::Ctx;
use crate::app::session::{self, SessionFlags};
use crate::cmd::args::{self, Global, Parser, Tok};
use crate::cmd::output::{self, Format};
use crate::error::{Error, Result};
use crate::portal::is_account_id;
use crate::store::config::Config;

/// `admin` help.
pub const USAGE: &str = "\
Usage: sso-config admin lookup instance|identity-store [OPTIONS]
       sso-config admin lookup user|group|permission-set|account NAME... [OPTIONS]
       sso-config admin assignments [OPTIONS]
       sso-config admin whoami [OPTIONS]

Identity Center administration with SigV4-signed calls to sso-admin,
identitystore and organizations. Credentials: AWS_ACCESS_KEY_ID and
AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN), or --profile P (static keys,
credential_process, an Identity Center profile, or role_arn + source_profile).

Options:
  --profile P                 credentials (and region) of profile P (or AWS_PROFILE)
  --region R                  the Identity Center home region (else AWS_REGION,
                              AWS_DEFAULT_REGION, the profile's region)
  --instance-arn ARN          the instance, when the region has several
  --format table|csv|json     output format (default table)

assignments options:
  --principal user:NAME|group:NAME|ID   only these principals (repeatable)
  --permission-set NAME|ARN             only these permission sets (repeatable)
  --target ACCOUNT_ID|OU_ID             only these accounts, or the accounts of an OU (repeatable)
  --ou-recursive                        OU targets include the accounts of nested OUs
  --names                               fill in principal, permission set and account names

Unknown names are listed on stderr after the known ones are printed (exit 1).

Examples:
  sso-config admin whoami --profile org-admin
  sso-config admin lookup user alice@example.com bob@example.com --profile org-admin
  sso-config admin assignments --principal group:Admins --names --format csv --profile org-admin
  sso-config admin assignments --target ou-ab12-cdef3456 --ou-recursive --region eu-west-1
";

/// `admin` flags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Args {
    /// What to do and where.
    pub request: Request,
    /// `--format`.
    pub format: Format,
}

/// Parses `admin SUBCOMMAND …`; `None` when help was asked for.
pub fn parse(p: &mut Parser, global: &mut Global) -> Result<Option<Args>> {
    let sub = match args::next(p)? {
        Some(Tok::Help) | None => return Ok(None),
        Some(Tok::Value(v)) => args::string(v)?,
        Some(other) => return Err(args::unexpected(other)),
    };
    let mut kind = None;
    if sub == "lookup" {
        kind = match args::next(p)? {
            Some(Tok::Help) => return Ok(None),
            Some(Tok::Value(v)) => {
                let word = args::string(v)?;
                Some(LookupKind::parse(&word).ok_or_else(|| {
                    Error::Usage(format!(
                        "admin lookup: '{word}' is not one of instance, identity-store, user, group, permission-set, account"
                    ))
                })?)
            }
            _ => {
                return Err(Error::Usage(
                    "admin lookup needs what to look up: instance, identity-store, user, group, permission-set or account".into(),
                ));
            }
        };
    } else if sub != "assignments" && sub != "whoami" {
        return Err(Error::Usage(format!(
            "unknown admin command '{sub}'; run 'sso-config help admin'"
        )));
    }
    let mut request = Request {
        region: None,
        instance_arn: None,
        action: Action::Whoami,
    };
    let mut format = Format::Table;
    let mut filters = AssignmentFilters::default();
    let mut names = Vec::new();
    while let Some(tok) = args::next(p)? {
        let name = match tok {
            Tok::Help => return Ok(None),
            Tok::Value(v) if kind.is_some_and(LookupKind::takes_names) => {
                names.push(args::string(v)?);
                continue;
            }
            Tok::Flag(name) => name,
            other => return Err(args::unexpected(other)),
        };
        let filter_flag = matches!(
            name.as_str(),
            "principal" | "permission-set" | "target" | "ou-recursive" | "names"
        );
        if filter_flag && sub != "assignments" {
            return Err(Error::Usage(format!(
                "--{name} is a flag of 'admin assignments'"
            )));
        }
        match name.as_str() {
            "region" => {
                let region = args::value(p)?;
                session::check_region("--region", &region)?;
                request.region = Some(region);
            }
            "format" => format = Format::parse(&args::value(p)?)?,
            "instance-arn" => request.instance_arn = Some(args::value(p)?),
            "principal" => filters
                .principals
                .push(PrincipalFilter::parse(&args::value(p)?)?),
            "permission-set" => filters.permission_sets.push(args::value(p)?),
            "target" => {
                let t = args::value(p)?;
                if !is_account_id(&t) && !is_parent_id(&t) {
                    return Err(Error::Usage(format!(
                        "--target: '{t}' is not an account id (12 digits) or an OU id (ou-…)"
                    )));
                }
                filters.targets.push(t);
            }
            "ou-recursive" => filters.ou_recursive = true,
            "names" => filters.names = true,
            _ => {
                if !global.accept(&name, p)? {
                    return Err(args::unexpected(Tok::Flag(name)));
                }
            }
        }
    }
    request.action = match kind {
        Some(kind) if kind.takes_names() && names.is_empty() => {
            return Err(Error::Usage("admin lookup: give at least one NAME".into()));
        }
        Some(kind) => Action::Lookup { kind, names },
        None if sub == "assignments" => Action::Assignments(filters),
        None => Action::Whoami,
    };
    Ok(Some(Args { request, format }))
}

/// Runs the request and prints its table; names that were not found are
/// reported after the rows (exit 1).
pub fn run(ctx: &Ctx, sel: &SessionFlags, a: Args) -> Result<()> {
    let cfg = Config::load(&ctx.paths.config)?;
    // Only `assignments` reports progress; the line is cleared before the
    // table is written.
    let table = output::with_progress("assignments", |progress| {
        admin::run(ctx, &cfg, sel.profile.as_deref(), &a.request, progress)
    })?;
    // JSON objects are keyed by the column names (cli.md, Output shapes).
    let text = output::render(a.format, &table.columns, &table.columns, &table.rows);
    output::write_stdout(text.as_bytes())?;
    match table.missing_error() {
        Some(e) => Err(e),
        None => Ok(()),
    }
}
