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

/// A profile `p` whose `[services local]` section names the fake under `keys`.
fn services_config(t: &TestEnv, keys: &[&str]) -> String {
    let mut services = String::from("[services local]\n");
    for k in keys {
        services.push_str(&format!("{k} =\n  endpoint_url = {}\n", t.fake.url()));
    }
    format!(
        "{}\n[profile p]\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = Billing\nregion = eu-west-1\nservices = local\n\n{services}",
        t.session_config("corp")
    )
}

/// No per-service variables; `AWS_ENDPOINT_URL` points at a closed loopback
/// port, so a `[services]` entry that is not read fails without leaving the
/// machine (the SDKs rank `[services]` above `AWS_ENDPOINT_URL`).
fn only_config_endpoints(t: &mut TestEnv) {
    t.env("AWS_ENDPOINT_URL_SSO_OIDC", "")
        .env("AWS_ENDPOINT_URL_SSO", "")
        .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9");
}

#[test]
fn services_sections_take_the_rust_sdk_spelling_too() {
    for oidc_key in ["sso_oidc", "sso-oidc"] {
        let mut t = TestEnv::new("services_spelling");
        t.write_config(&services_config(&t, &[oidc_key, "sso"]));
        only_config_endpoints(&mut t);
        t.run(["login", "--profile", "p", "--device-code"]).code(0);
        assert_eq!(t.fake.hits("CreateToken:device_code"), 1, "{oidc_key}");
    }
}

#[test]
fn check_profile_sends_sts_where_services_says() {
    let mut t = TestEnv::new("services_sts");
    t.write_config(&services_config(&t, &["sso_oidc", "sso", "sts"]));
    t.write_cli_token("corp", "2099-01-01T00:00:00Z");
    only_config_endpoints(&mut t);
    t.run(["check", "--profile", "p"]).code(0);
    assert_eq!(t.fake.hits("sts:GetCallerIdentity"), 1);
}
