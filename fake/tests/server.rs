//! The fake over real sockets, through the crate's own tiny client.
#![allow(clippy::unwrap_used)]

use std::collections::HashMap;
use std::time::{Duration, Instant};

use fake_idc::client::{Connection, Reply};
use fake_idc::{AuthorizeMode, DeviceApproval, Fake, Org, sha256_b64url};
use serde_json::{Value, json};

const DEVICE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";
const VERIFIER: &str = "Zq3vH0nB8wJtW2kLx9yR4mA7cD1eF6gU5iO0pS3qT8rV2uX7yZ4bN1mK6jL9hG.~_";

fn conn(fake: &Fake) -> Connection {
    Connection::open(&fake.url()).unwrap()
}

fn post(fake: &Fake, path: &str, body: Value) -> Reply {
    conn(fake).post_json(path, &body).unwrap()
}

fn portal(fake: &Fake, target: &str, token: &str) -> Reply {
    conn(fake)
        .get(target, &[("x-amz-sso_bearer_token", token)])
        .unwrap()
}

/// Percent-encodes all but unreserved characters, as a correct client does.
fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn dec(s: &str) -> String {
    let mut out = Vec::new();
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

/// The query of a redirect `Location`, decoded.
fn location_query(reply: &Reply) -> HashMap<String, String> {
    let location = reply.header("location").unwrap();
    let (_, query) = location.split_once('?').unwrap();
    query
        .split('&')
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap();
            (dec(k), dec(v))
        })
        .collect()
}

fn assert_oidc_error(reply: &Reply, status: u16, error: &str, error_type: &str) {
    assert_eq!(reply.status, status, "{}", reply.text());
    assert_eq!(reply.json()["error"], error, "{}", reply.text());
    assert!(reply.json()["error_description"].is_string());
    assert_eq!(reply.header("x-amzn-ErrorType"), Some(error_type));
}

fn assert_portal_error(reply: &Reply, status: u16, error_type: &str) {
    assert_eq!(reply.status, status, "{}", reply.text());
    let expected = format!("com.amazonaws.switchboard.portal#{error_type}");
    assert_eq!(reply.json()["__type"], expected.as_str());
    assert!(reply.json()["message"].is_string());
    assert_eq!(reply.header("x-amzn-ErrorType"), Some(error_type));
}

fn register_device_client(fake: &Fake, scoped: bool) -> (String, String) {
    let mut body = json!({"clientName": "botocore-client-test", "clientType": "public"});
    if scoped {
        body["scopes"] = json!(["sso:account:access"]);
    }
    let reply = post(fake, "/client/register", body);
    assert_eq!(reply.status, 200, "{}", reply.text());
    let v = reply.json();
    assert!(v["clientIdIssuedAt"].is_u64());
    let lifetime =
        v["clientSecretExpiresAt"].as_u64().unwrap() - v["clientIdIssuedAt"].as_u64().unwrap();
    assert_eq!(lifetime, 90 * 24 * 3600);
    (
        v["clientId"].as_str().unwrap().to_string(),
        v["clientSecret"].as_str().unwrap().to_string(),
    )
}

fn start_device(fake: &Fake, id: &str, secret: &str) -> Value {
    let body = json!({"clientId": id, "clientSecret": secret, "startUrl": fake.org().start_url});
    let reply = post(fake, "/device_authorization", body);
    assert_eq!(reply.status, 200, "{}", reply.text());
    reply.json()
}

fn poll(fake: &Fake, id: &str, secret: &str, device_code: &Value) -> Reply {
    let body = json!({"clientId": id, "clientSecret": secret, "grantType": DEVICE_GRANT,
                      "deviceCode": device_code});
    post(fake, "/token", body)
}

