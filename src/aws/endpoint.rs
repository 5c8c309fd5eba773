/*!
Where each service's requests go (protocol.md §1.1–1.2): the partitions, their
known regions and DNS suffixes (the one table of them), the FIPS and dual-stack
variants of every host, the `AWS_ENDPOINT_URL_*` overrides and the config
file's endpoints, the access-portal host names a start URL can have, and the
rule that plain `http://` is only ever used on loopback.

Host names follow the SDKs' endpoint rule sets (botocore `partitions.json`
and the `endpoint-rule-set-1.json` of sso-oidc, sso, sso-admin, identitystore,
organizations and sts):

| variant | host |
| --- | --- |
| standard | `PREFIX.REGION.DNS_SUFFIX` (`oidc.eu-west-1.amazonaws.com`) |
| FIPS | `PREFIX-fips.REGION.DNS_SUFFIX`; in aws-us-gov the standard host (it is FIPS already) |
| dual-stack | `PREFIX.REGION.DUALSTACK_SUFFIX` (`oidc.eu-west-1.api.aws`) |
| FIPS + dual-stack | `PREFIX-fips.REGION.DUALSTACK_SUFFIX` |

The portal's FIPS prefix is `portal.sso-fips`. Organizations is global: one
host per partition (`organizations.us-east-1.amazonaws.com`); its only FIPS
hosts are `organizations-fips.us-east-1.amazonaws.com` (aws) and the plain
host in aws-us-gov, and it has no dual-stack host (AWS's endpoint list names
none; the rule sets' generic fallback would make up a regional one). Asking
for a variant a service does not have is a configuration error (exit 2), never
a made-up host name.

Which variant: `AWS_USE_FIPS_ENDPOINT` / `AWS_USE_DUALSTACK_ENDPOINT`, else the
profile's `use_fips_endpoint` / `use_dualstack_endpoint` (carried in the
[`Configured`] list under [`FIPS_KEY`] and [`DUALSTACK_KEY`]), as the SDKs read
them: the environment wins, `true`/`false` in any case, anything else is a
configuration error. Unset, FIPS is off and dual-stack is on only where the
caller says the start URL asks for it (an Identity Center instance on a
dual-stack portal, `*.portal.REGION.app.aws`: its device-code login only works
through the dual-stack OIDC host). An endpoint override names the host
exactly, so FIPS and dual-stack do not change it (the SDKs refuse the pair;
here the override wins, since the variables are often set machine-wide).

Regions: [`check_region`] accepts a region AWS has published (the table
below), or one shaped like a new region of a known partition:
`AREA-DIRECTION-N`, with AREA one of the partition's (`us`, `eu`, `ap`, `sa`,
`ca`, `me`, `af`, `il`, `mx`; `cn`; `us-gov`; `us-iso`, `us-isob`, `us-isof`,
`eu-isoe`; `eusc-XX`), DIRECTION a compass word (`east`, `northeast`,
`central`, …) and N a number. AWS adds regions, so `ap-southeast-9` passes;
`eu-wst-1` (no such direction) and `us-east-1a` (an availability zone) do not,
and the closest known region is suggested. A wrong number (`us-east-3`) is
not caught: it is how the next region will look.
*/

use crate::error::{Error, Result};
use crate::util::env::Env;
use crate::util::url;

/// The services this tool talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    /// SSO OIDC: client registration and tokens.
    SsoOidc,
    /// The Identity Center portal: accounts, roles, role credentials.
    Portal,
    /// sso-admin (SigV4).
    SsoAdmin,
    /// identitystore (SigV4).
    IdentityStore,
    /// organizations (SigV4, global endpoint).
    Organizations,
    /// STS (SigV4, query protocol).
    Sts,
}

impl Service {
    /// The `AWS_ENDPOINT_URL_<NAME>` variable of this service.
    pub fn env_var(self) -> &'static str {
        match self {
            Service::SsoOidc => "AWS_ENDPOINT_URL_SSO_OIDC",
            Service::Portal => "AWS_ENDPOINT_URL_SSO",
            Service::SsoAdmin => "AWS_ENDPOINT_URL_SSO_ADMIN",
            Service::IdentityStore => "AWS_ENDPOINT_URL_IDENTITYSTORE",
            Service::Organizations => "AWS_ENDPOINT_URL_ORGANIZATIONS",
            Service::Sts => "AWS_ENDPOINT_URL_STS",
        }
    }

    /// Every spelling of this service's key in a `[services NAME]` section:
    /// botocore turns the service id's spaces into `_` (`sso_oidc`), the Rust
    /// SDK's docs and users write `sso-oidc`; both are read.
    pub fn config_keys(self) -> &'static [&'static str] {
        match self {
            Service::SsoOidc => &["sso_oidc", "sso-oidc"],
            Service::SsoAdmin => &["sso_admin", "sso-admin"],
            Service::Portal => &["sso"],
            Service::IdentityStore => &["identitystore"],
            Service::Organizations => &["organizations"],
            Service::Sts => &["sts"],
        }
    }

    /// The key of this service in a `[services NAME]` config section.
    pub fn config_key(self) -> &'static str {
        match self {
            Service::SsoOidc => "sso_oidc",
            Service::Portal => "sso",
            Service::SsoAdmin => "sso_admin",
            Service::IdentityStore => "identitystore",
            Service::Organizations => "organizations",
            Service::Sts => "sts",
        }
    }

    fn host_prefix(self) -> &'static str {
        match self {
            Service::SsoOidc => "oidc",
            Service::Portal => "portal.sso",
            Service::SsoAdmin => "sso",
            Service::IdentityStore => "identitystore",
            Service::Organizations => "organizations",
            Service::Sts => "sts",
        }
    }

    /// The host prefix of the FIPS variant.
    fn fips_prefix(self) -> &'static str {
        match self {
            Service::SsoOidc => "oidc-fips",
            Service::Portal => "portal.sso-fips",
            Service::SsoAdmin => "sso-fips",
            Service::IdentityStore => "identitystore-fips",
            Service::Organizations => "organizations-fips",
            Service::Sts => "sts-fips",
        }
    }

    /// The service's name in messages (its SDK endpoint prefix).
    pub fn name(self) -> &'static str {
        match self {
            Service::SsoOidc => "sso-oidc",
            Service::Portal => "the portal (sso)",
            Service::SsoAdmin => "sso-admin",
            Service::IdentityStore => "identitystore",
            Service::Organizations => "organizations",
            Service::Sts => "sts",
        }
    }
}

