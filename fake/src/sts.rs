/*!
STS (query protocol, XML answers; protocol.md §9.6): `POST /` with a form body naming the
`Action`. GetCallerIdentity says who signed; AssumeRole issues temporary credentials for a
role in an account of the organisation, which the signed services then accept.
*/

use crate::codec;
use crate::errors::ApiError;
use crate::handler::Ctx;
use crate::http::{Request, Response};
use crate::input::check_pairs;
use crate::portal::{new_access_key_id, new_secrets};
use crate::sigv4::{Caller, TestKey, format_iso};
use crate::state::{IssuedCredentials, State};

const XMLNS: &str = "https://sts.amazonaws.com/doc/2011-06-15/";
/// Allowed `DurationSeconds` of AssumeRole.
const DURATION: std::ops::RangeInclusive<u64> = 900..=43200;

fn form(req: &Request) -> Vec<(String, String)> {
    std::str::from_utf8(&req.body)
        .ok()
        .and_then(|b| codec::parse_query(b).ok())
        .unwrap_or_default()
}

/// Whether a request is meant for STS: `POST /` with a form body and no `X-Amz-Target`.
pub(crate) fn is_sts(req: &Request) -> bool {
    req.method == "POST"
        && req.path == "/"
        && req.header("x-amz-target").is_none()
        && req
            .header("content-type")
            .is_some_and(|c| c.starts_with("application/x-www-form-urlencoded"))
}

/// Op name for hit counts.
pub(crate) fn op_name(req: &Request) -> &'static str {
    let action = form(req)
        .into_iter()
        .find(|(k, _)| k == "Action")
        .map(|(_, v)| v);
    match action.as_deref() {
        Some("GetCallerIdentity") => "sts:GetCallerIdentity",
        Some("AssumeRole") => "sts:AssumeRole",
        _ => "sts:UnknownAction",
    }
}

fn respond(action: &str, result: &str) -> Response {
    let xml = format!(
        "<{action}Response xmlns=\"{XMLNS}\">\n  <{action}Result>\n{result}  </{action}Result>\n  <ResponseMetadata>\n    <RequestId>{}</RequestId>\n  </ResponseMetadata>\n</{action}Response>\n",
        crate::ids::request_id()
    );
    Response::xml(200, &xml)
}

/// `POST /` for STS.
pub(crate) fn handle(st: &mut State, cx: &Ctx, req: &Request) -> Result<Response, ApiError> {
    let pairs = form(req);
    let caller = cx
        .caller
        .as_ref()
        .ok_or_else(ApiError::missing_authentication)?;
    match op_name(req) {
        "sts:GetCallerIdentity" => {
            check_pairs(&pairs, &["Action", "Version"], &["Action", "Version"])?;
            version(&pairs)?;
            Ok(get_caller_identity(cx, caller))
        }
        "sts:AssumeRole" => {
            let allowed = [
                "Action",
                "Version",
                "RoleArn",
                "RoleSessionName",
                "DurationSeconds",
                "ExternalId",
            ];
            let required = ["Action", "Version", "RoleArn", "RoleSessionName"];
            check_pairs(&pairs, &allowed, &required)?;
            version(&pairs)?;
            assume_role(st, cx, caller, &pairs)
        }
        _ => Err(ApiError::invalid_request("Could not find operation")),
    }
}

fn version(pairs: &[(String, String)]) -> Result<(), ApiError> {
    let v = pairs
        .iter()
        .find(|(k, _)| k == "Version")
        .map(|(_, v)| v.as_str());
    if v == Some("2011-06-15") {
        Ok(())
    } else {
        Err(ApiError::invalid_request("Version must be 2011-06-15"))
    }
}

