//! credential-process, export, exec, console, check and completion.

use std::process::Command;

use crate::util::*;

fn role_cache_file(t: &TestEnv) -> std::path::PathBuf {
    let key = sha1_hex(r#"{"accountId":"111122223333","roleName":"Billing","sessionName":"corp"}"#);
    t.home.join(".aws/cli/cache").join(format!("{key}.json"))
}

fn parse(out: &str) -> serde_json::Value {
    serde_json::from_str(out).unwrap()
}

#[test]
fn credential_process_prints_the_json_and_caches_like_the_aws_cli() {
    let t = with_profile("cp_basic");
    let r = t.run(["credential-process", "--profile", "ro"]);
    r.code(0);
    let v = parse(&r.stdout);
    assert_eq!(v["Version"], 1, "Version must be the number 1");
    assert!(v["AccessKeyId"].as_str().unwrap().starts_with("ASIA"));
    assert!(v["Expiration"].as_str().unwrap().ends_with('Z'));
    let file = role_cache_file(&t);
    let cached = json(&file);
    assert_eq!(cached["ProviderType"], "sso");
    assert_eq!(cached["Credentials"]["AccessKeyId"], v["AccessKeyId"]);
    assert_eq!(cached["Credentials"]["AccountId"], "111122223333");
    assert_eq!(mode(&file), 0o600);
    // A cache hit makes no request at all.
    let before = t.fake.requests().len();
    let again = t.run(["credential-process", "--profile", "ro"]);
    again.code(0);
    assert_eq!(again.stdout, r.stdout);
    assert_eq!(t.fake.requests().len(), before);
    assert_eq!(t.fake.hits("GetRoleCredentials"), 1);
}

#[test]
fn the_fast_path_reads_neither_config_nor_token() {
    let t = with_profile("cp_fast");
    let args = BILLING_BY_FLAGS;
    let first = t.run(args);
    first.code(0);
    // A broken config and no token: a cache hit still answers.
    t.write_config("this is not ini\n");
    std::fs::remove_file(t.token_file("corp")).unwrap();
    let second = t.run(args);
    second.code(0);
    assert_eq!(second.stdout, first.stdout);
    assert_eq!(t.fake.hits("GetRoleCredentials"), 1);
}

#[test]
fn an_aws_cli_role_cache_entry_is_used_as_is() {
    let t = TestEnv::new("cp_cli_entry");
    std::fs::create_dir_all(t.home.join(".aws/cli/cache")).unwrap();
    std::fs::write(
        role_cache_file(&t),
        r#"{"ProviderType": "sso", "Credentials": {"AccessKeyId": "ASIACLI", "SecretAccessKey": "s3cr3t", "SessionToken": "tok", "Expiration": "2099-01-02T03:04:05Z", "AccountId": "111122223333"}}"#,
    )
    .unwrap();
    let r = t.run(BILLING_BY_FLAGS);
    r.code(0);
    assert_eq!(
        parse(&r.stdout),
        serde_json::json!({"Version": 1, "AccessKeyId": "ASIACLI", "SecretAccessKey": "s3cr3t",
            "SessionToken": "tok", "Expiration": "2099-01-02T03:04:05Z"})
    );
    assert!(t.fake.requests().is_empty());
}

#[test]
fn stale_entries_are_refetched_and_the_window_is_honoured() {
    let t = with_profile("cp_window");
    t.fake.set_role_credentials_ttl(600);
    t.run(["credential-process", "--profile", "ro"]).code(0);
    // 10 minutes left is inside the default 15-minute window: fetch again.
    t.run(["credential-process", "--profile", "ro"]).code(0);
    assert_eq!(t.fake.hits("GetRoleCredentials"), 2);
    // With a 5-minute window the entry is still good.
    t.run([
        "credential-process",
        "--profile",
        "ro",
        "--expiry-window",
        "300",
    ])
    .code(0);
    assert_eq!(t.fake.hits("GetRoleCredentials"), 2);
}

#[test]
fn fifty_concurrent_calls_make_one_fetch() {
    let t = with_profile("cp_herd");
    t.fake.set_latency(std::time::Duration::from_millis(50));
    let outputs = t.run_concurrently(50, &["credential-process", "--profile", "ro"]);
    for r in &outputs {
        r.code(0);
        assert_eq!(
            r.stdout, outputs[0].stdout,
            "all 50 get the same credentials"
        );
    }
    assert_eq!(t.fake.hits("GetRoleCredentials"), 1);
}

#[test]
fn twenty_concurrent_calls_with_an_expired_token_refresh_once() {
    let t = with_profile("cp_refresh_herd");
    t.write_cli_token("corp", "2000-01-01T00:00:00Z");
    t.fake.set_rotate_refresh_tokens(true);
    let outputs = t.run_concurrently(20, &["credential-process", "--profile", "ro"]);
    for r in &outputs {
        r.code(0);
    }
    assert_eq!(t.fake.hits("CreateToken:refresh_token"), 1);
    assert_eq!(t.fake.hits("GetRoleCredentials"), 1);
}

#[test]
fn no_token_means_exit_3_with_the_login_command() {
    let t = with_profile("cp_no_token");
    std::fs::remove_file(t.token_file("corp")).unwrap();
    t.run(["credential-process", "--profile", "ro"])
        .code(3)
        .one_error_line("run: sso-config login --profile ro");
    std::fs::write(t.token_file("corp"), "garbage").unwrap();
    t.run(["credential-process", "--profile", "ro"]).code(3);
    assert!(t.fake.requests().is_empty());
    // --login allows the interactive login (device code here).
    t.run(["credential-process", "--profile", "ro", "--login"])
        .code(0);
}

#[test]
fn unassigned_role_is_a_clear_error() {
    let t = with_profile("cp_no_access");
    t.run([
        "credential-process",
        "--account-id",
        "111122223333",
        "--role-name",
        "Nope",
    ])
    .code(1)
    .one_error_line("no access to role 'Nope' in account 111122223333");
}

/// Evaluates `script` in `shell` and prints the three credential variables.
fn eval_in(shell: &str, script: &str) -> String {
    let out = Command::new(shell)
        .arg("-c")
        .arg("eval \"$1\"; printf '%s\\n%s\\n%s\\n%s' \"$AWS_ACCESS_KEY_ID\" \"$AWS_SECRET_ACCESS_KEY\" \"$AWS_SESSION_TOKEN\" \"$AWS_REGION\"")
        .arg(shell)
        .arg(script)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn export_formats_survive_hostile_secrets_in_real_shells() {
    let t = with_profile("export_shells");
    t.fake.set_hostile_secrets(true);
    let j = t.run(["export", "--profile", "ro", "--format", "json"]);
    j.code(0);
    let v = parse(&j.stdout);
    let secret = v["SecretAccessKey"].as_str().unwrap();
    assert!(
        secret.contains('\'')
            && secret.contains('$')
            && secret.contains('"')
            && secret.contains('%'),
        "{secret}"
    );
    assert_eq!(
        (
            v["AccountId"].as_str(),
            v["RoleName"].as_str(),
            v["Region"].as_str()
        ),
        (Some("111122223333"), Some("Billing"), Some("eu-west-1"))
    );
    let want = format!(
        "{}\n{secret}\n{}\neu-west-1",
        v["AccessKeyId"].as_str().unwrap(),
        v["SessionToken"].as_str().unwrap()
    );
    for (format, shells) in [
        ("env", &["sh", "bash"][..]),
        ("env-no-export", &["sh", "bash"]),
    ] {
        let r = t.run(["export", "--profile", "ro", "--format", format]);
        r.code(0);
        for shell in shells {
            assert_eq!(eval_in(shell, &r.stdout), want, "{format} in {shell}");
        }
    }
    let default = t.run(["env", "--profile", "ro"]);
    assert!(default.stdout.starts_with("export AWS_ACCESS_KEY_ID="));
    assert!(
        default
            .stdout
            .contains("export AWS_DEFAULT_REGION='eu-west-1'\n")
    );
    let process = t.run(["export", "--profile", "ro", "--format", "process"]);
    let p = parse(&process.stdout);
    assert_eq!(
        p.as_object().unwrap().len(),
        5,
        "exactly the credential_process fields"
    );
    for format in ["fish", "powershell", "dotenv"] {
        let r = t.run(["export", "--profile", "ro", "--format", format]);
        r.code(0);
        assert_eq!(r.stdout.lines().count(), 6, "{format}: {}", r.stdout);
    }
    // cmd.exe has no quoting for `"` and `%` inside `set "K=v"`: refused, and
    // the message names the variable, never the value.
    let cmd = t.run(["export", "--profile", "ro", "--format", "windows-cmd"]);
    cmd.code(1).one_error_line("AWS_SECRET_ACCESS_KEY");
    assert!(cmd.stdout.is_empty() && !cmd.stderr.contains(secret));
    assert_eq!(
        t.fake.hits("GetRoleCredentials"),
        1,
        "every export reused the cache"
    );
}

#[test]
fn write_credentials_keeps_the_rest_of_the_file() {
    let t = with_profile("export_write");
    let creds = t.home.join(".aws/credentials");
    let original = "# keep me\n[other]\naws_access_key_id = AKIAOTHER\naws_secret_access_key = x\n\n[ro]\naws_access_key_id = OLD\n";
    std::fs::write(&creds, original).unwrap();
    t.run(["export", "--profile", "ro", "--write-credentials"])
        .code(0)
        .stderr_has("wrote [ro]");
    let after = std::fs::read_to_string(&creds).unwrap();
    assert!(after.starts_with("# keep me\n[other]\naws_access_key_id = AKIAOTHER\naws_secret_access_key = x\n\n[ro]\naws_access_key_id = ASIA"), "{after}");
    assert!(after.contains("aws_session_token = "));
    assert!(!after.contains("OLD"));
    assert_eq!(mode(&creds), 0o600);
    t.run(["export", "--profile", "ro", "--write-credentials", "named"])
        .code(0);
    let named = std::fs::read_to_string(&creds).unwrap();
    assert!(
        named.starts_with(&after) && named.contains("\n[named]\n"),
        "{named}"
    );
}

#[test]
fn exec_runs_the_command_with_the_role_in_its_environment() {
    let mut t = with_profile("exec");
    t.env("AWS_PROFILE", "ro").env("AWS_DEFAULT_PROFILE", "ro");
    let r = t.run([
        "exec",
        "--",
        "sh",
        "-c",
        "echo \"$AWS_ACCESS_KEY_ID|${AWS_PROFILE-unset}|${AWS_DEFAULT_PROFILE-unset}|$AWS_REGION|$AWS_DEFAULT_REGION\"; tr '\\0' ' ' < /proc/$$/cmdline; exit 7",
    ]);
    r.code(7);
    let cached = json(&role_cache_file(&t));
    let key = cached["Credentials"]["AccessKeyId"].as_str().unwrap();
    let secret = cached["Credentials"]["SecretAccessKey"].as_str().unwrap();
    let token = cached["Credentials"]["SessionToken"].as_str().unwrap();
    let mut lines = r.stdout.lines();
    assert_eq!(
        lines.next().unwrap(),
        format!("{key}|unset|unset|eu-west-1|eu-west-1")
    );
    let cmdline = lines.next().unwrap();
    assert!(
        !cmdline.contains(secret) && !cmdline.contains(token),
        "secret in arguments: {cmdline}"
    );
    t.run(["run-as", "--profile", "ro", "no-such-program-xyz"])
        .code(1)
        .one_error_line("cannot run 'no-such-program-xyz'");
}

#[test]
fn console_url_through_the_federation_endpoint() {
    let mut t = with_profile("console");
    let url = t.fake.url();
    t.env("AWS_ENDPOINT_URL_SIGNIN", &url);
    let r = t.run([
        "console",
        "--profile",
        "ro",
        "--print",
        "--destination",
        "/s3/home",
        "--duration",
        "3600",
    ]);
    r.code(0);
    let login = r.stdout.trim();
    assert!(
        login.starts_with(&format!("{url}/federation?Action=login&Destination=https%3A%2F%2Feu-west-1.console.aws.amazon.com%2Fs3%2Fhome%3Fregion%3Deu-west-1&SigninToken=")),
        "{login}"
    );
    assert_eq!(t.fake.hits("GetSigninToken"), 1);
    let getter = t.first_request("GetSigninToken");
    assert_eq!(
        getter.method, "POST",
        "credentials go in the body, not the URL"
    );
    assert_eq!(browse(login), 200);
    assert_eq!(t.fake.hits("ConsoleLogin"), 1);
}

#[test]
fn check_reports_session_token_and_access() {
    let mut t = with_profile("check");
    let url = t.fake.url();
    t.env("AWS_ENDPOINT_URL_STS", &url);
    let r = t.run(["check", "--profile", "ro", "--json"]);
    r.code(0);
    let v = parse(&r.stdout);
    assert_eq!(v["session"], "corp");
    assert_eq!(v["source"], "profile ro (--profile)");
    assert_eq!(v["token"]["status"], "valid");
    assert_eq!(v["token"]["refreshable"], true);
    assert_eq!(v["access"]["ok"], true);
    let arn = v["access"]["identity"].as_str().unwrap();
    assert!(
        arn.starts_with("arn:aws:sts::111122223333:assumed-role/"),
        "{arn}"
    );
    assert_eq!(t.fake.hits("sts:GetCallerIdentity"), 1);
    let text = t.run(["check", "--sso-session", "corp"]);
    text.code(0);
    assert!(text.stdout.contains("status:   ok"), "{}", text.stdout);
    t.run([
        "check",
        "--account-id",
        "111122223333",
        "--role-name",
        "Nope",
        "--sso-session",
        "corp",
    ])
    .code(1);
    std::fs::remove_file(t.token_file("corp")).unwrap();
    let missing = t.run(["check", "--json"]);
    missing.code(3);
    assert_eq!(parse(&missing.stdout)["token"]["status"], "missing");
}

#[test]
fn generated_credential_process_lines_run() {
    let t = with_profile("cp_generated");
    let r = t.run([
        "--style",
        "credential-process",
        "--include-account",
        "Management",
    ]);
    r.code(0);
    let line = r
        .stdout
        .lines()
        .find(|l| l.contains("--role-name='Billing'"))
        .unwrap();
    let command = line.strip_prefix("credential_process = ").unwrap();
    assert!(command.starts_with(&format!("'{BIN}' ")), "{command}");
    let run = t.sh(command);
    run.code(0);
    assert_eq!(parse(&run.stdout)["Version"], 1);
}

#[test]
fn completion_scripts_and_names() {
    let t = with_profile("completion");
    let bash = t.run(["completion", "bash"]);
    bash.code(0);
    let syntax = Command::new("bash")
        .arg("-n")
        .arg("-c")
        .arg(&bash.stdout)
        .status()
        .unwrap();
    assert!(syntax.success());
    for shell in ["zsh", "fish"] {
        assert!(
            t.run(["completion", shell])
                .code(0)
                .stdout
                .contains("names profiles")
        );
    }
    t.run(["completion", "tcsh"]).code(2);
    assert_eq!(t.run(["__complete", "profiles"]).stdout, "ro\n");
    assert_eq!(t.run(["__complete", "sessions"]).stdout, "corp\n");
}

#[test]
fn a_binary_path_with_spaces_is_quoted_in_credential_process() {
    let t = with_profile("cp_spaces");
    let copy = copy_binary(&t.root.join("my tools"));
    let out = Command::new(&copy)
        .args([
            "--style",
            "credential-process",
            "--include-account",
            "Management",
        ])
        .env_clear()
        .env("HOME", &t.home)
        .env("AWS_ENDPOINT_URL_SSO", t.fake.url())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let line = text
        .lines()
        .find(|l| l.contains("--role-name='Billing'"))
        .unwrap();
    let command = line.strip_prefix("credential_process = ").unwrap();
    assert!(
        command.starts_with(&format!("'{}' ", copy.display())),
        "{command}"
    );
    // botocore splits it shell-style; sh does the same for this quoting.
    t.sh(command).code(0);
}
