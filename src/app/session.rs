/*!
Which Identity Center instance ("session") a command talks to, resolved in the
contract's order (cli.md, "Identity Center resolution") from the flags, the
environment and the config file; and where that session's requests go.
*/

use crate::aws::endpoint::{Endpoint, Service, endpoint};
use crate::error::{Error, Result};
use crate::oidc::DEFAULT_SCOPE;
use crate::store::config::Config;
use crate::store::known_sessions;
use crate::store::paths::Paths;
use crate::store::token_cache::{CacheIdentity, normalize_start_url};
use crate::util::env::Env;
use crate::util::{suggest, text};

/// The flags that select a session.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SessionFlags {
    /// `--start-url`.
    pub start_url: Option<String>,
    /// `--sso-region`.
    pub sso_region: Option<String>,
    /// `--sso-session`.
    pub sso_session: Option<String>,
    /// `--profile` (falls back to `AWS_PROFILE`).
    pub profile: Option<String>,
}

/// A resolved Identity Center instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// The session name (for legacy profiles, the start URL's host label).
    pub name: String,
    /// The start URL exactly as configured.
    pub start_url: String,
    /// The Identity Center region.
    pub region: String,
    /// The registration scopes as configured (`None` when not configured).
    pub scopes: Option<Vec<String>>,
    /// Legacy: keyed by start URL (profile with `sso_start_url`, no `sso_session`).
    pub legacy: bool,
    /// Where the session came from, for `check` and error messages.
    pub source: String,
    /// The flags that select this session again, for "run: …" hints.
    pub selector: String,
    /// Endpoint URLs configured for the selecting profile (protocol.md §1.2:
    /// its `[services]` section, then its `endpoint_url`), by service key; `*`
    /// is the profile-wide one.
    pub endpoints: Vec<(String, String)>,
}

impl Session {
    /// The string whose SHA-1 names the token file.
    pub fn token_key(&self) -> &str {
        if self.legacy {
            &self.start_url
        } else {
            &self.name
        }
    }

    /// What names the registration cache file.
    pub fn cache_identity(&self) -> CacheIdentity<'_> {
        CacheIdentity {
            session_name: (!self.legacy).then_some(self.name.as_str()),
            start_url: &self.start_url,
            region: &self.region,
            scopes: self.scopes.as_deref(),
        }
    }

    /// The scopes to register with: configured, else `sso:account:access` so the
    /// token comes with a refresh token.
    pub fn registration_scopes(&self) -> Vec<String> {
        self.scopes
            .clone()
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| vec![DEFAULT_SCOPE.to_string()])
    }

    /// Where to send `service`'s requests for this session: the environment
    /// overrides, then the profile's configured endpoints, then AWS's host.
    pub fn endpoint(&self, service: Service, env: &Env) -> Result<Endpoint> {
        endpoint(service, &self.region, env, &self.endpoints)
    }

    /// The command that logs this session in.
    pub fn login_command(&self) -> String {
        format!("sso-config login {}", self.selector)
    }
}

/// The session name derived from a start URL: its host's first label
/// (`https://d-1234567890.awsapps.com/start` → `d-1234567890`).
pub fn session_name_from_url(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let host = rest.split(['/', ':', '?']).next().unwrap_or(rest);
    host.split('.').next().unwrap_or(host).to_string()
}

