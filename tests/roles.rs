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
            "emailAddress": "data-science@example.com", "roleName": "AdministratorAccess",
            "profile": ""})
    );
    let csv = t.run(["roles", "--format", "csv"]);
    csv.code(0);
    let lines: Vec<&str> = csv.stdout.lines().collect();
    assert_eq!(lines[0], "account_id,account_name,email,role_name,profile");
    assert_eq!(lines.len(), total + 1);
    assert!(lines.contains(
        &"678901234567,Security: Audit & Logs (Ü),security+audit@example.com,SecurityAudit,"
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
    let debug = t.run(["--debug", "roles", "--format", "csv", "--refresh"]);
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

/// The one listing file of the test's HOME.
fn listing_file(t: &TestEnv) -> std::path::PathBuf {
    let dir = t.home.join(".aws/sso-config/listings");
    let files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    files[0].clone()
}

/// Sets the listing file's `fetchedAt` to `secs_ago` seconds before now.
fn age_listing(t: &TestEnv, secs_ago: u64) {
    let path = listing_file(t);
    let mut v = json(&path);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    v["fetchedAt"] = utc_stamp((now - secs_ago) as i64).into();
    std::fs::write(&path, v.to_string()).unwrap();
}

#[test]
fn roles_answer_from_the_listing_for_an_hour_and_refresh_fetches() {
    let t = TestEnv::new("roles_listing_cache");
    t.write_cli_token("corp", "2099-01-01T00:00:00Z");
    let accounts = t.fake.org().accounts.len();
    let first = t.run(["roles", "--format", "csv"]);
    first.code(0);
    assert_eq!(t.fake.hits("ListAccountRoles"), accounts);
    let file = listing_file(&t);
    assert_eq!(mode(&file), 0o600);
    assert_eq!(mode(file.parent().unwrap()), 0o700);

    // Within the hour: no call at all, the same bytes.
    let again = t.run(["roles", "--format", "csv"]);
    again.code(0);
    assert_eq!(again.stdout, first.stdout);
    assert_eq!(t.fake.hits("ListAccounts"), 1);
    assert_eq!(t.fake.hits("ListAccountRoles"), accounts);
    let one = t.run(["roles", "--format", "csv", "--account-id", "111122223333"]);
    one.code(0);
    assert_eq!(one.stdout.lines().count(), 3, "{}", one.stdout);
    assert_eq!(t.fake.hits("ListAccountRoles"), accounts);

    // --refresh fetches; so does a listing older than an hour.
    t.run(["roles", "--refresh"]).code(0);
    assert_eq!(t.fake.hits("ListAccountRoles"), 2 * accounts);
    age_listing(&t, 3500);
    t.run(["roles"]).code(0);
    assert_eq!(t.fake.hits("ListAccountRoles"), 2 * accounts);
    age_listing(&t, 3700);
    t.run(["roles"]).code(0);
    assert_eq!(t.fake.hits("ListAccountRoles"), 3 * accounts);

    // generate always fetches, and what it fetched is the new listing.
    age_listing(&t, 3000);
    let before = json(&listing_file(&t))["fetchedAt"].clone();
    t.run(["generate"]).code(0);
    assert_eq!(t.fake.hits("ListAccountRoles"), 4 * accounts);
    assert_ne!(json(&listing_file(&t))["fetchedAt"], before);

    // A filtered listing is not a complete one: it is not kept.
    age_listing(&t, 7200);
    t.run(["roles", "--account-id", "111122223333"]).code(0);
    assert_eq!(t.fake.hits("ListAccountRoles"), 4 * accounts + 1);
    t.run(["roles"]).code(0);
    assert_eq!(t.fake.hits("ListAccountRoles"), 5 * accounts + 1);

    // logout forgets it.
    t.run(["logout"]).code(0);
    assert!(!file.exists());
}

#[test]
fn a_listing_file_not_in_aws_form_is_fetched_again() {
    let t = TestEnv::new("roles_listing_hostile");
    t.write_cli_token("corp", "2099-01-01T00:00:00Z");
    let accounts = t.fake.org().accounts.len();
    let clean = t.run(["roles", "--format", "csv"]);
    clean.code(0);
    let path = listing_file(&t);
    for (field, value) in [
        ("accountId", "11112222333x"),
        ("accountName", "evil\u{1b}]52;c;AAAA\u{7}"),
    ] {
        let mut v = json(&path);
        v["accounts"][0][field] = serde_json::Value::String(value.into());
        std::fs::write(&path, v.to_string()).unwrap();
        let before = t.fake.hits("ListAccountRoles");
        let r = t.run(["roles", "--format", "csv"]);
        r.code(0);
        assert_eq!(r.stdout, clean.stdout, "{field}");
        assert_eq!(
            t.fake.hits("ListAccountRoles"),
            before + accounts,
            "{field}"
        );
    }
    let mut v = json(&path);
    v["accounts"][0]["roles"] = serde_json::json!(["Admin$(touch pwned)"]);
    std::fs::write(&path, v.to_string()).unwrap();
    let before = t.fake.hits("ListAccountRoles");
    t.run(["roles"]).code(0);
    assert_eq!(t.fake.hits("ListAccountRoles"), before + accounts);
    // A listing of another start URL (the session was pointed elsewhere).
    let mut v = json(&path);
    v["startUrl"] = serde_json::Value::String("https://other.awsapps.com/start".into());
    std::fs::write(&path, v.to_string()).unwrap();
    t.run(["roles"]).code(0);
    assert_eq!(t.fake.hits("ListAccountRoles"), before + 2 * accounts);
}

#[test]
fn roles_name_the_profile_of_each_role_preferring_the_generated_one() {
    let t = TestEnv::new("roles_profile_column");
    t.write_cli_token("corp", "2099-01-01T00:00:00Z");
    t.write_config(&format!(
        "{}\n[profile mine]\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = Billing\n\n[profile hand]\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = ReadOnly\n\n[profile elsewhere]\nsso_start_url = https://other.awsapps.com/start\nsso_region = us-east-1\nsso_account_id = 111122223333\nsso_role_name = AdministratorAccess\n",
        t.session_config("corp")
    ));
    t.run(["--write"]).code(0);
    let r = t.run(["roles", "--format", "json", "--account-id", "111122223333"]);
    r.code(0);
    let rows: Vec<serde_json::Value> = serde_json::from_str(&r.stdout).unwrap();
    let profile = |role: &str| {
        rows.iter()
            .find(|x| x["roleName"] == role)
            .map(|x| x["profile"].as_str().unwrap().to_string())
            .unwrap()
    };
    // The generated block has Management.Billing beside the hand-written
    // `mine`: the generated one is named, wherever it sits in the file.
    let config = t.read_config();
    assert!(config.contains("[profile Management.Billing]"), "{config}");
    assert!(config.find("[profile mine]") < config.find("[profile Management.Billing]"));
    let generated = |role: &str| format!("Management.{role}");
    assert_eq!(profile("Billing"), generated("Billing"));
    assert_eq!(
        profile("AdministratorAccess"),
        generated("AdministratorAccess")
    );
    // With the generated block gone, the hand-written profiles are named.
    t.write_config(&format!(
        "{}\n[profile mine]\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = Billing\n",
        t.session_config("corp")
    ));
    let r = t.run(["roles", "--format", "csv", "--account-id", "111122223333"]);
    r.code(0);
    assert!(
        r.stdout.lines().any(|l| l.ends_with(",Billing,mine")),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .lines()
            .any(|l| l.ends_with(",AdministratorAccess,")),
        "{}",
        r.stdout
    );
}

#[test]
fn the_progress_count_only_goes_up() {
    // Workers finish in any order; the line must not count backwards.
    let t = TestEnv::with_org("roles_progress", Org::generated(120, 2));
    t.write_cli_token("corp", "2099-01-01T00:00:00Z");
    let r = t.run_on_terminal(&["roles"]);
    r.code(0);
    let counts: Vec<usize> = r
        .stderr
        .split("fetched roles of ")
        .skip(1)
        .filter_map(|s| s.split('/').next()?.parse().ok())
        .collect();
    assert_eq!(counts.last(), Some(&120), "{:?}", r.stderr);
    assert!(
        counts.windows(2).all(|w| w[0] < w[1]),
        "counted backwards: {counts:?}"
    );
}
