//! `shell-init` and its function `sso-assume`, driven in the real shells: each
//! test starts bash, zsh and fish with the function loaded as the README says
//! (the binary found on PATH in a folder whose name needs quoting), runs
//! `sso-assume` steps, and after each step writes the status and the exported
//! variables (`env -0`) to a file the test reads. A shell that is not
//! installed is skipped with a note (`.ci/run` installs zsh and fish).
//! PowerShell is not installable here: its script and code are checked as text.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use crate::util::*;

const SHELLS: [&str; 3] = ["bash", "zsh", "fish"];

/// A profile name that runs commands in every shell unless quoted:
/// substitutions of bash, zsh and fish, quotes of both kinds, a backslash,
/// a variable, printf and glob characters, comment characters after blanks.
const HOSTILE: &str =
    "it's $(touch pwned1) `touch pwned2` (touch pwned3) \"\\ $HOME %s ;x #y {a,b} * 'end";

const CONFIG: &str = "\
[profile ro]
sso_session = corp
sso_account_id = 111122223333
sso_role_name = Billing
region = eu-west-1

[profile admin]
sso_session = corp
sso_account_id = 111122223333
sso_role_name = AdministratorAccess
region = us-east-2

[profile noregion]
sso_session = corp
sso_account_id = 234567890123
sso_role_name = ReadOnlyAccess

