//! Smaller defects of issue 9, item 8: each one failed before its fix.

use crate::util::*;

#[test]
fn a_config_that_is_not_utf8_names_file_and_line() {
    let t = TestEnv::new("latin1_config");
    let mut bytes = t.session_config("corp").into_bytes();
    bytes.extend_from_slice(b"\n[profile caf\xe9]\nregion = us-east-1\n");
    std::fs::write(t.config_path(), &bytes).unwrap();
    t.run(["roles"])
        .code(2)
        .one_error_line(&format!("{}:6:", t.config_path().display()))
        .stderr_has("UTF-8");
    assert_eq!(std::fs::read(t.config_path()).unwrap(), bytes, "untouched");
}

#[test]
fn windows_cmd_export_of_plain_secrets_works() {
    let t = TestEnv::new("cmd_export");
    t.write_config(&format!(
        "{}\n[profile ro]\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = Billing\nregion = eu-west-1\n",
        t.session_config("corp")
    ));
    t.write_cli_token("corp", "2099-01-01T00:00:00Z");
    let r = t.run(["export", "--profile", "ro", "--format", "windows-cmd"]);
    r.code(0);
    assert!(
        r.stdout.lines().all(|l| l.starts_with("set \"AWS_")),
        "{}",
        r.stdout
    );
    assert_eq!(r.stdout.lines().count(), 6);
}
