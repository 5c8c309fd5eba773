//! `login` and `logout`: both flows, the shared token cache, reuse and refresh.

use crate::util::*;

#[test]
fn device_code_login_writes_the_aws_cli_token_cache() {
    let t = TestEnv::new("device_login");
    let r = t.run(["login", "--device-code"]);
    r.code(0).stderr_has("logged in to session 'corp'");
    let token = json(&t.token_file("corp"));
    assert_eq!(token["startUrl"], t.fake.org().start_url.as_str());
    assert_eq!(token["region"], "us-east-1");
    for field in [
        "accessToken",
        "expiresAt",
        "clientId",
        "clientSecret",
        "registrationExpiresAt",
        "refreshToken",
    ] {
        assert!(token[field].is_string(), "{field} missing: {token}");
    }
    assert_eq!(mode(&t.token_file("corp")), 0o600);
    assert_eq!(mode(&t.sso_cache()), 0o700);
    // Registration cached under the AWS CLI's key for this session and scopes.
    let reg = t.sso_cache().join(format!(
        "{}.json",
        sha1_hex(&format!(
            "{{\"region\": \"us-east-1\", \"scopes\": [\"sso:account:access\"], \"session_name\": \"corp\", \"startUrl\": \"{}\", \"tool\": \"botocore\"}}",
            t.fake.org().start_url
        ))
    ));
    let reg = json(&reg);
    assert!(
        reg["clientId"].is_string() && reg.get("grantTypes").is_none(),
        "{reg}"
    );
    assert_eq!(t.fake.hits("RegisterClient"), 1);
    assert_eq!(t.fake.hits("StartDeviceAuthorization"), 1);
    assert_eq!(t.fake.hits("CreateToken:device_code"), 1);
    let body = t.first_json_body("RegisterClient");
    assert_eq!(body["clientName"], "botocore-client-corp");
    assert_eq!(body["scopes"][0], "sso:account:access");
}

#[test]
fn device_code_shows_url_and_code_while_pending() {
    let t = TestEnv::new("device_pending");
    t.fake.set_device_approval(DeviceApproval::AfterPolls(1));
    let r = t.run(["login", "--no-browser"]);
    r.code(0)
        .stderr_has("open this URL")
        .stderr_has("confirm that it shows the code");
    assert_eq!(t.fake.hits("CreateToken:device_code"), 2);
}

#[test]
fn denied_and_expired_device_codes_fail_cleanly() {
    let t = TestEnv::new("device_denied");
    t.fake.set_device_approval(DeviceApproval::Deny);
    t.run(["login", "--device-code"])
        .code(1)
        .stderr_has("denied");
    t.fake.set_device_approval(DeviceApproval::Expire);
    t.run(["login", "--device-code"])
        .code(1)
        .stderr_has("expired");
    assert!(!t.token_file("corp").exists());
}

/// Runs `login --pkce`, playing the browser it opens.
fn pkce_login(t: &TestEnv) -> Run {
    pkce_login_with(t, |_| ())
}

/// [`pkce_login`], calling `before_browse` with the authorize URL before the
/// browser follows it.
fn pkce_login_with(t: &TestEnv, before_browse: impl FnOnce(&str)) -> Run {
    let (running, url) = t.spawn_with_browser(t.command(["login", "--pkce"]));
    assert!(
        url.contains("/authorize?response_type=code&client_id="),
        "{url}"
    );
    before_browse(&url);
    browse(&url);
    running.finish()
}

#[test]
fn an_idle_connection_does_not_hold_up_the_callback() {
    let t = TestEnv::new("pkce_idle");
    let mut idle = Vec::new();
    let start = std::time::Instant::now();
    let r = pkce_login_with(&t, |url| {
        // Browsers open spare connections and may never send on them: two of
        // those come first, and stay open until the login is over.
        let port = url
            .split("redirect_uri=http%3A%2F%2F127.0.0.1%3A")
            .nth(1)
            .and_then(|rest| rest.split("%2F").next())
            .unwrap();
        for _ in 0..2 {
            idle.push(std::net::TcpStream::connect(format!("127.0.0.1:{port}")).unwrap());
        }
    });
    r.code(0);
    // The listener waits 10 s for a silent connection; served one after the
    // other, the callback would have waited behind both.
    assert!(
        start.elapsed() < std::time::Duration::from_secs(8),
        "{:?}",
        start.elapsed()
    );
    drop(idle);
}

#[test]
fn pkce_login_through_the_loopback_redirect() {
    let t = TestEnv::new("pkce_login");
    let r = pkce_login(&t);
    r.code(0).stderr_has("logged in to session 'corp'");
    assert_eq!(t.fake.hits("CreateToken:authorization_code"), 1);
    let token = json(&t.token_file("corp"));
    assert!(token["refreshToken"].is_string());
    let body = t.first_json_body("RegisterClient");
    assert_eq!(
        body["grantTypes"],
        serde_json::json!(["authorization_code", "refresh_token"])
    );
    assert_eq!(
        body["redirectUris"],
        serde_json::json!(["http://127.0.0.1/oauth/callback"])
    );
    assert_eq!(body["issuerUrl"], t.fake.org().start_url.as_str());
}

