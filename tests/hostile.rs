//! Hostile or broken answers from the service end cleanly (issue 9, item 6): numbers that
//! would overflow time arithmetic, page tokens that repeat, URLs that are not for a browser,
//! text with control characters, bodies too large to hold. The fake sends them
//! (`Fake::set_hostile`); the binary must answer with one line and the contract's exit code,
//! or a working result where a bounded value is the right reading, never a panic or a hang.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use fake_idc::{Hostile, TestKey};
use serde_json::json;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::util::*;

const DAY: i64 = 24 * 3600;

/// Runs `c`, failing the test (and killing the run) if it takes longer than `limit`: a
/// listing or a poll that never ends must fail the test, not hang the test run.
fn run_within(mut c: Command, limit: Duration) -> Run {
    let cmd = format!("{c:?}");
    let child = c
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(limit) {
        Ok(out) => Run::new(cmd, out.unwrap()),
        Err(_) => {
            let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
            panic!("still running after {limit:?}: {cmd}");
        }
    }
}

/// Seconds from now until a cache timestamp (`YYYY-MM-DDTHH:MM:SSZ`).
fn secs_until(stamp: &serde_json::Value) -> i64 {
    let s = stamp
        .as_str()
        .unwrap_or_else(|| panic!("not a string: {stamp}"));
    let t = OffsetDateTime::parse(s, &Rfc3339).unwrap_or_else(|e| panic!("{s}: {e}"));
    (t - OffsetDateTime::now_utc()).whole_seconds()
}

#[track_caller]
fn assert_about(got: i64, want: i64) {
    assert!((got - want).abs() <= 120, "{got} s is not about {want} s");
}

/// The registration cache file of the `corp` session (device-code flow).
fn registration_file(t: &TestEnv) -> std::path::PathBuf {
    t.sso_cache().join(format!(
        "{}.json",
        sha1_hex(&format!(
            "{{\"region\": \"us-east-1\", \"scopes\": [\"sso:account:access\"], \"session_name\": \"corp\", \"startUrl\": \"{}\", \"tool\": \"botocore\"}}",
            t.fake.org().start_url
        ))
    ))
}

#[test]
fn a_huge_token_lifetime_at_login_is_cut_to_90_days() {
    for expires_in in [json!(300_000_000_000_i64), json!(3e11), json!(1e300)] {
        let t = TestEnv::new("huge_expires_in");
        t.fake
            .set_hostile(Hostile::TokenExpiresIn(expires_in.clone()));
        t.run(["login", "--device-code"]).code(0);
        let token = json(&t.token_file("corp"));
        assert_about(secs_until(&token["expiresAt"]), 90 * DAY);
        // The token works.
        t.run(["roles", "--format", "csv"]).code(0);
    }
}

#[test]
fn a_token_lifetime_that_is_not_positive_fails_the_login_in_one_line() {
    for expires_in in [json!(-5), json!(0), json!(-1e300)] {
        let t = TestEnv::new("bad_expires_in");
        t.fake
            .set_hostile(Hostile::TokenExpiresIn(expires_in.clone()));
        t.run(["login", "--device-code"])
            .code(1)
            .one_error_line("CreateToken: unexpected answer: expiresIn");
        assert!(!t.token_file("corp").exists(), "{expires_in}");
    }
}

#[test]
fn a_huge_token_lifetime_at_refresh_is_cut_to_90_days() {
    let t = TestEnv::new("huge_expires_in_refresh");
    t.write_cli_token("corp", "2000-01-01T00:00:00Z");
    t.fake
        .set_hostile(Hostile::TokenExpiresIn(json!(300_000_000_000_i64)));
    t.run(["roles", "--format", "csv"]).code(0);
    assert_eq!(t.fake.hits("CreateToken:refresh_token"), 1);
    let token = json(&t.token_file("corp"));
    assert_about(secs_until(&token["expiresAt"]), 90 * DAY);
}

#[test]
fn a_device_code_lifetime_beyond_any_clock_is_bounded() {
    for expires_in in [json!(u64::MAX), json!(1e300)] {
        let t = TestEnv::new("huge_device_expiry");
        t.fake
            .set_hostile(Hostile::DeviceExpiresIn(expires_in.clone()));
        t.run(["login", "--device-code"]).code(0);
    }
    let t = TestEnv::new("negative_device_expiry");
    t.fake.set_hostile(Hostile::DeviceExpiresIn(json!(-1)));
    t.run(["login", "--device-code"])
        .code(1)
        .one_error_line("StartDeviceAuthorization: unexpected answer: expiresIn");
}