#[test]
fn device_flow_polls_until_approved() {
    let fake = Fake::start(Org::sample());
    fake.set_device_approval(DeviceApproval::AfterPolls(2));
    fake.set_device_interval(7);
    let (id, secret) = register_device_client(&fake, true);
    let auth = start_device(&fake, &id, &secret);
    assert_eq!(auth["interval"], 7);
    assert_eq!(auth["expiresIn"], 600);
    let user_code = auth["userCode"].as_str().unwrap();
    assert_eq!(auth["verificationUri"], format!("{}/device", fake.url()));
    assert_eq!(
        auth["verificationUriComplete"],
        format!("{}/device?user_code={user_code}", fake.url())
    );
    for _ in 0..2 {
        let reply = poll(&fake, &id, &secret, &auth["deviceCode"]);
        assert_oidc_error(
            &reply,
            400,
            "authorization_pending",
            "AuthorizationPendingException",
        );
    }
    let reply = poll(&fake, &id, &secret, &auth["deviceCode"]);
    assert_eq!(reply.status, 200, "{}", reply.text());
    let token = reply.json();
    assert_eq!(token["tokenType"], "Bearer");
    assert_eq!(token["expiresIn"], 3600);
    assert!(token["refreshToken"].is_string());
    // A device code is good for one token.
    let again = poll(&fake, &id, &secret, &auth["deviceCode"]);
    assert_oidc_error(&again, 400, "invalid_grant", "InvalidGrantException");

    let accounts = portal(
        &fake,
        "/assignment/accounts",
        token["accessToken"].as_str().unwrap(),
    );
    assert_eq!(accounts.status, 200);
    assert_eq!(fake.hits("CreateToken"), 4);
    assert_eq!(fake.hits("CreateToken:device_code"), 4);
    assert_eq!(fake.hits("StartDeviceAuthorization"), 1);
    assert_eq!(fake.hits("RegisterClient"), 1);

    let page = conn(&fake)
        .get(&format!("/device?user_code={user_code}"), &[])
        .unwrap();
    assert_eq!(page.status, 200);
}

#[test]
fn device_flow_denied_expired_and_misused() {
    let fake = Fake::start(Org::sample());
    let (id, secret) = register_device_client(&fake, true);
    let auth = start_device(&fake, &id, &secret);

    fake.set_device_approval(DeviceApproval::Deny);
    let reply = poll(&fake, &id, &secret, &auth["deviceCode"]);
    assert_oidc_error(&reply, 400, "access_denied", "AccessDeniedException");
    fake.set_device_approval(DeviceApproval::Expire);
    let reply = poll(&fake, &id, &secret, &auth["deviceCode"]);
    assert_oidc_error(&reply, 400, "expired_token", "ExpiredTokenException");

    fake.set_device_approval(DeviceApproval::Immediate);
    let reply = poll(&fake, &id, "wrong-secret", &auth["deviceCode"]);
    assert_oidc_error(&reply, 401, "invalid_client", "InvalidClientException");
    let reply = poll(&fake, &id, &secret, &json!("no-such-code"));
    assert_oidc_error(&reply, 400, "invalid_grant", "InvalidGrantException");

    let other_url = json!({"clientId": id, "clientSecret": secret,
                           "startUrl": "https://d-0000000000.awsapps.com/start"});
    let reply = post(&fake, "/device_authorization", other_url);
    assert_oidc_error(&reply, 400, "invalid_request", "InvalidRequestException");
    let bad_secret = json!({"clientId": id, "clientSecret": "x", "startUrl": fake.org().start_url});
    let reply = post(&fake, "/device_authorization", bad_secret);
    assert_oidc_error(&reply, 401, "invalid_client", "InvalidClientException");

    fake.expire_clients();
    let reply = poll(&fake, &id, &secret, &auth["deviceCode"]);
    assert_oidc_error(&reply, 401, "invalid_client", "InvalidClientException");
}

#[test]
fn unscoped_registration_gets_no_refresh_token() {
    let fake = Fake::start(Org::sample());
    let (id, secret) = register_device_client(&fake, false);
    let auth = start_device(&fake, &id, &secret);
    let token = poll(&fake, &id, &secret, &auth["deviceCode"]).json();
    assert!(token["accessToken"].is_string());
    assert!(token.get("refreshToken").is_none(), "{token}");
}

fn register_pkce_client(fake: &Fake) -> (String, String) {
    let body = json!({
        "clientName": "botocore-client-corp", "clientType": "public",
        "grantTypes": ["authorization_code", "refresh_token"],
        "redirectUris": ["http://127.0.0.1/oauth/callback"],
        "issuerUrl": fake.org().start_url,
        "scopes": ["sso:account:access"],
    });
    let reply = post(fake, "/client/register", body);
    assert_eq!(reply.status, 200, "{}", reply.text());
    let v = reply.json();
    (
        v["clientId"].as_str().unwrap().to_string(),
        v["clientSecret"].as_str().unwrap().to_string(),
    )
}

/// `/authorize` with the parameters the AWS CLI sends, `extra` appended.
fn authorize(fake: &Fake, client_id: &str, redirect: &str, state: &str, extra: &str) -> Reply {
    let target = format!(
        "/authorize?response_type=code&client_id={}&redirect_uri={}&state={}\
         &code_challenge_method=S256&scopes=sso%3Aaccount%3Aaccess&code_challenge={}{extra}",
        enc(client_id),
        enc(redirect),
        enc(state),
        sha256_b64url(VERIFIER)
    );
    conn(fake).get(&target, &[]).unwrap()
}

fn exchange(
    fake: &Fake,
    id: &str,
    secret: &str,
    code: &str,
    redirect: &str,
    verifier: &str,
) -> Reply {
    let body = json!({"clientId": id, "clientSecret": secret, "grantType": "authorization_code",
                      "redirectUri": redirect, "codeVerifier": verifier, "code": code});
    post(fake, "/token", body)
}

