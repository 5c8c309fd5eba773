/*!
AWS Signature Version 4 for the requests this tool sends (json 1.1 and query-protocol calls).

This module owns signing and nothing else: it turns a plain [`Request`] and [`SigningParams`]
into the headers to add (`X-Amz-Date`, `X-Amz-Security-Token`, `Authorization`). It sends
nothing, reads no clock and no environment: the time comes in through [`SigningParams::time`].

The rules are botocore's `SigV4Auth` for non-S3 services, as written down in
`shared/docs/protocol.md` §9. Each step of the AWS page "Create a signed AWS API request"
(<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html>)
is its own type or function, and each type prints the exact spec text through `Display`:

1. [`CanonicalRequest`] (protocol §9.2),
2. its hash, [`CanonicalRequest::hash`],
3. [`SigningScope`] and [`StringToSign`] (§9.3),
4. [`signing_key`] and [`signature`] (§9.3),
5. the `Authorization` header, assembled by [`sign`].

Secrets never show in `Debug` output: [`SigningParams`], [`CanonicalRequest`] and
[`SigningOutput`] redact the secret key and the session token.
*/

use std::fmt;

use ring::{digest, hmac};
use time::{OffsetDateTime, UtcOffset};

/// The algorithm name that opens the string to sign and the `Authorization` value.
const ALGORITHM: &str = "AWS4-HMAC-SHA256";

/// Headers that are sent but never signed (protocol §9.1): proxies and the HTTP stack may
/// change or drop them, and botocore leaves them out for the same reason.
const UNSIGNED_HEADERS: &[&str] = &[
    "user-agent",
    "expect",
    "connection",
    "transfer-encoding",
    "x-amzn-trace-id",
];

/// Prefix of SDK bookkeeping headers (`amz-sdk-invocation-id`, `amz-sdk-request`); never signed
/// (protocol §1.3).
const UNSIGNED_PREFIX: &str = "amz-sdk-";

/// Headers the signer writes itself. One of them in [`Request::headers`] would be sent twice.
const RESERVED_HEADERS: &[&str] = &[
    "host",
    "x-amz-date",
    "x-amz-security-token",
    "authorization",
];

/// Shown instead of a secret in `Debug` output.
const REDACTED: &str = "** redacted **";

/// Choices that differ between services. The default is what every service this tool calls
/// expects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SigningSettings {
    /// Normalise the path (drop `.`, resolve `..`, collapse `//`) before encoding it. On for
    /// all non-S3 services (protocol §9.2). Only S3 turns it off, and the CRT vector suite
    /// checks both modes (`normalize` in its `context.json`).
    pub normalize_path: bool,
}

impl Default for SigningSettings {
    fn default() -> Self {
        SigningSettings {
            normalize_path: true,
        }
    }
}

/// Credentials, scope and time for one signature.
#[derive(Clone, Copy)]
pub struct SigningParams<'a> {
    /// The access key id (`AKIA…`/`ASIA…`); appears in the `Authorization` header.
    pub access_key_id: &'a str,
    /// The secret access key; only used to derive the signing key.
    pub secret_access_key: &'a str,
    /// The session token of temporary credentials. When present it is sent as
    /// `X-Amz-Security-Token` and signed (botocore behaviour, protocol §9.1).
    pub session_token: Option<&'a str>,
    /// The signing region, e.g. `eu-west-1` (`us-east-1` for the global organizations
    /// endpoint).
    pub region: &'a str,
    /// The signing name of the service, e.g. `sso`, `identitystore`, `organizations`, `sts`.
    pub service: &'a str,
    /// The signing time. Any offset is accepted; it is converted to UTC.
    pub time: OffsetDateTime,
    /// Service-specific choices; `SigningSettings::default()` for every service we call.
    pub settings: SigningSettings,
}

impl fmt::Debug for SigningParams<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningParams")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &REDACTED)
            .field("session_token", &self.session_token.map(|_| REDACTED))
            .field("region", &self.region)
            .field("service", &self.service)
            .field("time", &self.time)
            .field("settings", &self.settings)
            .finish()
    }
}

