/*!
The small commands: `login`, `logout` and `roles`. (`generate` has its own
module.)
*/

use crate::auth::{self, LoginOptions};
use crate::cli::Format;
use crate::config::{Config, Session};
use crate::context::Ctx;
use crate::error::Result;
use crate::{generate, output};

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
    let listing = generate::fetch(ctx, cfg, session, login)?;
    let mut rows: Vec<Vec<String>> = Vec::new();
    for ar in listing {
        let a = &ar.account;
        if !account_ids.is_empty() && !account_ids.contains(&a.account_id) {
            continue;
        }
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
