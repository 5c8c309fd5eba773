//! `generate`: output in every style, naming, `--write` merging, faults.

use crate::util::*;

fn logged_in(name: &str) -> TestEnv {
    let t = TestEnv::new(name);
    t.write_cli_token("corp", "2099-01-01T00:00:00Z");
    t
}

#[test]
fn prints_the_session_and_a_profile_per_account_and_role() {
    let t = logged_in("gen_sso");
    let r = t.run(["--region", "eu-west-1"]);
    r.code(0);
    let want_start = format!(
        "[sso-session corp]\nsso_start_url = {}\nsso_region = us-east-1\nsso_registration_scopes = sso:account:access\n\n[profile Data-Science.AdministratorAccess]\nsso_session = corp\nsso_account_id = 234567890123\nsso_role_name = AdministratorAccess\nregion = eu-west-1\n",
        t.fake.org().start_url
    );
    assert!(r.stdout.starts_with(&want_start), "{}", r.stdout);
    let names: Vec<&str> = r
        .stdout
        .lines()
        .filter(|l| l.starts_with("[profile "))
        .collect();
    assert_eq!(
        names,
        [
            "[profile Data-Science.AdministratorAccess]",
            "[profile Data-Science.DataScientist]",
            "[profile Data-Science.ReadOnlyAccess]",
            "[profile Management.AdministratorAccess]",
            "[profile Management.Billing]",
            "[profile prod-eu.PowerUserAccess]",
            "[profile prod-eu.ReadOnlyAccess]",
            "[profile Sandbox.AdministratorAccess-456789012345]",
            "[profile Sandbox.AdministratorAccess-567890123456]",
            "[profile Sandbox.ReadOnlyAccess]",
            // "Security: Audit & Logs (Ü)": `-` is trimmed only at the ends of the name.
            "[profile Security-Audit-Logs.ReadOnlyAccess]",
            "[profile Security-Audit-Logs.SecurityAudit]",
        ]
    );
    r.stderr_has("Sandbox.AdministratorAccess");
    // Deterministic: a second run prints the same bytes.
    assert_eq!(t.run(["--region", "eu-west-1"]).stdout, r.stdout);
}

#[test]
fn naming_flags_filters_and_regions() {
    let t = logged_in("gen_naming");
    let r = t.run([
        "generate",
        "--name",
        "{account_id}-{role_name}",
        "--lower",
        "--role-alias",
        "AdministratorAccess=admin",
        "--include-account",
        "sandbox",
        "--exclude-role",
        "read*",
        "--region",
        "eu-west-1",
        "--region",
        "us-east-2",
        "--set",
        "output=json",
    ]);
    r.code(0);
    let names: Vec<&str> = r
        .stdout
        .lines()
        .filter(|l| l.starts_with("[profile "))
        .collect();
    assert_eq!(
        names,
        [
            "[profile 456789012345-admin.eu-west-1]",
            "[profile 456789012345-admin.us-east-2]",
            "[profile 567890123456-admin.eu-west-1]",
            "[profile 567890123456-admin.us-east-2]",
        ]
    );
    assert!(
        r.stdout.contains("region = us-east-2\noutput = json\n"),
        "{}",
        r.stdout
    );
    let ruled = t.run([
        "--region-rule",
        "prod*=eu-central-1",
        "--include-account",
        "prod*",
    ]);
    ruled.code(0);
    assert!(ruled.stdout.contains("region = eu-central-1"));
    assert!(
        !ruled.stdout.contains("\nregion = us-east-1"),
        "{}",
        ruled.stdout
    );
}

#[test]
fn legacy_and_credential_process_styles() {
    let t = logged_in("gen_styles");
    let legacy = t.run(["--style", "legacy", "--include-account", "Management"]);
    legacy.code(0);
    assert!(!legacy.stdout.contains("[sso-session"));
    assert!(legacy.stdout.starts_with(&format!(
        "[profile Management.AdministratorAccess]\nsso_start_url = {}\nsso_region = us-east-1\nsso_account_id = 111122223333\nsso_role_name = AdministratorAccess\nregion = us-east-1\n",
        t.fake.org().start_url
    )), "{}", legacy.stdout);
    let cp = t.run([
        "--style",
        "credential-process",
        "--include-account",
        "111122223333",
    ]);
    cp.code(0);
    let line = cp
        .stdout
        .lines()
        .find(|l| l.starts_with("credential_process = "))
        .unwrap();
    assert_eq!(
        line,
        format!(
            "credential_process = '{BIN}' credential-process --sso-session='corp' --account-id='111122223333' --role-name='AdministratorAccess'"
        )
    );
}

const HAND_WRITTEN: &str = "# my settings\r\n[default]\r\nregion = eu-west-1 # not a comment\r\n\r\n[profile mine]\r\naws_access_key_id = AKIA\r\n  continued = value\r\n\r\n; trailing comment\r\n[profile Management.Billing]\r\nregion = ap-south-1";