fn get_caller_identity(cx: &Ctx, caller: &Caller) -> Response {
    let owner = &cx.org.directory.owner_account_id;
    let (account, arn, user_id) = match caller {
        Caller::Test(TestKey::Admin) => (
            owner.clone(),
            format!("arn:aws:iam::{owner}:user/fake-admin"),
            "AIDAFAKEADMIN00000001".to_string(),
        ),
        Caller::Test(TestKey::Denied) => (
            owner.clone(),
            format!("arn:aws:iam::{owner}:user/fake-readonly"),
            "AIDAFAKEDENIED0000001".to_string(),
        ),
        Caller::Test(_) => (
            owner.clone(),
            format!("arn:aws:sts::{owner}:assumed-role/FakeAdmin/fake-session"),
            "AROAFAKESESSION000001:fake-session".to_string(),
        ),
        Caller::Role {
            account_id,
            role_name,
            ..
        } => (
            account_id.clone(),
            format!("arn:aws:sts::{account_id}:assumed-role/{role_name}/fake-user"),
            "AROAFAKEROLE000000001:fake-user".to_string(),
        ),
    };
    respond(
        "GetCallerIdentity",
        &format!(
            "    <Arn>{arn}</Arn>\n    <UserId>{user_id}</UserId>\n    <Account>{account}</Account>\n"
        ),
    )
}

fn assume_role(
    st: &mut State,
    cx: &Ctx,
    caller: &Caller,
    pairs: &[(String, String)],
) -> Result<Response, ApiError> {
    let get = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    if !caller.is_admin() {
        return Err(ApiError::not_authorized(
            "User is not authorized to perform: sts:AssumeRole",
        ));
    }
    let arn = get("RoleArn").unwrap_or_default();
    let parsed = arn
        .strip_prefix("arn:aws:iam::")
        .and_then(|rest| rest.split_once(":role/"));
    let Some((account_id, role_name)) = parsed.filter(|(_, r)| !r.is_empty()) else {
        return Err(ApiError::invalid_request(format!(
            "RoleArn {arn:?} is not a role ARN"
        )));
    };
    if cx.org.directory.account(account_id).is_none() {
        return Err(ApiError::not_authorized(&format!(
            "User is not authorized to perform: sts:AssumeRole on resource: {arn}"
        )));
    }
    let session = get("RoleSessionName").unwrap_or_default();
    let session_ok = (2..=64).contains(&session.len())
        && session
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_+=,.@-".contains(&b));
    if !session_ok {
        return Err(ApiError::invalid_request(format!(
            "RoleSessionName {session:?} does not satisfy [\\w+=,.@-]{{2,64}}"
        )));
    }
    let duration = match get("DurationSeconds") {
        None => 3600,
        Some(d) => d
            .parse::<u64>()
            .ok()
            .filter(|d| DURATION.contains(d))
            .ok_or_else(|| ApiError::invalid_request("DurationSeconds must be 900 to 43200"))?,
    };
    let access_key_id = new_access_key_id(st);
    let (secret, token) = new_secrets(st.settings.hostile_secrets);
    let expires = cx.now.saturating_add(duration);
    st.credentials.insert(
        access_key_id.clone(),
        IssuedCredentials {
            secret_access_key: secret.clone(),
            session_token: token.clone(),
            expires_at_ms: expires * 1000,
            account_id: account_id.to_string(),
            role_name: role_name.to_string(),
        },
    );
    let esc = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    };
    let expiration = format_iso(i64::try_from(expires).unwrap_or(i64::MAX));
    Ok(respond(
        "AssumeRole",
        &format!(
            "    <AssumedRoleUser>\n      <AssumedRoleId>AROAFAKEROLE000000001:{session}</AssumedRoleId>\n      <Arn>arn:aws:sts::{account_id}:assumed-role/{role_name}/{session}</Arn>\n    </AssumedRoleUser>\n    <Credentials>\n      <AccessKeyId>{access_key_id}</AccessKeyId>\n      <SecretAccessKey>{}</SecretAccessKey>\n      <SessionToken>{}</SessionToken>\n      <Expiration>{expiration}</Expiration>\n    </Credentials>\n",
            esc(&secret),
            esc(&token)
        ),
    ))
}
