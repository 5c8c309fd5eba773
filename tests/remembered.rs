//! Issue 10, "settings are remembered" and "mistakes get answers": a login by
//! flags writes its `[sso-session]`, `--write` records its flags, `--dry-run`
//! says what a run would sweep, `--sso-region` is never ignored, the console
//! keeps the region, and `credential_process` names the binary as invoked.

use std::path::Path;
use std::process::Command;

use crate::util::*;

fn logged_in(name: &str) -> TestEnv {
    let t = TestEnv::new(name);
    t.write_cli_token("corp", "2099-01-01T00:00:00Z");
    t
}

/// The managed block's first line.
fn begin_line(text: &str) -> &str {
    text.lines()
        .find(|l| l.starts_with("# BEGIN sso-config "))
        .unwrap_or_else(|| panic!("no block:\n{text}"))
}

fn profile_names(text: &str) -> Vec<&str> {
    text.lines()
        .filter(|l| l.starts_with("[profile "))
        .collect()
}

#[test]
fn a_login_by_flags_adds_its_session_and_a_bare_run_finds_it() {
    let t = TestEnv::new("rem_login_adds");
    fs_remove(&t.config_path());
    let url = t.fake.org().start_url.clone();
    let login = [
        "login",
        "--device-code",
        "--start-url",
        &url,
        "--sso-region",
        "us-east-1",
    ];
    t.run(login)
        .code(0)
        .stderr_has("added [sso-session d-9067c3a1f2] to ")
        .stderr_has(".aws/config");
    assert_eq!(
        t.read_config(),
        format!(
            "[sso-session d-9067c3a1f2]\nsso_start_url = {url}\nsso_region = us-east-1\nsso_registration_scopes = sso:account:access\n"
        )
    );
    // No flags: the only session of the config, and the login's token.
    let r = t.run(["--include-account", "Management"]);
    r.code(0);
    assert_eq!(
        profile_names(&r.stdout),
        [
            "[profile Management.AdministratorAccess]",
            "[profile Management.Billing]"
        ]
    );
    assert_eq!(t.fake.hits("CreateToken"), 1);
    // Again: the session is there, nothing is added.
    let before = t.read_config();
    let again = t.run(login);
    again.code(0);
    assert!(!again.stderr.contains("added"), "{}", again.stderr);
    assert_eq!(t.read_config(), before);
}

#[test]
fn a_login_by_flags_keeps_every_other_byte_and_names_the_session_by_flag() {
    let t = TestEnv::new("rem_login_keeps");
    let mine = "# mine\r\n[profile a]\r\nregion = eu-west-1 ; not a comment\r\n[sso-session other]\r\nsso_start_url = https://o.awsapps.com/start\r\nsso_region = eu-west-1";
    t.write_config(mine);
    let url = t.fake.org().start_url.clone();
    t.run([
        "login",
        "--device-code",
        "--start-url",
        &url,
        "--sso-region",
        "us-east-1",
        "--sso-session",
        "work",
    ])
    .code(0)
    .stderr_has("added [sso-session work]");
    let after = t.read_config();
    assert_eq!(
        after,
        format!(
            "{mine}\r\n\r\n[sso-session work]\r\nsso_start_url = {url}\r\nsso_region = us-east-1\r\nsso_registration_scopes = sso:account:access\r\n"
        )
    );
    // Two sessions now: selected by name, no flags for the start URL.
    t.run(["roles", "--sso-session", "work"]).code(0);
}

#[test]
fn a_login_by_flags_for_a_session_that_differs_is_refused_before_logging_in() {
    let t = TestEnv::new("rem_login_conflict");
    let cfg = t.session_config("corp").replace("us-east-1", "eu-west-1");
    t.write_config(&cfg);
    let url = t.fake.org().start_url.clone();
    t.run([
        "login",
        "--device-code",
        "--start-url",
        &url,
        "--sso-region",
        "us-east-1",
        "--sso-session",
        "corp",
    ])
    .code(2)
    .one_error_line(
        "config:1: [sso-session corp] already exists with a different start URL or region",
    );
    assert_eq!(t.read_config(), cfg);
    assert_eq!(
        t.fake.hits("CreateToken"),
        0,
        "no login for a session that cannot be written"
    );
}

