//! Nothing reaches an INI file unchecked (issue 9, items 1 and 2): hostile
//! answers from the service are left out with a warning, bad user input is
//! exit 2 before anything is written, and every `credential_process` line
//! gives the same argv to `sh -c` and to botocore's `shlex.split`.

use std::path::Path;
use std::process::Command;

use crate::util::*;

/// A role name that, written unchecked, adds a profile botocore would run.
const INJECTED_ROLE: &str = "Admin\n[profile evil]\ncredential_process = touch /tmp/x";

/// The sample organisation plus accounts and roles no real service sends.
fn hostile_org() -> Org {
    let mut org = Org::sample();
    let account = |id: &str, name: &str, email: &str, roles: &[&str]| fake_idc::Account {
        id: id.to_string(),
        name: name.to_string(),
        email: email.to_string(),
        roles: roles.iter().map(|r| r.to_string()).collect(),
    };
    let long_role = "R".repeat(65);
    org.accounts.extend([
        account(
            "999988887777",
            "Hostile",
            "hostile@example.com",
            &[
                INJECTED_ROLE,
                "Ops\r[profile evil2]",
                "Tab\tRole",
                "Line\u{2028}Sep",
                &long_role,
                "GoodRole",
            ],
        ),
        account(
            "12345678901\n",
            "Bad Id",
            "bad-id@example.com",
            &["AdministratorAccess"],
        ),
        account(
            "12345678901",
            "Short Id",
            "short@example.com",
            &["AdministratorAccess"],
        ),
        account(
            "888877776666",
            "Esc\u{1b}]0;owned\u{7}\u{1b}[2J",
            "esc@example.com",
            &["ReadOnlyAccess"],
        ),
        account(
            "777766665555",
            "Mail",
            "mail@example.com\n[profile evil3]",
            &["ReadOnlyAccess"],
        ),
    ]);
    org
}

/// Entries [`hostile_org`] adds that must be left out, one warning each.
const LEFT_OUT: usize = 9;

fn hostile(name: &str) -> TestEnv {
    let t = TestEnv::with_org(name, hostile_org());
    t.write_cli_token("corp", "2099-01-01T00:00:00Z");
    t
}

