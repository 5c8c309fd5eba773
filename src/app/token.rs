/*!
Getting a usable access token for a session: from the AWS CLI's token cache,
by a silent refresh, or by an interactive login; and logging out.

Refreshes happen under a cross-process lock so that many processes started
together refresh once (refresh tokens may rotate: a second refresh with the
old one would fail).
*/

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::app::context::Ctx;
use crate::app::session::{self, Session};
use crate::aws::endpoint::{Service, endpoint};
use crate::aws::loopback::Callback;
use crate::error::{Error, Result};
use crate::oidc::{self, Oidc, Pkce, RegisterClient, TokenResponse};
use crate::portal::Portal;
use crate::store::config::Config;
use crate::store::token_cache::{self, Registration, TOKEN_REFRESH_WINDOW, Token};
use crate::store::{cache, fsutil, known_sessions, role_cache};
use crate::util::secret::Secret;
use crate::util::{clock, log};

/// Which interactive flow to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Flow {
    /// PKCE when a browser can be opened here, else device code.
    #[default]
    Auto,
    /// `--device-code`.
    DeviceCode,
    /// `--pkce`.
    Pkce,
}

/// Options of an interactive login.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LoginOptions {
    /// The flow.
    pub flow: Flow,
    /// `--callback-port`.
    pub callback_port: Option<u16>,
    /// Also write the token under the start-URL key (legacy-style profiles).
    pub start_url_key: bool,
}

/// When a command may log in interactively because no token is usable
/// (cli.md, Settled details → Login). [`valid_token`] is the one place that
/// decides; every command that needs a token says which of these it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginPolicy {
    /// Never: `check` reports the token's state instead, and
    /// `credential-process` runs under an SDK, with nobody to answer.
    Never,
    /// When stdin and stderr are terminals (someone is there to finish the
    /// login; the prompt goes to stderr): generate, roles, export, exec,
    /// console, and admin with an Identity Center profile. Else exit 3 naming
    /// the login command.
    OnTerminal,
    /// Always: `login` itself, and `--login` of the role commands (so
    /// `credential-process --login` logs in whatever its stdin is).
    Always,
}

/// The PKCE wait limit (protocol.md §2.5).
const PKCE_LIMIT: Duration = Duration::from_secs(600);

/// A token that can be used now. Order: the cached token while fresh; a silent
/// refresh when it is near expiry; the cached token as is while it is still
/// valid; an interactive login (with `opts`) when `policy` allows one here;
/// else `LoginRequired` naming the login command.
pub fn valid_token(
    ctx: &Ctx,
    cfg: &Config,
    session: &Session,
    policy: LoginPolicy,
    opts: &LoginOptions,
) -> Result<Token> {
    let now = clock::now();
    let (path, cached) = load_token(ctx, session);
    if let Some(t) = cached
        .as_ref()
        .filter(|t| t.is_fresh(now, TOKEN_REFRESH_WINDOW))
    {
        return Ok(t.clone());
    }
    if let Some(t) = cached.as_ref().filter(|t| t.refreshable(now)) {
        match refresh_locked(ctx, session, &path, t) {
            Ok(fresh) => return Ok(fresh),
            Err(e) => log::debug(format_args!("refresh failed: {e}")),
        }
    }
    if let Some(t) = cached
        .as_ref()
        .filter(|t| t.is_fresh(now, time::Duration::minutes(1)))
    {
        return Ok(t.clone());
    }
    let may_log_in = match policy {
        LoginPolicy::Never => false,
        LoginPolicy::OnTerminal => ctx.interactive(),
        LoginPolicy::Always => true,
    };
    if may_log_in {
        return self::login(ctx, cfg, session, opts);
    }
    let why = match (cached, load_any_token(ctx, session).1) {
        (Some(_), _) => format!("the token for session '{}' has expired", session.name),
        (None, Some(_)) => format!(
            "the cached token of session '{}' was issued for another start URL or region",
            session.name
        ),
        (None, None) => format!("no cached token for session '{}'", session.name),
    };
    // Say why this command did not just log in, as it would on a terminal.
    let reason = if policy == LoginPolicy::OnTerminal {
        format!("{why} (no terminal to log in on)")
    } else {
        why
    };
    Err(Error::LoginRequired {
        reason,
        command: session.login_command(),
    })
}

