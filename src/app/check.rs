/*!
What `check` finds: which session was resolved and from where, the token's
state, and (for a profile or account + role) whether that access exists and
who its credentials are. The verdict maps to an exit code: 0 when all is well,
3 when the only problem is a missing or expired, unrefreshable token (or one
the portal rejects), 1 otherwise; a check that cannot run (bad config,
unknown profile, network) ends with its error's code, and for `--json` that
outcome is a [`Failure`]. Both carry `ok`, a `status` naming the exit code
([`status`]) and an `error` saying what is wrong, so a script can always read
stdout.
*/

use serde::Serialize;

use crate::app::chain::Resolved;
use crate::app::context::Ctx;
use crate::app::role::{self, RoleTarget};
use crate::app::session::Session;
use crate::app::token::{self, LoginOptions, LoginPolicy};
use crate::aws::endpoint::Service;
use crate::aws::sts;
use crate::error::{EXIT_LOGIN, EXIT_RUNTIME, EXIT_USAGE, Error, Result};
use crate::portal::Portal;
use crate::store::config::Config;
use crate::util::clock;
use crate::util::secret::Secret;

/// The report, printed as text or JSON.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    /// [`status`] of the exit code.
    pub status: &'static str,
    /// What is wrong, when something is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Session name.
    pub session: String,
    /// Where the session came from.
    pub source: String,
    /// Start URL.
    pub start_url: String,
    /// Identity Center region.
    pub region: String,
    /// The token's state.
    pub token: TokenState,
    /// The access check, when a role was named.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access: Option<Access>,
    /// Everything fine.
    pub ok: bool,
}

/// What the token cache holds.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenState {
    /// `valid`, `refreshed`, `expired` or `missing`.
    pub status: &'static str,
    /// Expiry of the (possibly refreshed) token.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
    /// Whether it has a usable refresh token.
    pub refreshable: bool,
    /// The command to run when a login is needed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub login_command: Option<String>,
}

/// The result of checking one account × role.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Access {
    /// Account id.
    pub account_id: String,
    /// Role name.
    pub role_name: String,
    /// Whether the user has it.
    pub ok: bool,
    /// Why not, when not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Who the role's credentials are (STS GetCallerIdentity), when access is ok.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identity: Option<String>,
}

impl Report {
    /// The exit code of this verdict.
    pub fn exit_code(&self) -> u8 {
        if self.ok {
            0
        } else if self.token.login_command.is_some() {
            EXIT_LOGIN
        } else {
            EXIT_RUNTIME
        }
    }
}

/// A check that could not be made, as `check --json` prints it.
#[derive(Debug, Serialize)]
pub struct Failure {
    /// Always `false`.
    pub ok: bool,
    /// [`status`] of the error's exit code.
    pub status: &'static str,
    /// The error, as the line on stderr says it.
    pub error: String,
}

impl Failure {
    /// The failure for `e`.
    pub fn new(e: &Error) -> Failure {
        Failure {
            ok: false,
            status: status(e.exit_code()),
            error: e.to_string(),
        }
    }
}

/// The name of an exit code in `check --json`'s `status`: `ok` (0),
/// `error` (1), `config-error` (2: usage or configuration), `login-required` (3).
pub fn status(code: u8) -> &'static str {
    match code {
        0 => "ok",
        EXIT_USAGE => "config-error",
        EXIT_LOGIN => "login-required",
        _ => "error",
    }
}

/// Checks the session, its token and, when given, access to `target`.
pub fn check(
    ctx: &Ctx,
    cfg: &Config,
    session: &Session,
    target: Option<&RoleTarget>,
) -> Result<Report> {
    let now = clock::now();
    let (_, cached) = token::load_token(ctx, session);
    let refreshable = cached.as_ref().is_some_and(|t| t.refreshable(now));
    // `check` reports; it never logs in.
    let usable = token::valid_token(
        ctx,
        cfg,
        session,
        LoginPolicy::Never,
        &LoginOptions::default(),
    );
    let token = match (&cached, &usable) {
        (None, _) => TokenState {
            status: "missing",
            expires_at: None,
            refreshable: false,
            login_command: Some(session.login_command()),
        },
        (Some(c), Ok(t)) => TokenState {
            status: if t.access_token == c.access_token {
                "valid"
            } else {
                "refreshed"
            },
            expires_at: Some(token::expiry_text(t)),
            refreshable,
            login_command: None,
        },
        (Some(c), Err(_)) => TokenState {
            status: "expired",
            expires_at: Some(token::expiry_text(c)),
            refreshable,
            login_command: Some(session.login_command()),
        },
    };
    let access = match (target, &usable) {
        (Some(t), Ok(tok)) => Some(check_access(ctx, cfg, session, t, &tok.access_token)?),
        _ => None,
    };
    let error = match &usable {
        Err(e) => Some(e.to_string()),
        Ok(_) => access.as_ref().and_then(|a| a.error.clone()),
    };
    let access_ok = access.as_ref().is_none_or(|a| a.ok);
    let mut report = Report {
        status: "",
        error,
        session: session.name.clone(),
        source: session.source.clone(),
        start_url: session.start_url.clone(),
        region: session.region.clone(),
        token,
        access,
        ok: usable.is_ok() && access_ok,
    };
    report.status = status(report.exit_code());
    Ok(report)
}

fn check_access(
    ctx: &Ctx,
    cfg: &Config,
    session: &Session,
    t: &RoleTarget,
    token: &Secret,
) -> Result<Access> {
    let ep = session.endpoint(Service::Portal, &ctx.env)?;
    let portal = Portal::new(&ctx.http, &ep.base, token);
    let (ok, error) = match portal.list_account_roles(&t.account_id) {
        Ok(roles) if roles.contains(&t.role_name) => (true, None),
        Ok(_) => (
            false,
            Some(format!(
                "role '{}' is not assigned in account {}",
                t.role_name, t.account_id
            )),
        ),
        Err(Error::Api(e)) if e.status == 404 || e.status == 403 => (
            false,
            Some(format!("no access to account {}", t.account_id)),
        ),
        // A revoked token: a login is what fixes it.
        Err(e) => return Err(token::portal_rejected(e, session)),
    };
    let mut access = Access {
        account_id: t.account_id.clone(),
        role_name: t.role_name.clone(),
        ok,
        error,
        identity: None,
    };
    if ok {
        match caller_arn(ctx, cfg, t) {
            Ok(arn) => access.identity = Some(arn),
            Err(e) => {
                access.ok = false;
                access.error = Some(e.to_string());
            }
        }
    }
    Ok(access)
}

/// The ARN the role's credentials act as: proves they work end to end.
fn caller_arn(ctx: &Ctx, cfg: &Config, t: &RoleTarget) -> Result<String> {
    let rc = role::credentials(ctx, cfg, t, &role::RoleFlags::default(), LoginPolicy::Never)?;
    let profile = t.profile.as_deref().unwrap_or("");
    let resolved = Resolved::identity_center(rc, profile, t);
    let region = t.region.as_deref().unwrap_or(&t.session.region);
    // The profile's `[services] sts` / `endpoint_url` apply, as in the SDKs.
    let client = resolved
        .client(ctx, region)
        .with_configured(&t.session.endpoints);
    Ok(sts::caller_identity(&client)?.arn)
}