/// An AWS partition: where its hosts live (protocol.md §1.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Partition {
    /// `aws`, `aws-cn`, `aws-us-gov`, …
    pub name: &'static str,
    /// DNS suffix of regional endpoints.
    pub dns_suffix: &'static str,
    /// DNS suffix of dual-stack (IPv4 and IPv6) endpoints.
    pub dualstack_suffix: &'static str,
    /// The region global services (organizations) are signed for.
    pub global_region: &'static str,
    /// The first words of its region names: a region is `AREA-DIRECTION-N`.
    /// `eusc-` stands for `eusc-` and a two-letter country code.
    areas: &'static [&'static str],
    /// The regions AWS has published in it (botocore `partitions.json`).
    pub regions: &'static [&'static str],
}

/// Every partition, the one list of regions. From botocore's
/// `partitions.json` (AWS CLI v2 branch, 2026-07): the region lists, DNS and
/// dual-stack suffixes and implicit global regions.
pub const PARTITIONS: &[Partition] = &[
    Partition {
        name: "aws",
        dns_suffix: "amazonaws.com",
        dualstack_suffix: "api.aws",
        global_region: "us-east-1",
        areas: &["us", "eu", "ap", "sa", "ca", "me", "af", "il", "mx"],
        regions: &[
            "us-east-1",
            "us-east-2",
            "us-west-1",
            "us-west-2",
            "af-south-1",
            "ap-east-1",
            "ap-east-2",
            "ap-northeast-1",
            "ap-northeast-2",
            "ap-northeast-3",
            "ap-south-1",
            "ap-south-2",
            "ap-southeast-1",
            "ap-southeast-2",
            "ap-southeast-3",
            "ap-southeast-4",
            "ap-southeast-5",
            "ap-southeast-6",
            "ap-southeast-7",
            "ca-central-1",
            "ca-west-1",
            "eu-central-1",
            "eu-central-2",
            "eu-north-1",
            "eu-south-1",
            "eu-south-2",
            "eu-west-1",
            "eu-west-2",
            "eu-west-3",
            "il-central-1",
            "me-central-1",
            "me-south-1",
            "mx-central-1",
            "sa-east-1",
        ],
    },
    Partition {
        name: "aws-cn",
        dns_suffix: "amazonaws.com.cn",
        dualstack_suffix: "api.amazonwebservices.com.cn",
        global_region: "cn-northwest-1",
        areas: &["cn"],
        regions: &["cn-north-1", "cn-northwest-1"],
    },
    Partition {
        name: "aws-us-gov",
        dns_suffix: "amazonaws.com",
        dualstack_suffix: "api.aws",
        global_region: "us-gov-west-1",
        areas: &["us-gov"],
        regions: &["us-gov-east-1", "us-gov-west-1"],
    },
    Partition {
        name: "aws-eusc",
        dns_suffix: "amazonaws.eu",
        dualstack_suffix: "api.amazonwebservices.eu",
        global_region: "eusc-de-east-1",
        areas: &["eusc-"],
        regions: &["eusc-de-east-1"],
    },
    Partition {
        name: "aws-iso",
        dns_suffix: "c2s.ic.gov",
        dualstack_suffix: "api.aws.ic.gov",
        global_region: "us-iso-east-1",
        areas: &["us-iso"],
        regions: &["us-iso-east-1", "us-iso-west-1"],
    },
    Partition {
        name: "aws-iso-b",
        dns_suffix: "sc2s.sgov.gov",
        dualstack_suffix: "api.aws.scloud",
        global_region: "us-isob-east-1",
        areas: &["us-isob"],
        regions: &["us-isob-east-1", "us-isob-west-1"],
    },
    Partition {
        name: "aws-iso-e",
        dns_suffix: "cloud.adc-e.uk",
        dualstack_suffix: "api.cloud-aws.adc-e.uk",
        global_region: "eu-isoe-west-1",
        areas: &["eu-isoe"],
        regions: &["eu-isoe-west-1"],
    },
    Partition {
        name: "aws-iso-f",
        dns_suffix: "csp.hci.ic.gov",
        dualstack_suffix: "api.aws.hci.ic.gov",
        global_region: "us-isof-south-1",
        areas: &["us-isof"],
        regions: &["us-isof-east-1", "us-isof-south-1"],
    },
];

