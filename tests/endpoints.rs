//! Every start URL logs in: dual-stack and FIPS hosts (seen through a proxy that refuses
//! everything, so nothing leaves the machine), the region of a start URL found from its
//! start page's redirect, and regions checked against the known ones.

use fake_idc::StartPage;
use fake_idc::proxy::RefusingProxy;

use crate::util::*;

/// An instance on a dual-stack portal, as new instances are.
const DUAL_STACK_URL: &str = "https://ssoins-7223a1b2c3d4e5f6.portal.us-west-2.app.aws";

/// A test whose requests to AWS go to a proxy that records and refuses them: the
/// endpoint overrides `TestEnv` sets are ignored, so the tool picks AWS's hosts.
fn behind_refusing_proxy(name: &str) -> (TestEnv, RefusingProxy) {
    let proxy = RefusingProxy::start();
    let mut t = TestEnv::new(name);
    t.env("HTTPS_PROXY", &proxy.url())
        .env("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true")
        .env("AWS_MAX_ATTEMPTS", "1");
    (t, proxy)
}

/// Runs `args`, which must fail at its first request to AWS; returns the one host it
/// tried to reach.
fn first_host(t: &TestEnv, proxy: &RefusingProxy, args: &[&str]) -> String {
    let r = t.run(args);
    assert_ne!(r.code, 0, "{}", r.stderr);
    r.one_error_line("");
    let connects = proxy.connects();
    assert_eq!(connects.len(), 1, "{connects:?}\n{}", r.stderr);
    assert_eq!(proxy.requests().len(), 1, "only CONNECTs reach the proxy");
    assert_eq!(t.fake.requests().len(), 0, "nothing went to the fake");
    connects[0].clone()
}

#[test]
fn a_dual_stack_start_url_logs_in_through_the_dual_stack_oidc_host() {
    let (t, proxy) = behind_refusing_proxy("dualstack_url");
    // No --sso-region: the portal's host names it.
    let host = first_host(
        &t,
        &proxy,
        &["login", "--device-code", "--start-url", DUAL_STACK_URL],
    );
    assert_eq!(host, "oidc.us-west-2.api.aws:443");
}

#[test]
fn a_classic_start_url_uses_the_ipv4_host_unless_dual_stack_is_asked_for() {
    let (mut t, proxy) = behind_refusing_proxy("dualstack_env");
    let host = first_host(&t, &proxy, &["login", "--device-code"]);
    assert_eq!(host, "oidc.us-east-1.amazonaws.com:443");
    t.env("AWS_USE_DUALSTACK_ENDPOINT", "true");
    let proxy2 = RefusingProxy::start();
    t.env("HTTPS_PROXY", &proxy2.url());
    let host = first_host(&t, &proxy2, &["login", "--device-code"]);
    assert_eq!(host, "oidc.us-east-1.api.aws:443");
}

#[test]
fn fips_comes_from_the_environment_or_the_profile_and_the_environment_wins() {
    let (mut t, proxy) = behind_refusing_proxy("fips");
    // A session chosen without a profile reads the [default] profile, as the SDKs do.
    t.write_config(&format!(
        "[default]\nuse_fips_endpoint = true\n\n{}",
        t.session_config("corp")
    ));
    let host = first_host(&t, &proxy, &["login", "--device-code"]);
    assert_eq!(host, "oidc-fips.us-east-1.amazonaws.com:443");
    let proxy2 = RefusingProxy::start();
    t.env("HTTPS_PROXY", &proxy2.url())
        .env("AWS_USE_FIPS_ENDPOINT", "false");
    let host = first_host(&t, &proxy2, &["login", "--device-code"]);
    assert_eq!(host, "oidc.us-east-1.amazonaws.com:443");
}

#[test]
fn a_bad_endpoint_setting_is_one_line_and_exit_2() {
    let (mut t, proxy) = behind_refusing_proxy("fips_bad");
    t.env("AWS_USE_FIPS_ENDPOINT", "yes");
    t.run(["login", "--device-code"])
        .code(2)
        .one_error_line("AWS_USE_FIPS_ENDPOINT");
    assert!(proxy.requests().is_empty());
}

/// An organisation whose start URL is the dual-stack portal a company's own domain
/// (the fake's start page) redirects to.
fn own_domain(name: &str) -> TestEnv {
    let org = Org {
        start_url: "https://ssoins-7223a1b2c3d4e5f6.portal.eu-west-2.app.aws".into(),
        region: "eu-west-2".into(),
        ..Org::sample()
    };
    TestEnv::with_org(name, org)
}

