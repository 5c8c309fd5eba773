/*!
File-system helpers: the one atomic-write helper (through symlinks to the
user's real file, refusing FIFOs, devices and directories, its temporary files
locked and a killed run's removed by the next write), private directories,
reads that treat "missing" as a value, and cross-process advisory locks.

Every `std::fs` call of the crate goes through here so each error names the
action and the path.
*/

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::os::fd::AsFd;
use std::os::unix::fs::{DirBuilderExt, FileTypeExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use crate::error::{Error, Result};
use crate::util::{log, rand};

/// Mode of every cache file we create.
pub const PRIVATE_FILE: u32 = 0o600;

/// Creates `dir` and its missing parents with mode 0700 (existing ones keep their mode).
pub fn create_private_dir(dir: &Path) -> Result<()> {
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|e| Error::io("create directory", dir, e))
}

/// Reads a file as UTF-8; `Ok(None)` when it does not exist.
pub fn read_optional(path: &Path) -> Result<Option<String>> {
    match fs::read_to_string(path) {
        Ok(text) => Ok(Some(text)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::io("read", path, e)),
    }
}

/// Reads a file's bytes; `Ok(None)` when it does not exist.
pub fn read_optional_bytes(path: &Path) -> Result<Option<Vec<u8>>> {
    match fs::read(path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::io("read", path, e)),
    }
}

/// The mode of an existing file, so a rewrite can keep it.
pub fn existing_mode(path: &Path) -> Option<u32> {
    fs::metadata(path)
        .ok()
        .map(|m| m.permissions().mode() & 0o7777)
}

/// Replaces `path` with `bytes` atomically: a temporary file in the same directory
/// (so `rename` never crosses a mount), written, synced, then renamed over the
/// target. A crash leaves either the old or the new file, never a truncated one.
///
/// `path` may be a symlink (a dotfile kept in a repository): the end of its
/// chain of links is what gets replaced, from a temporary file in *that* file's
/// folder, and the links stay. Anything but a regular file there (a FIFO, a
/// device, a socket, a directory) is refused and nothing is replaced. The
/// parent directory is created with mode 0700 when missing (not for a link's
/// target: see [`write_target`]).
///
/// Temporary files are named `.NAME.sso-config-tmp.PID.RANDOM` and locked by
/// their writer; those of a run that was killed are removed by the next write
/// to the same folder (see [`remove_stale_temps`]).
pub fn atomic_write(path: &Path, bytes: &[u8], mode: u32) -> Result<()> {
    let target = write_target(path)?;
    let dir = parent_dir(&target);
    create_private_dir(&dir)?;
    remove_stale_temps(&dir);
    let (tmp, file) = new_temp(&dir, &target, mode)?;
    let written = fill(&file, &tmp, bytes, mode)
        .and_then(|()| fs::rename(&tmp, &target).map_err(|e| Error::io("replace", &target, e)));
    if written.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    // The temporary file's lock is held until here, past the rename.
    drop(file);
    written
}

/// How many symlinks a chain may have, as Linux's `MAXSYMLINKS`.
const MAX_LINKS: usize = 40;

/// The file a write to `path` lands on: the end of its chain of symlinks
/// (relative links resolved against the folder of the link). Refuses anything
/// that is not a regular file, naming what it is.
///
/// A dangling link is written through, creating its target as the shell's `>`
/// would; but only in a folder that exists: a link into an unmounted disk or a
/// moved repository is an error, not a new folder tree.
pub fn write_target(path: &Path) -> Result<PathBuf> {
    let mut current = path.to_path_buf();
    for _ in 0..=MAX_LINKS {
        let meta = match fs::symlink_metadata(&current) {
            Ok(m) => m,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                if current != path && !parent_dir(&current).is_dir() {
                    return Err(refused(
                        path,
                        &current,
                        "a symlink whose target's folder does not exist",
                    ));
                }
                return Ok(current);
            }
            Err(e) => return Err(Error::io("inspect", &current, e)),
        };
        let kind = meta.file_type();
        if kind.is_file() {
            return Ok(current);
        }
        if !kind.is_symlink() {
            let what = if kind.is_dir() {
                "a directory"
            } else if kind.is_fifo() {
                "a FIFO"
            } else if kind.is_socket() {
                "a socket"
            } else if kind.is_block_device() || kind.is_char_device() {
                "a device"
            } else {
                "not a regular file"
            };
            return Err(refused(path, &current, what));
        }
        let link = fs::read_link(&current).map_err(|e| Error::io("read link", &current, e))?;
        current = if link.is_absolute() {
            link
        } else {
            parent_dir(&current).join(link)
        };
    }
    Err(refused(path, &current, "a chain of too many symlinks"))
}

