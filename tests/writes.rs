//! Writes of the user's files: through symlinks, never onto a FIFO, device or
//! directory, serialised by a lock, no temporary files left behind; and
//! `sso-config > ~/.aws/config`, which the shell empties before we start.

use std::fs;
use std::os::unix::fs::{FileTypeExt, PermissionsExt, symlink};
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::util::*;

fn logged_in(name: &str) -> TestEnv {
    let t = TestEnv::new(name);
    t.write_cli_token("corp", "2099-01-01T00:00:00Z");
    t
}

/// A small generate: the Management account's two roles.
const ONE_ACCOUNT: [&str; 2] = ["--include-account", "Management"];

/// Hand-written content: CRLF lines, comments, a continuation line, no final newline.
const HAND_WRITTEN: &str = "# mine\r\n[default]\r\nregion = eu-west-1 # kept\r\n\r\n[profile mine]\r\naws_access_key_id = AKIA\r\n  nested = value\r\n; last";

/// The temporary files in `dir`.
fn temp_files(dir: &Path) -> Vec<String> {
    fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("tmp"))
        .collect()
}

fn mkfifo(path: &Path) {
    let ok = Command::new("mkfifo").arg(path).status().unwrap().success();
    assert!(ok, "mkfifo {}", path.display());
}

fn quoted(p: &Path) -> String {
    format!("'{}'", p.display())
}

#[test]
fn write_through_a_chain_of_symlinks_updates_the_target_and_keeps_the_links() {
    let t = logged_in("w_symlink");
    let dotfiles = t.root.join("dotfiles");
    fs::create_dir_all(&dotfiles).unwrap();
    let real = dotfiles.join("aws-config");
    let original = format!("{}\n{HAND_WRITTEN}\n", t.session_config("corp"));
    fs::write(&real, &original).unwrap();
    fs::set_permissions(&real, fs::Permissions::from_mode(0o640)).unwrap();
    // ~/.aws/config -> ~/.aws/config.link (absolute) -> ../dotfiles/aws-config (relative).
    let middle = t.home.join(".aws/config.link");
    symlink("../../dotfiles/aws-config", &middle).unwrap();
    fs::remove_file(t.config_path()).unwrap();
    symlink(&middle, t.config_path()).unwrap();

    t.run(["--write"].iter().chain(&ONE_ACCOUNT))
        .code(0)
        .stderr_has("2 added");
    for link in [t.config_path(), middle.clone()] {
        let meta = fs::symlink_metadata(&link).unwrap();
        assert!(
            meta.file_type().is_symlink(),
            "{} was replaced",
            link.display()
        );
    }
    let after = fs::read_to_string(&real).unwrap();
    assert!(after.starts_with(&original), "{after}");
    assert!(after.contains("[profile Management.Billing]"), "{after}");
    assert_eq!(mode(&real), 0o640, "the target keeps its mode");
    assert!(temp_files(&dotfiles).is_empty());
    assert!(temp_files(&t.home.join(".aws")).is_empty());

    // The credentials file too.
    let creds_real = dotfiles.join("aws-credentials");
    fs::write(&creds_real, "[other]\naws_access_key_id = AKIAOTHER\n").unwrap();
    symlink(&creds_real, t.home.join(".aws/credentials")).unwrap();
    t.run([
        "export",
        "--profile",
        "Management.Billing",
        "--write-credentials",
    ])
    .code(0);
    let link = fs::symlink_metadata(t.home.join(".aws/credentials")).unwrap();
    assert!(link.file_type().is_symlink());
    let creds = fs::read_to_string(&creds_real).unwrap();
    assert!(
        creds.starts_with("[other]\naws_access_key_id = AKIAOTHER\n")
            && creds.contains("[Management.Billing]\naws_access_key_id = ASIA"),
        "{creds}"
    );
    assert_eq!(mode(&creds_real), 0o600);
}

