/*!
Encodings the fake speaks: base64 (standard and URL-safe), percent-encoding of query strings,
and the SHA-256 challenge of PKCE.
*/

use ring::digest::{SHA256, digest};

/// RFC 4648 §4 alphabet; the portal's opaque page tokens use it so that they contain `+` and `/`.
pub(crate) const STANDARD: &[u8; 64] =
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
/// RFC 4648 §5 alphabet (PKCE challenges, ids that must be URL-safe).
pub(crate) const URL_SAFE: &[u8; 64] =
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Base64 of `bytes` in `alphabet`, with or without `=` padding.
pub(crate) fn base64(bytes: &[u8], alphabet: &[u8; 64], pad: bool) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let byte = |i: usize| u32::from(chunk.get(i).copied().unwrap_or(0));
        let n = (byte(0) << 16) | (byte(1) << 8) | byte(2);
        // A chunk of k bytes carries k + 1 significant sextets.
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(alphabet[(n >> (18 - 6 * i)) as usize & 63]));
            } else if pad {
                out.push('=');
            }
        }
    }
    out
}

/// `base64url(SHA-256(s))` without padding: the PKCE `S256` code challenge of verifier `s`
/// (RFC 7636 §4.2).
pub fn sha256_b64url(s: &str) -> String {
    base64(digest(&SHA256, s.as_bytes()).as_ref(), URL_SAFE, false)
}

/// Whether `c` is an RFC 3986 unreserved character, the only ones AWS leaves unescaped.
fn is_unreserved(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'-' | b'.' | b'_' | b'~')
}

/// Percent-encodes everything but unreserved characters (so a space becomes `%20`).
pub(crate) fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for &b in s.as_bytes() {
        if is_unreserved(b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Decodes one query-string component. `+` means a space, as in the form encoding that AWS's
/// front ends apply: a client that leaves a `+` of an opaque token unescaped gets it mangled,
/// just as it would against the real service.
pub(crate) fn percent_decode(s: &str) -> Result<String, String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = bytes
                    .get(i + 1..i + 3)
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                    .ok_or_else(|| format!("bad percent-escape in {s:?}"))?;
                out.push(hex);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).map_err(|_| format!("query component {s:?} is not UTF-8"))
}

/// Splits and decodes `a=1&b=2`. Empty segments are skipped; a name without `=` has an
/// empty value.
pub(crate) fn parse_query(qs: &str) -> Result<Vec<(String, String)>, String> {
    qs.split('&')
        .filter(|segment| !segment.is_empty())
        .map(|segment| {
            let (name, value) = segment.split_once('=').unwrap_or((segment, ""));
            Ok((percent_decode(name)?, percent_decode(value)?))
        })
        .collect()
}

/// Encodes pairs as a query string (names and values percent-encoded).
pub(crate) fn build_query(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", percent_encode(k), percent_encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_rfc4648_vectors() {
        let cases = [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ];
        for (input, expected) in cases {
            assert_eq!(base64(input.as_bytes(), STANDARD, true), expected);
        }
        assert_eq!(base64(b"fo", URL_SAFE, false), "Zm8");
        assert_eq!(base64(&[0xfb, 0xff], STANDARD, true), "+/8=");
        assert_eq!(base64(&[0xfb, 0xff], URL_SAFE, false), "-_8");
    }

    #[test]
    fn pkce_rfc7636_appendix_b() {
        assert_eq!(
            sha256_b64url("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn percent_round_trip() {
        let s = "a b/c+d=e&é~";
        assert_eq!(percent_encode(s), "a%20b%2Fc%2Bd%3De%26%C3%A9~");
        assert_eq!(percent_decode(&percent_encode(s)).unwrap(), s);
        assert_eq!(percent_decode("a+b").unwrap(), "a b");
        assert!(percent_decode("%zz").is_err());
        assert!(percent_decode("%4").is_err());
        assert!(percent_decode("%ff").is_err());
    }

    #[test]
    fn query_parsing() {
        let q = parse_query("a=1&&b=x%2By&c").unwrap();
        let expected = [("a", "1"), ("b", "x+y"), ("c", "")];
        let expected: Vec<(String, String)> = expected
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        assert_eq!(q, expected);
        assert_eq!(build_query(&[("s", "a b"), ("t", "/")]), "s=a%20b&t=%2F");
    }
}
