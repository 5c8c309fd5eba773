/*!
Which Identity Center instance ("session") a command talks to, resolved in the
contract's order (cli.md, "Identity Center resolution") from the flags, the
environment and the config file; and where that session's requests go.

A start URL given without a region (`--start-url`, `AWS_DEFAULT_SSO_START_URL`)
gets one without a guess: an access-portal host names it
(`ssoins-….portal.REGION.app.aws`, `ssoins-….REGION.portal.amazonaws.com`);
any other start URL (a company's own domain, a customised
`name.awsapps.com`) is fetched once, without following its redirect, and the
region is read from where it redirects to, as the AWS CLI does for custom
domains since 2.35.13 (`customizations/sso/resolve.py`). [`plan_session`]
decides without the network; [`resolve_session`] does that one request.
When it finds nothing, the command stops and asks for `--sso-region`.

For a company's own domain the redirect target is also what Identity Center
knows as the start URL: it is sent to OIDC as `startUrl`/`issuerUrl`
([`Session::issuer_url`]), while the token cache stays keyed by the URL the
user gave (also as the AWS CLI does).

FIPS and dual-stack endpoints: `AWS_USE_FIPS_ENDPOINT` /
`AWS_USE_DUALSTACK_ENDPOINT` win; else `use_fips_endpoint` /
`use_dualstack_endpoint` of the profile that selected the session, as the
SDKs read them. A session chosen without a profile (`--sso-session`,
`--start-url`, the only `[sso-session]`) takes them from the profile the SDKs
would use: `--profile`/`AWS_PROFILE`, else `[default]`. `[sso-session]`
sections are not read for them: no SDK does, and a setting that only this
tool honoured would make it and the AWS CLI reach different hosts.
*/

use crate::app::context::Ctx;
use crate::aws::endpoint::{
    self, DUALSTACK_KEY, Endpoint, FIPS_KEY, RegionCheck, Service, endpoint_for,
};
use crate::error::{Error, Result};
use crate::oidc::DEFAULT_SCOPE;
use crate::store::config::Config;
use crate::store::known_sessions;
use crate::store::paths::Paths;
use crate::store::token_cache::{CacheIdentity, normalize_start_url};
use crate::util::env::Env;
use crate::util::{log, suggest, text, url};

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
    /// is the profile-wide one; and its FIPS / dual-stack settings
    /// (`aws::endpoint::Configured`).
    pub endpoints: Vec<(String, String)>,
    /// The AWS access-portal URL a company's own start URL redirects to: what
    /// OIDC knows as the start URL. `None` when the start URL is AWS's own.
    pub issuer: Option<String>,
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
    /// An instance on a dual-stack portal gets the dual-stack OIDC and portal
    /// hosts unless the settings say otherwise: its device-code login only
    /// works there (AWS CLI issue 10507).
    pub fn endpoint(&self, service: Service, env: &Env) -> Result<Endpoint> {
        let dualstack =
            matches!(service, Service::SsoOidc | Service::Portal) && self.on_dualstack_portal();
        endpoint_for(service, &self.region, env, &self.endpoints, dualstack)
    }

    /// Whether the instance's portal is a dual-stack one (`*.app.aws`).
    pub fn on_dualstack_portal(&self) -> bool {
        url::parse(self.issuer_url())
            .ok()
            .and_then(|u| endpoint::portal_host_region(u.host))
            .is_some_and(|(_, dualstack)| dualstack)
    }

    /// The start URL Identity Center knows: where a company's own start URL
    /// redirects to, else the start URL itself. OIDC gets this one.
    pub fn issuer_url(&self) -> &str {
        self.issuer.as_deref().unwrap_or(&self.start_url)
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

/// What is wrong with a region, for a message that names where it came from;
/// `None` when it is a known region or shaped like a new one (the rule is in
/// `aws::endpoint`'s module doc).
pub fn region_problem(value: &str) -> Option<String> {
    match endpoint::check_region(value) {
        RegionCheck::Known | RegionCheck::New => None,
        RegionCheck::Unknown(closest) => {
            // The one "did you mean" of util::suggest, on the one candidate
            // the region table found within two edits.
            let hint = closest
                .map(|c| suggest::hint(&value.to_ascii_lowercase(), [c], false))
                .unwrap_or_default();
            Some(if hint.is_empty() {
                format!(
                    "{}: not a region; AWS regions are AREA-DIRECTION-N, e.g. us-east-1, eu-central-1, ap-southeast-2",
                    text::shown(value)
                )
            } else {
                format!("{}: not a region{hint}", text::shown(value))
            })
        }
    }
}

/// The usage error for a `flag` value that is not a region.
pub fn check_region(flag: &str, value: &str) -> Result<()> {
    match region_problem(value) {
        None => Ok(()),
        Some(why) => Err(Error::Usage(format!("{flag} {why}"))),
    }
}

/// The configuration error for a region from a setting (`AWS_REGION`, a
/// config key) that is not a region.
pub fn check_region_setting(name: &str, value: &str) -> Result<()> {
    match region_problem(value) {
        None => Ok(()),
        Some(why) => Err(Error::Config(format!("{name} {why}"))),
    }
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

/// A session as far as the flags, the environment and the config take it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Plan {
    /// Resolved.
    Ready(Session),
    /// A start URL that names no region: its start page says where it
    /// redirects to ([`find_region`]).
    FindRegion(Pending),
}

/// A session whose region is still to be found: its region is empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending {
    /// The session so far.
    pub session: Session,
    /// Whether its selector names the session (`--sso-session NAME`).
    name_in_selector: bool,
}

