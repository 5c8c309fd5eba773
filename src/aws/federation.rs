/*!
Console federation (protocol.md §8.2): a sign-in token for a role's temporary
credentials from the sign-in host of the role's partition, and the login URL
that opens the console with it.
*/

use crate::aws::endpoint::{partition, validate_override};
use crate::error::{Error, Result};
use crate::http::{Http, Request};
use crate::util::credentials::Credentials;
use crate::util::encoding::percent_encode;
use crate::util::env::Env;
use crate::util::secret::Secret;

/// Environment variable that points the sign-in endpoint elsewhere (tests, proxies).
pub const SIGNIN_ENDPOINT_VAR: &str = "AWS_ENDPOINT_URL_SIGNIN";

/// The federation endpoint for a region's partition, or the override, which
/// is held to the rule of every endpoint override (the credentials go there).
///
/// Hosts per partition, from the AWS Sign-In endpoint rule set (botocore
/// `signin/2023-01-01`: `{region}.signin.amazonaws-eusc.eu`, …) and the AWS
/// CLI's `aws console` tests (`eusc-de-east-1.signin.amazonaws-eusc.eu`):
/// aws, aws-cn and aws-us-gov have a partition-wide sign-in host (GovCloud
/// East its own); the European Sovereign Cloud only regional ones. The
/// isolated partitions have no public console: an error (exit 2) names the
/// override, rather than sending their credentials to another partition.
pub fn federation_base(region: &str, env: &Env) -> Result<String> {
    if let Some(url) = env.get(SIGNIN_ENDPOINT_VAR) {
        return validate_override(url);
    }
    Ok(match partition(region).name {
        "aws" => "https://signin.aws.amazon.com".into(),
        "aws-cn" => "https://signin.amazonaws.cn".into(),
        "aws-us-gov" if region == "us-gov-east-1" => {
            "https://us-gov-east-1.signin.amazonaws-us-gov.com".into()
        }
        "aws-us-gov" => "https://signin.amazonaws-us-gov.com".into(),
        "aws-eusc" => format!("https://{region}.signin.amazonaws-eusc.eu"),
        other => return Err(no_console(other)),
    })
}

fn no_console(partition: &str) -> Error {
    Error::Config(format!(
        "partition {partition} has no public console sign-in; set {SIGNIN_ENDPOINT_VAR} to its sign-in URL"
    ))
}

/// The console URL a session lands on: `--destination` as a full URL, or a path
/// on the partition's console host; else the console home of the region.
/// Console hosts: `console.aws.amazon.com`, `console.amazonaws.cn`,
/// `console.amazonaws-us-gov.com`, and in the European Sovereign Cloud only
/// the regional `{region}.console.amazonaws-eusc.eu` (AWS CLI `aws console`).
pub fn destination(region: &str, dest: Option<&str>) -> Result<String> {
    let (host, regional_only) = match partition(region).name {
        "aws" => ("console.aws.amazon.com", false),
        "aws-cn" => ("console.amazonaws.cn", false),
        "aws-us-gov" => ("console.amazonaws-us-gov.com", false),
        "aws-eusc" => ("console.amazonaws-eusc.eu", true),
        other => return Err(no_console(other)),
    };
    Ok(match dest {
        Some(d) if d.starts_with("https://") || d.starts_with("http://") => d.to_string(),
        Some(d) if regional_only => {
            format!("https://{region}.{host}/{}", d.trim_start_matches('/'))
        }
        Some(d) => format!("https://{host}/{}", d.trim_start_matches('/')),
        None => format!("https://{region}.{host}/console/home?region={region}"),
    })
}