/// The one line for a write we will not make.
fn refused(path: &Path, target: &Path, what: &str) -> Error {
    let msg = if target == path {
        format!("it is {what}, not a regular file; nothing was written")
    } else {
        format!(
            "it leads to {}, which is {what}, not a regular file; nothing was written",
            target.display()
        )
    };
    Error::io("write", path, io::Error::other(msg))
}

/// The canonical path of the file a write to `path` lands on (see
/// [`write_target`]), so two spellings of one file (a symlink, `..`, a
/// relative path) name it the same way. For a file not yet created, its
/// folder is canonicalised, or the path made absolute when that is missing too.
pub fn canonical_target(path: &Path) -> Result<PathBuf> {
    let target = write_target(path)?;
    if let Ok(c) = fs::canonicalize(&target) {
        return Ok(c);
    }
    if let (Ok(dir), Some(name)) = (fs::canonicalize(parent_dir(&target)), target.file_name()) {
        return Ok(dir.join(name));
    }
    std::path::absolute(&target).map_err(|e| Error::io("resolve", &target, e))
}

/// The folder of `path` (`.` for a bare file name).
fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// What marks our temporary files: `.NAME` + this + `PID.RANDOM`.
const TEMP_MARK: &str = ".sso-config-tmp.";

/// How many times a temporary file is created afresh when a concurrent
/// cleaner removed it before its writer could lock it.
const TEMP_ATTEMPTS: usize = 5;

/// Creates, locks and returns a new temporary file for `target` in `dir`.
///
/// The lock is what tells a live writer's file from a dead one's (see
/// [`remove_stale_temps`]). Between creating the file and locking it, a
/// cleaner may have taken the lock, seen the file as stale and removed it;
/// so once locked, the name must still be ours, else we start again.
fn new_temp(dir: &Path, target: &Path, mode: u32) -> Result<(PathBuf, File)> {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut last = None;
    for _ in 0..TEMP_ATTEMPTS {
        let tmp = dir.join(format!(
            ".{name}{TEMP_MARK}{}.{}",
            std::process::id(),
            rand::hex(6)
        ));
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(mode)
            .open(&tmp)
            .map_err(|e| Error::io("create", &tmp, e))?;
        match file.lock() {
            Ok(()) => {}
            // No lock support: stale files are then told by age alone.
            Err(e) if e.kind() == io::ErrorKind::Unsupported => return Ok((tmp, file)),
            Err(e) => {
                let _ = fs::remove_file(&tmp);
                return Err(Error::io("lock", &tmp, e));
            }
        }
        if same_file(&file, &tmp) {
            return Ok((tmp, file));
        }
        last = Some(tmp);
    }
    let tmp = last.unwrap_or_else(|| dir.to_path_buf());
    Err(Error::io(
        "create",
        &tmp,
        io::Error::other("temporary files keep disappearing"),
    ))
}

/// True when `path` still names the file open as `file`.
fn same_file(file: &File, path: &Path) -> bool {
    match (file.metadata(), fs::symlink_metadata(path)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

/// Writes `bytes` into the new temporary file with `mode`, synced.
fn fill(mut file: &File, tmp: &Path, bytes: &[u8], mode: u32) -> Result<()> {
    // The umask may have narrowed the mode given to open(); a rewrite keeps the
    // user's mode exactly.
    file.set_permissions(fs::Permissions::from_mode(mode))
        .map_err(|e| Error::io("set permissions of", tmp, e))?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(|e| Error::io("write", tmp, e))
}

/// Age after which a temporary file is stale on a file system without locks.
const STALE_AGE: Duration = Duration::from_secs(10 * 60);

/// Removes the temporary files in `dir` that no live writer holds: a writer
/// locks its temporary file from creation to rename, and the OS drops that
/// lock when the process dies, so a file we can lock belongs to a killed run.
/// This needs no process ids (which are reused, and differ between
/// containers sharing a folder) and no clock. Where locks are not supported,
/// files older than [`STALE_AGE`] count as stale. Best effort: a file that
/// cannot be inspected or removed is left alone.
pub fn remove_stale_temps(dir: &Path) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if !name.starts_with('.') || !name.contains(TEMP_MARK) {
            continue;
        }
        let path = entry.path();
        // Only regular files: opening a FIFO would block.
        if !fs::symlink_metadata(&path).is_ok_and(|m| m.is_file()) {
            continue;
        }
        let Ok(file) = File::open(&path) else {
            continue;
        };
        let stale = match file.try_lock() {
            Ok(()) => same_file(&file, &path),
            Err(fs::TryLockError::Error(e)) if e.kind() == io::ErrorKind::Unsupported => file
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.elapsed().ok())
                .is_some_and(|age| age > STALE_AGE),
            Err(_) => false,
        };
        if stale && fs::remove_file(&path).is_ok() {
            log::debug(format_args!(
                "removed {}, left by a run that was killed",
                path.display()
            ));
        }
    }
}

