/*!
`check`: which session was resolved and from where, the token's state, and
(for a profile or account + role) whether that access exists. Exit 0 when all
is well, 3 when the only problem is a missing or expired, unrefreshable token,
1 otherwise.
*/

use serde::Serialize;

use crate::auth;
use crate::aws::Aws;
use crate::clock;
use crate::config::{Config, Session};
use crate::context::Ctx;
use crate::error::{EXIT_LOGIN, EXIT_RUNTIME, Error, Result};
use crate::http::Service;
use crate::portal::Portal;
use crate::role::{self, RoleTarget};

/// The report, printed as text or JSON.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
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

/// Runs `check`; returns the exit code.
pub fn run(
    ctx: &Ctx,
    cfg: &Config,
    session: &Session,
    target: Option<&RoleTarget>,
    json: bool,
) -> Result<u8> {
    let now = clock::now();
    let (_, cached) = auth::load_token(ctx, session);
    let refreshable = cached.as_ref().is_some_and(|t| t.refreshable(now));
    let usable = auth::valid_token(ctx, cfg, session, None);
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
            expires_at: Some(auth::expiry_text(t)),
            refreshable,
            login_command: None,
        },
        (Some(c), Err(_)) => TokenState {
            status: "expired",
            expires_at: Some(auth::expiry_text(c)),
            refreshable,
            login_command: Some(session.login_command()),
        },
    };
    let access = match (target, &usable) {
        (Some(t), Ok(tok)) => Some(check_access(ctx, cfg, session, t, &tok.access_token)?),
        _ => None,
    };
    let token_ok = usable.is_ok();
    let access_ok = access.as_ref().is_none_or(|a| a.ok);
    let report = Report {
        session: session.name.clone(),
        source: session.source.clone(),
        start_url: session.start_url.clone(),
        region: session.region.clone(),
        token,
        access,
        ok: token_ok && access_ok,
    };
    let text = if json {
        serde_json::to_string_pretty(&report).unwrap_or_default() + "\n"
    } else {
        render(&report)
    };
    crate::output::write_stdout(text.as_bytes())?;
    Ok(if report.ok {
        0
    } else if !token_ok {
        EXIT_LOGIN
    } else {
        EXIT_RUNTIME
    })
}

fn check_access(
    ctx: &Ctx,
    cfg: &Config,
    session: &Session,
    t: &RoleTarget,
    token: &str,
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
        Err(e) => return Err(e),
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
    let rc = role::credentials(ctx, cfg, t, &role::RoleFlags::default())?;
    let profile = t.profile.as_deref().unwrap_or("");
    let creds = crate::creds::Credentials::from_role(rc, profile, t);
    let region = t.region.as_deref().unwrap_or(&t.session.region);
    Ok(Aws::new(ctx, &creds, region).get_caller_identity()?.arn)
}

fn render(r: &Report) -> String {
    let mut out = format!(
        "session:  {} ({})\nportal:   {} in {}\n",
        r.session, r.source, r.start_url, r.region
    );
    let t = &r.token;
    let refresh = if t.refreshable {
        "refreshable"
    } else {
        "not refreshable"
    };
    match t.status {
        "missing" => out.push_str("token:    none cached\n"),
        status => out.push_str(&format!(
            "token:    {status}, expires {}, {refresh}\n",
            t.expires_at.as_deref().unwrap_or("?")
        )),
    }
    if let Some(cmd) = &t.login_command {
        out.push_str(&format!("login:    run: {cmd}\n"));
    }
    if let Some(a) = &r.access {
        let verdict = if a.ok {
            "ok".to_string()
        } else {
            a.error.clone().unwrap_or_default()
        };
        out.push_str(&format!(
            "access:   {} in {}: {verdict}\n",
            a.role_name, a.account_id
        ));
    }
    out.push_str(if r.ok {
        "status:   ok\n"
    } else {
        "status:   problem\n"
    });
    out
}