/// The parts of an HTTP request that SigV4 covers.
#[derive(Clone, Debug)]
pub struct Request<'a> {
    /// The method exactly as sent, e.g. `POST`.
    pub method: &'a str,
    /// The `Host` header value: lower-case host name, with `:port` only for a non-default
    /// port. The HTTP client must send exactly this value. Always signed.
    pub host: &'a str,
    /// The path as it appears on the wire (already percent-encoded); empty means `/`.
    pub path: &'a str,
    /// The query string as on the wire, without the leading `?`; empty when there is none.
    /// A `+` is taken literally (protocol §9.2 only percent-decodes), so write a space as
    /// `%20`.
    pub query: &'a str,
    /// The other headers to send, in send order. All are signed except `User-Agent`,
    /// `Expect`, `Connection`, `Transfer-Encoding`, `X-Amzn-Trace-Id` and `amz-sdk-*`.
    /// Must not contain `Host`, `X-Amz-Date`, `X-Amz-Security-Token` or `Authorization`
    /// (the signer sets those); should not contain `Content-Length` (the HTTP client sets it).
    pub headers: Vec<(String, String)>,
    /// The exact body bytes to send.
    pub body: &'a [u8],
}

/// Why a request cannot be signed. Each one is a bug in the caller, not bad user input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SigningError {
    /// [`Request::headers`] holds a header the signer sets itself.
    ReservedHeader {
        /// The header name as given.
        name: String,
    },
    /// A header name is not an HTTP token, or a value (including `host` and the session
    /// token) holds CR, LF or NUL, which would break the canonical request's line structure.
    InvalidHeader {
        /// The header name as given.
        name: String,
    },
    /// The time, converted to UTC, is outside the years 0–9999 that `X-Amz-Date` can express.
    TimeOutOfRange,
}

impl fmt::Display for SigningError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SigningError::ReservedHeader { name } => write!(
                f,
                "cannot sign request: header '{name}' is set by the signer, not by the caller"
            ),
            SigningError::InvalidHeader { name } => write!(
                f,
                "cannot sign request: header '{name}' has an invalid name or a value with CR, LF or NUL"
            ),
            SigningError::TimeOutOfRange => {
                f.write_str("cannot sign request: the signing time is outside the years 0-9999")
            }
        }
    }
}

impl std::error::Error for SigningError {}

/// Formats `X-Amz-Date` (`YYYYMMDDTHHMMSSZ`, UTC) from any offset, e.g. `20240102T030405Z`.
///
/// Returns `None` when the UTC time falls outside the years 0–9999.
pub fn format_amz_date(time: OffsetDateTime) -> Option<String> {
    let utc = time.checked_to_offset(UtcOffset::UTC)?;
    if !(0..=9999).contains(&utc.year()) {
        return None;
    }
    Some(format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        utc.year(),
        u8::from(utc.month()),
        utc.day(),
        utc.hour(),
        utc.minute(),
        utc.second()
    ))
}

/// Step 1: the canonical request (protocol §9.2). `Display` prints the exact spec text.
///
/// AWS: step 1, "Create a canonical request".
#[derive(Clone, PartialEq, Eq)]
pub struct CanonicalRequest {
    /// The HTTP method as sent.
    pub method: String,
    /// The normalised, percent-encoded path.
    pub uri: String,
    /// The sorted, re-encoded query string.
    pub query: String,
    /// `(lower-case name, canonical value)` pairs sorted by name, one per name; repeated
    /// headers are joined with `,` in send order.
    pub headers: Vec<(String, String)>,
    /// The header names joined with `;`.
    pub signed_headers: String,
    /// Lower-case hex SHA-256 of the body.
    pub payload_hash: String,
}

impl CanonicalRequest {
    /// Builds the canonical request from `request` plus the headers the signer adds
    /// (`x-amz-date` and, when signed, `x-amz-security-token`).
    pub fn new(
        request: &Request<'_>,
        added_headers: &[(&str, &str)],
        settings: SigningSettings,
    ) -> Result<Self, SigningError> {
        check_header("host", request.host)?;
        let mut signed: Vec<(String, &str)> =
            Vec::with_capacity(request.headers.len() + added_headers.len() + 1);
        signed.push(("host".to_owned(), request.host));
        for (name, value) in &request.headers {
            check_header(name, value)?;
            let lower = name.to_ascii_lowercase();
            if RESERVED_HEADERS.contains(&lower.as_str()) {
                return Err(SigningError::ReservedHeader { name: name.clone() });
            }
            if !is_unsigned(&lower) {
                signed.push((lower, value));
            }
        }
        for &(name, value) in added_headers {
            check_header(name, value)?;
            signed.push((name.to_ascii_lowercase(), value));
        }
        // A stable sort keeps repeated headers in send order, which their `,` join needs.
        signed.sort_by(|a, b| a.0.cmp(&b.0));

        let mut headers: Vec<(String, String)> = Vec::with_capacity(signed.len());
        for (name, value) in signed {
            let value = collapse_whitespace(value);
            match headers.last_mut() {
                Some((last, joined)) if *last == name => {
                    joined.push(',');
                    joined.push_str(&value);
                }
                _ => headers.push((name, value)),
            }
        }
        let signed_headers = headers
            .iter()
            .map(|(name, _)| name.as_str())
            .collect::<Vec<_>>()
            .join(";");

        Ok(CanonicalRequest {
            method: request.method.to_owned(),
            uri: canonical_uri(request.path, settings.normalize_path),
            query: canonical_query(request.query),
            headers,
            signed_headers,
            payload_hash: sha256_hex(request.body),
        })
    }

