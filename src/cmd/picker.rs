/*!
The role picker: commands that need a role (`exec`, `export`, `console`,
`credential-process --login`, `sso-assume`), run on a terminal without a
profile or account and role, show a list of account × role to choose from.

(Being built for issue 12: for now the missing selection is always the usage
error naming the flags.)
*/

use crate::app::context::Ctx;
use crate::app::role::{self, RoleFlags};
use crate::app::session::SessionFlags;
use crate::error::Result;

/// What the user picked.
#[allow(dead_code)] // Constructed once the picker is built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Choice {
    /// A profile of the config file names this account × role.
    Profile(String),
    /// No profile does: the session and ids.
    Role {
        /// The session flags that name the session.
        session: SessionFlags,
        /// The account.
        account_id: String,
        /// The role.
        role_name: String,
    },
}

/// Shows the picker when on a terminal (and not `--no-input`); else the
/// usage error naming the flags. Esc is `Error::Exit(130)`.
pub fn pick(_ctx: &Ctx, _sel: &SessionFlags) -> Result<Choice> {
    Err(role::no_role_named())
}

/// When neither `sel`/`AWS_PROFILE` nor `role` name a role, fills them in
/// from the picker; otherwise leaves them alone.
pub fn fill(ctx: &Ctx, sel: &mut SessionFlags, role: &mut RoleFlags) -> Result<()> {
    let named = sel.profile.is_some()
        || ctx.env.get("AWS_PROFILE").is_some()
        || role.account_id.is_some()
        || role.role_name.is_some();
    if named {
        return Ok(());
    }
    match pick(ctx, sel)? {
        Choice::Profile(p) => sel.profile = Some(p),
        Choice::Role {
            session,
            account_id,
            role_name,
        } => {
            *sel = session;
            role.account_id = Some(account_id);
            role.role_name = Some(role_name);
        }
    }
    Ok(())
}
