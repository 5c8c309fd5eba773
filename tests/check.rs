//! `check --json`: one JSON object on stdout for every outcome, errors
//! included, with `ok`, a `status` naming the exit code and an `error`; stderr
//! and the exit code as without `--json`.

use crate::util::*;

/// [`with_profile`]'s environment, with STS at the fake too.
fn with_sts(name: &str) -> TestEnv {
    let mut t = with_profile(name);
    let url = t.fake.url();
    t.env("AWS_ENDPOINT_URL_STS", &url);
    t
}

/// Runs `check --json ARGS`, asserts the exit code and that stdout is one
/// JSON object with `status` and `ok`; returns that object.
fn check_json(t: &TestEnv, args: &[&str], code: i32, status: &str) -> serde_json::Value {
    let r = t.run(["check", "--json"].iter().chain(args));
    r.code(code);
    let v: serde_json::Value = serde_json::from_str(&r.stdout)
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", r.stdout));
    assert_eq!(v["status"], status, "{v}");
    assert_eq!(v["ok"], code == 0, "{v}");
    if code == 0 {
        assert!(v.get("error").is_none(), "{v}");
        assert_eq!(r.stderr, "");
    } else {
        let error = v["error"]
            .as_str()
            .unwrap_or_else(|| panic!("no error: {v}"));
        // A failure that is not a verdict is still the one line on stderr.
        if v.get("session").is_none() {
            r.one_error_line(error);
        }
    }
    v
}

#[test]
fn every_outcome_is_json() {
    let t = with_sts("check_json_ok");
    let v = check_json(&t, &["--profile", "ro"], 0, "ok");
    assert_eq!(v["access"]["ok"], true);

    // Access denied: the report, with the reason.
    let v = check_json(
        &t,
        &["--account-id", "111122223333", "--role-name", "Nope"],
        1,
        "error",
    );
    assert_eq!(
        v["error"],
        "role 'Nope' is not assigned in account 111122223333"
    );
    assert_eq!(v["token"]["status"], "valid");

    // An unknown profile: exit 2.
    let v = check_json(&t, &["--profile", "nope"], 2, "config-error");
    assert!(v["error"].as_str().unwrap().contains("'nope'"), "{v}");

    // No token: the report says what to run.
    std::fs::remove_file(t.token_file("corp")).unwrap();
    let v = check_json(&t, &["--profile", "ro"], 3, "login-required");
    assert!(
        v["error"]
            .as_str()
            .unwrap()
            .ends_with("run: sso-config login --profile ro"),
        "{v}"
    );
    assert_eq!(v["token"]["status"], "missing");
}

#[test]
fn a_config_that_cannot_be_read_is_json() {
    let t = with_sts("check_json_config");
    t.write_config("[sso-session corp\nsso_region = us-east-1\n");
    let v = check_json(&t, &[], 2, "config-error");
    assert!(v["error"].as_str().unwrap().contains("config:1"), "{v}");
}

#[test]
fn a_network_failure_is_json() {
    let mut t = with_sts("check_json_network");
    // A port nothing listens on.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    t.env("AWS_ENDPOINT_URL_SSO", &url)
        .env("AWS_MAX_ATTEMPTS", "1");
    let v = check_json(&t, &["--profile", "ro"], 1, "error");
    assert!(v["error"].as_str().unwrap().contains("cannot reach"), "{v}");
}

#[test]
fn a_token_the_portal_rejects_needs_a_login() {
    let t = with_sts("check_json_revoked");
    let path = t.token_file("corp");
    let mut token = json(&path);
    token["accessToken"] = serde_json::Value::from("revoked");
    std::fs::write(&path, token.to_string()).unwrap();
    let v = check_json(&t, &["--profile", "ro"], 3, "login-required");
    assert!(
        v["error"]
            .as_str()
            .unwrap()
            .ends_with("run: sso-config login --profile ro --force"),
        "{v}"
    );
}