#[test]
fn pkce_exchange_checks_the_verifier() {
    let fake = Fake::start(Org::sample());
    let (id, secret) = register_pkce_client(&fake);
    let redirect = "http://127.0.0.1:53421/oauth/callback";

    let reply = authorize(&fake, &id, redirect, "st/ate 1", "");
    assert_eq!(reply.status, 302, "{}", reply.text());
    assert!(
        reply
            .header("location")
            .unwrap()
            .starts_with(&format!("{redirect}?code="))
    );
    let q = location_query(&reply);
    assert_eq!(q["state"], "st/ate 1");
    let wrong = VERIFIER.replace('Z', "Y");
    let reply = exchange(&fake, &id, &secret, &q["code"], redirect, &wrong);
    assert_oidc_error(&reply, 400, "invalid_grant", "InvalidGrantException");
    // The failed attempt spent the code.
    let reply = exchange(&fake, &id, &secret, &q["code"], redirect, VERIFIER);
    assert_oidc_error(&reply, 400, "invalid_grant", "InvalidGrantException");

    let q = location_query(&authorize(&fake, &id, redirect, "s2", ""));
    let other_port = "http://127.0.0.1:1/oauth/callback";
    let reply = exchange(&fake, &id, &secret, &q["code"], other_port, VERIFIER);
    assert_oidc_error(&reply, 400, "invalid_grant", "InvalidGrantException");

    let q = location_query(&authorize(&fake, &id, redirect, "s3", ""));
    let reply = exchange(&fake, &id, &secret, &q["code"], redirect, VERIFIER);
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert!(reply.json()["refreshToken"].is_string());
    let reply = exchange(&fake, &id, &secret, &q["code"], redirect, VERIFIER);
    assert_oidc_error(&reply, 400, "invalid_grant", "InvalidGrantException");

    assert_eq!(fake.hits("Authorize"), 3);
    assert_eq!(fake.hits("CreateToken:authorization_code"), 5);
}

#[test]
fn authorize_is_strict_and_has_modes() {
    let fake = Fake::start(Org::sample());
    let (id, _) = register_pkce_client(&fake);
    let redirect = "http://127.0.0.1:40000/oauth/callback";

    let unknown = authorize(&fake, &id, redirect, "s", "&prompt=login");
    assert_oidc_error(&unknown, 400, "invalid_request", "InvalidRequestException");
    let portless = authorize(&fake, &id, "http://127.0.0.1/oauth/callback", "s", "");
    assert_eq!(portless.status, 400);
    let elsewhere = authorize(&fake, &id, "http://127.0.0.1:40000/elsewhere", "s", "");
    assert_eq!(elsewhere.status, 400);
    let missing = conn(&fake)
        .get(
            &format!("/authorize?response_type=code&client_id={}", enc(&id)),
            &[],
        )
        .unwrap();
    assert_eq!(missing.status, 400);
    let (device_client, _) = register_device_client(&fake, true);
    let not_pkce = authorize(&fake, &device_client, redirect, "s", "");
    assert_eq!(not_pkce.status, 400);

    fake.set_authorize_mode(AuthorizeMode::WrongState);
    let q = location_query(&authorize(&fake, &id, redirect, "mine", ""));
    assert_ne!(q["state"], "mine");
    assert!(q.contains_key("code"));

    fake.set_authorize_mode(AuthorizeMode::Error("access_denied".to_string()));
    let q = location_query(&authorize(&fake, &id, redirect, "mine", ""));
    assert_eq!(q["error"], "access_denied");
    assert_eq!(q["state"], "mine");
    assert!(q.contains_key("error_description") && !q.contains_key("code"));
}

fn refresh(fake: &Fake, id: &str, secret: &str, refresh_token: &str) -> Reply {
    let body = json!({"clientId": id, "clientSecret": secret, "grantType": "refresh_token",
                      "refreshToken": refresh_token});
    post(fake, "/token", body)
}

