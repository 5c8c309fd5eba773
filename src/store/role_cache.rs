/*!
The AWS CLI's role-credential cache, `~/.aws/cli/cache` (protocol.md §5): one
JSON file per account × role × session, named by botocore's
`SSOCredentialFetcher` cache key, so that credentials fetched by either tool are
used by both.
*/

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::store::{cache, fsutil};
use crate::util::clock;
use crate::util::credentials::Credentials;
use crate::util::encoding::{py_json_string, sha1_hex};
use crate::util::secret::Secret;

/// What identifies the session in the cache key.
#[derive(Debug, Clone, Copy)]
pub enum SessionKey<'a> {
    /// `[sso-session]` profiles.
    Name(&'a str),
    /// Legacy profiles.
    StartUrl(&'a str),
}

/// The role-cache file.
#[derive(Serialize, Deserialize)]
struct CacheFile {
    #[serde(rename = "ProviderType")]
    provider_type: String,
    #[serde(rename = "Credentials")]
    credentials: CachedCredentials,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct CachedCredentials {
    access_key_id: String,
    secret_access_key: Secret,
    session_token: Secret,
    expiration: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    account_id: Option<String>,
}

/// The cache key botocore's `SSOCredentialFetcher` uses: sha1 of the compact,
/// key-sorted JSON of account, role and session name (or start URL for legacy
/// profiles).
pub fn cache_key(account_id: &str, role_name: &str, session: SessionKey) -> String {
    let (name, value) = match session {
        SessionKey::Name(n) => ("sessionName", n),
        SessionKey::StartUrl(u) => ("startUrl", u),
    };
    let json = format!(
        "{{\"accountId\":{},\"roleName\":{},\"{name}\":{}}}",
        py_json_string(account_id),
        py_json_string(role_name),
        py_json_string(value)
    );
    sha1_hex(json.as_bytes())
}

/// The cache file of an account × role × session in `dir`.
pub fn path(dir: &Path, account_id: &str, role_name: &str, session: SessionKey) -> PathBuf {
    dir.join(format!(
        "{}.json",
        cache_key(account_id, role_name, session)
    ))
}

/// Reads a cached entry that is still good for `window` seconds; anything else
/// (missing, corrupt, truncated, not an SSO entry, too old) is a miss.
pub fn load(path: &Path, window: i64) -> Option<Credentials> {
    let file: CacheFile = cache::load(path)?;
    if file.provider_type != "sso" {
        return None;
    }
    let c = file.credentials;
    let expiration = clock::parse(&c.expiration)?;
    if expiration - clock::now() < time::Duration::seconds(window) {
        return None;
    }
    Some(Credentials {
        access_key_id: c.access_key_id,
        secret_access_key: c.secret_access_key,
        session_token: Some(c.session_token),
        expiration: Some(expiration),
    })
}

/// Stores Identity Center role credentials (which always carry a session token
/// and an expiry; others are not cached).
pub fn store(path: &Path, c: &Credentials, account_id: &str) -> Result<()> {
    let (Some(token), Some(expiration)) = (&c.session_token, c.expiration) else {
        return Ok(());
    };
    let file = CacheFile {
        provider_type: "sso".into(),
        credentials: CachedCredentials {
            access_key_id: c.access_key_id.clone(),
            secret_access_key: c.secret_access_key.clone(),
            session_token: token.clone(),
            expiration: clock::format(expiration),
            account_id: Some(account_id.to_string()),
        },
    };
    cache::store(path, &file)
}

/// Removes the cached SSO role credentials (`ProviderType` `sso`) of `dir`, as
/// `aws sso logout` does, leaving other providers' entries. Returns how many.
pub fn remove_sso_entries(dir: &Path) -> Result<usize> {
    let mut n = 0;
    for path in fsutil::json_files(dir)? {
        let Some(v) = cache::load::<serde_json::Value>(&path) else {
            continue;
        };
        if v.get("ProviderType").and_then(|p| p.as_str()) == Some("sso") {
            fsutil::remove_if_exists(&path)?;
            n += 1;
        }
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_keys_match_protocol_examples() {
        assert_eq!(
            cache_key(
                "123456789012",
                "AdministratorAccess",
                SessionKey::Name("my-sso")
            ),
            "c61222fe4c86bb5d3638873744d4cab00a0bf176"
        );
        assert_eq!(
            cache_key(
                "123456789012",
                "AdministratorAccess",
                SessionKey::StartUrl("https://d-1234567890.awsapps.com/start")
            ),
            "2b82a263b11ba27e36281168095be99c1205aacf"
        );
    }

    #[test]
    fn cache_entries_are_misses_when_stale_or_corrupt() {
        let dir = std::env::temp_dir().join(format!("sso-config-role-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("k.json");
        let soon = clock::format(clock::now() + time::Duration::seconds(600));
        let later = clock::format(clock::now() + time::Duration::seconds(3600));
        let entry = |exp: &str| {
            format!(
                r#"{{"ProviderType": "sso", "Credentials": {{"AccessKeyId": "ASIA", "SecretAccessKey": "s", "SessionToken": "t", "Expiration": "{exp}", "AccountId": "1"}}}}"#
            )
        };
        std::fs::write(&path, entry(&later)).unwrap();
        assert!(load(&path, 900).is_some());
        std::fs::write(&path, entry(&soon)).unwrap();
        assert!(load(&path, 900).is_none());
        assert!(load(&path, 300).is_some());
        std::fs::write(&path, &entry(&later)[..40]).unwrap();
        assert!(load(&path, 900).is_none());
        std::fs::write(&path, entry(&later).replace("\"sso\"", "\"assume-role\"")).unwrap();
        assert!(load(&path, 900).is_none());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn stored_entries_read_back() {
        let dir = std::env::temp_dir().join(format!("sso-config-role-rt-{}", std::process::id()));
        let path = dir.join("k.json");
        let c = Credentials {
            access_key_id: "ASIA1".into(),
            secret_access_key: Secret::new("s"),
            session_token: Some(Secret::new("t")),
            expiration: clock::from_epoch_secs(clock::now().unix_timestamp() + 3600),
        };
        store(&path, &c, "111122223333").unwrap();
        assert_eq!(load(&path, 900), Some(c));
        assert_eq!(remove_sso_entries(&dir).unwrap(), 1);
        assert!(!path.exists());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