#[test]
fn a_dangling_symlink_gets_its_target_created_as_the_shell_would() {
    let t = logged_in("w_dangling");
    let target = t.root.join("dotfiles-config");
    let link = t.root.join("link.ini");
    symlink(&target, &link).unwrap();
    t.run(
        ["--write", link.to_str().unwrap()]
            .iter()
            .chain(&ONE_ACCOUNT),
    )
    .code(0);
    assert!(
        fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    let text = fs::read_to_string(&target).unwrap();
    assert!(
        text.starts_with("# BEGIN sso-config corp --include-account Management\n"),
        "{text}"
    );

    // A link into a folder that does not exist is not a reason to create one.
    let nowhere = t.root.join("unmounted/disk/config");
    let link2 = t.root.join("link2.ini");
    symlink(&nowhere, &link2).unwrap();
    t.run(
        ["--write", link2.to_str().unwrap()]
            .iter()
            .chain(&ONE_ACCOUNT),
    )
    .code(1)
    .one_error_line("folder does not exist");
    assert!(!t.root.join("unmounted").exists());
}

#[test]
fn a_fifo_a_device_or_a_directory_is_refused_and_nothing_replaced() {
    let t = logged_in("w_special");
    let fifo = t.root.join("fifo");
    mkfifo(&fifo);
    let dir = t.root.join("a-dir");
    fs::create_dir_all(&dir).unwrap();
    let to_fifo = t.root.join("to-fifo");
    symlink(&fifo, &to_fifo).unwrap();
    let to_device = t.root.join("to-null");
    symlink("/dev/null", &to_device).unwrap();
    for (path, what) in [
        (&fifo, "is a FIFO, not a regular file; nothing was written"),
        (
            &dir,
            "is a directory, not a regular file; nothing was written",
        ),
        (&to_fifo, "which is a FIFO, not a regular file"),
        (&to_device, "which is a device, not a regular file"),
    ] {
        t.run(
            ["--write", path.to_str().unwrap()]
                .iter()
                .chain(&ONE_ACCOUNT),
        )
        .code(1)
        .one_error_line(what);
    }
    assert!(fs::metadata(&fifo).unwrap().file_type().is_fifo());
    assert!(fs::metadata(&dir).unwrap().is_dir());
    assert!(
        fs::symlink_metadata(&to_device)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert!(temp_files(&t.root).is_empty());

    // The config file itself, and the credentials file.
    let config = t.read_config();
    let creds_fifo = t.root.join("creds-fifo");
    mkfifo(&creds_fifo);
    let mut t = t;
    t.env("AWS_SHARED_CREDENTIALS_FILE", creds_fifo.to_str().unwrap());
    t.write_config(&format!(
        "{config}\n[profile ro]\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = Billing\n"
    ));
    t.run(["export", "--profile", "ro", "--write-credentials"])
        .code(1)
        .one_error_line("is a FIFO, not a regular file");
    assert!(fs::metadata(&creds_fifo).unwrap().file_type().is_fifo());
    let config_fifo = t.root.join("config-fifo");
    mkfifo(&config_fifo);
    t.env("AWS_CONFIG_FILE", config_fifo.to_str().unwrap());
    t.run(["--write", "--sso-session", "corp"])
        .code(1)
        .one_error_line("is a FIFO, not a regular file");
}

/// `[sso-session s0]` … `[sso-session s9]`, each logged in.
fn ten_sessions(t: &TestEnv) -> Vec<String> {
    let names: Vec<String> = (0..10).map(|i| format!("s{i}")).collect();
    let mut config = String::from("# hand-written\n[default]\nregion = eu-west-1\n");
    for n in &names {
        config.push('\n');
        config.push_str(&t.session_config(n));
        t.write_cli_token(n, "2099-01-01T00:00:00Z");
    }
    t.write_config(&config);
    names
}

/// Runs the commands at once and waits for all of them.
fn all_at_once(t: &TestEnv, runs: &[Vec<String>]) -> Vec<Run> {
    std::thread::scope(|s| {
        let handles: Vec<_> = runs
            .iter()
            .map(|args| s.spawn(move || t.run(args)))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    })
}

#[test]
fn ten_parallel_writes_of_the_config_leave_ten_blocks() {
    let t = TestEnv::new("w_parallel_config");
    let names = ten_sessions(&t);
    let before = t.read_config();
    // Half of them name the file by another path: the lock is the file's.
    let alias = t.root.join("alias.ini");
    symlink(t.config_path(), &alias).unwrap();
    let runs: Vec<Vec<String>> = names
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let mut args = vec!["--write".to_string()];
            if i % 2 == 1 {
                args.push(alias.to_str().unwrap().to_string());
            }
            for a in ["--sso-session", n, "--name", "{session}.{role_name}"]
                .iter()
                .chain(&ONE_ACCOUNT)
            {
                args.push(a.to_string());
            }
            args
        })
        .collect();
    for r in all_at_once(&t, &runs) {
        r.code(0);
    }
    let after = t.read_config();
    assert!(after.starts_with(&before), "{after}");
    for n in &names {
        assert_eq!(
            after
                .matches(&format!(
                    "# BEGIN sso-config {n} --name '{{session}}.{{role_name}}' --include-account Management\n"
                ))
                .count(),
            1,
            "block {n} lost:\n{after}"
        );
        assert!(after.contains(&format!("[profile {n}.Billing]")), "{after}");
    }
    assert!(temp_files(&t.home.join(".aws")).is_empty());
}

