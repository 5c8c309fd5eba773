/*!
Redaction for the `--debug` log: the headers and JSON fields that carry tokens,
secrets, codes and keys are replaced by `(redacted)` before anything is
written, so a debug log can be pasted into an issue.
*/

/// Headers whose values are secrets.
const SECRET_HEADERS: &[&str] = &[
    "x-amz-sso_bearer_token",
    "authorization",
    "x-amz-security-token",
];
/// JSON fields and query parameters whose values are secrets.
const SECRET_FIELDS: &[&str] = &[
    "accessToken",
    "refreshToken",
    "clientSecret",
    "deviceCode",
    "code",
    "codeVerifier",
    "idToken",
    "secretAccessKey",
    "sessionToken",
    "SecretAccessKey",
    "SessionToken",
    "SigninToken",
    "Session",
];

/// A header's value for the log: `(redacted)` for the headers that carry secrets.
pub fn header_value<'v>(name: &str, value: &'v str) -> &'v str {
    if SECRET_HEADERS.iter().any(|s| s.eq_ignore_ascii_case(name)) {
        "(redacted)"
    } else {
        value
    }
}

/// The URL with the values of secret query parameters replaced.
pub fn url(url: &str) -> String {
    let Some((path, query)) = url.split_once('?') else {
        return url.to_string();
    };
    let parts: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((k, _)) if SECRET_FIELDS.contains(&k) => format!("{k}=(redacted)"),
            _ => pair.to_string(),
        })
        .collect();
    format!("{path}?{}", parts.join("&"))
}

/// A body for the log: JSON with secret fields replaced; anything else by size.
pub fn body(body: &[u8]) -> String {
    if body.is_empty() {
        return String::new();
    }
    match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(mut v) => {
            scrub_json(&mut v);
            v.to_string()
        }
        Err(_) => format!("({} bytes, not JSON)", body.len()),
    }
}

fn scrub_json(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Object(map) => {
            for (k, val) in map.iter_mut() {
                if SECRET_FIELDS.contains(&k.as_str()) {
                    *val = serde_json::Value::String("(redacted)".into());
                } else {
                    scrub_json(val);
                }
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(scrub_json),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn debug_log_redacts_secrets() {
        let body = br#"{"clientId":"c","clientSecret":"S3CRET","nested":{"accessToken":"T0KEN"}}"#;
        let logged = super::body(body);
        assert!(
            !logged.contains("S3CRET") && !logged.contains("T0KEN"),
            "{logged}"
        );
        assert!(logged.contains("\"clientId\":\"c\""));
        let url = super::url("https://x/federation?Action=getSigninToken&Session=%7Bsecret%7D");
        assert_eq!(
            url,
            "https://x/federation?Action=getSigninToken&Session=(redacted)"
        );
    }
}
