/*!
SigV4 verification for the signed services (protocol.md §9), written independently of the
client's signer so that the two check each other. A request passes only when its
`Authorization` header is well formed, its credential scope names the date of `X-Amz-Date`,
the service's signing region and signing name, its signed headers cover `host`,
`x-amz-date`, `content-type`, `x-amz-target` (JSON 1.1) and `x-amz-security-token` (when
sent), its time is within 15 minutes of the fake's clock, its key is known (a test key, or
credentials the fake issued) with the right session token, and the signature recomputed with
the key's secret matches.
*/

use ring::{digest, hmac};

use crate::errors::ApiError;
use crate::http::Request;
use crate::state::State;

/// How far `X-Amz-Date` may be from the fake's clock (AWS: 15 minutes).
const MAX_SKEW_SECS: i64 = 15 * 60;

/// Long-term or session credentials the fake knows from the start.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TestCredentials {
    /// The access key id.
    pub access_key_id: String,
    /// The secret access key.
    pub secret_access_key: String,
    /// The session token, for temporary credentials.
    pub session_token: Option<String>,
}

/// The test keys of [`crate::Fake::test_credentials`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TestKey {
    /// Long-term keys of an administrator: every admin API works.
    Admin,
    /// Temporary administrator credentials with a session token.
    Session,
    /// Known keys without admin permissions: the admin APIs answer AccessDeniedException
    /// (STS GetCallerIdentity still works, as it needs no permission).
    Denied,
    /// Temporary credentials whose session has expired: ExpiredTokenException.
    Expired,
}

impl TestKey {
    /// Every test key.
    pub const ALL: [TestKey; 4] = [
        TestKey::Admin,
        TestKey::Session,
        TestKey::Denied,
        TestKey::Expired,
    ];

    /// The credentials. Secrets carry `/` and `+`, as real ones do.
    pub fn credentials(self) -> TestCredentials {
        let (id, secret, token) = match self {
            TestKey::Admin => (
                "AKIAFAKEADMIN0000001",
                "fake/Admin+Secret/Key0000000000000000000",
                None,
            ),
            TestKey::Session => (
                "ASIAFAKESESSION00001",
                "fake/Session+Secret/Key00000000000000000",
                Some("FakeSessionToken/+=IQoJb3JpZ2luX2VjEJr//////////"),
            ),
            TestKey::Denied => (
                "AKIAFAKEDENIED000001",
                "fake/Denied+Secret/Key000000000000000000",
                None,
            ),
            TestKey::Expired => (
                "ASIAFAKEEXPIRED00001",
                "fake/Expired+Secret/Key00000000000000000",
                Some("FakeExpiredToken/+=IQoJb3JpZ2luX2VjEJr//////////"),
            ),
        };
        TestCredentials {
            access_key_id: id.to_string(),
            secret_access_key: secret.to_string(),
            session_token: token.map(str::to_string),
        }
    }

    fn of(access_key_id: &str) -> Option<TestKey> {
        TestKey::ALL
            .into_iter()
            .find(|k| k.credentials().access_key_id == access_key_id)
    }
}

/// Who signed a request that passed verification.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Caller {
    /// A test key.
    Test(TestKey),
    /// Credentials the fake issued (GetRoleCredentials, AssumeRole) for a role in an account.
    Role {
        access_key_id: String,
        account_id: String,
        role_name: String,
    },
}

impl Caller {
    /// Whether the caller may use the admin APIs.
    pub fn is_admin(&self) -> bool {
        !matches!(self, Caller::Test(TestKey::Denied))
    }
}

/// The scope a service expects.
pub(crate) struct Expected<'a> {
    pub region: &'a str,
    pub service: &'a str,
    /// JSON 1.1 requests must sign `x-amz-target`.
    pub needs_target: bool,
}

/// The parts of an `Authorization` header.
#[derive(Debug, PartialEq, Eq)]
struct Authorization {
    access_key_id: String,
    date: String,
    region: String,
    service: String,
    signed_headers: Vec<String>,
    signature: String,
}

