//! Bad input: one clear line on stderr, the contract's exit code, never a panic.

use crate::util::*;

#[test]
fn garbage_config_line_names_file_and_line() {
    let t = TestEnv::new("bad_config");
    t.write_config("[profile a]\nregion = x\nthis is not ini\n");
    let r = t.run(["roles"]);
    r.code(2)
        .one_error_line(&format!("{}:3:", t.config_path().display()));
}

#[test]
fn unknown_profile_and_session() {
    let t = TestEnv::new("bad_profile");
    t.run(["roles", "--profile", "nope"])
        .code(2)
        .one_error_line("profile 'nope'");
    t.run(["--sso-session", "nope"])
        .code(2)
        .one_error_line("[sso-session nope]");
    let mut t2 = TestEnv::new("bad_env_profile");
    t2.env("AWS_PROFILE", "ghost");
    t2.run(["login"]).code(2).one_error_line("AWS_PROFILE");
}

#[test]
fn ambiguous_session_lists_the_choices() {
    let t = TestEnv::new("ambiguous");
    t.write_config(&format!(
        "{}\n{}",
        t.session_config("a"),
        t.session_config("b")
    ));
    t.run(["login"]).code(2).one_error_line("a, b");
}

#[test]
fn bad_flags_are_usage_errors() {
    let t = TestEnv::new("bad_flags");
    for args in [
        &["--frobnicate"][..],
        &["frobnicate"],
        &["--style", "yaml"],
        &["--name", "{nope}"],
        &["roles", "--format", "xml"],
        &["login", "--callback-port", "99999"],
        &["--set", "novalue"],
    ] {
        t.run(args).code(2);
    }
    assert_eq!(t.fake.requests().len(), 0, "no request for bad input");
}

#[test]
fn insecure_endpoint_override_is_refused() {
    let mut t = TestEnv::new("bad_endpoint");
    t.env("AWS_ENDPOINT_URL_SSO_OIDC", "http://example.com");
    t.run(["login", "--device-code"])
        .code(2)
        .one_error_line("http://");
}

/// Runs `args` with the given endpoint variables set and the test's own ones removed.
fn run_with_endpoints(t: &TestEnv, set: &[(&str, &str)], args: &[&str]) -> Run {
    let mut c = t.command(args);
    c.env_remove("AWS_ENDPOINT_URL_SSO")
        .env_remove("AWS_ENDPOINT_URL_SSO_OIDC");
    for (k, v) in set {
        c.env(k, v);
    }
    let out = c.output().unwrap();
    Run::new(format!("{c:?}"), out)
}

/// `http://127.0.0.1:1@HOST` passes a textual loopback check but sends to HOST, bearer token
/// and all, in clear text. Every source of an endpoint URL is read as a URL: refused with
/// exit 2 before any request.
#[test]
fn an_endpoint_with_a_user_name_is_refused_before_any_request() {
    let t = TestEnv::new("endpoint_userinfo");
    t.write_cli_token("corp", "2099-01-01T00:00:00Z");
    let fake = t.fake.url();
    let fake = fake.strip_prefix("http://").unwrap();
    let oidc = t.fake.url();
    let cases = [
        (
            "AWS_ENDPOINT_URL_SSO",
            format!("http://127.0.0.1:1@{fake}"),
            "roles",
        ),
        (
            "AWS_ENDPOINT_URL_SSO",
            format!("http://[::1]@{fake}"),
            "roles",
        ),
        (
            "AWS_ENDPOINT_URL_SSO",
            format!("http://localhost@{fake}"),
            "roles",
        ),
        (
            "AWS_ENDPOINT_URL",
            format!("http://127.0.0.1:1@{fake}"),
            "roles",
        ),
        (
            "AWS_ENDPOINT_URL_SSO_OIDC",
            format!("http://127.0.0.1:1@{fake}"),
            "login",
        ),
    ];
    for (var, url, command) in &cases {
        let mut set = vec![(*var, url.as_str())];
        if *var == "AWS_ENDPOINT_URL_SSO_OIDC" {
            set.push(("AWS_ENDPOINT_URL_SSO", oidc.as_str()));
        }
        let args: &[&str] = match *command {
            "login" => &["login", "--device-code", "--force"],
            _ => &["roles", "--format", "csv"],
        };
        run_with_endpoints(&t, &set, args)
            .code(2)
            .one_error_line("is refused: it has a user name (@) before the host");
        assert_eq!(
            t.fake.requests().len(),
            0,
            "{var}={url}: the fake was reached"
        );
    }
    // The same from the config file: a profile's endpoint_url and its [services] section.
    t.write_config(&format!(
        "{}[profile direct]\nsso_session = corp\nendpoint_url = http://127.0.0.1:1@{fake}\n\
         [profile viaservices]\nsso_session = corp\nservices = evil\n\
         [services evil]\nsso =\n  endpoint_url = http://[::1]@{fake}\n",
        t.session_config("corp")
    ));
    for profile in ["direct", "viaservices"] {
        run_with_endpoints(&t, &[], &["roles", "--profile", profile])
            .code(2)
            .one_error_line("is refused");
        assert_eq!(
            t.fake.requests().len(),
            0,
            "{profile}: the fake was reached"
        );
    }
}

