/*!
STS over the query protocol (protocol.md §9.6): GetCallerIdentity, which says
who a set of credentials belongs to, and AssumeRole for `role_arn` profiles.
*/

use crate::aws::signed::SignedClient;
use crate::error::{Error, Result};
use crate::util::credentials::Credentials;
use crate::util::secret::Secret;
use crate::util::{clock, xml};

/// The caller of a set of credentials (STS GetCallerIdentity).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallerIdentity {
    /// The account id.
    pub account: String,
    /// The caller's ARN.
    pub arn: String,
    /// The unique id (`AIDA…` or `AROA…:session`).
    pub user_id: String,
}

/// GetCallerIdentity: who the client's credentials belong to. Needs no IAM
/// permission, so it tells bad credentials from missing rights.
pub fn caller_identity(client: &SignedClient) -> Result<CallerIdentity> {
    let answer = client.query("GetCallerIdentity", &[])?;
    let get = |tag: &str| xml::text(&answer, tag).unwrap_or_default();
    Ok(CallerIdentity {
        account: get("Account"),
        arn: get("Arn"),
        user_id: get("UserId"),
    })
}

/// The parameters of an AssumeRole call.
#[derive(Debug, Clone, Copy)]
pub struct AssumeRole<'a> {
    /// The role to assume.
    pub role_arn: &'a str,
    /// `RoleSessionName`.
    pub session_name: &'a str,
    /// `ExternalId`, when the role's trust policy asks for one.
    pub external_id: Option<&'a str>,
    /// `DurationSeconds`, when configured.
    pub duration_seconds: Option<u32>,
}

/// AssumeRole: temporary credentials for the role, signed with the client's.
pub fn assume_role(client: &SignedClient, input: &AssumeRole) -> Result<Credentials> {
    const OP: &str = "AssumeRole";
    let duration = input.duration_seconds.map(|d| d.to_string());
    let mut params = vec![
        ("RoleArn", input.role_arn),
        ("RoleSessionName", input.session_name),
    ];
    if let Some(id) = input.external_id {
        params.push(("ExternalId", id));
    }
    if let Some(d) = &duration {
        params.push(("DurationSeconds", d));
    }
    let answer = client.query(OP, &params)?;
    let creds = xml::element(&answer, "Credentials").unwrap_or_default();
    let field =
        |tag: &str| xml::text(creds, tag).ok_or_else(|| Error::unexpected(OP, format!("no {tag}")));
    Ok(Credentials {
        access_key_id: field("AccessKeyId")?,
        secret_access_key: Secret::new(field("SecretAccessKey")?),
        session_token: Some(Secret::new(field("SessionToken")?)),
        expiration: xml::text(creds, "Expiration").and_then(|t| clock::parse(&t)),
    })
}
