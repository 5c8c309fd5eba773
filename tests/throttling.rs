//! Rate limits: throttling never fails a listing, costs few calls, and never
//! changes what is printed.

use fake_idc::TestKey;

use crate::admin::keyed_env;
use crate::util::*;

fn logged_in_with(name: &str, org: Org) -> TestEnv {
    let t = TestEnv::with_org(name, org);
    t.write_cli_token("corp", "2099-01-01T00:00:00Z");
    t
}

#[test]
fn throttling_uses_up_no_attempts() {
    let mut t = logged_in_with("thr_attempts", Org::sample());
    let clean = t.run(["--region", "eu-west-1"]);
    clean.code(0);
    // Two attempts allowed, twelve refusals in a row: a throttled request is
    // retried at its turn for as long as it takes (the old policy gave up
    // after the second refusal).
    t.env("AWS_MAX_ATTEMPTS", "2");
    t.fake.fail_next("ListAccountRoles", 12, 429);
    t.fake.fail_next("ListAccounts", 6, 429);
    let throttled = t.run(["--region", "eu-west-1"]);
    throttled.code(0);
    assert_eq!(throttled.stdout, clean.stdout);
    assert_eq!(t.fake.hits("ListAccountRoles:429"), 12);
    assert_eq!(t.fake.hits("ListAccounts:429"), 6);
}

#[test]
fn a_strict_limit_costs_few_throttled_calls() {
    let t = logged_in_with("thr_strict", Org::generated(60, 2));
    let clean = t.run(["--region", "eu-west-1"]);
    clean.code(0);
    let before = t.fake.hits("ListAccountRoles");
    // 30 calls a second, one at a time: a client that does not pace itself
    // has most of its calls refused.
    t.fake.set_rate_limit_burst("ListAccountRoles", 30.0, 1);
    let limited = t.run(["--region", "eu-west-1"]);
    limited.code(0);
    assert_eq!(limited.stdout, clean.stdout);
    let calls = t.fake.hits("ListAccountRoles") - before;
    let refused = t.fake.hits("ListAccountRoles:429");
    assert_eq!(calls - refused, 60);
    // Without pacing about 2,000 calls are refused. The governor's precision
    // (under 5 % at 300 calls) is checked on virtual time in its unit tests;
    // here real time on a loaded machine adds scheduling jitter, which once
    // cost 15 refusals, so the bound leaves room for it.
    assert!(refused <= 30, "{refused} of {calls} calls refused");
}

#[test]
fn twenty_runs_under_random_throttling_and_server_errors_print_the_same_bytes() {
    // The case: 5 calls a second, a fifth of the calls refused at
    // random and one in twenty failing with a 5xx. The twenty runs each have
    // their own fake and home, and run side by side to keep the test short.
    let reference = logged_in_with("thr_random_ref", Org::generated(50, 3));
    let clean = reference.run(["--region", "eu-west-1"]);
    clean.code(0);
    let outputs: Vec<(i32, String, String)> = std::thread::scope(|s| {
        let runs: Vec<_> = (0..20)
            .map(|i| {
                s.spawn(move || {
                    let t = logged_in_with(&format!("thr_random_{i}"), Org::generated(50, 3));
                    t.fake.set_rate_limit_burst("ListAccountRoles", 5.0, 5);
                    t.fake.set_random_faults("ListAccountRoles", 0.2, 0.05);
                    t.fake.set_random_faults("ListAccounts", 0.2, 0.05);
                    let r = t.run(["--region", "eu-west-1"]);
                    (r.code, r.stdout, r.stderr)
                })
            })
            .collect();
        runs.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for (i, (status, stdout, stderr)) in outputs.iter().enumerate() {
        assert_eq!(*status, 0, "run {i}: {stderr}");
        // Generated organisations are identical (ids, names, start URL).
        assert!(*stdout == clean.stdout, "run {i} printed other bytes");
    }
}

#[test]
fn a_throttled_admin_api_is_paced_by_its_own_limit() {
    let mut t = keyed_env("thr_admin", TestKey::Admin);
    // One attempt: a throttled call must still get through, at its turn.
    t.env("AWS_MAX_ATTEMPTS", "1");
    let args = ["admin", "assignments", "--names", "--format", "json"];
    let clean = t.run(args);
    clean.code(0);
    let before = t.fake.hits("sso-admin:ListAccountAssignments");
    t.fake
        .set_rate_limit_burst("sso-admin:ListAccountAssignments", 20.0, 1);
    let limited = t.run(args);
    limited.code(0);
    assert_eq!(limited.stdout, clean.stdout);
    let calls = t.fake.hits("sso-admin:ListAccountAssignments") - before;
    let refused = t.fake.hits("sso-admin:ListAccountAssignments:429");
    assert!(refused * 2 <= calls, "{refused} of {calls} calls refused");
}