#[test]
fn ambiguous_endpoint_urls_are_refused() {
    let t = TestEnv::new("endpoint_ambiguous");
    t.write_cli_token("corp", "2099-01-01T00:00:00Z");
    let fake = t.fake.url();
    for url in [
        format!("{fake}\\@example.com"),
        format!("{fake}?@example.com"),
        format!("{fake}#@example.com"),
        format!("{fake} /x"),
        format!("{fake}\u{1b}[2J"),
        "http://%31%32%37.0.0.1:1".to_string(),
        "http://127.0.0.1:99999".to_string(),
        "http://127.1:1".to_string(),
    ] {
        let r = run_with_endpoints(&t, &[("AWS_ENDPOINT_URL_SSO", &url)], &["roles"]);
        r.code(2).one_error_line("is refused");
        assert!(!r.stderr.contains('\u{1b}'), "{}", r.stderr);
    }
    assert_eq!(t.fake.requests().len(), 0);
}

#[test]
fn help_and_version_go_to_stdout() {
    let t = TestEnv::new("help");
    let r = t.run(["--help"]);
    r.code(0);
    assert!(r.stdout.contains("Usage: sso-config"));
    let v = t.run(["--version"]);
    v.code(0);
    assert!(v.stdout.starts_with("sso-config "));
}

#[test]
fn a_mistyped_command_gets_the_closest_one() {
    let t = TestEnv::new("typo_command");
    t.run(["genrate"])
        .code(2)
        .one_error_line("unknown command 'genrate' (did you mean 'generate'?)");
    t.run(["help", "credentials-process"])
        .code(2)
        .one_error_line("(did you mean 'credential-process'?)");
    t.run(["xyzzy"])
        .code(2)
        .one_error_line("unknown command 'xyzzy';");
}

/// A mistyped flag gets the closest flag of the command it was given to
/// (global ones included), and none that command does not take.
#[test]
fn unknown_flag_names_the_closest_flag_of_that_command() {
    let t = TestEnv::new("flag_hint");
    for (args, hint) in [
        (
            &["--regon", "eu-west-1"][..],
            "unknown flag --regon (did you mean '--region'?)",
        ),
        (&["roles", "--formt", "json"], "(did you mean '--format'?)"),
        (&["login", "--forse"], "(did you mean '--force'?)"),
        (&["export", "--profle", "p"], "(did you mean '--profile'?)"),
        (&["check", "--jsno"], "(did you mean '--json'?)"),
        (
            &["admin", "assignments", "--princpal", "user:a"],
            "(did you mean '--principal'?)",
        ),
        (
            &["generate", "--sso-sesion", "corp"],
            "(did you mean '--sso-session'?)",
        ),
    ] {
        t.run(args).code(2).one_error_line(hint);
    }
    // `roles` takes no --region: no hint towards generate's.
    let r = t.run(["roles", "--region", "eu-west-1"]);
    r.code(2)
        .one_error_line("unknown flag --region; run 'sso-config help roles'");
    assert!(!r.stderr.contains("did you mean"), "{}", r.stderr);
    assert_eq!(t.fake.requests().len(), 0, "no request for bad input");
}

/// An unknown profile or session name gets the closest one the config (or
/// the credentials file) has, case-insensitively; a far one gets none.
#[test]
fn unknown_profile_and_session_names_get_the_closest_one() {
    let t = TestEnv::new("name_hint");
    t.write_config(&format!(
        "{}\n[profile prod.Admin]\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = Admin\n",
        t.session_config("corp")
    ));
    std::fs::write(
        t.home.join(".aws/credentials"),
        "[staticOne]\naws_access_key_id = AKIDEXAMPLE\naws_secret_access_key = x\n",
    )
    .unwrap();
    t.run(["roles", "--profile", "Prod.admin"])
        .code(2)
        .one_error_line("profile 'Prod.admin' (--profile) not found in")
        .stderr_has("(did you mean 'prod.Admin'?)");
    t.run(["export", "--profile", "prod.admn"])
        .code(2)
        .one_error_line("(did you mean 'prod.Admin'?)");
    t.run(["roles", "--sso-session", "CORP"])
        .code(2)
        .one_error_line("no [sso-session CORP] in")
        .stderr_has("(did you mean 'corp'?)");
    t.run(["login", "--sso-session", "corpp"])
        .code(2)
        .one_error_line("(did you mean 'corp'?)");
    t.run(["admin", "whoami", "--profile", "staticone"])
        .code(2)
        .one_error_line("(did you mean 'staticOne'?)");
    t.run(["admin", "whoami", "--profile", "prod-admin"])
        .code(2)
        .one_error_line("(did you mean 'prod.Admin'?)");
    let mut env_profile = TestEnv::new("name_hint_env");
    env_profile.write_config(&t.read_config());
    env_profile.env("AWS_PROFILE", "PROD.ADMIN");
    env_profile
        .run(["check"])
        .code(2)
        .one_error_line("(did you mean 'prod.Admin'?)");
    let r = t.run(["roles", "--profile", "staging"]);
    r.code(2);
    assert!(!r.stderr.contains("did you mean"), "{}", r.stderr);
    assert_eq!(t.fake.requests().len(), 0);
}