#[test]
fn a_huge_poll_interval_does_not_outlast_the_device_code() {
    let t = TestEnv::new("huge_interval");
    t.fake.set_device_approval(DeviceApproval::AfterPolls(1000));
    t.fake
        .set_hostile(Hostile::DeviceInterval(json!(1_000_000_000_000_u64)));
    t.fake.set_hostile(Hostile::DeviceExpiresIn(json!(2)));
    let r = run_within(
        t.command(["login", "--device-code", "--no-browser"]),
        Duration::from_secs(60),
    );
    r.code(1).stderr_has("expired before it was approved");
    assert!(t.fake.hits("CreateToken:device_code") <= 3);
}

#[test]
fn a_registration_expiry_that_is_no_time_counts_as_90_days() {
    let t = TestEnv::new("huge_registration_expiry");
    t.fake
        .set_hostile(Hostile::ClientSecretExpiresAt(json!(1e300)));
    t.run(["login", "--device-code"]).code(0);
    let reg = json(&registration_file(&t));
    assert_about(secs_until(&reg["expiresAt"]), 90 * DAY);
}

#[test]
fn role_credentials_expiry_is_bounded() {
    let args = BILLING_BY_FLAGS;
    // Year 8941: cut to the 12 hours a permission set allows at most.
    for expiration in [json!(220_000_000_000_000_i64), json!(2.2e14)] {
        let t = TestEnv::new("far_role_expiry");
        t.write_cli_token("corp", "2099-01-01T00:00:00Z");
        t.fake.set_hostile(Hostile::RoleExpiration(expiration));
        let r = t.run(args);
        r.code(0);
        let out: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
        assert_about(secs_until(&out["Expiration"]), 12 * 3600);
    }
    // Past the year 9999: no time at all.
    let t = TestEnv::new("no_role_expiry");
    t.write_cli_token("corp", "2099-01-01T00:00:00Z");
    t.fake.set_hostile(Hostile::RoleExpiration(json!(1e300)));
    t.run(args)
        .code(1)
        .one_error_line("GetRoleCredentials: unexpected answer: expiration");
}

#[test]
fn a_page_token_that_repeats_ends_the_listing_with_one_line() {
    // 1: the same token every time; 2: A, B, A, … (a check of the previous token alone
    // would loop for ever).
    for cycle in [1, 2] {
        let t = TestEnv::new("repeat_token");
        t.write_cli_token("corp", "2099-01-01T00:00:00Z");
        t.fake.set_hostile(Hostile::PageTokenCycle(cycle));
        let r = run_within(
            t.command(["roles", "--format", "csv"]),
            Duration::from_secs(60),
        );
        // Role listings start while accounts are still listed, so either may stop first.
        r.code(1)
            .one_error_line("unexpected answer: the service sent a page token it had already sent");
        assert!(
            r.stderr.starts_with("sso-config: ListAccounts: ")
                || r.stderr.starts_with("sso-config: ListAccountRoles: "),
            "{}",
            r.stderr
        );
        assert!(t.fake.hits("ListAccounts") <= cycle + 1);
    }
}

#[test]
fn an_admin_listing_whose_page_token_repeats_ends_with_one_line() {
    let mut t = TestEnv::new("admin_repeat_token");
    let url = t.fake.url();
    for var in [
        "AWS_ENDPOINT_URL_SSO_ADMIN",
        "AWS_ENDPOINT_URL_IDENTITYSTORE",
        "AWS_ENDPOINT_URL_ORGANIZATIONS",
        "AWS_ENDPOINT_URL_STS",
    ] {
        t.env(var, &url);
    }
    let c = TestKey::Admin.credentials();
    t.env("AWS_ACCESS_KEY_ID", &c.access_key_id)
        .env("AWS_SECRET_ACCESS_KEY", &c.secret_access_key)
        .env("AWS_REGION", "eu-west-1");
    t.fake.set_hostile(Hostile::PageTokenCycle(2));
    let r = run_within(
        t.command(["admin", "lookup", "instance"]),
        Duration::from_secs(60),
    );
    r.code(1).one_error_line("ListInstances: unexpected answer");
    assert_eq!(t.fake.hits("sso-admin:ListInstances"), 3);
}

/// A `BROWSER` that records the URL it is asked to open in `opened.txt`.
fn recording_browser(t: &mut TestEnv) -> std::path::PathBuf {
    let record = t.root.join("opened.txt");
    let script = t.root.join("browser.sh");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nprintf '%s\\n' \"$1\" >> '{}'\n",
            record.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    t.env("BROWSER", script.to_str().unwrap());
    record
}