fn incomplete(msg: impl AsRef<str>) -> ApiError {
    ApiError::incomplete_signature(msg.as_ref())
}

/// Parses `AWS4-HMAC-SHA256 Credential=ID/DATE/REGION/SERVICE/aws4_request,
/// SignedHeaders=a;b, Signature=HEX`.
fn parse_authorization(value: &str) -> Result<Authorization, ApiError> {
    let rest = value
        .strip_prefix("AWS4-HMAC-SHA256 ")
        .ok_or_else(|| incomplete("Authorization header must start with 'AWS4-HMAC-SHA256 '"))?;
    let mut credential = None;
    let mut signed = None;
    let mut signature = None;
    for part in rest.split(',') {
        let (name, v) = part
            .trim()
            .split_once('=')
            .ok_or_else(|| incomplete(format!("malformed Authorization component {part:?}")))?;
        let slot = match name {
            "Credential" => &mut credential,
            "SignedHeaders" => &mut signed,
            "Signature" => &mut signature,
            other => {
                return Err(incomplete(format!(
                    "unknown Authorization component {other:?}"
                )));
            }
        };
        if slot.replace(v).is_some() {
            return Err(incomplete(format!("Authorization repeats {name}")));
        }
    }
    let (Some(credential), Some(signed), Some(signature)) = (credential, signed, signature) else {
        return Err(incomplete(
            "Authorization header requires 'Credential', 'SignedHeaders' and 'Signature'",
        ));
    };
    let parts: Vec<&str> = credential.split('/').collect();
    let [id, date, region, service, "aws4_request"] = parts[..] else {
        return Err(incomplete(format!(
            "Credential must be ID/DATE/REGION/SERVICE/aws4_request, got {credential:?}"
        )));
    };
    if id.is_empty() || date.len() != 8 || !date.bytes().all(|b| b.is_ascii_digit()) {
        return Err(incomplete(format!("malformed Credential {credential:?}")));
    }
    let is_hex = signature.len() == 64
        && signature
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    if !is_hex {
        return Err(incomplete("Signature must be 64 lower-case hex digits"));
    }
    let signed_headers: Vec<String> = signed.split(';').map(str::to_string).collect();
    let sorted = signed_headers.windows(2).all(|w| w[0] < w[1]);
    let lower = signed_headers
        .iter()
        .all(|h| !h.is_empty() && *h == h.to_ascii_lowercase());
    if !sorted || !lower {
        return Err(incomplete(
            "SignedHeaders must be lower-case, sorted and without repeats",
        ));
    }
    Ok(Authorization {
        access_key_id: id.to_string(),
        date: date.to_string(),
        region: region.to_string(),
        service: service.to_string(),
        signed_headers,
        signature: signature.to_string(),
    })
}