#[test]
fn refresh_rotates_and_kills_the_old_token() {
    let fake = Fake::start(Org::sample());
    let t = fake.issue_token(&["sso:account:access"]);
    assert_eq!(
        portal(&fake, "/assignment/accounts", &t.access_token).status,
        200
    );

    let reply = refresh(&fake, &t.client_id, &t.client_secret, &t.refresh_token);
    assert_eq!(reply.status, 200, "{}", reply.text());
    let new_refresh = reply.json()["refreshToken"].as_str().unwrap().to_string();
    assert_ne!(new_refresh, t.refresh_token);
    let access = reply.json()["accessToken"].as_str().unwrap().to_string();
    assert_eq!(portal(&fake, "/assignment/accounts", &access).status, 200);

    let old = refresh(&fake, &t.client_id, &t.client_secret, &t.refresh_token);
    assert_oidc_error(&old, 400, "invalid_grant", "InvalidGrantException");
    let (other_id, other_secret) = register_device_client(&fake, true);
    let foreign = refresh(&fake, &other_id, &other_secret, &new_refresh);
    assert_oidc_error(&foreign, 400, "invalid_grant", "InvalidGrantException");
    let reply = refresh(&fake, &t.client_id, &t.client_secret, &new_refresh);
    assert_eq!(reply.status, 200);
    assert_eq!(fake.hits("CreateToken:refresh_token"), 4);
}

#[test]
fn refresh_without_rotation_keeps_the_old_token() {
    let fake = Fake::start(Org::sample());
    fake.set_rotate_refresh_tokens(false);
    fake.set_token_ttl(900);
    let t = fake.issue_token(&["sso:account:access"]);
    for _ in 0..2 {
        let reply = refresh(&fake, &t.client_id, &t.client_secret, &t.refresh_token);
        assert_eq!(reply.status, 200, "{}", reply.text());
        assert!(reply.json().get("refreshToken").is_none());
        assert_eq!(reply.json()["expiresIn"], 900);
    }
}

/// Lists all accounts like a correct client; returns the accounts and each page's size.
fn list_accounts(fake: &Fake, token: &str, max_result: usize) -> (Vec<Value>, Vec<usize>) {
    let mut c = conn(fake);
    let (mut accounts, mut pages) = (Vec::new(), Vec::new());
    let mut next: Option<String> = None;
    loop {
        let mut target = format!("/assignment/accounts?max_result={max_result}");
        if let Some(t) = &next {
            target.push_str(&format!("&next_token={}", enc(t)));
        }
        let reply = c
            .get(&target, &[("x-amz-sso_bearer_token", token)])
            .unwrap();
        assert_eq!(reply.status, 200, "{}", reply.text());
        let body = reply.json();
        let page = body["accountList"].as_array().unwrap();
        pages.push(page.len());
        accounts.extend(page.iter().cloned());
        match body["nextToken"].as_str() {
            Some(t) => next = Some(t.to_string()),
            None => {
                assert!(body["nextToken"].is_null());
                return (accounts, pages);
            }
        }
    }
}

#[test]
fn portal_pagination_with_empty_pages() {
    let fake = Fake::start(Org::generated(7, 2));
    let token = fake.issue_token(&["sso:account:access"]).access_token;

    let (accounts, pages) = list_accounts(&fake, &token, 3);
    assert_eq!(pages, vec![3, 3, 1]);
    assert_eq!(accounts.len(), 7);
    assert_eq!(accounts[6]["accountId"], "100000000007");
    assert_eq!(accounts[6]["accountName"], "acct-0007");
    assert_eq!(accounts[6]["emailAddress"], "acct-0007@example.com");

    fake.set_empty_pages(true);
    fake.set_page_size(2);
    let (accounts, pages) = list_accounts(&fake, &token, 100);
    assert_eq!(pages, vec![0, 2, 0, 2, 0, 2, 0, 1]);
    let ids: Vec<&str> = accounts
        .iter()
        .map(|a| a["accountId"].as_str().unwrap())
        .collect();
    let expected: Vec<&str> = fake.org().accounts.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(ids, expected);

    let roles = portal(&fake, "/assignment/roles?account_id=100000000001", &token).json();
    assert_eq!(roles["roleList"], json!([]));
    let next = roles["nextToken"].as_str().unwrap();
    let target = format!(
        "/assignment/roles?account_id=100000000001&next_token={}",
        enc(next)
    );
    let roles = portal(&fake, &target, &token).json();
    assert_eq!(
        roles["roleList"],
        json!([{"roleName": "AdministratorAccess", "accountId": "100000000001"},
               {"roleName": "ReadOnlyAccess", "accountId": "100000000001"}])
    );
    assert!(roles["nextToken"].is_null());
}

