//! `admin`: lookup and assignments against the fake's ground truth, every
//! credential source, the authentication errors, and the API calls a listing costs.

use std::collections::BTreeMap;
use std::path::PathBuf;

use fake_idc::{Directory, PrincipalType, TestKey};

use crate::util::*;

/// The admin region of the fake's sample (organizations signs for us-east-1).
const REGION: &str = "eu-west-1";

/// A test environment whose signed-service endpoints point at the fake.
fn admin_env(name: &str) -> TestEnv {
    admin_env_with(name, Org::sample())
}

fn admin_env_with(name: &str, org: Org) -> TestEnv {
    let mut t = TestEnv::with_org(name, org);
    let url = t.fake.url();
    for var in [
        "AWS_ENDPOINT_URL_SSO_ADMIN",
        "AWS_ENDPOINT_URL_IDENTITYSTORE",
        "AWS_ENDPOINT_URL_ORGANIZATIONS",
        "AWS_ENDPOINT_URL_STS",
    ] {
        t.env(var, &url);
    }
    t
}

/// The same, with a test key in the environment and the admin region.
pub(crate) fn keyed_env(name: &str, key: TestKey) -> TestEnv {
    keyed_env_with(name, key, Org::sample())
}

fn keyed_env_with(name: &str, key: TestKey, org: Org) -> TestEnv {
    let mut t = admin_env_with(name, org);
    let c = key.credentials();
    t.env("AWS_ACCESS_KEY_ID", &c.access_key_id)
        .env("AWS_SECRET_ACCESS_KEY", &c.secret_access_key)
        .env("AWS_REGION", REGION);
    if let Some(token) = &c.session_token {
        t.env("AWS_SESSION_TOKEN", token);
    }
    t
}

fn dir(t: &TestEnv) -> &Directory {
    &t.fake.org().directory
}

/// Parses `--format json` output: an array of objects of strings.
fn rows(r: &Run) -> Vec<BTreeMap<String, String>> {
    serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}: {}", r.stdout))
}

/// One assignment row as the contract prints it, from the fake's model.
type Row = (String, String, String, String, String, String, String);

fn row_of(r: &BTreeMap<String, String>) -> Row {
    assert_eq!(r["target_type"], "AWS_ACCOUNT");
    let g = |k: &str| r[k].clone();
    (
        g("principal_type"),
        g("principal_id"),
        g("principal_name"),
        g("permission_set_arn"),
        g("permission_set_name"),
        g("target_id"),
        g("target_name"),
    )
}

/// The fake's assignments that pass `keep`, with names (or empty names).
fn truth(d: &Directory, names: bool, keep: impl Fn(&fake_idc::Assignment) -> bool) -> Vec<Row> {
    let mut out: Vec<Row> = d
        .assignments
        .iter()
        .filter(|a| keep(a))
        .map(|a| {
            let name = |s: Option<&str>| {
                if names {
                    s.unwrap_or("?").to_string()
                } else {
                    String::new()
                }
            };
            (
                a.principal_type.as_str().to_string(),
                a.principal_id.clone(),
                name(d.principal_name(a.principal_type, &a.principal_id)),
                a.permission_set_arn.clone(),
                name(
                    d.permission_set(&a.permission_set_arn)
                        .map(|p| p.name.as_str()),
                ),
                a.account_id.clone(),
                name(d.account(&a.account_id).map(|x| x.name.as_str())),
            )
        })
        .collect();
    out.sort();
    out
}

/// Runs `admin assignments --format json ARGS` and returns its rows, sorted.
fn assignments(t: &TestEnv, args: &[&str]) -> Vec<Row> {
    let mut all = vec!["admin", "assignments", "--format", "json"];
    all.extend(args);
    let r = t.run(&all);
    r.code(0);
    let mut got: Vec<Row> = rows(&r).iter().map(row_of).collect();
    got.sort();
    got
}