/// True when standard output is the file at `path` (the same device and
/// inode, following symlinks) and that file is empty: the shell has truncated
/// it for `> path` before this process started. An append (`>> path`) to a
/// file with content does not count, nor a pipe or a terminal.
pub fn stdout_is_emptied(path: &Path) -> bool {
    let Ok(fd) = io::stdout().as_fd().try_clone_to_owned() else {
        return false;
    };
    let (Ok(out), Ok(file)) = (File::from(fd).metadata(), fs::metadata(path)) else {
        return false;
    };
    out.is_file() && out.dev() == file.dev() && out.ino() == file.ino() && out.len() == 0
}

/// When `path` was last modified.
pub fn modified(path: &Path) -> Option<SystemTime> {
    fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// Sets the modification time of `path` to now, keeping its content.
pub fn touch(path: &Path) -> Result<()> {
    OpenOptions::new()
        .write(true)
        .open(path)
        .and_then(|f| f.set_modified(SystemTime::now()))
        .map_err(|e| Error::io("touch", path, e))
}

/// Removes a file; `Ok(false)` when it was not there.
pub fn remove_if_exists(path: &Path) -> Result<bool> {
    match fs::remove_file(path) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(Error::io("remove", path, e)),
    }
}

/// The `.json` files of a folder, sorted; none when it does not exist.
pub fn json_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let entries = match fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(Error::io("list", dir, e)),
    };
    let mut files: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    Ok(files)
}

/// An exclusive advisory lock held until dropped. The OS releases it when the
/// process dies, so a lock is never stale.
pub struct FileLock {
    _file: File,
}

/// Takes the exclusive lock on `path` (created 0600 in a 0700 directory),
/// waiting while another process holds it. A file system without lock support
/// means no lock, as cargo does. Waiting is silent: the locks guard one
/// refresh or one fetch, which many `credential_process` callers may wait on
/// at once, and a line from each would litter the consumers' stderr.
pub fn lock(path: &Path) -> Result<Option<FileLock>> {
    if let Some(dir) = path.parent() {
        create_private_dir(dir)?;
    }
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(PRIVATE_FILE)
        .open(path)
        .map_err(|e| Error::io("open lock file", path, e))?;
    match file.try_lock() {
        Ok(()) => return Ok(Some(FileLock { _file: file })),
        Err(fs::TryLockError::WouldBlock) => {}
        Err(fs::TryLockError::Error(e)) if e.kind() == io::ErrorKind::Unsupported => {
            return Ok(None);
        }
        Err(fs::TryLockError::Error(e)) => return Err(Error::io("lock", path, e)),
    }
    file.lock().map_err(|e| Error::io("lock", path, e))?;
    Ok(Some(FileLock { _file: file }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "sso-config-fsutil-{name}-{}-{}",
            std::process::id(),
            rand::hex(4)
        ));
        create_private_dir(&dir).unwrap();
        dir
    }

    #[test]
    fn a_writers_temporary_file_is_stale_only_once_its_lock_is_gone() {
        let dir = scratch("temps");
        let target = dir.join("config");
        let (tmp, file) = new_temp(&dir, &target, PRIVATE_FILE).unwrap();
        let name = tmp.file_name().unwrap().to_string_lossy().into_owned();
        assert!(name.starts_with(".config.sso-config-tmp."), "{name}");
        remove_stale_temps(&dir);
        assert!(tmp.exists(), "removed while its writer holds it");
        drop(file);
        remove_stale_temps(&dir);
        assert!(!tmp.exists(), "left behind after its writer is gone");
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn write_target_follows_chains_and_refuses_what_is_not_a_file() {
        let dir = scratch("target");
        fs::create_dir_all(dir.join("real")).unwrap();
        fs::write(dir.join("real/config"), "x").unwrap();
        symlink("real/config", dir.join("one")).unwrap();
        symlink(dir.join("one"), dir.join("two")).unwrap();
        assert_eq!(
            write_target(&dir.join("two")).unwrap(),
            dir.join("real/config")
        );
        let e = write_target(&dir.join("real")).unwrap_err().to_string();
        assert!(e.contains("is a directory, not a regular file"), "{e}");
        symlink("loop-b", dir.join("loop-a")).unwrap();
        symlink("loop-a", dir.join("loop-b")).unwrap();
        let e = write_target(&dir.join("loop-a")).unwrap_err().to_string();
        assert!(e.contains("too many symlinks"), "{e}");
        // A new file: the path itself, its folder created by the write.
        assert_eq!(
            write_target(&dir.join("new/file")).unwrap(),
            dir.join("new/file")
        );
        atomic_write(&dir.join("two"), b"y", 0o640).unwrap();
        assert_eq!(fs::read_to_string(dir.join("real/config")).unwrap(), "y");
        assert!(fs::symlink_metadata(dir.join("one")).unwrap().is_symlink());
        let _ = fs::remove_dir_all(&dir);
    }
}
