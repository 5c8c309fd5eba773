/*!
Tests for the signer: every vector under `shared/testdata/sigv4/`, checked stage by stage, the
worked example of protocol.md §9.4, and unit tests of the pieces.

The vectors live outside the repository, in `shared/` next to it. Set `SSO_CONFIG_SHARED` to
that directory when the repository is not its sibling (e.g. in a git worktree). A missing data
directory fails the vector tests; it never lets them pass silently.
*/

use std::fs;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use time::macros::{datetime, format_description};
use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, UtcOffset};

use super::*;

const AKID: &str = "AKIDEXAMPLE";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

const OLD_SUITE: &str = "aws-sig-v4-test-suite";
const NEW_SUITE: &str = "aws-signing-test-suite/v4";

/// Cases that are not run, with the reason given in `testdata/sigv4/README.md`.
const SKIPPED: &[(&str, &str)] = &[
    (
        "aws-sig-v4-test-suite/post-x-www-form-urlencoded-parameters",
        "README quirk 2: expects the form body to be signed as query parameters with the hash \
         of an empty body; real services and botocore (e.g. STS) hash the actual body",
    ),
    (
        "aws-signing-test-suite/v4/get-space-normalized",
        "README quirk 4: the path is already percent-encoded (/example%20space/) yet the \
         expected canonical URI is encoded once; botocore double-encodes it to \
         /example%2520space/ (the tool only signs the path /)",
    ),
];

/// Cases whose canonical request file disagrees with their own string to sign and
/// Authorization: everything but the canonical request is compared.
const CANONICAL_REQUEST_NOT_COMPARED: &[(&str, &str)] = &[(
    "aws-sig-v4-test-suite/post-x-www-form-urlencoded",
    "README quirk 1: the .creq lists host;x-amz-date as signed headers although it includes \
     content-type; the .sts and .authz were computed with content-type;host;x-amz-date",
)];

/// Cases where only the canonical request is consistent: nothing else is compared.
const CANONICAL_REQUEST_ONLY: &[(&str, &str)] = &[(
    "aws-signing-test-suite/v4/double-encode-path",
    "README: its signed request uses a different key id and date; only the canonical request \
     is consistent",
)];

/// Old suite cases with a folded (multi-line) header, README quirk 3. The old suite joins the
/// folded lines with `,` and the new suite with a space, so the request parser reads a
/// continuation line as another value of the same header for the old suite and as an RFC 7230
/// obs-fold (one space) for the new one: both then pass through the signer's ordinary rules
/// (repeated headers joined with `,`; whitespace collapsed). The tool never sends folded
/// headers.
const FOLDED_HEADER_CASES: &[&str] = &[
    "aws-sig-v4-test-suite/get-header-value-multiline",
    "aws-signing-test-suite/v4/get-header-value-multiline",
];