#[test]
fn portal_rejects_bad_queries_and_tokens() {
    let fake = Fake::start(Org::sample());
    fake.set_page_size(1);
    let token = fake.issue_token(&["sso:account:access"]).access_token;
    let first = portal(&fake, "/assignment/accounts", &token).json();
    let next = first["nextToken"].as_str().unwrap();
    assert!(
        next.contains('/') && next.contains('+') && next.contains('='),
        "{next}"
    );

    // Sent without percent-encoding, `+` arrives as a space.
    let raw = portal(
        &fake,
        &format!("/assignment/accounts?next_token={next}"),
        &token,
    );
    assert_portal_error(&raw, 400, "InvalidRequestException");
    let encoded = portal(
        &fake,
        &format!("/assignment/accounts?next_token={}", enc(next)),
        &token,
    );
    assert_eq!(encoded.status, 200);
    // A token of one listing does not continue another.
    let roles = format!(
        "/assignment/roles?account_id=111122223333&next_token={}",
        enc(next)
    );
    assert_portal_error(
        &portal(&fake, &roles, &token),
        400,
        "InvalidRequestException",
    );

    for target in [
        "/assignment/accounts?max_result=0",
        "/assignment/accounts?max_result=101",
        "/assignment/accounts?max_result=ten",
        "/assignment/accounts?maxResult=10",
        "/assignment/accounts?next_token=made-up",
        "/assignment/accounts?x=%zz",
        "/assignment/roles",
        "/federation/credentials?account_id=111122223333",
    ] {
        assert_portal_error(
            &portal(&fake, target, &token),
            400,
            "InvalidRequestException",
        );
    }
    let unassigned = "/federation/credentials?account_id=111122223333&role_name=ReadOnlyAccess";
    assert_portal_error(
        &portal(&fake, unassigned, &token),
        404,
        "ResourceNotFoundException",
    );
    let no_account = "/assignment/roles?account_id=999999999999";
    assert_portal_error(
        &portal(&fake, no_account, &token),
        404,
        "ResourceNotFoundException",
    );
}

#[test]
fn unauthorized_tokens_get_401() {
    let fake = Fake::start(Org::sample());
    let bad = portal(&fake, "/assignment/accounts", "not-a-token");
    assert_portal_error(&bad, 401, "UnauthorizedException");
    assert_eq!(bad.json()["message"], "Session token not found or invalid");
    let no_header = conn(&fake).get("/assignment/accounts", &[]).unwrap();
    assert_portal_error(&no_header, 401, "UnauthorizedException");

    let t = fake.issue_token(&["sso:account:access"]);
    fake.expire_access_tokens();
    assert_eq!(
        portal(&fake, "/assignment/accounts", &t.access_token).status,
        401
    );
    // Refresh tokens survive; the refreshed access token works.
    let reply = refresh(&fake, &t.client_id, &t.client_secret, &t.refresh_token);
    let access = reply.json()["accessToken"].as_str().unwrap().to_string();
    let refresh_token = reply.json()["refreshToken"].as_str().unwrap().to_string();
    assert_eq!(portal(&fake, "/assignment/accounts", &access).status, 200);

    let logout = conn(&fake)
        .send(
            "POST",
            "/logout",
            &[("x-amz-sso_bearer_token", &access)],
            b"",
        )
        .unwrap();
    assert_eq!(logout.status, 200);
    assert!(logout.body.is_empty());
    assert_eq!(portal(&fake, "/assignment/accounts", &access).status, 401);
    let after = refresh(&fake, &t.client_id, &t.client_secret, &refresh_token);
    assert_oidc_error(&after, 400, "invalid_grant", "InvalidGrantException");

    fake.set_token_ttl(0);
    let expired = fake.issue_token(&["sso:account:access"]).access_token;
    assert_eq!(portal(&fake, "/assignment/accounts", &expired).status, 401);
}

