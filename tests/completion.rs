//! Shell completion, driven in the real shells: bash (calling the function
//! `complete -p` registered, with COMP_WORDS/COMP_CWORD set), zsh (a zpty
//! session that presses TAB after `compinit`, with `compadd` capturing the
//! matches) and fish (`complete -C`). What must be offered comes from the
//! binary's own help text, so a command or flag the help gains and the
//! scripts miss fails here. A shell that is not installed is skipped with a
//! note (`.ci/run` installs zsh and fish).

use std::path::PathBuf;
use std::process::Command;

use crate::util::*;

/// A test world with profiles and sessions in the config, the binary on
/// PATH as `sso-config`, and each shell's script where `make install`
/// puts it.
struct Shells {
    t: TestEnv,
    bin_dir: PathBuf,
    /// `share/` of the install prefix: bash-completion, zsh and fish folders.
    share: PathBuf,
}

const CONFIG: &str = "\
[profile prod.Admin]
sso_session = corp
sso_account_id = 111122223333
sso_role_name = Admin

[profile dev.ReadOnly]
sso_session = corp

[sso-session Other-Team]
sso_start_url = https://other.awsapps.com/start
sso_region = eu-west-1
";

impl Shells {
    fn new(name: &str) -> Shells {
        let t = TestEnv::new(name);
        t.write_config(&format!("{}\n{CONFIG}", t.session_config("corp")));
        let bin_dir = t.root.join("bin");
        copy_binary(&bin_dir);
        let share = t.root.join("share");
        for (shell, path) in [
            ("bash", "bash-completion/completions/sso-config"),
            ("zsh", "zsh/site-functions/_sso-config"),
            ("fish", "fish/vendor_completions.d/sso-config.fish"),
        ] {
            let r = t.run(["completion", shell]);
            r.code(0);
            let file = share.join(path);
            std::fs::create_dir_all(file.parent().unwrap()).unwrap();
            std::fs::write(file, &r.stdout).unwrap();
        }
        Shells { t, bin_dir, share }
    }

    /// `shell ARGS` in this world: a clean environment, the binary on PATH.
    fn shell(&self, shell: &str) -> Command {
        let mut c = Command::new("timeout");
        c.arg("60")
            .arg(shell)
            .current_dir(&self.t.root)
            .env_clear()
            .env("HOME", &self.t.home)
            .env("TERM", "dumb")
            .env("PATH", format!("{}:/usr/bin:/bin", self.bin_dir.display()));
        c
    }

    fn script(&self, path: &str) -> PathBuf {
        self.share.join(path)
    }

    /// `sso-config ARGS` in this world.
    fn run(&self, args: &[&str]) -> String {
        let r = self.t.run(args);
        r.code(0);
        r.stdout.clone()
    }
}

/// Whether `shell` can be run; prints why a test is skipped when not.
fn have(shell: &str) -> bool {
    let found = Command::new(shell)
        .arg("-c")
        .arg("true")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        eprintln!("note: {shell} is not installed; skipping its completion test");
    }
    found
}

/// The commands of the top-level help, with their summaries.
fn commands(s: &Shells) -> Vec<(String, String)> {
    let help = s.run(&["--help"]);
    help.lines()
        .skip_while(|l| *l != "Commands:")
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .map(|l| {
            let (name, summary) = l.trim().split_once(' ').unwrap();
            (name.to_string(), summary.trim().to_string())
        })
        .collect()
}

/// The flags at the start of option lines of `sso-config help CMD`.
fn own_flags(s: &Shells, cmd: &str) -> Vec<String> {
    s.run(&["help", cmd])
        .lines()
        .filter_map(|l| l.strip_prefix("  --"))
        .map(|l| format!("--{}", l.split([' ', ',']).next().unwrap()))
        .collect()
}

/// Asserts every word of `want` is among `got`.
#[track_caller]
fn offers(got: &[String], want: &[&str], what: &str) {
    for w in want {
        assert!(
            got.iter().any(|g| g == w),
            "{what}: {w} missing from {got:?}"
        );
    }
}

#[track_caller]
fn not_offered(got: &[String], unwanted: &[&str], what: &str) {
    for w in unwanted {
        assert!(
            !got.iter().any(|g| g == w),
            "{what}: {w} offered in {got:?}"
        );
    }
}