/// The compass words of region names (`eu-west-1`, `ap-southeast-2`).
const DIRECTIONS: &[&str] = &[
    "east",
    "west",
    "north",
    "south",
    "central",
    "northeast",
    "northwest",
    "southeast",
    "southwest",
];

/// Every region AWS has published, across partitions.
pub fn known_regions() -> impl Iterator<Item = &'static str> {
    PARTITIONS.iter().flat_map(|p| p.regions.iter().copied())
}

/// Whether `s` is spelled like a region: lower-case ASCII letters, digits and
/// `-`, starting with a letter. Only the syntax: it goes into host names.
pub fn is_region_syntax(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_lowercase())
        && s.len() <= 64
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// The partition whose pattern `region` fits as a new region
/// (`AREA-DIRECTION-N`, see the module doc).
fn partition_by_pattern(region: &str) -> Option<&'static Partition> {
    let shaped = |rest: &str| {
        let Some((direction, number)) = rest.split_once('-') else {
            return false;
        };
        DIRECTIONS.contains(&direction)
            && !number.is_empty()
            && number.len() <= 2
            && !number.starts_with('0')
            && number.bytes().all(|b| b.is_ascii_digit())
    };
    // Longer areas first: `us-gov-west-1` is not the `us` area's.
    let mut best: Option<(usize, &'static Partition)> = None;
    for p in PARTITIONS {
        for area in p.areas {
            let rest = if *area == "eusc-" {
                // `eusc-` and a country code: `eusc-de-east-1`.
                region.strip_prefix("eusc-").and_then(|r| {
                    let (cc, rest) = r.split_once('-')?;
                    (cc.len() == 2 && cc.bytes().all(|b| b.is_ascii_lowercase())).then_some(rest)
                })
            } else {
                region.strip_prefix(area).and_then(|r| r.strip_prefix('-'))
            };
            if rest.is_some_and(shaped) && best.is_none_or(|(len, _)| area.len() > len) {
                best = Some((area.len(), p));
            }
        }
    }
    best.map(|(_, p)| p)
}

/// The partition a region belongs to: the one that lists it, else the one
/// whose pattern it fits; anything else falls back to `aws`.
pub fn partition(region: &str) -> Partition {
    PARTITIONS
        .iter()
        .find(|p| p.regions.contains(&region))
        .or_else(|| partition_by_pattern(region))
        .unwrap_or(&PARTITIONS[0])
        .to_owned()
}

/// What [`check_region`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegionCheck {
    /// A region AWS has published.
    Known,
    /// Not published (yet), but shaped like a region of a known partition.
    New,
    /// Neither; with the closest known region when one is within two edits.
    Unknown(Option<&'static str>),
}

/// Checks a region a user gave (see the module doc for the rule).
pub fn check_region(region: &str) -> RegionCheck {
    if known_regions().any(|r| r == region) {
        return RegionCheck::Known;
    }
    if is_region_syntax(region) && partition_by_pattern(region).is_some() {
        return RegionCheck::New;
    }
    // Typed in capitals, or with a typo: the closest published region.
    let lower = region.to_ascii_lowercase();
    let closest = crate::util::suggest::closest(&lower, known_regions(), false)
        .filter(|c| crate::util::suggest::distance(&lower, c) <= 2);
    RegionCheck::Unknown(closest)
}

/// Where to send a service's requests and how to sign them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// `scheme://host[:port]` with no trailing slash.
    pub base: String,
    /// The region in the SigV4 credential scope.
    pub signing_region: String,
}

/// A profile's endpoint configuration (protocol.md §1.2): its configured
/// endpoint URLs by [`Service::config_key`] (`*` is the profile-wide
/// `endpoint_url`), and its `use_fips_endpoint` / `use_dualstack_endpoint`
/// values under [`FIPS_KEY`] and [`DUALSTACK_KEY`].
pub type Configured = [(String, String)];

/// The [`Configured`] key of the profile's `use_fips_endpoint`.
pub const FIPS_KEY: &str = "use_fips_endpoint";
/// The [`Configured`] key of the profile's `use_dualstack_endpoint`.
pub const DUALSTACK_KEY: &str = "use_dualstack_endpoint";

/// The configured value under `key`: a service's [`Service::config_key`], `*`,
/// or one of the variant keys.
fn configured_at<'a>(configured: &'a Configured, key: &str) -> Option<&'a str> {
    configured
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, url)| url.as_str())
}

/// Which host variant a request uses.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Variant {
    /// A FIPS 140 endpoint.
    pub fips: bool,
    /// A dual-stack (IPv4 and IPv6) endpoint.
    pub dualstack: bool,
}

/// A boolean endpoint setting: the environment variable, else the profile's
/// key; `None` when neither is set.
fn setting(env: &Env, var: &str, configured: &Configured, key: &str) -> Result<Option<bool>> {
    let (value, source) = match env.get(var).filter(|v| !v.trim().is_empty()) {
        Some(v) => (v, var),
        None => match configured_at(configured, key) {
            Some(v) => (v, key),
            None => return Ok(None),
        },
    };
    match value.trim() {
        v if v.eq_ignore_ascii_case("true") => Ok(Some(true)),
        v if v.eq_ignore_ascii_case("false") => Ok(Some(false)),
        _ => Err(Error::Config(format!(
            "{source} = {}: give true or false",
            crate::util::text::shown(value)
        ))),
    }
}