#[test]
fn lookup_every_kind_matches_the_directory() {
    let t = keyed_env("admin_lookup", TestKey::Admin);
    let d = dir(&t);

    let r = t.run(["admin", "lookup", "instance", "--format", "json"]);
    r.code(0);
    let inst = rows(&r);
    assert_eq!(inst.len(), 1);
    assert_eq!(inst[0]["instance_arn"], d.instance_arn);
    assert_eq!(inst[0]["identity_store_id"], d.identity_store_id);

    let r = t.run(["admin", "lookup", "identity-store", "--format", "csv"]);
    r.code(0);
    assert_eq!(
        r.stdout,
        format!(
            "identity_store_id,instance_arn\n{},{}\n",
            d.identity_store_id, d.instance_arn
        )
    );

    let r = t.run([
        "admin", "lookup", "user", "carol", "alice", "--format", "json",
    ]);
    r.code(0);
    let users = rows(&r);
    assert_eq!(users.len(), 2);
    assert_eq!(users[0]["user_name"], "carol");
    assert_eq!(users[0]["user_id"], d.user_named("carol").unwrap().id);
    assert_eq!(users[1]["user_id"], d.user_named("alice").unwrap().id);

    let r = t.run(["admin", "lookup", "group", "Data Team", "--format", "json"]);
    r.code(0);
    assert_eq!(
        rows(&r)[0]["group_id"],
        d.group_named("Data Team").unwrap().id
    );

    let r = t.run([
        "admin",
        "lookup",
        "permission-set",
        "SecurityAudit",
        "Unused",
        "--format",
        "json",
    ]);
    r.code(0);
    let ps = rows(&r);
    assert_eq!(ps[0]["permission_set_name"], "SecurityAudit");
    assert_eq!(
        ps[0]["permission_set_arn"],
        d.permission_set_named("SecurityAudit").unwrap().arn
    );
    assert_eq!(
        ps[1]["permission_set_arn"],
        d.permission_set_named("Unused").unwrap().arn
    );

    // Account names are not unique: every account with the name is printed.
    let r = t.run(["admin", "lookup", "account", "Sandbox", "Log Archive"]);
    r.code(0);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(lines.len(), 4, "{}", r.stdout);
    assert!(lines[0].starts_with("account_name"));
    assert!(lines[1].starts_with("Sandbox") && lines[1].ends_with("456789012345"));
    assert!(lines[2].ends_with("567890123456"));
    assert!(lines[3].starts_with("Log Archive") && lines[3].ends_with("789012345678"));
}

#[test]
fn lookup_reports_unknown_names_and_prints_the_known_ones() {
    let t = keyed_env("admin_lookup_unknown", TestKey::Admin);
    let r = t.run([
        "admin", "lookup", "user", "nobody", "bob", "ghost", "--format", "csv",
    ]);
    r.code(1)
        .one_error_line("user 'nobody'")
        .stderr_has("user 'ghost'");
    let bob = &dir(&t).user_named("bob").unwrap().id;
    assert_eq!(r.stdout, format!("user_name,user_id\nbob,{bob}\n"));
    let r = t.run(["admin", "lookup", "account", "Nope"]);
    r.code(1).one_error_line("account 'Nope'");
    let r = t.run(["admin", "lookup", "permission-set", "Nope", "Billing"]);
    r.code(1).one_error_line("permission set 'Nope'");
    assert!(r.stdout.contains("Billing"));
}

#[test]
fn assignments_match_the_directory_in_every_format() {
    let t = keyed_env("admin_assignments_all", TestKey::Admin);
    let d = dir(&t);
    assert_eq!(assignments(&t, &[]), truth(d, false, |_| true));
    assert_eq!(assignments(&t, &["--names"]), truth(d, true, |_| true));

    let csv = t.run(["admin", "assignments", "--format", "csv", "--names"]);
    csv.code(0);
    let lines: Vec<&str> = csv.stdout.lines().collect();
    assert_eq!(
        lines[0],
        "instance_arn,principal_type,principal_id,principal_name,permission_set_arn,permission_set_name,target_type,target_id,target_name"
    );
    assert_eq!(lines.len(), d.assignments.len() + 1);
    assert!(lines[1..].iter().all(|l| l.starts_with(&d.instance_arn)));
    // A name with a colon, an ampersand and a non-ASCII letter needs no CSV quoting.
    assert!(csv.stdout.contains(",Security: Audit & Logs (Ü)\n"));

    // Deterministic: account name (case-blind), account id, permission set, principal.
    let again = t.run(["admin", "assignments", "--format", "csv", "--names"]);
    assert_eq!(again.stdout, csv.stdout);
    let targets: Vec<(String, String)> =
        rows(&t.run(["admin", "assignments", "--format", "json", "--names"]))
            .iter()
            .map(|r| (r["target_name"].to_lowercase(), r["target_id"].clone()))
            .collect();
    let mut sorted = targets.clone();
    sorted.sort();
    assert_eq!(targets, sorted);

    let table = t.run(["admin", "assignments"]);
    table.code(0);
    assert!(table.stdout.starts_with("instance_arn "));
    assert_eq!(table.stdout.lines().count(), d.assignments.len() + 1);
}

/// The accounts whose assignments a full listing lists: those with a
/// provisioned permission set (the unit the progress line counts).
fn provisioned_accounts(d: &Directory) -> usize {
    d.provisioned
        .iter()
        .map(|(_, a)| a)
        .collect::<std::collections::BTreeSet<_>>()
        .len()
}

