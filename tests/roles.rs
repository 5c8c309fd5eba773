//! `roles` in every format.

use crate::util::*;

#[test]
fn roles_in_every_format() {
    let t = TestEnv::new("roles_formats");
    t.write_cli_token("corp", "2099-01-01T00:00:00Z");
    let json_out = t.run(["roles", "--format", "json"]);
    json_out.code(0);
    let v: serde_json::Value = serde_json::from_str(&json_out.stdout).unwrap();
    let rows = v.as_array().unwrap();
    let total: usize = t.fake.org().accounts.iter().map(|a| a.roles.len()).sum();
    assert_eq!(rows.len(), total);
    assert_eq!(
        rows[0],
        serde_json::json!({"accountId": "234567890123", "accountName": "Data Science",
            "emailAddress": "data-science@example.com", "roleName": "AdministratorAccess"})
    );
    let csv = t.run(["roles", "--format", "csv"]);
    csv.code(0);
    let lines: Vec<&str> = csv.stdout.lines().collect();
    assert_eq!(lines[0], "account_id,account_name,email,role_name");
    assert_eq!(lines.len(), total + 1);
    assert!(lines.contains(
        &"678901234567,Security: Audit & Logs (Ü),security+audit@example.com,SecurityAudit"
    ));
    let table = t.run(["roles", "--account-id", "111122223333"]);
    table.code(0);
    assert_eq!(table.stdout.lines().count(), 3, "{}", table.stdout);
    assert!(table.stdout.starts_with("account_id    account_name"));
}

#[test]
fn global_flags_before_the_command() {
    let mut t = TestEnv::new("global_flags");
    let url = t.fake.url().to_string();
    t.env("AWS_ENDPOINT_URL_STS", &url);
    t.write_config(&format!(
        "{}\n[profile ro]\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = Billing\nregion = eu-west-1\n",
        t.session_config("corp")
    ));
    t.write_cli_token("corp", "2099-01-01T00:00:00Z");
    let plain = t.run(["roles", "--format", "csv"]);
    plain.code(0);
    let debug = t.run(["--debug", "roles", "--format", "csv"]);
    debug.code(0).stderr_has("sso-config: debug: > GET");
    assert_eq!(debug.stdout, plain.stdout);
    let after = t.run(["check", "--profile", "ro", "--json"]);
    after.code(0);
    let before = t.run(["--profile", "ro", "check", "--json"]);
    before.code(0);
    assert_eq!(before.stdout, after.stdout);
    let report: serde_json::Value = serde_json::from_str(&before.stdout).unwrap();
    assert_eq!(report["access"]["roleName"], "Billing", "{report}");
}