#[test]
fn sso_region_without_a_start_url_is_an_error() {
    let t = logged_in("rem_sso_region");
    t.run(["--sso-region", "eu-west-1"])
        .code(2)
        .one_error_line("--sso-region goes with --start-url");
    t.run([
        "login",
        "--sso-session",
        "corp",
        "--sso-region",
        "eu-west-1",
    ])
    .code(2)
    .one_error_line("--sso-region goes with --start-url; the session --sso-session selects");
    assert_eq!(t.fake.hits("ListAccounts"), 0);
}

#[test]
fn write_records_its_flags_and_a_bare_write_reuses_them() {
    let t = logged_in("rem_record");
    let flags = [
        "--region",
        "eu-west-1",
        "--name",
        "{account_name}.{role_name}",
        "--include-account",
        "Management",
        "--set",
        "output=json",
    ];
    t.run(["--write"].iter().chain(&flags)).code(0);
    let first = t.read_config();
    assert_eq!(
        begin_line(&first),
        "# BEGIN sso-config corp --region eu-west-1 --name '{account_name}.{role_name}' --include-account Management --set output=json"
    );
    // The recorded text is what a shell reads back as the flags.
    let line = begin_line(&first).to_string();
    let echoed = t.sh(&format!(
        "printf '%s|' {}",
        line.trim_start_matches("# BEGIN sso-config corp ")
    ));
    assert_eq!(echoed.stdout, format!("{}|", flags.join("|")));
    // No flags: the recorded ones, said on stderr; nothing changes.
    t.run(["--write"])
        .code(0)
        .stderr_has("using the flags recorded in ")
        .stderr_has("--region eu-west-1 --name '{account_name}.{role_name}'")
        .stderr_has("0 added, 0 removed, 0 changed, 2 unchanged");
    assert_eq!(t.read_config(), first);
    let dry = t.run(["--write", "--dry-run"]);
    dry.code(0)
        .stderr_has("using the flags recorded")
        .stderr_has("0 added, 0 removed, 0 changed, 2 unchanged");
    assert!(!dry.stdout.contains("\n+"), "{}", dry.stdout);
    // Flags given replace the recorded ones, all of them.
    t.run(["--write", "--region", "us-east-2"])
        .code(0)
        .stderr_has("the flags given replace those recorded");
    let replaced = t.read_config();
    assert_eq!(
        begin_line(&replaced),
        "# BEGIN sso-config corp --region us-east-2"
    );
    assert!(
        replaced.contains("[profile Sandbox.ReadOnlyAccess]"),
        "{replaced}"
    );
    assert!(!replaced.contains("output = json"), "{replaced}");
}

#[test]
fn recorded_flags_round_trip_whatever_they_hold() {
    let t = logged_in("rem_round_trip");
    let flags = [
        "--style",
        "legacy",
        "--region",
        "eu-west-1",
        "--region",
        "us-east-2",
        "--region-rule",
        "prod*=eu-central-1",
        "--lower",
        "--strip-prefix",
        "it's #1; $HOME `x` \\",
        "--role-alias",
        "AdministratorAccess=",
        "--role-alias",
        "ReadOnlyAccess=ro",
        "--exclude-account",
        "Sandbox*",
        "--exclude-role",
        "Data*",
        "--set",
        "output=json",
        "--set",
        "cli_pager=",
    ];
    t.run(["--write"].iter().chain(&flags)).code(0);
    let first = t.read_config();
    let line = begin_line(&first);
    assert!(
        line.contains(
            r#"--strip-prefix 'it'\''s '\#'1; $HOME `x` \' --role-alias AdministratorAccess="#
        ),
        "{line}"
    );
    t.run(["--write"])
        .code(0)
        .stderr_has("using the flags recorded")
        .stderr_has("0 added, 0 removed, 0 changed");
    assert_eq!(t.read_config(), first);
    // A value that would break the comment line is not recorded.
    t.run(["--write", "--exclude-account", "a\nb"])
        .code(2)
        .one_error_line("control character (U+000A)");
    assert_eq!(t.read_config(), first);
}