    /// Step 2: lower-case hex SHA-256 of the canonical request text.
    ///
    /// AWS: step 2, "Create a hash of the canonical request".
    pub fn hash(&self) -> String {
        sha256_hex(self.to_string().as_bytes())
    }

    /// The canonical request with the session token replaced, for `--debug` output.
    pub fn redacted(&self) -> RedactedCanonicalRequest<'_> {
        RedactedCanonicalRequest(self)
    }

    fn write(&self, f: &mut fmt::Formatter<'_>, redact: bool) -> fmt::Result {
        writeln!(f, "{}", self.method)?;
        writeln!(f, "{}", self.uri)?;
        writeln!(f, "{}", self.query)?;
        for (name, value) in &self.headers {
            let value = if redact && name == "x-amz-security-token" {
                REDACTED
            } else {
                value
            };
            writeln!(f, "{name}:{value}")?;
        }
        // The header block ends with its own newline, so a blank line follows it.
        writeln!(f)?;
        writeln!(f, "{}", self.signed_headers)?;
        write!(f, "{}", self.payload_hash)
    }
}

impl fmt::Display for CanonicalRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write(f, false)
    }
}

impl fmt::Debug for CanonicalRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("CanonicalRequest")
            .field(&self.redacted().to_string())
            .finish()
    }
}

/// A canonical request printed with its session token replaced; see
/// [`CanonicalRequest::redacted`].
pub struct RedactedCanonicalRequest<'a>(&'a CanonicalRequest);

impl fmt::Display for RedactedCanonicalRequest<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.write(f, true)
    }
}

/// The credential scope: `date/region/service/aws4_request` (protocol §9.3).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SigningScope {
    /// `YYYYMMDD`, the first 8 characters of `X-Amz-Date`.
    pub date: String,
    /// The signing region.
    pub region: String,
    /// The signing name of the service.
    pub service: String,
}

impl fmt::Display for SigningScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}/{}/{}/aws4_request",
            self.date, self.region, self.service
        )
    }
}

/// Step 3: the string to sign (protocol §9.3). `Display` prints the exact spec text.
///
/// AWS: step 3, "Create a string to sign".
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StringToSign {
    /// The `X-Amz-Date` value.
    pub amz_date: String,
    /// The credential scope.
    pub scope: SigningScope,
    /// [`CanonicalRequest::hash`] of the request being signed.
    pub canonical_request_hash: String,
}

impl StringToSign {
    /// The string to sign for `canonical_request` at `amz_date` within `scope`.
    pub fn new(amz_date: &str, scope: SigningScope, canonical_request: &CanonicalRequest) -> Self {
        StringToSign {
            amz_date: amz_date.to_owned(),
            scope,
            canonical_request_hash: canonical_request.hash(),
        }
    }
}

impl fmt::Display for StringToSign {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{ALGORITHM}\n{}\n{}\n{}",
            self.amz_date, self.scope, self.canonical_request_hash
        )
    }
}

/// Step 4a: derives the signing key for one day, region and service.
///
/// ```text
/// kDate    = HMAC-SHA256(key = "AWS4" + SecretAccessKey, data = date)   // date = YYYYMMDD
/// kRegion  = HMAC-SHA256(kDate, region)
/// kService = HMAC-SHA256(kRegion, service)
/// kSigning = HMAC-SHA256(kService, "aws4_request")
/// ```
///
/// AWS: step 4, "Calculate the signature" (signing key).
pub fn signing_key(secret_access_key: &str, date: &str, region: &str, service: &str) -> [u8; 32] {
    let k_date = hmac_sha256(
        format!("AWS4{secret_access_key}").as_bytes(),
        date.as_bytes(),
    );
    let k_region = hmac_sha256(&k_date, region.as_bytes());
    let k_service = hmac_sha256(&k_region, service.as_bytes());
    hmac_sha256(&k_service, b"aws4_request")
}