/// The token file of a session and its content, when that token was issued
/// for the session's start URL and region (a token of another instance is a
/// miss: using it would act as the wrong identity). A named session whose own
/// file is missing falls back to a file written by the AWS CLI for the start URL.
pub fn load_token(ctx: &Ctx, session: &Session) -> (PathBuf, Option<Token>) {
    let (path, found) = load_any_token(ctx, session);
    let token = found.filter(|t| {
        let ours = t.issued_for(&session.start_url, &session.region);
        if !ours {
            log::debug(format_args!(
                "{}: issued for {} in {}, not for session '{}' ({} in {}); not used",
                path.display(),
                t.start_url.as_deref().unwrap_or("no start URL"),
                t.region.as_deref().unwrap_or("no region"),
                session.name,
                session.start_url,
                session.region
            ));
        }
        ours
    });
    (path, token)
}

/// The session's token file and whatever token it holds, whoever it was
/// issued for.
fn load_any_token(ctx: &Ctx, session: &Session) -> (PathBuf, Option<Token>) {
    let path = token_cache::token_path(&ctx.paths.sso_cache, session.token_key());
    if let Some(t) = cache::load::<Token>(&path).filter(|t| !t.access_token.is_empty()) {
        return (path, Some(t));
    }
    if !session.legacy {
        let alt = token_cache::token_path(&ctx.paths.sso_cache, &session.start_url);
        if let Some(t) = cache::load::<Token>(&alt).filter(|t| !t.access_token.is_empty()) {
            return (alt, Some(t));
        }
    }
    (path, None)
}

/// Refreshes under the session's lock. Another process may have refreshed while
/// we waited: then its token is used and no second refresh is made.
fn refresh_locked(ctx: &Ctx, session: &Session, path: &Path, seen: &Token) -> Result<Token> {
    let _lock = fsutil::lock(&ctx.paths.lock(&format!("token-{}", session.name)))?;
    if let Some(current) = cache::load::<Token>(path)
        && current.issued_for(&session.start_url, &session.region)
        && current.access_token != seen.access_token
        && current.is_fresh(clock::now(), TOKEN_REFRESH_WINDOW)
    {
        return Ok(current);
    }
    let oidc_ep = session.endpoint(Service::SsoOidc, &ctx.env)?;
    let oidc = Oidc::new(&ctx.http, &oidc_ep.base);
    let (Some(id), Some(secret), Some(rt)) = (
        seen.client_id.as_deref(),
        seen.client_secret.as_ref(),
        seen.refresh_token.as_ref(),
    ) else {
        return Err(Error::Login("the token is not refreshable".into()));
    };
    let resp = oidc.refresh(id, secret, rt)?;
    let token = issued_token(
        session,
        resp,
        seen.client_id.clone(),
        seen.client_secret.clone(),
        seen.registration_expires_at.clone(),
    )?;
    cache::store(path, &token)?;
    Ok(token)
}

/// The cache entry for a token the service just issued to a registration:
/// stamped with the session's start URL and region (what `load_token` checks),
/// its lifetime read with bounds. botocore keeps a refresh token only when
/// the answer had one, and so does this.
fn issued_token(
    session: &Session,
    resp: TokenResponse,
    client_id: Option<String>,
    client_secret: Option<Secret>,
    registration_expires_at: Option<String>,
) -> Result<Token> {
    Ok(Token {
        start_url: Some(session.start_url.clone()),
        region: Some(session.region.clone()),
        expires_at: clock::format(resp.expires_at(clock::now())?),
        access_token: resp.access_token,
        client_id,
        client_secret,
        registration_expires_at,
        refresh_token: resp.refresh_token,
    })
}