/// Checks the request's signature; returns who signed it.
pub(crate) fn verify(
    st: &State,
    req: &Request,
    expected: &Expected,
    now: i64,
) -> Result<Caller, ApiError> {
    let auth = req
        .header("authorization")
        .ok_or_else(ApiError::missing_authentication)?;
    let auth = parse_authorization(auth)?;
    let amz_date = req
        .header("x-amz-date")
        .ok_or_else(|| incomplete("X-Amz-Date header is missing"))?;
    let signed_at = parse_amz_date(amz_date)
        .ok_or_else(|| incomplete(format!("X-Amz-Date {amz_date:?} is not YYYYMMDDTHHMMSSZ")))?;
    if auth.date != amz_date[..8] {
        return Err(ApiError::invalid_signature(&format!(
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '{}' != '{}', from '{amz_date}'.",
            auth.date,
            &amz_date[..8]
        )));
    }
    if auth.region != expected.region {
        return Err(ApiError::invalid_signature(&format!(
            "Credential should be scoped to a valid region, not '{}'. Expected '{}'.",
            auth.region, expected.region
        )));
    }
    if auth.service != expected.service {
        return Err(ApiError::invalid_signature(&format!(
            "Credential should be scoped to correct service: '{}'.",
            expected.service
        )));
    }
    let mut required = vec!["content-type", "host", "x-amz-date"];
    if expected.needs_target {
        required.push("x-amz-target");
    }
    if req.header("x-amz-security-token").is_some() {
        required.push("x-amz-security-token");
    }
    for name in required {
        if !auth.signed_headers.iter().any(|h| h == name) {
            return Err(ApiError::invalid_signature(&format!(
                "'{name}' must be a 'SignedHeader' in the AWS Authorization."
            )));
        }
    }
    for name in &auth.signed_headers {
        if req.header(name).is_none() {
            return Err(ApiError::invalid_signature(&format!(
                "signed header '{name}' is not in the request"
            )));
        }
    }

    let (secret, token, caller, expired) = lookup_key(st, &auth.access_key_id, now)?;
    if now - signed_at > MAX_SKEW_SECS {
        return Err(ApiError::invalid_signature(&format!(
            "Signature expired: {amz_date} is now earlier than {} ({} - 15 min.)",
            format_amz_date(now - MAX_SKEW_SECS),
            format_amz_date(now)
        )));
    }
    if signed_at - now > MAX_SKEW_SECS {
        return Err(ApiError::invalid_signature(&format!(
            "Signature not yet current: {amz_date} is still later than {} ({} + 15 min.)",
            format_amz_date(now + MAX_SKEW_SECS),
            format_amz_date(now)
        )));
    }
    if req.header("x-amz-security-token") != token.as_deref() {
        return Err(ApiError::unrecognized_client());
    }
    if expired {
        return Err(ApiError::expired_security_token());
    }
    let canonical = canonical_request(req, &auth.signed_headers);
    let scope = format!(
        "{}/{}/{}/aws4_request",
        auth.date, auth.region, auth.service
    );
    let string_to_sign = format!(
        "AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{}",
        sha256_hex(canonical.as_bytes())
    );
    let key = [
        auth.date.as_str(),
        &auth.region,
        &auth.service,
        "aws4_request",
    ]
    .iter()
    .fold(format!("AWS4{secret}").into_bytes(), |k, part| {
        hmac_sha256(&k, part.as_bytes())
    });
    let signature = hex(&hmac_sha256(&key, string_to_sign.as_bytes()));
    if signature != auth.signature {
        return Err(ApiError::invalid_signature(
            "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
        ));
    }
    Ok(caller)
}

/// The secret, expected session token, caller and whether the credentials have expired.
fn lookup_key(
    st: &State,
    access_key_id: &str,
    now: i64,
) -> Result<(String, Option<String>, Caller, bool), ApiError> {
    if let Some(key) = TestKey::of(access_key_id) {
        let c = key.credentials();
        let expired = key == TestKey::Expired;
        return Ok((
            c.secret_access_key,
            c.session_token,
            Caller::Test(key),
            expired,
        ));
    }
    let issued = st
        .credentials
        .get(access_key_id)
        .ok_or_else(ApiError::unrecognized_client)?;
    let expired =
        now.saturating_mul(1000) >= i64::try_from(issued.expires_at_ms).unwrap_or(i64::MAX);
    let caller = Caller::Role {
        access_key_id: access_key_id.to_string(),
        account_id: issued.account_id.clone(),
        role_name: issued.role_name.clone(),
    };
    Ok((
        issued.secret_access_key.clone(),
        Some(issued.session_token.clone()),
        caller,
        expired,
    ))
}

/// The canonical request (protocol.md §9.2) for the headers the client says it signed.
fn canonical_request(req: &Request, signed_headers: &[String]) -> String {
    let mut out = format!("{}\n{}\n", req.method, uri_encode(&req.path, true));
    let mut query: Vec<(String, String)> = req
        .query
        .iter()
        .map(|(k, v)| (uri_encode(k, false), uri_encode(v, false)))
        .collect();
    query.sort();
    let query: Vec<String> = query.iter().map(|(k, v)| format!("{k}={v}")).collect();
    out.push_str(&query.join("&"));
    out.push('\n');
    for name in signed_headers {
        let values: Vec<String> = req
            .headers
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v.split_whitespace().collect::<Vec<_>>().join(" "))
            .collect();
        out.push_str(&format!("{name}:{}\n", values.join(",")));
    }
    out.push('\n');
    out.push_str(&signed_headers.join(";"));
    out.push('\n');
    out.push_str(&sha256_hex(&req.body));
    out
}