/// Step 4b: `hex(HMAC-SHA256(kSigning, StringToSign))`, lower case.
///
/// AWS: step 4, "Calculate the signature".
pub fn signature(signing_key: &[u8; 32], string_to_sign: &str) -> String {
    hex(&hmac_sha256(signing_key, string_to_sign.as_bytes()))
}

/// The result of [`sign`]: the headers to add, plus every stage for tests and `--debug`.
#[derive(Clone)]
pub struct SigningOutput {
    /// The headers to add to the request, in this order: `X-Amz-Date`,
    /// `X-Amz-Security-Token` (only with a session token), `Authorization`.
    pub headers: Vec<(&'static str, String)>,
    /// Stage 1, the canonical request that was signed.
    pub canonical_request: CanonicalRequest,
    /// Stage 3, the string to sign.
    pub string_to_sign: StringToSign,
    /// Stage 4, the lower-case hex signature.
    pub signature: String,
}

impl SigningOutput {
    #[cfg(test)]
    /// The value of one added header, by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

impl fmt::Debug for SigningOutput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(name, value)| {
                if name.eq_ignore_ascii_case("x-amz-security-token") {
                    (*name, REDACTED)
                } else {
                    (*name, value.as_str())
                }
            })
            .collect();
        f.debug_struct("SigningOutput")
            .field("headers", &headers)
            .field("canonical_request", &self.canonical_request)
            .field("string_to_sign", &self.string_to_sign)
            .field("signature", &self.signature)
            .finish()
    }
}

/// Signs `request` and returns the headers to add (steps 1–5 of the AWS page).
///
/// The session token, when present, is added *before* signing and is signed, as botocore
/// does (protocol §9.1).
pub fn sign(
    request: &Request<'_>,
    params: &SigningParams<'_>,
) -> Result<SigningOutput, SigningError> {
    let amz_date = format_amz_date(params.time).ok_or(SigningError::TimeOutOfRange)?;
    let mut added: Vec<(&'static str, &str)> = vec![("X-Amz-Date", amz_date.as_str())];
    if let Some(token) = params.session_token {
        added.push(("X-Amz-Security-Token", token));
    }

    let canonical_request = CanonicalRequest::new(request, &added, params.settings)?;
    let scope = SigningScope {
        // format_amz_date always yields 16 ASCII characters, the first 8 being the date.
        date: amz_date[..8].to_owned(),
        region: params.region.to_owned(),
        service: params.service.to_owned(),
    };
    let key = signing_key(
        params.secret_access_key,
        &scope.date,
        &scope.region,
        &scope.service,
    );
    let string_to_sign = StringToSign::new(&amz_date, scope, &canonical_request);
    let signature = signature(&key, &string_to_sign.to_string());

    // AWS step 5, "Add the signature to the request".
    let authorization = format!(
        "{ALGORITHM} Credential={}/{}, SignedHeaders={}, Signature={}",
        params.access_key_id, string_to_sign.scope, canonical_request.signed_headers, signature
    );
    let mut headers: Vec<(&'static str, String)> = added
        .into_iter()
        .map(|(name, value)| (name, value.to_owned()))
        .collect();
    headers.push(("Authorization", authorization));

    Ok(SigningOutput {
        headers,
        canonical_request,
        string_to_sign,
        signature,
    })
}

/// The canonical URI: optionally normalised, then every byte except unreserved characters and
/// `/` percent-encoded. The input is the wire path, so an existing `%XX` becomes `%25XX`: the
/// "double encoding" botocore applies to all non-S3 services (protocol §9.2).
fn canonical_uri(path: &str, normalize: bool) -> String {
    if normalize {
        uri_encode(normalize_path(path).as_bytes(), true)
    } else if path.is_empty() {
        "/".to_owned()
    } else {
        uri_encode(path.as_bytes(), true)
    }
}

/// Removes `.` and empty segments and resolves `..` (RFC 3986 §5.2.4, plus the collapsing of
/// `//` that AWS services require). A trailing `/` is kept when any segment remains; the
/// result always starts with `/`. Same result as botocore's `remove_dot_segments`.
fn normalize_path(path: &str) -> String {
    let mut segments: Vec<&str> = Vec::new();
    for segment in path.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            other => segments.push(other),
        }
    }
    let mut out = String::with_capacity(path.len() + 1);
    out.push('/');
    out.push_str(&segments.join("/"));
    if !segments.is_empty() && path.ends_with('/') {
        out.push('/');
    }
    out
}