#[test]
fn the_region_of_a_start_url_on_an_own_domain_comes_from_its_redirect() {
    let t = own_domain("start_redirect");
    t.fake.set_start_page(StartPage::Redirect(
        302,
        format!("{}/#/", t.fake.org().start_url),
    ));
    let start = t.fake.start_page_url();
    let r = t.run([
        "login",
        "--device-code",
        "--start-url",
        &start,
        "--sso-session",
        "own",
    ]);
    r.code(0)
        .stderr_has("region eu-west-2")
        .stderr_has("logged in to session 'own'");
    assert_eq!(t.fake.hits("StartPage"), 1, "the start page is read once");
    // The token is the user's start URL's, in the region found.
    let token = json(&t.token_file("own"));
    assert_eq!(token["startUrl"], start.as_str());
    assert_eq!(token["region"], "eu-west-2");
    // Identity Center is told the portal the start page redirects to.
    let body = t.first_json_body("StartDeviceAuthorization");
    assert_eq!(body["startUrl"], t.fake.org().start_url.as_str());
}

#[test]
fn a_configured_start_url_on_an_own_domain_logs_in_through_its_portal() {
    let t = own_domain("start_configured");
    t.fake
        .set_start_page(StartPage::Redirect(307, t.fake.org().start_url.clone()));
    let start = t.fake.start_page_url();
    t.write_config(&format!(
        "[sso-session own]\nsso_start_url = {start}\nsso_region = eu-west-2\n"
    ));
    t.run(["login", "--device-code"])
        .code(0)
        .stderr_has("logged in to session 'own'");
    // The region was configured; the start page is still read, for the portal.
    assert_eq!(t.fake.hits("StartPage"), 1);
    let body = t.first_json_body("StartDeviceAuthorization");
    assert_eq!(body["startUrl"], t.fake.org().start_url.as_str());
    // Commands that only use the token do not read it.
    t.run(["roles"]).code(0);
    assert_eq!(t.fake.hits("StartPage"), 1);
}

#[test]
fn a_start_page_that_does_not_lead_to_a_portal_asks_for_the_region() {
    let t = own_domain("start_no_redirect");
    let start = t.fake.start_page_url();
    for (page, why) in [
        (StartPage::Page, "without a redirect"),
        (
            StartPage::Redirect(302, "https://login.example.com/sso".into()),
            "not to an AWS access portal",
        ),
        (
            StartPage::Redirect(302, "/elsewhere".into()),
            "not to an AWS access portal",
        ),
        (
            StartPage::Redirect(302, "http://ssoins-1.portal.eu-west-2.app.aws/".into()),
            "not to an AWS access portal",
        ),
    ] {
        t.fake.set_start_page(page);
        t.run(["login", "--device-code", "--start-url", &start])
            .code(2)
            .one_error_line("give it with --sso-region REGION")
            .stderr_has(why);
    }
    assert_eq!(t.fake.hits("RegisterClient"), 0, "no guess, no login");
}

#[test]
fn a_start_url_is_fetched_only_over_https_or_on_loopback() {
    let (t, proxy) = behind_refusing_proxy("start_http");
    t.run([
        "login",
        "--device-code",
        "--start-url",
        "http://sso.example.com/start",
    ])
    .code(2)
    .one_error_line("only https:// is fetched");
    assert!(proxy.requests().is_empty());
}

#[test]
fn regions_are_checked_against_the_known_ones() {
    let t = TestEnv::new("region_check");
    t.write_cli_token("corp", "2099-01-01T00:00:00Z");
    t.run(["--region", "eu-wst-1"])
        .code(2)
        .one_error_line("--region \"eu-wst-1\": not a region (did you mean 'eu-west-1'?)");
    t.run(["--region-rule", "Sandbox*=us-eest-1"])
        .code(2)
        .one_error_line("(did you mean 'us-east-1'?)");
    t.run([
        "login",
        "--start-url",
        "https://x.awsapps.com/start",
        "--sso-region",
        "EU-WEST-1",
    ])
    .code(2)
    .one_error_line("(did you mean 'eu-west-1'?)");
    // A region AWS has not announced yet, in the shape of one, is fine.
    let r = t.run(["--region", "ap-southeast-9"]);
    r.code(0);
    assert!(r.stdout.contains("region = ap-southeast-9"), "{}", r.stdout);
    let mut t = t;
    t.env("AWS_REGION", "mars-north-1");
    t.run(["generate"])
        .code(2)
        .one_error_line("AWS_REGION \"mars-north-1\": not a region");
}