#[test]
fn injected_faults_are_counted() {
    let fake = Fake::start(Org::sample());
    let token = fake.issue_token(&["sso:account:access"]).access_token;

    fake.fail_next("ListAccounts", 2, 429);
    for _ in 0..2 {
        let reply = portal(&fake, "/assignment/accounts", &token);
        assert_portal_error(&reply, 429, "TooManyRequestsException");
        assert_eq!(reply.json()["message"], "Rate exceeded");
    }
    assert_eq!(portal(&fake, "/assignment/accounts", &token).status, 200);
    assert_eq!(fake.hits("ListAccounts"), 3);
    assert_eq!(fake.hits("ListAccounts:429"), 2);

    fake.fail_next("ListAccountRoles", 1, 500);
    fake.fail_next("ListAccountRoles", 1, 503);
    fake.fail_next("ListAccountRoles", 1, 502);
    let target = "/assignment/roles?account_id=111122223333";
    assert_portal_error(
        &portal(&fake, target, &token),
        500,
        "InternalServerException",
    );
    assert_portal_error(
        &portal(&fake, target, &token),
        503,
        "ServiceUnavailableException",
    );
    let gateway = portal(&fake, target, &token);
    assert_eq!(gateway.status, 502);
    assert_eq!(gateway.header("x-amzn-ErrorType"), None);
    assert_eq!(portal(&fake, target, &token).status, 200);
    assert_eq!(fake.hits("ListAccountRoles:5xx"), 3);
    assert_eq!(fake.hits("ListAccountRoles"), 4);

    // Faults can target one grant of CreateToken; OIDC 500s are `server_error`.
    let t = fake.issue_token(&["sso:account:access"]);
    fake.fail_next("CreateToken:refresh_token", 1, 500);
    let reply = refresh(&fake, &t.client_id, &t.client_secret, &t.refresh_token);
    assert_oidc_error(&reply, 500, "server_error", "InternalServerException");
    assert_eq!(fake.hits("CreateToken:refresh_token:5xx"), 1);
    assert_eq!(fake.hits("CreateToken:5xx"), 1);
    // The faulted request never reached the handler, so the refresh token still works.
    let reply = refresh(&fake, &t.client_id, &t.client_secret, &t.refresh_token);
    assert_eq!(reply.status, 200);

    fake.set_rate_limit("GetRoleCredentials", 2);
    let creds = "/federation/credentials?account_id=111122223333&role_name=Billing";
    let mut c = conn(&fake);
    let statuses: Vec<u16> = (0..5)
        .map(|_| {
            c.get(creds, &[("x-amz-sso_bearer_token", &token)])
                .unwrap()
                .status
        })
        .collect();
    assert_eq!(&statuses[..2], &[200, 200]);
    assert!(statuses[2..].contains(&429), "{statuses:?}");
    let throttled = statuses.iter().filter(|s| **s == 429).count();
    assert_eq!(fake.hits("GetRoleCredentials:429"), throttled);
    assert_eq!(fake.hits("GetRoleCredentials:limited"), throttled);
    assert_eq!(fake.hits("GetRoleCredentials:random"), 0);
    assert_eq!(fake.hits("GetRoleCredentials"), 5);
}

#[test]
fn random_faults_are_rendered_and_counted_and_take_no_token() {
    let fake = Fake::start(Org::sample());
    let token = fake.issue_token(&["sso:account:access"]).access_token;
    let target = "/assignment/roles?account_id=111122223333";

    // Certain throttling: the service's 429, counted as such and as random.
    fake.set_rate_limit_burst("ListAccountRoles", 0.001, 1);
    fake.set_random_faults("ListAccountRoles", 1.0, 0.0);
    for _ in 0..3 {
        let reply = portal(&fake, target, &token);
        assert_portal_error(&reply, 429, "TooManyRequestsException");
    }
    assert_eq!(fake.hits("ListAccountRoles:429"), 3);
    assert_eq!(fake.hits("ListAccountRoles:random"), 3);
    assert_eq!(fake.hits("ListAccountRoles:limited"), 0);

    // Certain server errors, both kinds in the service's shape.
    fake.set_random_seed(1);
    fake.set_random_faults("ListAccountRoles", 0.0, 1.0);
    let mut types = std::collections::BTreeSet::new();
    for _ in 0..40 {
        let reply = portal(&fake, target, &token);
        assert!(matches!(reply.status, 500 | 503), "{}", reply.status);
        types.insert(reply.header("x-amzn-ErrorType").unwrap_or("").to_string());
    }
    assert_eq!(
        types.into_iter().collect::<Vec<_>>(),
        ["InternalServerException", "ServiceUnavailableException"]
    );
    assert_eq!(fake.hits("ListAccountRoles:5xx"), 40);

    // Off again: the bucket (one token per 1,000 s) still has the token that none of the
    // 43 random faults took, and then it is empty.
    fake.set_random_faults("ListAccountRoles", 0.0, 0.0);
    assert_eq!(portal(&fake, target, &token).status, 200);
    assert_portal_error(
        &portal(&fake, target, &token),
        429,
        "TooManyRequestsException",
    );
    assert_eq!(fake.hits("ListAccountRoles:limited"), 1);
    assert_eq!(fake.hits("ListAccountRoles:random"), 43);
}

#[test]
fn keep_alive_serves_several_requests_on_one_connection() {
    let fake = Fake::start(Org::sample());
    let t = fake.issue_token(&["sso:account:access"]);
    let mut c = conn(&fake);
    let auth = [("x-amz-sso_bearer_token", t.access_token.as_str())];
    let first = c.get("/assignment/accounts", &auth).unwrap();
    assert_eq!(first.header("connection"), None);
    let second = c
        .get("/assignment/roles?account_id=234567890123", &auth)
        .unwrap();
    let third = c
        .post_json("/client/register", &json!({"clientName": 1}))
        .unwrap();
    assert_eq!((first.status, second.status, third.status), (200, 200, 400));
    assert_eq!(second.json()["roleList"].as_array().unwrap().len(), 3);

    // `Connection: close` is honoured.
    let last = c
        .get("/assignment/accounts", &[auth[0], ("Connection", "close")])
        .unwrap();
    assert_eq!(last.status, 200);
    assert_eq!(last.header("connection"), Some("close"));
    assert!(c.get("/assignment/accounts", &auth).is_err());
}