#[test]
fn assignments_show_progress_on_a_terminal_and_clear_it() {
    let t = keyed_env("admin_progress_terminal", TestKey::Admin);
    let n = provisioned_accounts(dir(&t));
    let r = t.run_on_terminal(&["admin", "assignments"]);
    r.code(0)
        .stderr_has(&format!(
            "\rsso-config: fetched assignments of 0/{n} accounts"
        ))
        .stderr_has(&format!(
            "\rsso-config: fetched assignments of {n}/{n} accounts"
        ));
    // The line is cleared at the end, and nothing else was written: the
    // terminal is left clean for the table.
    assert!(r.stderr.ends_with("\r\u{1b}[K"), "{:?}", r.stderr);
    assert_eq!(
        r.stderr.lines().count(),
        1,
        "progress rewrites one line: {:?}",
        r.stderr
    );
    // The table is the one a pipe gets.
    let piped = t.run(["admin", "assignments"]);
    piped.code(0);
    assert_eq!(r.stdout, piped.stdout);
    assert_eq!(r.stdout.lines().count(), dir(&t).assignments.len() + 1);

    // A failing listing ends the line before its error.
    let mut t = t;
    t.env("AWS_MAX_ATTEMPTS", "1");
    t.fake
        .fail_next("sso-admin:ListAccountAssignments", 1000, 500);
    let r = t.run_on_terminal(&["admin", "assignments"]);
    r.code(1);
    let (before, after) = r.stderr.rsplit_once("\r\u{1b}[K").unwrap_or(("", ""));
    assert!(
        before.contains("fetched assignments of 0/") && after.starts_with("sso-config: "),
        "{:?}",
        r.stderr
    );

    // lookup and whoami are a few calls: no progress line, nothing to clear.
    let r = t.run_on_terminal(&["admin", "lookup", "user", "alice"]);
    r.code(0);
    assert_eq!(r.stderr, "");
}

#[test]
fn assignments_show_no_progress_off_a_terminal() {
    let t = keyed_env("admin_progress_piped", TestKey::Admin);
    for format in ["table", "csv", "json"] {
        let r = t.run(["admin", "assignments", "--format", format]);
        r.code(0);
        assert_eq!(r.stderr, "", "{format}");
    }
}

#[test]
fn ou_targets_expand_to_direct_or_nested_accounts() {
    let t = keyed_env("admin_ou_targets", TestKey::Admin);
    let d = dir(&t);
    for (ou, recursive) in [
        ("ou-ab12-workload1", false),
        ("ou-ab12-workload1", true),
        ("ou-ab12-prodwork1", false),
        ("ou-ab12-prodwork1", true),
        ("ou-ab12-sandbox01", false),
        ("r-ab12", false),
        ("r-ab12", true),
    ] {
        let under = d.accounts_under(ou, recursive);
        let mut args = vec!["--target", ou, "--names"];
        if recursive {
            args.push("--ou-recursive");
        }
        let want = truth(d, true, |a| under.contains(&a.account_id.as_str()));
        assert_eq!(assignments(&t, &args), want, "{ou} recursive={recursive}");
    }
    // The nested account is found only with --ou-recursive.
    assert!(
        assignments(&t, &["--target", "ou-ab12-workload1"])
            .iter()
            .all(|r| r.5 != "345678901234")
    );
    // Account ids and OUs mix.
    let under = d.accounts_under("ou-ab12-security1", false);
    let want = truth(d, false, |a| {
        a.account_id == "111122223333" || under.contains(&a.account_id.as_str())
    });
    let got = assignments(
        &t,
        &["--target", "111122223333", "--target", "ou-ab12-security1"],
    );
    assert_eq!(got, want);
}

#[test]
fn principal_and_permission_set_filters_resolve_names() {
    let t = keyed_env("admin_filters", TestKey::Admin);
    let d = dir(&t);
    let dave = d.user_named("dave").unwrap().id.clone();
    let devs = d.group_named("Developers").unwrap().id.clone();
    let carol = d.user_named("carol").unwrap().id.clone();
    let admin_ps = d
        .permission_set_named("AdministratorAccess")
        .unwrap()
        .arn
        .clone();

    let got = assignments(&t, &["--principal", "user:dave"]);
    assert_eq!(got, truth(d, false, |a| a.principal_id == dave));
    assert!(!got.is_empty());
    // Filtering by principal lists that principal's assignments directly.
    assert_eq!(
        t.fake.hits("sso-admin:ListAccountAssignmentsForPrincipal"),
        1
    );
    assert_eq!(t.fake.hits("sso-admin:ListAccountAssignments"), 0);

    let got = assignments(
        &t,
        &[
            "--principal",
            "group:Developers",
            "--permission-set",
            "AdministratorAccess",
            "--names",
        ],
    );
    assert_eq!(
        got,
        truth(d, true, |a| a.principal_id == devs
            && a.permission_set_arn == admin_ps)
    );
    assert_eq!(got.len(), 2);

    // A bare id: the user's or group's type is found out.
    let got = assignments(&t, &["--principal", &carol, "--principal", &devs]);
    assert_eq!(
        got,
        truth(d, false, |a| a.principal_id == carol
            || a.principal_id == devs)
    );

    let got = assignments(
        &t,
        &["--permission-set", &admin_ps, "--target", "567890123456"],
    );
    assert_eq!(
        got,
        truth(d, false, |a| a.permission_set_arn == admin_ps
            && a.account_id == "567890123456")
    );

    let got = assignments(
        &t,
        &[
            "--principal",
            "user:dave",
            "--target",
            "ou-ab12-security1",
            "--permission-set",
            "SecurityAudit",
        ],
    );
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].5, "678901234567");
}

