/*!
AWS credentials and region for the SigV4-signed `admin` calls, from the usual
sources in botocore's order (protocol.md §6–8):

1. `--profile P` given on the command line: that profile only (botocore drops
   the environment provider when a profile is named explicitly);
2. `AWS_ACCESS_KEY_ID` + `AWS_SECRET_ACCESS_KEY` (+ `AWS_SESSION_TOKEN`);
3. the profile `AWS_PROFILE` names, else `[default]`.

Within a profile, as botocore's chain: `role_arn` (STS AssumeRole from a
`source_profile` or `credential_source = Environment`), then an Identity Center
profile (`sso_account_id` + `sso_role_name`, resolved with this tool's own
token cache and the shared role-credential cache — never an interactive
login), then static keys from the credentials file, then `credential_process`,
then static keys from the config file.

Secrets live in `Secret`s, whose `Debug` prints `(redacted)`; no secret ever
goes into a process argument, a log line or an error message. Every error names
where the credentials came from ([`Source`]).
*/

use std::fmt;
use std::process::{Command, Stdio};

use serde_json::Value;
use time::OffsetDateTime;

use crate::app::context::Ctx;
use crate::app::role::{self, RoleFlags, RoleTarget};
use crate::app::session::{self, SessionFlags};
use crate::app::token::LoginPolicy;
use crate::aws::signed::SignedClient;
use crate::aws::sts;
use crate::error::{Error, Result};
use crate::store::config::Config;
use crate::util::credentials::Credentials;
use crate::util::env::Env;
use crate::util::secret::Secret;
use crate::util::{clock, shell, suggest};

/// Which file a profile's static keys were read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProfileFile {
    /// The shared credentials file.
    Credentials,
    /// The config file.
    Config,
}

/// Where credentials came from; its `Display` is the tail of every auth error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// `AWS_ACCESS_KEY_ID` and friends.
    Env,
    /// Static keys of a profile.
    Static {
        /// The profile name.
        profile: String,
        /// The file they are in.
        file: ProfileFile,
    },
    /// A profile's `credential_process`.
    Process {
        /// The profile name.
        profile: String,
    },
    /// GetRoleCredentials for a profile's Identity Center account and role.
    IdentityCenter {
        /// The profile name.
        profile: String,
        /// `sso_account_id`.
        account_id: String,
        /// `sso_role_name`.
        role_name: String,
    },
    /// STS AssumeRole of a profile's `role_arn`.
    AssumeRole {
        /// The profile name.
        profile: String,
        /// `role_arn`.
        role_arn: String,
        /// Where the credentials that assumed the role came from.
        via: Box<Source>,
    },
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("credentials from ")?;
        self.describe(f)
    }
}

impl Source {
    fn describe(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Env => f.write_str("environment variables (AWS_ACCESS_KEY_ID)"),
            Source::Static { profile, file } => {
                let file = match file {
                    ProfileFile::Credentials => "credentials file",
                    ProfileFile::Config => "config file",
                };
                write!(f, "profile '{profile}' ({file})")
            }
            Source::Process { profile } => write!(f, "profile '{profile}' (credential_process)"),
            Source::IdentityCenter {
                profile,
                account_id,
                role_name,
            } => write!(
                f,
                "profile '{profile}' (Identity Center role {role_name} in account {account_id})"
            ),
            Source::AssumeRole {
                profile,
                role_arn,
                via,
            } => {
                write!(f, "profile '{profile}' (role {role_arn} assumed with ")?;
                via.describe(f)?;
                f.write_str(")")
            }
        }
    }
}

/// Credentials and where they came from.
#[derive(Debug, Clone)]
pub struct Resolved {
    /// The credentials.
    pub credentials: Credentials,
    /// Where they came from.
    pub source: Source,
}

impl Resolved {
    /// An Identity Center role's credentials, from `profile` (empty when the
    /// role was named by account and role flags).
    pub fn identity_center(
        credentials: Credentials,
        profile: &str,
        target: &RoleTarget,
    ) -> Resolved {
        Resolved {
            credentials,
            source: Source::IdentityCenter {
                profile: profile.to_string(),
                account_id: target.account_id.clone(),
                role_name: target.role_name.clone(),
            },
        }
    }

