/*!
The listing cache: the last complete account × role listing of each session,
in `~/.aws/sso-config/listings/<key>.json` (0600 in a 0700 folder), so that
`roles`, completion and the role picker answer at once instead of making one
ListAccountRoles call per account.

A listing is plain data (who may use which role is not a secret, but it is
the user's, hence 0600). What is read back is as untrusted as any file: the
file names the start URL it was fetched from and is a miss for any other, and
the caller checks every account and role against AWS's formats before use.
*/

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::store::paths::Paths;
use crate::store::{cache, fsutil};
use crate::util::clock;
use crate::util::encoding::sha1_hex;

/// How long a listing is used without asking the service again.
pub const FRESH_FOR: Duration = Duration::from_secs(3600);

/// A session's listing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Listing {
    /// The start URL the listing was fetched from.
    pub start_url: String,
    /// When, as `YYYY-MM-DDTHH:MM:SSZ`.
    pub fetched_at: String,
    /// Every account with its roles, in ListAccounts order.
    pub accounts: Vec<Account>,
}

/// One account of a listing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Account {
    /// The 12-digit id.
    pub account_id: String,
    /// Its name.
    pub account_name: String,
    /// Its e-mail address.
    pub email_address: String,
    /// Its roles, as the portal returned them.
    pub roles: Vec<String>,
}

/// The listing file of a session: named by a hash of its name (or of its
/// start URL for a legacy profile's session, which has no name of its own), so
/// that no name from a config file becomes a path.
pub fn path(paths: &Paths, session_name: &str, start_url: &str, legacy: bool) -> PathBuf {
    let key = if legacy {
        format!("url:{start_url}")
    } else {
        format!("name:{session_name}")
    };
    paths
        .state
        .join("listings")
        .join(format!("{}.json", sha1_hex(key.as_bytes())))
}

/// The listing in `path` fetched from `start_url`, with its age; `None` when
/// missing, corrupt, of another start URL, or dated in the future (a clock
/// that was wrong, or a file that lies: either way not to be trusted as fresh).
pub fn load(path: &Path, start_url: &str) -> Option<(Listing, Duration)> {
    let listing: Listing = cache::load(path)?;
    if listing.start_url != start_url {
        return None;
    }
    let fetched = clock::parse(&listing.fetched_at)?;
    let age = clock::now() - fetched;
    let age = Duration::try_from(age).ok()?;
    Some((listing, age))
}

/// Stores `listing` (atomic, 0600; the folder is made 0700).
pub fn store(path: &Path, listing: &Listing) -> Result<()> {
    if let Some(dir) = path.parent() {
        fsutil::create_private_dir(dir)?;
    }
    cache::store(path, listing)
}

/// Removes a session's listing (`logout`); `Ok(false)` when there was none.
pub fn remove(path: &Path) -> Result<bool> {
    fsutil::remove_if_exists(path)
}

/// Removes every session's listing (`logout --all`).
pub fn remove_all(paths: &Paths) -> Result<()> {
    for file in fsutil::json_files(&paths.state.join("listings"))? {
        fsutil::remove_if_exists(&file)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::util::env::Env;
    use std::os::unix::fs::PermissionsExt;

    fn listing(fetched_at: String) -> Listing {
        Listing {
            start_url: "https://d-1.awsapps.com/start".into(),
            fetched_at,
            accounts: vec![Account {
                account_id: "111122223333".into(),
                account_name: "prod".into(),
                email_address: "p@example.com".into(),
                roles: vec!["Admin".into()],
            }],
        }
    }

    #[test]
    fn round_trip_private_and_keyed_by_start_url() {
        let dir = std::env::temp_dir().join(format!("listing-{}", std::process::id()));
        let home = dir.to_string_lossy().into_owned();
        let paths = Paths::new(&Env::of(&[("HOME", &home)])).unwrap();
        let p = path(&paths, "corp", "https://d-1.awsapps.com/start", false);
        assert_ne!(
            p,
            path(&paths, "corp", "https://d-1.awsapps.com/start", true)
        );
        assert!(load(&p, "https://d-1.awsapps.com/start").is_none());
        let l = listing(clock::format(clock::now()));
        store(&p, &l).unwrap();
        let (back, age) = load(&p, "https://d-1.awsapps.com/start").unwrap();
        assert_eq!(back, l);
        assert!(age < Duration::from_secs(5));
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&p), 0o600);
        assert_eq!(mode(p.parent().unwrap()), 0o700);
        assert!(load(&p, "https://other.awsapps.com/start").is_none());
        let future = clock::now() + time::Duration::hours(2);
        store(&p, &listing(clock::format(future))).unwrap();
        assert!(load(&p, "https://d-1.awsapps.com/start").is_none());
        assert!(remove(&p).unwrap());
        let _ = std::fs::remove_dir_all(dir);
    }
}