#[test]
fn ten_parallel_writes_of_the_credentials_file_leave_ten_sections() {
    let t = logged_in("w_parallel_creds");
    t.write_config(&format!(
        "{}\n[profile ro]\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = Billing\n",
        t.session_config("corp")
    ));
    let creds = t.home.join(".aws/credentials");
    fs::write(&creds, "# mine\n[keep]\naws_access_key_id = AKIAKEEP\n").unwrap();
    let runs: Vec<Vec<String>> = (0..10)
        .map(|i| {
            [
                "export",
                "--profile",
                "ro",
                "--write-credentials",
                &format!("n{i}"),
            ]
            .iter()
            .map(|s| s.to_string())
            .collect()
        })
        .collect();
    for r in all_at_once(&t, &runs) {
        r.code(0);
    }
    let after = fs::read_to_string(&creds).unwrap();
    assert!(
        after.starts_with("# mine\n[keep]\naws_access_key_id = AKIAKEEP\n"),
        "{after}"
    );
    for i in 0..10 {
        assert_eq!(after.matches(&format!("[n{i}]\n")).count(), 1, "{after}");
    }
    // The locks live in our own folder, never in the AWS CLI's caches.
    let locks = t.home.join(".aws/sso-config/locks");
    assert!(fs::read_dir(&locks).unwrap().count() > 0);
    for cache in [t.sso_cache(), t.home.join(".aws/cli/cache")] {
        for e in fs::read_dir(&cache).unwrap() {
            let name = e.unwrap().file_name().to_string_lossy().into_owned();
            assert!(name.ends_with(".json"), "{name} in {}", cache.display());
        }
    }
}

#[test]
fn a_killed_runs_temporary_file_is_removed_by_the_next_write_a_live_ones_is_not() {
    let t = logged_in("w_stale_temp");
    let aws = t.home.join(".aws");
    // What a killed run leaves: nobody holds its lock.
    let stale = aws.join(".config.sso-config-tmp.4194999.a1b2c3d4e5f6");
    fs::write(&stale, "half a config").unwrap();
    // A run in progress holds the lock on its temporary file.
    let live = aws.join(".credentials.sso-config-tmp.4194998.0a0b0c0d0e0f");
    let held = fs::File::create(&live).unwrap();
    held.lock().unwrap();
    // Not ours: left alone.
    let other = aws.join(".config.swp");
    fs::write(&other, "vim").unwrap();

    t.run(["--write"].iter().chain(&ONE_ACCOUNT)).code(0);
    assert!(!stale.exists(), "stale temporary file left behind");
    assert!(live.exists(), "a live writer's temporary file was removed");
    assert!(other.exists());
    drop(held);
    // The next write (a change: every account now).
    t.run(["--write", "--include-account", "*"])
        .code(0)
        .stderr_has("added");
    assert!(!live.exists(), "unlocked now, so stale");
    assert_eq!(temp_files(&aws), Vec::<String>::new());
}

/// The only file in `~/.aws/sso-config/copies`.
fn copy_file(t: &TestEnv) -> PathBuf {
    let dir = t.home.join(".aws/sso-config/copies");
    let files: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    files[0].clone()
}