/// Whether this machine's Python has botocore (tests never install it).
fn have_botocore() -> bool {
    Command::new("python3")
        .args(["-c", "import botocore"])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// The config file as botocore loads it: `{"profiles": {...}, "sso_sessions": {...}}`.
fn botocore_load(path: &Path) -> serde_json::Value {
    let script = "import json, sys\n\
        from botocore.configloader import load_config\n\
        print(json.dumps(load_config(sys.argv[1])))";
    let out = Command::new("python3")
        .args(["-c", script])
        .arg(path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "botocore cannot load {}: {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Checks generated config text: only good profiles, no injected section or key.
fn assert_clean(text: &str) {
    for bad in [
        "evil",
        "credential_process",
        "touch",
        "\r",
        "\t",
        "\u{1b}",
        "\u{2028}",
        "Bad-Id",
        "Short-Id",
        "Mail",
        "RRRRRRRR",
    ] {
        assert!(!text.contains(bad), "{bad:?} in\n{text}");
    }
    assert!(text.contains("[profile Hostile.GoodRole]\n"), "{text}");
    assert!(text.contains("[profile Management.Billing]\n"), "{text}");
    let headers = text.lines().filter(|l| l.starts_with('[')).count();
    // The session, the sample's 12 profiles and Hostile.GoodRole.
    assert_eq!(headers, 14, "{text}");
}

/// One warning line per left-out entry, each naming it escaped; nothing on
/// stderr that a terminal would act on.
fn assert_warned(stderr: &str) {
    let warnings: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("sso-config: warning: left out "))
        .collect();
    assert_eq!(warnings.len(), LEFT_OUT, "{stderr}");
    assert!(
        !stderr.contains(['\u{1b}', '\u{7}', '\r', '\t', '\u{2028}']),
        "{stderr:?}"
    );
    for named in [
        r#"left out role "Admin\n[profile evil]\ncredential_process = touch /tmp/x" of account 999988887777"#,
        r#"left out account "12345678901\n" ("Bad Id"): the account id is not 12 digits"#,
        r#"left out account "12345678901" ("Short Id")"#,
        r#"left out account "888877776666" ("Esc\u{1b}]0;owned\u{7}\u{1b}[2J"): the account name has a control character"#,
        r#"left out account "777766665555" ("Mail"): the e-mail address has a control character"#,
        r#"left out role "Ops\r[profile evil2]""#,
    ] {
        assert!(stderr.contains(named), "want {named}\n{stderr}");
    }
}

#[test]
fn hostile_answers_are_left_out_of_printed_profiles() {
    let t = hostile("trust_print");
    let r = t.run(["generate"]);
    r.code(0);
    assert_clean(&r.stdout);
    assert_warned(&r.stderr);
    // The bad account ids never went back to the service.
    let asked: Vec<String> = t.query_values("ListAccountRoles", "account_id");
    assert!(
        !asked.iter().any(|id| id.starts_with("12345678901")),
        "{asked:?}"
    );
    // `roles` gets the same clean listing, from the service with its
    // warnings, and from the listing `generate` kept without them.
    let roles = t.run(["roles", "--format", "csv", "--refresh"]);
    roles.code(0);
    assert!(roles.stdout.contains("Hostile"), "{}", roles.stdout);
    assert!(!roles.stdout.contains("evil"), "{}", roles.stdout);
    assert!(!roles.stdout.contains('\u{1b}'), "{}", roles.stdout);
    assert_warned(&roles.stderr);
    let kept = t.run(["roles", "--format", "csv"]);
    kept.code(0);
    assert_eq!(kept.stdout, roles.stdout);
    assert_eq!(kept.stderr, "");
}

#[test]
fn hostile_answers_are_left_out_of_the_written_config() {
    let t = hostile("trust_write");
    let mine = format!(
        "{}\n[profile mine]\nregion = eu-west-1\n",
        t.session_config("corp")
    );
    t.write_config(&mine);
    let r = t.run(["generate", "--write"]);
    r.code(0).stderr_has("13 added");
    assert_warned(&r.stderr);
    let after = t.read_config();
    assert!(after.starts_with(&mine), "{after}");
    assert_clean(&format!("[sso-session corp]\n{}", &after[mine.len()..]));
    if have_botocore() {
        let loaded = botocore_load(&t.config_path());
        let profiles = loaded["profiles"].as_object().unwrap();
        assert_eq!(profiles.len(), 14, "{profiles:?}");
        assert!(profiles.contains_key("Hostile.GoodRole"));
        for (name, keys) in profiles {
            assert!(!name.contains("evil"), "{name}");
            assert!(keys.get("credential_process").is_none(), "{name}");
        }
    }
}

/// `(args, what the error line names)`: user input that cannot be written.
fn bad_inputs() -> Vec<(Vec<&'static str>, &'static str)> {
    vec![
        (vec!["--sso-session", "a#b"], "--sso-session \"a#b\""),
        (vec!["--sso-session", "a b"], "not a valid session name"),
        (vec!["login", "--sso-session", "x]\n[y"], "--sso-session"),
        (vec!["--set", "x=a\nb"], "control character"),
        (vec!["--set", "x=a #b"], "comment"),
        (vec!["--set", "x=;b"], "comment"),
        (vec!["--set", "x=\u{1b}[2J"], "control character"),
        (vec!["--set", "a b=c"], "not a valid key"),
        (vec!["--set", "[profile x]=c"], "not a valid key"),
        (vec!["--region", "us-east-1\n"], "--region \"us-east-1\\n\""),
        (vec!["--region", "EU-WEST-1"], "not a region"),
        (vec!["--region-rule", "prod*=eu west"], "not a region"),
        (vec!["--sso-region", "us-east-1;"], "--sso-region"),
        (
            vec![
                "export",
                "--account-id",
                "111122223333",
                "--role-name",
                "Billing",
                "--write-credentials",
                "a]b",
            ],
            "--write-credentials",
        ),
        (
            vec![
                "export",
                "--account-id",
                "111122223333",
                "--role-name",
                "Billing",
                "--write-credentials",
                "a\nb",
            ],
            "--write-credentials",
        ),
    ]
}

#[test]
fn bad_user_input_is_exit_2_and_writes_nothing() {
    let t = TestEnv::new("trust_input");
    t.write_cli_token("corp", "2099-01-01T00:00:00Z");
    let before = t.read_config();
    let credentials = t.home.join(".aws/credentials");
    for (args, names) in bad_inputs() {
        let mut with_write = args.clone();
        if args[0] != "export" && args[0] != "login" {
            with_write.push("--write");
        }
        for run in [&args, &with_write] {
            t.run(run.iter()).code(2).one_error_line(names);
        }
        assert_eq!(t.read_config(), before, "{args:?}");
        assert!(!credentials.exists(), "{args:?}");
    }
    assert_eq!(t.fake.requests().len(), 0, "no request for bad input");
}

#[test]
fn values_from_the_config_and_environment_are_checked_before_use() {
    let mut t = TestEnv::new("trust_config_values");
    t.write_cli_token("corp", "2099-01-01T00:00:00Z");
    // A continuation line makes the start URL two lines long; copied into the
    // output unchecked, it would add a profile.
    let cfg = t.session_config("corp").replace(
        "sso_start_url = https://d-9067c3a1f2.awsapps.com/start\n",
        "sso_start_url = https://d-9067c3a1f2.awsapps.com/start\n  [profile evil]\n  credential_process = touch /tmp/x\n",
    );
    assert!(cfg.contains("[profile evil]"), "{cfg}");
    t.write_config(&cfg);
    t.run(["generate"])
        .code(2)
        .one_error_line("sso_start_url")
        .stderr_has("control character");
    t.run(["generate", "--write"])
        .code(2)
        .one_error_line("sso_start_url");
    assert_eq!(t.read_config(), cfg);
    // A session name only shell-split headers allow.
    let quoted = t
        .session_config("corp")
        .replace("[sso-session corp]", "[sso-session \"my corp\"]");
    t.write_config(&quoted);
    t.run(["generate"])
        .code(2)
        .one_error_line("\"my corp\" is not a valid name");
    // The fallback region goes into every profile.
    t.write_config(&t.session_config("corp"));
    t.env("AWS_REGION", "eu-west-1\n[profile evil]");
    t.run(["generate"]).code(2).one_error_line("AWS_REGION");
    assert_eq!(t.read_config(), t.session_config("corp"));
    // All refused before any request: a bad file must not cost a login.
    assert_eq!(t.fake.requests().len(), 0);
}

#[test]
fn a_profile_name_that_cannot_be_a_credentials_section_is_refused() {
    let t = TestEnv::new("trust_creds_name");
    t.write_cli_token("corp", "2099-01-01T00:00:00Z");
    t.write_config(&format!(
        "{}\n[profile \"my prof\"]\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = Billing\n",
        t.session_config("corp")
    ));
    t.run(["export", "--profile", "my prof", "--write-credentials"])
        .code(2)
        .one_error_line("--write-credentials: cannot write section name \"my prof\"");
    assert!(!t.home.join(".aws/credentials").exists());
    assert_eq!(
        t.fake.requests().len(),
        0,
        "refused before fetching credentials"
    );
    // A good name is written, and botocore reads it back.
    t.run([
        "export",
        "--profile",
        "my prof",
        "--write-credentials",
        "mine",
    ])
    .code(0);
    let text = std::fs::read_to_string(t.home.join(".aws/credentials")).unwrap();
    assert!(text.starts_with("[mine]\naws_access_key_id = "), "{text}");
}

// ---- item 2: credential_process lines ----

/// A directory name with every character a shell or `shlex` treats specially.
const HOSTILE_DIR: &str = "bin dir $HOME `id` ; #c 'q' \"d\" (p) & \\ ü #";

/// The argv `sh -c` gives a program for `line` (the line's first word is the
/// program, so `printf` stands in before it).
fn sh_argv(line: &str) -> Vec<String> {
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!("printf '%s\\0' {line}"))
        .output()
        .unwrap();
    assert!(out.status.success(), "sh: {line}");
    let text = String::from_utf8(out.stdout).unwrap();
    let mut words: Vec<String> = text.split('\0').map(str::to_string).collect();
    words.pop();
    words
}

/// The argv botocore runs for `line`: `shlex.split`, POSIX mode.
fn shlex_argv(line: &str) -> Vec<String> {
    let out = Command::new("python3")
        .args([
            "-c",
            "import json, shlex, sys; print(json.dumps(shlex.split(sys.argv[1])))",
            line,
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "shlex: {line}");
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn credential_process_lines_give_the_same_argv_to_sh_and_botocore() {
    let mut org = Org::sample();
    // Valid IAM role names ([\w+=,.@-]) that look like flags.
    org.accounts[0]
        .roles
        .extend(["-Evil".to_string(), "--account-id=999999999999".to_string()]);
    let t = TestEnv::with_org("trust_cp", org);
    t.write_cli_token("corp", "2099-01-01T00:00:00Z");
    let bin = copy_binary(&t.root.join(HOSTILE_DIR));
    let out = Command::new(&bin)
        .args([
            "generate",
            "--style",
            "credential-process",
            "--include-account",
            "Management",
        ])
        .env_clear()
        .env("HOME", &t.home)
        .env("AWS_ENDPOINT_URL_SSO_OIDC", t.fake.url())
        .env("AWS_ENDPOINT_URL_SSO", t.fake.url())
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<&str> = stdout
        .lines()
        .filter_map(|l| l.strip_prefix("credential_process = "))
        .collect();
    assert_eq!(lines.len(), 4, "{stdout}");
    let path = bin.to_str().unwrap();
    for (line, role) in lines.iter().zip([
        "--account-id=999999999999",
        "-Evil",
        "AdministratorAccess",
        "Billing",
    ]) {
        let want = [
            path.to_string(),
            "credential-process".to_string(),
            "--sso-session=corp".to_string(),
            "--account-id=111122223333".to_string(),
            format!("--role-name={role}"),
        ];
        assert_eq!(shlex_argv(line), want, "{line}");
        assert_eq!(sh_argv(line), want, "{line}");
        // The Rust and JavaScript SDKs' INI readers cut a value at a blank
        // followed by `#` or `;`; nothing of the line may look like that.
        let cut = line
            .char_indices()
            .zip(line.chars().skip(1))
            .find(|((_, c), next)| c.is_whitespace() && matches!(next, '#' | ';'));
        assert_eq!(cut, None, "{line}");
        // And run through `sh -c`, as those SDKs run it, it fetches the role.
        let r = t.sh(line);
        r.code(0);
        let json: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
        assert_eq!(json["Version"], 1, "{}", r.stdout);
    }
    let fetched: Vec<String> = t.query_values("GetRoleCredentials", "role_name");
    assert_eq!(
        fetched,
        [
            "--account-id=999999999999",
            "-Evil",
            "AdministratorAccess",
            "Billing"
        ]
    );
    if have_botocore() {
        let file = t.root.join("generated.ini");
        std::fs::write(&file, &stdout).unwrap();
        let loaded = botocore_load(&file);
        let profiles = loaded["profiles"].as_object().unwrap();
        let mut read: Vec<&str> = profiles
            .values()
            .map(|p| p["credential_process"].as_str().unwrap())
            .collect();
        read.sort();
        let mut written = lines.clone();
        written.sort();
        assert_eq!(read, written, "botocore reads the lines as written");
    }
}

#[test]
fn a_binary_path_with_a_control_character_is_refused() {
    let t = TestEnv::new("trust_cp_newline");
    t.write_cli_token("corp", "2099-01-01T00:00:00Z");
    let bin = copy_binary(&t.root.join("new\nline"));
    let out = Command::new(&bin)
        .args(["generate", "--style", "credential-process"])
        .env_clear()
        .env("HOME", &t.home)
        .env("AWS_ENDPOINT_URL_SSO_OIDC", t.fake.url())
        .env("AWS_ENDPOINT_URL_SSO", t.fake.url())
        .output()
        .unwrap();
    let r = Run::new(format!("{bin:?}"), out);
    r.code(2).one_error_line("has a control character");
    assert!(r.stdout.is_empty(), "{}", r.stdout);
    assert_eq!(t.fake.requests().len(), 0, "refused before any request");
}
