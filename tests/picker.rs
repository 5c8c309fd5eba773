//! The role picker, driven through a pseudo-terminal: what commands that need
//! a role do on a terminal when none is named.

use crate::util::*;

const TITLE: &str = "Pick a role";
const DOWN: &str = "\x1b[B";

/// `stty -a` after the command: the terminal must be back in cooked mode.
fn restored(shown: &str) {
    let stty = shown
        .lines()
        .skip_while(|l| !l.starts_with("speed "))
        .collect::<String>();
    assert!(
        ["icanon", "echo", "isig", "icrnl"]
            .iter()
            .all(|flag| stty.contains(flag)),
        "terminal left raw:\n{shown}"
    );
}

#[test]
fn export_picks_a_role_by_filter_arrow_and_enter_from_the_listing() {
    let t = TestEnv::new("picker_choose");
    t.write_cli_token("corp", "2099-01-01T00:00:00Z");
    let accounts = t.fake.org().accounts.len();
    let line = "sso-config export --format json > out.json; echo \"rc=$?\"; stty -a";
    let keys = format!("manage{DOWN}\r");
    let r = t.type_on_terminal(
        &format!("cd {} && {line}", sh_quote(&t.root.to_string_lossy())),
        &[(TITLE, keys.as_bytes())],
    );
    r.code(0);
    assert!(r.stdout.contains("rc=0"), "{}", r.stdout);
    assert!(
        r.stdout
            .contains("picked Billing of Management (111122223333)"),
        "{}",
        r.stdout
    );
    restored(&r.stdout);
    let out = json(&t.root.join("out.json"));
    assert_eq!(out["AccountId"], "111122223333", "{out}");
    assert_eq!(out["RoleName"], "Billing", "{out}");
    // The listing was fetched once for the picker and kept.
    assert_eq!(t.fake.hits("ListAccountRoles"), accounts);

    // The next picker opens from the kept listing, without a call.
    let keys = "sandbox\r";
    let r = t.type_on_terminal(
        &format!("cd {} && {line}", sh_quote(&t.root.to_string_lossy())),
        &[(TITLE, keys.as_bytes())],
    );
    r.code(0);
    assert_eq!(t.fake.hits("ListAccountRoles"), accounts);
    assert_eq!(t.fake.hits("ListAccounts"), 1);
    let out = json(&t.root.join("out.json"));
    assert_eq!(out["AccountId"], "456789012345", "{out}");
}

#[test]
fn a_picked_role_with_a_profile_is_used_through_that_profile() {
    let t = TestEnv::new("picker_profile");
    t.write_cli_token("corp", "2099-01-01T00:00:00Z");
    t.write_config(&format!(
        "{}\n[profile mine]\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = Billing\nregion = eu-west-2\n",
        t.session_config("corp")
    ));
    let dir = sh_quote(&t.root.to_string_lossy());
    let r = t.type_on_terminal(
        &format!("cd {dir} && sso-config export --format json > out.json"),
        &[(TITLE, b"mine\r")],
    );
    r.code(0);
    assert!(r.stdout.contains("profile mine"), "{}", r.stdout);
    let out = json(&t.root.join("out.json"));
    assert_eq!(out["RoleName"], "Billing", "{out}");
    assert_eq!(out["Region"], "eu-west-2", "the profile's region: {out}");
    // credential-process asks too, with --login (the one way it may ask).
    let r = t.type_on_terminal(
        &format!("cd {dir} && sso-config credential-process --login > process.json"),
        &[(TITLE, b"mine\r")],
    );
    r.code(0);
    let out = json(&t.root.join("process.json"));
    assert_eq!(out["Version"], 1, "{out}");
}

#[test]
fn esc_and_ctrl_c_cancel_with_130_and_restore_the_terminal() {
    let t = TestEnv::new("picker_cancel");
    t.write_cli_token("corp", "2099-01-01T00:00:00Z");
    for keys in [&b"\x1b"[..], b"bill\x03"] {
        let r = t.type_on_terminal(
            "sso-config exec -- echo ran; echo \"rc=$?\"; stty -a",
            &[(TITLE, keys)],
        );
        r.code(0);
        assert!(r.stdout.contains("rc=130"), "{keys:?}: {}", r.stdout);
        assert!(!r.stdout.contains("ran\n"), "{}", r.stdout);
        restored(&r.stdout);
    }
    assert_eq!(t.fake.hits("GetRoleCredentials"), 0);
}

#[test]
fn no_picker_with_no_input_off_a_terminal_or_with_a_role_named() {
    let t = TestEnv::new("picker_none");
    t.write_cli_token("corp", "2099-01-01T00:00:00Z");
    let r = t.run_on_terminal(&["--no-input", "export"]);
    r.code(2)
        .one_error_line("which role? use --profile P, or --account-id A --role-name R");
    assert!(!r.stderr.contains(TITLE), "{}", r.stderr);
    t.run(["export"])
        .code(2)
        .one_error_line("which role? use --profile P, or --account-id A --role-name R");
    // credential-process asks only with --login.
    let r = t.run_on_terminal(&["credential-process"]);
    r.code(2);
    assert!(!r.stderr.contains(TITLE), "{}", r.stderr);
    // A role named by flags: no picker on a terminal either.
    let mut export = BILLING_BY_FLAGS;
    export[0] = "export";
    let r = t.run_on_terminal(&export);
    r.code(0);
    assert!(!r.stderr.contains(TITLE), "{}", r.stderr);
    assert_eq!(t.fake.hits("ListAccountRoles"), 0);
}

/// `sso-assume` with no profile, in a real bash on a terminal: the picker
/// asks even though AWS_PROFILE is set; a role with a profile becomes
/// AWS_PROFILE, one without is exported and named ACCOUNT/ROLE.
#[test]
fn sso_assume_without_a_profile_picks_in_the_current_shell() {
    let t = TestEnv::new("picker_assume");
    t.write_cli_token("corp", "2099-01-01T00:00:00Z");
    t.write_config(&format!(
        "{}\n[profile mine]\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = Billing\nregion = eu-west-2\n\n[profile other]\nsso_session = corp\n",
        t.session_config("corp")
    ));
    let script = t.root.join("assume.bash");
    std::fs::write(
        &script,
        "eval \"$(sso-config shell-init bash)\"\n\
         export AWS_PROFILE=other\n\
         sso-assume; echo \"rc=$? P=${AWS_PROFILE-} R=${AWS_REGION-} N=${SSO_CONFIG_PROFILE-}\"\n\
         sso-assume; echo \"rc=$? P=${AWS_PROFILE-} N=${SSO_CONFIG_PROFILE-} K=${AWS_ACCESS_KEY_ID:+set}\"\n"
            .replace("sso-config", &sh_quote(BIN)),
    )
    .unwrap();
    let line = format!(
        "bash --norc --noprofile {}",
        sh_quote(&script.to_string_lossy())
    );
    // The second picker's keys are typed once the first answer is shown.
    let steps: [(&str, &[u8]); 3] = [
        (TITLE, b"mine\r"),
        ("rc=0 P=mine", b""),
        (TITLE, b"sandbox\r"),
    ];
    let r = t.type_on_terminal(&line, &steps);
    r.code(0);
    assert!(
        r.stdout.contains("rc=0 P=mine R=eu-west-2 N=mine"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("rc=0 P= N=456789012345/AdministratorAccess K=set"),
        "{}",
        r.stdout
    );
}
