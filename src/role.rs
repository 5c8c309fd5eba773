/*!
Role credentials for one account × role: which role a command means, the AWS
CLI's role-credential cache (`~/.aws/cli/cache`, protocol.md §5), and fetching
under a cross-process lock so that many processes started together make one
GetRoleCredentials call between them.

The cache-hit path touches only the cache file (and the config file when the
role is named by a profile): no TLS state, no network, no threads.
*/

use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::auth::{self, LoginOptions};
use crate::config::{self, Config, Session, SessionFlags};
use crate::context::Ctx;
use crate::encoding::{py_json_string, sha1_hex};
use crate::error::{Error, Result};
use crate::http::{Service, endpoint};
use crate::portal::Portal;
use crate::{cache, clock, fsutil, generate};

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
    /// `--login`: allow an interactive login when no token is usable.
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

/// A set of role credentials as handed to consumers.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// `ASIA…`.
    pub access_key_id: String,
    /// The secret key.
    pub secret_access_key: String,
    /// The session token.
    pub session_token: String,
    /// Expiry.
    pub expiration: OffsetDateTime,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &self.access_key_id)
            .field("expiration", &self.expiration)
            .finish_non_exhaustive()
    }
}

/// The AWS CLI's role-cache file.
#[derive(Serialize, Deserialize)]
struct CacheFile {
    #[serde(rename = "ProviderType")]
    provider_type: String,
    #[serde(rename = "Credentials")]
    credentials: CachedCredentials,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct CachedCredentials {
    access_key_id: String,
    secret_access_key: String,
    session_token: String,
    expiration: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    account_id: Option<String>,
}

/// The cache key botocore's `SSOCredentialFetcher` uses: sha1 of the compact,
/// key-sorted JSON of account, role and session name (or start URL for legacy
/// profiles).
pub fn cache_key(account_id: &str, role_name: &str, session: SessionKey) -> String {
    let (name, value) = match session {
        SessionKey::Name(n) => ("sessionName", n),
        SessionKey::StartUrl(u) => ("startUrl", u),
    };
    let json = format!(
        "{{\"accountId\":{},\"roleName\":{},\"{name}\":{}}}",
        py_json_string(account_id),
        py_json_string(role_name),
        py_json_string(value)
    );
    sha1_hex(json.as_bytes())
}

/// What identifies the session in the role-cache key.
#[derive(Debug, Clone, Copy)]
pub enum SessionKey<'a> {
    /// `[sso-session]` profiles.
    Name(&'a str),
    /// Legacy profiles.
    StartUrl(&'a str),
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
        let key = cache_key(&self.account_id, &self.role_name, self.session_key());
        ctx.paths.cli_cache.join(format!("{key}.json"))
    }
}

/// Reads a cached entry that is still good for `window` seconds; anything else
/// (missing, corrupt, truncated, not an SSO entry, too old) is a miss.
pub fn cached(path: &std::path::Path, window: i64, debug: bool) -> Option<Credentials> {
    let file: CacheFile = cache::load(path, debug)?;
    if file.provider_type != "sso" {
        return None;
    }
    let c = file.credentials;
    let expiration = clock::parse(&c.expiration)?;
    if expiration - clock::now() < time::Duration::seconds(window) {
        return None;
    }
    Some(Credentials {
        access_key_id: c.access_key_id,
        secret_access_key: c.secret_access_key,
        session_token: c.session_token,
        expiration,
    })
}

/// The cache file for `--sso-session S --account-id A --role-name R` without
/// reading the config file: the fast path of `credential_process` lines that
/// `generate --style credential-process` writes.
pub fn fast_cache_path(ctx: &Ctx, session: &SessionFlags, flags: &RoleFlags) -> Option<PathBuf> {
    if session.start_url.is_some() {
        return None;
    }
    let (Some(name), Some(account), Some(role)) =
        (&session.sso_session, &flags.account_id, &flags.role_name)
    else {
        return None;
    };
    let key = cache_key(account, role, SessionKey::Name(name));
    Some(ctx.paths.cli_cache.join(format!("{key}.json")))
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
            return Err(Error::Usage(
                "which role? use --profile P, or --account-id A --role-name R".into(),
            ));
        };
        let get = |key: &str| cfg.profile_value(&p, key).map(str::to_string);
        let session = config::resolve_session(
            cfg,
            &SessionFlags {
                profile: Some(p.clone()),
                ..session_flags.clone()
            },
            &ctx.env,
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
    let session = config::resolve_session(cfg, session_flags, &ctx.env)?;
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

/// Credentials for `target`: the cache while good for `window`, else one
/// GetRoleCredentials under the role's lock (re-checking the cache once the lock
/// is ours: another process may just have filled it).
pub fn credentials(
    ctx: &Ctx,
    cfg: &Config,
    target: &RoleTarget,
    flags: &RoleFlags,
) -> Result<Credentials> {
    let window = flags.expiry_window.unwrap_or(DEFAULT_EXPIRY_WINDOW);
    let path = target.cache_path(ctx);
    if let Some(c) = cached(&path, window, ctx.debug) {
        return Ok(c);
    }
    let key = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let _lock = fsutil::lock(&ctx.lock_path(&format!("role-{key}")), None)?;
    if let Some(c) = cached(&path, window, ctx.debug) {
        return Ok(c);
    }
    let login = flags.login.then_some(&flags.login_options);
    let token = auth::valid_token(ctx, cfg, &target.session, login)?;
    let ep = endpoint(Service::Portal, &target.session.region, &ctx.env, None)?;
    let portal = Portal::new(&ctx.http, &ep.base, &token.access_token);
    let rc = portal
        .get_role_credentials(&target.account_id, &target.role_name)
        .map_err(|e| no_access(generate::login_hint(e, &target.session), target))?;
    let expiration = clock::from_epoch_millis(rc.expiration)
        .ok_or_else(|| Error::Failed("GetRoleCredentials: expiration out of range".into()))?;
    let creds = Credentials {
        access_key_id: rc.access_key_id,
        secret_access_key: rc.secret_access_key,
        session_token: rc.session_token,
        expiration,
    };
    store(&path, &creds, &target.account_id)?;
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
            Error::Failed(format!(
                "no access to role '{}' in account {} (session '{}')",
                t.role_name, t.account_id, t.session.name
            ))
        }
        other => other,
    }
}