    /// A SigV4 client for `region` signing with these credentials; its
    /// authentication errors name where they came from.
    pub fn client<'a>(&'a self, ctx: &'a Ctx, region: &str) -> SignedClient<'a> {
        SignedClient::new(
            &ctx.http,
            &ctx.env,
            &self.credentials,
            self.source.to_string(),
            region,
        )
    }

    /// Fails when the credentials are known to have expired: a clear local error
    /// beats the service's `ExpiredTokenException` after a network round trip.
    fn check_expiry(self, now: OffsetDateTime) -> Result<Resolved> {
        match self.credentials.expiration {
            Some(t) if t <= now => Err(Error::Access(format!(
                "the credentials expired at {}; {}",
                clock::format(t),
                self.source
            ))),
            _ => Ok(self),
        }
    }
}

/// How deep `source_profile` chains may go before we call it a loop.
const MAX_ROLE_CHAIN: usize = 8;

/// The profile whose settings apply: `--profile`, else `AWS_PROFILE`, else `default`.
pub fn effective_profile<'a>(explicit: Option<&'a str>, env: &'a Env) -> &'a str {
    explicit
        .or_else(|| env.get("AWS_PROFILE"))
        .unwrap_or("default")
}

/// The region for admin calls: `--region`, `AWS_REGION`, `AWS_DEFAULT_REGION`,
/// the profile's `region` (cli.md: the Identity Center home region).
pub fn region(flag: Option<&str>, env: &Env, cfg: &Config, profile: &str) -> Result<String> {
    if let Some(r) = flag {
        return Ok(r.to_string());
    }
    for var in ["AWS_REGION", "AWS_DEFAULT_REGION"] {
        if let Some(r) = env.get(var) {
            session::check_region_setting(var, r)?;
            return Ok(r.to_string());
        }
    }
    if let Some(r) = cfg.profile_value(profile, "region") {
        session::check_region_setting(&format!("region of profile '{profile}'"), r)?;
        return Ok(r.to_string());
    }
    Err(Error::Config(
        "no region for the admin calls: use --region REGION, set AWS_REGION, or add region to the profile"
            .into(),
    ))
}

/// What credential resolution reads.
pub struct Resolver<'a> {
    ctx: &'a Ctx,
    cfg: &'a Config,
    credentials_file: &'a Config,
    /// The region STS AssumeRole is called in.
    region: &'a str,
}

