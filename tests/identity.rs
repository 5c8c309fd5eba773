//! Never the wrong identity: a cached token serves only the start URL and
//! region it was issued for, compared after normalising.

use crate::util::*;

/// Rewrites one field of the token file of session `corp`.
fn set_token_field(t: &TestEnv, field: &str, value: &str) {
    let path = t.token_file("corp");
    let mut token = json(&path);
    token[field] = serde_json::Value::String(value.to_string());
    std::fs::write(&path, token.to_string()).unwrap();
}

#[test]
fn a_token_issued_for_another_start_url_is_a_miss() {
    let t = TestEnv::new("foreign_url");
    t.write_cli_token("corp", "2099-01-01T00:00:00Z");
    set_token_field(&t, "startUrl", "https://d-0000000000.awsapps.com/start");
    t.run(BILLING_BY_FLAGS)
        .code(3)
        .one_error_line("issued for another start URL or region");
    assert_eq!(
        t.fake.hits("GetRoleCredentials"),
        0,
        "the foreign token was sent"
    );
    // A command that may log in (on a terminal) does so, and the new token
    // is this instance's.
    t.run_on_terminal(&["roles"]).code(0);
    assert_eq!(t.fake.hits("CreateToken:device_code"), 1);
    assert_eq!(
        json(&t.token_file("corp"))["startUrl"],
        t.fake.org().start_url.as_str()
    );
}

#[test]
fn a_token_issued_in_another_region_is_a_miss() {
    let t = TestEnv::new("foreign_region");
    t.write_cli_token("corp", "2099-01-01T00:00:00Z");
    set_token_field(&t, "region", "eu-west-1");
    t.run(BILLING_BY_FLAGS).code(3);
    assert_eq!(t.fake.hits("GetRoleCredentials"), 0);
}

#[test]
fn an_expiring_foreign_token_is_not_refreshed() {
    let t = TestEnv::new("foreign_refresh");
    t.write_cli_token("corp", "2000-01-01T00:00:00Z");
    set_token_field(&t, "startUrl", "https://d-0000000000.awsapps.com/start");
    t.run(BILLING_BY_FLAGS).code(3);
    assert_eq!(t.fake.hits("CreateToken:refresh_token"), 0);
}

#[test]
fn a_token_without_a_start_url_is_a_miss() {
    let t = TestEnv::new("anonymous_token");
    t.write_cli_token("corp", "2099-01-01T00:00:00Z");
    let path = t.token_file("corp");
    let mut token = json(&path);
    token.as_object_mut().unwrap().remove("startUrl");
    std::fs::write(&path, token.to_string()).unwrap();
    t.run(BILLING_BY_FLAGS).code(3);
}

#[test]
fn the_same_start_url_written_differently_matches() {
    let t = TestEnv::new("url_spelling");
    let url = t.fake.org().start_url.clone();
    t.write_cli_token("corp", "2099-01-01T00:00:00Z");
    set_token_field(&t, "startUrl", &format!(" {url}/#/?tab=accounts"));
    t.run(["roles", "--format", "csv"]).code(0);
    assert_eq!(t.fake.hits("CreateToken"), 0);
}

#[test]
fn a_start_url_typed_on_the_command_line_is_cleaned() {
    let t = TestEnv::new("typed_url");
    let url = t.fake.org().start_url.clone();
    let typed = format!(" {url}/#/?tab=accounts ");
    t.run([
        "login",
        "--device-code",
        "--start-url",
        &typed,
        "--sso-region",
        "us-east-1",
    ])
    .code(0);
    // The session is named after the host, and its token records the clean URL.
    let token = json(&t.token_file("d-9067c3a1f2"));
    assert_eq!(token["startUrl"], url.as_str());
    // Typed the clean way, the same token serves.
    t.run(["roles", "--start-url", &url, "--sso-region", "us-east-1"])
        .code(0);
    assert_eq!(t.fake.hits("CreateToken"), 1);
}