/// The flags that select a start URL's session again.
fn start_url_selector(url: &str, region: &str, name: Option<&str>) -> String {
    let mut s = format!("--start-url {url} --sso-region {region}");
    if let Some(name) = name {
        s.push_str(&format!(" --sso-session {name}"));
    }
    s
}

/// Resolves the session, first match wins (cli.md), and finds the region of
/// a start URL given without one (the one request, see the module doc).
pub fn resolve_session(ctx: &Ctx, cfg: &Config, flags: &SessionFlags) -> Result<Session> {
    match plan_session(cfg, flags, &ctx.env)? {
        Plan::Ready(s) => Ok(s),
        Plan::FindRegion(s) => find_region(ctx, s),
    }
}

/// The session the flags, the environment and the config name, without the
/// network, first match wins (cli.md): explicit start URL (and region);
/// `--sso-session`; `--profile`/`AWS_PROFILE`; the `AWS_DEFAULT_SSO_*`
/// variables; the only `[sso-session]` in the file.
pub fn plan_session(cfg: &Config, flags: &SessionFlags, env: &Env) -> Result<Plan> {
    check_flags(flags)?;
    check_region_has_url(flags, env)?;
    // The FIPS / dual-stack settings of the profile the SDKs would use, for
    // sessions no profile selected (see the module doc).
    let active = flags
        .profile
        .as_deref()
        .or_else(|| env.get("AWS_PROFILE"))
        .unwrap_or("default");
    let variants = variant_settings(cfg, active);
    // Checked where it is used: a variable set for other sessions must not
    // stop a command that names its profile.
    let default_region = || -> Result<Option<&str>> {
        match env.get("AWS_DEFAULT_SSO_REGION") {
            Some(r) => check_region_setting("AWS_DEFAULT_SSO_REGION", r).map(|()| Some(r)),
            None => Ok(None),
        }
    };
    if let Some(url) = &flags.start_url {
        // Typed by hand or pasted from a browser: cleaned before it names a
        // session, a cache file or a request.
        let url = normalize_start_url(url);
        let name = flags
            .sso_session
            .clone()
            .unwrap_or_else(|| session_name_from_url(url));
        let session = start_url_session(
            name,
            url,
            flags.sso_region.as_deref(),
            default_region()?,
            "--start-url",
            true,
            variants,
        );
        return Ok(session);
    }
    if let Some(name) = &flags.sso_session {
        return named_session(cfg, name, format!("--sso-session {name}"))
            .map(|s| Session {
                endpoints: variants,
                ..s.with_source(format!("--sso-session {name}"))
            })
            .map(Plan::Ready);
    }
    let (profile, from_env) = match &flags.profile {
        Some(p) => (Some(p.as_str()), false),
        None => (env.get("AWS_PROFILE"), true),
    };
    if let Some(p) = profile {
        let origin = if from_env { "AWS_PROFILE" } else { "--profile" };
        return profile_session(cfg, p, origin).map(Plan::Ready);
    }
    if let Some(url) = env.get("AWS_DEFAULT_SSO_START_URL") {
        let url = normalize_start_url(url);
        let name = session_name_from_url(url);
        // `--sso-region` here is the region of this start URL (see
        // `check_region_has_url`), and a flag beats its variable.
        let session = start_url_session(
            name,
            url,
            flags.sso_region.as_deref(),
            default_region()?,
            "AWS_DEFAULT_SSO_START_URL",
            false,
            variants,
        );
        return Ok(session);
    }
    let sessions = cfg.doc.sso_sessions();
    if let [only] = sessions.as_slice() {
        let name = only.to_string();
        return named_session(cfg, &name, format!("--sso-session {name}"))
            .map(|s| Session {
                endpoints: variants,
                ..s.with_source(format!("the only [sso-session] in {}", cfg.path.display()))
            })
            .map(Plan::Ready);
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

/// `--sso-region` is the region of a start URL: of `--start-url`, or of
/// `AWS_DEFAULT_SSO_START_URL` when that is what selects the session. Given
/// with anything else it would be silently ignored (a configured session or
/// profile has its own `sso_region`), so it is a usage error.
fn check_region_has_url(flags: &SessionFlags, env: &Env) -> Result<()> {
    if flags.sso_region.is_none() || flags.start_url.is_some() {
        return Ok(());
    }
    let other = if flags.sso_session.is_some() {
        Some("--sso-session")
    } else if flags.profile.is_some() {
        Some("--profile")
    } else if env.get("AWS_PROFILE").is_some() {
        Some("AWS_PROFILE")
    } else {
        None
    };
    match (other, env.get("AWS_DEFAULT_SSO_START_URL")) {
        (None, Some(_)) => Ok(()),
        (Some(other), _) => Err(Error::Usage(format!(
            "--sso-region goes with --start-url; the session {other} selects has its own sso_region"
        ))),
        (None, None) => Err(Error::Usage(
            "--sso-region goes with --start-url URL (the region of that start URL)".into(),
        )),
    }
}

/// The session of a start URL given on the command line or in
/// `AWS_DEFAULT_SSO_START_URL`: its region is the one given (`--sso-region`),
/// else the one its host names, else the default (`AWS_DEFAULT_SSO_REGION`),
/// else still to be found.
fn start_url_session(
    name: String,
    url: &str,
    given: Option<&str>,
    default: Option<&str>,
    source: &str,
    name_in_selector: bool,
    variants: Vec<(String, String)>,
) -> Plan {
    let named = url::parse(url)
        .ok()
        .and_then(|u| endpoint::portal_host_region(u.host))
        .map(|(region, _)| region);
    if let (Some(given), Some(named)) = (given, &named)
        && given != named
    {
        log::warn(format_args!(
            "the start URL's portal is in {named}, but the region given is {given}; using {given}"
        ));
    }
    let region = given
        .map(str::to_string)
        .or(named)
        .or_else(|| default.map(str::to_string));
    let session = Session {
        endpoints: variants,
        ..explicit(
            name.clone(),
            url,
            region.as_deref().unwrap_or_default(),
            source,
            start_url_selector(
                url,
                region.as_deref().unwrap_or("REGION"),
                name_in_selector.then_some(name.as_str()),
            ),
        )
    };
    match region {
        Some(_) => Plan::Ready(session),
        None => Plan::FindRegion(Pending {
            session,
            name_in_selector,
        }),
    }
}

/// How a start page answered, for [`find_region`] and [`for_login`].
enum StartPage {
    /// It redirects to this AWS access portal, in this region.
    Portal { target: String, region: String },
    /// It does not (why not, for the message).
    Elsewhere(String),
}

/// Fetches `start_url` once without following its redirect (the one HTTP
/// agent never follows one) and reads where it redirects to. The start URL
/// must be `https://` (`http://` only on a loopback host): the answer decides
/// where a login goes. A redirect counts only to `https://` on an access-portal
/// host that names a region ([`endpoint::portal_host_region`]), with no port.
fn read_start_page(ctx: &Ctx, start_url: &str) -> Result<StartPage> {
    let parsed = url::parse(start_url)
        .map_err(|why| Error::Config(format!("start URL {}: {why}", text::shown(start_url))))?;
    if !parsed.is_secure_or_loopback() {
        return Err(Error::Config(format!(
            "start URL {}: only https:// is fetched (http:// only on a loopback host)",
            text::shown(start_url)
        )));
    }
    let answer = match ctx.http.get_location("StartPage", start_url) {
        Ok(a) => a,
        Err(e) => return Ok(StartPage::Elsewhere(format!("fetching it failed ({e})"))),
    };
    let Some(location) = answer
        .location
        .filter(|_| matches!(answer.status, 301 | 302 | 303 | 307 | 308))
    else {
        return Ok(StartPage::Elsewhere(format!(
            "it answered HTTP {} without a redirect",
            answer.status
        )));
    };
    let elsewhere = || {
        StartPage::Elsewhere(format!(
            "it redirects to {}, not to an AWS access portal (https://….portal.REGION.app.aws)",
            text::shown(&text::shorten(&location, 200))
        ))
    };
    let Ok(target) = url::parse(&location) else {
        return Ok(elsewhere());
    };
    let found = endpoint::portal_host_region(target.host)
        .filter(|_| target.scheme.eq_ignore_ascii_case("https") && target.port.is_none());
    Ok(match found {
        Some((region, _)) => {
            // As the AWS CLI normalises it: no query, fragment or trailing `/`.
            let path = target.rest.split(['?', '#']).next().unwrap_or_default();
            let target = format!(
                "https://{}{}",
                target.host.to_ascii_lowercase(),
                path.trim_end_matches('/')
            );
            StartPage::Portal { target, region }
        }
        None => elsewhere(),
    })
}

/// Finds the region of a start URL that names none from its start page's
/// redirect (see the module doc); never a guess: when the page does not
/// redirect to an access portal, the command stops and asks for the region.
pub fn find_region(ctx: &Ctx, pending: Pending) -> Result<Session> {
    let Pending {
        mut session,
        name_in_selector,
    } = pending;
    match read_start_page(ctx, &session.start_url)? {
        StartPage::Portal { target, region } => {
            log::note(format_args!(
                "region {region}: the start URL redirects to {target}"
            ));
            session.selector = start_url_selector(
                &session.start_url,
                &region,
                name_in_selector.then_some(session.name.as_str()),
            );
            session.region = region;
            session.issuer = own_domain(&session.start_url).then_some(target);
            Ok(session)
        }
        StartPage::Elsewhere(why) => Err(Error::Config(format!(
            "cannot tell the region of start URL {}: {why}; give it with --sso-region REGION",
            session.start_url
        ))),
    }
}

/// Whether a start URL is on a company's own domain rather than one of AWS's.
fn own_domain(start_url: &str) -> bool {
    url::parse(start_url).is_ok_and(|u| !endpoint::is_aws_start_host(u.host))
}

/// The session a login uses: for a start URL on a company's own domain, the
/// AWS access portal it redirects to becomes what OIDC is told
/// ([`Session::issuer_url`]), found now unless it already was. AWS's own start
/// URLs are used as they are, without a request.
pub fn for_login(ctx: &Ctx, session: &Session) -> Result<Session> {
    if session.issuer.is_some() || !own_domain(&session.start_url) {
        return Ok(session.clone());
    }
    match read_start_page(ctx, &session.start_url)? {
        StartPage::Portal { target, region } => {
            if region != session.region {
                log::warn(format_args!(
                    "the start URL redirects to a portal in {region}, but the session's region is {}",
                    session.region
                ));
            }
            Ok(Session {
                issuer: Some(target),
                ..session.clone()
            })
        }
        StartPage::Elsewhere(why) => Err(Error::Config(format!(
            "start URL {} is not AWS's and does not lead to an AWS access portal: {why}",
            session.start_url
        ))),
    }
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
        issuer: None,
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
        issuer: None,
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
            issuer: None,
        }),
        _ => Err(Error::Config(format!(
            "profile '{profile}' in {} has no sso_session (or sso_start_url and sso_region)",
            cfg.path.display()
        ))),
    }
}