impl<'a> Resolver<'a> {
    /// A resolver over the config and credentials files; STS calls (AssumeRole)
    /// go to `region`.
    pub fn new(
        ctx: &'a Ctx,
        cfg: &'a Config,
        credentials_file: &'a Config,
        region: &'a str,
    ) -> Resolver<'a> {
        Resolver {
            ctx,
            cfg,
            credentials_file,
            region,
        }
    }

    /// Resolves credentials in botocore's order (see the module doc).
    pub fn resolve(&self, explicit_profile: Option<&str>) -> Result<Resolved> {
        let creds = match explicit_profile {
            Some(p) => self.profile(p, &mut Vec::new())?,
            None => match from_env(&self.ctx.env)? {
                Some(c) => c,
                None => {
                    let name = effective_profile(None, &self.ctx.env);
                    if name == "default" && !self.exists("default") {
                        return Err(Error::Config(
                            "no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or use --profile P"
                                .into(),
                        ));
                    }
                    self.profile(name, &mut Vec::new())?
                }
            },
        };
        creds.check_expiry(clock::now())
    }

    fn exists(&self, profile: &str) -> bool {
        profile_exists(self.cfg, self.credentials_file, profile)
    }

    /// A key of the profile as botocore merges the files: the credentials file's
    /// section wins over the config file's.
    fn value(&self, profile: &str, key: &str) -> Option<&'a str> {
        self.credentials_value(profile, key)
            .or_else(|| self.cfg.profile_value(profile, key))
    }

    fn credentials_value(&self, profile: &str, key: &str) -> Option<&'a str> {
        let doc = &self.credentials_file.doc;
        doc.credentials_section(profile)
            .and_then(|s| doc.get(s, key))
    }

    fn profile(&self, name: &str, chain: &mut Vec<String>) -> Result<Resolved> {
        require_profile(self.cfg, self.credentials_file, name)?;
        if chain.iter().any(|p| p == name) || chain.len() >= MAX_ROLE_CHAIN {
            chain.push(name.to_string());
            return Err(Error::Config(format!(
                "source_profile loop: {}",
                chain.join(" -> ")
            )));
        }
        chain.push(name.to_string());
        if let Some(role_arn) = self.value(name, "role_arn") {
            return self.assume_role(name, role_arn, chain);
        }
        if self.value(name, "sso_account_id").is_some()
            || self.value(name, "sso_role_name").is_some()
        {
            return self.identity_center(name);
        }
        if let Some(c) = self.static_keys(name, ProfileFile::Credentials)? {
            return Ok(c);
        }
        if let Some(command) = self.value(name, "credential_process") {
            return run_process(name, command);
        }
        if let Some(c) = self.static_keys(name, ProfileFile::Config)? {
            return Ok(c);
        }
        Err(Error::Config(format!(
            "profile '{name}' has no credentials: no aws_access_key_id, credential_process, sso_account_id/sso_role_name or role_arn"
        )))
    }

    fn static_keys(&self, profile: &str, file: ProfileFile) -> Result<Option<Resolved>> {
        let get = |key: &str| match file {
            ProfileFile::Credentials => self.credentials_value(profile, key),
            ProfileFile::Config => self.cfg.profile_value(profile, key),
        };
        let Some(id) = get("aws_access_key_id") else {
            return Ok(None);
        };
        let source = Source::Static {
            profile: profile.to_string(),
            file,
        };
        let secret = get("aws_secret_access_key").ok_or_else(|| {
            Error::Config(format!(
                "profile '{profile}' has aws_access_key_id but no aws_secret_access_key"
            ))
        })?;
        let token = get("aws_session_token").or_else(|| get("aws_security_token"));
        Ok(Some(Resolved {
            credentials: Credentials {
                access_key_id: id.to_string(),
                secret_access_key: Secret::new(secret),
                session_token: token.map(Secret::new),
                expiration: None,
            },
            source,
        }))
    }

    /// GetRoleCredentials for the profile's account and role, through the
    /// AWS CLI's role cache that `credential-process` and `export` share (so a
    /// cached set is reused and a fetched one is cached). Without a usable
    /// token it logs in on a terminal and exits 3 with the login command
    /// elsewhere, like every command that needs a token.
    fn identity_center(&self, profile: &str) -> Result<Resolved> {
        let flags = RoleFlags::default();
        let session_flags = SessionFlags {
            profile: Some(profile.to_string()),
            ..SessionFlags::default()
        };
        let target = role::resolve(self.ctx, self.cfg, &session_flags, &flags)?;
        let rc = role::credentials(self.ctx, self.cfg, &target, &flags, LoginPolicy::OnTerminal)?;
        Ok(Resolved::identity_center(rc, profile, &target))
    }

    fn assume_role(
        &self,
        profile: &str,
        role_arn: &str,
        chain: &mut Vec<String>,
    ) -> Result<Resolved> {
        if self.value(profile, "mfa_serial").is_some() {
            return Err(Error::Config(format!(
                "profile '{profile}': mfa_serial is not supported by sso-config admin; use credentials without MFA"
            )));
        }
        let source = match (
            self.value(profile, "source_profile"),
            self.value(profile, "credential_source"),
        ) {
            (Some(_), Some(_)) => {
                return Err(Error::Config(format!(
                    "profile '{profile}' has both source_profile and credential_source"
                )));
            }
            // botocore: a profile that is its own source uses its static keys.
            (Some(src), None) if src == profile => self
                .static_keys(profile, ProfileFile::Credentials)?
                .or(self.static_keys(profile, ProfileFile::Config)?)
                .ok_or_else(|| {
                    Error::Config(format!(
                        "profile '{profile}' is its own source_profile but has no static keys"
                    ))
                })?,
            (Some(src), None) => self.profile(src, chain)?,
            (None, Some("Environment")) => from_env(&self.ctx.env)?.ok_or_else(|| {
                Error::Config(format!(
                    "profile '{profile}': credential_source = Environment but AWS_ACCESS_KEY_ID is not set"
                ))
            })?,
            (None, Some(other)) => {
                return Err(Error::Config(format!(
                    "profile '{profile}': credential_source = {other} is not supported (only Environment)"
                )));
            }
            (None, None) => {
                return Err(Error::Config(format!(
                    "profile '{profile}' has role_arn but no source_profile or credential_source"
                )));
            }
        };
        let source = source.check_expiry(clock::now())?;
        let session_name = self
            .value(profile, "role_session_name")
            .map(str::to_string)
            .unwrap_or_else(|| format!("sso-config-{}", clock::now().unix_timestamp()));
        let duration = match self.value(profile, "duration_seconds") {
            None => None,
            Some(d) => Some(d.trim().parse::<u32>().map_err(|_| {
                Error::Config(format!(
                    "profile '{profile}': duration_seconds '{d}' is not a number"
                ))
            })?),
        };
        // The assuming profile's `[services] sts` / `endpoint_url` apply, as
        // in the SDKs.
        let configured = session::configured_endpoints(self.cfg, profile);
        let client = source
            .client(self.ctx, self.region)
            .with_configured(&configured);
        let input = sts::AssumeRole {
            role_arn,
            session_name: &session_name,
            external_id: self.value(profile, "external_id"),
            duration_seconds: duration,
        };
        Ok(Resolved {
            credentials: sts::assume_role(&client, &input)?,
            source: Source::AssumeRole {
                profile: profile.to_string(),
                role_arn: role_arn.to_string(),
                via: Box::new(source.source),
            },
        })
    }
}

