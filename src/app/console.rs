/*!
The console sign-in URL for a role: the federation endpoint and console host
of the role's region's partition, and the destination the user asked for.
*/

use crate::app::context::Ctx;
use crate::app::role::RoleTarget;
use crate::aws::endpoint;
use crate::aws::federation;
use crate::error::{Error, Result};
use crate::util::credentials::Credentials;
use crate::util::{text, url};

/// The federated sign-in URL for `creds` of `target`, landing on
/// `destination` (see [`landing`]); `duration` asks for that session length.
pub fn signin_url(
    ctx: &Ctx,
    target: &RoleTarget,
    creds: &Credentials,
    destination: Option<&str>,
    duration: Option<u32>,
) -> Result<String> {
    let region = target.region.as_deref().unwrap_or(&target.session.region);
    let base = federation::federation_base(region, &ctx.env)?;
    let dest = landing(region, destination)?;
    federation::signin_url(&ctx.http, &base, creds, duration, &dest)
}

/// Where the console opens. A full URL (`https://…`) is the user's own and
/// is used as given. A path (`/ec2/home`, `s3/home#/buckets`) goes to the
/// region's console host with `region=<region>` in the query, as the
/// console's own links carry it: without it the console opens the service
/// in whatever region the browser last used, not the role's. A `region=`
/// the path already has wins. No destination: the region's console home.
fn landing(region: &str, destination: Option<&str>) -> Result<String> {
    let Some(dest) = destination else {
        return federation::destination(region, None);
    };
    if !endpoint::is_region_syntax(region) {
        return Err(Error::Config(format!(
            "region {}: not a region, so no console URL can name it",
            text::shown(region)
        )));
    }
    let scheme = dest.split_once("://").map(|(s, _)| s);
    let is_url = scheme.is_some_and(|s| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
    });
    if is_url {
        let u = url::parse(dest).map_err(|why| bad(dest, why))?;
        if !u.scheme.eq_ignore_ascii_case("https") {
            return Err(bad(dest, "the console is only served over https://"));
        }
        return Ok(dest.to_string());
    }
    if dest
        .chars()
        .any(|c| c.is_whitespace() || text::is_unsafe(c))
    {
        return Err(bad(dest, "it contains whitespace or control characters"));
    }
    // The region's console host, as the partition's console home names it.
    let home = federation::destination(region, None)?;
    let host = url::parse(&home).map_err(|why| bad(&home, why))?.host;
    let (before_fragment, fragment) = match dest.split_once('#') {
        Some((b, f)) => (b, Some(f)),
        None => (dest, None),
    };
    let (path, query) = match before_fragment.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (before_fragment, None),
    };
    let has_region = query.is_some_and(|q| q.split('&').any(|kv| kv.starts_with("region=")));
    let mut out = format!("https://{host}/{}", path.trim_start_matches('/'));
    match (query, has_region) {
        (Some(q), true) => out.push_str(&format!("?{q}")),
        (Some(q), false) if !q.is_empty() => out.push_str(&format!("?{q}&region={region}")),
        _ => out.push_str(&format!("?region={region}")),
    }
    if let Some(f) = fragment {
        out.push_str(&format!("#{f}"));
    }
    Ok(out)
}

fn bad(dest: &str, why: &str) -> Error {
    Error::Usage(format!("--destination {}: {why}", text::shown(dest)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_lands_in_the_roles_region() {
        let l = |r, d| landing(r, Some(d)).unwrap();
        assert_eq!(
            l("eu-west-1", "/ec2/home"),
            "https://eu-west-1.console.aws.amazon.com/ec2/home?region=eu-west-1"
        );
        assert_eq!(
            l("eu-west-1", "ec2/home#Instances:"),
            "https://eu-west-1.console.aws.amazon.com/ec2/home?region=eu-west-1#Instances:"
        );
        assert_eq!(
            l("eu-west-1", "/s3/buckets?tab=objects"),
            "https://eu-west-1.console.aws.amazon.com/s3/buckets?tab=objects&region=eu-west-1"
        );
        assert_eq!(
            l("eu-west-1", "/ec2/home?region=us-east-2#x"),
            "https://eu-west-1.console.aws.amazon.com/ec2/home?region=us-east-2#x"
        );
        assert_eq!(
            l("cn-north-1", "/s3/home"),
            "https://cn-north-1.console.amazonaws.cn/s3/home?region=cn-north-1"
        );
        assert_eq!(
            l("eu-west-1", "https://x.console.aws.amazon.com/y"),
            "https://x.console.aws.amazon.com/y"
        );
        assert_eq!(
            landing("eu-west-1", None).unwrap(),
            "https://eu-west-1.console.aws.amazon.com/console/home?region=eu-west-1"
        );
        for bad in [
            "http://console.aws.amazon.com/",
            "https://a@b/",
            "/ec2/home\n",
            "/a b",
        ] {
            assert_eq!(
                landing("eu-west-1", Some(bad)).map_err(|e| e.exit_code()),
                Err(2),
                "{bad:?}"
            );
        }
        assert_eq!(
            l("eu-west-1", "/login?next=https://x"),
            "https://eu-west-1.console.aws.amazon.com/login?next=https://x&region=eu-west-1"
        );
        for bad in ["eu-west-1&x=1", "EU"] {
            assert_eq!(
                landing(bad, Some("/ec2/home")).map_err(|e| e.exit_code()),
                Err(2),
                "{bad:?}"
            );
        }
    }
}
