//! Build facts for `sso-config --version` and the man page: the git commit,
//! the build date and the target triple, passed to the crate as environment
//! variables (`SSO_CONFIG_COMMIT`, `SSO_CONFIG_DATE`, `SSO_CONFIG_TARGET`).
//!
//! Only std: `git` is run when it is there (else the commit is "unknown", as
//! in a source tarball), and `SOURCE_DATE_EPOCH` replaces the clock so that
//! two builds of one commit are byte-identical. The `rerun-if-changed` lines
//! name the files that move when HEAD does (HEAD itself, the branch's ref,
//! packed-refs) and nothing else, so an edit to a source file never reruns
//! this script and incremental builds stay fast.

use std::path::Path;
use std::process::Command;
use std::time::{SystemTime, UNIX_EPOCH};

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=SOURCE_DATE_EPOCH");
    watch_git_head();
    let commit = git(&["rev-parse", "--short", "HEAD"]).unwrap_or_else(|| "unknown".into());
    println!("cargo:rustc-env=SSO_CONFIG_COMMIT={commit}");
    println!("cargo:rustc-env=SSO_CONFIG_DATE={}", build_date());
    let target = std::env::var("TARGET").unwrap_or_else(|_| "unknown".into());
    println!("cargo:rustc-env=SSO_CONFIG_TARGET={target}");
}

/// `git ARGS` in the package directory, its trimmed output when it succeeds.
fn git(args: &[&str]) -> Option<String> {
    let dir = std::env::var_os("CARGO_MANIFEST_DIR")?;
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .output()
        .ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    let text = text.trim();
    (out.status.success() && !text.is_empty()).then(|| text.to_string())
}

/// Reruns this script when HEAD moves: a checkout rewrites HEAD, a commit
/// rewrites the branch's ref file (or packed-refs, after `git pack-refs`).
/// Paths come from git itself, so a worktree (whose `.git` is a file) works.
/// A path that does not exist is left out: cargo would rerun on every build.
fn watch_git_head() {
    let mut paths = vec![git(&["rev-parse", "--git-path", "HEAD"])];
    if let Some(branch) = git(&["symbolic-ref", "-q", "HEAD"]) {
        paths.push(git(&["rev-parse", "--git-path", &branch]));
    }
    paths.push(git(&["rev-parse", "--git-path", "packed-refs"]));
    let dir = std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default();
    for path in paths.into_iter().flatten() {
        let path = Path::new(&dir).join(path);
        if path.exists() {
            println!("cargo:rerun-if-changed={}", path.display());
        }
    }
}

/// `YYYY-MM-DD` (UTC) of `SOURCE_DATE_EPOCH`, else of now.
fn build_date() -> String {
    let secs = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse::<i64>().ok())
        .unwrap_or_else(|| {
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0))
        });
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    format!("{y:04}-{m:02}-{d:02}")
}

/// The proleptic Gregorian date of a day count since 1970-01-01 (Howard
/// Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}
