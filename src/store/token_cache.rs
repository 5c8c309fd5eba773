/*!
The AWS CLI v2 SSO cache in `~/.aws/sso/cache`, in its exact file names and
JSON shapes (protocol.md §4): the token files and the client-registration
files. A login by the AWS CLI is used here, and ours by the CLI and every SDK.
*/

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::util::clock;
use crate::util::encoding::{py_json_string, sha1_hex};
use crate::util::secret::Secret;

/// A cached SSO token (`~/.aws/sso/cache/<sha1>.json`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Token {
    /// The configured start URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_url: Option<String>,
    /// The configured `sso_region`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// The bearer token for the portal.
    pub access_token: Secret,
    /// When the access token expires (`YYYY-MM-DDTHH:MM:SSZ`).
    pub expires_at: String,
    /// The registration the token was issued to (needed to refresh).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// The registration's secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<Secret>,
    /// When the registration expires.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registration_expires_at: Option<String>,
    /// The refresh token, when the registration had scopes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<Secret>,
}

/// How close to expiry a token may get before we refresh it: botocore refreshes
/// at 15 minutes, and so do we so both tools agree on when a token is stale.
pub const TOKEN_REFRESH_WINDOW: time::Duration = time::Duration::minutes(15);

impl Token {
    /// The expiry, if the field parses.
    pub fn expiry(&self) -> Option<OffsetDateTime> {
        clock::parse(&self.expires_at)
    }

    /// Valid and not within `window` of expiring.
    pub fn is_fresh(&self, now: OffsetDateTime, window: time::Duration) -> bool {
        self.expiry().is_some_and(|t| t - now >= window)
    }

    /// Issued for this start URL and region. A token without either field
    /// cannot prove whom it is for, so it does not match: using a token of
    /// another instance would act as the wrong identity.
    pub fn issued_for(&self, start_url: &str, region: &str) -> bool {
        self.start_url
            .as_deref()
            .is_some_and(|u| normalize_start_url(u) == normalize_start_url(start_url))
            && self.region.as_deref().map(str::trim) == Some(region.trim())
    }

    /// Can be refreshed: a refresh token and a registration that has not expired
    /// (botocore's rule, protocol.md §4.4).
    pub fn refreshable(&self, now: OffsetDateTime) -> bool {
        self.refresh_token.is_some()
            && self.client_id.is_some()
            && self.client_secret.is_some()
            && self
                .registration_expires_at
                .as_deref()
                .and_then(clock::parse)
                .is_some_and(|t| t > now)
    }
}

/// A start URL as compared (cli.md: "Start URLs are compared after
/// normalising"): surrounding whitespace, a `#…` fragment (what a browser's
/// address bar adds, `#/?tab=accounts`) and trailing `/` removed. Cache keys
/// still hash the configured string exactly, as the AWS CLI does.
pub fn normalize_start_url(url: &str) -> &str {
    let url = url.trim();
    let url = url.split_once('#').map_or(url, |(u, _)| u);
    url.trim_end().trim_end_matches('/')
}

/// A cached client registration.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Registration {
    /// OIDC client id.
    pub client_id: String,
    /// OIDC client secret.
    pub client_secret: Secret,
    /// `clientSecretExpiresAt` as `YYYY-MM-DDTHH:MM:SSZ`.
    pub expires_at: String,
    /// Scopes registered, when any were configured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scopes: Option<Vec<String>>,
    /// Grant types (PKCE registrations only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grant_types: Option<Vec<String>>,
}

impl Registration {
    /// Reusable for the flow: at least 15 minutes left, and registered for the
    /// same kind of flow (PKCE needs `authorization_code`, device code must not
    /// have it), as the AWS CLI decides (protocol.md §4.3).
    pub fn reusable(&self, now: OffsetDateTime, pkce: bool) -> bool {
        let has_code = self
            .grant_types
            .as_ref()
            .is_some_and(|g| g.iter().any(|t| t == "authorization_code"));
        clock::parse(&self.expires_at).is_some_and(|t| t - now >= time::Duration::minutes(15))
            && has_code == pkce
    }
}

/// What identifies a session's caches.
#[derive(Debug, Clone)]
pub struct CacheIdentity<'a> {
    /// The `[sso-session]` name, `None` for legacy (start-URL keyed) sessions.
    pub session_name: Option<&'a str>,
    /// The start URL exactly as configured.
    pub start_url: &'a str,
    /// The configured `sso_region`.
    pub region: &'a str,
    /// The configured `sso_registration_scopes`, parsed; `None` when absent.
    pub scopes: Option<&'a [String]>,
}

/// The token file name the AWS CLI uses: sha1 of the session name, or of the
/// start URL for legacy profiles.
pub fn token_path(dir: &Path, key_source: &str) -> PathBuf {
    dir.join(format!("{}.json", sha1_hex(key_source.as_bytes())))
}