/// The variant the environment and the profile ask for; unset, dual-stack is
/// `dualstack_default` (the start URL's choice for the OIDC and portal hosts).
pub fn variant(env: &Env, configured: &Configured, dualstack_default: bool) -> Result<Variant> {
    Ok(Variant {
        fips: setting(env, "AWS_USE_FIPS_ENDPOINT", configured, FIPS_KEY)?.unwrap_or(false),
        dualstack: setting(env, "AWS_USE_DUALSTACK_ENDPOINT", configured, DUALSTACK_KEY)?
            .unwrap_or(dualstack_default),
    })
}

/// AWS's host for `service` in `region` and the region to sign for, in
/// `variant` (see the module doc); an error for a variant the service does not
/// have.
pub fn aws_host(service: Service, region: &str, variant: Variant) -> Result<(String, String)> {
    let part = partition(region);
    let missing = |what: &str, var: &str| {
        Error::Config(format!(
            "{} has no {what} endpoint in partition {}; unset {var} (or its use_… key in the profile), or set {}",
            service.name(),
            part.name,
            service.env_var()
        ))
    };
    if service == Service::Organizations {
        let global = part.global_region;
        if variant.dualstack {
            return Err(missing("dual-stack", "AWS_USE_DUALSTACK_ENDPOINT"));
        }
        let host = match (variant.fips, part.name) {
            (false, _) => format!("organizations.{global}.{}", part.dns_suffix),
            (true, "aws") => "organizations-fips.us-east-1.amazonaws.com".to_string(),
            (true, "aws-us-gov") => "organizations.us-gov-west-1.amazonaws.com".to_string(),
            (true, _) => return Err(missing("FIPS", "AWS_USE_FIPS_ENDPOINT")),
        };
        return Ok((host, global.to_string()));
    }
    let prefix = match (variant.fips, variant.dualstack) {
        // aws-us-gov's standard hosts are FIPS endpoints already.
        (true, false) if part.name == "aws-us-gov" => service.host_prefix(),
        (true, _) => service.fips_prefix(),
        (false, _) => service.host_prefix(),
    };
    let suffix = if variant.dualstack {
        part.dualstack_suffix
    } else {
        part.dns_suffix
    };
    Ok((format!("{prefix}.{region}.{suffix}"), region.to_string()))
}

/// Resolves a service's endpoint for `region`: `AWS_ENDPOINT_URL_<SERVICE>`,
/// the profile's `[services]` entry, `AWS_ENDPOINT_URL`, the profile's
/// `endpoint_url`, then AWS's host in the variant the settings ask for.
/// `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS` disables the overrides. The signing
/// region never changes with an override.
pub fn endpoint(
    service: Service,
    region: &str,
    env: &Env,
    configured: &Configured,
) -> Result<Endpoint> {
    endpoint_for(service, region, env, configured, false)
}

/// [`endpoint`], with dual-stack on by default (`dualstack_default`): the
/// OIDC and portal hosts of an instance on a dual-stack portal.
pub fn endpoint_for(
    service: Service,
    region: &str,
    env: &Env,
    configured: &Configured,
    dualstack_default: bool,
) -> Result<Endpoint> {
    if !is_region_syntax(region) {
        // It goes into a host name: nothing but a region's characters.
        return Err(Error::Config(format!(
            "region {} is not a region name (lower-case letters, digits and -)",
            crate::util::text::shown(region)
        )));
    }
    let overridden = if env.flag("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS") {
        None
    } else {
        // The SDKs' order: the service's variable, the `[services]` entry,
        // the global variable, the profile's `endpoint_url`.
        env.get(service.env_var())
            .or_else(|| configured_at(configured, service.config_key()))
            .or_else(|| env.get("AWS_ENDPOINT_URL"))
            .or_else(|| configured_at(configured, "*"))
    };
    let variant = variant(env, configured, dualstack_default)?;
    let signing_region = if service == Service::Organizations {
        partition(region).global_region.to_string()
    } else {
        region.to_string()
    };
    if let Some(url) = overridden {
        return Ok(Endpoint {
            base: validate_override(url)?,
            signing_region,
        });
    }
    let (host, signing_region) = aws_host(service, region, variant)?;
    Ok(Endpoint {
        base: format!("https://{host}"),
        signing_region,
    })
}

/// Access-portal host names, by the form AWS gives them: `(suffix, region
/// first)`. `ID.portal.REGION.SUFFIX` are the dual-stack portals,
/// `ID.REGION.portal.SUFFIX` the regional IPv4 ones (AWS CLI
/// `customizations/sso/resolve.py`, and the IAM Identity Center guide's
/// "multi-Region workforce access").
const PORTAL_HOSTS: &[(&str, bool)] = &[
    ("app.aws", false),
    ("app.amazonwebservices.com.cn", false),
    ("api.amazonwebservices.eu", false),
    ("portal.amazonaws.com", true),
    ("portal.amazonaws.com.cn", true),
    ("portal.amazonaws.eu", true),
];

