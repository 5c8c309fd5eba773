/*!
Where each service's requests go (protocol.md §1.1–1.2): the partition of a
region and its DNS suffix, the `AWS_ENDPOINT_URL_*` overrides and the config
file's endpoints, and the rule that plain `http://` is only ever used on
loopback.
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
}

/// An AWS partition: where its hosts live (protocol.md §1.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Partition {
    /// `aws`, `aws-cn`, `aws-us-gov`, …
    pub name: &'static str,
    /// DNS suffix of regional endpoints.
    pub dns_suffix: &'static str,
    /// The region global services (organizations) are signed for.
    pub global_region: &'static str,
}

/// The partition a region belongs to; unknown regions fall back to `aws`.
pub fn partition(region: &str) -> Partition {
    let p = |name, dns_suffix, global_region| Partition {
        name,
        dns_suffix,
        global_region,
    };
    let region_like = |prefix: &str| {
        region.strip_prefix(prefix).is_some_and(|rest| {
            let mut parts = rest.split('-');
            let (Some(_), Some(num), None) = (parts.next(), parts.next(), parts.next()) else {
                return false;
            };
            !num.is_empty() && num.bytes().all(|b| b.is_ascii_digit())
        })
    };
    if region_like("cn-") {
        p("aws-cn", "amazonaws.com.cn", "cn-northwest-1")
    } else if region_like("us-gov-") {
        p("aws-us-gov", "amazonaws.com", "us-gov-west-1")
    } else if region_like("eusc-de-") {
        p("aws-eusc", "amazonaws.eu", "eusc-de-east-1")
    } else if region_like("us-isob-") {
        p("aws-iso-b", "sc2s.sgov.gov", "us-isob-east-1")
    } else if region_like("us-isof-") {
        p("aws-iso-f", "csp.hci.ic.gov", "us-isof-south-1")
    } else if region_like("eu-isoe-") {
        p("aws-iso-e", "cloud.adc-e.uk", "eu-isoe-west-1")
    } else if region_like("us-iso-") {
        p("aws-iso", "c2s.ic.gov", "us-iso-east-1")
    } else {
        p("aws", "amazonaws.com", "us-east-1")
    }
}

/// Where to send a service's requests and how to sign them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// `scheme://host[:port]` with no trailing slash.
    pub base: String,
    /// The region in the SigV4 credential scope.
    pub signing_region: String,
}

/// Resolves a service's endpoint for `region`: `AWS_ENDPOINT_URL_<SERVICE>`, then
/// `AWS_ENDPOINT_URL`, then `configured` (from the config file), then the
/// partition's default host. `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS` disables the
/// overrides. The signing region never changes with an override.
/// A profile's configured endpoint URLs (protocol.md §1.2), by
/// [`Service::config_key`]; `*` is the profile-wide `endpoint_url`.
pub type Configured = [(String, String)];

/// The configured URL under `key`: a service's [`Service::config_key`], or `*`.
fn configured_at<'a>(configured: &'a Configured, key: &str) -> Option<&'a str> {
    configured
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, url)| url.as_str())
}

pub fn endpoint(
    service: Service,
    region: &str,
    env: &Env,
    configured: &Configured,
) -> Result<Endpoint> {
    let part = partition(region);
    let signing_region = if service == Service::Organizations {
        part.global_region
    } else {
        region
    };
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
    let base = match overridden {
        Some(url) => validate_override(url)?,
        None => format!(
            "https://{}.{signing_region}.{}",
            service.host_prefix(),
            part.dns_suffix
        ),
    };
    Ok(Endpoint {
        base,
        signing_region: signing_region.to_string(),
    })
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