#[test]
fn pkce_login_survives_a_huge_token_lifetime() {
    let t = TestEnv::new("pkce_huge_expires_in");
    t.fake
        .set_hostile(fake_idc::Hostile::TokenExpiresIn(serde_json::json!(
            300_000_000_000_i64
        )));
    pkce_login(&t).code(0);
    // Cut to 90 days, not the year 11500.
    let token = json(&t.token_file("corp"));
    let year: i32 = token["expiresAt"].as_str().unwrap()[..4].parse().unwrap();
    assert!(
        year <= time::OffsetDateTime::now_utc().year() + 1,
        "{token}"
    );
}

#[test]
fn pkce_rejects_a_tampered_state() {
    let t = TestEnv::new("pkce_state");
    t.fake.set_authorize_mode(AuthorizeMode::WrongState);
    pkce_login(&t).code(1).stderr_has("wrong state");
    assert_eq!(t.fake.hits("CreateToken:authorization_code"), 0);
    assert!(!t.token_file("corp").exists());
}

#[test]
fn pkce_stops_on_an_error_redirect() {
    let t = TestEnv::new("pkce_error");
    t.fake
        .set_authorize_mode(AuthorizeMode::Error("access_denied".into()));
    pkce_login(&t).code(1).stderr_has("access_denied");
}

#[test]
fn a_valid_token_is_reused_without_a_prompt() {
    let t = TestEnv::new("reuse");
    t.run(["login", "--device-code"]).code(0);
    let before = std::fs::read(t.token_file("corp")).unwrap();
    t.run(["login"]).code(0).stderr_has("logged in");
    assert_eq!(t.fake.hits("CreateToken"), 1);
    assert_eq!(std::fs::read(t.token_file("corp")).unwrap(), before);
    // --force logs in again, reusing the cached registration.
    t.run(["login", "--force", "--device-code"]).code(0);
    assert_eq!(t.fake.hits("CreateToken"), 2);
    assert_eq!(t.fake.hits("RegisterClient"), 1);
}

#[test]
fn an_aws_cli_token_is_used_as_is() {
    let t = TestEnv::new("cli_token");
    // Written the AWS CLI way, with the legacy `UTC` suffix.
    t.write_cli_token("corp", "2099-01-01T00:00:00UTC");
    t.run(["roles", "--format", "csv"]).code(0);
    assert_eq!(t.fake.hits("CreateToken"), 0);
    assert_eq!(t.fake.hits("RegisterClient"), 0);
}

#[test]
fn an_expiring_token_is_refreshed_silently() {
    let t = TestEnv::new("refresh");
    let issued = t.write_cli_token("corp", "2000-01-01T00:00:00Z");
    t.run(["roles"]).code(0);
    assert_eq!(t.fake.hits("CreateToken:refresh_token"), 1);
    assert_eq!(t.fake.hits("StartDeviceAuthorization"), 0);
    let token = json(&t.token_file("corp"));
    assert_ne!(token["accessToken"], issued.access_token.as_str());
    assert_ne!(
        token["refreshToken"],
        issued.refresh_token.as_str(),
        "rotated token stored"
    );
    assert_eq!(token["clientId"], issued.client_id.as_str());
    // The next run uses the refreshed token.
    t.run(["roles"]).code(0);
    assert_eq!(t.fake.hits("CreateToken"), 1);
}

#[test]
fn a_corrupt_token_cache_is_a_miss() {
    let t = TestEnv::new("corrupt_cache");
    std::fs::create_dir_all(t.sso_cache()).unwrap();
    std::fs::write(t.token_file("corp"), "{\"accessToken\": \"trunc").unwrap();
    t.run(["login", "--device-code"]).code(0);
    assert!(json(&t.token_file("corp"))["accessToken"].is_string());
}

#[test]
fn legacy_profiles_get_the_start_url_token_too() {
    let t = TestEnv::new("legacy_key");
    let url = t.fake.org().start_url.clone();
    t.write_config(&format!(
        "{}\n[profile old]\nsso_start_url = {url}\nsso_region = us-east-1\nsso_account_id = 111122223333\nsso_role_name = Billing\n",
        t.session_config("corp")
    ));
    t.run(["login", "--sso-session", "corp", "--device-code"])
        .code(0);
    assert!(t.token_file("corp").exists());
    assert!(t.token_file(&url).exists());
    // And a legacy profile resolves to the start-URL token.
    t.run(["roles", "--profile", "old"]).code(0);
    assert_eq!(t.fake.hits("CreateToken"), 1);
}

