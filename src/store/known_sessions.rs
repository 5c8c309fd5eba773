/*!
The Identity Center sessions `login` signed in to, in
`~/.aws/sso-config/sessions.json` (0600): name, start URL, region and scopes.
A command that finds no session in the config can still name the one the
user logged in to, most of all `sso-config > ~/.aws/config` on a machine
whose config the shell has just emptied and that has no copy of it yet.

What is read back is as untrusted as any file: it only ever selects a
session, and everything copied from it into a config is checked by the INI
writer like any other value.
*/

use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::store::paths::Paths;
use crate::store::{cache, fsutil};

/// One remembered session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Known {
    /// The session name.
    pub name: String,
    /// The start URL as the session had it.
    pub start_url: String,
    /// The Identity Center region.
    pub region: String,
    /// The registration scopes, when configured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scopes: Option<Vec<String>>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct File {
    sessions: Vec<Known>,
}

/// The remembered sessions, most recent login first; none when the file is
/// missing or unreadable.
pub fn load(paths: &Paths) -> Vec<Known> {
    cache::load::<File>(&paths.state.join("sessions.json"))
        .map(|f| f.sessions)
        .unwrap_or_default()
}

/// Remembers `k` as the most recent login (replacing an entry of that name),
/// under a lock so parallel logins keep each other's entries.
pub fn remember(paths: &Paths, k: Known) -> Result<()> {
    let _lock = fsutil::lock(&paths.lock("known-sessions"))?;
    let mut sessions = load(paths);
    if sessions.first() == Some(&k) {
        return Ok(());
    }
    sessions.retain(|s| s.name != k.name);
    sessions.insert(0, k);
    cache::store(&paths.state.join("sessions.json"), &File { sessions })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::util::env::Env;

    #[test]
    fn the_latest_login_comes_first_and_names_are_unique() {
        let dir = std::env::temp_dir().join(format!("known-{}", std::process::id()));
        let home = dir.to_string_lossy().into_owned();
        let paths = Paths::new(&Env::of(&[("HOME", &home)])).unwrap();
        let k = |name: &str, region: &str| Known {
            name: name.into(),
            start_url: format!("https://{name}.awsapps.com/start"),
            region: region.into(),
            scopes: None,
        };
        assert!(load(&paths).is_empty());
        remember(&paths, k("a", "us-east-1")).unwrap();
        remember(&paths, k("b", "us-east-1")).unwrap();
        remember(&paths, k("a", "eu-west-1")).unwrap();
        assert_eq!(load(&paths), vec![k("a", "eu-west-1"), k("b", "us-east-1")]);
        let _ = std::fs::remove_dir_all(dir);
    }
}