/// Runs an interactive login and writes the token file(s).
pub fn login(ctx: &Ctx, cfg: &Config, session: &Session, opts: &LoginOptions) -> Result<Token> {
    // A start URL on a company's own domain: OIDC is told the AWS portal it
    // redirects to.
    let session = &session::for_login(ctx, session)?;
    // A flag beats the config, as everywhere; the config beats the guess.
    let pkce = match opts.flow {
        Flow::DeviceCode => false,
        Flow::Pkce => true,
        Flow::Auto => !wants_device_code(cfg, session) && ctx.browser_available(),
    };
    let oidc_ep = session.endpoint(Service::SsoOidc, &ctx.env)?;
    let oidc = Oidc::new(&ctx.http, &oidc_ep.base);
    let flow = || {
        if pkce {
            pkce_login(ctx, &oidc, session, opts.callback_port)
        } else {
            let reg = registration(ctx, &oidc, session, None)?;
            let resp = oidc::device_flow(
                &oidc,
                &reg.client_id,
                &reg.client_secret,
                session.issuer_url(),
                ctx,
            )?;
            Ok((reg, resp))
        }
    };
    let (reg, resp) = match flow() {
        // A cached registration the service no longer knows (deleted, or its
        // secret rotated): forget it and register again, once.
        Err(Error::Api(e)) if e.kind() == "invalid_client" => {
            let path =
                token_cache::registration_path(&ctx.paths.sso_cache, &session.cache_identity());
            fsutil::remove_if_exists(&path)?;
            flow()?
        }
        other => other?,
    };
    let token = issued_token(
        session,
        resp,
        Some(reg.client_id),
        Some(reg.client_secret),
        Some(reg.expires_at),
    )?;
    for path in token_paths(ctx, cfg, session, opts.start_url_key) {
        cache::store(&path, &token)?;
    }
    // Best effort: the login worked whether or not it can be remembered.
    let known = known_sessions::Known {
        name: session.name.clone(),
        start_url: session.start_url.clone(),
        region: session.region.clone(),
        scopes: session.scopes.clone(),
    };
    // Legacy sessions are keyed by their start URL and live in their profile.
    if !session.legacy
        && let Err(e) = known_sessions::remember(&ctx.paths, known)
    {
        log::debug(format_args!("could not remember the session: {e}"));
    }
    Ok(token)
}

/// `sso_use_device_code = true` in the session's `[sso-session]` (the AWS
/// CLI's setting; like botocore, only `true`, in any case, counts).
fn wants_device_code(cfg: &Config, session: &Session) -> bool {
    !session.legacy
        && cfg
            .doc
            .sso_session(&session.name)
            .and_then(|section| cfg.doc.get(section, "sso_use_device_code"))
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
}

/// The files a login writes: the session's own, plus the start-URL key when
/// legacy-style profiles for that start URL exist (the AWS CLI reads those
/// profiles' token from there).
fn token_paths(ctx: &Ctx, cfg: &Config, session: &Session, start_url_key: bool) -> Vec<PathBuf> {
    let mut paths = vec![token_cache::token_path(
        &ctx.paths.sso_cache,
        session.token_key(),
    )];
    let legacy_here = cfg.legacy_start_urls().contains(&session.start_url);
    if !session.legacy && (start_url_key || legacy_here) {
        paths.push(token_cache::token_path(
            &ctx.paths.sso_cache,
            &session.start_url,
        ));
    }
    paths
}

fn pkce_login(
    ctx: &Ctx,
    oidc: &Oidc,
    session: &Session,
    port: Option<u16>,
) -> Result<(Registration, TokenResponse)> {
    let callback = Callback::bind(port.unwrap_or(0))?;
    let redirect_uri = callback.redirect_uri.clone();
    let reg = registration(ctx, oidc, session, Some("http://127.0.0.1/oauth/callback"))?;
    let pair = Pkce::generate()?;
    let state = oidc::random_state()?;
    let scopes = session.registration_scopes();
    let url = oidc.authorize_url(
        &reg.client_id,
        &redirect_uri,
        &state,
        &scopes,
        &pair.challenge,
    );
    oidc::Prompt::show(ctx, &url, None);
    let code = callback.wait_for_code(&state, PKCE_LIMIT)?;
    let resp = oidc.create_token(&oidc::CreateToken {
        client_id: &reg.client_id,
        client_secret: &reg.client_secret,
        grant_type: "authorization_code",
        device_code: None,
        code: Some(&code),
        redirect_uri: Some(&redirect_uri),
        code_verifier: Some(&pair.verifier),
        refresh_token: None,
    })?;
    Ok((reg, resp))
}