#[test]
fn role_credentials_and_console_sign_in() {
    let fake = Fake::start(Org::sample());
    fake.set_role_credentials_ttl(1200);
    let token = fake.issue_token(&["sso:account:access"]).access_token;
    let target = "/federation/credentials?account_id=234567890123&role_name=ReadOnlyAccess";
    let started = fake_now_ms();
    let a = portal(&fake, target, &token).json()["roleCredentials"].clone();
    let b = portal(&fake, target, &token).json()["roleCredentials"].clone();
    let key = a["accessKeyId"].as_str().unwrap();
    assert!(key.starts_with("ASIA") && key.len() == 20, "{key}");
    assert_ne!(a["accessKeyId"], b["accessKeyId"]);
    let expiration = a["expiration"].as_u64().unwrap();
    assert!(expiration >= started + 1_199_000 && expiration <= started + 1_202_000);

    let session = json!({"sessionId": a["accessKeyId"], "sessionKey": a["secretAccessKey"],
                         "sessionToken": a["sessionToken"]})
    .to_string();
    let signin = |duration: &str, session: &str| {
        let target = format!(
            "/federation?Action=getSigninToken{duration}&Session={}",
            enc(session)
        );
        conn(&fake).get(&target, &[]).unwrap()
    };
    let ok = signin("&SessionDuration=43200", &session);
    assert_eq!(ok.status, 200, "{}", ok.text());
    let signin_token = ok.json()["SigninToken"].as_str().unwrap().to_string();
    assert_eq!(signin("", &session).status, 200);
    assert_eq!(signin("&SessionDuration=899", &session).status, 400);
    assert_eq!(signin("&SessionDuration=43201", &session).status, 400);
    let forged = json!({"sessionId": key, "sessionKey": "guess", "sessionToken": "x"}).to_string();
    assert_eq!(signin("", &forged).status, 400);
    assert_eq!(fake.hits("GetSigninToken"), 5);

    // The same request as a form POST.
    let form = format!("Action=getSigninToken&Session={}", enc(&session));
    let posted = conn(&fake)
        .send(
            "POST",
            "/federation",
            &[("Content-Type", "application/x-www-form-urlencoded")],
            form.as_bytes(),
        )
        .unwrap();
    assert_eq!(posted.status, 200, "{}", posted.text());

    let login = format!(
        "/federation?Action=login&Issuer=x&Destination={}&SigninToken={}",
        enc("https://console.aws.amazon.com/"),
        enc(&signin_token)
    );
    assert_eq!(conn(&fake).get(&login, &[]).unwrap().status, 200);

    fake.set_hostile_secrets(true);
    let hostile = portal(&fake, target, &token).json()["roleCredentials"].clone();
    let secret = hostile["secretAccessKey"].as_str().unwrap();
    for c in ['\'', '$', '"', '%', '`', '\\', ' '] {
        assert!(secret.contains(c), "{c} missing from {secret}");
    }
    let session = json!({"sessionId": hostile["accessKeyId"], "sessionKey": secret,
                         "sessionToken": hostile["sessionToken"]})
    .to_string();
    assert_eq!(signin("", &session).status, 200);
}

fn fake_now_ms() -> u64 {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH);
    now.unwrap().as_secs() * 1000
}

