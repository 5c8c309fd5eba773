/*!
The console sign-in URL for a role: the federation endpoint and console host
of the role's region's partition, and the destination the user asked for.
*/

use crate::app::context::Ctx;
use crate::app::role::RoleTarget;
use crate::aws::federation;
use crate::error::Result;
use crate::util::credentials::Credentials;

/// The federated sign-in URL for `creds` of `target`, landing on
/// `destination` (a URL or a path on the console host; the region's console
/// home when `None`); `duration` asks for that session length.
pub fn signin_url(
    ctx: &Ctx,
    target: &RoleTarget,
    creds: &Credentials,
    destination: Option<&str>,
    duration: Option<u32>,
) -> Result<String> {
    let region = target.region.as_deref().unwrap_or(&target.session.region);
    let base = federation::federation_base(region, &ctx.env)?;
    let dest = federation::destination(region, destination)?;
    federation::signin_url(&ctx.http, &base, creds, duration, &dest)
}
