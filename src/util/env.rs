/*!
The process environment, read once in `main` and passed down, so no other code
calls `std::env::var` and tests can reason about what a command sees.
*/

use std::collections::HashMap;
use std::path::PathBuf;

/// A snapshot of the environment variables (empty values count as unset).
#[derive(Debug, Clone, Default)]
pub struct Env {
    vars: HashMap<String, String>,
}

impl Env {
    /// Snapshots the current process environment.
    pub fn from_process() -> Env {
        Env::from_pairs(
            std::env::vars_os()
                .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?))),
        )
    }

    /// Builds an environment from pairs (tests, and `from_process`).
    pub fn from_pairs(pairs: impl IntoIterator<Item = (String, String)>) -> Env {
        Env {
            vars: pairs.into_iter().filter(|(_, v)| !v.is_empty()).collect(),
        }
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

    /// The home directory.
    pub fn home(&self) -> PathBuf {
        self.get("HOME").map(PathBuf::from).unwrap_or_default()
    }

    /// Expands a leading `~` and `$VAR` / `${VAR}` in a configured path, as botocore
    /// does for `AWS_CONFIG_FILE`.
    pub fn expand_path(&self, raw: &str) -> PathBuf {
        let mut out = String::new();
        let rest = if let Some(r) = raw.strip_prefix('~') {
            out.push_str(&self.home().to_string_lossy());
            r
        } else {
            raw
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
    fn empty_values_are_unset_and_flags_parse() {
        let e = Env::of(&[("A", ""), ("B", "TRUE"), ("C", "1"), ("D", "no")]);
        assert_eq!(e.get("A"), None);
        assert!(e.flag("B") && e.flag("C") && !e.flag("D") && !e.flag("A"));
    }
}