#[test]
fn oidc_inputs_are_validated() {
    let fake = Fake::start(Org::sample());
    let cases = [
        json!({"clientType": "public"}),
        json!({"clientName": "x", "clientType": "confidential"}),
        json!({"clientName": 3, "clientType": "public"}),
        json!({"clientName": "x", "clientType": "public", "scopes": "sso:account:access"}),
        json!({"clientName": "x", "clientType": "public", "issuerUrl": null}),
        json!({"clientName": "x", "clientType": "public", "clientname": "y"}),
        json!({"clientName": "x", "clientType": "public", "grantTypes": ["authorization_code"],
               "issuerUrl": fake.org().start_url}),
        json!({"clientName": "x", "clientType": "public", "grantTypes": ["authorization_code"],
               "redirectUris": ["http://127.0.0.1/oauth/callback"]}),
        json!(["not", "an", "object"]),
    ];
    for body in cases {
        let reply = post(&fake, "/client/register", body.clone());
        assert_oidc_error(&reply, 400, "invalid_request", "InvalidRequestException");
    }
    let bad_redirect = json!({"clientName": "x", "clientType": "public",
        "grantTypes": ["authorization_code"], "issuerUrl": fake.org().start_url,
        "redirectUris": ["https://evil.example/cb"]});
    let reply = post(&fake, "/client/register", bad_redirect);
    assert_oidc_error(
        &reply,
        400,
        "invalid_redirect_uri",
        "InvalidRedirectUriException",
    );
    let bad_grant = json!({"clientName": "x", "clientType": "public", "grantTypes": ["implicit"]});
    let reply = post(&fake, "/client/register", bad_grant);
    assert_oidc_error(
        &reply,
        400,
        "unsupported_grant_type",
        "UnsupportedGrantTypeException",
    );

    let form = conn(&fake)
        .send(
            "POST",
            "/client/register",
            &[("Content-Type", "application/x-www-form-urlencoded")],
            br#"{"clientName":"x","clientType":"public"}"#,
        )
        .unwrap();
    assert_oidc_error(&form, 400, "invalid_request", "InvalidRequestException");

    let (id, secret) = register_device_client(&fake, true);
    let no_code = json!({"clientId": id, "clientSecret": secret, "grantType": DEVICE_GRANT});
    let reply = post(&fake, "/token", no_code);
    assert_oidc_error(&reply, 400, "invalid_request", "InvalidRequestException");
    let bad_grant = json!({"clientId": id, "clientSecret": secret, "grantType": "password"});
    let reply = post(&fake, "/token", bad_grant);
    assert_oidc_error(
        &reply,
        400,
        "unsupported_grant_type",
        "UnsupportedGrantTypeException",
    );
    let pkce_grant = json!({"clientId": id, "clientSecret": secret,
        "grantType": "authorization_code", "code": "c", "redirectUri": "r", "codeVerifier": "v"});
    let reply = post(&fake, "/token", pkce_grant);
    assert_oidc_error(
        &reply,
        400,
        "unauthorized_client",
        "UnauthorizedClientException",
    );
    assert_eq!(fake.hits("CreateToken:password"), 1);
}

#[test]
fn routing_errors_and_request_ids() {
    let fake = Fake::start(Org::sample());
    let mut c = conn(&fake);
    let missing = c.get("/nope", &[]).unwrap();
    assert_eq!(missing.status, 404);
    assert_eq!(missing.json()["__type"], "UnknownOperationException");
    assert_eq!(
        missing.header("x-amzn-ErrorType"),
        Some("UnknownOperationException")
    );
    let wrong_method = c.get("/token", &[]).unwrap();
    assert_eq!(wrong_method.status, 405);
    let target = c
        .send(
            "POST",
            "/",
            &[("X-Amz-Target", "SWBExternalService.DeleteInstance")],
            b"{}",
        )
        .unwrap();
    assert_eq!(target.status, 400);
    assert_eq!(target.json()["__type"], "UnknownOperationException");

    let ids: Vec<String> = [missing, wrong_method, target]
        .iter()
        .map(|r| r.header("x-amzn-RequestId").unwrap().to_string())
        .collect();
    assert_eq!(ids[0].len(), 36);
    assert!(ids[0] != ids[1] && ids[1] != ids[2]);

    let recorded = fake.requests();
    assert_eq!(recorded.len(), 3);
    assert!(recorded.iter().all(|r| r.op == "UnknownOperation"));
    assert_eq!(
        recorded[2].header("x-amz-target"),
        Some("SWBExternalService.DeleteInstance")
    );
    assert_eq!(recorded[2].body, "{}");
    assert_eq!(fake.hits("UnknownOperation"), 3);
}

#[test]
fn requests_are_recorded() {
    let fake = Fake::start(Org::sample());
    let token = fake.issue_token(&["sso:account:access"]).access_token;
    portal(
        &fake,
        "/assignment/roles?account_id=345678901234&max_result=5",
        &token,
    );
    let r = &fake.requests()[0];
    assert_eq!(
        (r.method.as_str(), r.path.as_str(), r.op.as_str()),
        ("GET", "/assignment/roles", "ListAccountRoles")
    );
    assert_eq!(
        r.query[0],
        ("account_id".to_string(), "345678901234".to_string())
    );
    assert_eq!(r.header("x-amz-sso_bearer_token"), Some(token.as_str()));
}

#[test]
fn latency_is_added_to_responses() {
    let fake = Fake::start(Org::sample());
    fake.set_latency(Duration::from_millis(150));
    let started = Instant::now();
    let reply = conn(&fake).get("/assignment/accounts", &[]).unwrap();
    assert_eq!(reply.status, 401);
    assert!(started.elapsed() >= Duration::from_millis(150));
}

#[test]
fn drop_stops_listening() {
    let fake = Fake::start(Org::sample());
    let url = fake.url();
    let mut idle = conn(&fake);
    drop(fake);
    assert!(Connection::open(&url).is_err());
    // A connection kept alive across the drop is closed instead of served.
    assert!(idle.get("/assignment/accounts", &[]).is_err());
}