/// The canonical query: each `&`-separated item split at the first `=` (no `=` means an
/// empty value), percent-decoded, re-encoded with [`uri_encode`], sorted by key then value in
/// byte order, joined with `&` (protocol §9.2). Empty items (`a=1&&b=2`, a trailing `&`) carry
/// no parameter and are dropped.
fn canonical_query(query: &str) -> String {
    let mut pairs: Vec<(String, String)> = query
        .split('&')
        .filter(|item| !item.is_empty())
        .map(|item| {
            let (key, value) = item.split_once('=').unwrap_or((item, ""));
            (
                uri_encode(&percent_decode(key), false),
                uri_encode(&percent_decode(value), false),
            )
        })
        .collect();
    pairs.sort();
    pairs
        .iter()
        .map(|(key, value)| format!("{key}={value}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// Percent-encodes every byte except `A-Z a-z 0-9 - _ . ~` (and `/` when `keep_slash`), with
/// upper-case hex, as SigV4's `UriEncode` requires.
fn uri_encode(bytes: &[u8], keep_slash: bool) -> String {
    const HEX_UPPER: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(bytes.len());
    for &b in bytes {
        if b.is_ascii_alphanumeric()
            || matches!(b, b'-' | b'_' | b'.' | b'~')
            || (keep_slash && b == b'/')
        {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(HEX_UPPER[usize::from(b >> 4)]));
            out.push(char::from(HEX_UPPER[usize::from(b & 0x0f)]));
        }
    }
    out
}

/// Decodes `%XX` escapes. A `%` not followed by two hex digits stays as it is (and is then
/// encoded as `%25`); `+` stays `+`, since protocol §9.2 asks for percent-decoding only.
fn percent_decode(s: &str) -> Vec<u8> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = match (bytes[i], bytes.get(i + 1), bytes.get(i + 2)) {
            (b'%', Some(&hi), Some(&lo)) => hex_value(hi).zip(hex_value(lo)),
            _ => None,
        };
        match escaped {
            Some((hi, lo)) => {
                out.push(hi << 4 | lo);
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    out
}

fn hex_value(digit: u8) -> Option<u8> {
    char::from(digit)
        .to_digit(16)
        .and_then(|d| u8::try_from(d).ok())
}

/// Trims the value and collapses each inner run of whitespace to one space, like botocore's
/// `' '.join(value.split())`.
fn collapse_whitespace(value: &str) -> String {
    value.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn is_unsigned(lower_name: &str) -> bool {
    UNSIGNED_HEADERS.contains(&lower_name) || lower_name.starts_with(UNSIGNED_PREFIX)
}

/// Rejects names that are not HTTP tokens (RFC 9110 §5.6.2) and values holding CR, LF or NUL.
fn check_header(name: &str, value: &str) -> Result<(), SigningError> {
    let name_ok = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
    let value_ok = !value.contains(['\r', '\n', '\0']);
    if name_ok && value_ok {
        Ok(())
    } else {
        Err(SigningError::InvalidHeader {
            name: name.to_owned(),
        })
    }
}

fn hmac_sha256(key: &[u8], data: &[u8]) -> [u8; 32] {
    let tag = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, key), data);
    let mut out = [0u8; 32];
    // An HMAC-SHA256 tag is always 32 bytes, so the lengths match.
    out.copy_from_slice(tag.as_ref());
    out
}

fn sha256_hex(data: &[u8]) -> String {
    hex(digest::digest(&digest::SHA256, data).as_ref())
}

/// Lower-case hex, as SigV4 uses for hashes and signatures.
fn hex(bytes: &[u8]) -> String {
    const HEX_LOWER: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        out.push(char::from(HEX_LOWER[usize::from(b >> 4)]));
        out.push(char::from(HEX_LOWER[usize::from(b & 0x0f)]));
    }
    out
}

#[cfg(test)]
mod tests;