/// `sso-config ARGS > FILE` (or `>>`) through a real shell.
fn redirect(t: &TestEnv, args: &str, op: &str, file: &Path) -> Run {
    t.sh(&format!(
        "{} {args} {op} {}",
        quoted(Path::new(BIN)),
        quoted(file)
    ))
}

#[test]
fn redirecting_into_the_config_restores_it_and_merges_the_block() {
    let t = logged_in("w_redirect");
    let original = format!("{HAND_WRITTEN}\n{}", t.session_config("corp"));
    t.write_config(&original);
    // Any generate keeps the copy (here one that prints to a pipe).
    t.run(ONE_ACCOUNT).code(0);
    let copy = copy_file(&t);
    assert_eq!(mode(&copy), 0o600);
    assert_eq!(mode(copy.parent().unwrap()), 0o700);
    // What --write would have made of the same file.
    let expected_file = t.root.join("expected.ini");
    fs::write(&expected_file, &original).unwrap();
    t.run(
        ["--write", expected_file.to_str().unwrap()]
            .iter()
            .chain(&ONE_ACCOUNT),
    )
    .code(0);
    let expected = fs::read_to_string(&expected_file).unwrap();

    let r = redirect(&t, "--include-account Management", ">", &t.config_path());
    r.code(0)
        .stderr_has("which the shell emptied; restored it from the copy of ")
        .stderr_has("(less than a minute old) and merged the generated block, as --write would");
    assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
    let after = t.read_config();
    assert!(after.starts_with(&original), "{after}");
    assert_eq!(after, expected);
    // Done again: the copy now has the block, which is replaced, not doubled.
    redirect(&t, "--include-account Management", ">", &t.config_path()).code(0);
    assert_eq!(t.read_config(), expected);
}

#[test]
fn redirecting_into_the_config_without_a_copy_writes_a_complete_config() {
    let t = logged_in("w_redirect_nocopy");
    t.write_config(&format!("{HAND_WRITTEN}\n{}", t.session_config("corp")));
    // No copy and nothing to resolve the session from: one line, exit 2.
    redirect(&t, "", ">", &t.config_path())
        .code(2)
        .one_error_line("no copy of it to restore");
    // The session from the flags.
    let flags = format!(
        "--start-url {} --sso-region {} --sso-session corp --include-account Management",
        t.fake.org().start_url,
        t.fake.org().region
    );
    let r = redirect(&t, &flags, ">", &t.config_path());
    r.code(0)
        .stderr_has("hand-written content could not be restored");
    assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
    let after = t.read_config();
    assert!(
        after.starts_with(&format!(
            "# BEGIN sso-config corp --include-account Management\n{}",
            t.session_config("corp")
        )),
        "{after}"
    );
    assert!(after.contains("[profile Management.Billing]\nsso_session = corp\n"));
    assert!(after.ends_with("# END sso-config corp\n"), "{after}");
}

#[test]
fn a_typo_redirected_into_the_config_puts_it_back() {
    let t = logged_in("w_redirect_typo");
    let original = format!("{HAND_WRITTEN}\n{}", t.session_config("corp"));
    t.write_config(&original);
    t.run(ONE_ACCOUNT).code(0);
    let r = redirect(&t, "--include-acount Management", ">", &t.config_path());
    r.code(2).stderr_has("--include-acount");
    assert_eq!(t.read_config(), original);
}

#[test]
fn redirecting_into_a_config_never_seen_uses_the_session_of_the_last_login() {
    let t = TestEnv::new("w_redirect_remembered");
    // A fresh machine: no config at all, a login by the environment (a
    // login by flags would write its [sso-session] into the config).
    fs::remove_file(t.config_path()).unwrap();
    let url = t.fake.org().start_url.clone();
    let mut login = t.command(["login", "--device-code"]);
    login
        .env("AWS_DEFAULT_SSO_START_URL", &url)
        .env("AWS_DEFAULT_SSO_REGION", "us-east-1");
    Run::new(format!("{login:?}"), login.output().unwrap()).code(0);
    assert!(!t.config_path().exists());
    let r = redirect(&t, "--include-account Management", ">", &t.config_path());
    r.code(0)
        .stderr_has("hand-written content could not be restored");
    let after = t.read_config();
    assert!(
        after.contains(&format!(
            "[sso-session d-9067c3a1f2]\nsso_start_url = {url}\n"
        )),
        "{after}"
    );
    assert!(after.contains("[profile Management.Billing]\nsso_session = d-9067c3a1f2\n"));
    // The token of that login serves the written config: no second login.
    t.run(["roles"]).code(0);
    assert_eq!(t.fake.hits("CreateToken"), 1);
}