#[test]
fn write_merges_a_managed_block_and_keeps_every_other_byte() {
    let t = logged_in("gen_write");
    let cfg = format!("{HAND_WRITTEN}\n{}", t.session_config("corp"));
    t.write_config(&cfg);
    std::fs::set_permissions(
        t.config_path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o640),
    )
    .unwrap();
    let r = t.run(["--write"]);
    r.code(0)
        .stderr_has("11 added, 0 removed")
        .stderr_has("skipped profile 'Management.Billing'");
    let after = t.read_config();
    assert!(
        after.starts_with(&cfg),
        "bytes before the block changed:\n{after}"
    );
    // New lines follow the file's own line ending (CRLF here).
    assert!(after.contains("# BEGIN sso-config corp\r\n"), "{after}");
    assert!(after.ends_with("# END sso-config corp\r\n"), "{after}");
    assert_eq!(
        after.matches("[sso-session corp]").count(),
        1,
        "the user's session is reused"
    );
    assert_eq!(after.matches("[profile Management.Billing]").count(), 1);
    assert_eq!(mode(&t.config_path()), 0o640);
    // A second run changes nothing.
    t.run(["--write"])
        .code(0)
        .stderr_has("0 added, 0 removed, 0 changed, 11 unchanged");
    assert_eq!(t.read_config(), after);
    // Text after the block survives a rewrite that prunes profiles.
    let mut with_tail = after.clone();
    with_tail.push_str("\n[profile tail]\nregion = x\n");
    t.write_config(&with_tail);
    t.run(["--write", "--exclude-account", "Sandbox"])
        .code(0)
        .stderr_has("3 removed");
    let pruned = t.read_config();
    assert!(
        pruned.starts_with(&cfg) && pruned.ends_with("\n[profile tail]\nregion = x\n"),
        "{pruned}"
    );
    assert!(!pruned.contains("[profile Sandbox"));
}

#[test]
fn dry_run_prints_a_diff_and_writes_nothing() {
    let t = logged_in("gen_dry");
    t.write_config(&format!(
        "{}\n[profile keep]\nregion = x\n",
        t.session_config("corp")
    ));
    let before = t.read_config();
    let r = t.run(["--write", "--dry-run", "--include-account", "Management"]);
    r.code(0).stderr_has("dry run");
    assert!(r.stdout.starts_with("--- "), "{}", r.stdout);
    assert!(
        r.stdout
            .contains("\n+# BEGIN sso-config corp --include-account Management\n+[profile Management.AdministratorAccess]\n"),
        "{}",
        r.stdout
    );
    assert_eq!(t.read_config(), before);
}

#[test]
fn write_refuses_a_conflicting_session() {
    let t = logged_in("gen_conflict");
    let cfg = t.session_config("corp").replace("us-east-1", "eu-west-1");
    t.write_config(&cfg);
    t.run([
        "--write",
        "--start-url",
        &t.fake.org().start_url,
        "--sso-region",
        "us-east-1",
        "--sso-session",
        "corp",
    ])
    .code(2)
    .one_error_line("different start URL or region");
    assert_eq!(t.read_config(), cfg);
}

#[test]
fn write_to_a_new_file() {
    let t = logged_in("gen_new_file");
    let target = t.root.join("sub/generated.ini");
    t.run([
        "--write",
        target.to_str().unwrap(),
        "--include-account",
        "Management",
    ])
    .code(0);
    let text = std::fs::read_to_string(&target).unwrap();
    assert!(
        text.starts_with(
            "# BEGIN sso-config corp --include-account Management\n[sso-session corp]\n"
        ),
        "{text}"
    );
}

#[test]
fn throttling_and_server_errors_do_not_change_the_output() {
    let t = logged_in("gen_faults");
    let clean = t.run(["--region", "eu-west-1"]);
    clean.code(0);
    t.fake.fail_next("ListAccounts", 2, 429);
    // Four faults in a row at most: every request gets five attempts.
    t.fake.fail_next("ListAccountRoles", 2, 500);
    t.fake.fail_next("ListAccountRoles", 2, 503);
    t.fake.set_page_size(1);
    t.fake.set_empty_pages(true);
    let faulty = t.run(["--region", "eu-west-1"]);
    faulty.code(0);
    assert_eq!(faulty.stdout, clean.stdout);
    assert_eq!(t.fake.hits("ListAccounts:429"), 2);
    assert_eq!(t.fake.hits("ListAccountRoles:5xx"), 4);
}

#[test]
fn a_revoked_token_asks_for_a_new_login() {
    let t = logged_in("gen_revoked");
    t.fake.expire_access_tokens();
    // The cached token still looks valid, so no refresh happens; the portal says 401.
    t.run(["roles"])
        .code(3)
        .one_error_line("sso-config login --sso-session corp --force");
}
