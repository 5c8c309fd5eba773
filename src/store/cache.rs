/*!
The JSON cache files the AWS CLI and we share: read leniently (a file that is
missing or cannot be parsed is a miss, never an error), written atomically with
mode 0600 in the AWS CLI's own JSON style.
*/

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::store::fsutil;
use crate::util::log;

/// Reads a cache file; missing or unparsable means `None` (said in the `--debug` log).
pub fn load<T: for<'de> Deserialize<'de>>(path: &Path) -> Option<T> {
    let text = match fsutil::read_optional(path) {
        Ok(Some(t)) => t,
        Ok(None) => return None,
        Err(e) => {
            log::debug(format_args!("ignoring unreadable cache: {e}"));
            return None;
        }
    };
    match serde_json::from_str(&text) {
        Ok(v) => Some(v),
        Err(e) => {
            log::debug(format_args!(
                "ignoring corrupt cache {}: {e}",
                path.display()
            ));
            None
        }
    }
}

/// Writes a cache file atomically, 0600, in the AWS CLI's JSON style.
pub fn store<T: Serialize>(path: &Path, value: &T) -> Result<()> {
    fsutil::atomic_write(path, python_json(value).as_bytes(), fsutil::PRIVATE_FILE)
}

/// JSON with Python's default separators (`", "`, `": "`), as the AWS CLI writes
/// its caches, so our files are indistinguishable from its own.
pub fn python_json<T: Serialize>(value: &T) -> String {
    let mut out = Vec::new();
    let mut ser = serde_json::Serializer::with_formatter(&mut out, PythonFormatter);
    // Serializing plain structs of strings into a Vec cannot fail.
    if value.serialize(&mut ser).is_err() {
        return String::new();
    }
    String::from_utf8(out).unwrap_or_default()
}

struct PythonFormatter;

impl serde_json::ser::Formatter for PythonFormatter {
    fn begin_array_value<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        if first { Ok(()) } else { w.write_all(b", ") }
    }
    fn begin_object_key<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        if first { Ok(()) } else { w.write_all(b", ") }
    }
    fn begin_object_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        w.write_all(b": ")
    }
}
