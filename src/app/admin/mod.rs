/*!
Identity Center administration over the SigV4-signed APIs (cli.md,
"`sso-config admin …`"): the AWS credentials and region to use, which
instance (`instance`), and the answers as a [`Table`]. `lookup` and
`assignments` hold their operations; the typed API calls are `aws::admin`.
*/

pub mod assignments;
mod instance;
pub mod lookup;
mod table;

use crate::app::chain::{self, Resolved};
use crate::app::context::Ctx;
use crate::app::session;
use crate::aws::admin::Admin;
use crate::aws::signed::SignedClient;
use crate::aws::sts;
use crate::error::Result;
use crate::store::config::Config;
use crate::util::log;

use assignments::AssignmentFilters;
use lookup::LookupKind;
pub use table::Table;

/// What `admin` is asked to do, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// `--region`: the Identity Center home region.
    pub region: Option<String>,
    /// `--instance-arn`.
    pub instance_arn: Option<String>,
    /// What to do.
    pub action: Action,
}

/// The `admin` subcommands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
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

/// Runs an `admin` request with the credentials of `profile` (else the
/// environment's, else `AWS_PROFILE`'s or `[default]`'s). `assignments`
/// reports `progress(done, total)` in accounts (see [`assignments::run`]);
/// `lookup` and `whoami` are a few calls and report nothing.
pub fn run(
    ctx: &Ctx,
    cfg: &Config,
    profile: Option<&str>,
    req: &Request,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<Table> {
    let credentials_file = Config::load(&ctx.paths.credentials)?;
    if let Some(p) = profile {
        chain::require_profile(cfg, &credentials_file, p)?;
    }
    let profile_name = chain::effective_profile(profile, &ctx.env);
    let region = chain::region(req.region.as_deref(), &ctx.env, cfg, profile_name)?;
    let resolved = chain::Resolver::new(ctx, cfg, &credentials_file, &region).resolve(profile)?;
    log::debug(format_args!("admin in {region} with {}", resolved.source));
    let configured = session::configured_endpoints(cfg, profile_name);
    let client = resolved.client(ctx, &region).with_configured(&configured);
    let admin = Admin::new(&client);
    let arn = req.instance_arn.as_deref();
    match &req.action {
        Action::Lookup { kind, names } => lookup::run(&admin, arn, *kind, names),
        Action::Assignments(filters) => assignments::run(&admin, arn, filters, progress),
        Action::Whoami => whoami(&client, &resolved),
    }
}

/// `admin whoami`: who the credentials belong to, and where they came from.
fn whoami(client: &SignedClient, resolved: &Resolved) -> Result<Table> {
    let me = sts::caller_identity(client)?;
    let source = resolved.source.to_string();
    let source = source.strip_prefix("credentials from ").unwrap_or(&source);
    let row = vec![
        me.account,
        me.arn,
        me.user_id,
        source.to_string(),
        client.region().to_string(),
    ];
    Ok(Table::new(
        &["account", "arn", "user_id", "source", "region"],
        vec![row],
    ))
}