#[test]
fn unreadable_recorded_flags_are_an_error_naming_the_line() {
    let t = logged_in("rem_garbled");
    let cfg = format!(
        "{}\n# BEGIN sso-config corp --regoin eu-west-1\n[profile x]\nregion = eu-west-1\n# END sso-config corp\n",
        t.session_config("corp")
    );
    t.write_config(&cfg);
    t.run(["--write"])
        .code(2)
        .one_error_line("config:6: the generate flags recorded on the managed block's first line cannot be read: '--regoin' is not a flag that shapes the profiles");
    t.run(["--write", "--dry-run"]).code(2);
    for bad in [
        "--region 'eu-west-1",
        "--region EU",
        "--write",
        "--sso-session x",
        "stray",
    ] {
        t.write_config(&cfg.replace("--regoin eu-west-1", bad));
        t.run(["--write"]).code(2).one_error_line("config:6: ");
    }
    assert_eq!(t.fake.hits("ListAccounts"), 0, "no network for a bad file");
    // Flags given replace the garbled text.
    t.write_config(&cfg);
    t.run(["--write", "--region", "eu-west-1"]).code(0);
    assert_eq!(
        begin_line(&t.read_config()),
        "# BEGIN sso-config corp --region eu-west-1"
    );
}

#[test]
fn a_block_without_recorded_flags_is_still_read_and_replaced() {
    let t = logged_in("rem_old_block");
    let cfg = format!(
        "{}\n# BEGIN sso-config corp\n[profile old]\nregion = eu-west-1\n# END sso-config corp\n[profile after]\nregion = x\n",
        t.session_config("corp")
    );
    t.write_config(&cfg);
    t.run(["--write", "--include-account", "Management"])
        .code(0)
        .stderr_has("2 added, 1 removed");
    let after = t.read_config();
    assert_eq!(after.matches("# BEGIN sso-config corp").count(), 1);
    assert!(!after.contains("[profile old]"));
    assert!(after.ends_with("# END sso-config corp\n[profile after]\nregion = x\n"));
}

#[test]
fn dry_run_warns_when_every_profile_would_change() {
    let t = logged_in("rem_sweep");
    t.run(["--write", "--region", "eu-west-1"]).code(0);
    // A block written before flags were recorded: the trap is a bare run.
    let text = t.read_config();
    t.write_config(&text.replace(begin_line(&text), "# BEGIN sso-config corp"));
    let r = t.run(["--write", "--dry-run"]);
    r.code(0)
        .stderr_has("warning: this run would change all 12 profiles (region us-east-1 instead of eu-west-1?)")
        .stderr_has("0 added, 0 removed, 12 changed, 0 unchanged");
    // A run that keeps some profiles does not warn.
    let r = t.run(["--write", "--dry-run", "--region", "eu-west-1"]);
    r.code(0);
    assert!(!r.stderr.contains("warning: this run"), "{}", r.stderr);
    // Nor a first write.
    t.write_config(&t.session_config("corp"));
    let r = t.run(["--write", "--dry-run"]);
    assert!(!r.stderr.contains("warning: this run"), "{}", r.stderr);
}

#[test]
fn the_summary_counts_the_blocks_session() {
    let t = logged_in("rem_session_summary");
    t.write_config("");
    let url = t.fake.org().start_url.clone();
    let by_flags = [
        "--start-url",
        url.as_str(),
        "--sso-region",
        "us-east-1",
        "--sso-session",
        "corp",
        "--include-account",
        "Management",
    ];
    t.run(["--write"].iter().chain(&by_flags))
        .code(0)
        .stderr_has("2 added, 0 removed, 0 changed, 0 unchanged; [sso-session corp] added");
    let written = t.read_config();
    t.write_config(&written.replace(
        "sso_registration_scopes = sso:account:access\n",
        "sso_registration_scopes = sso:account:access,other\n",
    ));
    let r = t.run(["--write", "--dry-run"].iter().chain(&by_flags));
    r.code(0)
        .stderr_has("0 added, 0 removed, 0 changed, 2 unchanged; [sso-session corp] changed");
    assert!(
        r.stdout
            .contains("-sso_registration_scopes = sso:account:access,other\n+sso_registration_scopes = sso:account:access\n"),
        "{}",
        r.stdout
    );
    t.run(["--write"].iter().chain(&by_flags))
        .code(0)
        .stderr_has("[sso-session corp] changed");
    let r = t.run(["--write"].iter().chain(&by_flags));
    r.code(0);
    assert!(!r.stderr.contains("[sso-session"), "{}", r.stderr);
    assert_eq!(t.read_config(), written);
}

