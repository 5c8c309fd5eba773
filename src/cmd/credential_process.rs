/*!
`credential-process`: the JSON a profile's `credential_process` hands to
botocore and the SDKs, from the role cache or one fetch shared by every
process that asks at once.
*/

use crate::app::context::Ctx;
use crate::app::role::{self, DEFAULT_EXPIRY_WINDOW, RoleFlags};
use crate::app::session::SessionFlags;
use crate::app::token::LoginPolicy;
use crate::cmd::args::{self, Global, Parser};
use crate::cmd::export::process_json;
use crate::cmd::{output, picker};
use crate::error::Result;
use crate::store::role_cache::{self, SessionKey};

/// `credential-process` help.
pub const USAGE: &str = "\
Usage: sso-config credential-process [ROLE OPTIONS]

Prints the credential_process JSON for a role. Credentials are cached in the AWS
CLI's role cache and reused; concurrent callers share one fetch. In ~/.aws/config:

  [profile app]
  credential_process = /usr/local/bin/sso-config credential-process --sso-session corp --account-id 111122223333 --role-name ReadOnly

Role options: 'sso-config help role'.

Examples:
  sso-config credential-process --profile prod.Admin
  sso-config credential-process --sso-session corp --account-id 111122223333 --role-name ReadOnly --login
";

/// `credential-process` flags: the role selection.
pub type Args = RoleFlags;

/// Parses `credential-process`'s flags; `None` when help was asked for.
pub fn parse(p: &mut Parser, global: &mut Global) -> Result<Option<Args>> {
    args::role_flags(p, global)
}

/// `credential-process`. The lines `generate --style credential-process`
/// writes (`--sso-session S --account-id A --role-name R`) are answered from
/// the role cache before the config file is even read: no TLS, no threads.
pub fn run(ctx: &Ctx, sel: &SessionFlags, mut flags: Args) -> Result<()> {
    let window = flags.expiry_window.unwrap_or(DEFAULT_EXPIRY_WINDOW);
    if let (None, Some(name), Some(account), Some(role)) = (
        &sel.start_url,
        &sel.sso_session,
        &flags.account_id,
        &flags.role_name,
    ) {
        let path = role_cache::path(&ctx.paths.cli_cache, account, role, SessionKey::Name(name));
        if let Some(creds) = role_cache::load(&path, window) {
            return output::write_stdout(process_json(&creds).as_bytes());
        }
    }
    // Only `--login` may ask the user anything, so only it opens the picker.
    let mut sel = sel.clone();
    if flags.login {
        picker::fill(ctx, &mut sel, &mut flags)?;
    }
    let (_, creds) = role::target_and_credentials(ctx, &sel, &flags, LoginPolicy::Never)?;
    output::write_stdout(process_json(&creds).as_bytes())
}
