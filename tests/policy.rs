//! One login policy (cli.md, Settled details → Login): a command that needs a
//! token logs in when stdin and stderr are terminals, and exits 3 naming the
//! login command otherwise; `check` never logs in; `credential-process` only
//! with `--login`; `sso_use_device_code = true` selects the device-code flow.

use crate::util::*;

/// The sample session `corp`, a profile `ro` → Management / Billing, no token.
fn logged_out(name: &str) -> TestEnv {
    let mut t = TestEnv::new(name);
    t.write_config(&format!(
        "{}\n[profile ro]\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = Billing\nregion = eu-west-1\n",
        t.session_config("corp")
    ));
    let url = t.fake.url();
    t.env("AWS_ENDPOINT_URL_SIGNIN", &url);
    t
}

/// Every command that needs a token, each with what its output starts with.
const NEEDS_A_TOKEN: [(&[&str], &str); 6] = [
    (&["--include-account", "Management"], "[sso-session corp]"),
    (
        &["generate", "--include-account", "Management"],
        "[sso-session corp]",
    ),
    (&["roles", "--format", "csv"], "account_id,account_name"),
    (
        &["export", "--profile", "ro"],
        "export AWS_ACCESS_KEY_ID='ASIA",
    ),
    (
        &[
            "exec",
            "--profile",
            "ro",
            "--",
            "sh",
            "-c",
            "echo \"$AWS_ACCESS_KEY_ID\"",
        ],
        "ASIA",
    ),
    (
        &["console", "--profile", "ro", "--print"],
        "http://127.0.0.1:",
    ),
];

#[test]
fn without_a_terminal_every_command_exits_3_naming_the_login_command() {
    let t = logged_out("policy_no_terminal");
    for (args, _) in NEEDS_A_TOKEN {
        let r = t.run(args);
        r.code(3)
            .one_error_line("(no terminal to log in on); run: sso-config login");
        assert_eq!(r.stdout, "", "{args:?}");
    }
    // Named by the flags that selected the session.
    t.run(["export", "--profile", "ro"])
        .one_error_line("run: sso-config login --profile ro");
    t.run(["roles", "--sso-session", "corp"])
        .one_error_line("run: sso-config login --sso-session corp");
    assert_eq!(t.fake.hits("RegisterClient"), 0);
    assert!(!t.token_file("corp").exists());
}

#[test]
fn on_a_terminal_every_command_logs_in_and_goes_on() {
    // At once: each login waits one poll interval, so the prompt is shown.
    std::thread::scope(|s| {
        for (args, output) in NEEDS_A_TOKEN {
            s.spawn(move || {
                let t = logged_out("policy_terminal");
                t.fake.set_device_approval(DeviceApproval::AfterPolls(1));
                let r = t.run_on_terminal(args);
                r.code(0)
                    .stderr_has("to log in, open this URL")
                    .stderr_has("confirm that it shows the code");
                assert!(r.stdout.starts_with(output), "{args:?}: {}", r.stdout);
                assert_eq!(t.fake.hits("StartDeviceAuthorization"), 1, "{args:?}");
                assert_eq!(
                    json(&t.token_file("corp"))["startUrl"],
                    t.fake.org().start_url.as_str()
                );
            });
        }
    });
}

#[test]
fn credential_process_logs_in_only_with_login() {
    let t = logged_out("policy_credential_process");
    // An SDK runs it: even with a terminal there, never a prompt of its own.
    let r = t.run_on_terminal(&["credential-process", "--profile", "ro"]);
    r.code(3).stderr_has("run: sso-config login --profile ro");
    assert!(!r.stderr.contains("open this URL"), "{}", r.stderr);
    assert_eq!(t.fake.hits("RegisterClient"), 0);
    // --login: the user asked for it, terminal or not.
    t.run(["credential-process", "--profile", "ro", "--login"])
        .code(0);
    assert_eq!(t.fake.hits("CreateToken:device_code"), 1);
}

#[test]
fn check_reports_and_never_logs_in() {
    let t = logged_out("policy_check");
    let r = t.run_on_terminal(&["check", "--profile", "ro"]);
    r.code(3);
    assert!(
        r.stdout
            .contains("login:    run: sso-config login --profile ro"),
        "{}",
        r.stdout
    );
    assert_eq!(t.fake.hits("RegisterClient"), 0);
}

#[test]
fn sso_use_device_code_selects_the_device_code_flow() {
    let t = TestEnv::new("policy_use_device_code");
    t.write_config(&format!(
        "{}sso_use_device_code = True\n",
        t.session_config("corp")
    ));
    // Pending once, so the verification URL is shown (and opened).
    t.fake.set_device_approval(DeviceApproval::AfterPolls(1));
    // BROWSER set: without the setting this would be a PKCE login.
    let (running, url) = t.spawn_with_browser(t.command(["login"]));
    if url.contains("/authorize?") {
        // The wrong flow: finish it, so the assertions below say so at once.
        browse(&url);
    }
    running.finish().code(0);
    assert_eq!(t.fake.hits("StartDeviceAuthorization"), 1);
    assert_eq!(t.fake.hits("CreateToken:authorization_code"), 0);
}

#[test]
fn a_flow_flag_beats_sso_use_device_code() {
    let t = TestEnv::new("policy_pkce_flag_wins");
    t.write_config(&format!(
        "{}sso_use_device_code = true\n",
        t.session_config("corp")
    ));
    // Pending once: a device-code login would open the browser too.
    t.fake.set_device_approval(DeviceApproval::AfterPolls(1));
    let (running, url) = t.spawn_with_browser(t.command(["login", "--pkce"]));
    assert!(url.contains("/authorize?"), "{url}");
    browse(&url);
    running.finish().code(0);
    assert_eq!(t.fake.hits("CreateToken:authorization_code"), 1);
    assert_eq!(t.fake.hits("CreateToken:device_code"), 0);
}