/// The cached registration when reusable for this flow and scopes, else a new
/// one (cached like the AWS CLI caches it).
fn registration(
    ctx: &Ctx,
    oidc: &Oidc,
    session: &Session,
    pkce_redirect: Option<&str>,
) -> Result<Registration> {
    let path = token_cache::registration_path(&ctx.paths.sso_cache, &session.cache_identity());
    let scopes = session.registration_scopes();
    let now = clock::now();
    if let Some(reg) = cache::load::<Registration>(&path) {
        let has_scopes = reg
            .scopes
            .as_ref()
            .is_some_and(|s| scopes.iter().all(|w| s.contains(w)));
        if reg.reusable(now, pkce_redirect.is_some()) && has_scopes {
            return Ok(reg);
        }
    }
    let client_name = if session.legacy {
        format!("botocore-client-{}", now.unix_timestamp())
    } else {
        format!("botocore-client-{}", session.name)
    };
    let grant_types = pkce_redirect.map(|_| {
        vec![
            "authorization_code".to_string(),
            "refresh_token".to_string(),
        ]
    });
    let resp = oidc.register(&RegisterClient {
        client_name,
        client_type: "public",
        scopes: Some(scopes.clone()),
        grant_types: grant_types.clone(),
        redirect_uris: pkce_redirect.map(|r| vec![r.to_string()]),
        issuer_url: pkce_redirect.map(|_| session.issuer_url().to_string()),
    })?;
    let expires = resp.expires_at(now);
    let reg = Registration {
        client_id: resp.client_id,
        client_secret: resp.client_secret,
        expires_at: clock::format(expires),
        scopes: Some(scopes),
        grant_types,
    };
    cache::store(&path, &reg)?;
    Ok(reg)
}

/// The token's expiry for messages, e.g. `2024-01-02T04:04:05Z`.
pub fn expiry_text(token: &Token) -> String {
    token
        .expiry()
        .map(clock::format)
        .unwrap_or_else(|| token.expires_at.clone())
}

/// Logs one session out: portal Logout (errors ignored, as the AWS CLI does),
/// then removes its token files. Returns whether a token was found.
pub fn logout_session(ctx: &Ctx, session: &Session) -> Result<bool> {
    // The session's file goes whoever it was issued for; the portal Logout
    // below uses the token's own region.
    let (path, token) = load_any_token(ctx, session);
    let Some(token) = token else {
        return Ok(false);
    };
    let region = token
        .region
        .clone()
        .unwrap_or_else(|| session.region.clone());
    portal_logout(ctx, &token, &region);
    fsutil::remove_if_exists(&path)?;
    if !session.legacy {
        let alt = token_cache::token_path(&ctx.paths.sso_cache, &session.start_url);
        fsutil::remove_if_exists(&alt)?;
    }
    Ok(true)
}

/// Logs out every cached token of the cache directory (`--all`), as `aws sso
/// logout` does: every JSON file with an `accessToken`. Returns how many.
pub fn logout_all(ctx: &Ctx) -> Result<usize> {
    let mut n = 0;
    for path in fsutil::json_files(&ctx.paths.sso_cache)? {
        let Some(token) = cache::load::<Token>(&path) else {
            continue;
        };
        if let Some(region) = token.region.clone() {
            portal_logout(ctx, &token, &region);
        }
        fsutil::remove_if_exists(&path)?;
        n += 1;
    }
    Ok(n)
}

fn portal_logout(ctx: &Ctx, token: &Token, region: &str) {
    let still_valid = token.expiry().is_some_and(|t| t > clock::now());
    if !still_valid {
        return;
    }
    if let Ok(ep) = endpoint(Service::Portal, region, &ctx.env, &[]) {
        let portal = Portal::new(&ctx.http, &ep.base, &token.access_token);
        if let Err(e) = portal.logout() {
            log::debug(format_args!("Logout: {e}"));
        }
    }
}

/// Removes the cached SSO role credentials, as `aws sso logout` does. Returns
/// how many.
pub fn remove_role_credentials(ctx: &Ctx) -> Result<usize> {
    role_cache::remove_sso_entries(&ctx.paths.cli_cache)
}

/// A 401 from the portal means the token was revoked: say how to log in again.
pub fn portal_rejected(e: Error, session: &Session) -> Error {
    match e {
        Error::Api(api) if api.code == "UnauthorizedException" => Error::LoginRequired {
            reason: format!(
                "the portal rejected the token of session '{}'",
                session.name
            ),
            command: format!("{} --force", session.login_command()),
        },
        other => other,
    }
}