fn uri_encode(s: &str, keep_slash: bool) -> String {
    let mut out = String::new();
    for &b in s.as_bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) || (keep_slash && b == b'/') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn hmac_sha256(key: &[u8], data: &[u8]) -> Vec<u8> {
    hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, key), data)
        .as_ref()
        .to_vec()
}

fn sha256_hex(data: &[u8]) -> String {
    hex(digest::digest(&digest::SHA256, data).as_ref())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Days since 1970-01-01 of a proleptic Gregorian date (the "days from civil" algorithm:
/// shift the year to start in March so the leap day comes last).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The inverse of [`days_from_civil`].
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// Epoch seconds of `YYYYMMDDTHHMMSSZ`.
pub(crate) fn parse_amz_date(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() != 16 || b[8] != b'T' || b[15] != b'Z' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let part = s.get(r)?;
        part.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| part.parse().ok())?
    };
    let (y, mo, d) = (num(0..4)?, num(4..6)?, num(6..8)?);
    let (h, mi, se) = (num(9..11)?, num(11..13)?, num(13..15)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || se > 60 {
        return None;
    }
    Some(days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + se)
}

/// `YYYYMMDDTHHMMSSZ` of epoch seconds.
pub(crate) fn format_amz_date(t: i64) -> String {
    let (y, m, d) = civil_from_days(t.div_euclid(86_400));
    let s = t.rem_euclid(86_400);
    format!(
        "{y:04}{m:02}{d:02}T{:02}{:02}{:02}Z",
        s / 3600,
        s / 60 % 60,
        s % 60
    )
}

/// `YYYY-MM-DDTHH:MM:SSZ` of epoch seconds (STS `Expiration`).
pub(crate) fn format_iso(t: i64) -> String {
    let a = format_amz_date(t);
    format!(
        "{}-{}-{}T{}:{}:{}Z",
        &a[0..4],
        &a[4..6],
        &a[6..8],
        &a[9..11],
        &a[11..13],
        &a[13..15]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(headers: &[(&str, &str)], body: &str) -> Request {
        Request {
            method: "POST".to_string(),
            path: "/".to_string(),
            query: Vec::new(),
            query_error: None,
            headers: headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            body: body.as_bytes().to_vec(),
            keep_alive: true,
        }
    }

    /// The worked example of protocol.md §9.4, computed by botocore.
    #[test]
    fn canonical_request_and_signature_match_the_worked_example() {
        let headers = [
            ("host", "sso.eu-west-1.amazonaws.com"),
            ("content-type", "application/x-amz-json-1.1"),
            ("x-amz-target", "SWBExternalService.ListInstances"),
            ("x-amz-date", "20240102T030405Z"),
            ("x-amz-security-token", "SESSIONTOKENEXAMPLE"),
        ];
        let req = request(&headers, "{}");
        let signed: Vec<String> = "content-type;host;x-amz-date;x-amz-security-token;x-amz-target"
            .split(';')
            .map(str::to_string)
            .collect();
        let creq = canonical_request(&req, &signed);
        assert_eq!(
            sha256_hex(creq.as_bytes()),
            "c5896d2b2da13a3792c2f18e98b2e313134d93a40b7c2dd8c5c7ff660f1e30cc"
        );
        let key = ["20240102", "eu-west-1", "sso", "aws4_request"]
            .iter()
            .fold(
                b"AWS4wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY".to_vec(),
                |k, p| hmac_sha256(&k, p.as_bytes()),
            );
        assert_eq!(
            hex(&key),
            "af036a2addc3c5d92dac2bd346abdfc0cc5c4abfaeea88041f4890a8b826d014"
        );
    }

    const NOW: i64 = 1_704_164_645; // 20240102T030405Z

    /// A JSON 1.1 request signed with `key` for `region`/`service` at `at`, signing
    /// `signed` (all headers when empty).
    fn signed(
        key: &TestCredentials,
        region: &str,
        service: &str,
        at: i64,
        signed: &[&str],
    ) -> Request {
        let date = format_amz_date(at);
        let mut headers = vec![
            ("host", "127.0.0.1:1234".to_string()),
            ("content-type", "application/x-amz-json-1.1".to_string()),
            (
                "x-amz-target",
                "SWBExternalService.ListInstances".to_string(),
            ),
            ("x-amz-date", date.clone()),
        ];
        if let Some(t) = &key.session_token {
            headers.push(("x-amz-security-token", t.clone()));
        }
        let pairs: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let mut req = request(&pairs, "{}");
        let mut names: Vec<String> = if signed.is_empty() {
            headers.iter().map(|(k, _)| k.to_string()).collect()
        } else {
            signed.iter().map(|s| s.to_string()).collect()
        };
        names.sort();
        let scope = format!("{}/{region}/{service}/aws4_request", &date[..8]);
        let sts = format!(
            "AWS4-HMAC-SHA256\n{date}\n{scope}\n{}",
            sha256_hex(canonical_request(&req, &names).as_bytes())
        );
        let k = [&date[..8], region, service, "aws4_request"].iter().fold(
            format!("AWS4{}", key.secret_access_key).into_bytes(),
            |k, p| hmac_sha256(&k, p.as_bytes()),
        );
        let auth = format!(
            "AWS4-HMAC-SHA256 Credential={}/{scope}, SignedHeaders={}, Signature={}",
            key.access_key_id,
            names.join(";"),
            hex(&hmac_sha256(&k, sts.as_bytes()))
        );
        req.headers.push(("authorization".to_string(), auth));
        req
    }

    fn check(st: &State, req: &Request, now: i64) -> Result<Caller, ApiError> {
        let expected = Expected {
            region: "eu-west-1",
            service: "sso",
            needs_target: true,
        };
        verify(st, req, &expected, now)
    }

    fn fails(r: Result<Caller, ApiError>, code: &str, text: &str) {
        let e = r.unwrap_err();
        assert_eq!(e.code, code, "{}", e.message);
        assert!(e.message.contains(text), "{}", e.message);
    }

    #[test]
    fn verification_accepts_good_signatures_and_names_each_fault() {
        let st = State::default();
        let admin = TestKey::Admin.credentials();
        let good = signed(&admin, "eu-west-1", "sso", NOW, &[]);
        assert_eq!(
            check(&st, &good, NOW).unwrap(),
            Caller::Test(TestKey::Admin)
        );
        assert!(check(&st, &good, NOW + MAX_SKEW_SECS).is_ok());

        let bad = "InvalidSignatureException";
        fails(
            check(&st, &good, NOW + MAX_SKEW_SECS + 1),
            bad,
            "Signature expired",
        );
        fails(
            check(&st, &good, NOW - MAX_SKEW_SECS - 1),
            bad,
            "not yet current",
        );
        let r = signed(&admin, "us-east-1", "sso", NOW, &[]);
        fails(check(&st, &r, NOW), bad, "valid region");
        let r = signed(&admin, "eu-west-1", "sso-admin", NOW, &[]);
        fails(check(&st, &r, NOW), bad, "correct service");
        let r = signed(
            &admin,
            "eu-west-1",
            "sso",
            NOW,
            &["content-type", "host", "x-amz-date"],
        );
        fails(check(&st, &r, NOW), bad, "'x-amz-target' must be");
        let mut tampered = signed(&admin, "eu-west-1", "sso", NOW, &[]);
        tampered.body = b"{\"MaxResults\":1}".to_vec();
        fails(check(&st, &tampered, NOW), bad, "does not match");
        let mut wrong = admin.clone();
        wrong.secret_access_key.push('x');
        fails(
            check(&st, &signed(&wrong, "eu-west-1", "sso", NOW, &[]), NOW),
            bad,
            "does not match",
        );

        let mut unknown = admin.clone();
        unknown.access_key_id = "AKIAUNKNOWN000000000".to_string();
        let r = signed(&unknown, "eu-west-1", "sso", NOW, &[]);
        fails(
            check(&st, &r, NOW),
            "UnrecognizedClientException",
            "invalid",
        );
        let mut tokenless = TestKey::Session.credentials();
        tokenless.session_token = None;
        let r = signed(&tokenless, "eu-west-1", "sso", NOW, &[]);
        fails(
            check(&st, &r, NOW),
            "UnrecognizedClientException",
            "invalid",
        );
        let r = signed(
            &TestKey::Session.credentials(),
            "eu-west-1",
            "sso",
            NOW,
            &[],
        );
        assert_eq!(check(&st, &r, NOW).unwrap(), Caller::Test(TestKey::Session));
        let r = signed(
            &TestKey::Expired.credentials(),
            "eu-west-1",
            "sso",
            NOW,
            &[],
        );
        fails(check(&st, &r, NOW), "ExpiredTokenException", "expired");

        let mut unsigned = good;
        unsigned.headers.retain(|(k, _)| k != "authorization");
        fails(
            check(&st, &unsigned, NOW),
            "MissingAuthenticationTokenException",
            "Missing",
        );
    }

    #[test]
    fn issued_credentials_verify_until_they_expire() {
        let mut st = State::default();
        st.credentials.insert(
            "ASIAISSUED0000000001".to_string(),
            crate::state::IssuedCredentials {
                secret_access_key: "issued/secret".to_string(),
                session_token: "issued-token".to_string(),
                expires_at_ms: (NOW as u64 + 60) * 1000,
                account_id: "111122223333".to_string(),
                role_name: "Admin".to_string(),
            },
        );
        let key = TestCredentials {
            access_key_id: "ASIAISSUED0000000001".to_string(),
            secret_access_key: "issued/secret".to_string(),
            session_token: Some("issued-token".to_string()),
        };
        let r = signed(&key, "eu-west-1", "sso", NOW, &[]);
        assert!(matches!(check(&st, &r, NOW), Ok(Caller::Role { .. })));
        let r = signed(&key, "eu-west-1", "sso", NOW + 60, &[]);
        fails(check(&st, &r, NOW + 60), "ExpiredTokenException", "expired");
    }

    #[test]
    fn authorization_structure() {
        let good = format!(
            "AWS4-HMAC-SHA256 Credential=AKID/20240102/eu-west-1/sso/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature={}",
            "a".repeat(64)
        );
        let a = parse_authorization(&good).unwrap();
        assert_eq!(a.region, "eu-west-1");
        assert_eq!(a.signed_headers, ["content-type", "host", "x-amz-date"]);
        for bad in [
            good.replace("AWS4-HMAC-SHA256 ", "AWS4-HMAC-SHA1 "),
            good.replace("/aws4_request", "/aws5_request"),
            good.replace("content-type;host", "host;content-type"),
            good.replace("Signature=a", "Signature=A"),
            good.replace(", Signature", ", Sig"),
            good.replace("/20240102/", "/2024012/"),
        ] {
            let e = parse_authorization(&bad).unwrap_err();
            assert_eq!(e.code, "IncompleteSignatureException", "{bad}");
        }
    }

    #[test]
    fn dates_round_trip() {
        for t in [0, 951_782_400, 1_704_164_645, 4_102_444_800] {
            assert_eq!(parse_amz_date(&format_amz_date(t)), Some(t));
        }
        assert_eq!(format_amz_date(1_704_164_645), "20240102T030405Z");
        assert_eq!(format_iso(1_704_164_645), "2024-01-02T03:04:05Z");
        assert_eq!(parse_amz_date("20241302T030405Z"), None);
        assert_eq!(parse_amz_date("2024-01-02T03:04"), None);
    }
}