#[test]
fn a_verification_url_that_is_not_https_is_never_opened() {
    for uri in [
        "file:///etc/passwd",
        "javascript:alert(document.cookie)",
        "http://example.com/device",
        "https://portal.sso.us-east-1.amazonaws.com@evil.example/",
        "https://evil.example\\@device.sso.us-east-1.amazonaws.com/",
        "smb://evil.example/share",
    ] {
        let mut t = TestEnv::new("verification_uri");
        let record = recording_browser(&mut t);
        t.fake.set_device_approval(DeviceApproval::AfterPolls(1));
        t.fake
            .set_hostile(Hostile::VerificationUri(uri.to_string()));
        let r = t.run(["login", "--device-code"]);
        r.code(1).one_error_line(
            "StartDeviceAuthorization: unexpected answer: the service asked to open",
        );
        assert!(!Path::new(&record).exists(), "{uri} was opened");
        assert!(!r.stderr.contains("open this URL"), "{uri} was shown");
        assert_eq!(t.fake.hits("CreateToken"), 0, "{uri}");
    }
}

/// Text a terminal would act on: clear screen, set the title, a forged second line, a bidi
/// override.
const NASTY: &str = "\u{1b}[2J\u{1b}]0;pwned\u{7}\nsso-config: logged in\u{202e}txt.exe";

#[track_caller]
fn assert_inert(text: &str) {
    for c in ['\u{1b}', '\u{7}', '\u{202e}', '\r'] {
        assert!(!text.contains(c), "raw {c:?} in {text:?}");
    }
}

#[test]
fn an_error_message_with_control_characters_is_shown_escaped_on_one_line() {
    let mut t = TestEnv::new("nasty_error");
    t.env("AWS_MAX_ATTEMPTS", "1");
    t.write_cli_token("corp", "2099-01-01T00:00:00Z");
    t.fake.set_hostile(Hostile::ErrorMessage(NASTY.to_string()));
    t.fake.fail_next("ListAccounts", 1, 500);
    let r = t.run(["roles"]);
    r.code(1)
        .one_error_line("ListAccounts failed: InternalServerException (HTTP 500): \\u{1b}[2J\\u{1b}]0;pwned\\u{7}\\nsso-config: logged in\\u{202e}txt.exe");
    assert_inert(&r.stderr);
    // The same for SSO OIDC's error_description.
    t.fake.fail_next("CreateToken:device_code", 1, 400);
    let r = t.run(["login", "--device-code", "--force"]);
    r.code(1).one_error_line("CreateToken failed");
    assert_inert(&r.stderr);
}

#[test]
fn a_user_code_with_control_characters_is_shown_escaped() {
    let t = TestEnv::new("nasty_user_code");
    t.fake.set_device_approval(DeviceApproval::AfterPolls(1));
    t.fake
        .set_hostile(Hostile::UserCode(format!("ABCD{NASTY}")));
    let r = t.run(["login", "--device-code", "--no-browser"]);
    r.code(0)
        .stderr_has("confirm that it shows the code: ABCD\\u{1b}[2J");
    assert_inert(&r.stderr);
}

#[test]
fn account_names_with_control_characters_are_escaped_in_tables() {
    let mut org = Org::sample();
    org.accounts[0].name = format!("Management{NASTY}");
    let t = TestEnv::with_org("nasty_account", org);
    t.write_cli_token("corp", "2099-01-01T00:00:00Z");
    let r = t.run(["roles"]);
    r.code(0);
    assert_inert(&r.stdout);
    assert_inert(&r.stderr);
    assert!(
        !r.stdout.contains("\nsso-config: logged in"),
        "{}",
        r.stdout
    );
}

#[test]
fn an_oversized_answer_is_refused_in_one_line() {
    let t = TestEnv::new("oversized");
    t.write_cli_token("corp", "2099-01-01T00:00:00Z");
    t.fake.set_hostile(Hostile::OversizedBody(11 << 20));
    t.run(["roles"])
        .code(1)
        .one_error_line("ListAccounts: unexpected answer: the answer is larger than 10 MiB");
    // A length that is only declared is refused before anything is read, without retries.
    t.fake.clear_hostile();
    t.fake.set_hostile(Hostile::DeclaredLength(1 << 40));
    t.run(["roles"])
        .code(1)
        .one_error_line("ListAccounts: unexpected answer: the answer is larger than 10 MiB");
    assert_eq!(t.fake.hits("ListAccounts"), 2);
}