fn reason(table: &[(&str, &'static str)], name: &str) -> Option<&'static str> {
    table.iter().find(|(n, _)| *n == name).map(|(_, r)| *r)
}

/// `testdata/sigv4` inside `$SSO_CONFIG_SHARED`, or inside the `shared/` directory next to the
/// repository.
fn data_dir() -> PathBuf {
    let dir = match std::env::var_os("SSO_CONFIG_SHARED") {
        Some(shared) => PathBuf::from(shared).join("testdata/sigv4"),
        None => PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../shared/testdata/sigv4"
        )),
    };
    assert!(
        dir.is_dir(),
        "SigV4 test vectors not found at {}; set SSO_CONFIG_SHARED to the shared/ directory \
         that holds testdata/sigv4",
        dir.display()
    );
    dir
}

fn read(path: &Path) -> Vec<u8> {
    fs::read(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

fn read_text(path: &Path) -> String {
    String::from_utf8(read(path)).unwrap_or_else(|e| panic!("{} is not UTF-8: {e}", path.display()))
}

/// An expected stage from a file. None of these texts ends in a newline (they end in a hex
/// hash or a signature), so one trailing newline is the file's, not the stage's.
fn read_expected(path: &Path) -> Option<String> {
    if !path.is_file() {
        return None;
    }
    let text = read_text(path);
    Some(text.strip_suffix('\n').unwrap_or(&text).to_owned())
}

/// Parses `YYYYMMDDTHHMMSSZ`.
fn amz_time(text: &str) -> OffsetDateTime {
    let format = format_description!("[year][month][day]T[hour][minute][second]Z");
    PrimitiveDateTime::parse(text, format)
        .unwrap_or_else(|e| panic!("bad X-Amz-Date {text:?}: {e}"))
        .assume_utc()
}

// ---------------------------------------------------------------------------------------
// Request files (`.req`, `request.txt`)
// ---------------------------------------------------------------------------------------

/// What a continuation line (one starting with a space or tab) means.
#[derive(Clone, Copy, Debug)]
enum Fold {
    /// Another value of the previous header (old suite).
    AsRepeatedHeader,
    /// Part of the previous header's value, joined with one space (RFC 7230 §3.2.4; new suite).
    AsSpace,
}

/// A request read from a vector, with the headers the signer sets taken out.
#[derive(Clone, Debug)]
struct CaseRequest {
    method: String,
    host: String,
    path: String,
    query: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

/// Parses an HTTP/1.1 request as the vector files write it: request line, header lines
/// (with folded continuation lines), a blank line, the body. `Host` moves to `host`;
/// `X-Amz-Date` and `X-Amz-Security-Token` are dropped because the signer adds them.
fn parse_request(raw: &[u8], fold: Fold) -> Result<CaseRequest, String> {
    let (head, body) = match raw.windows(2).position(|w| w == b"\n\n") {
        Some(end) => (&raw[..end], raw[end + 2..].to_vec()),
        None => (raw, Vec::new()),
    };
    let head = std::str::from_utf8(head).map_err(|e| format!("request head is not UTF-8: {e}"))?;
    let mut lines = head.lines();
    let request_line = lines.next().ok_or("empty request")?;
    let (method, rest) = request_line
        .split_once(' ')
        .ok_or_else(|| format!("no target in request line {request_line:?}"))?;
    // The target may hold spaces (`/example space/`), so the version is cut from the end.
    let target = match rest.rsplit_once(' ') {
        Some((target, version)) if version.starts_with("HTTP/") => target,
        _ => rest,
    };
    let (path, query) = target.split_once('?').unwrap_or((target, ""));

    let mut headers: Vec<(String, String)> = Vec::new();
    for line in lines {
        if line.starts_with([' ', '\t']) {
            let Some((name, value)) = headers.last_mut() else {
                return Err(format!("continuation line {line:?} before any header"));
            };
            match fold {
                Fold::AsSpace => {
                    value.push(' ');
                    value.push_str(line.trim());
                }
                Fold::AsRepeatedHeader => {
                    let name = name.clone();
                    headers.push((name, line.trim().to_owned()));
                }
            }
        } else {
            let (name, value) = line
                .split_once(':')
                .ok_or_else(|| format!("header line without ':': {line:?}"))?;
            headers.push((name.to_owned(), value.to_owned()));
        }
    }

    let mut host = None;
    let mut rest = Vec::with_capacity(headers.len());
    for (name, value) in headers {
        if name.eq_ignore_ascii_case("host") {
            if host.replace(value.trim().to_owned()).is_some() {
                return Err("more than one Host header".to_owned());
            }
        } else if !name.eq_ignore_ascii_case("x-amz-date")
            && !name.eq_ignore_ascii_case("x-amz-security-token")
        {
            rest.push((name, value));
        }
    }
    Ok(CaseRequest {
        method: method.to_owned(),
        host: host.ok_or("no Host header")?,
        path: path.to_owned(),
        query: query.to_owned(),
        headers: rest,
        body,
    })
}

// ---------------------------------------------------------------------------------------
// One case, and running it stage by stage
// ---------------------------------------------------------------------------------------

#[derive(Clone, Debug)]
struct CaseParams {
    access_key_id: String,
    secret_access_key: String,
    session_token: Option<String>,
    /// Sign without the token, then add it (`post-sts-header-after`, `omit_session_token`).
    token_after_signing: bool,
    region: String,
    service: String,
    time: OffsetDateTime,
    normalize: bool,
    /// Add and sign `x-amz-content-sha256` (the CRT suite's `sign_body`; S3 habit).
    sign_body: bool,
}

impl CaseParams {
    fn example(region: &str, service: &str, time: OffsetDateTime) -> Self {
        CaseParams {
            access_key_id: AKID.to_owned(),
            secret_access_key: SECRET.to_owned(),
            session_token: None,
            token_after_signing: false,
            region: region.to_owned(),
            service: service.to_owned(),
            time,
            normalize: true,
            sign_body: false,
        }
    }
}

#[derive(Clone, Debug, Default)]
struct Expected {
    canonical_request: Option<String>,
    string_to_sign: Option<String>,
    signature: Option<String>,
    authorization: Option<String>,
}

impl Expected {
    /// Fills `signature` from the `Authorization` value when no separate file gives it.
    fn with_signature_from_authorization(mut self) -> Self {
        if self.signature.is_none() {
            self.signature = self
                .authorization
                .as_deref()
                .and_then(|a| a.rsplit_once("Signature="))
                .map(|(_, s)| s.to_owned());
        }
        self
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stages {
    All,
    AllButCanonicalRequest,
    CanonicalRequestOnly,
}

#[derive(Clone, Debug)]
struct Case {
    name: String,
    request: Result<CaseRequest, String>,
    params: CaseParams,
    expected: Expected,
    stages: Stages,
}

impl Case {
    fn new(
        name: String,
        request: Result<CaseRequest, String>,
        params: CaseParams,
        expected: Expected,
    ) -> Self {
        let stages = if reason(CANONICAL_REQUEST_NOT_COMPARED, &name).is_some() {
            Stages::AllButCanonicalRequest
        } else if reason(CANONICAL_REQUEST_ONLY, &name).is_some() {
            Stages::CanonicalRequestOnly
        } else {
            Stages::All
        };
        Case {
            name,
            request,
            params,
            expected: expected.with_signature_from_authorization(),
            stages,
        }
    }
}

fn compare(failures: &mut Vec<String>, case: &str, stage: &str, expected: &str, got: &str) {
    if expected != got {
        failures.push(format!(
            "{case}: stage '{stage}' differs\n--- expected\n{expected}\n--- got\n{got}\n---"
        ));
    }
}

/// Signs the case's request and compares every stage it has an expected value for. Each
/// stage is also checked from the *expected* previous stage, so a mismatch points at the
/// first stage that is wrong. Returns the failures.
fn run_case(case: &Case) -> Vec<String> {
    let name = case.name.as_str();
    let request = match &case.request {
        Ok(request) => request,
        Err(e) => return vec![format!("{name}: stage 'parse request' failed: {e}")],
    };
    let p = &case.params;
    let mut headers = request.headers.clone();
    if p.sign_body {
        headers.push(("x-amz-content-sha256".to_owned(), sha256_hex(&request.body)));
    }
    let signed_token = if p.token_after_signing {
        None
    } else {
        p.session_token.as_deref()
    };
    let output = sign(
        &Request {
            method: &request.method,
            host: &request.host,
            path: &request.path,
            query: &request.query,
            headers,
            body: &request.body,
        },
        &SigningParams {
            access_key_id: &p.access_key_id,
            secret_access_key: &p.secret_access_key,
            session_token: signed_token,
            region: &p.region,
            service: &p.service,
            time: p.time,
            settings: SigningSettings {
                normalize_path: p.normalize,
            },
        },
    );
    let output = match output {
        Ok(output) => output,
        Err(e) => return vec![format!("{name}: stage 'sign' failed: {e}")],
    };
    let amz_date = format_amz_date(p.time).expect("case times are in years 0-9999");
    let mut failures = Vec::new();
    let f = &mut failures;
    let exp = &case.expected;

    if case.stages != Stages::AllButCanonicalRequest
        && let Some(creq) = &exp.canonical_request
    {
        compare(
            f,
            name,
            "canonical request",
            creq,
            &output.canonical_request.to_string(),
        );
    }
    if case.stages == Stages::CanonicalRequestOnly {
        return failures;
    }

    if let Some(sts) = &exp.string_to_sign {
        compare(
            f,
            name,
            "string to sign",
            sts,
            &output.string_to_sign.to_string(),
        );
        if case.stages == Stages::All
            && let Some(creq) = &exp.canonical_request
        {
            let from_expected = StringToSign {
                amz_date: amz_date.clone(),
                scope: output.string_to_sign.scope.clone(),
                canonical_request_hash: sha256_hex(creq.as_bytes()),
            };
            compare(
                f,
                name,
                "string to sign from the expected canonical request",
                sts,
                &from_expected.to_string(),
            );
        }
    }

    if let Some(sig) = &exp.signature {
        compare(f, name, "signature", sig, &output.signature);
        if let Some(sts) = &exp.string_to_sign {
            let key = signing_key(&p.secret_access_key, &amz_date[..8], &p.region, &p.service);
            compare(
                f,
                name,
                "signature from the expected string to sign",
                sig,
                &signature(&key, sts),
            );
        }
    }

    if let Some(authz) = &exp.authorization {
        compare(
            f,
            name,
            "authorization header",
            authz,
            output.header("Authorization").unwrap_or("<absent>"),
        );
    }

    // The headers that go on the wire: the signer's, plus the token when it is added after
    // signing (the variant the tool does not use, kept to run those vectors).
    let mut sent = output.headers.clone();
    if p.token_after_signing
        && let Some(token) = &p.session_token
    {
        sent.push(("X-Amz-Security-Token", token.clone()));
    }
    let sent_value = |wanted: &str| -> String {
        let values: Vec<&str> = sent
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(wanted))
            .map(|(_, v)| v.as_str())
            .collect();
        values.join(" | ")
    };
    compare(
        f,
        name,
        "X-Amz-Date header",
        &amz_date,
        &sent_value("x-amz-date"),
    );
    compare(
        f,
        name,
        "X-Amz-Security-Token header",
        p.session_token.as_deref().unwrap_or(""),
        &sent_value("x-amz-security-token"),
    );
    failures
}

/// Runs the cases of one suite, leaving out `SKIPPED` ones; prints the counts and fails with
/// every failure listed.
fn run_suite(suite: &str, cases: &[Case]) {
    let mut passed = 0;
    let mut partial = Vec::new();
    let mut skipped = Vec::new();
    let mut failures = Vec::new();
    for case in cases {
        if let Some(why) = reason(SKIPPED, &case.name) {
            skipped.push(format!("{} ({why})", case.name));
            continue;
        }
        let case_failures = run_case(case);
        if case_failures.is_empty() {
            passed += 1;
            if case.stages != Stages::All {
                partial.push(format!("{} ({:?})", case.name, case.stages));
            }
        } else {
            failures.extend(case_failures);
        }
    }
    println!(
        "{suite}: {} cases, {passed} passed, {} skipped, {} failed",
        cases.len(),
        skipped.len(),
        cases.len() - passed - skipped.len()
    );
    for p in &partial {
        println!("  passed with some stages not compared: {p}");
    }
    for s in &skipped {
        println!("  skipped: {s}");
    }
    assert!(
        failures.is_empty(),
        "{suite}: {} stage comparison(s) failed:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

// ---------------------------------------------------------------------------------------
// The suites
// ---------------------------------------------------------------------------------------

/// Directories under `dir` (recursively) that hold a `<dirname>.req` file.
fn old_format_case_dirs(dir: &Path, found: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry is readable").path())
        .filter(|path| path.is_dir())
        .collect();
    entries.sort();
    for sub in entries {
        let base = sub.file_name().expect("a listed entry has a name");
        if sub.join(base).with_extension("req").is_file() {
            found.push(sub.clone());
        }
        old_format_case_dirs(&sub, found);
    }
}

/// A case in the old format: `<name>.req` with `.creq`, `.sts`, `.authz` beside it.
fn old_format_case(root: &Path, dir: &Path, params: CaseParams) -> Case {
    let name = dir
        .strip_prefix(root)
        .expect("case directories are under the data root")
        .to_string_lossy()
        .into_owned();
    let base = dir.join(dir.file_name().expect("a case directory has a name"));
    // The old format's reading of folded lines; see FOLDED_HEADER_CASES.
    let fold = Fold::AsRepeatedHeader;
    let expected = Expected {
        canonical_request: read_expected(&base.with_extension("creq")),
        string_to_sign: read_expected(&base.with_extension("sts")),
        signature: None,
        authorization: read_expected(&base.with_extension("authz")),
    };
    Case::new(
        name,
        parse_request(&read(&base.with_extension("req")), fold),
        params,
        expected,
    )
}

/// The session token of the old suite, the last line of `post-sts-token/readme.txt`.
fn old_suite_token(root: &Path) -> String {
    let readme = read_text(&root.join(OLD_SUITE).join("post-sts-token/readme.txt"));
    readme
        .lines()
        .map(str::trim)
        .rfind(|line| !line.is_empty())
        .expect("post-sts-token/readme.txt ends with the token")
        .to_owned()
}

#[test]
fn old_suite_aws_sig_v4_test_suite() {
    let root = data_dir();
    let token = old_suite_token(&root);
    let mut dirs = Vec::new();
    old_format_case_dirs(&root.join(OLD_SUITE), &mut dirs);
    assert_eq!(dirs.len(), 31, "README: the old suite has 31 cases");
    let cases: Vec<Case> = dirs
        .iter()
        .map(|dir| {
            let mut params =
                CaseParams::example("us-east-1", "service", amz_time("20150830T123600Z"));
            let in_sts_token = dir.parent().and_then(Path::file_name)
                == Some(std::ffi::OsStr::new("post-sts-token"));
            if in_sts_token {
                params.session_token = Some(token.clone());
                params.token_after_signing = dir.ends_with("post-sts-header-after");
            }
            old_format_case(&root, dir, params)
        })
        .collect();
    run_suite(OLD_SUITE, &cases);
}

/// `context.json` of the CRT suite (only the fields the header-signing cases use).
#[derive(Deserialize)]
struct Context {
    credentials: ContextCredentials,
    region: String,
    service: String,
    timestamp: String,
    normalize: bool,
    sign_body: bool,
    #[serde(default)]
    omit_session_token: bool,
}

#[derive(Deserialize)]
struct ContextCredentials {
    access_key_id: String,
    secret_access_key: String,
    #[serde(default)]
    token: Option<String>,
}

/// Parameters for the new-suite cases without `context.json`, from the README: the values of
/// `extras/double-url-encode`. Only the canonical request of `double-encode-path` is compared.
fn no_context_params() -> CaseParams {
    CaseParams::example("us-east-2", "lambda", amz_time("20210511T154045Z"))
}

fn new_suite_case(root: &Path, dir: &Path) -> Case {
    let name = dir
        .strip_prefix(root)
        .expect("case directories are under the data root")
        .to_string_lossy()
        .into_owned();
    let context_path = dir.join("context.json");
    let params = if context_path.is_file() {
        let context: Context = serde_json::from_slice(&read(&context_path))
            .unwrap_or_else(|e| panic!("{}: {e}", context_path.display()));
        let time = OffsetDateTime::parse(
            &context.timestamp,
            &time::format_description::well_known::Rfc3339,
        )
        .unwrap_or_else(|e| panic!("{}: bad timestamp: {e}", context_path.display()));
        CaseParams {
            access_key_id: context.credentials.access_key_id,
            secret_access_key: context.credentials.secret_access_key,
            session_token: context.credentials.token,
            token_after_signing: context.omit_session_token,
            region: context.region,
            service: context.service,
            time,
            normalize: context.normalize,
            sign_body: context.sign_body,
        }
    } else {
        no_context_params()
    };
    let authorization = read_expected(&dir.join("header-signed-request.txt")).and_then(|text| {
        text.lines()
            .filter_map(|line| line.split_once(':'))
            .find(|(name, _)| name.eq_ignore_ascii_case("authorization"))
            .map(|(_, value)| value.trim().to_owned())
    });
    let expected = Expected {
        canonical_request: read_expected(&dir.join("header-canonical-request.txt")),
        string_to_sign: read_expected(&dir.join("header-string-to-sign.txt")),
        signature: read_expected(&dir.join("header-signature.txt")),
        authorization,
    };
    Case::new(
        name,
        parse_request(&read(&dir.join("request.txt")), Fold::AsSpace),
        params,
        expected,
    )
}

#[test]
fn new_suite_aws_signing_test_suite_v4() {
    let root = data_dir();
    let mut dirs: Vec<PathBuf> = fs::read_dir(root.join(NEW_SUITE))
        .unwrap_or_else(|e| panic!("cannot list {NEW_SUITE}: {e}"))
        .map(|entry| entry.expect("directory entry is readable").path())
        .filter(|path| path.is_dir())
        .collect();
    dirs.sort();
    assert_eq!(dirs.len(), 40, "README: the new suite has 40 cases");
    let with_context = dirs
        .iter()
        .filter(|d| d.join("context.json").is_file())
        .count();
    assert_eq!(
        with_context, 38,
        "README: 38 new-suite cases have context.json"
    );
    let cases: Vec<Case> = dirs.iter().map(|dir| new_suite_case(&root, dir)).collect();
    run_suite(NEW_SUITE, &cases);
}

/// `extras/identity-center-botocore-vectors.json`.
#[derive(Deserialize)]
struct BotocoreVectors {
    vectors: Vec<BotocoreVector>,
}

#[derive(Deserialize)]
struct BotocoreVector {
    description: String,
    credentials: BotocoreCredentials,
    x_amz_date: String,
    method: String,
    url: String,
    headers_sent: serde_json::Map<String, serde_json::Value>,
    body: String,
    canonical_request: String,
    string_to_sign: String,
    signature: String,
    signing_region: String,
    signing_name: String,
}

#[derive(Deserialize)]
struct BotocoreCredentials {
    access_key_id: String,
    secret_access_key: String,
    session_token: Option<String>,
}

fn botocore_case(vector: BotocoreVector) -> Case {
    let name = format!(
        "extras/identity-center-botocore-vectors.json: {}",
        vector.description
    );
    let header = |wanted: &str| -> Option<String> {
        vector
            .headers_sent
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(wanted))
            .and_then(|(_, v)| v.as_str())
            .map(str::to_owned)
    };
    let sent_date = header("x-amz-date");
    let sent_token = header("x-amz-security-token");
    let authorization = header("authorization");
    let request = (|| {
        let rest = vector
            .url
            .strip_prefix("https://")
            .ok_or("url is not https")?;
        let (host, target) = rest.split_once('/').unwrap_or((rest, ""));
        let target = format!("/{target}");
        let (path, query) = target.split_once('?').unwrap_or((&target, ""));
        let mut headers = Vec::new();
        for (name, value) in &vector.headers_sent {
            let lower = name.to_ascii_lowercase();
            if matches!(
                lower.as_str(),
                "x-amz-date" | "x-amz-security-token" | "authorization"
            ) {
                continue;
            }
            let value = value.as_str().ok_or("header value is not a string")?;
            headers.push((name.clone(), value.to_owned()));
        }
        if sent_date.as_deref() != Some(vector.x_amz_date.as_str()) {
            return Err("X-Amz-Date in headers_sent differs from x_amz_date".to_owned());
        }
        if sent_token != vector.credentials.session_token {
            return Err("X-Amz-Security-Token in headers_sent differs from the token".to_owned());
        }
        Ok(CaseRequest {
            method: vector.method.clone(),
            host: host.to_owned(),
            path: path.to_owned(),
            query: query.to_owned(),
            headers,
            body: vector.body.clone().into_bytes(),
        })
    })();
    let params = CaseParams {
        access_key_id: vector.credentials.access_key_id,
        secret_access_key: vector.credentials.secret_access_key,
        session_token: vector.credentials.session_token,
        token_after_signing: false,
        region: vector.signing_region,
        service: vector.signing_name,
        time: amz_time(&vector.x_amz_date),
        normalize: true,
        sign_body: false,
    };
    let expected = Expected {
        canonical_request: Some(vector.canonical_request),
        string_to_sign: Some(vector.string_to_sign),
        signature: Some(vector.signature),
        authorization,
    };
    Case::new(name, request, params, expected)
}

/// `extras/iam/iam.creq` holds, despite its name, the *string to sign* of the AWS General
/// Reference's IAM `ListUsers` example. The request is that example's (GET
/// `/?Action=ListUsers&Version=2010-05-08`, host `iam.amazonaws.com`, the form content type,
/// empty body); the file's last line is the hash of its canonical request. The signature is
/// the one that reference publishes for it.
fn iam_case(root: &Path) -> Case {
    let request = CaseRequest {
        method: "GET".to_owned(),
        host: "iam.amazonaws.com".to_owned(),
        path: "/".to_owned(),
        query: "Action=ListUsers&Version=2010-05-08".to_owned(),
        headers: vec![(
            "Content-Type".to_owned(),
            "application/x-www-form-urlencoded; charset=utf-8".to_owned(),
        )],
        body: Vec::new(),
    };
    let expected = Expected {
        canonical_request: None,
        string_to_sign: read_expected(&root.join("extras/iam/iam.creq")),
        signature: Some(
            "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7".to_owned(),
        ),
        authorization: None,
    };
    Case::new(
        "extras/iam".to_owned(),
        Ok(request),
        CaseParams::example("us-east-1", "iam", amz_time("20150830T123600Z")),
        expected,
    )
}

#[test]
fn extras_suite() {
    let root = data_dir();
    let json_path = root.join("extras/identity-center-botocore-vectors.json");
    let vectors: BotocoreVectors = serde_json::from_slice(&read(&json_path))
        .unwrap_or_else(|e| panic!("{}: {e}", json_path.display()));
    assert!(
        !vectors.vectors.is_empty(),
        "{} holds no vectors",
        json_path.display()
    );
    let mut cases: Vec<Case> = vectors.vectors.into_iter().map(botocore_case).collect();
    cases.push(old_format_case(
        &root,
        &root.join("extras/double-url-encode"),
        no_context_params(),
    ));
    cases.push(iam_case(&root));
    run_suite("extras", &cases);
}

#[test]
fn quirk_tables_name_existing_cases() {
    let root = data_dir();
    let tables = SKIPPED
        .iter()
        .chain(CANONICAL_REQUEST_NOT_COMPARED)
        .chain(CANONICAL_REQUEST_ONLY)
        .map(|(name, _)| *name)
        .chain(FOLDED_HEADER_CASES.iter().copied());
    for name in tables {
        assert!(
            root.join(name).is_dir(),
            "quirk table names {name}, which is not a case directory under {}",
            root.display()
        );
    }
}

#[test]
fn request_parser_reads_folded_headers_both_ways() {
    let raw = b"GET /a b/?x=1 HTTP/1.1\nHost:h\nMy:v1\n  v2\nX-Amz-Date:20150830T123600Z\n\nbody";
    let repeated = parse_request(raw, Fold::AsRepeatedHeader).unwrap();
    assert_eq!(repeated.method, "GET");
    assert_eq!(repeated.path, "/a b/");
    assert_eq!(repeated.query, "x=1");
    assert_eq!(repeated.host, "h");
    assert_eq!(
        repeated.headers,
        [("My".into(), "v1".into()), ("My".into(), "v2".into())]
    );
    assert_eq!(repeated.body, b"body");
    let spaced = parse_request(raw, Fold::AsSpace).unwrap();
    assert_eq!(spaced.headers, [("My".into(), "v1 v2".into())]);
}

// ---------------------------------------------------------------------------------------
// protocol.md §9.4 and unit tests of the pieces
// ---------------------------------------------------------------------------------------

fn json11_request(body: &[u8]) -> Request<'_> {
    Request {
        method: "POST",
        host: "sso.eu-west-1.amazonaws.com",
        path: "/",
        query: "",
        headers: vec![
            (
                "Content-Type".to_owned(),
                "application/x-amz-json-1.1".to_owned(),
            ),
            (
                "X-Amz-Target".to_owned(),
                "SWBExternalService.ListInstances".to_owned(),
            ),
        ],
        body,
    }
}

fn json11_params() -> SigningParams<'static> {
    SigningParams {
        access_key_id: AKID,
        secret_access_key: SECRET,
        session_token: Some("SESSIONTOKENEXAMPLE"),
        region: "eu-west-1",
        service: "sso",
        time: datetime!(2024-01-02 03:04:05 UTC),
        settings: SigningSettings::default(),
    }
}

#[test]
fn worked_example_protocol_9_4() {
    let output = sign(&json11_request(b"{}"), &json11_params()).unwrap();
    assert_eq!(
        output.canonical_request.to_string(),
        "POST\n\
         /\n\
         \n\
         content-type:application/x-amz-json-1.1\n\
         host:sso.eu-west-1.amazonaws.com\n\
         x-amz-date:20240102T030405Z\n\
         x-amz-security-token:SESSIONTOKENEXAMPLE\n\
         x-amz-target:SWBExternalService.ListInstances\n\
         \n\
         content-type;host;x-amz-date;x-amz-security-token;x-amz-target\n\
         44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a",
        "stage: canonical request"
    );
    assert_eq!(
        output.string_to_sign.scope.to_string(),
        "20240102/eu-west-1/sso/aws4_request",
        "stage: signing scope"
    );
    assert_eq!(
        output.string_to_sign.to_string(),
        "AWS4-HMAC-SHA256\n\
         20240102T030405Z\n\
         20240102/eu-west-1/sso/aws4_request\n\
         c5896d2b2da13a3792c2f18e98b2e313134d93a40b7c2dd8c5c7ff660f1e30cc",
        "stage: string to sign"
    );
    assert_eq!(
        hex(&signing_key(SECRET, "20240102", "eu-west-1", "sso")),
        "af036a2addc3c5d92dac2bd346abdfc0cc5c4abfaeea88041f4890a8b826d014",
        "stage: signing key (kSigning)"
    );
    assert_eq!(
        output.signature, "3b74f604f98cbc2d9dc1f145999fc8bef42601f198b1eb880a90e46a25861ca3",
        "stage: signature"
    );
    assert_eq!(
        output.headers,
        [
            ("X-Amz-Date", "20240102T030405Z".to_owned()),
            ("X-Amz-Security-Token", "SESSIONTOKENEXAMPLE".to_owned()),
            (
                "Authorization",
                "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240102/eu-west-1/sso/aws4_request, \
                 SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;x-amz-target, \
                 Signature=3b74f604f98cbc2d9dc1f145999fc8bef42601f198b1eb880a90e46a25861ca3"
                    .to_owned()
            ),
        ],
        "stage: headers to add"
    );
}

#[test]
fn without_a_session_token_no_token_header_is_added_or_signed() {
    let mut params = json11_params();
    params.session_token = None;
    let output = sign(&json11_request(b"{}"), &params).unwrap();
    let names: Vec<&str> = output.headers.iter().map(|(n, _)| *n).collect();
    assert_eq!(names, ["X-Amz-Date", "Authorization"]);
    assert_eq!(
        output.canonical_request.signed_headers,
        "content-type;host;x-amz-date;x-amz-target"
    );
}

#[test]
fn path_normalisation() {
    for (path, want) in [
        ("", "/"),
        ("/", "/"),
        ("//", "/"),
        ("/./", "/"),
        ("/./example", "/example"),
        ("//example//", "/example/"),
        ("/example/..", "/"),
        ("/example1/example2/../..", "/"),
        ("/a/b/../c/", "/a/c/"),
        ("/../a", "/a"),
        ("/a/.", "/a"),
    ] {
        assert_eq!(normalize_path(path), want, "normalize_path({path:?})");
    }
}

#[test]
fn canonical_uri_encodes_the_wire_path_again() {
    for (path, normalize, want) in [
        ("/a%3Ab", true, "/a%253Ab"),
        ("/example space/", true, "/example%20space/"),
        ("/-._~AZaz09", true, "/-._~AZaz09"),
        ("/\u{1234}", true, "/%E1%88%B4"),
        ("/@x+y=z", true, "/%40x%2By%3Dz"),
        ("//example//", false, "//example//"),
        ("/./", false, "/./"),
        ("", false, "/"),
    ] {
        assert_eq!(
            canonical_uri(path, normalize),
            want,
            "canonical_uri({path:?}, normalize={normalize})"
        );
    }
}

#[test]
fn canonical_query_decodes_reencodes_and_sorts() {
    for (query, want) in [
        ("", ""),
        ("Param1=value1", "Param1=value1"),
        ("Param2=value2&Param1=value1", "Param1=value1&Param2=value2"),
        ("Param1=value2&Param1=Value1", "Param1=Value1&Param1=value2"),
        ("Param-3=Value3&Param=Value2", "Param=Value2&Param-3=Value3"),
        ("Param1", "Param1="),
        ("a=1&&b=2&", "a=1&b=2"),
        ("k=a%20b", "k=a%20b"),
        ("k=a b", "k=a%20b"),
        ("k=a+b", "k=a%2Bb"),
        ("k=%2f%3D", "k=%2F%3D"),
        ("k=a=b", "k=a%3Db"),
        ("k=100%", "k=100%25"),
        ("%E1%88%B4=bar", "%E1%88%B4=bar"),
    ] {
        assert_eq!(canonical_query(query), want, "canonical_query({query:?})");
    }
}

#[test]
fn canonical_headers_skip_unsigned_trim_and_join() {
    let request = Request {
        method: "GET",
        host: "example.amazonaws.com",
        path: "/",
        query: "",
        headers: vec![
            ("User-Agent".into(), "sso-config/0.1".into()),
            ("amz-sdk-invocation-id".into(), "1234".into()),
            ("amz-sdk-request".into(), "attempt=1; max=3".into()),
            ("Expect".into(), "100-continue".into()),
            ("Connection".into(), "keep-alive".into()),
            ("Transfer-Encoding".into(), "chunked".into()),
            ("X-Amzn-Trace-Id".into(), "Root=1".into()),
            ("My-Header".into(), "  a   b\t c  ".into()),
            ("my-header".into(), "second".into()),
            ("X-Amz-Target".into(), "T.Op".into()),
        ],
        body: b"",
    };
    let creq = CanonicalRequest::new(
        &request,
        &[("X-Amz-Date", "20150830T123600Z")],
        SigningSettings::default(),
    )
    .unwrap();
    assert_eq!(
        creq.signed_headers,
        "host;my-header;x-amz-date;x-amz-target"
    );
    assert_eq!(
        creq.headers,
        [
            ("host".into(), "example.amazonaws.com".into()),
            ("my-header".into(), "a b c,second".into()),
            ("x-amz-date".into(), "20150830T123600Z".into()),
            ("x-amz-target".into(), "T.Op".into()),
        ]
    );
}

#[test]
fn headers_set_by_the_signer_or_malformed_are_refused() {
    for name in [
        "Host",
        "X-Amz-Date",
        "x-amz-security-token",
        "Authorization",
    ] {
        let mut request = json11_request(b"{}");
        request.headers.push((name.to_owned(), "x".to_owned()));
        assert_eq!(
            sign(&request, &json11_params()).unwrap_err(),
            SigningError::ReservedHeader { name: name.into() },
            "header {name}"
        );
    }
    for (name, value) in [("Bad Name", "x"), ("", "x"), ("X-Ok", "a\r\nInjected: 1")] {
        let mut request = json11_request(b"{}");
        request.headers.push((name.to_owned(), value.to_owned()));
        assert_eq!(
            sign(&request, &json11_params()).unwrap_err(),
            SigningError::InvalidHeader { name: name.into() },
            "header {name:?}: {value:?}"
        );
    }
    let mut params = json11_params();
    params.session_token = Some("token\nwith newline");
    assert_eq!(
        sign(&json11_request(b"{}"), &params).unwrap_err(),
        SigningError::InvalidHeader {
            name: "X-Amz-Security-Token".into()
        }
    );
}

#[test]
fn amz_date_is_utc() {
    assert_eq!(
        format_amz_date(datetime!(2024-01-02 03:04:05 UTC)).as_deref(),
        Some("20240102T030405Z")
    );
    assert_eq!(
        format_amz_date(datetime!(2024-01-02 04:04:05 +01:00)).as_deref(),
        Some("20240102T030405Z")
    );
    assert_eq!(
        format_amz_date(datetime!(2024-01-01 23:30:00 -05:00)).as_deref(),
        Some("20240102T043000Z")
    );
    let before_year_0 = Date::from_calendar_date(-1, Month::December, 31)
        .unwrap()
        .midnight()
        .assume_offset(UtcOffset::UTC);
    assert_eq!(format_amz_date(before_year_0), None);
    let mut params = json11_params();
    params.time = before_year_0;
    assert_eq!(
        sign(&json11_request(b"{}"), &params).unwrap_err(),
        SigningError::TimeOutOfRange
    );
}

#[test]
fn debug_output_hides_secrets() {
    let params = json11_params();
    let output = sign(&json11_request(b"{}"), &params).unwrap();
    for shown in [
        format!("{params:?}"),
        format!("{output:?}"),
        format!("{:?}", output.canonical_request),
        output.canonical_request.redacted().to_string(),
    ] {
        assert!(!shown.contains(SECRET), "secret key shown: {shown}");
        assert!(
            !shown.contains("SESSIONTOKENEXAMPLE"),
            "session token shown: {shown}"
        );
        assert!(shown.contains(REDACTED), "no redaction marker: {shown}");
    }
    assert!(format!("{params:?}").contains(AKID));
}
