/*!
The user's AWS config file and the shared credentials file, read into the
lossless INI model so that an edit keeps every other byte.
*/

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::ini::Document;
use crate::store::fsutil;
use crate::store::paths::Paths;
use crate::util::clock;
use crate::util::credentials::Credentials;

/// A parsed config (or credentials) file with its path.
pub struct Config {
    /// Where it was read from.
    pub path: PathBuf,
    /// The file's lossless model (empty when the file does not exist).
    pub doc: Document,
}

impl Config {
    /// Reads and parses `path`; a missing file is an empty config, a syntax error
    /// is a configuration error naming `file:line`.
    pub fn load(path: &Path) -> Result<Config> {
        let bytes = fsutil::read_optional_bytes(path)?.unwrap_or_default();
        let text = String::from_utf8(bytes).map_err(|e| {
            // botocore reads the file as UTF-8 too and fails on the whole file;
            // say where, so the user can fix the line.
            let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
            Error::ConfigFile {
                path: path.to_path_buf(),
                line: Some(valid.iter().filter(|&&b| b == b'\n').count() + 1),
                msg: "not valid UTF-8 text".to_string(),
            }
        })?;
        Config::from_text(path, &text)
    }

    /// Parses `text` as the content of `path` (a restored copy of it).
    pub fn from_text(path: &Path, text: &str) -> Result<Config> {
        let doc = Document::parse(text).map_err(|e| Error::ConfigFile {
            path: path.to_path_buf(),
            line: Some(e.line),
            msg: e.msg,
        })?;
        Ok(Config {
            path: path.to_path_buf(),
            doc,
        })
    }

    /// A key of `[profile NAME]`.
    pub fn profile_value(&self, profile: &str, key: &str) -> Option<&str> {
        let section = self.doc.profile(profile)?;
        self.doc.get(section, key)
    }

    /// Start URLs used by legacy-style profiles (`sso_start_url` in the profile),
    /// so a login can also write the token file those profiles are read with.
    pub fn legacy_start_urls(&self) -> Vec<String> {
        let mut urls: Vec<String> = self
            .doc
            .profile_names()
            .iter()
            .filter(|p| self.profile_value(p, "sso_session").is_none())
            .filter_map(|p| self.profile_value(p, "sso_start_url").map(str::to_string))
            .collect();
        urls.sort();
        urls.dedup();
        urls
    }
}

/// The lines that begin and end the block `generate --write` manages for
/// the session `name` in a config file.
pub fn block_markers(name: &str) -> (String, String) {
    (
        format!("# BEGIN sso-config {name}"),
        format!("# END sso-config {name}"),
    )
}

/// Holds the lock for a read → merge → write of the user's file at `path`
/// (the config or credentials file, or a symlink to it), so that concurrent
/// writers take turns and none loses another's change. Refuses a path that
/// is not a regular file before anything reads it (a FIFO would block).
pub fn lock_for_edit(paths: &Paths, path: &Path) -> Result<Option<fsutil::FileLock>> {
    let canonical = fsutil::canonical_target(path)?;
    fsutil::lock(&paths.file_lock(&canonical))
}

/// Read → change → write of a user's file (the config, the credentials
/// file), the one way: under the file's lock (see [`lock_for_edit`]) the file
/// is read afresh, `change` returns its new text (and anything else), and
/// that text, when it differs, replaces the file atomically, through
/// symlinks, with the file's own mode (`PRIVATE_FILE` for a new one) unless
/// `mode` says otherwise.
pub fn edit<T>(
    paths: &Paths,
    path: &Path,
    mode: Option<u32>,
    change: impl FnOnce(&Config) -> Result<(String, T)>,
) -> Result<T> {
    let _lock = lock_for_edit(paths, path)?;
    let current = Config::load(path)?;
    let (text, out) = change(&current)?;
    if text != current.doc.to_text() {
        let mode = mode
            .or_else(|| fsutil::existing_mode(path))
            .unwrap_or(fsutil::PRIVATE_FILE);
        fsutil::atomic_write(path, text.as_bytes(), mode)?;
    }
    Ok(out)
}

/// Writes the credentials into section `name` of the shared credentials file,
/// keeping every other byte; atomic, mode 0600, under the file's lock.
pub fn write_credentials(paths: &Paths, name: &str, c: &Credentials) -> Result<()> {
    let creds_file = paths.credentials.as_path();
    let expiration = c.expiration.map(clock::format);
    let mut entries = vec![
        ("aws_access_key_id", c.access_key_id.as_str()),
        ("aws_secret_access_key", c.secret_access_key.expose()),
    ];
    if let Some(token) = &c.session_token {
        entries.push(("aws_session_token", token.expose()));
    }
    if let Some(t) = &expiration {
        entries.push(("aws_credential_expiration", t.as_str()));
    }
    edit(paths, creds_file, Some(fsutil::PRIVATE_FILE), |file| {
        let mut doc = file.doc.clone();
        doc.set_section(name, &entries)
            .map_err(|e| Error::config_file(creds_file, e))?;
        Ok((doc.to_text(), ()))
    })
}