#[test]
fn console_destination_path_keeps_the_region() {
    let mut t = logged_in("rem_console");
    t.write_config(&format!(
        "{}\n[profile ro]\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = Billing\nregion = eu-west-1\n",
        t.session_config("corp")
    ));
    let url = t.fake.url();
    t.env("AWS_ENDPOINT_URL_SIGNIN", &url);
    for (more, region) in [(None, "eu-west-1"), (Some("us-east-2"), "us-east-2")] {
        let mut args = vec![
            "console",
            "--profile",
            "ro",
            "--print",
            "--destination",
            "/ec2/home#Instances:",
        ];
        if let Some(r) = more {
            args.extend(["--region", r]);
        }
        let r = t.run(&args);
        r.code(0);
        assert_eq!(browse(r.stdout.trim()), 200);
        let sent = t.query_values("ConsoleLogin", "Destination");
        assert_eq!(
            sent.last().unwrap(),
            &format!("https://{region}.console.aws.amazon.com/ec2/home?region={region}#Instances:")
        );
    }
}

/// Runs `program` (with `argv0` when given) in `t`'s environment with `path` as PATH.
fn run_as(t: &TestEnv, program: &Path, argv0: Option<&str>, path: &str, args: &[&str]) -> Run {
    use std::os::unix::process::CommandExt;
    let mut c = Command::new(program);
    c.args(args)
        .env_clear()
        .env("HOME", &t.home)
        .env("PATH", path)
        .env("AWS_ENDPOINT_URL_SSO_OIDC", t.fake.url())
        .env("AWS_ENDPOINT_URL_SSO", t.fake.url())
        .current_dir(&t.root);
    if let Some(a) = argv0 {
        c.arg0(a);
    }
    let out = c.output().unwrap();
    Run::new(format!("{c:?}"), out)
}

fn credential_process_line(r: &Run) -> String {
    r.code(0);
    let line = r
        .stdout
        .lines()
        .find(|l| l.starts_with("credential_process = "));
    line.unwrap_or_else(|| panic!("{}", r.stdout)).to_string()
}

#[test]
fn credential_process_names_the_binary_as_invoked() {
    let t = logged_in("rem_argv0");
    let real = copy_binary(&t.root.join("versions/1.2.3"));
    let bin = t.root.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let link = bin.join("sso-config");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    let args = [
        "--style",
        "credential-process",
        "--include-account",
        "111122223333",
    ];
    let names = |r: &Run| {
        let line = credential_process_line(r);
        let word = line.trim_start_matches("credential_process = ");
        word[..word.find(" credential-process").unwrap()].to_string()
    };
    let quoted = |p: &Path| format!("'{}'", p.display());
    let path = format!("{}:/usr/bin:/bin", bin.display());
    // By the link's path, by PATH, and by a relative path: the link.
    assert_eq!(
        names(&run_as(&t, &link, None, "/usr/bin:/bin", &args)),
        quoted(&link)
    );
    assert_eq!(
        names(&run_as(&t, Path::new("sso-config"), None, &path, &args)),
        quoted(&link)
    );
    assert_eq!(
        names(&run_as(
            &t,
            &link,
            Some("./bin/./sso-config"),
            "/usr/bin:/bin",
            &args
        )),
        quoted(&link)
    );
    // The versioned file itself: its path.
    assert_eq!(
        names(&run_as(&t, &real, None, "/usr/bin:/bin", &args)),
        quoted(&real)
    );
    // An argv[0] that names another file: the running one.
    let other = t.root.join("other");
    std::fs::create_dir_all(&other).unwrap();
    let impostor = other.join("sso-config");
    std::fs::write(&impostor, "#!/bin/sh\nexit 0\n").unwrap();
    std::fs::set_permissions(
        &impostor,
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let path = format!("{}:/usr/bin:/bin", other.display());
    assert_eq!(
        names(&run_as(&t, &link, Some("sso-config"), &path, &args)),
        quoted(&real)
    );
}

fn fs_remove(p: &Path) {
    std::fs::remove_file(p).unwrap();
}
