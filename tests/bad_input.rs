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