fn profile_exists(cfg: &Config, credentials_file: &Config, profile: &str) -> bool {
    cfg.doc.profile(profile).is_some()
        || credentials_file.doc.credentials_section(profile).is_some()
}

/// Fails when a profile is in neither file; checked for `--profile` before
/// anything else is looked up in it.
pub fn require_profile(cfg: &Config, credentials_file: &Config, profile: &str) -> Result<()> {
    if profile_exists(cfg, credentials_file, profile) {
        return Ok(());
    }
    // Both files' profiles; a `[DEFAULT]` section of the credentials file is none.
    let known = cfg.doc.profile_names().into_iter().chain(
        credentials_file
            .doc
            .sections()
            .iter()
            .map(|s| s.header.as_str())
            .filter(|h| *h != "DEFAULT"),
    );
    Err(Error::Config(format!(
        "profile '{profile}' not found in {} or {}{}",
        cfg.path.display(),
        credentials_file.path.display(),
        suggest::hint(profile, known, true)
    )))
}

/// Credentials from the environment, if `AWS_ACCESS_KEY_ID` is set.
fn from_env(env: &Env) -> Result<Option<Resolved>> {
    let (id, secret) = match (
        env.get("AWS_ACCESS_KEY_ID"),
        env.get("AWS_SECRET_ACCESS_KEY"),
    ) {
        (None, None) => return Ok(None),
        (Some(id), Some(secret)) => (id, secret),
        (Some(_), None) => {
            return Err(Error::Config(
                "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not".into(),
            ));
        }
        (None, Some(_)) => {
            return Err(Error::Config(
                "AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not".into(),
            ));
        }
    };
    let expiration = match env.get("AWS_CREDENTIAL_EXPIRATION") {
        None => None,
        Some(t) => Some(clock::parse(t).ok_or_else(|| {
            Error::Config(format!("AWS_CREDENTIAL_EXPIRATION '{t}' is not a date"))
        })?),
    };
    Ok(Some(Resolved {
        credentials: Credentials {
            access_key_id: id.to_string(),
            secret_access_key: Secret::new(secret),
            session_token: env
                .first(&["AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"])
                .map(Secret::new),
            expiration,
        },
        source: Source::Env,
    }))
}