/// Parses `sso_registration_scopes`: comma-separated, trimmed, empties dropped.
pub fn parse_scopes(raw: &str) -> Vec<String> {
    raw.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// Whether `s` looks like a region: lower-case ASCII letters, digits and `-`
/// (`us-east-1`, `cn-north-1`, `us-iso-east-1`). Only the syntax: whether AWS
/// has such a region is not checked here.
pub fn is_region(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// The usage error for a `flag` value that is not a region.
pub fn check_region(flag: &str, value: &str) -> Result<()> {
    if is_region(value) {
        return Ok(());
    }
    Err(Error::Usage(format!(
        "{flag} {}: not a region; a region has only lower-case letters, digits and - (e.g. us-east-1)",
        text::shown(value)
    )))
}

/// Checks the session flags the user typed: a session name is written into
/// the config (`[sso-session NAME]`, `sso_session = NAME`) and must be one
/// every SDK reads (cli.md, "Settled details"); a region goes into host names
/// and the config.
fn check_flags(flags: &SessionFlags) -> Result<()> {
    if let Some(name) = &flags.sso_session
        && !text::is_name(name)
    {
        return Err(Error::Usage(format!(
            "--sso-session {}: not a valid session name; {}",
            text::shown(name),
            text::NAME_RULE
        )));
    }
    if let Some(region) = &flags.sso_region {
        check_region("--sso-region", region)?;
    }
    Ok(())
}

/// Resolves the session, first match wins (cli.md): explicit start URL and
/// region; `--sso-session`; `--profile`/`AWS_PROFILE`; the
/// `AWS_DEFAULT_SSO_*` variables; the only `[sso-session]` in the file.
pub fn resolve_session(cfg: &Config, flags: &SessionFlags, env: &Env) -> Result<Session> {
    check_flags(flags)?;
    if let Some(url) = &flags.start_url {
        // Typed by hand or pasted from a browser: cleaned before it names a
        // session, a cache file or a request.
        let url = normalize_start_url(url);
        let region = flags
            .sso_region
            .clone()
            .or_else(|| env.get("AWS_DEFAULT_SSO_REGION").map(str::to_string))
            .ok_or_else(|| Error::Usage("--start-url needs --sso-region".into()))?;
        let name = flags
            .sso_session
            .clone()
            .unwrap_or_else(|| session_name_from_url(url));
        let selector = format!("--start-url {url} --sso-region {region} --sso-session {name}");
        return Ok(explicit(name, url, &region, "--start-url", selector));
    }
    if let Some(name) = &flags.sso_session {
        return named_session(cfg, name, format!("--sso-session {name}"))
            .map(|s| s.with_source(format!("--sso-session {name}")));
    }
    let (profile, from_env) = match &flags.profile {
        Some(p) => (Some(p.as_str()), false),
        None => (env.get("AWS_PROFILE"), true),
    };
    if let Some(p) = profile {
        let origin = if from_env { "AWS_PROFILE" } else { "--profile" };
        return profile_session(cfg, p, origin);
    }
    if let (Some(url), Some(region)) = (
        env.get("AWS_DEFAULT_SSO_START_URL"),
        env.get("AWS_DEFAULT_SSO_REGION"),
    ) {
        let url = normalize_start_url(url);
        let name = session_name_from_url(url);
        let selector = format!("--start-url {url} --sso-region {region}");
        return Ok(explicit(
            name,
            url,
            region,
            "AWS_DEFAULT_SSO_START_URL",
            selector,
        ));
    }
    let sessions = cfg.doc.sso_sessions();
    if let [only] = sessions.as_slice() {
        let name = only.to_string();
        return named_session(cfg, &name, format!("--sso-session {name}"))
            .map(|s| s.with_source(format!("the only [sso-session] in {}", cfg.path.display())));
    }
    let found = if sessions.is_empty() {
        format!("no [sso-session] in {}", cfg.path.display())
    } else {
        format!(
            "sessions in {}: {}",
            cfg.path.display(),
            sessions.join(", ")
        )
    };
    Err(Error::Config(format!(
        "which Identity Center? {found}; use --sso-session NAME, --profile NAME, or --start-url URL --sso-region REGION"
    )))
}

/// The session a `login` remembered (see `store::known_sessions`), for when
/// the config names none: the one named by `--sso-session`, else the only
/// one, else the most recent login.
pub fn remembered_session(paths: &Paths, flags: &SessionFlags) -> Result<Session> {
    let known = known_sessions::load(paths);
    let found = match &flags.sso_session {
        Some(name) => known.into_iter().find(|k| &k.name == name),
        None => known.into_iter().next(),
    };
    let k = found.ok_or_else(|| Error::Config("no session remembered from a login".into()))?;
    Ok(Session {
        scopes: k.scopes,
        ..explicit(
            k.name.clone(),
            &k.start_url,
            &k.region,
            "the session of the last login",
            format!("--sso-session {}", k.name),
        )
    })
}

fn explicit(name: String, url: &str, region: &str, source: &str, selector: String) -> Session {
    Session {
        name,
        start_url: url.to_string(),
        region: region.to_string(),
        scopes: Some(vec![DEFAULT_SCOPE.to_string()]),
        legacy: false,
        source: source.to_string(),
        selector,
        endpoints: Vec::new(),
    }
}

impl Session {
    fn with_source(mut self, source: String) -> Session {
        self.source = source;
        self
    }
}

fn named_session(cfg: &Config, name: &str, selector: String) -> Result<Session> {
    let section = cfg.doc.sso_session(name).ok_or_else(|| {
        Error::Config(format!(
            "no [sso-session {name}] in {}{}",
            cfg.path.display(),
            suggest::hint(name, cfg.doc.sso_sessions(), true)
        ))
    })?;
    let need = |key: &str| {
        cfg.doc
            .get(section, key)
            .map(str::to_string)
            .ok_or_else(|| {
                Error::Config(format!(
                    "[sso-session {name}] in {} has no {key}",
                    cfg.path.display()
                ))
            })
    };
    Ok(Session {
        name: name.to_string(),
        start_url: need("sso_start_url")?,
        region: need("sso_region")?,
        scopes: cfg
            .doc
            .get(section, "sso_registration_scopes")
            .map(parse_scopes),
        legacy: false,
        source: format!("[sso-session {name}]"),
        selector,
        endpoints: Vec::new(),
    })
}

fn profile_session(cfg: &Config, profile: &str, origin: &str) -> Result<Session> {
    if cfg.doc.profile(profile).is_none() {
        return Err(Error::Config(format!(
            "profile '{profile}' ({origin}) not found in {}{}",
            cfg.path.display(),
            suggest::hint(profile, cfg.doc.profile_names(), true)
        )));
    }
    let source = format!("profile {profile} ({origin})");
    let selector = format!("--profile {profile}");
    let endpoints = configured_endpoints(cfg, profile);
    if let Some(name) = cfg.profile_value(profile, "sso_session") {
        return named_session(cfg, name, selector).map(|s| Session {
            endpoints,
            ..s.with_source(source)
        });
    }
    match (
        cfg.profile_value(profile, "sso_start_url"),
        cfg.profile_value(profile, "sso_region"),
    ) {
        (Some(url), Some(region)) => Ok(Session {
            name: session_name_from_url(url),
            start_url: url.to_string(),
            region: region.to_string(),
            scopes: None,
            legacy: true,
            source,
            selector,
            endpoints,
        }),
        _ => Err(Error::Config(format!(
            "profile '{profile}' in {} has no sso_session (or sso_start_url and sso_region)",
            cfg.path.display()
        ))),
    }
}

/// The endpoint URLs a profile configures: `services = NAME` pointing at a
/// `[services NAME]` section with `<service> =` / `endpoint_url =` sub-keys,
/// and a profile-wide `endpoint_url` (key `*`). None when the profile sets
/// `ignore_configured_endpoint_urls = true`.
pub fn configured_endpoints(cfg: &Config, profile: &str) -> Vec<(String, String)> {
    let get = |key: &str| cfg.profile_value(profile, key);
    if get("ignore_configured_endpoint_urls").is_some_and(|v| v.eq_ignore_ascii_case("true")) {
        return Vec::new();
    }
    let mut out = Vec::new();
    if let Some(section) = get("services").and_then(|name| cfg.doc.services(name)) {
        for service in [
            Service::SsoOidc,
            Service::Portal,
            Service::SsoAdmin,
            Service::IdentityStore,
            Service::Organizations,
            Service::Sts,
        ] {
            let url = service
                .config_keys()
                .iter()
                .find_map(|key| cfg.doc.get_sub(section, key, "endpoint_url"));
            if let Some(url) = url {
                out.push((service.config_key().to_string(), url.to_string()));
            }
        }
    }
    if let Some(url) = get("endpoint_url") {
        out.push(("*".to_string(), url.to_string()));
    }
    out
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::ini::Document;

    fn cfg(text: &str) -> Config {
        Config {
            path: PathBuf::from("/h/.aws/config"),
            doc: Document::parse(text).unwrap(),
        }
    }

    const TWO: &str = "[sso-session a]\nsso_start_url = https://a.awsapps.com/start\nsso_region = eu-west-1\nsso_registration_scopes = sso:account:access\n\n[sso-session b]\nsso_start_url = https://b.awsapps.com/start\nsso_region = us-east-1\n\n[profile p]\nsso_session = b\nsso_account_id = 1\nsso_role_name = R\n\n[profile legacy]\nsso_start_url = https://d-1234567890.awsapps.com/start\nsso_region = us-east-2\n";

    #[test]
    fn explicit_flags_win() {
        let f = SessionFlags {
            start_url: Some("https://mycorp.awsapps.com/start".into()),
            sso_region: Some("eu-central-1".into()),
            sso_session: None,
            profile: Some("p".into()),
        };
        let s = resolve_session(&cfg(TWO), &f, &Env::default()).unwrap();
        assert_eq!(
            (s.name.as_str(), s.region.as_str()),
            ("mycorp", "eu-central-1")
        );
        assert!(!s.legacy);
    }

    #[test]
    fn session_then_profile_then_env_then_only_one() {
        let c = cfg(TWO);
        let by_name = SessionFlags {
            sso_session: Some("a".into()),
            ..Default::default()
        };
        let s = resolve_session(&c, &by_name, &Env::default()).unwrap();
        assert_eq!(s.scopes, Some(vec!["sso:account:access".to_string()]));
        let s = resolve_session(
            &c,
            &SessionFlags::default(),
            &Env::of(&[("AWS_PROFILE", "p")]),
        )
        .unwrap();
        assert_eq!((s.name.as_str(), s.region.as_str()), ("b", "us-east-1"));
        assert_eq!(s.login_command(), "sso-config login --profile p");
        let s = resolve_session(
            &c,
            &SessionFlags {
                profile: Some("legacy".into()),
                ..Default::default()
            },
            &Env::default(),
        )
        .unwrap();
        assert!(s.legacy);
        assert_eq!(s.token_key(), "https://d-1234567890.awsapps.com/start");
        assert_eq!(s.name, "d-1234567890");
        let e = Env::of(&[
            ("AWS_DEFAULT_SSO_START_URL", "https://x.awsapps.com/start"),
            ("AWS_DEFAULT_SSO_REGION", "ap-south-1"),
        ]);
        let s = resolve_session(&c, &SessionFlags::default(), &e).unwrap();
        assert_eq!(s.name, "x");
        let err = resolve_session(&c, &SessionFlags::default(), &Env::default()).unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert!(err.to_string().contains("a, b"), "{err}");
        let one = cfg(
            "[sso-session only]\nsso_start_url = https://o.awsapps.com/start\nsso_region = eu-west-1\n",
        );
        let s = resolve_session(&one, &SessionFlags::default(), &Env::default()).unwrap();
        assert_eq!(s.name, "only");
    }

    #[test]
    fn unknown_profile_and_session_are_config_errors() {
        let c = cfg(TWO);
        for flags in [
            SessionFlags {
                profile: Some("nope".into()),
                ..Default::default()
            },
            SessionFlags {
                sso_session: Some("nope".into()),
                ..Default::default()
            },
        ] {
            let e = resolve_session(&c, &flags, &Env::default()).unwrap_err();
            assert_eq!(e.exit_code(), 2, "{e}");
            assert!(e.to_string().contains("nope"));
        }
    }

    #[test]
    fn profiles_configure_endpoints() {
        let c = cfg(&format!(
            "{TWO}\n[profile local]\nsso_session = a\nservices = loc\nendpoint_url = https://all.example\n[services loc]\nsso =\n  endpoint_url = http://127.0.0.1:9\n"
        ));
        let flags = SessionFlags {
            profile: Some("local".into()),
            ..Default::default()
        };
        let s = resolve_session(&c, &flags, &Env::default()).unwrap();
        assert_eq!(
            s.endpoint(Service::Portal, &Env::default()).unwrap().base,
            "http://127.0.0.1:9"
        );
        assert_eq!(
            s.endpoint(Service::SsoOidc, &Env::default()).unwrap().base,
            "https://all.example"
        );
        let env_wins = Env::of(&[("AWS_ENDPOINT_URL_SSO", "https://env.example")]);
        assert_eq!(
            s.endpoint(Service::Portal, &env_wins).unwrap().base,
            "https://env.example"
        );
    }

    #[test]
    fn names_and_scopes() {
        assert_eq!(
            session_name_from_url("https://d-1234567890.awsapps.com/start"),
            "d-1234567890"
        );
        assert_eq!(
            session_name_from_url("https://mycorp.awsapps.com/start#/"),
            "mycorp"
        );
        assert_eq!(parse_scopes(" a, ,b "), vec!["a", "b"]);
    }
}