/// A profile's `use_fips_endpoint` and `use_dualstack_endpoint`, under the
/// keys `aws::endpoint` reads them by.
fn variant_settings(cfg: &Config, profile: &str) -> Vec<(String, String)> {
    [FIPS_KEY, DUALSTACK_KEY]
        .into_iter()
        .filter_map(|key| {
            cfg.profile_value(profile, key)
                .map(|v| (key.to_string(), v.to_string()))
        })
        .collect()
}

/// The endpoint URLs a profile configures: `services = NAME` pointing at a
/// `[services NAME]` section with `<service> =` / `endpoint_url =` sub-keys,
/// and a profile-wide `endpoint_url` (key `*`). None when the profile sets
/// `ignore_configured_endpoint_urls = true`. Its FIPS / dual-stack settings
/// come first, always.
pub fn configured_endpoints(cfg: &Config, profile: &str) -> Vec<(String, String)> {
    let get = |key: &str| cfg.profile_value(profile, key);
    // Not endpoint URLs: ignore_configured_endpoint_urls leaves these alone.
    let mut out = variant_settings(cfg, profile);
    if get("ignore_configured_endpoint_urls").is_some_and(|v| v.eq_ignore_ascii_case("true")) {
        return out;
    }
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

    /// The plan, which must be resolved without the network.
    fn resolve(cfg: &Config, flags: &SessionFlags, env: &Env) -> Result<Session> {
        match plan_session(cfg, flags, env)? {
            Plan::Ready(s) => Ok(s),
            Plan::FindRegion(p) => panic!("needs its region found: {p:?}"),
        }
    }

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
        let s = resolve(&cfg(TWO), &f, &Env::default()).unwrap();
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
        let s = resolve(&c, &by_name, &Env::default()).unwrap();
        assert_eq!(s.scopes, Some(vec!["sso:account:access".to_string()]));
        let s = resolve(
            &c,
            &SessionFlags::default(),
            &Env::of(&[("AWS_PROFILE", "p")]),
        )
        .unwrap();
        assert_eq!((s.name.as_str(), s.region.as_str()), ("b", "us-east-1"));
        assert_eq!(s.login_command(), "sso-config login --profile p");
        let s = resolve(
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
        let s = resolve(&c, &SessionFlags::default(), &e).unwrap();
        assert_eq!(s.name, "x");
        let err = resolve(&c, &SessionFlags::default(), &Env::default()).unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert!(err.to_string().contains("a, b"), "{err}");
        let one = cfg(
            "[sso-session only]\nsso_start_url = https://o.awsapps.com/start\nsso_region = eu-west-1\n",
        );
        let s = resolve(&one, &SessionFlags::default(), &Env::default()).unwrap();
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
            let e = resolve(&c, &flags, &Env::default()).unwrap_err();
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
        let s = resolve(&c, &flags, &Env::default()).unwrap();
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
    fn sso_region_without_a_start_url_is_a_usage_error() {
        let c = cfg(TWO);
        let region = |more: SessionFlags| SessionFlags {
            sso_region: Some("eu-west-1".into()),
            ..more
        };
        for (flags, env) in [
            (region(SessionFlags::default()), Env::default()),
            (
                region(SessionFlags {
                    sso_session: Some("a".into()),
                    ..Default::default()
                }),
                Env::default(),
            ),
            (
                region(SessionFlags::default()),
                Env::of(&[
                    ("AWS_PROFILE", "p"),
                    ("AWS_DEFAULT_SSO_START_URL", "https://x.awsapps.com/start"),
                ]),
            ),
        ] {
            let e = plan_session(&c, &flags, &env).unwrap_err();
            assert_eq!(e.exit_code(), 2, "{e}");
            assert!(e.to_string().contains("--sso-region goes with --start-url"));
        }
        // With the start URL from AWS_DEFAULT_SSO_START_URL it is that URL's region.
        let env = Env::of(&[
            ("AWS_DEFAULT_SSO_START_URL", "https://x.awsapps.com/start"),
            ("AWS_DEFAULT_SSO_REGION", "us-east-1"),
        ]);
        let Plan::Ready(s) = plan_session(&c, &region(SessionFlags::default()), &env).unwrap()
        else {
            panic!("a region was given")
        };
        assert_eq!((s.name.as_str(), s.region.as_str()), ("x", "eu-west-1"));
    }

    #[test]
    fn a_portal_start_url_names_its_region_others_need_theirs_found() {
        let c = cfg(TWO);
        let url = |u: &str| SessionFlags {
            start_url: Some(u.into()),
            ..Default::default()
        };
        let dual = "https://ssoins-7223a1b2c3d4e5f6.portal.us-west-2.app.aws/";
        let s = resolve(&c, &url(dual), &Env::default()).unwrap();
        assert_eq!(s.region, "us-west-2");
        assert_eq!(s.start_url, dual.trim_end_matches('/'));
        assert!(
            s.login_command().contains("--sso-region us-west-2"),
            "{}",
            s.login_command()
        );
        // Its OIDC and portal hosts are the dual-stack ones; sso-admin's are not.
        let env = Env::default();
        assert_eq!(
            s.endpoint(Service::SsoOidc, &env).unwrap().base,
            "https://oidc.us-west-2.api.aws"
        );
        assert_eq!(
            s.endpoint(Service::Portal, &env).unwrap().base,
            "https://portal.sso.us-west-2.api.aws"
        );
        assert_eq!(
            s.endpoint(Service::SsoAdmin, &env).unwrap().base,
            "https://sso.us-west-2.amazonaws.com"
        );
        let ipv4 = "https://ssoins-1.eu-central-1.portal.amazonaws.com";
        let s = resolve(&c, &url(ipv4), &Env::default()).unwrap();
        assert_eq!(s.region, "eu-central-1");
        assert_eq!(
            s.endpoint(Service::SsoOidc, &env).unwrap().base,
            "https://oidc.eu-central-1.amazonaws.com"
        );
        // A classic or custom start URL: the region is to be found.
        for u in [
            "https://mycorp.awsapps.com/start",
            "https://sso.example.com",
        ] {
            match plan_session(&c, &url(u), &Env::default()).unwrap() {
                Plan::FindRegion(Pending { session: s, .. }) => {
                    assert_eq!((s.start_url.as_str(), s.region.as_str()), (u, ""))
                }
                other => panic!("{other:?}"),
            }
        }
        // The variable without a region, too; with one, it is used.
        let e = Env::of(&[("AWS_DEFAULT_SSO_START_URL", "https://x.awsapps.com/start")]);
        assert!(matches!(
            plan_session(&c, &SessionFlags::default(), &e).unwrap(),
            Plan::FindRegion(_)
        ));
        let e = Env::of(&[
            ("AWS_DEFAULT_SSO_START_URL", "https://x.awsapps.com/start"),
            ("AWS_DEFAULT_SSO_REGION", "eu-wst-1"),
        ]);
        let err = plan_session(&c, &SessionFlags::default(), &e).unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert!(
            err.to_string().contains("did you mean 'eu-west-1'"),
            "{err}"
        );
        // ... but only where it is used.
        let p = SessionFlags {
            profile: Some("p".into()),
            ..Default::default()
        };
        assert_eq!(resolve(&c, &p, &e).unwrap().name, "b");
        // A portal URL's own region beats the default; --sso-region beats both.
        let e = Env::of(&[("AWS_DEFAULT_SSO_REGION", "ap-south-1")]);
        assert_eq!(resolve(&c, &url(dual), &e).unwrap().region, "us-west-2");
        let given = SessionFlags {
            sso_region: Some("eu-west-1".into()),
            ..url(dual)
        };
        assert_eq!(resolve(&c, &given, &e).unwrap().region, "eu-west-1");
        let s = resolve(&c, &url("https://x.awsapps.com/start"), &e).unwrap();
        assert_eq!(s.region, "ap-south-1");
    }

    #[test]
    fn sessions_without_a_profile_take_the_default_profiles_endpoint_settings() {
        let c = cfg(&format!(
            "[default]\nuse_fips_endpoint = true\n\n[profile dual]\nuse_dualstack_endpoint = true\n\n{TWO}"
        ));
        let env = Env::default();
        let by_name = SessionFlags {
            sso_session: Some("a".into()),
            ..Default::default()
        };
        let s = resolve(&c, &by_name, &env).unwrap();
        assert_eq!(
            s.endpoint(Service::SsoOidc, &env).unwrap().base,
            "https://oidc-fips.eu-west-1.amazonaws.com"
        );
        let e = Env::of(&[("AWS_PROFILE", "dual")]);
        let s = resolve(&c, &by_name, &e).unwrap();
        assert_eq!(
            s.endpoint(Service::Portal, &e).unwrap().base,
            "https://portal.sso.eu-west-1.api.aws"
        );
        // A profile's own settings, even with its endpoint URLs ignored.
        let c = cfg(&format!(
            "{TWO}\n[profile f]\nsso_session = a\nuse_fips_endpoint = true\nignore_configured_endpoint_urls = true\nendpoint_url = https://x.example\n"
        ));
        let s = resolve(
            &c,
            &SessionFlags {
                profile: Some("f".into()),
                ..Default::default()
            },
            &env,
        )
        .unwrap();
        assert_eq!(
            s.endpoint(Service::SsoOidc, &env).unwrap().base,
            "https://oidc-fips.eu-west-1.amazonaws.com"
        );
    }

    #[test]
    fn regions_are_checked_with_a_suggestion() {
        let e = check_region("--region", "eu-wst-1").unwrap_err();
        assert_eq!(e.exit_code(), 2);
        assert!(e.to_string().contains("(did you mean 'eu-west-1'?)"), "{e}");
        assert!(check_region("--region", "ap-southeast-9").is_ok());
        let e = check_region("--sso-region", "mars-north-1").unwrap_err();
        assert!(
            e.to_string().contains("not a region; AWS regions are"),
            "{e}"
        );
        let e = check_region_setting("AWS_REGION", "US-EAST-1").unwrap_err();
        assert!(e.to_string().contains("did you mean 'us-east-1'"), "{e}");
        let flags = SessionFlags {
            start_url: Some("https://x.awsapps.com/start".into()),
            sso_region: Some("us-eest-1".into()),
            ..Default::default()
        };
        let e = plan_session(&cfg(TWO), &flags, &Env::default()).unwrap_err();
        assert!(e.to_string().contains("did you mean 'us-east-1'"), "{e}");
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