/// The registration file name: sha1 of the Python `json.dumps(..., sort_keys=True)`
/// of the identity (protocol.md §4.3).
pub fn registration_path(dir: &Path, id: &CacheIdentity) -> PathBuf {
    let scopes = match id.scopes {
        Some(list) => format!(
            "[{}]",
            list.iter()
                .map(|s| py_json_string(s))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        None => "null".to_string(),
    };
    let session = id.session_name.map_or("null".to_string(), py_json_string);
    let key = format!(
        "{{\"region\": {}, \"scopes\": {scopes}, \"session_name\": {session}, \"startUrl\": {}, \"tool\": \"botocore\"}}",
        py_json_string(id.region),
        py_json_string(id.start_url)
    );
    dir.join(format!("{}.json", sha1_hex(key.as_bytes())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::cache::python_json;

    #[test]
    fn registration_keys_match_protocol_examples() {
        let dir = Path::new("/c");
        let scopes = vec!["sso:account:access".to_string()];
        let mut id = CacheIdentity {
            session_name: Some("my-sso"),
            start_url: "https://d-1234567890.awsapps.com/start",
            region: "us-east-1",
            scopes: Some(&scopes),
        };
        let name = |id: &CacheIdentity| {
            registration_path(dir, id)
                .file_stem()
                .unwrap()
                .to_string_lossy()
                .into_owned()
        };
        assert_eq!(name(&id), "a8343d65418848d0bc13a5f25cbb32508ceec5d1");
        id.scopes = None;
        assert_eq!(name(&id), "8b2cedd020fb181ad4cf906d1d27b232fd31557e");
        id.session_name = None;
        assert_eq!(name(&id), "365414a68be7c9bfc776c660981dbdbd942acea4");
    }

    #[test]
    fn token_file_looks_like_the_aws_clis() {
        let t = Token {
            start_url: Some("https://d-1234567890.awsapps.com/start".into()),
            region: Some("us-east-1".into()),
            access_token: Secret::new("aoa"),
            expires_at: "2024-01-02T04:04:05Z".into(),
            client_id: Some("cid".into()),
            client_secret: Some(Secret::new("cs")),
            registration_expires_at: Some("2024-04-01T03:04:05Z".into()),
            refresh_token: None,
        };
        assert_eq!(
            python_json(&t),
            r#"{"startUrl": "https://d-1234567890.awsapps.com/start", "region": "us-east-1", "accessToken": "aoa", "expiresAt": "2024-01-02T04:04:05Z", "clientId": "cid", "clientSecret": "cs", "registrationExpiresAt": "2024-04-01T03:04:05Z"}"#
        );
        assert_eq!(
            token_path(Path::new("/c"), "my-sso"),
            Path::new("/c/0ad374308c5a4e22f723adf10145eafad7c4031c.json")
        );
    }

    #[test]
    fn start_urls_compare_after_normalising() {
        let u = "https://d-1234567890.awsapps.com/start";
        for same in [
            u,
            "https://d-1234567890.awsapps.com/start/",
            " https://d-1234567890.awsapps.com/start#/?tab=accounts\n",
            "https://d-1234567890.awsapps.com/start/#/",
        ] {
            assert_eq!(normalize_start_url(same), u, "{same:?}");
        }
        let mut t: Token =
            serde_json::from_str(r#"{"accessToken":"a","expiresAt":"2099-01-01T00:00:00Z"}"#)
                .unwrap();
        assert!(!t.issued_for(u, "us-east-1"), "no startUrl: no match");
        t.start_url = Some(format!("{u}/"));
        t.region = Some("us-east-1".into());
        assert!(t.issued_for(u, "us-east-1"));
        assert!(!t.issued_for(u, "eu-west-1"));
        assert!(!t.issued_for("https://d-1234567891.awsapps.com/start", "us-east-1"));
        assert!(!t.issued_for("https://d-1234567890.awsapps.com/start2", "us-east-1"));
    }

    #[test]
    fn freshness_and_refreshability() {
        let now = clock::parse("2024-01-02T03:00:00Z").unwrap();
        let mut t: Token =
            serde_json::from_str(r#"{"accessToken":"a","expiresAt":"2024-01-02T03:20:00UTC"}"#)
                .unwrap();
        assert!(t.is_fresh(now, TOKEN_REFRESH_WINDOW));
        t.expires_at = "2024-01-02T03:10:00Z".into();
        assert!(!t.is_fresh(now, TOKEN_REFRESH_WINDOW));
        assert!(!t.refreshable(now));
        t.refresh_token = Some(Secret::new("r"));
        t.client_id = Some("c".into());
        t.client_secret = Some(Secret::new("s"));
        t.registration_expires_at = Some("2024-01-01T00:00:00Z".into());
        assert!(!t.refreshable(now));
        t.registration_expires_at = Some("2024-03-01T00:00:00Z".into());
        assert!(t.refreshable(now));
    }

    #[test]
    fn registration_reuse_matches_flow() {
        let now = clock::parse("2024-01-02T03:00:00Z").unwrap();
        let mut r = Registration {
            client_id: "c".into(),
            client_secret: Secret::new("s"),
            expires_at: "2024-04-01T00:00:00Z".into(),
            scopes: None,
            grant_types: None,
        };
        assert!(r.reusable(now, false) && !r.reusable(now, true));
        r.grant_types = Some(vec!["authorization_code".into(), "refresh_token".into()]);
        assert!(r.reusable(now, true) && !r.reusable(now, false));
        r.expires_at = "2024-01-02T03:10:00Z".into();
        assert!(!r.reusable(now, true));
    }
}