/// Asks the federation endpoint for a sign-in token and builds the login URL.
/// With `duration`, a 400 (role-chained credentials reject `SessionDuration`) is
/// retried without it.
pub fn signin_url(
    http: &Http,
    base: &str,
    creds: &Credentials,
    duration: Option<u32>,
    destination: &str,
) -> Result<String> {
    let session = serde_json::json!({
        "sessionId": creds.access_key_id,
        "sessionKey": creds.secret_access_key.expose(),
        "sessionToken": creds.session_token.as_ref().map(Secret::expose),
    })
    .to_string();
    let token = match get_signin_token(http, base, &session, duration) {
        Err(Error::Api(e)) if e.status == 400 && duration.is_some() => {
            get_signin_token(http, base, &session, None)?
        }
        other => other?,
    };
    Ok(format!(
        "{base}/federation?Action=login&Destination={}&SigninToken={}",
        percent_encode(destination),
        percent_encode(&token)
    ))
}

fn get_signin_token(
    http: &Http,
    base: &str,
    session: &str,
    duration: Option<u32>,
) -> Result<String> {
    // POST keeps the credentials out of URLs (and so out of any proxy log).
    let mut form = String::from("Action=getSigninToken");
    if let Some(d) = duration {
        form.push_str(&format!("&SessionDuration={d}"));
    }
    form.push_str(&format!("&Session={}", percent_encode(session)));
    let req = Request::post(
        "GetSigninToken",
        format!("{base}/federation"),
        form.into_bytes(),
    )
    .header("Content-Type", "application/x-www-form-urlencoded");
    let resp = http.send(&req)?;
    let v: serde_json::Value =
        serde_json::from_slice(&resp.body).map_err(|e| Error::unexpected(req.op, e))?;
    v.get("SigninToken")
        .and_then(|t| t.as_str())
        .map(str::to_string)
        .ok_or_else(|| Error::unexpected(req.op, "no SigninToken"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_per_partition() {
        let e = Env::default();
        let federation_base = |r, e| federation_base(r, e).unwrap();
        assert_eq!(
            federation_base("eu-west-1", &e),
            "https://signin.aws.amazon.com"
        );
        assert_eq!(
            federation_base("cn-north-1", &e),
            "https://signin.amazonaws.cn"
        );
        assert_eq!(
            federation_base("us-gov-west-1", &e),
            "https://signin.amazonaws-us-gov.com"
        );
        assert_eq!(
            federation_base("us-gov-east-1", &e),
            "https://us-gov-east-1.signin.amazonaws-us-gov.com"
        );
        assert_eq!(
            federation_base("eusc-de-east-1", &e),
            "https://eusc-de-east-1.signin.amazonaws-eusc.eu"
        );
        let destination = |r, d| destination(r, d).unwrap();
        assert_eq!(
            destination("eu-west-1", None),
            "https://eu-west-1.console.aws.amazon.com/console/home?region=eu-west-1"
        );
        assert_eq!(
            destination("cn-north-1", Some("/s3/home")),
            "https://console.amazonaws.cn/s3/home"
        );
        assert_eq!(
            destination("us-gov-west-1", Some("ec2")),
            "https://console.amazonaws-us-gov.com/ec2"
        );
        assert_eq!(
            destination("eusc-de-east-1", None),
            "https://eusc-de-east-1.console.amazonaws-eusc.eu/console/home?region=eusc-de-east-1"
        );
        assert_eq!(
            destination("eusc-de-east-1", Some("/ec2/home")),
            "https://eusc-de-east-1.console.amazonaws-eusc.eu/ec2/home"
        );
        assert_eq!(
            destination("eu-west-1", Some("https://x.example/y")),
            "https://x.example/y"
        );
        // No public console: an error, not another partition's host.
        for iso in ["us-iso-east-1", "us-isob-east-1", "eu-isoe-west-1"] {
            let e = super::federation_base(iso, &Env::default()).unwrap_err();
            assert_eq!(e.exit_code(), crate::error::EXIT_USAGE, "{e}");
            assert!(super::destination(iso, None).is_err(), "{iso}");
        }
        let evil = Env::of(&[(SIGNIN_ENDPOINT_VAR, "http://127.0.0.1:1@example.com")]);
        assert!(super::federation_base("eu-west-1", &evil).is_err());
    }
}
