/*!
The private copy of the config file, so that `sso-config > ~/.aws/config`
loses nothing: the shell empties the file before the tool starts, and the
copy is what gets restored.

`login` and `generate` record the config's content whenever they read or
write it (when it is not empty and differs from the copy), in
`~/.aws/sso-config/copies/` (0700), one 0600 JSON file per config path, named
by a hash of the canonical path and holding that path, so a copy is only ever
restored into the file it was taken from. The copy's modification time is
when its content was last seen in the file (a run that finds the same
content touches it), which is what "how old" means to the user: edits made
since then are not in it.
*/

use std::path::Path;
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};

use crate::store::paths::Paths;
use crate::store::{cache, fsutil};
use crate::util::log;

/// What the copy file holds.
#[derive(Serialize, Deserialize)]
struct CopyFile {
    /// The canonical path of the config it was taken from.
    path: String,
    /// The config's content.
    text: String,
}

/// A restored copy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Copy {
    /// The config's content when last seen.
    pub text: String,
    /// When that was.
    pub seen: SystemTime,
}

impl Copy {
    /// How long ago the content was last seen in the file.
    pub fn age(&self) -> Duration {
        self.seen.elapsed().unwrap_or_default()
    }
}

/// Records `text` as the content of the config file `config`; best effort (a
/// copy that cannot be written must not fail the command, it is said in the
/// `--debug` log).
pub fn remember(paths: &Paths, config: &Path, text: &str) {
    if text.is_empty() {
        return;
    }
    let Ok(canonical) = fsutil::canonical_target(config) else {
        return;
    };
    let file = paths.config_copy(&canonical);
    let path = canonical.to_string_lossy().into_owned();
    let saved = cache::load::<CopyFile>(&file);
    let result = match saved {
        Some(c) if c.path == path && c.text == text => fsutil::touch(&file),
        _ => cache::store(
            &file,
            &CopyFile {
                path,
                text: text.to_string(),
            },
        ),
    };
    if let Err(e) = result {
        log::debug(format_args!("could not keep a copy of the config: {e}"));
    }
}

/// Records `text` as written to `file` when `file` is the config file (the
/// same file, however spelled).
pub fn remember_written(paths: &Paths, file: &Path, text: &str) {
    let same = fsutil::canonical_target(file)
        .ok()
        .zip(fsutil::canonical_target(&paths.config).ok())
        .is_some_and(|(a, b)| a == b);
    if same {
        remember(paths, &paths.config, text);
    }
}

/// The copy of the config file `config`, if one was taken from that very path.
pub fn restore(paths: &Paths, config: &Path) -> Option<Copy> {
    let canonical = fsutil::canonical_target(config).ok()?;
    let file = paths.config_copy(&canonical);
    let saved = cache::load::<CopyFile>(&file)?;
    if saved.path != canonical.to_string_lossy() || saved.text.is_empty() {
        return None;
    }
    Some(Copy {
        text: saved.text,
        seen: fsutil::modified(&file)?,
    })
}
