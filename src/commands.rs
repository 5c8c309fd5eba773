/*!
The small commands: `login`, `logout`, `roles`, and the credential consumers
`credential-process`, `export`, `exec` and `console`. (`generate` and `check`
have their own modules.)
*/

use std::ffi::OsString;

use crate::auth::{self, LoginOptions};
use crate::cli::Format;
use crate::config::{Config, Session};
use crate::context::Ctx;
use crate::error::{Error, Result};
use crate::export::{self, ExportFormat};
use crate::role::{self, RoleFlags, RoleTarget};
use crate::{console, generate, output};

/// `login`: no prompt while a cached token is valid or refreshable, unless `force`.
pub fn login(
    ctx: &Ctx,
    cfg: &Config,
    session: &Session,
    opts: &LoginOptions,
    force: bool,
) -> Result<()> {
    let token = if force {
        auth::login(ctx, cfg, session, opts)?
    } else {
        auth::valid_token(ctx, cfg, session, Some(opts))?
    };
    eprintln!(
        "sso-config: logged in to session '{}' ({}) until {}",
        session.name,
        session.start_url,
        auth::expiry_text(&token)
    );
    Ok(())
}

/// `logout`: one session, or every cached token with `all`; then the cached SSO
/// role credentials. Not being logged in is not an error.
pub fn logout(ctx: &Ctx, session: Option<&Session>, all: bool) -> Result<()> {
    let found = match (all, session) {
        (true, _) => auth::logout_all(ctx)?,
        (false, Some(s)) => usize::from(auth::logout_session(ctx, s)?),
        (false, None) => 0,
    };
    let creds = auth::remove_role_credentials(ctx)?;
    if found == 0 {
        eprintln!("sso-config: not logged in; nothing to log out");
    } else {
        let what = match session {
            Some(s) if !all => format!("session '{}'", s.name),
            _ => format!("{found} session(s)"),
        };
        eprintln!("sso-config: logged out of {what}; removed {creds} cached role credential(s)");
    }
    Ok(())
}

/// `roles`: every account × role, sorted like `generate`.
pub fn roles(
    ctx: &Ctx,
    cfg: &Config,
    session: &Session,
    format: Format,
    account_ids: &[String],
    login: &LoginOptions,
) -> Result<()> {
    let want = |a: &crate::portal::AccountInfo| {
        account_ids.is_empty() || account_ids.contains(&a.account_id)
    };
    let listing = generate::fetch(ctx, cfg, session, login, &want)?;
    let mut rows: Vec<Vec<String>> = Vec::new();
    for ar in listing {
        let a = &ar.account;
        for role in &ar.roles {
            rows.push(vec![
                a.account_id.clone(),
                a.account_name.clone(),
                a.email_address.clone(),
                role.clone(),
            ]);
        }
    }
    rows.sort_by(|x, y| {
        (x[1].to_lowercase(), &x[0], &x[3]).cmp(&(y[1].to_lowercase(), &y[0], &y[3]))
    });
    let text = output::render(
        format,
        &["account_id", "account_name", "email", "role_name"],
        &["accountId", "accountName", "emailAddress", "roleName"],
        &rows,
    );
    output::write_stdout(text.as_bytes())
}

/// `credential-process`: the JSON botocore reads.
pub fn credential_process(
    ctx: &Ctx,
    cfg: &Config,
    target: &RoleTarget,
    flags: &RoleFlags,
) -> Result<()> {
    let creds = role::credentials(ctx, cfg, target, flags)?;
    output::write_stdout(export::process_json(&creds).as_bytes())
}

/// `export`: print in a format, or write into the shared credentials file.
pub fn export(
    ctx: &Ctx,
    cfg: &Config,
    target: &RoleTarget,
    flags: &RoleFlags,
    format: ExportFormat,
    write_credentials: Option<Option<String>>,
) -> Result<()> {
    let creds = role::credentials(ctx, cfg, target, flags)?;
    match write_credentials {
        None => output::write_stdout(export::render(format, &creds, target).as_bytes()),
        Some(name) => {
            let name = name.or_else(|| target.profile.clone()).ok_or_else(|| {
                Error::Usage("--write-credentials needs a NAME when no --profile is given".into())
            })?;
            export::write_credentials(&ctx.paths.credentials, &name, &creds)?;
            eprintln!(
                "sso-config: wrote [{name}] to {} (expires {})",
                ctx.paths.credentials.display(),
                crate::clock::format(creds.expiration)
            );
            Ok(())
        }
    }
}

/// `exec`: the child gets the credentials through its environment only (never
/// its arguments); on Unix this process becomes the child, so its exit status
/// and signals are the child's own.
pub fn exec(
    ctx: &Ctx,
    cfg: &Config,
    target: &RoleTarget,
    flags: &RoleFlags,
    program: OsString,
    args: Vec<OsString>,
) -> Result<()> {
    let creds = role::credentials(ctx, cfg, target, flags)?;
    let mut cmd = std::process::Command::new(&program);
    cmd.args(&args)
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_DEFAULT_PROFILE");
    for (k, v) in export::variables(&creds, target.region.as_deref()) {
        cmd.env(k, v);
    }
    let name = program.to_string_lossy().into_owned();
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        let e = cmd.exec();
        Err(Error::Failed(format!("cannot run '{name}': {e}")))
    }
    #[cfg(not(unix))]
    {
        let status = cmd
            .status()
            .map_err(|e| Error::Failed(format!("cannot run '{name}': {e}")))?;
        match status.code() {
            Some(0) => Ok(()),
            Some(code) => Err(Error::Exit(u8::try_from(code).unwrap_or(1))),
            None => Err(Error::Exit(1)),
        }
    }
}

/// `console`: print or open the federated sign-in URL.
pub fn console(
    ctx: &Ctx,
    cfg: &Config,
    target: &RoleTarget,
    flags: &RoleFlags,
    destination: Option<&str>,
    print: bool,
    duration: Option<u32>,
) -> Result<()> {
    let creds = role::credentials(ctx, cfg, target, flags)?;
    let region = target.region.as_deref().unwrap_or(&target.session.region);
    let base = console::federation_base(region, &ctx.env);
    let dest = console::destination(region, destination);
    let url = console::signin_url(&ctx.http, &base, &creds, duration, &dest)?;
    if print || ctx.no_browser {
        return output::write_stdout(format!("{url}\n").as_bytes());
    }
    webbrowser::open(&url)
        .map_err(|e| Error::Failed(format!("could not open a browser ({e}); use --print")))?;
    eprintln!(
        "sso-config: opened the console as {} in account {}",
        target.role_name, target.account_id
    );
    Ok(())
}
