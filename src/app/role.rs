/*!
Role credentials for one account × role: which role a command means, and its
credentials from the AWS CLI's role cache (`store::role_cache`) or fetched
under a cross-process lock, so that many processes started together make one
GetRoleCredentials call between them.

The cache-hit path touches only the cache file (and the config file when the
role is named by a profile): no TLS state, no network, no threads.
*/

use std::path::PathBuf;

use crate::app::context::Ctx;
use crate::app::session::{self, Session, SessionFlags};
use crate::app::token::{self, LoginOptions, LoginPolicy};
use crate::aws::endpoint::Service;
use crate::error::{Error, Result};
use crate::portal::Portal;
use crate::store::config::Config;
use crate::store::fsutil;
use crate::store::role_cache::{self, SessionKey};
use crate::util::credentials::Credentials;

/// Default `--expiry-window`: botocore re-runs a `credential_process` on every
/// call once fewer than 15 minutes remain, so we never hand out less.
pub const DEFAULT_EXPIRY_WINDOW: i64 = 900;

/// The role-selection flags shared by credential-process, export, exec and console.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoleFlags {
    /// `--account-id`.
    pub account_id: Option<String>,
    /// `--role-name`.
    pub role_name: Option<String>,
    /// `--region` (overrides the profile's region).
    pub region: Option<String>,
    /// `--expiry-window SECONDS`.
    pub expiry_window: Option<i64>,
    /// `--login`: log in when no token is usable, terminal or not (the only
    /// way `credential-process` logs in).
    pub login: bool,
    /// Flow options for that login.
    pub login_options: LoginOptions,
}

/// A resolved account × role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleTarget {
    /// The Identity Center session.
    pub session: Session,
    /// The account id.
    pub account_id: String,
    /// The role (permission set) name.
    pub role_name: String,
    /// The region for the credentials' consumers, when known.
    pub region: Option<String>,
    /// The profile the role came from, if any.
    pub profile: Option<String>,
}

impl RoleTarget {
    fn session_key(&self) -> SessionKey<'_> {
        if self.session.legacy {
            SessionKey::StartUrl(&self.session.start_url)
        } else {
            SessionKey::Name(&self.session.name)
        }
    }

    /// The role-cache file of this target.
    pub fn cache_path(&self, ctx: &Ctx) -> PathBuf {
        role_cache::path(
            &ctx.paths.cli_cache,
            &self.account_id,
            &self.role_name,
            self.session_key(),
        )
    }
}

/// The usage error of a command that needs a role and was given none (off a
/// terminal, or with `--no-input`, where the picker cannot ask).
pub fn no_role_named() -> Error {
    Error::Usage(
        "which role? use --profile P, or --account-id A --role-name R (or pick one on a terminal)"
            .into(),
    )
}

/// Resolves which account × role the flags mean: a profile with
/// `sso_account_id` + `sso_role_name`, or a session plus `--account-id` and
/// `--role-name`.
pub fn resolve(
    ctx: &Ctx,
    cfg: &Config,
    session_flags: &SessionFlags,
    flags: &RoleFlags,
) -> Result<RoleTarget> {
    let explicit = flags.account_id.is_some() || flags.role_name.is_some();
    let profile = session_flags.profile.clone().or_else(|| {
        (!explicit)
            .then(|| ctx.env.get("AWS_PROFILE").map(str::to_string))
            .flatten()
    });
    if !explicit {
        let Some(p) = profile else {
            return Err(no_role_named());
        };
        let get = |key: &str| cfg.profile_value(&p, key).map(str::to_string);
        let session = session::resolve_session(
            ctx,
            cfg,
            &SessionFlags {
                profile: Some(p.clone()),
                ..session_flags.clone()
            },
        )?;
        let (Some(account_id), Some(role_name)) = (get("sso_account_id"), get("sso_role_name"))
        else {
            return Err(Error::Config(format!(
                "profile '{p}' in {} has no sso_account_id and sso_role_name",
                cfg.path.display()
            )));
        };
        return Ok(RoleTarget {
            session,
            account_id,
            role_name,
            region: flags.region.clone().or_else(|| get("region")),
            profile: Some(p),
        });
    }
    let (Some(account_id), Some(role_name)) = (flags.account_id.clone(), flags.role_name.clone())
    else {
        return Err(Error::Usage(
            "--account-id and --role-name go together".into(),
        ));
    };
    let session = session::resolve_session(ctx, cfg, session_flags)?;
    let region = flags.region.clone().or_else(|| {
        session_flags
            .profile
            .as_deref()
            .and_then(|p| cfg.profile_value(p, "region"))
            .map(str::to_string)
    });
    Ok(RoleTarget {
        session,
        account_id,
        role_name,
        region,
        profile: session_flags.profile.clone(),
    })
}

/// The role `flags` (and the session flags `sel`) name, read from the config
/// file, with its credentials: what `credential-process`, `export`, `exec`
/// and `console` start with. `policy` is the command's login policy when
/// `--login` is not given.
pub fn target_and_credentials(
    ctx: &Ctx,
    sel: &SessionFlags,
    flags: &RoleFlags,
    policy: LoginPolicy,
) -> Result<(RoleTarget, Credentials)> {
    let cfg = Config::load(&ctx.paths.config)?;
    let target = resolve(ctx, &cfg, sel, flags)?;
    let creds = credentials(ctx, &cfg, &target, flags, policy)?;
    Ok((target, creds))
}

/// Credentials for `target`: the cache while good for `window`, else one
/// GetRoleCredentials under the role's lock (re-checking the cache once the lock
/// is ours: another process may just have filled it). A token is needed only
/// then; without one, `--login` logs in, else `policy` decides.
pub fn credentials(
    ctx: &Ctx,
    cfg: &Config,
    target: &RoleTarget,
    flags: &RoleFlags,
    policy: LoginPolicy,
) -> Result<Credentials> {
    let window = flags.expiry_window.unwrap_or(DEFAULT_EXPIRY_WINDOW);
    let path = target.cache_path(ctx);
    if let Some(c) = role_cache::load(&path, window) {
        return Ok(c);
    }
    let key = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let _lock = fsutil::lock(&ctx.paths.lock(&format!("role-{key}")))?;
    if let Some(c) = role_cache::load(&path, window) {
        return Ok(c);
    }
    let policy = if flags.login {
        LoginPolicy::Always
    } else {
        policy
    };
    let token = token::valid_token(ctx, cfg, &target.session, policy, &flags.login_options)?;
    let ep = target.session.endpoint(Service::Portal, &ctx.env)?;
    let portal = Portal::new(&ctx.http, &ep.base, &token.access_token);
    let creds = portal
        .get_role_credentials(&target.account_id, &target.role_name)
        .map_err(|e| no_access(token::portal_rejected(e, &target.session), target))?;
    role_cache::store(&path, &creds, &target.account_id)?;
    Ok(creds)
}

/// 404/403 from GetRoleCredentials: name the account and role.
fn no_access(e: Error, t: &RoleTarget) -> Error {
    match e {
        Error::Api(api)
            if matches!(
                api.code.as_str(),
                "ResourceNotFoundException" | "ForbiddenException"
            ) =>
        {
            Error::Access(format!(
                "no access to role '{}' in account {} (session '{}')",
                t.role_name, t.account_id, t.session.name
            ))
        }
        other => other,
    }
}