#[test]
fn unknown_filter_names_are_reported_after_the_known_results() {
    let t = keyed_env("admin_unknown_filters", TestKey::Admin);
    let d = dir(&t);
    let bob = d.user_named("bob").unwrap().id.clone();
    let r = t.run([
        "admin",
        "assignments",
        "--format",
        "json",
        "--principal",
        "user:bob",
        "--principal",
        "user:nobody",
        "--principal",
        "group:Nobodies",
        "--permission-set",
        "PowerUserAccess",
        "--permission-set",
        "NoSuchSet",
        "--target",
        "ou-ab12-missing00",
        "--target",
        "345678901234",
    ]);
    r.code(1)
        .one_error_line("user 'nobody'")
        .stderr_has("group 'Nobodies'")
        .stderr_has("permission set 'NoSuchSet'")
        .stderr_has("target 'ou-ab12-missing00'");
    let got: Vec<Row> = rows(&r).iter().map(row_of).collect();
    let power = d
        .permission_set_named("PowerUserAccess")
        .unwrap()
        .arn
        .clone();
    assert_eq!(
        got,
        truth(d, false, |a| a.principal_id == bob
            && a.permission_set_arn == power
            && a.account_id == "345678901234")
    );
    assert_eq!(got.len(), 1);
}

/// The calls one listing costs, printed for the record (`cargo test -- --nocapture`).
fn call_counts(t: &TestEnv) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for r in t.fake.requests() {
        *counts.entry(r.op).or_insert(0) += 1;
    }
    counts
}

#[test]
fn a_full_listing_calls_only_provisioned_pairs() {
    let t = keyed_env("admin_call_counts", TestKey::Admin);
    let d = dir(&t);
    assignments(&t, &[]);
    let counts = call_counts(&t);
    println!("admin assignments (sample org), calls: {counts:?}");
    let ps = d.permission_sets.len();
    assert_eq!(t.fake.hits("sso-admin:ListInstances"), 1);
    assert_eq!(t.fake.hits("sso-admin:ListPermissionSets"), 1);
    assert_eq!(
        t.fake
            .hits("sso-admin:ListAccountsForProvisionedPermissionSet"),
        ps
    );
    // Only provisioned pairs (one of them with no assignment left), not every
    // account × permission set.
    assert_eq!(
        t.fake.hits("sso-admin:ListAccountAssignments"),
        d.provisioned.len()
    );
    assert!(d.provisioned.len() < ps * d.accounts.len());
    assert_eq!(counts.values().sum::<usize>(), 2 + ps + d.provisioned.len());

    let before = t.fake.requests().len();
    assignments(&t, &["--names"]);
    let names: BTreeMap<String, usize> =
        t.fake.requests()[before..]
            .iter()
            .fold(BTreeMap::new(), |mut m, r| {
                *m.entry(r.op.clone()).or_insert(0) += 1;
                m
            });
    println!("admin assignments --names (sample org), calls: {names:?}");
    let users = d
        .assignments
        .iter()
        .filter(|a| a.principal_type == PrincipalType::User)
        .map(|a| &a.principal_id)
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    assert_eq!(names.get("identitystore:DescribeUser"), Some(&users));
    assert_eq!(names.get("organizations:ListAccounts"), None);
    assert_eq!(names.get("organizations:DescribeAccount"), Some(&6));

    // With an account target, the pairs are found per account instead.
    let before = t.fake.requests().len();
    assignments(&t, &["--target", "234567890123"]);
    let per_account = &t.fake.requests()[before..];
    let count = |op: &str| per_account.iter().filter(|r| r.op == op).count();
    assert_eq!(count("sso-admin:ListPermissionSetsProvisionedToAccount"), 1);
    assert_eq!(count("sso-admin:ListPermissionSets"), 0);
    assert_eq!(count("sso-admin:ListAccountAssignments"), 3);
}

#[test]
fn large_org_uses_listings_for_names_and_pages_of_twenty() {
    let t = keyed_env_with("admin_large", TestKey::Admin, Org::generated(45, 2));
    let d = dir(&t).clone();
    assert_eq!(assignments(&t, &["--names"]), truth(&d, true, |_| true));
    // 45 accounts: ListAccounts in pages of at most 20, not 45 DescribeAccount calls.
    assert_eq!(t.fake.hits("organizations:ListAccounts"), 3);
    assert_eq!(t.fake.hits("organizations:DescribeAccount"), 0);
    for r in t
        .fake
        .requests()
        .iter()
        .filter(|r| r.op.starts_with("organizations:"))
    {
        let body: serde_json::Value = serde_json::from_str(&r.body).unwrap();
        assert!(body["MaxResults"].as_u64().unwrap() <= 20, "{}", r.body);
    }
    let under = d.accounts_under(&d.ous[0].id, true);
    assert_eq!(under.len(), 20);
    let got = assignments(&t, &["--target", &d.ous[0].id, "--ou-recursive"]);
    assert_eq!(
        got,
        truth(&d, false, |a| under.contains(&a.account_id.as_str()))
    );
}

