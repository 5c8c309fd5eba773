/*!
Where the files this tool reads and writes live, resolved once from the
environment: the config and credentials files, the AWS CLI's caches, and our
own folder (locks, the config copy).
*/

use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::util::encoding;
use crate::util::env::Env;

/// Where the files this tool reads and writes live.
#[derive(Debug, Clone)]
pub struct Paths {
    /// `AWS_CONFIG_FILE` or `~/.aws/config`.
    pub config: PathBuf,
    /// `AWS_SHARED_CREDENTIALS_FILE` or `~/.aws/credentials`.
    pub credentials: PathBuf,
    /// The AWS CLI v2 token and registration cache, `~/.aws/sso/cache`.
    pub sso_cache: PathBuf,
    /// The AWS CLI's role-credential cache, `~/.aws/cli/cache`.
    pub cli_cache: PathBuf,
    /// Our own state (lock files, the config copy), `~/.aws/sso-config`.
    pub state: PathBuf,
}

impl Paths {
    /// Resolves the paths from the environment. Without a home directory
    /// there is no safe place for caches (the working directory would scatter
    /// tokens wherever a command happens to run), so that is an error.
    pub fn new(env: &Env) -> Result<Paths> {
        let Some(home) = env.home() else {
            return Err(Error::Config(
                "no home directory: HOME is not set and this user has no passwd entry; set HOME"
                    .into(),
            ));
        };
        let aws = home.join(".aws");
        Ok(Paths {
            config: env
                .get("AWS_CONFIG_FILE")
                .map(|p| env.expand_path(p))
                .unwrap_or_else(|| aws.join("config")),
            credentials: env
                .get("AWS_SHARED_CREDENTIALS_FILE")
                .map(|p| env.expand_path(p))
                .unwrap_or_else(|| aws.join("credentials")),
            sso_cache: aws.join("sso").join("cache"),
            cli_cache: aws.join("cli").join("cache"),
            state: aws.join("sso-config"),
        })
    }

    /// The lock file for `name`, in our own folder: outside the AWS CLI's
    /// cache folders, which it parses file by file.
    pub fn lock(&self, name: &str) -> PathBuf {
        let safe: String = name
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        self.state.join("locks").join(format!("{safe}.lock"))
    }

    /// The lock that serialises read → merge → write of a user's file (the
    /// config, the credentials file), named by a hash of the file's canonical
    /// path: two spellings of one file share the lock, and the name says
    /// nothing about the path.
    pub fn file_lock(&self, canonical: &Path) -> PathBuf {
        let digest = encoding::hex(&encoding::sha256(canonical.as_os_str().as_bytes()));
        self.lock(&format!("file-{}", &digest[..16]))
    }

    /// Where the private copy of the config file at `canonical` is kept
    /// (see `store::config_copy`).
    pub fn config_copy(&self, canonical: &Path) -> PathBuf {
        let digest = encoding::hex(&encoding::sha256(canonical.as_os_str().as_bytes()));
        self.state
            .join("copies")
            .join(format!("config-{}.json", &digest[..16]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_follow_the_environment() {
        let p = Paths::new(&Env::of(&[("HOME", "/h"), ("AWS_CONFIG_FILE", "~/cfg")])).unwrap();
        assert_eq!(p.config, PathBuf::from("/h/cfg"));
        assert_eq!(p.credentials, PathBuf::from("/h/.aws/credentials"));
        assert_eq!(p.cli_cache, PathBuf::from("/h/.aws/cli/cache"));
        assert_eq!(
            p.lock("role-a/b c"),
            PathBuf::from("/h/.aws/sso-config/locks/role-a_b_c.lock")
        );
        let lock = p.file_lock(Path::new("/h/.aws/config"));
        let text = lock.to_string_lossy();
        assert!(text.starts_with("/h/.aws/sso-config/locks/file-"), "{text}");
        assert_ne!(lock, p.file_lock(Path::new("/h/.aws/credentials")));
    }

    #[test]
    fn no_home_is_an_error_not_the_working_directory() {
        let e = Paths::new(&Env::of(&[("AWS_CONFIG_FILE", "/c")])).unwrap_err();
        assert!(e.to_string().contains("HOME is not set"), "{e}");
    }
}