#[test]
fn logout_ends_the_session_and_removes_caches() {
    let t = TestEnv::new("logout");
    t.run(["login", "--device-code"]).code(0);
    let cli_cache = t.home.join(".aws/cli/cache");
    std::fs::create_dir_all(&cli_cache).unwrap();
    std::fs::write(
        cli_cache.join("a.json"),
        r#"{"ProviderType": "sso", "Credentials": {}}"#,
    )
    .unwrap();
    std::fs::write(cli_cache.join("b.json"), r#"{"Credentials": {}}"#).unwrap();
    t.run(["logout"])
        .code(0)
        .stderr_has("logged out of session 'corp'");
    assert_eq!(t.fake.hits("Logout"), 1);
    assert!(!t.token_file("corp").exists());
    assert!(!cli_cache.join("a.json").exists());
    assert!(cli_cache.join("b.json").exists(), "non-SSO entries stay");
    t.run(["logout"]).code(0).stderr_has("not logged in");
}

#[test]
fn logout_all_covers_every_cached_token() {
    let t = TestEnv::new("logout_all");
    t.write_cli_token("corp", "2099-01-01T00:00:00Z");
    t.write_cli_token("other", "2099-01-01T00:00:00Z");
    t.run(["logout", "--all"])
        .code(0)
        .stderr_has("2 session(s)");
    assert_eq!(t.fake.hits("Logout"), 2);
    assert!(std::fs::read_dir(t.sso_cache()).unwrap().next().is_none());
}

#[test]
fn a_registration_the_service_forgot_is_replaced() {
    let t = TestEnv::new("stale_registration");
    t.run(["login", "--device-code"]).code(0);
    t.fake.expire_clients();
    t.run(["login", "--force", "--device-code"]).code(0);
    assert_eq!(t.fake.hits("RegisterClient"), 2);
    assert_eq!(t.fake.hits("CreateToken:device_code"), 2);
}

#[test]
fn debug_log_redacts_every_secret() {
    let t = TestEnv::new("debug_redacts");
    let r = t.run(["login", "--device-code", "--debug"]);
    r.code(0);
    assert!(r.stderr.contains("debug: > POST"), "{}", r.stderr);
    let token = json(&t.token_file("corp"));
    for field in ["accessToken", "refreshToken", "clientSecret"] {
        let secret = token[field].as_str().unwrap();
        assert!(!r.stderr.contains(secret), "{field} leaked:\n{}", r.stderr);
    }
    let r = t.run(["roles", "--debug"]);
    r.code(0);
    assert!(
        r.stderr.contains("x-amz-sso_bearer_token: (redacted)"),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains(token["accessToken"].as_str().unwrap()));
}

#[test]
fn retries_stop_at_aws_max_attempts() {
    let mut t = TestEnv::new("max_attempts");
    t.write_cli_token("corp", "2099-01-01T00:00:00Z");
    t.env("AWS_MAX_ATTEMPTS", "2");
    t.fake.fail_next("ListAccounts", 2, 500);
    t.run(["roles"])
        .code(1)
        .one_error_line("ListAccounts failed: InternalServerException (HTTP 500)");
    assert_eq!(t.fake.hits("ListAccounts"), 2);
    t.fake.fail_next("ListAccounts", 1, 500);
    t.run(["roles"]).code(0);
}

#[test]
fn login_all_logs_in_to_each_session_without_a_valid_token() {
    let t = TestEnv::new("login_all");
    // Three sessions of the same instance: one with a valid token, two
    // without; one prompt each for those two, none for the first.
    t.write_config(&format!(
        "{}\n{}\n{}",
        t.session_config("corp"),
        t.session_config("second"),
        t.session_config("third")
    ));
    t.write_cli_token("corp", "2099-01-01T00:00:00Z");
    let r = t.run(["login", "--all", "--device-code"]);
    r.code(0);
    for name in ["corp", "second", "third"] {
        r.stderr_has(&format!("logged in to session '{name}'"));
        assert!(t.token_file(name).exists(), "{name}");
    }
    assert_eq!(t.fake.hits("CreateToken:device_code"), 2);
    // All valid now: nothing to do, no prompt.
    t.run(["login", "--all", "--device-code"]).code(0);
    assert_eq!(t.fake.hits("CreateToken:device_code"), 2);
}

#[test]
fn login_all_goes_on_past_a_failed_session_and_exits_with_its_code() {
    let t = TestEnv::new("login_all_fail");
    // A session without a region fails (exit 2); the next is still logged in.
    t.write_config(&format!(
        "[sso-session broken]\nsso_start_url = https://broken.awsapps.com/start\nsso_registration_scopes = sso:account:access\n\n{}",
        t.session_config("corp")
    ));
    let r = t.run(["login", "--all", "--device-code"]);
    r.code(2)
        .stderr_has("session 'broken'")
        .stderr_has("logged in to session 'corp'");
    assert!(t.token_file("corp").exists());
    t.run(["login", "--all", "--sso-session", "corp"])
        .code(2)
        .one_error_line("takes no --sso-session");
}