#[test]
fn pagination_through_empty_pages_and_throttling_change_nothing() {
    let t = keyed_env("admin_pages", TestKey::Admin);
    let d = dir(&t);
    let want = truth(d, true, |_| true);
    t.fake.set_page_size(1);
    t.fake.set_empty_pages(true);
    assert_eq!(assignments(&t, &["--names"]), want);
    t.fake.set_page_size(100);
    t.fake.set_empty_pages(false);
    t.fake.fail_next("sso-admin:ListAccountAssignments", 2, 429);
    t.fake.fail_next("organizations:DescribeAccount", 1, 500);
    t.fake.fail_next("identitystore:DescribeGroup", 1, 503);
    assert_eq!(assignments(&t, &["--names"]), want);
    assert_eq!(t.fake.hits("sso-admin:ListAccountAssignments:429"), 2);
    assert_eq!(t.fake.hits("organizations:DescribeAccount:5xx"), 1);
}

#[test]
fn requests_are_signed_per_service_scope() {
    let t = keyed_env("admin_scopes", TestKey::Session);
    assignments(&t, &["--names", "--target", "ou-ab12-workload1"]);
    t.run(["admin", "whoami"]).code(0);
    let reqs = t.fake.requests();
    for (prefix, scope) in [
        ("sso-admin:", "/eu-west-1/sso/aws4_request"),
        ("identitystore:", "/eu-west-1/identitystore/aws4_request"),
        ("organizations:", "/us-east-1/organizations/aws4_request"),
        ("sts:", "/eu-west-1/sts/aws4_request"),
    ] {
        let of_service: Vec<_> = reqs.iter().filter(|r| r.op.starts_with(prefix)).collect();
        assert!(!of_service.is_empty(), "{prefix}");
        for r in of_service {
            let auth = r.header("authorization").unwrap();
            assert!(auth.contains(scope), "{auth}");
            assert!(
                auth.contains("SignedHeaders=content-type;host;x-amz-date;x-amz-security-token"),
                "{auth}"
            );
            assert!(r.header("x-amz-security-token").is_some());
        }
    }
}

#[test]
fn whoami_reports_the_caller() {
    let t = keyed_env("admin_whoami", TestKey::Admin);
    let r = t.run(["admin", "whoami", "--format", "json"]);
    r.code(0);
    let me = &rows(&r)[0];
    assert_eq!(me["account"], "111122223333");
    assert!(me["arn"].ends_with(":user/fake-admin"));
    assert_eq!(me["source"], "environment variables (AWS_ACCESS_KEY_ID)");
    assert_eq!(me["region"], REGION);
}

// ------------------------------------------------------------------------------------
// Credential sources
// ------------------------------------------------------------------------------------

fn write_credentials(t: &TestEnv, text: &str) -> PathBuf {
    let path = t.home.join(".aws/credentials");
    std::fs::write(&path, text).unwrap();
    path
}

fn whoami(t: &TestEnv, args: &[&str]) -> BTreeMap<String, String> {
    let mut all = vec!["admin", "whoami", "--format", "json"];
    all.extend(args);
    let r = t.run(&all);
    r.code(0);
    rows(&r).remove(0)
}

#[test]
fn static_keys_from_the_credentials_and_config_files() {
    let mut t = admin_env("admin_static_profiles");
    let admin = TestKey::Admin.credentials();
    let session = TestKey::Session.credentials();
    write_credentials(
        &t,
        &format!(
            "[keys]\naws_access_key_id = {}\naws_secret_access_key = {}\n\n[default]\naws_access_key_id = {}\naws_secret_access_key = {}\naws_session_token = {}\n",
            admin.access_key_id,
            admin.secret_access_key,
            session.access_key_id,
            session.secret_access_key,
            session.session_token.clone().unwrap()
        ),
    );
    t.write_config(&format!(
        "{}\n[profile keys]\nregion = {REGION}\n\n[default]\nregion = {REGION}\n\n[profile cfg]\nregion = {REGION}\naws_access_key_id = {}\naws_secret_access_key = {}\n",
        t.session_config("corp"),
        admin.access_key_id,
        admin.secret_access_key
    ));
    let me = whoami(&t, &["--profile", "keys"]);
    assert_eq!(me["source"], "profile 'keys' (credentials file)");
    assert!(me["arn"].ends_with("user/fake-admin"));
    let me = whoami(&t, &["--profile", "cfg"]);
    assert_eq!(me["source"], "profile 'cfg' (config file)");
    // No flag, no keys in the environment: [default], with its session token.
    let me = whoami(&t, &[]);
    assert_eq!(me["source"], "profile 'default' (credentials file)");
    assert!(me["arn"].contains("assumed-role/FakeAdmin"));
    // AWS_PROFILE picks a profile; environment keys win over it; --profile wins over both.
    t.env("AWS_PROFILE", "keys");
    assert_eq!(
        whoami(&t, &[])["source"],
        "profile 'keys' (credentials file)"
    );
    t.env("AWS_ACCESS_KEY_ID", &session.access_key_id)
        .env("AWS_SECRET_ACCESS_KEY", &session.secret_access_key)
        .env(
            "AWS_SESSION_TOKEN",
            session.session_token.as_deref().unwrap(),
        );
    assert_eq!(
        whoami(&t, &[])["source"],
        "environment variables (AWS_ACCESS_KEY_ID)"
    );
    assert_eq!(
        whoami(&t, &["--profile", "cfg"])["source"],
        "profile 'cfg' (config file)"
    );
    let r = t.run(["admin", "whoami", "--profile", "nope"]);
    r.code(2).one_error_line("profile 'nope' not found");
}