# The HOSTILE name, written as botocore reads a quoted header (shlex).
[profile \"it's $(touch pwned1) `touch pwned2` (touch pwned3) \\\"\\\\ $HOME %s ;x #y {a,b} * 'end\"]
sso_session = corp
sso_account_id = 111122223333
sso_role_name = Billing
region = eu-north-1
";

/// The variables sso-assume may set.
const MANAGED: [&str; 8] = [
    "AWS_PROFILE",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "SSO_CONFIG_PROFILE",
];

/// One step of a test script.
enum Step<'a> {
    /// The function (or any command) with these arguments, quoted for the shell.
    Call(&'a str, &'a [&'a str]),
    /// The user exports a variable by hand.
    Export(&'a str, &'a str),
}

/// The exported variables after a step, and the step's status as `STATUS`.
type Snap = HashMap<String, String>;

/// A logged-in world with the profiles of [`CONFIG`] and the binary on PATH.
struct World {
    t: TestEnv,
    bin_dir: PathBuf,
}

impl World {
    fn new(name: &str) -> World {
        let t = TestEnv::new(name);
        t.write_config(&format!("{}\n{CONFIG}", t.session_config("corp")));
        t.write_cli_token("corp", "2099-01-01T00:00:00Z");
        // The function names the binary by this path: it must be quoted.
        let bin_dir = t.root.join("bin it's $(touch pwned0) {x}");
        copy_binary(&bin_dir);
        World { t, bin_dir }
    }

    /// `shell -c SCRIPT` in a clean environment: the private HOME, the fake,
    /// the binary on PATH, the user's own `env`, stdin not a terminal.
    fn shell(&self, shell: &str, script: &str, env: &[(&str, &str)]) -> Command {
        let mut c = Command::new("timeout");
        c.arg("60").arg(shell);
        match shell {
            "bash" => c.args(["--norc", "--noprofile"]),
            "zsh" => c.arg("-f"),
            _ => c.arg("--no-config"),
        };
        c.arg("-c")
            .arg(script)
            .current_dir(&self.t.root)
            .env_clear()
            .env("HOME", &self.t.home)
            .env("TERM", "dumb")
            .env("PATH", format!("{}:/usr/bin:/bin", self.bin_dir.display()))
            .env("AWS_ENDPOINT_URL_SSO_OIDC", self.t.fake.url())
            .env("AWS_ENDPOINT_URL_SSO", self.t.fake.url())
            .stdin(Stdio::null());
        for (k, v) in env {
            c.env(k, v);
        }
        c
    }

    /// Runs `steps` in `shell` after `prelude` and the README's line (with
    /// `init` added to `shell-init`); the run and a snapshot after each step.
    fn steps(
        &self,
        shell: &str,
        prelude: &str,
        init: &str,
        steps: &[Step],
        env: &[(&str, &str)],
    ) -> (Run, Vec<Snap>) {
        let (c, snaps) = self.steps_command(shell, prelude, init, steps, env, |c| c);
        let mut c = c;
        let run = Run::new(format!("{shell}: {c:?}"), c.output().unwrap());
        let snaps = read_snaps(&snaps, steps.len());
        (run, snaps)
    }

    /// The command that runs the steps (wrapped by `wrap`), and the folder of
    /// its snapshots.
    fn steps_command(
        &self,
        shell: &str,
        prelude: &str,
        init: &str,
        steps: &[Step],
        env: &[(&str, &str)],
        wrap: impl FnOnce(Command) -> Command,
    ) -> (Command, PathBuf) {
        let snaps = self.t.root.join(format!("snaps-{shell}-{}", unique()));
        std::fs::create_dir_all(&snaps).unwrap();
        let mut script = format!("{prelude}\n");
        if shell == "fish" {
            script += &format!("sso-config shell-init fish{init} | source\n");
            script += "function snap\n    begin; printf 'STATUS=%s\\0' $argv[2]; env -0; end > $SNAPDIR/$argv[1]\nend\n";
        } else {
            script += &format!("eval \"$(sso-config shell-init {shell}{init})\"\n");
            script += "snap() { { printf 'STATUS=%s\\0' \"$2\"; env -0; } > \"$SNAPDIR/$1\"; }\n";
        }
        let status = if shell == "fish" { "$status" } else { "$?" };
        for (i, step) in steps.iter().enumerate() {
            let line = match step {
                Step::Call(name, args) => std::iter::once(name.to_string())
                    .chain(args.iter().map(|a| quote(shell, a)))
                    .collect::<Vec<_>>()
                    .join(" "),
                Step::Export(k, v) if shell == "fish" => format!("set -gx {k} {}", quote(shell, v)),
                Step::Export(k, v) => format!("export {k}={}", quote(shell, v)),
            };
            script += &format!("{line}\nsnap {i} {status}\n");
        }
        let mut c = wrap(self.shell(shell, &script, env));
        c.env("SNAPDIR", &snaps);
        (c, snaps)
    }

    /// No file a hostile name could have created exists.
    #[track_caller]
    fn nothing_ran(&self) {
        for n in 0..6 {
            let f = self.t.root.join(format!("pwned{n}"));
            assert!(!f.exists(), "{} was created", f.display());
        }
    }
}

fn unique() -> usize {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    N.fetch_add(1, Ordering::Relaxed)
}

/// `v` as one word of `shell`.
fn quote(shell: &str, v: &str) -> String {
    match shell {
        "fish" => format!("'{}'", v.replace('\\', "\\\\").replace('\'', "\\'")),
        _ => sh_quote(v),
    }
}

fn read_snaps(dir: &std::path::Path, n: usize) -> Vec<Snap> {
    (0..n)
        .map(|i| {
            let bytes = std::fs::read(dir.join(i.to_string()))
                .unwrap_or_else(|e| panic!("no snapshot {i}: {e}"));
            String::from_utf8(bytes)
                .unwrap()
                .split('\0')
                .filter_map(|kv| kv.split_once('='))
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

/// Whether `program` runs; prints why a test is skipped when not.
fn have(program: &str, args: &[&str]) -> bool {
    let found = Command::new(program)
        .args(args)
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        eprintln!("note: {program} cannot run here; skipping its part of the test");
    }
    found
}

fn shells() -> impl Iterator<Item = &'static str> {
    SHELLS.into_iter().filter(|s| have(s, &["-c", "true"]))
}

/// The value of `name` in `snap`.
fn var<'a>(snap: &'a Snap, name: &str) -> Option<&'a str> {
    snap.get(name).map(String::as_str)
}

/// The managed variables of a snapshot.
fn managed(snap: &Snap) -> Vec<(&'static str, Option<&str>)> {
    MANAGED.iter().map(|n| (*n, var(snap, n))).collect()
}

#[track_caller]
fn status(snap: &Snap, want: &str, what: &str) {
    assert_eq!(var(snap, "STATUS"), Some(want), "{what}: {snap:?}");
}

/// `AWS_CREDENTIAL_EXPIRATION` for the fake's expiry: RFC 3339, UTC.
fn rfc3339(ms: u64) -> String {
    utc_stamp((ms / 1000) as i64)
}

/// The credentials of `snap` are exactly what the fake handed out.
#[track_caller]
fn fakes_credentials(w: &World, snap: &Snap, role: &str) {
    let key = var(snap, "AWS_ACCESS_KEY_ID").unwrap_or_else(|| panic!("no key: {snap:?}"));
    let issued =
        w.t.fake
            .issued_credentials(key)
            .unwrap_or_else(|| panic!("{key}: not the fake's"));
    assert_eq!(issued.role_name, role);
    assert_eq!(
        var(snap, "AWS_SECRET_ACCESS_KEY"),
        Some(issued.secret_access_key.as_str())
    );
    assert_eq!(
        var(snap, "AWS_SESSION_TOKEN"),
        Some(issued.session_token.as_str())
    );
    assert_eq!(
        var(snap, "AWS_CREDENTIAL_EXPIRATION"),
        Some(rfc3339(issued.expires_at_ms).as_str())
    );
}

#[test]
fn a_profile_sets_its_name_and_region() {
    let w = World::new("assume_profile");
    let user = [("AWS_REGION", "us-west-2"), ("AWS_DEFAULT_OUTPUT", "json")];
    for shell in shells() {
        let steps = [
            Step::Call("sso-assume", &["ro"]),
            Step::Call("sso-assume", &["noregion"]),
            Step::Call("sso-assume", &["--help"]),
        ];
        let (run, snaps) = w.steps(shell, "", "", &steps, &user);
        status(&snaps[0], "0", shell);
        assert_eq!(
            managed(&snaps[0]),
            [
                ("AWS_PROFILE", Some("ro")),
                ("AWS_ACCESS_KEY_ID", None),
                ("AWS_SECRET_ACCESS_KEY", None),
                ("AWS_SESSION_TOKEN", None),
                ("AWS_CREDENTIAL_EXPIRATION", None),
                ("AWS_REGION", Some("eu-west-1")),
                ("AWS_DEFAULT_REGION", Some("eu-west-1")),
                ("SSO_CONFIG_PROFILE", Some("ro")),
            ],
            "{shell}"
        );
        // The record is a shell variable: no program sees it.
        assert!(!snaps[0].contains_key("_SSO_CONFIG_ASSUMED"), "{shell}");
        // A profile without a region: the user's own region again.
        status(&snaps[1], "0", shell);
        assert_eq!(var(&snaps[1], "AWS_PROFILE"), Some("noregion"));
        assert_eq!(var(&snaps[1], "AWS_REGION"), Some("us-west-2"), "{shell}");
        assert_eq!(var(&snaps[1], "AWS_DEFAULT_REGION"), None, "{shell}");
        assert_eq!(var(&snaps[1], "AWS_DEFAULT_OUTPUT"), Some("json"));
        // --help prints the help and changes nothing.
        status(&snaps[2], "0", shell);
        assert!(
            run.stdout.contains("Usage: sso-config shell-init"),
            "{}",
            run.stdout
        );
        assert_eq!(managed(&snaps[2]), managed(&snaps[1]), "{shell}");
        assert_eq!(run.stderr, "", "{shell}");
    }
    assert_eq!(w.t.fake.requests().len(), 0, "a profile needs no request");
}

#[test]
fn export_sets_the_fakes_credentials() {
    let w = World::new("assume_export");
    w.t.fake.set_hostile_secrets(true);
    let user = [("AWS_PROFILE", "mine")];
    for shell in shells() {
        let steps = [Step::Call("sso-assume", &["--export", "ro"])];
        let (run, snaps) = w.steps(shell, "", "", &steps, &user);
        status(&snaps[0], "0", &format!("{shell}: {}", run.stderr));
        let secret = var(&snaps[0], "AWS_SECRET_ACCESS_KEY").unwrap();
        assert!(secret.contains("'$HOME \"%s`"), "hostile: {secret}");
        fakes_credentials(&w, &snaps[0], "Billing");
        assert_eq!(var(&snaps[0], "AWS_PROFILE"), None, "{shell}");
        assert_eq!(var(&snaps[0], "AWS_REGION"), Some("eu-west-1"));
        assert_eq!(var(&snaps[0], "AWS_DEFAULT_REGION"), Some("eu-west-1"));
        assert_eq!(var(&snaps[0], "SSO_CONFIG_PROFILE"), Some("ro"));
    }
    // The role cache of credential-process: one fetch for all the shells.
    assert_eq!(w.t.fake.hits("GetRoleCredentials"), 1);
}

#[test]
fn unset_puts_back_what_the_user_had() {
    let w = World::new("assume_unset");
    let user = [
        ("AWS_REGION", "us-west-2"),
        ("AWS_PROFILE", "mine"),
        ("AWS_ACCESS_KEY_ID", "AKIAUSEROWNKEY"),
        ("AWS_SECRET_ACCESS_KEY", "user's own secret"),
        ("AWS_DEFAULT_OUTPUT", "json"),
    ];
    for shell in shells() {
        let steps = [
            Step::Call("sso-assume", &["ro"]),
            Step::Call("sso-assume", &["--export", "admin"]),
            Step::Call("sso-assume", &["--unset"]),
            Step::Call("sso-assume", &["--unset"]),
            // A variable the user changes after sso-assume is theirs.
            Step::Call("sso-assume", &["admin"]),
            Step::Export("AWS_REGION", "ap-south-1"),
            Step::Call("sso-assume", &["--unset"]),
        ];
        let (run, snaps) = w.steps(shell, "", "", &steps, &user);
        assert_eq!(run.stderr, "", "{shell}");
        let before: Snap = user
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        assert_eq!(var(&snaps[0], "AWS_ACCESS_KEY_ID"), None, "{shell}");
        fakes_credentials(&w, &snaps[1], "AdministratorAccess");
        for i in [2, 3] {
            status(&snaps[i], "0", shell);
            assert_eq!(managed(&snaps[i]), managed(&before), "{shell}: step {i}");
            assert_eq!(var(&snaps[i], "AWS_DEFAULT_OUTPUT"), Some("json"));
        }
        status(&snaps[6], "0", shell);
        assert_eq!(var(&snaps[6], "AWS_REGION"), Some("ap-south-1"), "{shell}");
        assert_eq!(var(&snaps[6], "AWS_PROFILE"), Some("mine"), "{shell}");
        assert_eq!(var(&snaps[6], "AWS_DEFAULT_REGION"), None, "{shell}");
        assert_eq!(var(&snaps[6], "SSO_CONFIG_PROFILE"), None, "{shell}");
        assert_eq!(
            var(&snaps[6], "AWS_SECRET_ACCESS_KEY"),
            Some("user's own secret")
        );
    }
}

#[test]
fn switching_from_export_to_a_profile_clears_the_keys() {
    let w = World::new("assume_switch");
    for shell in shells() {
        let steps = [
            Step::Call("sso-assume", &["--export", "ro"]),
            Step::Call("sso-assume", &["admin"]),
        ];
        let (_, snaps) = w.steps(shell, "", "", &steps, &[]);
        fakes_credentials(&w, &snaps[0], "Billing");
        status(&snaps[1], "0", shell);
        assert_eq!(
            managed(&snaps[1]),
            [
                ("AWS_PROFILE", Some("admin")),
                ("AWS_ACCESS_KEY_ID", None),
                ("AWS_SECRET_ACCESS_KEY", None),
                ("AWS_SESSION_TOKEN", None),
                ("AWS_CREDENTIAL_EXPIRATION", None),
                ("AWS_REGION", Some("us-east-2")),
                ("AWS_DEFAULT_REGION", Some("us-east-2")),
                ("SSO_CONFIG_PROFILE", Some("admin")),
            ],
            "{shell}"
        );
    }
}

#[test]
fn a_hostile_profile_name_runs_nothing() {
    let w = World::new("assume_hostile");
    let typed = "nope\n$(touch pwned4)`touch pwned5`";
    let mut runs: Vec<(&str, &str)> = shells().map(|s| (s, "")).collect();
    // zsh reads '' inside single quotes as a quote with RC_QUOTES.
    if runs.iter().any(|(s, _)| *s == "zsh") {
        runs.push(("zsh", "setopt rc_quotes"));
    }
    for (shell, prelude) in runs {
        let steps = [
            Step::Call("sso-assume", &[HOSTILE]),
            Step::Call("sso-assume", &["--export", HOSTILE]),
            Step::Call("sso-assume", &[typed]),
        ];
        let (run, snaps) = w.steps(shell, prelude, "", &steps, &[]);
        status(&snaps[0], "0", &format!("{shell}: {}", run.stderr));
        assert_eq!(var(&snaps[0], "AWS_PROFILE"), Some(HOSTILE), "{shell}");
        assert_eq!(var(&snaps[0], "SSO_CONFIG_PROFILE"), Some(HOSTILE));
        assert_eq!(var(&snaps[0], "AWS_REGION"), Some("eu-north-1"));
        status(&snaps[1], "0", shell);
        assert_eq!(var(&snaps[1], "SSO_CONFIG_PROFILE"), Some(HOSTILE));
        fakes_credentials(&w, &snaps[1], "Billing");
        status(&snaps[2], "2", shell);
        assert_eq!(managed(&snaps[2]), managed(&snaps[1]), "{shell}");
        // Only the typed name's error: the record (which holds the hostile
        // name) was read back without a warning.
        let lines: Vec<&str> = run.stderr.lines().collect();
        assert_eq!(lines.len(), 1, "{shell}: {}", run.stderr);
        assert!(
            lines[0].starts_with("sso-config: profile 'nope\\n$(touch pwned4)"),
            "{}",
            lines[0]
        );
        w.nothing_ran();
    }
}

#[test]
fn an_unknown_profile_is_one_error_line_and_changes_nothing() {
    let w = World::new("assume_unknown");
    let user = [("AWS_REGION", "us-west-2")];
    for shell in shells() {
        let steps = [
            Step::Call("sso-assume", &["--export", "ro"]),
            Step::Call("sso-assume", &["rox"]),
            Step::Call("sso-assume", &["--export", "rox"]),
            Step::Call("sso-assume", &["--frobnicate"]),
        ];
        let (run, snaps) = w.steps(shell, "", "", &steps, &user);
        status(&snaps[0], "0", shell);
        for i in 1..=3 {
            status(&snaps[i], "2", shell);
            assert_eq!(managed(&snaps[i]), managed(&snaps[0]), "{shell}: {i}");
        }
        let lines: Vec<&str> = run.stderr.lines().collect();
        assert_eq!(
            lines.len(),
            3,
            "{shell}: one line per error: {}",
            run.stderr
        );
        for line in &lines[..2] {
            assert!(
                line.starts_with("sso-config: profile 'rox' not found")
                    && line.contains("did you mean 'ro'?"),
                "{shell}: {line}"
            );
        }
        assert!(
            lines[2].contains("unknown flag --frobnicate"),
            "{}",
            lines[2]
        );
        assert_eq!(run.stdout, "", "{shell}");
    }
}

#[test]
fn without_a_profile_off_a_terminal_it_is_the_usage_error() {
    let w = World::new("assume_no_profile");
    // An AWS_PROFILE in the shell is not an answer: the function always asks.
    let user = [("AWS_PROFILE", "ro"), ("AWS_REGION", "us-west-2")];
    for shell in shells() {
        let steps = [
            Step::Call("sso-assume", &[]),
            Step::Call("sso-assume", &["--export"]),
        ];
        let (run, snaps) = w.steps(shell, "", "", &steps, &user);
        for snap in &snaps {
            status(snap, "2", shell);
            assert_eq!(var(snap, "AWS_PROFILE"), Some("ro"));
            assert_eq!(var(snap, "AWS_REGION"), Some("us-west-2"));
            assert_eq!(var(snap, "AWS_ACCESS_KEY_ID"), None);
            assert_eq!(var(snap, "SSO_CONFIG_PROFILE"), None);
        }
        let lines: Vec<&str> = run.stderr.lines().collect();
        assert_eq!(lines.len(), 2, "{shell}: {}", run.stderr);
        for line in lines {
            assert!(line.starts_with("sso-config: which role?"), "{line}");
        }
    }
    assert_eq!(w.t.fake.requests().len(), 0);
}

#[test]
fn name_chooses_the_functions_name() {
    let w = World::new("assume_name");
    for shell in shells() {
        let steps = [
            Step::Call("myassume", &["ro"]),
            Step::Call("sso-assume", &["admin"]),
        ];
        let (_, snaps) = w.steps(shell, "", " --name myassume", &steps, &[]);
        status(&snaps[0], "0", shell);
        assert_eq!(var(&snaps[0], "AWS_PROFILE"), Some("ro"));
        assert_ne!(
            var(&snaps[1], "STATUS"),
            Some("0"),
            "{shell}: no sso-assume"
        );
        assert_eq!(var(&snaps[1], "AWS_PROFILE"), Some("ro"));
    }
    for bad in ["my;assume", "$(touch pwned0)", "eval", ""] {
        let r = w.t.run(["shell-init", "bash", "--name", bad]);
        r.code(2).one_error_line("--name");
        assert_eq!(r.stdout, "");
    }
    w.nothing_ran();
}

/// The hex form `strace -xx` prints strings in.
fn strace_hex(s: &str) -> String {
    s.bytes().map(|b| format!("\\x{b:02x}")).collect()
}

/// Every program the shells run, traced with `strace -f`: no secret (the
/// fake's, or the user's own keys that sso-assume saves and puts back) is
/// ever an argument of one.
#[test]
fn no_secret_reaches_any_command_line() {
    if !have("strace", &["-f", "-o", "/dev/null", "true"]) {
        return;
    }
    let w = World::new("assume_strace");
    w.t.fake.set_hostile_secrets(true);
    let user = [
        ("AWS_ACCESS_KEY_ID", "AKIAUSEROWNKEY"),
        ("AWS_SECRET_ACCESS_KEY", "UserOwnSecretKeyValue"),
    ];
    for shell in shells() {
        let log = w.t.root.join(format!("strace-{shell}-{}", unique()));
        let steps = [
            Step::Call("sso-assume", &["--export", "ro"]),
            Step::Call("sso-assume", &["admin"]),
            Step::Call("sso-assume", &["--export", "admin"]),
            Step::Call("sso-assume", &["--unset"]),
        ];
        let wrap = |c: Command| {
            let mut s = Command::new("strace");
            s.args([
                "-f",
                "-qq",
                "-e",
                "trace=execve",
                "-s",
                "1000000",
                "-xx",
                "-o",
            ])
            .arg(&log)
            .arg(c.get_program())
            .args(c.get_args())
            .env_clear()
            .envs(c.get_envs().filter_map(|(k, v)| Some((k, v?))))
            .current_dir(&w.t.root)
            .stdin(Stdio::null());
            s
        };
        let (mut c, dir) = w.steps_command(shell, "", "", &steps, &user, wrap);
        let run = Run::new(format!("{c:?}"), c.output().unwrap());
        run.code(0);
        let snaps = read_snaps(&dir, steps.len());
        let mut secrets = vec!["UserOwnSecretKeyValue".to_string()];
        for i in [0, 2] {
            status(&snaps[i], "0", shell);
            secrets.push(var(&snaps[i], "AWS_SECRET_ACCESS_KEY").unwrap().into());
            secrets.push(var(&snaps[i], "AWS_SESSION_TOKEN").unwrap().into());
        }
        assert_eq!(
            var(&snaps[3], "AWS_SECRET_ACCESS_KEY"),
            Some("UserOwnSecretKeyValue")
        );
        let trace = std::fs::read_to_string(&log).unwrap();
        // The trace saw the function run sso-config, once a step.
        let runs = trace.matches(&strace_hex("__assume")).count();
        assert_eq!(runs, steps.len(), "{shell}: {trace}");
        for s in &secrets {
            assert!(
                !trace.contains(&strace_hex(s)),
                "{shell}: a secret is in an argument list:\n{trace}"
            );
        }
    }
}

/// pwsh cannot be installed here, so the PowerShell function and code are
/// checked as text: the binary by its quoted path, the status checked
/// before anything is evaluated, and every line of the code one assignment
/// of a single-quoted value that reads back as the fake's credentials.
#[test]
fn powershell_script_and_code_are_well_formed() {
    let w = World::new("assume_powershell");
    w.t.fake.set_hostile_secrets(true);
    let bin = w.bin_dir.join("sso-config");
    let mut c = w.shell("bash", "sso-config shell-init powershell", &[]);
    let r = Run::new(format!("{c:?}"), c.output().unwrap());
    r.code(0);
    let script = r.stdout;
    let path = format!("'{}'", bin.display().to_string().replace('\'', "''"));
    let call = format!("        $code = & {path} __assume powershell @args\n");
    assert!(script.contains(&call), "{script}");
    assert!(script.starts_with("# sso-config shell integration for powershell"));
    let check = script.find("$ok = $LASTEXITCODE -eq 0").unwrap();
    let eval = script.find("Invoke-Expression").unwrap();
    assert!(check < eval, "{script}");
    assert!(script.contains("if ($ok -and $code) { Invoke-Expression ($code -join \"`n\") }"));
    assert!(script.contains("function global:sso-assume {"));

    let r = w.t.run(["__assume", "powershell", "--export", HOSTILE]);
    r.code(0);
    let mut vars = HashMap::new();
    for line in r.stdout.lines() {
        let (lhs, rhs) = line.split_once(" = ").unwrap_or_else(|| panic!("{line}"));
        let name = lhs
            .strip_prefix("$Env:")
            .or_else(|| lhs.strip_prefix("$global:"))
            .unwrap_or_else(|| panic!("{line}"));
        assert!(
            name.bytes().all(|b| b.is_ascii_uppercase() || b == b'_'),
            "{line}"
        );
        if rhs == "$null" {
            continue;
        }
        let inner = rhs
            .strip_prefix('\'')
            .and_then(|v| v.strip_suffix('\''))
            .unwrap_or_else(|| panic!("{line}"));
        // Inside single quotes only a doubled quote may appear.
        assert!(!inner.replace("''", "").contains('\''), "{line}");
        vars.insert(name.to_string(), inner.replace("''", "'"));
    }
    assert_eq!(
        vars.get("SSO_CONFIG_PROFILE").map(String::as_str),
        Some(HOSTILE)
    );
    let snap: Snap = vars.into_iter().collect();
    fakes_credentials(&w, &snap, "Billing");
    assert!(snap.contains_key("_SSO_CONFIG_ASSUMED"));
    w.nothing_ran();
}

#[test]
fn a_role_by_ids_is_exported_and_named_account_slash_role() {
    let w = World::new("assume_ids");
    for shell in shells() {
        let ids: &[&str] = &["--account-id", "111122223333", "--role-name", "Billing"];
        let mut export = vec!["--export"];
        export.extend(ids);
        let steps = [
            // No profile names the role: exported, with or without --export.
            Step::Call("sso-assume", ids),
            Step::Call("sso-assume", &export),
        ];
        let (run, snaps) = w.steps(shell, "", "", &steps, &[("AWS_PROFILE", "ro")]);
        for snap in &snaps {
            status(snap, "0", &format!("{shell}: {}", run.stderr));
            fakes_credentials(&w, snap, "Billing");
            assert_eq!(
                var(snap, "SSO_CONFIG_PROFILE"),
                Some("111122223333/Billing")
            );
            assert_eq!(var(snap, "AWS_PROFILE"), None, "{shell}");
        }
    }
}

/// `script` runs `c` with stdin and stderr on a pseudo-terminal.
fn on_terminal(c: Command) -> Command {
    let line = std::iter::once(c.get_program())
        .chain(c.get_args())
        .map(|a| sh_quote(&a.to_string_lossy()))
        .collect::<Vec<_>>()
        .join(" ");
    let mut s = Command::new("script");
    s.args(["-qec", &line, "/dev/null"])
        .env_clear()
        .envs(c.get_envs().filter_map(|(k, v)| Some((k, v?))))
        .current_dir(c.get_current_dir().unwrap())
        .stdin(Stdio::null());
    s
}

#[test]
fn export_logs_in_on_a_terminal_and_never_off_one() {
    for shell in shells() {
        let w = World::new("assume_login");
        std::fs::remove_file(w.t.token_file("corp")).unwrap();
        let steps = [Step::Call("sso-assume", &["--export", "ro"])];
        // Off a terminal: the login error, one line, nothing set.
        let (run, snaps) = w.steps(shell, "", "", &steps, &[]);
        status(&snaps[0], "3", shell);
        assert_eq!(var(&snaps[0], "AWS_ACCESS_KEY_ID"), None);
        let lines: Vec<&str> = run.stderr.lines().collect();
        assert_eq!(lines.len(), 1, "{shell}: {}", run.stderr);
        assert!(
            lines[0].contains("run: sso-config login --profile ro"),
            "{}",
            lines[0]
        );
        // On a terminal: the device-code prompt on the terminal (shown while
        // the login waits for its approval), then the keys.
        w.t.fake.set_device_approval(DeviceApproval::AfterPolls(1));
        let (mut c, dir) = w.steps_command(shell, "", "", &steps, &[], on_terminal);
        let run = Run::new(format!("{c:?}"), c.output().unwrap());
        run.code(0);
        let snaps = read_snaps(&dir, 1);
        status(&snaps[0], "0", shell);
        assert!(
            run.stdout.contains("to log in, open this URL"),
            "{}",
            run.stdout
        );
        fakes_credentials(&w, &snaps[0], "Billing");
        assert_eq!(w.t.fake.hits("StartDeviceAuthorization"), 1);
    }
}