#[test]
fn a_copy_of_another_config_file_is_not_restored() {
    let t = logged_in("w_redirect_other");
    t.write_config(&format!("{HAND_WRITTEN}\n{}", t.session_config("corp")));
    t.run(ONE_ACCOUNT).code(0);
    // Copied from a different path (as if the file name hashed alike).
    let copy = copy_file(&t);
    let mut v = json(&copy);
    v["path"] = serde_json::Value::from("/somewhere/else/config");
    fs::write(&copy, v.to_string()).unwrap();
    // The session the environment names has no [sso-session] of its own: its
    // token is the one the AWS CLI keys by start URL.
    t.write_cli_token(&t.fake.org().start_url, "2099-01-01T00:00:00Z");
    let r = t.sh(&format!(
        "AWS_DEFAULT_SSO_START_URL='{}' AWS_DEFAULT_SSO_REGION=us-east-1 {} --include-account Management > {}",
        t.fake.org().start_url,
        quoted(Path::new(BIN)),
        quoted(&t.config_path())
    ));
    r.code(0)
        .stderr_has("hand-written content could not be restored");
    assert!(!t.read_config().contains("[profile mine]"));
}

#[test]
fn appending_or_redirecting_elsewhere_is_left_alone() {
    let t = logged_in("w_redirect_append");
    let original = format!("{HAND_WRITTEN}\n{}", t.session_config("corp"));
    t.write_config(&original);
    t.run(ONE_ACCOUNT).code(0);
    let printed = t.run(ONE_ACCOUNT).stdout;
    // `>>`: the file was not emptied, so the fragment is appended as printed.
    let r = redirect(&t, "--include-account Management", ">>", &t.config_path());
    r.code(0);
    assert!(!r.stderr.contains("emptied"), "{}", r.stderr);
    assert_eq!(t.read_config(), format!("{original}{printed}"));
    // Another file: the plain fragment, the config untouched.
    t.write_config(&original);
    let other = t.root.join("other.ini");
    fs::write(&other, "old").unwrap();
    let r = redirect(&t, "--include-account Management", ">", &other);
    r.code(0);
    assert!(!r.stderr.contains("emptied"), "{}", r.stderr);
    assert_eq!(fs::read_to_string(&other).unwrap(), printed);
    assert_eq!(t.read_config(), original);
}

#[test]
fn login_keeps_the_copy_too() {
    let t = logged_in("w_redirect_login");
    let original = format!("{HAND_WRITTEN}\n{}", t.session_config("corp"));
    t.write_config(&original);
    t.run(["login"]).code(0);
    let r = redirect(&t, "--include-account Management", ">", &t.config_path());
    r.code(0).stderr_has("restored it from the copy of ");
    assert!(t.read_config().starts_with(&original));
    assert!(t.read_config().contains("# BEGIN sso-config corp"));
}

#[test]
fn a_failed_run_into_the_config_still_puts_its_content_back() {
    let t = logged_in("w_redirect_fail");
    let original = format!("{HAND_WRITTEN}\n{}", t.session_config("corp"));
    t.write_config(&original);
    t.run(ONE_ACCOUNT).code(0);
    // Five server errors in a row: the retries give up.
    t.fake.fail_next("ListAccounts", 5, 500);
    let r = redirect(&t, "", ">", &t.config_path());
    r.code(1)
        .stderr_has("restored it from the copy of ")
        .stderr_has("without a generated block");
    assert_eq!(t.read_config(), original);
    redirect(&t, "--name '{nope}'", ">", &t.config_path()).code(2);
    assert_eq!(t.read_config(), original);
}