/// A `credential_process` helper: checks that its argument arrived as one word
/// (the command line is split without a shell) and prints `json`.
fn process_script(t: &TestEnv, name: &str, json: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let dir = t.root.join("bin dir");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(
        &path,
        format!(
            "#!/bin/sh\n[ \"$1\" = 'one word' ] || {{ echo \"bad args: $*\" >&2; exit 7; }}\ncat <<'EOF'\n{json}\nEOF\n"
        ),
    )
    .unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

#[test]
fn credential_process_profiles() {
    let t = admin_env("admin_credential_process");
    let c = TestKey::Session.credentials();
    let good = process_script(
        &t,
        "good",
        &format!(
            "{{\"Version\": 1, \"AccessKeyId\": \"{}\", \"SecretAccessKey\": \"{}\", \"SessionToken\": \"{}\", \"Expiration\": \"2099-01-01T00:00:00Z\"}}",
            c.access_key_id,
            c.secret_access_key,
            c.session_token.clone().unwrap()
        ),
    );
    let string_version = process_script(
        &t,
        "string-version",
        &format!(
            "{{\"Version\": \"1\", \"AccessKeyId\": \"{}\", \"SecretAccessKey\": \"{}\"}}",
            c.access_key_id, c.secret_access_key
        ),
    );
    let expired = process_script(
        &t,
        "expired",
        &format!(
            "{{\"Version\": 1, \"AccessKeyId\": \"{}\", \"SecretAccessKey\": \"{}\", \"SessionToken\": \"t\", \"Expiration\": \"2001-01-01T00:00:00Z\"}}",
            c.access_key_id, c.secret_access_key
        ),
    );
    let profile = |name: &str, script: &PathBuf| {
        format!(
            "[profile {name}]\nregion = {REGION}\ncredential_process = \"{}\" 'one word'\n",
            script.display()
        )
    };
    t.write_config(&format!(
        "{}\n{}\n{}\n{}\n[profile unsplittable]\nregion = {REGION}\ncredential_process = \"{}\" one word\n",
        t.session_config("corp"),
        profile("proc", &good),
        profile("strver", &string_version),
        profile("old", &expired),
        good.display()
    ));
    let me = whoami(&t, &["--profile", "proc"]);
    assert_eq!(me["source"], "profile 'proc' (credential_process)");
    assert_eq!(
        assignments(&t, &["--profile", "proc"]),
        truth(dir(&t), false, |_| true)
    );

    let r = t.run(["admin", "whoami", "--profile", "strver"]);
    r.code(1).one_error_line("Version must be the number 1");
    let r = t.run(["admin", "whoami", "--profile", "old"]);
    r.code(1)
        .one_error_line("expired at 2001-01-01T00:00:00Z")
        .stderr_has("profile 'old' (credential_process)");
    let r = t.run(["admin", "whoami", "--profile", "unsplittable"]);
    r.code(1).stderr_has("exited with status 7");
    // Nothing reached the services with the refused credentials.
    assert_eq!(t.fake.hits("sts:GetCallerIdentity"), 1);
}

#[test]
fn identity_center_profiles_use_the_cached_login() {
    let t = admin_env("admin_idc_profile");
    t.write_config(&format!(
        "{}\n[profile idc]\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = AdministratorAccess\nregion = {REGION}\n",
        t.session_config("corp")
    ));
    // No token and no terminal: exit 3 with the login command.
    let r = t.run(["admin", "lookup", "instance", "--profile", "idc"]);
    r.code(3).one_error_line("sso-config login --profile idc");
    assert_eq!(t.fake.hits("RegisterClient"), 0);

    t.write_cli_token("corp", "2099-01-01T00:00:00Z");
    let me = whoami(&t, &["--profile", "idc"]);
    assert_eq!(
        me["source"],
        "profile 'idc' (Identity Center role AdministratorAccess in account 111122223333)"
    );
    assert!(me["arn"].contains("assumed-role/AdministratorAccess"));
    assert_eq!(
        assignments(&t, &["--profile", "idc", "--principal", "group:Auditors"]),
        truth(dir(&t), false, |a| a.principal_id
            == dir(&t).group_named("Auditors").unwrap().id)
    );
    // The second run used the role credentials the first one cached.
    assert_eq!(t.fake.hits("GetRoleCredentials"), 1);
}

#[test]
fn identity_center_profiles_log_in_on_a_terminal() {
    let t = admin_env("admin_idc_terminal");
    t.write_config(&format!(
        "{}\n[profile idc]\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = AdministratorAccess\nregion = {REGION}\n",
        t.session_config("corp")
    ));
    let r = t.run_on_terminal(&["admin", "whoami", "--profile", "idc", "--format", "csv"]);
    r.code(0);
    assert!(
        r.stdout.contains("assumed-role/AdministratorAccess"),
        "{}",
        r.stdout
    );
    assert_eq!(t.fake.hits("CreateToken:device_code"), 1);
    assert!(t.token_file("corp").exists());
}

#[test]
fn assume_role_goes_where_the_profiles_services_section_says() {
    let mut t = admin_env("admin_assume_services");
    // STS only through the config: a [services] entry that is not read
    // fails on a closed loopback port.
    t.env("AWS_ENDPOINT_URL_STS", "")
        .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9");
    let admin = TestKey::Admin.credentials();
    write_credentials(
        &t,
        &format!(
            "[base]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
            admin.access_key_id, admin.secret_access_key
        ),
    );
    t.write_config(&format!(
        "[profile org-admin]\nrole_arn = arn:aws:iam::234567890123:role/OrgAdmin\nsource_profile = base\nregion = {REGION}\nservices = local\n\n[services local]\nsts =\n  endpoint_url = {}\n",
        t.fake.url()
    ));
    let me = whoami(&t, &["--profile", "org-admin"]);
    assert!(me["arn"].contains("assumed-role/OrgAdmin"), "{me:?}");
    assert_eq!(t.fake.hits("sts:AssumeRole"), 1);
}

#[test]
fn assumed_roles_through_a_source_profile() {
    let mut t = admin_env("admin_assume_role");
    let admin = TestKey::Admin.credentials();
    write_credentials(
        &t,
        &format!(
            "[base]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
            admin.access_key_id, admin.secret_access_key
        ),
    );
    t.write_config(&format!(
        "{}\n[profile org-admin]\nrole_arn = arn:aws:iam::234567890123:role/OrgAdmin\nsource_profile = base\nrole_session_name = it-test\nregion = {REGION}\n\n[profile chained]\nrole_arn = arn:aws:iam::345678901234:role/Second\nsource_profile = org-admin\nregion = {REGION}\n\n[profile loop-a]\nrole_arn = arn:aws:iam::111122223333:role/A\nsource_profile = loop-b\n\n[profile loop-b]\nrole_arn = arn:aws:iam::111122223333:role/B\nsource_profile = loop-a\n\n[profile from-env]\nrole_arn = arn:aws:iam::111122223333:role/FromEnv\ncredential_source = Environment\nregion = {REGION}\n",
        t.session_config("corp")
    ));
    let me = whoami(&t, &["--profile", "org-admin"]);
    assert_eq!(me["account"], "234567890123");
    assert!(me["arn"].contains("assumed-role/OrgAdmin"), "{me:?}");
    assert_eq!(
        me["source"],
        "profile 'org-admin' (role arn:aws:iam::234567890123:role/OrgAdmin assumed with profile 'base' (credentials file))"
    );
    let assume = t.first_request("sts:AssumeRole");
    assert!(
        assume.body.contains("RoleSessionName=it-test"),
        "{}",
        assume.body
    );

    let me = whoami(&t, &["--profile", "chained"]);
    assert_eq!(me["account"], "345678901234");
    assert_eq!(t.fake.hits("sts:AssumeRole"), 3);
    assert_eq!(
        assignments(&t, &["--profile", "org-admin", "--target", "111122223333"]),
        truth(dir(&t), false, |a| a.account_id == "111122223333")
    );

    let r = t.run(["admin", "whoami", "--profile", "loop-a", "--region", REGION]);
    r.code(2)
        .one_error_line("source_profile loop: loop-a -> loop-b -> loop-a");

    t.env("AWS_ACCESS_KEY_ID", &admin.access_key_id)
        .env("AWS_SECRET_ACCESS_KEY", &admin.secret_access_key);
    assert!(whoami(&t, &["--profile", "from-env"])["arn"].contains("assumed-role/FromEnv"));
}

// ------------------------------------------------------------------------------------
// Errors
// ------------------------------------------------------------------------------------

#[test]
fn authentication_failures_name_the_cause_and_the_source() {
    let t = admin_env("admin_auth_errors");
    let admin = TestKey::Admin.credentials();
    write_credentials(
        &t,
        &format!(
            "[wrong-secret]\naws_access_key_id = {}\naws_secret_access_key = not-the-secret-XYZ\n\n[unknown]\naws_access_key_id = AKIAUNKNOWN000000000\naws_secret_access_key = whatever-secret-XYZ\n",
            admin.access_key_id
        ),
    );
    let region = ["--region", REGION];
    let run = |args: &[&str]| {
        let mut all = vec!["admin", "lookup", "instance"];
        all.extend(args);
        all.extend(region);
        t.run(&all)
    };
    let r = run(&["--profile", "wrong-secret"]);
    r.code(1)
        .one_error_line("the secret access key is wrong")
        .stderr_has("credentials from profile 'wrong-secret' (credentials file)");
    assert!(!r.stderr.contains("not-the-secret-XYZ"));

    let r = run(&["--profile", "unknown"]);
    r.code(1)
        .one_error_line("does not recognise the access key")
        .stderr_has("UnrecognizedClientException")
        .stderr_has("profile 'unknown' (credentials file)");

    let with_key = |key: TestKey, args: &[&str]| {
        let c = key.credentials();
        let mut cmd = t.command(args);
        cmd.env("AWS_ACCESS_KEY_ID", &c.access_key_id)
            .env("AWS_SECRET_ACCESS_KEY", &c.secret_access_key)
            .env("AWS_REGION", REGION);
        if let Some(token) = &c.session_token {
            cmd.env("AWS_SESSION_TOKEN", token);
        }
        let out = cmd.output().unwrap();
        Run::new(format!("{cmd:?}"), out)
    };
    let r = with_key(TestKey::Expired, &["admin", "lookup", "instance"]);
    r.code(1)
        .one_error_line("the credentials have expired")
        .stderr_has("ExpiredTokenException")
        .stderr_has("environment variables");
    let r = with_key(TestKey::Expired, &["admin", "whoami"]);
    r.code(1).one_error_line("ExpiredToken");

    let r = with_key(TestKey::Denied, &["admin", "assignments"]);
    r.code(1)
        .one_error_line("access denied")
        .stderr_has("AccessDeniedException")
        .stderr_has("environment variables");
    // GetCallerIdentity needs no permission.
    with_key(TestKey::Denied, &["admin", "whoami"]).code(0);

    // The fake's clock runs an hour ahead: our signatures look an hour old.
    t.fake.set_clock_skew(3600);
    let r = with_key(TestKey::Admin, &["admin", "lookup", "instance"]);
    r.code(1)
        .one_error_line("clock is more than 15 minutes off")
        .stderr_has("Signature expired");
    t.fake.set_clock_skew(-3600);
    let r = with_key(TestKey::Admin, &["admin", "whoami"]);
    r.code(1)
        .one_error_line("clock is more than 15 minutes off");
    t.fake.set_clock_skew(0);

    // A region other than the instance's home region is refused by the signature scope.
    let r = t.run([
        "admin",
        "lookup",
        "instance",
        "--profile",
        "wrong-secret",
        "--region",
        "us-west-2",
    ]);
    r.code(1).one_error_line("check --region");

    // Nine refused calls, none of them retried.
    assert_eq!(
        t.fake
            .requests()
            .iter()
            .filter(|r| r.op.contains(':'))
            .count(),
        9
    );
}

#[test]
fn missing_credentials_and_region_are_configuration_errors() {
    let t = admin_env("admin_config_errors");
    t.run(["admin", "lookup", "instance", "--region", REGION])
        .code(2)
        .one_error_line("no AWS credentials");
    let c = TestKey::Admin.credentials();
    let mut cmd = t.command(["admin", "lookup", "instance"]);
    cmd.env("AWS_ACCESS_KEY_ID", &c.access_key_id)
        .env("AWS_SECRET_ACCESS_KEY", &c.secret_access_key);
    let r = Run::new(format!("{cmd:?}"), cmd.output().unwrap());
    r.code(2).one_error_line("no region");
    let mut cmd = t.command(["admin", "lookup", "instance", "--region", REGION]);
    cmd.env("AWS_ACCESS_KEY_ID", &c.access_key_id);
    let r = Run::new(format!("{cmd:?}"), cmd.output().unwrap());
    r.code(2).one_error_line("AWS_SECRET_ACCESS_KEY is not");
    assert!(t.fake.requests().is_empty());
}

#[test]
fn debug_output_never_shows_secrets() {
    let t = admin_env("admin_debug_redacted");
    let session = TestKey::Session.credentials();
    write_credentials(
        &t,
        &format!(
            "[base]\naws_access_key_id = {}\naws_secret_access_key = {}\naws_session_token = {}\n",
            session.access_key_id,
            session.secret_access_key,
            session.session_token.clone().unwrap()
        ),
    );
    t.write_config(&format!(
        "{}\n[profile role]\nrole_arn = arn:aws:iam::234567890123:role/OrgAdmin\nsource_profile = base\nregion = {REGION}\n",
        t.session_config("corp")
    ));
    let r = t.run([
        "admin",
        "assignments",
        "--profile",
        "role",
        "--target",
        "234567890123",
        "--debug",
    ]);
    r.code(0)
        .stderr_has("canonical request")
        .stderr_has("(redacted)");
    let mut secrets = vec![
        session.secret_access_key.clone(),
        session.session_token.clone().unwrap(),
    ];
    // The assumed role's secrets, as the fake recorded the requests signed with them.
    for req in t.fake.requests() {
        if let Some(token) = req.header("x-amz-security-token") {
            secrets.push(token.to_string());
        }
        if let Some(auth) = req.header("authorization") {
            let signature = auth.rsplit("Signature=").next().unwrap().to_string();
            secrets.push(signature);
        }
    }
    assert!(secrets.len() > 4);
    for s in &secrets {
        assert!(!r.stderr.contains(s.as_str()), "{s} leaked:\n{}", r.stderr);
    }
}