/// A portal host's region and whether the portal is dual-stack:
/// `ssoins-…​.portal.eu-west-1.app.aws` → `("eu-west-1", true)`,
/// `ssoins-…​.eu-west-1.portal.amazonaws.com` → `("eu-west-1", false)`.
/// `None` for any other host, or a region that [`check_region`] refuses.
pub fn portal_host_region(host: &str) -> Option<(String, bool)> {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    PORTAL_HOSTS.iter().find_map(|(suffix, region_first)| {
        let head = host.strip_suffix(suffix)?.strip_suffix('.')?;
        let region = if *region_first {
            // `ID.REGION` is left of `.portal.amazonaws.com`.
            let (id, region) = head.split_once('.')?;
            (!id.is_empty()).then_some(region)?
        } else {
            let (id, rest) = head.split_once(".portal.")?;
            (!id.is_empty() && !id.contains('.')).then_some(rest)?
        };
        let ok = !region.contains('.') && !matches!(check_region(region), RegionCheck::Unknown(_));
        ok.then(|| (region.to_string(), !region_first))
    })
}

/// Host names of start URLs that AWS owns (AWS CLI `resolve.py`): Identity
/// Center knows these as start URLs; any other host (a company's own domain)
/// is only a redirect to one of them.
pub fn is_aws_start_host(host: &str) -> bool {
    const SUFFIXES: &[&str] = &[
        "app.aws",
        "portal.amazonaws.com",
        "portal.amazonaws.com.cn",
        "app.amazonwebservices.com.cn",
        "portal.amazonaws.eu",
        "api.amazonwebservices.eu",
        "awsapps.com",
        "awsapps.cn",
    ];
    const EXACT: &[&str] = &[
        "identitycenter.amazonaws.com",
        "identitycenter.amazonaws.com.cn",
        "identitycenter.amazonaws.eu",
        "identitycenter.us-gov.amazonaws.com",
    ];
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    EXACT.contains(&host.as_str())
        || SUFFIXES
            .iter()
            .any(|s| host == *s || host.strip_suffix(s).is_some_and(|head| head.ends_with('.')))
}

/// Accepts `https://…` anywhere and `http://…` only on loopback hosts: a token
/// must never travel in clear text over a network. The rule is checked on the
/// parsed URL (`util::url`), which refuses anything two URL parsers could read
/// differently: `http://127.0.0.1:1@example.com` goes to `example.com`. An
/// endpoint also has no user name, query or fragment anywhere, since paths are
/// appended to it. Refusals are configuration errors (exit 2).
pub fn validate_override(url: &str) -> Result<String> {
    let url = url.trim().trim_end_matches('/');
    let refuse = |why: &str| {
        Error::Config(format!(
            "endpoint URL '{url}' is refused: {why}; give https://HOST[:PORT][/PATH] (http:// only for a loopback host)"
        ))
    };
    let parsed = url::parse(url).map_err(refuse)?;
    if parsed.rest.contains(['@', '?', '#']) {
        return Err(refuse("an endpoint has no '@', '?' or '#' after its host"));
    }
    if parsed.is_secure_or_loopback() {
        return Ok(url.to_string());
    }
    if parsed.scheme.eq_ignore_ascii_case("http") {
        return Err(refuse("http:// is only accepted for a loopback host"));
    }
    Err(refuse("it is not an http(s) URL"))
}