fn store(path: &std::path::Path, c: &Credentials, account_id: &str) -> Result<()> {
    let file = CacheFile {
        provider_type: "sso".into(),
        credentials: CachedCredentials {
            access_key_id: c.access_key_id.clone(),
            secret_access_key: c.secret_access_key.clone(),
            session_token: c.session_token.clone(),
            expiration: clock::format(c.expiration),
            account_id: Some(account_id.to_string()),
        },
    };
    cache::store(path, &file)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_keys_match_protocol_examples() {
        assert_eq!(
            cache_key(
                "123456789012",
                "AdministratorAccess",
                SessionKey::Name("my-sso")
            ),
            "c61222fe4c86bb5d3638873744d4cab00a0bf176"
        );
        assert_eq!(
            cache_key(
                "123456789012",
                "AdministratorAccess",
                SessionKey::StartUrl("https://d-1234567890.awsapps.com/start")
            ),
            "2b82a263b11ba27e36281168095be99c1205aacf"
        );
    }

    #[test]
    fn cache_entries_are_misses_when_stale_or_corrupt() {
        let dir = std::env::temp_dir().join(format!("sso-config-role-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("k.json");
        let soon = clock::format(clock::now() + time::Duration::seconds(600));
        let later = clock::format(clock::now() + time::Duration::seconds(3600));
        let entry = |exp: &str| {
            format!(
                r#"{{"ProviderType": "sso", "Credentials": {{"AccessKeyId": "ASIA", "SecretAccessKey": "s", "SessionToken": "t", "Expiration": "{exp}", "AccountId": "1"}}}}"#
            )
        };
        std::fs::write(&path, entry(&later)).unwrap();
        assert!(cached(&path, 900, false).is_some());
        std::fs::write(&path, entry(&soon)).unwrap();
        assert!(cached(&path, 900, false).is_none());
        assert!(cached(&path, 300, false).is_some());
        std::fs::write(&path, &entry(&later)[..40]).unwrap();
        assert!(cached(&path, 900, false).is_none());
        std::fs::write(&path, entry(&later).replace("\"sso\"", "\"assume-role\"")).unwrap();
        assert!(cached(&path, 900, false).is_none());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