/// Runs a `credential_process` without a shell (the command line is split the
/// way botocore's `shlex.split` does) and parses its JSON. Its stderr goes to
/// ours, so prompts and diagnostics stay visible; its stdout is never echoed,
/// since it holds the secret.
fn run_process(profile: &str, command: &str) -> Result<Resolved> {
    let what = format!("credential_process of profile '{profile}'");
    let argv = shell::split(command).map_err(|e| Error::Config(format!("{what}: {e}")))?;
    let Some((program, args)) = argv.split_first() else {
        return Err(Error::Config(format!("{what} is empty")));
    };
    let output = Command::new(program)
        .args(args)
        .stdin(Stdio::inherit())
        .stderr(Stdio::inherit())
        .stdout(Stdio::piped())
        .output()
        .map_err(|e| Error::Program(format!("{what}: cannot run '{program}': {e}")))?;
    if !output.status.success() {
        let status = output
            .status
            .code()
            .map_or_else(|| "a signal".to_string(), |c| format!("status {c}"));
        return Err(Error::Program(format!("{what} exited with {status}")));
    }
    let credentials = parse_process_output(&output.stdout)
        .map_err(|msg| Error::Program(format!("{what}: {msg}")))?;
    Ok(Resolved {
        credentials,
        source: Source::Process {
            profile: profile.to_string(),
        },
    })
}

/// Parses the credential_process JSON (protocol.md §8.1). `Version` must be the
/// JSON number 1, as botocore insists. Error texts never quote the output.
fn parse_process_output(stdout: &[u8]) -> Result<Credentials, String> {
    let v: Value =
        serde_json::from_slice(stdout).map_err(|e| format!("output is not JSON ({e})"))?;
    match v.get("Version") {
        Some(n) if n.as_u64() == Some(1) && n.is_number() => {}
        Some(Value::Number(n)) => return Err(format!("unsupported Version {n} (want 1)")),
        Some(_) => return Err("Version must be the number 1".into()),
        None => return Err("output has no Version".into()),
    }
    let field = |name: &str| -> Result<Option<&str>, String> {
        match v.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if !s.is_empty() => Ok(Some(s)),
            Some(_) => Err(format!("{name} must be a non-empty string")),
        }
    };
    let id = field("AccessKeyId")?.ok_or("output has no AccessKeyId")?;
    let secret = field("SecretAccessKey")?.ok_or("output has no SecretAccessKey")?;
    let expiration = match field("Expiration")? {
        None => None,
        Some(t) => Some(clock::parse(t).ok_or_else(|| format!("Expiration '{t}' is not a date"))?),
    };
    Ok(Credentials {
        access_key_id: id.to_string(),
        secret_access_key: Secret::new(secret),
        session_token: field("SessionToken")?.map(Secret::new),
        expiration,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn process_output_rules() {
        let ok = br#"{"Version": 1, "AccessKeyId": "AKID", "SecretAccessKey": "S3CRET", "SessionToken": "T0KEN", "Expiration": "2099-01-01T00:00:00Z"}"#;
        let c = parse_process_output(ok).unwrap();
        assert_eq!(c.access_key_id, "AKID");
        assert_eq!(c.secret_access_key.expose(), "S3CRET");
        assert!(c.expiration.is_some());
        let shown = format!("{c:?}");
        assert!(
            !shown.contains("S3CRET") && !shown.contains("T0KEN"),
            "{shown}"
        );
        for bad in [
            &br#"{"Version": "1", "AccessKeyId": "A", "SecretAccessKey": "S"}"#[..],
            br#"{"Version": 2, "AccessKeyId": "A", "SecretAccessKey": "S"}"#,
            br#"{"Version": 1.5, "AccessKeyId": "A", "SecretAccessKey": "S"}"#,
            br#"{"AccessKeyId": "A", "SecretAccessKey": "S"}"#,
            br#"{"Version": 1, "SecretAccessKey": "S3CRET"}"#,
            br#"{"Version": 1, "AccessKeyId": "A", "SecretAccessKey": "S3CRET", "Expiration": "soon"}"#,
            b"not json S3CRET",
        ] {
            let e = parse_process_output(bad).unwrap_err();
            assert!(!e.contains("S3CRET"), "{e}");
        }
    }

    #[test]
    fn sources_read_well() {
        let s = Source::AssumeRole {
            profile: "admin".into(),
            role_arn: "arn:aws:iam::1:role/R".into(),
            via: Box::new(Source::Static {
                profile: "base".into(),
                file: ProfileFile::Credentials,
            }),
        };
        assert_eq!(
            s.to_string(),
            "credentials from profile 'admin' (role arn:aws:iam::1:role/R assumed with profile 'base' (credentials file))"
        );
    }
}