/// The `host[:port]` of a URL, e.g. for the `Host` header SigV4 signs and for
/// error messages. Endpoint URLs have no user name (see [`validate_override`]).
pub fn authority(base: &str) -> &str {
    base.split_once("://").map_or(base, |(_, rest)| {
        rest.split(['/', '?', '#']).next().unwrap_or(rest)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_per_partition() {
        let e = Env::default();
        let url = |s, r| endpoint(s, r, &e, &[]).unwrap();
        assert_eq!(
            url(Service::SsoOidc, "cn-north-1").base,
            "https://oidc.cn-north-1.amazonaws.com.cn"
        );
        assert_eq!(
            url(Service::Portal, "us-gov-west-1").base,
            "https://portal.sso.us-gov-west-1.amazonaws.com"
        );
        assert_eq!(
            url(Service::Portal, "eu-west-1").base,
            "https://portal.sso.eu-west-1.amazonaws.com"
        );
        let org = url(Service::Organizations, "cn-north-1");
        assert_eq!(
            org.base,
            "https://organizations.cn-northwest-1.amazonaws.com.cn"
        );
        assert_eq!(org.signing_region, "cn-northwest-1");
        let org = url(Service::Organizations, "us-gov-east-1");
        assert_eq!(
            org.base,
            "https://organizations.us-gov-west-1.amazonaws.com"
        );
        assert_eq!(
            url(Service::SsoAdmin, "eusc-de-east-1").base,
            "https://sso.eusc-de-east-1.amazonaws.eu"
        );
        assert_eq!(
            url(Service::Sts, "us-iso-east-1").base,
            "https://sts.us-iso-east-1.c2s.ic.gov"
        );
        assert_eq!(
            url(Service::Sts, "us-isob-east-1").base,
            "https://sts.us-isob-east-1.sc2s.sgov.gov"
        );
        assert_eq!(partition("mars-north-1").name, "aws");
        assert_eq!(partition("cn-northwest-1").name, "aws-cn");
    }

    /// The host `service` gets in `region` with `vars` set.
    fn host_with(service: Service, region: &str, vars: &[(&str, &str)]) -> Result<String> {
        endpoint(service, region, &Env::of(vars), &[]).map(|e| e.base)
    }

    #[test]
    fn fips_and_dualstack_hosts_per_service_and_partition() {
        let fips = [("AWS_USE_FIPS_ENDPOINT", "true")];
        let dual = [("AWS_USE_DUALSTACK_ENDPOINT", "TRUE")];
        let both = [
            ("AWS_USE_FIPS_ENDPOINT", "true"),
            ("AWS_USE_DUALSTACK_ENDPOINT", "true"),
        ];
        type Case<'a> = (Service, &'a str, &'a [(&'a str, &'a str)], &'a str);
        let cases: &[Case] = &[
            (
                Service::SsoOidc,
                "us-west-2",
                &dual,
                "https://oidc.us-west-2.api.aws",
            ),
            (
                Service::SsoOidc,
                "us-west-2",
                &fips,
                "https://oidc-fips.us-west-2.amazonaws.com",
            ),
            (
                Service::SsoOidc,
                "us-west-2",
                &both,
                "https://oidc-fips.us-west-2.api.aws",
            ),
            (
                Service::Portal,
                "eu-west-1",
                &dual,
                "https://portal.sso.eu-west-1.api.aws",
            ),
            (
                Service::Portal,
                "us-east-1",
                &fips,
                "https://portal.sso-fips.us-east-1.amazonaws.com",
            ),
            (
                Service::Portal,
                "us-east-1",
                &both,
                "https://portal.sso-fips.us-east-1.api.aws",
            ),
            (
                Service::SsoAdmin,
                "us-east-2",
                &both,
                "https://sso-fips.us-east-2.api.aws",
            ),
            (
                Service::IdentityStore,
                "ca-central-1",
                &fips,
                "https://identitystore-fips.ca-central-1.amazonaws.com",
            ),
            (
                Service::Sts,
                "eu-west-1",
                &dual,
                "https://sts.eu-west-1.api.aws",
            ),
            (
                Service::Sts,
                "us-east-1",
                &fips,
                "https://sts-fips.us-east-1.amazonaws.com",
            ),
            // GovCloud's standard hosts are FIPS already.
            (
                Service::SsoOidc,
                "us-gov-west-1",
                &fips,
                "https://oidc.us-gov-west-1.amazonaws.com",
            ),
            (
                Service::Portal,
                "us-gov-east-1",
                &fips,
                "https://portal.sso.us-gov-east-1.amazonaws.com",
            ),
            (
                Service::SsoOidc,
                "us-gov-west-1",
                &both,
                "https://oidc-fips.us-gov-west-1.api.aws",
            ),
            (
                Service::SsoOidc,
                "us-gov-west-1",
                &dual,
                "https://oidc.us-gov-west-1.api.aws",
            ),
            (
                Service::SsoOidc,
                "cn-north-1",
                &dual,
                "https://oidc.cn-north-1.api.amazonwebservices.com.cn",
            ),
            (
                Service::Portal,
                "cn-northwest-1",
                &fips,
                "https://portal.sso-fips.cn-northwest-1.amazonaws.com.cn",
            ),
            (
                Service::SsoOidc,
                "eusc-de-east-1",
                &[],
                "https://oidc.eusc-de-east-1.amazonaws.eu",
            ),
            (
                Service::Portal,
                "eusc-de-east-1",
                &dual,
                "https://portal.sso.eusc-de-east-1.api.amazonwebservices.eu",
            ),
            (
                Service::Organizations,
                "eu-west-1",
                &fips,
                "https://organizations-fips.us-east-1.amazonaws.com",
            ),
            (
                Service::Organizations,
                "us-gov-east-1",
                &fips,
                "https://organizations.us-gov-west-1.amazonaws.com",
            ),
            (
                Service::Organizations,
                "eusc-de-east-1",
                &[],
                "https://organizations.eusc-de-east-1.amazonaws.eu",
            ),
        ];
        for (service, region, vars, want) in cases {
            assert_eq!(
                host_with(*service, region, vars).unwrap(),
                *want,
                "{service:?} {region} {vars:?}"
            );
        }
        // A variant a service does not have is an error, not a made-up host.
        for (region, vars) in [
            ("eu-west-1", &dual[..]),
            ("cn-north-1", &fips[..]),
            ("eusc-de-east-1", &fips[..]),
            ("us-iso-east-1", &fips[..]),
        ] {
            let e = host_with(Service::Organizations, region, vars).unwrap_err();
            assert_eq!(e.exit_code(), crate::error::EXIT_USAGE, "{e}");
            assert!(e.to_string().contains("organizations has no"), "{e}");
        }
        let org = endpoint(Service::Organizations, "eu-west-1", &Env::of(&fips), &[]).unwrap();
        assert_eq!(org.signing_region, "us-east-1");
    }

    #[test]
    fn the_environment_beats_the_profile_and_the_start_url() {
        let on = |k: &str| [(k.to_string(), "true".to_string())];
        let at = |vars: &[(&str, &str)], configured: &Configured, dualstack: bool| {
            endpoint_for(
                Service::SsoOidc,
                "us-west-2",
                &Env::of(vars),
                configured,
                dualstack,
            )
            .map(|e| e.base)
        };
        let fips_profile = on(FIPS_KEY);
        assert_eq!(
            at(&[], &fips_profile, false).unwrap(),
            "https://oidc-fips.us-west-2.amazonaws.com"
        );
        assert_eq!(
            at(&[("AWS_USE_FIPS_ENDPOINT", "false")], &fips_profile, false).unwrap(),
            "https://oidc.us-west-2.amazonaws.com"
        );
        // A dual-stack start URL picks dual-stack unless a setting says no.
        assert_eq!(
            at(&[], &[], true).unwrap(),
            "https://oidc.us-west-2.api.aws"
        );
        let off = [(DUALSTACK_KEY.to_string(), "False".to_string())];
        assert_eq!(
            at(&[], &off, true).unwrap(),
            "https://oidc.us-west-2.amazonaws.com"
        );
        assert_eq!(
            at(&[("AWS_USE_DUALSTACK_ENDPOINT", "true")], &off, false).unwrap(),
            "https://oidc.us-west-2.api.aws"
        );
        // An override names the host exactly.
        let overridden = [
            ("AWS_ENDPOINT_URL_SSO_OIDC", "http://127.0.0.1:9"),
            ("AWS_USE_FIPS_ENDPOINT", "true"),
        ];
        assert_eq!(at(&overridden, &[], true).unwrap(), "http://127.0.0.1:9");
        // Neither true nor false: a configuration error naming the setting.
        let e = at(&[("AWS_USE_FIPS_ENDPOINT", "yes")], &[], false).unwrap_err();
        assert_eq!(e.exit_code(), crate::error::EXIT_USAGE);
        assert!(e.to_string().contains("AWS_USE_FIPS_ENDPOINT"), "{e}");
        let bad = [(DUALSTACK_KEY.to_string(), "1".to_string())];
        assert!(
            at(&[], &bad, false)
                .unwrap_err()
                .to_string()
                .contains(DUALSTACK_KEY)
        );
        // A region is only ever a region in a host name.
        assert!(host_with(Service::Sts, "x.evil.example/", &[]).is_err());
    }

    #[test]
    fn regions_known_new_and_mistyped() {
        for known in [
            "us-east-1",
            "eu-west-1",
            "cn-northwest-1",
            "us-gov-east-1",
            "eusc-de-east-1",
            "us-isob-east-1",
            "il-central-1",
        ] {
            assert_eq!(check_region(known), RegionCheck::Known, "{known}");
        }
        for new in [
            "ap-southeast-9",
            "eu-east-1",
            "us-west-3",
            "us-gov-north-1",
            "cn-south-1",
            "eusc-fr-south-1",
            "us-isof-west-1",
            "mx-northwest-12",
        ] {
            assert_eq!(check_region(new), RegionCheck::New, "{new}");
        }
        for (typo, want) in [
            ("eu-wst-1", Some("eu-west-1")),
            ("us-eest-1", Some("us-east-1")),
            ("EU-WEST-1", Some("eu-west-1")),
            ("us-east-1a", Some("us-east-1")),
            ("eu-west-01", Some("eu-west-1")),
            ("useast1", Some("us-east-1")),
            ("mars-north-1", None),
            ("eu-centre-1", Some("eu-central-1")),
            ("eu-middle-1", None),
            ("", None),
            ("us-east-", Some("us-east-1")),
        ] {
            assert_eq!(check_region(typo), RegionCheck::Unknown(want), "{typo}");
        }
        assert_eq!(partition("us-gov-north-1").name, "aws-us-gov");
        assert_eq!(partition("eusc-fr-south-1").name, "aws-eusc");
        assert_eq!(partition("us-isob-west-1").name, "aws-iso-b");
        assert_eq!(partition("ap-southeast-9").name, "aws");
        // Every published region is in exactly one partition, and fits its pattern.
        for p in PARTITIONS {
            for r in p.regions {
                assert_eq!(partition_by_pattern(r).map(|q| q.name), Some(p.name), "{r}");
            }
        }
    }

    #[test]
    fn portal_hosts_name_their_region() {
        for (host, want) in [
            (
                "ssoins-7223a1b2c3d4e5f6.portal.us-west-2.app.aws",
                Some(("us-west-2", true)),
            ),
            (
                "SSOINS-1.PORTAL.EU-WEST-1.APP.AWS.",
                Some(("eu-west-1", true)),
            ),
            (
                "ssoins-1.eu-central-1.portal.amazonaws.com",
                Some(("eu-central-1", false)),
            ),
            (
                "ssoins-1.portal.cn-north-1.app.amazonwebservices.com.cn",
                Some(("cn-north-1", true)),
            ),
            (
                "ssoins-1.cn-north-1.portal.amazonaws.com.cn",
                Some(("cn-north-1", false)),
            ),
            (
                "ssoins-1.portal.eusc-de-east-1.api.amazonwebservices.eu",
                Some(("eusc-de-east-1", true)),
            ),
            (
                "ssoins-1.eusc-de-east-1.portal.amazonaws.eu",
                Some(("eusc-de-east-1", false)),
            ),
            (
                "ssoins-1.portal.ap-southeast-9.app.aws",
                Some(("ap-southeast-9", true)),
            ),
            ("d-1234567890.awsapps.com", None),
            ("portal.us-west-2.app.aws", None),
            ("ssoins-1.portal.eu-wst-1.app.aws", None),
            ("a.b.portal.us-west-2.app.aws", None),
            ("ssoins-1.portal.us-west-2.app.aws.evil.example", None),
            ("evilapp.aws", None),
        ] {
            let got = portal_host_region(host);
            assert_eq!(got.as_ref().map(|(r, d)| (r.as_str(), *d)), want, "{host}");
        }
        for host in [
            "d-1234567890.awsapps.com",
            "ssoins-1.portal.us-west-2.app.aws",
            "identitycenter.amazonaws.eu",
            "x.awsapps.cn",
        ] {
            assert!(is_aws_start_host(host), "{host}");
        }
        for host in [
            "sso.example.com",
            "awsapps.com.evil.example",
            "evilawsapps.com",
            "127.0.0.1",
        ] {
            assert!(!is_aws_start_host(host), "{host}");
        }
    }

    #[test]
    fn overrides_win_and_keep_the_signing_region() {
        let e = Env::of(&[
            ("AWS_ENDPOINT_URL_SSO", "http://127.0.0.1:9/"),
            ("AWS_ENDPOINT_URL", "https://all.example.com"),
        ]);
        let p = endpoint(Service::Portal, "eu-west-1", &e, &[]).unwrap();
        assert_eq!(p.base, "http://127.0.0.1:9");
        let o = endpoint(Service::Organizations, "eu-west-1", &e, &[]).unwrap();
        assert_eq!(o.base, "https://all.example.com");
        assert_eq!(o.signing_region, "us-east-1");
        let configured = [
            ("sts".to_string(), "https://sts.example".to_string()),
            ("*".to_string(), "https://all.example".to_string()),
        ];
        let at = |service, env: &Env| endpoint(service, "eu-west-1", env, &configured).unwrap();
        assert_eq!(
            at(Service::Sts, &Env::default()).base,
            "https://sts.example"
        );
        assert_eq!(
            at(Service::Portal, &Env::default()).base,
            "https://all.example"
        );
        // [services] beats AWS_ENDPOINT_URL, which beats the profile's endpoint_url.
        let global = Env::of(&[("AWS_ENDPOINT_URL", "https://env.example")]);
        assert_eq!(at(Service::Sts, &global).base, "https://sts.example");
        assert_eq!(at(Service::Portal, &global).base, "https://env.example");
        let ignored = Env::of(&[
            ("AWS_ENDPOINT_URL", "https://all.example.com"),
            ("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true"),
        ]);
        let d = endpoint(Service::SsoOidc, "eu-west-1", &ignored, &[]).unwrap();
        assert_eq!(d.base, "https://oidc.eu-west-1.amazonaws.com");
    }

    #[test]
    fn plain_http_only_on_loopback() {
        for ok in [
            "http://localhost:1",
            "http://127.0.0.2",
            "http://[::1]:8080",
            "https://x.y",
            "https://x.y/",
            "HTTPS://sso.eu-west-1.amazonaws.com:443/base/",
            "http://127.0.0.1:65535/path",
        ] {
            assert!(validate_override(ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://10.0.0.1",
            "http://example.com",
            "ftp://x",
            "nonsense",
            "http://",
            "http://127.0.0.1:1@example.com",
            "http://[::1]@example.com",
            "https://user@example.com",
            "http://127.0.0.1@example.com:80",
            "http://127.0.0.1:80?@example.com",
            "http://127.0.0.1#@example.com",
            "https://x.y/?a=1",
            "http://127.0.0.1\\@example.com",
            "http://127.0.0.1%2f@example.com",
            "http://%6c%6fcalhost",
            "http://127.1",
            "http://0x7f000001",
            "http://localhost.example.com",
            "http://127.0.0.1.nip.io",
            "http://127.0.0.1:99999",
            "http://127.0.0.1:8o",
            "http://127.0.0.1: 80",
            "http://127.0.0.1\u{1b}[2J",
            "https://a b.example",
            "file:///etc/passwd",
            "javascript:alert(1)",
        ] {
            let e = validate_override(bad).expect_err(bad);
            assert_eq!(e.exit_code(), crate::error::EXIT_USAGE, "{bad}");
            assert!(!e.to_string().contains('\u{1b}'), "{e}");
        }
    }

    #[test]
    fn every_source_of_an_override_is_checked() {
        let evil = "http://127.0.0.1:1@example.com";
        for var in ["AWS_ENDPOINT_URL_SSO", "AWS_ENDPOINT_URL"] {
            let e = Env::of(&[(var, evil)]);
            assert!(
                endpoint(Service::Portal, "eu-west-1", &e, &[]).is_err(),
                "{var}"
            );
        }
        for key in ["sso", "*"] {
            let configured = [(key.to_string(), evil.to_string())];
            let ep = endpoint(Service::Portal, "eu-west-1", &Env::default(), &configured);
            assert!(ep.is_err(), "{key}");
        }
    }

    #[test]
    fn authority_is_host_and_port() {
        assert_eq!(authority("https://h.example:8443/p?q#f"), "h.example:8443");
        assert_eq!(authority("http://127.0.0.1:9?x"), "127.0.0.1:9");
        assert_eq!(authority("http://[::1]:9/"), "[::1]:9");
    }
}
