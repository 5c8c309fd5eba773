/*!
The process environment, read once in `main` and passed down, so no other code
calls `std::env::var` and tests can reason about what a command sees.
*/

use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// A snapshot of the environment variables (empty values count as unset).
#[derive(Debug, Clone, Default)]
pub struct Env {
    vars: HashMap<String, String>,
    /// The home directory: `HOME`, else the user's passwd entry.
    home: Option<PathBuf>,
}

impl Env {
    /// Snapshots the current process environment. With `HOME` unset (cron,
    /// systemd units, `env -i`, containers run under an arbitrary uid) the
    /// home directory comes from the passwd entry, as the shell and botocore's
    /// `expanduser` find it; never from the working directory.
    pub fn from_process() -> Env {
        let mut env = Env::from_pairs(
            std::env::vars_os()
                .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?))),
        );
        if env.home.is_none() {
            env.home = passwd_home();
        }
        env
    }

    /// Builds an environment from pairs (tests, and `from_process`).
    pub fn from_pairs(pairs: impl IntoIterator<Item = (String, String)>) -> Env {
        let vars: HashMap<String, String> =
            pairs.into_iter().filter(|(_, v)| !v.is_empty()).collect();
        let home = vars.get("HOME").map(PathBuf::from);
        Env { vars, home }
    }

    /// An environment of string pairs, for unit tests.
    #[cfg(test)]
    pub fn of(pairs: &[(&str, &str)]) -> Env {
        Env::from_pairs(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())))
    }

    /// The value of `name`, if set and not empty.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.vars.get(name).map(String::as_str)
    }

    /// The first of `names` that is set.
    pub fn first(&self, names: &[&str]) -> Option<&str> {
        names.iter().find_map(|n| self.get(n))
    }

    /// True when `name` is `1` or `true` (any case), the AWS tools' convention.
    pub fn flag(&self, name: &str) -> bool {
        self.get(name)
            .is_some_and(|v| v == "1" || v.eq_ignore_ascii_case("true"))
    }

    /// True when `name` is set at all (e.g. `CI`, `SSH_TTY`).
    pub fn is_set(&self, name: &str) -> bool {
        self.vars.contains_key(name)
    }

    /// The home directory, when `HOME` or the passwd entry names one.
    pub fn home(&self) -> Option<&Path> {
        self.home.as_deref()
    }

    /// Expands a leading `~` and `$VAR` / `${VAR}` in a configured path, as botocore
    /// does for `AWS_CONFIG_FILE`.
    pub fn expand_path(&self, raw: &str) -> PathBuf {
        let mut out = String::new();
        let rest = match (raw.strip_prefix('~'), self.home()) {
            (Some(r), Some(home)) => {
                out.push_str(&home.to_string_lossy());
                r
            }
            // No home anywhere: `~` stays literal, as in expanduser.
            _ => raw,
        };
        let mut chars = rest.chars().peekable();
        while let Some(c) = chars.next() {
            if c != '$' {
                out.push(c);
                continue;
            }
            let braced = chars.peek() == Some(&'{');
            if braced {
                chars.next();
            }
            let mut name = String::new();
            while let Some(&n) = chars.peek() {
                if n.is_ascii_alphanumeric() || n == '_' {
                    name.push(n);
                    chars.next();
                } else {
                    break;
                }
            }
            if braced && chars.peek() == Some(&'}') {
                chars.next();
            }
            match self.get(&name) {
                Some(v) if !name.is_empty() => out.push_str(v),
                _ => {
                    out.push('$');
                    out.push_str(&name);
                }
            }
        }
        PathBuf::from(out)
    }
}

/// Where the running binary and the working directory are.
#[derive(Debug, Clone, Default)]
pub struct ProcessLocation {
    /// The file the kernel runs (`std::env::current_exe`), symlinks resolved.
    pub current_exe: Option<PathBuf>,
    /// The working directory.
    pub cwd: Option<PathBuf>,
}

/// Asks the process where it runs from (two system calls; callers ask only
/// when they need it).
pub fn process_location() -> ProcessLocation {
    ProcessLocation {
        current_exe: std::env::current_exe().ok(),
        cwd: std::env::current_dir().ok(),
    }
}

/// The home directory of the effective user's passwd entry.
fn passwd_home() -> Option<PathBuf> {
    use std::ffi::CStr;
    use std::os::unix::ffi::OsStrExt;

    let mut buf = vec![0u8; 4096];
    loop {
        // SAFETY: `pwd` and `buf` outlive the call; getpwuid_r writes only into
        // them and sets `result` to null or to `&pwd`.
        let mut pwd: libc::passwd = unsafe { std::mem::zeroed() };
        let mut result: *mut libc::passwd = std::ptr::null_mut();
        let rc = unsafe {
            libc::getpwuid_r(
                libc::geteuid(),
                &mut pwd,
                buf.as_mut_ptr().cast(),
                buf.len(),
                &mut result,
            )
        };
        if rc == libc::ERANGE && buf.len() < 1 << 20 {
            buf.resize(buf.len() * 2, 0);
            continue;
        }
        if rc != 0 || result.is_null() || pwd.pw_dir.is_null() {
            return None;
        }
        // SAFETY: a successful call points pw_dir at a NUL-terminated string in `buf`.
        let dir = unsafe { CStr::from_ptr(pwd.pw_dir) };
        let path = Path::new(std::ffi::OsStr::from_bytes(dir.to_bytes()));
        return path.is_absolute().then(|| path.to_path_buf());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expands_home_and_variables() {
        let e = Env::of(&[("HOME", "/h"), ("X", "y")]);
        assert_eq!(e.expand_path("~/a/$X/${X}z"), PathBuf::from("/h/a/y/yz"));
        assert_eq!(e.expand_path("/a/$NOPE"), PathBuf::from("/a/$NOPE"));
    }

    #[test]
    fn without_home_the_passwd_entry_names_it() {
        let id = std::process::Command::new("id").arg("-u").output().unwrap();
        let uid = String::from_utf8(id.stdout).unwrap();
        let entry = std::process::Command::new("getent")
            .args(["passwd", uid.trim()])
            .output()
            .unwrap();
        let line = String::from_utf8(entry.stdout).unwrap();
        let dir = line.trim_end().split(':').nth(5).unwrap();
        assert_eq!(passwd_home().unwrap(), PathBuf::from(dir));
        // A snapshot without HOME has no home unless the passwd lookup runs.
        assert_eq!(Env::of(&[]).home(), None);
        assert_eq!(Env::of(&[]).expand_path("~/x"), PathBuf::from("~/x"));
    }

    #[test]
    fn empty_values_are_unset_and_flags_parse() {
        let e = Env::of(&[("A", ""), ("B", "TRUE"), ("C", "1"), ("D", "no")]);
        assert_eq!(e.get("A"), None);
        assert!(e.flag("B") && e.flag("C") && !e.flag("D") && !e.flag("A"));
    }
}