// ---------------------------------------------------------------- bash

/// Completes the words (the last one is the word at the cursor) with the
/// function the installed script registers for `sso-config`.
fn bash(s: &Shells, words: &[&str]) -> Vec<String> {
    let harness = r#"
        . "$1"; shift
        spec=$(complete -p sso-config) || exit 3
        func=${spec##*-F }; func=${func%% *}
        COMP_WORDS=(sso-config "$@")
        COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
        COMP_LINE="${COMP_WORDS[*]}"; COMP_POINT=${#COMP_LINE}
        "$func" sso-config "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
        printf '%s\n' "${COMPREPLY[@]}"
    "#;
    let out = s
        .shell("bash")
        .arg("--norc")
        .arg("--noprofile")
        .arg("-c")
        .arg(harness)
        .arg("bash")
        .arg(s.script("bash-completion/completions/sso-config"))
        .args(words)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stderr.is_empty(),
        "{words:?}: {stderr}"
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

#[test]
fn bash_completes_commands_flags_values_and_names() {
    if !have("bash") {
        return;
    }
    let s = Shells::new("complete_bash");
    assert_eq!(bash(&s, &["exp"]), ["export"]);
    let all: Vec<String> = commands(&s).into_iter().map(|(c, _)| c).collect();
    let names: Vec<&str> = all.iter().map(String::as_str).collect();
    offers(&bash(&s, &[""]), &names, "commands");
    offers(&bash(&s, &[""]), &["env", "run-as"], "aliases");
    for cmd in &names {
        let flags = own_flags(&s, cmd);
        let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
        let words = if *cmd == "admin" {
            vec!["admin", "assignments", "--"]
        } else {
            vec![cmd, "--"]
        };
        let got = bash(&s, &words);
        offers(&got, &flags, cmd);
        offers(&got, &["--help"], cmd);
    }
    not_offered(&bash(&s, &["roles", "--"]), &["--write", "--json"], "roles");
    not_offered(
        &bash(&s, &["admin", "whoami", "--"]),
        &["--principal"],
        "whoami",
    );
    offers(
        &bash(&s, &["env", "--"]),
        &["--write-credentials"],
        "alias env",
    );
    // Subcommands and positional words.
    assert_eq!(
        bash(&s, &["admin", ""]),
        ["lookup", "assignments", "whoami"]
    );
    offers(
        &bash(&s, &["admin", "lookup", ""]),
        &["user", "permission-set"],
        "lookup",
    );
    assert_eq!(bash(&s, &["completion", ""]), ["bash", "zsh", "fish"]);
    offers(
        &bash(&s, &["help", ""]),
        &["session", "role", "generate"],
        "help",
    );
    // Values, also after `=` (bash splits it off).
    assert_eq!(
        bash(&s, &["roles", "--format", ""]),
        ["table", "json", "csv"]
    );
    assert_eq!(bash(&s, &["roles", "--format", "=", "j"]), ["json"]);
    offers(
        &bash(&s, &["export", "--format", ""]),
        &["dotenv", "process"],
        "export",
    );
    assert_eq!(bash(&s, &["--style", "l"]), ["legacy"]);
    // Names from the config, at each TAB.
    assert_eq!(bash(&s, &["--profile", ""]), ["dev.ReadOnly", "prod.Admin"]);
    assert_eq!(bash(&s, &["check", "--profile", "prod"]), ["prod.Admin"]);
    assert_eq!(bash(&s, &["--sso-session", ""]), ["Other-Team", "corp"]);
    // A flag's value is skipped; a generate flag starts the bare command.
    assert_eq!(bash(&s, &["--profile", "prod.Admin", "rol"]), ["roles"]);
    assert!(bash(&s, &["--lower", "rol"]).is_empty());
    assert!(bash(&s, &["--write", "out.ini", "rol"]).is_empty());
}

#[test]
fn bash_completes_regions() {
    if !have("bash") {
        return;
    }
    let s = Shells::new("complete_bash_regions");
    let regions = s.run(&["__complete", "regions"]);
    assert!(regions.lines().any(|r| r == "eu-west-1"), "{regions}");
    assert_eq!(
        bash(&s, &["--region", "eu-west-"])
            .first()
            .map(String::as_str),
        Some("eu-west-1")
    );
    offers(
        &bash(&s, &["login", "--sso-region", "us-"]),
        &["us-east-1"],
        "--sso-region",
    );
}

// ---------------------------------------------------------------- zsh

/// Presses TAB after `line` in an interactive `zsh -f` driven through zpty,
/// after `compinit`, and prints every match the completion adds. `setup`
/// runs before `compinit` (e.g. adding the installed folder to `$fpath`).
const ZSH_CAPTURE: &str = r#"
zmodload zsh/zpty || exit 2
zpty z zsh -f -i
zpty -w z "$1"
zpty -w z 'PROMPT=; autoload -Uz compinit; compinit -u -D'
zpty -w z "$2"
zpty -w z 'bindkey "^I" complete-word'
# Each match as it is added (the _describe and _files internals pass -O/-A/-D).
zpty -w z 'compadd() { local -a __hits; if [[ ${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then builtin compadd "$@"; return; fi; builtin compadd -A __hits "$@"; local h; for h in $__hits; do print -r -- "MATCH:$h"; done; builtin compadd "$@"; }'
zpty -w z 'comppostfuncs=( _capture_done ); _capture_done() { print -r -- "CAPTURE""-DONE"; exit }'
zpty -w z 'print -r -- "CAPTURE""-READY"'
local line
while zpty -r z line; do [[ $line == *CAPTURE-READY* ]] && break; done
zpty -w -n z "$3"$'\t'
while zpty -r z line; do
    line=${line//$'\r'/}
    [[ $line == *CAPTURE-DONE* ]] && break
    [[ $line == *MATCH:* ]] && print -r -- ${line#*MATCH:}
done
zpty -d z
"#;

/// How the zsh script is loaded.
#[derive(Clone, Copy)]
enum ZshLoad {
    /// Installed as `_sso-config` in a folder of `$fpath`, before compinit.
    Fpath,
    /// `source <(sso-config completion zsh)` after compinit.
    Source,
}

fn zsh(s: &Shells, load: ZshLoad, line: &str) -> Vec<String> {
    let dir = s.script("zsh/site-functions");
    let (before, after) = match load {
        ZshLoad::Fpath => (format!("fpath=({} $fpath)", dir.display()), ":".to_string()),
        ZshLoad::Source => (
            ":".to_string(),
            "source <(sso-config completion zsh)".to_string(),
        ),
    };
    let harness = s.t.root.join("capture.zsh");
    std::fs::write(&harness, ZSH_CAPTURE).unwrap();
    let out = s
        .shell("zsh")
        .arg("-f")
        .arg(&harness)
        .arg(before)
        .arg(after)
        .arg(format!("sso-config {line}"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{line}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut got: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect();
    got.dedup();
    got
}

#[test]
fn zsh_completes_on_the_first_tab_after_compinit() {
    if !have("zsh") {
        return;
    }
    let s = Shells::new("complete_zsh");
    // The installed file is autoloaded by the first TAB and completes at once.
    assert_eq!(zsh(&s, ZshLoad::Fpath, "exp"), ["export"]);
    // Sourced after compinit, it registers itself.
    assert_eq!(zsh(&s, ZshLoad::Source, "exp"), ["export"]);
    let all: Vec<String> = commands(&s).into_iter().map(|(c, _)| c).collect();
    let names: Vec<&str> = all.iter().map(String::as_str).collect();
    offers(&zsh(&s, ZshLoad::Fpath, ""), &names, "commands");
    for cmd in ["generate", "login", "export", "console", "check", "logout"] {
        let flags = own_flags(&s, cmd);
        let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
        offers(&zsh(&s, ZshLoad::Fpath, &format!("{cmd} --")), &flags, cmd);
    }
    let admin = zsh(&s, ZshLoad::Fpath, "admin assignments --");
    offers(
        &admin,
        &["--principal", "--ou-recursive", "--format"],
        "admin assignments",
    );
    not_offered(&zsh(&s, ZshLoad::Fpath, "roles --"), &["--write"], "roles");
    assert_eq!(
        zsh(&s, ZshLoad::Fpath, "admin lookup "),
        [
            "instance",
            "identity-store",
            "user",
            "group",
            "permission-set",
            "account"
        ]
    );
    assert_eq!(
        zsh(&s, ZshLoad::Fpath, "roles --format "),
        ["table", "json", "csv"]
    );
    assert_eq!(zsh(&s, ZshLoad::Fpath, "roles --format=c"), ["csv"]);
    assert_eq!(
        zsh(&s, ZshLoad::Fpath, "--style cr"),
        ["credential-process"]
    );
    assert_eq!(
        zsh(&s, ZshLoad::Fpath, "--profile "),
        ["dev.ReadOnly", "prod.Admin"]
    );
    assert_eq!(zsh(&s, ZshLoad::Fpath, "--sso-session O"), ["Other-Team"]);
    assert_eq!(
        zsh(&s, ZshLoad::Fpath, "--sso-region eu-west-"),
        ["eu-west-1", "eu-west-2", "eu-west-3"]
    );
    assert_eq!(
        zsh(&s, ZshLoad::Fpath, "--profile prod.Admin rol"),
        ["roles"]
    );
    // exec's command line is completed as that command's own.
    assert_eq!(
        zsh(
            &s,
            ZshLoad::Fpath,
            "exec --profile prod.Admin -- sso-config exp"
        ),
        ["export"]
    );
}

// ---------------------------------------------------------------- fish

/// `complete -C LINE` with the script where `make install` puts it
/// (found through `fish_complete_path`), as `(candidate, description)`.
fn fish(s: &Shells, line: &str) -> Vec<(String, String)> {
    let dir = s.script("fish/vendor_completions.d");
    let out = s
        .shell("fish")
        .arg("--no-config")
        .arg("-c")
        .arg("set -p fish_complete_path $argv[1]; complete -C $argv[2]")
        .arg(&dir)
        .arg(format!("sso-config {line}"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stderr.is_empty(),
        "{line}: {stderr}"
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| match l.split_once('\t') {
            Some((c, d)) => (c.to_string(), d.to_string()),
            None => (l.to_string(), String::new()),
        })
        .collect()
}

fn fish_words(s: &Shells, line: &str) -> Vec<String> {
    fish(s, line).into_iter().map(|(c, _)| c).collect()
}

#[test]
fn fish_completes_with_descriptions() {
    if !have("fish") {
        return;
    }
    let s = Shells::new("complete_fish");
    let commands = commands(&s);
    let got = fish(&s, "");
    for (name, summary) in &commands {
        assert!(
            got.iter().any(|(c, d)| c == name && d == summary),
            "{name} with '{summary}' missing from {got:?}"
        );
    }
    assert_eq!(fish_words(&s, "exp"), ["export"]);
    for (cmd, _) in &commands {
        let flags = own_flags(&s, cmd);
        let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
        let line = if cmd == "admin" {
            "admin assignments --".to_string()
        } else {
            format!("{cmd} --")
        };
        offers(&fish_words(&s, &line), &flags, cmd);
    }
    // Flags are described by their help line.
    let flags = fish(&s, "generate --dry");
    assert_eq!(
        flags,
        [(
            "--dry-run".into(),
            "with --write: print the diff, change nothing".into()
        )]
    );
    not_offered(&fish_words(&s, "roles --"), &["--write"], "roles");
    not_offered(
        &fish_words(&s, "admin whoami --"),
        &["--principal"],
        "whoami",
    );
    let mut lookup = fish_words(&s, "admin lookup ");
    lookup.sort();
    assert_eq!(
        lookup,
        [
            "account",
            "group",
            "identity-store",
            "instance",
            "permission-set",
            "user"
        ]
    );
    let mut formats = fish_words(&s, "roles --format ");
    formats.sort();
    assert_eq!(formats, ["csv", "json", "table"]);
    assert_eq!(fish_words(&s, "env --format=dot"), ["--format=dotenv"]);
    let mut profiles = fish_words(&s, "--profile ");
    profiles.sort();
    assert_eq!(profiles, ["dev.ReadOnly", "prod.Admin"]);
    assert_eq!(fish_words(&s, "--sso-session O"), ["Other-Team"]);
    assert_eq!(fish_words(&s, "--region eu-west-1"), ["eu-west-1"]);
    assert_eq!(fish_words(&s, "--profile prod.Admin rol"), ["roles"]);
    assert_eq!(
        fish_words(&s, "run-as --profile prod.Admin -- sso-config exp"),
        ["export"]
    );
}

/// The hidden `__complete` lists: sorted, each name once.
#[test]
fn complete_lists_names_from_the_config() {
    let s = Shells::new("complete_names");
    assert_eq!(
        s.run(&["__complete", "profiles"]),
        "dev.ReadOnly\nprod.Admin\n"
    );
    assert_eq!(s.run(&["__complete", "sessions"]), "Other-Team\ncorp\n");
    s.t.run(["__complete", "planets"])
        .code(2)
        .one_error_line("planets");
    s.t.run(["completion", "tcsh"])
        .code(2)
        .one_error_line("tcsh");
}

/// Account ids and role names of the session on the line, from its listing:
/// in each shell, with the session named by `--sso-session` or `--profile`.
#[test]
fn account_ids_and_role_names_come_from_the_sessions_listing() {
    let s = Shells::new("complete_listing");
    s.t.write_cli_token("corp", "2099-01-01T00:00:00Z");
    // Kept by `roles`; the shells' world has no endpoint to fetch from, so
    // the listing is all a TAB can use.
    s.t.run(["roles", "--sso-session", "corp"]).code(0);
    let calls = s.t.fake.hits("ListAccountRoles");
    let mut ids: Vec<String> =
        s.t.fake
            .org()
            .accounts
            .iter()
            .map(|a| a.id.clone())
            .collect();
    ids.sort();
    let management = ["AdministratorAccess", "Billing"];
    if have("bash") {
        let got = bash(&s, &["export", "--sso-session", "corp", "--account-id", ""]);
        assert_eq!(got, ids);
        let got = bash(
            &s,
            &["exec", "--profile", "prod.Admin", "--role-name", "Bil"],
        );
        assert_eq!(got, ["Billing"]);
        // Two sessions and none on the line: nothing to offer, no error.
        assert!(bash(&s, &["export", "--account-id", ""]).is_empty());
    }
    if have("zsh") {
        let got = zsh(
            &s,
            ZshLoad::Fpath,
            "export --sso-session corp --account-id ",
        );
        assert_eq!(got, ids);
    }
    if have("fish") {
        let got = fish(&s, "console --sso-session corp --role-name Bil");
        assert_eq!(got, [("Billing".to_string(), "role".to_string())]);
    }
    assert!(management.iter().all(|r| {
        s.run(&["__complete", "roles", "--sso-session", "corp"])
            .contains(r)
    }));
    assert_eq!(
        s.t.fake.hits("ListAccountRoles"),
        calls,
        "a TAB made a call"
    );
}

/// A listing older than an hour is fetched again when a token is at hand;
/// without one a TAB neither logs in nor fails: the older listing completes.
#[test]
fn a_stale_listing_is_fetched_with_a_token_and_used_without_one() {
    let s = Shells::new("complete_stale");
    s.t.write_cli_token("corp", "2099-01-01T00:00:00Z");
    s.t.run(["roles", "--sso-session", "corp"]).code(0);
    let listings = s.t.home.join(".aws/sso-config/listings");
    let file = std::fs::read_dir(&listings)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let age = |path: &std::path::Path| {
        let mut v = json(path);
        v["fetchedAt"] = "2020-01-01T00:00:00Z".into();
        std::fs::write(path, v.to_string()).unwrap();
    };
    age(&file);
    let calls = s.t.fake.hits("ListAccountRoles");
    let ids = s.run(&["__complete", "accounts", "--sso-session", "corp"]);
    assert!(ids.contains("111122223333\n"), "{ids}");
    assert!(
        s.t.fake.hits("ListAccountRoles") > calls,
        "a stale listing is fetched"
    );
    assert_ne!(json(&file)["fetchedAt"], "2020-01-01T00:00:00Z");
    age(&file);
    std::fs::remove_file(s.t.token_file("corp")).unwrap();
    let calls = s.t.fake.hits("ListAccountRoles");
    let r =
        s.t.run_on_terminal(&["__complete", "accounts", "--sso-session", "corp"]);
    r.code(0);
    assert_eq!(r.stdout, ids);
    assert!(!r.stderr.contains("to log in"), "{}", r.stderr);
    assert_eq!(s.t.fake.hits("ListAccountRoles"), calls);
    assert_eq!(s.t.fake.hits("StartDeviceAuthorization"), 0);
}
